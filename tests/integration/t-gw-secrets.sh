#!/usr/bin/env bash
# t-gw-secrets: the target's vault password (a fresh random canary) never
# appears in what the client receives (even `env` and `ps` run on the
# target through the gateway), in the gateway's debug log, in the audit
# output, in any process's cmdline or environ while a session is open, nor
# in the worker's memory once it has logged in upstream.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
target_sshd_start || bail "target sshd did not start"

PASS_FILE=$T/target.pass
check "the canary password is 32 characters" \
	test "$(wc -c <"$PASS_FILE")" -eq 32

check "target t1" "$JG" target add t1 --host 127.0.0.1 --port "$SSHD_PORT" \
	--login jgtarget --host-key "$SSHD_HOSTKEY"
check "vault set t1 (stdin)" "$JG" vault set t1 --password-stdin <"$PASS_FILE"
check "user alice" "$JG" user add alice --role dev --key "$(user_key alice)"
check "dev reaches t*" "$JG" access add dev 't*'
jgd_start -d || bail "jumpgated did not start"

gw() {	# LOGIN [SSH-OPTION...] -- CMD...
	local login=$1
	shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	timeout 30 ssh -F none -i "$T/keys/alice" -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -p "$JG_PORT" "${opts[@]}" -l "$login" \
		127.0.0.1 "$@"
}

# no_canary DESC FILE...: none of FILE contains the password.  No FILE, or
# a FILE that is not there, fails: a grep over nothing finds nothing.
no_canary() {
	local desc=$1
	shift
	local hits f
	if [ $# -eq 0 ]; then
		not_ok "$desc" "no file to look in"
		return 1
	fi
	for f in "$@"; do
		if [ ! -f "$f" ]; then
			not_ok "$desc" "no such file: $f"
			return 1
		fi
	done
	hits=$(grep -lF -f "$PASS_FILE" -- "$@" 2>/dev/null)
	if [ -z "$hits" ]; then
		ok "$desc"
	else
		not_ok "$desc" "the password appears in: $hits"
	fi
}

C=$T/client
mkdir -p "$C"
check "session: env on the target" gw alice@t1 -- env </dev/null
cp "$OUT" "$C/env.out"
cp "$ERR" "$C/env.err"
check_out "session: env ran as jgtarget" '^USER=jgtarget' cat "$C/env.out"
check "session: ps aux on the target" \
	gw alice@t1 -- 'ps auxww; tr "\0" "\n" </proc/self/environ' </dev/null
cp "$OUT" "$C/ps.out"
cp "$ERR" "$C/ps.err"
gw alice@t1 -- 'echo out; echo err >&2; exit 3' </dev/null \
	>"$C/fail.out" 2>"$C/fail.err"
is "session: exit status 3 comes back" "$?" 3
printf 'echo interactive-$((6*7))\nenv\nexit\n' |
	gw alice@t1 -tt -- >"$C/tty.out" 2>"$C/tty.err"
check_out "session: interactive shell (-tt) ran" 'interactive-42' cat "$C/tty.out"
gw alice -- targets </dev/null >"$C/targets.out" 2>"$C/targets.err"
gw alice@t7 -- true </dev/null >"$C/deny.out" 2>"$C/deny.err"
gw alice@t1 -v -- true </dev/null >"$C/verbose.out" 2>"$C/verbose.err"

# While a session is open: scan the worker's memory first (it must have
# wiped the password right after upstream authentication; the keeper
# unseals credentials on demand and is left out), then read every
# process's cmdline and environ.
gw alice@t1 -- 'sleep 8; echo slept' </dev/null >"$C/sleep.out" 2>"$C/sleep.err" &
SPID=$!
P=$T/proc
mkdir -p "$P"
if wait_for 10 pgrep -u jgtarget -x sleep; then
	ok "the session's sleep runs on the target"
else
	not_ok "the session's sleep runs on the target" "$(cat "$C/sleep.err")"
fi
sleep 0.3

# memscan PID: read every readable mapping of PID through /proc/PID/mem in
# 1 MiB pieces (a whole mapping at once dies with MemoryError on the
# terabytes of an ASan shadow) and count the places holding the password.
# Prints "read N bytes in M mappings", "unreadable ..." for each mapping
# that could not be read, then "hits N".  An AddressSanitizer build's shadow
# (x86_64: 0x7fff8000-0x10007fff8000) holds only shadow bytes, never data:
# it is left out, saying so; [vvar] cannot be read by anyone.
memscan() {
	python3 - "$1" "$PASS_FILE" <<'PY'
import re, sys
pid, pf = sys.argv[1], sys.argv[2]
needle = open(pf, "rb").read().strip()
with open(f"/proc/{pid}/exe", "rb") as f:
    asan = b"__asan_init" in f.read()
SHADOW = (0x7fff8000, 0x10007fff8000)
CHUNK = 1 << 20
hits = nbytes = nmaps = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        if not m or m.group(3)[0] != "r":
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        if line.rstrip().endswith(("[vvar]", "[vvar_vclock]")):
            continue
        if asan and SHADOW[0] <= a and b <= SHADOW[1]:
            print("asan shadow left out:", line.strip())
            continue
        tail, off, found = b"", a, 0
        try:
            while off < b:
                mem.seek(off)
                data = tail + mem.read(min(CHUNK, b - off))
                found += data.count(needle)
                tail = data[-(len(needle) - 1):]
                off += CHUNK
        except (OSError, ValueError, OverflowError) as e:
            print("unreadable at %x (%s):" % (off, e), line.strip())
        nbytes += off - a if off < b else b - a
        nmaps += 1
        if found:
            hits += found
            print("found in", line.strip())
print("read %d bytes in %d mappings" % (nbytes, nmaps))
print("hits", hits)
PY
}

# memscan_clean FILE: memscan's report says it read the whole process
# (something was read, nothing unreadable) and found no password.
memscan_clean() {
	grep -q '^hits 0$' "$1" && ! grep -q '^unreadable' "$1" &&
		grep -Eq '^read [1-9][0-9]* bytes' "$1"
}

WORKERS=$(pgrep -u jumpgate -P "$JGD_PID"; [ "$(id -u)" = 0 ] ||
	pgrep -P "$JGD_PID")
diag "jumpgated children: $(pgrep -P "$JGD_PID" | tr '\n' ' ')"
nw=0
for w in $WORKERS; do
	[ "$(ps -o user= -p "$w" | tr -d ' ')" = jumpgate-vault ] && continue
	memscan "$w" >"$P/mem.$w" 2>&1
	nw=$((nw + 1))
done
check "the open session's worker was found and scanned" test "$nw" -ge 1
n=$(python3 - "$P" <<'PY'
import os, sys
out, n = sys.argv[1], 0
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    for what in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{what}", "rb") as f:
                data = f.read()
        except OSError:
            continue
        with open(f"{out}/{pid}.{what}", "wb") as f:
            f.write(data)
    n += 1
print(n)
PY
)
check "read cmdline/environ of $n processes during the session" test "${n:-0}" -gt 5
check "the session was still open after the reads" kill -0 "$SPID"
wait "$SPID"
is "the sleep session completed" "$(cat "$C/sleep.out")" slept
no_canary "no process's cmdline holds the password" "$P"/*.cmdline
no_canary "no process's environ holds the password" "$P"/*.environ
for f in "$P"/mem.*; do
	[ -e "$f" ] || continue
	w=${f##*.}
	if memscan_clean "$f"; then
		ok "worker $w's memory does not hold the password"
		diag "$(grep -v '^hits' "$f")"
	else
		not_ok "worker $w's memory does not hold the password" "$(cat "$f")"
	fi
done
# The scan finds the password where it is: a process holding it.
python3 -c 'import sys, time; s = open(sys.argv[1]).read(); time.sleep(30)' \
	"$PASS_FILE" &
HOLDER=$!
jg_track "$HOLDER"
sleep 0.5
memscan "$HOLDER" >"$P/holder.mem" 2>&1
kill "$HOLDER" 2>/dev/null
if grep -Eq '^hits [1-9]' "$P/holder.mem" && ! memscan_clean "$P/holder.mem"; then
	ok "the memory scan finds the password in a process holding it"
else
	not_ok "the memory scan finds the password in a process holding it" \
		"$(cat "$P/holder.mem")"
fi

no_canary "nothing the client received holds the password" "$C"/*
check_out "audit output" . "$JG" audit
cp "$OUT" "$T/audit.out"
no_canary "the audit output does not hold the password" "$T/audit.out"
check "jumpgate sessions" "$JG" sessions
cat "$OUT" "$ERR" >"$T/sessions.out"
check "jumpgate vault list" "$JG" vault list
cat "$OUT" "$ERR" >"$T/vaultlist.out"
no_canary "sessions and vault list do not hold the password" \
	"$T/sessions.out" "$T/vaultlist.out"
check_out "the gateway's log is a debug log" 'gave the password of t1' \
	cat "$T/jumpgated.log"
no_canary "the gateway's debug log does not hold the password" \
	"$T/jumpgated.log"
no_canary "nothing under the state directory holds it in clear" \
	$(find "$T/state" "$T/rec" -type f 2>/dev/null)
# the canary works: grep finds it where it is expected
check "the canary is found where it is (target.pass)" \
	grep -qF -f "$PASS_FILE" "$PASS_FILE"
