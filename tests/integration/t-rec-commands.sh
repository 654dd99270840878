#!/usr/bin/env bash
# t-rec-commands: the command index. In a tmux session through the
# gateway the lines entered are listed as the screen showed them at Enter
# (line editing, history recall, tab completion), never a secret typed at
# a prompt that does not echo nor a line cancelled with ^C; an exec
# session's command is listed; search --commands finds lines across
# sessions with filters, on the host and (auditors) through the gateway;
# replay --at-command starts at a command; 10,000 sessions are searched
# without a recording opened (through the gateway, newest first); bad
# input is one clear line.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
have tmux || bail "tmux is not installed"
have sqlite3 || bail "sqlite3 is not installed"
target_sshd_start || bail "no target sshd"
jg_targets t1 t2
jg_user alice ops
jg_user bob ops
jg_user carol auditor
"$JG" access add ops 't*' >/dev/null || bail "access"
jgd_start || bail "jumpgated did not start"

SSHO="-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
O=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -p "$JG_PORT")
TS="$T/tmux.sock"
tm() { tmux -S "$TS" "$@"; }
has() { tm capture-pane -p -S -100 | grep -qF -- "$1"; }
has_line() { tm capture-pane -p -S -100 | grep -qxF -- "$1"; }
# the shell waits at a fresh prompt: the screen's last line is one
at_prompt() { [[ "$(tm capture-pane -p | grep -v '^$' | tail -n 1)" =~ ^jgtarget@.*\$$ ]]; }
shows() {
	if wait_for "$3" has "$2"; then ok "$1"
	else not_ok "$1" "expected: $2" "screen: $(tm capture-pane -p | grep -v '^$' | tail -n 5)"; fi
}
# shows_line: a whole line of output, not the echo of the command that
# prints it (a key typed before the output came is type-ahead, masked)
shows_line() {
	if wait_for "$3" has_line "$2" && wait_for "$3" at_prompt; then ok "$1"
	else not_ok "$1" "expected the line: $2" "screen: $(tm capture-pane -p | grep -v '^$' | tail -n 5)"; fi
}
# typekeys TEXT: one key per write, as a person types.
typekeys() { local i; for ((i = 0; i < ${#1}; i++)); do tm send-keys -l -- "${1:i:1}"; sleep 0.03; done; }
rnd() { head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 10; }
SECRET=secret-$(rnd)
[ -d /usr/share/common-licenses ] || bail "no /usr/share/common-licenses to complete"

# --------------------------------------------------- a shell session
tm new-session -d -x 120 -y 30 \
	"ssh $SSHO -tt -i $T/keys/alice -p $JG_PORT alice@t1@127.0.0.1; sleep 60"
shows "the shell prompt appears" 'jgtarget@' 15
typekeys "echo first-one"; tm send-keys Enter
shows_line "a typed command runs" 'first-one' 10
typekeys "echo typo-xyz"; tm send-keys BSpace BSpace BSpace BSpace; typekeys "fixed"; tm send-keys Enter
shows_line "an edited command runs" 'typofixed' 10
sleep 0.5
tm send-keys Up; sleep 0.5; tm send-keys Enter
sleep 1
typekeys "ls -d /usr/share/common-lic"; tm send-keys Tab; sleep 0.7; tm send-keys Enter
shows_line "a completed command runs" "/usr/share/common-licenses/" 10
tm send-keys -l "read -s -p 'pw: ' P; echo got=\${#P}"
shows "the read line is echoed" 'echo got=' 10	# Enter before the echo masks it
tm send-keys Enter
shows "a no-echo prompt appears" 'pw: ' 10
typekeys "$SECRET"; tm send-keys Enter
shows "it got the secret" "got=${#SECRET}" 10
typekeys "echo never-ran"; tm send-keys C-c
sleep 0.5
# pasted in one write; Enter once its echo shows (an Enter typed before
# the echo came masks the line: recorder/echo.c errs on the secret's side)
tm send-keys -l "echo pasted-$(printf x)"
shows "a pasted line is echoed" 'echo pasted-x' 10
tm send-keys Enter
shows_line "a pasted command runs" 'pasted-x' 10
typekeys "exit"; tm send-keys Enter
check "the client exits" wait_for 15 bash -c "! pgrep -f '^ssh .*-p $JG_PORT alice@t1' >/dev/null"
tmux_stop "$TS"
S1=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "\"$JG\" commands $S1 --json | jq -e 'length == 7' >/dev/null"
"$JG" commands "$S1" --json >"$T/c1.json" || bail "commands --json"
is "the lines are those the screen showed at Enter, in order" \
	"$(jq -r 'map(.command) | join("|")' "$T/c1.json")" \
	"echo first-one|echo typofixed|echo typofixed|ls -d /usr/share/common-licenses/|read -s -p 'pw: ' P; echo got=\${#P}|echo pasted-x|exit"
is "numbered from 1, with their session, user and target" \
	"$(jq -r 'map("\(.seq)\(.session)\(.user)\(.target)") | unique | length' "$T/c1.json") $(jq -r '.[0].seq, .[6].seq, .[0].user, .[0].target' "$T/c1.json" | tr '\n' ' ')" \
	"7 1 7 alice t1 "
check "their times grow from the session's start" jq -e \
	'[.[].t_ms] as $t | ($t | sort) == $t and $t[0] > 0' "$T/c1.json"
check_out "the table shows them" '^    4 00:00:[0-9][0-9] ls -d /usr/share/common-licenses/$' "$JG" commands "$S1"
sqlite3 -readonly "$T/state/jumpgate.db" 'SELECT line FROM commands' >"$T/lines" ||
	bail "sqlite3 failed"
if grep -qF -- "$SECRET" "$T/lines" "$T/c1.json"; then
	not_ok "the secret typed at the no-echo prompt is no command"
else
	ok "the secret typed at the no-echo prompt is no command"
fi
if grep -qF never-ran "$T/lines"; then
	not_ok "a line cancelled with ^C is no command"
else
	ok "a line cancelled with ^C is no command"
fi

# --------------------------------------------------- exec sessions
timeout 30 ssh "${O[@]}" -i "$T/keys/alice" alice@t2@127.0.0.1 'echo exec-one; true' >/dev/null ||
	not_ok "alice's exec session ran"
timeout 30 ssh "${O[@]}" -i "$T/keys/bob" bob@t1@127.0.0.1 'echo from-bob' >/dev/null ||
	not_ok "bob's exec session ran"
S3=$("$JG" sessions --json | jq -r 'max_by(.id).id')
S2=$((S3 - 1))
wait_for 5 sh -c "\"$JG\" commands $S3 --json | jq -e 'length == 1' >/dev/null"
is "an exec session's command is its line" "$("$JG" commands "$S2" --json | jq -r '.[0].command')" \
	"echo exec-one; true"

# --------------------------------------------------- search
check_out "search --commands finds lines across sessions" "^ +$S2 +1 00:00:00 alice +t2 .* echo exec-one; true\$" \
	"$JG" search --commands '^echo (exec|from)'
check_out "and bob's" "^ +$S3 +1 .* bob +t1 .* echo from-bob\$" \
	"$JG" search --commands '^echo (exec|from)'
is "--user narrows it" "$("$JG" search --commands '^echo' --user bob --json | jq -r 'map(.session) | unique | join(",")')" "$S3"
is "--target narrows it" "$("$JG" search --commands 'echo' --target t2 --json | jq -r 'map(.command) | join("|")')" \
	"echo exec-one; true"
is "--since 1h keeps them" "$("$JG" search --commands 'echo' --since 1h --json | jq length)" 7
is "--since a later time drops them" "$("$JG" search --commands 'echo' --since 2099-01-01T00:00:00Z --json | jq length)" 0
expect_error "a bad expression is one line" "bad regular expression" "$JG" search --commands 'a('
expect_error "a bad --since is one line" "invalid --since: 'soon'" "$JG" search --commands x --since soon
expect_usage "--since is for --commands" "goes with --commands" "$JG" search x --since 1h
expect_usage "the index needs no passphrase" "no passphrase is needed" \
	"$JG" search --commands x --passphrase-file /dev/null

# --------------------------------------------------- through the gateway
check_out "an auditor searches through the gateway" "^ +$S3 +1 .* bob +t1 .* echo from-bob\$" \
	timeout 30 ssh "${O[@]}" -i "$T/keys/carol" carol@127.0.0.1 search --commands 'from-bob|exec-one' --user bob
check "the search is audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"commands.search\" and .actor == \"carol\" and (.detail | contains(\"user=bob\")))' >/dev/null"
expect_error "bob (not an auditor) may not search" "only auditors may search" \
	timeout 30 ssh "${O[@]}" -i "$T/keys/bob" bob@127.0.0.1 search --commands x
expect_error "back-references are refused" "back-references and {n,m} are not allowed" \
	timeout 30 ssh "${O[@]}" -i "$T/keys/carol" carol@127.0.0.1 search --commands '(a)\1'
expect_usage "search needs --commands REGEX" "usage: search --commands REGEX" \
	timeout 30 ssh "${O[@]}" -i "$T/keys/carol" carol@127.0.0.1 search foo

# --------------------------------------------------- replay at a command
"$JG" replay "$S1" --at-command 4 --cat >"$T/at4" 2>&1 || not_ok "replay --at-command 4" "$(cat "$T/at4")"
if grep -qF first-one "$T/at4" || ! grep -qF "pasted-x" "$T/at4"; then
	not_ok "replay --at-command starts at that command" "$(head -c 400 "$T/at4")"
else
	ok "replay --at-command starts at that command"
fi
expect_error "a command the session does not have" "session $S1 has no command 99 .it has 7:" \
	"$JG" replay "$S1" --at-command 99 --cat
expect_usage "--at-command takes a number" "--at-command takes a command number" \
	"$JG" replay "$S1" --at-command x
expect_usage "--from or --at-command" "not both" "$JG" replay "$S1" --at-command 1 --from 5

# --------------------------------------------------- bad input
expect_usage "commands needs an id" "missing session ID" "$JG" commands
expect_usage "commands: not an id" "not a session id: 'x'" "$JG" commands x
expect_error "commands: no such session" "no such session: 99999" "$JG" commands 99999

# --------------------------------------------------- 10,000 sessions
jgd_stop
{
	echo 'BEGIN;'
	echo 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
	INSERT INTO sessions (id, user, target, login, source, started, ended, state, kind)
	SELECT 100000 + i, "u" || (i % 50), "db" || (i % 20), "root", "127.0.0.1", "2026-01-01T00:00:00Z",
	"2026-01-01T01:00:00Z", "complete", "shell" FROM n;'
	echo 'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
	INSERT INTO commands (session_id, seq, t_ms, line)
	SELECT 100001 + i / 10, i % 10 + 1, i * 100, "ls -l /var/log/app" || i FROM n;'
	echo 'UPDATE commands SET line = "rm -rf /srv/data" WHERE session_id = 105678 AND seq = 7;'
	echo 'COMMIT;'
} | sqlite3 "$T/state/jumpgate.db" || bail "cannot fill the index"
start=$(date +%s%N)
"$JG" search --commands 'rm -rf' --json >"$T/big.json" 2>"$T/big.err"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
diag "search --commands over 10,000 sessions, 100,000 lines: $ms ms"
is "the one rm -rf among 100,000 lines is found" \
	"$(jq -r 'map("\(.session) \(.seq) \(.user) \(.command)") | join("|")' "$T/big.json")" \
	"105678 7 u28 rm -rf /srv/data"
# Through the gateway the master looks at a bounded share: the newest
# sessions first, so "who ran it last month" is not cut away.
jgd_start || bail "jumpgated did not start again"
timeout 60 ssh "${O[@]}" -i "$T/keys/carol" carol@127.0.0.1 search --commands '^ls -l /var/log/app' \
	>"$T/gwbig.out" 2>&1 || not_ok "the gateway's search over 10,000 sessions" "$(tail -n 3 "$T/gwbig.out")"
check "the gateway shows the newest session's lines first" grep -qE '^ +110000 +1 ' "$T/gwbig.out"
if grep -qE '^ +100001 ' "$T/gwbig.out"; then
	not_ok "and leaves out the oldest when the answer is cut" "$(grep -cE '^ +1[0-9]{5} ' "$T/gwbig.out") rows"
else
	ok "and leaves out the oldest when the answer is cut"
fi
check "the cut is said" grep -qF '(the first matches only: narrow it' "$T/gwbig.out"
# last, where a CI log's tail shows it: what the shell session's index held
diag "session $S1's index: $(jq -c 'map(.command)' "$T/c1.json")"
