#!/usr/bin/env bash
# t-rec-cli: the host-side recording commands (verify, replay, export,
# search) on recordings made by tests/tools/mkrec (a session row, a sealed
# key and a scripted recording, as the gateway leaves them), every damage
# case (flipped byte, swapped file, cut file, no end mark), asciinema 2.2
# reading the export, the interactive player under tmux; then a real
# session through the gateway.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
# scripts/setup.sh installs these (script is in bsdutils): without one of
# them this fails, it does not skip.
for c in asciinema script tmux; do
	have "$c" || bail "$c is not installed (scripts/setup.sh installs it)"
done
jg_config
jg_init

MKREC=$JG_BUILDDIR/tests/tools/mkrec
[ -x "$MKREC" ] || bail "tests/tools/mkrec is not built (make check builds it)"
# mk runs in $(...): it cannot bail there, so each use is checked.
mk() { "$MKREC" "$@"; }
recfile() { printf '%s/rec/session-%s.jgrec' "$T" "$1"; }

# ---------------------------------------------------------------- intact
a=$(mk --long --expect "$T/a.expect") || bail "mkrec --long failed"
b=$(mk --user bob --target db02 --expect "$T/b.expect") || bail "mkrec --user bob failed"
check_out "verify: intact with duration and event count" \
	"^session $a: intact \\(00:00:26, 65 events\\)\$" "$JG" verify "$a"
check "replay --cat" "$JG" replay "$a" --cat
if cmp -s "$OUT" "$T/a.expect"; then
	ok "replay --cat prints exactly the output bytes, in order"
else
	not_ok "replay --cat prints exactly the output bytes, in order" \
		"$(cmp "$OUT" "$T/a.expect" 2>&1)"
fi
check "replay --cat --from 20" "$JG" replay "$a" --cat --from 20
is "--from 20 starts at the first line written at or after 20 s" \
	"$(head -n 1 "$OUT" | tr -d '\r')" "line 38 of the long listing"
check "replay --from 0:00:25 (HH:MM:SS)" "$JG" replay "$a" --cat \
	--from 0:00:25
is "--from 0:00:25 starts at line 48" "$(head -n 1 "$OUT" | tr -d '\r')" \
	"line 48 of the long listing"
start=$SECONDS
check_out "replay with timing at --speed 50: header line first" \
	"^session $a: alice@t1 as root, started .*, duration 00:00:26" \
	timeout 20 "$JG" replay "$a" --speed 50
if grep -q 'logout' "$OUT" && [ $((SECONDS - start)) -le 5 ]; then
	ok "replay --speed 50 plays all of a 26 s session within seconds"
else
	not_ok "replay --speed 50 plays all of a 26 s session within seconds" \
		"took $((SECONDS - start)) s" "$(_tail "$OUT")"
fi
start=$SECONDS
check_out "replay --idle-limit caps the gaps" 'logout' \
	timeout 20 "$JG" replay "$b" --idle-limit 0.05
[ $((SECONDS - start)) -le 3 ] && ok "idle-limited replay is quick" ||
	not_ok "idle-limited replay is quick" "took $((SECONDS - start)) s"
expect_usage "replay --speed 0 is a usage error" 'speed' \
	"$JG" replay "$a" --speed 0
expect_usage "replay --from nonsense is a usage error" 'from' \
	"$JG" replay "$a" --from 1:99
expect_usage "replay without an id" 'missing session ID' "$JG" replay
expect_error "replay of an unknown session" 'no such session: 999' \
	"$JG" replay 999 --cat

# ---------------------------------------------------------------- export
check "export -o FILE" "$JG" export "$a" --format asciicast -o "$T/a.cast"
is "the export is 0600" "$(stat -c %a "$T/a.cast")" 600
is "export -o leaves no temporary file" \
	"$(find "$T" -maxdepth 1 -name 'a.cast.*' | wc -l)" 0
if python3 - "$T/a.cast" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
h = json.loads(lines[0])
assert h["version"] == 2 and h["width"] == 80 and h["height"] == 24, h
assert isinstance(h["timestamp"], int) and "title" in h
assert h["env"]["TERM"] == "xterm-256color"
ev = [json.loads(l) for l in lines[1:]]
assert all(isinstance(e[0], float) and e[1] in "oir" for e in ev)
assert [e[0] for e in ev] == sorted(e[0] for e in ev)
ins = "".join(e[2] for e in ev if e[1] == "i")
assert ins == "echo h\u00e9llo\r", repr(ins)
assert ["r", "100x30"] in [e[1:] for e in ev]
out = "".join(e[2] for e in ev if e[1] == "o")
assert "h\u00e9llo w\u00f6rld \u2713" in out and "\ufffd" in out
EOF
then
	ok "export: valid asciicast v2 with o, i and r events and whole UTF-8"
else
	not_ok "export: valid asciicast v2 with o, i and r events and whole UTF-8"
fi
check "export to stdout" "$JG" export "$a"
cmp -s "$OUT" "$T/a.cast" && ok "stdout and -o give the same file" ||
	not_ok "stdout and -o give the same file"
expect_usage "export --format other is a usage error" 'unknown format' \
	"$JG" export "$a" --format json
python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read().decode("utf-8", "replace").encode())' \
	"$T/a.expect" >"$T/a.want"
timeout 30 script -qec "asciinema cat '$T/a.cast'" /dev/null \
	>"$T/a.acat" 2>&1
if cmp -s "$T/a.acat" "$T/a.want"; then
	ok "asciinema cat of the export prints the session output"
else
	not_ok "asciinema cat of the export prints the session output" \
		"$(cmp "$T/a.acat" "$T/a.want" 2>&1)" "$(_tail "$T/a.acat")"
fi

# ---------------------------------------------------------------- search
check_out "search: session, time offset and the stripped line" \
	"^$a  00:00:00  warning: disk 93% full\$" "$JG" search 'disk [0-9]+% full'
grep -q "^$b  00:00:00  warning: disk 93% full\$" "$OUT" &&
	ok "search covers every session" || not_ok "search covers every session"
check_out "search matches text whose escapes are stripped" \
	"^$a  00:00:00  alice@db01:~\\\$ echo h.*llo\$" \
	"$JG" search '^alice@db01:~\$ echo h.+llo$' --user alice
check_out "search gives the time of the line" \
	"^$a  00:00:21  line 40 of the long listing\$" "$JG" search 'line 40 '
check "search --user bob" "$JG" search disk --user bob
is "search --user filters sessions" "$(cut -d' ' -f1 "$OUT" | sort -u)" "$b"
check "search --target t1 with no match" "$JG" search 'no such text' \
	--target t1
is "no match prints nothing" "$(cat "$OUT")" ""
expect_error "a bad regex is one clear error" 'bad regular expression' \
	"$JG" search '(unclosed'
expect_error "search with a bad name" 'invalid name' "$JG" search x \
	--user ../x

# ---------------------------------------------------------------- damage
flip=$(mk --long) || bail "mkrec --long failed"
f=$(recfile "$flip")
sz=$(stat -c %s "$f")
printf '\x55' | dd of="$f" bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
swap=$(mk) || bail "mkrec failed"
cp "$(recfile "$a")" "$(recfile "$swap")"
cut=$(mk --long) || bail "mkrec --long failed"
truncate -s -200 "$(recfile "$cut")"
noend=$(mk --no-end) || bail "mkrec --no-end failed"
live=$(mk --live) || bail "mkrec --live failed"
none=$(mk --none) || bail "mkrec --none failed"
expect_error "verify: a flipped byte fails" 'failed verification' \
	"$JG" verify "$flip"
grep -Eq "^session $flip: chunk [0-9]+ fails authentication\$" "$OUT" &&
	ok "verify names the chunk that fails authentication" ||
	not_ok "verify names the chunk that fails authentication" "$(cat "$OUT")"
expect_error "verify: a swapped file fails" 'failed verification' \
	"$JG" verify "$swap"
is "verify says whose recording it is" "$(cat "$OUT")" \
	"session $swap: belongs to session $a, not $swap"
expect_error "verify: a cut file fails" 'failed verification' \
	"$JG" verify "$cut"
grep -Eq "^session $cut: truncated after 00:00:2[0-9] \\(no end mark\\)\$" \
	"$OUT" && ok "verify reports the cut file as truncated" ||
	not_ok "verify reports the cut file as truncated" "$(cat "$OUT")"
expect_error "verify: no end mark fails" 'failed verification' \
	"$JG" verify "$noend"
is "verify reports the missing end mark" "$(cat "$OUT")" \
	"session $noend: truncated after 00:00:01 (no end mark)"
check_out "verify: a live session is not a failure" \
	"^session $live: live: recording in progress\$" "$JG" verify "$live"
check_out "verify: a session without recording" \
	"^session $none: no recording\$" "$JG" verify "$none"
expect_error "verify --all fails when one fails" \
	'^jumpgate: 4 of 8 recordings failed verification$' "$JG" verify --all
is "verify --all reports every session" "$(grep -c '^session ' "$OUT")" 8
check "verify of intact ones exits 0" "$JG" verify "$a" "$b" "$live" "$none"
expect_error "verify of an unknown session" 'no such session: 999' \
	"$JG" verify "$a" 999
expect_usage "verify without ids" 'give session ids or --all' "$JG" verify
expect_usage "verify with a bad id" 'not a session id' "$JG" verify 1x

expect_error "replay refuses a tampered recording" \
	"session $flip: chunk [0-9]+ fails authentication: refusing" \
	"$JG" replay "$flip" --cat
[ ! -s "$OUT" ] && ok "and prints nothing of it" ||
	not_ok "and prints nothing of it"
expect_error "replay refuses a swapped recording" \
	"belongs to session $a, not $swap" "$JG" replay "$swap" --cat
expect_error "export refuses a tampered recording" 'refusing to export' \
	"$JG" export "$flip" -o "$T/flip.cast"
[ ! -e "$T/flip.cast" ] && ok "no export file is left" ||
	not_ok "no export file is left"
"$JG" replay "$cut" --cat >"$T/cut.out" 2>"$T/cut.err"
is "replay of a cut recording exits 0" "$?" 0
grep -Eq "^jumpgate: warning: session $cut truncated after 00:00:2[0-9] \\(no end mark\\): playing what is intact\$" \
	"$T/cut.err" && ok "with one warning line" ||
	not_ok "with one warning line" "$(cat "$T/cut.err")"
head -c "$(stat -c %s "$T/cut.out")" "$T/a.expect" | cmp -s - "$T/cut.out" &&
	grep -q 'line 3[0-9] of' "$T/cut.out" &&
	ok "and plays the intact start" || not_ok "and plays the intact start"
check "export of a cut recording" "$JG" export "$cut" -o "$T/cut.cast"
"$JG" search 'line 1 ' >"$T/s.out" 2>"$T/s.err"
grep -q "^$cut  00:00:01  line 1 of" "$T/s.out" &&
	ok "search finds text in a damaged recording before the damage" ||
	not_ok "search finds text in a damaged recording before the damage"
grep -q "warning: session $flip: chunk [0-9]* fails authentication: searched up to" \
	"$T/s.err" && ok "search warns about the damaged one" ||
	not_ok "search warns about the damaged one" "$(cat "$T/s.err")"

# ---------------------------------------------------------------- keys
sock=jgrec$$
tmux -L "$sock" new-session -d -x 100 -y 30 \
	"'$JG' replay '$a'; stty -a >'$T/stty.after'; echo replay-done; seq 1 40; sleep 60"
if wait_for 5 sh -c "tmux -L $sock capture-pane -p | grep -q 'line 0 of'"; then
	ok "player: starts at the beginning under tmux"
else
	not_ok "player: starts at the beginning under tmux" \
		"$(tmux -L "$sock" capture-pane -p 2>&1)"
fi
# status_has ERE: the pane's last row (the status line) matches, within 5 s.
status_has() {
	wait_for 5 sh -c "tmux -L $sock capture-pane -p -S 29 -E 29 | grep -Eq -- '$1'"
}
if status_has "^ replay $a +playing +x1 +00:00:[0-9]{2} / 00:00:26 .*q quit"; then
	ok "player: the status line shows playing, speed, position of length"
else
	not_ok "player: the status line shows playing, speed, position of length" \
		"$(tmux -L "$sock" capture-pane -p)"
fi
if status_has " 00:00:0[2-9] / 00:00:26"; then
	ok "player: the status line's position moves"
else
	not_ok "player: the status line's position moves" "$(tmux -L "$sock" capture-pane -p -S 29)"
fi
tmux -L "$sock" send-keys Right
tmux -L "$sock" send-keys Right
if wait_for 5 sh -c "tmux -L $sock capture-pane -p | grep -q 'line 3[0-9] of'"; then
	ok "player: right arrow skips forward"
else
	not_ok "player: right arrow skips forward" \
		"$(tmux -L "$sock" capture-pane -p)"
fi
tmux -L "$sock" send-keys ' '
if status_has "^ replay $a +paused +x1 "; then
	ok "player: space pauses, and the status line says so"
else
	not_ok "player: space pauses, and the status line says so" "$(tmux -L "$sock" capture-pane -p -S 29)"
fi
tmux -L "$sock" send-keys +
if status_has "^ replay $a +paused +x2 "; then
	ok "player: + doubles the speed on the status line"
else
	not_ok "player: + doubles the speed on the status line" "$(tmux -L "$sock" capture-pane -p -S 29)"
fi
tmux -L "$sock" send-keys - -
if status_has "^ replay $a +paused +x0\.5 "; then
	ok "player: - halves the speed on the status line"
else
	not_ok "player: - halves the speed on the status line" "$(tmux -L "$sock" capture-pane -p -S 29)"
fi
# Every key the player takes is in replay -h and in jumpgate(1).
"$JG" replay -h >"$T/replay-h" 2>&1
for k in 'space pause/play' '+ faster' '- slower' 'right arrow 10 s ahead' 'left arrow 10 s back' 'q quit'; do
	check "replay -h lists the key: $k" grep -qF -- "$k" "$T/replay-h"
done
for k in space + '\-' 'right arrow' 'left arrow' q; do
	check "jumpgate(1) lists the key: $k" grep -qxF -- ".It $k" "$JG_SRCDIR/man/jumpgate.1"
done
tmux -L "$sock" send-keys Left
sleep 0.5
if tmux -L "$sock" capture-pane -p | grep -q 'line 2[0-9] of' &&
	! tmux -L "$sock" capture-pane -p | grep -q 'line 0 of'; then
	ok "player: left arrow clears the screen and seeks back"
else
	not_ok "player: left arrow clears the screen and seeks back" \
		"$(tmux -L "$sock" capture-pane -p)"
fi
tmux -L "$sock" send-keys q
if wait_for 5 sh -c "tmux -L $sock capture-pane -p -S -100 | grep -q replay-done"; then
	ok "player: q quits"
else
	not_ok "player: q quits" "$(tmux -L "$sock" capture-pane -p)"
fi
# The whole screen scrolls again: the shell's output ("40", then the
# cursor's empty line) reaches the last row.
if wait_for 5 sh -c "[ \"\$(tmux -L $sock capture-pane -p -S 28 -E 29 | tr '\n' ,)\" = '40,,' ]"; then
	ok "player: on exit the last row is the terminal's again"
else
	not_ok "player: on exit the last row is the terminal's again" "$(tmux -L "$sock" capture-pane -p)"
fi
grep -Eq '(^| )icanon( |$)' "$T/stty.after" 2>/dev/null &&
	grep -Eq '(^| )echo( |$)' "$T/stty.after" &&
	ok "player: the terminal is restored" ||
	not_ok "player: the terminal is restored"
tmux -L "$sock" kill-server 2>/dev/null

# ---------------------------------------------------------------- gateway
# A real session through jumpgated: the gateway records it.
target_sshd_start || bail "target sshd did not start"
check "target gw1" "$JG" target add gw1 --host 127.0.0.1 --port "$SSHD_PORT" \
	--login jgtarget --host-key "$SSHD_HOSTKEY"
check "vault set gw1" "$JG" vault set gw1 --password-stdin <"$T/target.pass"
check "user carol" "$JG" user add carol --role ops --key "$(user_key carol)"
check "ops reaches gw*" "$JG" access add ops 'gw*'
jgd_start || bail "jumpgated did not start"
SSH=(ssh -i "$T/keys/carol" -p "$JG_PORT" -o BatchMode=yes
	-o LogLevel=ERROR -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null)
check_out "an exec session through the gateway" '^rec-cli-marker$' \
	timeout 20 "${SSH[@]}" carol@gw1@127.0.0.1 'echo rec-cli-marker'
check "sessions --user carol --json" "$JG" sessions --user carol --json
gid=$(python3 -c \
	'import json,sys; print(max(s["id"] for s in json.load(sys.stdin)))' \
	<"$OUT" 2>/dev/null)
check_out "the session has an id" '^[0-9]+$' echo "$gid"
wait_for 5 sh -c "'$JG' verify '$gid' | grep -q intact"
check_out "the gateway's recording verifies" \
	"^session $gid: intact" "$JG" verify "$gid"
check_out "replay --cat of it prints the output" \
	'^rec-cli-marker' "$JG" replay "$gid" --cat
check "export of it" "$JG" export "$gid" -o "$T/g.cast"
check_out "its export prints the output in asciinema" \
	'rec-cli-marker' timeout 30 script -qec \
	"asciinema cat '$T/g.cast'" /dev/null
