#!/usr/bin/env bash
# t-rec-limits: one session cannot stop everyone's sessions by filling the
# recording disk. MaxRecordingSize ends the session whose recording
# reaches it, with a message; its recording still verifies (complete,
# reason "recording limit") and the end is in the audit log. Below
# RecordingMinFree new sessions are refused with a message naming the
# cause, audited as session.refused; once space is back they start again.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup

mkdir -p "$T/rec"
mount -t tmpfs -o size=8m,mode=0700 tmpfs "$T/rec" || bail "cannot mount a tmpfs"
jg_on_exit 'umount "$T/rec"'

jg_config "MaxRecordingSize 1M" "RecordingMinFree 2M"
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"

SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -i "$T/keys/alice" -p "$JG_PORT")
last_id() { "$JG" sessions --json | jq -r 'max_by(.id).id'; }

# --------------------------------------------------- MaxRecordingSize
timeout 60 "${SSH[@]}" alice@t1@127.0.0.1 'head -c 20000000 /dev/urandom | base64' \
	>"$T/flood.out" 2>"$T/flood.err"
rc=$?
is "the flooding session ends with status 1" "$rc" 1
check_outf "it is told why" \
	"jumpgate: this session's recording reached its limit (MaxRecordingSize 1M): session ended" \
	cat "$T/flood.err"
got=$(wc -c <"$T/flood.out")
if [ "$got" -lt 27000000 ]; then
	ok "the session stopped before its output ended ($got bytes shown)"
else
	not_ok "the session stopped before its output ended" "$got bytes"
fi
id=$(last_id)
size=$(stat -c %s "$T/rec/$id.jgrec")
if [ "$size" -le $((1048576 + 200000)) ]; then
	ok "its recording stays near the cap ($size bytes)"
else
	not_ok "its recording stays near the cap" "$size bytes"
fi
check_out "the capped recording verifies intact" "session $id: intact" \
	"$JG" verify "$id"
is "the session row says why it ended" \
	"$("$JG" sessions --json | jq -r ".[] | select(.id == $id) | \"\(.state) \(.end_reason)\"")" \
	"complete recording limit"
is "the end is in the audit log" \
	"$("$JG" audit --json | jq "[.[] | select(.action == \"session.end\" and (.detail | contains(\"recording limit\")))] | length")" 1
# What the client saw is what the recording holds, to the byte: nothing
# after the cap reached the client unrecorded.
"$JG" replay "$id" --cat >"$T/replay.out" 2>/dev/null
if [ -s "$T/replay.out" ] && cmp -s "$T/replay.out" "$T/flood.out"; then
	ok "the recording holds exactly what the client saw"
else
	not_ok "the recording holds exactly what the client saw" \
		"replay $(wc -c <"$T/replay.out") bytes"
fi
out=$(timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'echo small-one' 2>&1)
is "a small session after it runs" "$out" small-one
# The same flood on stderr: the limit empties the queues and puts the
# notice on stderr while a piece of stderr is being written; the notice
# arrives whole, and last: nothing the target sends after the limit (and
# so unrecorded) reaches the client.
timeout 60 "${SSH[@]}" alice@t1@127.0.0.1 'head -c 20000000 /dev/urandom | base64 >&2' \
	>/dev/null 2>"$T/flood2.err"
is "a stderr flood is told why, whole, last" \
	"$(tail -n 1 "$T/flood2.err" | sed -n 's/.*\(jumpgate: .*\)/\1/p')" \
	"jumpgate: this session's recording reached its limit (MaxRecordingSize 1M): session ended"

# --------------------------------------------------- RecordingMinFree
# Leave about 1 MiB free: below the 2M floor.
avail=$(df -B1 --output=avail "$T/rec" | tail -n 1 | tr -d ' ')
dd if=/dev/zero of="$T/rec/filler" bs=1M count=$(((avail - 1048576) / 1048576)) \
	status=none 2>/dev/null
diag "free: $(df -B1 --output=avail "$T/rec" | tail -n 1)"
before=$("$JG" sessions --json | jq length)
expect_error "a new session is refused below RecordingMinFree" \
	'jumpgate: the gateway cannot record this session: its recording disk has .* free, below RecordingMinFree 2M' \
	timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'echo should-not-run'
is "no session row was opened for it" "$("$JG" sessions --json | jq length)" "$before"
is "the refusal is audited with its cause" \
	"$("$JG" audit --json | jq '[.[] | select(.action == "session.refused" and (.detail | contains("cause=recording-disk")))] | length')" 1
check_outf "the log names the cause" "below RecordingMinFree 2M: refusing new sessions" \
	cat "$T/jumpgated.log"
rm -f "$T/rec/filler"
out=$(timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'echo back-again' 2>&1)
is "with space back, sessions start again" "$out" back-again
