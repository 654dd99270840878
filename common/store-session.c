/* store-session.c: session rows in the store: opened and ended by the master, listed by the tool, with their recording file and sealed key. */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "jumpgate.h"
#include "store-int.h"

/* Sessions: one row per session channel, written by the master. */

int
store_session_open(struct store *s, const struct store_session *ss,
    long long *id)
{
	char now[32], detail[512];
	struct store_actor a = { ss->user, -1 };
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO sessions (user, target, login, "
	    "source, started, state, kind, detail) VALUES (?, ?, ?, ?, ?, "
	    "'live', ?, ?)", "sssssss", ss->user, ss->target, ss->login,
	    ss->source, now, ss->kind, ss->detail);
	if (rc == JG_OK) {
		*id = sqlite3_last_insert_rowid(s->db);
		snprintf(detail, sizeof(detail), "session=%lld target=%s "
		    "login=%s source=%s kind=%s %s", *id, ss->target, ss->login,
		    ss->source, ss->kind, ss->detail);
		rc = store_audit_append(s, &a, "session.start", detail);
	}
	return store_end(s, rc);
}

int
store_session_end(struct store *s, long long id, const char *state,
    int exit_status, long long in, long long out, const char *reason)
{
	struct store_actor a = { "jumpgated", -1 };
	char now[32], detail[256];
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, &changes, "UPDATE sessions SET ended = ?, state = ?, "
	    "exit_status = ?, bytes_in = ?, bytes_out = ?, end_reason = ? "
	    "WHERE id = ? AND state = 'live'", exit_status < 0 ? "ssniisi" :
	    "ssiiisi", now, state, (long long)exit_status, in, out, reason,
	    id);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "no live session %lld", id);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "session=%lld state=%s "
		    "exit=%d in=%lld out=%lld reason=%s", id, state,
		    exit_status, in, out, reason);
		rc = store_audit_append(s, &a, "session.end", detail);
	}
	return store_end(s, rc);
}

/*
 * Live rows' counts so far, all in one transaction (not audited: the end
 * row has the totals). A row that ended meanwhile is left as it ended.
 */
int
store_session_bytes(struct store *s, const struct store_bytes *v, size_t n)
{
	char now[32];
	size_t i;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	for (i = 0; rc == JG_OK && i < n; i++)
		rc = store_run(s, NULL, "UPDATE sessions SET bytes_in = ?, "
		    "bytes_out = ?, active = ? WHERE id = ? AND state = "
		    "'live'", "iisi", v[i].in, v[i].out, now, v[i].id);
	return store_end(s, rc);
}

static void
store_last_use_row(sqlite3_stmt *st, void *elem)
{
	struct store_last_use *e = elem;

	store_col_text(st, 0, e->user, sizeof(e->user));
	store_col_text(st, 1, e->target, sizeof(e->target));
	store_col_text(st, 2, e->started, sizeof(e->started));
}

/*
 * When each user last used each target: the start of their newest
 * session that was not refused, ordered by user then target (the report
 * looks them up with bsearch).
 */
int
store_sessions_last_use(struct store *s, struct store_last_use **out,
    size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT user, target, max(started) "
	    "FROM sessions WHERE state != 'refused' GROUP BY user, target "
	    "ORDER BY user, target", "")) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_last_use),
	    store_last_use_row, NULL, (void **)out, n);
}

/* At start: rows left live by a daemon that died cannot be live now. */
int
store_sessions_interrupt_live(struct store *s, int *n)
{
	char now[32];
	int rc;

	*n = 0;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, n, "UPDATE sessions SET ended = ?, state = "
	    "'interrupted', end_reason = 'gateway restarted' WHERE state = "
	    "'live'", "s", now);
	return store_end(s, rc);
}

static void
store_sessions_query_row(sqlite3_stmt *st, void *elem)
{
	struct store_session *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, e->user, sizeof(e->user));
	store_col_text(st, 2, e->target, sizeof(e->target));
	store_col_text(st, 3, e->login, sizeof(e->login));
	store_col_text(st, 4, e->source, sizeof(e->source));
	store_col_text(st, 5, e->started, sizeof(e->started));
	store_col_text(st, 6, e->ended, sizeof(e->ended));
	e->bytes_in = sqlite3_column_int64(st, 7);
	e->bytes_out = sqlite3_column_int64(st, 8);
	e->exit_status = sqlite3_column_type(st, 9) == SQLITE_NULL ?
	    -1 : sqlite3_column_int(st, 9);
	store_col_text(st, 10, e->state, sizeof(e->state));
	store_col_text(st, 11, e->kind, sizeof(e->kind));
	store_col_text(st, 12, e->detail, sizeof(e->detail));
	store_col_text(st, 13, e->end_reason,
	    sizeof(e->end_reason));
	store_col_text(st, 14, e->recording,
	    sizeof(e->recording));
	store_col_text(st, 15, e->active, sizeof(e->active));
}

static int
store_sessions_query(struct store *s, const struct store_session_filter *f,
    long long id, struct store_session **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_prepare(s, &st, "SELECT id, user, target, login, source, "
	    "started, ended, bytes_in, bytes_out, exit_status, state, kind, "
	    "detail, end_reason, recording, active FROM sessions WHERE (? = 0 OR "
	    "state = 'live') "
	    "AND (? IS NULL OR user = ?) AND (? IS NULL OR target = ?) "
	    "AND (? = 0 OR id = ?) ORDER BY id", f->user ? (f->target ?
	    "issssii" : "issnnii") : (f->target ? "innssii" : "innnnii"),
	    (long long)f->live_only, f->user, f->user, f->target, f->target,
	    id, id);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_session),
	    store_sessions_query_row, NULL, (void **)out, n);
}

int
store_session_list(struct store *s, const struct store_session_filter *f,
    struct store_session **out, size_t *n)
{
	return store_sessions_query(s, f, 0, out, n);
}

/* One session, with its sealed recording key (free() it) if asked. */
int
store_session_get(struct store *s, long long id, struct store_session *ss,
    unsigned char **key, size_t *keylen)
{
	struct store_session_filter f;
	struct store_session *v = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = store_sessions_query(s, &f, id, &v, &n)) != JG_OK)
		return rc;
	if (n == 0) {
		free(v);
		snprintf(s->err, sizeof(s->err), "no such session: %lld", id);
		return JG_ENOENT;
	}
	*ss = v[0];
	free(v);
	if (key == NULL)
		return JG_OK;
	*key = NULL;
	*keylen = 0;
	if ((rc = store_prepare(s, &st, "SELECT rec_key FROM sessions WHERE "
	    "id = ?", "i", id)) != JG_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) > 0) {
		*keylen = (size_t)sqlite3_column_bytes(st, 0);
		*key = xcalloc(1, *keylen);
		memcpy(*key, sqlite3_column_blob(st, 0), *keylen);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JG_OK : store_rc(s, rc);
}

static int
store_session_update(struct store *s, long long id, const char *sql,
    const char *fmt, const void *a, size_t alen)
{
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if (fmt[0] == 'b')
		rc = store_run(s, &changes, sql, "bi", a, alen, id);
	else
		rc = store_run(s, &changes, sql, "si", a, id);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "no such session: %lld", id);
		rc = JG_ENOENT;
	}
	return store_end(s, rc);
}

int
store_session_set_recording(struct store *s, long long id, const char *file)
{
	return store_session_update(s, id, "UPDATE sessions SET recording = ? "
	    "WHERE id = ?", "s", file, 0);
}

/* Set once: a recording key is never replaced (only re-sealed by rekey). */
int
store_session_set_key(struct store *s, long long id,
    const unsigned char *sealed, size_t len)
{
	return store_session_update(s, id, "UPDATE sessions SET rec_key = ? "
	    "WHERE id = ? AND rec_key IS NULL", "b", sealed, len);
}

