/* cmd-audit.c: `jumpgate audit`: read the hash-chained audit log and verify it. */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

#define AUDIT_USAGE "jumpgate audit [--since TIME] [--json] | audit verify"

/* TIME: an ISO 8601 UTC time, or a DUR meaning that long ago. */
static int
audit_since(const char *s, time_t *out)
{
	long secs;

	if (time_parse_iso_utc(s, out) == JG_OK)
		return JG_OK;
	if (duration_parse(s, &secs) == JG_OK) {
		*out = time(NULL) - secs;
		return JG_OK;
	}
	return JG_EINVAL;
}

static void
audit_json_object(struct json *j, const void *elem)
{
	const struct store_audit *e = elem;
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), e->hash, 32);
	json_key_int(j, "id", e->id);
	json_key_str(j, "time", e->time);
	json_key_str(j, "actor", e->actor);
	json_key_int(j, "uid", e->uid);
	json_key_str(j, "action", e->action);
	json_key_str(j, "detail", e->detail);
	json_key_str(j, "hash", hex);
}

static int
audit_list(struct cli *c, time_t since, int json)
{
	struct store_audit *v;
	size_t n, i;
	int rc;

	if ((rc = store_audit_list(c->store, since, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json)
		json_list(stdout, v, n, sizeof(*v), audit_json_object);
	else {
		for (i = 0; i < n; i++) {
			char when[32];

			time_local_iso(v[i].time, when, sizeof(when));
			printf("%6lld %s %s(uid %ld) %s %s\n", v[i].id, when,
			    v[i].actor, v[i].uid, v[i].action, v[i].detail);
		}
	}
	store_audit_free(v, n);
	return JG_EXIT_OK;
}

int
cmd_audit(struct cli *c, int argc, char **argv)
{
	char err[JG_ERRLEN];
	const char *v;
	long long bad_id;
	time_t since = 0;
	int i, bad = 0, json = 0;

	if (argc == 2 && strcmp(argv[1], "verify") == 0) {
		if (cli_store_open(c) != JG_EXIT_OK)
			return JG_EXIT_FAIL;
		if (store_audit_verify(c->store, &bad_id, err, sizeof(err)) !=
		    JG_OK) {
			cli_error("audit log fails verification: %s", err);
			return JG_EXIT_FAIL;
		}
		printf("audit log intact\n");
		return JG_EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--since", &bad)) != NULL) {
			if (audit_since(v, &since) != JG_OK) {
				cli_error("invalid --since: '%s' (an ISO 8601 "
				    "UTC time or a duration like 2h)", v);
				return JG_EXIT_FAIL;
			}
		} else if (cli_flag(argc, argv, &i, "--json"))
			json = 1;
		else
			return cli_usage_error(AUDIT_USAGE, bad ?
			    "missing value" : "unexpected argument '%s'",
			    argv[i]);
	}
	if (bad)
		return cli_usage_error(AUDIT_USAGE, "missing value");
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	return audit_list(c, since, json);
}
