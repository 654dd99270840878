#!/usr/bin/env bash
# t-gw-watch: an auditor watches a live tmux session through the gateway
# (ssh -t carol@gw watch ID) while an admin watches it on the host
# (jumpgate watch ID): both start from its current screen, see what the
# user types as it happens, cannot type into it; q stops watching and the
# session goes on; its end ends the watch; only auditors, only live
# sessions; every watch is audited; bad input is one clear line.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
have tmux || bail "tmux is not installed"
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
jg_user bob ops
jg_user carol auditor
"$JG" access add ops t1 >/dev/null || bail "access"
jgd_start || bail "jumpgated did not start"

SSHO="-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
TS="$T/tmux.sock"
tm() { tmux -S "$TS" "$@"; }
pane() { tm capture-pane -p -t "$1" -S -100; }
has() { pane "$1" | grep -qF -- "$2"; }
# shows DESC WINDOW TEXT SECONDS: the window shows TEXT in time.
shows() {
	if wait_for "$4" has "$2" "$3"; then ok "$1"
	else not_ok "$1" "expected: $3" "screen: $(pane "$2" | grep -v '^$' | tail -n 6)"; fi
}
type_in() { tm send-keys -t "$1" -l "$2"; tm send-keys -t "$1" Enter; }
# no q or Q: a watcher's q quits, and the marks are typed into watchers too
mark() { head -c 12 /dev/urandom | base64 | tr -dc 'a-pr-zA-PR-Z0-9' | head -c 10; }

# --------------------------------------------------- alice works, two watch
M1=before-$(mark) M2=during-$(mark) INJ=injected-$(mark)
tm new-session -d -x 100 -y 30 -s u \
	"ssh $SSHO -tt -i $T/keys/alice -p $JG_PORT alice@t1@127.0.0.1; sleep 60"
shows "alice's shell starts" u:0 'jgtarget@' 15
type_in u:0 "echo $M1"
shows "alice's command runs" u:0 "$M1" 10
SID=$("$JG" sessions --json | jq -r '[.[] | select(.state == "live")] | max_by(.id).id')
check "alice's session is live" test -n "$SID" -a "$SID" != null
tm new-window -d -t u: -n host "\"$JG\" watch $SID; echo watch-exit=\$?; sleep 60"
tm new-window -d -t u: -n gw \
	"ssh $SSHO -tt -i $T/keys/carol -p $JG_PORT carol@127.0.0.1 watch $SID; echo watch-exit=\$?; sleep 60"
shows "the host's watcher starts from the current screen" u:host "$M1" 10
shows "the gateway's watcher starts from the current screen" u:gw "$M1" 10
shows "the host's watcher has a status line" u:host "watching session $SID  alice@t1 as jgtarget  since" 5
shows "the gateway's watcher has a status line" u:gw "watching session $SID  alice@t1 as jgtarget  since" 5
type_in u:0 "echo $M2"
shows "the host's watcher sees what alice types" u:host "$M2" 10
shows "the gateway's watcher sees what alice types" u:gw "$M2" 10
# What watchers type goes nowhere.
type_in u:host "echo $INJ-h"
type_in u:gw "echo $INJ-g"
sleep 3
if pane u:0 | grep -qF "$INJ"; then
	not_ok "nothing a watcher types reaches the session" "$(pane u:0 | tail -n 5)"
else
	ok "nothing a watcher types reaches the session"
fi
# The gateway's watcher quits with q; the session and the other go on.
tm send-keys -t u:gw q
shows "q stops the gateway's watcher" u:gw "[stopped watching session $SID]" 10
shows "and it exits 0" u:gw "watch-exit=0" 10
is "the session still runs" "$("$JG" sessions --json | jq -r ".[] | select(.id == $SID) | .state")" live
# The session's end ends the host's watch.
type_in u:0 "exit"
shows "the session's end ends the host's watch" u:host "[session $SID ended]" 15
shows "and the host's watch exits 0" u:host "watch-exit=0" 5
"$JG" replay "$SID" --cat >"$T/rec.out" 2>&1 || not_ok "replay --cat" "$(cat "$T/rec.out")"
if grep -qF "$INJ" "$T/rec.out"; then
	not_ok "the recording holds nothing a watcher typed"
else
	ok "the recording holds nothing a watcher typed"
fi
check_out "the recording verifies intact" "^session $SID: intact" "$JG" verify "$SID"
check "both watches are audited" sh -c "\"$JG\" audit --json | jq -e '
	([.[] | select(.action == \"session.watch\" and (.detail | startswith(\"session=$SID \")))] | length) == 2 and
	any(.[]; .action == \"session.watch\" and .actor == \"carol\")' >/dev/null"
tmux_stop "$TS"

# --------------------------------------------------- refusals
O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -p "$JG_PORT")
expect_error "a watch of a session that ended is refused" "session $SID is not live" \
	"$JG" watch "$SID"
expect_error "through the gateway too" "session $SID is not live" \
	timeout 30 ssh "${O[@]}" -i "$T/keys/carol" carol@127.0.0.1 watch "$SID"
timeout 60 ssh "${O[@]}" -i "$T/keys/alice" alice@t1@127.0.0.1 'echo started; sleep 30' \
	>"$T/bg.out" 2>&1 &
BG=$!
jg_track "$BG"
wait_for 15 grep -q started "$T/bg.out" || bail "alice's second session did not start"
S2=$("$JG" sessions --json | jq -r '[.[] | select(.state == "live")] | max_by(.id).id')
expect_error "bob (not an auditor) may not watch" "only auditors may watch" \
	timeout 30 ssh "${O[@]}" -i "$T/keys/bob" bob@127.0.0.1 watch "$S2"
check "the refusal is audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"request.refused\" and .actor == \"bob\" and .detail == \"watch\")' >/dev/null"
expect_error "no such session" "no such session: 99999" "$JG" watch 99999
expect_usage "a session id is needed" "missing session ID" "$JG" watch
expect_usage "not a session id" "not a session id: 'abc'" "$JG" watch abc
expect_usage "one session at a time" "unexpected argument '7'" "$JG" watch "$S2" 7
kill "$BG" 2>/dev/null
jgd_stop
expect_error "without the daemon: one clear line" "cannot reach jumpgated" \
	"$JG" watch "$S2"
