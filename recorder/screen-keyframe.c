/* screen-keyframe.c: a terminal screen written out as a keyframe, plain ANSI that redraws it. */

/*
 * Clear, every row's text with its SGR attributes and colours (runs of
 * text placed with CUP, blank runs in colour erased with ECH), the pen,
 * the cursor and the modes. What libvterm can hold and a terminal cannot
 * show (a wide character without its right half, a control in a cell, a
 * cursor off the screen) is written so that a keyframe fed to a fresh
 * screen redraws the same keyframe (fuzz-screen checks it).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen-int.h"

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
