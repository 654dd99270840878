#!/usr/bin/env bash
# t-gw-review: an access review campaign. `review start` makes one item
# per user and role that gives standing access (with that access and its
# last use); reviewers (the reviewer role, never the user under review)
# decide through the gateway (`reviews`, `review ITEM keep|revoke`) or on
# the host (`review decide ... --as`); `review close` takes the revoked
# roles, and the revoked user's live session ends within seconds; at the
# due time the daemon closes a campaign, undecided items taking its
# default. Everything is audited; bad input is one clear line.
# `review list --json` is read with jq at each step: the campaign's id,
# state, reviewers, roles, default, its counts (items, decided, the
# undecided ones as items - decided, revoke) and who closed it when:
# open with 2 of 3 decided before the close, closed by the caller with all
# 3 decided (the default counts) after it, and the due campaign closed by
# jumpgated with its one item revoked by default.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
target_sshd_start || bail "no target sshd"
jg_targets t1 t2 t3
jg_user alice ops
jg_user bob ops dba
jg_user carol auditor
jg_user dave ops auditor
"$JG" access add ops t1 >/dev/null || bail "access t1"
"$JG" access add dba t2 >/dev/null || bail "access t2"
"$JG" access add ops t3 --approval-by auditor >/dev/null || bail "access t3"
jgd_start || bail "jumpgated did not start"
jg_as bob bob@t1@127.0.0.1 true || bail "bob's session"

# alice works on t1 in a live session
TS=$T/tmux.sock
tm() { tmux -S "$TS" "$@"; }
tm new-session -d -x 100 -y 30 "ssh -tt -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes \
	-i $T/keys/alice -p $JG_PORT alice@t1@127.0.0.1; echo client-gone; sleep 60"
wait_for 15 sh -c "tmux -S '$TS' capture-pane -p | grep -q 'jgtarget@'" ||
	bail "alice's shell did not start"

# ------------------------------------------------------------- start
check_out "a review of role ops: three items" \
	'^review 1: 3 items for role auditor to decide by .* \(undecided then: keep\)$' \
	"$JG" review start --role ops --due 1h
"$JG" review show 1 --json >"$T/r1.json" || bail "review show --json"
is "one item per user holding ops, with its access" \
	"$(jq -r '.item_list | map("\(.item):\(.user):\(.role):\(.access)") | join(" ")' "$T/r1.json")" \
	"1:alice:ops:t1 (rule 1) 2:bob:ops:t1 (rule 1) 3:dave:ops:t1 (rule 1)"
check "bob's last use of t1 is there, dave never used it" jq -e \
	'(.item_list[1].last_used | test("^20")) and .item_list[2].last_used == null' "$T/r1.json"
check "the start is audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"review.start\" and (.detail | contains(\"review=1 items=3 reviewers=auditor roles=ops\")))' >/dev/null"

# ------------------------------------------------------------- decide
check_out "carol (auditor) sees the three items" '^3 +1 +dave +ops ' \
	jg_as carol carol@127.0.0.1 reviews
is "dave (auditor too) sees the two that are not his" \
	"$(jg_as dave dave@127.0.0.1 reviews | awk 'NR > 1 {print $3}' | tr '\n' ,)" "alice,bob,"
check_out "bob (no auditor) has nothing to decide" '^no access review item for you to decide$' \
	jg_as bob bob@127.0.0.1 reviews
check_out "carol revokes alice's ops" \
	"^item 1: revoke alice's role ops \(review 1\): taken when the review closes$" \
	jg_as carol carol@127.0.0.1 review 1 revoke --comment left the team
check_out "and keeps bob's" "^item 2: keep bob's role ops \(review 1\)$" \
	jg_as carol carol@127.0.0.1 review 2 keep
expect_error "dave may not decide his own access" "item 3 is dave's own access: another reviewer decides it" \
	jg_as dave dave@127.0.0.1 review 3 keep
expect_error "bob is no reviewer" "only users with role auditor review the access of review 1" \
	jg_as bob bob@127.0.0.1 review 1 keep
expect_error "an item that is not there" "no such review item: 999" \
	jg_as carol carol@127.0.0.1 review 999 keep
expect_error --code 2 "keep or revoke, nothing else" "review: decide keep or revoke" \
	jg_as carol carol@127.0.0.1 review 1 maybe
expect_error --code 2 "an ITEM is a number" "review: an ITEM is a number" \
	jg_as carol carol@127.0.0.1 review x keep
check_out "on the host, carol changes her mind on bob (--as)" "^item 2: keep bob's role ops \(review 1\)$" \
	"$JG" review decide 2 keep --as carol --comment "on call"
expect_usage "decide needs --as" "needs ITEM, keep or revoke, and --as USER" "$JG" review decide 2 keep
check_out "review list shows the progress" '^1 +open +.* auditor +3 +2 +1  keep$' "$JG" review list
# rl JQ-EXPR: `review list --json` parses and the expression is true.
rl() {
	"$JG" review list --json >"$T/rl.json" || return 1
	jq -e "$1" "$T/rl.json" >/dev/null
}
me=$(id -un)
check "review list --json: one campaign, id 1, open, for auditor on ops, default keep" rl \
	'length == 1 and .[0].id == 1 and .[0].state == "open" and
	 .[0].reviewer_role == "auditor" and .[0].roles == "ops" and
	 .[0].default == "keep" and .[0].created_by == "'"$me"'" and
	 (.[0].due | test("^20"))'
check "review list --json: 3 items, 2 decided, 1 undecided, 1 to revoke" rl \
	'.[0].items == 3 and .[0].decided == 2 and .[0].items - .[0].decided == 1 and .[0].revoke == 1'
check "review list --json: not closed yet (closed, closed_by null)" rl \
	'.[0].closed == null and .[0].closed_by == null'
check "each decision is audited" sh -c "\"$JG\" audit --json | jq -e \
	'[.[] | select(.action == \"review.decide\")] | length == 3 and
	 any(.[]; .detail | contains(\"item=1 as carol user=alice role=ops decision=revoke comment=left the team\"))' >/dev/null"

# ------------------------------------------------------------- close
check_out "closing takes alice's role" '^closed review 1: 1 role revoked, 2 kept$' "$JG" review close 1
check "review list --json after close: closed, by the caller" rl \
	'length == 1 and .[0].id == 1 and .[0].state == "closed" and
	 (.[0].closed | test("^20")) and .[0].closed_by == "'"$me"'"'
check "review list --json after close: all 3 decided (the default counts), 0 undecided, 1 revoke" rl \
	'.[0].items == 3 and .[0].decided == 3 and .[0].items - .[0].decided == 0 and .[0].revoke == 1'
check "alice's live session on t1 ends within seconds" \
	wait_for 10 sh -c "tmux -S '$TS' capture-pane -p -S -50 | grep -q client-gone"
check "she was told why" sh -c "tmux -S '$TS' capture-pane -p -S -50 | grep -q 'your access to t1 was removed'"
tmux_stop "$TS"
is "alice has no role left; bob and dave keep ops" \
	"$("$JG" user list --json | jq -r 'map("\(.name):\(.roles | join("+"))") | join(" ")')" \
	"alice: bob:dba+ops carol:auditor dave:auditor+ops"
"$JG" review show 1 --json >"$T/r1.json" || bail "review show --json"
check "dave's undecided item took the default, alice's was applied" jq -e \
	'.state == "closed" and .item_list[2].decision == "keep" and .item_list[2].by_default and
	 (.item_list[0].applied | test("^20")) and .item_list[1].applied == null' "$T/r1.json"
check "the revocation and the close are audited" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"review.revoke\" and (.detail | contains(\"review=1 item=1 user=alice role=ops\"))) and
	 any(.[]; .action == \"review.close\" and (.detail | contains(\"review=1 revoked=1 kept=2 by_default=1\")))' >/dev/null"
expect_error "a closed review takes no decision" "review 1 is closed: item 2 can no longer be decided" \
	jg_as carol carol@127.0.0.1 review 2 revoke
expect_error "nor a second close" "review 1 is closed already" "$JG" review close 1
expect_error "alice reaches t1 no more" "access to t1 denied: no access rule gives alice access to it" \
	jg_as alice alice@t1@127.0.0.1 true

# ------------------------------------------------------------- due
# bob works on t2 (role dba) while a review of dba runs out
tm new-session -d -x 100 -y 30 "ssh -tt -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes \
	-i $T/keys/bob -p $JG_PORT bob@t2@127.0.0.1; echo client-gone; sleep 60"
wait_for 15 sh -c "tmux -S '$TS' capture-pane -p | grep -q 'jgtarget@'" ||
	bail "bob's shell did not start"
check_out "a review due in 2 s, undecided items revoked" '^review 2: 1 item for role auditor' \
	"$JG" review start --role dba --due 2s --default revoke
check "review list --json: review 2 open, 1 item, none decided, default revoke" rl \
	'length == 2 and (map(.id) == [1, 2]) and
	 (.[] | select(.id == 2) | .state == "open" and .roles == "dba" and
	  .default == "revoke" and .items == 1 and .decided == 0 and .revoke == 0)'
sleep 2.5
expect_error "past its due time, no decision" "review 2 is (past its due time|closed): item 4 can no longer be decided" \
	jg_as carol carol@127.0.0.1 review 4 keep
check "the daemon closes it at its due time" wait_for 30 sh -c \
	"\"$JG\" user list --json | jq -e '.[] | select(.name == \"bob\") | .roles == [\"ops\"]' >/dev/null"
check "and bob's live session on t2 ends within seconds" \
	wait_for 10 sh -c "tmux -S '$TS' capture-pane -p -S -50 | grep -q client-gone"
tmux_stop "$TS"
check "as jumpgated, by the default" sh -c "\"$JG\" audit --json | jq -e \
	'any(.[]; .action == \"review.revoke\" and .actor == \"jumpgated\" and (.detail | contains(\"user=bob role=dba by=default\")))' >/dev/null"
check_out "review list shows both closed" '^2 +closed ' "$JG" review list
check "review list --json: review 2 closed by jumpgated, its item revoked by default" rl \
	'(.[] | select(.id == 2) | .state == "closed" and .closed_by == "jumpgated" and
	  .items == 1 and .decided == 1 and .revoke == 1) and
	 (.[] | select(.id == 1) | .state == "closed" and .decided == 3)'

# ------------------------------------------------------------- bad input
snap_save
expect_error "--default keep or revoke" "invalid --default: 'maybe' \(keep or revoke\)" \
	"$JG" review start --default maybe
expect_error "--due a duration" "invalid --due: 'soon'" "$JG" review start --due soon
expect_error "--role a name" "invalid --role: 'a;b'" "$JG" review start --role 'a;b'
expect_error "nothing to review" "no user holds those roles with standing access: nothing to review" \
	"$JG" review start --role nosuchrole
expect_error "review show: no such review" "no such review: 99" "$JG" review show 99
expect_error "review show: an ID" "invalid review ID: 'x'" "$JG" review show x
expect_usage "review needs a subcommand" "review needs a subcommand" "$JG" review
expect_usage "an unknown subcommand" "unknown review command 'frob'" "$JG" review frob
snap_same "bad input changed nothing"
jgd_stop
