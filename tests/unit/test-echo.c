/* test-echo.c: RecordInput echoed: which keystrokes a recording keeps (recorder/echo.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jumpgate.h"

/* What echo.c emitted, as text: "I:<bytes>" and "M:<count>" joined by |. */
struct seen {
	char text[16384];
	size_t len;
	uint32_t masked;		/* all counts added up */
	char in[8192];			/* every IN byte, in order */
	size_t nin;
};

static int
seen_emit(void *arg, int type, const void *data, size_t len)
{
	struct seen *s = arg;
	const unsigned char *p = data;
	uint32_t n;
	int w;

	if (type == REC_IN) {
		assert_true(s->nin + len < sizeof(s->in));
		memcpy(s->in + s->nin, data, len);
		s->nin += len;
		w = snprintf(s->text + s->len, sizeof(s->text) - s->len,
		    "I:%.*s|", (int)len, (const char *)data);
	} else {
		assert_int_equal(type, REC_MASKED);
		assert_int_equal(len, 4);
		n = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		    ((uint32_t)p[2] << 8) | p[3];
		assert_true(n > 0);
		s->masked += n;
		w = snprintf(s->text + s->len, sizeof(s->text) - s->len,
		    "M:%u|", n);
	}
	assert_true(w > 0 && (size_t)w < sizeof(s->text) - s->len);
	s->len += (size_t)w;
	return JG_OK;
}

/* One key per write, as a person types. */
static void
type_keys(struct rec_echo *e, uint64_t t, const char *keys)
{
	for (; *keys != '\0'; keys++)
		rec_echo_input(e, t, keys, 1);
}

static void
out(struct rec_echo *e, const char *s)
{
	rec_echo_output(e, s, strlen(s));
}

static void
test_echoed_typing(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);
	const char *k;

	(void)state;
	for (k = "ls -l"; *k != '\0'; k++) {
		rec_echo_input(e, 10, k, 1);
		rec_echo_output(e, k, 1);
	}
	rec_echo_input(e, 20, "\r", 1);
	out(e, "\r\ntotal 0\r\n$ ");
	rec_echo_end(e);
	assert_int_equal(s.masked, 0);
	assert_int_equal(s.nin, 6);
	assert_memory_equal(s.in, "ls -l\r", 6);
	rec_echo_free(e);
}

/* read -s: nothing echoed, then Enter: every key masked, Enter kept. */
static void
test_no_echo_prompt(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);

	(void)state;
	out(e, "Password: ");
	type_keys(e, 100, "hunter2-secret");
	rec_echo_input(e, 200, "\r", 1);
	out(e, "\r\n$ ");
	rec_echo_end(e);
	assert_int_equal(s.masked, 14);
	assert_int_equal(s.nin, 1);
	assert_string_equal(s.text, "M:14|I:\r|");
	rec_echo_free(e);
}

/*
 * Enter saw no echo: the keys before it stay masked even if the output
 * later happens to show the same characters (a program printing them).
 */
static void
test_enter_decides(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);

	(void)state;
	type_keys(e, 1, "abc");
	rec_echo_input(e, 2, "\r", 1);
	out(e, "abc");
	rec_echo_end(e);
	assert_string_equal(s.text, "M:3|I:\r|");
	rec_echo_free(e);
}

/* A paste: keys and Enter in one write, echoed after; colours skipped. */
static void
test_paste_and_escapes(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);

	(void)state;
	rec_echo_input(e, 5, "echo hi\r", 8);
	out(e, "\x1b[32me\x1b[0mcho \x1b]0;title\x07hi\r\nhi\r\n");
	rec_echo_input(e, 6, "\x1b[A", 3);	/* arrow up: a control */
	rec_echo_end(e);
	assert_int_equal(s.masked, 0);
	assert_int_equal(s.nin, 11);
	assert_memory_equal(s.in, "echo hi\r\x1b[A", 11);
	rec_echo_free(e);
}

/*
 * A run of keys counts only once all of it is shown: a prompt that starts
 * with a pasted secret's first letter reveals nothing.
 */
static void
test_whole_run(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);

	(void)state;
	rec_echo_input(e, 1, "s3cret\r", 7);
	out(e, "s$ ");
	rec_echo_end(e);
	assert_string_equal(s.text, "M:6|I:\r|");
	memset(&s, 0, sizeof(s));
	rec_echo_free(e);
	e = rec_echo_new(seen_emit, &s);
	rec_echo_input(e, 1, "ab", 2);
	out(e, "a");
	assert_int_equal(s.len, 0);		/* "b" not shown yet */
	out(e, "b");
	assert_string_equal(s.text, "I:ab|");
	rec_echo_free(e);
}

/* Output that is not the echo masks what waits; a line end does too. */
static void
test_mismatch(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);

	(void)state;
	type_keys(e, 1, "jj");		/* vi commands: moves, no echo */
	out(e, "\x1b[2;1Hline two");
	type_keys(e, 2, "xy");
	out(e, "\r\n");
	rec_echo_end(e);
	assert_int_equal(s.masked, 4);
	assert_int_equal(s.nin, 0);
	rec_echo_free(e);
}

/* A key that waits REC_ECHO_WAIT_MS leaves masked; controls do not wait. */
static void
test_expire(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);

	(void)state;
	type_keys(e, 1000, "p");
	rec_echo_input(e, 1001, "\x03", 1);	/* Ctrl-C behind it waits */
	rec_echo_expire(e, 1000 + REC_ECHO_WAIT_MS - 1);
	assert_int_equal(s.len, 0);
	rec_echo_expire(e, 1000 + REC_ECHO_WAIT_MS);
	assert_string_equal(s.text, "M:1|I:\x03|");
	rec_echo_free(e);
}

/* More keys than it keeps: the oldest leave masked, none is lost. */
static void
test_overflow(void **state)
{
	struct seen s = { 0 };
	struct rec_echo *e = rec_echo_new(seen_emit, &s);
	char big[5000];

	(void)state;
	memset(big, 'z', sizeof(big));
	rec_echo_input(e, 1, big, sizeof(big));
	rec_echo_end(e);
	assert_int_equal(s.masked, sizeof(big));
	assert_int_equal(s.nin, 0);
	rec_echo_free(e);
}

/* A secret that waits is never emitted as input, whatever comes. */
static void
test_secret_never_in(void **state)
{
	static const char *after[] = { "", "\r\n", "Sorry, try again.\r\n",
	    "\x1b[2J\x1b[H", "s3cr" };
	struct seen s;
	struct rec_echo *e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		memset(&s, 0, sizeof(s));
		e = rec_echo_new(seen_emit, &s);
		out(e, "[sudo] password for jg: ");
		type_keys(e, 1, "s3cret!");
		rec_echo_input(e, 2, "\r", 1);
		out(e, after[i]);
		rec_echo_expire(e, 1 + REC_ECHO_WAIT_MS);
		rec_echo_end(e);
		assert_int_equal(s.masked, 7);
		assert_null(memmem(s.in, s.nin, "s3", 2));
		rec_echo_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echoed_typing),
		cmocka_unit_test(test_no_echo_prompt),
		cmocka_unit_test(test_enter_decides),
		cmocka_unit_test(test_paste_and_escapes),
		cmocka_unit_test(test_whole_run),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_secret_never_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
