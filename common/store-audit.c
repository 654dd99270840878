/* store-audit.c: the audit log in the store: append-only rows in a hash chain, listed and verified. */

/*
 * Each row's hash covers the previous row's hash and every field of its
 * own, so an edit or a deletion anywhere breaks the chain from there on
 * (store_audit_verify). Rows are appended inside the caller's
 * transaction: the action and its row land together or not at all.
 *
 * A tail cut off by root leaves a shorter chain that still verifies, so
 * every committed row also leaves the database at once (witness.c): to
 * syslog (LOG_AUTHPRIV), to AuditLogFile as a JSON line, and as the head
 * (sequence and hash of the last row written) in StateDirectory's
 * audit.head, which the daemon compares with the database when it starts.
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
#include <syslog.h>

#include "jumpgate.h"
#include "store-int.h"

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

/* A row of the open transaction, for the witness once it is committed. */
static void
store_audit_pend(struct store *s, long long id, const char *time_,
    const struct store_actor *a, const char *action, const char *detail,
    const unsigned char prev[32], const unsigned char hash[32])
{
	struct store_audit *nv, *e;

	if ((nv = realloc(s->pending, (s->npending + 1) * sizeof(*nv))) ==
	    NULL) {
		log_error("audit row %lld: no memory to witness it", id);
		return;
	}
	s->pending = nv;
	e = &s->pending[s->npending++];
	memset(e, 0, sizeof(*e));
	e->id = id;
	snprintf(e->time, sizeof(e->time), "%s", time_);
	snprintf(e->actor, sizeof(e->actor), "%s", a->name);
	e->uid = a->uid;
	snprintf(e->action, sizeof(e->action), "%s", action);
	e->detail = xstrdup(detail);
	memcpy(e->prev, prev, 32);
	memcpy(e->hash, hash, 32);
}

/* The head file: "SEQ HASH\n" of the last row this host wrote. */
static int
store_audit_head_read(const char *path, long long *seq,
    unsigned char hash[32])
{
	unsigned char *buf = NULL;
	char hex[65];
	size_t len, n;
	int rc;

	if ((rc = file_read_all(path, 256, &buf, &len, NULL, 0)) != JG_OK)
		return rc;
	rc = sscanf((char *)buf, "%lld %64s", seq, hex) == 2 && *seq > 0 &&
	    strlen(hex) == 64 && sodium_hex2bin(hash, 32, hex, 64, NULL, &n,
	    NULL) == 0 && n == 32 ? JG_OK : JG_ECORRUPT;
	free(buf);
	return rc;
}

static void
store_audit_head_write(struct store *s, long long seq,
    const unsigned char hash[32])
{
	char tmp[JG_PATH_MAX + 8], line[128], hex[65];
	unsigned char old[32];
	long long cur;
	int fd, ok;

	/* Another process may have written a later head meanwhile. */
	if (store_audit_head_read(s->head_path, &cur, old) == JG_OK &&
	    cur > seq)
		return;
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	snprintf(line, sizeof(line), "%lld %s\n", seq, hex);
	snprintf(tmp, sizeof(tmp), "%s.%ld", s->head_path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	ok = fd != -1 && fd_write_all(fd, line, strlen(line), NULL) == JG_OK;
	if (fd != -1)
		close(fd);
	if (!ok || rename(tmp, s->head_path) == -1) {
		log_error("audit head %s: %s", s->head_path, strerror(errno));
		unlink(tmp);
	}
}

/*
 * The transaction ended: its audit rows go to their witness (committed),
 * or are forgotten (rolled back). A witness that cannot be written is
 * logged: the rows themselves are safe in the database.
 */
void
store_audit_committed(struct store *s, int committed)
{
	char line[WITNESS_LINE_MAX];
	size_t i;
	int fd = -1;

	if (committed && s->npending > 0 && s->log_path[0] != '\0' &&
	    (fd = open(s->log_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		log_error("AuditLogFile %s: %s", s->log_path, strerror(errno));
	for (i = 0; i < s->npending; i++) {
		if (committed && witness_line(&s->pending[i], line,
		    sizeof(line)) == JG_OK) {
			line[strcspn(line, "\n")] = '\0';
			syslog(LOG_AUTHPRIV | LOG_INFO, "audit %s", line);
			strcat(line, "\n");
			if (fd != -1 && fd_write_all(fd, line, strlen(line),
			    NULL) != JG_OK)
				log_error("AuditLogFile %s: %s", s->log_path,
				    strerror(errno));
		}
		free(s->pending[i].detail);
	}
	if (fd != -1 && (fsync(fd) == -1 || close(fd) == -1))
		log_error("AuditLogFile %s: %s", s->log_path, strerror(errno));
	if (committed && s->npending > 0 && s->head_path[0] != '\0')
		store_audit_head_write(s, s->pending[s->npending - 1].id,
		    s->pending[s->npending - 1].hash);
	free(s->pending);
	s->pending = NULL;
	s->npending = 0;
}

/*
 * From now on committed rows go to their witness: the head file (always)
 * and AuditLogFile (log_path, may be empty), and syslog.
 */
void
store_audit_witness(struct store *s, const char *head_path,
    const char *log_path)
{
	s->witness = 1;
	snprintf(s->head_path, sizeof(s->head_path), "%s", head_path);
	snprintf(s->log_path, sizeof(s->log_path), "%s", log_path);
}

/*
 * The daemon, at start: the database must still hold the last row this
 * host wrote (the head file), with the same hash. A shorter or rewritten
 * log is JG_ECORRUPT with the gap in err. No head file yet: it is made
 * from the database.
 */
int
store_audit_head_check(struct store *s, char *err, size_t errlen)
{
	unsigned char want[32], got[32];
	sqlite3_stmt *st;
	long long seq, last = 0;
	int rc, found = 0;

	rc = store_audit_head_read(s->head_path, &seq, want);
	if (rc == JG_ENOENT)
		return JG_OK;		/* written with the next row */
	if (rc != JG_OK) {
		errf(err, errlen, "audit head %s is not readable or not a "
		    "head (SEQ HASH)", s->head_path);
		return JG_ECORRUPT;
	}
	if ((rc = store_prepare(s, &st, "SELECT id, hash FROM audit WHERE "
	    "id = ? OR id = (SELECT max(id) FROM audit) ORDER BY id", "i",
	    seq)) != JG_OK) {
		errf(err, errlen, "%s", s->err);
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) == seq &&
		    sqlite3_column_bytes(st, 1) == 32) {
			memcpy(got, sqlite3_column_blob(st, 1), 32);
			found = 1;
		}
		last = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		errf(err, errlen, "%s", sqlite3_errstr(rc));
		return store_rc(s, rc);
	}
	if (!found && last < seq) {
		errf(err, errlen, "the audit log has gone backwards: this host "
		    "wrote up to row %lld, the database ends at row %lld (rows "
		    "%lld to %lld are gone)", seq, last, last + 1, seq);
		return JG_ECORRUPT;
	}
	if (!found) {
		errf(err, errlen, "audit row %lld, which this host wrote, is "
		    "gone from the database", seq);
		return JG_ECORRUPT;
	}
	if (sodium_memcmp(got, want, 32) != 0) {
		errf(err, errlen, "the audit log was rewritten: row %lld is not "
		    "the row this host wrote (the log was cut and written "
		    "again)", seq);
		return JG_ECORRUPT;
	}
	return JG_OK;
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
	rc = store_run(s, NULL, "INSERT INTO audit (id, time, actor, uid, "
	    "action, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "ississbb", id, now, a->name, (long long)a->uid, action, detail,
	    prev, sizeof(prev), hash, sizeof(hash));
	if (rc == JG_OK && s->witness)
		store_audit_pend(s, id, now, a, action, detail, prev, hash);
	return rc;
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

static void
store_audit_row(sqlite3_stmt *st, void *elem)
{
	struct store_audit *e = elem;
	const unsigned char *d = sqlite3_column_text(st, 5);

	e->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, e->time, sizeof(e->time));
	store_col_text(st, 2, e->actor, sizeof(e->actor));
	e->uid = (long)sqlite3_column_int64(st, 3);
	store_col_text(st, 4, e->action, sizeof(e->action));
	e->detail = xstrdup(d != NULL ? (const char *)d : "");
	if (sqlite3_column_bytes(st, 6) == 32)
		memcpy(e->prev, sqlite3_column_blob(st, 6), 32);
	if (sqlite3_column_bytes(st, 7) == 32)
		memcpy(e->hash, sqlite3_column_blob(st, 7), 32);
}

static void
store_audit_free_list(void *v, size_t n)
{
	store_audit_free(v, n);
}

int
store_audit_list(struct store *s, time_t since, struct store_audit **out,
    size_t *n)
{
	sqlite3_stmt *st;
	char from[32];
	int rc;

	time_iso_utc(since, from, sizeof(from));
	if ((rc = store_prepare(s, &st, "SELECT id, time, actor, uid, action, "
	    "detail, prev, hash FROM audit WHERE time >= ? ORDER BY id", "s",
	    from)) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_audit),
	    store_audit_row, store_audit_free_list, (void **)out, n);
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

