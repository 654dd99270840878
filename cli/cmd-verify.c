/* cmd-verify.c: `jumpgate verify ID... | --all`: check that recordings are complete and unaltered. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define VERIFY_USAGE "jumpgate verify ID... | verify --all " \
	"[--passphrase-file F]"

/* One session's report line on stdout; returns 1 when it failed. */
static int
verify_one(struct rec_vault *v, long long id, int *stop)
{
	struct cli_rec rec;
	char err[JG_ERRLEN], hms[32];
	int rc;

	rc = cli_rec_open(v, id, REPLAY_VERIFY, &rec, err, sizeof(err));
	if (rc == JG_EAUTH) {
		cli_error("%s", err);
		*stop = 1;
		return 1;
	}
	if (rc == JG_ENOENT) {
		printf("session %lld: no such session\n", id);
		return 1;
	}
	if (rc == CLI_REC_NONE) {
		printf("session %lld: no recording\n", id);
		return 0;
	}
	if (rc != JG_OK) {
		printf("session %lld: %s\n", id, err);
		return 1;
	}
	cli_rec_close(&rec);
	switch (rec.chk.status) {
	case REPLAY_INTACT:
		replay_hms(rec.chk.sum.duration_ms, hms, sizeof(hms));
		printf("session %lld: intact (%s, %llu events)\n", id, hms,
		    (unsigned long long)rec.chk.sum.events);
		return 0;
	case REPLAY_LIVE:	/* written as we read: the end is not there yet */
		printf("session %lld: %s\n", id, rec.chk.reason);
		return 0;
	default:
		printf("session %lld: %s\n", id, rec.chk.reason);
		return 1;
	}
}

int
cmd_verify(struct cli *c, int argc, char **argv)
{
	struct rec_vault v;
	struct store_session_filter f;
	struct store_session *list = NULL, one;
	long long *ids;
	const char *passfile = NULL, *val;
	size_t nids = 0, n, i, failed = 0, done = 0;
	int k, all = 0, bad = 0, stop = 0, rc;

	ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--all"))
			all = 1;
		else if ((val = cli_opt(argc, argv, &k, "--passphrase-file",
		    &bad)) != NULL)
			passfile = val;
		else if (bad || id_parse(argv[k], &ids[nids]) != JG_OK) {
			free(ids);
			return cli_usage_error(VERIFY_USAGE, bad ? "missing "
			    "value" : "not a session id: '%s'", argv[k]);
		} else
			nids++;
	}
	if (all == (nids > 0)) {
		free(ids);
		return cli_usage_error(VERIFY_USAGE, "give session ids or "
		    "--all");
	}
	if (cli_store_open(c) != JG_EXIT_OK) {
		free(ids);
		return JG_EXIT_FAIL;
	}
	if (all) {
		memset(&f, 0, sizeof(f));
		if ((rc = store_session_list(c->store, &f, &list, &n)) !=
		    JG_OK) {
			free(ids);
			return cli_store_fail(c, rc, "cannot list sessions");
		}
		free(ids);
		ids = xcalloc(n + 1, sizeof(*ids));
		for (i = 0; i < n; i++)
			ids[i] = list[i].id;
		nids = n;
		free(list);
	} else {
		/* Unknown ids are an error before anything is reported. */
		for (i = 0; i < nids; i++) {
			rc = store_session_get(c->store, ids[i], &one, NULL,
			    NULL);
			if (rc == JG_ENOENT) {
				cli_error("no such session: %lld", ids[i]);
				free(ids);
				return JG_EXIT_FAIL;
			} else if (rc != JG_OK) {
				free(ids);
				return cli_store_fail(c, rc, "cannot read "
				    "sessions");
			}
		}
	}
	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	for (i = 0; i < nids && !stop; i++) {
		failed += (size_t)verify_one(&v, ids[i], &stop);
		done++;
		fflush(stdout);
	}
	rec_vault_done(&v);
	free(ids);
	if (stop)
		return JG_EXIT_FAIL;
	if (failed > 0) {
		cli_error("%zu of %zu recording%s failed verification", failed,
		    done, done == 1 ? "" : "s");
		return JG_EXIT_FAIL;
	}
	return JG_EXIT_OK;
}
