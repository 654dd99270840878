#!/usr/bin/env bash
# t-jit-multirole: an access rule may need approvals from several roles
# (--approval-by dba:1 --approval-by security:1): the grant comes only
# once every role's count is met, each approval counts for a role its
# approver holds and that still needs one, never the requester's; bad
# specifications are one clear line.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets db01 db02
jg_user alice dev
jg_user bob dba
jg_user bea dba
jg_user sam security
jg_user dora dba security
check_out "a rule needing two roles" '^access rule [0-9]+: role dev may request db0\*, approved by 1 of role dba and 1 of role security$' \
	"$JG" access add dev 'db0*' --approval-by dba:1 --approval-by security:1
is "the rule keeps both" "$("$JG" access list --json | jq -r '.[0] | "\(.approval_by) \(.approvals)"')" "dba:1,security:1 2"
jgd_start || bail "jumpgated did not start"
pending() { "$JG" requests --pending --json | jq -r 'max_by(.id).id'; }

check_out "alice's request names both roles" '^approval by dba:1,security:1: ' \
	jg_as alice alice@127.0.0.1 request db01 --reason audit
R=$(pending)
is "bob (dba) sees it to decide" "$(jg_as bob bob@127.0.0.1 requests | grep -c "audit")" 1
check_out "bob approves for dba" "approved by bob \(1 of 2 approvals; waiting for 1 more\)" \
	"$JG" approve "$R" --as bob
expect_error "a second dba approval is not what it needs" "request $R needs no more approvals from bea's roles" \
	"$JG" approve "$R" --as bea
is "still pending" "$("$JG" requests --json | jq -r ".[] | select(.id == $R) | .state")" pending
expect_error "alice is not in yet" "needs approval" jg_as alice alice@db01@127.0.0.1 true
check_out "sam approves for security: the grant" "^request $R approved by sam: grant [0-9]+ gives alice access to db01" \
	"$JG" approve "$R" --as sam
check_out "alice is in" '^in$' jg_as alice alice@db01@127.0.0.1 'echo in'
check "each approval names its role" sh -c "\"$JG\" audit --json | jq -e '
	[.[] | select(.action == \"request.approve\") | .detail | capture(\"role=(?<r>[a-z]+)\").r] == [\"dba\", \"security\"]' >/dev/null"

# One approver holding both roles gives one approval: the other role still waits.
jg_as alice alice@127.0.0.1 request db02 --reason again >/dev/null 2>&1
R2=$(pending)
check_out "dora (dba and security) approves once" "1 of 2 approvals" "$JG" approve "$R2" --as dora
expect_error "and only once" "dora already approved request $R2" "$JG" approve "$R2" --as dora
check_out "sam completes it" "approved by sam: grant" "$JG" approve "$R2" --as sam

# Bad specifications.
expect_error "a bad count" "invalid --approval-by: 'dba:0'" "$JG" access add dev db03 --approval-by dba:0
expect_error "a role twice" "named twice" "$JG" access add dev db02 --approval-by dba:1 --approval-by dba:2
expect_usage "--approvals with several roles" "--approvals goes with one --approval-by ROLE" \
	"$JG" access add dev db02 --approval-by dba --approval-by security --approvals 2
expect_usage "at most four roles" "at most 4 --approval-by" \
	"$JG" access add dev db02 --approval-by a --approval-by b --approval-by c --approval-by d --approval-by e
