#!/usr/bin/env bash
# t-gw-deny: every refusal through the gateway.  After key authentication
# each is one clear line on stderr naming the target, with exit status 1:
# unknown target, no access, requestable (needs approval), target down
# (closed port, and a silent one past ConnectTimeout), pinned host key
# changed (refused before any authentication at the target, audited).
# Before authentication: an unregistered key, no key, another user's key.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config "ConnectTimeout 3s"
jg_init
target_sshd_start || bail "target sshd did not start"

# A port nothing listens on, and a listener that never answers the banner.
DOWN_PORT=$(free_port) || bail "no free port"
SILENT_PORT=$(free_port) || bail "no free port"
python3 - "$SILENT_PORT" >/dev/null 2>&1 </dev/null <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)		# accept, keep open, never say a word
EOF
jg_track $!
wait_for 10 port_listening "$SILENT_PORT" || bail "silent listener did not start"

# A host key the target does not have.
ssh-keygen -q -t ed25519 -N '' -f "$T/other_host" </dev/null >/dev/null
OTHER_HOSTKEY=$(cut -d' ' -f1,2 "$T/other_host.pub")

add_target() {	# NAME PORT HOSTKEY
	"$JG" target add "$1" --host 127.0.0.1 --port "$2" --login jgtarget \
		--host-key "$3" >/dev/null &&
		"$JG" vault set "$1" --password-stdin <"$T/target.pass" >/dev/null
}
check "target t1 (reachable)" add_target t1 "$SSHD_PORT" "$SSHD_HOSTKEY"
check "target t3 (closed port)" add_target t3 "$DOWN_PORT" "$SSHD_HOSTKEY"
check "target t5 (silent port)" add_target t5 "$SILENT_PORT" "$SSHD_HOSTKEY"
check "target t6 (wrong pinned key)" add_target t6 "$SSHD_PORT" "$OTHER_HOSTKEY"
check "target prod1 (requestable)" add_target prod1 "$SSHD_PORT" "$SSHD_HOSTKEY"
check "target secret1 (no rule)" add_target secret1 "$SSHD_PORT" "$SSHD_HOSTKEY"

check "user alice" "$JG" user add alice --role dev --key "$(user_key alice)"
check "user bob" "$JG" user add bob --role ops --key "$(user_key bob)"
user_key mallory >/dev/null
check "dev reaches t*" "$JG" access add dev 't*'
check "dev may request prod*" "$JG" access add dev 'prod*' --approval-by ops

jgd_start -d || bail "jumpgated did not start"

# elapsed START: seconds since START (date +%s.%N), as a decimal.
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

# gw KEY LOGIN [SSH-OPTION...] -- CMD...
gw() {
	local key=$1 login=$2
	shift 2
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	local idopt=(-i "$T/keys/$key")
	[ "$key" = none ] && idopt=()
	timeout 30 ssh -F none "${idopt[@]}" -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=10 -p "$JG_PORT" \
		"${opts[@]}" -l "$login" 127.0.0.1 "$@" </dev/null
}

check_out "sanity: alice reaches t1" '^through$' gw alice alice@t1 -- echo through

# ---------------------------------------------------------- after auth

expect_error "unknown target: one line naming it, exit 1" \
	'no such target: t7' gw alice alice@t7 -- true
expect_error "user without access: denied, naming the target" \
	'access to secret1 denied' gw alice alice@secret1 -- true
expect_error "bob has no rule for t1" 'access to t1 denied' \
	gw bob bob@t1 -- true
expect_error "requestable target: needs approval, says how to request" \
	'prod1.*needs approval.*request prod1' gw alice alice@prod1 -- true
expect_error "no such target in a shell request too (-tt)" \
	'no such target: t7' gw alice alice@t7 -tt --

start=$(date +%s.%N)
expect_error "target down: unreachable, connection refused" \
	"^jumpgate: t3 \(127\.0\.0\.1:$DOWN_PORT\) is unreachable: connection refused" \
	gw alice alice@t3 -- true
el=$(elapsed "$start")
check "connection refused is told at once (${el}s)" \
	awk -v e="$el" 'BEGIN { exit !(e < 3) }'

start=$(date +%s.%N)
expect_error "silent target: unreachable after ConnectTimeout" \
	"^jumpgate: t5 \(127\.0\.0\.1:$SILENT_PORT\) is unreachable" \
	gw alice alice@t5 -- true
el=$(elapsed "$start")
check "ConnectTimeout 3s is kept: refused in ${el}s (2.5..7)" \
	awk -v e="$el" 'BEGIN { exit !(e >= 2.5 && e < 7) }'

before_acc=$(grep -c 'Accepted\|Failed password\|Failed publickey' "$SSHD_DIR/log")
expect_error "pinned host key changed: refused" \
	'^jumpgate: .*t6.*host key does not match' gw alice alice@t6 -- \
	echo should-not-run
check "the command did not run on the target" \
	bash -c "! grep -q should-not-run '$OUT'"
check_out "audit has a hostkey.mismatch row for t6" 'hostkey\.mismatch.*t6' \
	"$JG" audit
sleep 0.5
after_acc=$(grep -c 'Accepted\|Failed password\|Failed publickey' "$SSHD_DIR/log")
is "the target saw no authentication attempt from the gateway" \
	"$after_acc" "$before_acc"

check_out "audit has access.denied rows" 'access\.denied.*secret1' "$JG" audit

# ---------------------------------------------------------- before auth

pk_denied() {	# stderr has Permission denied (publickey), status 255
	local rc
	gw "$@" >"$T/pd.out" 2>"$T/pd.err"
	rc=$?
	if [ $rc -eq 255 ] && grep -q 'Permission denied (publickey)' "$T/pd.err" &&
		! grep -q should-not-run "$T/pd.out"; then
		return 0
	fi
	echo "rc=$rc"
	cat "$T/pd.out" "$T/pd.err"
	return 1
}
check "unregistered key: Permission denied (publickey)" \
	pk_denied mallory alice@t1 -- echo should-not-run
check "no key at all: Permission denied (publickey)" \
	pk_denied none alice@t1 -o PubkeyAuthentication=no -- echo should-not-run
check "no identity offered: Permission denied (publickey)" \
	pk_denied none alice@t1 -- echo should-not-run
check "bob's key as alice: Permission denied (publickey)" \
	pk_denied bob alice@t1 -- echo should-not-run
check "bob's key as alice in command mode: denied" \
	pk_denied bob alice -- targets
check "unknown user: denied" pk_denied alice nosuchuser@t1 -- true
check_out "audit has auth.fail rows" 'auth\.fail' "$JG" audit

check "the daemon still runs" kill -0 "$JGD_PID"
check_out "alice still reaches t1 afterwards" '^still$' gw alice alice@t1 -- echo still

# Like sshd's MaxAuthTries: a client offering key after key is cut off.
for i in 1 2 3 4 5 6 7 8 9; do user_key "many$i" >/dev/null; done
before=$("$JG" audit --json | jq '[.[] | select(.action == "auth.fail")] | length')
timeout 30 ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o IdentityAgent=none \
	$(for i in 1 2 3 4 5 6 7 8 9; do printf -- '-i %s ' "$T/keys/many$i"; done) \
	-p "$JG_PORT" alice@t1@127.0.0.1 true >/dev/null 2>&1
after=$("$JG" audit --json | jq '[.[] | select(.action == "auth.fail")] | length')
if [ $((after - before)) -ge 1 ] && [ $((after - before)) -le 7 ]; then
	ok "a client is cut off after 6 failed keys ($((after - before)) failures audited)"
else
	not_ok "a client is cut off after 6 failed keys" "$((after - before)) failures audited"
fi
