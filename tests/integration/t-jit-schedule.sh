#!/usr/bin/env bash
# t-jit-schedule: request TARGET ... --start TIME asks for a window that
# opens later: approvers see when it starts, the approval says it, the
# grant opens at its start (logins before it are refused, report access
# does not count it) and ends at its end (a session in it ends, expired);
# bad --start values are one clear line.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets db01
jg_user bob dba
jg_user carol oncall
"$JG" access add dba db01 --approval-by oncall >/dev/null || bail "access"
jgd_start || bail "jumpgated did not start"

# Bad input first (later bob holds the grant, and is told so instead).
expect_usage "a start that is no time" "invalid --start: 'soon'" \
	jg_as bob bob@127.0.0.1 request db01 --reason x --start soon
expect_error "a start too far ahead" "a window may start at most 30 days ahead" \
	jg_as bob bob@127.0.0.1 request db01 --reason x --start 40d
check_out "bob asks for a window 8 s from now" '^request [0-9]+ pending: bob asks for db01 for 12s from [0-9-]+ [0-9:]+: maintenance$' \
	jg_as bob bob@127.0.0.1 request db01 --reason maintenance --duration 12s --start 8s
rid=$("$JG" requests --json | jq -r '.[0].id')
starts=$("$JG" requests --json | jq -r '.[0].starts')
check "the request keeps the window's start" test "$starts" \> "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
check_out "approvers see it" "^ +$rid bob +db01 .* starts [0-9-]+ [0-9:]+\$" "$JG" requests --pending
check_out "the approval names the window" "^request $rid approved by carol: grant [0-9]+ gives bob access to db01 from [0-9-]+ [0-9:]+ until [0-9-]+ [0-9:]+\$" \
	"$JG" approve "$rid" --as carol
is "the grant starts at the window" "$("$JG" grants --json | jq -r '.[0].starts')" "$starts"
expect_error "before the window bob is refused, told when it opens" "your access to db01 opens at [0-9-]+ [0-9:]+ .grant [0-9]+." \
	jg_as bob bob@db01@127.0.0.1 true
is "report access does not count it yet" \
	"$("$JG" report access --user bob --json | jq -r '.[0].how')" requestable
# The window opens: bob gets in, and his session ends with it.
if wait_for 20 jg_as bob bob@db01@127.0.0.1 true; then ok "the window opens at its start"
else not_ok "the window opens at its start"; fi
jg_as bob bob@db01@127.0.0.1 'echo in; sleep 60' >"$T/s.out" 2>"$T/s.err" &
BG=$!
jg_track "$BG"
wait_for 10 grep -q in "$T/s.out" || not_ok "a session in the window starts" "$(cat "$T/s.err")"
if wait_for 25 sh -c "! kill -0 $BG 2>/dev/null"; then ok "the window's end ends the session"
else not_ok "the window's end ends the session"; fi
sid=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $sid) | .state')\" = expired ]"
is "its row says expired" "$(session_field "$sid" state)" expired
