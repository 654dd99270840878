#!/usr/bin/env bash
# t-gw-maxsessions: one connection cannot exhaust the worker's memory.
# MaxSessions (default 10) caps the session channels of a connection: a
# raw client that opens 500 and stuffs each with data before any request
# gets 10, the rest refused and audited (request.refused kind=session),
# the connection dropped after the deny limit, and the worker's peak
# memory stays small (main had 3.2 MB per channel: 1.6 GB). With
# MaxSessions 2, an OpenSSH ControlMaster's third session is refused and
# its other sessions are told why.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import paramiko' 2>/dev/null ||
	bail "python3-paramiko is not installed (scripts/setup.sh installs it)"
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
KEEPER_PIDS=" $(pgrep -P "$JGD_PID" | tr '\n' ' ')"
RAW=(/usr/bin/python3 "$JG_SRCDIR/tests/tools/sshraw.py")

refused() {
	"$JG" audit --json | jq --arg k "kind=$1" \
		'[.[] | select(.action == "request.refused" and (.detail | contains($k)))] | length'
}

# ------------------------------------------- 500 channels, 1 MiB each
"${RAW[@]}" channels "$JG_PORT" alice@t1 "$T/keys/alice" 500 1048576 4 \
	>"$T/raw.out" 2>"$T/raw.err" &
raw=$!
jg_track $raw
worker=""
for i in $(seq 1 100); do
	for p in $(pgrep -P "$JGD_PID"); do
		case $KEEPER_PIDS in *" $p "*) continue ;; esac
		worker=$p
	done
	[ -n "$worker" ] && break
	sleep 0.1
done
[ -n "$worker" ] || diag "no worker found for the raw client"
peak=0
for i in $(seq 1 200); do
	[ -n "$worker" ] || break
	v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$worker/status" 2>/dev/null)
	[ -n "$v" ] || break
	peak=$v
	grep -q '^active' "$T/raw.out" 2>/dev/null && break
	sleep 0.1
done
wait $raw
rc=$?
diag "raw client: $(tr '\n' ' ' <"$T/raw.out") (rc $rc) $(tail -c 300 "$T/raw.err")"
diag "worker peak memory (VmHWM): $peak KiB"
is "10 session channels open on one connection" \
	"$(awk '$1 == "opened" { print $2 }' "$T/raw.out")" 10
n=$(awk '$1 == "refused" { print $2 }' "$T/raw.out")
if [ -n "$n" ] && [ "$n" -ge 30 ]; then
	ok "the channels beyond MaxSessions are refused ($n)"
else
	not_ok "the channels beyond MaxSessions are refused" "refused=$n"
fi
is "the connection is dropped after the deny limit" \
	"$(awk '$1 == "active" { print $2 }' "$T/raw.out")" 0
# 10 channels: each up to 64 KiB queued before its request plus libssh's
# 1.28 MB window; the worker itself is a few MiB.
if [ "$peak" -gt 0 ] && [ "$peak" -lt "$(mem_limit 65536)" ]; then
	ok "the worker's peak memory stays under 64 MiB ($peak KiB)"
else
	not_ok "the worker's peak memory stays under 64 MiB" "$peak KiB"
fi
# The worker's last audit messages may still be on their way to the
# master's loop (a loaded machine): wait for them, bounded.
wait_for 10 sh -c "[ \$(\"$JG\" audit --json | jq '[.[] | select(.action == \"request.refused\" and (.detail | contains(\"kind=session\")))] | length') -ge 30 ]"
a=$(refused session)
if [ "$a" -ge 30 ] && [ "$a" -le 33 ]; then
	ok "each refused channel is audited, up to the deny limit ($a)"
else
	not_ok "each refused channel is audited, up to the deny limit" "$a rows"
fi
is "the audit row names the cap" "$("$JG" audit --json | jq \
	'[.[] | select(.action == "request.refused" and (.detail | contains("kind=session open=10 max=10")))] | length > 0')" true
check_outf "the log names the disconnection" "refused requests: disconnecting" \
	cat "$T/jumpgated.log"

# ------------------------------------- MaxSessions 2 with ControlMaster
jgd_stop
echo "MaxSessions 2" >>"$JUMPGATE_CONFIG"
jgd_start || bail "jumpgated did not restart"
CP="$T/cm.sock"
CMO=(-i "$T/keys/alice" -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o ControlPath="$CP")
timeout 30 ssh "${CMO[@]}" -o ControlMaster=yes -o ControlPersist=20 -N -f \
	-p "$JG_PORT" alice@t1@127.0.0.1 || bail "no ControlMaster"
wait_for 10 test -S "$CP" || bail "no control socket"
timeout 20 ssh "${CMO[@]}" -p "$JG_PORT" alice@t1@127.0.0.1 "sleep 6" \
	>"$T/s1.out" 2>&1 &
s1=$!
timeout 20 ssh "${CMO[@]}" -p "$JG_PORT" alice@t1@127.0.0.1 "sleep 6" \
	>"$T/s2.out" 2>&1 &
s2=$!
check "the two sessions run on the target" \
	wait_for 10 bash -c '[ "$(pgrep -u jgtarget -x sleep | grep -c .)" -ge 2 ]'
# The mux client, refused, falls back to a connection of its own.
out=$(timeout 20 ssh "${CMO[@]}" -p "$JG_PORT" alice@t1@127.0.0.1 "echo third" 2>&1)
check_out "the third session on the connection is refused" \
	'session request failed: Session open refused by peer' echo "$out"
wait $s1
is "the first session still ends normally" "$?" 0
wait $s2
is "the second session still ends normally" "$?" 0
check_outf "the other sessions are told why" \
	'jumpgate: a session was refused: at most 2 on one connection (MaxSessions)' \
	cat "$T/s1.out"
is "the refusal is audited with the cap" "$("$JG" audit --json | jq \
	'[.[] | select(.action == "request.refused" and (.detail | contains("kind=session open=2 max=2")))] | length')" 1
check "ssh -O exit ends the master" timeout 10 \
	ssh "${CMO[@]}" -O exit -p "$JG_PORT" alice@t1@127.0.0.1
