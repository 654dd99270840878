#!/usr/bin/env bash
# t-fault-clock: jumps of the wall clock move neither idle nor grant
# deadlines (they are monotonic). jumpgated runs under libfaketime with its
# wall clock an hour off, and true again a few seconds after its start
# (FAKETIME_STOP_AFTER_SECONDS): a jump in every one of its processes at a
# moment the test knows, workers included (FAKETIME_CACHE_DURATION keeps the
# setting in a worker whose environment is emptied); the monotonic clock is
# left alone. With IdleTimeout 4:
#  - forward jump (+1 h): a session whose data stops 2 s before the jump is
#    not closed at the jump (its data comes back 3 s later); it is closed by
#    idleness ~4 s after its last data. A grant's session (25 s grant,
#    opened before the jump) goes on past the jump and ends when the grant
#    ends, 25 s after the approval.
#  - backward jump (-1 h): a session whose data stopped 1.5 s before the
#    jump is still closed ~4 s after its last data. A grant's session (25 s
#    grant, approved and opened before the jump) ends when the grant ends,
#    25 s after the approval, not an hour later (its command would run on
#    for 45 s).
# Each case fails with an idle timeout computed from time(NULL).
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config "IdleTimeout 4"
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1 g1
jg_user alice ops
jg_user bob lead
"$JG" access add ops 't*' >/dev/null || bail "access t*"
"$JG" access add ops 'g*' --approval-by lead >/dev/null || bail "access g*"
FT_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FT_LIB" ] || bail "libfaketime.so.1 not found (scripts/setup.sh installs faketime)"
# Under ASan the sanitizer's runtime must be the first library loaded, so
# it goes into LD_PRELOAD ahead of libfaketime (the path the daemon links).
FT_PRELOAD=$FT_LIB
if [ "${JG_ASAN:-0}" = 1 ]; then
	asan_lib=$(ldd "$JGD" | awk '/libasan/ { print $3; exit }')
	[ -n "$asan_lib" ] || bail "JG_ASAN=1 but $JGD does not link libasan"
	FT_PRELOAD="$asan_lib:$FT_LIB"
fi
now() { printf '%s\n' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'; }
sleep_until() {	# EPOCH: sleep until then (at most 30 s)
	sleep "$(awk -v t="$1" -v n="$EPOCHREALTIME" \
		'BEGIN { d = t - n; printf "%.3f", (d < 0 ? 0 : (d > 30 ? 30 : d)) }')"
}
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
row() { "$JG" sessions --json | jq -r ".[] | select(.id == $1) | .$2"; }
last_id() { "$JG" sessions --json | jq -r 'max_by(.id).id'; }
# epoch ISO: seconds since the epoch of a UTC ISO time from the store.
epoch() { date -u -d "$1" +%s; }
# feed NAME SCRIPT: run the shell SCRIPT in the background with its output
# into the fifo $T/NAME.in (for a session's stdin); its pid in FEED_PID.
feed() {
	rm -f "$T/$1.in"
	mkfifo "$T/$1.in"
	bash -c "$2" >"$T/$1.in" &
	FEED_PID=$!
	jg_track "$FEED_PID"
}

# jgd_shifted OFFSET AFTER: jumpgated with its wall clock OFFSET off
# (faketime: "-3600" is an hour behind) until AFTER seconds after its
# start; JUMP_AT is then (real epoch seconds).
runs=0
jgd_shifted() {
	runs=$((runs + 1))
	JUMP_AT=$(awk -v t="$EPOCHREALTIME" -v s="$2" 'BEGIN { printf "%.3f", t + s }')
	jg_bg "$T/jumpgated.$runs.log" env LD_PRELOAD="$FT_PRELOAD" FAKETIME="$1" \
		FAKETIME_STOP_AFTER_SECONDS="$2" FAKETIME_CACHE_DURATION=1000000 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1 \
		"$JGD" -f -c "$JUMPGATE_CONFIG"
	JGD_PID=$BG_PID
	wait_for 10 port_listening "$JG_PORT" ||
		bail "jumpgated did not start: $(_tail "$T/jumpgated.$runs.log")"
}

# grant_session WHICH REASON OUT: alice requests g1 for 25 s, bob approves,
# and a session under the grant prints a line every 0.5 s into $T/OUT.out
# ($T/OUT.end: when it ended). Sets t_grant, gpid, gid.
grant_session() {
	local req
	req=$(jg_as alice alice@127.0.0.1 request g1 --reason "$2" --duration 25s </dev/null |
		sed -n 's/^request \([0-9]*\) pending.*/\1/p')
	check "$1: alice's request is filed" test -n "$req"
	check_out "$1: bob approves it" 'approved request' jg_as bob bob@127.0.0.1 approve "$req" </dev/null
	t_grant=$(now)
	{ jg_as alice alice@g1@127.0.0.1 'for i in $(seq 1 90); do echo g-$i; sleep 0.5; done' \
		</dev/null >"$T/$3.out" 2>"$T/$3.err"; now >"$T/$3.end"; } &
	gpid=$!
	wait_for 10 grep -q g-2 "$T/$3.out" || diag "$1: the grant's session did not start"
	gid=$(last_id)
}

# grant_ended WHICH OUT HI [WHAT]: that session ended with its grant, 22 to
# HI s after the approval, and says why.
grant_ended() {
	local d
	d=$(awk -v a="$t_grant" -v b="$(cat "$T/$2.end" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", b - a }')
	diag "$1: grant session: $(tail -n 1 "$T/$2.out"); $(tr '\n' ' ' <"$T/$2.err")"
	check "$1: the grant's session ends with the grant, 25 s after the approval${4:-} ($d s)" \
		between "$d" 22 "$3"
	is "$1: its end reason is the grant's end" "$(row "$gid" end_reason)" "grant expired"
}

# ------------------------------------------------ forward: +1 h at JUMP_AT
jgd_shifted -3600 12
id0=$(last_id)
# A grant of 25 s, approved and used before the jump.
grant_session forward "clock test" g
diag "forward: the grant session ($gid) is up $(since "$t_grant") s after the approval"

# The idle session: its data stops 1 s before the jump, comes back 2 s
# after it, twice, then stops for good. The first idle check is 4 s after
# its start, after the jump and before its data comes back: a deadline
# taken from the wall clock closes it there.
sleep_until "$(awk -v j="$JUMP_AT" 'BEGIN { printf "%.3f", j - 3 }')"
t_i=$(now)
feed i 'sleep 2; echo one; sleep 3; echo two; sleep 2; echo three; exec sleep 60'
jg_as alice alice@t1@127.0.0.1 cat <"$T/i.in" >"$T/i.out" 2>"$T/i.err" &
ipid=$!
sleep_until "$(awk -v j="$JUMP_AT" 'BEGIN { printf "%.3f", j + 3 }')"
n=$(grep -c g- "$T/g.out")
sleep 1
check "forward: the grant's session still runs 3 s after the jump" kill -0 "$gpid"
check "forward: and still prints" test "$(grep -c g- "$T/g.out")" -gt "$n"
wait_for 20 bash -c "! kill -0 $ipid 2>/dev/null"
d=$(since "$t_i")
kill "$FEED_PID" 2>/dev/null
is "forward: the idle session got all its data (not closed at the jump)" \
	"$(tr '\n' ' ' <"$T/i.out")" "one two three "
check "forward: it is closed by idleness 4 s after its last data ($d s after its start, 7 + 4 expected)" \
	between "$d" 10 14
iid=$(last_id)
is "forward: its end reason is the idle timeout" "$(row "$iid" end_reason)" "idle timeout"
wait "$gpid"
grant_ended forward g 29
# The clocks really were an hour behind before the jump: the master's (the
# row's start) and the worker's (the recording's start).
st=$(epoch "$(row "$gid" started)")
off=$(awk -v s="$st" -v t="$t_grant" 'BEGIN { printf "%d", s - t }')
check "forward: the master's clock was an hour behind ($off s)" between "$off" -3660 -3540
ts=$("$JG" export "$gid" --format asciicast | head -n 1 | jq -r .timestamp)
off=$(awk -v s="$ts" -v t="$t_grant" 'BEGIN { printf "%d", s - t }')
check "forward: the worker's clock too ($off s)" between "$off" -3660 -3540
st=$(epoch "$(row "$iid" ended)")
off=$(awk -v s="$st" -v t="$EPOCHREALTIME" 'BEGIN { printf "%d", s - t }')
check "forward: and true after the jump ($off s)" between "$off" -60 5
jgd_stop

# ------------------------------------------------ backward: -1 h at JUMP_AT
jgd_shifted +3600 14
# A grant of 25 s, approved and used before the jump: its end taken from
# the wall clock would come an hour late (the loop's own end, 45 s).
grant_session backward "clock test back" bg
check "backward: the approval and the grant's session came before the jump" \
	awk -v a="$(now)" -v j="$JUMP_AT" 'BEGIN { exit !(a < j) }'
sleep_until "$(awk -v j="$JUMP_AT" 'BEGIN { printf "%.3f", j - 2.5 }')"
t_i=$(now)
feed b 'sleep 1; echo one; exec sleep 60'
jg_as alice alice@t1@127.0.0.1 cat <"$T/b.in" >"$T/b.out" 2>"$T/b.err" &
ipid=$!
wait_for 15 bash -c "! kill -0 $ipid 2>/dev/null"
d=$(since "$t_i")
kill "$FEED_PID" 2>/dev/null
is "backward: the idle session got its data" "$(tr '\n' ' ' <"$T/b.out")" "one "
check "backward: it is closed by idleness 4 s after its last data ($d s after its start, 1 + 4 expected)" \
	between "$d" 4 7
bid=$(last_id)
is "backward: its end reason is the idle timeout" "$(row "$bid" end_reason)" "idle timeout"
ts=$("$JG" export "$bid" --format asciicast | head -n 1 | jq -r .timestamp)
off=$(awk -v s="$ts" -v t="$t_i" 'BEGIN { printf "%d", s - t }')
check "backward: the worker's clock was an hour ahead ($off s)" between "$off" 3540 3660
kill "$ipid" 2>/dev/null
wait_for 50 test -s "$T/bg.end"
check "backward: the grant's session has ended" test -s "$T/bg.end"
grant_ended backward bg 32 ", not later by the jump"
st=$(epoch "$(row "$gid" started)")
off=$(awk -v s="$st" -v t="$t_grant" 'BEGIN { printf "%d", s - t }')
check "backward: the master's clock was an hour ahead at its start ($off s)" between "$off" 3540 3660
wait "$gpid"
jgd_stop
check "every recording verifies" "$JG" verify --all
