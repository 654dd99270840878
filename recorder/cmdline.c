/* cmdline.c: the command lines a user entered at a pty session's shell, read off its recorded screen when Enter was pressed. */

/*
 * What ran is what the screen showed when Enter was pressed, not what
 * was typed: line editing, history recall and tab completion are done
 * by the shell and only the screen shows their result. So this module
 * sits beside the session's screen (recorder/screen.c) and sees, in
 * recording order, the input that the echo rule let through as input
 * (recorder/echo.c), the masked keystrokes, and the output:
 *
 *   - the first key of a line (after the last Enter) marks where the
 *     line starts: the cursor's row and the text to its left, the prompt;
 *   - Enter queues the line: the shell answers it with a line feed, and
 *     just before that line feed reaches the screen the line is read from
 *     the start row (followed up as lines scroll off the top) to the
 *     cursor's row, the prompt cut off, blanks trimmed;
 *   - a line with a masked key in it, cancelled with ^C, or entered on
 *     the alternate screen (an editor, a pager) gives no command, so a
 *     secret typed at a prompt that does not echo is never a command;
 *   - lines typed ahead while one waits for its line feed are read from
 *     the cursor's row alone, at the first line feed that ends a row
 *     starting with the last prompt seen (the output of the line before
 *     comes first), that prompt cut off.
 *
 * The screen gathers output and feeds libvterm lazily; this module makes
 * it feed up to a point only at a line's first key and at its end, so the
 * data path pays a memchr per output write while a line waits.
 */

#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

#define CMDLINE_ROWS_MAX 16		/* a longer wrapped line: its end */
#define CMDLINE_QUEUE 16		/* lines entered, not yet read */
#define CMDLINE_SKIP_MAX 1000		/* a typed-ahead line waits no longer */

struct rec_cmdline {
	struct rec_screen *screen;
	void (*emit)(void *, uint64_t t_ms, const char *line);
	void *arg;
	/* the line being typed */
	int started;
	int guess;			/* typed ahead: the cursor's row only */
	int masked;			/* a key of it was masked */
	int start_row;
	uint64_t start_scrolled;
	char prompt[256];		/* the start row left of the cursor */
	/* lines entered, each read at the next LF of the output */
	struct { uint64_t t_ms; int guess; } q[CMDLINE_QUEUE];
	size_t nq;
	unsigned skipped;		/* LFs a typed-ahead line let pass */
};

struct rec_cmdline *
rec_cmdline_new(struct rec_screen *screen,
    void (*emit)(void *, uint64_t, const char *), void *arg)
{
	struct rec_cmdline *cl = xcalloc(1, sizeof(*cl));

	cl->screen = screen;
	cl->emit = emit;
	cl->arg = arg;
	return cl;
}

void
rec_cmdline_free(struct rec_cmdline *cl)
{
	free(cl);
}

static void
cmdline_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* A line starts at the cursor: remember the row and the prompt. */
static void
cmdline_start(struct rec_cmdline *cl)
{
	uint64_t scrolled;
	int row, col, alt;

	rec_screen_where(cl->screen, &row, &col, &scrolled, &alt);
	cl->started = 1;
	cl->guess = 0;
	cl->masked = 0;
	cl->start_row = row;
	cl->start_scrolled = scrolled;
	rec_screen_text(cl->screen, row, 0, col > 0 ? col : 1, cl->prompt,
	    sizeof(cl->prompt));
	if (col == 0)
		cl->prompt[0] = '\0';
	cmdline_rtrim(cl->prompt);
}

static void
cmdline_line_reset(struct rec_cmdline *cl)
{
	cl->started = cl->guess = cl->masked = 0;
}

/* Enter's line feed is next: read the line off the screen and hand it on. */
static int
cmdline_capture(struct rec_cmdline *cl, uint64_t t_ms, int guess)
{
	char line[JG_COMMAND_MAX + 1], row[JG_COMMAND_MAX + 1], *p;
	uint64_t scrolled;
	int cur, col, alt, first, r, cols;
	size_t n = 0, k, plen;

	rec_screen_where(cl->screen, &cur, &col, &scrolled, &alt);
	cols = rec_screen_cols(cl->screen);
	if (guess)
		first = cur;
	else {
		first = cl->start_row - (int)(scrolled - cl->start_scrolled);
		if (first < 0 || scrolled - cl->start_scrolled > (uint64_t)
		    cl->start_row)
			first = 0;
		if (first > cur)
			first = cur;
		if (cur - first >= CMDLINE_ROWS_MAX)
			first = cur - CMDLINE_ROWS_MAX + 1;
	}
	line[0] = '\0';
	for (r = first; r <= cur; r++) {
		k = rec_screen_text(cl->screen, r, 0, cols, row, sizeof(row));
		/* a wrapped row is full; the last one ends where it ends */
		if (k > sizeof(line) - 1 - n)
			k = sizeof(line) - 1 - n;
		memcpy(line + n, row, k);
		n += k;
		line[n] = '\0';
	}
	p = line;
	plen = strlen(cl->prompt);
	if (plen > 0 && strncmp(p, cl->prompt, plen) == 0)
		p += plen;
	else if (guess && plen > 0 && cl->skipped++ < CMDLINE_SKIP_MAX)
		return 0;	/* the output of a line before: not its LF */
	for (k = 0; p[k] != '\0'; k++)	/* the screen's text is printable */
		if ((unsigned char)p[k] < 0x20 || p[k] == 0x7f)
			p[k] = ' ';
	while (*p == ' ')
		p++;
	cmdline_rtrim(p);
	if (!alt && *p != '\0')
		cl->emit(cl->arg, t_ms, p);
	return 1;
}

/* Input that counts as input (echoed, or RecordInput all), at t_ms. */
void
rec_cmdline_input(struct rec_cmdline *cl, uint64_t t_ms, const void *data,
    size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '\r':
		case '\n':
			if (cl->started && !cl->masked &&
			    cl->nq < CMDLINE_QUEUE) {
				cl->q[cl->nq].t_ms = t_ms;
				cl->q[cl->nq].guess = cl->guess;
				cl->nq++;
			}
			cmdline_line_reset(cl);
			break;
		case 0x03:		/* ^C: the line is dropped */
			cmdline_line_reset(cl);
			break;
		default:
			if (cl->started)
				break;
			if (cl->nq == 0)
				cmdline_start(cl);
			else {		/* typed ahead of the output */
				cl->started = cl->guess = 1;
				cl->masked = 0;
			}
			break;
		}
	}
}

/* Keys recorded masked: the line they are part of is no command. */
void
rec_cmdline_masked(struct rec_cmdline *cl)
{
	cl->started = 1;
	cl->masked = 1;
}

/* Output, in place of rec_screen_feed: an entered line is read before its LF. */
void
rec_cmdline_output(struct rec_cmdline *cl, const void *data, size_t len)
{
	const unsigned char *p = data, *lf;
	size_t at;

	while (cl->nq > 0 && len > 0 &&
	    (lf = memchr(p, '\n', len)) != NULL) {
		at = (size_t)(lf - p);
		rec_screen_feed(cl->screen, p, at);
		if (cmdline_capture(cl, cl->q[0].t_ms, cl->q[0].guess)) {
			memmove(&cl->q[0], &cl->q[1], (cl->nq - 1) *
			    sizeof(cl->q[0]));
			cl->nq--;
			cl->skipped = 0;
		}
		rec_screen_feed(cl->screen, p + at, 1);
		p += at + 1;
		len -= at + 1;
	}
	rec_screen_feed(cl->screen, p, len);
}
