#!/usr/bin/env bash
# t-jit-cli: the host side of just-in-time access: requests, approve/deny
# --as USER (the audit keeps the real uid and says "as USER"), N approvers,
# self-approval refused, expiry by RequestTimeout, grants, revoke, --json,
# and the bad inputs (one line, exit 1 or 2, nothing changed).
#
# Requests are filed through the gateway in real use; here they are rows
# written straight into the database, so this script needs no daemon.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
have sqlite3 || bail "sqlite3 not installed"
jg_config "RequestTimeout 1h"
jg_init
DB=$T/state/jumpgate.db

ssh-keygen -q -t ed25519 -N '' -f "$T/hk" >/dev/null || bail "ssh-keygen"
HK=$(cut -d' ' -f1,2 "$T/hk.pub")
check "target add db01" "$JG" target add db01 --host 127.0.0.1 --login root \
	--host-key "$HK"
check "user add alice (dev, lead)" "$JG" user add alice --role dev --role lead
check "user add bob (lead)" "$JG" user add bob --role lead
check "user add carol (lead)" "$JG" user add carol --role lead
check "user add dave (dev)" "$JG" user add dave --role dev
check "access add dev db* --approval-by lead --approvals 2" \
	"$JG" access add dev 'db*' --approval-by lead --approvals 2 --max-duration 2h

# file USER DURATION NEEDED [CREATED]: a pending request, as the gateway
# files it; prints its id.
file() {
	local created=${4:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
	sqlite3 "$DB" "PRAGMA busy_timeout = 5000;
		INSERT INTO requests (user, target, reason, duration, state,
		created, rule_id, approval_role, approvals_needed) VALUES
		('$1', 'db01', 'INC-42 disk full', $2, 'pending', '$created',
		1, 'lead', $3); SELECT last_insert_rowid();" | tail -n 1
}

r1=$(file alice 1800 2)
is "a request row is filed" "$r1" 1

check_out "requests lists it as pending, 0/2" '^ +1 +alice +db01 +INC-42 disk full +30m +pending +0/2' \
	"$JG" requests
check_out "requests --pending lists it" 'alice' "$JG" requests --pending
check "requests --json" "$JG" requests --json
cp "$OUT" "$T/req.json"
if json_check "$T/req.json" 'type == "array" and length == 1 and .[0].id == 1 and
	.[0].user == "alice" and .[0].duration == 1800 and .[0].state == "pending" and
	.[0].approvals == 0 and .[0].approvals_needed == 2 and (.[0].age | type) == "number" and
	all(.[]; keys | all(test("^[a-z0-9_]+$")))'; then
	ok "requests --json: integer id, snake_case keys, approvals 0 of 2"
else
	not_ok "requests --json: integer id, snake_case keys, approvals 0 of 2" "$(cat "$T/req.json")"
fi

# Self-approval is impossible, even for a holder of the approver role.
bad_input "alice cannot approve her own request" 'cannot approve your own' \
	"$JG" approve "$r1" --as alice
bad_input "alice cannot deny her own request either" 'your own' \
	"$JG" deny "$r1" --as alice
bad_input "dave does not hold the approver role" "dave does not hold the approver role 'lead'" \
	"$JG" approve "$r1" --as dave
bad_input "an unknown approver is refused" 'no such user: nobody' \
	"$JG" approve "$r1" --as nobody
bad_input "an unknown request is refused" 'no such request: 999' \
	"$JG" approve 999 --as bob
bad_input "a non-numeric id is refused" 'invalid request id' \
	"$JG" approve abc --as bob
bad_input "a zero id is refused" 'invalid request id' "$JG" approve 0 --as bob
bad_input "an id past 2^64 is refused, not wrapped" "invalid request id: '18446744073709551616'" \
	"$JG" approve 18446744073709551616 --as bob
bad_input "an id past 2^53 (JSON's exact) is refused" "invalid request id: '9007199254740993'" \
	"$JG" approve 9007199254740993 --as bob
bad_input "an invalid --as name is refused" 'invalid user name' \
	"$JG" approve "$r1" --as '../x'
bad_input "a comment with a control character is refused" 'control' \
	"$JG" approve "$r1" --as bob --comment $'two\nlines'
bad_input --code 2 "approve without --as is a usage error" 'usage|--as' \
	"$JG" approve "$r1"
bad_input --code 2 "approve without an id is a usage error" 'usage|ID' \
	"$JG" approve --as bob
bad_input --code 2 "approve --as without a value is a usage error" 'usage|missing' \
	"$JG" approve "$r1" --as
bad_input --code 2 "approve with an unknown option is a usage error" 'usage|--bogus' \
	"$JG" approve "$r1" --as bob --bogus
bad_input --code 2 "requests with an unknown option is a usage error" 'usage' \
	"$JG" requests --bogus

# Two approvers: the first counts, a repeat counts once, the second grants.
check_out "bob approves: 1 of 2" 'approved by bob \(1 of 2' \
	"$JG" approve "$r1" --as bob --comment 'looks fine'
bad_input "bob approving again counts once" 'bob already approved request 1' \
	"$JG" approve "$r1" --as bob
check_out "requests shows 1/2" ' 1/2 ' "$JG" requests
check_out "carol approves: the grant" 'approved by carol: grant 1 gives alice access to db01' \
	"$JG" approve "$r1" --as carol
bad_input "a decided request cannot be approved again" 'already approved' \
	"$JG" approve "$r1" --as bob
bad_input "a decided request cannot be denied" 'already approved' \
	"$JG" deny "$r1" --as bob

# The audit: the real uid acts, "as bob" says for whom.
me=$(id -un)
uid=$(id -u)
check "audit --json" "$JG" audit --json
cp "$OUT" "$T/audit.json"
if json_check "$T/audit.json" "[.[] | select(.action == \"request.approve\")] | length == 2 and
	all(.[]; .actor == \"$me\" and .uid == $uid) and
	(map(.detail) | any(test(\"as bob\"))) and (map(.detail) | any(test(\"as carol\")))"; then
	ok "approvals are audited with the real uid ($me, $uid) and 'as bob'/'as carol'"
else
	not_ok "approvals are audited with the real uid and 'as USER'" "$(cat "$T/audit.json")"
fi
if json_check "$T/audit.json" '[.[] | select(.action == "grant.create")] | length == 1'; then
	ok "the grant is audited once"
else
	not_ok "the grant is audited once" "$(cat "$T/audit.json")"
fi
check "audit verify after the decisions" "$JG" audit verify

# Grants.
check_out "grants lists the active grant" '^ +1 +1 +alice +db01 .* active' "$JG" grants
check_out "grants --active lists it" 'alice' "$JG" grants --active
check "grants --json" "$JG" grants --json
cp "$OUT" "$T/grants.json"
if json_check "$T/grants.json" 'length == 1 and .[0].id == 1 and .[0].request == 1 and
	.[0].user == "alice" and .[0].state == "active" and (.[0].ends | test("Z$")) and
	all(.[]; keys | all(test("^[a-z0-9_]+$")))'; then
	ok "grants --json: the grant, UTC times, snake_case keys"
else
	not_ok "grants --json: the grant, UTC times, snake_case keys" "$(cat "$T/grants.json")"
fi
ends=$(jq -r '.[0].ends' "$T/grants.json" 2>/dev/null)
starts=$(jq -r '.[0].starts' "$T/grants.json" 2>/dev/null)
span=$(( $(date -u -d "$ends" +%s) - $(date -u -d "$starts" +%s) ))
is "the grant lasts the requested 30 minutes" "$span" 1800

check_out "revoke 1" 'grant 1 revoked' "$JG" revoke 1
check_out "the grant shows revoked" ' revoked ' "$JG" grants
if "$JG" grants --active --json | json_check /dev/stdin 'length == 0'; then
	ok "grants --active is empty after revoke"
else
	not_ok "grants --active is empty after revoke"
fi
bad_input "revoking twice is refused" 'grant 1 is already revoked' "$JG" revoke 1
bad_input "revoking an unknown grant is refused" 'no such grant: 42' "$JG" revoke 42
bad_input "revoke with a bad id is refused" 'invalid grant id' "$JG" revoke x1
bad_input --code 2 "revoke without an id is a usage error" 'usage' "$JG" revoke
bad_input --code 2 "grants with an unknown option is a usage error" 'usage' \
	"$JG" grants --bogus

# Deny: one denial ends it, with the reason.
r2=$(file dave 600 2)
check_out "bob denies with a reason" "request $r2 denied by bob" \
	"$JG" deny "$r2" --as bob --reason 'not during the freeze'
if "$JG" requests --json | json_check /dev/stdin ".[] | select(.id == $r2) |
	.state == \"denied\" and .comment == \"not during the freeze\" and .decided_by == \"bob\""; then
	ok "the denied request keeps its reason and denier"
else
	not_ok "the denied request keeps its reason and denier"
fi
bad_input "a denied request cannot be approved" 'already denied' \
	"$JG" approve "$r2" --as carol
if "$JG" audit --json | json_check /dev/stdin '[.[] | select(.action == "request.deny")] |
	length == 1 and (.[0].detail | test("as bob"))'; then
	ok "the denial is audited 'as bob'"
else
	not_ok "the denial is audited 'as bob'"
fi

# Expiry: RequestTimeout 1h; a request two hours old expires before any
# decision, and cannot be approved.
old=$(date -u -d '2 hours ago' +%Y-%m-%dT%H:%M:%SZ)
r3=$(file dave 600 1 "$old")
r4=$(file dave 600 1)
check_out "requests --pending sweeps the expired one away" "^ +$r4 " \
	"$JG" requests --pending
if "$JG" requests --json | json_check /dev/stdin ".[] | select(.id == $r3) | .state == \"expired\""; then
	ok "the old request is expired"
else
	not_ok "the old request is expired"
fi
bad_input "an expired request cannot be approved" 'already expired' \
	"$JG" approve "$r3" --as bob
check_out "one approval suffices when the rule asks for one" "approved by bob: grant" \
	"$JG" approve "$r4" --as bob

# A grant past its end is swept to ended when listing.
sqlite3 "$DB" "PRAGMA busy_timeout = 5000; UPDATE grants SET ends = '2000-01-01T00:00:00Z' WHERE state = 'active'"
check_out "grants shows the past grant as ended" ' ended ' "$JG" grants
if "$JG" grants --active --json | json_check /dev/stdin 'length == 0'; then
	ok "no active grant is left"
else
	not_ok "no active grant is left"
fi
check "audit verify at the end" "$JG" audit verify

# Without root's rights on the database, nothing can be decided.
# The suite runs as root (as CI does) and setpriv is in util-linux, which
# scripts/setup.sh installs: without them this check fails, it is not skipped.
if [ "$(id -u)" != 0 ]; then
	not_ok "a non-root caller cannot approve" "not run as root"
elif ! have setpriv; then
	not_ok "a non-root caller cannot approve" \
		"setpriv is not installed (util-linux, scripts/setup.sh installs it)"
elif ! ensure_user jgtest; then
	not_ok "a non-root caller cannot approve" "cannot create user jgtest"
else
	r5=$(file alice 600 1)
	snap_save
	as_user jgtest "$JG" approve "$r5" --as bob >"$T/np.out" 2>"$T/np.err"
	rc=$?
	if [ $rc -eq 1 ] && [ "$(grep -c '' "$T/np.err")" -eq 1 ]; then
		ok "a non-root caller cannot approve (exit 1, one line)"
	else
		not_ok "a non-root caller cannot approve (exit 1, one line)" \
			"exit $rc" "$(cat "$T/np.err")"
	fi
	snap_same "a non-root approve changed nothing"
fi
