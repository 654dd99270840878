/* test-mfa.c: one-time codes: HOTP/TOTP vectors, base32, the answer's parser, replay and recovery codes (common/mfa.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jumpgate.h"

/* RFC 4226 appendix D and RFC 6238 appendix B (SHA-1) share this key. */
static const unsigned char rfc_key[] = "12345678901234567890";
#define RFC_KEYLEN 20

/* The RFC key, then codes "abcdefghij", "klmnopqrst", ... */
static void
plain_make(unsigned char plain[MFA_PLAIN_LEN])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t i;

	memcpy(plain, rfc_key, MFA_SECRET_LEN);
	for (i = 0; i < MFA_RECOVERY_N * MFA_RECOVERY_LEN; i++)
		plain[MFA_SECRET_LEN + i] = (unsigned char)b32[i % 32];
}

/* The code for step s, as typed. */
static void
code_for(const unsigned char *key, uint64_t s, char out[MFA_DIGITS + 1])
{
	snprintf(out, MFA_DIGITS + 1, "%06u",
	    (unsigned int)mfa_hotp(key, MFA_SECRET_LEN, s));
}

static void
test_hotp_rfc4226(void **state)
{
	static const uint32_t want[] = { 755224, 287082, 359152, 969429,
	    338314, 254676, 287922, 162583, 399871, 520489 };
	uint64_t c;

	(void)state;
	for (c = 0; c < 10; c++)
		assert_int_equal(mfa_hotp(rfc_key, RFC_KEYLEN, c), want[c]);
}

/* RFC 6238's 8-digit SHA-1 values, their last 6 digits. */
static void
test_totp_rfc6238(void **state)
{
	static const struct {
		uint64_t t;
		uint32_t code;
	} v[] = {
		{ 59, 287082 }, { 1111111109, 81804 }, { 1111111111, 50471 },
		{ 1234567890, 5924 }, { 2000000000, 279037 },
		{ 20000000000ULL, 353130 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(mfa_hotp(rfc_key, RFC_KEYLEN,
		    v[i].t / MFA_STEP), v[i].code);
}

/* RFC 4648 section 10, without the padding. */
static void
test_base32(void **state)
{
	static const char *v[][2] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(mfa_base32((const unsigned char *)v[i][0],
		    strlen(v[i][0]), out, sizeof(out)), JG_OK);
		assert_string_equal(out, v[i][1]);
	}
	/* A 20-byte key is 32 characters; the NUL needs the 33rd byte. */
	assert_int_equal(mfa_base32(rfc_key, RFC_KEYLEN, out, 33), JG_OK);
	assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(mfa_base32(rfc_key, RFC_KEYLEN, out, 32), JG_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(mfa_base32((const unsigned char *)"foobar", 6, out,
	    10), JG_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(mfa_base32((const unsigned char *)"", 0, out, 0),
	    JG_EINVAL);
}

static void
test_answer_parse(void **state)
{
	static const char *none[] = { "", "12345", "1234567", "12345a",
	    "12 34 5", "123456\n", "12345x6", "12345.6", "abcde-fghi",
	    "abcde-fghijk", "abcde-fgh1j", "abcde-fgh8j", "abcd\xe9-fghij",
	    "123456abcd", "12a456", "---", " \t ", "12345\xef\xbc\x96" };
	char out[MFA_RECOVERY_LEN + 1], big[1001];
	size_t i;

	(void)state;
	assert_int_equal(mfa_answer_parse("123456", out, sizeof(out)),
	    MFA_TOTP);
	assert_string_equal(out, "123456");
	assert_int_equal(mfa_answer_parse(" 12 34-56\t", out, sizeof(out)),
	    MFA_TOTP);
	assert_string_equal(out, "123456");
	assert_int_equal(mfa_answer_parse("abcde-fghij", out, sizeof(out)),
	    MFA_RECOVERY);
	assert_string_equal(out, "abcdefghij");
	assert_int_equal(mfa_answer_parse("ABCDE FGH27", out, sizeof(out)),
	    MFA_RECOVERY);
	assert_string_equal(out, "abcdefgh27");
	/* Ten of 2-7 is in the recovery alphabet. */
	assert_int_equal(mfa_answer_parse("23456-72345", out, sizeof(out)),
	    MFA_RECOVERY);
	assert_string_equal(out, "2345672345");
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(mfa_answer_parse(none[i], out, sizeof(out)),
		    MFA_NONE);
		assert_string_equal(out, "");
	}
	/* Too small an out, even for a TOTP code that would fit. */
	assert_int_equal(mfa_answer_parse("123456", out, MFA_RECOVERY_LEN),
	    MFA_NONE);
	assert_int_equal(mfa_answer_parse(NULL, out, sizeof(out)), MFA_NONE);

	/* A code inside a long run of spaces: MFA_ANSWER_MAX bytes at most. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "123456", 6);
	big[MFA_ANSWER_MAX] = '\0';
	assert_int_equal(mfa_answer_parse(big, out, sizeof(out)), MFA_TOTP);
	big[MFA_ANSWER_MAX] = ' ';
	big[MFA_ANSWER_MAX + 1] = '\0';
	assert_int_equal(mfa_answer_parse(big, out, sizeof(out)), MFA_NONE);
	big[MFA_ANSWER_MAX + 1] = ' ';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(mfa_answer_parse(big, out, sizeof(out)), MFA_NONE);
	assert_string_equal(out, "");
}

/* The current step, the one before and after; not two off. */
static void
test_check_window(void **state)
{
	unsigned char plain[MFA_PLAIN_LEN];
	uint64_t now = 1111111109, cur = now / MFA_STEP, step;
	uint32_t index = 99;
	char code[MFA_DIGITS + 1], typed[32];

	(void)state;
	plain_make(plain);
	step = 0;
	assert_int_equal(mfa_check(plain, sizeof(plain), "081804", now, 0, 0,
	    &step, &index), MFA_TOTP);
	assert_int_equal(step, cur);
	assert_int_equal(index, 99);
	step = 0;
	assert_int_equal(mfa_check(plain, sizeof(plain), " 081 804 ", now,
	    cur - 1, 0, &step, &index), MFA_TOTP);
	assert_int_equal(step, cur);

	code_for(plain, cur - 1, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, 0, 0,
	    &step, &index), MFA_TOTP);
	assert_int_equal(step, cur - 1);
	code_for(plain, cur + 1, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, 0, 0,
	    &step, &index), MFA_TOTP);
	assert_int_equal(step, cur + 1);

	step = 7;
	code_for(plain, cur - 2, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, 0, 0,
	    &step, &index), MFA_NONE);
	code_for(plain, cur + 2, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, 0, 0,
	    &step, &index), MFA_NONE);
	assert_int_equal(step, 7);

	/* A wrong code, and a code with a dash in the middle of a digit run. */
	assert_int_equal(mfa_check(plain, sizeof(plain), "081805", now, 0, 0,
	    &step, &index), MFA_NONE);
	snprintf(typed, sizeof(typed), "081-804");
	assert_int_equal(mfa_check(plain, sizeof(plain), typed, now, 0, 0,
	    &step, &index), MFA_TOTP);

	/* Step 0 is never after a last_step, and now 0 has no step before. */
	code_for(plain, 0, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, 0, 0, 0, &step,
	    &index), MFA_NONE);
	code_for(plain, 1, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, 0, 0, 0, &step,
	    &index), MFA_TOTP);
	assert_int_equal(step, 1);
}

/* A code is good once: then neither it nor an older one is. */
static void
test_check_replay(void **state)
{
	unsigned char plain[MFA_PLAIN_LEN];
	uint64_t now = 1111111109, cur = now / MFA_STEP, step = 0;
	uint32_t index = 0;
	char code[MFA_DIGITS + 1];

	(void)state;
	plain_make(plain);
	assert_int_equal(mfa_check(plain, sizeof(plain), "081804", now, 0, 0,
	    &step, &index), MFA_TOTP);
	assert_int_equal(mfa_check(plain, sizeof(plain), "081804", now, step,
	    0, &step, &index), MFA_NONE);
	assert_int_equal(mfa_check(plain, sizeof(plain), "081804", now + 29,
	    step, 0, &step, &index), MFA_NONE);
	code_for(plain, cur - 1, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, cur, 0,
	    &step, &index), MFA_NONE);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, cur - 1, 0,
	    &step, &index), MFA_NONE);
	assert_int_equal(step, cur);
	code_for(plain, cur + 1, code);
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, cur, 0,
	    &step, &index), MFA_TOTP);
	assert_int_equal(step, cur + 1);
	/* A last_step from the future refuses the whole window. */
	assert_int_equal(mfa_check(plain, sizeof(plain), code, now, cur + 5, 0,
	    &step, &index), MFA_NONE);
}

static void
test_check_recovery(void **state)
{
	unsigned char plain[MFA_PLAIN_LEN];
	uint64_t step = 0;
	uint32_t index = 0, used = 0;

	(void)state;
	plain_make(plain);
	/* Code 1 is "klmnopqrst"; code 9 is "234567abcd". */
	assert_int_equal(mfa_check(plain, sizeof(plain), "KLMNO-PQRST", 0, 0,
	    used, &step, &index), MFA_RECOVERY);
	assert_int_equal(index, 1);
	assert_int_equal(step, 0);
	used |= 1u << index;
	assert_int_equal(mfa_check(plain, sizeof(plain), "klmnopqrst", 0, 0,
	    used, &step, &index), MFA_NONE);
	assert_int_equal(mfa_check(plain, sizeof(plain), "23456 7ABCD", 0, 0,
	    used, &step, &index), MFA_RECOVERY);
	assert_int_equal(index, 9);
	assert_int_equal(mfa_check(plain, sizeof(plain), "234567abce", 0, 0, 0,
	    &step, &index), MFA_NONE);
	/* A recovery code is no TOTP code, whatever the step. */
	assert_int_equal(mfa_check(plain, sizeof(plain), "abcdefghij",
	    1111111109, 0, 0, &step, &index), MFA_RECOVERY);
	assert_int_equal(index, 0);
	assert_int_equal(step, 0);
}

static void
test_check_bad_plain(void **state)
{
	unsigned char plain[MFA_PLAIN_LEN + 1];
	uint64_t step = 0;
	uint32_t index = 0;

	(void)state;
	plain_make(plain);
	assert_int_equal(mfa_check(plain, MFA_PLAIN_LEN, "081804", 1111111109,
	    0, 0, &step, &index), MFA_TOTP);
	assert_int_equal(mfa_check(plain, MFA_PLAIN_LEN - 1, "081804",
	    1111111109, 0, 0, &step, &index), MFA_NONE);
	assert_int_equal(mfa_check(plain, MFA_PLAIN_LEN + 1, "081804",
	    1111111109, 0, 0, &step, &index), MFA_NONE);
	assert_int_equal(mfa_check(plain, 0, "abcdefghij", 0, 0, 0, &step,
	    &index), MFA_NONE);
	assert_int_equal(mfa_check(NULL, MFA_PLAIN_LEN, "abcdefghij", 0, 0, 0,
	    &step, &index), MFA_NONE);
}

/* New codes are in the alphabet, parse back and check; keys differ. */
static void
test_new(void **state)
{
	unsigned char a[MFA_PLAIN_LEN], b[MFA_PLAIN_LEN];
	char shown[MFA_RECOVERY_LEN + 2], code[MFA_DIGITS + 1];
	const unsigned char *r;
	uint64_t step = 0;
	uint32_t index, i, j;

	(void)state;
	assert_int_equal(mfa_new(a), JG_OK);
	assert_int_equal(mfa_new(b), JG_OK);
	assert_memory_not_equal(a, b, MFA_SECRET_LEN);
	assert_memory_not_equal(a + MFA_SECRET_LEN, b + MFA_SECRET_LEN,
	    MFA_PLAIN_LEN - MFA_SECRET_LEN);
	for (i = 0; i < MFA_RECOVERY_N; i++) {
		r = a + MFA_SECRET_LEN + i * MFA_RECOVERY_LEN;
		for (j = 0; j < MFA_RECOVERY_LEN; j++)
			assert_true((r[j] >= 'a' && r[j] <= 'z') ||
			    (r[j] >= '2' && r[j] <= '7'));
		/* As shown to the user: xxxxx-xxxxx. */
		snprintf(shown, sizeof(shown), "%.5s-%.5s", (const char *)r,
		    (const char *)r + 5);
		index = 99;
		assert_int_equal(mfa_check(a, sizeof(a), shown, 0, 0, 0, &step,
		    &index), MFA_RECOVERY);
		assert_int_equal(index, i);
	}
	code_for(a, 1000, code);
	assert_int_equal(mfa_check(a, sizeof(a), code, 1000 * MFA_STEP, 999,
	    0, &step, &index), MFA_TOTP);
	assert_int_equal(step, 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotp_rfc4226),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_answer_parse),
		cmocka_unit_test(test_check_window),
		cmocka_unit_test(test_check_replay),
		cmocka_unit_test(test_check_recovery),
		cmocka_unit_test(test_check_bad_plain),
		cmocka_unit_test(test_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
