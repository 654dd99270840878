/* store-review.c: access reviews: a campaign of items, one per user and role that gives standing access, each decided keep or revoke, revocations applied at close. */

/*
 * A campaign is a snapshot: `review start` writes, in one transaction, one
 * item for every enabled user and every role of theirs (in scope) that some
 * standing rule names, with the rules it gives (its access) and when the
 * user last used a target those rules match. Reviewers are the users who
 * hold the campaign's reviewer role, never the user an item is about; they
 * decide keep or revoke, and may change their mind while the campaign is
 * open. Closing it (by hand, or by the daemon at the due time) gives every
 * undecided item the campaign's default and takes each revoked role from
 * its user, in one transaction with an audit row per revocation: the
 * daemon then ends, within seconds, the live sessions that no rule or grant
 * allows any more (the mover's path, gateway/master.c).
 */

#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"
#include "store-int.h"

#define REVIEW_DETAIL_MAX 1024

/* The actor of a close at the due time. */
static const struct store_actor review_system = { "jumpgated", -1 };

const char *
review_decision_name(int d)
{
	return d == REVIEW_KEEP ? "keep" : d == REVIEW_REVOKE ? "revoke" : "-";
}

static int
review_decision_of(const char *name)
{
	if (strcmp(name, "keep") == 0)
		return REVIEW_KEEP;
	if (strcmp(name, "revoke") == 0)
		return REVIEW_REVOKE;
	return 0;
}

static int
review_role_in(const char *role, const char *const *roles, size_t n)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (strcmp(roles[i], role) == 0)
			return 1;
	return 0;
}

/*
 * One item's access and last use: the standing rules of role, and the
 * newest start of the user's sessions on a target one of them matches.
 * Returns 0 when no standing rule names the role (nothing to review).
 */
static int
review_item_fill(struct store_review_item *it, const struct store_rule *rules,
    size_t nrules, const struct store_last_use *uses, size_t nuses)
{
	size_t i, j, len;
	int found = 0;

	it->access[0] = '\0';
	it->last_used[0] = '\0';
	for (i = 0; i < nrules; i++) {
		if (rules[i].approval_role[0] != '\0' ||
		    strcmp(rules[i].role, it->role) != 0)
			continue;
		len = strlen(it->access);
		snprintf(it->access + len, sizeof(it->access) - len, "%s%s "
		    "(rule %lld%s)", found ? ", " : "", rules[i].target_glob,
		    rules[i].id, rules[i].mfa ? ", mfa" : "");
		found = 1;
		for (j = 0; j < nuses; j++)
			if (strcmp(uses[j].user, it->user) == 0 &&
			    glob_match(rules[i].target_glob, uses[j].target) &&
			    strcmp(uses[j].started, it->last_used) > 0)
				snprintf(it->last_used, sizeof(it->last_used),
				    "%s", uses[j].started);
	}
	return found;
}

int
store_review_start(struct store *s, const struct store_actor *a,
    const char *const *roles, size_t nroles, const char *reviewer_role,
    const char *due, int def, long long *id, size_t *nitems)
{
	struct store_user *users = NULL;
	struct store_rule *rules = NULL;
	struct store_last_use *uses = NULL;
	struct store_review_item it;
	char now[32], scope[sizeof(((struct store_review *)0)->roles)];
	char detail[REVIEW_DETAIL_MAX];
	size_t nu = 0, nr = 0, nl = 0, i, k;
	int rc;

	*id = 0;
	*nitems = 0;
	scope[0] = '\0';
	for (i = 0; i < nroles && i < REVIEW_ROLES_MAX; i++)
		snprintf(scope + strlen(scope), sizeof(scope) - strlen(scope),
		    "%s%s", i ? "," : "", roles[i]);
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	store_now(now, sizeof(now));
	if ((rc = store_user_list(s, &users, &nu)) != JG_OK ||
	    (rc = store_rule_list(s, &rules, &nr)) != JG_OK ||
	    (rc = store_sessions_last_use(s, &uses, &nl)) != JG_OK)
		goto out;
	if ((rc = store_run(s, NULL, "INSERT INTO reviews (created, "
	    "created_by, reviewer_role, roles, due, default_decision, state) "
	    "VALUES (?, ?, ?, ?, ?, ?, 'open')", "ssssss", now, a->name,
	    reviewer_role, scope, due, review_decision_name(def))) != JG_OK)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
	for (i = 0; rc == JG_OK && i < nu; i++) {
		if (users[i].disabled)
			continue;	/* a leaver reaches nothing */
		for (k = 0; rc == JG_OK && k < users[i].nroles; k++) {
			memset(&it, 0, sizeof(it));
			snprintf(it.user, sizeof(it.user), "%s", users[i].name);
			snprintf(it.role, sizeof(it.role), "%s",
			    users[i].roles[k]);
			if (!review_role_in(it.role, roles, nroles) ||
			    !review_item_fill(&it, rules, nr, uses, nl))
				continue;
			rc = store_run(s, NULL, "INSERT INTO review_items "
			    "(review_id, user, role, access, last_used) VALUES "
			    "(?, ?, ?, ?, ?)", it.last_used[0] ? "issss" :
			    "isssn", *id, it.user, it.role, it.access,
			    it.last_used);
			(*nitems)++;
		}
	}
	if (rc == JG_OK && *nitems == 0) {
		snprintf(s->err, sizeof(s->err), "no user holds %s: nothing to "
		    "review", nroles > 0 ? "those roles with standing access" :
		    "a role with standing access");
		rc = JG_ENOENT;
	}
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "review=%lld items=%zu "
		    "reviewers=%s roles=%s due=%s default=%s", *id, *nitems,
		    reviewer_role, scope[0] ? scope : "*", due,
		    review_decision_name(def));
		rc = store_audit_append(s, a, "review.start", detail);
	}
out:
	store_user_free(users, nu);
	free(rules);
	free(uses);
	if (rc != JG_OK)
		*id = 0;
	return store_end(s, rc);
}

#define REVIEW_COLS "r.id, r.created, r.created_by, r.reviewer_role, " \
	"r.roles, r.due, r.default_decision, r.state, r.closed, r.closed_by, " \
	"(SELECT count(*) FROM review_items i WHERE i.review_id = r.id), " \
	"(SELECT count(*) FROM review_items i WHERE i.review_id = r.id AND " \
	"i.decision IS NOT NULL), (SELECT count(*) FROM review_items i WHERE " \
	"i.review_id = r.id AND i.decision = 'revoke')"

static void
review_row(sqlite3_stmt *st, void *elem)
{
	struct store_review *r = elem;
	char def[16];

	r->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, r->created, sizeof(r->created));
	store_col_text(st, 2, r->created_by, sizeof(r->created_by));
	store_col_text(st, 3, r->reviewer_role, sizeof(r->reviewer_role));
	store_col_text(st, 4, r->roles, sizeof(r->roles));
	store_col_text(st, 5, r->due, sizeof(r->due));
	store_col_text(st, 6, def, sizeof(def));
	r->def = review_decision_of(def);
	store_col_text(st, 7, r->state, sizeof(r->state));
	store_col_text(st, 8, r->closed, sizeof(r->closed));
	store_col_text(st, 9, r->closed_by, sizeof(r->closed_by));
	r->items = sqlite3_column_int(st, 10);
	r->decided = sqlite3_column_int(st, 11);
	r->revoke = sqlite3_column_int(st, 12);
}

int
store_review_list(struct store *s, struct store_review **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT " REVIEW_COLS " FROM reviews "
	    "r ORDER BY r.id", "")) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_review), review_row,
	    NULL, (void **)out, n);
}

int
store_review_get(struct store *s, long long id, struct store_review *r)
{
	struct store_review *v = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT " REVIEW_COLS " FROM reviews "
	    "r WHERE r.id = ?", "i", id)) != JG_OK)
		return rc;
	rc = store_collect(s, st, sizeof(*v), review_row, NULL, (void **)&v,
	    &n);
	return store_one(s, rc, v, n, r, sizeof(*r), "no such review: %lld",
	    id);
}

static void
review_item_row(sqlite3_stmt *st, void *elem)
{
	struct store_review_item *it = elem;
	char d[16];

	it->id = sqlite3_column_int64(st, 0);
	it->review_id = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, it->user, sizeof(it->user));
	store_col_text(st, 3, it->role, sizeof(it->role));
	store_col_text(st, 4, it->access, sizeof(it->access));
	store_col_text(st, 5, it->last_used, sizeof(it->last_used));
	store_col_text(st, 6, d, sizeof(d));
	it->decision = review_decision_of(d);
	it->by_default = sqlite3_column_int(st, 7);
	store_col_text(st, 8, it->decided_by, sizeof(it->decided_by));
	store_col_text(st, 9, it->decided, sizeof(it->decided));
	store_col_text(st, 10, it->comment, sizeof(it->comment));
	store_col_text(st, 11, it->applied, sizeof(it->applied));
}

#define REVIEW_ITEM_COLS "i.id, i.review_id, i.user, i.role, i.access, " \
	"i.last_used, i.decision, i.by_default, i.decided_by, i.decided, " \
	"i.comment, i.applied"

/*
 * The items of one review (review_id > 0), or, for a reviewer, those of
 * every open review that they may decide: they hold its reviewer role and
 * the item is not about them.
 */
int
store_review_items(struct store *s, long long review_id, const char *reviewer,
    struct store_review_item **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if (review_id > 0)
		rc = store_prepare(s, &st, "SELECT " REVIEW_ITEM_COLS " FROM "
		    "review_items i WHERE i.review_id = ? ORDER BY i.id", "i",
		    review_id);
	else
		rc = store_prepare(s, &st, "SELECT " REVIEW_ITEM_COLS " FROM "
		    "review_items i JOIN reviews r ON r.id = i.review_id WHERE "
		    "r.state = 'open' AND i.user != ? AND EXISTS (SELECT 1 FROM "
		    "user_roles ur JOIN users u ON u.id = ur.user_id WHERE "
		    "u.name = ? AND ur.role = r.reviewer_role) ORDER BY i.id",
		    "ss", reviewer, reviewer);
	if (rc != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_review_item),
	    review_item_row, NULL, (void **)out, n);
}

static int
review_item_get(struct store *s, long long id, struct store_review_item *it)
{
	struct store_review_item *v = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT " REVIEW_ITEM_COLS " FROM "
	    "review_items i WHERE i.id = ?", "i", id)) != JG_OK)
		return rc;
	rc = store_collect(s, st, sizeof(*v), review_item_row, NULL,
	    (void **)&v, &n);
	return store_one(s, rc, v, n, it, sizeof(*it), "no such review item: "
	    "%lld", id);
}

/* Does this enabled user hold role? */
static int
review_has_role(struct store *s, const char *user, const char *role, int *yes)
{
	sqlite3_stmt *st;
	int rc;

	*yes = 0;
	if ((rc = store_prepare(s, &st, "SELECT 1 FROM user_roles ur JOIN "
	    "users u ON u.id = ur.user_id WHERE u.name = ? AND ur.role = ? AND "
	    "u.disabled IS NULL", "ss", user, role)) != JG_OK)
		return rc;
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JG_OK : store_rc(s, rc);
}

int
store_review_decide(struct store *s, const struct store_actor *a,
    long long item, const char *reviewer, int decision, const char *comment,
    struct store_review_item *after)
{
	struct store_review_item it;
	struct store_review r;
	char now[32], detail[REVIEW_DETAIL_MAX];
	int rc, yes;

	if (decision != REVIEW_KEEP && decision != REVIEW_REVOKE)
		return JG_EINVAL;
	if ((rc = store_text_valid(s, "comment", comment, 0,
	    STORE_REASON_MAX)) != JG_OK)
		return rc;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = review_item_get(s, item, &it)) != JG_OK ||
	    (rc = store_review_get(s, it.review_id, &r)) != JG_OK)
		goto out;
	store_now(now, sizeof(now));
	if (strcmp(r.state, "open") != 0 || strcmp(r.due, now) <= 0) {
		snprintf(s->err, sizeof(s->err), "review %lld is %s: item %lld "
		    "can no longer be decided", r.id, strcmp(r.state, "open") !=
		    0 ? "closed" : "past its due time", item);
		rc = JG_EINVAL;
		goto out;
	}
	if (strcmp(it.user, reviewer) == 0) {
		snprintf(s->err, sizeof(s->err), "item %lld is %s's own access: "
		    "another reviewer decides it", item, reviewer);
		rc = JG_EAUTH;
		goto out;
	}
	if ((rc = review_has_role(s, reviewer, r.reviewer_role, &yes)) !=
	    JG_OK)
		goto out;
	if (!yes) {
		snprintf(s->err, sizeof(s->err), "only users with role %s "
		    "review the access of review %lld", r.reviewer_role, r.id);
		rc = JG_EAUTH;
		goto out;
	}
	if ((rc = store_run(s, NULL, "UPDATE review_items SET decision = ?, "
	    "by_default = 0, decided_by = ?, decided = ?, comment = ? WHERE "
	    "id = ?", "ssssi", review_decision_name(decision), reviewer, now,
	    comment, item)) != JG_OK)
		goto out;
	snprintf(detail, sizeof(detail), "review=%lld item=%lld as %s user=%s "
	    "role=%s decision=%s%s%s", r.id, item, reviewer, it.user, it.role,
	    review_decision_name(decision), comment[0] ? " comment=" : "",
	    comment);
	if ((rc = store_audit_append(s, a, "review.decide", detail)) != JG_OK)
		goto out;
	if (after != NULL) {
		*after = it;
		after->decision = decision;
		snprintf(after->decided_by, sizeof(after->decided_by), "%s",
		    reviewer);
	}
out:
	return store_end(s, rc);
}

/* Close one open review inside the caller's transaction. */
static int
review_close_in(struct store *s, const struct store_actor *a,
    const struct store_review *r, int *nrevoked, int *nkept)
{
	struct store_review_item *v = NULL;
	char now[32], detail[REVIEW_DETAIL_MAX];
	size_t n = 0, i;
	int rc, ndef = 0, d;

	*nrevoked = *nkept = 0;
	store_now(now, sizeof(now));
	if ((rc = store_review_items(s, r->id, NULL, &v, &n)) != JG_OK)
		return rc;
	for (i = 0; rc == JG_OK && i < n; i++) {
		d = v[i].decision;
		if (d == 0) {
			d = r->def;
			ndef++;
			rc = store_run(s, NULL, "UPDATE review_items SET "
			    "decision = ?, by_default = 1, decided = ? WHERE "
			    "id = ?", "ssi", review_decision_name(d), now,
			    v[i].id);
		}
		if (rc != JG_OK || d != REVIEW_REVOKE) {
			(*nkept)++;
			continue;
		}
		(*nrevoked)++;
		rc = store_run(s, NULL, "DELETE FROM user_roles WHERE role = ? "
		    "AND user_id = (SELECT id FROM users WHERE name = ?)", "ss",
		    v[i].role, v[i].user);
		if (rc == JG_OK)
			rc = store_run(s, NULL, "UPDATE review_items SET applied "
			    "= ? WHERE id = ?", "si", now, v[i].id);
		if (rc == JG_OK) {
			snprintf(detail, sizeof(detail), "review=%lld item=%lld "
			    "user=%s role=%s%s", r->id, v[i].id, v[i].user,
			    v[i].role, v[i].decision == 0 ? " by=default" : "");
			rc = store_audit_append(s, a, "review.revoke", detail);
		}
	}
	free(v);
	if (rc == JG_OK)
		rc = store_run(s, NULL, "UPDATE reviews SET state = 'closed', "
		    "closed = ?, closed_by = ? WHERE id = ?", "ssi", now,
		    a->name, r->id);
	if (rc == JG_OK) {
		snprintf(detail, sizeof(detail), "review=%lld revoked=%d "
		    "kept=%d by_default=%d", r->id, *nrevoked, *nkept, ndef);
		rc = store_audit_append(s, a, "review.close", detail);
	}
	return rc;
}

int
store_review_close(struct store *s, const struct store_actor *a, long long id,
    int *nrevoked, int *nkept)
{
	struct store_review r;
	int rc;

	*nrevoked = *nkept = 0;
	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	if ((rc = store_review_get(s, id, &r)) == JG_OK &&
	    strcmp(r.state, "open") != 0) {
		snprintf(s->err, sizeof(s->err), "review %lld is closed already "
		    "(%s by %s)", id, r.closed, r.closed_by);
		rc = JG_EINVAL;
	}
	if (rc == JG_OK)
		rc = review_close_in(s, a, &r, nrevoked, nkept);
	return store_end(s, rc);
}

/* The daemon, and the tool before it lists: close what is due. */
int
store_reviews_due(struct store *s, const struct store_actor *a, int *nclosed)
{
	struct store_review r;
	sqlite3_stmt *st;
	long long *ids = NULL;
	char now[32];
	size_t n = 0, i;
	int rc, nr, nk;

	*nclosed = 0;
	if (a == NULL)
		a = &review_system;
	store_now(now, sizeof(now));
	if ((rc = store_prepare(s, &st, "SELECT id FROM reviews WHERE state = "
	    "'open' AND due <= ? ORDER BY id", "s", now)) != JG_OK ||
	    (rc = store_ids(s, st, &ids, &n)) != JG_OK)
		return rc;
	for (i = 0; rc == JG_OK && i < n; i++) {
		if ((rc = store_begin(s)) != JG_OK)
			break;
		/* looked at again under the write lock: one closer wins */
		if ((rc = store_review_get(s, ids[i], &r)) == JG_OK &&
		    strcmp(r.state, "open") == 0) {
			rc = review_close_in(s, a, &r, &nr, &nk);
			if (rc == JG_OK)
				(*nclosed)++;
		}
		rc = store_end(s, rc);
	}
	free(ids);
	return rc;
}
