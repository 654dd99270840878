#!/usr/bin/env bash
# t-cli-init: `jumpgate init` creates the state (modes, database, host key,
# vault key, service users), the config is found through -c and
# $JUMPGATE_CONFIG, and a second init refuses and changes nothing.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

[ -x "$JG" ] || bail "$JG not built"

# Usage and help.
check "jumpgate -h exits 0" "$JG" -h
check_out "jumpgate -h lists init" 'init' "$JG" -h
"$JG" >/dev/null 2>&1
is "no command is a usage error (exit 2)" "$?" 2
expect_usage "unknown command is a usage error" 'frobnicate' "$JG" frobnicate

jg_config
unset JUMPGATE_CONFIG
# -c FILE: options come before the command.
check "init with -c FILE" "$JG" -c "$T/jumpgate.conf" init
export JUMPGATE_CONFIG=$T/jumpgate.conf

is "StateDirectory is 0700" "$(stat -c %a "$T/state" 2>&1)" 700
is "RecordingDirectory is 0700" "$(stat -c %a "$T/rec" 2>&1)" 700
is "jumpgate.db is 0600" "$(stat -c %a "$T/state/jumpgate.db" 2>&1)" 600
is "vault key file is 0600" "$(stat -c %a "$T/vault.key" 2>&1)" 600
is "vault key file is 32 bytes" "$(stat -c %s "$T/vault.key" 2>&1)" 32
# (A missing or short key file is not "random" either.)
key_hex=$(od -An -tx1 -v "$T/vault.key" 2>/dev/null | tr -d ' \n')
if [ "${#key_hex}" -ne 64 ] || [ "$key_hex" = \
	"0000000000000000000000000000000000000000000000000000000000000000" ]; then
	not_ok "vault key is random, not zeros" "key: ${key_hex:-none}"
else
	ok "vault key is random, not zeros"
fi

# A host key: some file in the state folder holds an OpenSSH Ed25519 key.
hk=""
for f in "$T/state"/*; do
	[ -f "$f" ] || continue
	case $f in *jumpgate.db*) continue ;; esac
	if ssh-keygen -l -f "$f" 2>/dev/null | grep -q ED25519; then
		hk=$f
		break
	fi
done
if [ -n "$hk" ]; then
	ok "init made an Ed25519 host key ($(basename "$hk"))"
	perm=$(stat -c %a "$hk")
	case $hk in
	*.pub) ok "host public key found" ;;
	*) is "host private key is 0600" "$perm" 600 ;;
	esac
else
	not_ok "init made an Ed25519 host key" "$(ls -la "$T/state")"
fi
# Every file in the state and recording folders is 0600, every dir 0700.
# (find's complaint about a missing folder counts as a difference too.)
bad=$(find "$T/state" "$T/rec" \( -type d ! -perm 0700 \) -o \
	\( -type f ! -name '*.pub' ! -perm 0600 \) -print 2>&1)
is "state files 0600, directories 0700" "$bad" ""

# The database: WAL, a schema version, intact.
check_out "database is in WAL mode" '^wal$' \
	sqlite3 "$T/state/jumpgate.db" 'PRAGMA journal_mode'
check_out "database has a schema version (user_version > 0)" '^[1-9][0-9]*$' \
	sqlite3 "$T/state/jumpgate.db" 'PRAGMA user_version'
check_out "database passes integrity_check" '^ok$' \
	sqlite3 "$T/state/jumpgate.db" 'PRAGMA integrity_check'

# Service users (init runs as root here, as in CI).
for u in jumpgate jumpgate-vault; do
	if getent passwd "$u" >/dev/null; then
		ok "system user $u exists"
		sh=$(getent passwd "$u" | cut -d: -f7)
		case $sh in
		*/nologin | */false) ok "$u has no login shell ($sh)" ;;
		*) not_ok "$u has no login shell" "shell: $sh" ;;
		esac
	else
		not_ok "system user $u exists"
		not_ok "$u has no login shell" "no such user"
	fi
done

# The fresh state works: an empty listing.
check "user list on fresh state" "$JG" user list
check "user list --json on fresh state" "$JG" user list --json
if json_check "$OUT" 'type == "array" and length == 0'; then
	ok "user list --json is an empty JSON array"
else
	not_ok "user list --json is an empty JSON array" "$(cat "$OUT")"
fi
check "target list on fresh state" "$JG" target list
check "access list on fresh state" "$JG" access list
check "vault list on fresh state" "$JG" vault list

# $JUMPGATE_CONFIG is read when -c is absent; -c wins over it.
check "JUMPGATE_CONFIG is used" env JUMPGATE_CONFIG="$T/jumpgate.conf" "$JG" user list
expect_error "-c wins over JUMPGATE_CONFIG" "$T/nope\\.conf" \
	env JUMPGATE_CONFIG="$T/jumpgate.conf" "$JG" -c "$T/nope.conf" user list

# A second init refuses and changes nothing.
bad_input "init on existing state refuses" \
	'exist|already|initiali[sz]ed' "$JG" init
bad_input "init with -c on existing state refuses" \
	'exist|already|initiali[sz]ed' "$JG" -c "$T/jumpgate.conf" init

# init keeps an existing key file instead of replacing it (state elsewhere).
jg_config_2() {
	sed -e "s#^StateDirectory .*#StateDirectory $T/state2#" \
		-e "s#^RecordingDirectory .*#RecordingDirectory $T/rec2#" \
		"$T/jumpgate.conf" >"$T/second.conf"
	chmod 0600 "$T/second.conf"
}
jg_config_2
keysum=$(sha256sum <"$T/vault.key")
check "init of a second state with an existing key file" \
	"$JG" -c "$T/second.conf" init
is "an existing VaultKeyFile is kept" "$(sha256sum <"$T/vault.key")" "$keysum"
is "second state directory is 0700" "$(stat -c %a "$T/state2" 2>&1)" 700
