#!/usr/bin/env bash
# t-gw-datapath: the bridge's defects found by reading it, each driven
# (stdout and stderr fairness: t-gw-fair).
#  - bytes echoed through the bridge while both legs rekey every 256 KiB
#    come back unchanged (libssh writes from memory no callback can move);
#  - a client that stops reading its socket cannot hold the worker:
#    sends are bounded, the gateway ends the connection and the session.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import paramiko' 2>/dev/null ||
	bail "python3-paramiko is not installed (scripts/setup.sh installs it)"
target_sshd_start "RekeyLimit 256K" || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
KEEPER_PIDS=" $(pgrep -P "$JGD_PID" | tr '\n' ' ')"
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -i "$T/keys/alice" -p "$JG_PORT")

new_worker() {	# the master's child that is not the keeper (waits 5 s)
	local i p
	for i in $(seq 1 50); do
		for p in $(pgrep -P "$JGD_PID"); do
			case $KEEPER_PIDS in *" $p "*) continue ;; esac
			echo "$p"
			return 0
		done
		sleep 0.1
	done
	return 1
}
# ------------------------------------------- echo through rekeys
head -c $((24 * 1048576)) /dev/urandom >"$T/echo.in"
timeout 120 "${SSH[@]}" -o RekeyLimit=256K alice@t1@127.0.0.1 cat \
	<"$T/echo.in" >"$T/echo.out" 2>"$T/echo.err"
rc=$?
is "the echo through both legs rekeying ends with 0" "$rc" 0
if cmp -s "$T/echo.in" "$T/echo.out"; then
	ok "24 MiB echoed while both legs rekey every 256 KiB come back unchanged"
else
	not_ok "24 MiB echoed while both legs rekey every 256 KiB come back unchanged" \
		"$(cmp "$T/echo.in" "$T/echo.out" 2>&1 | head -n 2) ($(wc -c <"$T/echo.out") bytes)"
fi
rm -f "$T/echo.in" "$T/echo.out"

# ------------------------------------------- a client that stops reading
/usr/bin/python3 "$JG_SRCDIR/tests/tools/sshraw.py" stall "$JG_PORT" alice@t1 \
	"$T/keys/alice" 'cat /dev/zero' >"$T/stall.out" 2>"$T/stall.err" &
stall=$!
jg_track $stall
if wait_for 20 grep -q 'reading stopped' "$T/stall.out"; then
	ok "the stalling client logged in and stopped reading"
else
	not_ok "the stalling client logged in and stopped reading" \
		"$(cat "$T/stall.out" "$T/stall.err")"
fi
w=$(new_worker)
check_out "found its worker" '^[0-9]+$' echo "$w"
start=$(date +%s)
# bounded sends (15 s without progress) and TCP_USER_TIMEOUT (30 s)
if [ -n "$w" ] && wait_for 90 bash -c "! kill -0 $w 2>/dev/null"; then
	ok "the worker of a client that stopped reading ends ($(($(date +%s) - start)) s)"
else
	not_ok "the worker of a client that stopped reading ends" "still there after 90 s"
fi
check "its session is not left live" wait_for 10 \
	bash -c "[ \"\$('$JG' sessions --live --json | jq length)\" = 0 ]"
kill -CONT $stall 2>/dev/null
kill $stall 2>/dev/null
check_out "the gateway serves the next login" '^next$' \
	timeout 20 "${SSH[@]}" alice@t1@127.0.0.1 'echo next'
