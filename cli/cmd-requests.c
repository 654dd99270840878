/* cmd-requests.c: `jumpgate requests | approve | deny`: deciding just-in-time access requests from the host. */

/*
 * The host tool decides on behalf of an approver named with --as: the store
 * applies the very rules the gateway does (a holder of the request's
 * approver role, never the requester), while the audit row's actor stays the
 * real uid that ran the tool and its detail says "as USER". Before listing
 * or deciding, the tool sweeps expired requests and grants, so it never
 * approves a request that RequestTimeout has already ended. The running
 * daemon sees the change through PRAGMA data_version within 2 seconds.
 */

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define REQUESTS_USAGE "jumpgate requests [--pending] [--json]"
#define APPROVE_USAGE "jumpgate approve ID --as USER [--comment TEXT]"
#define DENY_USAGE "jumpgate deny ID --as USER [--reason TEXT]"

/* Expired requests and grants first: nobody decides on a stale state. */
int
cli_jit_sweep(struct cli *c)
{
	int rc, n;

	if ((rc = store_requests_expire(c->store, c->cfg.request_timeout,
	    &n)) != JG_OK ||
	    (rc = store_grants_expire(c->store, &n)) != JG_OK)
		return cli_store_fail(c, rc, "expiring old requests and "
		    "grants");
	return JG_EXIT_OK;
}

static void
requests_json_object(struct json *j, const void *elem)
{
	const struct store_request *e = elem;

	json_key_int(j, "id", e->id);
	json_key_str(j, "user", e->user);
	json_key_str(j, "target", e->target);
	json_key_str(j, "reason", e->reason);
	json_key_int(j, "duration", e->duration);
	json_key_str(j, "starts", e->starts[0] ? e->starts : NULL);
	if (e->extends != 0)
		json_key_int(j, "extends", e->extends);
	else
		json_key_null(j, "extends");
	json_key_str(j, "state", e->state);
	json_key_int(j, "approvals", e->approvals);
	json_key_int(j, "approvals_needed", e->approvals_needed);
	json_key_str(j, "approval_role", e->approval_role);
	json_key_int(j, "age", listing_age(e->created));
	json_key_str(j, "created", e->created);
	json_key_str(j, "decided", e->decided[0] ? e->decided :
	    NULL);
	json_key_str(j, "decided_by", e->decided_by[0] ?
	    e->decided_by : NULL);
	json_key_str(j, "comment", e->comment[0] ? e->comment :
	    NULL);
	if (e->grant_id > 0)
		json_key_int(j, "grant", e->grant_id);
	else
		json_key_null(j, "grant");
}

static void
requests_table(const struct store_request *v, size_t n)
{
	char line[1024];
	size_t i;

	listing_requests_head(line, sizeof(line));
	fputs(line, stdout);
	for (i = 0; i < n; i++) {
		listing_requests_row(&v[i], line, sizeof(line));
		fputs(line, stdout);
	}
}

int
cmd_requests(struct cli *c, int argc, char **argv)
{
	struct store_request_filter f;
	struct store_request *v;
	size_t n;
	int k, json = 0, rc;

	memset(&f, 0, sizeof(f));
	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--pending"))
			f.pending_only = 1;
		else if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else
			return cli_usage_error(REQUESTS_USAGE, "unexpected "
			    "argument '%s'", argv[k]);
	}
	if (cli_store_open(c) != JG_EXIT_OK || cli_jit_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_request_list(c->store, &f, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json)
		json_list(stdout, v, n, sizeof(*v), requests_json_object);
	else
		requests_table(v, n);
	free(v);
	return JG_EXIT_OK;
}

/* approve and deny share their arguments: ID --as USER [--TEXTOPT TEXT]. */
static int
decide_args(int argc, char **argv, const char *usage, const char *textopt,
    long long *id, const char **as, const char **text)
{
	const char *idarg = NULL, *val;
	int k, bad = 0;

	*as = *text = NULL;
	for (k = 1; k < argc; k++) {
		if ((val = cli_opt(argc, argv, &k, "--as", &bad)))
			*as = val;
		else if ((val = cli_opt(argc, argv, &k, textopt, &bad)))
			*text = val;
		else if (bad || (argv[k][0] == '-' && argv[k][1] == '-'))
			return cli_usage_error(usage, bad ? "missing value" :
			    "unknown option %s", argv[k]);
		else if (idarg == NULL)
			idarg = argv[k];
		else
			return cli_usage_error(usage, "unexpected argument "
			    "'%s'", argv[k]);
	}
	if (bad)
		return cli_usage_error(usage, "missing value");
	if (idarg == NULL)
		return cli_usage_error(usage, "%s needs a request ID", argv[0]);
	if (*as == NULL)
		return cli_usage_error(usage, "%s needs --as USER: the approver "
		    "you act for", argv[0]);
	if (id_parse(idarg, id) != JG_OK) {
		cli_error("invalid request id: '%s'", idarg);
		return JG_EXIT_FAIL;
	}
	if (!name_valid(*as)) {
		cli_error("invalid user name for --as: '%s'", *as);
		return JG_EXIT_FAIL;
	}
	return JG_EXIT_OK;
}

int
cmd_approve(struct cli *c, int argc, char **argv)
{
	struct store_request r;
	const char *as, *comment;
	char ends[32], from[48];
	struct store_grant g;
	long long id;
	int rc;

	if ((rc = decide_args(argc, argv, APPROVE_USAGE, "--comment", &id,
	    &as, &comment)) != JG_EXIT_OK)
		return rc;
	if (cli_store_open(c) != JG_EXIT_OK || cli_jit_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	rc = store_request_approve(c->store, &c->actor, id, as, comment, &r);
	if (rc != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (strcmp(r.state, "approved") != 0) {
		printf("request %lld: approved by %s (%d of %d approvals; "
		    "waiting for %d more)\n", id, as, r.approvals,
		    r.approvals_needed, r.approvals_needed - r.approvals);
		return JG_EXIT_OK;
	}
	from[0] = '\0';
	if (store_grant_get(c->store, r.grant_id, &g) == JG_OK) {
		time_local_iso(g.ends, ends, sizeof(ends));
		if (r.starts[0] != '\0') {	/* a scheduled window */
			snprintf(from, sizeof(from), "from ");
			time_local_iso(g.starts, from + 5, sizeof(from) - 5);
			strncat(from, " ", sizeof(from) - strlen(from) - 1);
		}
	} else
		snprintf(ends, sizeof(ends), "?");
	if (r.extends != 0)
		printf("request %lld approved by %s: grant %lld of %s on %s now "
		    "ends at %s\n", id, as, r.grant_id, r.user, r.target, ends);
	else
		printf("request %lld approved by %s: grant %lld gives %s access "
		    "to %s %suntil %s\n", id, as, r.grant_id, r.user, r.target,
		    from, ends);
	return JG_EXIT_OK;
}

int
cmd_deny(struct cli *c, int argc, char **argv)
{
	const char *as, *reason;
	long long id;
	int rc;

	if ((rc = decide_args(argc, argv, DENY_USAGE, "--reason", &id, &as,
	    &reason)) != JG_EXIT_OK)
		return rc;
	if (cli_store_open(c) != JG_EXIT_OK || cli_jit_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_request_deny(c->store, &c->actor, id, as, reason)) !=
	    JG_OK)
		return cli_store_fail(c, rc, NULL);
	printf("request %lld denied by %s\n", id, as);
	return JG_EXIT_OK;
}
