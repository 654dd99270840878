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
#define REQUESTS_REASON_COLS 40

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

static long
requests_age(const char *created)
{
	time_t t, now = time(NULL);

	if (time_parse_iso_utc(created, &t) != JG_OK || t > now)
		return 0;
	return (long)(now - t);
}

static void
requests_age_text(long age, char *out, size_t len)
{
	if (age < 60)
		snprintf(out, len, "%lds", age);
	else if (age < 3600)
		snprintf(out, len, "%ldm", age / 60);
	else if (age < 86400)
		snprintf(out, len, "%ldh%02ldm", age / 3600, age % 3600 / 60);
	else
		snprintf(out, len, "%ldd%02ldh", age / 86400,
		    age % 86400 / 3600);
}

static void
requests_json(const struct store_request *v, size_t n)
{
	struct json *j = json_new(stdout);
	size_t i;

	json_array_begin(j);
	for (i = 0; i < n; i++) {
		json_object_begin(j);
		json_key_int(j, "id", v[i].id);
		json_key_str(j, "user", v[i].user);
		json_key_str(j, "target", v[i].target);
		json_key_str(j, "reason", v[i].reason);
		json_key_int(j, "duration", v[i].duration);
		json_key_str(j, "state", v[i].state);
		json_key_int(j, "approvals", v[i].approvals);
		json_key_int(j, "approvals_needed", v[i].approvals_needed);
		json_key_str(j, "approval_role", v[i].approval_role);
		json_key_int(j, "age", requests_age(v[i].created));
		json_key_str(j, "created", v[i].created);
		json_key_str(j, "decided", v[i].decided[0] ? v[i].decided :
		    NULL);
		json_key_str(j, "decided_by", v[i].decided_by[0] ?
		    v[i].decided_by : NULL);
		json_key_str(j, "comment", v[i].comment[0] ? v[i].comment :
		    NULL);
		if (v[i].grant_id > 0)
			json_key_int(j, "grant", v[i].grant_id);
		else
			json_key_null(j, "grant");
		json_object_end(j);
	}
	json_array_end(j);
	json_free(j);
}

static void
requests_table(const struct store_request *v, size_t n)
{
	char dur[32], age[32], created[32], appr[32];
	char reason[REQUESTS_REASON_COLS + 1];
	size_t i, len;

	printf("%5s %-12s %-12s %-*s %8s %-9s %9s %6s  %s\n", "ID", "USER",
	    "TARGET", REQUESTS_REASON_COLS, "REASON", "DURATION", "STATE",
	    "APPROVALS", "AGE", "CREATED");
	for (i = 0; i < n; i++) {
		len = strlen(v[i].reason);
		if (len > REQUESTS_REASON_COLS)
			snprintf(reason, sizeof(reason), "%.*s...",
			    REQUESTS_REASON_COLS - 3, v[i].reason);
		else
			snprintf(reason, sizeof(reason), "%s", v[i].reason);
		duration_format(v[i].duration, dur, sizeof(dur));
		requests_age_text(requests_age(v[i].created), age,
		    sizeof(age));
		time_local_iso(v[i].created, created, sizeof(created));
		snprintf(appr, sizeof(appr), "%d/%d", v[i].approvals,
		    v[i].approvals_needed);
		printf("%5lld %-12s %-12s %-*s %8s %-9s %9s %6s  %s\n",
		    v[i].id, v[i].user, v[i].target, REQUESTS_REASON_COLS,
		    reason, dur, v[i].state, appr, age, created);
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
		requests_json(v, n);
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
	char ends[32];
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
	if (store_grant_get(c->store, r.grant_id, &g) == JG_OK)
		time_local_iso(g.ends, ends, sizeof(ends));
	else
		snprintf(ends, sizeof(ends), "?");
	printf("request %lld approved by %s: grant %lld gives %s access to %s "
	    "until %s\n", id, as, r.grant_id, r.user, r.target, ends);
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
