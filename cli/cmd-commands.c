/* cmd-commands.c: `jumpgate commands ID` lists the command lines entered in a session; `search --commands` finds them in every session. */

/*
 * Both read the command index in the store (common/store-command.c),
 * which the daemon writes as sessions run: no recording is opened and no
 * passphrase is asked for. The lines are what the screen showed when
 * Enter was pressed (recorder/cmdline.c), and an exec session's command.
 */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define COMMANDS_USAGE "jumpgate commands ID [--json]"

static void
commands_json_object(struct json *j, const void *elem)
{
	const struct store_command *e = elem;

	json_key_int(j, "session", e->session_id);
	json_key_int(j, "seq", e->seq);
	json_key_int(j, "t_ms", e->t_ms);
	json_key_str(j, "command", e->line);
	json_key_str(j, "user", e->user);
	json_key_str(j, "target", e->target);
	json_key_str(j, "started", e->started);
}

static void
commands_print(const struct store_command *v, size_t n, int search, int json)
{
	char line[JG_COMMAND_MAX + 256];
	size_t i;

	if (json) {
		json_list(stdout, v, n, sizeof(*v), commands_json_object);
		return;
	}
	listing_commands_head(search, line, sizeof(line));
	fputs(line, stdout);
	for (i = 0; i < n; i++) {
		listing_commands_row(&v[i], search, line, sizeof(line));
		fputs(line, stdout);
	}
}

int
cmd_commands(struct cli *c, int argc, char **argv)
{
	struct store_command *v = NULL;
	struct store_session ss;
	const char *idarg = NULL;
	long long id;
	size_t n = 0;
	int k, json = 0, rc;

	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else if (idarg == NULL && argv[k][0] != '-')
			idarg = argv[k];
		else
			return cli_usage_error(COMMANDS_USAGE, "unexpected "
			    "argument '%s'", argv[k]);
	}
	if (idarg == NULL)
		return cli_usage_error(COMMANDS_USAGE, "missing session ID");
	if (id_parse(idarg, &id) != JG_OK)
		return cli_usage_error(COMMANDS_USAGE, "not a session id: '%s'",
		    idarg);
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_session_get(c->store, id, &ss, NULL, NULL)) != JG_OK)
		return cli_store_fail(c, rc, "cannot read the session");
	if ((rc = store_commands_list(c->store, id, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, "cannot read the command index");
	commands_print(v, n, 0, json);
	free(v);
	return JG_EXIT_OK;
}

/* search --commands REGEX: every session's lines that match, oldest first (the store is open). */
int
commands_search(struct cli *c, const regex_t *re, const char *user,
    const char *target, const char *since, int json)
{
	struct store_command_filter f;
	struct store_command *v = NULL;
	char iso[32];
	time_t t;
	size_t n = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	if (since != NULL) {
		if (cli_since(since, &t) != JG_OK) {
			cli_error("invalid --since: '%s' (an ISO 8601 UTC time "
			    "or a duration such as 30d)", since);
			return JG_EXIT_FAIL;
		}
		time_iso_utc(t, iso, sizeof(iso));
		f.since = iso;
	}
	f.re = re;
	f.user = user;
	f.target = target;
	if ((rc = store_commands_search(c->store, &f, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, "cannot search the command index");
	commands_print(v, n, 1, json);
	free(v);
	return JG_EXIT_OK;
}
