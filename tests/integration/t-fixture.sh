#!/usr/bin/env bash
# t-fixture: the test fixture itself works with the real OpenSSH client: a
# private sshd target on 127.0.0.1 reachable by key and by password (the
# gateway logs in upstream with the vault password), exit codes come back,
# and sshd -t catches a broken config.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

if target_sshd_start; then
	ok "target sshd started on 127.0.0.1:$SSHD_PORT"
else
	bail "target sshd did not start"
fi

is "SSHD_HOSTKEY is 'TYPE BASE64'" \
	"$(printf '%s' "$SSHD_HOSTKEY" | grep -Ec '^ssh-ed25519 [A-Za-z0-9+/=]+$')" 1
check "sshd pid file written" test -s "$SSHD_DIR/sshd.pid"
check "sshd runs as SSHD_PID" kill -0 "$SSHD_PID"
is "target.pass is 0600" "$(stat -c %a "$T/target.pass")" 600
check "test user jgtarget exists" id -u jgtarget
check "sshd listens on loopback only" \
	bash -c "ss -Hltn 'sport = :$SSHD_PORT' | awk '{print \$4}' | grep -qx '127.0.0.1:$SSHD_PORT'"

# Key login with the host key pinned.
check_out "ssh with key runs a command" '^hi$' target_ssh 'echo hi'
check_out "remote user is jgtarget" '^jgtarget$' target_ssh 'id -un'
target_ssh 'exit 42' </dev/null >/dev/null 2>&1
is "exit status 42 comes back" "$?" 42

# A wrong pinned host key is refused.
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
	"$(ssh-keygen -q -t ed25519 -N '' -f "$T/other_host" </dev/null >/dev/null &&
		cut -d' ' -f1,2 "$T/other_host.pub")" >"$T/wrong_known_hosts"
ssh -F none -i "$T/target_key" -o IdentitiesOnly=yes -o IdentityAgent=none \
	-o BatchMode=yes -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile="$T/wrong_known_hosts" -p "$SSHD_PORT" \
	jgtarget@127.0.0.1 'echo should-not-run' </dev/null >"$T/mm.out" 2>"$T/mm.err"
rc=$?
if [ $rc -eq 255 ] && grep -q 'Host key verification failed' "$T/mm.err" &&
	! grep -q should-not-run "$T/mm.out"; then
	ok "ssh refuses a host key that does not match the pin"
else
	not_ok "ssh refuses a host key that does not match the pin" \
		"exit $rc" "$(cat "$T/mm.err")"
fi

# ssh-keyscan sees the same host key (what `target add --scan` must find).
check_outf "ssh-keyscan returns the pinned host key" \
	"[127.0.0.1]:$SSHD_PORT $SSHD_HOSTKEY" \
	ssh-keyscan -T 5 -t ed25519 -p "$SSHD_PORT" 127.0.0.1

# Password login, the password never on a command line: ssh asks
# SSH_ASKPASS, a script that prints $T/target.pass.
cat >"$T/askpass" <<EOF
#!/bin/sh
cat "$T/target.pass"
EOF
chmod 0700 "$T/askpass"
pw_ssh() {
	SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		ssh -F none -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o PubkeyAuthentication=no -o PreferredAuthentications=password \
		-o NumberOfPasswordPrompts=1 -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" -o ConnectTimeout=10 \
		-p "$SSHD_PORT" jgtarget@127.0.0.1 "$@" </dev/null
}
check_out "password login works (SSH_ASKPASS)" '^pw-ok$' pw_ssh 'echo pw-ok'
cp "$T/target.pass" "$T/target.pass.good"
printf 'wrong-%s' "$(cat "$T/target.pass.good")" >"$T/target.pass"
pw_ssh true >/dev/null 2>&1
rc=$?
cp "$T/target.pass.good" "$T/target.pass"
is "a wrong password is refused (exit 255)" "$rc" 255
if grep -qF -f "$T/target.pass" "$SSHD_DIR/log"; then
	not_ok "the password is not in the sshd log"
else
	ok "the password is not in the sshd log"
fi
check "sshd logged the password login" \
	grep -q 'Accepted password for jgtarget' "$SSHD_DIR/log"
check "sshd logged the key login" \
	grep -q 'Accepted publickey for jgtarget' "$SSHD_DIR/log"

# sshd -t rejects a broken config.
cp "$SSHD_DIR/sshd_config" "$T/broken_config"
echo "NoSuchKeyword yes" >>"$T/broken_config"
if sshd -t -f "$T/broken_config" >/dev/null 2>&1; then
	not_ok "sshd -t fails on a broken config"
else
	ok "sshd -t fails on a broken config"
fi

# user_key gives a usable key pair.
pub=$(user_key alice)
check "user_key writes NAME and NAME.pub" test -s "$T/keys/alice" -a -s "$pub"
check_out "user_key's key is ed25519" 'ED25519' ssh-keygen -l -f "$pub"

# free_port gives distinct, unused ports.
p1=$(free_port)
p2=$(free_port)
if [ -n "$p1" ] && [ "$p1" != "$p2" ] && ! port_in_use "$p1"; then
	ok "free_port gives distinct free ports ($p1, $p2)"
else
	not_ok "free_port gives distinct free ports" "$p1 $p2"
fi

# A restart keeps the host key and the credentials.
old_key=$SSHD_HOSTKEY
old_pid=$SSHD_PID
target_sshd_stop
# The pid started, not the pid file's: sshd removes that file as it exits.
if kill -0 "$old_pid" 2>/dev/null; then
	not_ok "target_sshd_stop stops sshd"
else
	ok "target_sshd_stop stops sshd"
fi
check "target sshd restarts" target_sshd_start
is "restart keeps the host key" "$SSHD_HOSTKEY" "$old_key"
check_out "key login after the restart" '^again$' target_ssh 'echo again'
