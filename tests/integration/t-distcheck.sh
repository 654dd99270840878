#!/usr/bin/env bash
# t-distcheck: `make distcheck` passes. The tarball holds every file of the
# source tree that the build and the tests need; built from it in a VPATH
# build with the sources read-only, it passes make check, installs,
# uninstalls without leaving a file, and distclean leaves nothing. The
# whole suite takes ~13 minutes, so TESTS narrows distcheck's make check to
# the unit tests, t-install and t-man (a plain `make distcheck` runs all).
# Run on a copy of the sources in $T: the tree's own build is untouched.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
have tar || bail "tar is not installed"

jg_src_copy "$T/src"
# What the tree holds (before autoreconf adds its output): all of it but
# .gitignore must reach the tarball.
(cd "$T/src" && find . -type f ! -name .gitignore | sed 's|^\./||' | sort) \
	>"$T/tree.list"
jg_autoreconf "$T/src"
mkdir -p "$T/b"
cd "$T/b" || bail "no build directory"
check "configure" "$T/src/configure" -q || bail "configure failed"

# The nested scripts share this script's integration lock.
export JG_LOCK_OWNER=$$
tests='$(UNIT_TESTS) tests/integration/t-install.sh tests/integration/t-man.sh'
check "make distcheck TESTS='$tests'" jg_make -j2 distcheck TESTS="$tests"
dc=$T/distcheck.out
cat "$OUT" "$ERR" >"$dc"
diag "make distcheck: $(grep -E '^(PASS|FAIL) |^[0-9]+ passed, ' "$dc")"
check "distcheck says the archive is ready" \
	grep -q 'archives ready for distribution' "$dc"
check "its make check ran from the tarball's VPATH build" \
	grep -q "_build/sub" "$dc"
for t in test-config test-store t-install t-man; do
	check "its make check ran $t and passed it" grep -Eq "^PASS $t " "$dc"
done
check "its make check ended with nothing failed" \
	grep -Eq '^[0-9]+ passed, 0 failed$' "$dc"

tarball=$(ls jumpgate-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || bail "no tarball in $T/b"
tar -tzf "$tarball" | sed -e 's|^[^/]*/||' -e '/\/$/d' -e '/^$/d' | sort \
	>"$T/tar.list"
is "every file of the source tree is in the tarball" \
	"$(comm -23 "$T/tree.list" "$T/tar.list" | tr '\n' ' ')" ""
is "the tarball holds no build output" \
	"$(grep -E '\.(o|a|log)$|(^|/)\.deps/|(^|/)tests/logs/|^man/|^etc/jumpgated\.service$' \
		"$T/tar.list" | tr '\n' ' ')" ""
