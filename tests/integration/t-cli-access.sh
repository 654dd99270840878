#!/usr/bin/env bash
# t-cli-access: access add/list/del (standing and approval rules), --json,
# and the bad inputs for access rules.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
jg_init

check "access add ROLE GLOB (standing access)" "$JG" access add ops 'db*'
check "access add with --approval-by, --approvals, --max-duration" \
	"$JG" access add dev 'db*' --approval-by leads --approvals 2 --max-duration 2h
check "access add with --approval-by only" \
	"$JG" access add support 'web??' --approval-by leads
check "access add for one exact target" "$JG" access add dba db01
check "access add with a 1d max duration" \
	"$JG" access add oncall '*' --approval-by leads --max-duration 1d

check_out "access list shows the ops rule" 'ops' "$JG" access list
check_out "access list shows the glob" 'db\*' "$JG" access list
check "access list --json" "$JG" access list --json
cp "$OUT" "$T/access.json"
if json_check "$T/access.json" \
	'type == "array" and length == 5 and all(.[]; (.id | type) == "number") and all(.[]; keys | all(test("^[a-z0-9_]+$")))'; then
	ok "access list --json: 5 rules, integer ids, snake_case keys"
else
	not_ok "access list --json: 5 rules, integer ids, snake_case keys" \
		"$(cat "$T/access.json")"
fi
if json_check "$T/access.json" \
	'[.[] | select(.role == "dev")] | length == 1 and (.[0] | tostring | test("leads")) and (.[0] | tostring | test("2"))'; then
	ok "the dev rule keeps its approver role and count"
else
	not_ok "the dev rule keeps its approver role and count" "$(cat "$T/access.json")"
fi
if json_check "$T/access.json" \
	'[.[] | select(.role == "ops")] | length == 1 and (.[0] | tostring | test("leads") | not)'; then
	ok "the ops rule is standing (no approver)"
else
	not_ok "the ops rule is standing (no approver)" "$(cat "$T/access.json")"
fi

# Bad input.
for n in "" "../x" "." ".." "-x" "a b" $'a\001b' "$(printf 'r%.0s' $(seq 1 65))"; do
	bad_input --code 1,2 "invalid role $(printf '%q' "$n") is refused" \
		'invalid|role|name' "$JG" access add "$n" 'db*'
done
bad_input --code 1,2 "invalid --approval-by role is refused" 'invalid|role' \
	"$JG" access add dev2 'db*' --approval-by '../x'
bad_input --code 1,2 "--approvals 0 is refused" 'approvals' \
	"$JG" access add dev2 'db*' --approval-by leads --approvals 0
bad_input --code 1,2 "--approvals abc is refused" 'approvals' \
	"$JG" access add dev2 'db*' --approval-by leads --approvals abc
for d in 5x 0m -1h abc 15 ""; do
	bad_input --code 1,2 "--max-duration '$d' is refused" 'duration|DUR' \
		"$JG" access add dev2 'db*' --approval-by leads --max-duration "$d"
done
bad_input --code 1,2 "a glob with a space is refused" 'glob|target|invalid' \
	"$JG" access add dev2 'db *'
bad_input --code 1,2 "an empty glob is refused" 'glob|target|invalid|empty' \
	"$JG" access add dev2 ''
expect_usage "access add without a glob is a usage error" 'usage|GLOB|glob' \
	"$JG" access add dev2
expect_usage "access add with an unknown option is a usage error" \
	'usage|--bogus' "$JG" access add dev2 'db*' --bogus

# Deletion by id.
id=$(jq -r '.[] | select(.role == "support") | .id' "$T/access.json" 2>/dev/null)
check "access del ID" "$JG" access del "$id"
if "$JG" access list --json | json_check /dev/stdin 'all(.[]; .role != "support") and length == 4'; then
	ok "the support rule is gone, the rest stay"
else
	not_ok "the support rule is gone, the rest stay"
fi
bad_input "access del of a deleted id is refused" "$id" "$JG" access del "$id"
bad_input "access del of an unknown id is refused" '99999' "$JG" access del 99999
bad_input --code 1,2 "access del of a non-numeric id is refused" 'abc|id|ID' \
	"$JG" access del abc
bad_input --code 1,2 "access del of a negative id is refused" '-1|id|ID' \
	"$JG" access del -1
expect_usage "access del without an id is a usage error" 'usage|ID|id' \
	"$JG" access del
