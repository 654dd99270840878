/* store-transfer.c: the files moved in sessions (sftp, scp): one row and one audit row per operation, listed by `jumpgate transfers`. */

/*
 * The master queues the operations the workers report (recorder/sftp.c,
 * recorder/scp.c) and writes them once a second, each row with its audit
 * row (`file.upload`, `file.download`, `file.remove`, ...) in one
 * transaction for all, so the audit chain covers what moved and a client
 * that sends thousands of operations costs one commit a second. A path is what the client asked for, kept as
 * it came (control characters replaced by '?' by the master); sha256 is
 * set only when the whole file went through in order.
 */

#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"
#include "store-int.h"

/* One row and its audit row, in the caller's transaction; t->user acts. */
static int
store_transfer_one(struct store *s, struct store_transfer *t)
{
	struct store_actor a = { t->user, -1 };
	char action[32], detail[2 * JG_FILE_PATH_MAX + 256];
	int rc;

	rc = store_run(s, NULL, "INSERT INTO transfers (session_id, time, op, "
	    "path, path2, bytes, sha256, ok) VALUES (?, ?, ?, ?, ?, ?, "
	    "nullif(?, ''), ?)", "issssisi", t->session_id, t->time, t->op,
	    t->path, t->path2, t->bytes, t->sha256, (long long)t->ok);
	if (rc == JG_OK) {
		t->id = sqlite3_last_insert_rowid(s->db);
		snprintf(action, sizeof(action), "file.%s", t->op);
		snprintf(detail, sizeof(detail), "session=%lld path=%s%s%s "
		    "bytes=%lld sha256=%s ok=%d", t->session_id, t->path,
		    t->path2[0] ? " to=" : "", t->path2, t->bytes,
		    t->sha256[0] ? t->sha256 : "-", t->ok);
		rc = store_audit_append(s, &a, action, detail);
	}
	return rc;
}

/* Rows (their time set by the caller), all or none. */
int
store_transfers_add(struct store *s, struct store_transfer *v, size_t n)
{
	size_t i;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	for (i = 0; rc == JG_OK && i < n; i++)
		rc = store_transfer_one(s, &v[i]);
	return store_end(s, rc);
}

static void
store_transfer_row(sqlite3_stmt *st, void *elem)
{
	struct store_transfer *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	e->session_id = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, e->time, sizeof(e->time));
	store_col_text(st, 3, e->op, sizeof(e->op));
	store_col_text(st, 4, e->path, sizeof(e->path));
	store_col_text(st, 5, e->path2, sizeof(e->path2));
	e->bytes = sqlite3_column_int64(st, 6);
	store_col_text(st, 7, e->sha256, sizeof(e->sha256));
	e->ok = sqlite3_column_int(st, 8);
	store_col_text(st, 9, e->user, sizeof(e->user));
	store_col_text(st, 10, e->target, sizeof(e->target));
}

int
store_transfer_list(struct store *s, const struct store_transfer_filter *f,
    struct store_transfer **out, size_t *n)
{
	sqlite3_stmt *st;
	char fmt[4];
	int rc;

	fmt[0] = 'i';
	fmt[1] = f->user != NULL ? 's' : 'n';
	fmt[2] = f->target != NULL ? 's' : 'n';
	fmt[3] = '\0';
	rc = store_prepare(s, &st, "SELECT t.id, t.session_id, t.time, t.op, "
	    "t.path, t.path2, t.bytes, t.sha256, t.ok, s.user, s.target FROM "
	    "transfers t JOIN sessions s ON s.id = t.session_id WHERE "
	    "(?1 = 0 OR t.session_id = ?1) AND (?2 IS NULL OR s.user = ?2) "
	    "AND (?3 IS NULL OR s.target = ?3) ORDER BY t.id", fmt,
	    f->session_id, f->user, f->target);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_transfer),
	    store_transfer_row, NULL, (void **)out, n);
}
