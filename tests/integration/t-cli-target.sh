#!/usr/bin/env bash
# t-cli-target: target add (--host-key and --scan against a real sshd),
# list (--json), del, and the bad inputs for targets.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
have jq || bail "jq is not installed (scripts/setup.sh installs it)"
target_sshd_start || bail "target sshd did not start"
jg_init

hostfp=$(ssh-keygen -l -E sha256 -f "$SSHD_DIR/host_ed25519.pub" | awk '{print $2}')
# An empty fingerprint would be found in any output.
[ -n "$hostfp" ] || bail "cannot read the target's host key fingerprint"

check "target add with --host-key" "$JG" target add db01 --host 127.0.0.1 \
	--port "$SSHD_PORT" --login jgtarget --host-key "$SSHD_HOSTKEY"
check "target add --scan against the target sshd" "$JG" target add db02 \
	--host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget --scan
if grep -qF "$hostfp" "$OUT" "$ERR"; then
	ok "--scan prints the host key fingerprint ($hostfp)"
else
	not_ok "--scan prints the host key fingerprint" "want $hostfp" \
		"stdout: $(cat "$OUT")" "stderr: $(cat "$ERR")"
fi
check "target add without --port (default 22)" "$JG" target add web01 \
	--host 127.0.0.1 --login deploy --host-key "$SSHD_HOSTKEY"
check "target add with a host name" "$JG" target add web02 \
	--host localhost --port 2200 --login root --host-key "$SSHD_HOSTKEY"

check_out "target list shows db01" 'db01' "$JG" target list
check_out "target list shows the port" "$SSHD_PORT" "$JG" target list
check "target list --json" "$JG" target list --json
cp "$OUT" "$T/targets.json"
if json_check "$T/targets.json" 'type == "array" and length == 4 and all(.[]; keys | all(test("^[a-z0-9_]+$")))'; then
	ok "target list --json: an array of 4 with snake_case keys"
else
	not_ok "target list --json: an array of 4 with snake_case keys" "$(cat "$T/targets.json")"
fi
jqt() {
	jq -r --arg n "$1" ".[] | select(.name == \$n) | $2" "$T/targets.json" 2>&1
}
is "db01: host" "$(jqt db01 .host)" 127.0.0.1
is "db01: port is a number" "$(jqt db01 '.port | type')" number
is "db01: port" "$(jqt db01 .port)" "$SSHD_PORT"
is "db01: login" "$(jqt db01 .login)" jgtarget
is "db01: pinned key" \
	"$(jq -r --arg k "$SSHD_HOSTKEY" --arg f "$hostfp" \
		'.[] | select(.name == "db01") | [.[] | tostring] | any(. == $k or . == $f)' \
		"$T/targets.json")" true
is "db02 (--scan): pinned key is the sshd's" \
	"$(jq -r --arg k "$SSHD_HOSTKEY" --arg f "$hostfp" \
		'.[] | select(.name == "db02") | [.[] | tostring] | any(. == $k or . == $f)' \
		"$T/targets.json")" true
is "web01: default port 22" "$(jqt web01 .port)" 22

# Bad input: duplicates, names, ports, host keys, unreachable --scan.
bad_input "duplicate target is refused" 'db01' "$JG" target add db01 \
	--host 127.0.0.1 --port 22 --login x --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "port 0 is refused" 'port' "$JG" target add t0 \
	--host 127.0.0.1 --port 0 --login x --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "port 70000 is refused" 'port' "$JG" target add t0 \
	--host 127.0.0.1 --port 70000 --login x --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "port 'abc' is refused" 'port' "$JG" target add t0 \
	--host 127.0.0.1 --port abc --login x --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "port -1 is refused" 'port' "$JG" target add t0 \
	--host 127.0.0.1 --port -1 --login x --host-key "$SSHD_HOSTKEY"
n65=$(printf 'a%.0s' $(seq 1 65))
for n in "" "$n65" "." ".." "../x" "-x" "a b" $'a\tb' $'a\001b'; do
	bad_input --code 1,2 "invalid target name $(printf '%q' "$n") is refused" \
		'invalid|name' "$JG" target add "$n" --host 127.0.0.1 --login x \
		--host-key "$SSHD_HOSTKEY"
done
bad_input --code 1,2 "invalid login is refused" 'login' "$JG" target add t0 \
	--host 127.0.0.1 --login 'a b' --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "empty host is refused" 'host' "$JG" target add t0 \
	--host '' --login x --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "host with a space is refused" 'host' "$JG" target add t0 \
	--host 'a b' --login x --host-key "$SSHD_HOSTKEY"
bad_input --code 1,2 "garbage --host-key is refused" 'key' "$JG" target add t0 \
	--host 127.0.0.1 --login x --host-key 'garbage'
bad_input --code 1,2 "--host-key with bad base64 is refused" 'key' \
	"$JG" target add t0 --host 127.0.0.1 --login x --host-key 'ssh-ed25519 !!!notbase64'
bad_input --code 1,2 "--host-key whose type does not match its blob is refused" 'key' \
	"$JG" target add t0 --host 127.0.0.1 --login x \
	--host-key "ssh-rsa ${SSHD_HOSTKEY#* }"
bad_input --code 1,2 "a private key as --host-key is refused" 'key' \
	"$JG" target add t0 --host 127.0.0.1 --login x \
	--host-key "$(sed -n 2p "$SSHD_DIR/host_ed25519")"
closed=$(free_port)
bad_input "--scan of a closed port fails clearly" \
	"127\\.0\\.0\\.1|$closed|refused|connect" \
	timeout 60 "$JG" target add t0 --host 127.0.0.1 --port "$closed" \
	--login x --scan
expect_usage "target add without --host-key or --scan is a usage error" \
	'usage|host-key|scan' "$JG" target add t0 --host 127.0.0.1 --login x
expect_usage "target add with both --host-key and --scan is a usage error" \
	'usage|host-key|scan' "$JG" target add t0 --host 127.0.0.1 --login x \
	--host-key "$SSHD_HOSTKEY" --scan
expect_usage "target add without --host is a usage error" 'usage|host' \
	"$JG" target add t0 --login x --host-key "$SSHD_HOSTKEY"
expect_usage "target add without --login is a usage error" 'usage|login' \
	"$JG" target add t0 --host 127.0.0.1 --host-key "$SSHD_HOSTKEY"
expect_usage "target add with --port missing its value is a usage error" \
	'usage|port' "$JG" target add t0 --host 127.0.0.1 --login x \
	--host-key "$SSHD_HOSTKEY" --port
check_out "no half-made target t0" '^0$' \
	bash -c '"$0" target list --json | jq "[.[] | select(.name == \"t0\")] | length"' "$JG"

# Deletion.
check "target del web02" "$JG" target del web02
if "$JG" target list --json | json_check /dev/stdin 'all(.[]; .name != "web02")'; then
	ok "web02 is gone from target list"
else
	not_ok "web02 is gone from target list"
fi
bad_input "target del of an unknown target is refused" 'web02' \
	"$JG" target del web02
bad_input --code 1,2 "target del of an invalid name is refused" 'invalid|name' \
	"$JG" target del '../x'
check "a deleted target's name can be used again" "$JG" target add web02 \
	--host 127.0.0.1 --port 2201 --login root --host-key "$SSHD_HOSTKEY"
