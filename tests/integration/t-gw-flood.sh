#!/usr/bin/env bash
# t-gw-flood: a pre-auth flood from one source does not lock everyone out.
# From 127.0.0.2 a client keeps 200 idle TCP connections open (reopening
# each one the gateway closes) while 10 logins from 127.0.0.1 run: all 10
# succeed. The flooding source holds at most PerSourceMaxStartups (10)
# unauthenticated connections, is penalised for its connections that never
# authenticate (audited, cause=noauth), and logs in normally once the
# penalty is over.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config "PenaltyDuration 5s"
jg_init
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import paramiko' 2>/dev/null ||
	bail "python3-paramiko is not installed (scripts/setup.sh installs it)"
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=20 -i "$T/keys/alice" -p "$JG_PORT")

/usr/bin/python3 "$JG_SRCDIR/tests/tools/sshraw.py" flood "$JG_PORT" 127.0.0.2 200 20 \
	>"$T/flood.out" 2>"$T/flood.err" &
flood=$!
jg_track $flood
sleep 2
good=0
maxw=0
for i in $(seq 1 10); do
	out=$(timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 "echo login-$i" 2>&1)
	[ "$out" = "login-$i" ] && good=$((good + 1)) || diag "login $i: $out"
	w=$(pgrep -P "$JGD_PID" | grep -c .)
	[ "$w" -gt "$maxw" ] && maxw=$w
done
is "all 10 logins from 127.0.0.1 succeed during the flood" "$good" 10
# keeper, at most 10 pre-auth workers for 127.0.0.2, the login's own, one
# ending as the next starts
if [ "$maxw" -le 13 ]; then
	ok "the flooding source holds no more than its share of workers ($maxw processes)"
else
	not_ok "the flooding source holds no more than its share of workers" "$maxw processes"
fi
wait $flood
diag "flood: $(tr '\n' ' ' <"$T/flood.out") $(tail -c 300 "$T/flood.err")"
opened=$(awk '$1 == "opened" { print $2 }' "$T/flood.out")
banner=$(awk '$1 == "banner" { print $2 }' "$T/flood.out")
if [ -n "$opened" ] && [ "$opened" -gt 200 ] && [ "${banner:-0}" -lt "$opened" ]; then
	ok "the flood's connections are closed without a banner ($banner of $opened got one)"
else
	not_ok "the flood's connections are closed without a banner" "opened=$opened banner=$banner"
fi
is "the source is penalised for connections without authentication" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "penalty" and (.detail | contains("127.0.0.2 cause=noauth")))] | length > 0')" true
check_outf "the per-source cap is in the log" \
	"refused: user=- target=- source=127.0.0.2 reason=PerSourceMaxStartups 10" cat "$T/jumpgated.log"
is "127.0.0.1 was never penalised" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "penalty" and (.detail | startswith("127.0.0.1")))] | length')" 0
# Once the penalty is over, the source logs in like any other.
check "after the penalty, 127.0.0.2 logs in again" wait_for 20 \
	sh -c "timeout 20 $(printf '%q ' "${SSH[@]}") -b 127.0.0.2 alice@t1@127.0.0.1 true"

# PenaltyDuration 0 turns penalties off: the same flood from 127.0.0.3
# leaves no penalty row and no source refused.
jgd_stop
printf '%s\n' "PenaltyDuration 0" >>"$JUMPGATE_CONFIG"
jgd_start || bail "jumpgated did not restart"
before=$("$JG" audit --json | jq '[.[] | select(.action == "penalty")] | length')
/usr/bin/python3 "$JG_SRCDIR/tests/tools/sshraw.py" flood "$JG_PORT" 127.0.0.3 30 4 \
	>"$T/flood0.out" 2>"$T/flood0.err"
is "with PenaltyDuration 0 no source is penalised" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "penalty")] | length')" "$before"
check "and the flooding source still logs in" \
	timeout 20 "${SSH[@]}" -b 127.0.0.3 alice@t1@127.0.0.1 true
