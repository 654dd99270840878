#!/usr/bin/env bash
# t-rec-input: RecordInput echoed (the default) keeps a keystroke as input
# only once the target echoed it. Secrets typed in tmux at a read -s
# prompt (key by key), a sudo-style prompt (pasted with Enter) and a
# passwd-style pair of prompts are in no export, replay, search, database
# row or log; the masked keys are "*" in the export; a command typed at
# the shell is still an "i" event. RecordInput all keeps every byte (the
# opt-in the docs warn about) and the daemon warns in its log.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init
have tmux || bail "tmux is not installed"
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"

SSHO="-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
TS="$T/tmux.sock"
tm() { tmux -S "$TS" "$@"; }
screen_has() { tmux -S "$TS" capture-pane -p -S -200 | grep -qF -- "$1"; }
# typekeys TEXT: one key per write, as a person types, then Enter.
typekeys() {
	local i
	for ((i = 0; i < ${#1}; i++)); do
		tm send-keys -l -- "${1:i:1}"
		sleep 0.03
	done
	sleep 0.2
	tm send-keys Enter
}
rnd() { head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 12; }
last_id() { "$JG" sessions --json | jq -r 'max_by(.id).id'; }
# step DESC SECONDS TEXT: a check that the screen shows TEXT in time.  A
# secret that never reached its prompt would make "nowhere" pass without
# testing anything, so every step of a session is a check.
step() {
	if wait_for "$2" screen_has "$3"; then
		ok "$1"
	else
		not_ok "$1" "expected on screen: $3" \
			"screen: $(tm capture-pane -p -S -200 | tail -n 5)"
	fi
}
# session LABEL SECRETS...: one tmux session through the gateway typing them.
session() {
	local l=$1
	shift
	tmux_stop "$TS"
	tm new-session -d -x 120 -y 30 \
		"ssh $SSHO -tt -i $T/keys/alice -p $JG_PORT alice@t1@127.0.0.1; sleep 30"
	step "$l: the shell prompt appears" 15 'jgtarget@'
	# read -s, typed key by key
	tm send-keys -l "read -s -p 'Secret: ' S1; echo; echo len1=\${#S1}"
	tm send-keys Enter
	step "$l: the read -s prompt appears" 10 'Secret: '
	sleep 0.3	# bash prints the prompt, then turns echo off
	typekeys "$1"
	step "$l: read -s got the secret" 10 "len1=${#1}"
	# sudo-style: the secret pasted with its Enter in one write
	# Echo off before the prompt shows: typing at the prompt must never
	# race the stty (a loaded machine once let one key be echoed).
	tm send-keys -l "stty -echo; printf '[sudo] password for jgtarget: '; read S2; stty echo; echo; echo got2=\${#S2}"
	tm send-keys Enter
	step "$l: the sudo-style prompt appears" 10 '[sudo] password for jgtarget: '
	sleep 0.3
	tm send-keys -l "$2"$'\r'
	step "$l: the sudo-style read got the secret" 10 "got2=${#2}"
	# passwd-style: two prompts, typed key by key
	tm send-keys -l "stty -echo; printf 'Current password: '; read P1; echo; printf 'New password: '; read P2; stty echo; echo; echo got3=\${#P1}.\${#P2}"
	tm send-keys Enter
	step "$l: the passwd-style prompt appears" 10 'Current password: '
	typekeys "$3"
	step "$l: the second passwd-style prompt appears" 10 'New password: '
	typekeys "$4"
	step "$l: the passwd-style reads got both secrets" 10 "got3=${#3}.${#4}"
	# Enter once the echo shows: an Enter written before the echo came
	# masks the line (the no-echo rule errs on the secret's side), which
	# a loaded machine made happen here now and then.
	tm send-keys -l "echo $5"
	step "$l: the visible command is echoed" 10 "echo $5"
	tm send-keys Enter
	step "$l: the visible command runs" 10 "$5"
	sleep 0.5
	tm send-keys -l "exit"
	tm send-keys Enter
	# '^ssh ': the client itself, not the tmux server or the shells whose
	# command lines name it (this very check's bash -c among them).
	check "$l: the client exits" wait_for 15 \
		bash -c "! pgrep -f '^ssh .*-p $JG_PORT alice@t1' >/dev/null"
	sleep 1
}
# nowhere DESC SECRET...: none of the secrets in any way the recording or
# the gateway can show it.
# A view that could not be made, or came out empty, is a failure: a secret
# is trivially absent from nothing.
nowhere() {
	local desc=$1 id=$2 s f hits="" bad=""
	shift 2
	"$JG" export "$id" -o "$T/cast" || { not_ok "$desc" "export failed"; return; }
	"$JG" replay "$id" --cat >"$T/replay.out" 2>"$T/replay.err" ||
		bad="$bad replay:$(cat "$T/replay.err")"
	sqlite3 -readonly "$T/state/jumpgate.db" .dump >"$T/db.dump" 2>&1 ||
		bad="$bad database:$(cat "$T/db.dump")"
	"$JG" audit --json >"$T/audit.json" 2>"$T/audit.err" ||
		bad="$bad audit:$(cat "$T/audit.err")"
	# keys typed one by one are one event each: the input joined too
	jq -r -s '.[1:] | map(select(.[1] == "i")) | map(.[2]) | join("")' \
		"$T/cast" >"$T/cast.in" || bad="$bad input: jq failed"
	for f in cast cast.in replay.out db.dump audit.json jumpgated.log; do
		[ -s "$T/$f" ] || bad="$bad $f:empty"
	done
	for s in "$@"; do
		grep -qaF -- "$s" "$T/cast.in" && hits="$hits input:$s"
		grep -qaF -- "$s" "$T/cast" && hits="$hits export:$s"
		grep -qaF -- "$s" "$T/replay.out" && hits="$hits replay:$s"
		grep -qaF -- "$s" "$T/db.dump" && hits="$hits database:$s"
		grep -qaF -- "$s" "$T/audit.json" && hits="$hits audit:$s"
		grep -qaF -- "$s" "$T/jumpgated.log" && hits="$hits log:$s"
		if "$JG" search "$s" >"$T/search.out" 2>"$T/search.err"; then
			[ -s "$T/search.out" ] && hits="$hits search:$s"
		else
			bad="$bad search:$(cat "$T/search.err")"
		fi
	done
	if [ -n "$bad" ]; then
		not_ok "$desc" "a view could not be made:$bad"
	elif [ -n "$hits" ]; then
		not_ok "$desc" "$hits"
	else
		ok "$desc"
	fi
}

S1="Zr$(rnd)"; S2="Zs$(rnd)"; S3="Zp$(rnd)"; S4="Zn$(rnd)"
VIS="visible-marker-$(rnd)"
session echoed "$S1" "$S2" "$S3" "$S4" "$VIS"
id=$(last_id)
check_out "the session's recording verifies" "session $id: intact" "$JG" verify "$id"
nowhere "no secret typed at a no-echo prompt is in the export, replay, search, database, audit or log" \
	"$id" "$S1" "$S2" "$S3" "$S4"
ins=$(jq -r -s '.[1:] | map(select(.[1] == "i")) | map(.[2]) | join("")' "$T/cast")
check_outf "the command typed at the shell is an \"i\" event" "echo $VIS" echo "$ins"
stars=$(jq -r -s '[.[1:][] | select(.[1] == "i") | .[2] | select(test("^[*]+$")) | length] | add // 0' "$T/cast")
want=$(( ${#S1} + ${#S2} + ${#S3} + ${#S4} ))
if [ "$stars" -ge "$want" ]; then
	ok "the masked keys are \"*\" in the export ($stars, the secrets have $want)"
else
	not_ok "the masked keys are \"*\" in the export" "$stars stars, secrets have $want keys"
fi
check_outf "the search finds the visible command's output" "$VIS" "$JG" search "$VIS"

# RecordInput all: the opt-in keeps every byte, and says so in the log.
jgd_stop
echo "RecordInput all" >>"$JUMPGATE_CONFIG"
jgd_start || bail "jumpgated did not restart"
check_outf "RecordInput all warns in the log" \
	"RecordInput all: recordings keep every keystroke, passwords typed at prompts included" \
	cat "$T/jumpgated.log"
A1="Za$(rnd)"
session all "$A1" "Zb$(rnd)" "Zc$(rnd)" "Zd$(rnd)" "visible-$(rnd)"
id=$(last_id)
check "export with RecordInput all" "$JG" export "$id" -o "$T/cast.all"
ins=$(jq -r -s '.[1:] | map(select(.[1] == "i")) | map(.[2]) | join("")' "$T/cast.all")
check_outf "with RecordInput all the secret is in the export" "$A1" echo "$ins"
tmux_stop "$TS"
