/* test-util.c: names, durations, ports, times and globs. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jumpgate.h"

static void
test_names(void **state)
{
	char n64[65], n65[66];

	(void)state;
	memset(n64, 'a', 64);
	n64[64] = '\0';
	memset(n65, 'a', 65);
	n65[65] = '\0';
	assert_true(name_valid("alice"));
	assert_true(name_valid("db01.prod_eu-1"));
	assert_true(name_valid(n64));
	assert_false(name_valid(n65));
	assert_false(name_valid(""));
	assert_false(name_valid("."));
	assert_false(name_valid(".."));
	assert_false(name_valid("../x"));
	assert_false(name_valid("-rf"));
	assert_false(name_valid("a b"));
	assert_false(name_valid("a\tb"));
	assert_false(name_valid("a\x01"));
	assert_false(name_valid("al\xc3\xa9"));
	assert_false(name_valid("a@b"));
	assert_false(name_valid(NULL));
	assert_true(name_valid("..."));
}

static void
test_durations(void **state)
{
	long s;

	(void)state;
	assert_int_equal(duration_parse("90s", &s), JG_OK);
	assert_int_equal(s, 90);
	assert_int_equal(duration_parse("15m", &s), JG_OK);
	assert_int_equal(s, 900);
	assert_int_equal(duration_parse("2h", &s), JG_OK);
	assert_int_equal(s, 7200);
	assert_int_equal(duration_parse("1d", &s), JG_OK);
	assert_int_equal(s, 86400);
	assert_int_not_equal(duration_parse("0s", &s), JG_OK);
	assert_int_not_equal(duration_parse("10", &s), JG_OK);
	assert_int_not_equal(duration_parse("10x", &s), JG_OK);
	assert_int_not_equal(duration_parse("-5m", &s), JG_OK);
	assert_int_not_equal(duration_parse("5mm", &s), JG_OK);
	assert_int_not_equal(duration_parse("", &s), JG_OK);
	assert_int_not_equal(duration_parse("h", &s), JG_OK);
	assert_int_not_equal(duration_parse("99999999999999999999s", &s),
	    JG_OK);
	assert_int_not_equal(duration_parse("400d", &s), JG_OK);
}

static void
test_ports(void **state)
{
	int p;

	(void)state;
	assert_int_equal(port_parse("22", &p), JG_OK);
	assert_int_equal(p, 22);
	assert_int_equal(port_parse("65535", &p), JG_OK);
	assert_int_not_equal(port_parse("0", &p), JG_OK);
	assert_int_not_equal(port_parse("70000", &p), JG_OK);
	assert_int_not_equal(port_parse("-1", &p), JG_OK);
	assert_int_not_equal(port_parse("22a", &p), JG_OK);
	assert_int_not_equal(port_parse("", &p), JG_OK);
}

static void
test_times(void **state)
{
	char buf[32];
	time_t t;

	(void)state;
	time_iso_utc(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	time_iso_utc(1795650000, buf, sizeof(buf));
	assert_int_equal(time_parse_iso_utc(buf, &t), JG_OK);
	assert_int_equal((long long)t, 1795650000LL);
	assert_int_not_equal(time_parse_iso_utc("2026-13-01T00:00:00Z", &t),
	    JG_OK);
	assert_int_not_equal(time_parse_iso_utc("yesterday", &t), JG_OK);
}

static void
test_globs(void **state)
{
	(void)state;
	assert_true(glob_match("db*", "db01"));
	assert_true(glob_match("*", "anything"));
	assert_true(glob_match("web-?", "web-1"));
	assert_false(glob_match("db*", "web01"));
	assert_false(glob_match("db0[12]", "db03"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_globs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
