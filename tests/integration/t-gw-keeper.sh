#!/usr/bin/env bash
# t-gw-keeper: a keeper crash is not an outage. kill -9 of the vault keeper
# (key file mode): a live session goes on to its end and its recording
# verifies; the master starts a new keeper and new logins work within a few
# seconds; a connection authorized before the crash (a ControlMaster) opens
# a new recorded session, registered again with the new keeper; the death
# is audited. A keeper that dies 5 times within a minute is a fatal
# condition: the daemon exits 1, for the service manager to restart it.
# (Passphrase mode: t-gw-unseal.)
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
JG_SIGNALS_OK=9	# this script kills processes with SIGKILL on purpose
jg_config
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
KUSER=$(awk '$1 == "KeeperUser" { print $2 }' "$JUMPGATE_CONFIG")
KUSER=${KUSER:-jumpgate-vault}
[ "$(id -u)" = 0 ] || KUSER=$(id -un)
keeper_pid() {	# the keeper: the master's child that runs as KeeperUser
	local p
	for p in $(pgrep -P "$JGD_PID"); do
		[ "$(ps -o user= -p "$p" | tr -d ' ')" = "$KUSER" ] &&
			{ echo "$p"; return 0; }
	done
	return 1
}
O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -i "$T/keys/alice" -p "$JG_PORT")
CP="$T/cm.sock"
last_id() { "$JG" sessions --json | jq -r 'max_by(.id).id'; }

k1=$(keeper_pid)
[ -n "$k1" ] || bail "no keeper process found"
check "the keeper runs our binary with -K" \
	grep -q -- '-K' <(tr '\0' ' ' </proc/"$k1"/cmdline)
check "a ControlMaster connection before the crash" timeout 30 \
	ssh "${O[@]}" -o ControlMaster=yes -o ControlPath="$CP" \
	-o ControlPersist=60 -N -f alice@t1@127.0.0.1
timeout 60 ssh "${O[@]}" alice@t1@127.0.0.1 \
	'for i in 1 2 3 4 5 6 7 8; do echo tick-$i; sleep 0.5; done' \
	>"$T/live.out" 2>"$T/live.err" &
live=$!
check "the live session runs before the crash" wait_for 10 grep -q tick-2 "$T/live.out"
kill -9 "$k1"
wait $live
is "the live session goes on to its end (exit 0)" "$?" 0
is "it printed every line" "$(grep -c '^tick-' "$T/live.out")" 8
id=$(last_id)
check_out "its recording verifies intact" "session $id: intact" "$JG" verify "$id"
check "the daemon still runs" kill -0 "$JGD_PID"
check_outf "the log says a new keeper starts" \
	"the vault keeper died of signal 9: starting a new one (live sessions go on)" \
	cat "$T/jumpgated.log"
check "a new keeper runs" wait_for 10 bash -c "p=\$(pgrep -P $JGD_PID -u $KUSER); [ -n \"\$p\" ] && [ \"\$p\" != $k1 ]"
check "new logins work again within a few seconds" wait_for 10 bash -c \
	"timeout 20 ssh $(printf '%q ' "${O[@]}") alice@t1@127.0.0.1 'echo after-crash' | grep -qx after-crash"
check_out "the connection from before the crash opens a new session" '^via-master$' \
	timeout 20 ssh "${O[@]}" -o ControlPath="$CP" alice@t1@127.0.0.1 'echo via-master'
id=$(last_id)
check_out "that session is recorded (its key from the new keeper)" "session $id: intact" \
	"$JG" verify "$id"
is "the keeper's death is audited" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "keeper.died" and (.detail | contains("signal 9")))] | length')" 1
ssh "${O[@]}" -o ControlPath="$CP" -O exit alice@t1@127.0.0.1 2>/dev/null

# Four more deaths within the minute: the fifth is fatal, exit 1.
for i in 2 3 4 5; do
	check "a keeper to kill (death $i of 5)" wait_for 10 keeper_pid || break
	kill -9 "$(keeper_pid)"
	wait_for 5 bash -c "[ \$(grep -c 'vault keeper died' '$T/jumpgated.log') -ge $i ]"
done
# A daemon still running is a failure, not a `wait` that hangs.
if wait_for 10 bash -c "! kill -0 $JGD_PID 2>/dev/null"; then
	wait "$JGD_PID"
	rc=$?
	JGD_PID=""
else
	rc="still running 10 s after the last kill"
fi
is "after 5 deaths within a minute the daemon exits 1" "$rc" 1
check_outf "and says why" "the vault keeper died of signal 9, the 5th time within 60 s: stopping" \
	cat "$T/jumpgated.log"
check "no keeper is left behind" bash -c "! pgrep -u $KUSER -f 'jumpgated -K'"
