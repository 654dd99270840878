#!/usr/bin/env bash
# t-jit-extend: extend GRANT --duration DUR --reason TEXT files an
# extension, decided like a request (same rule, same approvers, never the
# requester); its approval moves the grant's end and the live session is
# told and lives past the old end; a denial leaves the grant as it was;
# extensions of grants that are not yours or not active are refused.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets db01
jg_user bob dba
jg_user dan dba
jg_user carol oncall
"$JG" access add dba db01 --approval-by oncall --max-duration 2h >/dev/null || bail "access"
jgd_start || bail "jumpgated did not start"
pending_id() { "$JG" requests --pending --json | jq -r 'max_by(.id).id'; }
ends() { "$JG" grants --json | jq -r ".[] | select(.id == $1) | .ends"; }

jg_as bob bob@127.0.0.1 request db01 --reason INC-9 --duration 20s >/dev/null || bail "request"
"$JG" approve "$(pending_id)" --as carol >/dev/null || bail "approve"
t0=$SECONDS
G=$("$JG" grants --json | jq -r 'max_by(.id).id')
E0=$(ends "$G")
jg_as bob bob@db01@127.0.0.1 -tt 'echo in; sleep 120' >"$T/s.out" 2>&1 &
BG=$!
jg_track "$BG"
wait_for 10 grep -q in "$T/s.out" || bail "bob's session did not start: $(cat "$T/s.out")"

check_out "bob asks to extend his grant" "^request [0-9]+ pending: bob asks to extend grant $G on db01 by 10m: more time\$" \
	jg_as bob bob@127.0.0.1 extend "$G" --duration 10m --reason more time
R=$(pending_id)
is "it names the grant it extends" "$("$JG" requests --json | jq -r ".[] | select(.id == $R) | .extends")" "$G"
check_out "approvers see it" "^ +$R bob +db01 .* extends grant $G\$" "$JG" requests --pending
expect_error "bob may not approve his own extension" "you cannot approve your own request" \
	"$JG" approve "$R" --as bob
check_out "carol approves it" "^request $R approved by carol: grant $G of bob on db01 now ends at " \
	"$JG" approve "$R" --as carol
E1=$(ends "$G")
d=$(( $(date -d "$E1" +%s) - $(date -d "$E0" +%s) ))
check "the grant's end moved by about 10 minutes ($d s)" test "$d" -ge 590 -a "$d" -le 620
check "the live session is told" wait_for 5 grep -q "access to db01 now ends at" "$T/s.out"
while [ $((SECONDS - t0)) -lt 27 ]; do sleep 1; done
check "the session lives past the old end" kill -0 "$BG"
check "the extension is audited" sh -c "\"$JG\" audit --json | jq -e 'any(.[]; .action == \"grant.extend\" and (.detail | startswith(\"grant=$G request=$R \")))' >/dev/null"

# Approved through the gateway: the daemon's own write, followed too.
jg_as bob bob@127.0.0.1 extend "$G" --duration 5m --reason a bit more >/dev/null || not_ok "another extension"
R4=$(pending_id)
check_out "carol approves through the gateway" "^approved request $R4: bob's grant on db01 is extended" \
	jg_as carol carol@127.0.0.1 approve "$R4"
check "the live session is told again" wait_for 5 sh -c "[ \$(grep -c 'access to db01 now ends at' '$T/s.out') -ge 2 ]"
E1=$(ends "$G")

# A denied extension changes nothing.
jg_as bob bob@127.0.0.1 extend "$G" --duration 1h --reason even more >/dev/null || not_ok "a second extension"
R2=$(pending_id)
"$JG" deny "$R2" --as carol --reason no >/dev/null || not_ok "deny"
is "a denial leaves the grant as it was" "$(ends "$G")" "$E1"

# Refusals.
expect_error "a grant that is not yours" "no such grant of yours: $G" \
	jg_as dan dan@127.0.0.1 extend "$G" --duration 5m --reason mine
expect_error "no such grant" "no such grant of yours: 999" \
	jg_as bob bob@127.0.0.1 extend 999 --duration 5m --reason x
expect_usage "extend needs --duration" "usage: extend GRANT --duration DUR --reason TEXT" \
	jg_as bob bob@127.0.0.1 extend "$G" --reason x
expect_error "longer than the rule allows" "may be requested for at most 2h" \
	jg_as bob bob@127.0.0.1 extend "$G" --duration 3h --reason x
jg_as bob bob@127.0.0.1 extend "$G" --duration 5m --reason late >/dev/null || not_ok "a third extension"
R3=$(pending_id)
"$JG" revoke "$G" >/dev/null || not_ok "revoke"
expect_error "an extension of a revoked grant is not approved" "grant $G is no longer active" \
	"$JG" approve "$R3" --as carol
expect_error "nor filed" "grant $G is revoked: nothing to extend" \
	jg_as bob bob@127.0.0.1 extend "$G" --duration 5m --reason x
