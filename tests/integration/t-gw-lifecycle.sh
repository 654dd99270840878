#!/usr/bin/env bash
# t-gw-lifecycle: the daemon's life and its pre-auth limits.  Pid file and
# a second daemon on the same state; LoginGraceTime closes a silent
# connection; silent connections never delay another user's login;
# removing a user or a key ends the live session, and `user del --force`
# keeps the history: the deleted user's session row (revoked), its
# recording (verify: intact; replay --cat shows what was typed, printed
# and the message she was told) and her audit rows (session.start, then user.del); SIGHUP reloads
# (IdleTimeout then closes an idle session with a message, MaxStartups
# drops a second pre-auth connection); per-source penalty after failed
# logins; SIGTERM tells live users and stops within the grace.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
BASE_CONF=(
	"LoginGraceTime 3s"
	"PenaltyFailures 3"
	"PenaltyWindow 1m"
	"PenaltyDuration 10s"
	"MaxStartups 10:30:100"
	"IdleTimeout 1h"
)
jg_config "${BASE_CONF[@]}"
jg_init
target_sshd_start || bail "target sshd did not start"
check "target t1" "$JG" target add t1 --host 127.0.0.1 --port "$SSHD_PORT" \
	--login jgtarget --host-key "$SSHD_HOSTKEY"
check "vault set t1" "$JG" vault set t1 --password-stdin <"$T/target.pass"
check "user alice" "$JG" user add alice --role dev --key "$(user_key alice)"
check "user bob" "$JG" user add bob --role dev --key "$(user_key bob)"
user_key mallory >/dev/null
check "dev reaches t*" "$JG" access add dev 't*'
jgd_start || bail "jumpgated did not start"
LOG=$T/jumpgated.log

elapsed() {	# START (date +%s.%N): seconds since, as a decimal
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}
below() {	# A B: A < B (decimals)
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}
gw() {	# KEY LOGIN CMD...
	local key=$1 login=$2
	shift 2
	timeout 40 ssh -F none -i "$T/keys/$key" -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=10 -p "$JG_PORT" \
		-l "$login" 127.0.0.1 "$@"
}
# set_conf LINE...: rewrite the config with the base lines and these
# (later lines win over earlier ones), then SIGHUP the daemon; a check
# that a new reload line shows within 5 s.
set_conf() {
	local n
	n=$(grep -c 'configuration reloaded' "$LOG")
	jg_config_keep "${BASE_CONF[@]}" "$@"
	kill -HUP "$JGD_PID"
	check "SIGHUP reloads the configuration ($*)" wait_for 5 \
		bash -c "[ \$(grep -c 'configuration reloaded' '$LOG') -gt $n ]"
}
jg_config_keep() {	# like jg_config, but keeps the port
	local port=$JG_PORT
	{
		echo "# jumpgate test config ($T)"
		echo "StateDirectory $T/state"
		echo "RecordingDirectory $T/rec"
		echo "VaultKeyFile $T/vault.key"
		echo "ListenAddress 127.0.0.1:$port"
		echo "LogLevel debug"
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >"$T/jumpgate.conf.new"
	chmod 0600 "$T/jumpgate.conf.new"
	# keep only the last occurrence of each keyword
	tac "$T/jumpgate.conf.new" | awk '!/^#/ && seen[$1]++ { next } { print }' |
		tac >"$T/jumpgate.conf"
}

check_out "sanity: alice reaches t1" '^up$' gw alice alice@t1 echo up </dev/null

# ---------------------------------------------------- pid file, one daemon

is "the pid file holds the daemon's pid" \
	"$(tr -d '[:space:]' <"$T/state/jumpgated.pid" 2>/dev/null)" "$JGD_PID"
expect_error "a second jumpgated on the same state refuses" \
	'another jumpgated' timeout 10 "$JGD" -f -c "$JUMPGATE_CONFIG"
expect_error "a second jumpgated in daemon mode refuses on its terminal" \
	'another jumpgated' timeout 10 "$JGD" -c "$JUMPGATE_CONFIG"
check "the first daemon still runs" kill -0 "$JGD_PID"
is "the pid file still names the first daemon" \
	"$(tr -d '[:space:]' <"$T/state/jumpgated.pid" 2>/dev/null)" "$JGD_PID"

# ---------------------------------------------------- LoginGraceTime

# Silent connections come from 127.0.0.2 and 127.0.0.3: a connection that
# ends without authenticating counts against its source (the penalty
# section below needs 127.0.0.1's record clean).
t=$(tcp_silent 127.0.0.2 "$JG_PORT" 10)
check "LoginGraceTime 3s: a silent connection is closed (after ${t}s)" \
	bash -c "[ '$t' != open ] && [ '$t' != connect-failed ] &&
		awk -v e='$t' 'BEGIN { exit !(e >= 2.5 && e < 6) }'"

# ---------------------------------------------------- slow clients

# Five connections that never speak, held open meanwhile.
held=()
for i in 1 2 3 4 5; do
	tcp_silent 127.0.0.2 "$JG_PORT" 8 >/dev/null &
	held+=($!)
done
sleep 0.5
start=$(date +%s.%N)
check_out "with 5 silent connections open, alice logs in" '^quick$' \
	gw alice alice@t1 echo quick </dev/null
t=$(elapsed "$start")
check "and it is not delayed (${t}s < 2.5s)" below "$t" 2.5
kill "${held[@]}" 2>/dev/null
wait "${held[@]}" 2>/dev/null

# ---------------------------------------------------- removed user or key

# Each live session below sleeps a time of its own: the target's sleep of
# an ended session may still run, and must not pass for the next one's.
# What alice types (stdin, echoed back by cat) and what her command prints
# before the delete must stay in the recording.
printf 'typed-before-del\n' |
	gw alice alice@t1 'cat; echo printed-before-del; sleep 30; echo not-ended' \
	>"$T/del.out" 2>"$T/del.err" &
DPID=$!
check "alice's session runs on the target" \
	wait_for 10 pgrep -u jgtarget -fx 'sleep 30'
sleep 0.5
dsid=$("$JG" sessions --json | jq -r '[.[] | select(.user == "alice" and .state == "live")] | max_by(.id).id')
[ -n "$dsid" ] && [ "$dsid" != null ] || bail "no live session row for alice"
expect_error "user del refuses a user with a live session" \
	'user alice has 1 live session: end them first' "$JG" user del alice
check "alice is still there" sh -c "\"$JG\" user list | grep -q '^alice '"
start=$(date +%s.%N)
check "jumpgate user del alice --force" "$JG" user del alice --force
wait_for 10 bash -c "! kill -0 $DPID 2>/dev/null"
t=$(elapsed "$start")
check "alice's live session ended within 5 s (${t}s)" \
	bash -c "! kill -0 $DPID 2>/dev/null && awk -v e=$t 'BEGIN{exit !(e < 5)}'"
check_out "she was told why" 'access was removed|removed' cat "$T/del.err"
diag "stderr: $(cat "$T/del.err")"
check "her command did not finish" bash -c "! grep -q not-ended '$T/del.out'"
kill "$DPID" 2>/dev/null

# user del keeps history: the session row, its recording, the audit.
wait_for 5 bash -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $dsid) | .ended != null')\" = true ]"
"$JG" sessions --json >"$T/del-sessions.json"
check "the deleted user's session $dsid is still listed (sessions --json), ended as revoked" \
	jq -e ".[] | select(.id == $dsid) | .user == \"alice\" and .target == \"t1\" and
		.state == \"revoked\" and .ended != null and (.command | contains(\"printed-before-del\"))" \
	"$T/del-sessions.json"
diag "session $dsid: $(jq -c ".[] | select(.id == $dsid) | {state, end_reason, ended}" "$T/del-sessions.json")"
check_out "its recording still verifies" "^session $dsid: intact " "$JG" verify "$dsid"
"$JG" replay "$dsid" --cat >"$T/del-replay.out" 2>"$T/del-replay.err"
is "replay --cat still shows what she typed, what was printed and what she was told" \
	"$(cat "$T/del-replay.out")" \
	"$(printf 'typed-before-del\nprinted-before-del\njumpgate: your access was removed')"
"$JG" audit --json >"$T/del-audit.json"
check "the audit still has her session.start for session $dsid" jq -e \
	"any(.[]; .action == \"session.start\" and .actor == \"alice\" and
		(.detail | startswith(\"session=$dsid target=t1 \")))" "$T/del-audit.json"
check "and her earlier sessions' rows (3 session.start by alice)" jq -e \
	'[.[] | select(.action == "session.start" and .actor == "alice")] | length == 3' \
	"$T/del-audit.json"
check "then the user.del row for alice, after them" jq -e \
	"([.[] | select(.action == \"user.del\" and .detail == \"user=alice\")] | length == 1) and
	 ([.[] | select(.action == \"user.del\")][0].id >
	  [.[] | select(.action == \"session.start\" and (.detail | startswith(\"session=$dsid \")))][0].id)" \
	"$T/del-audit.json"

bob_fp=$(ssh-keygen -lf "$T/keys/bob.pub" | awk '{print $2}')
gw bob bob@t1 'sleep 31; echo not-ended' </dev/null >"$T/kdel.out" 2>"$T/kdel.err" &
KPID=$!
check "bob's session runs on the target" \
	wait_for 10 pgrep -u jgtarget -fx 'sleep 31'
sleep 0.5
start=$(date +%s.%N)
check "jumpgate user key del (bob's key)" "$JG" user key del "$bob_fp"
wait_for 10 bash -c "! kill -0 $KPID 2>/dev/null"
t=$(elapsed "$start")
check "bob's live session ended within 5 s of his key's removal (${t}s)" \
	bash -c "! kill -0 $KPID 2>/dev/null && awk -v e=$t 'BEGIN{exit !(e < 5)}'"
check_out "bob was told why" 'removed' cat "$T/kdel.err"
kill "$KPID" 2>/dev/null
check "alice comes back" "$JG" user add alice --role dev --key "$T/keys/alice.pub"

# ---------------------------------------------------- SIGHUP

set_conf "IdleTimeout 3s"
check_out "SIGHUP: configuration reloaded" 'configuration reloaded' cat "$LOG"
start=$(date +%s.%N)
gw alice alice@t1 'sleep 30; echo not-idle' </dev/null >"$T/idle.out" 2>"$T/idle.err"
rc=$?
t=$(elapsed "$start")
check "IdleTimeout 3s (after SIGHUP): an idle session is closed (${t}s)" \
	awk -v e="$t" 'BEGIN { exit !(e >= 2.5 && e < 8) }'
check_out "with a message about idle" 'idle' cat "$T/idle.err"
diag "stderr: $(cat "$T/idle.err") (exit $rc)"
check "the idle command did not finish" bash -c "! grep -q not-idle '$T/idle.out'"
check_out "a busy session is not idle" '^5$' \
	gw alice alice@t1 'for i in 1 2 3 4 5; do sleep 1; echo $i; done' </dev/null

set_conf "MaxStartups 1:100:1"
tcp_silent 127.0.0.3 "$JG_PORT" 2.5 >/dev/null &
ms_held=$!
sleep 0.5
gw alice alice@t1 true </dev/null >"$T/ms.out" 2>"$T/ms.err"
rc=$?
check "MaxStartups 1:100:1: a second pre-auth connection is dropped" \
	bash -c "[ $rc = 255 ] && grep -Eq 'kex_exchange_identification|Connection closed|reset' '$T/ms.err'"
diag "ssh: $(cat "$T/ms.err")"
wait $ms_held
sleep 0.5
check_out "once the first is gone, logins work" '^again$' \
	gw alice alice@t1 echo again </dev/null
set_conf "IdleTimeout 1h"

# ---------------------------------------------------- per-source penalty

for i in 1 2 3; do
	gw mallory alice@t1 true </dev/null >"$T/pen$i.out" 2>"$T/pen$i.err"
	rc=$?
	check "failed login $i (wrong key) is denied" \
		bash -c "[ $rc = 255 ] && grep -q 'Permission denied' '$T/pen$i.err'"
	sleep 0.3
done
wait_for 3 grep -q 'refused for 10 s' "$LOG"
gw mallory alice@t1 true </dev/null >"$T/pen4.out" 2>"$T/pen4.err"
rc=$?
check "the 4th connection is refused before the SSH banner" \
	bash -c "[ $rc = 255 ] && ! grep -q 'Permission denied' '$T/pen4.err' &&
		grep -Eq 'kex_exchange_identification|Connection closed|reset' '$T/pen4.err'"
diag "ssh: $(cat "$T/pen4.err")"
PSTART=$(date +%s)
gw alice alice@t1 echo penalised </dev/null >"$T/pen5.out" 2>"$T/pen5.err"
rc=$?
check "a valid key from the same source is refused too during the penalty" \
	bash -c "[ $rc = 255 ] && ! grep -q penalised '$T/pen5.out'"
check_out "the penalty is audited" 'penalty.*127\.0\.0\.1' "$JG" audit
# The penalty lasts 10 s from the third failure.
sleep $((11 - ($(date +%s) - PSTART)))
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$JG_PORT && timeout 2 head -c 4 <&3 | grep -q SSH"
check_out "after PenaltyDuration the same source logs in again" '^back$' \
	gw alice alice@t1 echo back </dev/null

# ---------------------------------------------------- SIGTERM

gw alice alice@t1 'sleep 32; echo not-stopped' </dev/null >"$T/term.out" 2>"$T/term.err" &
TPID=$!
check "the session to stop runs on the target" \
	wait_for 10 pgrep -u jgtarget -fx 'sleep 32'
sleep 0.5
start=$(date +%s.%N)
kill -TERM "$JGD_PID"
wait_for 15 bash -c "! kill -0 $TPID 2>/dev/null"
t=$(elapsed "$start")
check "SIGTERM: the open session's client exits within the grace (${t}s)" \
	bash -c "! kill -0 $TPID 2>/dev/null && awk -v e=$t 'BEGIN{exit !(e < 13)}'"
check_out "it was told the gateway is stopping" 'the gateway is stopping' \
	cat "$T/term.err"
diag "stderr: $(cat "$T/term.err")"
check "its command did not finish" bash -c "! grep -q not-stopped '$T/term.out'"
wait_for 13 bash -c "! kill -0 $JGD_PID 2>/dev/null"
check "the daemon exited" bash -c "! kill -0 $JGD_PID 2>/dev/null"
check "nothing listens any more" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$JG_PORT) 2>/dev/null"
check "no jumpgated process is left" bash -c "! pgrep -f '^$JGD -f -c $JUMPGATE_CONFIG'"
check_out "the log says it stopped" 'jumpgated stopped' cat "$LOG"
check "sessions left no live row" json_check <("$JG" sessions --json) 'all(.ended != null)'
