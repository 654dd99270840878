#!/usr/bin/env bash
# t-cli-report: jumpgate report access lists every user and target that is
# reachable and how (standing rule, requestable rule with its approvers,
# active grant with its end) with when it was last used; --unused DAYS
# keeps the standing access not used lately; disabled users reach
# nothing; filters and bad input.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets web1 db01 db02 db03
jg_user alice ops
jg_user bob dba
jg_user carol oncall
jg_user dave ops
jg_user eve
"$JG" access add ops web1 >/dev/null || bail "access web1"
"$JG" access add ops db03 >/dev/null || bail "access db03"
"$JG" access add dba 'db*' --approval-by oncall --max-duration 2h >/dev/null || bail "access db*"
jgd_start || bail "jumpgated did not start"

check_out "alice uses web1" '^used$' jg_as alice alice@web1@127.0.0.1 'echo used'
jg_as bob bob@127.0.0.1 request db02 --reason INC-7 --duration 30m >"$T/req" 2>&1 ||
	bail "bob's request: $(cat "$T/req")"
rid=$("$JG" requests --json | jq -r '.[] | select(.user == "bob") | .id')
"$JG" approve "$rid" --as carol >/dev/null || bail "approve"
"$JG" user disable dave --reason left >/dev/null || bail "disable dave"

"$JG" report access --json >"$T/r.json" || bail "report --json"
is "the pairs and how" "$(jq -r 'map("\(.user) \(.target) \(.how)") | join("|")' "$T/r.json")" \
	"alice db03 standing|alice web1 standing|bob db01 requestable|bob db02 granted|bob db03 requestable"
is "a requestable pair names its approvers and limit" \
	"$(jq -r '.[] | select(.user == "bob" and .target == "db01") | "\(.approval_role) \(.approvals) \(.max_duration)"' "$T/r.json")" \
	"oncall 1 7200"
is "a granted pair names its grant and end" \
	"$(jq -r '.[] | select(.target == "db02") | "\(.grant > 0) \(.grant_ends | test("^[0-9-]+T[0-9:]+Z$"))"' "$T/r.json")" \
	"true true"
is "last use: web1 used, db03 never" \
	"$(jq -r '.[] | select(.user == "alice") | "\(.target)=\(.last_used | type)"' "$T/r.json" | tr '\n' ' ')" \
	"db03=null web1=string "
check "a disabled user reaches nothing" jq -e 'all(.[]; .user != "dave")' "$T/r.json"
check_out "the table says how and when" '^alice +web1 +standing +[0-9]{4}-[0-9-]+ [0-9:]+ +rule [0-9]+: role ops on web1$' \
	"$JG" report access
check_out "a grant shows its end" '^bob +db02 +granted +never +grant [0-9]+ until [0-9-]+ [0-9:]+$' \
	"$JG" report access --user bob
is "--unused 30: standing access not used lately" \
	"$("$JG" report access --unused 30 --json | jq -r 'map("\(.user) \(.target)") | join("|")')" "alice db03"
is "--target narrows it" "$("$JG" report access --target db01 --json | jq -r 'map(.user) | join(",")')" bob
is "--user narrows it" "$("$JG" report access --user alice --json | jq length)" 2
is "a user with no access has no rows" "$("$JG" report access --user eve --json)" "[]"
expect_error "no such user" "no such user: nobody" "$JG" report access --user nobody
expect_usage "a subject is needed" "report needs a subject: access" "$JG" report
expect_usage "an unknown report" "unknown report 'money'" "$JG" report money
expect_usage "--unused takes days" "--unused takes a number of days" "$JG" report access --unused soon
expect_error "a bad name" "invalid name: 'a b'" "$JG" report access --target 'a b'
