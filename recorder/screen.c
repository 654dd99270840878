/* screen.c: a recorded session's terminal screen (libvterm), fed with its output; screen-keyframe.c writes it out. */

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

#include "screen-int.h"

static void byte_class_init(void);

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

/* A line scrolled off the top: recorder/cmdline.c follows a command up. */
static int
screen_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	struct rec_screen *s = user;

	(void)cols;
	(void)cells;
	s->scrolled++;
	return 1;
}

static const VTermScreenCallbacks screen_callbacks = {
	.settermprop = screen_settermprop,
	.sb_pushline = screen_pushline,
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
void
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
 * xterm does: libvterm 0.1.4 resized with a region below the new bottom
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

/*
 * Where things are now, for recorder/cmdline.c: everything gathered is
 * fed first. *row, *col: the cursor; *scrolled: lines scrolled off the
 * top so far (skipped bulk output is not counted); the alternate screen.
 */
void
rec_screen_where(struct rec_screen *s, int *row, int *col,
    uint64_t *scrolled, int *altscreen)
{
	VTermPos cur;

	screen_flush(s);
	vterm_state_get_cursorpos(s->st, &cur);
	*row = cur.row;
	*col = cur.col;
	*scrolled = s->scrolled;
	*altscreen = s->altscreen;
}

/* Row row's text (UTF-8) from column from to column to (excluded). */
size_t
rec_screen_text(struct rec_screen *s, int row, int from, int to, char *out,
    size_t len)
{
	VTermRect r;

	if (len == 0)
		return 0;
	screen_flush(s);
	if (row < 0 || row >= s->rows || from < 0 || to > s->cols ||
	    from >= to) {
		out[0] = '\0';
		return 0;
	}
	r.start_row = row;
	r.end_row = row + 1;
	r.start_col = from;
	r.end_col = to;
	/* libvterm counts a character it had no room for without writing
	   it: zeroed first, the text ends at the first byte not written */
	memset(out, 0, len);
	(void)vterm_screen_get_text(s->vs, out, len - 1, r);
	out[len - 1] = '\0';
	return strlen(out);
}

int
rec_screen_cols(const struct rec_screen *s)
{
	return s->cols;
}
