/* cmd-search.c: `jumpgate search REGEX`: grep the output text of every recording. */

/*
 * Each recording's stdout and stderr are streamed through the escape
 * stripper (rec-text.c) and cut into lines; a line is matched with a POSIX
 * extended regex and printed as "SESSION  HH:MM:SS  line", the time being
 * that of the line's first byte. A damaged recording is searched up to the
 * damage, with a warning on stderr; a live one up to what is written.
 */

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SEARCH_USAGE "jumpgate search REGEX [--user U] [--target T] " \
	"[--passphrase-file F]"
#define SEARCH_LINE_MAX (64 * 1024)	/* longer lines are cut */
#define SEARCH_CHUNK 4096

struct searcher {
	regex_t re;
	long long id;
	char *line;			/* SEARCH_LINE_MAX + 1 */
	size_t len;
	uint64_t line_ms;		/* time of the line's first byte */
	unsigned long long matches;
};

static void
search_line_end(struct searcher *s)
{
	char hms[32];

	s->line[s->len] = '\0';
	if (regexec(&s->re, s->line, 0, NULL, 0) == 0) {
		rec_hms(s->line_ms, hms, sizeof(hms));
		printf("%lld  %s  %s\n", s->id, hms, s->line);
		s->matches++;
	}
	s->len = 0;
}

static void
search_text(struct searcher *s, uint64_t t_ms, const unsigned char *p,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s->len == 0)
			s->line_ms = t_ms;
		if (p[i] == '\n') {
			search_line_end(s);
			continue;
		}
		s->line[s->len++] = (char)p[i];
		if (s->len == SEARCH_LINE_MAX)
			search_line_end(s);
	}
}

/* One session; a warning on stderr when its recording is damaged. */
static int
search_session(struct searcher *s, struct rec_vault *v, long long id)
{
	struct cli_rec rec;
	struct rec_check early;
	struct rec_event_view ev;
	struct rec_strip st;
	unsigned char vis[SEARCH_CHUNK];
	char err[JG_ERRLEN], hms[32];
	const char *why;
	size_t off, n, m;
	int rc;

	rc = cli_rec_open(v, id, &rec, &early, err, sizeof(err));
	if (rc == CLI_REC_NONE || rc == JG_ENOENT)
		return JG_OK;
	if (rc == JG_EAUTH) {
		cli_error("%s", err);
		return JG_EAUTH;
	}
	if (rc != JG_OK) {
		if (strcmp(rec.s.state, "live") != 0)
			fprintf(stderr, "jumpgate: warning: session %lld: %s: "
			    "not searched\n", id, err);
		return JG_OK;
	}
	s->id = id;
	s->len = 0;
	rec_strip_init(&st);
	while ((rc = rec_reader_next(rec.r, &ev)) == 1) {
		if (ev.type != REC_OUT && ev.type != REC_ERR)
			continue;
		for (off = 0; off < ev.len; off += n) {
			n = ev.len - off < sizeof(vis) ? ev.len - off :
			    sizeof(vis);
			m = rec_strip_feed(&st, ev.data + off, n, vis);
			search_text(s, ev.t_ms, vis, m);
		}
	}
	if (s->len > 0)
		search_line_end(s);
	if (rc != 0 && strcmp(rec.s.state, "live") != 0) {
		why = rec_reader_error(rec.r);
		rec_hms(rec_reader_last_ms(rec.r), hms, sizeof(hms));
		fprintf(stderr, "jumpgate: warning: session %lld: %s: searched "
		    "up to %s\n", id, why[0] != '\0' ? why : "unreadable", hms);
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
	struct searcher s;
	const char *passfile = NULL, *val, *pattern = NULL;
	char rerr[256];
	size_t n, i;
	int k, bad = 0, rc, ret = JG_EXIT_OK;

	memset(&f, 0, sizeof(f));
	for (k = 1; k < argc; k++) {
		if ((val = cli_opt(argc, argv, &k, "--passphrase-file", &bad)))
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
	memset(&s, 0, sizeof(s));
	if ((rc = regcomp(&s.re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &s.re, rerr, sizeof(rerr));
		cli_error("bad regular expression '%s': %s", pattern, rerr);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK) {
		regfree(&s.re);
		return JG_EXIT_FAIL;
	}
	if ((rc = store_session_list(c->store, &f, &list, &n)) != JG_OK) {
		regfree(&s.re);
		return cli_store_fail(c, rc, "cannot list sessions");
	}
	s.line = xcalloc(1, SEARCH_LINE_MAX + 1);
	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	for (i = 0; i < n; i++) {
		if (search_session(&s, &v, list[i].id) == JG_EAUTH) {
			ret = JG_EXIT_FAIL;
			break;
		}
		fflush(stdout);
	}
	rec_vault_done(&v);
	free(s.line);
	free(list);
	regfree(&s.re);
	return ret;
}
