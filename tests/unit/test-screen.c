/* test-screen.c: the terminal screen behind keyframes (recorder/screen.c) against what fuzz-screen found in libvterm. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_first),
		cmocka_unit_test(test_one_column),
		cmocka_unit_test(test_region_resize),
		cmocka_unit_test(test_many_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
