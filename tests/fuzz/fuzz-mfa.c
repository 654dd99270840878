/* fuzz-mfa.c: libFuzzer harness: the answer to the `verification code:` prompt (common/mfa.c). */

/*
 * Input: the answer as typed, checked against a fixed enrolment at a fixed
 * time; then, with 8 bytes or more, those bytes as the time (big-endian)
 * and the rest as the answer. Whatever parses is a TOTP code of exactly
 * MFA_DIGITS digits or a recovery code of a-z 2-7. mfa_check agrees with
 * a plain reference written here: a step it accepts is after last_step
 * and within one of now's, a recovery code it accepts is one not used,
 * and every answer the reference accepts, mfa_check accepts too.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The RFC 6238 key and codes "abcdefghij", "klmnopqrst", ... */
static unsigned char plain[MFA_PLAIN_LEN];

static void
fuzz_plain(void)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t i;

	if (plain[0] != 0)
		return;
	memcpy(plain, "12345678901234567890", MFA_SECRET_LEN);
	for (i = 0; i < MFA_RECOVERY_N * MFA_RECOVERY_LEN; i++)
		plain[MFA_SECRET_LEN + i] = (unsigned char)b32[i % 32];
}

static int
fuzz_b32(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

/* What mfa_check must answer, found the slow and obvious way. */
static int
fuzz_expect(const char *answer, uint64_t now, uint64_t last, uint32_t used)
{
	char got[MFA_RECOVERY_LEN + 1], want[16];
	uint64_t cur = now / MFA_STEP, s;
	uint32_t i;

	switch (mfa_answer_parse(answer, got, sizeof(got))) {
	case MFA_TOTP:
		for (s = cur == 0 ? 0 : cur - 1; s <= cur + 1; s++) {
			snprintf(want, sizeof(want), "%06u", (unsigned int)
			    mfa_hotp(plain, MFA_SECRET_LEN, s));
			if (s > last && strcmp(got, want) == 0)
				return MFA_TOTP;
		}
		return MFA_NONE;
	case MFA_RECOVERY:
		for (i = 0; i < MFA_RECOVERY_N; i++)
			if (!(used & (1u << i)) && memcmp(got, plain +
			    MFA_SECRET_LEN + i * MFA_RECOVERY_LEN,
			    MFA_RECOVERY_LEN) == 0)
				return MFA_RECOVERY;
		return MFA_NONE;
	}
	return MFA_NONE;
}

static void
fuzz_one(const char *answer, uint64_t now, uint64_t last, uint32_t used)
{
	char out[MFA_RECOVERY_LEN + 1];
	uint64_t cur = now / MFA_STEP, step = UINT64_MAX;
	uint32_t index = UINT32_MAX;
	size_t i;
	int kind;

	kind = mfa_answer_parse(answer, out, sizeof(out));
	switch (kind) {
	case MFA_NONE:
		if (out[0] != '\0')
			abort();
		break;
	case MFA_TOTP:
		if (strlen(out) != MFA_DIGITS)
			abort();
		for (i = 0; i < MFA_DIGITS; i++)
			if (out[i] < '0' || out[i] > '9')
				abort();
		break;
	case MFA_RECOVERY:
		if (strlen(out) != MFA_RECOVERY_LEN)
			abort();
		for (i = 0; i < MFA_RECOVERY_LEN; i++)
			if (!fuzz_b32(out[i]))
				abort();
		break;
	default:
		abort();
	}

	kind = mfa_check(plain, sizeof(plain), answer, now, last, used, &step,
	    &index);
	switch (kind) {
	case MFA_NONE:
		if (step != UINT64_MAX || index != UINT32_MAX)
			abort();
		break;
	case MFA_TOTP:
		if (step <= last || step + 1 < cur || step > cur + 1 ||
		    index != UINT32_MAX)
			abort();
		break;
	case MFA_RECOVERY:
		if (index >= MFA_RECOVERY_N || (used & (1u << index)) ||
		    step != UINT64_MAX)
			abort();
		break;
	default:
		abort();
	}
	if (kind != fuzz_expect(answer, now, last, used))
		abort();
	/* The wrong length of plaintext accepts nothing. */
	if (mfa_check(plain, sizeof(plain) - 1, answer, now, 0, 0, &step,
	    &index) != MFA_NONE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *answer;
	uint64_t now = 0, cur;
	size_t i;

	fuzz_plain();
	if ((answer = malloc(size + 1)) == NULL)
		return 0;
	memcpy(answer, data, size);
	answer[size] = '\0';
	/* RFC 6238's 1111111109: "081804"; code 1 counts as used. */
	fuzz_one(answer, 1111111109, 0, 1u << 1);

	if (size >= 8) {
		for (i = 0; i < 8; i++)
			now = (now << 8) | data[i];
		cur = now / MFA_STEP;
		/* The last byte of the time picks last_step and a used code. */
		fuzz_one(answer + 8, now, cur > 3 ? cur - (data[7] & 3) : 0,
		    1u << (data[7] % MFA_RECOVERY_N));
	}
	free(answer);
	return 0;
}
