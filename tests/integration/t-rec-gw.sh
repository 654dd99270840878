#!/usr/bin/env bash
# t-rec-gw: every session through the gateway is recorded: exec, shell,
# scp and sftp leave recordings that verify; replay --cat equals what the
# client received; typed keys are "i" events in the export; a secret typed
# at read -s is in no decrypted view (export, replay, search, database) and
# neither it nor the target password is in plaintext on disk; a killed worker leaves an interrupted session whose
# recording plays to within a second of the kill; a full recording
# directory refuses new sessions and ends a live one; only auditors list
# and replay sessions through the gateway.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
JG_SIGNALS_OK=9	# this script kills processes with SIGKILL on purpose
for c in jq sqlite3 asciinema script; do
	have "$c" || bail "$c is not installed (scripts/setup.sh installs it)"
done

mkdir -p "$T/rec"
mount -t tmpfs -o size=512k,mode=0700 tmpfs "$T/rec" || bail "cannot mount a tmpfs"
jg_on_exit 'umount "$T/rec"'

jg_config "RecordInput yes" "ConnectTimeout 5s"
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
for u in alice carol; do
	pub=$(user_key "$u")
	"$JG" user add "$u" --role ops --key "$pub" >/dev/null || bail "user add $u"
done
"$JG" user key list >/dev/null
sqlite3 "$T/state/jumpgate.db" "INSERT INTO user_roles (user_id, role) SELECT id, 'auditor' FROM users WHERE name = 'carol'" ||
	bail "auditor role"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"

SSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
SSH=(ssh "${SSHO[@]}" -i "$T/keys/alice" -p "$JG_PORT")
last_id() { "$JG" sessions --json | jq -r 'max_by(.id).id'; }

# absent DESC STRING FILE: FILE is there and not empty (a view that came out
# empty proves nothing) and does not contain STRING.
absent() {
	if [ ! -s "$3" ]; then
		not_ok "$1" "$3 is missing or empty"
	elif grep -qaF -- "$2" "$3"; then
		not_ok "$1" "found in $3:" "$(grep -aF -- "$2" "$3" | head -n 3)"
	else
		ok "$1"
	fi
}

# exec: the output, the row, the recording.
out=$(timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'printf "one\ntwo\n"; exit 3')
is "exec returns its status through the gateway" "$?" 3
id=$(last_id)
check_out "the exec session's recording verifies" "session $id: intact" \
	"$JG" verify "$id"
is "replay --cat of the exec equals its output" \
	"$("$JG" replay "$id" --cat)" "$out"
row=$("$JG" sessions --json | jq -c ".[] | select(.id == $id)")
is "the row is complete with exit status 3" \
	"$(jq -r '"\(.state) \(.exit_status)"' <<<"$row")" "complete 3"
is "the recording file is 0600" \
	"$(stat -c %a "$T/rec/$id.jgrec" 2>&1)" 600

# An interactive shell with typed keys, one of them a secret read -s.
canary="typed-canary-$RANDOM$RANDOM"
{
	sleep 2; printf 'echo hi-there\r'
	sleep 1; printf 'read -s SECRET\r'
	sleep 1; printf '%s\r' "$canary"
	sleep 1; printf 'stty size\r'
	sleep 1; printf 'exit 0\r'
	sleep 2
} | timeout 40 "${SSH[@]}" -tt alice@t1@127.0.0.1 >"$T/client.out" 2>/dev/null
id=$(last_id)
check_out "the shell session's recording verifies" "session $id: intact" \
	"$JG" verify "$id"
check_outf "the client saw the shell run" 'hi-there' cat "$T/client.out"
check "replay --cat of the shell session" "$JG" replay "$id" --cat
cp "$OUT" "$T/replay.out"
if cmp -s "$T/client.out" "$T/replay.out"; then
	ok "replay --cat equals what the client terminal received"
else
	not_ok "replay --cat equals what the client terminal received" \
		"$(cmp "$T/client.out" "$T/replay.out" 2>&1)"
fi
check "export as asciicast" "$JG" export "$id" --format asciicast -o "$T/cast"
if jq -e -s '.[1:] | map(select(.[1] == "i")) | map(.[2]) | join("") | contains("echo hi-there")' "$T/cast" >/dev/null 2>&1; then
	ok "the typed keys are in the \"i\" events"
else
	not_ok "the typed keys are in the \"i\" events"
fi
script -qec "asciinema cat $T/cast" /dev/null 2>/dev/null | tr -d '\r' >"$T/ascat.out"
if [ "$(tr -d '\r' <"$T/client.out")" = "$(cat "$T/ascat.out")" ]; then
	ok "asciinema cat of the export equals the client's output"
else
	not_ok "asciinema cat of the export equals the client's output" \
		"$(diff <(tr -d '\r' <"$T/client.out") "$T/ascat.out" | head -5)"
fi

# The secret typed at read -s: the terminal did not echo it, so with
# RecordInput yes (= echoed) it is kept only as a masked count.  It must be
# in none of the decrypted views, while the echoed "echo hi-there" is (so
# the views are not empty or beside the point).
shell=$id
check "export -o of the shell session" "$JG" export "$shell" -o "$T/shell.cast"
check "the \"i\" events of the export, joined" jq -r -s \
	'.[1:] | map(select(.[1] == "i")) | map(.[2]) | join("")' "$T/shell.cast"
cp "$OUT" "$T/shell.keys"
check_outf "the joined \"i\" events hold the echoed keys" 'echo hi-there' \
	cat "$T/shell.keys"
absent "the typed secret is not in the \"i\" events" "$canary" "$T/shell.keys"
absent "the typed secret is nowhere in the export" "$canary" "$T/shell.cast"
absent "the typed secret is not in replay --cat" "$canary" "$T/replay.out"
check_out "search finds the echoed command in the shell session" \
	"^$shell .*echo hi-there" "$JG" search 'echo hi-there'
check "search for the typed secret" "$JG" search "$canary"
is "search for the typed secret finds nothing" "$(cat "$OUT")" ""
check "database dump" sqlite3 -readonly "$T/state/jumpgate.db" .dump
cp "$OUT" "$T/db.dump"
absent "the typed secret is not in the database" "$canary" "$T/db.dump"
absent "the target password is not in the database" \
	"$(cat "$T/target.pass")" "$T/db.dump"
check "the shell session's recording is on disk" test -s "$T/rec/$shell.jgrec"
if grep -rqaF "$canary" "$T/rec" || grep -rqaF -f "$T/target.pass" "$T/rec"; then
	not_ok "neither the typed secret nor the target password is on disk in plaintext"
else
	ok "neither the typed secret nor the target password is on disk in plaintext"
fi

# File transfers: recorded (request and byte counts), contents not stored.
marker="file-content-marker-$RANDOM$RANDOM"
printf '%s\n' "$marker" >"$T/upload.txt"
check "scp -O through the gateway" timeout 30 scp -O "${SSHO[@]}" -i "$T/keys/alice" \
	-P "$JG_PORT" "$T/upload.txt" alice@t1@127.0.0.1:/tmp/jg-rec-up.txt
id=$(last_id)
check_out "the scp session's recording verifies" "session $id: intact" \
	"$JG" verify "$id"
printf 'get /tmp/jg-rec-up.txt %s\n' "$T/down.txt" >"$T/batch"
check "sftp -b through the gateway" timeout 30 sftp "${SSHO[@]}" -i "$T/keys/alice" \
	-P "$JG_PORT" -b "$T/batch" alice@t1@127.0.0.1
id=$(last_id)
check_out "the sftp session's recording verifies" "session $id: intact" \
	"$JG" verify "$id"
check "replay --cat of the sftp session" "$JG" replay "$id" --cat
if grep -qaF "$marker" "$OUT"; then
	not_ok "file contents are not stored in the recording"
else
	ok "file contents are not stored in the recording"
fi

# A command that only starts like scp is recorded in full.
timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'scp -t /nonexistent </dev/null; echo hidden-marker-4711' >/dev/null 2>&1
id=$(last_id)
check_out "a command dressed as scp is recorded in full" 'hidden-marker-4711' \
	"$JG" replay "$id" --cat

# kill -9 of the worker mid-session.
timeout 60 "${SSH[@]}" alice@t1@127.0.0.1 \
	'for i in $(seq 1 200); do echo tick-$i; sleep 0.1; done' >"$T/ticks.out" 2>/dev/null &
sshpid=$!
if wait_for 10 sh -c "grep -q tick-15 '$T/ticks.out'"; then
	ok "the ticking session runs"
else
	not_ok "the ticking session runs" "$(_tail "$T/ticks.out")"
fi
sleep 1
id=$(last_id)
worker=$(ss -tnp "sport = :$JG_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 |
	grep -vx "$JGD_PID" | head -n 1)
if [ -n "$worker" ]; then
	kill -9 "$worker"
	killed_at=$(grep -c tick "$T/ticks.out")
	wait "$sshpid" 2>/dev/null
	sleep 1
	is "the killed session shows as interrupted" \
		"$("$JG" sessions --json | jq -r ".[] | select(.id == $id) | .state")" "interrupted"
	expect_error "verify reports the killed session truncated" \
		'^jumpgate: 1 of 1 recording failed verification$' "$JG" verify "$id"
	check_out "verify reports the killed session truncated: the report line" \
		"^session $id: truncated after" cat "$OUT"
	played=$("$JG" replay "$id" --cat 2>/dev/null | grep -c tick)
	# Flushed every second: at most ~10 ticks (1 s) may be missing.
	if [ "$played" -ge $((killed_at - 12)) ] && [ "$played" -le "$killed_at" ]; then
		ok "replay plays up to within a second of the kill ($played of $killed_at)"
	else
		not_ok "replay plays up to within a second of the kill" \
			"played $played, client had $killed_at"
	fi
else
	not_ok "found the worker to kill"
fi

# A full recording directory: a live session is ended, new ones refused.
timeout 60 "${SSH[@]}" alice@t1@127.0.0.1 'head -c 4000000 /dev/urandom | base64' \
	>"$T/big.out" 2>"$T/big.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'jumpgate: the recording cannot be written' "$T/big.err"; then
	ok "a live session is ended with a message when the recording cannot be written"
else
	not_ok "a live session is ended with a message when the recording cannot be written" \
		"rc=$rc err=$(head -c 300 "$T/big.err")"
fi
dd if=/dev/zero of="$T/rec/filler" bs=4k 2>/dev/null
expect_error "a new session is refused while the recording directory is full" \
	'jumpgate: .*cannot record this session' \
	timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 true
rm -f "$T/rec/filler"

# Through the gateway only auditors list and replay sessions.
expect_error "a non-auditor may not list sessions" 'auditor' \
	timeout 20 "${SSH[@]}" alice@127.0.0.1 sessions
expect_error "a non-auditor may not replay" 'auditor' \
	timeout 20 "${SSH[@]}" alice@127.0.0.1 replay 1
CAROL=(ssh "${SSHO[@]}" -i "$T/keys/carol" -p "$JG_PORT")
check_out "an auditor lists sessions through the gateway" 'alice +t1' \
	timeout 20 "${CAROL[@]}" carol@127.0.0.1 sessions
check_out "an auditor replays a session through the gateway" '^two' \
	timeout 30 "${CAROL[@]}" carol@127.0.0.1 replay 1
expect_error "replay of an unknown session" 'no such session' \
	timeout 20 "${CAROL[@]}" carol@127.0.0.1 replay 999
