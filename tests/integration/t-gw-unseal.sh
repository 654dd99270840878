#!/usr/bin/env bash
# t-gw-unseal: a passphrase-mode daemon starts sealed, refuses target
# sessions until `jumpgate unseal` gives it the passphrase over the control
# socket, and `jumpgate sessions` lists the sessions it carried.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
JG_SIGNALS_OK=9	# this script kills processes with SIGKILL on purpose
export JUMPGATE_TEST_FAST_KDF=1

jg_config "LoginGraceTime 20s"
sed -i '/^VaultKeyFile/d' "$T/jumpgate.conf"
printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong passphrase entirely\n' >"$T/wrong"
chmod 600 "$T/pass" "$T/wrong"
check "init in passphrase mode" "$JG" init --passphrase-file "$T/pass"
target_sshd_start || bail "no target sshd"
check "target add" "$JG" target add t1 --host 127.0.0.1 --port "$SSHD_PORT" \
	--login jgtarget --host-key "$SSHD_HOSTKEY"
check "vault set with the passphrase" sh -c \
	"'$JG' vault set t1 --password-stdin --passphrase-file '$T/pass' <'$T/target.pass'"
pub=$(user_key alice)
check "user add" "$JG" user add alice --role ops --key "$pub"
check "access add" "$JG" access add ops 't*'
expect_error "unseal without a daemon names the socket" \
	'cannot reach jumpgated at .*control.sock' \
	"$JG" unseal --passphrase-file "$T/pass"
jgd_start || bail "jumpgated did not start"

SSH=(ssh -i "$T/keys/alice" -p "$JG_PORT" -o BatchMode=yes -o LogLevel=ERROR
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
expect_error "a sealed vault refuses the target session" \
	'jumpgate: t1: the vault is sealed' \
	timeout 20 "${SSH[@]}" alice@t1@127.0.0.1 true
expect_error "a wrong passphrase is refused" 'wrong vault passphrase' \
	"$JG" unseal --passphrase-file "$T/wrong"
check_out "unseal with the right passphrase" '^vault unsealed$' \
	"$JG" unseal --passphrase-file "$T/pass"
check_out "the session works once unsealed" '^jgtarget$' \
	timeout 20 "${SSH[@]}" alice@t1@127.0.0.1 whoami
if grep -qF 'correct horse' "$T/jumpgated.log" "$T"/state/* 2>/dev/null; then
	not_ok "the passphrase is not in the log or the state folder"
else
	ok "the passphrase is not in the log or the state folder"
fi

# Sessions: the exec above is one row, complete, exit 0, with byte counts.
"$JG" sessions --json >"$T/s.json" 2>&1
check "sessions --json has the whoami session" json_check "$T/s.json" \
	'length == 1 and .[0].user == "alice" and .[0].target == "t1" and .[0].login == "jgtarget" and .[0].state == "complete" and .[0].exit_status == 0 and .[0].bytes_out > 0 and (.[0].id|type) == "number" and (.[0].ended|type) == "string" and (.[0].source|test("^127.0.0.1"))'
timeout 20 "${SSH[@]}" alice@t1@127.0.0.1 'sleep 3' &
sshpid=$!
wait_for 10 sh -c "'$JG' sessions --live --json | grep -q sleep"
"$JG" sessions --live --json >"$T/s.json" 2>&1
check "a running session is live with ended null" json_check "$T/s.json" \
	'length == 1 and .[0].state == "live" and .[0].ended == null and .[0].exit_status == null'
check_out "sessions --user filters" 'sleep 3' "$JG" sessions --user alice
is "sessions --target for another target is empty" \
	"$("$JG" sessions --target zz --json)" "[]"
wait "$sshpid"
is "the sleep session ended with 0" "$?" 0
expect_error "sessions with a bad name" "invalid name" "$JG" sessions --user ../x

# The keeper dies (kill -9): the new one starts sealed; the daemon says so
# to users and in its log until `jumpgate unseal`; a live session goes on.
KUSER=jumpgate-vault
[ "$(id -u)" = 0 ] || KUSER=$(id -un)
k1=$(pgrep -P "$JGD_PID" -u "$KUSER")
check_out "the keeper runs as $KUSER" '^[0-9]+$' echo "$k1"
timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'sleep 2; echo survived' >"$T/live.out" 2>&1 &
sshpid=$!
check "the live session runs before the keeper dies" wait_for 10 \
	sh -c "'$JG' sessions --live --json | grep -q 'sleep 2'"
kill -9 $k1
wait "$sshpid"
is "a live session survives the keeper's death" "$(cat "$T/live.out")" survived
check "a new keeper runs" wait_for 10 bash -c \
	"p=\$(pgrep -P $JGD_PID -u $KUSER); [ -n \"\$p\" ] && [ \"\$p\" != '$k1' ]"
check "the log says the vault is sealed again" wait_for 10 \
	grep -q 'vault: sealed: waiting for jumpgate unseal' "$T/jumpgated.log"
expect_error "after the keeper's death users are told the vault is sealed" \
	'jumpgate: t1: the vault is sealed' \
	timeout 20 "${SSH[@]}" alice@t1@127.0.0.1 true
check_out "unseal again" '^vault unsealed$' "$JG" unseal --passphrase-file "$T/pass"
check_out "sessions work again once unsealed" '^jgtarget$' \
	timeout 20 "${SSH[@]}" alice@t1@127.0.0.1 whoami
check "the daemon ran through it all" kill -0 "$JGD_PID"
