#!/usr/bin/env bash
# t-gw-forward: deny by default: port forwarding (local, remote, -W), agent
# forwarding, X11 and subsystems other than sftp are refused, and the
# session itself goes on.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
target_sshd_start || bail "no target sshd"
"$JG" target add t1 --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
	--host-key "$SSHD_HOSTKEY" >/dev/null || bail "target add"
"$JG" vault set t1 --password-stdin <"$T/target.pass" >/dev/null || bail "vault set"
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"

SSH=(ssh -i "$T/keys/alice" -p "$JG_PORT" -o BatchMode=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)

# -W: a direct-tcpip channel to the target's own sshd port.
out=$(timeout 20 "${SSH[@]}" -W "127.0.0.1:$SSHD_PORT" alice@t1@127.0.0.1 \
	</dev/null 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && ! grep -q '^SSH-2.0' <<<"$out"; then
	ok "ssh -W (direct-tcpip) is refused"
else
	not_ok "ssh -W (direct-tcpip) is refused" "rc=$rc out=$out"
fi
lport=$(free_port)
out=$(timeout 20 "${SSH[@]}" -o ExitOnForwardFailure=yes \
	-L "127.0.0.1:$lport:127.0.0.1:$SSHD_PORT" alice@t1@127.0.0.1 \
	"sleep 2" 2>&1 &
	sleep 1
	exec 3<>"/dev/tcp/127.0.0.1/$lport" 2>/dev/null && timeout 3 head -c 7 <&3)
if grep -q 'SSH-2.0' <<<"$out"; then
	not_ok "a local forward (-L) carries nothing" "$out"
else
	ok "a local forward (-L) carries nothing"
fi
rport=$(free_port)
out=$(timeout 20 "${SSH[@]}" -o ExitOnForwardFailure=yes \
	-R "127.0.0.1:$rport:127.0.0.1:$SSHD_PORT" alice@t1@127.0.0.1 true 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -qi 'remote port forwarding failed' <<<"$out"; then
	ok "a remote forward (-R) is refused"
else
	not_ok "a remote forward (-R) is refused" "rc=$rc out=$out"
fi
check_out "X11 forwarding is refused, the command still runs" \
	'^still here$' timeout 20 "${SSH[@]}" -o ForwardX11=yes \
	-o ForwardX11Trusted=no alice@t1@127.0.0.1 'echo still here'
eval "$(ssh-agent -s)" >/dev/null
ssh-add "$T/keys/alice" 2>/dev/null
out=$(timeout 20 "${SSH[@]}" -A alice@t1@127.0.0.1 \
	'echo "sock=${SSH_AUTH_SOCK:-none}"' 2>&1)
ssh-agent -k >/dev/null 2>&1
is "agent forwarding is refused (no SSH_AUTH_SOCK on the target)" \
	"$(grep -o 'sock=.*' <<<"$out")" "sock=none"
out=$(timeout 20 "${SSH[@]}" -s alice@t1@127.0.0.1 netconf 2>&1 </dev/null)
rc=$?
if [ "$rc" -ne 0 ]; then
	ok "a subsystem other than sftp is refused"
else
	not_ok "a subsystem other than sftp is refused" "$out"
fi
check_out "env outside TERM, LANG, LC_* does not reach the target" \
	'^foo=unset lang=C.UTF-8$' env FOO=bar LANG=C.UTF-8 timeout 20 \
	"${SSH[@]}" -o SendEnv=FOO -o SendEnv=LANG alice@t1@127.0.0.1 \
	'echo "foo=${FOO:-unset} lang=$LANG"'
