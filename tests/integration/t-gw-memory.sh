#!/usr/bin/env bash
# t-gw-memory: a worker gives back what a burst made it hold. A download
# whose client reads nothing for a few seconds fills the worker's queues
# (megabytes); once it drained and the session sits idle, the worker's
# resident memory falls back near an idle worker's. Under ASan the
# sanitizer's allocator keeps freed memory in quarantine by design, so the
# plain suite alone checks the figure; both check that the data arrived.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
KEEPER_PIDS=" $(pgrep -P "$JGD_PID" | tr '\n' ' ')"
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -i "$T/keys/alice" -p "$JG_PORT")
worker() {	# the master's child that is not the keeper (waits 5 s)
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
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# An idle session: the baseline.
timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'echo up; sleep 5' >"$T/idle.out" &
jg_track $!
wait_for 10 grep -q up "$T/idle.out" || bail "the idle session did not start"
w=$(worker) || bail "no worker"
sleep 1
idle=$(kib "$w" VmRSS)
diag "idle worker: VmRSS $idle kB"
wait_for 15 sh -c "! kill -0 $w 2>/dev/null" || bail "the idle worker did not end"

# 100 MB down to a client that reads nothing for 4 s, then idles.
timeout 60 "${SSH[@]}" alice@t1@127.0.0.1 \
	'head -c 100000000 /dev/zero; echo done >&2; sleep 15' 2>"$T/big.err" |
	(sleep 4; wc -c >"$T/big.count") &
jg_track $!
w=$(worker) || bail "no worker for the download"
wait_for 30 grep -q done "$T/big.err" || bail "the download did not finish"
sleep 2
hwm=$(kib "$w" VmHWM) rss=$(kib "$w" VmRSS)
diag "after 100 MB: VmHWM $hwm kB, VmRSS $rss kB (idle worker: $idle kB)"
if [ "${JG_ASAN:-0}" != 1 ]; then
	check "the burst made the worker hold megabytes (VmHWM $hwm >= idle $idle + 3 MiB)" \
		test "$hwm" -ge $((idle + 3072))
	check "drained, it gave them back (VmRSS $rss <= idle $idle + 2.5 MiB)" \
		test "$rss" -le $((idle + 2560))
fi
wait_for 30 test -s "$T/big.count"
is "every byte arrived" "$(tr -d ' ' <"$T/big.count")" 100000000
