#!/usr/bin/env bash
# t-install: `make install` honours prefix and DESTDIR and writes exactly
# its files: jumpgate in bindir, jumpgated in sbindir, the sample config as
# sysconfdir/jumpgate/jumpgate.conf.sample (refreshed by every install, the
# operator's jumpgate.conf never touched), the systemd unit in
# datadir/jumpgate with the installed paths, and the three man pages;
# `make uninstall` removes them all.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

# What an install under PREFIX holds, relative to PREFIX.
installed() {
	printf './%s ' bin/jumpgate etc/jumpgate/jumpgate.conf.sample \
		sbin/jumpgated share/jumpgate/jumpgated.service \
		share/man/man1/jumpgate.1 share/man/man5/jumpgate.conf.5 \
		share/man/man8/jumpgated.8
}
files_in() {
	(cd "$1" && find . -type f | sort | tr '\n' ' ')
}

cd "$JG_BUILDDIR" || bail "no build directory"
check "make install with a prefix" make -s install prefix="$T/p"
is "jumpgate is in bindir" "$(test -x "$T/p/bin/jumpgate" && echo yes)" yes
is "jumpgated is in sbindir" "$(test -x "$T/p/sbin/jumpgated" && echo yes)" yes
is "exactly the programs, the sample config, the unit and the man pages" \
	"$(files_in "$T/p")" "$(installed)"
check_out "the installed tool runs" '^usage: jumpgate' "$T/p/bin/jumpgate" -h

unit=$T/p/share/jumpgate/jumpgated.service
is "the unit starts the installed jumpgated with the installed config" \
	"$(grep '^ExecStart=' "$unit")" \
	"ExecStart=$T/p/sbin/jumpgated -f -c $T/p/etc/jumpgate/jumpgate.conf"
is "the unit lets the daemon write the prefix's state folder" \
	"$(grep '^ReadWritePaths=' "$unit")" \
	"ReadWritePaths=$T/p/var/lib/jumpgate"
is "no placeholder is left in the unit" "$(grep -c '@[a-z]*@' "$unit")" 0
# glibc ignores a tunable it does not know, silently: the unit's must be
# one this glibc's loader lists, at the value the unit gives.
tun=$(sed -n 's/^Environment=GLIBC_TUNABLES=//p' "$unit")
ldso=$(ldd "$T/p/sbin/jumpgated" | awk '/ld-linux/ { print $1 }')
is "the unit's glibc tunable is one the loader knows, at its value" \
	"$(GLIBC_TUNABLES=$tun "$ldso" --list-tunables |
		awk -v n="${tun%%=*}:" '$1 == n { print $2 }')" "${tun#*=}"
sample=$T/p/etc/jumpgate/jumpgate.conf.sample
is "the sample names the prefix's state folder" \
	"$(grep '^StateDirectory' "$sample")" "StateDirectory $T/p/var/lib/jumpgate"
# The sample is a config the tools accept as it is: they get as far as
# looking for the state it names.
expect_error "the tool reads the installed sample" \
	"no database at $T/p/var/lib/jumpgate/jumpgate\.db" \
	"$T/p/bin/jumpgate" -c "$sample" sessions

# An operator's config survives every install; the sample is refreshed.
conf=$T/p/etc/jumpgate/jumpgate.conf
printf '# the operator'"'"'s own\nLogLevel verbose\n' >"$conf"
chmod 0600 "$conf"
before=$(stat -c '%a %s %Y' "$conf")$(sha256sum <"$conf")
echo "# edited by hand" >>"$sample"
check "make install again over an existing config" make -s install prefix="$T/p"
is "the existing jumpgate.conf is untouched" \
	"$(stat -c '%a %s %Y' "$conf")$(sha256sum <"$conf")" "$before"
check "the sample is refreshed" cmp "$sample" "$JG_BUILDDIR/etc/jumpgate.conf.sample"
check "make uninstall" make -s uninstall prefix="$T/p"
is "uninstall removes all it installed, and only that" \
	"$(files_in "$T/p")" "./etc/jumpgate/jumpgate.conf "

check "make install with DESTDIR" make -s install DESTDIR="$T/d" prefix=/opt/jg
is "DESTDIR holds everything, under the prefix" \
	"$(files_in "$T/d/opt/jg")" "$(installed)"
is "nothing is written beside the prefix under DESTDIR" \
	"$(cd "$T/d" && find . -type f ! -path './opt/jg/*' | wc -l)" 0
is "the unit names the real path, not DESTDIR" \
	"$(grep '^ExecStart=' "$T/d/opt/jg/share/jumpgate/jumpgated.service")" \
	"ExecStart=/opt/jg/sbin/jumpgated -f -c /opt/jg/etc/jumpgate/jumpgate.conf"
is "nothing was written to the real prefix" "$(test -e /opt/jg && echo exists)" ""
check "make uninstall with DESTDIR" make -s uninstall DESTDIR="$T/d" prefix=/opt/jg
is "uninstall removes everything" "$(cd "$T/d" && find . -type f | wc -l)" 0

# The build's own files name the configured paths again (they were made
# for $T/p and /opt/jg above).
check "make" make -s
is "the build's unit is back to the configured paths" \
	"$(grep -c -e "$T/p" -e /opt/jg etc/jumpgated.service)" 0
