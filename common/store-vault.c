/* store-vault.c: the vault's metadata and sealed secrets in the store, and the rekey that re-seals them all in one transaction. */

/*
 * The store never sees a plaintext: secrets and recording keys arrive
 * sealed by the vault key and leave the same way; `vault rekey` re-seals
 * every one through the caller's callback inside a single transaction.
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

static void
store_secret_row(sqlite3_stmt *st, void *elem)
{
	struct store_secret *e = elem;
	size_t len = (size_t)sqlite3_column_bytes(st, 3);

	store_col_text(st, 0, e->target, sizeof(e->target));
	store_col_text(st, 1, e->kind, sizeof(e->kind));
	e->version = (uint32_t)sqlite3_column_int64(st, 2);
	e->sealed = xcalloc(1, len + 1);
	if (len > 0)
		memcpy(e->sealed, sqlite3_column_blob(st, 3), len);
	e->sealed_len = len;
	store_col_text(st, 4, e->created, sizeof(e->created));
	store_col_text(st, 5, e->updated, sizeof(e->updated));
}

static void
store_secret_free_list(void *v, size_t n)
{
	store_secret_free(v, n);
}

static int
store_secrets_query(struct store *s, const char *target,
    struct store_secret **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_prepare(s, &st, "SELECT target, kind, version, sealed, "
	    "created, updated FROM secrets WHERE ? IS NULL OR target = ? "
	    "ORDER BY target", target ? "ss" : "nn", target, target);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_secret),
	    store_secret_row, store_secret_free_list, (void **)out, n);
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
	struct store_secret *v = NULL;
	size_t n = 0;
	int rc;

	rc = store_secrets_query(s, target, &v, &n);
	return store_one(s, rc, v, n, sec, sizeof(*sec), "no secret for target "
	    "%s", target);
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
	return store_delete(s, a, "DELETE FROM secrets WHERE target = ?",
	    target, 0, "no secret for target ", "vault.del", "target");
}

/* Recording keys are sealed under the vault key too: re-seal each. */
static int
store_rekey_sessions(struct store *s, store_reseal_cb cb, void *arg,
    size_t *count)
{
	struct store_secret sec;
	sqlite3_stmt *st;
	unsigned char *sealed;
	long long *ids = NULL;
	size_t n = 0, i, len;
	int rc;

	*count = 0;
	if ((rc = store_prepare(s, &st, "SELECT id FROM sessions WHERE "
	    "rec_key IS NOT NULL ORDER BY id", "")) != JG_OK ||
	    (rc = store_ids(s, st, &ids, &n)) != JG_OK)
		return rc;
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
	size_t n = 0, i, len, nkeys = 0, nmfa = 0;
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
		rc = store_mfa_rekey(s, cb, arg, &nmfa);
	if (rc == JG_OK)
		rc = store_vault_meta_write(s, newmeta, 1);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "secrets=%zu "
		    "recording_keys=%zu mfa=%zu", n, nkeys, nmfa);
		rc = store_audit_append(s, a, "vault.rekey", detail);
	}
	store_secret_free(v, n);
	return store_end(s, rc);
}

