# lib.sh: shared helpers for the integration scripts (bash).
#
#   . "$JG_SRCDIR/tests/integration/lib.sh"
#   jg_setup                     # private dir $T, cleanup trap, $JG, $JGD
#   jg_config ['Keyword value']...   # $T/jumpgate.conf, exports JUMPGATE_CONFIG
#   target_sshd_start            # real OpenSSH sshd on 127.0.0.1:$SSHD_PORT
#   check "desc" cmd args...     # ok when cmd succeeds
#   expect_error "desc" 'ERE' cmd args...   # exit 1, one stderr line matching
#
# Output is TAP ("ok N - desc" / "not ok N - desc", diagnostics "# ...") and
# the plan line "1..N" comes at exit; run-tests.sh counts it.  The script
# exits non-zero when any check failed.  Every wait is a bounded loop, and
# nothing listens on or connects to anything but 127.0.0.1.
#
# Set JG_KEEP=1 to keep $T after the run (for debugging).

set -u

: "${JG_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${JG_BUILDDIR:=$JG_SRCDIR}"
export JG_SRCDIR JG_BUILDDIR
JG=$JG_BUILDDIR/jumpgate
JGD=$JG_BUILDDIR/jumpgated
export PATH="$PATH:/usr/sbin:/sbin"

_tap_n=0
_tap_fail=0
_jg_pids=()		# background processes to stop at exit
_jg_dirs=()		# extra directories to remove at exit
_jg_ports=" "		# ports handed out by free_port in this script
T=""

# ---------------------------------------------------------------- TAP

# diag TEXT...: print TEXT as TAP diagnostics, every line prefixed "# ".
diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done
}

ok() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$*"
}

# not_ok DESC [DETAIL...]
not_ok() {
	local desc=$1
	shift
	_tap_n=$((_tap_n + 1))
	_tap_fail=$((_tap_fail + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$desc"
	local d
	for d in "$@"; do
		diag "$d"
	done
}

# skip DESC REASON: a check that cannot run here.
skip() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "${2:-}"
}

# _tail FILE: the last 20 lines of FILE for a diagnostic.
_tail() {
	if [ -s "$1" ]; then
		tail -n 20 "$1"
	else
		echo "(empty)"
	fi
}

_outfile() {
	if [ -n "$T" ] && [ -d "$T" ]; then
		mktemp "$T/out.XXXXXX"
	else
		mktemp /tmp/jg-out.XXXXXX
	fi
}

# check DESC CMD...: ok when CMD exits 0.  CMD's stdout is kept in $OUT
# (a file) and its stderr in $ERR for the caller to look at.
check() {
	local desc=$1
	shift
	OUT=$(_outfile)
	ERR=$(_outfile)
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	if [ $rc -eq 0 ]; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc" "command: $*" "exit status: $rc" \
		"stdout: $(_tail "$OUT")" "stderr: $(_tail "$ERR")"
	return 1
}

# check_out DESC ERE CMD...: CMD exits 0 and its stdout matches grep -E ERE.
check_out() {
	local desc=$1 pat=$2
	shift 2
	OUT=$(_outfile)
	ERR=$(_outfile)
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	if [ $rc -eq 0 ] && grep -Eq -- "$pat" "$OUT"; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc" "command: $*" "exit status: $rc" \
		"expected stdout to match: $pat" \
		"stdout: $(_tail "$OUT")" "stderr: $(_tail "$ERR")"
	return 1
}

# check_outf DESC STRING CMD...: CMD exits 0 and its stdout contains STRING
# (a fixed string, not a pattern).
check_outf() {
	local desc=$1 str=$2
	shift 2
	OUT=$(_outfile)
	ERR=$(_outfile)
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	if [ $rc -eq 0 ] && grep -Fq -- "$str" "$OUT"; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc" "command: $*" "exit status: $rc" \
		"expected stdout to contain: $str" \
		"stdout: $(_tail "$OUT")" "stderr: $(_tail "$ERR")"
	return 1
}

# expect_error [--code N[,M]] DESC ERE CMD...
# CMD must exit with status N (default 1; 2 for a usage error; "1,2" takes
# either), not die on a
# signal, and print exactly one line on stderr, which matches grep -E ERE.
# Its stdout and stderr are left in $OUT and $ERR.
expect_error() {
	local code=1
	if [ "$1" = --code ]; then
		code=$2
		shift 2
	fi
	local desc=$1 pat=$2
	shift 2
	OUT=$(_outfile)
	ERR=$(_outfile)
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	local lines
	lines=$(grep -c '' "$ERR")
	local why=()
	if [ $rc -ge 128 ] && [ "$code" != "$rc" ]; then
		why+=("crashed: exit status $rc (signal $((rc - 128)))")
	else
		case ",$code," in
		*",$rc,"*) ;;
		*) why+=("exit status $rc, expected $code") ;;
		esac
	fi
	if [ "$lines" -ne 1 ]; then
		why+=("expected exactly one line on stderr, got $lines")
	fi
	if ! grep -Eq -- "$pat" "$ERR"; then
		why+=("stderr does not match: $pat")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "$desc"
		diag "stderr: $(cat "$ERR")"
		return 0
	fi
	not_ok "$desc" "command: $*" "${why[@]}" \
		"stdout: $(_tail "$OUT")" "stderr: $(_tail "$ERR")"
	return 1
}

# expect_usage DESC ERE CMD...: expect_error with exit status 2.
expect_usage() {
	expect_error --code 2 "$@"
}

# is DESC GOT WANT: string equality.
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
		return 0
	fi
	not_ok "$1" "got:  $2" "want: $3"
	return 1
}

# bail REASON: stop the script here (the plan and cleanup still run).
bail() {
	not_ok "bail out: $*"
	exit 1
}

# ---------------------------------------------------------------- set-up

# The daemons' logs, once they are stopped: a sanitizer report (ASan,
# LeakSanitizer, UBSan) or a process that died of a signal fails the script,
# in the plain and the ASan build alike. SIGTERM is how this library stops
# what a script left running; a script that kills processes otherwise on
# purpose lists the signals it sends in JG_SIGNALS_OK (e.g. "9").
_jg_scan_logs() {
	local f bad="" sig
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" &&
			bad="$bad $(basename "$f"): $(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f");"
		while read -r sig; do
			case " 15 ${JG_SIGNALS_OK:-} " in *" $sig "*) continue ;; esac
			bad="$bad $(basename "$f"): a process died of signal $sig;"
		done < <(grep -oE 'died of signal [0-9]+' "$f" | awk '{ print $4 }' | sort -u)
	done
	[ -n "$(ls "$T"/*.log 2>/dev/null)" ] || return 0
	if [ -z "$bad" ]; then
		ok "no sanitizer report and no process killed by a signal in the daemon logs"
	else
		not_ok "no sanitizer report and no process killed by a signal in the daemon logs" "$bad"
	fi
}

_jg_cleanup() {
	local rc=$?
	trap - EXIT HUP INT TERM
	set +e
	local p
	# Our own background processes first, then anything still running
	# with our private directory in its command line (sshd -f $T/...,
	# jumpgated -c $T/..., daemons that detached).
	local pids=("${_jg_pids[@]}")
	if [ -n "$T" ] && [ -d /proc ]; then
		local f pid c
		for f in /proc/[0-9]*/cmdline; do
			pid=${f#/proc/}
			pid=${pid%/cmdline}
			[ "$pid" = $$ ] && continue
			[ "$pid" = "${BASHPID:-}" ] && continue
			c=$(tr '\0' ' ' 2>/dev/null <"$f")
			[[ $c == *"$T/"* ]] && pids+=("$pid")
		done
	fi
	if [ ${#pids[@]} -gt 0 ]; then
		kill -TERM "${pids[@]}" 2>/dev/null
		local i
		for i in $(seq 1 50); do
			local alive=0
			for p in "${pids[@]}"; do
				kill -0 "$p" 2>/dev/null && alive=1
			done
			[ $alive -eq 0 ] && break
			sleep 0.1
		done
		kill -KILL "${pids[@]}" 2>/dev/null
		wait 2>/dev/null
	fi
	for p in "${_jg_hooks[@]}"; do
		eval "$p"
	done
	_jg_scan_logs
	if [ "${JG_KEEP:-0}" = 1 ]; then
		[ -n "$T" ] && diag "kept $T"
	else
		[ -n "$T" ] && rm -rf -- "$T"
		local d
		for d in "${_jg_dirs[@]}"; do
			rm -rf -- "$d"
		done
	fi
	_jg_unlock
	printf '1..%d\n' "$_tap_n"
	if [ $_tap_fail -gt 0 ]; then
		diag "$_tap_fail of $_tap_n checks failed"
		exit 1
	fi
	exit $rc
}

# jg_setup: the private directory $T (0700, under /tmp), the cleanup trap,
# $JG and $JGD.
# jg_on_exit CMD: run CMD at cleanup, after the processes are gone and
# before the test directory is removed (e.g. to unmount something in it).
_jg_hooks=()
jg_on_exit() {
	_jg_hooks+=("$1")
}

# One integration script at a time on this machine: they share the target
# user jgtarget, whose password each one sets. A lock directory holding
# the owner's pid (no descriptor a daemon could inherit and keep); a dead
# owner's lock is taken over; waits up to 30 minutes. The lock is per
# target user: JG_TARGET_USER (default jgtarget) names another one, with
# its own lock (scripts/bench uses jgbench, so it need not wait for tests).
JG_TARGET_USER=${JG_TARGET_USER:-jgtarget}
if [ "$JG_TARGET_USER" = jgtarget ]; then
	JG_LOCK=/tmp/jumpgate-integration.lock.d
else
	JG_LOCK=/tmp/jumpgate-integration-$JG_TARGET_USER.lock.d
fi
_jg_lock() {
	local i owner
	# A script run by one that holds the lock (t-distcheck's make
	# distcheck runs t-install and t-man) shares it: the holder names
	# itself in JG_LOCK_OWNER for what it runs, and stays its owner.
	if [ -n "${JG_LOCK_OWNER:-}" ] && kill -0 "$JG_LOCK_OWNER" 2>/dev/null &&
		[ "$(cat "$JG_LOCK/pid" 2>/dev/null)" = "$JG_LOCK_OWNER" ]; then
		return 0
	fi
	for ((i = 0; i < 18000; i++)); do
		if mkdir "$JG_LOCK" 2>/dev/null; then
			echo $$ >"$JG_LOCK/pid"
			_jg_locked=1
			return 0
		fi
		owner=$(cat "$JG_LOCK/pid" 2>/dev/null)
		if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
			rm -rf "$JG_LOCK"
			continue
		fi
		sleep 0.1
	done
	echo "Bail out! another integration script holds $JG_LOCK"
	exit 1
}
_jg_unlock() {
	[ "${_jg_locked:-0}" = 1 ] || return 0
	[ "$(cat "$JG_LOCK/pid" 2>/dev/null)" = $$ ] && rm -rf "$JG_LOCK"
	_jg_locked=0
}

jg_setup() {
	umask 077
	_jg_lock
	T=$(mktemp -d /tmp/jg-test.XXXXXXXX) || { echo "Bail out! mktemp"; exit 1; }
	chmod 0700 "$T"
	export T
	trap _jg_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	diag "test dir $T"
}

# jg_track PID: stop PID at exit.
jg_track() {
	_jg_pids+=("$@")
}

# jg_bg LOGFILE CMD...: start CMD in the background with its output in
# LOGFILE; $! is tracked and left in BG_PID.
jg_bg() {
	local log=$1
	shift
	"$@" </dev/null >"$log" 2>&1 &
	BG_PID=$!
	jg_track "$BG_PID"
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds or SECONDS
# pass; the status says which.
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}

# port_listening PORT: something listens on 127.0.0.1:PORT.
port_listening() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# tcp_silent SOURCE PORT SECONDS: from address SOURCE connect to
# 127.0.0.1:PORT and never speak; print the seconds until the peer closed
# the connection, "open" if it still was after SECONDS, or "connect-failed".
tcp_silent() {
	/usr/bin/python3 - "$@" <<'PY'
import socket, sys, time
src, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket()
try:
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
except OSError:
    print("connect-failed")
    sys.exit(0)
start = time.monotonic()
s.settimeout(0.2)
while time.monotonic() - start < limit:
    try:
        if not s.recv(4096):
            print("%.2f" % (time.monotonic() - start))
            sys.exit(0)
    except socket.timeout:
        pass
    except OSError:
        print("%.2f" % (time.monotonic() - start))
        sys.exit(0)
print("open")
PY
}

# port_in_use PORT: PORT is bound by anything (listening or not) on this host.
port_in_use() {
	if command -v ss >/dev/null 2>&1; then
		ss -Htan "sport = :$1" 2>/dev/null | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# free_port: print a TCP port on 127.0.0.1 that nothing uses (random in
# 20000-59999, never the same one twice in one script).
free_port() {
	local i p
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		case $_jg_ports in *" $p "*) continue ;; esac
		port_in_use "$p" && continue
		_jg_ports="$_jg_ports$p "
		printf '%s\n' "$p"
		return 0
	done
	echo "free_port: no free port found" >&2
	return 1
}

# jg_config [LINE...]: write $T/jumpgate.conf (0600) and export
# JUMPGATE_CONFIG and JG_PORT (the gateway's listen port).
jg_config() {
	JG_PORT=$(free_port) || bail "no free port"
	export JG_PORT
	{
		echo "# jumpgate test config ($T)"
		echo "StateDirectory $T/state"
		echo "RecordingDirectory $T/rec"
		echo "VaultKeyFile $T/vault.key"
		echo "ListenAddress 127.0.0.1:$JG_PORT"
		echo "LogLevel debug"
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >"$T/jumpgate.conf"
	chmod 0600 "$T/jumpgate.conf"
	JUMPGATE_CONFIG=$T/jumpgate.conf
	export JUMPGATE_CONFIG
}

# jg_init: jg_config (when not done yet) and `jumpgate init`; bails out
# when init fails, since nothing after it can work.
jg_init() {
	[ -n "${JUMPGATE_CONFIG:-}" ] || jg_config
	check "jumpgate init" "$JG" init || bail "jumpgate init failed"
}

# jgd_start [ARGS...]: start jumpgated in the foreground mode in the
# background, log in $T/jumpgated.log, wait (10 s) until it listens.
jgd_start() {
	jg_bg "$T/jumpgated.log" "$JGD" -f -c "$JUMPGATE_CONFIG" "$@"
	JGD_PID=$BG_PID
	export JGD_PID
	if ! wait_for 10 port_listening "$JG_PORT"; then
		diag "jumpgated did not listen on 127.0.0.1:$JG_PORT" \
			"$(_tail "$T/jumpgated.log")"
		return 1
	fi
}

jgd_stop() {
	[ -n "${JGD_PID:-}" ] || return 0
	kill -TERM "$JGD_PID" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$JGD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$JGD_PID" 2>/dev/null
	wait "$JGD_PID" 2>/dev/null
	JGD_PID=""
}

# ---------------------------------------------------------------- users

# ensure_user NAME: create the local user NAME (home, bash) when missing.
ensure_user() {
	id -u "$1" >/dev/null 2>&1 && return 0
	useradd -m -s /bin/bash "$1" >/dev/null 2>&1 || id -u "$1" >/dev/null 2>&1
}

# as_user USER CMD...: run CMD as USER (uid, gid, no supplementary groups)
# with the current environment.
as_user() {
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups \
		-- "$@"
}

# jg_user_dir: a private directory $U owned by the test user jgtest (created
# when missing), for cases that run as an unprivileged caller.
jg_user_dir() {
	ensure_user jgtest || bail "cannot create user jgtest"
	U=$(mktemp -d /tmp/jg-user.XXXXXXXX) || bail "mktemp"
	_jg_dirs+=("$U")
	chown jgtest: "$U"
	chmod 0700 "$U"
	export U
}

# user_key NAME: a fresh ed25519 client key $T/keys/NAME (no passphrase);
# prints the path of its public half.
user_key() {
	mkdir -p "$T/keys"
	rm -f "$T/keys/$1" "$T/keys/$1.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$1@jumpgate-test" -f "$T/keys/$1" \
		</dev/null >/dev/null || return 1
	printf '%s\n' "$T/keys/$1.pub"
}

# jg_targets NAME...: each NAME a target on the test sshd (target_sshd_start
# first), logging in as jgtarget with the vaulted password; bails on failure.
jg_targets() {
	local t
	for t in "$@"; do
		"$JG" target add "$t" --host 127.0.0.1 --port "$SSHD_PORT" \
			--login jgtarget --host-key "$SSHD_HOSTKEY" >/dev/null ||
			bail "target add $t"
		"$JG" vault set "$t" --password-stdin <"$T/target.pass" \
			>/dev/null || bail "vault set $t"
	done
}

# jg_user NAME ROLE...: user NAME with those roles and a fresh key
# (user_key NAME); bails on failure.
jg_user() {
	local u=$1 r args=()
	shift
	for r in "$@"; do args+=(--role "$r"); done
	"$JG" user add "$u" "${args[@]}" --key "$(user_key "$u")" >/dev/null ||
		bail "user add $u"
}

# jg_as USER ARGS...: the real ssh client, as USER (key $T/keys/USER),
# to the gateway, at most 60 s.
jg_as() {
	local u=$1
	shift
	timeout 60 ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o IdentitiesOnly=yes -o ConnectTimeout=10 -p "$JG_PORT" \
		-i "$T/keys/$u" "$@"
}

# session_field ID FIELD: one field of a session's row (sessions --json).
session_field() {
	"$JG" sessions --json | jq -r ".[] | select(.id == $1) | .$2"
}

# ---------------------------------------------------------------- target sshd

# _random_secret: 32 random characters from [A-Za-z0-9].
_random_secret() {
	local s=""
	while [ ${#s} -lt 32 ]; do
		s=$s$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	done
	printf '%s' "${s:0:32}"
}

# target_sshd_start [EXTRA sshd_config LINES...]
# A private OpenSSH sshd on 127.0.0.1 as the target host:
#   $T/sshd/               config, host key, log, pid file
#   user jgtarget          created when missing, fresh random password each run
#                          (or $JG_TARGET_USER)
#   $T/target.pass (0600)  that password (never on a command line)
#   $T/target_key{,.pub}   an ed25519 key authorized for jgtarget
# Exports SSHD_PORT, SSHD_HOSTKEY ("TYPE BASE64"), SSHD_PID, SSHD_DIR,
# SSHD_KNOWN_HOSTS (a known_hosts file pinning the host key).
# A restart keeps the host key, the user key and the password unless their
# files were removed.
target_sshd_start() {
	local sshd
	sshd=$(command -v sshd) || { diag "sshd not found"; return 1; }
	SSHD_DIR=$T/sshd
	mkdir -p "$SSHD_DIR"
	chmod 0700 "$SSHD_DIR"
	# sshd's privilege separation directory.
	mkdir -p /run/sshd && chmod 0755 /run/sshd

	ensure_user "$JG_TARGET_USER" ||
		{ diag "cannot create user $JG_TARGET_USER"; return 1; }
	if [ ! -s "$T/target.pass" ]; then
		(umask 077 && _random_secret >"$T/target.pass")
		# chpasswd reads "user:password" on stdin: nothing in argv.
		{ printf '%s:' "$JG_TARGET_USER"; cat "$T/target.pass"; printf '\n'; } |
			chpasswd || { diag "chpasswd failed"; return 1; }
	fi
	chmod 0600 "$T/target.pass"

	[ -s "$SSHD_DIR/host_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C jumpgate-test-target \
			-f "$SSHD_DIR/host_ed25519" </dev/null >/dev/null ||
		return 1
	[ -s "$T/target_key" ] ||
		ssh-keygen -q -t ed25519 -N '' -C jgtarget@jumpgate-test \
			-f "$T/target_key" </dev/null >/dev/null || return 1
	cp "$T/target_key.pub" "$SSHD_DIR/authorized_keys"
	chmod 0600 "$SSHD_DIR/authorized_keys"

	SSHD_PORT=$(free_port) || return 1
	SSHD_HOSTKEY=$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")
	SSHD_KNOWN_HOSTS=$SSHD_DIR/known_hosts
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$SSHD_HOSTKEY" \
		>"$SSHD_KNOWN_HOSTS"
	export SSHD_PORT SSHD_HOSTKEY SSHD_DIR SSHD_KNOWN_HOSTS

	# $TARGET_SFTP: another sftp server, or "none": no sftp subsystem
	# (the target refuses the request).
	local sftp=internal-sftp
	[ -x /usr/lib/openssh/sftp-server ] && sftp=/usr/lib/openssh/sftp-server
	sftp=${TARGET_SFTP:-$sftp}
	# $T is 0700 root, so jgtarget could not read an AuthorizedKeysFile
	# in it (sshd reads that file as the user): the keys come from a
	# root-run AuthorizedKeysCommand instead.  UsePAM no: plain shadow
	# password checks, no pam_loginuid/session trouble in containers.
	{
		echo "# jumpgate test target ($T)"
		echo "ListenAddress 127.0.0.1:$SSHD_PORT"
		echo "HostKey $SSHD_DIR/host_ed25519"
		echo "PidFile $SSHD_DIR/sshd.pid"
		echo "AuthorizedKeysFile none"
		echo "AuthorizedKeysCommand /bin/cat $SSHD_DIR/authorized_keys"
		echo "AuthorizedKeysCommandUser root"
		echo "StrictModes no"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication yes"
		echo "KbdInteractiveAuthentication no"
		echo "PermitEmptyPasswords no"
		echo "UsePAM no"
		echo "PermitRootLogin no"
		echo "AllowUsers $JG_TARGET_USER"
		echo "X11Forwarding no"
		echo "PrintMotd no"
		echo "PrintLastLog no"
		echo "UseDNS no"
		echo "AcceptEnv LANG LC_* TERM"
		echo "MaxStartups 200:30:400"
		echo "MaxSessions 100"
		echo "LoginGraceTime 30"
		echo "LogLevel VERBOSE"
		[ "$sftp" = none ] || echo "Subsystem sftp $sftp"
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >"$SSHD_DIR/sshd_config"

	if ! "$sshd" -t -f "$SSHD_DIR/sshd_config" >"$SSHD_DIR/check.log" 2>&1; then
		diag "sshd -t refused the generated config:" \
			"$(_tail "$SSHD_DIR/check.log")"
		return 1
	fi
	rm -f "$SSHD_DIR/sshd.pid"
	: >"$SSHD_DIR/log"
	# -D: stay in our process group (a test timeout takes it down too).
	"$sshd" -D -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/log" \
		</dev/null >>"$SSHD_DIR/log" 2>&1 &
	SSHD_PID=$!
	export SSHD_PID
	jg_track "$SSHD_PID"
	if ! wait_for 10 port_listening "$SSHD_PORT"; then
		diag "target sshd did not listen on 127.0.0.1:$SSHD_PORT" \
			"$(_tail "$SSHD_DIR/log")"
		return 1
	fi
	return 0
}

target_sshd_stop() {
	[ -n "${SSHD_PID:-}" ] || return 0
	kill -TERM "$SSHD_PID" 2>/dev/null
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
	# Wait until the port is free again (bounded).
	wait_for 5 eval "! port_listening $SSHD_PORT"
	return 0
}

# target_ssh [SSH-OPTION... --] [COMMAND...]: ssh straight to the target as
# jgtarget with $T/target_key and the pinned host key; no user or system
# config.  Words before a "--" are extra ssh options (-tt, -o ...).
target_ssh() {
	local opts=()
	case " $* " in
	*" -- "*)
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			opts+=("$1")
			shift
		done
		shift
		;;
	esac
	ssh -F none -i "$T/target_key" -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o BatchMode=yes \
		-o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" \
		-o GlobalKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -p "$SSHD_PORT" -l "$JG_TARGET_USER" "${opts[@]}" \
		127.0.0.1 "$@"
}

# ---------------------------------------------------------------- state

# state_snapshot: print what a failed command must not change: the
# database contents, the state and recording folders (names, modes, sizes
# of files other than the database's own), the key file and the config.
state_snapshot() {
	local sd=${JG_STATE_DIR:-$T/state} rd=${JG_REC_DIR:-$T/rec}
	local kf=${JG_KEY_FILE:-$T/vault.key}
	local db=$sd/jumpgate.db
	echo "== db"
	if [ -f "$db" ]; then
		# Dump a copy: sqlite3 on the live file would leave -wal/-shm
		# files behind (as root even in a read-only directory) and so
		# change what the command under test sees.
		local cp=$T/.snapdb
		rm -rf "$cp"
		mkdir -p "$cp"
		cp "$db" "$cp/db" 2>/dev/null
		[ -f "$db-wal" ] && cp "$db-wal" "$cp/db-wal" 2>/dev/null
		sqlite3 "$cp/db" .dump 2>&1 || echo "(dump failed)"
		rm -rf "$cp"
	else
		echo "(no database)"
	fi
	echo "== files"
	local d
	for d in "$sd" "$rd"; do
		[ -e "$d" ] || { echo "$d absent"; continue; }
		find "$d" \( -name 'jumpgate.db' -o -name 'jumpgate.db-*' \) -prune \
			-o -printf '%P %M %u %s\n' 2>/dev/null | sort
		find "$d" -type f ! -name 'jumpgate.db*' -exec sha256sum {} + \
			2>/dev/null | sort
	done
	echo "== config"
	if [ -n "${JUMPGATE_CONFIG:-}" ] && [ -e "$JUMPGATE_CONFIG" ]; then
		stat -c '%a %u' "$JUMPGATE_CONFIG"
		sha256sum <"$JUMPGATE_CONFIG"
	fi
	echo "== key"
	if [ -e "$kf" ]; then
		stat -c '%a %s' "$kf"
		sha256sum <"$kf"
	else
		echo "(no key file)"
	fi
}

# snap_save: remember the state; snap_same DESC: ok when it did not change.
snap_save() {
	state_snapshot >"$T/snap.before"
}

snap_same() {
	state_snapshot >"$T/snap.after"
	if cmp -s "$T/snap.before" "$T/snap.after"; then
		ok "$1"
		return 0
	fi
	not_ok "$1" "state changed:" \
		"$(diff "$T/snap.before" "$T/snap.after" | head -n 30)"
	return 1
}

# bad_input DESC ERE CMD...: CMD fails with one clear stderr line matching
# ERE (exit 1, or --code N first) and leaves the state exactly as it was.
bad_input() {
	local code=(--code 1)
	if [ "$1" = --code ]; then
		code=(--code "$2")
		shift 2
	fi
	snap_save
	expect_error "${code[@]}" "$@"
	snap_same "$1: nothing changed"
}

# tmux_stop SOCKET: kill the tmux server on SOCKET and wait (5 s) until it
# is gone: a new-session on the same socket while the old server is still
# exiting fails with "no server running".
tmux_stop() {
	local pid i
	pid=$(tmux -S "$1" display-message -p '#{pid}' 2>/dev/null)
	tmux -S "$1" kill-server 2>/dev/null
	[ -n "$pid" ] || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# mem_limit KIB: a memory bound for a check. Under ASan (JG_ASAN=1, set by
# scripts/test --asan) RSS also holds the shadow of every page and the
# freed-memory quarantine: three times the bound and 8 MiB more. Leaks
# there are LeakSanitizer's to find (the daemon log check).
mem_limit() {
	if [ "${JG_ASAN:-0}" = 1 ]; then
		echo $(($1 * 3 + 8192))
	else
		echo "$1"
	fi
}

# have CMD: CMD exists here.
have() {
	command -v "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------- builds

# For scripts that build the tree themselves (t-prefix, t-distcheck): never
# in the tree's own build directory.
# jg_src_copy DEST: the sources of $JG_SRCDIR, without build output, in
# DEST (scripts/setup.sh's jg_copy_sources); bails out when that fails.
jg_src_copy() {
	have rsync || bail "rsync is not installed (scripts/setup.sh installs it)"
	check "copy the sources" bash -c '. "$1/scripts/setup.sh" &&
		jg_copy_sources "$1" "$2"' _ "$JG_SRCDIR" "$1" ||
		bail "cannot copy the sources to $1"
}

# jg_autoreconf DIR: autoreconf -fi in DIR; bails out when that fails.
jg_autoreconf() {
	have autoreconf || bail "autoreconf is not installed (scripts/setup.sh installs it)"
	check "autoreconf" bash -c 'cd "$1" && autoreconf -fi' _ "$1" ||
		bail "autoreconf failed in $1"
}

# jg_make ARGS...: make, without the flags of a make that runs this script
# (make check passes its -j, TESTS= and the like down in MAKEFLAGS).
jg_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}

# json_check FILE JQ-EXPR: FILE parses as JSON and the jq expression is
# true (jq -e). Without jq it fails, saying so: scripts/setup.sh installs jq.
json_check() {
	if ! have jq; then
		echo "json_check: jq is not installed" >&2
		return 1
	fi
	jq -e "$2" "$1" >/dev/null 2>&1
}
