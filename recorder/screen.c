/* screen.c: a recorded session's terminal screen (libvterm), serialized as a keyframe that redraws it. */

/*
 * The worker feeds every output byte of a pty session into a libvterm
 * screen of the session's size; when the recording starts a segment, the
 * screen is written out as plain ANSI (clear, every row's text with its
 * SGR attributes and colours, the pen, the cursor and the alternate-screen
 * and cursor-visibility modes), so a player that seeks writes it and shows
 * the right screen at once. Blank cells at the default colours are skipped,
 * so a keyframe is a few KiB. The screen is at most REC_SCREEN_MAX_COLS x
 * REC_SCREEN_MAX_ROWS (larger terminals are clipped) to keep a session's
 * memory small. Scroll regions, tab stops and the saved cursor are not
 * kept: libvterm does not expose them.
 *
 * libvterm costs some 30 ns a byte plus a move of the whole screen per
 * scrolled line (17 MiB/s for `ls -l` on 80x24), far too slow to see every
 * byte of bulk output. So output is gathered in a 64 KiB buffer, and line
 * output that scrolls far enough is skipped: in a run of plain text, CR,
 * LF, TAB, BS, BEL, SGR and EL, starting and ending outside any escape
 * sequence, with no scroll region or left/right margins set, everything
 * before a CR LF that is followed by at least 2 x rows LFs of the same run
 * cannot show on the screen any more (every row there was then is scrolled
 * off, and so is every row written before the cursor reaches the bottom),
 * so only its SGR sequences are fed (the pen), then a CR, then the rest.
 * The screen is the same as if every byte had been fed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "jumpgate.h"

#define REC_SCREEN_MAX_COLS 512
#define REC_SCREEN_MAX_ROWS 256
/*
 * libvterm 0.3 writes through a NULL pointer when a double-width
 * character lands on a screen one column wide (found by fuzz-screen): a
 * client's pty-req may say 1, the screen keeps at least 2.
 */
#define REC_SCREEN_MIN_COLS 2
#define REC_SCREEN_DEFAULT_COLS 80
#define REC_SCREEN_DEFAULT_ROWS 24
#define REC_SCREEN_PEND (64 * 1024)	/* output gathered before feeding */
#define REC_SCREEN_RING (2 * REC_SCREEN_MAX_ROWS + 16)	/* LF positions */
#define REC_SCREEN_CSI_MAX 64		/* a longer CSI ends a skippable run */

static void byte_class_init(void);

/* Where the scanner is in the output, as libvterm's parser would be. */
enum { SC_GROUND, SC_ESC, SC_CSI, SC_STR, SC_STR_ESC };

struct rec_screen {
	VTerm *vt;
	VTermScreen *vs;
	VTermState *st;
	int cols, rows;
	VTerm *probe;			/* asked how wide a character is */
	int cursor_visible;
	int altscreen;
	int reverse;			/* DECSCNM: the whole screen */
	unsigned char *pend;		/* output not yet fed: grows to */
	size_t npend, cap;		/* REC_SCREEN_PEND, freed when idle */
	/* the scanner (see above) */
	int sc;				/* SC_* */
	int esc_inter;			/* an ESC sequence has intermediates */
	char csi[32];			/* the CSI's parameter bytes so far */
	size_t ncsi;
	int region;			/* a scroll region is (maybe) set */
	int lrmm;			/* left/right margins (maybe) on */
	size_t lf[REC_SCREEN_RING];	/* the LFs of the current run */
	/* the guard in front of libvterm (vt_write) */
	int g_state, g_params, g_digits, g_other, g_drop;
};

/* The pen of one cell, or of the terminal: what SGR sets. */
struct sgr {
	VTermScreenCellAttrs a;
	VTermColor fg, bg;
};

static int
screen_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct rec_screen *s = user;

	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		s->cursor_visible = val->boolean;
		break;
	case VTERM_PROP_ALTSCREEN:
		s->altscreen = val->boolean;
		break;
	case VTERM_PROP_REVERSE:
		s->reverse = val->boolean;
		break;
	default:
		break;
	}
	return 1;
}

/* Answers to terminal queries go nowhere: the real terminal answers. */
static void
screen_output(const char *s, size_t len, void *user)
{
	(void)s;
	(void)len;
	(void)user;
}

static const VTermScreenCallbacks screen_callbacks = {
	.settermprop = screen_settermprop,
};

static void
screen_clamp(int *cols, int *rows)
{
	if (*cols <= 0 || *rows <= 0) {
		*cols = REC_SCREEN_DEFAULT_COLS;
		*rows = REC_SCREEN_DEFAULT_ROWS;
	}
	if (*cols < REC_SCREEN_MIN_COLS)
		*cols = REC_SCREEN_MIN_COLS;
	if (*cols > REC_SCREEN_MAX_COLS)
		*cols = REC_SCREEN_MAX_COLS;
	if (*rows > REC_SCREEN_MAX_ROWS)
		*rows = REC_SCREEN_MAX_ROWS;
}

struct rec_screen *
rec_screen_new(int cols, int rows)
{
	struct rec_screen *s;

	screen_clamp(&cols, &rows);
	byte_class_init();
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cursor_visible = 1;
	s->cols = cols;
	s->rows = rows;
	if ((s->vt = vterm_new(rows, cols)) == NULL) {
		free(s);
		return NULL;
	}
	vterm_set_utf8(s->vt, 1);
	vterm_output_set_callback(s->vt, screen_output, NULL);
	s->vs = vterm_obtain_screen(s->vt);
	s->st = vterm_obtain_state(s->vt);
	vterm_screen_set_callbacks(s->vs, &screen_callbacks, s);
	vterm_screen_enable_altscreen(s->vs, 1);
	vterm_screen_reset(s->vs, 1);
	/*
	 * libvterm 0.1.4 loops forever on REP (ESC [ b) before any
	 * character was printed (found by fuzz-screen: three bytes from a
	 * target froze the worker). One printed and erased at once gives
	 * REP something to repeat; RIS does not forget it.
	 */
	vterm_input_write(s->vt, " \033[H\033[2J", 8);
	return s;
}

/* Numbers of a CSI's parameters ("1;24", "?1049;69"), up to 8. */
static int
csi_params(const char *p, size_t n, int *v, int max)
{
	int k = 0, cur = -1;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == ';') {
			if (k < max)
				v[k++] = cur;
			cur = -1;
		} else if (p[i] >= '0' && p[i] <= '9') {
			if (cur < 100000)
				cur = (cur < 0 ? 0 : cur * 10) + (p[i] - '0');
		} else
			return -1;
	}
	return k;
}

/* The CSI sequences that matter to skipping: DECSTBM and DECLRMM. */
static void
scan_csi_final(struct rec_screen *s, unsigned char final)
{
	int v[8], n, i;

	if (s->ncsi > sizeof(s->csi)) {		/* too long to follow */
		if (final == 'r')
			s->region = 1;
		return;
	}
	if (final == 'r') {
		n = csi_params(s->csi, s->ncsi, v, 8);
		s->region = !(n >= 1 && n <= 2 && v[0] <= 1 &&
		    (n == 1 || v[1] < 0 || v[1] >= s->rows));
	} else if ((final == 'h' || final == 'l') && s->ncsi > 0 &&
	    s->csi[0] == '?') {
		n = csi_params(s->csi + 1, s->ncsi - 1, v, 8);
		for (i = 0; i < n; i++)
			if (v[i] == 69)
				s->lrmm = final == 'h';
		if (n < 0)
			s->lrmm = 1;
	}
}

/* One byte outside a skippable run: follow the escape sequences. */
static void
scan_byte(struct rec_screen *s, unsigned char c)
{
	switch (s->sc) {
	case SC_GROUND:
		if (c == 0x1b)
			s->sc = SC_ESC, s->esc_inter = 0;
		break;
	case SC_STR_ESC:
		if (c == '\\') {
			s->sc = SC_GROUND;
			break;
		}
		s->sc = SC_ESC;			/* a new escape sequence */
		s->esc_inter = 0;
		/* FALLTHROUGH */
	case SC_ESC:
		if (c == 0x1b)
			s->esc_inter = 0;
		else if (c == 0x18 || c == 0x1a)
			s->sc = SC_GROUND;
		else if (c < 0x20)
			;			/* C0 controls run inside */
		else if (c < 0x30)
			s->esc_inter = 1;
		else if (!s->esc_inter && c == '[')
			s->sc = SC_CSI, s->ncsi = 0;
		else if (!s->esc_inter && (c == ']' || c == 'P' || c == 'X' ||
		    c == '^' || c == '_'))
			s->sc = SC_STR;
		else {
			if (!s->esc_inter && c == 'c')	/* RIS */
				s->region = s->lrmm = 0;
			s->sc = SC_GROUND;
		}
		break;
	case SC_CSI:
		if (c == 0x1b)
			s->sc = SC_ESC, s->esc_inter = 0;
		else if (c == 0x18 || c == 0x1a)
			s->sc = SC_GROUND;
		else if (c >= 0x40 && c <= 0x7e) {
			scan_csi_final(s, c);
			s->sc = SC_GROUND;
		} else if (c >= 0x20) {
			if (s->ncsi < sizeof(s->csi))
				s->csi[s->ncsi] = (char)c;
			if (s->ncsi <= sizeof(s->csi))
				s->ncsi++;
		}
		break;
	case SC_STR:
		if (c == 0x07 || c == 0x18 || c == 0x1a)
			s->sc = SC_GROUND;
		else if (c == 0x1b)
			s->sc = SC_STR_ESC;
		break;
	}
}

/* Bytes in line output: 0 text (and CR TAB BS BEL NUL), 1 LF, 2 ESC, 3 other. */
static unsigned char byte_class[256];

static void
byte_class_init(void)
{
	int c;

	if (byte_class[0x01] != 0)
		return;
	for (c = 0; c < 0x20; c++)
		byte_class[c] = 3;
	byte_class['\r'] = byte_class['\t'] = byte_class['\b'] = 0;
	byte_class[0x07] = byte_class[0] = 0;
	byte_class['\n'] = 1;
	byte_class[0x1b] = 2;
}

/* Length of an SGR or EL sequence at p, else 0. */
static size_t
simple_csi(const unsigned char *p, size_t n, int *sgr)
{
	size_t i;

	if (n < 3 || p[0] != 0x1b || p[1] != '[')
		return 0;
	for (i = 2; i < n && i < REC_SCREEN_CSI_MAX; i++) {
		if (p[i] == 'm' || p[i] == 'K') {
			*sgr = p[i] == 'm';
			return i + 1;
		}
		if (!(p[i] >= '0' && p[i] <= ';'))	/* digits : ; */
			return 0;
	}
	return 0;
}

/*
 * libvterm 0.1.4 keeps a CSI's parameters, leader and intermediate bytes
 * in arrays of 16 and writes past them (found by fuzz-screen: ESC [ and
 * 20 semicolons corrupt its heap). Every byte for it passes this guard:
 * a CSI with more than VT_GUARD_MAX of any of them, or a parameter of
 * more than 9 digits, is cancelled with CAN (0x18), as a terminal
 * cancels a sequence it cannot take, and the rest of it is dropped.
 */
#define VT_GUARD_MAX 12
enum { VG_GROUND, VG_ESC, VG_CSI, VG_STR, VG_STR_ESC };

static void
vt_write(struct rec_screen *s, const unsigned char *p, size_t n)
{
	unsigned char out[4096];
	size_t i, k = 0;
	int keep;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		keep = 1;
		switch (s->g_state) {
		case VG_GROUND:
			if (c == 0x1b)
				s->g_state = VG_ESC;
			break;
		case VG_ESC:
			if (c == '[') {
				s->g_state = VG_CSI;
				s->g_params = s->g_digits = s->g_other = 0;
				s->g_drop = 0;
			} else if (c == ']' || c == 'P' || c == 'X' ||
			    c == '^' || c == '_')
				s->g_state = VG_STR;
			else if (c != 0x1b && (c < 0x20 || c > 0x2f))
				s->g_state = VG_GROUND;
			break;
		case VG_CSI:
			if (c == 0x1b) {
				s->g_state = VG_ESC;	/* a new sequence */
				s->g_drop = 0;
			} else if (c == 0x18 || c == 0x1a) {
				s->g_state = VG_GROUND;
			} else if (c >= 0x40 && c <= 0x7e) {
				s->g_state = VG_GROUND;
				keep = !s->g_drop;
			} else if (s->g_drop) {
				keep = c < 0x20;	/* controls still run */
			} else if (c >= '0' && c <= '9') {
				if (++s->g_digits > 9)
					s->g_drop = 1;
			} else if (c == ';' || c == ':') {
				s->g_digits = 0;
				if (++s->g_params > VT_GUARD_MAX)
					s->g_drop = 1;
			} else if (c >= 0x20) {
				if (++s->g_other > VT_GUARD_MAX)
					s->g_drop = 1;
			}
			if (s->g_drop == 1) {
				/* cancel what libvterm has of it: CAN */
				if (k == sizeof(out)) {
					vterm_input_write(s->vt, (const char *)
					    out, k);
					k = 0;
				}
				out[k++] = 0x18;
				s->g_drop = 2;
				keep = 0;
			}
			break;
		case VG_STR:
			if (c == 0x07 || c == 0x18 || c == 0x1a)
				s->g_state = VG_GROUND;
			else if (c == 0x1b)
				s->g_state = VG_STR_ESC;
			break;
		case VG_STR_ESC:
			if (c == '\\') {
				s->g_state = VG_GROUND;
				break;
			}
			/* the string ended; c begins the next sequence */
			s->g_state = VG_ESC;
			i--;
			continue;
		}
		if (!keep)
			continue;
		if (k == sizeof(out)) {
			vterm_input_write(s->vt, (const char *)out, k);
			k = 0;
		}
		out[k++] = c;
	}
	if (k > 0)
		vterm_input_write(s->vt, (const char *)out, k);
}

/* Feed only the SGR sequences of p[0..n): the pen as it ends up. */
static void
feed_sgr_only(struct rec_screen *s, const unsigned char *p, size_t n)
{
	unsigned char b[4096];
	size_t i = 0, k, nb = 0;
	int sgr;

	while (i < n) {
		const unsigned char *e = memchr(p + i, 0x1b, n - i);

		if (e == NULL)
			break;
		i = (size_t)(e - p);
		k = simple_csi(p + i, n - i, &sgr);
		if (k == 0) {			/* cannot be: the run is simple */
			i++;
			continue;
		}
		if (sgr) {
			if (nb + k > sizeof(b)) {
				vt_write(s, b, nb);
				nb = 0;
			}
			memcpy(b + nb, p + i, k);
			nb += k;
		}
		i += k;
	}
	vt_write(s, b, nb);
}

/* Feed p[0..n) to libvterm, skipping what can no longer show. */
static void
screen_process(struct rec_screen *s, const unsigned char *p, size_t n)
{
	size_t i = 0, from = 0, a, j, k, nlf, need, split, len;
	int sgr;

	need = 2 * (size_t)s->rows;
	while (i < n) {
		if (s->sc != SC_GROUND || s->region || s->lrmm) {
			scan_byte(s, p[i++]);
			continue;
		}
		/* A run of line output from i. */
		a = j = i;
		nlf = 0;
		while (j < n) {
			unsigned char cl = byte_class[p[j]];

			if (cl == 0)
				j++;
			else if (cl == 1)
				s->lf[nlf++ % REC_SCREEN_RING] = j++;
			else if (cl == 2 &&
			    (len = simple_csi(p + j, n - j, &sgr)) > 0)
				j += len;
			else
				break;
		}
		/* The latest CR LF with `need` LFs after it. */
		split = 0;
		for (k = nlf > need ? nlf - need - 1 : (size_t)-1;
		    k != (size_t)-1 && nlf - k <= REC_SCREEN_RING; k--) {
			size_t at = s->lf[k % REC_SCREEN_RING];

			if (at > a && p[at - 1] == '\r') {
				split = at + 1;
				break;
			}
		}
		if (split > 0) {
			vt_write(s, p + from, a - from);
			feed_sgr_only(s, p + a, split - a);
			vt_write(s, (const unsigned char *)"\r", 1);
			from = split;
		}
		if (j == a)
			scan_byte(s, p[j++]);	/* not line output */
		i = j;
	}
	vt_write(s, p + from, n - from);
}

/* Feed what is gathered; an interactive session's buffer is freed. */
static void
screen_flush(struct rec_screen *s)
{
	int full = s->npend + 4096 > REC_SCREEN_PEND;

	if (s->npend > 0)
		screen_process(s, s->pend, s->npend);
	s->npend = 0;
	if (!full) {
		free(s->pend);
		s->pend = NULL;
		s->cap = 0;
	}
}

void
rec_screen_feed(struct rec_screen *s, const void *data, size_t len)
{
	unsigned char *p;
	size_t cap;

	if (s == NULL || len == 0)
		return;
	if (s->npend + len > REC_SCREEN_PEND)
		screen_flush(s);
	if (s->npend + len > s->cap) {
		for (cap = s->cap ? s->cap : 4096; cap < s->npend + len &&
		    cap < REC_SCREEN_PEND; cap *= 2)
			;
		if (len >= REC_SCREEN_PEND ||
		    (p = realloc(s->pend, cap)) == NULL) {
			/* too large to gather, or no memory: feed it now */
			screen_flush(s);
			screen_process(s, data, len);
			return;
		}
		s->pend = p;
		s->cap = cap;
	}
	memcpy(s->pend + s->npend, data, len);
	s->npend += len;
}

/*
 * Before a resize the scroll region goes back to the whole screen, as
 * xterm does: libvterm 0.3 resized with a region below the new bottom
 * row memmoves a negative size (found by fuzz-screen: ESC[9r, then a
 * terminal made smaller). DECSTBM homes the cursor, so it is put back.
 */
static void
screen_reset_margins(struct rec_screen *s)
{
	VTermPos cur;
	char cup[32];
	int n;

	vterm_state_get_cursorpos(s->st, &cur);
	vt_write(s, (const unsigned char *)"\033[r", 3);
	n = snprintf(cup, sizeof(cup), "\033[%d;%dH", cur.row + 1,
	    cur.col + 1);
	if (n > 0 && (size_t)n < sizeof(cup))
		vt_write(s, (const unsigned char *)cup, (size_t)n);
}

void
rec_screen_resize(struct rec_screen *s, int cols, int rows)
{
	if (s == NULL)
		return;
	screen_clamp(&cols, &rows);
	if (cols == s->cols && rows == s->rows)
		return;
	screen_flush(s);		/* written at the old size */
	screen_reset_margins(s);
	vterm_set_size(s->vt, rows, cols);
	s->cols = cols;
	s->rows = rows;
}

void
rec_screen_free(struct rec_screen *s)
{
	if (s == NULL)
		return;
	vterm_free(s->vt);
	if (s->probe != NULL)
		vterm_free(s->probe);
	free(s->pend);
	free(s);
}

/* Serializing. */

static int
color_equal(const VTermColor *a, const VTermColor *b)
{
	if ((a->type & VTERM_COLOR_DEFAULT_MASK) !=
	    (b->type & VTERM_COLOR_DEFAULT_MASK))
		return 0;
	if (a->type & VTERM_COLOR_DEFAULT_MASK)
		return 1;
	if (VTERM_COLOR_IS_INDEXED(a) != VTERM_COLOR_IS_INDEXED(b))
		return 0;
	if (VTERM_COLOR_IS_INDEXED(a))
		return a->indexed.idx == b->indexed.idx;
	return a->rgb.red == b->rgb.red && a->rgb.green == b->rgb.green &&
	    a->rgb.blue == b->rgb.blue;
}

static int
sgr_equal(const struct sgr *a, const struct sgr *b)
{
	return a->a.bold == b->a.bold && a->a.underline == b->a.underline &&
	    a->a.italic == b->a.italic && a->a.blink == b->a.blink &&
	    a->a.reverse == b->a.reverse && a->a.strike == b->a.strike &&
	    a->a.font == b->a.font && color_equal(&a->fg, &b->fg) &&
	    color_equal(&a->bg, &b->bg);
}

static int
sgr_default(const struct sgr *p)
{
	struct sgr d;

	memset(&d, 0, sizeof(d));
	d.fg.type = VTERM_COLOR_DEFAULT_FG;
	d.bg.type = VTERM_COLOR_DEFAULT_BG;
	return sgr_equal(p, &d);
}

/* "\033[a;bF", or "\033[aF" when b < 0, or ";a" when final is 0. */
static int
put_csi(struct buf *out, int a, int b, char final)
{
	char t[40];
	int n;

	if (final == 0)
		n = snprintf(t, sizeof(t), ";%d", a);
	else if (b < 0)
		n = snprintf(t, sizeof(t), "\033[%d%c", a, final);
	else
		n = snprintf(t, sizeof(t), "\033[%d;%d%c", a, b, final);
	if (n < 0 || (size_t)n >= sizeof(t))
		return JG_ERR;
	return buf_put(out, t, (size_t)n);
}

/* fg: base 30 (90 for bright, 38 extended); bg: base 40 (100, 48). */
static int
put_color(struct buf *out, const VTermColor *c, int base, int bright)
{
	char t[32];
	int n;

	if (c->type & VTERM_COLOR_DEFAULT_MASK)
		return JG_OK;		/* "0" in front has reset it */
	if (VTERM_COLOR_IS_INDEXED(c)) {
		if (c->indexed.idx < 8)
			n = snprintf(t, sizeof(t), ";%d", base + c->indexed.idx);
		else if (c->indexed.idx < 16)
			n = snprintf(t, sizeof(t), ";%d",
			    bright + c->indexed.idx - 8);
		else
			n = snprintf(t, sizeof(t), ";%d;5;%d", base + 8,
			    c->indexed.idx);
	} else
		n = snprintf(t, sizeof(t), ";%d;2;%d;%d;%d", base + 8,
		    c->rgb.red, c->rgb.green, c->rgb.blue);
	if (n < 0 || (size_t)n >= sizeof(t))
		return JG_ERR;
	return buf_put(out, t, (size_t)n);
}

/* A whole pen: reset, then set what differs from the default. */
static int
put_sgr(struct buf *out, const struct sgr *p)
{
	static const char *const ul[] = { "", ";4", ";21", ";4:3" };
	int rc = buf_put(out, "\033[0", 3);

	if (rc == JG_OK && p->a.bold)
		rc = buf_put(out, ";1", 2);
	if (rc == JG_OK && p->a.italic)
		rc = buf_put(out, ";3", 2);
	if (rc == JG_OK && p->a.underline)
		rc = buf_put(out, ul[p->a.underline & 3],
		    strlen(ul[p->a.underline & 3]));
	if (rc == JG_OK && p->a.blink)
		rc = buf_put(out, ";5", 2);
	if (rc == JG_OK && p->a.reverse)
		rc = buf_put(out, ";7", 2);
	if (rc == JG_OK && p->a.strike)
		rc = buf_put(out, ";9", 2);
	if (rc == JG_OK && p->a.font > 0 && p->a.font <= 9)
		rc = put_csi(out, 10 + (int)p->a.font, -1, 0);
	if (rc == JG_OK)
		rc = put_color(out, &p->fg, 30, 90);
	if (rc == JG_OK)
		rc = put_color(out, &p->bg, 40, 100);
	if (rc == JG_OK)
		rc = buf_put(out, "m", 1);
	return rc;
}

static int
put_utf8(struct buf *out, uint32_t c)
{
	unsigned char u[4];
	size_t n;

	/* Not a character a terminal shows: controls (C1 too, found by
	   fuzz-screen in a cell), surrogates, beyond Unicode. */
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c < 0x20 ||
	    (c >= 0x7f && c <= 0x9f))
		c = 0xfffd;
	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | c >> 12);
		u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | c >> 18);
		u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_put(out, u, n);
}

static void
cell_sgr(const VTermScreenCell *c, int global_reverse, struct sgr *p)
{
	memset(p, 0, sizeof(*p));
	p->a = c->attrs;
	/* vterm_screen_get_cell folds DECSCNM into each cell: undo it */
	p->a.reverse = c->attrs.reverse ^ (unsigned)global_reverse;
	p->fg = c->fg;
	p->bg = c->bg;
}

/* One row: text runs placed with CUP; blank runs in colour erased with ECH. */
/*
 * How libvterm places character c: 0 it combines with the character
 * before, 1 or 2 columns. Asked of a scratch terminal of its own, so the
 * answer is libvterm's, not a table of ours that could disagree with it.
 */
static int
screen_char_kind(struct rec_screen *s, uint32_t c)
{
	VTermScreenCell cell;
	VTermPos pos = { 0, 0 };
	VTermScreen *ps;
	struct buf *b;
	int kind = 1;

	if (c < 0x300)
		return 1;	/* nothing below combines or is wide */
	if (s->probe == NULL) {
		if ((s->probe = vterm_new(1, 8)) == NULL)
			return 1;
		vterm_set_utf8(s->probe, 1);
		vterm_screen_reset(vterm_obtain_screen(s->probe), 1);
	}
	ps = vterm_obtain_screen(s->probe);
	b = buf_new(32);
	if (buf_put(b, "\033[H\033[2Ka", 8) == JG_OK &&
	    put_utf8(b, c) == JG_OK) {
		vterm_input_write(s->probe, (const char *)buf_ptr(b),
		    buf_len(b));
		if (vterm_screen_get_cell(ps, pos, &cell) && cell.chars[1] == c)
			kind = 0;
		else {
			pos.col = 1;
			if (vterm_screen_get_cell(ps, pos, &cell))
				kind = cell.width == 2 ? 2 : 1;
		}
	}
	buf_free(b);
	return kind;
}

/* Is the cell at row, col the right half of a wide character? */
static int
screen_right_half(struct rec_screen *s, int row, int col)
{
	VTermScreenCell cell;
	VTermPos pos;

	if (col >= s->cols)
		return 0;
	pos.row = row;
	pos.col = col;
	return vterm_screen_get_cell(s->vs, pos, &cell) &&
	    cell.chars[0] == (uint32_t)-1;
}

static int
put_row(struct rec_screen *s, struct buf *out, int row, struct sgr *pen)
{
	VTermScreenCell cell;
	VTermPos pos;
	struct sgr p, q;
	int col = 0, end, placed = 0, rc = JG_OK, i, max;

	pos.row = row;
	while (col < s->cols && rc == JG_OK) {
		pos.col = col;
		if (!vterm_screen_get_cell(s->vs, pos, &cell))
			return JG_ERR;
		if (cell.chars[0] == (uint32_t)-1) {
			/* A wide character's right half (or one libvterm left
			 * stale): nothing to write, the next text is placed. */
			placed = 0;
			col++;
			continue;
		}
		cell_sgr(&cell, s->reverse, &p);
		if (cell.chars[0] == 0) {
			/* A run of erased cells of the same colours. */
			for (end = col + 1; end < s->cols; end++) {
				pos.col = end;
				if (!vterm_screen_get_cell(s->vs, pos, &cell))
					return JG_ERR;
				cell_sgr(&cell, s->reverse, &q);
				if (cell.chars[0] != 0 || !sgr_equal(&p, &q))
					break;
			}
			if (!sgr_default(&p)) {
				rc = put_csi(out, row + 1, col + 1, 'H');
				if (rc == JG_OK && !sgr_equal(&p, pen)) {
					rc = put_sgr(out, &p);
					*pen = p;
				}
				if (rc == JG_OK)
					rc = put_csi(out, end - col, -1,
					    'X');
			}
			placed = 0;
			col = end;
			continue;
		}
		if (!placed)
			rc = put_csi(out, row + 1, col + 1, 'H');
		placed = 1;
		if (rc == JG_OK && !sgr_equal(&p, pen)) {
			rc = put_sgr(out, &p);
			*pen = p;
		}
		/*
		 * A wide character whose right half was overwritten, that
		 * sits in the last column, or that libvterm left in a cell one
		 * column wide: libvterm keeps it, a terminal cannot (found by
		 * fuzz-screen: the row came out a column too long). It
		 * becomes U+FFFD, one column.
		 */
		if ((cell.width == 2 && !screen_right_half(s, row, col + 1)) ||
		    (cell.width == 1 && screen_char_kind(s, cell.chars[0]) ==
		    2)) {
			if (rc == JG_OK)
				rc = put_utf8(out, 0xfffd);
			col++;
			continue;
		}
		/*
		 * A combining mark alone in its cell goes on a space, which
		 * takes one of the cell's places: the last mark is dropped.
		 */
		max = VTERM_MAX_CHARS_PER_CELL;
		if (rc == JG_OK && screen_char_kind(s, cell.chars[0]) == 0) {
			rc = buf_put(out, " ", 1);
			max--;
		}
		for (i = 0; rc == JG_OK && i < max && cell.chars[i] != 0; i++)
			rc = put_utf8(out, cell.chars[i]);
		col++;
	}
	return rc;
}

/* The terminal's current pen, for what is written after the keyframe. */
static void
state_pen(struct rec_screen *s, struct sgr *p)
{
	VTermValue v;

	memset(p, 0, sizeof(*p));
	p->fg.type = VTERM_COLOR_DEFAULT_FG;
	p->bg.type = VTERM_COLOR_DEFAULT_BG;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_BOLD, &v))
		p->a.bold = v.boolean ? 1 : 0;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_UNDERLINE, &v))
		p->a.underline = (unsigned)v.number & 3;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_ITALIC, &v))
		p->a.italic = v.boolean ? 1 : 0;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_BLINK, &v))
		p->a.blink = v.boolean ? 1 : 0;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_REVERSE, &v))
		p->a.reverse = v.boolean ? 1 : 0;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_STRIKE, &v))
		p->a.strike = v.boolean ? 1 : 0;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_FONT, &v))
		p->a.font = (unsigned)v.number & 15;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_FOREGROUND, &v))
		p->fg = v.color;
	if (vterm_state_get_penattr(s->st, VTERM_ATTR_BACKGROUND, &v))
		p->bg = v.color;
}

/*
 * Append to out the bytes that redraw the screen on a terminal of its
 * size; an error (JG_EINVAL) when out's limit is too small for them.
 */
int
rec_screen_keyframe(struct rec_screen *s, struct buf *out)
{
	VTermPos cur;
	struct sgr pen;
	int row, rc;

	screen_flush(s);
	memset(&pen, 0, sizeof(pen));
	pen.fg.type = VTERM_COLOR_DEFAULT_FG;
	pen.bg.type = VTERM_COLOR_DEFAULT_BG;
	rc = buf_put(out, "\033[0m", 4);
	if (rc == JG_OK)
		rc = buf_put(out, s->altscreen ? "\033[?1049h" : "\033[?1047l",
		    8);
	if (rc == JG_OK)
		rc = buf_put(out, s->reverse ? "\033[?5h" : "\033[?5l", 5);
	if (rc == JG_OK)
		rc = buf_put(out, "\033[H\033[2J", 7);
	for (row = 0; rc == JG_OK && row < s->rows; row++)
		rc = put_row(s, out, row, &pen);
	if (rc == JG_OK) {
		state_pen(s, &pen);
		rc = put_sgr(out, &pen);
	}
	if (rc == JG_OK) {
		/*
		 * libvterm can leave the cursor off the screen (a restore
		 * of a cursor saved before a resize): found by fuzz-screen,
		 * which saw ESC[-3;1H. Keyframes only ever name a cell.
		 */
		vterm_state_get_cursorpos(s->st, &cur);
		if (cur.row < 0)
			cur.row = 0;
		if (cur.row >= s->rows)
			cur.row = s->rows - 1;
		if (cur.col < 0)
			cur.col = 0;
		if (cur.col >= s->cols)
			cur.col = s->cols - 1;
		rc = put_csi(out, cur.row + 1, cur.col + 1, 'H');
	}
	if (rc == JG_OK)
		rc = buf_put(out, s->cursor_visible ? "\033[?25h" : "\033[?25l",
		    6);
	return rc;
}
