/* cmd-sessions.c: `jumpgate sessions`: every session channel through the gateway, live or ended. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SESSIONS_USAGE "jumpgate sessions [--live] [--user U] [--target T] " \
	"[--json]"

static void
sessions_json_object(struct json *j, const void *elem)
{
	const struct store_session *e = elem;

	json_key_int(j, "id", e->id);
	json_key_str(j, "user", e->user);
	json_key_str(j, "target", e->target);
	json_key_str(j, "login", e->login);
	json_key_str(j, "source", e->source);
	json_key_str(j, "started", e->started);
	json_key_str(j, "ended", e->ended[0] ? e->ended : NULL);
	json_key_int(j, "bytes_in", e->bytes_in);
	json_key_int(j, "bytes_out", e->bytes_out);
	if (e->exit_status < 0)
		json_key_null(j, "exit_status");
	else
		json_key_int(j, "exit_status", e->exit_status);
	json_key_str(j, "state", e->state);
	json_key_str(j, "kind", e->kind);
	json_key_str(j, "command", e->detail);
	json_key_str(j, "end_reason", e->end_reason);
	if (strcmp(e->state, "live") == 0)
		json_key_int(j, "idle_seconds", listing_idle(e));
	else
		json_key_null(j, "idle_seconds");
}

int
cmd_sessions(struct cli *c, int argc, char **argv)
{
	struct store_session_filter f;
	struct store_session *v;
	char line[1024];
	const char *val;
	size_t n, i;
	int k, bad = 0, json = 0, rc;

	memset(&f, 0, sizeof(f));
	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--live"))
			f.live_only = 1;
		else if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else if ((val = cli_opt(argc, argv, &k, "--user", &bad)))
			f.user = val;
		else if ((val = cli_opt(argc, argv, &k, "--target", &bad)))
			f.target = val;
		else
			return cli_usage_error(SESSIONS_USAGE, bad ?
			    "missing value" : "unexpected argument '%s'",
			    argv[k]);
	}
	if (bad)
		return cli_usage_error(SESSIONS_USAGE, "missing value");
	if ((f.user && !name_valid(f.user)) ||
	    (f.target && !name_valid(f.target))) {
		cli_error("invalid name: '%s'", f.user && !name_valid(f.user) ?
		    f.user : f.target);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_session_list(c->store, &f, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json) {
		json_list(stdout, v, n, sizeof(*v), sessions_json_object);
		free(v);
		return JG_EXIT_OK;
	}
	listing_sessions_head(line, sizeof(line));
	fputs(line, stdout);
	for (i = 0; i < n; i++) {
		listing_sessions_row(&v[i], line, sizeof(line));
		fputs(line, stdout);
	}
	free(v);
	return JG_EXIT_OK;
}
