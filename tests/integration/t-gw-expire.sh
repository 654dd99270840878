#!/usr/bin/env bash
# t-gw-expire: ExpireInactiveDays N: the daemon disables users who have
# not logged in for N days (counted from their creation if they never
# did), audited as jumpgated with the reason; a login records its time
# (user list --json last_login); active and new users stay enabled;
# their logins are refused once disabled.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_config "ExpireInactiveDays 30"
jg_init
have sqlite3 || bail "sqlite3 is not installed"
target_sshd_start || bail "no target sshd"
jg_targets t1
for u in alice bob carol dave; do jg_user "$u" ops; done
"$JG" access add ops t1 >/dev/null || bail "access"
DB=$T/state/jumpgate.db
old=$(date -u -d '40 days ago' +%Y-%m-%dT%H:%M:%SZ)
older=$(date -u -d '100 days ago' +%Y-%m-%dT%H:%M:%SZ)
# carol was created 40 days ago and never logged in; dave logged in 40
# days ago; alice logs in below; bob is new.
sqlite3 "$DB" "UPDATE users SET created = '$older' WHERE name IN ('carol', 'dave');
	UPDATE users SET last_login = '$old' WHERE name = 'dave';" || bail "sqlite3"
jgd_start || bail "jumpgated did not start"

check_out "alice logs in" '^ok$' jg_as alice alice@t1@127.0.0.1 'echo ok'
last=$("$JG" user list --json | jq -r '.[] | select(.name == "alice") | .last_login')
check "her login's time is kept" test "$last" \> "$(date -u -d '1 minute ago' +%Y-%m-%dT%H:%M:%SZ)"
disabled() { "$JG" user list --json | jq -r '[.[] | select(.disabled) | .name] | join(",")'; }
wait_for 10 sh -c "[ \"\$(\"$JG\" user list --json | jq -r '[.[] | select(.disabled) | .name] | join(\",\")')\" = carol,dave ]"
is "the users inactive for 30 days are disabled, the others not" "$(disabled)" "carol,dave"
is "with the reason" "$("$JG" user list --json | jq -r '.[] | select(.name == "dave") | .disabled_reason')" \
	"inactive for 30 days"
check "each is audited as jumpgated" sh -c "\"$JG\" audit --json | jq -e '
	[.[] | select(.action == \"user.disable\" and .actor == \"jumpgated\") | .detail] as \$d |
	(\$d | length) == 2 and (\$d | all(contains(\"inactive for 30 days\")))' >/dev/null"
expect_error --code 255 "a disabled user's login is refused" "Permission denied" jg_as dave dave@t1@127.0.0.1 true
check_out "an active user still logs in" '^ok$' jg_as bob bob@t1@127.0.0.1 'echo ok'
check_out "enable lets one back" '^enabled user dave$' "$JG" user enable dave
