/* search.c: the lines of a recording's output that match a regular expression, with their times. */

/*
 * stdout and stderr are streamed through the escape stripper (text.c) and
 * cut into lines; a line is matched with the caller's compiled regex and
 * handed back with the time of its first byte. One pass from the start,
 * no check before it: a damaged recording is searched up to its damage
 * and replay_status then tells what stopped the pass.
 */

#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define SEARCH_LINE_MAX (64 * 1024)	/* longer lines are cut */
#define SEARCH_CHUNK 4096

struct search {
	const regex_t *re;
	replay_match_fn fn;
	void *arg;
	char *line;			/* SEARCH_LINE_MAX + 1 */
	size_t len;
	uint64_t line_ms;		/* time of the line's first byte */
};

static void
search_line_end(struct search *s)
{
	s->line[s->len] = '\0';
	if (regexec(s->re, s->line, 0, NULL, 0) == 0)
		s->fn(s->arg, s->line_ms, s->line);
	s->len = 0;
}

static void
search_text(struct search *s, uint64_t t_ms, const unsigned char *p,
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

/* Every matching line, in order, to fn; returns JG_OK or JG_ERR. */
int
replay_search(struct replay *rp, const regex_t *re, replay_match_fn fn,
    void *arg)
{
	struct rec_event_view ev;
	struct replay_strip st;
	struct search s;
	unsigned char vis[SEARCH_CHUNK];
	size_t off, n, m;

	if (replay_rewind(rp) != JG_OK)
		return JG_ERR;
	memset(&s, 0, sizeof(s));
	s.re = re;
	s.fn = fn;
	s.arg = arg;
	s.line = xcalloc(1, SEARCH_LINE_MAX + 1);
	replay_strip_init(&st);
	while (replay_next(rp, &ev) == 1) {
		if (ev.type != REC_OUT && ev.type != REC_ERR)
			continue;
		for (off = 0; off < ev.len; off += n) {
			n = ev.len - off < sizeof(vis) ? ev.len - off :
			    sizeof(vis);
			m = replay_strip_feed(&st, ev.data + off, n, vis);
			search_text(&s, ev.t_ms, vis, m);
		}
	}
	if (s.len > 0)
		search_line_end(&s);
	free(s.line);
	return JG_OK;
}
