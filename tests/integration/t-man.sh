#!/usr/bin/env bash
# t-man: the man pages jumpgate(1), jumpgated(8) and jumpgate.conf(5) are
# clean mdoc (mandoc -Tlint), say what the code does (every command, every
# config keyword and every option letter the code has is in its page, and
# the pages list nothing the code lacks: all read from the code here, no
# list kept in this script), and `make install` installs them, with the
# build's paths, where man finds them.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

have mandoc || bail "mandoc is not installed (scripts/setup.sh installs it)"
S=$JG_SRCDIR
pages=(doc/jumpgate.1 doc/jumpgated.8 doc/jumpgate.conf.5)

# same DESC CODE-LIST PAGE-LIST: two lists of lines hold the same set;
# else the lines only one side has are named.
same() {
	local desc=$1 only_code only_page
	only_code=$(comm -23 <(sort -u <<<"$2") <(sort -u <<<"$3"))
	only_page=$(comm -13 <(sort -u <<<"$2") <(sort -u <<<"$3"))
	if [ -z "$only_code$only_page" ]; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc" "in the code, not in the page: ${only_code:-none}" \
		"in the page, not in the code: ${only_page:-none}"
	return 1
}

# ---------------------------------------------------------------- (a) lint

# At the warning level and above mandoc must say nothing at all. At the
# style level it also looks for every page an .Xr names among the manuals
# installed on this machine: our own three are not installed there (and
# mandoc has no option to look elsewhere), and "outdated mandoc.db" is
# about this machine's index. Those lines are about the machine, not the
# page; anything else fails.
for p in "${pages[@]}"; do
	check "$p: mandoc -Tlint -Wwarning prints nothing and exits 0" \
		mandoc -Tlint -Wwarning "$S/$p"
	is "$p: mandoc -Tlint -Wwarning output" "$(cat "$OUT" "$ERR")" ""
	mandoc -Tlint "$S/$p" >"$T/lint" 2>&1
	is "$p: mandoc -Tlint, style level: nothing but lookups of our own pages" \
		"$(grep -v -E -e 'STYLE: referenced manual not found: Xr (jumpgate 1|jumpgated 8|jumpgate\.conf 5)( \([0-9]+ times\))?$' \
			-e 'outdated mandoc\.db lacks [^ ]+ entry' "$T/lint")" ""
done

# ---------------------------------------------------------------- (b) commands

# page_cmds PAGE SECTION: the command words of every item of the .Sh
# SECTION of PAGE: ".It Cm user key add Ar name ..." (or ".It Xo" then
# ".Cm ...") gives "user key add", the lowercase words before the first
# macro or argument.
page_cmds() {
	awk -v sec="$2" '
	function emit(text,   n, i, w, out) {
		n = split(text, w, " ")
		out = ""
		for (i = 1; i <= n && w[i] ~ /^[a-z]+$/; i++)
			out = out (out == "" ? "" : " ") w[i]
		if (out != "")
			print out
	}
	/^\.Sh / { insec = (substr($0, 5) == sec); xo = 0; next }
	!insec { next }
	xo && /^\.Cm / { emit(substr($0, 5)) }
	{ xo = 0 }
	/^\.It Xo$/ { xo = 1; next }
	/^\.It Cm / { emit(substr($0, 8)) }
	' "$1"
}

# The host tool's commands: the table cli_commands[] of cli/jumpgate.c ...
code_top=$(awk '/cli_commands\[\] = \{/, /^\};/' "$S/cli/jumpgate.c" |
	grep -oE '\{ *"[a-z]+",' | grep -oE '[a-z]+')
# ... and the sub-commands their cmd-*.c files compare words with: a word
# in argv[1] within cmd_GROUP() is "GROUP WORD"; one in argv[2] within a
# function GROUP_SUB() is "GROUP SUB WORD" (user_key: user key add).
# Options ("--json", "-h") are not commands.
code_sub=$(awk '
	/^[a-z_][a-z0-9_]*\(/ { fn = $0; sub(/\(.*/, "", fn) }
	{
		line = $0
		while (match(line, /strcmp\(argv\[[12]\], "[a-z][a-z-]*"\)/)) {
			m = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			n = substr(m, 13, 1)
			w = m
			sub(/^[^"]*"/, "", w)
			sub(/".*/, "", w)
			g = fn
			if (n == 1 && g ~ /^cmd_/) {
				sub(/^cmd_/, "", g)
				print g " " w
			} else if (n == 2 && g !~ /^cmd_/) {
				gsub(/_/, " ", g)
				print g " " w
			}
		}
	}' "$S"/cli/cmd-*.c)
# The gateway's commands: the words command*.c compares argv[0] with.
code_gw=$(cat "$S"/gateway/command*.c |
	grep -oE 'strcmp\(argv\[0\], "[a-z]+"\)' | grep -oE '"[a-z]+"' | tr -d '"')

[ "$(wc -l <<<"$code_top")" -ge 10 ] ||
	bail "found only these commands in cli/jumpgate.c: $code_top"
[ "$(wc -l <<<"$code_sub")" -ge 10 ] ||
	bail "found only these sub-commands in cli/cmd-*.c: $code_sub"
[ "$(wc -l <<<"$code_gw")" -ge 5 ] ||
	bail "found only these gateway commands in gateway/command*.c: $code_gw"
diag "host commands: $(tr '\n' ' ' <<<"$code_top")" \
	"sub-commands: $(tr '\n' ',' <<<"$code_sub")" \
	"gateway commands: $(tr '\n' ' ' <<<"$code_gw")"

page_host=$(page_cmds "$S/doc/jumpgate.1" COMMANDS)
page_gw=$(page_cmds "$S/doc/jumpgate.1" "THROUGH THE GATEWAY")
# Every item of the page is a command of the code, as it stands ...
same "jumpgate(1) COMMANDS lists the host tool's commands and sub-commands" \
	"$(printf '%s\n' "$code_top" "$code_sub" |
		grep -Fx -f <(printf '%s\n' "$page_host"))" \
	"$page_host"
# ... and every command of the code has an item of its own or, for a
# group, items for its sub-commands.
missing=()
while IFS= read -r c; do
	grep -qE "^$c( |$)" <<<"$page_host" || missing+=("$c")
done < <(printf '%s\n' "$code_top" "$code_sub")
is "every host command and sub-command of the code is in jumpgate(1)" \
	"${missing[*]-}" ""
same "jumpgate(1) THROUGH THE GATEWAY lists exactly the gateway's commands" \
	"$code_gw" "$page_gw"

# ---------------------------------------------------------------- (c) keywords

code_kw=$(grep -oE 'strcasecmp\(k, "[A-Za-z]+"\)' "$S/common/config.c" |
	grep -oE '"[A-Za-z]+"' | tr -d '"')
[ "$(wc -l <<<"$code_kw")" -ge 10 ] ||
	bail "found only these keywords in common/config.c: $code_kw"
page_kw=$(sed -n 's/^\.It Cm \([A-Za-z]*\).*/\1/p' "$S/doc/jumpgate.conf.5")
same "jumpgate.conf(5) has an item for exactly the keywords of common/config.c" \
	"$code_kw" "$page_kw"

# ---------------------------------------------------------------- (d) options

# opt_letters FILE: the letters of FILE's getopt string; long_opts FILE:
# the names of its struct option table, if it has one.
opt_letters() {
	grep -oE 'getopt(_long)?\(argc, argv, "[^"]*"' "$1" |
		sed 's/.*"\(.*\)"/\1/' | tr -d ':+' | grep -o .
}
long_opts() {
	grep -oE '\{ *"[a-z][a-z-]*", *(no|required|optional)_argument' "$1" |
		grep -oE '"[a-z-]+"' | tr -d '"'
}
# page_has_opts DESC PAGE LETTERS LONG: each letter is an ".It Fl X" item
# and each long option is "Fl -NAME" somewhere in PAGE.
page_has_opts() {
	local desc=$1 page=$2 l missing=()
	for l in $3; do
		grep -qE "^\.It Fl $l( |$)" "$page" || missing+=("-$l")
	done
	for l in $4; do
		grep -qE "Fl (.* )?-$l( |$)" "$page" || missing+=("--$l")
	done
	is "$desc" "${missing[*]-}" ""
}
jgd_letters=$(opt_letters "$S/gateway/jumpgated.c")
[ -n "$jgd_letters" ] || bail "no getopt string in gateway/jumpgated.c"
diag "jumpgated options: $(tr '\n' ' ' <<<"$jgd_letters")"
page_has_opts "every option of jumpgated's getopt string is in jumpgated(8)" \
	"$S/doc/jumpgated.8" "$jgd_letters" "$(long_opts "$S/gateway/jumpgated.c")"
jg_letters=$(opt_letters "$S/cli/jumpgate.c")
[ -n "$jg_letters" ] || bail "no getopt string in cli/jumpgate.c"
page_has_opts "every option of jumpgate's getopt string is in jumpgate(1)" \
	"$S/doc/jumpgate.1" "$jg_letters" "$(long_opts "$S/cli/jumpgate.c")"

# ---------------------------------------------------------------- (e) install

cd "$JG_BUILDDIR" || bail "no build directory"
check "make install with a prefix" make -s install prefix="$T/p"
for m in man1/jumpgate.1 man8/jumpgated.8 man5/jumpgate.conf.5; do
	f=$T/p/share/man/$m
	check "$m is installed" test -f "$f"
	name=${m#*/}
	title=$(tr a-z A-Z <<<"${name%.*}")\(${name##*.}\)
	check_outf "mandoc renders the installed $name" "$title" \
		mandoc -Tutf8 "$f"
	check "the installed $name is clean too" mandoc -Tlint -Wwarning "$f"
done
check_outf "man -l finds the installed jumpgated(8) and renders it" \
	"JUMPGATED(8)" env MANPAGER=cat PAGER=cat man -l "$T/p/share/man/man8/jumpgated.8"
check "the installed jumpgate.conf(5) names this install's config" \
	grep -qF "Pa $T/p/etc/jumpgate/jumpgate.conf" "$T/p/share/man/man5/jumpgate.conf.5"
check "the installed jumpgated(8) names this install's state folder" \
	grep -qF "Pa $T/p/var/lib/jumpgate/jumpgated.pid" "$T/p/share/man/man8/jumpgated.8"
check_outf "man finds the pages under the prefix" "$T/p/share/man/man5/jumpgate.conf.5" \
	env MANPATH="$T/p/share/man" man -w 5 jumpgate.conf
check "make uninstall" make -s uninstall prefix="$T/p"
is "uninstall removes the man pages" \
	"$(find "$T/p/share/man" -type f 2>/dev/null | wc -l)" 0
# The build's own copies were made for $T/p above: make them again.
check "make" make -s
is "the build's pages name the configured paths again" \
	"$(grep -lF "$T/p" man/* | tr '\n' ' ')" ""
