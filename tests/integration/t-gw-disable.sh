#!/usr/bin/env bash
# t-gw-disable: a leaver. `jumpgate user disable NAME --reason TEXT` ends
# the user's live sessions within seconds (with a message), cancels their
# pending requests, revokes their active grants and refuses their logins;
# their sessions, recordings and audit rows stay. `user enable` undoes it.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1 g1 g2
jg_user alice ops
jg_user bob lead
"$JG" access add ops t1 >/dev/null || bail "access t1"
"$JG" access add ops g1 --approval-by lead >/dev/null || bail "access g1"
"$JG" access add ops g2 --approval-by lead >/dev/null || bail "access g2"
jgd_start || bail "jumpgated did not start"

req_id() { sed -n 's/^request \([0-9]*\) pending.*/\1/p' | head -n 1; }

# A grant on g1, a pending request for g2, a live session on t1.
r1=$(jg_as alice alice@127.0.0.1 request g1 --reason work | req_id)
"$JG" approve "$r1" --as bob >/dev/null || bail "approve"
r2=$(jg_as alice alice@127.0.0.1 request g2 --reason later | req_id)
[ -n "$r1" ] && [ -n "$r2" ] || bail "no request ids"
jg_as alice alice@t1@127.0.0.1 'echo started; sleep 60' >"$T/live.out" 2>"$T/live.err" &
lpid=$!
jg_track $lpid
wait_for 15 grep -q started "$T/live.out" || bail "the session did not start"
sid=$("$JG" sessions --json | jq -r 'max_by(.id).id')

check_out "disable says what it did" \
	'^disabled user alice: 1 pending request cancelled, 1 grant revoked; live sessions end within seconds$' \
	"$JG" user disable alice --reason "left the company"
if wait_for 5 sh -c "! kill -0 $lpid 2>/dev/null"; then
	ok "the live session ended within seconds"
else
	not_ok "the live session ended within seconds"
fi
check_outf "alice is told why" "your account was disabled" cat "$T/live.err"
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $sid) | .state')\" = revoked ]"
is "the session's row ended as revoked" \
	"$("$JG" sessions --json | jq -r ".[] | select(.id == $sid) | .state")" revoked
is "the pending request is cancelled" \
	"$("$JG" requests --json | jq -r ".[] | select(.id == $r2) | .state")" cancelled
is "the grant is revoked" \
	"$("$JG" grants --json | jq -r "[.[] | select(.request == $r1)][0].state")" revoked
jg_as alice alice@t1@127.0.0.1 true >/dev/null 2>&1
is "a login is refused" "$?" 255
check_outf "the log says why" \
	"refused: user=alice target=- source=127.0.0.1" grep 'account disabled' "$T/jumpgated.log"
check_out "user list marks alice disabled" '^alice .*\(disabled\)$' "$JG" user list
json_check_v() { "$JG" user list --json | jq -e "$1" >/dev/null; }
check "--json has disabled and the reason" json_check_v \
	'.[] | select(.name == "alice") | .disabled == true and .disabled_reason == "left the company"'
check "history stays: the session and its recording" \
	"$JG" verify "$sid"
check "the audit has user.disable with the reason" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"user.disable\" and (.detail | contains(\"user=alice \") and contains(\"reason=left the company\")))' >/dev/null"
expect_error "disabling twice says so" 'already disabled' "$JG" user disable alice
expect_error "an unknown user" 'no such user: zed' "$JG" user disable zed
expect_usage "disable without a name" 'needs a NAME' "$JG" user disable
expect_error "enabling bob, who is not disabled" 'not disabled' "$JG" user enable bob

check_out "enable" '^enabled user alice$' "$JG" user enable alice
check_out "alice logs in again" '^jgtarget$' jg_as alice alice@t1@127.0.0.1 whoami
check "--json: enabled" json_check_v '.[] | select(.name == "alice") | .disabled == false and .disabled_reason == null'
