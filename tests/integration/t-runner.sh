#!/usr/bin/env bash
# t-runner: tests/run-tests.sh counts right: a script that ran no check (no
# output at all, or only skips) fails, a skip is counted and shown in the
# closing line "N passed, N failed, N skipped", a failed check fails the run,
# and without skips the closing line is exactly "N passed, N failed".  And
# scripts/test prints that line once, as its last line, also after make's
# "*** Error" lines and when the build fails ("0 passed, 1 failed").  The
# scripts it runs are throwaway ones written into $T (no lib.sh: they must
# not wait for the integration lock this script holds).
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

S=$T/scripts
mkdir -p "$S" "$T/build"

# mk NAME BODY: the script $S/t-NAME.sh with BODY.
mk() {
	printf '#!/usr/bin/env bash\n%s\n' "$2" >"$S/t-$1.sh"
}
mk none 'echo "# nothing to check here"; exit 0'
mk onlyskip 'echo "ok 1 - a thing # SKIP not here"; echo 1..1'
mk skip 'echo "ok 1 - a thing # SKIP not here"; echo "ok 2 - another"; echo 1..2'
mk pass 'echo "ok 1 - one"; echo "ok 2 - two"; echo 1..2'
mk fail 'echo "ok 1 - one"; echo "not ok 2 - two"; echo 1..2; exit 1'

# runner OUTFILE TEST...: run the runner with its logs in $T/build; its
# exit status is left in RC.
runner() {
	local out=$1
	shift
	JG_BUILDDIR=$T/build JG_TEST_TIMEOUT=60 \
		bash "$JG_SRCDIR/tests/run-tests.sh" "$@" >"$out" 2>&1
	RC=$?
	diag "run-tests.sh $* (exit $RC):" "$(cat "$out")"
}

# last_line FILE
last_line() {
	tail -n 1 "$1"
}

# A script that printed no check at all.
runner "$T/none.out" "$S/t-none.sh"
is "no check: the run fails" "$RC" 1
# (the runner counts its own verdict as the one check)
check "no check: FAIL ... ran no check" \
	grep -Eq '^FAIL t-none \(1 check, 1 failed: ran no check,' "$T/none.out"
is "no check: closing line" "$(last_line "$T/none.out")" "0 passed, 1 failed"
check "no check: the log says why" \
	grep -qx 'not ok - t-none ran no check' "$T/build/tests/logs/t-none.log"

# A script whose only check was skipped ran no check either.
runner "$T/onlyskip.out" "$S/t-onlyskip.sh"
is "only a skip: the run fails" "$RC" 1
check "only a skip: FAIL ... ran no check" \
	grep -Eq '^FAIL t-onlyskip \(1 check, 1 skipped, 1 failed: ran no check,' \
	"$T/onlyskip.out"
is "only a skip: closing line" "$(last_line "$T/onlyskip.out")" \
	"0 passed, 1 failed, 1 skipped"

# A skip beside a passing check: the run passes, the skip is counted in the
# closing line and nowhere else.
runner "$T/skip.out" "$S/t-skip.sh"
is "a skip: the run passes" "$RC" 0
check "a skip: PASS with the skip counted" \
	grep -Eq '^PASS t-skip \(1 check, 1 skipped,' "$T/skip.out"
is "a skip: closing line" "$(last_line "$T/skip.out")" \
	"1 passed, 0 failed, 1 skipped"
is "a skip: no separate 'N skipped' line" \
	"$(grep -Ec '^[0-9]+ skipped' "$T/skip.out")" 0
check "a skip: the closing line is what scripts/test picks" \
	grep -Eq '^[0-9]+ passed, [0-9]+ failed' <(last_line "$T/skip.out")

# Passing checks only: the closing line is exactly "N passed, N failed".
runner "$T/pass.out" "$S/t-pass.sh"
is "passing: the run passes" "$RC" 0
check "passing: PASS t-pass (2 checks" \
	grep -Eq '^PASS t-pass \(2 checks,' "$T/pass.out"
is "passing: closing line" "$(last_line "$T/pass.out")" "2 passed, 0 failed"

# A failed check fails the run and shows the end of the log.
runner "$T/fail.out" "$S/t-fail.sh"
is "failing: the run fails" "$RC" 1
check "failing: FAIL t-fail (2 checks, 1 failed" \
	grep -Eq '^FAIL t-fail \(2 checks, 1 failed,' "$T/fail.out"
check "failing: the log's end is shown" \
	grep -Fq '  | not ok 2 - two' "$T/fail.out"
is "failing: closing line" "$(last_line "$T/fail.out")" "1 passed, 1 failed"

# All of them in one run: the totals add up, failures are named.
runner "$T/all.out" "$S/t-none.sh" "$S/t-onlyskip.sh" "$S/t-skip.sh" \
	"$S/t-pass.sh" "$S/t-fail.sh"
is "together: the run fails" "$RC" 1
check "together: the failed ones are named" \
	grep -Eq '^failed: t-none t-onlyskip t-fail \(logs in ' "$T/all.out"
is "together: closing line" "$(last_line "$T/all.out")" \
	"4 passed, 3 failed, 2 skipped"

# scripts/test with TESTS set to one throwaway script: its summary line is
# printed once, last (make check prints it, and scripts/test used to repeat
# it). The runner's logs of these go to the tree's tests/logs (make check's
# own), and are removed afterwards.
SUMMARY_RE='^[0-9]+ passed, [0-9]+ failed'
mk st-pass 'echo "ok 1 - one"; echo "ok 2 - two"; echo 1..2'
mk st-fail 'echo "ok 1 - one"; echo "not ok 2 - two"; echo 1..2; exit 1'
# st OUTFILE SCRIPT TEST...: run SCRIPT (a scripts/test) with TESTS, outside
# the make that may be running us (its jobserver is not ours); exit status
# in RC.
st() {
	local out=$1 script=$2
	shift 2
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TMPDIR="$T" TESTS="$*" \
		JG_TEST_TIMEOUT=60 timeout 300 bash "$script" </dev/null >"$out" 2>&1
	RC=$?
	diag "scripts/test, TESTS=$* (exit $RC):" "$(cat "$out")"
}
st "$T/st-pass.out" "$JG_SRCDIR/scripts/test" "$S/t-st-pass.sh"
is "scripts/test, passing: exit 0" "$RC" 0
is "scripts/test, passing: the summary once" \
	"$(grep -Ec "$SUMMARY_RE" "$T/st-pass.out")" 1
is "scripts/test, passing: it is the last line" \
	"$(last_line "$T/st-pass.out")" "2 passed, 0 failed"

st "$T/st-fail.out" "$JG_SRCDIR/scripts/test" "$S/t-st-fail.sh"
check "scripts/test, failing: a non-zero exit" test "$RC" -ne 0
is "scripts/test, failing: the summary once" \
	"$(grep -Ec "$SUMMARY_RE" "$T/st-fail.out")" 1
is "scripts/test, failing: make's error line comes before it" \
	"$(tail -n 2 "$T/st-fail.out" | head -n 1 | grep -c '^make.*\*\*\*')" 1
is "scripts/test, failing: the last line" \
	"$(last_line "$T/st-fail.out")" "1 passed, 1 failed"
rm -f "$JG_BUILDDIR/tests/logs/t-st-pass.log" "$JG_BUILDDIR/tests/logs/t-st-fail.log"

# A failed build (a copy of scripts/ in a folder with nothing to build):
# "0 passed, 1 failed", once and last, and the build's own error shown.
mkdir -p "$T/nobuild/scripts"
cp "$JG_SRCDIR/scripts/test" "$JG_SRCDIR/scripts/setup.sh" "$T/nobuild/scripts/"
st "$T/st-nobuild.out" "$T/nobuild/scripts/test" "$S/t-st-pass.sh"
is "scripts/test, build fails: exit 1" "$RC" 1
is "scripts/test, build fails: the summary once" \
	"$(grep -Ec "$SUMMARY_RE" "$T/st-nobuild.out")" 1
is "scripts/test, build fails: the last line" \
	"$(last_line "$T/st-nobuild.out")" "0 passed, 1 failed"
check "scripts/test, build fails: the build's error is shown" \
	grep -q "configure.ac' is required" "$T/st-nobuild.out"
