/* store-user.c: users, their roles and keys, targets and access rules in the store. */

/*
 * Names are checked before they reach SQL; every change runs in one
 * IMMEDIATE transaction with its audit row.
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
store_user_del(struct store *s, const struct store_actor *a, const char *name,
    int force)
{
	sqlite3_stmt *st;
	char detail[128];
	long long id, live = 0;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	/* Sessions and audit rows name users as text: history stays. */
	if ((rc = store_user_id(s, name, &id)) == JG_OK && !force &&
	    (rc = store_prepare(s, &st, "SELECT count(*) FROM sessions WHERE "
	    "user = ? AND state = 'live'", "s", name)) == JG_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			live = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (live > 0) {
			snprintf(s->err, sizeof(s->err), "user %s has %lld live "
			    "session%s: end them first (jumpgate kill --user "
			    "%s), disable the user, or give --force", name, live,
			    live == 1 ? "" : "s", name);
			rc = JG_EBUSY;
		}
	}
	if (rc == JG_OK)
		rc = store_run(s, NULL, "DELETE FROM users WHERE id = ?", "i",
		    id);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s", name);
		rc = store_audit_append(s, a, "user.del", detail);
	}
	return store_end(s, rc);
}

/*
 * A leaver: the account stays (its sessions, recordings and audit rows
 * name it) but logs in no more; in the same transaction its pending
 * requests are cancelled and its active grants revoked. The daemon sees
 * the change within a second and ends the user's live connections.
 */
int
store_user_disable(struct store *s, const struct store_actor *a,
    const char *name, const char *reason, int *requests, int *grants)
{
	char now[32], detail[STORE_REASON_MAX + 128];
	int rc, changes = 0;

	*requests = *grants = 0;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, &changes, "UPDATE users SET disabled = ? WHERE "
	    "name = ? AND disabled IS NULL", "ss", reason, name);
	if (rc == JG_OK && changes == 0) {
		long long id;

		rc = store_user_id(s, name, &id);
		if (rc == JG_OK) {
			snprintf(s->err, sizeof(s->err), "user %s is already "
			    "disabled", name);
			rc = JG_EEXIST;
		}
	}
	if (rc == JG_OK)
		rc = store_run(s, requests, "UPDATE requests SET state = "
		    "'cancelled', decided = ?, decided_by = ?, comment = "
		    "'user disabled' WHERE user = ? AND state = 'pending'",
		    "sss", now, a->name, name);
	if (rc == JG_OK)
		rc = store_run(s, grants, "UPDATE grants SET state = "
		    "'revoked', revoked_by = ? WHERE user = ? AND state = "
		    "'active'", "ss", a->name, name);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s requests_cancelled=%d "
		    "grants_revoked=%d reason=%s", name, *requests, *grants,
		    reason[0] ? reason : "-");
		rc = store_audit_append(s, a, "user.disable", detail);
	}
	return store_end(s, rc);
}

int
store_user_enable(struct store *s, const struct store_actor *a,
    const char *name)
{
	char detail[128];
	long long id;
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_user_id(s, name, &id)) == JG_OK)
		rc = store_run(s, &changes, "UPDATE users SET disabled = NULL "
		    "WHERE id = ? AND disabled IS NOT NULL", "i", id);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), "user %s is not disabled",
		    name);
		rc = JG_EINVAL;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s", name);
		rc = store_audit_append(s, a, "user.enable", detail);
	}
	return store_end(s, rc);
}

/* A mover: one role given (add) or taken (!add); the daemon re-checks. */
int
store_user_role(struct store *s, const struct store_actor *a,
    const char *name, const char *role, int add)
{
	char detail[192];
	long long id;
	int rc, changes = 0;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_user_id(s, name, &id)) == JG_OK)
		rc = store_run(s, &changes, add ? "INSERT OR IGNORE INTO "
		    "user_roles (user_id, role) VALUES (?, ?)" : "DELETE FROM "
		    "user_roles WHERE user_id = ? AND role = ?", "is", id, role);
	if (rc == JG_OK && changes == 0) {
		snprintf(s->err, sizeof(s->err), add ? "user %s already has "
		    "role %s" : "user %s has no role %s", name, role);
		rc = JG_EINVAL;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "user=%s role=%s", name, role);
		rc = store_audit_append(s, a, add ? "user.role.add" :
		    "user.role.del", detail);
	}
	return store_end(s, rc);
}

/* A login: its audit row and the user's last_login, in one commit. */
int
store_user_login(struct store *s, const struct store_actor *a,
    const char *detail)
{
	char now[32];
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	rc = store_run(s, NULL, "UPDATE users SET last_login = ? WHERE name = "
	    "?", "ss", now, a->name);
	if (rc == JG_OK)
		rc = store_audit_append(s, a, "login", detail);
	return store_end(s, rc);
}

static void
store_name_row(sqlite3_stmt *st, void *elem)
{
	store_col_text(st, 0, ((struct store_name *)elem)->name,
	    JG_NAME_MAX + 1);
}

/*
 * Enabled users who have not logged in for days days (counted from their
 * creation if they never did): ExpireInactiveDays disables them.
 */
int
store_users_inactive(struct store *s, long days, struct store_name **out,
    size_t *n)
{
	char cutoff[32];
	sqlite3_stmt *st;
	int rc;

	time_iso_utc(time(NULL) - (time_t)days * 86400, cutoff,
	    sizeof(cutoff));
	if ((rc = store_prepare(s, &st, "SELECT name FROM users WHERE "
	    "disabled IS NULL AND coalesce(last_login, created) < ? ORDER BY "
	    "name", "s", cutoff)) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_name), store_name_row,
	    NULL, (void **)out, n);
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

static void
store_user_row(sqlite3_stmt *st, void *elem)
{
	struct store_user *e = elem;

	e->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, e->name, sizeof(e->name));
	store_col_text(st, 2, e->created, sizeof(e->created));
	e->nkeys = (size_t)sqlite3_column_int64(st, 3);
	e->disabled = sqlite3_column_type(st, 4) != SQLITE_NULL;
	store_col_text(st, 4, e->disabled_why, sizeof(e->disabled_why));
	store_col_text(st, 5, e->last_login, sizeof(e->last_login));
	e->mfa = sqlite3_column_int(st, 6) != 0;
}

static int
store_users_query(struct store *s, const char *name, struct store_user **out,
    size_t *n)
{
	struct store_user *v = NULL;
	sqlite3_stmt *st;
	size_t cnt = 0, i;
	int rc;

	rc = store_prepare(s, &st, "SELECT u.id, u.name, u.created, "
	    "(SELECT count(*) FROM user_keys k WHERE k.user_id = u.id), "
	    "u.disabled, u.last_login, EXISTS (SELECT 1 FROM mfa f WHERE "
	    "f.user = u.name) FROM users u WHERE ? IS NULL OR "
	    "u.name = ? ORDER BY u.name",
	    name ? "ss" : "nn", name, name);
	if (rc != JG_OK || (rc = store_collect(s, st, sizeof(*v),
	    store_user_row, NULL, (void **)&v, &cnt)) != JG_OK)
		return rc;
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
	struct store_user *v = NULL;
	size_t n = 0;
	int rc;

	rc = store_users_query(s, name, &v, &n);
	return store_one(s, rc, v, n, u, sizeof(*u), "no such user: %s", name);
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
	return store_delete(s, a, "DELETE FROM user_keys WHERE fingerprint = ?",
	    fingerprint, 0, "no such key: ", "key.del", "key");
}

int
store_key_owner(struct store *s, const char *fingerprint, char *user,
    size_t userlen)
{
	sqlite3_stmt *st;
	int rc;

	int disabled = 0;

	if ((rc = store_prepare(s, &st, "SELECT u.name, u.disabled IS NOT NULL "
	    "FROM user_keys k JOIN users u ON u.id = k.user_id WHERE "
	    "k.fingerprint = ?", "s", fingerprint)) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_col_text(st, 0, user, userlen);
		disabled = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW && disabled) {
		/* A disabled user's keys belong to nobody who may log in. */
		snprintf(s->err, sizeof(s->err), "user %s is disabled", user);
		return JG_EDISABLED;
	}
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
	    store_key_list_row, NULL, (void **)out, n);
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
	return store_delete(s, a, "DELETE FROM targets WHERE name = ?", name, 0,
	    "no such target: ", "target.del", "target");
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
	    store_targets_query_row, NULL, (void **)out, n);
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

	rc = store_targets_query(s, name, &v, &n);
	return store_one(s, rc, v, n, t, sizeof(*t), "no such target: %s",
	    name);
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
	    "approval_role, approvals, max_duration, mfa, created) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", r->approval_role[0] ? "sssiiis" :
	    "ssniiis", r->role, r->target_glob, r->approval_role,
	    (long long)r->approvals, (long long)r->max_duration,
	    (long long)(r->mfa != 0), now);
	if (rc == JG_OK) {
		r->id = sqlite3_last_insert_rowid(s->db);
		snprintf(r->created, sizeof(r->created), "%s", now);
		snprintf(detail, sizeof(detail), "rule=%lld role=%s "
		    "targets=%s approval_by=%s approvals=%d max_duration=%ld%s",
		    r->id, r->role, r->target_glob, r->approval_role[0] ?
		    r->approval_role : "-", r->approvals, r->max_duration,
		    r->mfa ? " mfa=yes" : "");
		rc = store_audit_append(s, a, "access.add", detail);
	}
	return store_end(s, rc);
}

int
store_rule_del(struct store *s, const struct store_actor *a, long long id)
{
	return store_delete(s, a, "DELETE FROM access_rules WHERE id = ?", NULL,
	    id, "no such access rule: ", "access.del", "rule");
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
	e->mfa = sqlite3_column_int(st, 7) != 0;
}

int
store_rule_list(struct store *s, struct store_rule **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT id, role, target_glob, "
	    "approval_role, approvals, max_duration, created, mfa FROM "
	    "access_rules ORDER BY id", "")) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_rule),
	    store_rule_list_row, NULL, (void **)out, n);
}

