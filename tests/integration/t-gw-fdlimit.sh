#!/usr/bin/env bash
# t-gw-fdlimit: descriptors. jumpgated raises its soft descriptor limit to
# the hard one at start; out of descriptors, it stops accepting for a
# second at a time instead of spinning on its listener (before, the master
# used a whole core), says so once, and accepts again when descriptors are
# free.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config "PerSourceMaxStartups none" "MaxStartups 1000" "LoginGraceTime 60s"
jg_init
have prlimit || bail "prlimit is not installed (util-linux)"
target_sshd_start || bail "no target sshd"
jg_targets t1
pub=$(user_key alice)
"$JG" user add alice --role ops --key "$pub" >/dev/null || bail "user add"
"$JG" access add ops 't*' >/dev/null || bail "access add"
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=20 -i "$T/keys/alice" -p "$JG_PORT")
soft_limit() { awk '/^Max open files/ { print $4 }' "/proc/$1/limits"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Soft 64, hard 4096: raised to 4096.
jgd_start_limited() {
	jg_bg "$T/jumpgated.log" prlimit --nofile="$1" "$JGD" -f -c "$JUMPGATE_CONFIG"
	JGD_PID=$BG_PID
	export JGD_PID
	wait_for 10 port_listening "$JG_PORT"
}
jgd_start_limited 64:4096 || bail "jumpgated did not start"
is "the soft descriptor limit is raised to the hard one" "$(soft_limit "$JGD_PID")" 4096
jgd_stop

# Soft and hard 48: 60 silent connections exhaust the master's descriptors.
jgd_start_limited 48:48 || bail "jumpgated did not start under 48 descriptors"
/usr/bin/python3 "$JG_SRCDIR/tests/tools/sshraw.py" flood "$JG_PORT" 127.0.0.2 60 8 \
	>"$T/flood.out" 2>"$T/flood.err" &
flood=$!
jg_track $flood
# Out of descriptors before the CPU is measured, or the measure says nothing.
check "the flood runs the master out of descriptors" \
	wait_for 5 grep -q 'not accepting connections' "$T/jumpgated.log"
t0=$(cpu_ticks "$JGD_PID")
sleep 3
t1=$(cpu_ticks "$JGD_PID")
hz=$(getconf CLK_TCK)
diag "master CPU over 3 s while out of descriptors: $((t1 - t0)) ticks (${hz}/s)"
if [ $((t1 - t0)) -lt "$hz" ]; then
	ok "out of descriptors, the master does not spin (under 1 s of CPU in 3 s)"
else
	not_ok "out of descriptors, the master does not spin" "$((t1 - t0)) ticks in 3 s"
fi
is "the shortage is logged once" \
	"$(grep -c 'not accepting connections for a second' "$T/jumpgated.log")" 1
wait $flood
check_out "once the flood is gone, logins work" '^fine$' \
	timeout 30 "${SSH[@]}" alice@t1@127.0.0.1 'echo fine'
check_outf "and the log says accepting resumed" 'accepting connections again' \
	cat "$T/jumpgated.log"
