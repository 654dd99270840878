#!/usr/bin/env bash
# t-gw-data: data through the gateway with stock OpenSSH tools, for a target
# with a password credential (t1) and one with a private-key credential (t2)
# on the same real sshd: exit status, exit signal, separate stdout/stderr,
# 600 MiB each way (past libssh's 256 MiB channel buffer, where a wrong
# flow-control pattern silently drops data), scp in both modes, sftp,
# rsync of many small files, two sessions over one ControlMaster
# connection, and a flooding target with a slow reader leaving the
# worker's memory flat.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config
jg_init

for c in scp sftp rsync sha256sum; do
	have "$c" || bail "$c is not installed"
done
target_sshd_start || bail "target sshd did not start"

$JG target add t1 --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
	--host-key "$SSHD_HOSTKEY" >/dev/null || bail "target add t1"
$JG target add t2 --host 127.0.0.1 --port "$SSHD_PORT" --login jgtarget \
	--host-key "$SSHD_HOSTKEY" >/dev/null || bail "target add t2"
check "vault set t1 (password)" $JG vault set t1 --password-stdin \
	<"$T/target.pass" || bail "vault set t1"
check "vault set t2 (ed25519 private key)" $JG vault set t2 \
	--key-file "$T/target_key" || bail "vault set t2"
pub=$(user_key alice) || bail "user_key"
$JG user add alice --role dev --key "$pub" >/dev/null || bail "user add"
$JG access add dev 't*' >/dev/null || bail "access add"
jgd_start || bail "jumpgated did not start"
# The master's children now: the keeper (workers come with connections).
KEEPER_PIDS=" $(pgrep -P "$JGD_PID" | tr '\n' ' ')"

# A folder the target user (jgtarget, the same host here) can read and
# write; the gateway user never touches it.
D=$(mktemp -d /tmp/jg-data.XXXXXXXX) || bail "mktemp"
_jg_dirs+=("$D")
chown jgtarget: "$D"
chmod 0755 "$D"

SSHO=(-F none -i "$T/keys/alice" -o IdentitiesOnly=yes
	-o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=10)
# gw TARGET [ARGS...]: ssh through the gateway to TARGET.
gw() {
	local t=$1
	shift
	timeout 120 ssh "${SSHO[@]}" -p "$JG_PORT" "alice@$t@127.0.0.1" "$@"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
mibps() { awk -v a="$1" -v b="$2" -v n="$3" \
	'BEGIN { d = b - a; if (d <= 0) d = 0.001; printf "%.0f", n / 1048576 / d }'; }

# ------------------------------------------------------------ exec basics

# What direct ssh reports for a command killed by a signal (the gateway
# must give the client the same): its exit status, and the exit-signal
# request seen at -v.
target_ssh -v -- 'kill -TERM $$' </dev/null >/dev/null 2>"$T/direct.sig"
direct_sig_rc=$?
grep -q 'rtype exit-signal' "$T/direct.sig" ||
	diag "direct ssh did not log an exit-signal request"

for t in t1 t2; do
	gw "$t" 'exit 42' </dev/null >/dev/null 2>"$T/err"
	is "$t: exit 42 comes back as 42" "$?" 42

	check_out "$t: the command runs as the target login" '^jgtarget$' \
		gw "$t" 'id -un'

	for sig in TERM KILL; do
		gw "$t" -v "kill -$sig \$\$" </dev/null >/dev/null \
			2>"$T/sig.err"
		rc=$?
		if [ "$rc" = "$direct_sig_rc" ] &&
			grep -q 'rtype exit-signal' "$T/sig.err" &&
			! grep -q 'rtype exit-status' "$T/sig.err"; then
			ok "$t: kill -$sig of the remote shell is reported as a signal (exit $rc)"
		else
			not_ok "$t: kill -$sig of the remote shell is reported as a signal" \
				"exit $rc (direct ssh: $direct_sig_rc)" \
				"$(grep -E 'rtype|Exit status' "$T/sig.err")"
		fi
	done

	gw "$t" 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 7' \
		</dev/null >"$T/o" 2>"$T/e"
	rc=$?
	if [ $rc -eq 7 ] && [ "$(cat "$T/o")" = "$(printf 'out1\nout2')" ] &&
		[ "$(cat "$T/e")" = "$(printf 'err1\nerr2')" ]; then
		ok "$t: stdout and stderr stay separate"
	else
		not_ok "$t: stdout and stderr stay separate" "exit $rc" \
			"stdout: $(cat "$T/o")" "stderr: $(cat "$T/e")"
	fi

	out=$(printf 'line one\nline two\n' | gw "$t" 'tee /dev/stderr' \
		2>"$T/e")
	is "$t: stdin reaches the command (stdout)" "$out" \
		"$(printf 'line one\nline two')"
	is "$t: stdin reaches the command (stderr)" "$(cat "$T/e")" \
		"$(printf 'line one\nline two')"
done

# ------------------------------------------------------------ 600 MiB

BIG=629145600
head -c $BIG /dev/urandom >"$D/big" || bail "cannot write $D/big"
chmod 0644 "$D/big"
big_sum=$(sha256sum <"$D/big" | cut -d' ' -f1)

for t in t1 t2; do
	t0=$(now)
	got=$(gw "$t" 'sha256sum' <"$D/big" 2>"$T/e" | cut -d' ' -f1)
	t1s=$(now)
	if [ "$got" = "$big_sum" ]; then
		ok "$t: 600 MiB up into remote sha256sum: sums equal"
		diag "$t: 600 MiB up in $(secs "$t0" "$t1s") s ($(mibps "$t0" "$t1s" $BIG) MiB/s)"
	else
		not_ok "$t: 600 MiB up into remote sha256sum: sums equal" \
			"remote: $got" "local: $big_sum" "stderr: $(_tail "$T/e")"
	fi

	t0=$(now)
	gw "$t" "cat $D/big" </dev/null 2>"$T/e" |
		tee >(wc -c >"$T/down.n") | sha256sum | cut -d' ' -f1 >"$T/down.sum"
	t1s=$(now)
	# the process substitution may finish just after the pipeline
	wait_for 5 test -s "$T/down.n"
	got=$(cat "$T/down.sum")
	if [ "$got" = "$big_sum" ]; then
		ok "$t: 600 MiB down from the target: sums equal"
		diag "$t: 600 MiB down in $(secs "$t0" "$t1s") s ($(mibps "$t0" "$t1s" $BIG) MiB/s)"
	else
		not_ok "$t: 600 MiB down from the target: sums equal" \
			"received $(cat "$T/down.n") of $BIG bytes" \
			"stderr: $(_tail "$T/e")"
	fi
done
rm -f "$D/big"

# Output that ends (EOF, exit status, close) while the gateway still
# holds some of it, the client reading at full speed and then not reading
# at all for a while: what the gateway could not queue yet must still all
# arrive.
head -c 8000000 /dev/urandom >"$D/f8" || bail "cannot write $D/f8"
chmod 0644 "$D/f8"
f8_sum=$(sha256sum <"$D/f8" | cut -d' ' -f1)
for t in t1 t2; do
	n=0
	for i in 1 2 3 4; do
		got=$(gw "$t" "cat $D/f8" </dev/null 2>"$T/e" | sha256sum |
			cut -d' ' -f1)
		[ "$got" = "$f8_sum" ] && n=$((n + 1))
	done
	is "$t: 8 MB down, 4 times: every copy whole" "$n" 4
	got=$({
		gw "$t" "cat $D/f8; exit 6" </dev/null 2>"$T/e"
		echo $? >"$T/rc6"
	} | { sleep 3; sha256sum; } | cut -d' ' -f1)
	if [ "$got" = "$f8_sum" ] && [ "$(cat "$T/rc6")" = 6 ]; then
		ok "$t: output that ends while the client is not reading arrives whole"
	else
		not_ok "$t: output that ends while the client is not reading arrives whole" \
			"exit $(cat "$T/rc6") (want 6)" "stderr: $(_tail "$T/e")"
	fi
done
# The other way: input sent while the command does not read yet fills the
# gateway's queue and then what libssh holds for it (the window to the
# client shuts); once the command reads, all of it must go on.
for t in t1 t2; do
	got=$(timeout 60 ssh "${SSHO[@]}" -p "$JG_PORT" "alice@$t@127.0.0.1" \
		'sleep 3; sha256sum' <"$D/f8" 2>"$T/e" | cut -d' ' -f1)
	if [ "$got" = "$f8_sum" ]; then
		ok "$t: input sent while the command is not reading arrives whole"
	else
		not_ok "$t: input sent while the command is not reading arrives whole" \
			"remote: $got" "stderr: $(_tail "$T/e")"
	fi
done

# ------------------------------------------------------------ file copy

SCPO=("${SSHO[@]}" -P "$JG_PORT")
head -c 20000000 /dev/urandom >"$T/f20" || bail "cannot write $T/f20"
f20_sum=$(sha256sum <"$T/f20" | cut -d' ' -f1)
# remote_sum PATH: sha256 of a file on the target side (same host).
remote_sum() { sha256sum <"$1" 2>/dev/null | cut -d' ' -f1; }

for t in t1 t2; do
	for mode in legacy sftp; do
		opt=()
		[ $mode = legacy ] && opt=(-O)
		rm -f "$D/up.$mode" "$T/down.$mode"
		if check "$t: scp ($mode) upload" timeout 120 scp -q "${opt[@]}" \
			"${SCPO[@]}" "$T/f20" "alice@$t@127.0.0.1:$D/up.$mode"; then
			is "$t: scp ($mode) upload: checksum" \
				"$(remote_sum "$D/up.$mode")" "$f20_sum"
		fi
		if check "$t: scp ($mode) download" timeout 120 scp -q \
			"${opt[@]}" "${SCPO[@]}" "alice@$t@127.0.0.1:$D/up.$mode" \
			"$T/down.$mode"; then
			is "$t: scp ($mode) download: checksum" \
				"$(remote_sum "$T/down.$mode")" "$f20_sum"
		fi
		rm -f "$D/up.$mode"
	done

	rm -f "$D/sftp.up" "$T/sftp.down"
	printf 'put %s %s\nget %s %s\nls -l %s\n' "$T/f20" "$D/sftp.up" \
		"$D/sftp.up" "$T/sftp.down" "$D/sftp.up" >"$T/batch"
	if check "$t: sftp -b put and get" timeout 120 sftp -q -b "$T/batch" \
		"${SCPO[@]}" "alice@$t@127.0.0.1"; then
		is "$t: sftp put: checksum" "$(remote_sum "$D/sftp.up")" "$f20_sum"
		is "$t: sftp get: checksum" "$(remote_sum "$T/sftp.down")" \
			"$f20_sum"
	fi
	rm -f "$D/sftp.up"
done

# rsync of a tree of ~2000 small files, up (t1) and back down (t2).
mkdir -p "$T/tree"
for i in $(seq 0 19); do
	mkdir -p "$T/tree/d$i/sub"
	for j in $(seq 0 99); do
		head -c $(((i * 100 + j) * 37 % 3000)) /dev/urandom \
			>"$T/tree/d$i/f$j"
	done
	ln -s "f0" "$T/tree/d$i/link"
	echo "$i" >"$T/tree/d$i/sub/leaf"
done
chmod -R go+rX "$T/tree"
nfiles=$(find "$T/tree" -type f | wc -l)
RSH="ssh ${SSHO[*]} -p $JG_PORT"
t0=$(now)
if check "rsync -a up through the gateway ($nfiles files)" timeout 180 \
	rsync -a -e "$RSH" "$T/tree/" "alice@t1@127.0.0.1:$D/tree/"; then
	diag "rsync up in $(secs "$t0" "$(now)") s"
	check "rsync up: trees equal (diff -r)" diff -r "$T/tree" "$D/tree"
fi
t0=$(now)
if check "rsync -a down through the gateway" timeout 180 \
	rsync -a -e "$RSH" "alice@t2@127.0.0.1:$D/tree/" "$T/tree.back/"; then
	diag "rsync down in $(secs "$t0" "$(now)") s"
	check "rsync down: trees equal (diff -r)" diff -r "$T/tree" \
		"$T/tree.back"
fi
# A change on the target side comes back as a delta.
echo changed >>"$D/tree/d3/f7"
check "rsync down again after a change" timeout 180 \
	rsync -a -e "$RSH" "alice@t2@127.0.0.1:$D/tree/" "$T/tree.back/"
check "rsync down again: trees equal" diff -r "$D/tree" "$T/tree.back"

# ------------------------------------------------------------ ControlMaster

CP=$T/cm.sock
CMO=(-o ControlPath="$CP")
timeout 30 ssh "${SSHO[@]}" "${CMO[@]}" -o ControlMaster=yes -o ControlPersist=no \
	-N -f -p "$JG_PORT" alice@t1@127.0.0.1 </dev/null >"$T/cm.out" 2>&1
if check "ControlMaster connection is up" wait_for 10 \
	ssh "${CMO[@]}" -O check -p "$JG_PORT" alice@t1@127.0.0.1; then
	logins=$(grep -c 'alice authenticated' "$T/jumpgated.log")
	gw t1 "${CMO[@]}" -o ControlMaster=no 'echo first; sleep 1; exit 5' \
		</dev/null >"$T/cm1" 2>&1 &
	cm1=$!
	out2=$(gw t1 "${CMO[@]}" -o ControlMaster=no 'echo second $USER' \
		</dev/null 2>&1)
	rc2=$?
	wait $cm1
	rc1=$?
	is "ControlMaster: first session output" "$(cat "$T/cm1")" first
	is "ControlMaster: first session exit status" "$rc1" 5
	is "ControlMaster: second session output" "$out2" "second jgtarget"
	is "ControlMaster: second session exit status" "$rc2" 0
	out3=$(printf 'via mux\n' | gw t1 "${CMO[@]}" -o ControlMaster=no cat \
		2>&1)
	is "ControlMaster: stdin through a multiplexed session" "$out3" \
		"via mux"
	# They really went over the one connection: no new login.
	is "ControlMaster: the sessions made no new connection" \
		"$(grep -c 'alice authenticated' "$T/jumpgated.log")" "$logins"
	check "ssh -O exit ends the master" timeout 10 \
		ssh "${CMO[@]}" -O exit -p "$JG_PORT" alice@t1@127.0.0.1
	check "the control socket is gone" wait_for 5 test ! -e "$CP"
fi

# ------------------------------------------------------------ slow reader

# The worker for a new connection: the child of the master that is not the
# keeper, once the workers of earlier connections are gone.
other_workers() {
	local p
	for p in $(pgrep -P "$JGD_PID"); do
		case $KEEPER_PIDS in *" $p "*) ;; *) return 0 ;; esac
	done
	return 1
}
# An earlier worker still there would be measured instead of the new one.
check "the workers of earlier connections have exited" \
	wait_for 10 eval '! other_workers'
FLOOD=$((300 * 1048576))
SLOW=$((48 * 1048576))
{
	gw t1 "head -c $FLOOD /dev/zero" </dev/null 2>"$T/flood.err" | {
		sleep 3
		# 48 MiB at about 12 MiB/s, then the rest at full speed.
		for i in $(seq 1 48); do
			dd bs=64k count=16 iflag=fullblock of=/dev/null \
				status=none
			sleep 0.08
		done
		wc -c >"$T/flood.rest"
	}
} &
flood=$!
worker=""
for i in $(seq 1 50); do
	for p in $(pgrep -P "$JGD_PID"); do
		case $KEEPER_PIDS in *" $p "*) continue ;; esac
		worker=$p
	done
	[ -n "$worker" ] && break
	sleep 0.1
done
if [ -z "$worker" ]; then
	not_ok "flooding target, slow reader: found the worker"
else
	max=0
	samples=""
	for i in $(seq 1 14); do
		sleep 0.5
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$worker/status" \
			2>/dev/null)
		[ -n "$rss" ] || break
		samples="$samples $rss"
		[ "$rss" -gt "$max" ] && max=$rss
	done
	diag "worker $worker RSS samples (KiB):$samples"
	nsamples=$(echo $samples | wc -w)
	if [ "$nsamples" -ge 8 ] && [ "$max" -lt "$(mem_limit 65536)" ]; then
		ok "flooding target, slow reader: worker RSS stays under 64 MiB (max $max KiB)"
	else
		not_ok "flooding target, slow reader: worker RSS stays under 64 MiB" \
			"max $max KiB over $nsamples samples"
	fi
fi
wait $flood
rest=$(tr -d ' ' <"$T/flood.rest" 2>/dev/null)
is "flooding target, slow reader: every byte arrives" \
	"$((SLOW + ${rest:-0}))" "$FLOOD"

# The gateway is still fine afterwards.
check_out "a session after all that" '^still here$' gw t2 'echo still here'
