#!/usr/bin/env bash
# t-fault-rekey: an interrupted `jumpgate vault rekey` (key file mode) is
# finished or rolled back by the next command that uses the vault key, with
# one line saying which, and every secret still opens afterwards:
#  (a) killed before its transaction committed (kill -9 while sqlite3
#      holds the database, VaultKeyFile.new written): rolled back;
#  (a') a torn VaultKeyFile.new (shorter than a key): rolled back;
#  (b) committed but not renamed into place (the rename fails: the key file
#      is a mount point for the moment): finished;
# each time with the tool (verify, vault set) or the daemon's start as the
# next command; a ".new" that cannot be trusted (mode 0644) is kept and
# named. A rekey still running owns its ".new": a tool command run meanwhile
# leaves it alone. "Opens" means: recordings verify (their keys are sealed by
# the vault key), the daemon logs in to a password target and a private-key
# target (the keeper opens both), and a further rekey re-seals everything.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
JG_SIGNALS_OK=9	# this script kills processes with SIGKILL on purpose
jg_config
jg_init
target_sshd_start || bail "no target sshd"
for t in t1 t2; do
	"$JG" target add $t --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
		--host-key "$SSHD_HOSTKEY" >/dev/null || bail "target add $t"
done
"$JG" vault set t1 --password-stdin <"$T/target.pass" >/dev/null || bail "vault set t1"
"$JG" vault set t2 --key-file "$T/target_key" >/dev/null || bail "vault set t2"
jg_user alice ops
"$JG" access add ops 't*' >/dev/null || bail "access add"
DB=$T/state/jumpgate.db
KEY=$T/vault.key
NEW=$KEY.new
O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=10 -i "$T/keys/alice" -p "$JG_PORT")
sum() { sha256sum <"$1" | cut -d' ' -f1; }
nrec=0

# logins DESC: the daemon runs; a session on each target (password, key)
# works: the keeper opened both secrets. Each adds a recording.
logins() {
	check_out "$1: a session on t1 (password)" '^on-t1$' \
		timeout 30 ssh "${O[@]}" alice@t1@127.0.0.1 'echo on-t1' </dev/null
	check_out "$1: a session on t2 (private key)" '^on-t2$' \
		timeout 30 ssh "${O[@]}" alice@t2@127.0.0.1 'echo on-t2' </dev/null
	nrec=$((nrec + 2))
}
# recordings DESC: every recording so far verifies intact (its key opens).
recordings() {
	check_out "$1: all $nrec recordings verify intact" "^session $nrec: intact" \
		"$JG" verify --all
}
# one_line DESC ERE FILE: FILE holds exactly one line, matching ERE.
one_line() {
	if [ "$(grep -c '' "$3")" = 1 ] && grep -Eq -- "$2" "$3"; then
		ok "$1"
		diag "$(cat "$3")"
	else
		not_ok "$1" "expected one line matching: $2" "got: $(cat "$3")"
	fi
}
# lock_take / lock_release: sqlite3 holds the database (BEGIN EXCLUSIVE)
# until released; "locked" is printed once it holds it.
lock_take() {
	rm -f "$T/lock.fifo" "$T/lock.out"
	mkfifo "$T/lock.fifo"
	sqlite3 "$DB" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
	LOCK_PID=$!
	jg_track "$LOCK_PID"
	exec 7>"$T/lock.fifo"
	printf ".bail on\n.timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n" >&7
	wait_for 10 grep -qx locked "$T/lock.out"
}
lock_release() {
	printf 'ROLLBACK;\n.quit\n' >&7
	exec 7>&-
	wait "$LOCK_PID"
}
# rekey_started: a rekey in the background, blocked on the lock after it
# wrote VaultKeyFile.new; REKEY_PID.
rekey_started() {
	lock_take || return 1
	"$JG" vault rekey >"$T/rekey.out" 2>"$T/rekey.err" &
	REKEY_PID=$!
	wait_for 10 test -s "$NEW"
}
# rekey_unrenamed: a rekey that commits and then cannot rename
# VaultKeyFile.new into place (the key file is a mount point meanwhile):
# the state a crash between its commit and its rename leaves.
rekey_unrenamed() {
	mount --bind "$KEY" "$KEY" || return 1
	"$JG" vault rekey >"$T/rekey.out" 2>"$T/rekey.err"
	local rc=$?
	umount "$KEY"
	diag "rekey: exit $rc: $(cat "$T/rekey.err")"
	[ $rc = 1 ] && grep -q 'still in' "$T/rekey.err"
}

jgd_start || bail "jumpgated did not start"
logins "before"
jgd_stop
recordings "before"

# ---- (a) killed before the commit; the next command: the tool (verify)
k0=$(sum "$KEY")
check "(a) a rekey wrote $(basename "$NEW") and waits for the database" rekey_started
kill -9 "$REKEY_PID"
wait "$REKEY_PID" 2>/dev/null
lock_release
check "(a) it is killed: $(basename "$NEW") is left, 32 bytes" test "$(stat -c %s "$NEW" 2>/dev/null)" = 32
"$JG" verify --all >"$T/v.out" 2>"$T/v.err"
is "(a) the next command (verify --all) succeeds" "$?" 0
one_line "(a) and says it rolled the rekey back" \
	"^jumpgate: vault: rolled back an interrupted rekey: removed $NEW$" "$T/v.err"
check "(a) no .new is left" test ! -e "$NEW"
is "(a) the key file is the old one" "$(sum "$KEY")" "$k0"
check_out "(a) every recording verifies intact" "^session $nrec: intact" cat "$T/v.out"

# ---- (a') torn: shorter than a key; the next command: the daemon's start
head -c 13 /dev/urandom >"$NEW"
chmod 0600 "$NEW"
jgd_start || bail "jumpgated did not start"
check_outf "(a') the daemon's start rolls it back" \
	"vault: rolled back an interrupted rekey: removed $NEW" cat "$T/jumpgated.log"
check "(a') no .new is left" test ! -e "$NEW"
logins "(a')"
jgd_stop
is "(a') the key file is the old one" "$(sum "$KEY")" "$k0"

# ---- (b) committed, not renamed; the next command: the tool (vault set)
check "(b) a rekey commits and cannot rename" rekey_unrenamed
k1=$(sum "$NEW")
is "(b) the key file is still the old one" "$(sum "$KEY")" "$k0"
"$JG" vault set t1 --password-stdin <"$T/target.pass" >"$T/s.out" 2>"$T/s.err"
is "(b) the next command (vault set) succeeds" "$?" 0
one_line "(b) and says it finished the rekey" \
	"^jumpgate: vault: finished an interrupted rekey: $KEY is now the vault key$" "$T/s.err"
check "(b) no .new is left" test ! -e "$NEW"
is "(b) the key file is the new key" "$(sum "$KEY")" "$k1"
recordings "(b)"
jgd_start || bail "jumpgated did not start"
logins "(b)"
jgd_stop

# ---- (b') the same, and the daemon's start is the next command
check "(b') a rekey commits and cannot rename" rekey_unrenamed
k2=$(sum "$NEW")
jgd_start || bail "jumpgated did not start"
check_outf "(b') the daemon's start finishes it" \
	"vault: finished an interrupted rekey: $KEY is now the vault key" cat "$T/jumpgated.log"
check "(b') no .new is left" test ! -e "$NEW"
is "(b') the key file is the new key" "$(sum "$KEY")" "$k2"
logins "(b')"
jgd_stop
recordings "(b')"

# ---- a rekey still running owns its .new: a tool command leaves it alone
k3=$(sum "$KEY")
check "(c) a rekey wrote $(basename "$NEW") and waits for the database" rekey_started
"$JG" verify --all >"$T/v.out" 2>"$T/v.err"
is "(c) verify meanwhile succeeds, with the current key" "$?" 0
is "(c) and says nothing about the rekey" "$(cat "$T/v.err")" ""
check "(c) the running rekey's .new is still there" test -s "$NEW"
k4=$(sum "$NEW")
lock_release
wait "$REKEY_PID"
# Re-sealed: the two targets' secrets and every recording's key.
is "(c) the rekey then completes" "$?:$(cat "$T/rekey.out")" \
	"0:vault rekeyed: $((2 + nrec)) secrets re-sealed"
check "(c) its .new is renamed into place" test ! -e "$NEW"
is "(c) the key file is the rekey's new key" "$(sum "$KEY")" "$k4"
recordings "(c)"

# ---- a .new that cannot be trusted is kept, and named
head -c 32 /dev/urandom >"$NEW"
chmod 0644 "$NEW"
expect_error "(d) an unsafe .new stops the tool with its reason" \
	"interrupted vault rekey: .*vault.key.new" "$JG" verify --all
check "(d) it is kept" test -e "$NEW"
jgd_start || bail "jumpgated did not start"
check_outf "(d) the daemon names it too" "interrupted vault rekey" cat "$T/jumpgated.log"
logins "(d) and runs on with the current key"
jgd_stop
chmod 0600 "$NEW"
check "(d) once it is safe, the tool rolls it back" "$JG" verify --all
one_line "(d) saying so" "rolled back an interrupted rekey" "$ERR"

# ---- at the end: another rekey opens and re-seals every secret
check_out "a last rekey re-seals every secret" \
	"^vault rekeyed: $((2 + nrec)) secrets re-sealed\$" "$JG" vault rekey
is "and is clean: no .new" "$(ls "$T" | grep -c 'vault.key.new')" 0
jgd_start || bail "jumpgated did not start"
logins "after the last rekey"
jgd_stop
recordings "after the last rekey"
check_out "the audit log is intact" '^audit log intact' "$JG" audit verify
is "every rekey that committed is audited (b, b', c, last)" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "vault.rekey")] | length')" 4
