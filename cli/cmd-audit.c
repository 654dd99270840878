/* cmd-audit.c: `jumpgate audit`: read the hash-chained audit log and verify it. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

#define AUDIT_USAGE "jumpgate audit [--since TIME] [--json] | audit verify " \
	"[--witness FILE]"

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

/* The database's row with this id, by binary search (rows are in id order). */
static const struct store_audit *
audit_find(const struct store_audit *v, size_t n, long long id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Every row of the witness must be in the database with the same hash: a
 * tail cut off the database (and rows written again after the cut) shows
 * here. Each row that is missing or differs is named on stdout; returns
 * how many, or -1 when the witness cannot be read (said on stderr).
 */
static long
audit_witness(struct cli *c, const char *path)
{
	struct store_audit *v, w;
	const struct store_audit *d;
	char *line = NULL;
	size_t cap = 0, n, lineno = 0;
	long bad = 0, rows = 0;
	ssize_t len;
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		cli_error("cannot read the witness %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((rc = store_audit_list(c->store, 0, &v, &n)) != JG_OK) {
		fclose(f);
		cli_store_fail(c, rc, NULL);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (len == 1 && line[0] == '\n')
			continue;
		if (witness_parse(line, (size_t)len, &w) != JG_OK) {
			cli_error("witness %s, line %zu: not a witness row "
			    "(the file is damaged or not a witness)", path,
			    lineno);
			bad = -1;
			break;
		}
		rows++;
		if ((d = audit_find(v, n, w.id)) == NULL) {
			printf("audit row %lld: in the witness, not in the "
			    "database (%s %s by %s)\n", w.id, w.time, w.action,
			    w.actor);
			bad++;
		} else if (sodium_memcmp(d->hash, w.hash, 32) != 0) {
			printf("audit row %lld: the database's row differs from "
			    "the witness (witness: %s %s by %s; database: %s "
			    "%s by %s)\n", w.id, w.time, w.action, w.actor,
			    d->time, d->action, d->actor);
			bad++;
		}
	}
	if (ferror(f) && bad >= 0) {
		cli_error("cannot read the witness %s", path);
		bad = -1;
	}
	free(line);
	fclose(f);
	store_audit_free(v, n);
	if (bad == 0)
		printf("the witness agrees (%ld rows)\n", rows);
	return bad;
}

static int
audit_verify(struct cli *c, int argc, char **argv)
{
	const char *witness = NULL, *v;
	char err[JG_ERRLEN];
	long long bad_id;
	long bad;
	int i, badopt = 0, ok = 1;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--witness", &badopt)) != NULL)
			witness = v;
		else
			return cli_usage_error(AUDIT_USAGE, badopt ? "missing "
			    "value" : "unexpected argument '%s'", argv[i]);
	}
	if (badopt)
		return cli_usage_error(AUDIT_USAGE, "missing value");
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if (store_audit_verify(c->store, &bad_id, err, sizeof(err)) != JG_OK) {
		printf("audit log damaged: %s\n", err);
		ok = 0;
	} else
		printf("audit log intact\n");
	if (witness != NULL) {
		if ((bad = audit_witness(c, witness)) < 0)
			return JG_EXIT_FAIL;
		if (bad > 0) {
			cli_error("audit log fails verification: %ld row%s of "
			    "the witness %s missing or different", bad, bad ==
			    1 ? "" : "s", bad == 1 ? "is" : "are");
			return JG_EXIT_FAIL;
		}
	}
	if (!ok) {
		cli_error("audit log fails verification: %s", err);
		return JG_EXIT_FAIL;
	}
	return JG_EXIT_OK;
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
	const char *v;
	time_t since = 0;
	int i, bad = 0, json = 0;

	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(c, argc, argv);
	for (i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--since", &bad)) != NULL) {
			if (cli_since(v, &since) != JG_OK) {
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
