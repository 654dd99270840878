/* cmd-export.c: `jumpgate export ID`: a recording as an asciicast v2 file, streamed. */

/*
 * asciicast v2: a header object on the first line, then one JSON array
 * per event: [seconds, "o", text] for output (stdout and stderr alike),
 * "i" for input, "r" with "COLSxROWS" for a resize. Each stream's UTF-8
 * is decoded across events (a character split between two events goes
 * out whole with the second), invalid bytes become U+FFFD. A tampered
 * recording is refused; a truncated one exports what is intact after a
 * warning. -o writes a temporary file (0600) and renames it into place.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define EXPORT_USAGE "jumpgate export ID [--format asciicast] [-o FILE] " \
	"[--passphrase-file F]"

enum { EXPORT_OUT = 0, EXPORT_ERR, EXPORT_IN, EXPORT_NSTREAMS };

struct exporter {
	FILE *f;
	struct rec_utf8 u[EXPORT_NSTREAMS];
	char *json;			/* one event's JSON text */
	size_t jsonmax;
};

static void
export_time(FILE *f, uint64_t ms)
{
	fprintf(f, "[%llu.%03llu, ", (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000));
}

static void
export_text(struct exporter *x, uint64_t ms, int stream, const char *code,
    const unsigned char *data, size_t len, int final)
{
	size_t n;

	if (rec_json_max(len) > x->jsonmax) {
		free(x->json);
		x->jsonmax = rec_json_max(len);
		x->json = xcalloc(1, x->jsonmax);
	}
	n = rec_json_utf8(&x->u[stream], data, len, final, x->json);
	if (n == 0)
		return;
	export_time(x->f, ms);
	fprintf(x->f, "\"%s\", \"%s\"]\n", code, x->json);
}

static void
export_header(struct exporter *x, const struct cli_rec *rec,
    const struct rec_header *h, const struct rec_check *chk)
{
	char title[512];

	snprintf(title, sizeof(title), "jumpgate session %lld: %s@%s as %s",
	    rec->s.id, h->user, h->target, h->login);
	fprintf(x->f, "{\"version\": 2, \"width\": %u, \"height\": %u, "
	    "\"timestamp\": %lld, ", h->cols > 0 ? h->cols : 80,
	    h->rows > 0 ? h->rows : 24, (long long)(h->start_unix_ms / 1000));
	if (chk->status == REC_CHECK_INTACT)
		fprintf(x->f, "\"duration\": %llu.%03llu, ",
		    (unsigned long long)(chk->sum.duration_ms / 1000),
		    (unsigned long long)(chk->sum.duration_ms % 1000));
	fprintf(x->f, "\"title\": ");
	json_write_string(x->f, title);
	if (chk->term[0] != '\0') {
		fprintf(x->f, ", \"env\": {\"TERM\": ");
		json_write_string(x->f, chk->term);
		fprintf(x->f, "}");
	}
	fprintf(x->f, "}\n");
}

static void
export_events(struct exporter *x, struct cli_rec *rec)
{
	struct rec_event_view ev;
	uint64_t last = 0;
	char size[32];
	int i;

	while (rec_reader_next(rec->r, &ev) == 1) {
		last = ev.t_ms;
		switch (ev.type) {
		case REC_OUT:
			export_text(x, ev.t_ms, EXPORT_OUT, "o", ev.data,
			    ev.len, 0);
			break;
		case REC_ERR:
			export_text(x, ev.t_ms, EXPORT_ERR, "o", ev.data,
			    ev.len, 0);
			break;
		case REC_IN:
			export_text(x, ev.t_ms, EXPORT_IN, "i", ev.data,
			    ev.len, 0);
			break;
		case REC_RESIZE:
			if (ev.len != 8)
				break;
			snprintf(size, sizeof(size), "%ux%u",
			    (unsigned)ev.data[0] << 24 |
			    (unsigned)ev.data[1] << 16 |
			    (unsigned)ev.data[2] << 8 | ev.data[3],
			    (unsigned)ev.data[4] << 24 |
			    (unsigned)ev.data[5] << 16 |
			    (unsigned)ev.data[6] << 8 | ev.data[7]);
			export_time(x->f, ev.t_ms);
			fprintf(x->f, "\"r\", \"%s\"]\n", size);
			break;
		}
	}
	/* What is left of a split character at the very end. */
	for (i = 0; i < EXPORT_NSTREAMS; i++)
		export_text(x, last, i, i == EXPORT_IN ? "i" : "o", NULL, 0, 1);
}

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
	struct rec_check chk;
	struct exporter x;
	const char *passfile = NULL, *val, *idarg = NULL, *outpath = NULL;
	char err[JG_ERRLEN], tmp[JG_PATH_MAX];
	long long id;
	int k, bad = 0, rc, ret = JG_EXIT_FAIL, werr;

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
	if (cli_parse_id(idarg, &id) != JG_OK)
		return cli_usage_error(EXPORT_USAGE, "not a session id: '%s'",
		    idarg);
	if (outpath != NULL && outpath[0] == '\0')
		return cli_usage_error(EXPORT_USAGE, "-o needs a file name");
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;

	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	memset(&x, 0, sizeof(x));
	rc = cli_rec_open(&v, id, &rec, &chk, err, sizeof(err));
	if (rc == JG_OK)
		cli_rec_check(&rec, &chk);
	if (rc == JG_ENOENT)
		cli_error("no such session: %lld", id);
	else if (rc == CLI_REC_NONE)
		cli_error("session %lld has no recording", id);
	else if (rc == JG_ECORRUPT)
		cli_error("session %lld: %s: %s", id, chk.reason,
		    chk.status == REC_CHECK_TRUNCATED ? "nothing to export" :
		    "refusing to export it");
	else if (rc == JG_EAUTH)
		cli_error("%s", err);
	else if (rc != JG_OK)
		cli_error("session %lld: %s", id, err);
	if (rc != JG_OK)
		goto out;
	if (chk.status == REC_CHECK_DAMAGED) {
		cli_error("session %lld: %s: refusing to export it", id,
		    chk.reason);
		goto out;
	}
	if (chk.status == REC_CHECK_TRUNCATED)
		fprintf(stderr, "jumpgate: warning: session %lld %s%s: "
		    "exporting what is intact\n", id,
		    strcmp(rec.s.state, "live") == 0 ? "is live, " : "",
		    chk.reason);
	if (cli_rec_rewind(&rec, err, sizeof(err)) != JG_OK) {
		cli_error("session %lld: %s", id, err);
		goto out;
	}
	if (outpath == NULL)
		x.f = stdout;
	else if ((x.f = export_tmp(outpath, tmp, sizeof(tmp))) == NULL) {
		cli_error("cannot write %s: %s", outpath, strerror(errno));
		goto out;
	}
	export_header(&x, &rec, rec_reader_header(rec.r), &chk);
	export_events(&x, &rec);
	if (outpath == NULL) {
		if (fflush(stdout) != 0 || ferror(stdout)) {
			cli_error("cannot write output: %s", strerror(errno));
			goto out;
		}
		ret = JG_EXIT_OK;
		goto out;
	}
	werr = fflush(x.f) != 0 || ferror(x.f) || fsync(fileno(x.f)) != 0;
	if (fclose(x.f) != 0)
		werr = 1;
	if (werr || rename(tmp, outpath) != 0) {
		cli_error("cannot write %s: %s", outpath, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ret = JG_EXIT_OK;
out:
	free(x.json);
	cli_rec_close(&rec);
	rec_vault_done(&v);
	return ret;
}
