/* mfa.c: one-time codes: TOTP (RFC 6238) keys and recovery codes, made and checked. */

/*
 * A user's second factor is one sealed vault secret whose plaintext is
 *
 *	key (MFA_SECRET_LEN bytes) || MFA_RECOVERY_N recovery codes
 *
 * each code MFA_RECOVERY_LEN lower-case base32 characters, back to back.
 * This file knows that layout and nothing of the store or the vault: the
 * caller opens the secret, calls mfa_check with what the store remembers
 * (the last TOTP step accepted, the recovery codes used) and records what
 * it returns, so a code is never accepted twice even within its 30 s.
 * The answer comes from the network, so it is read through a bounded
 * copy, compared in constant time and wiped after.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "jumpgate.h"

/* RFC 4648's alphabet; recovery codes use it in lower case. */
static const char mfa_b32_upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char mfa_b32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";

/* 10^MFA_DIGITS: a HOTP value at or above it is no code (a failed HMAC). */
#define MFA_MODULUS 1000000u
_Static_assert(MFA_DIGITS == 6, "MFA_MODULUS is 10^MFA_DIGITS");

/* Whether c is a base32 character, either case. */
static int
mfa_b32_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '2' && c <= '7');
}

/*
 * in as unpadded base32 (the form authenticator apps take a key in).
 * JG_EINVAL if out cannot hold it and its NUL; out is then "".
 */
int
mfa_base32(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	/* Characters for the 0 to 4 bytes after the last whole 5. */
	static const size_t tail[5] = { 0, 2, 4, 5, 7 };
	uint32_t acc = 0;
	size_t need, i, o = 0;
	unsigned int bits = 0;

	if (len / 5 > (SIZE_MAX - 8) / 8) {
		if (outlen > 0)
			out[0] = '\0';
		return JG_EINVAL;
	}
	need = len / 5 * 8 + tail[len % 5] + 1;
	if (out == NULL || outlen < need) {
		if (out != NULL && outlen > 0)
			out[0] = '\0';
		return JG_EINVAL;
	}
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = mfa_b32_upper[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;	/* keep only the unsent bits */
	}
	if (bits > 0)
		out[o++] = mfa_b32_upper[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return JG_OK;
}

/*
 * RFC 4226 HOTP over HMAC-SHA-1, MFA_DIGITS digits. OpenSSL fails only
 * out of memory; that gives UINT32_MAX, which no code ever equals.
 */
uint32_t
mfa_hotp(const unsigned char *key, size_t keylen, uint64_t counter)
{
	static const unsigned char nokey[1];
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, off;
	uint32_t v;
	int i;

	for (i = 7; i >= 0; i--) {
		msg[i] = counter & 0xff;
		counter >>= 8;
	}
	/* A NULL key means "the previous key" to parts of OpenSSL. */
	if (key == NULL || keylen == 0) {
		key = nokey;
		keylen = 0;
	}
	if (keylen > INT_MAX || HMAC(EVP_sha1(), key, (int)keylen, msg,
	    sizeof(msg), mac, &maclen) == NULL || maclen < 20)
		return UINT32_MAX;
	/* Dynamic truncation: the low nibble of the last byte picks 4 bytes. */
	off = mac[maclen - 1] & 0x0f;
	v = ((uint32_t)(mac[off] & 0x7f) << 24) |
	    ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	    mac[off + 3];
	explicit_bzero(mac, sizeof(mac));
	return v % MFA_MODULUS;
}

/*
 * What was typed at the prompt, without its spaces, tabs and dashes, into
 * out (MFA_RECOVERY_LEN + 1 bytes at least): MFA_DIGITS digits are a TOTP
 * code, MFA_RECOVERY_LEN base32 characters a recovery code (lower-cased).
 * Anything else, or more than MFA_ANSWER_MAX bytes, is MFA_NONE and out
 * is "". No byte past MFA_ANSWER_MAX is read, however long the answer.
 */
int
mfa_answer_parse(const char *answer, char *out, size_t outlen)
{
	char kept[MFA_RECOVERY_LEN];
	size_t i, n = 0, digits = 0, b32 = 0;
	int kind = MFA_NONE;
	unsigned char c;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (answer == NULL || out == NULL || outlen < MFA_RECOVERY_LEN + 1 ||
	    strnlen(answer, MFA_ANSWER_MAX + 1) > MFA_ANSWER_MAX)
		return MFA_NONE;
	for (i = 0; answer[i] != '\0'; i++) {
		c = (unsigned char)answer[i];
		if (c == ' ' || c == '\t' || c == '-')
			continue;
		if (n == sizeof(kept))
			goto out;		/* longer than either kind */
		digits += c >= '0' && c <= '9';
		b32 += mfa_b32_char(c);
		kept[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	/* Ten of 2-7 is a recovery code too: its alphabet has those digits. */
	if (n == MFA_DIGITS && digits == n)
		kind = MFA_TOTP;
	else if (n == MFA_RECOVERY_LEN && b32 == n)
		kind = MFA_RECOVERY;
	if (kind != MFA_NONE) {
		memcpy(out, kept, n);
		out[n] = '\0';
	}
out:
	explicit_bzero(kept, sizeof(kept));
	return kind;
}

/*
 * answer against the opened plaintext at time now. A TOTP code may be
 * for the step before or after now's (clocks drift, people are slow) but
 * only for a step after last_step: once a code is accepted, neither it
 * nor any older one is again. A recovery code counts if its bit is clear
 * in recovery_used. MFA_TOTP sets *step, MFA_RECOVERY *index, for the
 * caller to record; MFA_NONE leaves both alone.
 */
int
mfa_check(const unsigned char *plain, size_t plainlen, const char *answer,
    uint64_t now, uint64_t last_step, uint32_t recovery_used, uint64_t *step,
    uint32_t *index)
{
	char got[MFA_RECOVERY_LEN + 1], want[16];
	const unsigned char *codes;
	uint64_t cur, s, found = 0;
	uint32_t i, hit = 0, v;
	int kind, match = 0;

	if (plain == NULL || plainlen != MFA_PLAIN_LEN)
		return MFA_NONE;
	codes = plain + MFA_SECRET_LEN;
	kind = mfa_answer_parse(answer, got, sizeof(got));
	if (kind == MFA_TOTP) {
		/*
		 * Every step of the window is tried, with no early exit: if two
		 * steps had the same code, the later one is kept, which refuses
		 * the code for both from now on.
		 */
		cur = now / MFA_STEP;
		for (s = cur == 0 ? 0 : cur - 1; s <= cur + 1; s++) {
			if (s <= last_step)
				continue;
			if ((v = mfa_hotp(plain, MFA_SECRET_LEN, s)) >=
			    MFA_MODULUS)
				continue;
			snprintf(want, sizeof(want), "%0*u", MFA_DIGITS,
			    (unsigned int)v);
			if (CRYPTO_memcmp(got, want, MFA_DIGITS) == 0) {
				found = s;
				match = 1;
			}
		}
		if (match)
			*step = found;
	} else if (kind == MFA_RECOVERY) {
		for (i = 0; i < MFA_RECOVERY_N; i++) {
			if (recovery_used & (1u << i))
				continue;
			if (CRYPTO_memcmp(got, codes + i * MFA_RECOVERY_LEN,
			    MFA_RECOVERY_LEN) == 0 && !match) {
				hit = i;
				match = 1;
			}
		}
		if (match)
			*index = hit;
	}
	explicit_bzero(got, sizeof(got));
	explicit_bzero(want, sizeof(want));
	return match ? kind : MFA_NONE;
}

/*
 * A new enrolment: a random key and MFA_RECOVERY_N random codes. 32
 * divides 256, so the low five bits of a random byte pick a character
 * with no bias.
 */
int
mfa_new(unsigned char plain[MFA_PLAIN_LEN])
{
	unsigned char r[MFA_RECOVERY_N * MFA_RECOVERY_LEN];
	size_t i;

	if (sodium_init() < 0)
		return JG_ERR;
	randombytes_buf(plain, MFA_SECRET_LEN);
	randombytes_buf(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++)
		plain[MFA_SECRET_LEN + i] =
		    (unsigned char)mfa_b32_lower[r[i] & 31];
	explicit_bzero(r, sizeof(r));
	return JG_OK;
}
