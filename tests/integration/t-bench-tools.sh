#!/usr/bin/env bash
# t-bench-tools: the helpers scripts/bench runs work against a real OpenSSH
# target (a handful of samples, no timing asserted): tests/tools/echolat.py
# (keystroke echo latency over ssh -tt), tests/tools/loadclient (N
# interactive sessions held at once with libssh) and tests/tools/cputree.py
# (a command's whole process tree's CPU), tests/tools/procpoll.py (the
# CPU of the sshd processes under a listener) and tests/tools/recbench
# (the recording writer's and the full check's CPU per GiB).
. "${JG_SRCDIR:?}/tests/integration/lib.sh"
jg_setup

target_sshd_start || bail "no target sshd"
ECHOLAT=$JG_SRCDIR/tests/tools/echolat.py
LOADCLIENT=$JG_BUILDDIR/tests/tools/loadclient
CPUTREE=$JG_SRCDIR/tests/tools/cputree.py
PROCPOLL=$JG_SRCDIR/tests/tools/procpoll.py

# cputree: waits for a descendant the command left behind (as ssh leaves
# its ProxyCommand) and counts its CPU; passes the exit status on.
check "cputree runs a command that leaves a busy grandchild" \
	"$CPUTREE" "$T/cpu" -- sh -c "(python3 -c 'sum(range(3000000))'; touch $T/gc.done) & exit 0"
is "cputree waited for the grandchild" "$(test -e "$T/gc.done" && echo yes)" yes
check "cputree counted the grandchild's CPU" \
	awk 'NF == 3 && $2 + $3 > 0 { ok = 1 } END { exit !ok }' "$T/cpu"
"$CPUTREE" "$T/cpu2" -- sh -c 'exit 3'
is "cputree exits with the command's status" "$?" 3

# echolat: 20 one-byte echoes through a remote pty, all come back.
check_out "echolat times 20 echoes through ssh -tt" \
	'^n 20 p50_us [0-9]+ p99_us [0-9]+ min_us [0-9]+ max_us [0-9]+$' \
	"$ECHOLAT" -n 20 --gap-ms 2 -- ssh -tt -F none -i "$T/target_key" \
	-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" -p "$SSHD_PORT" "$JG_TARGET_USER@127.0.0.1"
# --cpu: the CPU per echo of the session's own sshd processes (started
# after echolat, under the listener): more than nothing; none under a
# process whose program has no such descendant (echolat exits 1, says so).
check_out "echolat --cpu: the session's sshd CPU per echo" \
	'^n 20 p50_us [0-9]+ p99_us [0-9]+ min_us [0-9]+ max_us [0-9]+ cpu_sshd_us [0-9]*[1-9][0-9]*\.[0-9]$' \
	"$ECHOLAT" -n 20 --gap-ms 2 --cpu sshd="$SSHD_PID" -- ssh -tt -F none \
	-i "$T/target_key" -o IdentitiesOnly=yes -o BatchMode=yes \
	-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" \
	-p "$SSHD_PORT" "$JG_TARGET_USER@127.0.0.1"
sleep 30 &
lone=$!
OUT=$(_outfile)
"$ECHOLAT" -n 5 --gap-ms 2 --cpu x="$lone" -- ssh -tt -F none \
	-i "$T/target_key" -o IdentitiesOnly=yes -o BatchMode=yes \
	-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" \
	-p "$SSHD_PORT" "$JG_TARGET_USER@127.0.0.1" >/dev/null 2>"$OUT"
rc=$?
kill $lone 2>/dev/null
wait $lone 2>/dev/null
is "echolat --cpu under a process with no session below it: exit 1, says so" \
	"$rc $(grep '^echolat:' "$OUT")" "1 echolat: no process of the session under x (pid $lone)"
OUT=$(_outfile)
"$ECHOLAT" --cpu sshd=abc -- true >/dev/null 2>"$OUT"
is "echolat --cpu with a bad PID: usage, exit 2" "$? $(cut -d" " -f1-2 "$OUT")" \
	"2 usage: echolat.py"
# ... and says so when there is nothing at the other end.
dead=$(free_port)
OUT=$(_outfile)
"$ECHOLAT" -n 5 -- ssh -tt -o BatchMode=yes -o ConnectTimeout=5 \
	-p "$dead" 127.0.0.1 >/dev/null 2>"$OUT"
rc=$?
is "echolat fails when the session never starts" \
	"$rc $(grep '^echolat:' "$OUT")" "1 echolat: 0 of 5 echoes came back"

# loadclient: 3 shells held for 3 s, each echoing a line every second.
check_out "loadclient holds 3 interactive sessions and times their echoes" \
	'^wanted 3 opened 3 held 3 dropped 0 echoes [1-9][0-9]* p50_us [0-9]+ p99_us [0-9]+ ' \
	"$LOADCLIENT" -p "$SSHD_PORT" -l "$JG_TARGET_USER" -i "$T/target_key" -n 3 -P 2 \
	-H 3 -e 1
# A session that cannot log in is not counted as held (exit 1).
ssh-keygen -q -t ed25519 -N '' -f "$T/other_key" </dev/null >/dev/null
OUT=$(_outfile)
"$LOADCLIENT" -p "$SSHD_PORT" -l "$JG_TARGET_USER" -i "$T/other_key" -n 2 -P 1 -H 1 \
	-e 1 >"$OUT" 2>/dev/null
rc=$?
is "loadclient with an unknown key: exit 1, nothing held" \
	"$rc $(cut -d' ' -f1-8 "$OUT")" "1 wanted 2 opened 0 held 0 dropped 0"

# procpoll: a session that encrypts 64 MiB costs its sshd processes CPU
# (their last utime+stime, found under the listener); none for another root.
sleep 30 &
other=$!
jg_track "$other"
"$PROCPOLL" "$T/pp" "$SSHD_PID" "$other" &
pp=$!
sleep 0.3
check "a 64 MiB download straight from the target" \
	ssh -F none -i "$T/target_key" -o IdentitiesOnly=yes -o BatchMode=yes \
	-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" \
	-p "$SSHD_PORT" "$JG_TARGET_USER@127.0.0.1" 'head -c 67108864 /dev/zero'
sleep 0.3
kill -TERM "$pp"
wait "$pp"
check "procpoll counted the target sshd's session CPU" \
	awk -v p="$SSHD_PID" '$1 == p && $2 > 0 { ok = 1 } END { exit !ok }' "$T/pp"
is "procpoll counted nothing under a root without sshd children" \
	"$(awk -v p="$other" '$1 == p { print $2 }' "$T/pp")" 0

# recbench: the writer and the full check on 24 MiB (two threads), a
# figure for each, and its file gone; bad arguments are one line, exit 1.
RECBENCH=$JG_BUILDDIR/tests/tools/recbench
mkdir -p "$T/rb"
check_out "recbench writes and checks 24 MiB" \
	'^write_cpu_s_per_gib [0-9]+\.[0-9]+ verify_cpu_s_per_gib [0-9]+\.[0-9]+$' \
	"$RECBENCH" "$T/rb" 24
is "recbench left no file" "$(ls -A "$T/rb")" ""
OUT=$(_outfile)
"$RECBENCH" "$T/rb" 0 >/dev/null 2>"$OUT"
is "recbench refuses 0 MiB" "$? $(cat "$OUT")" "1 recbench: usage: recbench DIR MIB (1 to 65536)"
"$RECBENCH" "$T/no-such-dir" 1 >/dev/null 2>"$OUT"
is "recbench names a directory it cannot write" "$? $(cat "$OUT")" "1 recbench: cannot create the file"
