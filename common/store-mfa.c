/* store-mfa.c: a user's one-time codes in the store: the sealed TOTP key and recovery codes, and what was used of them. */

/*
 * The row holds nothing a reader of the database can use: the key and
 * the recovery codes are sealed under the vault key (vault.c, with the
 * user's name, "totp" and the row's version as additional data) and only
 * the vault keeper opens them. What the row says in the clear is what was
 * used: the last TOTP step accepted and a bit per recovery code. Both
 * move forward only, in one conditional UPDATE, so two logins racing
 * with the same code cannot both win: the second changes no row.
 */

#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"
#include "store-int.h"

int
store_mfa_get(struct store *s, const char *user, struct store_mfa *m)
{
	sqlite3_stmt *st;
	size_t len;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = store_prepare(s, &st, "SELECT version, sealed, last_step, "
	    "recovery_used, created, fails, fail_start FROM mfa WHERE user = ?",
	    "s", user)) != JG_OK)
		return rc;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return store_rc(s, rc);
		snprintf(s->err, sizeof(s->err), "%s has no one-time codes",
		    user);
		return JG_ENOENT;
	}
	snprintf(m->user, sizeof(m->user), "%s", user);
	m->version = (uint32_t)sqlite3_column_int64(st, 0);
	len = (size_t)sqlite3_column_bytes(st, 1);
	m->sealed = xcalloc(1, len + 1);
	if (len > 0)
		memcpy(m->sealed, sqlite3_column_blob(st, 1), len);
	m->sealed_len = len;
	m->last_step = (uint64_t)sqlite3_column_int64(st, 2);
	m->recovery_used = (uint32_t)sqlite3_column_int64(st, 3);
	store_col_text(st, 4, m->created, sizeof(m->created));
	m->fails = sqlite3_column_int(st, 5);
	m->fail_start = (time_t)sqlite3_column_int64(st, 6);
	sqlite3_finalize(st);
	return JG_OK;
}

void
store_mfa_clear(struct store_mfa *m)
{
	free(m->sealed);
	memset(m, 0, sizeof(*m));
}

/* Enrol, or enrol again (a lost phone): the old codes are gone with it. */
int
store_mfa_put(struct store *s, const struct store_actor *a, const char *user,
    uint32_t version, const unsigned char *sealed, size_t len)
{
	char now[32], detail[160];
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "INSERT INTO mfa (user, kind, version, sealed, "
	    "last_step, recovery_used, created) VALUES (?, ?, ?, ?, 0, 0, ?) "
	    "ON CONFLICT (user) DO UPDATE SET version = excluded.version, "
	    "sealed = excluded.sealed, last_step = 0, recovery_used = 0, "
	    "fails = 0, fail_start = 0, created = excluded.created", "ssibs", user, STORE_MFA_KIND,
	    (long long)version, sealed, len, now);
	if (rc == JG_EEXIST) {
		snprintf(s->err, sizeof(s->err), "no such user: %s", user);
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s kind=%s version=%u",
		    user, STORE_MFA_KIND, version);
		rc = store_audit_append(s, a, "user.mfa", detail);
	}
	return store_end(s, rc);
}

int
store_mfa_del(struct store *s, const struct store_actor *a, const char *user)
{
	return store_delete(s, a, "DELETE FROM mfa WHERE user = ?", user, 0,
	    "no one-time codes for user ", "user.mfa.off", "user");
}

/*
 * A code was accepted: record its use, once. JG_EEXIST: it was used
 * already (a replay, or a race lost to another login with the same code).
 */
int
store_mfa_use(struct store *s, const char *user, int kind, uint64_t step,
    uint32_t index, uint32_t version)
{
	int rc, changes = 0;

	/* version: codes enrolled again meanwhile are other codes */
	if (kind == MFA_TOTP)
		rc = store_run(s, &changes, "UPDATE mfa SET last_step = ?, "
		    "fails = 0 WHERE user = ? AND last_step < ? AND version = ?",
		    "isii", (long long)step, user, (long long)step,
		    (long long)version);
	else if (kind == MFA_RECOVERY && index < MFA_RECOVERY_N)
		rc = store_run(s, &changes, "UPDATE mfa SET recovery_used = "
		    "recovery_used | ?, fails = 0 WHERE user = ? AND "
		    "(recovery_used & ?) = 0 AND version = ?", "isii",
		    (long long)(1U << index), user, (long long)(1U << index),
		    (long long)version);
	else
		return JG_EINVAL;
	if (rc != JG_OK)
		return rc;
	if (changes != 1) {
		snprintf(s->err, sizeof(s->err), "that code was used already");
		return JG_EEXIST;
	}
	return JG_OK;
}

/* vault rekey: every row's codes re-sealed under the new key (one transaction, store-vault.c). */
int
store_mfa_rekey(struct store *s, store_reseal_cb cb, void *arg, size_t *count)
{
	struct store_secret sec;
	sqlite3_stmt *st;
	unsigned char *sealed;
	char (*users)[JG_NAME_MAX + 1] = NULL, (*nu)[JG_NAME_MAX + 1];
	size_t n = 0, i, len;
	int rc;

	*count = 0;
	if ((rc = store_prepare(s, &st, "SELECT user FROM mfa ORDER BY user",
	    "")) != JG_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nu = realloc(users, (n + 1) * sizeof(*users))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		users = nu;
		store_col_text(st, 0, users[n], sizeof(users[n]));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(users);
		return store_rc(s, rc);
	}
	rc = JG_OK;
	for (i = 0; rc == JG_OK && i < n; i++) {
		struct store_mfa m;

		if ((rc = store_mfa_get(s, users[i], &m)) != JG_OK)
			break;
		memset(&sec, 0, sizeof(sec));
		snprintf(sec.target, sizeof(sec.target), "%s", m.user);
		snprintf(sec.kind, sizeof(sec.kind), "%s", STORE_MFA_KIND);
		sec.version = m.version;
		sec.sealed = m.sealed;
		sec.sealed_len = m.sealed_len;
		if ((rc = cb(arg, &sec, &sealed, &len)) != JG_OK)
			snprintf(s->err, sizeof(s->err), "cannot re-seal the "
			    "one-time codes of %s", m.user);
		else {
			rc = store_run(s, NULL, "UPDATE mfa SET sealed = ? "
			    "WHERE user = ?", "bs", sealed, len, m.user);
			free(sealed);
			(*count)++;
		}
		store_mfa_clear(&m);
	}
	free(users);
	return rc;
}

/*
 * A wrong code: counted in a window of MFA_FAIL_WINDOW seconds that opens
 * at the first one. *locked_until: when MFA_FAIL_MAX were reached in it,
 * the end of the lock; else 0.
 */
int
store_mfa_fail(struct store *s, const char *user, time_t now,
    time_t *locked_until)
{
	struct store_mfa m;
	int rc;

	*locked_until = 0;
	if ((rc = store_run(s, NULL, "UPDATE mfa SET fails = CASE WHEN ? - "
	    "fail_start >= ? THEN 1 ELSE fails + 1 END, fail_start = CASE WHEN "
	    "? - fail_start >= ? THEN ? ELSE fail_start END WHERE user = ?",
	    "iiiiis", (long long)now, (long long)MFA_FAIL_WINDOW,
	    (long long)now, (long long)MFA_FAIL_WINDOW, (long long)now,
	    user)) != JG_OK)
		return rc;
	if ((rc = store_mfa_get(s, user, &m)) != JG_OK)
		return rc;
	if (m.fails >= MFA_FAIL_MAX)
		*locked_until = m.fail_start + MFA_FAIL_WINDOW;
	store_mfa_clear(&m);
	return JG_OK;
}
