#!/usr/bin/env bash
# t-jit-gw: just-in-time access through the gateway: requests with a
# free-text reason, N distinct approvers, self-approval impossible, one
# grant from concurrent approvals, grants that end and revokes that end
# live sessions, the waiting flow in tmux (approved and denied), requests
# --watch, and NotifyCommand (also one that hangs).
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

cat >"$T/notify.sh" <<EOF
#!/bin/sh
cat >>"$T/notify.log"
echo >>"$T/notify.log"
EOF
chmod 0755 "$T/notify.sh"
jg_config "RequestTimeout 4s" "NotifyCommand $T/notify.sh"
jg_init
target_sshd_start || bail "no target sshd"
jg_targets db01 db02 db03
jg_user alice dev
jg_user bob lead
jg_user carol lead
jg_user dave dev
jg_user eve dev lead
"$JG" access add dev db01 --approval-by lead --approvals 2 --max-duration 2h >/dev/null ||
	bail "access add db01"
"$JG" access add dev 'db0[23]' --approval-by lead >/dev/null || bail "access add db0[23]"
jgd_start || bail "jumpgated did not start"

SSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "$JG_PORT")
as() { local u=$1; shift; timeout 30 ssh "${SSHO[@]}" -i "$T/keys/$u" "$@"; }
req_id() { sed -n 's/^request \([0-9]*\) pending.*/\1/p' | head -n 1; }

out=$(as alice alice@127.0.0.1 request db01 --reason INC-42 disk full --duration 30m)
is "request prints 'request N pending' first" "$(head -n 1 <<<"$out")" \
	"request 1 pending: alice asks for db01 for 30m: INC-42 disk full"
check_outf "the request says who can approve" "bob, carol" printf '%s\n' "$out"
expect_error --code 2 "a request needs a reason" 'needs --reason' \
	as alice alice@127.0.0.1 request db01 --duration 30m
expect_error "a duration above the rule's maximum is refused" 'at most 2h' \
	as alice alice@127.0.0.1 request db01 --reason x --duration 3h
expect_error "a standing or unknown target cannot be requested" 'no such target' \
	as alice alice@127.0.0.1 request nosuch --reason x
check_out "requests lists alice's request" 'db01 +INC-42 disk full +[0-9a-z]+ +pending' \
	as alice alice@127.0.0.1 requests
check_out "bob sees it among those he may decide" 'INC-42 disk full' \
	as bob bob@127.0.0.1 requests
expect_error "a non-approver cannot approve" 'does not hold|not hold|may not' \
	as dave dave@127.0.0.1 approve 1
expect_usage "an id past 2^64 is refused, not wrapped" 'a request ID is a number from 1 to 2\^53' \
	as bob bob@127.0.0.1 approve 18446744073709551616
check_out "bob approves (1 of 2)" 'approved request 1 \(1 of 2' \
	as bob bob@127.0.0.1 approve 1 --comment looks fine
expect_error "a second approval by bob counts once" 'already approved' \
	as bob bob@127.0.0.1 approve 1
expect_error "no grant yet: db01 refused" 'needs approval' \
	as alice alice@db01@127.0.0.1 true
check_out "carol's approval grants it" 'approved request 1: alice may reach db01' \
	as carol carol@127.0.0.1 approve 1
check_out "alice reaches db01 under the grant" '^jgtarget$' \
	as alice alice@db01@127.0.0.1 whoami
check_out "the host lists the active grant" 'alice +db01' "$JG" grants --active
check_out "targets shows the grant and why" 'db01 .*granted until .*grant [0-9]+ \(request 1\)' \
	as alice alice@127.0.0.1 targets
check_out "targets shows a requestable target and its rule" \
	'db02 .*requestable .*rule [0-9]+: role dev may request db0\[23\], 1 approval\(s\) by role lead' \
	as alice alice@127.0.0.1 targets
# Every row's WHY starts where the header's does, a grant's end included.
cp "$OUT" "$T/targets.out"
why_at=$(awk 'NR == 1 { print index($0, "WHY") }' "$T/targets.out")
check "targets: the columns line up, a grant's end time included" awk -v w="$why_at" '
	NR > 1 && (substr($0, w - 1, 1) != " " || substr($0, w, 1) == " ") { bad = 1 }
	END { exit bad || w < 2 }' "$T/targets.out"
check_out "the grant's end is local time, as in the host's listings" \
	'db01 +[^ ]+ +granted until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} ' cat "$T/targets.out"
expect_error "asking again names the grant's end in local time" \
	'already have access to db01 until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' \
	as alice alice@127.0.0.1 request db01 --reason again

# Self-approval is impossible, even holding the approver role.
id=$(as eve eve@127.0.0.1 request db02 --reason self | req_id)
expect_error "self-approval is refused" 'own request' \
	as eve eve@127.0.0.1 approve "$id"
expect_error "self-approval on the host is refused too" 'own request' \
	"$JG" approve "$id" --as eve

# Concurrent approvals: exactly one grant.
id=$(as dave dave@127.0.0.1 request db03 --reason race | req_id)
as bob bob@127.0.0.1 approve "$id" >"$T/a1" 2>&1 &
p1=$!
as carol carol@127.0.0.1 approve "$id" >"$T/a2" 2>&1 &
p2=$!
wait "$p1" "$p2"
n=$("$JG" grants --json | jq "[.[] | select(.request == $id or .request_id == $id)] | length")
is "two approvers at once yield exactly one grant" "$n" 1

# Expired and cancelled requests cannot be approved.
id=$(as dave dave@127.0.0.1 request db02 --reason slow | req_id)
sleep 6
expect_error "an expired request cannot be approved" 'expired' \
	as bob bob@127.0.0.1 approve "$id"
id=$(as dave dave@127.0.0.1 request db02 --reason oops | req_id)
check_out "dave cancels his request" "cancelled request $id" \
	as dave dave@127.0.0.1 cancel "$id"
expect_error "a cancelled request cannot be approved" 'cancelled' \
	as bob bob@127.0.0.1 approve "$id"
id=$(as dave dave@127.0.0.1 request db02 --reason no | req_id)
check_out "bob denies" "denied request $id" as bob bob@127.0.0.1 deny "$id" --reason not today
expect_error "a denied request cannot be approved" 'denied' \
	as carol carol@127.0.0.1 approve "$id"

# A short grant ends a live tmux session within 2 s of its end.
tm() { tmux -S "$T/tmux.sock" "$@"; }
id=$(as alice alice@127.0.0.1 request db02 --reason short --duration 10s | req_id)
"$JG" approve "$id" --as bob >/dev/null
ends=$("$JG" grants --json | jq -r "[.[] | select(.request == $id)][0].ends")
tm new-session -d -x 100 -y 30 "ssh ${SSHO[*]} -tt -i $T/keys/alice alice@db02@127.0.0.1; echo rc=\$? >$T/rc; sleep 30"
wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'jgtarget@\|\\$ '"
wait_for 20 sh -c "grep -q rc= '$T/rc' 2>/dev/null"
end_epoch=$(date -d "$ends" +%s)
now=$(date +%s)
pane=$(tm capture-pane -p)
if grep -q 'access to db02 expired' <<<"$pane" && [ "$now" -le $((end_epoch + 3)) ]; then
	ok "the session ends with 'access to db02 expired' within 2 s of the grant's end"
else
	not_ok "the session ends with 'access to db02 expired' within 2 s of the grant's end" \
		"now=$now ends=$end_epoch pane=$(tail -n 5 <<<"$pane")"
fi
rc=$(sed -n 's/rc=//p' "$T/rc")
if [ -n "$rc" ] && [ "$rc" -ne 0 ]; then ok "the expired session's exit status is non-zero ($rc)"; else not_ok "the expired session's exit status is non-zero" "rc=$rc"; fi
tmux_stop "$T/tmux.sock"

# revoke ends a live session at once. (The master may end a session up to a
# second before its grant's stored end: let that second pass first.)
sleep 2
id=$(as alice alice@127.0.0.1 request db02 --reason revokeme --duration 30m | req_id)
"$JG" approve "$id" --as carol >/dev/null
gid=$("$JG" grants --json | jq -r "[.[] | select(.request == $id)][0].id")
as alice alice@db02@127.0.0.1 'sleep 30' >"$T/rv.out" 2>"$T/rv.err" &
spid=$!
sleep 2
t0=$(date +%s)
check "revoke the grant" "$JG" revoke "$gid"
wait "$spid"
rc=$?
t1=$(date +%s)
if [ "$rc" -ne 0 ] && grep -q 'access to db02 was revoked' "$T/rv.err" && [ $((t1 - t0)) -le 5 ]; then
	ok "revoke ends the live session with a message"
else
	not_ok "revoke ends the live session with a message" "rc=$rc took=$((t1 - t0)) err=$(cat "$T/rv.err")"
fi

# Without a pty: one line on how to request, exit 1.
expect_error "no pty: one line saying how to request" 'needs approval.*request db03' \
	as alice alice@db03@127.0.0.1 true

# The waiting flow in tmux: approved, then denied.
waitflow() {	# WHO TARGET
	tmux_stop "$T/tmux.sock"
	rm -f "$T/rc"
	tm new-session -d -x 120 -y 30 "ssh ${SSHO[*]} -tt -i $T/keys/$1 $1@$2@127.0.0.1; echo rc=\$? >$T/rc; sleep 30"
	wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'reason:'"
	tm send-keys "need to check the logs" Enter
	wait_for 5 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'duration'"
	tm send-keys "15m" Enter
	wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'waiting for approval'"
	tm capture-pane -p | sed -n 's/.*waiting for approval (request \([0-9]*\)).*/\1/p' | head -n 1
}
id=$(waitflow alice db03)
if [ -n "$id" ]; then ok "the waiting flow files a request and waits ($id)"; else not_ok "the waiting flow files a request and waits"; fi
"$JG" approve "$id" --as bob >/dev/null
if wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'opening the session'"; then
	tm send-keys 'echo "user=$USER"' Enter
	if wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'user=jgtarget'"; then
		ok "the approval opens the target session at once"
	else
		not_ok "the approval opens the target session at once" "$(tm capture-pane -p | tail -5)"
	fi
	tm send-keys 'exit 0' Enter
else
	not_ok "the approval opens the target session at once" "$(tm capture-pane -p | tail -5)"
fi
id=$(waitflow alice db02)
"$JG" deny "$id" --as carol --reason "use the replica" >/dev/null
if wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'denied by carol: use the replica'"; then
	ok "a denial shows the approver's reason"
else
	not_ok "a denial shows the approver's reason" "$(tm capture-pane -p | tail -5)"
fi
id=$(waitflow alice db02)
tm send-keys C-c
if wait_for 10 sh -c "tmux -S '$T/tmux.sock' capture-pane -p | grep -q 'request $id cancelled'"; then
	ok "Ctrl-C while waiting cancels the request"
else
	not_ok "Ctrl-C while waiting cancels the request" "$(tm capture-pane -p | tail -5)"
fi
tmux_stop "$T/tmux.sock"

# requests --watch prints new requests as they arrive.
as bob bob@127.0.0.1 requests --watch >"$T/watch.out" 2>&1 &
wpid=$!
sleep 2
as dave dave@127.0.0.1 request db02 --reason watch me >/dev/null
wait_for 8 sh -c "grep -q 'watch me' '$T/watch.out'"
kill "$wpid" 2>/dev/null
check_outf "requests --watch shows the new request" "watch me" cat "$T/watch.out"

# NotifyCommand got one JSON document per event.
sleep 2
for ev in request.created request.approved request.denied request.expired request.cancelled; do
	if jq -e -s "map(select(.event == \"$ev\")) | length > 0" "$T/notify.log" >/dev/null 2>&1; then
		ok "NotifyCommand received $ev"
	else
		not_ok "NotifyCommand received $ev" "$(head -c 400 "$T/notify.log")"
	fi
done

# A NotifyCommand that hangs does not stall the gateway.
cat >"$T/notify.sh" <<EOF
#!/bin/sh
sleep 60
EOF
as dave dave@127.0.0.1 request db02 --reason hang >/dev/null
t0=$(date +%s%N)
check_out "logins go on while NotifyCommand hangs" '^jgtarget$' \
	as alice alice@db01@127.0.0.1 whoami
t1=$(date +%s%N)
if [ $(((t1 - t0) / 1000000)) -lt 5000 ]; then ok "and quickly"; else not_ok "and quickly" "$(((t1 - t0) / 1000000)) ms"; fi
