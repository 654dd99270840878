/* authz.c: the one place that decides whether a user may reach a target now, and says why. */

/*
 * Standing access: one of the user's roles has a rule without an approval
 * role whose glob matches the target. Granted: an approver gave the user an
 * active, unexpired grant for this target (just-in-time access); the grant
 * stands on its own until it ends or is revoked, even if the rule that let
 * the user ask is removed meanwhile. Requestable: a matching rule needs
 * approval. Several rules may match; the most permissive wins: standing
 * over granted over requestable, and among requestable rules the one that
 * needs the fewest approvals, then the longest maximum (0: none); a rule
 * without MFA over an equal one with it. A rule with MFA (access add --mfa)
 * allows only a login made with a one-time code: res->mfa says so and the
 * master, which knows how the user logged in, enforces it. Everything
 * else is denied: deny by default.
 */

#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

static int
authz_user_has_role(const struct store_user *u, const char *role)
{
	size_t i;

	for (i = 0; i < u->nroles; i++)
		if (strcmp(u->roles[i], role) == 0)
			return 1;
	return 0;
}

/* Is requestable rule a more permissive than b (fewer approvals, longer)? */
static int
authz_rule_better(const struct store_rule *a, const struct store_rule *b)
{
	if (a->approvals != b->approvals)
		return a->approvals < b->approvals;
	if (a->max_duration == 0 || b->max_duration == 0)
		return a->max_duration == 0 && b->max_duration != 0;
	return a->max_duration > b->max_duration;
}

/* Decide for one target with the user's roles and the rules already loaded. */
static void
authz_decide(const struct store_user *u, const struct store_rule *rules,
    size_t nrules, const char *target, struct authz_result *res)
{
	const struct store_rule *best = NULL, *standing = NULL;
	size_t i;

	res->how = AUTHZ_DENIED;
	res->rule_id = 0;
	for (i = 0; i < nrules; i++) {
		if (!authz_user_has_role(u, rules[i].role) ||
		    !glob_match(rules[i].target_glob, target))
			continue;
		if (rules[i].approval_role[0] == '\0') {
			/* one without MFA is more permissive than one with */
			if (standing == NULL || (standing->mfa &&
			    !rules[i].mfa))
				standing = &rules[i];
			continue;
		}
		if (best == NULL || authz_rule_better(&rules[i], best) ||
		    (best->mfa && !rules[i].mfa &&
		    !authz_rule_better(best, &rules[i])))
			best = &rules[i];
	}
	if (standing != NULL) {
		res->how = AUTHZ_STANDING;
		res->rule_id = standing->id;
		res->mfa = standing->mfa;
		snprintf(res->why, sizeof(res->why), "rule %lld: role %s on "
		    "%s%s", standing->id, standing->role,
		    standing->target_glob, standing->mfa ? " (MFA)" : "");
		return;
	}
	if (best != NULL) {
		res->mfa = best->mfa;
		res->how = AUTHZ_REQUESTABLE;
		res->rule_id = best->id;
		res->max_duration = best->max_duration;
		res->approvals = best->approvals < 1 ? 1 : best->approvals;
		snprintf(res->approval_role, sizeof(res->approval_role), "%s",
		    best->approval_role);
		snprintf(res->why, sizeof(res->why), "rule %lld: role %s may "
		    "request %s, %d approval(s) by role %s", best->id,
		    best->role, best->target_glob, res->approvals,
		    best->approval_role);
	}
}

/* A grant opens what standing access does not: look it up last. */
static int
authz_grant(struct store *s, const char *user, const char *target,
    struct authz_result *res)
{
	struct store_grant g;
	int rc;

	if (res->how == AUTHZ_STANDING)
		return JG_OK;
	if ((rc = store_grant_active(s, user, target, &g)) == JG_ENOENT)
		return JG_OK;
	if (rc != JG_OK)
		return rc;
	res->how = AUTHZ_GRANTED;
	res->grant_id = g.id;
	snprintf(res->grant_ends, sizeof(res->grant_ends), "%s", g.ends);
	return JG_OK;
}

int
authz_check(struct store *s, const char *user, const char *target,
    struct authz_result *res, struct store_target *t)
{
	struct store_user u;
	struct store_rule *rules;
	size_t n;
	int rc;

	memset(res, 0, sizeof(*res));
	res->how = AUTHZ_DENIED;
	if ((rc = store_target_get(s, target, t)) != JG_OK) {
		if (rc == JG_ENOENT)
			res->how = AUTHZ_NO_TARGET;
		return rc == JG_ENOENT ? JG_OK : rc;
	}
	if ((rc = store_user_get(s, user, &u)) != JG_OK)
		return rc == JG_ENOENT ? JG_OK : rc;
	if ((rc = store_rule_list(s, &rules, &n)) != JG_OK) {
		store_user_clear(&u);
		return rc;
	}
	authz_decide(&u, rules, n, target, res);
	free(rules);
	store_user_clear(&u);
	if ((rc = authz_grant(s, user, target, res)) != JG_OK) {
		/* Fail closed: an error is never access. */
		res->how = AUTHZ_DENIED;
		return rc;
	}
	return JG_OK;
}

/*
 * Every target with how this user may reach it; denied ones are left out.
 * A granted one carries the end of its grant ("granted until ...").
 */
int
authz_targets(struct store *s, const char *user, struct authz_target **out,
    size_t *nout)
{
	struct store_target *t;
	struct store_rule *rules;
	struct store_grant *g;
	struct store_user u;
	struct authz_target *v;
	struct authz_result res;
	size_t nt, nr, ng, i, k, cnt = 0;
	char now[32];
	int rc;

	*out = NULL;
	*nout = 0;
	time_iso_utc(time(NULL), now, sizeof(now));
	if ((rc = store_user_get(s, user, &u)) != JG_OK)
		return rc;
	if ((rc = store_rule_list(s, &rules, &nr)) != JG_OK) {
		store_user_clear(&u);
		return rc;
	}
	if ((rc = store_grant_list(s, 1, user, &g, &ng)) != JG_OK) {
		free(rules);
		store_user_clear(&u);
		return rc;
	}
	if ((rc = store_target_list(s, &t, &nt)) != JG_OK) {
		free(g);
		free(rules);
		store_user_clear(&u);
		return rc;
	}
	v = xcalloc(nt == 0 ? 1 : nt, sizeof(*v));
	for (i = 0; i < nt; i++) {
		memset(&res, 0, sizeof(res));
		authz_decide(&u, rules, nr, t[i].name, &res);
		/* The grant that ends last, as store_grant_active picks it. */
		for (k = 0; k < ng && res.how != AUTHZ_STANDING; k++) {
			/* a scheduled window not open yet opens nothing */
			if (strcmp(g[k].target, t[i].name) != 0 ||
			    strcmp(g[k].starts, now) > 0)
				continue;
			if (res.how != AUTHZ_GRANTED ||
			    strcmp(g[k].ends, res.grant_ends) > 0) {
				res.how = AUTHZ_GRANTED;
				res.grant_id = g[k].id;
				snprintf(res.grant_ends, sizeof(res.grant_ends),
				    "%s", g[k].ends);
				snprintf(res.why, sizeof(res.why), "grant %lld "
				    "(request %lld)", g[k].id, g[k].request_id);
			}
		}
		if (res.how != AUTHZ_STANDING && res.how != AUTHZ_REQUESTABLE &&
		    res.how != AUTHZ_GRANTED)
			continue;
		snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", t[i].name);
		snprintf(v[cnt].host, sizeof(v[cnt].host), "%s", t[i].host);
		v[cnt].port = t[i].port;
		v[cnt].how = res.how;
		snprintf(v[cnt].grant_ends, sizeof(v[cnt].grant_ends), "%s",
		    res.grant_ends);
		v[cnt].rule_id = res.rule_id;
		v[cnt].grant_id = res.grant_id;
		v[cnt].approvals = res.approvals;
		snprintf(v[cnt].approval_role, sizeof(v[cnt].approval_role),
		    "%s", res.approval_role);
		v[cnt].max_duration = res.max_duration;
		snprintf(v[cnt].why, sizeof(v[cnt].why), "%s", res.why);
		cnt++;
	}
	free(t);
	free(g);
	free(rules);
	store_user_clear(&u);
	*out = v;
	*nout = cnt;
	return JG_OK;
}

const char *
authz_how_name(int how)
{
	switch (how) {
	case AUTHZ_STANDING: return "standing";
	case AUTHZ_REQUESTABLE: return "requestable";
	case AUTHZ_GRANTED: return "granted";
	case AUTHZ_NO_TARGET: return "no such target";
	default: return "denied";
	}
}
