/* cmd-export.c: `jumpgate export ID`: a recording as an asciicast v2 file, streamed. */

/*
 * The document is written by replay/asciicast.c. A tampered recording is
 * refused; a truncated one exports what is intact after a warning. -o
 * writes a temporary file (0600) and renames it into place, so a reader
 * never sees half a document.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define EXPORT_USAGE "jumpgate export ID [--format asciicast] [-o FILE] " \
	"[--passphrase-file F]"

/* A temporary file beside path, 0600. */
static FILE *
export_tmp(const char *path, char *tmp, size_t len)
{
	FILE *f;
	int fd;

	if (snprintf(tmp, len, "%s.XXXXXX", path) >= (int)len)
		return NULL;
	if ((fd = mkstemp(tmp)) == -1)
		return NULL;
	if (fchmod(fd, 0600) == -1 || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return NULL;
	}
	return f;
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	struct rec_vault v;
	struct cli_rec rec;
	const char *passfile = NULL, *val, *idarg = NULL, *outpath = NULL;
	char tmp[JG_PATH_MAX], title[512];
	const struct rec_header *h;
	FILE *f = NULL;
	long long id;
	int k, bad = 0, ret = JG_EXIT_FAIL, werr;

	for (k = 1; k < argc; k++) {
		if ((val = cli_opt(argc, argv, &k, "--passphrase-file", &bad)))
			passfile = val;
		else if ((val = cli_opt(argc, argv, &k, "--format", &bad))) {
			if (strcmp(val, "asciicast") != 0)
				return cli_usage_error(EXPORT_USAGE, "unknown "
				    "format '%s' (asciicast is the one)", val);
		} else if ((val = cli_opt(argc, argv, &k, "-o", &bad)))
			outpath = val;
		else if (bad)
			return cli_usage_error(EXPORT_USAGE, "missing value");
		else if (idarg == NULL && argv[k][0] != '-')
			idarg = argv[k];
		else
			return cli_usage_error(EXPORT_USAGE, "unexpected "
			    "argument '%s'", argv[k]);
	}
	if (idarg == NULL)
		return cli_usage_error(EXPORT_USAGE, "missing session ID");
	if (id_parse(idarg, &id) != JG_OK)
		return cli_usage_error(EXPORT_USAGE, "not a session id: '%s'",
		    idarg);
	if (outpath != NULL && outpath[0] == '\0')
		return cli_usage_error(EXPORT_USAGE, "-o needs a file name");
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;

	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	if (cli_rec_open_one(&v, id, REPLAY_VERIFY, &rec) != JG_OK)
		goto out;
	if (rec.chk.status == REPLAY_DAMAGED) {
		cli_error("session %lld: %s: refusing to export it", id,
		    rec.chk.reason);
		goto out;
	}
	if (rec.rp == NULL) {
		cli_error("session %lld: %s: nothing to export", id,
		    rec.chk.reason);
		goto out;
	}
	if (rec.chk.status != REPLAY_INTACT)
		fprintf(stderr, "jumpgate: warning: session %lld %s: exporting "
		    "what is intact\n", id, rec.chk.reason);
	if (outpath == NULL)
		f = stdout;
	else if ((f = export_tmp(outpath, tmp, sizeof(tmp))) == NULL) {
		cli_error("cannot write %s: %s", outpath, strerror(errno));
		goto out;
	}
	h = replay_header(rec.rp);
	snprintf(title, sizeof(title), "jumpgate session %lld: %s@%s as %s",
	    id, h->user, h->target, h->login);
	werr = replay_asciicast(rec.rp, &rec.chk, title, f) != JG_OK;
	if (outpath == NULL) {
		if (werr) {
			cli_error("cannot write output: %s", strerror(errno));
			goto out;
		}
		ret = JG_EXIT_OK;
		goto out;
	}
	if (fsync(fileno(f)) != 0)
		werr = 1;
	if (fclose(f) != 0)
		werr = 1;
	if (werr || rename(tmp, outpath) != 0) {
		cli_error("cannot write %s: %s", outpath, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ret = JG_EXIT_OK;
out:
	cli_rec_close(&rec);
	rec_vault_done(&v);
	return ret;
}
