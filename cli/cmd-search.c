/* cmd-search.c: `jumpgate search REGEX`: grep the output text of every recording; `--commands` searches the command index instead. */

/*
 * Each recording is searched by replay/search.c; a line that matches is
 * printed as "SESSION  HH:MM:SS  line", the time being that of the line's
 * first byte. A damaged recording is searched up to the damage, with a
 * warning on stderr; a live one up to what is written.
 */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SEARCH_USAGE "jumpgate search REGEX [--user U] [--target T] " \
	"[--passphrase-file F] | search --commands REGEX [--user U] " \
	"[--target T] [--since TIME] [--json]"

static void
search_print(void *arg, uint64_t t_ms, const char *line)
{
	char hms[32];

	replay_hms(t_ms, hms, sizeof(hms));
	printf("%lld  %s  %s\n", *(long long *)arg, hms, line);
}

/* One session; a warning on stderr when its recording is damaged. */
static int
search_session(const regex_t *re, struct rec_vault *v, long long id)
{
	struct cli_rec rec;
	struct replay_check chk;
	char err[JG_ERRLEN], hms[32];
	int rc;

	rc = cli_rec_open(v, id, 0, &rec, err, sizeof(err));
	if (rc == CLI_REC_NONE || rc == JG_ENOENT)
		return JG_OK;
	if (rc == JG_EAUTH) {
		cli_error("%s", err);
		return JG_EAUTH;
	}
	if (rc != JG_OK || rec.rp == NULL) {
		if (rc == JG_OK && rec.chk.status != REPLAY_LIVE)
			snprintf(err, sizeof(err), "%s", rec.chk.reason);
		if (rc != JG_OK || rec.chk.status != REPLAY_LIVE)
			fprintf(stderr, "jumpgate: warning: session %lld: %s: "
			    "not searched\n", id, err);
		cli_rec_close(&rec);
		return JG_OK;
	}
	replay_search(rec.rp, re, search_print, &id);
	if (replay_status(rec.rp, &chk) == JG_OK &&
	    chk.status != REPLAY_INTACT && chk.status != REPLAY_LIVE) {
		replay_hms(chk.last_ms, hms, sizeof(hms));
		fprintf(stderr, "jumpgate: warning: session %lld: %s: searched "
		    "up to %s\n", id, chk.reason, hms);
	}
	cli_rec_close(&rec);
	return JG_OK;
}

int
cmd_search(struct cli *c, int argc, char **argv)
{
	struct store_session_filter f;
	struct store_session *list = NULL;
	struct rec_vault v;
	regex_t re;
	const char *passfile = NULL, *val, *pattern = NULL, *since = NULL;
	char rerr[256];
	size_t n, i;
	int k, bad = 0, rc, ret = JG_EXIT_OK, commands = 0, json = 0;

	memset(&f, 0, sizeof(f));
	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--commands"))
			commands = 1;
		else if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else if ((val = cli_opt(argc, argv, &k, "--since", &bad)))
			since = val;
		else if ((val = cli_opt(argc, argv, &k, "--passphrase-file",
		    &bad)))
			passfile = val;
		else if ((val = cli_opt(argc, argv, &k, "--user", &bad)))
			f.user = val;
		else if ((val = cli_opt(argc, argv, &k, "--target", &bad)))
			f.target = val;
		else if (bad)
			return cli_usage_error(SEARCH_USAGE, "missing value");
		else if (pattern == NULL)
			pattern = argv[k];
		else
			return cli_usage_error(SEARCH_USAGE, "unexpected "
			    "argument '%s'", argv[k]);
	}
	if (pattern == NULL)
		return cli_usage_error(SEARCH_USAGE, "missing REGEX");
	if ((f.user && !name_valid(f.user)) ||
	    (f.target && !name_valid(f.target))) {
		cli_error("invalid name: '%s'", f.user && !name_valid(f.user) ?
		    f.user : f.target);
		return JG_EXIT_FAIL;
	}
	if (commands && passfile != NULL)
		return cli_usage_error(SEARCH_USAGE, "--commands reads the "
		    "index: no passphrase is needed");
	if (!commands && (since != NULL || json))
		return cli_usage_error(SEARCH_USAGE, "%s goes with --commands",
		    since != NULL ? "--since" : "--json");
	if ((rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &re, rerr, sizeof(rerr));
		cli_error("bad regular expression '%s': %s", pattern, rerr);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK) {
		regfree(&re);
		return JG_EXIT_FAIL;
	}
	if (commands) {
		ret = commands_search(c, &re, f.user, f.target, since, json);
		regfree(&re);
		return ret;
	}
	if ((rc = store_session_list(c->store, &f, &list, &n)) != JG_OK) {
		regfree(&re);
		return cli_store_fail(c, rc, "cannot list sessions");
	}
	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	for (i = 0; i < n; i++) {
		if (search_session(&re, &v, list[i].id) == JG_EAUTH) {
			ret = JG_EXIT_FAIL;
			break;
		}
		fflush(stdout);
	}
	rec_vault_done(&v);
	free(list);
	regfree(&re);
	return ret;
}
