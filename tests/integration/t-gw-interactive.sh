#!/usr/bin/env bash
# t-gw-interactive: a terminal session through the gateway, driven in tmux
# like a person would: the target's prompt appears, the pty has the
# client's size and follows a resize, Ctrl-C interrupts a command, and the
# shell's exit status reaches the client; then the command-mode menu
# (`ssh -tt alice@gw`) opens a session on the chosen target.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

have tmux || bail "tmux is not installed"
jg_config
jg_init
target_sshd_start || bail "target sshd did not start"
$JG target add t1 --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
	--host-key "$SSHD_HOSTKEY" >/dev/null || bail "target add t1"
$JG vault set t1 --password-stdin <"$T/target.pass" >/dev/null ||
	bail "vault set t1"
pub=$(user_key alice) || bail "user_key"
$JG user add alice --role dev --key "$pub" >/dev/null || bail "user add"
$JG access add dev 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"

SSHO=(-F none -i "$T/keys/alice" -o IdentitiesOnly=yes
	-o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=10 -p "$JG_PORT")

# A private tmux server; its command line names $T, so cleanup stops it.
TM() { tmux -S "$T/tmux.sock" "$@"; }
# pane S: what session S's pane shows, with its scrollback.
pane() { TM capture-pane -p -J -S -300 -t "$1" 2>/dev/null; }
# pane_has S ERE: a line of session S's pane matches ERE.
pane_has() { pane "$1" | grep -Eq -- "$2"; }
# wait_pane S SECONDS ERE DESC: ok when the pane shows ERE in time.
wait_pane() {
	if wait_for "$2" pane_has "$1" "$3"; then
		ok "$4"
		return 0
	fi
	not_ok "$4" "expected the pane to show: $3" "pane:" "$(pane "$1" | tail -n 15)"
	return 1
}
# type S TEXT: type TEXT and Enter into session S.
type_line() { TM send-keys -t "$1" -l -- "$2" && TM send-keys -t "$1" Enter; }
# A shell prompt: a line ending in "$" or "#" (tmux drops trailing spaces).
PROMPT='[$#] ?$'

# The client runs in tmux; its exit status lands in a file.
sh_cmd() {
	local rcfile=$1
	shift
	printf '%q ' ssh "${SSHO[@]}" "$@"
	printf '; echo "rc=$?" > %q; sleep 2' "$rcfile"
}

# ------------------------------------------------------------ target mode

TM new-session -d -s s -x 100 -y 30 "$(sh_cmd "$T/rc" -tt alice@t1@127.0.0.1)" ||
	bail "tmux new-session failed"
wait_pane s 20 "$PROMPT" "the target's shell prompt appears" ||
	diag "gateway log:" "$(_tail "$T/jumpgated.log")"

type_line s 'echo "U=$(id -un)=U T=$(tty)=T"'
wait_pane s 5 '^U=jgtarget=U T=/dev/pts/[0-9]+=T$' \
	"the shell runs as the target login on a pty"

term=$(TM show-options -gv default-terminal)
type_line s 'echo "TERM=$TERM=TERM"'
wait_pane s 5 "^TERM=$term=TERM\$" "TERM reaches the target ($term)"

type_line s 'echo "S=$(stty size)=S"'
wait_pane s 5 '^S=30 100=S$' "stty size is the client's: 30 100"

# resize S COLS ROWS DESC: resize the tmux window; stty size on the target
# must follow.  ssh sends the window-change when its SIGWINCH handler runs,
# so keys typed at the same moment may overtake it (direct ssh does the
# same): ask again, up to 5 times.
resize() {
	local i
	TM resize-window -t "$1" -x "$2" -y "$3"
	for ((i = 0; i < 5; i++)); do
		type_line "$1" 'echo "S=$(stty size)=S"'
		if wait_for 1 pane_has "$1" "^S=$3 $2=S\$"; then
			ok "$4"
			return 0
		fi
	done
	not_ok "$4" "tmux pane: $(TM display-message -p -t "$1" \
		'#{pane_width}x#{pane_height}')" "$(pane "$1" | tail -n 8)"
	return 1
}
resize s 120 40 "stty size follows a resize: 40 120"
resize s 80 24 "stty size follows a second resize: 24 80"

type_line s 'sleep 100; echo "NOT=interrupted"'
wait_for 5 eval '[ "$(TM display-message -p -t s "#{pane_current_command}")" = ssh ]'
sleep 1
t0=$SECONDS
TM send-keys -t s C-c
type_line s 'echo "RC=$?=RC"'
if wait_pane s 5 '^RC=130=RC$' "Ctrl-C interrupts sleep 100 (\$? is 130)"; then
	diag "prompt back after Ctrl-C within $((SECONDS - t0)) s"
fi
# Only once the prompt came back does the absence of NOT= say anything.
if pane_has s '^NOT=interrupted$'; then
	not_ok "Ctrl-C stops the whole command line"
elif ! pane_has s '^RC=130=RC$'; then
	not_ok "Ctrl-C stops the whole command line" "the shell did not come back" \
		"$(pane s | tail -n 5)"
else
	ok "Ctrl-C stops the whole command line"
fi

# Output with control sequences and colours comes through unchanged.
type_line s 'printf "\033[31mRED\033[0m=%s\n" done'
wait_pane s 5 '^RED=done$' "coloured output reaches the terminal"

type_line s 'exit 3'
if wait_for 10 test -s "$T/rc"; then
	is "exit 3 gives 3 to the client" "$(cat "$T/rc")" "rc=3"
else
	not_ok "exit 3 gives 3 to the client" "the client did not exit" \
		"pane: $(pane s | tail -n 5)"
fi

# ------------------------------------------------------------ menu

TM new-session -d -s m -x 100 -y 30 "$(sh_cmd "$T/menu.rc" -tt alice@127.0.0.1)"
wait_pane m 20 '^target>' "command mode with a pty shows the menu" ||
	diag "gateway log:" "$(_tail "$T/jumpgated.log")"
wait_pane m 1 '^ *1\) t1 ' "the menu lists t1 as choice 1"

type_line m '9'
wait_pane m 5 'no such choice: 9' "a choice that does not exist is told"

type_line m '1'
wait_pane m 20 "$PROMPT" "choosing 1 opens a shell on t1"
type_line m 'echo "USER=$USER=USER"'
wait_pane m 5 '^USER=jgtarget=USER$' "the menu's session runs as the target login"
type_line m 'echo "S=$(stty size)=S"'
wait_pane m 5 '^S=30 100=S$' "the menu's session has the client's pty size"
type_line m 'exit 4'
if wait_for 10 test -s "$T/menu.rc"; then
	is "exit 4 in the menu's session gives 4 to the client" \
		"$(cat "$T/menu.rc")" "rc=4"
else
	not_ok "exit 4 in the menu's session gives 4 to the client" \
		"the client did not exit" "pane: $(pane m | tail -n 5)"
fi

# q leaves the menu with status 0.
TM new-session -d -s q -x 100 -y 30 "$(sh_cmd "$T/q.rc" -tt alice@127.0.0.1)"
wait_pane q 20 '^target>' "the menu again"
type_line q 'q'
if wait_for 10 test -s "$T/q.rc"; then
	is "q at the menu ends with status 0" "$(cat "$T/q.rc")" "rc=0"
else
	not_ok "q at the menu ends with status 0" "the client did not exit" \
		"pane: $(pane q | tail -n 5)"
fi

TM kill-server 2>/dev/null
