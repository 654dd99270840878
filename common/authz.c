/* authz.c: the one place that decides whether a user may reach a target now, and says why. */

/*
 * Standing access: one of the user's roles has a rule without an approval
 * role whose glob matches the target. Requestable: a matching rule needs
 * approval (just-in-time access, a later step). Several rules may match;
 * the most permissive wins. Everything else is denied: deny by default.
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

/* Decide for one target with the user's roles and the rules already loaded. */
static void
authz_decide(const struct store_user *u, const struct store_rule *rules,
    size_t nrules, const char *target, struct authz_result *res)
{
	size_t i;

	res->how = AUTHZ_DENIED;
	res->rule_id = 0;
	for (i = 0; i < nrules; i++) {
		if (!authz_user_has_role(u, rules[i].role) ||
		    !glob_match(rules[i].target_glob, target))
			continue;
		if (rules[i].approval_role[0] == '\0') {
			res->how = AUTHZ_STANDING;
			res->rule_id = rules[i].id;
			return;
		}
		if (res->how == AUTHZ_DENIED) {
			res->how = AUTHZ_REQUESTABLE;
			res->rule_id = rules[i].id;
		}
	}
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
	return JG_OK;
}

/* Every target with how this user may reach it; denied ones are left out. */
int
authz_targets(struct store *s, const char *user, struct authz_target **out,
    size_t *nout)
{
	struct store_target *t;
	struct store_rule *rules;
	struct store_user u;
	struct authz_target *v;
	struct authz_result res;
	size_t nt, nr, i, cnt = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if ((rc = store_user_get(s, user, &u)) != JG_OK)
		return rc;
	if ((rc = store_rule_list(s, &rules, &nr)) != JG_OK) {
		store_user_clear(&u);
		return rc;
	}
	if ((rc = store_target_list(s, &t, &nt)) != JG_OK) {
		free(rules);
		store_user_clear(&u);
		return rc;
	}
	v = xcalloc(nt == 0 ? 1 : nt, sizeof(*v));
	for (i = 0; i < nt; i++) {
		authz_decide(&u, rules, nr, t[i].name, &res);
		if (res.how != AUTHZ_STANDING && res.how != AUTHZ_REQUESTABLE)
			continue;
		snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", t[i].name);
		snprintf(v[cnt].host, sizeof(v[cnt].host), "%s", t[i].host);
		v[cnt].port = t[i].port;
		v[cnt].how = res.how;
		cnt++;
	}
	free(t);
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
	case AUTHZ_NO_TARGET: return "no such target";
	default: return "denied";
	}
}
