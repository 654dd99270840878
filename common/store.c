/* store.c: the one SQLite database the daemon and the tool share; all SQL lives here. */

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

int
store_end(struct store *s, int rc)
{
	if (rc == JG_OK && (rc = store_exec(s, "COMMIT")) == JG_OK)
		return JG_OK;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
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
 * finalized; on error nothing is returned.
 */
int
store_collect(struct store *s, sqlite3_stmt *st, size_t elsize,
    void (*row)(sqlite3_stmt *, void *), void **out, size_t *n)
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

/* Audit: a hash chain, each row's hash covering the previous one. */

static void
store_hash_field(crypto_hash_sha256_state *h, const void *p, size_t n)
{
	unsigned char len[8];
	size_t i;

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	crypto_hash_sha256_update(h, len, sizeof(len));
	crypto_hash_sha256_update(h, p, n);
}

static void
store_audit_hash(const unsigned char prev[32], long long id, const char *time_,
    const char *actor, long uid, const char *action, const char *detail,
    unsigned char out[32])
{
	crypto_hash_sha256_state h;
	char num[64];

	crypto_hash_sha256_init(&h);
	store_hash_field(&h, "jumpgate-audit-v1", 17);
	store_hash_field(&h, prev, 32);
	snprintf(num, sizeof(num), "%lld", id);
	store_hash_field(&h, num, strlen(num));
	store_hash_field(&h, time_, strlen(time_));
	store_hash_field(&h, actor, strlen(actor));
	snprintf(num, sizeof(num), "%ld", uid);
	store_hash_field(&h, num, strlen(num));
	store_hash_field(&h, action, strlen(action));
	store_hash_field(&h, detail, strlen(detail));
	crypto_hash_sha256_final(&h, out);
}

/* Inside the caller's transaction. */
int
store_audit_append(struct store *s, const struct store_actor *a,
    const char *action, const char *detail)
{
	unsigned char prev[32], hash[32];
	sqlite3_stmt *st;
	long long id = 1;
	char now[32];
	int rc;

	memset(prev, 0, sizeof(prev));
	if ((rc = store_prepare(s, &st, "SELECT id, hash FROM audit "
	    "ORDER BY id DESC LIMIT 1", "")) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0) + 1;
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(prev, sqlite3_column_blob(st, 1), 32);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_rc(s, rc);
	store_now(now, sizeof(now));
	store_audit_hash(prev, id, now, a->name, a->uid, action, detail, hash);
	return store_run(s, NULL, "INSERT INTO audit (id, time, actor, uid, "
	    "action, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "ississbb", id, now, a->name, (long long)a->uid, action, detail,
	    prev, sizeof(prev), hash, sizeof(hash));
}

int
store_audit_add(struct store *s, const struct store_actor *a,
    const char *action, const char *detail)
{
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	return store_end(s, store_audit_append(s, a, action, detail));
}

int
store_audit_list(struct store *s, time_t since, struct store_audit **out,
    size_t *n)
{
	struct store_audit *v = NULL, *nv;
	sqlite3_stmt *st;
	char from[32];
	size_t cnt = 0;
	int rc;

	time_iso_utc(since, from, sizeof(from));
	if ((rc = store_prepare(s, &st, "SELECT id, time, actor, uid, action, "
	    "detail, prev, hash FROM audit WHERE time >= ? ORDER BY id", "s",
	    from)) != JG_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].id = sqlite3_column_int64(st, 0);
		store_col_text(st, 1, v[cnt].time, sizeof(v[cnt].time));
		store_col_text(st, 2, v[cnt].actor, sizeof(v[cnt].actor));
		v[cnt].uid = (long)sqlite3_column_int64(st, 3);
		store_col_text(st, 4, v[cnt].action, sizeof(v[cnt].action));
		v[cnt].detail = xstrdup((const char *)(sqlite3_column_text(st,
		    5) ? sqlite3_column_text(st, 5) : (const unsigned char *)""));
		if (sqlite3_column_bytes(st, 6) == 32)
			memcpy(v[cnt].prev, sqlite3_column_blob(st, 6), 32);
		if (sqlite3_column_bytes(st, 7) == 32)
			memcpy(v[cnt].hash, sqlite3_column_blob(st, 7), 32);
		cnt++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_audit_free(v, cnt);
		return store_rc(s, rc);
	}
	*out = v;
	*n = cnt;
	return JG_OK;
}

void
store_audit_free(struct store_audit *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].detail);
	free(v);
}

/*
 * Walk the chain from the first row: ids must run 1, 2, 3 ... without a
 * gap, each prev must be the previous hash and each hash must recompute.
 */
int
store_audit_verify(struct store *s, long long *bad_id, char *err,
    size_t errlen)
{
	struct store_audit *v;
	unsigned char prev[32], h[32];
	size_t n, i;
	int rc;

	*bad_id = 0;
	if ((rc = store_audit_list(s, 0, &v, &n)) != JG_OK) {
		snprintf(err, errlen, "%s", s->err);
		return rc;
	}
	memset(prev, 0, sizeof(prev));
	rc = JG_OK;
	for (i = 0; i < n; i++) {
		if (v[i].id != (long long)i + 1) {
			snprintf(err, errlen, "audit row %lld is missing",
			    (long long)i + 1);
			*bad_id = (long long)i + 1;
			rc = JG_ECORRUPT;
			break;
		}
		store_audit_hash(prev, v[i].id, v[i].time, v[i].actor, v[i].uid,
		    v[i].action, v[i].detail, h);
		if (sodium_memcmp(prev, v[i].prev, 32) != 0 ||
		    sodium_memcmp(h, v[i].hash, 32) != 0) {
			snprintf(err, errlen, "audit row %lld was altered",
			    v[i].id);
			*bad_id = v[i].id;
			rc = JG_ECORRUPT;
			break;
		}
		memcpy(prev, h, 32);
	}
	store_audit_free(v, n);
	return rc;
}

/* Users, roles and keys. */

static int
store_user_id(struct store *s, const char *name, long long *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT id FROM users WHERE name = ?",
	    "s", name)) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return JG_OK;
	if (rc == SQLITE_DONE) {
		snprintf(s->err, sizeof(s->err), "no such user: %s", name);
		return JG_ENOENT;
	}
	return store_rc(s, rc);
}

static int
store_key_insert(struct store *s, const struct store_actor *a, long long uid,
    const char *user, const struct sshkey_pub *k)
{
	char now[32], detail[512];
	int rc;

	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO user_keys (user_id, type, blob, "
	    "comment, fingerprint, created) VALUES (?, ?, ?, ?, ?, ?)",
	    "isssss", uid, k->type, k->base64, k->comment, k->fingerprint,
	    now);
	if (rc == JG_EEXIST) {
		snprintf(s->err, sizeof(s->err), "key %s is already "
		    "registered", k->fingerprint);
		return rc;
	}
	if (rc != JG_OK)
		return rc;
	snprintf(detail, sizeof(detail), "user=%s key=%s %s", user, k->type,
	    k->fingerprint);
	return store_audit_append(s, a, "key.add", detail);
}

int
store_user_add(struct store *s, const struct store_actor *a, const char *name,
    char *const *roles, size_t nroles, const struct sshkey_pub *key)
{
	char now[32], detail[256];
	long long id;
	size_t i;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO users (name, created) VALUES "
	    "(?, ?)", "ss", name, now);
	if (rc == JG_EEXIST)
		snprintf(s->err, sizeof(s->err), "user %s already exists",
		    name);
	id = sqlite3_last_insert_rowid(s->db);
	for (i = 0; rc == JG_OK && i < nroles; i++)
		rc = store_run(s, NULL, "INSERT OR IGNORE INTO user_roles "
		    "(user_id, role) VALUES (?, ?)", "is", id, roles[i]);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s roles=%zu", name,
		    nroles);
		rc = store_audit_append(s, a, "user.add", detail);
	}
	if (rc == JG_OK && key != NULL)
		rc = store_key_insert(s, a, id, name, key);
	return store_end(s, rc);
}

int
store_user_del(struct store *s, const struct store_actor *a, const char *name)
{
	char detail[128];
	long long id;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_user_id(s, name, &id)) == JG_OK)
		rc = store_run(s, NULL, "DELETE FROM users WHERE id = ?", "i",
		    id);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s", name);
		rc = store_audit_append(s, a, "user.del", detail);
	}
	return store_end(s, rc);
}

static int
store_user_roles(struct store *s, struct store_user *u)
{
	sqlite3_stmt *st;
	char **nv;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT role FROM user_roles WHERE "
	    "user_id = ? ORDER BY role", "i", u->id)) != JG_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nv = realloc(u->roles, (u->nroles + 1) *
		    sizeof(*nv))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		u->roles = nv;
		u->roles[u->nroles++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? JG_OK : store_rc(s, rc);
}

static int
store_users_query(struct store *s, const char *name, struct store_user **out,
    size_t *n)
{
	struct store_user *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t cnt = 0, i;
	int rc;

	rc = store_prepare(s, &st, "SELECT u.id, u.name, u.created, "
	    "(SELECT count(*) FROM user_keys k WHERE k.user_id = u.id) "
	    "FROM users u WHERE ? IS NULL OR u.name = ? ORDER BY u.name",
	    name ? "ss" : "nn", name, name);
	if (rc != JG_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].id = sqlite3_column_int64(st, 0);
		store_col_text(st, 1, v[cnt].name, sizeof(v[cnt].name));
		store_col_text(st, 2, v[cnt].created, sizeof(v[cnt].created));
		v[cnt].nkeys = (size_t)sqlite3_column_int64(st, 3);
		cnt++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_user_free(v, cnt);
		return store_rc(s, rc);
	}
	for (i = 0; i < cnt; i++)
		if ((rc = store_user_roles(s, &v[i])) != JG_OK) {
			store_user_free(v, cnt);
			return rc;
		}
	*out = v;
	*n = cnt;
	return JG_OK;
}

int
store_user_list(struct store *s, struct store_user **out, size_t *n)
{
	return store_users_query(s, NULL, out, n);
}

int
store_user_get(struct store *s, const char *name, struct store_user *u)
{
	struct store_user *v;
	size_t n;
	int rc;

	if ((rc = store_users_query(s, name, &v, &n)) != JG_OK)
		return rc;
	if (n == 0) {
		free(v);
		snprintf(s->err, sizeof(s->err), "no such user: %s", name);
		return JG_ENOENT;
	}
	*u = v[0];
	free(v);
	return JG_OK;
}

void
store_user_clear(struct store_user *u)
{
	size_t j;

	for (j = 0; j < u->nroles; j++)
		free(u->roles[j]);
	free(u->roles);
	u->roles = NULL;
	u->nroles = 0;
}

void
store_user_free(struct store_user *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_user_clear(&v[i]);
	free(v);
}

int
store_key_add(struct store *s, const struct store_actor *a, const char *user,
    const struct sshkey_pub *key)
{
	long long id;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_user_id(s, user, &id)) == JG_OK)
		rc = store_key_insert(s, a, id, user, key);
	return store_end(s, rc);
}

int
store_key_del(struct store *s, const struct store_actor *a,
    const char *fingerprint)
{
	char detail[256];
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	rc = store_run(s, &changes, "DELETE FROM user_keys WHERE fingerprint "
	    "= ?", "s", fingerprint);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "no such key: %s",
		    fingerprint);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "key=%s", fingerprint);
		rc = store_audit_append(s, a, "key.del", detail);
	}
	return store_end(s, rc);
}

int
store_key_owner(struct store *s, const char *fingerprint, char *user,
    size_t userlen)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT u.name FROM user_keys k JOIN "
	    "users u ON u.id = k.user_id WHERE k.fingerprint = ?", "s",
	    fingerprint)) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_text(st, 0, user, userlen);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return JG_OK;
	if (rc == SQLITE_DONE) {
		snprintf(s->err, sizeof(s->err), "no such key: %s",
		    fingerprint);
		return JG_ENOENT;
	}
	return store_rc(s, rc);
}

static void
store_key_list_row(sqlite3_stmt *st, void *elem)
{
	struct store_key *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, e->user, sizeof(e->user));
	store_col_text(st, 2, e->type, sizeof(e->type));
	store_col_text(st, 3, e->fingerprint,
	    sizeof(e->fingerprint));
	store_col_text(st, 4, e->comment, sizeof(e->comment));
	store_col_text(st, 5, e->created, sizeof(e->created));
}

int
store_key_list(struct store *s, const char *user, struct store_key **out,
    size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_prepare(s, &st, "SELECT k.id, u.name, k.type, "
	    "k.fingerprint, k.comment, k.created FROM user_keys k JOIN users u "
	    "ON u.id = k.user_id WHERE ? IS NULL OR u.name = ? ORDER BY "
	    "u.name, k.id", user ? "ss" : "nn", user, user);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_key),
	    store_key_list_row, (void **)out, n);
}

/* Targets. */

int
store_target_add(struct store *s, const struct store_actor *a,
    const struct store_target *t)
{
	char now[32], detail[512];
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO targets (name, host, port, login, "
	    "host_key, created) VALUES (?, ?, ?, ?, ?, ?)", "ssisss", t->name,
	    t->host, (long long)t->port, t->login, t->host_key, now);
	if (rc == JG_EEXIST)
		snprintf(s->err, sizeof(s->err), "target %s already exists",
		    t->name);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "target=%s host=%s port=%d "
		    "login=%s", t->name, t->host, t->port, t->login);
		rc = store_audit_append(s, a, "target.add", detail);
	}
	return store_end(s, rc);
}

int
store_target_del(struct store *s, const struct store_actor *a,
    const char *name)
{
	char detail[128];
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	rc = store_run(s, &changes, "DELETE FROM targets WHERE name = ?", "s",
	    name);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "no such target: %s", name);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "target=%s", name);
		rc = store_audit_append(s, a, "target.del", detail);
	}
	return store_end(s, rc);
}

static void
store_targets_query_row(sqlite3_stmt *st, void *elem)
{
	struct store_target *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, e->name, sizeof(e->name));
	store_col_text(st, 2, e->host, sizeof(e->host));
	e->port = sqlite3_column_int(st, 3);
	store_col_text(st, 4, e->login, sizeof(e->login));
	store_col_text(st, 5, e->host_key,
	    sizeof(e->host_key));
	store_col_text(st, 6, e->created, sizeof(e->created));
}

static int
store_targets_query(struct store *s, const char *name,
    struct store_target **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_prepare(s, &st, "SELECT id, name, host, port, login, "
	    "host_key, created FROM targets WHERE ? IS NULL OR name = ? "
	    "ORDER BY name", name ? "ss" : "nn", name, name);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_target),
	    store_targets_query_row, (void **)out, n);
}

int
store_target_list(struct store *s, struct store_target **out, size_t *n)
{
	return store_targets_query(s, NULL, out, n);
}

int
store_target_get(struct store *s, const char *name, struct store_target *t)
{
	struct store_target *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_targets_query(s, name, &v, &n)) != JG_OK)
		return rc;
	if (n == 0) {
		free(v);
		snprintf(s->err, sizeof(s->err), "no such target: %s", name);
		return JG_ENOENT;
	}
	*t = v[0];
	free(v);
	return JG_OK;
}

/* Access rules. */

int
store_rule_add(struct store *s, const struct store_actor *a,
    struct store_rule *r)
{
	char now[32], detail[512];
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO access_rules (role, target_glob, "
	    "approval_role, approvals, max_duration, created) VALUES "
	    "(?, ?, ?, ?, ?, ?)", r->approval_role[0] ? "sssiis" : "ssniis",
	    r->role, r->target_glob, r->approval_role,
	    (long long)r->approvals, (long long)r->max_duration, now);
	if (rc == JG_OK) {
		r->id = sqlite3_last_insert_rowid(s->db);
		snprintf(r->created, sizeof(r->created), "%s", now);
		snprintf(detail, sizeof(detail), "rule=%lld role=%s "
		    "targets=%s approval_by=%s approvals=%d max_duration=%ld",
		    r->id, r->role, r->target_glob, r->approval_role[0] ?
		    r->approval_role : "-", r->approvals, r->max_duration);
		rc = store_audit_append(s, a, "access.add", detail);
	}
	return store_end(s, rc);
}

int
store_rule_del(struct store *s, const struct store_actor *a, long long id)
{
	char detail[64];
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	rc = store_run(s, &changes, "DELETE FROM access_rules WHERE id = ?",
	    "i", id);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "no such access rule: %lld",
		    id);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "rule=%lld", id);
		rc = store_audit_append(s, a, "access.del", detail);
	}
	return store_end(s, rc);
}

static void
store_rule_list_row(sqlite3_stmt *st, void *elem)
{
	struct store_rule *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, e->role, sizeof(e->role));
	store_col_text(st, 2, e->target_glob,
	    sizeof(e->target_glob));
	store_col_text(st, 3, e->approval_role,
	    sizeof(e->approval_role));
	e->approvals = sqlite3_column_int(st, 4);
	e->max_duration = (long)sqlite3_column_int64(st, 5);
	store_col_text(st, 6, e->created, sizeof(e->created));
}

int
store_rule_list(struct store *s, struct store_rule **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT id, role, target_glob, "
	    "approval_role, approvals, max_duration, created FROM access_rules "
	    "ORDER BY id", "")) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_rule),
	    store_rule_list_row, (void **)out, n);
}

/* Vault metadata and sealed secrets: the store never sees a plaintext. */

int
store_vault_meta_get(struct store *s, struct store_vault_meta *m)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = store_prepare(s, &st, "SELECT mode, salt, opslimit, "
	    "memlimit, check_value FROM vault_meta WHERE id = 1", "")) !=
	    JG_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->present = 1;
		store_col_text(st, 0, m->mode, sizeof(m->mode));
		if (sqlite3_column_bytes(st, 1) == (int)sizeof(m->salt))
			memcpy(m->salt, sqlite3_column_blob(st, 1),
			    sizeof(m->salt));
		else if (strcmp(m->mode, "passphrase") == 0)
			rc = SQLITE_CORRUPT;
		m->opslimit = (unsigned long long)sqlite3_column_int64(st, 2);
		m->memlimit = (unsigned long long)sqlite3_column_int64(st, 3);
		if (sqlite3_column_bytes(st, 4) == (int)sizeof(m->check))
			memcpy(m->check, sqlite3_column_blob(st, 4),
			    sizeof(m->check));
		else
			rc = SQLITE_CORRUPT;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return JG_OK;
	return store_rc(s, rc);
}

static int
store_vault_meta_write(struct store *s, const struct store_vault_meta *m,
    int replace)
{
	return store_run(s, NULL, replace ? "INSERT OR REPLACE INTO vault_meta "
	    "(id, mode, salt, opslimit, memlimit, check_value) VALUES "
	    "(1, ?, ?, ?, ?, ?)" : "INSERT INTO vault_meta (id, mode, "
	    "salt, opslimit, memlimit, check_value) VALUES (1, ?, ?, ?, ?, ?)",
	    "sbiib", m->mode, m->salt, sizeof(m->salt),
	    (long long)m->opslimit, (long long)m->memlimit, m->check,
	    sizeof(m->check));
}

int
store_vault_meta_init(struct store *s, const struct store_vault_meta *m)
{
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	/* A vault is made once; only rekey may replace its check value. */
	if ((rc = store_vault_meta_write(s, m, 0)) == JG_EEXIST)
		snprintf(s->err, sizeof(s->err), "the vault is already "
		    "initialised");
	return store_end(s, rc);
}

int
store_secret_put(struct store *s, const struct store_actor *a,
    const char *target, const char *kind, uint32_t version,
    const unsigned char *sealed, size_t len)
{
	char now[32], detail[160];
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO secrets (target, kind, version, "
	    "sealed, created, updated) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
	    "(target) DO UPDATE SET kind = excluded.kind, version = "
	    "excluded.version, sealed = excluded.sealed, updated = "
	    "excluded.updated", "ssibss", target, kind, (long long)version,
	    sealed, len, now, now);
	if (rc == JG_EEXIST) {
		snprintf(s->err, sizeof(s->err), "no such target: %s", target);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "target=%s kind=%s "
		    "version=%u", target, kind, version);
		rc = store_audit_append(s, a, "vault.set", detail);
	}
	return store_end(s, rc);
}

static int
store_secrets_query(struct store *s, const char *target,
    struct store_secret **out, size_t *n)
{
	struct store_secret *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t cnt = 0, len;
	int rc;

	rc = store_prepare(s, &st, "SELECT target, kind, version, sealed, "
	    "created, updated FROM secrets WHERE ? IS NULL OR target = ? "
	    "ORDER BY target", target ? "ss" : "nn", target, target);
	if (rc != JG_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		store_col_text(st, 0, v[cnt].target, sizeof(v[cnt].target));
		store_col_text(st, 1, v[cnt].kind, sizeof(v[cnt].kind));
		v[cnt].version = (uint32_t)sqlite3_column_int64(st, 2);
		len = (size_t)sqlite3_column_bytes(st, 3);
		v[cnt].sealed = xcalloc(1, len);
		if (len > 0)
			memcpy(v[cnt].sealed, sqlite3_column_blob(st, 3), len);
		v[cnt].sealed_len = len;
		store_col_text(st, 4, v[cnt].created, sizeof(v[cnt].created));
		store_col_text(st, 5, v[cnt].updated, sizeof(v[cnt].updated));
		cnt++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_secret_free(v, cnt);
		return store_rc(s, rc);
	}
	*out = v;
	*n = cnt;
	return JG_OK;
}

int
store_secret_list(struct store *s, struct store_secret **out, size_t *n)
{
	return store_secrets_query(s, NULL, out, n);
}

/* The caller frees sec->sealed with free(). */
int
store_secret_get(struct store *s, const char *target,
    struct store_secret *sec)
{
	struct store_secret *v;
	size_t n;
	int rc;

	if ((rc = store_secrets_query(s, target, &v, &n)) != JG_OK)
		return rc;
	if (n == 0) {
		free(v);
		snprintf(s->err, sizeof(s->err), "no secret for target %s",
		    target);
		return JG_ENOENT;
	}
	*sec = v[0];
	free(v);
	return JG_OK;
}

void
store_secret_free(struct store_secret *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].sealed);
	free(v);
}

int
store_secret_del(struct store *s, const struct store_actor *a,
    const char *target)
{
	char detail[128];
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	rc = store_run(s, &changes, "DELETE FROM secrets WHERE target = ?",
	    "s", target);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "no secret for target %s",
		    target);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "target=%s", target);
		rc = store_audit_append(s, a, "vault.del", detail);
	}
	return store_end(s, rc);
}

/* Recording keys are sealed under the vault key too: re-seal each. */
static int
store_rekey_sessions(struct store *s, store_reseal_cb cb, void *arg,
    size_t *count)
{
	struct store_secret sec;
	sqlite3_stmt *st;
	unsigned char *sealed;
	long long *ids = NULL, *nids;
	size_t n = 0, i, len;
	int rc;

	*count = 0;
	if ((rc = store_prepare(s, &st, "SELECT id FROM sessions WHERE "
	    "rec_key IS NOT NULL ORDER BY id", "")) != JG_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nids = realloc(ids, (n + 1) * sizeof(*ids))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		ids = nids;
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return store_rc(s, rc);
	}
	rc = JG_OK;
	for (i = 0; rc == JG_OK && i < n; i++) {
		memset(&sec, 0, sizeof(sec));
		snprintf(sec.target, sizeof(sec.target), "session-%lld",
		    ids[i]);
		snprintf(sec.kind, sizeof(sec.kind), "%s", STORE_RECKEY_KIND);
		sec.version = 1;
		if ((rc = store_prepare(s, &st, "SELECT rec_key FROM sessions "
		    "WHERE id = ?", "i", ids[i])) != JG_OK)
			break;
		if (sqlite3_step(st) == SQLITE_ROW) {
			sec.sealed_len = (size_t)sqlite3_column_bytes(st, 0);
			sec.sealed = xcalloc(1, sec.sealed_len);
			memcpy(sec.sealed, sqlite3_column_blob(st, 0),
			    sec.sealed_len);
		}
		sqlite3_finalize(st);
		if ((rc = cb(arg, &sec, &sealed, &len)) != JG_OK) {
			snprintf(s->err, sizeof(s->err), "cannot re-seal the "
			    "recording key of session %lld", ids[i]);
		} else {
			rc = store_run(s, NULL, "UPDATE sessions SET rec_key = "
			    "? WHERE id = ?", "bi", sealed, len, ids[i]);
			free(sealed);
			(*count)++;
		}
		free(sec.sealed);
	}
	free(ids);
	return rc;
}

/*
 * Re-seal every secret and recording key and replace the key check value
 * in one transaction: either every row opens with the new key or none does.
 */
int
store_vault_rekey(struct store *s, const struct store_actor *a,
    const struct store_vault_meta *newmeta, store_reseal_cb cb, void *arg)
{
	struct store_secret *v = NULL;
	unsigned char *sealed;
	char detail[96];
	size_t n = 0, i, len, nkeys = 0;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	rc = store_secrets_query(s, NULL, &v, &n);
	for (i = 0; rc == JG_OK && i < n; i++) {
		if ((rc = cb(arg, &v[i], &sealed, &len)) != JG_OK) {
			snprintf(s->err, sizeof(s->err), "cannot re-seal the "
			    "secret of %s", v[i].target);
			break;
		}
		rc = store_run(s, NULL, "UPDATE secrets SET sealed = ? WHERE "
		    "target = ?", "bs", sealed, len, v[i].target);
		free(sealed);
	}
	if (rc == JG_OK)
		rc = store_rekey_sessions(s, cb, arg, &nkeys);
	if (rc == JG_OK)
		rc = store_vault_meta_write(s, newmeta, 1);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "secrets=%zu "
		    "recording_keys=%zu", n, nkeys);
		rc = store_audit_append(s, a, "vault.rekey", detail);
	}
	store_secret_free(v, n);
	return store_end(s, rc);
}

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
}

static int
store_sessions_query(struct store *s, const struct store_session_filter *f,
    long long id, struct store_session **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_prepare(s, &st, "SELECT id, user, target, login, source, "
	    "started, ended, bytes_in, bytes_out, exit_status, state, kind, "
	    "detail, end_reason, recording FROM sessions WHERE (? = 0 OR "
	    "state = 'live') "
	    "AND (? IS NULL OR user = ?) AND (? IS NULL OR target = ?) "
	    "AND (? = 0 OR id = ?) ORDER BY id", f->user ? (f->target ?
	    "issssii" : "issnnii") : (f->target ? "innssii" : "innnnii"),
	    (long long)f->live_only, f->user, f->user, f->target, f->target,
	    id, id);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_session),
	    store_sessions_query_row, (void **)out, n);
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
