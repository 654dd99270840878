/* cmd-sessions.c: `jumpgate sessions`: every session channel through the gateway, live or ended. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SESSIONS_USAGE "jumpgate sessions [--live] [--user U] [--target T] " \
	"[--json]"

static void
sessions_json(const struct store_session *v, size_t n)
{
	struct json *j = json_new(stdout);
	size_t i;

	json_array_begin(j);
	for (i = 0; i < n; i++) {
		json_object_begin(j);
		json_key_int(j, "id", v[i].id);
		json_key_str(j, "user", v[i].user);
		json_key_str(j, "target", v[i].target);
		json_key_str(j, "login", v[i].login);
		json_key_str(j, "source", v[i].source);
		json_key_str(j, "started", v[i].started);
		json_key_str(j, "ended", v[i].ended[0] ? v[i].ended : NULL);
		json_key_int(j, "bytes_in", v[i].bytes_in);
		json_key_int(j, "bytes_out", v[i].bytes_out);
		if (v[i].exit_status < 0)
			json_key_null(j, "exit_status");
		else
			json_key_int(j, "exit_status", v[i].exit_status);
		json_key_str(j, "state", v[i].state);
		json_key_str(j, "kind", v[i].kind);
		json_key_str(j, "command", v[i].detail);
		json_key_str(j, "end_reason", v[i].end_reason);
		json_object_end(j);
	}
	json_array_end(j);
	json_free(j);
}

int
cmd_sessions(struct cli *c, int argc, char **argv)
{
	struct store_session_filter f;
	struct store_session *v;
	char started[32], ended[32], exitbuf[16];
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
		sessions_json(v, n);
		free(v);
		return JG_EXIT_OK;
	}
	printf("%5s %-12s %-12s %-19s %-19s %-11s %5s %10s %10s  %s\n", "ID",
	    "USER", "TARGET", "STARTED", "ENDED", "STATE", "EXIT", "IN", "OUT",
	    "COMMAND");
	for (i = 0; i < n; i++) {
		time_local_iso(v[i].started, started, sizeof(started));
		time_local_iso(v[i].ended, ended, sizeof(ended));
		if (v[i].exit_status < 0)
			snprintf(exitbuf, sizeof(exitbuf), "-");
		else
			snprintf(exitbuf, sizeof(exitbuf), "%d",
			    v[i].exit_status);
		printf("%5lld %-12s %-12s %-19s %-19s %-11s %5s %10lld %10lld  "
		    "%s%s%s\n", v[i].id, v[i].user, v[i].target, started, ended,
		    v[i].state, exitbuf, v[i].bytes_in, v[i].bytes_out,
		    v[i].kind, v[i].detail[0] ? " " : "", v[i].detail);
	}
	free(v);
	return JG_EXIT_OK;
}
