#!/usr/bin/env bash
# t-gw-fair: the target's stdout and stderr share one window; a client that
# reads stdout slowly and stderr at once gets every byte of both, and the
# worker stays small. Before, stdout was always written first: stderr
# starved, its backlog piled up inside libssh a window at a time, and the
# channel stalled (4 MB of 300 MB in two minutes).
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
KEEPER_PIDS=" $(pgrep -P "$JGD_PID" | tr '\n' ' ')"
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -i "$T/keys/alice" -p "$JG_PORT")

OUTN=100000000
ERRN=300000000
SLOW=$((300 * 4 * 65536))	# read at about 25 MB/s, the rest at once
{
	timeout 90 "${SSH[@]}" alice@t1@127.0.0.1 \
		"cat /dev/zero | head -c $ERRN >&2 & head -c $OUTN /dev/zero; wait" \
		2> >(wc -c >"$T/err.count") | {
		for i in $(seq 1 300); do
			dd bs=64k count=4 iflag=fullblock of=/dev/null status=none
			sleep 0.01
		done
		wc -c >"$T/out.rest"
	}
	touch "$T/done"
} &
flow=$!
worker=""
for i in $(seq 1 50); do
	for p in $(pgrep -P "$JGD_PID"); do
		case $KEEPER_PIDS in *" $p "*) continue ;; esac
		worker=$p
	done
	[ -n "$worker" ] && break
	sleep 0.1
done
peak=0
for i in $(seq 1 500); do
	v=$(awk '/^VmRSS:/ { print $2 }' "/proc/${worker:-0}/status" 2>/dev/null)
	[ -n "$v" ] || break
	[ "$v" -gt "$peak" ] && peak=$v
	[ -e "$T/done" ] && break
	sleep 0.2
done
wait $flow
sleep 0.5
diag "worker $worker peak RSS: $peak KiB"
is "every stderr byte arrives" "$(tr -d ' ' <"$T/err.count")" "$ERRN"
is "every stdout byte arrives" "$(( $(tr -d ' ' <"$T/out.rest") + SLOW ))" "$OUTN"
if [ -n "$worker" ] && [ "$peak" -gt 0 ] && [ "$peak" -lt "$(mem_limit 65536)" ]; then
	ok "the worker stays under 64 MiB ($peak KiB)"
else
	not_ok "the worker stays under 64 MiB" "worker=$worker peak=$peak KiB"
fi
