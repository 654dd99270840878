#!/usr/bin/env bash
# t-cli-vault: vault set/list/del/rekey with a key file and with a
# passphrase, the secret canary (never in plaintext in the state folder, the
# process list, the logs or the audit), wrong and malformed keys.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
target_sshd_start || bail "target sshd did not start"
jg_init

for t in db01 db02 db03; do
	"$JG" target add "$t" --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
		--host-key "$SSHD_HOSTKEY" >/dev/null 2>&1 || bail "target add $t failed"
done

canary=$(printf 'CANARY-%s' "$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)")
printf '%s' "$canary" >"$T/canary"
# The private key's base64 body: its lines must not show up either.
# Every OpenSSH ed25519 private key starts with the same base64 (the format
# header), so only the lines that differ from another key's count.
ssh-keygen -q -t ed25519 -N '' -f "$T/other_key" </dev/null >/dev/null
grep -v -- '-----' "$T/other_key" >"$T/other_lines"
grep -v -- '-----' "$T/target_key" | grep -vxF -f "$T/other_lines" |
	awk 'length > 20' >"$T/keylines"
[ -s "$T/keylines" ] || bail "could not pick private key lines"

# no_canary DESC FILE-OR-DIR...: the canary (and the private key lines)
# appear in none of them.  Each must be there: a grep over nothing finds
# nothing.
no_canary() {
	local desc=$1 hits f
	shift
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			not_ok "$desc" "no such file or folder: $f"
			return 1
		fi
	done
	hits=$(grep -rlaF -f "$T/canary" -- "$@" 2>/dev/null)
	hits+=$(grep -rlaF -f "$T/keylines" -- "$@" 2>/dev/null)
	if [ -z "$hits" ]; then
		ok "$desc"
	else
		not_ok "$desc" "found in: $hits"
	fi
}

# vault set with the password on stdin, while we look at every process's
# command line and environment.
mkfifo "$T/pw.fifo"
"$JG" vault set db01 --password-stdin <"$T/pw.fifo" >"$T/set.out" 2>"$T/set.err" &
setpid=$!
exec 7>"$T/pw.fifo"
printf '%s' "$canary" >&7
sleep 0.5
hits=$(grep -laF -f "$T/canary" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null)
exec 7>&-
wait "$setpid"
rc=$?
is "vault set db01 --password-stdin" "$rc" 0
[ "$rc" -eq 0 ] || diag "$(cat "$T/set.err")"
is "the password is in no process's cmdline or environ" "$hits" ""
no_canary "the password is not in vault set's output" "$T/set.out" "$T/set.err"

check "vault set db02 --key-file (private key)" \
	"$JG" vault set db02 --key-file "$T/target_key"
check "vault set db03 with a trailing newline on stdin" \
	bash -c 'printf "%s\n" "$(cat "$1")-3" | "$0" vault set db03 --password-stdin' \
	"$JG" "$T/canary"

check "vault list" "$JG" vault list
cp "$OUT" "$T/vl.txt"
check_out "vault list shows db01" 'db01' cat "$T/vl.txt"
no_canary "vault list shows no secret" "$T/vl.txt"
check "vault list --json" "$JG" vault list --json
cp "$OUT" "$T/vl.json"
if json_check "$T/vl.json" \
	'type == "array" and length == 3 and all(.[]; has("target") and has("kind") and has("created") and has("updated"))'; then
	ok "vault list --json: target, kind, created, updated"
else
	not_ok "vault list --json: target, kind, created, updated" "$(cat "$T/vl.json")"
fi
if json_check "$T/vl.json" \
	'all(.[]; (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$")))'; then
	ok "vault list --json times are UTC ISO 8601"
else
	not_ok "vault list --json times are UTC ISO 8601" "$(cat "$T/vl.json")"
fi
if json_check "$T/vl.json" \
	'([.[] | select(.target == "db01") | .kind] != [.[] | select(.target == "db02") | .kind])'; then
	ok "a password and a private key have different kinds"
else
	not_ok "a password and a private key have different kinds" "$(cat "$T/vl.json")"
fi
no_canary "vault list --json shows no secret" "$T/vl.json"

# The canary is nowhere in plaintext: database, -wal, -shm, any file.
ls "$T/state" | sed 's/^/state: /' | while read -r l; do diag "$l"; done
no_canary "no secret in plaintext in the state folder (db, -wal, -shm)" \
	"$T/state" "$T/rec" "$T/vault.key" "$T/jumpgate.conf"
# Also after a checkpoint moves the WAL into the database.
sqlite3 "$T/state/jumpgate.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1
no_canary "no secret in plaintext after a WAL checkpoint" "$T/state"
check "audit runs" "$JG" audit
no_canary "no secret in the audit output" "$OUT" "$ERR"
check "audit --json runs" "$JG" audit --json
cat "$OUT" "$ERR" >"$T/audit.json"
no_canary "no secret in audit --json" "$T/audit.json"
check "audit verify passes" "$JG" audit verify

# Updating a secret keeps one row.
check "vault set db01 again (update)" \
	bash -c 'printf "%s-new" "$(cat "$1")" | "$0" vault set db01 --password-stdin' \
	"$JG" "$T/canary"
if "$JG" vault list --json | json_check /dev/stdin '[.[] | select(.target == "db01")] | length == 1'; then
	ok "an update keeps one db01 entry"
else
	not_ok "an update keeps one db01 entry"
fi

# Bad input.
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/rsa_key" </dev/null >/dev/null
bad_input "an RSA private key is refused (the keeper signs Ed25519 only)" \
	'only ssh-ed25519' "$JG" vault set db01 --key-file "$T/rsa_key"
bad_input "vault set for an unknown target is refused" 'nosuch' \
	bash -c 'printf secret | "$0" vault set nosuch --password-stdin' "$JG"
bad_input "empty password on stdin is refused" 'empty' \
	bash -c 'printf "" | "$0" vault set db01 --password-stdin' "$JG"
bad_input "a lone newline on stdin is an empty password" 'empty' \
	bash -c 'printf "\n" | "$0" vault set db01 --password-stdin' "$JG"
bad_input --code 2 "a password in argv is refused" 'usage|password' \
	"$JG" vault set db01 --password "argv-$canary"
no_canary "the refused argv password is not echoed" "$OUT" "$ERR"
bad_input --code 2 "vault set with neither source is a usage error" \
	'usage|password-stdin|key-file' "$JG" vault set db01
bad_input --code 2 "vault set with both sources is a usage error" \
	'usage|password-stdin|key-file' \
	bash -c 'printf x | "$0" vault set db01 --password-stdin --key-file "$1"' \
	"$JG" "$T/target_key"
bad_input --code 1,2 "a public key as --key-file is refused" 'key' \
	"$JG" vault set db02 --key-file "$T/target_key.pub"
bad_input "a missing --key-file is refused" 'nonexistent|No such file' \
	"$JG" vault set db02 --key-file "$T/nonexistent"
bad_input "vault del of a target without a secret is refused" 'db09|nosuch|no secret|not' \
	"$JG" vault del db09

# Wrong-length key files, a missing key file, a wrong key.
cp -p "$T/vault.key" "$T/good.key"
for n in 0 16 31 33 64; do
	head -c "$n" /dev/urandom >"$T/vault.key"
	chmod 0600 "$T/vault.key"
	bad_input "a $n-byte key file is refused (vault set)" 'key|32' \
		bash -c 'printf x | "$0" vault set db01 --password-stdin' "$JG"
	bad_input "a $n-byte key file is refused (vault rekey)" 'key|32' \
		"$JG" vault rekey
done
rm -f "$T/vault.key"
bad_input "a missing key file is refused" 'vault\.key|key' \
	bash -c 'printf x | "$0" vault set db01 --password-stdin' "$JG"
head -c 32 /dev/urandom >"$T/vault.key"
chmod 0600 "$T/vault.key"
bad_input "a wrong key is refused (vault set)" 'wrong|key' \
	bash -c 'printf x | "$0" vault set db01 --password-stdin' "$JG"
bad_input "a wrong key is refused (vault rekey)" 'wrong|key' "$JG" vault rekey
cp -p "$T/good.key" "$T/vault.key"

# Rekey: a new key, everything re-sealed, the old key no longer opens it.
oldsum=$(sha256sum <"$T/vault.key")
check "vault rekey" "$JG" vault rekey
newsum=$(sha256sum <"$T/vault.key")
if [ "$oldsum" != "$newsum" ]; then ok "rekey wrote a new key"; else not_ok "rekey wrote a new key"; fi
is "the new key file is 32 bytes" "$(stat -c %s "$T/vault.key")" 32
is "the new key file is 0600" "$(stat -c %a "$T/vault.key")" 600
is "no key file left aside" "$(ls -a "$T" | grep -c 'vault\.key')" 1
check_out "vault list works after rekey" 'db01' "$JG" vault list
check "vault set works after rekey (key check passes)" \
	bash -c 'printf "%s-4" "$(cat "$1")" | "$0" vault set db03 --password-stdin' \
	"$JG" "$T/canary"
check "a second rekey opens every secret with the new key" "$JG" vault rekey
cp -p "$T/vault.key" "$T/current.key"
cp -p "$T/good.key" "$T/vault.key"
bad_input "the key from before the rekey no longer works" 'wrong|key' \
	bash -c 'printf x | "$0" vault set db01 --password-stdin' "$JG"
cp -p "$T/current.key" "$T/vault.key"
no_canary "no secret in plaintext after the rekeys" "$T/state" "$T/rec" "$T"/*.key

# A sealed secret moved to another row (or given another version) does not
# open: rekey, which opens every secret, must stop with one clear error and
# leave everything as it was.
db=$T/state/jumpgate.db
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1
cp -p "$db" "$T/before-swap.db"
restore_db() {
	rm -f "$db-wal" "$db-shm"
	cp -p "$T/before-swap.db" "$db"
}
sqlite3 "$db" "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE target = 'db03') WHERE target = 'db01'" 2>/dev/null
bad_input "a ciphertext moved to another target's row is detected" \
	'db01|db03|open|decrypt|corrupt|tamper|authent' "$JG" vault rekey
restore_db
sqlite3 "$db" "UPDATE secrets SET version = version + 1 WHERE target = 'db01'" 2>/dev/null
bad_input "a ciphertext with a changed version is detected" \
	'db01|open|decrypt|corrupt|tamper|authent' "$JG" vault rekey
restore_db
check "the restored vault rekeys" "$JG" vault rekey

check "vault del db02" "$JG" vault del db02
if "$JG" vault list --json | json_check /dev/stdin 'all(.[]; .target != "db02") and length == 2'; then
	ok "db02's secret is gone, the rest stay"
else
	not_ok "db02's secret is gone, the rest stay"
fi
bad_input "vault del of a removed secret is refused" 'db02' "$JG" vault del db02

# Passphrase mode: no VaultKeyFile; the key comes from Argon2id.
P=$T/p
mkdir -p "$P"
cat >"$P/jumpgate.conf" <<EOF
StateDirectory $P/state
RecordingDirectory $P/rec
ListenAddress 127.0.0.1:$(free_port)
LogLevel debug
EOF
chmod 0600 "$P/jumpgate.conf"
printf 'correct horse battery staple %s\n' "$RANDOM$RANDOM" >"$P/pass"
printf 'wrong passphrase\n' >"$P/wrong"
printf 'a new passphrase %s\n' "$RANDOM$RANDOM" >"$P/new"
chmod 0600 "$P"/pass "$P"/wrong "$P"/new
export JUMPGATE_CONFIG=$P/jumpgate.conf
JG_STATE_DIR=$P/state JG_REC_DIR=$P/rec JG_KEY_FILE=$P/none
export JG_STATE_DIR JG_REC_DIR JG_KEY_FILE
check "init --passphrase-file (passphrase mode)" \
	"$JG" init --passphrase-file "$P/pass"
"$JG" target add db01 --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
	--host-key "$SSHD_HOSTKEY" >/dev/null 2>&1
check "vault set with --passphrase-file" \
	bash -c 'printf "%s-p" "$(cat "$1")" | "$0" vault set db01 --password-stdin --passphrase-file "$2"' \
	"$JG" "$T/canary" "$P/pass"
bad_input "a wrong passphrase is refused" 'passphrase|wrong' \
	bash -c 'printf x | "$0" vault set db01 --password-stdin --passphrase-file "$1"' \
	"$JG" "$P/wrong"
bad_input "a wrong passphrase is refused by rekey" 'passphrase|wrong' \
	"$JG" vault rekey --passphrase-file "$P/wrong" --new-passphrase-file "$P/new"
check "rekey to a new passphrase" \
	"$JG" vault rekey --passphrase-file "$P/pass" --new-passphrase-file "$P/new"
check "the new passphrase works" \
	bash -c 'printf y | "$0" vault set db01 --password-stdin --passphrase-file "$1"' \
	"$JG" "$P/new"
bad_input "the old passphrase no longer works" 'passphrase|wrong' \
	bash -c 'printf x | "$0" vault set db01 --password-stdin --passphrase-file "$1"' \
	"$JG" "$P/pass"
no_canary "no secret in plaintext in the passphrase-mode state" "$P/state"
if grep -rqaF -f "$P/pass" "$P/state" || grep -rqaF -f "$P/new" "$P/state"; then
	not_ok "the passphrase is not stored in the state folder"
else
	ok "the passphrase is not stored in the state folder"
fi
