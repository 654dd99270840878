#!/usr/bin/env bash
# t-cli-user: user add/list/del and user key add, --json listings, and the
# bad inputs for users and keys (duplicates, invalid names, files that are
# not public keys), each refused with one line and nothing changed.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
jg_init

ka=$(user_key alice)
ka2=$(user_key alice2)
kb=$(user_key bob)
kc=$(user_key carol)
kd=$(user_key dave)
fp() { ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'; }

check "user add alice --key FILE" "$JG" user add alice --key "$ka"
check "user add bob with two roles" \
	"$JG" user add bob --role ops --role dba --key "$kb"
check "user add carol --key - (stdin)" "$JG" user add carol --key - <"$kc"
check "user add erin (no key, no role)" "$JG" user add erin

check_out "user list shows alice" '(^|[[:space:]])alice([[:space:]]|$)' "$JG" user list
check_out "user list shows bob's roles" 'ops' "$JG" user list
check "user list --json" "$JG" user list --json
cp "$OUT" "$T/users.json"
if json_check "$T/users.json" 'type == "array" and length == 4'; then
	ok "user list --json is an array of 4"
else
	not_ok "user list --json is an array of 4" "$(cat "$T/users.json")"
fi
if json_check "$T/users.json" \
	'all(.[]; has("name")) and ([.[].name] | sort) == ["alice","bob","carol","erin"]'; then
	ok "user list --json has every name"
else
	not_ok "user list --json has every name" "$(cat "$T/users.json")"
fi
if json_check "$T/users.json" \
	'.[] | select(.name == "bob") | (.roles | tostring | test("ops")) and (.roles | tostring | test("dba"))'; then
	ok "user list --json shows bob's roles"
else
	not_ok "user list --json shows bob's roles" "$(cat "$T/users.json")"
fi
if json_check "$T/users.json" 'all(.[]; keys | all(test("^[a-z0-9_]+$")))'; then
	ok "user list --json keys are snake_case"
else
	not_ok "user list --json keys are snake_case" "$(cat "$T/users.json")"
fi

# user key add: a second key for alice; its fingerprint is stored.
check "user key add alice FILE" "$JG" user key add alice "$ka2"
"$JG" user list --json >"$T/u.json" 2>/dev/null
"$JG" user key list alice >"$T/k.txt" 2>/dev/null
"$JG" user key list --json >"$T/k.json" 2>/dev/null
fp2=$(fp "$ka2")
# An empty fingerprint would match anything.
if [ -n "$fp2" ] && { grep -qF "$fp2" "$T/k.txt" "$T/k.json" ||
	sqlite3 -readonly "$T/state/jumpgate.db" .dump | grep -qF "${fp2#SHA256:}"; }; then
	ok "alice's second key is stored with its SHA256 fingerprint"
else
	not_ok "alice's second key is stored with its SHA256 fingerprint" \
		"$(cat "$T/k.txt")"
fi
check "user key add dave's key to erin from stdin" \
	bash -c '"$0" user key add erin - <"$1"' "$JG" "$kd"

# Duplicates.
bad_input "duplicate user is refused" 'alice' "$JG" user add alice
bad_input "duplicate user (with a new key) is refused" 'alice' \
	"$JG" user add alice --key "$(user_key x1)"
bad_input "a key already owned by another user is refused" \
	'already|exists|in use|duplicate' "$JG" user key add bob "$ka"
bad_input "the same key twice for one user is refused" \
	'already|exists|in use|duplicate' "$JG" user key add alice "$ka"
bad_input "user add with a key owned by another user is refused" \
	'already|exists|in use|duplicate' "$JG" user add frank --key "$kb"

# Invalid names: empty, 65 characters, ., .., ../x, leading -, spaces,
# control characters.
n65=$(printf 'a%.0s' $(seq 1 65))
n64=$(printf 'b%.0s' $(seq 1 64))
for n in "" "$n65" "." ".." "../x" "-x" "a b" " a" $'a\tb' $'a\nb' $'a\001b' $'a\x7fb' "a/b" "é"; do
	shown=$(printf '%q' "$n")
	bad_input --code 1,2 "invalid user name $shown is refused" \
		'invalid|name' "$JG" user add "$n"
done
bad_input --code 1,2 "invalid role name is refused" 'invalid|role' \
	"$JG" user add grace --role 'bad role'
bad_input --code 1,2 "role name ../x is refused" 'invalid|role' \
	"$JG" user add grace --role '../x'
bad_input --code 1,2 "user key add to an invalid name is refused" \
	'invalid|name' "$JG" user key add '../x' "$kc"
check "a 64-character name is accepted" "$JG" user add "$n64"
check "a name with . _ - is accepted" "$JG" user add "a.b_c-d"

# Files that are not public keys.
printf 'hello world\n' >"$T/notakey"
bad_input "a file that is not a public key is refused" \
	'key|public' "$JG" user key add alice "$T/notakey"
bad_input "user add with a file that is not a key is refused" \
	'key|public' "$JG" user add grace --key "$T/notakey"
bad_input "a private key given as public key is refused" \
	'private|key' "$JG" user key add alice "$T/keys/carol"
bad_input "user add with a private key is refused" \
	'private|key' "$JG" user add grace --key "$T/keys/carol"
: >"$T/empty.pub"
bad_input "an empty key file is refused" 'key|empty' \
	"$JG" user key add alice "$T/empty.pub"
bad_input "a missing key file is refused" 'nonexistent\.pub|No such file' \
	"$JG" user key add alice "$T/nonexistent.pub"
sed 's/AAAA/AAAB/' "$kc" >"$T/mangled.pub"
bad_input "a corrupted public key is refused" 'key|invalid' \
	"$JG" user key add alice "$T/mangled.pub"
bad_input "a key given on stdin that is not a key is refused" 'key|public' \
	bash -c '"$0" user key add alice - <"$1"' "$JG" "$T/notakey"
bad_input "user key add for an unknown user is refused" 'nosuch' \
	"$JG" user key add nosuch "$(user_key y1)"

# Usage errors.
expect_usage "user with no subcommand is a usage error" 'usage|user' "$JG" user
expect_usage "user add without a name is a usage error" 'usage|NAME|name' \
	"$JG" user add
expect_usage "user add with an unknown option is a usage error" 'usage|--bogus' \
	"$JG" user add grace --bogus

# Deletion.
check "user del carol" "$JG" user del carol
if "$JG" user list --json | json_check /dev/stdin 'all(.[]; .name != "carol")'; then
	ok "carol is gone from user list"
else
	not_ok "carol is gone from user list"
fi
check "carol's key can be given to a new user after the delete" \
	"$JG" user add grace --key "$kc"
bad_input "user del of an unknown user is refused" 'carol' "$JG" user del carol
bad_input --code 1,2 "user del of an invalid name is refused" 'invalid|name' \
	"$JG" user del '../x'
check_out "the rest stay" 'alice' "$JG" user list
