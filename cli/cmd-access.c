/* cmd-access.c: `jumpgate access ...`: which roles reach which targets, standing or on request. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ACCESS_USAGE "jumpgate access add ROLE TARGET_GLOB [--approval-by " \
	"ROLE[:N]... [--approvals N] [--max-duration DUR]] [--mfa] | access list " \
	"[--json] | " \
	"access del ID"

#define ACCESS_MFA_SAID ", with a one-time code at login"

/* A target glob: name characters plus the fnmatch wildcards * ? [ ] !. */
static int
access_glob_valid(const char *g)
{
	size_t n = strlen(g), i;

	if (n == 0 || n > 255 || g[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)g[i];
		if (!(isascii(ch) && (isalnum(ch) || strchr("._-*?[]!", ch))))
			return 0;
	}
	return 1;
}

static int
access_add(struct cli *c, int argc, char **argv)
{
	const char *role = NULL, *glob = NULL, *by = NULL, *napp = NULL;
	const char *maxd = NULL, *v, *bys[APPROVAL_ROLES_MAX + 1];
	struct approval_need need[APPROVAL_ROLES_MAX];
	struct store_rule r;
	char *end, said[256];
	size_t nby = 0, k;
	long n;
	int i, bad = 0, rc, total, mfa = 0;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--approval-by", &bad))) {
			if (nby == APPROVAL_ROLES_MAX)
				return cli_usage_error(ACCESS_USAGE, "at most "
				    "%d --approval-by", APPROVAL_ROLES_MAX);
			bys[nby++] = by = v;
		}
		else if ((v = cli_opt(argc, argv, &i, "--approvals", &bad)))
			napp = v;
		else if ((v = cli_opt(argc, argv, &i, "--max-duration", &bad)))
			maxd = v;
		else if (!bad && cli_flag(argc, argv, &i, "--mfa"))
			mfa = 1;
		else if (bad || (argv[i][0] == '-' && argv[i][1] == '-'))
			return cli_usage_error(ACCESS_USAGE, bad ?
			    "missing value" : "unknown option %s", argv[i]);
		else if (role == NULL)
			role = argv[i];
		else if (glob == NULL)
			glob = argv[i];
		else
			return cli_usage_error(ACCESS_USAGE, "unexpected "
			    "argument '%s'", argv[i]);
	}
	if (bad)
		return cli_usage_error(ACCESS_USAGE, "missing value");
	if (role == NULL || glob == NULL)
		return cli_usage_error(ACCESS_USAGE, "access add needs ROLE and "
		    "TARGET_GLOB");
	if (by == NULL && (napp != NULL || maxd != NULL))
		return cli_usage_error(ACCESS_USAGE, "--approvals and "
		    "--max-duration need --approval-by");
	memset(&r, 0, sizeof(r));
	if (!name_valid(role)) {
		cli_error("invalid role name: '%s'", role);
		return JG_EXIT_FAIL;
	}
	if (!access_glob_valid(glob)) {
		cli_error("invalid target glob: '%s'", glob);
		return JG_EXIT_FAIL;
	}
	/* ROLE or ROLE:N, once or for several roles that must all approve */
	for (k = 0; k < nby; k++) {
		const char *colon = strchr(bys[k], ':');

		snprintf(need[k].role, sizeof(need[k].role), "%.*s", colon ?
		    (int)(colon - bys[k]) : (int)strlen(bys[k]), bys[k]);
		need[k].count = 1;
		if (colon != NULL) {
			n = strtol(colon + 1, &end, 10);
			if (!isdigit((unsigned char)colon[1]) || *end != '\0' ||
			    n < 1 || n > 10) {
				cli_error("invalid --approval-by: '%s' (ROLE or "
				    "ROLE:N, N 1-10)", bys[k]);
				return JG_EXIT_FAIL;
			}
			need[k].count = (int)n;
		}
		if (!name_valid(need[k].role) || (colon == NULL &&
		    strlen(bys[k]) > JG_NAME_MAX)) {
			cli_error("invalid approver role name: '%s'", bys[k]);
			return JG_EXIT_FAIL;
		}
	}
	if (napp != NULL && (nby > 1 || strchr(by, ':') != NULL))
		return cli_usage_error(ACCESS_USAGE, "--approvals goes with one "
		    "--approval-by ROLE (say ROLE:N for several)");
	if (nby > 0 && (approval_format(need, nby, r.approval_role,
	    sizeof(r.approval_role), &total) != JG_OK ||
	    approval_parse(r.approval_role, total, need, &k) != JG_OK)) {
		cli_error("invalid --approval-by: the roles are too long or "
		    "named twice");
		return JG_EXIT_FAIL;
	}
	if (nby > 0)
		r.approvals = total;
	if (napp != NULL) {
		n = strtol(napp, &end, 10);
		if (!isdigit((unsigned char)napp[0]) || *end != '\0' ||
		    n < 1 || n > 10) {
			cli_error("invalid --approvals: '%s' (1-10)", napp);
			return JG_EXIT_FAIL;
		}
		r.approvals = (int)n;
	}
	if (maxd != NULL && duration_parse(maxd, &r.max_duration) != JG_OK) {
		cli_error("invalid --max-duration: '%s' (like 90s, 15m, 2h, "
		    "1d)", maxd);
		return JG_EXIT_FAIL;
	}
	snprintf(r.role, sizeof(r.role), "%s", role);
	snprintf(r.target_glob, sizeof(r.target_glob), "%s", glob);
	r.mfa = mfa;
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_rule_add(c->store, &c->actor, &r)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (nby == 1)
		printf("access rule %lld: role %s may request %s, approved by "
		    "%d of role %s%s\n", r.id, role, glob, r.approvals,
		    r.approval_role, mfa ? ACCESS_MFA_SAID : "");
	else if (nby > 1) {
		said[0] = '\0';
		for (k = 0; k < nby; k++)
			snprintf(said + strlen(said), sizeof(said) -
			    strlen(said), "%s%d of role %s", k == 0 ? "" :
			    k + 1 == nby ? " and " : ", ", need[k].count,
			    need[k].role);
		printf("access rule %lld: role %s may request %s, approved by "
		    "%s%s\n", r.id, role, glob, said, mfa ? ACCESS_MFA_SAID :
		    "");
	}
	else
		printf("access rule %lld: role %s has standing access to %s%s\n",
		    r.id, role, glob, mfa ? ACCESS_MFA_SAID : "");
	return JG_EXIT_OK;
}

static void
access_json_object(struct json *j, const void *elem)
{
	const struct store_rule *e = elem;

	json_key_int(j, "id", e->id);
	json_key_str(j, "role", e->role);
	json_key_str(j, "target_glob", e->target_glob);
	json_key_str(j, "approval_by", e->approval_role[0] ?
	    e->approval_role : NULL);
	json_key_int(j, "approvals", e->approvals);
	json_key_int(j, "max_duration", e->max_duration);
	json_key_str(j, "created", e->created);
	json_key_bool(j, "mfa", e->mfa);
}

static int
access_list(struct cli *c, int json)
{
	struct store_rule *v;
	size_t n, i;
	int rc;

	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_rule_list(c->store, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json)
		json_list(stdout, v, n, sizeof(*v), access_json_object);
	else {
		printf("%-5s %-16s %-24s %-16s %9s %12s\n", "ID", "ROLE",
		    "TARGET_GLOB", "APPROVAL_BY", "APPROVALS", "MAX_DURATION");
		for (i = 0; i < n; i++) {
			char maxd[32];

			if (v[i].max_duration > 0)
				snprintf(maxd, sizeof(maxd), "%lds",
				    v[i].max_duration);
			else
				snprintf(maxd, sizeof(maxd), "-");
			printf("%-5lld %-16s %-24s %-16s %9d %12s%s\n",
			    v[i].id, v[i].role, v[i].target_glob,
			    v[i].approval_role[0] ? v[i].approval_role :
			    "(standing)", v[i].approvals, maxd, v[i].mfa ?
			    "  (mfa)" : "");
		}
	}
	free(v);
	return JG_EXIT_OK;
}

int
cmd_access(struct cli *c, int argc, char **argv)
{
	long long id;
	int rc;

	if (argc < 2)
		return cli_usage_error(ACCESS_USAGE, "access needs a "
		    "subcommand");
	if (strcmp(argv[1], "add") == 0)
		return access_add(c, argc, argv);
	if (strcmp(argv[1], "list") == 0) {
		if (argc == 2)
			return access_list(c, 0);
		if (argc == 3 && strcmp(argv[2], "--json") == 0)
			return access_list(c, 1);
		return cli_usage_error(ACCESS_USAGE, "unexpected argument "
		    "'%s'", argv[2]);
	}
	if (strcmp(argv[1], "del") == 0) {
		if (argc != 3)
			return cli_usage_error(ACCESS_USAGE, "access del needs "
			    "an ID");
		if (id_parse(argv[2], &id) != JG_OK) {
			cli_error("invalid access rule id: '%s'", argv[2]);
			return JG_EXIT_FAIL;
		}
		if (cli_store_open(c) != JG_EXIT_OK)
			return JG_EXIT_FAIL;
		if ((rc = store_rule_del(c->store, &c->actor, id)) != JG_OK)
			return cli_store_fail(c, rc, NULL);
		printf("removed access rule %lld\n", id);
		return JG_EXIT_OK;
	}
	return cli_usage_error(ACCESS_USAGE, "unknown access command '%s'",
	    argv[1]);
}
