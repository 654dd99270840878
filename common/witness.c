/* witness.c: the audit log's witness: one JSON line per audit row, written as rows are committed, read back by `audit verify --witness`. */

/*
 * A database on the gateway host can be cut by its root: the hash chain
 * shows an edit or a gap inside it, not a tail that is simply gone. The
 * witness is a copy kept elsewhere: every row, with its sequence number
 * and chain hash, goes as it is committed to syslog (LOG_AUTHPRIV) and,
 * with AuditLogFile, as one JSON line to a file that an operator ships off
 * the host. A line is a flat object of strings and integers; the reader
 * below accepts exactly that and nothing larger than WITNESS_LINE_MAX,
 * since the file it reads may itself have been tampered with.
 */

#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "jumpgate.h"

/* Append text to out at *o; JG_EINVAL when it does not fit. */
static int
witness_put(char *out, size_t len, size_t *o, const char *text)
{
	size_t n = strlen(text);

	if (*o + n >= len)
		return JG_EINVAL;
	memcpy(out + *o, text, n + 1);
	*o += n;
	return JG_OK;
}

/* One JSON string value, escaped. */
static int
witness_put_string(char *out, size_t len, size_t *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[8];
	int rc = witness_put(out, len, o, "\"");

	for (p = (const unsigned char *)s; rc == JG_OK && *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			snprintf(esc, sizeof(esc), "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(esc, sizeof(esc), "\\u00%c%c", hex[*p >> 4],
			    hex[*p & 0xf]);
		else
			snprintf(esc, sizeof(esc), "%c", *p);
		rc = witness_put(out, len, o, esc);
	}
	return rc == JG_OK ? witness_put(out, len, o, "\"") : rc;
}

/* The JSON line of one audit row (with its newline); JG_EINVAL if too long. */
int
witness_line(const struct store_audit *a, char *out, size_t len)
{
	char hash[65], prev[65], num[64];
	size_t o = 0;
	int rc;

	sodium_bin2hex(hash, sizeof(hash), a->hash, 32);
	sodium_bin2hex(prev, sizeof(prev), a->prev, 32);
	snprintf(num, sizeof(num), "{\"seq\":%lld,\"time\":", a->id);
	rc = witness_put(out, len, &o, num);
	if (rc == JG_OK)
		rc = witness_put_string(out, len, &o, a->time);
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, ",\"actor\":");
	if (rc == JG_OK)
		rc = witness_put_string(out, len, &o, a->actor);
	snprintf(num, sizeof(num), ",\"uid\":%ld,\"action\":", a->uid);
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, num);
	if (rc == JG_OK)
		rc = witness_put_string(out, len, &o, a->action);
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, ",\"detail\":");
	if (rc == JG_OK)
		rc = witness_put_string(out, len, &o, a->detail);
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, ",\"prev\":\"");
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, prev);
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, "\",\"hash\":\"");
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, hash);
	if (rc == JG_OK)
		rc = witness_put(out, len, &o, "\"}\n");
	return rc;
}

/* A bounded cursor over one line. */
struct wcur {
	const char *p, *end;
};

static void
witness_ws(struct wcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* A JSON string into out (at most len - 1 bytes, \u escapes of ASCII only). */
static int
witness_get_string(struct wcur *c, char *out, size_t len)
{
	size_t o = 0;
	unsigned v;
	int i;

	if (c->p >= c->end || *c->p != '"')
		return JG_EINVAL;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;

		if (ch < 0x20)
			return JG_EINVAL;
		if (ch == '\\') {
			if (c->p >= c->end)
				return JG_EINVAL;
			ch = (unsigned char)*c->p++;
			switch (ch) {
			case '"': case '\\': case '/':
				break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 'u':
				if (c->end - c->p < 4)
					return JG_EINVAL;
				for (v = 0, i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)c->p[i]))
						return JG_EINVAL;
					v = v * 16 + (unsigned)(isdigit(
					    (unsigned char)c->p[i]) ? c->p[i] -
					    '0' : (tolower((unsigned char)
					    c->p[i]) - 'a' + 10));
				}
				c->p += 4;
				if (v == 0 || v > 0x7f)
					return JG_EINVAL;
				ch = (unsigned char)v;
				break;
			default:
				return JG_EINVAL;
			}
		}
		if (o + 1 >= len)
			return JG_EINVAL;
		out[o++] = (char)ch;
	}
	if (c->p >= c->end)
		return JG_EINVAL;
	c->p++;
	out[o] = '\0';
	return JG_OK;
}

/* An integer of at most 18 digits; negative only when allowed (a uid). */
static int
witness_get_int(struct wcur *c, int negative_ok, long long *v)
{
	int n = 0, neg = 0;

	*v = 0;
	if (negative_ok && c->p < c->end && *c->p == '-') {
		neg = 1;
		c->p++;
	}
	while (c->p < c->end && isdigit((unsigned char)*c->p)) {
		if (++n > 18)
			return JG_EINVAL;
		*v = *v * 10 + (*c->p++ - '0');
	}
	if (neg)
		*v = -*v;
	return n > 0 ? JG_OK : JG_EINVAL;
}

static int
witness_get_hash(const char *hex, unsigned char out[32])
{
	size_t n;

	if (strlen(hex) != 64 || sodium_hex2bin(out, 32, hex, 64, NULL, &n,
	    NULL) != 0 || n != 32)
		return JG_EINVAL;
	return JG_OK;
}

/*
 * Parse one witness line (without or with its newline) into a row: seq
 * and hash must be there, every key at most once; detail is not kept
 * (a->detail stays NULL). JG_EINVAL for anything that is not a line
 * witness_line could have written.
 */
int
witness_parse(const char *line, size_t len, struct store_audit *a)
{
	struct wcur c = { line, line + len };
	char key[16], val[WITNESS_LINE_MAX];
	long long num;
	unsigned seen = 0, bit;

	memset(a, 0, sizeof(*a));
	if (len > WITNESS_LINE_MAX)
		return JG_EINVAL;
	if (len > 0 && line[len - 1] == '\n')
		c.end--;
	witness_ws(&c);
	if (c.p >= c.end || *c.p++ != '{')
		return JG_EINVAL;
	for (;;) {
		witness_ws(&c);
		if (witness_get_string(&c, key, sizeof(key)) != JG_OK)
			return JG_EINVAL;
		witness_ws(&c);
		if (c.p >= c.end || *c.p++ != ':')
			return JG_EINVAL;
		witness_ws(&c);
		if (strcmp(key, "seq") == 0 || strcmp(key, "uid") == 0) {
			if (witness_get_int(&c, key[0] == 'u', &num) !=
			    JG_OK)
				return JG_EINVAL;
			bit = key[0] == 's' ? 1 : 2;
			if (key[0] == 's')
				a->id = num;
			else
				a->uid = (long)num;
		} else {
			if (witness_get_string(&c, val, sizeof(val)) != JG_OK)
				return JG_EINVAL;
			if (strcmp(key, "time") == 0) {
				bit = 4;
				snprintf(a->time, sizeof(a->time), "%s", val);
			} else if (strcmp(key, "actor") == 0) {
				bit = 8;
				snprintf(a->actor, sizeof(a->actor), "%s", val);
			} else if (strcmp(key, "action") == 0) {
				bit = 16;
				snprintf(a->action, sizeof(a->action), "%s",
				    val);
			} else if (strcmp(key, "detail") == 0)
				bit = 32;
			else if (strcmp(key, "prev") == 0) {
				bit = 64;
				if (witness_get_hash(val, a->prev) != JG_OK)
					return JG_EINVAL;
			} else if (strcmp(key, "hash") == 0) {
				bit = 128;
				if (witness_get_hash(val, a->hash) != JG_OK)
					return JG_EINVAL;
			} else
				return JG_EINVAL;
		}
		if (seen & bit)
			return JG_EINVAL;
		seen |= bit;
		witness_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}') {
			c.p++;
			break;
		}
		return JG_EINVAL;
	}
	witness_ws(&c);
	if (c.p != c.end || !(seen & 1) || !(seen & 128) || a->id < 1)
		return JG_EINVAL;
	return JG_OK;
}
