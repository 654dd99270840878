/* test-util.c: names, ids, durations, ports, times and globs. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jumpgate.h"

/* Ids as typed: 1 to 2^53, digits only; nothing wraps. */
static void
test_ids(void **state)
{
	static const char *bad[] = { "", "0", "-1", "+1", " 1", "1 ", "1x",
	    "0x10", "9007199254740993", "18446744073709551616",
	    "99999999999999999999999", "12345678901234567" };
	long long id = 0;
	size_t i;

	(void)state;
	assert_int_equal(id_parse("1", &id), JG_OK);
	assert_int_equal(id, 1);
	assert_int_equal(id_parse("007", &id), JG_OK);
	assert_int_equal(id, 7);
	assert_int_equal(id_parse("9007199254740992", &id), JG_OK);
	assert_int_equal(id, 9007199254740992LL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id = 42;
		assert_int_equal(id_parse(bad[i], &id), JG_EINVAL);
		assert_int_equal(id, 42);	/* untouched */
	}
	assert_int_equal(id_parse(NULL, &id), JG_EINVAL);
}

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

/* Approval specifications (common/approval.c): one role or several. */
static void
test_approvals(void **state)
{
	struct approval_need v[APPROVAL_ROLES_MAX];
	const char *bad[] = { "", "a:1", "a:0,b:1", "a:1,a:2", "a:11,b:1",
	    "a:1,b:", "a:1,b:x", "a:1,b:1,c:1,d:1,e:1", "a b:1,c:1",
	    "a:01x,b:1", NULL };
	char out[JG_NAME_MAX + 1];
	size_t n, i;
	int total;

	(void)state;
	assert_int_equal(approval_parse("oncall", 2, v, &n), JG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].role, "oncall");
	assert_int_equal(v[0].count, 2);
	assert_int_not_equal(approval_parse("oncall", 0, v, &n), JG_OK);
	assert_int_equal(approval_parse("dba:1,security:2", 3, v, &n), JG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].role, "security");
	assert_int_equal(v[1].count, 2);
	assert_int_equal(approval_format(v, n, out, sizeof(out), &total),
	    JG_OK);
	assert_string_equal(out, "dba:1,security:2");
	assert_int_equal(total, 3);
	assert_int_equal(approval_format(v, 1, out, sizeof(out), &total),
	    JG_OK);
	assert_string_equal(out, "dba");
	assert_int_equal(total, 1);
	assert_int_not_equal(approval_format(v, 2, out, 8, &total), JG_OK);
	for (i = 0; bad[i] != NULL; i++)
		assert_int_not_equal(approval_parse(bad[i], 1, v, &n), JG_OK);
	assert_true(approval_has_role("dba:1,security:2", 3, "security"));
	assert_false(approval_has_role("dba:1,security:2", 3, "sec"));
	assert_true(approval_has_role("oncall", 1, "oncall"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_approvals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
