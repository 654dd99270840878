#!/usr/bin/env bash
# t-install: `make install` honours prefix and DESTDIR: jumpgate in bindir,
# jumpgated in sbindir, and nothing written anywhere else.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

cd "$JG_BUILDDIR" || bail "no build directory"
check "make install with a prefix" make -s install prefix="$T/p"
is "jumpgate is in bindir" "$(test -x "$T/p/bin/jumpgate" && echo yes)" yes
is "jumpgated is in sbindir" "$(test -x "$T/p/sbin/jumpgated" && echo yes)" yes
is "nothing else is installed" "$(cd "$T/p" && find . -type f | sort | tr '\n' ' ')" \
	"./bin/jumpgate ./sbin/jumpgated "
check_out "the installed tool runs" '^usage: jumpgate' "$T/p/bin/jumpgate" -h
check "make install with DESTDIR" make -s install DESTDIR="$T/d" prefix=/opt/jg
is "DESTDIR holds everything, under the prefix" \
	"$(cd "$T/d" && find . -type f | sort | tr '\n' ' ')" \
	"./opt/jg/bin/jumpgate ./opt/jg/sbin/jumpgated "
is "nothing was written to the real prefix" "$(test -e /opt/jg && echo exists)" ""
check "make uninstall with DESTDIR" make -s uninstall DESTDIR="$T/d" prefix=/opt/jg
is "uninstall removes both" "$(cd "$T/d" && find . -type f | wc -l)" 0
