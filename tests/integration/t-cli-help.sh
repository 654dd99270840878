#!/usr/bin/env bash
# t-cli-help: both programs answer -h/--help and -V/--version with exit 0,
# and `jumpgate COMMAND -h` shows that command's usage and every option its
# code accepts, before any config is read (none exists here). The commands
# and options are read from the code, so a new one without help fails.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
[ -x "$JG" ] || bail "$JG not built"
[ -x "$JGD" ] || bail "$JGD not built"
export JUMPGATE_CONFIG=$T/no-such.conf
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$JG_BUILDDIR/config.h")
[ -n "$VERSION" ] || bail "no PACKAGE_VERSION in config.h"

for opt in -h --help; do
	check_out "jumpgate $opt shows the usage" '^usage: jumpgate ' "$JG" $opt
	check_out "jumpgated $opt shows the usage" '^usage: jumpgated ' "$JGD" $opt
done
for opt in -V --version; do
	check_out "jumpgate $opt" "^jumpgate $VERSION\$" "$JG" $opt
	check_out "jumpgated $opt" "^jumpgated $VERSION\$" "$JGD" $opt
done
check "jumpgate --bogus exits 2" sh -c "\"$JG\" --bogus >/dev/null 2>&1; [ \$? = 2 ]"
check "jumpgated --bogus exits 2" sh -c "\"$JGD\" --bogus >/dev/null 2>&1; [ \$? = 2 ]"
check "jumpgated -h names every option of its getopt string" sh -c '
	letters=$(grep -o "getopt_long(argc, argv, \"[^\"]*\"" "$1" |
		sed "s/.*\"\(.*\)\"/\1/" | tr -d ":K")
	[ -n "$letters" ] || exit 1
	for l in $(printf "%s" "$letters" | fold -w1); do
		"$2" -h | grep -q -- "-$l" || { echo "no -$l"; exit 1; }
	done' sh "$JG_SRCDIR/gateway/jumpgated.c" "$JGD"

# The command table of cli/jumpgate.c: { "name", cmd_fn }.
mapfile -t cmds < <(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", \(cmd_[a-z_]*\) },$/\1 \2/p' \
	"$JG_SRCDIR/cli/jumpgate.c")
[ "${#cmds[@]}" -ge 15 ] || bail "found only ${#cmds[@]} commands in cli/jumpgate.c"
declare -A help_of file_of
for c in "${cmds[@]}"; do
	name=${c% *} fn=${c#* }
	check_out "jumpgate $name -h: its usage, without a config" \
		"^usage: jumpgate $name( |\$)" "$JG" "$name" -h
	help_of[$name]=$(cat "$OUT")
	check_out "jumpgate $name --help" "^usage: jumpgate $name( |\$)" "$JG" "$name" --help
	f=$(grep -l "^$fn(" "$JG_SRCDIR"/cli/cmd-*.c)
	[ -n "$f" ] || { not_ok "$fn is defined in cli/cmd-*.c"; continue; }
	file_of[$f]+="$name "
done
check_out "help after other arguments too" '^usage: jumpgate approve' \
	"$JG" approve 3 --as bob -h
# Every option a command file scans appears in the help of one of the
# commands that file serves.
for f in "${!file_of[@]}"; do
	opts=$(grep -oE 'cli_(opt|flag)\(argc, argv, &[a-z]+, "-[-a-z]+"' "$f" |
		sed 's/.*"\(.*\)"/\1/' | sort -u)
	missing=
	for o in $opts; do
		found=0
		for name in ${file_of[$f]}; do
			grep -qE -- "(^|[ (|\[])$o([ =,]|\$)" <<<"${help_of[$name]}" && found=1
		done
		[ $found = 1 ] || missing+="$o "
	done
	is "$(basename "$f"): every option is in its help" "$missing" ""
done
check "a subcommand's help needs no config either" sh -c \
	"\"$JG\" vault rekey --help | grep -q 'vault rekey'"
