#!/usr/bin/env bash
# t-audit-witness: every audit row also leaves the database as it is
# committed: one JSON line (sequence number, chain hash) to AuditLogFile,
# one syslog line (LOG_AUTHPRIV), and the head in StateDirectory/audit.head.
# A tail cut off the database by root, or the whole log deleted, verifies
# as a chain but not against the witness (`audit verify --witness` names
# every row), and the daemon refuses to start, naming the gap.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
W=$T/witness.json
jg_config "AuditLogFile $W"

# syslog: a listener on /dev/log for the run (none runs on a test machine).
SYSLOG=$T/syslog.txt
if [ -e /dev/log ]; then
	bail "/dev/log exists: a syslog daemon runs here, and this test needs /dev/log to itself"
fi
/usr/bin/python3 - "$SYSLOG" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
PY
jg_track $!
wait_for 5 test -S /dev/log || bail "cannot listen on /dev/log"
jg_on_exit "rm -f /dev/log"

jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
gw() {
	timeout 20 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -i "$T/keys/alice" -l alice@t1 127.0.0.1 "$@" </dev/null
}
check_out "a session through the gateway" '^jgtarget$' gw whoami
jgd_stop

DB=$T/state/jumpgate.db
n=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
check "the audit log has rows" test "$n" -gt 5
is "the witness file has one line per row" "$(grep -c . "$W")" "$n"
is "the witness file is 0600" "$(stat -c %a "$W")" 600
check "each witness line is JSON with seq and hash" jq -e -s \
	'length > 0 and all(.[]; (.seq | type) == "number" and
		(.hash | type) == "string" and (.hash | test("^[0-9a-f]{64}$")))' "$W"
is "the witness's hashes are the database's" \
	"$(jq -r '"\(.seq) \(.hash)"' "$W" | sort -n)" \
	"$(sqlite3 "$DB" "SELECT id || ' ' || lower(hex(hash)) FROM audit ORDER BY id")"
check_outf "rows written by the daemon reach syslog (LOG_AUTHPRIV)" \
	'"action":"login"' cat "$SYSLOG"
check_out "with the authpriv facility" '^<8[0-9]>' grep -a '"action":"login"' "$SYSLOG"
check_outf "rows written by the tool reach syslog too" '"action":"user.add"' \
	cat "$SYSLOG"
check_out "audit.head holds the last row" "^$n [0-9a-f]{64}\$" \
	cat "$T/state/audit.head"
check_out "verify --witness: intact, the witness agrees" \
	'the witness agrees' "$JG" audit verify --witness "$W"

# refuses_to_start DESC ERE: the daemon exits non-zero, its log saying ERE.
refuses_to_start() {
	timeout 20 "$JGD" -f -c "$JUMPGATE_CONFIG" >"$T/start.out" 2>&1
	local rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -Eq "$2" "$T/start.out"; then
		ok "$1"
	else
		not_ok "$1" "exit $rc" "$(tail -n 3 "$T/start.out")"
	fi
}

# Root cuts the tail: drop the append-only trigger, delete, put it back.
cut=$((n - 3))
sqlite3 "$DB" "BEGIN; DROP TRIGGER audit_no_delete;
	DELETE FROM audit WHERE id > $cut;
	CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
	COMMIT;" || bail "cannot cut the tail"
check_out "the chain alone still verifies (why a witness is needed)" \
	'^audit log intact$' "$JG" audit verify
expect_error "verify --witness fails" \
	'^jumpgate: audit log fails verification: 3 rows of the witness are missing or different$' \
	"$JG" audit verify --witness "$W"
cp "$OUT" "$T/verify.cut"
for r in $((cut + 1)) $((cut + 2)) $((cut + 3)); do
	check_out "and names row $r" "^audit row $r: in the witness, not in the database" \
		cat "$T/verify.cut"
done
refuses_to_start "the daemon refuses to start, naming the gap" \
	"refusing to start: the audit log has gone backwards: this host wrote up to row $n, the database ends at row $cut \\(rows $((cut + 1)) to $n are gone\\)"
check "and nothing listens" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$JG_PORT) 2>/dev/null"

# New rows chained onto the cut do not hide it.
"$JG" user add bob >/dev/null || bail "user add bob"
expect_error "verify --witness still fails after a row written on the cut" \
	'^jumpgate: audit log fails verification: 3 rows of the witness are missing or different$' \
	"$JG" audit verify --witness "$W"
check_out "a row written after the cut differs from the witness" \
	"^audit row $((cut + 1)): the database's row differs from the witness" \
	cat "$OUT"
refuses_to_start "the daemon still refuses to start" \
	"refusing to start: .*(rewritten|gone)"

# Every row deleted.
sqlite3 "$DB" "BEGIN; DROP TRIGGER audit_no_delete; DELETE FROM audit;
	CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
	COMMIT;" || bail "cannot delete the log"
check_out "an empty log verifies as a chain" '^audit log intact$' "$JG" audit verify
# Every witness line names a row now gone (bob's row was witnessed too).
wn=$(grep -c . "$W")
expect_error "verify --witness fails on an empty log" \
	"^jumpgate: audit log fails verification: $wn rows of the witness are missing or different\$" \
	"$JG" audit verify --witness "$W"
check_out "the witness names its first row as gone" \
	'^audit row 1: in the witness, not in the database' \
	cat "$OUT"
refuses_to_start "and the daemon refuses to start" \
	'refusing to start: the audit log has gone backwards'

# A witness that is not one.
printf '{"seq":1,"hash":"zz"}\n' >"$T/bad.json"
expect_error "a damaged witness is named, line and all" \
	'witness .*bad.json, line 1: not a witness row' \
	"$JG" audit verify --witness "$T/bad.json"
expect_error "a missing witness is named" 'cannot read the witness' \
	"$JG" audit verify --witness "$T/none.json"
