#!/usr/bin/env bash
# t-gw-auditfail: the audit log fails closed. With a trigger that makes
# every audit insert fail (added while the daemon runs), every action the
# daemon audits is refused with a clear message and leaves no row: login,
# authorization, session open, the targets and sessions listings, replay,
# requests and decisions. Without the trigger everything works again.
# Connections that logged in before the trigger: a new session over an
# OpenSSH master (ssh -M -S) is refused at session open with "the gateway
# cannot record this session: its audit record cannot be written" and
# leaves no session row; a kill of a session that was live before the
# trigger, on the host (jumpgate kill) and by an auditor through the
# gateway, fails with one line and a non-zero exit and the session goes
# on; once the trigger is gone the kill works, is audited once and the
# user is told.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
target_sshd_start || bail "no target sshd"
for t in t1 db1; do
	"$JG" target add "$t" --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
		--host-key "$SSHD_HOSTKEY" >/dev/null || bail "target add $t"
	"$JG" vault set "$t" --password-stdin <"$T/target.pass" >/dev/null ||
		bail "vault set $t"
done
jg_user alice ops
"$JG" user add carol --role auditor --role lead --role ops --key "$(user_key carol)" >/dev/null ||
	bail "carol"
"$JG" access add ops 't*' >/dev/null || bail "access"
"$JG" access add ops 'db*' --approval-by lead >/dev/null || bail "access db"
jgd_start || bail "jumpgated did not start"

gw() {	# KEY LOGIN CMD...: one ssh through the gateway (banners shown)
	local key=$1 login=$2
	shift 2
	timeout 20 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-i "$T/keys/$key" -l "$login" 127.0.0.1 "$@" </dev/null
}
DB=$T/state/jumpgate.db
rows() { sqlite3 "$DB" "SELECT (SELECT count(*) FROM audit) || ' ' || (SELECT count(*) FROM sessions) || ' ' || (SELECT count(*) FROM requests)"; }

check_out "before: a session works" '^jgtarget$' gw alice alice@t1 whoami
sid=$("$JG" sessions --json | jq -r 'max_by(.id).id')
req=$(gw alice alice request db1 --reason before the trigger 2>/dev/null |
	sed -n 's/^request \([0-9]*\) pending.*/\1/p')
check "before: a request is filed" test -n "$req"

sqlite3 "$DB" "CREATE TRIGGER jg_test_noaudit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no'); END;" ||
	bail "cannot add the trigger"
before=$(rows)

refused() {	# DESC ERE KEY LOGIN CMD...
	local desc=$1 ere=$2
	shift 2
	if gw "$@" >"$T/o" 2>"$T/e"; then
		not_ok "$desc" "it succeeded: $(cat "$T/o")"
	elif grep -Eq "$ere" "$T/e"; then
		ok "$desc"
	else
		not_ok "$desc" "stderr: $(cat "$T/e")"
	fi
}
refused "a login is refused, and told why" 'cannot write its audit log: login refused' \
	alice alice@t1 true
refused "command mode: the login is refused too" 'audit log' alice alice targets
refused "a request is refused" 'audit|refused|cannot' alice alice@t1 whoami
is "no audit row, session or request was written" "$(rows)" "$before"
check "the daemon is still running" kill -0 "$JGD_PID"

# Decisions made on the host fail the same way (the store's transaction).
expect_error "an approval on the host is refused" 'audit|no' \
	"$JG" approve "$req" --as carol
is "still no row" "$(rows)" "$before"

sqlite3 "$DB" "DROP TRIGGER jg_test_noaudit;" || bail "cannot drop the trigger"
check_out "after: a session works again" '^jgtarget$' gw alice alice@t1 whoami
check_out "after: targets lists again" 't1' gw alice alice targets

# The listing, replay and authorization refusals of a logged-in auditor:
# the trigger comes back after carol's login, on the same connection.
mkfifo "$T/ctl.in"
timeout 60 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o ControlMaster=yes -o ControlPath="$T/cm.sock" -o ControlPersist=30 \
	-i "$T/keys/carol" -l carol 127.0.0.1 true </dev/null >/dev/null 2>&1
check "carol holds a master connection" test -S "$T/cm.sock"
cm() { timeout 20 ssh -o ControlPath="$T/cm.sock" -l carol 127.0.0.1 "$@" </dev/null; }
check_out "carol lists sessions while the audit works" 'alice' cm sessions
sqlite3 "$DB" "CREATE TRIGGER jg_test_noaudit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no'); END;" ||
	bail "cannot add the trigger again"
before=$(rows)
expect_error "the sessions listing is refused" 'audit log: listing refused' cm sessions
expect_error "the targets listing is refused" 'audit log: listing refused' cm targets
expect_error "a replay is refused" 'audit log: replay refused' cm replay "$sid"
expect_error "a request through the gateway is refused" 'audit|cannot' \
	cm request db1 --reason during the trigger
expect_error "a decision through the gateway is refused" 'audit|no|cannot' \
	cm approve "$req"
is "none of them wrote a row" "$(rows)" "$before"
sqlite3 "$DB" "DROP TRIGGER jg_test_noaudit;"
ssh -o ControlPath="$T/cm.sock" -O exit -l carol 127.0.0.1 >/dev/null 2>&1

# A connection that logged in while the audit worked: a new session over it
# (OpenSSH multiplexing) reaches session open, whose row and audit row go
# in one transaction, and is refused with the master's reason.
timeout 20 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-M -S "$T/am.sock" -fN -i "$T/keys/alice" -l alice@t1 127.0.0.1 \
	</dev/null >/dev/null 2>&1
check "alice holds a master connection to t1" test -S "$T/am.sock"
am() { timeout 20 ssh -S "$T/am.sock" -l alice@t1 127.0.0.1 "$@"; }
check_out "a session over alice's master works while the audit works" \
	'^jgtarget$' am whoami </dev/null
# A live session from before the trigger, for the kills below.
am 'echo up; exec sleep 50' </dev/null >"$T/live.out" 2>"$T/live.err" &
live_pid=$!
jg_track "$live_pid"
wait_for 10 grep -q up "$T/live.out" || diag "the live session did not start"
live=$("$JG" sessions --json | jq -r 'max_by(.id).id')
is "the live session is live" "$(session_field "$live" state)" live
# carol's master for the kill through the gateway, also from before.
timeout 20 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-M -S "$T/cm2.sock" -fN -i "$T/keys/carol" -l carol 127.0.0.1 \
	</dev/null >/dev/null 2>&1
check "carol holds a master connection" test -S "$T/cm2.sock"
cm2() { timeout 20 ssh -S "$T/cm2.sock" -l carol 127.0.0.1 "$@" </dev/null; }

sqlite3 "$DB" "CREATE TRIGGER jg_test_noaudit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no'); END;" ||
	bail "cannot add the trigger a third time"
before=$(rows)
am true </dev/null >"$T/mux.out" 2>"$T/mux.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -Fq 'the gateway cannot record this session: its audit record cannot be written' "$T/mux.err"; then
	ok "a new session over the master is refused: its audit record cannot be written"
else
	not_ok "a new session over the master is refused: its audit record cannot be written" \
		"rc=$rc" "stderr: $(cat "$T/mux.err")"
fi
is "it wrote no session row and no audit row" "$(rows)" "$before"

expect_error "a kill on the host is refused, one line" \
	'^jumpgate: (jumpgated refused: )?the gateway cannot write its audit log: kill refused$' \
	"$JG" kill "$live" --reason x
expect_error "a kill through the gateway by an auditor is refused" \
	'the gateway cannot write its audit log: kill refused' \
	cm2 kill "$live" --reason x
check "the session is still running" kill -0 "$live_pid"
is "and still live in the store" "$(session_field "$live" state)" live
is "neither kill wrote a row" "$(rows)" "$before"

sqlite3 "$DB" "DROP TRIGGER jg_test_noaudit;" || bail "cannot drop the trigger"
check_out "without the trigger, the kill works" "^killed session $live\$" \
	"$JG" kill "$live" --reason x
wait_for 10 bash -c "! kill -0 $live_pid 2>/dev/null"
check "the killed session has ended" bash -c "! kill -0 $live_pid 2>/dev/null"
check_outf "its user was told" 'session ended by an administrator: x' \
	cat "$T/live.err"
is "its row ends as killed" "$(session_field "$live" state)" killed
is "the kill is audited once" \
	"$("$JG" audit --json | jq --arg s "session=$live " '[.[] | select(.action == "session.kill" and (.detail | startswith($s)))] | length')" 1
check_out "a new session over the master works again" '^jgtarget$' \
	am whoami </dev/null
ssh -S "$T/am.sock" -O exit -l alice@t1 127.0.0.1 >/dev/null 2>&1
ssh -S "$T/cm2.sock" -O exit -l carol 127.0.0.1 >/dev/null 2>&1
