/* screen-int.h: what screen.c (feeding libvterm) and screen-keyframe.c (writing keyframes) share. */
#ifndef SCREEN_INT_H
#define SCREEN_INT_H

#include <vterm.h>

#include "jumpgate.h"

#define REC_SCREEN_MAX_COLS 512
#define REC_SCREEN_MAX_ROWS 256
/*
 * libvterm 0.1.4 writes through a NULL pointer when a double-width
 * character lands on a screen one column wide (found by fuzz-screen): a
 * client's pty-req may say 1, the screen keeps at least 2.
 */
#define REC_SCREEN_MIN_COLS 2
#define REC_SCREEN_DEFAULT_COLS 80
#define REC_SCREEN_DEFAULT_ROWS 24
#define REC_SCREEN_PEND (64 * 1024)	/* output gathered before feeding */
#define REC_SCREEN_RING (2 * REC_SCREEN_MAX_ROWS + 16)	/* LF positions */
#define REC_SCREEN_CSI_MAX 64		/* a longer CSI ends a skippable run */

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
	uint64_t scrolled;		/* lines scrolled off the top */
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

/* screen.c */
void screen_flush(struct rec_screen *);

#endif /* SCREEN_INT_H */
