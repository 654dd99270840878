#!/usr/bin/env bash
# t-structure: the tree keeps the shape doc/architecture.md describes: the
# folders, small files that each say what they are for, headers whose
# prototypes sit under headings naming the files that define them, every
# message encoded only by its protocol module, and the message tables of
# the doc printed from the code itself.
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

# Headers are grouped tmux style: each prototype sits under a heading that
# names the file defining it ("/* a.c */", "/* a.c: what */", "/* a.c, b.c
# (dir/): what */", the folder from the top of the tree, without one the
# header's own). The function must begin at line start ("name(" after its
# return-type line), or be made by a macro called at line start with its
# name first (LOG_FN(log_error, ...)), in one of the files the heading
# names; static inline functions the header defines itself need none.
hdrs=()
for f in "${srcs[@]}"; do
	case $f in *.h) hdrs+=("$f") ;; esac
done
misplaced=$(/usr/bin/python3 - "$T/nproto" "${hdrs[@]}" <<'PY'
import os, re, sys

heading_re = re.compile(
    r'([\w.-]+\.c(?:\s*,\s*[\w.-]+\.c)*)(?:\s*\(([\w./-]+/)\))?\s*(?::|$)')
ident_re = re.compile(r'([A-Za-z_]\w*)\s*$')
bad, nproto = [], 0
for hdr in sys.argv[2:]:
    src = open(hdr, encoding='utf-8', errors='replace').read()
    # Comments and literals blanked (newlines kept); headings kept aside
    # with their offsets. A heading may open on the comment's second line.
    heads, out, i, n = [], [], 0, len(src)
    while i < n:
        if src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
            first = next((t for t in (l.strip().lstrip('*').strip()
                          for l in src[i + 2:j - 2].split('\n')) if t), '')
            m = heading_re.match(first)
            if m:
                heads.append((i, first if len(first) <= 60 else
                              first[:57] + '...',
                              [f.strip() for f in m.group(1).split(',')],
                              m.group(2) or os.path.dirname(hdr) + '/'))
            out.append(re.sub(r'[^\n]', ' ', src[i:j]))
            i = j
        elif src[i] in '"\'':
            j = i + 1
            while j < n and src[j] != src[i]:
                j += 2 if src[j] == '\\' else 1
            out.append(' ' * (j + 1 - i))
            i = j + 1
        else:
            out.append(src[i])
            i += 1
    # Preprocessor lines (and their continuations) and whole-line macro
    # calls such as PROTO_TYPED(...) declare nothing here.
    lines, cont = ''.join(out).split('\n'), False
    for k, l in enumerate(lines):
        pp = cont or l.lstrip().startswith('#')
        cont = pp and l.rstrip().endswith('\\')
        if pp or re.match(r'\s*[A-Z][A-Z0-9_]*\(.*\)\s*$', l):
            lines[k] = ' ' * len(l)
    code = '\n'.join(lines)
    # Top-level declarations end at a ';' outside braces and parentheses;
    # a body closed at the top level after a parameter list is an inline
    # function defined here.
    decls, start, brace, paren = [], None, 0, 0
    for k, c in enumerate(code):
        if c.isspace():
            continue
        if start is None:
            start = k
        if c == '(':
            paren += 1
        elif c == ')':
            paren -= 1
        elif c == '{':
            brace += 1
        elif c == '}':
            brace -= 1
            if brace == 0 and '(' in code[start:code.index('{', start)]:
                start = None
        elif c == ';' and brace == 0 and paren == 0:
            decls.append((start, ' '.join(code[start:k].split())))
            start = None
    for pos, d in decls:
        if re.match(r'(typedef|extern|static)\b', d) or '{' in d or '=' in d:
            continue
        p = d.find('(')
        m = ident_re.search(d[:p]) if p > 0 else None
        if not m or d[p + 1:].lstrip().startswith('*'):
            continue  # no function: a pointer to one, say
        name = m.group(1)
        nproto += 1
        h = [x for x in heads if x[0] < pos]
        if not h:
            bad.append('%s: %s() is under no /* NAME.c */ heading'
                       % (hdr, name))
            continue
        title, files, folder = h[-1][1:]
        paths = [os.path.normpath(folder + f) for f in files]
        defn = re.compile(r'^(?:%s\(|[A-Z][A-Z0-9_]*\(\s*%s\s*[,)])' %
                          (re.escape(name), re.escape(name)), re.M)
        found = False
        for path in paths:
            if not os.path.isfile(path):
                bad.append('%s: the heading /* %s */ names %s, which is '
                           'not there' % (hdr, title, path))
            elif defn.search(open(path, encoding='utf-8',
                                  errors='replace').read()):
                found = True
        if not found:
            bad.append('%s: %s() is under /* %s */ but not defined in %s%s'
                       % (hdr, name, title, 'any of ' if paths[1:] else '',
                          ', '.join(paths)))
for b in dict.fromkeys(bad):
    print(b)
open(sys.argv[1], 'w').write('%d\n' % nproto)
PY
)
rc=$?
check "the header check ran over ${#hdrs[@]} headers (status $rc)" \
	test "$rc" -eq 0 -a "${#hdrs[@]}" -ge 10
nproto=$(cat "$T/nproto" 2>/dev/null)
check "the header check found the prototypes (${nproto:-none})" \
	test "${nproto:-0}" -ge 400
is "every prototype sits under a heading naming the file that defines it" \
	"$misplaced" ""

# Frames are queued only by the message layer and the protocol codec.
queued=$(grep -ln 'msg_queue\(_buf\)\?(' "${srcs[@]}" |
	grep -v -e '^common/msg.c$' -e '^common/proto.c$' -e '^common/jumpgate.h$')
is "only common/proto.c queues messages (no hand-made frames)" "$queued" ""
# ... and the processes read no length or type off the wire by hand: a
# big-endian integer is decoded by buf.c, msg.c and the proto modules
# (keeper-cred.c reads the stored OpenSSH key format, not a message).
handmade=$(grep -ln '<< 24' gateway/*.c vault/*.c | grep -v '^vault/keeper-cred.c$')
is "gateway/ and vault/ decode no frame header by hand" "$handmade" ""

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
