/* cmd-report.c: `jumpgate report access`: who can reach what, how, and when they last did. */

/*
 * For every enabled user, the targets the access rules and their active
 * grants open to them, decided by common/authz.c exactly as a login
 * would be (the most permissive way wins: standing, then a grant, then
 * requestable), with the user's last session on that target (refused
 * ones do not count). --unused DAYS keeps only standing access not used
 * for DAYS days (or never): the candidates to remove. Disabled users
 * reach nothing and are left out.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define REPORT_USAGE "jumpgate report access [--user U] [--target T] " \
	"[--unused DAYS] [--json]"

struct report_row {
	char user[JG_NAME_MAX + 1];
	struct authz_target t;
	char last[32];			/* "" never */
};

static int
report_last_cmp(const void *a, const void *b)
{
	const struct store_last_use *x = a, *y = b;
	int c = strcmp(x->user, y->user);

	return c != 0 ? c : strcmp(x->target, y->target);
}

static void
report_json_object(struct json *j, const void *elem)
{
	const struct report_row *r = elem;

	json_key_str(j, "user", r->user);
	json_key_str(j, "target", r->t.name);
	json_key_str(j, "how", authz_how_name(r->t.how));
	if (r->t.how == AUTHZ_GRANTED) {
		json_key_int(j, "grant", r->t.grant_id);
		json_key_str(j, "grant_ends", r->t.grant_ends);
	} else
		json_key_int(j, "rule", r->t.rule_id);
	if (r->t.how == AUTHZ_REQUESTABLE) {
		json_key_str(j, "approval_role", r->t.approval_role);
		json_key_int(j, "approvals", r->t.approvals);
		json_key_int(j, "max_duration", r->t.max_duration);
	}
	json_key_str(j, "detail", r->t.why);
	json_key_str(j, "last_used", r->last[0] ? r->last : NULL);
}

static void
report_print(const struct report_row *v, size_t n)
{
	char last[32], how[256];
	size_t i;

	printf("%-16s %-16s %-11s %-19s %s\n", "USER", "TARGET", "HOW",
	    "LAST USED", "DETAIL");
	for (i = 0; i < n; i++) {
		if (v[i].last[0] != '\0')
			time_local_iso(v[i].last, last, sizeof(last));
		else
			snprintf(last, sizeof(last), "never");
		if (v[i].t.how == AUTHZ_GRANTED) {
			char ends[32];

			time_local_iso(v[i].t.grant_ends, ends, sizeof(ends));
			snprintf(how, sizeof(how), "grant %lld until %s",
			    v[i].t.grant_id, ends);
		} else
			snprintf(how, sizeof(how), "%s", v[i].t.why);
		printf("%-16s %-16s %-11s %-19s %s\n", v[i].user, v[i].t.name,
		    authz_how_name(v[i].t.how), last, how);
	}
}

/* The rows of one user, filtered; appended to *v. */
static int
report_user(struct cli *c, const char *user, const char *target,
    long unused, const struct store_last_use *last, size_t nlast,
    struct report_row **v, size_t *n)
{
	struct authz_target *t = NULL;
	struct store_last_use key, *hit;
	struct report_row r, *nv;
	time_t cutoff = time(NULL) - unused * 86400, when;
	size_t nt = 0, i;
	int rc;

	if ((rc = authz_targets(c->store, user, &t, &nt)) != JG_OK)
		return rc;
	for (i = 0; i < nt; i++) {
		if (target != NULL && strcmp(t[i].name, target) != 0)
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(r.user, sizeof(r.user), "%s", user);
		r.t = t[i];
		memset(&key, 0, sizeof(key));
		snprintf(key.user, sizeof(key.user), "%s", user);
		snprintf(key.target, sizeof(key.target), "%s", t[i].name);
		if (nlast > 0 && (hit = bsearch(&key, last, nlast,
		    sizeof(*last), report_last_cmp)) != NULL)
			snprintf(r.last, sizeof(r.last), "%s", hit->started);
		if (unused >= 0 && (r.t.how != AUTHZ_STANDING ||
		    (r.last[0] != '\0' && time_parse_iso_utc(r.last, &when) ==
		    JG_OK && when >= cutoff)))
			continue;
		if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
			free(t);
			return JG_ENOMEM;
		}
		*v = nv;
		(*v)[(*n)++] = r;
	}
	free(t);
	return JG_OK;
}

int
cmd_report(struct cli *c, int argc, char **argv)
{
	const char *user = NULL, *target = NULL, *val;
	struct store_last_use *last = NULL;
	struct report_row *rows = NULL;
	struct store_user *users = NULL;
	size_t nusers = 0, nlast = 0, nrows = 0, i;
	long unused = -1;
	char *end;
	int k, bad = 0, json = 0, rc = JG_OK;

	if (argc < 2 || strcmp(argv[1], "access") != 0)
		return cli_usage_error(REPORT_USAGE, argc < 2 ? "report needs "
		    "a subject: access" : "unknown report '%s'", argv[1]);
	for (k = 2; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else if ((val = cli_opt(argc, argv, &k, "--user", &bad)))
			user = val;
		else if ((val = cli_opt(argc, argv, &k, "--target", &bad)))
			target = val;
		else if ((val = cli_opt(argc, argv, &k, "--unused", &bad))) {
			unused = strtol(val, &end, 10);
			if (val[0] < '0' || val[0] > '9' || *end != '\0' ||
			    unused > 36500)
				return cli_usage_error(REPORT_USAGE, "--unused "
				    "takes a number of days (0 to 36500)");
		} else
			return cli_usage_error(REPORT_USAGE, bad ? "missing "
			    "value" : "unexpected argument '%s'", argv[k]);
	}
	if ((user != NULL && !name_valid(user)) ||
	    (target != NULL && !name_valid(target))) {
		cli_error("invalid name: '%s'", user != NULL &&
		    !name_valid(user) ? user : target);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_user_list(c->store, &users, &nusers)) != JG_OK)
		return cli_store_fail(c, rc, "cannot list users");
	if (user != NULL) {
		for (i = 0; i < nusers && strcmp(users[i].name, user) != 0; i++)
			;
		if (i == nusers) {
			store_user_free(users, nusers);
			cli_error("no such user: %s", user);
			return JG_EXIT_FAIL;
		}
	}
	if ((rc = store_sessions_last_use(c->store, &last, &nlast)) == JG_OK)
		for (i = 0; rc == JG_OK && i < nusers; i++)
			if (!users[i].disabled && (user == NULL ||
			    strcmp(users[i].name, user) == 0))
				rc = report_user(c, users[i].name, target,
				    unused, last, nlast, &rows, &nrows);
	store_user_free(users, nusers);
	free(last);
	if (rc != JG_OK) {
		free(rows);
		return cli_store_fail(c, rc, "cannot build the report");
	}
	if (json)
		json_list(stdout, rows, nrows, sizeof(*rows),
		    report_json_object);
	else
		report_print(rows, nrows);
	free(rows);
	return JG_EXIT_OK;
}
