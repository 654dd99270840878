#!/usr/bin/env bash
# t-gw-logging: without -f the daemon logs to syslog under LOG_AUTHPRIV;
# at LogLevel INFO one line per session start and end and per refusal,
# each with user, target, source and reason; VERBOSE and DEBUG add detail
# and never a secret. The daemon runs in a private mount namespace whose
# /dev/log is a socket this test reads (the machine's syslog, if any, is
# not touched).
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
PY=/usr/bin/python3
[ -x "$PY" ] || bail "$PY is missing (scripts/setup.sh installs python3)"
jg_config
sed -i 's/^LogLevel .*/LogLevel INFO/' "$JUMPGATE_CONFIG"
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1 t2
jg_user alice ops
"$JG" access add ops t1 >/dev/null || bail "access add"
user_key mallory >/dev/null		# a key nobody registered

# The namespace: /dev is a tmpfs of links to the real /dev's entries, so
# /dev/log can be ours. syslog.py appends each datagram as one line.
cat >"$T/syslog.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.replace(b"\n", b" ") + b"\n")
EOF
cat >"$T/ns.sh" <<'EOF'
set -e
T=$1
mkdir -p "$T/olddev" "$T/newdev"
mount --rbind /dev "$T/olddev"
mount -t tmpfs -o mode=0755 tmpfs "$T/newdev"
for e in "$T"/olddev/*; do
	n=${e##*/}
	[ "$n" = log ] || ln -s "$e" "$T/newdev/$n"
done
mount --bind "$T/newdev" /dev
"$2" "$T/syslog.py" "$T/syslog.txt" </dev/null >/dev/null 2>"$T/syslog.err" &
echo $! >"$T/syslog.pid"
for i in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
[ -S /dev/log ]
shift 2
exec "$@"
EOF
: >"$T/syslog.txt"
unshare -m --propagation private bash "$T/ns.sh" "$T" "$PY" \
	"$JGD" -c "$JUMPGATE_CONFIG" >"$T/jgd.out" 2>&1 ||
	bail "jumpgated (no -f) did not start: $(cat "$T/jgd.out")"
jg_on_exit 'kill "$(cat "$T/state/jumpgated.pid" 2>/dev/null)" "$(cat "$T/syslog.pid" 2>/dev/null)" 2>/dev/null'
wait_for 10 port_listening "$JG_PORT" || bail "jumpgated does not listen"
is "without -f nothing goes to stderr" "$(cat "$T/jgd.out")" ""

O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o IdentitiesOnly=yes -p "$JG_PORT")
as() { local u=$1; shift; timeout 30 ssh "${O[@]}" -i "$T/keys/$u" "$@"; }
log_has() {	# DESC ERE: a syslog line matches within 5 s
	if wait_for 5 grep -Eq -- "$2" "$T/syslog.txt"; then
		ok "$1"
	else
		not_ok "$1" "no line matches: $2" "log: $(tail -n 20 "$T/syslog.txt")"
	fi
}

as alice alice@t1@127.0.0.1 'exit 4' >/dev/null 2>&1
id=$("$JG" sessions --json | jq -r 'max_by(.id).id')
as alice alice@t2@127.0.0.1 true >/dev/null 2>&1
as mallory alice@t1@127.0.0.1 true >/dev/null 2>&1
as alice alice@t1@127.0.0.1 -R 1234:127.0.0.1:22 -N -o ExitOnForwardFailure=yes >/dev/null 2>&1

log_has "the daemon's start is logged" 'jumpgated\[[0-9]+\]: jumpgated ready'
log_has "a session start: user, target, login, source, kind" \
	"jumpgated\\[[0-9]+\\]: session $id start: user=alice target=t1 login=jgtarget source=127\\.0\\.0\\.1 port [0-9]+ kind=exec command=exit 4\$"
log_has "a session end: user, target, source, state, reason, exit, counts" \
	"session $id end: user=alice target=t1 source=127\\.0\\.0\\.1 port [0-9]+ state=complete reason=exit exit=4 in=[0-9]+ out=[0-9]+\$"
log_has "a refused target: user, target, source, reason" \
	'refused: user=alice target=t2 source=127\.0\.0\.1 port [0-9]+ reason=access to t2 denied'
log_has "a refused key: user, source, reason" \
	'refused: user=alice target=- source=127\.0\.0\.1 port [0-9]+ reason=authentication failed'
log_has "a refused port forward: user, target, source, reason" \
	'refused: user=alice target=[^ ]+ source=127\.0\.0\.1 port [0-9]+ reason=request\.refused'
n=$(grep -c '' "$T/syslog.txt")
bad=$(awk '{ if (match($0, /^<[0-9]+>/)) { p = substr($0, 2, RLENGTH - 2) + 0;
	if (int(p / 8) != 10) print } else print }' "$T/syslog.txt" | head -n 3)
is "all $n lines are LOG_AUTHPRIV (facility 10)" "$bad" ""
check "INFO has session lines at info priority (<86>)" \
	grep -q "^<86>.*session $id start:" "$T/syslog.txt"
if grep -q "session $id: alice on t1" "$T/syslog.txt"; then
	not_ok "INFO leaves out the worker's VERBOSE detail"
else
	ok "INFO leaves out the worker's VERBOSE detail"
fi

# VERBOSE: the connection, the worker and the session's detail.
sed -i 's/^LogLevel .*/LogLevel VERBOSE/' "$JUMPGATE_CONFIG"
kill -HUP "$(cat "$T/state/jumpgated.pid")"
log_has "SIGHUP reloads (VERBOSE)" 'configuration reloaded'
as alice alice@t1@127.0.0.1 'echo verbose' >/dev/null 2>&1
idv=$("$JG" sessions --json | jq -r 'max_by(.id).id')
log_has "VERBOSE: the session's detail" "session $idv: alice on t1"
log_has "VERBOSE: the connection and its worker" 'connection from 127\.0\.0\.1 port [0-9]+: worker [0-9]+'
log_has "VERBOSE: the session's end with its counts" "session $idv ended: .*\(in [0-9]+, out [0-9]+ bytes\)"
log_has "VERBOSE: the worker's exit" 'worker [0-9]+ \(127\.0\.0\.1 port [0-9]+\) exited'

# DEBUG: more detail, never the target's password.
sed -i 's/^LogLevel .*/LogLevel DEBUG/' "$JUMPGATE_CONFIG"
kill -HUP "$(cat "$T/state/jumpgated.pid")"
check "SIGHUP reloads (DEBUG)" wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' '$T/syslog.txt') -ge 2 ]"
before=$(grep -c '' "$T/syslog.txt")
as alice alice@t1@127.0.0.1 true >/dev/null 2>&1
id2=$("$JG" sessions --json | jq -r 'max_by(.id).id')
log_has "VERBOSE detail appears at DEBUG" "session $id2: alice on t1"
after=$(grep -c '' "$T/syslog.txt")
check "DEBUG logs more lines than INFO did for a session" test $((after - before)) -gt 3
check "no log line holds the target's password" sh -c \
	"! grep -qF -- \"\$(cat '$T/target.pass')\" '$T/syslog.txt'"
