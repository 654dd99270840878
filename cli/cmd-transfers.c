/* cmd-transfers.c: `jumpgate transfers`: the files moved through the gateway (sftp, scp), from the store. */

/*
 * One row per file operation, as the worker followed the session's SFTP
 * stream (recorder/sftp.c): upload and download with their byte counts
 * and, when the whole file went through in order, its SHA-256; remove,
 * rename, mkdir, rmdir, setstat with whether the target did it. The same
 * operations are REC_FILE events in the session's recording and
 * file.* rows in the audit log.
 */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TRANSFERS_USAGE "jumpgate transfers [ID] [--user U] [--target T] " \
	"[--json]"

static void
transfers_json_object(struct json *j, const void *elem)
{
	const struct store_transfer *e = elem;

	json_key_int(j, "session", e->session_id);
	json_key_str(j, "time", e->time);
	json_key_str(j, "user", e->user);
	json_key_str(j, "target", e->target);
	json_key_str(j, "op", e->op);
	json_key_str(j, "path", e->path);
	json_key_str(j, "path2", e->path2[0] ? e->path2 : NULL);
	json_key_int(j, "bytes", e->bytes);
	json_key_str(j, "sha256", e->sha256[0] ? e->sha256 : NULL);
	json_key_bool(j, "ok", e->ok);
}

int
cmd_transfers(struct cli *c, int argc, char **argv)
{
	struct store_transfer_filter f;
	struct store_transfer *v = NULL;
	const char *val, *idarg = NULL;
	char when[32], size[32];
	size_t n = 0, i;
	int k, bad = 0, json = 0, rc;

	memset(&f, 0, sizeof(f));
	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--json"))
			json = 1;
		else if ((val = cli_opt(argc, argv, &k, "--user", &bad)))
			f.user = val;
		else if ((val = cli_opt(argc, argv, &k, "--target", &bad)))
			f.target = val;
		else if (!bad && idarg == NULL && argv[k][0] != '-')
			idarg = argv[k];
		else
			return cli_usage_error(TRANSFERS_USAGE, bad ? "missing "
			    "value" : "unexpected argument '%s'", argv[k]);
	}
	if (idarg != NULL && id_parse(idarg, &f.session_id) != JG_OK)
		return cli_usage_error(TRANSFERS_USAGE, "not a session id: "
		    "'%s'", idarg);
	if ((f.user != NULL && !name_valid(f.user)) ||
	    (f.target != NULL && !name_valid(f.target))) {
		cli_error("invalid name: '%s'", f.user != NULL &&
		    !name_valid(f.user) ? f.user : f.target);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_transfer_list(c->store, &f, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, "cannot list transfers");
	if (json) {
		json_list(stdout, v, n, sizeof(*v), transfers_json_object);
		free(v);
		return JG_EXIT_OK;
	}
	printf("%7s %-19s %-12s %-12s %-14s %10s %-4s %-64s %s\n", "SESSION",
	    "TIME", "USER", "TARGET", "OP", "BYTES", "OK", "SHA256", "PATH");
	for (i = 0; i < n; i++) {
		time_local_iso(v[i].time, when, sizeof(when));
		snprintf(size, sizeof(size), "%lld", v[i].bytes);
		printf("%7lld %-19s %-12s %-12s %-14s %10s %-4s %-64s %s%s%s\n",
		    v[i].session_id, when, v[i].user, v[i].target, v[i].op,
		    size, v[i].ok ? "yes" : "no", v[i].sha256[0] ? v[i].sha256 :
		    "-", v[i].path, v[i].path2[0] ? " -> " : "", v[i].path2);
	}
	free(v);
	return JG_EXIT_OK;
}
