#!/usr/bin/env bash
# t-gw-disable: a leaver. `jumpgate user disable NAME --reason TEXT` ends
# the user's live sessions within seconds (with a message), cancels their
# pending requests, revokes their active grants and refuses their logins;
# their sessions, recordings and audit rows stay. `user enable` undoes it.
# Two sessions are live when alice is disabled: a command (sleep) without a
# pty and an interactive shell in tmux (ssh -tt), shown to be live by a
# command typed into it. Both end within 5 s (the seconds from the disable
# to the interactive client's exit are printed as a diagnostic), each is
# told "your account was disabled" (the tmux pane shows it), both rows end
# as revoked, and the next login, interactive in tmux and plain, is refused.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
have tmux || bail "tmux is not installed"
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1 g1 g2
jg_user alice ops
jg_user bob lead
"$JG" access add ops t1 >/dev/null || bail "access t1"
"$JG" access add ops g1 --approval-by lead >/dev/null || bail "access g1"
"$JG" access add ops g2 --approval-by lead >/dev/null || bail "access g2"
jgd_start || bail "jumpgated did not start"

req_id() { sed -n 's/^request \([0-9]*\) pending.*/\1/p' | head -n 1; }

# A grant on g1, a pending request for g2, a live session on t1.
r1=$(jg_as alice alice@127.0.0.1 request g1 --reason work | req_id)
"$JG" approve "$r1" --as bob >/dev/null || bail "approve"
r2=$(jg_as alice alice@127.0.0.1 request g2 --reason later | req_id)
[ -n "$r1" ] && [ -n "$r2" ] || bail "no request ids"
jg_as alice alice@t1@127.0.0.1 'echo started; sleep 60' >"$T/live.out" 2>"$T/live.err" &
lpid=$!
jg_track $lpid
wait_for 15 grep -q started "$T/live.out" || bail "the session did not start"
sid=$("$JG" sessions --json | jq -r 'max_by(.id).id')

# And an interactive shell on t1 in tmux, as a person works. Its command
# line names $T (the key), so cleanup stops the tmux server. The shell in
# the pane notes when ssh exited (date +%s.%N) and its status.
TM() { tmux -S "$T/tmux.sock" "$@"; }
pane() { TM capture-pane -p -J -S -300 -t "$1" 2>/dev/null; }
pane_has() { pane "$1" | grep -Eq -- "$2"; }
pane_tail() { pane "$1" | grep -v '^ *$' | tail -n 8; }
type_line() { TM send-keys -t "$1" -l -- "$2" && TM send-keys -t "$1" Enter; }
SSHO=(-F none -i "$T/keys/alice" -o IdentitiesOnly=yes
	-o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=10 -p "$JG_PORT")
tm_cmd() {	# END-FILE SSH-ARGS...: ssh, then its end time and status
	local end=$1
	shift
	printf '%q ' ssh "${SSHO[@]}" "$@"
	printf '; rc=$?; echo "$(date +%%s.%%N) rc=$rc" > %q; echo client-gone; sleep 60' "$end"
}
TM new-session -d -s i -x 100 -y 30 "$(tm_cmd "$T/tty.end" -tt alice@t1@127.0.0.1)" ||
	bail "tmux new-session failed"
wait_for 20 pane_has i '[$#] ?$' || bail "alice's interactive shell did not start: $(pane_tail i)"
type_line i 'echo "LIVE=$((6 * 7))=LIVE"'
if wait_for 5 pane_has i '^LIVE=42=LIVE$'; then
	ok "alice's interactive session in tmux runs commands"
else
	not_ok "alice's interactive session in tmux runs commands" "pane: $(pane_tail i)"
fi
tsid=$("$JG" sessions --json | jq -r 'max_by(.id).id')
spid=$(pgrep -P "$(TM display-message -p -t i '#{pane_pid}')" -x ssh | head -n 1)
[ -n "$spid" ] || bail "no ssh client in the tmux pane"
is "the interactive session is a second live row" \
	"$("$JG" sessions --json | jq -r "[.[] | select(.user == \"alice\" and .ended == null)] | map(.id) | sort | join(\",\")")" \
	"$sid,$tsid"

t0=$(date +%s.%N)
check_out "disable says what it did" \
	'^disabled user alice: 1 pending request cancelled, 1 grant revoked; live sessions end within seconds$' \
	"$JG" user disable alice --reason "left the company"
if wait_for 5 sh -c "! kill -0 $spid 2>/dev/null"; then
	ok "the interactive session's ssh ended within 5 s"
else
	not_ok "the interactive session's ssh ended within 5 s" "pane: $(pane_tail i)"
fi
if wait_for 2 test -s "$T/tty.end"; then
	diag "interactive session: ended $(awk -v a="$t0" '{ printf "%.2f", $1 - a }' "$T/tty.end") s after the disable began ($(cut -d' ' -f2 "$T/tty.end"))"
fi
if wait_for 5 sh -c "! kill -0 $lpid 2>/dev/null"; then
	ok "the live session ended within seconds"
else
	not_ok "the live session ended within seconds"
fi
check_outf "alice is told why" "your account was disabled" cat "$T/live.err"
if wait_for 2 pane_has i 'your account was disabled'; then
	ok "the tmux pane shows alice why: your account was disabled"
else
	not_ok "the tmux pane shows alice why: your account was disabled" "pane: $(pane_tail i)"
fi
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $sid) | .state')\" = revoked ]"
is "the session's row ended as revoked" \
	"$("$JG" sessions --json | jq -r ".[] | select(.id == $sid) | .state")" revoked
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $tsid) | .state')\" = revoked ]"
is "the interactive session's row ended as revoked" \
	"$("$JG" sessions --json | jq -r ".[] | select(.id == $tsid) | .state")" revoked

# The next interactive login, in tmux: refused, no shell.
TM new-session -d -s n -x 100 -y 30 "$(tm_cmd "$T/next.end" -tt alice@t1@127.0.0.1)" ||
	bail "tmux new-session failed"
if wait_for 15 test -s "$T/next.end"; then
	is "the next interactive login is refused (ssh exits 255)" \
		"$(cut -d' ' -f2 "$T/next.end")" rc=255
else
	not_ok "the next interactive login is refused (ssh exits 255)" \
		"the client did not exit" "pane: $(pane_tail n)"
fi
if pane_has n 'Permission denied' && ! pane_has n 'jgtarget@|[$#] ?$'; then
	ok "the pane shows Permission denied and no shell prompt"
else
	not_ok "the pane shows Permission denied and no shell prompt" "pane: $(pane_tail n)"
fi
tmux_stop "$T/tmux.sock"
is "the pending request is cancelled" \
	"$("$JG" requests --json | jq -r ".[] | select(.id == $r2) | .state")" cancelled
is "the grant is revoked" \
	"$("$JG" grants --json | jq -r "[.[] | select(.request == $r1)][0].state")" revoked
jg_as alice alice@t1@127.0.0.1 true >/dev/null 2>&1
is "a login is refused" "$?" 255
check_outf "the log says why" \
	"refused: user=alice target=- source=127.0.0.1" grep 'account disabled' "$T/jumpgated.log"
check_out "user list marks alice disabled" '^alice .*\(disabled\)$' "$JG" user list
json_check_v() { "$JG" user list --json | jq -e "$1" >/dev/null; }
check "--json has disabled and the reason" json_check_v \
	'.[] | select(.name == "alice") | .disabled == true and .disabled_reason == "left the company"'
check "history stays: the session and its recording" \
	"$JG" verify "$sid"
check "the audit has user.disable with the reason" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"user.disable\" and (.detail | contains(\"user=alice \") and contains(\"reason=left the company\")))' >/dev/null"
expect_error "disabling twice says so" 'already disabled' "$JG" user disable alice
expect_error "an unknown user" 'no such user: zed' "$JG" user disable zed
expect_usage "disable without a name" 'needs a NAME' "$JG" user disable
expect_error "enabling bob, who is not disabled" 'not disabled' "$JG" user enable bob

check_out "enable" '^enabled user alice$' "$JG" user enable alice
check_out "alice logs in again" '^jgtarget$' jg_as alice alice@t1@127.0.0.1 whoami
check "--json: enabled" json_check_v '.[] | select(.name == "alice") | .disabled == false and .disabled_reason == null'
