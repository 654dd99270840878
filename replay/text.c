/* text.c: pure text helpers of replay: times into a recording, escape stripping, UTF-8 for JSON. */

/*
 * Nothing here touches the store, the vault or a file, so the unit test
 * (tests/unit/test-recplay.c) drives it alone. Escape stripping and
 * UTF-8 decoding are streaming state machines: a sequence split across two
 * events of a recording is handled as if it came in one piece.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define REPLAY_TIME_MAX_S (366ULL * 86400)

/* Digits only, at most 12 of them; 0 and the value, or -1. */
static int
replay_time_digits(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > 12)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/*
 * A time into a recording: "90" or "90.5" (seconds), a DUR ("90s", "15m",
 * "2h", "1d") or "[[H:]M:]S" with M and S below 60 after the first field.
 */
int
replay_time_parse(const char *s, uint64_t *ms)
{
	const char *p, *colon, *dot;
	uint64_t v, total = 0, frac = 0;
	long secs;
	size_t n, fields = 0;

	if (s == NULL || s[0] == '\0' || strlen(s) > 32)
		return JG_EINVAL;
	if (strchr(s, ':') != NULL) {
		for (p = s;; p = colon + 1) {
			colon = strchr(p, ':');
			n = colon != NULL ? (size_t)(colon - p) : strlen(p);
			if (replay_time_digits(p, n, &v) != 0 || ++fields > 3 ||
			    (fields > 1 && (v >= 60 || n != 2)))
				return JG_EINVAL;
			total = total * 60 + v;
			if (colon == NULL)
				break;
		}
		if (total > REPLAY_TIME_MAX_S)
			return JG_EINVAL;
		*ms = total * 1000;
		return JG_OK;
	}
	n = strspn(s, "0123456789");
	if (s[n] == '\0' || s[n] == '.') {
		if (replay_time_digits(s, n, &v) != 0)
			return JG_EINVAL;
		if (s[n] == '.') {
			dot = s + n + 1;
			n = strlen(dot);
			if (n == 0 || n > 3 || replay_time_digits(dot, n, &frac))
				return JG_EINVAL;
			for (; n < 3; n++)
				frac *= 10;
		}
		if (v > REPLAY_TIME_MAX_S)
			return JG_EINVAL;
		*ms = v * 1000 + frac;
		return JG_OK;
	}
	if (duration_parse(s, &secs) != JG_OK)
		return JG_EINVAL;
	*ms = (uint64_t)secs * 1000;
	return JG_OK;
}

void
replay_hms(uint64_t ms, char *out, size_t len)
{
	uint64_t s = ms / 1000;

	snprintf(out, len, "%02llu:%02llu:%02llu",
	    (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
	    (unsigned long long)(s % 60));
}

/* Escape stripping (ECMA-48 / xterm, 7-bit forms). */

enum { STRIP_GROUND = 0, STRIP_ESC, STRIP_ESC_INTER, STRIP_CSI, STRIP_STRING };

void
replay_strip_init(struct replay_strip *st)
{
	memset(st, 0, sizeof(*st));
}

/*
 * Feed n bytes; the visible text goes to out (at most n bytes). Dropped:
 * CSI sequences, OSC/DCS/SOS/PM/APC strings (ended by BEL or ST), two- and
 * three-byte ESC sequences, CR, and every other C0 control but TAB and LF.
 */
size_t
replay_strip_feed(struct replay_strip *st, const unsigned char *in, size_t n,
    unsigned char *out)
{
	size_t i, o = 0;
	unsigned char b;

	for (i = 0; i < n; i++) {
		b = in[i];
		if (b == 0x18 || b == 0x1a) {	/* CAN, SUB: abort */
			st->state = STRIP_GROUND;
			continue;
		}
		switch (st->state) {
		case STRIP_GROUND:
			if (b == 0x1b)
				st->state = STRIP_ESC;
			else if (b == '\n' || b == '\t' ||
			    (b >= 0x20 && b != 0x7f))
				out[o++] = b;
			break;
		case STRIP_ESC:
			if (b == '[')
				st->state = STRIP_CSI;
			else if (b == ']' || b == 'P' || b == 'X' ||
			    b == '^' || b == '_')
				st->state = STRIP_STRING;
			else if (b >= 0x20 && b <= 0x2f)
				st->state = STRIP_ESC_INTER;
			else if (b == 0x1b)
				st->state = STRIP_ESC;
			else
				st->state = STRIP_GROUND;
			break;
		case STRIP_ESC_INTER:
			if (b == 0x1b)
				st->state = STRIP_ESC;
			else if (b < 0x20 || b > 0x2f)
				st->state = STRIP_GROUND;
			break;
		case STRIP_CSI:
			if (b == 0x1b)
				st->state = STRIP_ESC;
			else if (b >= 0x40 && b <= 0x7e)
				st->state = STRIP_GROUND;
			else if (b >= 0x80)
				st->state = STRIP_GROUND;
			break;
		case STRIP_STRING:
			if (b == 0x07)
				st->state = STRIP_GROUND;
			else if (b == 0x1b)
				st->state = STRIP_ESC;	/* ESC \ is ST */
			break;
		default:
			st->state = STRIP_GROUND;
			break;
		}
	}
	return o;
}

/* UTF-8 into the body of a JSON string. */

void
replay_utf8_init(struct replay_utf8 *u)
{
	memset(u, 0, sizeof(*u));
}

size_t
replay_json_max(size_t n)
{
	return 6 * (n + 4) + 1;
}

static size_t
replay_json_byte(unsigned char b, char *out)
{
	static const char hex[] = "0123456789abcdef";

	switch (b) {
	case '"':
		memcpy(out, "\\\"", 2);
		return 2;
	case '\\':
		memcpy(out, "\\\\", 2);
		return 2;
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	}
	if (b < 0x20 || b == 0x7f) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[b >> 4];
		out[5] = hex[b & 0xf];
		return 6;
	}
	out[0] = (char)b;
	return 1;
}

#define REPLAY_FFFD "\xef\xbf\xbd"

/*
 * Decode u's carried tail then in[0..n) as UTF-8 into out (which holds at
 * least replay_json_max(n) bytes), JSON-escaped, NUL-terminated; returns the
 * length. Invalid bytes become U+FFFD, one per maximal invalid subpart (as
 * the WHATWG decoder does). An incomplete sequence at the end is carried
 * in u to the next call, or, when final, replaced by U+FFFD.
 */
size_t
replay_json_utf8(struct replay_utf8 *u, const unsigned char *in, size_t n,
    int final, char *out)
{
	unsigned char tail[4], b, c, lo, hi;
	size_t ntail = u->ntail, total = ntail + n, i = 0, o = 0, k, need;

#define AT(j) ((j) < ntail ? tail[(j)] : in[(j) - ntail])
	memcpy(tail, u->tail, sizeof(tail));
	u->ntail = 0;
	while (i < total) {
		b = AT(i);
		if (b < 0x80) {
			o += replay_json_byte(b, out + o);
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (b >= 0xc2 && b <= 0xdf)
			need = 1;
		else if (b >= 0xe0 && b <= 0xef) {
			need = 2;
			if (b == 0xe0)
				lo = 0xa0;
			else if (b == 0xed)
				hi = 0x9f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			need = 3;
			if (b == 0xf0)
				lo = 0x90;
			else if (b == 0xf4)
				hi = 0x8f;
		} else {
			memcpy(out + o, REPLAY_FFFD, 3);
			o += 3;
			i++;
			continue;
		}
		for (k = 1; k <= need; k++) {
			if (i + k >= total)
				break;
			c = AT(i + k);
			if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf))
				break;
		}
		if (k > need) {
			for (k = 0; k <= need; k++)
				out[o++] = (char)AT(i + k);
			i += need + 1;
		} else if (i + k >= total && !final) {
			/* An incomplete but so far valid sequence: carry it. */
			for (; i < total; i++)
				u->tail[u->ntail++] = AT(i);
		} else {
			memcpy(out + o, REPLAY_FFFD, 3);
			o += 3;
			i += k;
		}
	}
#undef AT
	out[o] = '\0';
	return o;
}

/*
 * A status line on row rows of a terminal cols wide: text in reverse
 * video, cut or padded to the width, the cursor and attributes saved and
 * restored around it (DECSC/DECRC). The length written to out.
 */
size_t
replay_status_bar(char *out, size_t len, unsigned rows, unsigned cols,
    const char *text)
{
	int n;

	if (cols > 255)
		cols = 255;
	n = snprintf(out, len, "\0337\033[%u;1H\033[0;7m%-*.*s\033[0m\0338",
	    rows, (int)cols, (int)cols, text);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}
