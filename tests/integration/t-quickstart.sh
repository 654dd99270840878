#!/usr/bin/env bash
# t-quickstart: what a new user runs. setup.sh's build step is silent on a
# tiny autotools project that makes all the usual noise, and shows the error
# of a broken one. scripts/quickstart (its demo folder in $T, on free ports;
# the build is done already) prints none of the build's noise and writes
# nothing into the source tree, and every "$ " line it
# prints runs as printed, in order, from the folder its "$ cd" line names:
# the tour, a shell through the gateway, targets, scp and sftp, the
# request / approve / connect sequence with the request's real number, the
# replay. A file goes to the target and back with scp. A second run does
# nothing again and its lines run too (a revoke first, as the grant of the
# first walkthrough is active). A target without sftp gets "the target has
# no sftp subsystem", and the next run restores sftp. --stop stops
# jumpgated and the demo sshd and removes the user jgdemo; the cleanup
# makes sure of it when a check failed halfway.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

QS=$JG_SRCDIR/scripts/quickstart
[ "$(id -u)" = 0 ] || bail "quickstart needs root (it creates the user jgdemo)"
# The quickstart builds in its own tree and runs the binaries there.
[ "$JG_BUILDDIR" -ef "$JG_SRCDIR" ] ||
	bail "the quickstart runs in an in-tree build only ($JG_BUILDDIR is not $JG_SRCDIR)"
# A jgdemo that exists already belongs to a demo someone runs on this
# machine: taking it over would break it, and --stop would remove it.
id jgdemo >/dev/null 2>&1 &&
	bail "a user jgdemo exists already (a demo runs here? scripts/quickstart --stop removes it)"

export JG_DEMO_DIR=$T/demo
JG_DEMO_SSHD_PORT=$(free_port) || bail "no free port"
JG_DEMO_GW_PORT=$(free_port) || bail "no free port"
export JG_DEMO_SSHD_PORT JG_DEMO_GW_PORT
D=$JG_DEMO_DIR

# At exit (the daemons are stopped by then: their command lines name $T):
# --stop, and whatever jgdemo still runs (this script made that user, so
# its processes are this script's) is ended before the user goes.
qs_cleanup() {
	local pids
	"$QS" --stop >"$T/stop-at-exit.out" 2>&1
	if id jgdemo >/dev/null 2>&1; then
		pids=$(pgrep -u jgdemo)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		sleep 0.5
		userdel -r jgdemo >/dev/null 2>&1
	fi
	if id jgdemo >/dev/null 2>&1; then
		not_ok "no user jgdemo is left behind" "$(cat "$T/stop-at-exit.out")"
	else
		ok "no user jgdemo is left behind"
	fi
}
jg_on_exit qs_cleanup

# qs NAME [ARGS...]: run the quickstart (bounded), all its output in
# $T/NAME.out.
qs() {
	local name=$1
	shift
	timeout 300 "$QS" "$@" </dev/null >"$T/$name.out" 2>&1
}

# The build's chatter a new user cannot act on: automake's "installing
# 'build-aux/...'", ar's "'u' modifier ignored", libtoolize, configure,
# make's directory lines, compiler warnings.
NOISE="installing '|^ar: |modifier ignored|libtoolize|autoreconf|aclocal|automake|^checking |^configure:|config\\.status|^make(\\[[0-9]+\\])?: |warning:"

# new_in_tree: what appeared or changed in the source tree since the stamp
# (the runner's own logs aside).
new_in_tree() {
	find "$JG_SRCDIR" -newer "$T/stamp" ! -path "$JG_SRCDIR/tests/logs" \
		! -path "$JG_SRCDIR/tests/logs/*" ! -path "$JG_SRCDIR/.git" \
		! -path "$JG_SRCDIR/.git/*" 2>/dev/null | head -n 20
}

# run_line DIR INPUT LINE: LINE as a user pastes it into a shell in DIR,
# with INPUT on stdin (bounded).
run_line() {
	printf '%s' "$2" | (cd "$1" && exec timeout 30 bash -c "$3")
}

# run_lines NAME: every "$ " line of $T/NAME.out, in order, each a check
# with what it must print. The "cd" line sets where the rest run.
run_lines() {
	local name=$1 dir=$T/nowhere line n=0 pat input req=""
	mapfile -t lines < <(sed -n 's/^\$ //p' "$T/$name.out")
	[ ${#lines[@]} -ge 10 ] ||
		not_ok "$name: the quickstart printed the lines to paste" \
			"only ${#lines[@]}: $(_tail "$T/$name.out")"
	for line in "${lines[@]}"; do
		n=$((n + 1))
		input="" pat=.
		case $line in
		"cd "*)
			dir=$(eval "$line" && pwd) || dir=$T/nowhere
			is "$name $n: '$line' goes into the repository" "$dir" \
				"$JG_SRCDIR"
			continue
			;;
		sftp\ *)
			input=$'ls\n'
			pat='README\.md'
			;;
		ssh\ *@127.0.0.1)
			input=$'echo hello-from-target; exit\n'
			pat='^hello-from-target$'
			;;
		*" request "*" --reason "*)
			pat='^request [0-9]+ pending: demo asks for db-demo'
			;;
		*" approve "[0-9]*)
			req=${line##* }
			pat="^approved request $req: demo may reach db-demo"
			;;
		*" replay "[0-9]*" --cat")
			pat='hello-from-target'
			;;
		*" verify --all")
			pat='intact'
			;;
		*" audit verify")
			pat='^audit log intact$'
			;;
		*" revoke "[0-9]*)
			pat='revoked'
			;;
		*" targets")
			pat='^demo-host .*standing'
			;;
		scp\ *)
			pat=""	# quiet without a terminal: its status says it
			;;
		esac
		if [ -z "$pat" ]; then
			check "$name $n: runs as printed: ${line:0:90}" \
				run_line "$dir" "$input" "$line" || continue
		elif ! check_out "$name $n: runs as printed: ${line:0:90}" "$pat" \
			run_line "$dir" "$input" "$line"; then
			continue
		fi
		case $line in
		*" request "*" --reason "*)
			# The number it printed is the one the next line approves.
			REQ_PRINTED=$(sed -n 's/^request \([0-9]*\) pending.*/\1/p' "$OUT")
			;;
		*" approve "[0-9]*)
			is "$name $n: the approve line names the request's own number" \
				"$req" "${REQ_PRINTED:-none}"
			;;
		*" verify --all")
			is "$name $n: every recording verifies" \
				"$(grep -vc 'intact' "$OUT")" 0
			;;
		esac
	done
}

# ------------------------------------------------- the set-up's build step

# The tree here is built already, so the quickstart's build step has
# nothing to say below. The same step on a tiny autotools project that
# makes all the noise (automake's "installing", ar's "'u' modifier
# ignored", configure) must print nothing, and on a broken one must show
# the compiler's error.
mkdir -p "$T/tiny"
printf '%s\n' 'AC_INIT([tiny], [1])' 'AC_CONFIG_AUX_DIR([build-aux])' \
	'AM_INIT_AUTOMAKE([foreign -Wall])' AC_PROG_CC AM_PROG_AR AC_PROG_RANLIB \
	'AC_CONFIG_FILES([Makefile])' AC_OUTPUT >"$T/tiny/configure.ac"
printf '%s\n' 'noinst_LIBRARIES = libtiny.a' 'libtiny_a_SOURCES = tiny.c' \
	>"$T/tiny/Makefile.am"
echo 'int tiny(void) { return 1; }' >"$T/tiny/tiny.c"
# build_tiny: setup.sh's jg_build on $T/tiny, as the quickstart calls it.
build_tiny() {
	TMPDIR=$T bash -c '. "$1/scripts/setup.sh" && jg_build "$2"' sh \
		"$JG_SRCDIR" "$T/tiny"
}
check "the build step builds a noisy project" build_tiny
is "and prints nothing" "$(cat "$OUT" "$ERR")" ""
check "it did build it" test -f "$T/tiny/libtiny.a"
echo 'int tiny(void) { return nosuch; }' >"$T/tiny/tiny.c"
build_tiny >"$T/tiny.out" 2>&1
check "a broken build fails" test $? -ne 0
check "and shows the compiler's error" grep -Eq 'nosuch.* undeclared' "$T/tiny.out"

# ---------------------------------------------------------------- first run

touch "$T/stamp"
check "the quickstart runs" qs qs1 ||
	bail "the quickstart failed: $(_tail "$T/qs1.out")"
diag "first run:" "$(cat "$T/qs1.out")"
is "its output has none of the build's noise" \
	"$(grep -E -- "$NOISE" "$T/qs1.out")" ""
is "it wrote nothing into the source tree" "$(new_in_tree)" ""
check "it made the user jgdemo" id jgdemo
check "what it did is shown as '+ ./jumpgate -c CONFIG' lines" \
	grep -q "^+ ./jumpgate -c $D/jumpgate.conf init$" "$T/qs1.out"
is "no line tells the user to run a bare 'jumpgate'" \
	"$(grep -E '^[$+] jumpgate ' "$T/qs1.out")" ""
check "the closing lines say how to stop" \
	grep -q "scripts/quickstart --stop$" "$T/qs1.out"
check "the gateway listens on the port it was given" \
	port_listening "$JG_DEMO_GW_PORT"
check "the demo sshd has an sftp subsystem" \
	grep -qx 'Subsystem sftp internal-sftp' "$D/sshd/sshd_config"

run_lines qs1

# A file through the gateway to the target and back, with the printed
# scp line's own options.
scpline=$(sed -n 's/^\$ \(scp .*\) README\.md .*/\1/p' "$T/qs1.out")
check "the quickstart prints an scp line" test -n "$scpline"
check "scp from the target back through the gateway" \
	run_line "$JG_SRCDIR" "" "$scpline demo@demo-host@127.0.0.1:README.md $T/README.back"
check "the file came back as it went" cmp "$JG_SRCDIR/README.md" "$T/README.back"

# ---------------------------------------------------------------- run twice

touch "$T/stamp"
check "a second run works" qs qs2 || diag "$(cat "$T/qs2.out")"
diag "second run:" "$(cat "$T/qs2.out")"
is "the second run had nothing to redo" "$(grep '^+ ' "$T/qs2.out")" ""
is "the second run's output has none of the build's noise" \
	"$(grep -E -- "$NOISE" "$T/qs2.out")" ""
is "the second run wrote nothing into the source tree" "$(new_in_tree)" ""
check "with the first walkthrough's grant active it prints the revoke first" \
	grep -Eq '^\$ \./jumpgate -c .* revoke [0-9]+$' "$T/qs2.out"
run_lines qs2

# ---------------------------------------------------------------- no sftp

# The demo target, for a moment without its Subsystem line: the gateway
# says what is missing (scp and sftp themselves only say "Connection
# closed").
sshd_pid=$(cat "$D/sshd/sshd.pid" 2>/dev/null)
kill -TERM "$sshd_pid" 2>/dev/null
wait_for 10 eval "! port_listening $JG_DEMO_SSHD_PORT" || bail "the demo sshd did not stop"
grep -v '^Subsystem' "$D/sshd/sshd_config" | sed "s|^PidFile .*|PidFile $T/nosftp.pid|" \
	>"$T/nosftp_config"
jg_bg "$T/nosftp-sshd.log" /usr/sbin/sshd -D -f "$T/nosftp_config" -E "$T/nosftp.log"
nosftp=$BG_PID
wait_for 10 port_listening "$JG_DEMO_SSHD_PORT" || bail "no sshd without sftp"
sftpline=$(sed -n 's/^\$ \(sftp .*\)/\1/p' "$T/qs1.out")
run_line "$JG_SRCDIR" $'ls\n' "$sftpline" >"$T/nosftp.out" 2>"$T/nosftp.err"
rc=$?
check "sftp to a target without sftp fails" test "$rc" -ne 0
is "and the gateway says the target has no sftp subsystem" \
	"$(grep 'jumpgate:' "$T/nosftp.err")" \
	"jumpgate: demo-host: the target has no sftp subsystem"
run_line "$JG_SRCDIR" "" "$scpline README.md demo@demo-host@127.0.0.1:" \
	>"$T/noscp.out" 2>"$T/noscp.err"
check "scp says the same" grep -qx 'jumpgate: demo-host: the target has no sftp subsystem' \
	"$T/noscp.err"
kill -TERM "$nosftp" 2>/dev/null
wait "$nosftp" 2>/dev/null
wait_for 10 eval "! port_listening $JG_DEMO_SSHD_PORT" || bail "the sshd without sftp did not stop"

check "the next run starts the demo sshd again" qs qs3
check "and says it did" grep -q '^+ /usr/sbin/sshd -f ' "$T/qs3.out"
check_out "sftp works again" 'README\.md' run_line "$JG_SRCDIR" $'ls\n' "$sftpline"

# ---------------------------------------------------------------- --stop

gw_pid=$(cat "$D/state/jumpgated.pid" 2>/dev/null)
sshd_pid=$(cat "$D/sshd/sshd.pid" 2>/dev/null)
home=$(getent passwd jgdemo | cut -d: -f6)
check "jumpgated runs before --stop" kill -0 "${gw_pid:-none}"
check "the demo sshd runs before --stop" kill -0 "${sshd_pid:-none}"
check "--stop" qs stop --stop
diag "--stop:" "$(cat "$T/stop.out")"
check "jumpgated is gone" wait_for 10 eval "! kill -0 $gw_pid"
check "the demo sshd is gone" wait_for 10 eval "! kill -0 $sshd_pid"
check "nothing listens on the gateway's port" eval "! port_listening $JG_DEMO_GW_PORT"
check "nothing listens on the demo sshd's port" eval "! port_listening $JG_DEMO_SSHD_PORT"
check "the user jgdemo is removed" eval "! id jgdemo >/dev/null 2>&1"
check "and its home" test -n "$home" -a ! -e "$home"
check "--stop again is harmless" qs stop2 --stop
# The daemon's log where the library's end check looks for sanitizer
# reports and deaths by signal.
cp "$D/jumpgated.log" "$T/demo-jumpgated.log" 2>/dev/null
