#!/usr/bin/env bash
# t-gw-mfa: one-time codes at login. `user mfa NAME --totp` enrols a TOTP
# key (sealed in the vault: neither the database nor the logs hold it) and
# ten recovery codes; the user then logs in with the key and a code at the
# `verification code:` prompt (keyboard-interactive), computed here by an
# independent implementation (oathtool). A code counts once; one step of
# skew either way; an old one, a wrong one, a replayed one are refused,
# audited and count toward the source's penalty; a recovery code works
# once. `access add --mfa` rules need a login with a code; RequireMFA
# refuses users without codes, naming why; ApproverMFA keeps deciding from
# those who logged in without one; --off removes the codes.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config "PenaltyFailures 4" "PenaltyWindow 300" "PenaltyDuration 300"
jg_init
have oathtool || bail "oathtool is not installed"
target_sshd_start || bail "no target sshd"
jg_targets t1 t2 t3 t4
for u in alice bob dave; do jg_user "$u" ops; done
jg_user carol approver
"$JG" access add ops t1 >/dev/null || bail "access t1"
check_out "access add --mfa says so" 'standing access to t2, with a one-time code at login$' \
	"$JG" access add ops t2 --mfa
check "access list --json shows it" sh -c "\"$JG\" access list --json | jq -e '[.[].mfa] == [false, true]' >/dev/null"
"$JG" access add ops 't[34]' --approval-by approver >/dev/null || bail "access t3"
jgd_start || bail "jumpgated did not start"

# ------------------------------------------------------------- enrolment
"$JG" user mfa alice --totp >"$T/enrol" 2>&1
check_out "enrolment shows an otpauth URI" \
	'^  otpauth://totp/jumpgate:alice\?secret=[A-Z2-7]{32}&issuer=jumpgate&algorithm=SHA1&digits=6&period=30$' \
	cat "$T/enrol"
KEY=$(sed -n 's/.*secret=\([A-Z2-7]*\)&.*/\1/p' "$T/enrol")
mapfile -t RC < <(sed -n 's/^  \([a-z2-7]\{5\}-[a-z2-7]\{5\}\)$/\1/p' "$T/enrol")
is "and ten distinct recovery codes" "$(printf '%s\n' "${RC[@]}" | sort -u | wc -l)" 10
is "user list --json says who has codes" \
	"$("$JG" user list --json | jq -r '[.[] | select(.mfa) | .name] | join(",")')" alice
check_out "user list marks it" '^alice .*\(mfa\)$' "$JG" user list
check "the enrolment is audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"user.mfa\" and (.detail | contains(\"user=alice\")))' >/dev/null"
if sqlite3 "$T/state/jumpgate.db" .dump | grep -qF -- "$KEY" ||
	sqlite3 "$T/state/jumpgate.db" .dump | grep -qF -- "${RC[0]}"; then
	not_ok "the database holds neither the key nor a recovery code"
else
	ok "the database holds neither the key nor a recovery code"
fi
# on a terminal, the URI is also a QR code (qrencode, fed on its stdin)
have qrencode || bail "qrencode is not installed"
TS=$T/tmux.sock
tmux -S "$TS" new-session -d -x 100 -y 60 \
	"\"$JG\" user mfa dave --totp; echo enrol-done; sleep 30"
wait_for 10 sh -c "tmux -S '$TS' capture-pane -p | grep -q enrol-done"
tmux -S "$TS" capture-pane -p -S -100 >"$T/qr.screen"
tmux_stop "$TS"
check "on a terminal the URI is also drawn as a QR code" grep -q '█' "$T/qr.screen"
check_out "dave's codes go again" '^removed the one-time codes of dave' "$JG" user mfa dave --off
expect_usage "--totp or --off" "needs one of --totp and --off" "$JG" user mfa alice
expect_usage "not both" "needs one of --totp and --off" "$JG" user mfa alice --totp --off
expect_error "an unknown user" "no such user: nobody" "$JG" user mfa nobody --totp
expect_error "an invalid name" "invalid user name" "$JG" user mfa 'a;b' --totp

# ------------------------------------------------------------- logins
# the askpass program answers each prompt with the next line of $T/answer
cat >"$T/askpass" <<EOF
#!/bin/sh
n=\$((\$(cat "$T/asked") + 1))
echo "\$n" >"$T/asked"
sed -n "\${n}p" "$T/answer"
EOF
chmod 0755 "$T/askpass"
# mfa_as USER SRC ANSWERS ARGS...: ssh as USER from SRC, answering the
# verification code prompts with the lines of ANSWERS, one try per line
# (through SSH_ASKPASS, no terminal).
mfa_as() {
	local u=$1 src=$2 tries
	printf '%s\n' "$3" >"$T/answer"
	echo 0 >"$T/asked"
	tries=$(grep -c '' "$T/answer")
	shift 3
	SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		timeout 60 setsid -w ssh -o BatchMode=no -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel="${MFA_LOG:-ERROR}" \
		-o IdentitiesOnly=yes -o ConnectTimeout=10 \
		-o NumberOfPasswordPrompts="$tries" -b "$src" -p "$JG_PORT" \
		-i "$T/keys/$u" "$@" </dev/null
}
# refused DESC ERE CMD...: CMD fails as ssh does (255) with ERE in its
# stderr among ssh's own lines (a banner, the final "Permission denied")
refused() {
	local desc=$1 pat=$2
	shift 2
	"$@" >"$T/r.out" 2>"$T/r.err"
	local rc=$?
	if [ $rc -eq 255 ] && grep -Eq -- "$pat" "$T/r.err"; then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "exit status: $rc" "stderr: $(_tail "$T/r.err")"
	fi
}
totp() { oathtool --totp -b "$KEY" ${1:+-N "$1"}; }
# a fresh 30 s step, so that "the next step" below is not the one after it
s=$(( $(date +%s) % 30 )); ((s > 24)) && sleep $((31 - s))
C=$(totp)
check_out "alice logs in with her key and the current code" '^ok$' \
	mfa_as alice 127.0.0.1 "$C" alice@t1@127.0.0.1 'echo ok'
check "the login is audited with mfa=totp" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"login\" and .actor == \"alice\" and (.detail | contains(\"mfa=totp\")))' >/dev/null"
expect_error --code 255 "the same code again is refused" "Permission denied" \
	mfa_as alice 127.0.0.2 "$C" alice@t1@127.0.0.1 true
check "a replay is audited as such" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"auth.fail\" and (.detail | contains(\"user=alice\") and contains(\"reason=mfa-replay\")))' >/dev/null"
expect_error --code 255 "a code of five minutes ago is refused" "Permission denied" \
	mfa_as alice 127.0.0.2 "$(totp 'now - 300 seconds')" alice@t1@127.0.0.1 true
check "a wrong code is audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"auth.fail\" and (.detail | contains(\"user=alice\") and contains(\"reason=mfa \") or endswith(\"reason=mfa\")))' >/dev/null"
check_out "the next step's code is accepted (skew)" '^ok$' \
	mfa_as alice 127.0.0.1 "$(totp 'now + 30 seconds')" alice@t1@127.0.0.1 'echo ok'
expect_error --code 255 "after it, the current code is old" "Permission denied" \
	mfa_as alice 127.0.0.2 "$C" alice@t1@127.0.0.1 true
# each wrong code counts for its source: the fourth from 127.0.0.2 within
# the window gets that source refused, this connection too
mfa_as alice 127.0.0.2 000000 alice@t1@127.0.0.1 true >/dev/null 2>&1
is "a fourth wrong code from one source ends its connection" "$?" 255
refused "the failures penalise their source" "Connection (reset|closed)" \
	mfa_as alice 127.0.0.2 "${RC[9]}" alice@t1@127.0.0.1 true
check "the penalty is audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"penalty\" and (.detail | contains(\"127.0.0.2\")))' >/dev/null"
check_out "a recovery code logs in" '^ok$' \
	mfa_as alice 127.0.0.1 "${RC[0]}" alice@t1@127.0.0.1 'echo ok'
check "audited as the first recovery code" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"login\" and (.detail | contains(\"mfa=recovery-1\")))' >/dev/null"
# (refusals from here on come from other sources: PenaltyFailures is 4)
expect_error --code 255 "a recovery code works once" "Permission denied" \
	mfa_as alice 127.0.0.3 "${RC[0]}" alice@t1@127.0.0.1 true
up=$(printf '%s' "${RC[1]}" | tr a-z A-Z | tr -d -)
check_out "in capitals, without its dash" '^ok$' mfa_as alice 127.0.0.1 "$up" alice@t1@127.0.0.1 'echo ok'
MFA_LOG=INFO check_out "a wrong code, then a right one on the same connection" '^ok$' \
	mfa_as alice 127.0.0.1 "$(printf '111111\n%s' "${RC[6]}")" alice@t1@127.0.0.1 'echo ok'
check "the second prompt said why" grep -q "^wrong verification code. Enter the code" "$ERR"
three=$(printf '111111\n222222\n333333\n%s' "${RC[7]}")
refused "three wrong codes end the login" "Permission denied" \
	mfa_as alice 127.0.0.9 "$three" alice@t1@127.0.0.1 true
is "after the third, no fourth prompt" "$(cat "$T/asked")" 3
expect_error --code 255 "a key alone is not enough for alice" "Permission denied" \
	jg_as alice alice@t1@127.0.0.1 true

# ------------------------------------------------------------- rules
check_out "bob (no codes) logs in with his key" '^ok$' jg_as bob bob@t1@127.0.0.1 'echo ok'
expect_error "a rule with --mfa refuses a login without a code" \
	"t2: access needs a login with a one-time code \(rule 2 demands MFA\)" \
	jg_as bob bob@t2@127.0.0.1 true
check "audited as access.denied reason=mfa" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"access.denied\" and (.detail | contains(\"target=t2\") and contains(\"reason=mfa\")))' >/dev/null"
check_out "and lets alice in with one" '^ok$' \
	mfa_as alice 127.0.0.1 "${RC[2]}" alice@t2@127.0.0.1 'echo ok'

# ------------------------------------------------------------- secrets
if grep -qF -- "$KEY" "$T/jumpgated.log" || grep -qF -- "${RC[3]}" "$T/jumpgated.log"; then
	not_ok "the daemon's log holds neither the key nor a recovery code"
else
	ok "the daemon's log holds neither the key nor a recovery code"
fi

# ------------------------------------------------------------- RequireMFA, ApproverMFA
jgd_stop
# a new vault key: the codes are re-sealed with the targets' secrets
check_out "vault rekey re-seals the codes too" '^vault rekeyed: [0-9]+ secrets re-sealed' "$JG" vault rekey
check "audited with them" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"vault.rekey\" and (.detail | endswith(\" mfa=1\")))' >/dev/null"
sed -i '/^PenaltyFailures/d' "$JUMPGATE_CONFIG"
printf 'RequireMFA yes\nApproverMFA yes\n' >>"$JUMPGATE_CONFIG"
jgd_start || bail "jumpgated did not restart"
refused "RequireMFA refuses bob, saying why" \
	"this gateway requires a one-time code \(RequireMFA\) and bob has none; an admin enrols one with: jumpgate user mfa bob --totp" \
	env -u SSH_ASKPASS timeout 60 ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=INFO -o IdentitiesOnly=yes \
	-p "$JG_PORT" -i "$T/keys/bob" bob@t1@127.0.0.1 true
check "audited as auth.fail reason=no-mfa" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"auth.fail\" and (.detail | contains(\"user=bob\") and contains(\"reason=no-mfa\")))' >/dev/null"
check_out "after the rekey, alice's codes still open" '^ok$' \
	mfa_as alice 127.0.0.1 "${RC[8]}" alice@t1@127.0.0.1 'echo ok'
"$JG" user mfa carol --totp >"$T/enrol-carol" || bail "enrol carol"
mapfile -t CRC < <(sed -n 's/^  \([a-z2-7]\{5\}-[a-z2-7]\{5\}\)$/\1/p' "$T/enrol-carol")
pending() { "$JG" requests --pending --json | jq -r 'max_by(.id).id // empty'; }
mfa_as alice 127.0.0.1 "${RC[4]}" alice@127.0.0.1 request t3 --reason mfa-test >/dev/null 2>&1
REQ=$(pending)
[ -n "$REQ" ] || bail "alice's request was not filed"
check_out "an approver who logged in with a code decides" "^approved request $REQ" \
	mfa_as carol 127.0.0.1 "${CRC[0]}" carol@127.0.0.1 approve "$REQ"
"$JG" user mfa carol --off >/dev/null || bail "carol --off"
sed -i '/^RequireMFA/d' "$JUMPGATE_CONFIG"
jgd_stop
jgd_start || bail "jumpgated did not restart"
mfa_as alice 127.0.0.1 "${RC[5]}" alice@127.0.0.1 request t4 --reason again >/dev/null 2>&1
REQ=$(pending)
[ -n "$REQ" ] || bail "alice's second request was not filed"
expect_error "ApproverMFA: one without a code may not" "deciding requests needs a login with a one-time code" \
	jg_as carol carol@127.0.0.1 approve "$REQ"
"$JG" review start --reviewer-role approver >/dev/null || bail "review start"
expect_error "nor decide an access review item" "deciding review items needs a login with a one-time code" \
	jg_as carol carol@127.0.0.1 review 1 keep

# ------------------------------------------------------------- at the prompt
# the account is disabled while its user is at the code prompt: the
# askpass program disables it before it answers (with a valid code)
cat >"$T/askpass-disable" <<EOF
#!/bin/sh
"$JG" user disable alice --reason at-the-prompt >/dev/null 2>&1
sleep "\$(cat "$T/delay")"
sed -n 1p "$T/answer"
EOF
chmod 0755 "$T/askpass-disable"
for delay in 0 3; do
	echo "$delay" >"$T/delay"
	printf '%s\n' "${RC[9 - delay / 3]}" >"$T/answer"
	SSH_ASKPASS=$T/askpass-disable SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		timeout 60 setsid -w ssh -o BatchMode=no -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes \
		-o NumberOfPasswordPrompts=1 -p "$JG_PORT" -i "$T/keys/alice" \
		alice@t1@127.0.0.1 'echo in' </dev/null >"$T/prompt.out" 2>&1
	rc=$?
	if [ $rc -eq 255 ] && ! grep -q '^in$' "$T/prompt.out"; then
		ok "disabled at the code prompt (answer after ${delay} s): not logged in"
	else
		not_ok "disabled at the code prompt (answer after ${delay} s): not logged in" \
			"exit status: $rc" "output: $(cat "$T/prompt.out")"
	fi
	"$JG" user enable alice >/dev/null || bail "enable alice"
done

# ------------------------------------------------------------- lockout
# MFA_FAIL_MAX (10) wrong codes within an hour lock a user's codes, from
# whatever sources they come (3 per connection, 4 sources here)
"$JG" user mfa dave --totp >"$T/enrol-dave" || bail "enrol dave"
mapfile -t DRC < <(sed -n 's/^  \([a-z2-7]\{5\}-[a-z2-7]\{5\}\)$/\1/p' "$T/enrol-dave")
for src in 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7; do
	mfa_as dave "$src" "$(printf '111111\n222222\n333333')" dave@t1@127.0.0.1 true >/dev/null 2>&1
done
check "the tenth wrong code is audited as locking them" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"auth.fail\" and (.detail | contains(\"user=dave\") and endswith(\"locked=yes\")))' >/dev/null"
refused "then even a right code is refused, saying why" "too many wrong codes" \
	env MFA_LOG=INFO bash -c "$(declare -f mfa_as); T='$T' JG_PORT='$JG_PORT'; mfa_as dave 127.0.0.8 '${DRC[0]}' dave@t1@127.0.0.1 true"
check "audited as mfa-locked" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"auth.fail\" and (.detail | contains(\"user=dave\") and contains(\"reason=mfa-locked\")))' >/dev/null"
"$JG" user mfa dave --totp >"$T/enrol-dave" || bail "enrol dave again"
mapfile -t DRC < <(sed -n 's/^  \([a-z2-7]\{5\}-[a-z2-7]\{5\}\)$/\1/p' "$T/enrol-dave")
check_out "new codes unlock him" '^ok$' mfa_as dave 127.0.0.8 "${DRC[0]}" dave@t1@127.0.0.1 'echo ok'

# ------------------------------------------------------------- --off
check_out "--off removes the codes" '^removed the one-time codes of alice' "$JG" user mfa alice --off
check_out "alice logs in with her key alone again" '^ok$' jg_as alice alice@t1@127.0.0.1 'echo ok'
expect_error "--off twice" "no one-time codes for user alice" "$JG" user mfa alice --off
jgd_stop
