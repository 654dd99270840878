#!/usr/bin/env bash
# t-gw-movers: a mover's roles change (user role add|del): a live session
# that no rule allows any more ends within seconds with a message, its row
# revoked; one still allowed by another role goes on; roles given back
# open the door again; deleting a rule does the same; audited; bad input
# is one clear line.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1 t2
jg_user alice ops dba
"$JG" access add ops t1 >/dev/null || bail "access ops"
"$JG" access add dba 't*' >/dev/null || bail "access dba"
jgd_start || bail "jumpgated did not start"

# live NAME TARGET: alice's session in the background; pid LPID, id SID.
live() {
	jg_as alice "alice@$2@127.0.0.1" 'echo started; sleep 60' >"$T/$1.out" 2>"$T/$1.err" &
	LPID=$!
	jg_track "$LPID"
	wait_for 15 grep -q started "$T/$1.out" || bail "session $1 did not start: $(_tail "$T/$1.err")"
	SID=$("$JG" sessions --json | jq -r '[.[] | select(.state == "live")] | max_by(.id).id')
}
gone() { wait_for "$2" sh -c "! kill -0 $1 2>/dev/null"; }

live a t1
check_out "a role is taken away" '^user alice no longer has role dba: sessions' \
	"$JG" user role del alice dba
sleep 3
check "a session another role still allows goes on" kill -0 "$LPID"
is "its row is live" "$(session_field "$SID" state)" live
check_out "the last role that allowed it is taken away" '^user alice no longer has role ops' \
	"$JG" user role del alice ops
start=$SECONDS
if gone "$LPID" 10; then ok "the session ended within seconds ($((SECONDS - start)) s)"
else not_ok "the session ended within seconds"; fi
check_outf "alice is told why" "your access to t1 was removed" cat "$T/a.err"
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $SID) | .state')\" = revoked ]"
is "its row says revoked" "$(session_field "$SID" state)" revoked
expect_error "a new login is refused" "no access rule gives alice access to it" jg_as alice alice@t1@127.0.0.1 true
check "both changes are audited" sh -c "\"$JG\" audit --json | jq -e '
	[.[] | select(.action == \"user.role.del\") | .detail] == [\"user=alice role=dba\", \"user=alice role=ops\"]' >/dev/null"

check_out "a role is given" '^user alice has role dba$' "$JG" user role add alice dba
check_out "it opens the door again" '^ok$' jg_as alice alice@t2@127.0.0.1 'echo ok'
is "user list shows the roles" "$("$JG" user list --json | jq -r '.[] | select(.name == "alice") | .roles | join(",")')" dba
check "the grant is audited" sh -c "\"$JG\" audit --json | jq -e 'any(.[]; .action == \"user.role.add\" and .detail == \"user=alice role=dba\")' >/dev/null"

# A rule deleted ends what it allowed.
live b t2
rule=$("$JG" access list --json | jq -r '.[] | select(.role == "dba") | .id')
"$JG" access del "$rule" >/dev/null || not_ok "access del"
if gone "$LPID" 10; then ok "deleting the rule ends the session it allowed"
else not_ok "deleting the rule ends the session it allowed"; fi
check_outf "alice is told" "your access to t2 was removed" cat "$T/b.err"

# Bad input.
expect_error "a role the user has" "user alice already has role dba" "$JG" user role add alice dba
expect_error "a role the user lacks" "user alice has no role ops" "$JG" user role del alice ops
expect_error "no such user" "no such user: nobody" "$JG" user role add nobody ops
expect_error "a bad role name" "invalid role name: 'a b'" "$JG" user role add alice 'a b'
expect_usage "add or del" "user role needs add or del" "$JG" user role set alice ops
expect_usage "a NAME and a ROLE" "user role needs add or del" "$JG" user role add alice
