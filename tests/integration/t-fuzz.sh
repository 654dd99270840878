#!/usr/bin/env bash
# t-fuzz: every libFuzzer harness (tests/fuzz/) builds with clang, ASan and
# UBSan, replays its regression inputs (tests/fuzz/regress/NAME/: each
# crash ever found) and fuzzes for JG_FUZZ_SECONDS (default 5) without a
# crash. scripts/fuzz NAME SECONDS runs one for longer.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
secs=${JG_FUZZ_SECONDS:-5}
export JG_FUZZ_DIR=${JG_FUZZ_DIR:-$JG_BUILDDIR/build-fuzz}
FUZZ=$JG_SRCDIR/scripts/fuzz
check "the harnesses build with clang, libFuzzer, ASan and UBSan" "$FUZZ" --build ||
	bail "the fuzz build failed: $(tail -n 5 "$JG_FUZZ_DIR/make.log" 2>/dev/null)"
names=$("$FUZZ" --list)
[ "$(grep -c . <<<"$names")" -ge 10 ] || bail "scripts/fuzz --list: $names"
# Every harness in tests/fuzz/ is run (fuzz-seeds.c writes seeds, no harness).
srcs=$(cd "$JG_SRCDIR/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//' |
	grep -vx seeds | sort)
is "every harness of tests/fuzz/ is in scripts/fuzz --list" \
	"$(sort <<<"$names" | tr '\n' ' ')" "$(tr '\n' ' ' <<<"$srcs")"
for n in $names; do
	out=$("$FUZZ" "$n" "$secs" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^$n: [0-9]* runs" <<<"$out"; then
		ok "fuzz-$n: ${out#"$n: "}"
	else
		not_ok "fuzz-$n finds no crash in ${secs} s" "$out"
	fi
done
