#!/usr/bin/env bash
# t-fault-dblock: another process holds the database locked (sqlite3 in
# BEGIN EXCLUSIVE, 3 s) while users log in. (In WAL mode that is a write
# lock: readers go on; locking_mode=EXCLUSIVE cannot be had at all while
# the daemon has the database open.)
# A login is refused with a message to the client, within a couple of
# seconds (the daemon's busy timeout is 250 ms), and not counted as a failed
# authentication; the daemon keeps running; a session started before the
# lock keeps printing without a stall and ends normally; sessions that end
# while the lock is held get their rows written once it is gone; logins
# work again at once after the release.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
DB=$T/state/jumpgate.db
# LogLevel INFO (not ERROR): ssh shows the gateway's banner only then.
O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=INFO -o ConnectTimeout=10 -i "$T/keys/alice" -p "$JG_PORT")
gw() { timeout 20 ssh "${O[@]}" "$@"; }
nlive() { "$JG" sessions --json | jq '[.[] | select(.state == "live")] | length'; }
live_is() { [ "$(nlive)" = "$1" ]; }

# lock_take: a sqlite3 process holds the database in BEGIN EXCLUSIVE. It
# reads its commands from a fifo on descriptor 7, so lock_release ends it
# at the moment we choose; .bail on: "locked" is printed only once it
# holds the lock.
lock_take() {
	rm -f "$T/lock.fifo" "$T/lock.out"
	mkfifo "$T/lock.fifo"
	sqlite3 "$DB" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
	LOCK_PID=$!
	jg_track "$LOCK_PID"
	exec 7>"$T/lock.fifo"
	printf '.bail on\n.timeout 5000\n' >&7
	printf "BEGIN EXCLUSIVE;\nSELECT 'locked';\n" >&7
	wait_for 10 grep -qx locked "$T/lock.out"
}
lock_release() {
	printf 'ROLLBACK;\n.quit\n' >&7
	exec 7>&-
	wait "$LOCK_PID"
}
# stamp: each line of stdin prefixed with the time it arrived.
stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done
}
# max_gap FILE: the longest wait between two stamped lines, in ms.
max_gap() {
	awk 'NR > 1 { g = ($1 - p) * 1000; if (g > m) m = g } { p = $1 }
		END { printf "%d\n", m }' "$1"
}

# Before the lock: a long session, and three short ones that end inside it.
{ gw alice@t1@127.0.0.1 'for i in $(seq 1 60); do echo tick-$i; sleep 0.1; done'
	echo "rc=$?"; } </dev/null 2>"$T/long.err" | stamp >"$T/long.out" &
long=$!
wait_for 10 grep -q tick-3 "$T/long.out" || diag "the long session did not start"
shorts=()
for k in 1 2 3; do
	gw alice@t1@127.0.0.1 "sleep 2.$k; echo short-$k" </dev/null \
		>"$T/short$k.out" 2>"$T/short$k.err" &
	shorts+=($!)
done
wait_for 10 live_is 4 || diag "the short sessions did not start"
fails_before=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'auth.fail'")

check "sqlite3 holds the database" lock_take ||
	diag "$(cat "$T/lock.out")"
t_lock=$EPOCHREALTIME
a=$EPOCHREALTIME
gw alice@t1@127.0.0.1 'echo should-not-run' </dev/null >"$T/in.out" 2>"$T/in.err"
rc=$?
ms=$(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
diag "refused in $ms ms: $(tr '\n' ' ' <"$T/in.err")"
check "a login is refused" test "$rc" -ne 0 -a ! -s "$T/in.out"
check_out "the client is told why" 'busy' cat "$T/in.err"
check "the refusal takes under 3 s ($ms ms)" test "$ms" -lt 3000
gw alice@127.0.0.1 targets </dev/null >"$T/cm.out" 2>"$T/cm.err"
rc=$?
diag "command mode: $(tr '\n' ' ' <"$T/cm.err")"
check "command mode is refused too" test "$rc" -ne 0 -a ! -s "$T/cm.out"
check_out "and told why" 'busy' cat "$T/cm.err"
for k in 1 2 3; do
	wait "${shorts[k - 1]}"
	is "short session $k ends normally inside the lock" \
		"$?:$(cat "$T/short$k.out")" "0:short-$k"
done
check "the daemon still runs" kill -0 "$JGD_PID"
n=$(grep -c tick- "$T/long.out")
sleep 1
check "the long session keeps printing while the lock is held" \
	test "$(grep -c tick- "$T/long.out")" -gt "$n"
# Hold it 3 s in all.
sleep "$(awk -v a="$t_lock" -v b="$EPOCHREALTIME" 'BEGIN { s = 3 - (b - a); print (s > 0 ? s : 0) }')"
check "the lock is still held after 3 s" kill -0 "$LOCK_PID"
lock_release

a=$EPOCHREALTIME
check_out "after the release a login works at once" '^back$' \
	gw alice@t1@127.0.0.1 'echo back' </dev/null
diag "the first login after the release: $(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }') ms"
wait "$long"
is "the long session printed every line" "$(grep -c ' tick-' "$T/long.out")" 60
check_outf "and ended with status 0" " rc=0" cat "$T/long.out"
gap=$(max_gap "$T/long.out")
check "its output never stalled (longest gap $gap ms < 1000)" test "$gap" -lt 1000
check "no session is left live (the short ones' ends were written)" \
	wait_for 5 live_is 0
is "the refused login did not count as a failed authentication" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'auth.fail'")" "$fails_before"

"$JG" sessions --json >"$T/sessions.json"
diag "$(jq -c '.[] | [.id, .state, .exit_status, .end_reason]' "$T/sessions.json")"
check "every session completed with status 0" json_check "$T/sessions.json" \
	'length == 5 and all(.state == "complete" and .exit_status == 0)'
check "every recording verifies intact" "$JG" verify --all
check_out "the audit log is intact" '^audit log intact' "$JG" audit verify
check_outf "the log names the cause" "database is busy" cat "$T/jumpgated.log"
jgd_stop
check_out "PRAGMA integrity_check is ok" '^ok$' sqlite3 "$DB" 'PRAGMA integrity_check'
