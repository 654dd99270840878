/* test-store-jit.c: just-in-time access in the store: requests, N approvers, grants, races, migration; NotifyCommand. */

#include <sys/stat.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "master.h"
#include "store-int.h"

static char dbpath[64];
static const struct store_actor actor = { "root", 0 };

static void
db_unlink(void)
{
	char p[80];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static long long
raw_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
raw_exec(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * alice: dev and lead (she may request, and approves others' requests);
 * bob, carol: lead; dave: dev only. Rule: dev may request db* with 2 leads.
 */
static int
setup(void **state)
{
	char *alice[] = { "dev", "lead" }, *lead[] = { "lead" };
	char *dev[] = { "dev" };
	struct store_target t;
	struct store_rule r;
	struct store *s;
	char err[JG_ERRLEN];

	snprintf(dbpath, sizeof(dbpath), "/tmp/jg-test-jit-%ld.db",
	    (long)getpid());
	db_unlink();
	if (store_open(dbpath, STORE_CREATE, &s, err, sizeof(err)) != JG_OK)
		return -1;
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "db01");
	snprintf(t.host, sizeof(t.host), "127.0.0.1");
	t.port = 22;
	snprintf(t.login, sizeof(t.login), "root");
	snprintf(t.host_key, sizeof(t.host_key), "ssh-ed25519 AAAA");
	memset(&r, 0, sizeof(r));
	snprintf(r.role, sizeof(r.role), "dev");
	snprintf(r.target_glob, sizeof(r.target_glob), "db*");
	snprintf(r.approval_role, sizeof(r.approval_role), "lead");
	r.approvals = 2;
	r.max_duration = 7200;
	if (store_user_add(s, &actor, "alice", alice, 2, NULL) != JG_OK ||
	    store_user_add(s, &actor, "bob", lead, 1, NULL) != JG_OK ||
	    store_user_add(s, &actor, "carol", lead, 1, NULL) != JG_OK ||
	    store_user_add(s, &actor, "dave", dev, 1, NULL) != JG_OK ||
	    store_target_add(s, &actor, &t) != JG_OK ||
	    store_rule_add(s, &actor, &r) != JG_OK)
		return -1;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	store_close(*state);
	db_unlink();
	return 0;
}

static long long
file_request(struct store *s, const char *user, long duration, int needed)
{
	struct store_request r;

	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "%s", user);
	snprintf(r.target, sizeof(r.target), "db01");
	snprintf(r.reason, sizeof(r.reason), "INC-42 disk \"full\"");
	snprintf(r.approval_role, sizeof(r.approval_role), "lead");
	r.duration = duration;
	r.rule_id = 1;
	r.approvals_needed = needed;
	assert_int_equal(store_request_add(s, &actor, &r), JG_OK);
	assert_true(r.id > 0);
	assert_string_equal(r.state, "pending");
	assert_true(r.created[0] != '\0');
	return r.id;
}

static void
test_full_flow(void **state)
{
	struct store *s = *state;
	struct store_request r;
	struct store_grant g, *gv;
	struct store_target t;
	struct authz_result res;
	time_t ends, now = time(NULL);
	long long id;
	size_t n;

	/* Before any grant, alice may only ask, with the rule's terms. */
	assert_int_equal(authz_check(s, "alice", "db01", &res, &t), JG_OK);
	assert_int_equal(res.how, AUTHZ_REQUESTABLE);
	assert_int_equal(res.approvals, 2);
	assert_int_equal(res.max_duration, 7200);
	assert_string_equal(res.approval_role, "lead");

	id = file_request(s, "alice", 1800, 2);
	assert_int_equal(store_request_approve(s, &actor, id, "bob", "ok",
	    &r), JG_OK);
	assert_string_equal(r.state, "pending");
	assert_int_equal(r.approvals, 1);
	assert_int_equal(r.grant_id, 0);
	assert_int_equal(store_grant_active(s, "alice", "db01", &g),
	    JG_ENOENT);
	/* A second approval by bob counts once, and says so. */
	assert_int_equal(store_request_approve(s, &actor, id, "bob", NULL,
	    &r), JG_EEXIST);
	assert_non_null(strstr(store_errmsg(s), "bob already approved "
	    "request"));
	assert_int_equal(r.approvals, 1);
	assert_string_equal(r.state, "pending");
	/* carol's is the second distinct approval: the grant. */
	assert_int_equal(store_request_approve(s, &actor, id, "carol",
	    "go ahead", &r), JG_OK);
	assert_string_equal(r.state, "approved");
	assert_int_equal(r.approvals, 2);
	assert_string_equal(r.decided_by, "carol");
	assert_true(r.grant_id > 0);
	assert_true(r.decided[0] != '\0');
	assert_int_equal(store_grant_active(s, "alice", "db01", &g), JG_OK);
	assert_int_equal(g.id, r.grant_id);
	assert_int_equal(g.request_id, id);
	assert_string_equal(g.state, "active");
	assert_int_equal(time_parse_iso_utc(g.ends, &ends), JG_OK);
	assert_true(ends >= now + 1800 && ends <= now + 1800 + 5);
	assert_int_equal(raw_int("SELECT count(*) FROM grants"), 1);
	/* Decided: no more approvals. */
	assert_int_equal(store_request_approve(s, &actor, id, "bob", NULL,
	    NULL), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "is already approved"));
	assert_int_equal(raw_int("SELECT count(*) FROM grants"), 1);

	/* The grant opens the target; dave has no grant. */
	assert_int_equal(authz_check(s, "alice", "db01", &res, &t), JG_OK);
	assert_int_equal(res.how, AUTHZ_GRANTED);
	assert_int_equal(res.grant_id, g.id);
	assert_string_equal(res.grant_ends, g.ends);
	assert_string_equal(authz_how_name(res.how), "granted");
	assert_int_equal(authz_check(s, "dave", "db01", &res, &t), JG_OK);
	assert_int_equal(res.how, AUTHZ_REQUESTABLE);
	assert_int_equal(authz_check(s, "bob", "db01", &res, &t), JG_OK);
	assert_int_equal(res.how, AUTHZ_DENIED);

	assert_int_equal(store_grant_list(s, 1, NULL, &gv, &n), JG_OK);
	assert_int_equal(n, 1);
	free(gv);
	assert_int_equal(store_grant_list(s, 0, "bob", &gv, &n), JG_OK);
	assert_int_equal(n, 0);
	free(gv);

	/* Revoke: access ends now; twice is refused. */
	assert_int_equal(store_grant_revoke(s, &actor, g.id), JG_OK);
	assert_int_equal(store_grant_active(s, "alice", "db01", &g),
	    JG_ENOENT);
	assert_int_equal(store_grant_revoke(s, &actor, r.grant_id),
	    JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "already revoked"));
	assert_int_equal(store_grant_revoke(s, &actor, 999), JG_ENOENT);
	assert_int_equal(store_grant_get(s, r.grant_id, &g), JG_OK);
	assert_string_equal(g.state, "revoked");
	assert_string_equal(g.revoked_by, "root");
	assert_int_equal(authz_check(s, "alice", "db01", &res, &t), JG_OK);
	assert_int_equal(res.how, AUTHZ_REQUESTABLE);

	/* The audit has every step, in a chain that still verifies. */
	assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE action = "
	    "'request.create'"), 1);
	assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE action = "
	    "'request.approve'"), 2);
	assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE action = "
	    "'grant.create'"), 1);
	assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE action = "
	    "'grant.revoke'"), 1);
	assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE action = "
	    "'request.approve' AND detail LIKE '%as carol%'"), 1);
	{
		char err[JG_ERRLEN];
		long long bad = 0;

		assert_int_equal(store_audit_verify(s, &bad, err,
		    sizeof(err)), JG_OK);
	}
}

static void
test_self_approval(void **state)
{
	struct store *s = *state;
	struct store_request r;
	long long id;

	/* alice holds the approver role, and still cannot approve her own. */
	id = file_request(s, "alice", 600, 1);
	assert_int_equal(store_request_approve(s, &actor, id, "alice", NULL,
	    &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "cannot approve your own"));
	assert_int_equal(store_request_deny(s, &actor, id, "alice", "x"),
	    JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "your own"));
	assert_int_equal(raw_int("SELECT count(*) FROM approvals"), 0);
	assert_int_equal(store_request_get(s, id, &r), JG_OK);
	assert_string_equal(r.state, "pending");
	assert_int_equal(raw_int("SELECT count(*) FROM grants"), 0);
}

static void
test_non_approver(void **state)
{
	struct store *s = *state;
	struct store_request r;
	long long id;

	id = file_request(s, "alice", 600, 1);
	assert_int_equal(store_request_approve(s, &actor, id, "dave", NULL,
	    &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "dave does not hold the "
	    "approver role 'lead'"));
	assert_int_equal(store_request_deny(s, &actor, id, "dave", NULL),
	    JG_EINVAL);
	assert_int_equal(store_request_approve(s, &actor, id, "nobody", NULL,
	    &r), JG_ENOENT);
	assert_int_equal(store_request_approve(s, &actor, id, "../x", NULL,
	    &r), JG_EINVAL);
	assert_int_equal(store_request_approve(s, &actor, 999, "bob", NULL,
	    &r), JG_ENOENT);
	assert_int_equal(store_request_approve(s, &actor, id, "bob",
	    "bad\ncomment", &r), JG_EINVAL);
	assert_int_equal(raw_int("SELECT count(*) FROM approvals"), 0);
	assert_int_equal(store_request_get(s, id, &r), JG_OK);
	assert_string_equal(r.state, "pending");
}

static void
test_closed_requests(void **state)
{
	struct store *s = *state;
	struct store_request r;
	long long expired, cancelled, denied, *ids;
	size_t nids;
	int n;

	expired = file_request(s, "alice", 600, 1);
	cancelled = file_request(s, "dave", 600, 1);
	denied = file_request(s, "dave", 600, 1);
	raw_exec("UPDATE requests SET created = '2000-01-01T00:00:00Z' "
	    "WHERE id = 1");
	assert_int_equal(store_requests_expire_ids(s, 3600, &ids, &nids),
	    JG_OK);
	assert_int_equal(nids, 1);
	assert_int_equal(ids[0], expired);
	free(ids);
	assert_int_equal(store_requests_expire(s, 3600, &n), JG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_request_approve(s, &actor, expired, "bob",
	    NULL, &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "is already expired"));

	/* Only the requester cancels, and only while pending. */
	assert_int_equal(store_request_cancel(s, &actor, cancelled, "bob"),
	    JG_EINVAL);
	assert_int_equal(store_request_cancel(s, &actor, cancelled, "dave"),
	    JG_OK);
	assert_int_equal(store_request_cancel(s, &actor, cancelled, "dave"),
	    JG_EINVAL);
	assert_int_equal(store_request_approve(s, &actor, cancelled, "bob",
	    NULL, &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "is already cancelled"));

	/* One denial ends it, with the reason kept. */
	assert_int_equal(store_request_deny(s, &actor, denied, "bob",
	    "not during the freeze"), JG_OK);
	assert_int_equal(store_request_get(s, denied, &r), JG_OK);
	assert_string_equal(r.state, "denied");
	assert_string_equal(r.comment, "not during the freeze");
	assert_string_equal(r.decided_by, "bob");
	assert_int_equal(store_request_approve(s, &actor, denied, "carol",
	    NULL, &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "is already denied"));
	assert_int_equal(store_request_deny(s, &actor, denied, "carol",
	    NULL), JG_EINVAL);
	assert_int_equal(store_request_cancel(s, &actor, denied, "dave"),
	    JG_EINVAL);
	assert_int_equal(raw_int("SELECT count(*) FROM grants"), 0);
	assert_int_equal(raw_int("SELECT count(*) FROM approvals"), 0);
	/* A timeout of 0 expires nothing. */
	(void)file_request(s, "dave", 600, 1);
	raw_exec("UPDATE requests SET created = '2000-01-01T00:00:00Z' "
	    "WHERE state = 'pending'");
	assert_int_equal(store_requests_expire(s, 0, &n), JG_OK);
	assert_int_equal(n, 0);
}

static void
test_bad_requests(void **state)
{
	struct store *s = *state;
	struct store_request r;

	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.target, sizeof(r.target), "db01");
	snprintf(r.approval_role, sizeof(r.approval_role), "lead");
	r.duration = 60;
	r.approvals_needed = 1;
	/* No reason, a control character, 501 characters. */
	assert_int_equal(store_request_add(s, &actor, &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "reason"));
	snprintf(r.reason, sizeof(r.reason), "a\tb");
	assert_int_equal(store_request_add(s, &actor, &r), JG_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "control"));
	memset(r.reason, 'x', STORE_REASON_MAX);
	r.reason[STORE_REASON_MAX] = '\0';
	assert_int_equal(store_request_add(s, &actor, &r), JG_OK);
	snprintf(r.reason, sizeof(r.reason), "ok");
	r.duration = 0;
	assert_int_equal(store_request_add(s, &actor, &r), JG_EINVAL);
	r.duration = 60;
	r.approvals_needed = 0;
	assert_int_equal(store_request_add(s, &actor, &r), JG_EINVAL);
	r.approvals_needed = 1;
	snprintf(r.target, sizeof(r.target), "..");
	assert_int_equal(store_request_add(s, &actor, &r), JG_EINVAL);
	assert_int_equal(raw_int("SELECT count(*) FROM requests"), 1);
}

static void
test_listing(void **state)
{
	struct store *s = *state;
	struct store_request_filter f;
	struct store_request *v;
	size_t n;
	long long a, d;

	a = file_request(s, "alice", 600, 1);
	d = file_request(s, "dave", 600, 1);
	assert_int_equal(store_request_deny(s, &actor, d, "bob", NULL),
	    JG_OK);
	(void)file_request(s, "dave", 600, 1);
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_request_list(s, &f, &v, &n), JG_OK);
	assert_int_equal(n, 3);
	free(v);
	f.pending_only = 1;
	assert_int_equal(store_request_list(s, &f, &v, &n), JG_OK);
	assert_int_equal(n, 2);
	free(v);
	memset(&f, 0, sizeof(f));
	f.user = "dave";
	assert_int_equal(store_request_list(s, &f, &v, &n), JG_OK);
	assert_int_equal(n, 2);
	free(v);
	/* What each may decide: alice not her own; dave nothing. */
	memset(&f, 0, sizeof(f));
	f.approver = "alice";
	assert_int_equal(store_request_list(s, &f, &v, &n), JG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].user, "dave");
	free(v);
	f.approver = "bob";
	assert_int_equal(store_request_list(s, &f, &v, &n), JG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, a);
	free(v);
	f.approver = "dave";
	assert_int_equal(store_request_list(s, &f, &v, &n), JG_OK);
	assert_int_equal(n, 0);
	free(v);
}

static void
test_grant_expiry(void **state)
{
	struct store *s = *state;
	struct store_request r;
	struct store_grant g;
	long long id;
	int n;

	id = file_request(s, "dave", 600, 1);
	assert_int_equal(store_request_approve(s, &actor, id, "bob", NULL,
	    &r), JG_OK);
	assert_string_equal(r.state, "approved");
	assert_int_equal(store_grant_active(s, "dave", "db01", &g), JG_OK);
	raw_exec("UPDATE grants SET ends = '2000-01-01T00:00:00Z'");
	/* Past its end a grant opens nothing, even before the sweep. */
	assert_int_equal(store_grant_active(s, "dave", "db01", &g),
	    JG_ENOENT);
	assert_int_equal(store_grants_expire(s, &n), JG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_grants_expire(s, &n), JG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_grant_get(s, r.grant_id, &g), JG_OK);
	assert_string_equal(g.state, "ended");
	assert_int_equal(store_grant_revoke(s, &actor, g.id), JG_EINVAL);
}

/* A v1 database (as the previous release left it) migrates to v2. */
static void
test_migration_v1(void **state)
{
	struct store *s = *state;
	char err[JG_ERRLEN], sql[64];
	long long id;
	sqlite3 *db;

	store_close(s);
	*state = NULL;
	db_unlink();
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, store_schema_migration(0), NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO users (name, created) "
	    "VALUES ('old', '2024-01-01T00:00:00Z'); PRAGMA user_version = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int("SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'requests'"), 0);
	assert_int_equal(store_open(dbpath, 0, &s, err, sizeof(err)), JG_OK);
	*state = s;
	/* migrated to the newest version, the jit tables (2) on the way */
	assert_int_equal(raw_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_true(STORE_SCHEMA_VERSION >= 2);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM users");
	assert_int_equal(raw_int(sql), 1);
	assert_int_equal(raw_int("SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('requests', 'approvals', 'grants')"), 3);
	/* And the new tables work. */
	assert_int_equal(store_user_add(s, &actor, "dave", NULL, 0, NULL),
	    JG_OK);
	id = file_request(s, "dave", 60, 1);
	assert_true(id > 0);
}

/* Two processes, two connections, released together: approve id as who. */
static pid_t
racer(long long id, const char *who, int gate)
{
	struct store_request r;
	struct store *s;
	char err[JG_ERRLEN], ch;
	pid_t pid;
	int rc;

	if ((pid = fork()) != 0)
		return pid;
	if (store_open(dbpath, 0, &s, err, sizeof(err)) != JG_OK)
		_exit(10);
	if (read(gate, &ch, 1) != 1)
		_exit(11);
	rc = store_request_approve(s, &actor, id, who, NULL, &r);
	store_close(s);
	_exit(rc == JG_OK ? 0 : rc == JG_EINVAL ? 1 : rc == JG_EBUSY ? 3 : 2);
}

static int
racer_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
race(struct store *s, int needed, int *ok, int *refused)
{
	pid_t p1, p2;
	long long id;
	int gate[2], a, b;

	id = file_request(s, "dave", 600, needed);
	assert_int_equal(pipe(gate), 0);
	p1 = racer(id, "bob", gate[0]);
	p2 = racer(id, "carol", gate[0]);
	assert_int_equal(write(gate[1], "go", 2), 2);
	close(gate[0]);
	close(gate[1]);
	a = racer_status(p1);
	b = racer_status(p2);
	assert_true(a <= 1 && b <= 1);
	*ok = (a == 0) + (b == 0);
	*refused = (a == 1) + (b == 1);
}

static void
test_concurrent_approvals(void **state)
{
	struct store *s = *state;
	char sql[128];
	int round, ok, refused;

	for (round = 0; round < 8; round++) {
		/* Two needed, two at once: both count, one grant. */
		race(s, 2, &ok, &refused);
		assert_int_equal(ok, 2);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM grants WHERE "
		    "request_id = (SELECT max(id) FROM requests)");
		assert_int_equal(raw_int(sql), 1);
		/* One needed, two at once: one wins, one finds it decided. */
		race(s, 1, &ok, &refused);
		assert_int_equal(ok, 1);
		assert_int_equal(refused, 1);
		assert_int_equal(raw_int(sql), 1);
	}
	assert_int_equal(raw_int("SELECT count(*) FROM grants"), 16);
	assert_int_equal(raw_int("SELECT count(*) FROM requests WHERE state = "
	    "'approved'"), 16);
}

/* NotifyCommand: the JSON document, the command run, a hanging one killed. */
static void
test_notify(void **state)
{
	struct store_request r;
	char json[NOTIFY_JSON_MAX], script[128], out[128], buf[NOTIFY_JSON_MAX];
	FILE *f;
	pid_t pid;
	size_t n;
	int st;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.id = 7;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.target, sizeof(r.target), "db01");
	snprintf(r.reason, sizeof(r.reason), "say \"hi\" \\ now");
	snprintf(r.state, sizeof(r.state), "pending");
	r.duration = 1800;
	r.approvals_needed = 2;
	assert_int_equal(notify_request_json("request.created", &r, json,
	    sizeof(json)), JG_OK);
	assert_non_null(strstr(json, "\"event\":\"request.created\""));
	assert_non_null(strstr(json, "\"id\":7"));
	assert_non_null(strstr(json, "\"reason\":\"say \\\"hi\\\" \\\\ now\""));
	assert_non_null(strstr(json, "\"decided_by\":null"));
	assert_non_null(strstr(json, "\"approvals_needed\":2"));
	assert_int_equal(notify_request_json("request.bogus", &r, json,
	    sizeof(json)), JG_EINVAL);
	assert_int_equal(notify_request_json("request.created", &r, buf, 16),
	    JG_ENOMEM);

	/* The command reads the document on stdin. */
	assert_int_equal(notify_request_json("request.approved", &r, json,
	    sizeof(json)), JG_OK);
	snprintf(script, sizeof(script), "/tmp/jg-notify-%ld.sh",
	    (long)getpid());
	snprintf(out, sizeof(out), "/tmp/jg-notify-%ld.out", (long)getpid());
	assert_non_null(f = fopen(script, "w"));
	fprintf(f, "#!/bin/sh\nexec cat > %s\n", out);
	fclose(f);
	assert_int_equal(chmod(script, 0700), 0);
	assert_true((pid = notify_run(script, json, 5)) > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	notify_reap(pid, st);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(f = fopen(out, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, json);

	/* A hanging command is killed by its timeout; failures are logged. */
	assert_non_null(f = fopen(script, "w"));
	fprintf(f, "#!/bin/sh\nexec sleep 30\n");
	fclose(f);
	assert_true((pid = notify_run(script, json, 1)) > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	notify_reap(pid, st);
	assert_true((pid = notify_run("/nonexistent/notify", json, 1)) > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	notify_reap(pid, st);
	assert_int_equal(notify_run("relative", json, 1), -1);
	unlink(script);
	unlink(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_flow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_self_approval, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_non_approver, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_closed_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_grant_expiry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migration_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_approvals,
		    setup, teardown),
		cmocka_unit_test(test_notify),
	};

	log_init("test-store-jit", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
