#!/usr/bin/env bash
# t-gw-kill: an auditor (through the gateway) or an admin (on the host)
# ends a live session: its user is told who and why, it ends within
# seconds, its row says killed, its recording verifies intact, the audit
# names who killed it and why; kill --user ends all of one user's; others
# may not kill; bad input is one clear line.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
jg_user bob ops
jg_user carol auditor
"$JG" access add ops t1 >/dev/null || bail "access"
jgd_start || bail "jumpgated did not start"

# live NAME: alice's session in the background (until killed or 60 s);
# its stderr in $T/NAME.err, pid in LPID, session id in SID.
live() {
	jg_as alice alice@t1@127.0.0.1 'echo started; sleep 60' >"$T/$1.out" 2>"$T/$1.err" &
	LPID=$!
	jg_track "$LPID"
	wait_for 15 grep -q started "$T/$1.out" || bail "session $1 did not start: $(_tail "$T/$1.err")"
	SID=$("$JG" sessions --json | jq -r '[.[] | select(.state == "live")] | max_by(.id).id')
}
# gone PID SECONDS: the process ended within SECONDS.
gone() { wait_for "$2" sh -c "! kill -0 $1 2>/dev/null"; }

# --------------------------------------------------- by an auditor
live a
start=$(date +%s%N)
check_out "carol kills alice's session through the gateway" "^killed session $SID\$" \
	jg_as carol carol@127.0.0.1 kill "$SID" --reason maintenance window
# a functional deadline (2 s asked), checked with a generous bound
if gone "$LPID" 5; then
	ok "the session ended within seconds ($(( ($(date +%s%N) - start) / 1000000 )) ms from the kill command's start)"
else
	not_ok "the session ended within seconds"
fi
check_outf "alice is told who and why" \
	"jumpgate: session ended by carol: maintenance window" cat "$T/a.err"
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $SID) | .state')\" = killed ]"
is "its row says killed" "$(session_field "$SID" state) $(session_field "$SID" end_reason)" "killed killed"
check_out "its recording verifies intact" "^session $SID: intact" "$JG" verify "$SID"
check_outf "the recording holds the kill" "session ended by carol: maintenance window" \
	"$JG" replay "$SID" --cat
check "the audit names carol and why" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"session.kill\" and .actor == \"carol\" and
	(.detail | contains(\"session=$SID \") and contains(\"reason=maintenance window\")))' >/dev/null"

# --------------------------------------------------- not an auditor
live b
expect_error "bob (not an auditor) may not kill" 'only auditors' \
	jg_as bob bob@127.0.0.1 kill "$SID"
is "the session still runs" "$(session_field "$SID" state)" live

# --------------------------------------------------- by an admin on the host
check_out "the host kills it" "^killed session $SID\$" "$JG" kill "$SID" --reason cleanup
gone "$LPID" 5 || not_ok "the host's kill ended the session"
check_outf "alice reads 'by an administrator'" \
	"jumpgate: session ended by an administrator: cleanup" cat "$T/b.err"
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $SID) | .state')\" = killed ]"
is "that row says killed" "$(session_field "$SID" state)" killed
check "the audit names the host's user" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"session.kill\" and .actor == \"$(id -un)\" and
	(.detail | contains(\"session=$SID \")))' >/dev/null"

# --------------------------------------------------- every session of a user
live c1
p1=$LPID s1=$SID
live c2
p2=$LPID s2=$SID
check_out "kill --user ends all of alice's" '^killed 2 sessions of alice$' \
	"$JG" kill --user alice
gone "$p1" 5 && gone "$p2" 5 && ok "both ended" || not_ok "both ended"
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq '[.[] | select(.state == \"killed\")] | length')\" = 4 ]"
is "both rows say killed" "$(session_field "$s1" state) $(session_field "$s2" state)" "killed killed"
check_out "kill --user with none live kills nothing" '^killed 0 sessions of bob$' \
	"$JG" kill --user bob

# --------------------------------------------------- bad input
expect_error "an id that is not live" '^jumpgate: jumpgated refused: no live session 99999$' \
	"$JG" kill 99999
expect_usage "no id and no --user" 'give a session ID or --user' "$JG" kill
expect_usage "both an id and --user" 'give a session ID or --user' "$JG" kill 3 --user bob
expect_usage "not an id" 'not a session id' "$JG" kill x1
expect_error "an invalid user name" "invalid user name" "$JG" kill --user 'a b'
expect_usage "through the gateway: not an id" 'not a session id' \
	jg_as carol carol@127.0.0.1 kill x1
