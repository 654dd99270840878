#!/usr/bin/env bash
# t-gw-forward: deny by default: port forwarding (local -L, dynamic -D,
# stdio -W, remote -R), agent forwarding, X11, environment variables
# outside TERM, LANG and LC_*, and subsystems other than sftp are refused;
# each refusal is an audit row request.refused naming its kind, a session
# on the same connection gets one line saying what was refused, and the
# session itself goes on.
#  - -D: a SOCKS5 CONNECT through the client to the target's sshd is not
#    granted, the client logs "administratively prohibited" and the row is
#    kind=local-forward with that destination.
#  - -R with a session: OpenSSH asks for the forward before it opens the
#    session channel, so no jumpgate line reaches the user (only the
#    client's "remote port forwarding failed"); the session runs.
#  - a subsystem other than sftp is refused and audited; a name that tries
#    to forge a field ('x source=10.9.9.9') is percent-encoded in the row
#    (kind=subsystem name=x%20source%3D10.9.9.9), which has exactly one
#    source=, the real one; the user is told "this subsystem is not
#    allowed through the gateway" and the ssh client exits 1.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
have xauth || bail "xauth is not installed (scripts/setup.sh installs it)"
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"

SSH=(ssh -i "$T/keys/alice" -p "$JG_PORT" -o BatchMode=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
# refused KIND: how many request.refused rows name that kind.
refused() {
	"$JG" audit --json | jq --arg k "kind=$1" \
		'[.[] | select(.action == "request.refused" and (.detail | contains($k)))] | length'
}

# -W: a direct-tcpip channel to the target's own sshd port.
out=$(timeout 20 "${SSH[@]}" -W "127.0.0.1:$SSHD_PORT" alice@t1@127.0.0.1 \
	</dev/null 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && ! grep -q '^SSH-2.0' <<<"$out" &&
	grep -q 'administratively prohibited' <<<"$out"; then
	ok "ssh -W (direct-tcpip) is refused by the gateway"
else
	not_ok "ssh -W (direct-tcpip) is refused by the gateway" "rc=$rc out=$out"
fi
is "the -W refusal is audited" "$(refused local-forward)" 1

# -L: the client listens; a connection through it is refused by the gateway.
lport=$(free_port)
timeout 20 "${SSH[@]}" -L "127.0.0.1:$lport:127.0.0.1:$SSHD_PORT" \
	alice@t1@127.0.0.1 "sleep 4" >"$T/L.out" 2>&1 &
jg_track $!
wait_for 10 port_listening "$lport" || bail "ssh -L did not listen on $lport"
# "connected" first: a connection that failed outright also gets nothing.
probe=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport && echo connected && timeout 3 head -c 7 <&3" 2>/dev/null)
is "a connection through -L gets nothing from the target" "$probe" "connected"
wait_for 10 sh -c "grep -q 'administratively prohibited' '$T/L.out'"
wait_for 10 sh -c "grep -q 'jumpgate: port forwarding' '$T/L.out'"
check_outf "the client is told the channel was refused" \
	'administratively prohibited' cat "$T/L.out"
check_outf "the session on that connection gets one line saying why" \
	'jumpgate: port forwarding (-L, -D, -W) is not allowed through the gateway' \
	cat "$T/L.out"
is "the -L refusal is audited with its destination" \
	"$("$JG" audit --json | jq "[.[] | select(.action == \"request.refused\" and (.detail | contains(\"dest=127.0.0.1:$SSHD_PORT\")))] | length")" 2

# -D: the client is a SOCKS server; a CONNECT through it becomes a
# direct-tcpip open to the target's own sshd, which the gateway refuses
# (an allowed one would answer "granted" and the sshd's banner).
socks_probe() {	# PORT DEST-PORT: a SOCKS5 CONNECT to 127.0.0.1:DEST-PORT
	/usr/bin/python3 - "$@" <<'PY'
import socket, struct, sys
port, dport = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.settimeout(10)
def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            break
        b += c
    return b
try:
    s.sendall(b"\x05\x01\x00")
    if recv(2) != b"\x05\x00":
        print("no-socks")
        sys.exit(0)
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") +
              struct.pack(">H", dport))
    r = recv(10)
    if len(r) < 2:
        print("closed")
    elif r[1] != 0:
        print("failed:%d" % r[1])
    else:
        print("granted " + recv(7).decode("ascii", "replace"))
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error " + str(e))
PY
}
fwd_to_sshd() {	# request.refused rows for a direct-tcpip open to the sshd
	"$JG" audit --json | jq --arg d "kind=local-forward dest=127.0.0.1:$SSHD_PORT" \
		'[.[] | select(.action == "request.refused" and (.detail | startswith($d)))] | length'
}
n_fwd=$(fwd_to_sshd)
dport=$(free_port)
timeout 30 "${SSH[@]}" -D "127.0.0.1:$dport" -N alice@t1@127.0.0.1 \
	</dev/null >"$T/D.out" 2>&1 &
jg_track $!
wait_for 10 port_listening "$dport" || bail "ssh -D did not listen on $dport"
probe=$(socks_probe "$dport" "$SSHD_PORT" 2>&1)
diag "SOCKS5 CONNECT through -D: $probe"
case $probe in
closed | failed:*) ok "a SOCKS5 CONNECT through -D is not granted" ;;
*) not_ok "a SOCKS5 CONNECT through -D is not granted" "probe: $probe" ;;
esac
wait_for 10 sh -c "grep -q 'administratively prohibited' '$T/D.out'"
check_outf "the -D client was told the gateway prohibits the channel" \
	'administratively prohibited' cat "$T/D.out"
is "the -D refusal is audited as request.refused kind=local-forward with its destination" \
	"$(fwd_to_sshd)" "$((n_fwd + 1))"

rport=$(free_port)
out=$(timeout 20 "${SSH[@]}" -o ExitOnForwardFailure=yes \
	-R "127.0.0.1:$rport:127.0.0.1:$SSHD_PORT" alice@t1@127.0.0.1 true 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -qi 'remote port forwarding failed' <<<"$out"; then
	ok "a remote forward (-R) is refused"
else
	not_ok "a remote forward (-R) is refused" "rc=$rc out=$out"
fi
is "the -R refusal is audited" "$(refused remote-forward)" 1
# -R with a session: OpenSSH asks for the forward before it opens the
# session channel, so the gateway's refusal finds no channel to carry its
# line (deny.c: a forwarding request gets only the protocol refusal); the
# user sees the client's own warning, and the session runs.
rport=$(free_port)
out=$(timeout 20 "${SSH[@]}" -R "127.0.0.1:$rport:127.0.0.1:$SSHD_PORT" \
	alice@t1@127.0.0.1 'echo session-ran' </dev/null 2>&1)
rc=$?
diag "-R with a session shows: $(tr '\n' '|' <<<"$out")"
is "-R with a session: the session still runs" "$rc $(grep -c '^session-ran' <<<"$out")" "0 1"
check_outf "-R with a session: the client says the remote forward failed" \
	"remote port forwarding failed for listen port $rport" echo "$out"
is "-R with a session: no jumpgate line (the refusal came before the channel)" \
	"$(grep -c 'jumpgate: remote port forwarding' <<<"$out")" 0
is "-R with a session: the refusal is audited" "$(refused remote-forward)" 2

# X11: a display and xauth data, so the client really asks (trusted
# forwarding: untrusted would need a real X server to make a cookie).
export XAUTHORITY=$T/Xauthority
xauth -f "$XAUTHORITY" add :42 . 0123456789abcdef0123456789abcdef 2>/dev/null
check "xauth data for the fake display" test -s "$XAUTHORITY"
DISPLAY=:42 timeout 20 "${SSH[@]}" -o ForwardX11=yes -o ForwardX11Trusted=yes \
	alice@t1@127.0.0.1 'echo still here; echo "display=${DISPLAY:-none}"' \
	>"$T/x.out" 2>"$T/x.err"
check_outf "X11 forwarding is refused, the command still runs" 'still here' \
	cat "$T/x.out"
check_outf "the target gets no DISPLAY" 'display=none' cat "$T/x.out"
check_outf "the client's X11 request was refused" \
	'X11 forwarding request failed' cat "$T/x.err"
check_outf "and it is told why" \
	'jumpgate: X11 forwarding is not allowed through the gateway' \
	cat "$T/x.err"
is "the X11 refusal is audited" "$(refused x11)" 1

eval "$(ssh-agent -s)" >/dev/null
ssh-add "$T/keys/alice" 2>/dev/null
out=$(timeout 20 "${SSH[@]}" -A alice@t1@127.0.0.1 \
	'echo "sock=${SSH_AUTH_SOCK:-none}"' 2>&1)
ssh-agent -k >/dev/null 2>&1
is "agent forwarding is refused (no SSH_AUTH_SOCK on the target)" \
	"$(grep -o 'sock=.*' <<<"$out")" "sock=none"
check_outf "the agent refusal is told" \
	'jumpgate: agent forwarding is not allowed through the gateway' \
	echo "$out"
is "the agent refusal is audited" "$(refused agent)" 1

out=$(timeout 20 "${SSH[@]}" -s alice@t1@127.0.0.1 netconf 2>&1 </dev/null)
rc=$?
# Refused by the gateway, not any failure of the connection.
if [ "$rc" -eq 1 ] && ! grep -q 'subsystem request failed' <<<"$out"; then
	ok "a subsystem other than sftp is refused (exit 1)"
else
	not_ok "a subsystem other than sftp is refused (exit 1)" "rc=$rc out=$out"
fi
check_outf "and the user is told why" \
	'jumpgate: this subsystem is not allowed through the gateway' printf '%s\n' "$out"
is "the netconf refusal is audited" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "request.refused" and (.detail | startswith("kind=subsystem name=netconf ")))] | length')" 1
# A subsystem name that tries to forge a field of the audit row.
out=$(timeout 20 "${SSH[@]}" -s alice@t1@127.0.0.1 'x source=10.9.9.9' 2>&1 </dev/null)
rc=$?
if [ "$rc" -eq 1 ]; then
	ok "a subsystem named 'x source=10.9.9.9' is refused"
else
	not_ok "a subsystem named 'x source=10.9.9.9' is refused" "rc=$rc out=$out"
fi
check_outf "and the user is told why" \
	'jumpgate: this subsystem is not allowed through the gateway' printf '%s\n' "$out"
forged=$("$JG" audit --json | jq -c '[.[] | select(.action == "request.refused" and (.detail | startswith("kind=subsystem name=x")))]')
diag "its audit rows: $(jq -r '.[].detail' <<<"$forged")"
is "one request.refused row, the name percent-encoded" \
	"$(jq '[.[] | select(.detail | startswith("kind=subsystem name=x%20source%3D10.9.9.9"))] | length' <<<"$forged")" 1
is "with exactly one source= field, the real one" \
	"$(jq -r '.[] | [(.detail | [scan("source=")] | length), (.detail | test(" source=127\\.0\\.0\\.1( |$)"))] | @tsv' <<<"$forged")" \
	"$(printf '1\ttrue')"
check_out "env outside TERM, LANG, LC_* does not reach the target" \
	'^foo=unset lang=C.UTF-8$' env FOO=bar LANG=C.UTF-8 timeout 20 \
	"${SSH[@]}" -o SendEnv=FOO -o SendEnv=LANG alice@t1@127.0.0.1 \
	'echo "foo=${FOO:-unset} lang=$LANG"'
is "the env refusal is audited with the variable's name" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "request.refused" and (.detail | contains("kind=env name=FOO")))] | length')" 1
