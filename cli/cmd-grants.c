/* cmd-grants.c: `jumpgate grants | revoke`: the time-bounded access that approvals opened. */

/*
 * A grant is made by a request's last approval and lasts its duration.
 * `revoke` ends one now; the running daemon notices within 2 seconds and
 * closes the sessions that ran under it. Listing sweeps expired grants first.
 */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define GRANTS_USAGE "jumpgate grants [--active] [--json]"
#define REVOKE_USAGE "jumpgate revoke ID"

static void
grants_json_object(struct json *j, const void *elem)
{
	const struct store_grant *e = elem;

	json_key_int(j, "id", e->id);
	json_key_int(j, "request", e->request_id);
	json_key_str(j, "user", e->user);
	json_key_str(j, "target", e->target);
	json_key_str(j, "starts", e->starts);
	json_key_str(j, "ends", e->ends);
	json_key_str(j, "state", e->state);
	json_key_str(j, "revoked_by", e->revoked_by[0] ?
	    e->revoked_by : NULL);
}

int
cmd_grants(struct cli *c, int argc, char **argv)
{
	struct store_grant *v;
	char starts[32], ends[32];
	size_t n, i;
	int k, json = 0, active = 0, rc;

	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--active"))
			active = 1;
		else if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else
			return cli_usage_error(GRANTS_USAGE, "unexpected "
			    "argument '%s'", argv[k]);
	}
	if (cli_store_open(c) != JG_EXIT_OK || cli_jit_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_grant_list(c->store, active, NULL, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json) {
		json_list(stdout, v, n, sizeof(*v), grants_json_object);
		free(v);
		return JG_EXIT_OK;
	}
	printf("%5s %7s %-12s %-12s %-19s %-19s %-8s %s\n", "ID", "REQUEST",
	    "USER", "TARGET", "STARTS", "ENDS", "STATE", "REVOKED_BY");
	for (i = 0; i < n; i++) {
		time_local_iso(v[i].starts, starts, sizeof(starts));
		time_local_iso(v[i].ends, ends, sizeof(ends));
		printf("%5lld %7lld %-12s %-12s %-19s %-19s %-8s %s\n",
		    v[i].id, v[i].request_id, v[i].user, v[i].target, starts,
		    ends, v[i].state, v[i].revoked_by[0] ? v[i].revoked_by :
		    "-");
	}
	free(v);
	return JG_EXIT_OK;
}

int
cmd_revoke(struct cli *c, int argc, char **argv)
{
	struct store_grant g;
	long long id;
	int rc;

	if (argc < 2)
		return cli_usage_error(REVOKE_USAGE, "revoke needs a grant ID");
	if (argc > 2)
		return cli_usage_error(REVOKE_USAGE, "unexpected argument '%s'",
		    argv[2]);
	if (id_parse(argv[1], &id) != JG_OK) {
		cli_error("invalid grant id: '%s'", argv[1]);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK || cli_jit_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_grant_revoke(c->store, &c->actor, id)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (store_grant_get(c->store, id, &g) == JG_OK)
		printf("grant %lld revoked: %s no longer reaches %s (its live "
		    "sessions are closed)\n", id, g.user, g.target);
	else
		printf("grant %lld revoked\n", id);
	return JG_EXIT_OK;
}
