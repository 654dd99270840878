#!/usr/bin/env bash
# t-fault-kill: kill -9 at random points. Over 20 sessions (random short
# commands), a worker, the keeper or the master is killed after a random
# delay; the first three sessions kill one of each, the rest draw (seed
# printed; JG_SEED=N repeats a run). After a master's death its workers and
# keeper go too, and the next start finds no session left live. At the end
# the store is consistent (audit verify, PRAGMA integrity_check), every
# recording is intact or truncated, never damaged, and no session is live.
# Keeper kills are paced (at most 3 a minute per master): 5 deaths within
# 60 s are fatal by design (t-gw-keeper).
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
JG_SIGNALS_OK=9	# this script kills processes with SIGKILL on purpose
jg_config
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
"$JG" access add ops 't*' >/dev/null || bail "access add"

SEED=${JG_SEED:-$RANDOM}
RANDOM=$SEED
diag "seed $SEED (JG_SEED=$SEED repeats these choices)"
NSESS=20
DB=$T/state/jumpgate.db
KUSER=jumpgate-vault
[ "$(id -u)" = 0 ] || KUSER=$(id -un)
O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=10 -i "$T/keys/alice" -p "$JG_PORT")
starts=0

# start: jumpgated again (each run's log kept as jumpgated.log.N), and
# then no session may be live: nothing runs yet.
start() {
	[ -f "$T/jumpgated.log" ] && cp "$T/jumpgated.log" "$T/jumpgated.log.$starts"
	starts=$((starts + 1))
	jgd_start || bail "jumpgated did not start (start $starts)"
	wait_for 10 grep -q 'vault: unsealed' "$T/jumpgated.log" ||
		diag "start $starts: the vault did not report unsealed"
	local live
	live=$("$JG" sessions --json | jq '[.[] | select(.state == "live")] | length')
	is "start $starts: no session is left live" "$live" 0
}
unsealed() {	# how often this master's keepers reported the vault unsealed
	grep -c 'jumpgated\[[0-9]*\]: vault: unsealed' "$T/jumpgated.log"
}
keeper_pid() {	# the master's child running as KeeperUser
	local p
	for p in $(pgrep -P "$JGD_PID"); do
		[ "$(ps -o user= -p "$p" | tr -d ' ')" = "$KUSER" ] &&
			{ echo "$p"; return 0; }
	done
	return 1
}
workers() {	# the master's other children
	local k p
	k=$(keeper_pid)
	for p in $(pgrep -P "$JGD_PID"); do
		[ "$p" != "$k" ] && echo "$p"
	done
}
none_alive() {	# PID...: none of them exists any more
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

cmds=(
	'for i in $(seq 1 25); do echo line-$i; sleep 0.1; done'
	'echo hello'
	'seq 1 400000'
	'head -c 4000000 /dev/zero | tr "\0" x | fold -w 100'
	'sleep 2; echo slept'
	'cat; sleep 1; echo done'
)
seq 1 2000 >"$T/input"

start
kdeaths=()		# times of keeper kills under the current master
n_none=0 n_worker=0 n_keeper=0 n_master=0 n_missed=0
t0=$SECONDS
for ((i = 1; i <= NSESS; i++)); do
	case $i in
	1) act=worker ;;
	2) act=keeper ;;
	3) act=master ;;
	*)	r=$((RANDOM % 10))
		if [ $r -le 2 ]; then act=none
		elif [ $r -le 5 ]; then act=worker
		elif [ $r -le 7 ]; then act=keeper
		else act=master
		fi ;;
	esac
	if [ $act = keeper ]; then
		recent=0
		for k in "${kdeaths[@]}"; do
			[ $((SECONDS - k)) -lt 60 ] && recent=$((recent + 1))
		done
		[ $recent -ge 3 ] && act=worker
	fi
	cmd=${cmds[RANDOM % ${#cmds[@]}]}
	delay=$((RANDOM % 2000))
	# The first three kills land inside a 2.5 s session.
	[ $i -le 3 ] && { cmd=${cmds[0]}; delay=$((300 + RANDOM % 1500)); }
	diag "session $i: $act after ${delay} ms: $cmd"
	timeout 30 ssh "${O[@]}" alice@t1@127.0.0.1 "$cmd" <"$T/input" \
		>"$T/s$i.out" 2>"$T/s$i.err" &
	spid=$!
	sleep_ms "$delay"
	case $act in
	none) ;;
	worker)
		w=$(workers)
		if [ -n "$w" ]; then
			kill -9 $w 2>/dev/null
			n_worker=$((n_worker + 1))
		else
			n_missed=$((n_missed + 1))
		fi ;;
	keeper)
		k=$(keeper_pid)
		if [ -n "$k" ]; then
			u=$(unsealed)
			kill -9 "$k"
			kdeaths+=("$SECONDS")
			n_keeper=$((n_keeper + 1))
			check "session $i: a new keeper replaces $k" wait_for 10 \
				bash -c "p=\$(pgrep -P $JGD_PID -u $KUSER); [ -n \"\$p\" ] && [ \"\$p\" != $k ]"
			check "session $i: and unseals the vault" wait_for 10 \
				bash -c "[ \$(grep -c 'jumpgated\[[0-9]*\]: vault: unsealed' '$T/jumpgated.log') -gt $u ]"
		else
			n_missed=$((n_missed + 1))
		fi ;;
	master)
		kids=$(pgrep -P "$JGD_PID")
		kill -9 "$JGD_PID"
		wait "$JGD_PID" 2>/dev/null
		JGD_PID=""
		n_master=$((n_master + 1))
		# shellcheck disable=SC2086
		check "session $i: the dead master's workers and keeper end too" \
			wait_for 15 none_alive $kids
		;;
	esac
	wait "$spid"
	rc=$?
	if [ $act = none ]; then
		is "session $i: undisturbed, it ends with status 0" "$rc" 0
	fi
	[ $act = master ] && { start; kdeaths=(); }
	if [ -n "${JGD_PID:-}" ]; then
		check "session $i: the daemon still runs" kill -0 "$JGD_PID"
	fi
done
diag "$NSESS sessions in $((SECONDS - t0)) s: killed $n_worker workers," \
	"$n_keeper keepers, $n_master masters; $n_missed kills found nothing" \
	"left to kill; $((starts)) daemon starts"

check_out "after the faults a session works" '^fine$' \
	timeout 30 ssh "${O[@]}" alice@t1@127.0.0.1 'echo fine' </dev/null
# A last kill of the master, then the next start.
kill -9 "$JGD_PID"
wait "$JGD_PID" 2>/dev/null
JGD_PID=""
start
jgd_stop

check_out "the audit log is intact" '^audit log intact' "$JG" audit verify
check_out "PRAGMA integrity_check is ok" '^ok$' sqlite3 "$DB" 'PRAGMA integrity_check'
is "no foreign key is dangling" "$(sqlite3 "$DB" 'PRAGMA foreign_key_check')" ""
"$JG" sessions --json >"$T/sessions.json"
check "every session has ended" json_check "$T/sessions.json" \
	'length > 0 and all(.state != "live" and .ended != null)'
check "every state is a known one" json_check "$T/sessions.json" \
	'all(.state | IN("complete", "interrupted", "truncated", "refused", "killed"))'
check "the kills hit live sessions (at least 2 interrupted)" json_check \
	"$T/sessions.json" '[.[] | select(.state == "interrupted")] | length >= 2'
diag "states: $(jq -c 'group_by(.state) | map({(.[0].state): length}) | add' "$T/sessions.json")"
"$JG" verify --all >"$T/verify.out" 2>"$T/verify.err"
diag "verify: $(sed 's/^session [0-9]*: //; s/ (.*//; s/ after .*//' "$T/verify.out" | sort | uniq -c | tr '\n' ';')"
is "verify --all reports one line per session" \
	"$(grep -c '^session [0-9]*: ' "$T/verify.out")" "$(jq length "$T/sessions.json")"
is "no recording is damaged" "$(grep -v -E '^session [0-9]+: (intact|truncated|no recording)' "$T/verify.out")" ""
check "at least half the recordings are intact" bash -c \
	"[ \$(grep -c ': intact' '$T/verify.out') -ge \$(( $(jq length "$T/sessions.json") / 2 )) ]"
