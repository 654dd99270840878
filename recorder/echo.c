/* echo.c: RecordInput echoed: a keystroke is recorded as input only once its echo shows on the screen; the rest is recorded masked. */

/*
 * Secrets are typed at prompts that do not echo (read -s, sudo, passwd),
 * and the gateway cannot see the target's terminal modes. What it sees is
 * the output: an echoing terminal shows each printable key it got, in
 * order, before anything else. So keystrokes wait here, in order, and
 * leave in order:
 *
 *   - a control key (Enter, Ctrl-C, Tab, Backspace, an escape sequence
 *     such as an arrow key) reveals no character and leaves as input as
 *     soon as everything typed before it has left;
 *   - printable keys leave as input when the next printable bytes of the
 *     output (escape sequences and control bytes skipped) are those very
 *     bytes, all of them: the whole run of printable keys that waits (up
 *     to the next control key) must be shown before any of it counts, so
 *     a prompt that merely starts with a secret's first letter reveals
 *     nothing;
 *   - it leaves masked (a count, no bytes) when the output shows anything
 *     else first, when the output ends a line first, when a later line
 *     ending was typed in a later write (the user pressed Enter and saw no
 *     echo), when it has waited REC_ECHO_WAIT_MS, or at the end.
 *
 * Masking errs on the side of the secret: keys typed ahead of a prompt, or
 * taken as commands by a full-screen program, are recorded masked too.
 * The output itself is recorded in full either way.
 */

#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

#define REC_ECHO_MAX 4096		/* keys waiting; more: oldest masked */
#define REC_ECHO_RUN 1024		/* bytes emitted as one event */

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_OSC, ESC_OSC_ESC, ESC_INTER,
	ESC_SS3 };

struct rec_echo_key {
	unsigned char c;
	unsigned char control;		/* leaves without an echo */
	uint32_t write;			/* which input write it came in */
	uint64_t t_ms;
};

struct rec_echo {
	struct rec_echo_key keys[REC_ECHO_MAX];	/* a ring */
	size_t head, n;
	uint32_t writes;
	size_t matched;			/* head keys shown so far, tentatively */
	int in_esc, out_esc;		/* escape sequences across calls */
	int (*emit)(void *, int, const void *, size_t);
	void *arg;
	int failed;
	unsigned char run[REC_ECHO_RUN];	/* input being confirmed */
	size_t nrun;
	uint32_t masked;		/* keys being masked */
};

struct rec_echo *
rec_echo_new(int (*emit)(void *, int type, const void *, size_t), void *arg)
{
	struct rec_echo *e = xcalloc(1, sizeof(*e));

	e->emit = emit;
	e->arg = arg;
	return e;
}

void
rec_echo_free(struct rec_echo *e)
{
	if (e == NULL)
		return;
	explicit_bzero(e, sizeof(*e));	/* keys that never left */
	free(e);
}

static void
rec_echo_put(struct rec_echo *e, int type, const void *p, size_t len)
{
	if (!e->failed && e->emit(e->arg, type, p, len) != JG_OK)
		e->failed = 1;
}

/* Emit what is gathered: confirmed input, or a masked count. */
static void
rec_echo_flush_run(struct rec_echo *e)
{
	unsigned char b[4];

	if (e->nrun > 0) {
		rec_echo_put(e, REC_IN, e->run, e->nrun);
		explicit_bzero(e->run, e->nrun);
		e->nrun = 0;
	}
	if (e->masked > 0) {
		b[0] = (unsigned char)(e->masked >> 24);
		b[1] = (unsigned char)(e->masked >> 16);
		b[2] = (unsigned char)(e->masked >> 8);
		b[3] = (unsigned char)e->masked;
		rec_echo_put(e, REC_MASKED, b, sizeof(b));
		e->masked = 0;
	}
}

static struct rec_echo_key *
rec_echo_at(struct rec_echo *e, size_t i)
{
	return &e->keys[(e->head + i) % REC_ECHO_MAX];
}

/* The head key leaves: as input (shown) or masked. */
static void
rec_echo_pop(struct rec_echo *e, int shown)
{
	struct rec_echo_key *k = rec_echo_at(e, 0);

	if (shown) {
		if (e->masked > 0 || e->nrun == sizeof(e->run))
			rec_echo_flush_run(e);
		e->run[e->nrun++] = k->c;
	} else {
		if (e->nrun > 0)
			rec_echo_flush_run(e);
		e->masked++;
	}
	explicit_bzero(k, sizeof(*k));
	e->head = (e->head + 1) % REC_ECHO_MAX;
	e->n--;
}

static void rec_echo_advance(struct rec_echo *);

/* The printable keys at the head leave masked (and the controls after). */
static void
rec_echo_mask_head(struct rec_echo *e)
{
	e->matched = 0;
	while (e->n > 0 && rec_echo_at(e, 0)->control == 0)
		rec_echo_pop(e, 0);
	rec_echo_advance(e);
}

/* Every printable key of the head run was shown: they leave as input. */
static void
rec_echo_check_run(struct rec_echo *e)
{
	size_t i;

	if (e->matched == 0 || (e->matched < e->n &&
	    rec_echo_at(e, e->matched)->control == 0))
		return;
	for (i = e->matched, e->matched = 0; i > 0; i--)
		rec_echo_pop(e, 1);
	rec_echo_advance(e);
}

/*
 * The head moves on: keys marked 2 (typed before an Enter that saw no
 * echo) leave masked, control keys leave as input.
 */
static void
rec_echo_advance(struct rec_echo *e)
{
	while (e->n > 0 && rec_echo_at(e, 0)->control != 0)
		rec_echo_pop(e, rec_echo_at(e, 0)->control == 1);
}

/* Is c the last byte of an escape sequence in state *st? Advances *st. */
static int
rec_echo_esc_step(int *st, unsigned char c)
{
	switch (*st) {
	case ESC_START:
		if (c == '[')
			*st = ESC_CSI;
		else if (c == ']' || c == 'P' || c == '_' || c == '^')
			*st = ESC_OSC;		/* strings up to BEL or ST */
		else if (c == 'O')
			*st = ESC_SS3;
		else if (c >= 0x20 && c <= 0x2f)
			*st = ESC_INTER;
		else
			*st = ESC_NONE;
		break;
	case ESC_CSI:
		if (c >= 0x40 && c <= 0x7e)
			*st = ESC_NONE;
		break;
	case ESC_OSC:
		if (c == 0x07)
			*st = ESC_NONE;
		else if (c == 0x1b)
			*st = ESC_OSC_ESC;
		break;
	case ESC_OSC_ESC:
		*st = c == '\\' ? ESC_NONE : ESC_OSC;
		break;
	case ESC_INTER:
		if (c < 0x20 || c > 0x2f)
			*st = ESC_NONE;
		break;
	case ESC_SS3:
		*st = ESC_NONE;
		break;
	}
	return *st == ESC_NONE;
}

static int
rec_echo_printable(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

/* Keystrokes the client sent, at t_ms, as one write. */
void
rec_echo_input(struct rec_echo *e, uint64_t t_ms, const void *data,
    size_t len)
{
	const unsigned char *p = data;
	struct rec_echo_key *k;
	size_t i, j;
	int enter = 0;

	e->writes++;
	for (i = 0; i < len; i++)
		if (p[i] == '\r' || p[i] == '\n')
			enter = 1;
	/* Enter pressed with earlier keys still unechoed: no echo is on. */
	if (enter)
		for (j = 0; j < e->n; j++) {
			k = rec_echo_at(e, j);
			if (!k->control && k->write != e->writes) {
				k->control = 2;	/* marked: leaves masked */
				e->matched = 0;
			}
		}
	for (i = 0; i < len; i++) {
		if (e->n == REC_ECHO_MAX) {
			/* too many waiting: the oldest keys leave, masked */
			if (rec_echo_at(e, 0)->control == 0)
				rec_echo_mask_head(e);
			else
				rec_echo_advance(e);
		}
		k = rec_echo_at(e, e->n++);
		k->c = p[i];
		k->write = e->writes;
		k->t_ms = t_ms;
		if (e->in_esc != ESC_NONE) {
			rec_echo_esc_step(&e->in_esc, p[i]);
			k->control = 1;
		} else if (p[i] == 0x1b) {
			e->in_esc = ESC_START;
			k->control = 1;
		} else
			k->control = !rec_echo_printable(p[i]);
	}
	if (e->matched == 0)
		rec_echo_advance(e);
	rec_echo_check_run(e);	/* a control key may have closed the run */
	rec_echo_flush_run(e);
}

/* What the target showed (stdout or stderr of a terminal session). */
void
rec_echo_output(struct rec_echo *e, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len && e->n > 0; i++) {
		if (e->out_esc != ESC_NONE) {
			rec_echo_esc_step(&e->out_esc, p[i]);
			continue;
		}
		if (p[i] == 0x1b) {
			e->out_esc = ESC_START;
			continue;
		}
		if (p[i] == '\r' || p[i] == '\n') {
			rec_echo_mask_head(e);	/* a line ended first */
			continue;
		}
		if (!rec_echo_printable(p[i]))
			continue;
		if (e->matched < e->n &&
		    rec_echo_at(e, e->matched)->control == 0 &&
		    rec_echo_at(e, e->matched)->c == p[i]) {
			e->matched++;
			rec_echo_check_run(e);
		} else
			rec_echo_mask_head(e);	/* something else showed */
	}
	/* Escape state is followed even with nothing waiting. */
	for (; i < len; i++) {
		if (e->out_esc != ESC_NONE)
			rec_echo_esc_step(&e->out_esc, p[i]);
		else if (p[i] == 0x1b)
			e->out_esc = ESC_START;
	}
	rec_echo_flush_run(e);
}

/* Keys that waited REC_ECHO_WAIT_MS for their echo leave masked. */
void
rec_echo_expire(struct rec_echo *e, uint64_t now_ms)
{
	while (e->n > 0 && rec_echo_at(e, 0)->t_ms + REC_ECHO_WAIT_MS <=
	    now_ms)
		rec_echo_mask_head(e);
	rec_echo_flush_run(e);
}

/* The session ends: whatever waits leaves masked (controls as input). */
void
rec_echo_end(struct rec_echo *e)
{
	while (e->n > 0)
		rec_echo_mask_head(e);
	rec_echo_flush_run(e);
}

/* Whether an emit failed (the recording then fails as a whole). */
int
rec_echo_failed(const struct rec_echo *e)
{
	return e->failed;
}
