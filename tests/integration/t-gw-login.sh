#!/usr/bin/env bash
# t-gw-login: the login name (USER or USER@TARGET) is checked at every
# authentication attempt, and a name that could forge a key=value field
# (spaces, '=') never reaches a log line or an audit row.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import paramiko' 2>/dev/null ||
	bail "python3-paramiko is not installed (scripts/setup.sh installs it)"
target_sshd_start || bail "no target sshd"
jg_targets t1
"$JG" user add alice --role ops --key "$(user_key alice)" >/dev/null ||
	bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
user_key mallory >/dev/null
jgd_start || bail "jumpgated did not start"

# gw LOGIN [SSH-OPTION...] -- CMD...: mallory's key first, then alice's.
gw() {
	local login=$1
	shift
	timeout 20 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -i "$T/keys/mallory" -i "$T/keys/alice" \
		-l "$login" "$@" 127.0.0.1 true </dev/null
}
logins() { "$JG" audit --json | jq '[.[] | select(.action == "login")] | length'; }
# pm_login LOGIN: the same two keys from paramiko, which sends any name (ssh
# itself refuses to send one starting with '-'); prints "denied" when
# neither key got in, "accepted" when one did.
pm_login() {
	/usr/bin/python3 - "$JG_PORT" "$1" "$T/keys/mallory" "$T/keys/alice" <<'PY'
import socket, sys
import paramiko
port, login, keys = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
t = paramiko.Transport(socket.create_connection(("127.0.0.1", port), timeout=10))
t.start_client(timeout=10)
for k in keys:
    try:
        t.auth_publickey(login, paramiko.Ed25519Key.from_private_key_file(k))
    except paramiko.AuthenticationException:
        continue
    except (paramiko.SSHException, EOFError, OSError) as e:
        print("denied (disconnected: %s)" % e)
        sys.exit(0)
    if t.is_authenticated():
        print("accepted")
        sys.exit(0)
print("denied")
PY
}

check "a good login with the second key offered still works" gw alice@t1
before=$(logins)
for bad in 'alice@' "alice@$(printf 'x%.0s' $(seq 100))" 'alice@t1 how=standing' \
	'alice@t1=x' '@t1' 'alice @t1' '-alice@t1'; do
	# Refused by the gateway: "Permission denied" after both keys, not
	# any failure (ssh will not even send a name starting with '-').
	refused=no
	case $bad in
	-*)
		r=$(pm_login "$bad" 2>&1)
		[[ $r == denied* ]] && refused=yes
		;;
	*)
		gw "$bad" >"$T/out" 2>"$T/err"
		rc=$?
		r="exit $rc: $(cat "$T/err")"
		[ $rc -eq 255 ] && grep -q 'Permission denied (publickey)' "$T/err" &&
			refused=yes
		;;
	esac
	if [ $refused = yes ]; then
		ok "login name '${bad:0:30}' is refused at every attempt"
		diag "$r"
	else
		not_ok "login name '${bad:0:30}' is refused at every attempt" "$r"
	fi
done
is "none of them logged in (no login row)" "$(logins)" "$before"

# The forged fields of the issue: they must be nowhere.
ssh_forge=(timeout 20 ssh -p "$JG_PORT" -o BatchMode=yes -o IdentitiesOnly=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -i "$T/keys/alice")
"${ssh_forge[@]}" -l 'alice@t1 how=standing source=10.9.9.9' 127.0.0.1 true \
	</dev/null >/dev/null 2>"$T/forge.err"
check "the forging login reached the gateway and was refused" \
	grep -q 'Permission denied (publickey)' "$T/forge.err"
"$JG" audit --json >"$T/audit.json" || bail "audit"
check "the audit log was read" test -s "$T/audit.json"
if grep -q '10\.9\.9\.9\|how=standing source' "$T/audit.json"; then
	not_ok "no forged field in any audit row" "$(grep -o '.\{60\}10.9.9.9.\{20\}' "$T/audit.json")"
else
	ok "no forged field in any audit row"
fi
if grep -q '10\.9\.9\.9' "$T/jumpgated.log"; then
	not_ok "no forged field in the log" "$(grep '10.9.9.9' "$T/jumpgated.log")"
else
	ok "no forged field in the log"
fi
check_out "the failures are audited as invalid login names" \
	'invalid-login-name' sh -c "'$JG' audit | grep auth.fail"
