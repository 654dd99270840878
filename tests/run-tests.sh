#!/usr/bin/env bash
# run-tests.sh: the one test runner behind `make check`.
#
#   JG_BUILDDIR=DIR JG_SRCDIR=DIR sh tests/run-tests.sh TEST...
#
# A TEST is a cmocka unit-test binary (tests/unit/test-vault, relative to the
# build directory) or an integration script (tests/integration/t-*.sh, run
# with bash).  Each test's whole output goes to $JG_BUILDDIR/tests/logs/NAME.log;
# the screen gets one line per test and, for a failed test, the end of its log.
#
# Counting is TAP: a line "ok ..." is a passed check, "not ok ..." a failed
# one ("not ok N # SKIP ..." / "# TODO" are skipped).  A test that exits
# non-zero without a "not ok" line, dies on a signal, runs short of its plan,
# or runs past its timeout (JG_TEST_TIMEOUT seconds, default 600) counts one
# more failure, and so does an integration script that ran no check (no
# "ok"/"not ok" line other than skips): a script that checks nothing cannot
# fail.  The last line printed is exactly "N passed, N failed", or
# "N passed, N failed, N skipped" when something was skipped; the exit status
# is non-zero when anything failed.

# `make check` calls this with $(SHELL), which may be a plain sh: re-exec.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${JG_SRCDIR:=$(cd "$here/.." && pwd)}"
: "${JG_BUILDDIR:=$(pwd)}"
JG_SRCDIR=$(cd "$JG_SRCDIR" && pwd)
JG_BUILDDIR=$(cd "$JG_BUILDDIR" && pwd)
export JG_SRCDIR JG_BUILDDIR

timeout_s=${JG_TEST_TIMEOUT:-600}
case $timeout_s in
'' | *[!0-9]*)
	echo "run-tests.sh: JG_TEST_TIMEOUT must be a number of seconds" >&2
	exit 2
	;;
esac

logdir=$JG_BUILDDIR/tests/logs
mkdir -p "$logdir" || exit 2

if [ $# -eq 0 ]; then
	echo "usage: run-tests.sh TEST..." >&2
	exit 2
fi

total_pass=0
total_fail=0
total_skip=0
failed_names=()

now() {
	# Seconds with a fraction when bash has EPOCHREALTIME (5.0+).
	if [ -n "${EPOCHREALTIME:-}" ]; then
		printf '%s' "${EPOCHREALTIME/,/.}"
	else
		date +%s
	fi
}

elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# Resolve a test path: as given (relative to the current directory, which
# make sets to the build directory), then under the build directory, then
# under the source directory (scripts in a VPATH build).
resolve() {
	local t=$1
	case $t in
	/*) [ -e "$t" ] && { printf '%s' "$t"; return 0; } ;;
	*)
		local d
		for d in "$PWD" "$JG_BUILDDIR" "$JG_SRCDIR"; do
			if [ -e "$d/$t" ]; then
				printf '%s' "$d/$t"
				return 0
			fi
		done
		;;
	esac
	return 1
}

run_one() {
	local arg=$1 path name log kind rc t0 t1 secs
	local pass=0 fail=0 skip=0 plan=0 extra="" final

	name=$(basename "$arg")
	name=${name%.sh}
	# Write to a private file and rename it at the end, so two runs in one
	# build directory never mix their output in one log.
	final=$logdir/$name.log
	log=$(mktemp "$logdir/.$name.XXXXXX") || log=$final

	t0=$(now)
	if ! path=$(resolve "$arg"); then
		printf '# run-tests.sh: no such test: %s\n' "$arg" >"$log"
		rc=127
	else
		case $path in
		*.sh) kind=script ;;
		*) kind=unit ;;
		esac
		{
			printf '# test: %s\n# started: %s\n' "$path" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		} >"$log"
		if [ $kind = script ]; then
			timeout --kill-after=10 "$timeout_s" \
				bash "$path" </dev/null >>"$log" 2>&1
			rc=$?
		else
			CMOCKA_MESSAGE_OUTPUT=TAP \
				timeout --kill-after=10 "$timeout_s" \
				"$path" </dev/null >>"$log" 2>&1
			rc=$?
		fi
		printf '# exit status: %s\n' "$rc" >>"$log"
	fi
	t1=$(now)
	secs=$(elapsed "$t0" "$t1")

	# Count TAP results.  Only lines that start with the keyword count, so
	# cmocka's group summary "# not ok - group" and diagnostics ("# ...")
	# do not.
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"not ok"*"# SKIP"* | "not ok"*"# skip"* | "not ok"*"# TODO"* | "not ok"*"# todo"*)
			skip=$((skip + 1)) ;;
		"ok"*"# SKIP"* | "ok"*"# skip"*)
			skip=$((skip + 1)) ;;
		"not ok" | "not ok "*)
			fail=$((fail + 1)) ;;
		"ok" | "ok "*)
			pass=$((pass + 1)) ;;
		1..[0-9]*)
			local n=${line#1..}
			n=${n%%[!0-9]*}
			plan=$((plan + n)) ;;
		esac
	done <"$log"

	if [ "$rc" -eq 124 ]; then
		extra=" timed out after ${timeout_s}s"
		fail=$((fail + 1))
		printf 'not ok - %s%s\n' "$name" "$extra" >>"$log"
	elif [ "$rc" -eq 127 ] && [ $((pass + fail + skip)) -eq 0 ]; then
		extra=" not found or not runnable"
		fail=$((fail + 1))
	elif [ "$rc" -ge 128 ]; then
		extra=" killed by signal $((rc - 128))"
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		extra=" exit status $rc"
		fail=$((fail + 1))
	fi
	if [ "$plan" -gt 0 ] && [ $((pass + fail + skip)) -lt "$plan" ] &&
		[ -z "$extra" ]; then
		extra=" ran $((pass + fail + skip)) of $plan planned checks"
		fail=$((fail + 1))
	fi
	# A script that ran no check (nothing, or only skips) proves nothing.
	if [ "${kind:-}" = script ] && [ $((pass + fail)) -eq 0 ] &&
		[ -z "$extra" ]; then
		extra=" ran no check"
		fail=$((fail + 1))
		printf 'not ok - %s%s\n' "$name" "$extra" >>"$log"
	fi

	if [ "$log" != "$final" ]; then
		chmod 0644 "$log" 2>/dev/null
		mv -f "$log" "$final" && log=$final
	fi

	local checks=$((pass + fail))
	local what="$checks check"
	[ "$checks" -eq 1 ] || what="${what}s"
	[ "$skip" -eq 0 ] || what="$what, $skip skipped"
	if [ "$fail" -eq 0 ]; then
		printf 'PASS %s (%s, %s s)\n' "$name" "$what" "$secs"
	else
		printf 'FAIL %s (%s, %d failed%s, %s s)\n' "$name" "$what" \
			"$fail" "${extra:+:}$extra" "$secs"
		printf -- '---- last 40 lines of %s\n' "$log"
		tail -n 40 "$log" | sed 's/^/  | /'
		printf -- '----\n'
		failed_names+=("$name")
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
}

for t in "$@"; do
	run_one "$t"
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in $logdir)"
fi
# scripts/test greps '^[0-9]+ passed, [0-9]+ failed': keep that prefix.
if [ "$total_skip" -eq 0 ]; then
	echo "$total_pass passed, $total_fail failed"
else
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
fi
[ "$total_fail" -eq 0 ]
