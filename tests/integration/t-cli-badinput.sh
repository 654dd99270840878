#!/usr/bin/env bash
# t-cli-badinput: the config and state faults of issue 2's "Bad input" list:
# missing or unreadable config, unknown keyword or bad value (file and line
# named), config writable by others, corrupt database or not a database,
# state directory not writable, init on existing state.  Each: one clear
# line on stderr, non-zero exit, nothing changed.  (Names, keys, ports,
# duplicates and vault keys are in t-cli-user, t-cli-target, t-cli-vault.)
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
jg_init
check "user add alice" "$JG" user add alice --key "$(user_key alice)"

# Missing config.
bad_input "missing config (-c)" "$T/missing\\.conf" "$JG" -c "$T/missing.conf" user list
bad_input "missing config (JUMPGATE_CONFIG)" "$T/missing\\.conf" \
	env JUMPGATE_CONFIG="$T/missing.conf" "$JG" user list
bad_input "a directory as config" "$T" "$JG" -c "$T" user list

# Unknown keyword and bad values: the message names file and line.
cfgerr() {
	# cfgerr DESC LINE-TO-ADD: the added line is number $(( lines + 1 )).
	local desc=$1 line=$2 n
	cp "$T/jumpgate.conf" "$T/bad.conf"
	printf '%s\n' "$line" >>"$T/bad.conf"
	chmod 0600 "$T/bad.conf"
	n=$(wc -l <"$T/bad.conf")
	bad_input "$desc names file and line" "bad\\.conf(:| line )$n([^0-9]|\$)" \
		"$JG" -c "$T/bad.conf" user list
}
cfgerr "unknown keyword" "NoSuchKeyword yes"
cfgerr "ListenAddress without a port" "ListenAddress 127.0.0.1"
cfgerr "ListenAddress port 70000" "ListenAddress 127.0.0.1:70000"
cfgerr "ListenAddress port 0" "ListenAddress 127.0.0.1:0"
cfgerr "bad LogLevel" "LogLevel loudest"
cfgerr "bad LoginGraceTime" "LoginGraceTime soon"
cfgerr "bad IdleTimeout" "IdleTimeout -5"
cfgerr "bad ConnectTimeout" "ConnectTimeout 10x"
cfgerr "keyword without a value" "StateDirectory"
cfgerr "relative StateDirectory" "StateDirectory relative/dir"
cfgerr "WorkerUser with an invalid name" "WorkerUser ../x"

# Config writable by others (or by the group).
cp "$T/jumpgate.conf" "$T/open.conf"
chmod 0666 "$T/open.conf"
bad_input "config writable by others is refused" 'open\.conf.*(writable|mode|permission)' \
	"$JG" -c "$T/open.conf" user list
chmod 0620 "$T/open.conf"
bad_input "config writable by the group is refused" 'open\.conf.*(writable|mode|permission)' \
	"$JG" -c "$T/open.conf" user list
chmod 0666 "$T/open.conf"
bad_input "init with a config writable by others is refused" \
	'open\.conf.*(writable|mode|permission)' "$JG" -c "$T/open.conf" init

# Unreadable config: a root-only file, read by an unprivileged caller.
jg_user_dir
have setpriv || bail "setpriv missing (util-linux)"
cp "$T/jumpgate.conf" "$U/root.conf"
chown root:root "$U/root.conf"
chmod 0600 "$U/root.conf"
JUMPGATE_CONFIG_SAVED=$JUMPGATE_CONFIG
export JUMPGATE_CONFIG=$U/root.conf
bad_input "unreadable config is refused" 'root\.conf.*(Permission|denied|read)' \
	as_user jgtest "$JG" -c "$U/root.conf" user list
export JUMPGATE_CONFIG=$JUMPGATE_CONFIG_SAVED

# State directory not writable: jgtest's own state, made read-only.
cat >"$U/user.conf" <<EOF
StateDirectory $U/state
RecordingDirectory $U/rec
VaultKeyFile $U/vault.key
ListenAddress 127.0.0.1:$(free_port)
EOF
chown jgtest: "$U/user.conf"
chmod 0600 "$U/user.conf"
check "init as an unprivileged user" as_user jgtest "$JG" -c "$U/user.conf" init
cp "$(user_key bob)" "$U/bob.pub"
chown jgtest: "$U/bob.pub"
check "user add as that user" as_user jgtest "$JG" -c "$U/user.conf" \
	user add bob --key "$U/bob.pub"
chmod 0500 "$U/state"
JG_STATE_DIR=$U/state JG_REC_DIR=$U/rec JG_KEY_FILE=$U/vault.key \
	JUMPGATE_CONFIG=$U/user.conf bad_input "state directory not writable: user add" \
	'state|writable|read-only|readonly|Permission|denied|open' \
	as_user jgtest "$JG" -c "$U/user.conf" user add carol
JG_STATE_DIR=$U/state JG_REC_DIR=$U/rec JG_KEY_FILE=$U/vault.key \
	JUMPGATE_CONFIG=$U/user.conf bad_input "state directory not writable: target add" \
	'state|writable|read-only|readonly|Permission|denied|open' \
	as_user jgtest "$JG" -c "$U/user.conf" target add db01 --host 127.0.0.1 \
	--login x --host-key "$(cut -d' ' -f1,2 "$T/keys/bob.pub")"
chmod 0700 "$U/state"
# init where the state directory cannot be created.
mkdir -m 0500 "$U/ro"
chown jgtest: "$U/ro"
sed "s#^StateDirectory .*#StateDirectory $U/ro/state#; s#^RecordingDirectory .*#RecordingDirectory $U/ro/rec#; s#^VaultKeyFile .*#VaultKeyFile $U/ro/vault.key#" \
	"$U/user.conf" >"$U/ro.conf"
chown jgtest: "$U/ro.conf"
chmod 0600 "$U/ro.conf"
bad_input "init where the state directory cannot be created" \
	"$U/ro/(state|rec|vault)|Permission|denied" \
	as_user jgtest "$JG" -c "$U/ro.conf" init
is "nothing was left in the read-only parent" "$(ls -A "$U/ro")" ""

# Database not a database, and a corrupt database.
db=$T/state/jumpgate.db
"$JG" user list >/dev/null 2>&1
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp -p "$db" "$T/good.db"
printf 'this is not a database, just text\n%.0s' $(seq 1 200) >"$db"
bad_input "a database file that is not a database: user list" \
	'jumpgate\.db|database' "$JG" user list
bad_input "a database file that is not a database: user add" \
	'jumpgate\.db|database' "$JG" user add bob
rm -f "$db-wal" "$db-shm"
# Corrupt: keep the 100-byte header, scribble over the rest of the pages.
cp -p "$T/good.db" "$db"
size=$(stat -c %s "$db")
head -c $((size - 100)) /dev/urandom |
	dd of="$db" bs=1 seek=100 conv=notrunc status=none
bad_input "a corrupt database: user list" \
	'jumpgate\.db|database|corrupt|malformed' "$JG" user list
bad_input "a corrupt database: user add" \
	'jumpgate\.db|database|corrupt|malformed' "$JG" user add bob
bad_input "a corrupt database: target list --json" \
	'jumpgate\.db|database|corrupt|malformed' "$JG" target list --json
is "no JSON half-printed for a corrupt database" "$(cat "$OUT")" ""
: >"$db"
bad_input "an empty database file: user list" \
	'jumpgate\.db|database|init' "$JG" user list
rm -f "$db"
bad_input "a missing database file: user list" \
	'jumpgate\.db|database|init' "$JG" user list
is "no database was created" "$(ls "$T/state" | grep -c jumpgate.db)" 0
cp -p "$T/good.db" "$db"
rm -f "$db-wal" "$db-shm"
check_out "the good database works again" 'alice' "$JG" user list

# A newer schema than this build knows is refused, not downgraded.
v=$(sqlite3 "$db" 'PRAGMA user_version')
sqlite3 "$db" 'PRAGMA user_version = 9999'
bad_input "a database from a newer version is refused" \
	'version|newer|schema' "$JG" user list
sqlite3 "$db" "PRAGMA user_version = $v"

# init on existing state, again after the faults.
bad_input "init on existing state refuses" 'exist|already|initiali[sz]ed' "$JG" init

# Usage errors: exit 2, no crash.
"$JG" -c >/dev/null 2>&1
is "-c without a file is a usage error (exit 2)" "$?" 2
"$JG" -Z user list >/dev/null 2>&1
is "an unknown option is a usage error (exit 2)" "$?" 2
