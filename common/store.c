/* store.c: the one SQLite database the daemon and the tool share: opening, migrations and the helpers every store-*.c file uses. */

/*
 * The rest of the program sees a narrow interface of typed calls, so a
 * PostgreSQL backend can later stand behind it. Every write runs in BEGIN
 * IMMEDIATE with its audit row: if the audit row cannot be written, the
 * change does not happen. The daemon opens with a short busy timeout and
 * fails closed when the lock is held longer; the tool waits a few seconds.
 */

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

#define STORE_BUSY_DAEMON_MS 250
#define STORE_BUSY_CLI_MS 5000

const char *
store_errmsg(struct store *s)
{
	return s->err;
}

int
store_rc(struct store *s, int rc)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", s->path,
	    sqlite3_errmsg(s->db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(s->err, sizeof(s->err), "%s: database is busy",
		    s->path);
		return JG_EBUSY;
	case SQLITE_CONSTRAINT:
		return JG_EEXIST;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		snprintf(s->err, sizeof(s->err), "%s: database is corrupt or "
		    "not a jumpgate database", s->path);
		return JG_ECORRUPT;
	default:
		return JG_ERR;
	}
}

/*
 * Prepare and bind in one step. fmt has one letter per parameter:
 * s text, i int64, b blob (pointer, size_t), n null (its argument is
 * skipped, so one argument list serves both the NULL and non-NULL case).
 */
static int
store_vprepare(struct store *s, sqlite3_stmt **st, const char *sql,
    const char *fmt, va_list ap)
{
	int rc, i;

	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL)) != SQLITE_OK)
		return store_rc(s, rc);
	for (i = 1; *fmt != '\0'; fmt++, i++) {
		switch (*fmt) {
		case 's':
			rc = sqlite3_bind_text(*st, i, va_arg(ap, const char *),
			    -1, SQLITE_TRANSIENT);
			break;
		case 'i':
			rc = sqlite3_bind_int64(*st, i, va_arg(ap, long long));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob(*st, i, p, (int)n,
			    SQLITE_TRANSIENT);
			break;
		}
		case 'n':	/* consumes its argument, binds NULL */
			(void)va_arg(ap, const void *);
			rc = sqlite3_bind_null(*st, i);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
		if (rc != SQLITE_OK) {
			sqlite3_finalize(*st);
			*st = NULL;
			return store_rc(s, rc);
		}
	}
	return JG_OK;
}

int
store_prepare(struct store *s, sqlite3_stmt **st, const char *sql,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = store_vprepare(s, st, sql, fmt, ap);
	va_end(ap);
	return rc;
}

/* Run a statement that returns no rows; *changes gets the rows it touched. */
int
store_run(struct store *s, int *changes, const char *sql, const char *fmt,
    ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = store_vprepare(s, &st, sql, fmt, ap);
	va_end(ap);
	if (rc != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_rc(s, rc);
	if (changes != NULL)
		*changes = sqlite3_changes(s->db);
	return JG_OK;
}

static int
store_exec(struct store *s, const char *sql)
{
	int rc;

	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_rc(s, rc);
	return JG_OK;
}

int
store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

/* Commit (or roll back); the audit rows it held go to their witness once committed. */
int
store_end(struct store *s, int rc)
{
	if (rc == JG_OK && (rc = store_exec(s, "COMMIT")) == JG_OK) {
		store_audit_committed(s, 1);
		return JG_OK;
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_audit_committed(s, 0);
	return rc;
}

void
store_now(char *buf, size_t len)
{
	time_iso_utc(time(NULL), buf, len);
}

void
store_col_text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t == NULL ? "" : (const char *)t);
}

/*
 * Step a prepared query to its end, one element of elsize bytes per row,
 * filled by row(): the one loop every listing shares. The statement is
 * finalized; on error nothing is returned (free_list, if rows own memory,
 * frees the rows taken so far, else the array is simply freed).
 */
int
store_collect(struct store *s, sqlite3_stmt *st, size_t elsize,
    void (*row)(sqlite3_stmt *, void *), void (*free_list)(void *, size_t),
    void **out, size_t *n)
{
	unsigned char *v = NULL, *nv;
	size_t cnt = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nv = realloc(v, (cnt + 1) * elsize)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		memset(v + cnt * elsize, 0, elsize);
		row(st, v + cnt * elsize);
		cnt++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (free_list != NULL)
			free_list(v, cnt);
		else
			free(v);
		return store_rc(s, rc);
	}
	*out = v;
	*n = cnt;
	return JG_OK;
}

static int
store_migrate(struct store *s, int create)
{
	sqlite3_stmt *st;
	long long version;
	const char *sql;
	char buf[64];
	int rc;

	if ((rc = store_prepare(s, &st, "PRAGMA user_version", "")) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_rc(s, rc);
	if (version > (long long)store_schema_count()) {
		snprintf(s->err, sizeof(s->err), "%s: schema version %lld is "
		    "newer than this jumpgate understands (%zu)", s->path,
		    version, store_schema_count());
		return JG_ECORRUPT;
	}
	/* Version 0 outside init: an empty file or someone else's database. */
	if (version == 0 && !create) {
		snprintf(s->err, sizeof(s->err), "%s: not a jumpgate database "
		    "(empty or foreign file)", s->path);
		return JG_ECORRUPT;
	}
	while ((sql = store_schema_migration((size_t)version)) != NULL) {
		if ((rc = store_begin(s)) != JG_OK)
			return rc;
		rc = store_exec(s, sql);
		snprintf(buf, sizeof(buf), "PRAGMA user_version = %lld",
		    version + 1);
		if (rc == JG_OK)
			rc = store_exec(s, buf);
		if ((rc = store_end(s, rc)) != JG_OK)
			return rc;
		version++;
	}
	return JG_OK;
}

int
store_open(const char *path, int flags, struct store **out, char *err,
    size_t errlen)
{
	struct store *s;
	struct stat st;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, rc, fd;

	*out = NULL;
	if (strlen(path) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return JG_EINVAL;
	}
	if (!(flags & STORE_CREATE) && stat(path, &st) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no database at %s: run "
			    "jumpgate init first", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? JG_ENOENT : JG_ERR;
	}
	if (flags & STORE_CREATE) {
		/* Create the file 0600 ourselves: sqlite would honour umask. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return errno == EEXIST ? JG_EEXIST : JG_ERR;
		}
		close(fd);
	}
	s = xcalloc(1, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	if ((rc = sqlite3_open_v2(path, &s->db, oflags, NULL)) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db == NULL ?
		    "out of memory" : sqlite3_errmsg(s->db));
		store_close(s);
		return JG_ERR;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, (flags & STORE_DAEMON) ?
	    STORE_BUSY_DAEMON_MS : STORE_BUSY_CLI_MS);
	if ((rc = store_exec(s, "PRAGMA journal_mode=WAL")) != JG_OK ||
	    (rc = store_exec(s, "PRAGMA synchronous=FULL")) != JG_OK ||
	    (rc = store_exec(s, "PRAGMA foreign_keys=ON")) != JG_OK ||
	    (rc = store_exec(s, "PRAGMA secure_delete=ON")) != JG_OK ||
	    (rc = store_migrate(s, flags & STORE_CREATE)) != JG_OK) {
		snprintf(err, errlen, "%s", s->err);
		store_close(s);
		return rc;
	}
	*out = s;
	return JG_OK;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_audit_committed(s, 0);
	sqlite3_close(s->db);
	free(s);
}

/* Changes by another connection (the tool) bump this: the daemon polls it. */
int
store_data_version(struct store *s, long long *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "PRAGMA data_version", "")) != JG_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = JG_OK;
	} else
		rc = store_rc(s, rc);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The single row a query by key found (rc and v, n are the query's):
 * copied into out and the list freed; none is JG_ENOENT with the error
 * said in words.
 */
int
store_one(struct store *s, int rc, void *v, size_t n, void *out,
    size_t elsize, const char *fmt, ...)
{
	va_list ap;

	if (rc != JG_OK)
		return rc;
	if (n == 0) {
		free(v);
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
		return JG_ENOENT;
	}
	memcpy(out, v, elsize);
	free(v);
	return JG_OK;
}

/*
 * Delete one object in its own transaction with its audit row. The key is
 * key (bound as text) or, when key is NULL, id; touching no row is
 * JG_ENOENT with "NOTFOUND KEY" as the error; the audit detail is
 * "FIELD=KEY".
 */
int
store_delete(struct store *s, const struct store_actor *a, const char *sql,
    const char *key, long long id, const char *notfound, const char *action,
    const char *field)
{
	char shown[256], detail[320];
	int rc, changes = 0;

	if (key != NULL)
		snprintf(shown, sizeof(shown), "%s", key);
	else
		snprintf(shown, sizeof(shown), "%lld", id);
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	rc = key != NULL ? store_run(s, &changes, sql, "s", key) :
	    store_run(s, &changes, sql, "i", id);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "%s%s", notfound, shown);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "%s=%s", field, shown);
		rc = store_audit_append(s, a, action, detail);
	}
	return store_end(s, rc);
}

/* The first column of every row of st, an integer id, into *ids (free). */
int
store_ids(struct store *s, sqlite3_stmt *st, long long **ids, size_t *n)
{
	long long *v = NULL, *nv;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nv = realloc(v, (*n + 1) * sizeof(*v))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return store_rc(s, rc);
	}
	*ids = v;
	return JG_OK;
}

/* Free text (reason, comment): bounded, one line, no control characters. */
int
store_text_valid(struct store *s, const char *what, const char *t, size_t min,
    size_t max)
{
	size_t n = t == NULL ? 0 : strlen(t);

	if (n < min) {
		snprintf(s->err, sizeof(s->err), "the %s is required", what);
		return JG_EINVAL;
	}
	if (n > max) {
		snprintf(s->err, sizeof(s->err), "the %s is too long (%zu "
		    "characters, at most %zu)", what, n, max);
		return JG_EINVAL;
	}
	if (n > 0 && str_has_control(t)) {
		snprintf(s->err, sizeof(s->err), "the %s contains control "
		    "characters", what);
		return JG_EINVAL;
	}
	return JG_OK;
}
