/* test-screen.c: the terminal screen behind keyframes (recorder/screen.c) against what fuzz-screen found in libvterm, and the command lines read off it (recorder/cmdline.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jumpgate.h"

/* Feed a target's output, then make a keyframe, which processes it all. */
static void
screen_run(int cols, int rows, const char *out, size_t len, int newcols,
    int newrows, const char *after)
{
	struct rec_screen *s = rec_screen_new(cols, rows);
	struct buf *kf = buf_new(1024 * 1024);

	assert_non_null(s);
	rec_screen_feed(s, out, len);
	if (newcols > 0)
		rec_screen_resize(s, newcols, newrows);
	if (after != NULL)
		rec_screen_feed(s, after, strlen(after));
	assert_int_equal(rec_screen_keyframe(s, kf), JG_OK);
	assert_true(buf_len(kf) > 0);
	rec_screen_free(s);
	buf_free(kf);
}

/* REP before anything was printed: libvterm looped forever. */
static void
test_rep_first(void **state)
{
	(void)state;
	screen_run(10, 29, "\033[b", 3, 0, 0, NULL);
	screen_run(10, 29, "\033c\033[5b", 6, 0, 0, NULL);
}

/* A wide character on a screen one column wide: libvterm wrote to NULL. */
static void
test_one_column(void **state)
{
	(void)state;
	screen_run(1, 12, "\xe6\x88\x88\xe6\x88\x88x", 7, 0, 0, NULL);
}

/* A scroll region, then a smaller terminal: a negative memmove. */
static void
test_region_resize(void **state)
{
	(void)state;
	screen_run(71, 12, "\033[9\001r", 5, 2, 1, "r^^");
	screen_run(80, 24, "\033[5;20r\033[20;1Hx", 16, 80, 4, "\n\n\nend");
}

/* A CSI with more parameters than libvterm keeps: heap corruption. */
static void
test_many_params(void **state)
{
	char seq[200];
	struct rec_screen *s = rec_screen_new(80, 24);
	struct buf *kf = buf_new(1024 * 1024);
	static const char more[] = "\033[1;2;3;4;5;6;7;8;9;10;11;12;13;14;"
	    "15;16;17;18;19;20H\033[99999999999999999999mafter";
	const char *p;

	(void)state;
	memset(seq, ';', sizeof(seq));
	memcpy(seq, "\033[", 2);
	seq[sizeof(seq) - 1] = 'm';
	rec_screen_feed(s, seq, sizeof(seq));
	rec_screen_feed(s, more, sizeof(more) - 1);
	assert_int_equal(rec_screen_keyframe(s, kf), JG_OK);
	/* what follows a cancelled sequence is still shown */
	p = memmem(buf_ptr(kf), buf_len(kf), "after", 5);
	assert_non_null(p);
	rec_screen_free(s);
	buf_free(kf);
}

/* The lines recorder/cmdline.c hands on. */
struct got {
	char line[8][JG_COMMAND_MAX + 1];
	uint64_t t[8];
	int n;
};

static void
got_line(void *arg, uint64_t t_ms, const char *line)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	snprintf(g->line[g->n], sizeof(g->line[0]), "%s", line);
	g->t[g->n++] = t_ms;
}

static void
out(struct rec_cmdline *cl, const char *s)
{
	rec_cmdline_output(cl, s, strlen(s));
}

static void
in(struct rec_cmdline *cl, uint64_t t, const char *s)
{
	rec_cmdline_input(cl, t, s, strlen(s));
}

/*
 * A shell session as the recording sees it: keys (echoed) and the
 * output that answers them. What counts is what the screen shows.
 */
static void
test_cmdline(void **state)
{
	struct rec_screen *s = rec_screen_new(40, 5);
	struct rec_cmdline *cl;
	struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	cl = rec_cmdline_new(s, got_line, &g);
	/* typed, with a typo rubbed out: the screen's line */
	out(cl, "\033[1;32muser@host\033[0m:~$ ");
	in(cl, 100, "l");
	out(cl, "l");
	in(cl, 110, "x");
	out(cl, "x");
	in(cl, 120, "\177");
	out(cl, "\b\033[K");
	in(cl, 130, "s -l");
	out(cl, "s -l");
	in(cl, 140, "\r");
	out(cl, "\r\ntotal 0\r\nuser@host:~$ ");
	assert_int_equal(g.n, 1);
	assert_string_equal(g.line[0], "ls -l");
	assert_int_equal(g.t[0], 140);
	/* history recall: the key is an escape, the line is the shell's */
	in(cl, 200, "\033[A");
	out(cl, "ls -l");
	in(cl, 210, "\r");
	out(cl, "\r\n");
	assert_int_equal(g.n, 2);
	assert_string_equal(g.line[1], "ls -l");
	out(cl, "user@host:~$ ");
	/* a masked key: no command; ^C: none either */
	in(cl, 300, "p");
	out(cl, "p");
	rec_cmdline_masked(cl);
	in(cl, 310, "\r");
	out(cl, "\r\nuser@host:~$ ");
	in(cl, 320, "rm x");
	out(cl, "rm x");
	in(cl, 330, "\003");
	out(cl, "^C\r\nuser@host:~$ ");
	in(cl, 340, "\r");
	out(cl, "\r\nuser@host:~$ ");
	assert_int_equal(g.n, 2);
	/* a line longer than the screen wraps and scrolls: all of it */
	in(cl, 400, "echo 0123456789012345678901234567890123456789");
	out(cl, "echo 0123456789012345678901234567890123456789");
	in(cl, 410, "\r");
	out(cl, "\r\n0123456789012345678901234567890123456789\r\n");
	assert_int_equal(g.n, 3);
	assert_string_equal(g.line[2],
	    "echo 0123456789012345678901234567890123456789");
	/* two lines typed ahead of their echo, in one write */
	out(cl, "user@host:~$ ");
	in(cl, 500, "date\rid\r");
	out(cl, "date\r\nToday\r\nuser@host:~$ id\r\nuid=0\r\n");
	assert_int_equal(g.n, 5);
	assert_string_equal(g.line[3], "date");
	assert_string_equal(g.line[4], "id");
	/* on the alternate screen (an editor): no commands */
	out(cl, "user@host:~$ ");
	in(cl, 600, "vi");
	out(cl, "vi");
	in(cl, 610, "\r");
	out(cl, "\r\n\033[?1049h\033[H\033[2J");
	assert_int_equal(g.n, 6);
	assert_string_equal(g.line[5], "vi");
	in(cl, 620, ":wq");
	out(cl, "\033[5;1H:wq");
	in(cl, 630, "\r");
	out(cl, "\r\n");
	assert_int_equal(g.n, 6);
	rec_cmdline_free(cl);
	rec_screen_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_first),
		cmocka_unit_test(test_one_column),
		cmocka_unit_test(test_region_resize),
		cmocka_unit_test(test_many_params),
		cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
