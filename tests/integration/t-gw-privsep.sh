#!/usr/bin/env bash
# t-gw-privsep (as root, as CI runs): during a session the master stays
# root, the worker runs as `jumpgate` and the keeper as `jumpgate-vault`;
# neither holds the database; the worker's user cannot read the vault key
# or the database; a missing WorkerUser/KeeperUser makes the daemon refuse
# to start (never running as root); `kill -9` of one worker leaves another
# open session working and marks the killed one interrupted.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
JG_SIGNALS_OK=9	# this script kills processes with SIGKILL on purpose
# Privilege separation needs root (the suite runs as root, as CI does): as
# anyone else this is a failure, not a skip.
[ "$(id -u)" = 0 ] || bail "privilege separation needs root (run the suite as root)"
jg_config
jg_init
target_sshd_start || bail "target sshd did not start"
check "users jumpgate and jumpgate-vault exist" id -u jumpgate
check "user jumpgate-vault exists" id -u jumpgate-vault
check "target t1" "$JG" target add t1 --host 127.0.0.1 --port "$SSHD_PORT" \
	--login jgtarget --host-key "$SSHD_HOSTKEY"
check "vault set t1" "$JG" vault set t1 --password-stdin <"$T/target.pass"
check "user alice" "$JG" user add alice --role dev --key "$(user_key alice)"
check "dev reaches t*" "$JG" access add dev 't*'

DB=$T/state/jumpgate.db
KEY=$T/vault.key

# ---------------------------------------------------- missing service users

for kw in WorkerUser KeeperUser; do
	cp "$JUMPGATE_CONFIG" "$T/bad-$kw.conf"
	echo "$kw nosuchuserjg" >>"$T/bad-$kw.conf"
	expect_error "$kw naming a missing user: refused at start" \
		'nosuchuserjg' timeout 10 "$JGD" -f -c "$T/bad-$kw.conf"
	check "$kw missing: nothing listens" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$JG_PORT) 2>/dev/null"
done

# A canary in the daemon's environment: no child may inherit it.
JG_ENV_CANARY=canary-$RANDOM$RANDOM jgd_start || bail "jumpgated did not start"

gw() {	# CMD...
	timeout 40 ssh -F none -i "$T/keys/alice" -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -p "$JG_PORT" -l alice@t1 127.0.0.1 "$@"
}

children_as() {	# USER: jumpgated's children running as USER
	local p
	for p in $(pgrep -P "$JGD_PID"); do
		[ "$(ps -o user= -p "$p" | tr -d ' ')" = "$1" ] && echo "$p"
	done
}

# ---------------------------------------------------- users during a session

gw 'sleep 5; echo done-a' </dev/null >"$T/a.out" 2>"$T/a.err" &
APID=$!
check "the session runs on the target" wait_for 10 pgrep -u jgtarget -x sleep
sleep 0.3
is "the master runs as root" "$(ps -o user= -p "$JGD_PID" | tr -d ' ')" root
WORKER_A=$(children_as jumpgate)
KEEPER=$(children_as jumpgate-vault)
is "one worker runs as jumpgate" "$(echo "$WORKER_A" | grep -c .)" 1
is "the keeper runs as jumpgate-vault" "$(echo "$KEEPER" | grep -c .)" 1
diag "master $JGD_PID, worker $WORKER_A, keeper $KEEPER"
is "no child of the master runs as root" \
	"$(children_as root | tr '\n' ' ')" ""
for p in $WORKER_A $KEEPER; do
	# The read itself must succeed: an unread environ looks empty.
	if tr '\0' '\n' <"/proc/$p/environ" >"$T/env.raw.$p"; then
		ok "process $p: /proc/$p/environ was readable"
	else
		not_ok "process $p: /proc/$p/environ was readable"
	fi
	grep . "$T/env.raw.$p" >"$T/env.$p"
	is "process $p starts with an empty environment (no HOME, PATH, canary)" \
		"$(grep -v '^TZ=' "$T/env.$p" | tr '\n' ' ')" ""
	# (ls must succeed: a process gone has no descriptors to find.)
	check "process $p holds no database descriptor" bash -c \
		"fds=\$(ls -l /proc/$p/fd) && ! grep -q 'jumpgate\.db' <<<\"\$fds\""
	check "process $p holds no descriptor under the state directory" \
		bash -c "fds=\$(ls -l /proc/$p/fd) && ! grep -q '$T/state/' <<<\"\$fds\""
	check "process $p: real, effective and saved uid are not 0" bash -c \
		"grep '^Uid:' /proc/$p/status | awk '{exit !(\$2 && \$3 && \$4 && \$5)}'"
	check "process $p has no supplementary root group" bash -c \
		"! grep '^Groups:' /proc/$p/status | grep -qw 0"
done
if [ -n "$WORKER_A" ]; then
	check "the worker has no effective capabilities" bash -c \
		"grep -q '^CapEff:[[:space:]]*0*$' /proc/$WORKER_A/status"
else
	not_ok "the worker has no effective capabilities" "no worker found"
fi
if [ -n "$WORKER_A" ]; then
	check "the worker is not dumpable (its /proc files are root's)" \
		test "$(stat -c %u "/proc/$WORKER_A/environ")" = 0
else
	not_ok "the worker is not dumpable (its /proc files are root's)" \
		"no worker found"
fi
if [ -n "$KEEPER" ]; then
	check "the keeper is not dumpable (its /proc files are root's)" \
		test "$(stat -c %u "/proc/$KEEPER/environ")" = 0
else
	not_ok "the keeper is not dumpable (its /proc files are root's)" \
		"no keeper found"
fi
check "the database descriptor is in the master" bash -c \
	"ls -l /proc/$JGD_PID/fd | grep -q 'jumpgate\.db'"
wait "$APID"
is "the session completed" "$?:$(cat "$T/a.out")" "0:done-a"

# ---------------------------------------------------- file permissions

as_jg() {
	setpriv --reuid=jumpgate --regid=jumpgate --clear-groups -- "$@"
}
check "setpriv as jumpgate works at all" as_jg cat /dev/null
# The key, the database and the host key are always there (a missing one
# must not pass as unreadable); the -wal file only while it exists.
for f in "$KEY" "$DB" "$DB-wal" "$T/state/host_ed25519_key"; do
	if [ ! -e "$f" ]; then
		[ "$f" = "$DB-wal" ] && continue
		not_ok "jumpgate cannot read $(basename "$f")" "$f is missing"
		continue
	fi
	check "jumpgate cannot read $(basename "$f")" bash -c \
		"! setpriv --reuid=jumpgate --regid=jumpgate --clear-groups -- cat '$f' >/dev/null 2>&1"
done
check "jumpgate cannot list the state directory" bash -c \
	"! setpriv --reuid=jumpgate --regid=jumpgate --clear-groups -- ls '$T/state' >/dev/null 2>&1"

# ---------------------------------------------------- kill -9 of one worker

gw 'sleep 6; echo done-keep' </dev/null >"$T/keep.out" 2>"$T/keep.err" &
KPID=$!
wait_for 10 bash -c '[ "$(pgrep -u jgtarget -x sleep | grep -c .)" -ge 1 ]'
sleep 0.3
W1=$(children_as jumpgate)
gw 'sleep 20; echo done-victim' </dev/null >"$T/victim.out" 2>"$T/victim.err" &
VPID=$!
wait_for 10 bash -c '[ "$(pgrep -u jgtarget -x sleep | grep -c .)" -ge 2 ]'
sleep 0.3
W2=$(children_as jumpgate | grep -vxF "$W1")
is "two workers, one per connection" "$(children_as jumpgate | grep -c .)" 2
diag "keep worker $W1, victim worker $W2"
[ -n "$W2" ] && kill -9 "$W2"
wait_for 5 bash -c "! kill -0 $VPID 2>/dev/null"
check "the victim's client ended" bash -c "! kill -0 $VPID 2>/dev/null"
check "the victim's command did not finish" bash -c "! grep -q done-victim '$T/victim.out'"
wait "$KPID"
is "the other session still completes" "$?:$(cat "$T/keep.out")" "0:done-keep"
check_out "a new session works after the kill" '^after$' gw 'echo after' </dev/null
check "the daemon still runs" kill -0 "$JGD_PID"
check "sessions as JSON" "$JG" sessions --json
cp "$OUT" "$T/sessions.json"
diag "$(jq -c '.[] | [.id, .state, .exit_status]' "$T/sessions.json" 2>/dev/null)"
check "the killed session ended as interrupted" json_check "$T/sessions.json" \
	'[.[] | select(.state == "interrupted")] | length == 1'
check "the others completed with status 0" json_check "$T/sessions.json" \
	'[.[] | select(.state != "interrupted")] | all(.state == "complete" and .exit_status == 0)'
check "the interrupted one is the second-to-last opened" json_check \
	"$T/sessions.json" 'sort_by(.id) | .[-2].state == "interrupted"'
check "nothing is left live" json_check "$T/sessions.json" \
	'all(.ended != null)'
