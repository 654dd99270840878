/* store-jit.c: just-in-time access in the store: requests, approvals by N approvers, grants. */

/*
 * A request copies its rule's approver role and count when it is filed, so
 * a later edit of the rules does not move the goalposts of a pending one.
 * Every decision runs in one BEGIN IMMEDIATE transaction that re-reads the
 * request, checks the approver (never the requester, whatever roles they
 * hold; a holder of the request's approver role, looked up in the same
 * transaction), records the approval and, on the last one, creates the
 * grant: two approvers acting at once are serialized by the write lock, so
 * exactly one of them sees the count reach N and makes the one grant (the
 * grants table also has one row per request at most). Expiry of requests
 * and grants is a sweep that the daemon runs on a timer and the tool runs
 * before it lists or decides; it writes only when something expired.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jumpgate.h"
#include "store-int.h"

#define JIT_COMMENT_MAX 255
#define JIT_DETAIL_MAX 1024

/* The actor of sweeps that nobody in particular asked for. */
static const struct store_actor jit_system = { "system", -1 };

static int
jit_name_valid(struct store *s, const char *what, const char *name)
{
	if (name == NULL || !name_valid(name)) {
		snprintf(s->err, sizeof(s->err), "invalid %s name", what);
		return JG_EINVAL;
	}
	return JG_OK;
}

/* Requests. */

#define JIT_REQUEST_COLS "r.id, r.user, r.target, r.reason, r.duration, " \
	"r.state, r.created, r.decided, r.rule_id, r.approval_role, " \
	"r.approvals_needed, (SELECT COUNT(*) FROM approvals a WHERE " \
	"a.request_id = r.id), r.decided_by, r.comment, r.grant_id, r.starts, " \
	"r.extends"

static void
jit_request_row(sqlite3_stmt *st, void *elem)
{
	struct store_request *r = elem;

	r->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, r->user, sizeof(r->user));
	store_col_text(st, 2, r->target, sizeof(r->target));
	store_col_text(st, 3, r->reason, sizeof(r->reason));
	r->duration = (long)sqlite3_column_int64(st, 4);
	store_col_text(st, 5, r->state, sizeof(r->state));
	store_col_text(st, 6, r->created, sizeof(r->created));
	store_col_text(st, 7, r->decided, sizeof(r->decided));
	r->rule_id = sqlite3_column_int64(st, 8);
	store_col_text(st, 9, r->approval_role, sizeof(r->approval_role));
	r->approvals_needed = sqlite3_column_int(st, 10);
	r->approvals = sqlite3_column_int(st, 11);
	store_col_text(st, 12, r->decided_by, sizeof(r->decided_by));
	store_col_text(st, 13, r->comment, sizeof(r->comment));
	r->grant_id = sqlite3_column_int64(st, 14);
	store_col_text(st, 15, r->starts, sizeof(r->starts));
	r->extends = sqlite3_column_int64(st, 16);
}

/* One query for get and list; id 0 means every request the filter keeps. */
static int
jit_requests_query(struct store *s, const struct store_request_filter *f,
    long long id, struct store_request **out, size_t *n)
{
	sqlite3_stmt *st;
	char fmt[5];
	int rc;

	*out = NULL;
	*n = 0;
	fmt[0] = 'i';
	fmt[1] = f->user != NULL ? 's' : 'n';
	fmt[2] = f->approver != NULL ? 's' : 'n';
	fmt[3] = 'i';
	fmt[4] = '\0';
	rc = store_prepare(s, &st, "SELECT " JIT_REQUEST_COLS " FROM requests r "
	    "WHERE (?1 = 0 OR r.state = 'pending') "
	    "AND (?2 IS NULL OR r.user = ?2) "
	    "AND (?3 IS NULL OR (r.state = 'pending' AND r.user != ?3 AND "
	    "  EXISTS (SELECT 1 FROM user_roles ur JOIN users u ON "
	    "  u.id = ur.user_id WHERE u.name = ?3 AND "
	    "  (ur.role = r.approval_role OR instr(',' || r.approval_role, "
	    "  ',' || ur.role || ':') > 0)))) "
	    "AND (?4 = 0 OR r.id = ?4) ORDER BY r.id", fmt,
	    (long long)f->pending_only, f->user, f->approver, id);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_request),
	    jit_request_row, NULL, (void **)out, n);
}

int
store_request_get(struct store *s, long long id, struct store_request *r)
{
	struct store_request_filter f;
	struct store_request *v = NULL;
	size_t n = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	/* No query at all for an id that cannot be one. */
	rc = id < 1 ? JG_OK : jit_requests_query(s, &f, id, &v, &n);
	return store_one(s, rc, v, n, r, sizeof(*r), "no such request: %lld",
	    id);
}

int
store_request_list(struct store *s, const struct store_request_filter *f,
    struct store_request **out, size_t *n)
{
	struct store_request_filter none;

	if (f == NULL) {
		memset(&none, 0, sizeof(none));
		f = &none;
	}
	return jit_requests_query(s, f, 0, out, n);
}

int
store_request_add(struct store *s, const struct store_actor *a,
    struct store_request *r)
{
	struct approval_need need[APPROVAL_ROLES_MAX];
	char now[32], detail[JIT_DETAIL_MAX];
	size_t nneed;
	int rc;

	if ((rc = jit_name_valid(s, "user", r->user)) != JG_OK ||
	    (rc = jit_name_valid(s, "target", r->target)) != JG_OK ||

	    (rc = store_text_valid(s, "reason", r->reason, 1,
	    STORE_REASON_MAX)) != JG_OK)
		return rc;
	if (r->starts[0] != '\0') {	/* as store_now writes times */
		time_t at;
		char canon[32];

		if (time_parse_iso_utc(r->starts, &at) != JG_OK) {
			snprintf(s->err, sizeof(s->err), "invalid start time");
			return JG_EINVAL;
		}
		time_iso_utc(at, canon, sizeof(canon));
		snprintf(r->starts, sizeof(r->starts), "%s", canon);
	}
	if (r->duration <= 0) {
		snprintf(s->err, sizeof(s->err), "the duration must be "
		    "positive");
		return JG_EINVAL;
	}
	if (r->approvals_needed < 1) {
		snprintf(s->err, sizeof(s->err), "a request needs at least "
		    "one approval");
		return JG_EINVAL;
	}
	if (approval_parse(r->approval_role, r->approvals_needed, need,
	    &nneed) != JG_OK) {
		snprintf(s->err, sizeof(s->err), "invalid approver roles");
		return JG_EINVAL;
	}
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO requests (user, target, reason, "
	    "duration, state, created, rule_id, approval_role, "
	    "approvals_needed, starts, extends) VALUES (?, ?, ?, ?, 'pending', "
	    "?, ?, ?, ?, ?, nullif(?, 0))", r->starts[0] != '\0' ?
	    "sssisisisi" : "sssisisini", r->user, r->target, r->reason,
	    (long long)r->duration, now, r->rule_id, r->approval_role,
	    (long long)r->approvals_needed, r->starts, r->extends);
	if (rc == JG_OK) {
		r->id = sqlite3_last_insert_rowid(s->db);
		snprintf(r->created, sizeof(r->created), "%s", now);
		snprintf(r->state, sizeof(r->state), "pending");
		r->decided[0] = r->decided_by[0] = r->comment[0] = '\0';
		r->approvals = 0;
		r->grant_id = 0;
		snprintf(detail, sizeof(detail), "request=%lld user=%s "
		    "target=%s duration=%ld rule=%lld approval_by=%s "
		    "approvals_needed=%d starts=%s extends=%lld reason=%s",
		    r->id, r->user, r->target, r->duration, r->rule_id,
		    r->approval_role, r->approvals_needed, r->starts[0] ?
		    r->starts : "approval", r->extends, r->reason);
		rc = store_audit_append(s, a, "request.create", detail);
	}
	return store_end(s, rc);
}

/* Does the user exist and hold the role? In the caller's transaction. */
static int
jit_user_role(struct store *s, const char *user, const char *role, int *exists,
    int *holds)
{
	sqlite3_stmt *st;
	int rc;

	*exists = *holds = 0;
	if ((rc = store_prepare(s, &st, "SELECT EXISTS (SELECT 1 FROM "
	    "user_roles ur WHERE ur.user_id = u.id AND ur.role = ?) FROM "
	    "users u WHERE u.name = ?", "ss", role, user)) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*exists = 1;
		*holds = sqlite3_column_int(st, 0) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JG_OK : store_rc(s, rc);
}

/*
 * The checks a decision shares, in the caller's transaction: the request
 * exists and is pending, the decider is not the requester and holds the
 * request's approver role. verb is "approve" or "deny".
 */
static int
jit_decider_check(struct store *s, long long id, const char *who,
    const char *verb, struct store_request *r)
{
	struct approval_need need[APPROVAL_ROLES_MAX];
	size_t nneed, i;
	int rc, exists, holds;

	if ((rc = store_request_get(s, id, r)) != JG_OK)
		return rc;
	if (strcmp(r->state, "pending") != 0) {
		snprintf(s->err, sizeof(s->err), "request %lld is already %s",
		    id, r->state);
		return JG_EINVAL;
	}
	if (strcmp(r->user, who) == 0) {
		snprintf(s->err, sizeof(s->err), "you cannot %s your own "
		    "request (request %lld is %s's)%s", verb, id, r->user,
		    strcmp(verb, "deny") == 0 ? ": cancel it instead" : "");
		return JG_EINVAL;
	}
	if (approval_parse(r->approval_role, r->approvals_needed, need,
	    &nneed) != JG_OK) {
		snprintf(s->err, sizeof(s->err), "request %lld has invalid "
		    "approver roles", id);
		return JG_ECORRUPT;
	}
	/* Any of the approver roles lets one decide. */
	for (i = 0, exists = holds = 0; i < nneed && !holds; i++)
		if ((rc = jit_user_role(s, who, need[i].role, &exists,
		    &holds)) != JG_OK)
			return rc;
	if (!exists) {
		snprintf(s->err, sizeof(s->err), "no such user: %s", who);
		return JG_ENOENT;
	}
	if (!holds) {
		snprintf(s->err, sizeof(s->err), "%s does not hold the "
		    "approver role '%s' of request %lld", who,
		    r->approval_role, id);
		return JG_EINVAL;
	}
	return JG_OK;
}

/*
 * The last approval: the grant, from now (or the window's start, if the
 * request asked for a later one) for the requested duration.
 */
static int
jit_grant_create(struct store *s, const struct store_actor *a,
    struct store_request *r, const char *approver, const char *comment,
    const char *now)
{
	char ends[32], starts[32], detail[JIT_DETAIL_MAX];
	long long gid;
	time_t t = time(NULL), at;
	int rc;

	snprintf(starts, sizeof(starts), "%s", now);
	if (r->starts[0] != '\0' && time_parse_iso_utc(r->starts, &at) ==
	    JG_OK && at > t) {
		t = at;
		time_iso_utc(at, starts, sizeof(starts));
	}
	time_iso_utc(t + (time_t)r->duration, ends, sizeof(ends));
	if ((rc = store_run(s, NULL, "INSERT INTO grants (request_id, user, "
	    "target, starts, ends, state) VALUES (?, ?, ?, ?, ?, 'active')",
	    "issss", r->id, r->user, r->target, starts, ends)) != JG_OK)
		return rc;
	gid = sqlite3_last_insert_rowid(s->db);
	if ((rc = store_run(s, NULL, "UPDATE requests SET state = 'approved', "
	    "decided = ?, decided_by = ?, comment = ?, grant_id = ? WHERE "
	    "id = ? AND state = 'pending'", "sssii", now, approver, comment,
	    gid, r->id)) != JG_OK)
		return rc;
	snprintf(detail, sizeof(detail), "grant=%lld request=%lld user=%s "
	    "target=%s starts=%s ends=%s", gid, r->id, r->user, r->target,
	    starts, ends);
	return store_audit_append(s, a, "grant.create", detail);
}

/*
 * The last approval of an extension: the grant's end moves by the
 * requested duration (from now, if it is nearer), as long as the grant is
 * still active; a grant that ended or was revoked meanwhile is an error
 * and the approval is not taken.
 */
static int
jit_grant_extend(struct store *s, const struct store_actor *a,
    struct store_request *r, const char *approver, const char *comment,
    const char *now)
{
	struct store_grant g;
	char ends[32], detail[JIT_DETAIL_MAX];
	time_t from, t = time(NULL);
	int rc, changes = 0;

	if ((rc = store_grant_get(s, r->extends, &g)) != JG_OK)
		return rc;
	if (strcmp(g.state, "active") != 0 || strcmp(g.ends, now) <= 0 ||
	    time_parse_iso_utc(g.ends, &from) != JG_OK) {
		snprintf(s->err, sizeof(s->err), "grant %lld is no longer "
		    "active: nothing to extend", g.id);
		return JG_EINVAL;
	}
	if (from < t)
		from = t;
	time_iso_utc(from + (time_t)r->duration, ends, sizeof(ends));
	if ((rc = store_run(s, &changes, "UPDATE grants SET ends = ? WHERE "
	    "id = ? AND state = 'active'", "si", ends, g.id)) != JG_OK)
		return rc;
	if ((rc = store_run(s, NULL, "UPDATE requests SET state = 'approved', "
	    "decided = ?, decided_by = ?, comment = ?, grant_id = ? WHERE "
	    "id = ? AND state = 'pending'", "sssii", now, approver, comment,
	    g.id, r->id)) != JG_OK)
		return rc;
	snprintf(detail, sizeof(detail), "grant=%lld request=%lld user=%s "
	    "target=%s ends=%s was=%s", g.id, r->id, r->user, r->target, ends,
	    g.ends);
	return store_audit_append(s, a, "grant.extend", detail);
}

/*
 * Which of the request's approver roles this approval counts for: the
 * first the approver holds that still needs one; *final when it is the
 * last approval needed of every role. JG_EEXIST: the approver approved
 * already; JG_EINVAL: their roles have given all they can.
 */
static int
jit_approval_role(struct store *s, const struct store_request *r,
    const char *approver, char role[JG_NAME_MAX + 1], int *final)
{
	struct approval_need need[APPROVAL_ROLES_MAX];
	sqlite3_stmt *st;
	int got[APPROVAL_ROLES_MAX], rc, exists, holds, pick = -1;
	size_t n, i;

	*final = 0;
	if (approval_parse(r->approval_role, r->approvals_needed, need, &n) !=
	    JG_OK)
		return JG_ECORRUPT;
	if ((rc = store_prepare(s, &st, "SELECT EXISTS (SELECT 1 FROM "
	    "approvals WHERE request_id = ? AND approver = ?)", "is", r->id,
	    approver)) != JG_OK)
		return rc;
	rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc)
		return JG_EEXIST;
	for (i = 0; i < n; i++) {
		/* rows from before roles were kept count for a lone role */
		if ((rc = store_prepare(s, &st, "SELECT count(*) FROM approvals "
		    "WHERE request_id = ? AND coalesce(role, ?) = ?", "iss",
		    r->id, r->approval_role, need[i].role)) != JG_OK)
			return rc;
		got[i] = sqlite3_step(st) == SQLITE_ROW ?
		    sqlite3_column_int(st, 0) : 0;
		sqlite3_finalize(st);
		if (pick != -1 || got[i] >= need[i].count)
			continue;
		if ((rc = jit_user_role(s, approver, need[i].role, &exists,
		    &holds)) != JG_OK)
			return rc;
		if (holds)
			pick = (int)i;
	}
	if (pick == -1) {
		snprintf(s->err, sizeof(s->err), "request %lld needs no more "
		    "approvals from %s's roles (%s)", r->id, approver,
		    r->approval_role);
		return JG_EINVAL;
	}
	got[pick]++;
	snprintf(role, JG_NAME_MAX + 1, "%s", need[pick].role);
	for (i = 0, *final = 1; i < n; i++)
		if (got[i] < need[i].count)
			*final = 0;
	return JG_OK;
}

int
store_request_approve(struct store *s, const struct store_actor *a,
    long long id, const char *approver, const char *comment,
    struct store_request *after)
{
	struct store_request r;
	char now[32], detail[JIT_DETAIL_MAX], role[JG_NAME_MAX + 1];
	int rc, changes = 0, final;

	if (comment == NULL)
		comment = "";
	if ((rc = jit_name_valid(s, "approver", approver)) != JG_OK ||
	    (rc = store_text_valid(s, "comment", comment, 0,
	    JIT_COMMENT_MAX)) != JG_OK)
		return rc;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = jit_decider_check(s, id, approver, "approve", &r)) != JG_OK)
		goto out;
	if ((rc = jit_approval_role(s, &r, approver, role, &final)) != JG_OK &&
	    rc != JG_EEXIST)
		goto out;
	store_now(now, sizeof(now));
	if (rc == JG_EEXIST)
		changes = 0;		/* reported below, as before */
	else if ((rc = store_run(s, &changes, "INSERT OR IGNORE INTO approvals "
	    "(request_id, approver, time, comment, role) VALUES (?, ?, ?, ?, "
	    "?)", "issss", id, approver, now, comment, role)) != JG_OK)
		goto out;
	if (changes == 0) {
		snprintf(s->err, sizeof(s->err), "%s already approved request "
		    "%lld (%d of %d approvals)", approver, id, r.approvals,
		    r.approvals_needed);
		rc = JG_EEXIST;
		if (after != NULL)
			*after = r;
		goto out;
	}
	r.approvals++;
	snprintf(detail, sizeof(detail), "request=%lld as %s user=%s "
	    "target=%s approvals=%d/%d role=%s%s%s", id, approver, r.user,
	    r.target, r.approvals, r.approvals_needed, role, comment[0] ?
	    " comment=" : "", comment);
	if ((rc = store_audit_append(s, a, "request.approve", detail)) !=
	    JG_OK)
		goto out;
	if (final && (rc = (r.extends != 0 ? jit_grant_extend :
	    jit_grant_create)(s, a, &r, approver, comment, now)) != JG_OK)
		goto out;
	if (after != NULL)
		rc = store_request_get(s, id, after);
out:
	return store_end(s, rc);
}

int
store_request_deny(struct store *s, const struct store_actor *a,
    long long id, const char *denier, const char *reason)
{
	struct store_request r;
	char now[32], detail[JIT_DETAIL_MAX];
	int rc;

	if (reason == NULL)
		reason = "";
	if ((rc = jit_name_valid(s, "approver", denier)) != JG_OK ||
	    (rc = store_text_valid(s, "reason", reason, 0, JIT_COMMENT_MAX)) !=
	    JG_OK)
		return rc;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = jit_decider_check(s, id, denier, "deny", &r)) != JG_OK)
		return store_end(s, rc);
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "UPDATE requests SET state = 'denied', "
	    "decided = ?, decided_by = ?, comment = ? WHERE id = ? AND "
	    "state = 'pending'", "sssi", now, denier, reason, id);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "request=%lld as %s user=%s "
		    "target=%s%s%s", id, denier, r.user, r.target,
		    reason[0] ? " reason=" : "", reason);
		rc = store_audit_append(s, a, "request.deny", detail);
	}
	return store_end(s, rc);
}

int
store_request_cancel(struct store *s, const struct store_actor *a,
    long long id, const char *user)
{
	struct store_request r;
	char now[32], detail[256];
	int rc;

	if ((rc = jit_name_valid(s, "user", user)) != JG_OK)
		return rc;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_request_get(s, id, &r)) != JG_OK)
		return store_end(s, rc);
	if (strcmp(r.user, user) != 0)
	{
		snprintf(s->err, sizeof(s->err), "only the requester can "
		    "cancel a request (%s filed request %lld)", r.user, id);
		rc = JG_EINVAL;
	} else if (strcmp(r.state, "pending") != 0) {
		snprintf(s->err, sizeof(s->err), "request %lld is already %s",
		    id, r.state);
		rc = JG_EINVAL;
	}
	if (rc != JG_OK)
		return store_end(s, rc);
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "UPDATE requests SET state = 'cancelled', "
	    "decided = ?, decided_by = ? WHERE id = ? AND state = 'pending'",
	    "ssi", now, user, id);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "request=%lld user=%s "
		    "target=%s", id, r.user, r.target);
		rc = store_audit_append(s, a, "request.cancel", detail);
	}
	return store_end(s, rc);
}

static void
jit_id_row(sqlite3_stmt *st, void *elem)
{
	*(long long *)elem = sqlite3_column_int64(st, 0);
}

/* Ids that a sweep must touch; sql selects one id column. */
static int
jit_ids(struct store *s, const char *sql, const char *cut, long long **out,
    size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_prepare(s, &st, sql, "s", cut)) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(long long), jit_id_row, NULL,
	    (void **)out, n);
}

/*
 * A sweep: a cheap read first (the daemon runs this on a timer and should
 * not take the write lock for nothing), then select, update and audit each
 * row in one transaction. *done (optional) gets the ids it changed.
 */
static int
jit_sweep(struct store *s, const char *select_sql, const char *update_sql,
    const char *action, const char *what, const char *cut, long long **done,
    size_t *ndone)
{
	long long *ids;
	char now[32], detail[128];
	size_t n, i, cnt = 0;
	int rc, changes;

	if (done != NULL)
		*done = NULL;
	*ndone = 0;
	if ((rc = jit_ids(s, select_sql, cut, &ids, &n)) != JG_OK)
		return rc;
	free(ids);
	if (n == 0)
		return JG_OK;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = jit_ids(s, select_sql, cut, &ids, &n)) != JG_OK)
		return store_end(s, rc);
	store_now(now, sizeof(now));
	for (i = 0; i < n && rc == JG_OK; i++) {
		changes = 0;
		rc = store_run(s, &changes, update_sql, "si", now, ids[i]);
		if (rc != JG_OK || changes == 0)
			continue;
		snprintf(detail, sizeof(detail), "%s=%lld", what, ids[i]);
		rc = store_audit_append(s, &jit_system, action, detail);
		ids[cnt++] = ids[i];	/* cnt <= i: compacts in place */
	}
	if ((rc = store_end(s, rc)) != JG_OK) {
		free(ids);
		return rc;
	}
	*ndone = cnt;
	if (done != NULL)
		*done = ids;
	else
		free(ids);
	return JG_OK;
}

int
store_requests_expire_ids(struct store *s, long timeout, long long **ids,
    size_t *n)
{
	char cut[32];

	*ids = NULL;
	*n = 0;
	if (timeout <= 0)
		return JG_OK;
	time_iso_utc(time(NULL) - (time_t)timeout, cut, sizeof(cut));
	return jit_sweep(s, "SELECT id FROM requests WHERE state = 'pending' "
	    "AND created <= ? ORDER BY id", "UPDATE requests SET state = "
	    "'expired', decided = ? WHERE id = ? AND state = 'pending'",
	    "request.expire", "request", cut, ids, n);
}

int
store_requests_expire(struct store *s, long timeout, int *n)
{
	long long *ids;
	size_t cnt;
	int rc;

	*n = 0;
	if ((rc = store_requests_expire_ids(s, timeout, &ids, &cnt)) != JG_OK)
		return rc;
	free(ids);
	*n = (int)cnt;
	return JG_OK;
}

/* Grants. */

#define JIT_GRANT_COLS "id, request_id, user, target, starts, ends, state, " \
	"revoked_by"

static void
jit_grants_query_row(sqlite3_stmt *st, void *elem)
{
	struct store_grant *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	e->request_id = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, e->user, sizeof(e->user));
	store_col_text(st, 3, e->target, sizeof(e->target));
	store_col_text(st, 4, e->starts, sizeof(e->starts));
	store_col_text(st, 5, e->ends, sizeof(e->ends));
	store_col_text(st, 6, e->state, sizeof(e->state));
	store_col_text(st, 7, e->revoked_by,
	    sizeof(e->revoked_by));
}

static int
jit_grants_query(struct store *s, const char *where, const char *fmt,
    const char *a1, const char *a2, long long id, struct store_grant **out,
    size_t *n)
{
	sqlite3_stmt *st;
	char sql[512], now[32];
	int rc;

	*out = NULL;
	*n = 0;
	store_now(now, sizeof(now));
	snprintf(sql, sizeof(sql), "SELECT " JIT_GRANT_COLS " FROM grants "
	    "WHERE %s ORDER BY id", where);
	/* Every where clause takes (now, a1, a2, id) in its own way. */
	if ((rc = store_prepare(s, &st, sql, fmt, now, a1, a2, id)) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_grant),
	    jit_grants_query_row, NULL, (void **)out, n);
}

int
store_grant_get(struct store *s, long long id, struct store_grant *g)
{
	struct store_grant *v = NULL;
	size_t n = 0;
	int rc;

	rc = jit_grants_query(s, "?1 IS NOT NULL AND ?2 IS NULL AND ?3 IS NULL "
	    "AND id = ?4", "snni", NULL, NULL, id, &v, &n);
	return store_one(s, rc, v, n, g, sizeof(*g), "no such grant: %lld", id);
}

int
store_grant_list(struct store *s, int active_only, const char *user,
    struct store_grant **out, size_t *n)
{
	char fmt[5] = { 's', user != NULL ? 's' : 'n', 'n', 'i', '\0' };

	return jit_grants_query(s, "(?4 = 0 OR (state = 'active' AND "
	    "ends > ?1)) AND (?2 IS NULL OR user = ?2) AND ?3 IS NULL", fmt,
	    user, NULL, (long long)active_only, out, n);
}

/*
 * The one active grant of user on target that pick (a condition on the
 * time ?1, then an ORDER BY) chooses first; what the error says if none.
 */
static int
jit_grant_pick(struct store *s, const char *user, const char *target,
    const char *pick, const char *none, struct store_grant *g)
{
	struct store_grant *v = NULL;
	char where[384];
	size_t n = 0;
	int rc;

	if (user == NULL || target == NULL)
		return JG_ENOENT;
	snprintf(where, sizeof(where), "?4 = 0 AND id = (SELECT id FROM grants "
	    "WHERE state = 'active' AND user = ?2 AND target = ?3 AND %s "
	    "LIMIT 1)", pick);
	rc = jit_grants_query(s, where, "sssi", user, target, 0, &v, &n);
	return store_one(s, rc, v, n, g, sizeof(*g), "%s for %s on %s", none,
	    user, target);
}

/* The grant open now; the one that lasts longest if several overlap (a
   scheduled window opens only at its start). */
int
store_grant_active(struct store *s, const char *user, const char *target,
    struct store_grant *g)
{
	return jit_grant_pick(s, user, target, "starts <= ?1 AND ends > ?1 "
	    "ORDER BY ends DESC, id DESC", "no active grant", g);
}

/* The next scheduled window of user on target, not open yet. */
int
store_grant_next(struct store *s, const char *user, const char *target,
    struct store_grant *g)
{
	return jit_grant_pick(s, user, target, "starts > ?1 ORDER BY starts, "
	    "id", "no window ahead", g);
}

int
store_grant_revoke(struct store *s, const struct store_actor *a, long long id)
{
	struct store_grant g;
	char detail[256];
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_grant_get(s, id, &g)) != JG_OK)
		return store_end(s, rc);
	if (strcmp(g.state, "active") != 0) {
		snprintf(s->err, sizeof(s->err), "grant %lld is already %s",
		    id, g.state);
		return store_end(s, JG_EINVAL);
	}
	rc = store_run(s, &changes, "UPDATE grants SET state = 'revoked', "
	    "revoked_by = ? WHERE id = ? AND state = 'active'", "si", a->name,
	    id);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "grant=%lld request=%lld "
		    "user=%s target=%s", id, g.request_id, g.user, g.target);
		rc = store_audit_append(s, a, "grant.revoke", detail);
	}
	return store_end(s, rc);
}

int
store_grants_expire(struct store *s, int *n)
{
	char now[32];
	size_t cnt;
	int rc;

	*n = 0;
	store_now(now, sizeof(now));
	rc = jit_sweep(s, "SELECT id FROM grants WHERE state = 'active' AND "
	    "ends <= ? ORDER BY id", "UPDATE grants SET state = 'ended' "
	    "WHERE state = 'active' AND ends <= ?1 AND id = ?2",
	    "grant.end", "grant", now, NULL, &cnt);
	if (rc == JG_OK)
		*n = (int)cnt;
	return rc;
}
