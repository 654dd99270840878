/* test-recplay.c: the recording commands' pure helpers: --from times, escape stripping, UTF-8 for asciicast. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"

static uint64_t
tp(const char *s)
{
	uint64_t ms = 12345;

	assert_int_equal(replay_time_parse(s, &ms), JG_OK);
	return ms;
}

static void
test_time_parse(void **state)
{
	uint64_t ms;
	const char *bad[] = { "", "abc", "-5", "1:2", "1:60", "1:00:60",
	    "1:2:3:4", "90x", "1.2345", "1.", ":30", "30:", "0s", "9999999999999",
	    "1 2", NULL };
	size_t i;

	(void)state;
	assert_int_equal(tp("0"), 0);
	assert_int_equal(tp("90"), 90000);
	assert_int_equal(tp("1.5"), 1500);
	assert_int_equal(tp("0.25"), 250);
	assert_int_equal(tp("90s"), 90000);
	assert_int_equal(tp("15m"), 900000);
	assert_int_equal(tp("2h"), 7200000);
	assert_int_equal(tp("00:03:12"), 192000);
	assert_int_equal(tp("1:02:03"), 3723000);
	assert_int_equal(tp("3:12"), 192000);
	assert_int_equal(tp("75:00"), 4500000);
	for (i = 0; bad[i] != NULL; i++)
		assert_int_not_equal(replay_time_parse(bad[i], &ms), JG_OK);
}

static void
test_hms(void **state)
{
	char b[32];

	(void)state;
	replay_hms(0, b, sizeof(b));
	assert_string_equal(b, "00:00:00");
	replay_hms(192999, b, sizeof(b));
	assert_string_equal(b, "00:03:12");
	replay_hms(100ULL * 3600 * 1000, b, sizeof(b));
	assert_string_equal(b, "100:00:00");
}

/* Strip s fed in pieces of `step` bytes. */
static void
strip(const char *s, size_t step, char *out)
{
	struct replay_strip st;
	size_t n = strlen(s), i, k, o = 0;

	replay_strip_init(&st);
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		o += replay_strip_feed(&st, (const unsigned char *)s + i, k,
		    (unsigned char *)out + o);
	}
	out[o] = '\0';
}

static void
test_strip(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain text\n", "plain text\n" },
		{ "a\r\nb\r\n", "a\nb\n" },
		{ "\033[1;32mgreen\033[0m", "green" },
		{ "\033[?1049h\033[Hfull\033[K", "full" },
		{ "\033]0;title\007after", "after" },
		{ "\033]8;;http://x\033\\link\033]8;;\033\\", "link" },
		{ "\033Pdcs stuff\033\\ok", "ok" },
		{ "\033(Bcharset \033=keypad\0337", "charset keypad" },
		{ "bell\007 bs\b tab\t del\x7f", "bell bs tab\t del" },
		{ "\033[1\030visible", "visible" },
		{ "h\xc3\xa9llo \xe2\x9c\x93", "h\xc3\xa9llo \xe2\x9c\x93" },
		{ "\033[31", "" },
	};
	char out[256];
	size_t i, step;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (step = 1; step <= 64; step *= 2) {
			strip(cases[i].in, step, out);
			assert_string_equal(out, cases[i].want);
		}
}

/* Decode the pieces in turn (each NUL-free), the last one final. */
static void
json(const char **pieces, char *out)
{
	struct replay_utf8 u;
	char buf[512];
	size_t i, o = 0, n;

	replay_utf8_init(&u);
	for (i = 0; pieces[i] != NULL; i++) {
		n = strlen(pieces[i]);
		assert_true(replay_json_max(n) <= sizeof(buf));
		replay_json_utf8(&u, (const unsigned char *)pieces[i], n,
		    pieces[i + 1] == NULL, buf);
		o += (size_t)sprintf(out + o, "%s|", buf);
	}
}

static void
test_json_utf8(void **state)
{
	char out[1024];
	const char *p1[] = { "plain \"q\" \\ \n\r\t\x01\x1b[m\x7f", NULL };
	const char *p2[] = { "h\xc3", "\xa9llo", NULL };
	const char *p3[] = { "\xe2", "\x9c", "\x93!", NULL };
	const char *p4[] = { "bad \xff byte", NULL };
	const char *p5[] = { "cut \xe2\x9c", NULL };
	const char *p6[] = { "\xe2\x9c", "x", NULL };
	const char *p7[] = { "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80", NULL };
	const char *p8[] = { "\xf0\x9f\x98", "\x80 ok", NULL };
	const char *p9[] = { "\x80\x80", NULL };

	(void)state;
	json(p1, out);
	assert_string_equal(out, "plain \\\"q\\\" \\\\ \\n\\r\\t\\u0001"
	    "\\u001b[m\\u007f|");
	json(p2, out);
	assert_string_equal(out, "h|\xc3\xa9llo|");
	json(p3, out);
	assert_string_equal(out, "||\xe2\x9c\x93!|");
	json(p4, out);
	assert_string_equal(out, "bad \xef\xbf\xbd byte|");
	json(p5, out);		/* incomplete at the very end */
	assert_string_equal(out, "cut \xef\xbf\xbd|");
	json(p6, out);		/* cut short by a non-continuation */
	assert_string_equal(out, "|\xef\xbf\xbdx|");
	/* overlong, surrogate, above U+10FFFF: one U+FFFD per bad byte */
	json(p7, out);
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|");
	json(p8, out);		/* a 4-byte character split 3 + 1 */
	assert_string_equal(out, "|\xf0\x9f\x98\x80 ok|");
	json(p9, out);
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd|");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_hms),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_json_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
