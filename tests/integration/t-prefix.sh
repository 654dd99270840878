#!/usr/bin/env bash
# t-prefix: every path compiled into the programs follows ./configure. One
# build directory configured with --prefix=A and built, then configured
# again with --prefix=B and built with a plain `make`, gives programs that
# name B's config file and state folder, with nothing of A left in them;
# --sysconfdir and --localstatedir alone move them. Built from a copy of the
# sources in $T, so the tree's own build is never touched.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
have strings || bail "strings is not installed (binutils: scripts/setup.sh installs it)"
# The built-in default is what is tested: no config from the environment.
unset JUMPGATE_CONFIG

jg_src_copy "$T/src"
jg_autoreconf "$T/src"
mkdir -p "$T/b"
cd "$T/b" || bail "no build directory"

# build DESC CONFIGURE-ARGS...: configure this directory and make both
# programs; bails out when either fails (nothing after it can work).
build() {
	local desc=$1
	shift
	check "$desc: configure" "$T/src/configure" -q "$@" ||
		bail "configure $* failed"
	check "$desc: make" jg_make -s -j2 jumpgate jumpgated ||
		bail "make failed after configure $*"
}

# A config without StateDirectory: jumpgated names the built-in one.
printf 'LogLevel info\n' >"$T/nostate.conf"
chmod 0600 "$T/nostate.conf"

build "prefix A" --prefix="$T/A"
expect_error "A: jumpgate reads A's config by default" \
	"^jumpgate: cannot read config $T/A/etc/jumpgate/jumpgate\.conf: " \
	./jumpgate sessions
expect_error "A: so does jumpgated" \
	"^jumpgated: cannot read config $T/A/etc/jumpgate/jumpgate\.conf: " \
	./jumpgated -f
expect_error "A: the default StateDirectory is under A's localstatedir" \
	"^jumpgated: StateDirectory $T/A/var/lib/jumpgate: " \
	./jumpgated -f -c "$T/nostate.conf"

build "prefix B, same build directory" --prefix="$T/B"
expect_error "B: jumpgate reads B's config by default" \
	"^jumpgate: cannot read config $T/B/etc/jumpgate/jumpgate\.conf: " \
	./jumpgate sessions
expect_error "B: so does jumpgated" \
	"^jumpgated: cannot read config $T/B/etc/jumpgate/jumpgate\.conf: " \
	./jumpgated -f
expect_error "B: the default StateDirectory is under B's localstatedir" \
	"^jumpgated: StateDirectory $T/B/var/lib/jumpgate: " \
	./jumpgated -f -c "$T/nostate.conf"
is "B: nothing of prefix A is left in the programs" \
	"$(strings jumpgate jumpgated | grep -c "$T/A/")" 0

build "--sysconfdir and --localstatedir" --prefix="$T/B" \
	--sysconfdir="$T/C/etc" --localstatedir="$T/C/var"
expect_error "C: the config follows --sysconfdir" \
	"^jumpgate: cannot read config $T/C/etc/jumpgate/jumpgate\.conf: " \
	./jumpgate sessions
expect_error "C: the state folder follows --localstatedir" \
	"^jumpgated: StateDirectory $T/C/var/lib/jumpgate: " \
	./jumpgated -f -c "$T/nostate.conf"
