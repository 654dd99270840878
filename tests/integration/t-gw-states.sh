#!/usr/bin/env bash
# t-gw-states: a session's row says how it ended: complete, refused,
# revoked (grant revoked or the user removed), expired, interrupted (the
# gateway stopped under it); a live row's byte counts grow while it runs,
# in `sessions --json` and in the table.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
# A target without sftp refuses the subsystem request.
TARGET_SFTP=none target_sshd_start || bail "no target sshd"
jg_targets t1 g1
for u in alice bob dave; do
	role=ops
	[ $u = bob ] && role=lead
	"$JG" user add $u --role $role --key "$(user_key $u)" >/dev/null || bail "user add $u"
done
"$JG" access add ops t1 >/dev/null || bail "access t1"
"$JG" access add ops g1 --approval-by lead >/dev/null || bail "access g1"
jgd_start || bail "jumpgated did not start"

req_id() { sed -n 's/^request \([0-9]*\) pending.*/\1/p' | head -n 1; }
last_id() { "$JG" sessions --json | jq -r 'max_by(.id).id'; }
# ended ID STATE: wait (10 s at most) for session ID to end in STATE.
ended() {
	wait_for 10 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $1) | .state')\" = $2 ]"
}
# bg_session NAME USER LOGIN CMD: a session in the background, output in
# $T/NAME.out; waits until it printed "started"; its session id in SID.
bg_session() {
	jg_as "$2" "$3" "echo started; $4" >"$T/$1.out" 2>"$T/$1.err" &
	BGPID=$!
	jg_track "$BGPID"
	wait_for 15 grep -q started "$T/$1.out" || bail "session $1 did not start: $(_tail "$T/$1.err")"
	SID=$(last_id)
}

# ---------------------------------------------------------------- complete
jg_as alice alice@t1@127.0.0.1 'exit 3'
id=$(last_id)
is "a finished session is complete, with its exit status" \
	"$(session_field "$id" state) $(session_field "$id" exit_status)" "complete 3"

# ---------------------------------------------------------------- refused
jg_as alice alice@t1@127.0.0.1 -s sftp </dev/null >/dev/null 2>"$T/refused.err"
id=$(last_id)
is "a session the target refused is refused" "$(session_field "$id" state)" refused
is "its reason says so" "$(session_field "$id" end_reason)" refused

# ------------------------------------------------- live counts, interrupted
bg_session live alice alice@t1@127.0.0.1 'head -c 300000 /dev/zero | tr "\0" x; echo; sleep 60'
live=$SID
if wait_for 10 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $live) | .bytes_out')\" -ge 300000 ]"; then
	ok "a live row's bytes_out grows while it runs (>= 300000)"
else
	not_ok "a live row's bytes_out grows while it runs" "row: $("$JG" sessions --json | jq -c ".[] | select(.id == $live)")"
fi
is "the row is live" "$(session_field "$live" state)" live
# It moves nothing now (sleep 60): its idle time grows.
if wait_for 10 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $live) | .idle_seconds')\" -ge 3 ]"; then
	ok "a live row's idle_seconds grows while it moves nothing"
else
	not_ok "a live row's idle_seconds grows while it moves nothing" \
		"row: $("$JG" sessions --json | jq -c ".[] | select(.id == $live)")"
fi
check_out "the table shows live, idle time and the count" \
	"^ *$live +alice +t1 +[0-9-]+ [0-9:]+ +idle [0-9]+s +live +- +[0-9]+ +[0-9]{6,} " \
	"$JG" sessions --live
jgd_stop
wait "$BGPID" 2>/dev/null
is "a session the gateway stopped under is interrupted" "$(session_field "$live" state)" interrupted
is "an ended row has no idle time" "$(session_field "$live" idle_seconds)" null
jgd_start || bail "jumpgated did not restart"

# ---------------------------------------------------------------- revoked
rid=$(jg_as alice alice@127.0.0.1 request g1 --reason states | req_id)
[ -n "$rid" ] || bail "no request id"
"$JG" approve "$rid" --as bob >/dev/null || bail "approve"
gid=$("$JG" grants --json | jq -r "[.[] | select(.request == $rid)][0].id")
bg_session rev alice alice@g1@127.0.0.1 'sleep 60'
"$JG" revoke "$gid" >/dev/null || bail "revoke"
if ended "$SID" revoked; then ok "a session whose grant was revoked is revoked"
else not_ok "a session whose grant was revoked is revoked" "state: $(session_field "$SID" state)"; fi
wait "$BGPID" 2>/dev/null

# A user removed while a session runs: revoked too.
jg_user carol ops
bg_session del carol carol@t1@127.0.0.1 'sleep 60'
"$JG" user del carol --force >/dev/null || bail "user del carol"
if ended "$SID" revoked; then ok "a removed user's session is revoked"
else not_ok "a removed user's session is revoked" "state: $(session_field "$SID" state)"; fi
wait "$BGPID" 2>/dev/null

# ---------------------------------------------------------------- expired
rid=$(jg_as dave dave@127.0.0.1 request g1 --reason short --duration 5s | req_id)
[ -n "$rid" ] || bail "no request id (dave)"
"$JG" approve "$rid" --as bob >/dev/null || bail "approve dave"
bg_session exp dave dave@g1@127.0.0.1 'sleep 60'
if wait_for 20 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $SID) | .state')\" = expired ]"; then
	ok "a session whose grant ran out is expired"
else
	not_ok "a session whose grant ran out is expired" "state: $(session_field "$SID" state)"
fi
wait "$BGPID" 2>/dev/null
check_out "the table shows each state" \
	'complete.*' "$JG" sessions
for s in complete refused interrupted revoked expired; do
	check_out "sessions lists a $s row" " $s " cat "$OUT"
done
