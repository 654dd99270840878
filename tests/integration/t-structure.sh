#!/usr/bin/env bash
# t-structure: the tree keeps the shape doc/architecture.md describes: the
# folders, small files that each say what they are for, every message
# encoded only by its protocol module, and the message tables of the doc
# printed from the code itself.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
cd "$JG_SRCDIR" || bail "no source directory"

for d in gateway vault recorder replay cli common etc tests doc scripts bench; do
	check "folder $d/ is there" test -d "$d"
done

# Sources outside tests/: at most 900 lines, and a first line that names
# the file and says what it is for ("/* name.c: ...").
mapfile -t srcs < <(find gateway vault recorder replay cli common -name '*.[ch]' | sort)
[ "${#srcs[@]}" -gt 50 ] || bail "found only ${#srcs[@]} source files"
long=() unnamed=()
for f in "${srcs[@]}"; do
	[ "$(wc -l <"$f")" -le 900 ] || long+=("$f")
	head -n 1 "$f" | grep -Eq "^/\* $(basename "$f" | sed 's/\./\\./g'): .+" ||
		unnamed+=("$f")
done
is "no source file outside tests/ is over 900 lines" "${long[*]-}" ""
is "every source file opens with a line saying what it is for" \
	"${unnamed[*]-}" ""

# Frames are queued only by the message layer and the protocol codec.
queued=$(grep -ln 'msg_queue\(_buf\)\?(' "${srcs[@]}" |
	grep -v -e '^common/msg.c$' -e '^common/proto.c$' -e '^common/jumpgate.h$')
is "only common/proto.c queues messages (no hand-made frames)" "$queued" ""

# The doc's message tables are the code's.
"$JG_BUILDDIR/tests/tools/proto-doc" >"$T/tables.md" ||
	bail "proto-doc failed"
sed -n '/<!-- proto tables: begin -->/,/<!-- proto tables: end -->/p' \
	doc/architecture.md | sed '1d;$d' >"$T/doc.md"
check "doc/architecture.md has the message tables" test -s "$T/doc.md"
if diff -u "$T/doc.md" "$T/tables.md" >"$T/diff" 2>&1; then
	ok "the message tables of doc/architecture.md match the code"
else
	not_ok "the message tables of doc/architecture.md match the code" \
		"$(head -n 40 "$T/diff")"
fi
nw=$(sed -n '/^enum msg_wm_type {/,/^};/p' "$JG_SRCDIR/common/proto.h" |
	grep -cE '^[[:space:]]*MSG_W_[A-Z_]+( = [0-9]+)?,')
check "the code has worker messages ($nw)" test "$nw" -ge 15
check "every worker message of the code is in the doc" \
	test "$(grep -c '^| `W_' "$T/doc.md")" -eq "$nw"
