/* store-audit.c: the audit log in the store: append-only rows in a hash chain, listed and verified. */

/*
 * Each row's hash covers the previous row's hash and every field of its
 * own, so an edit or a deletion anywhere breaks the chain from there on
 * (store_audit_verify). Rows are appended inside the caller's
 * transaction: the action and its row land together or not at all.
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

