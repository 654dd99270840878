/* buf.c: a bounded byte buffer with checked put/get of SSH-style fields (after OpenSSH's sshbuf). */

/*
 * Every function returns 0 or a negative JG_* error and never reads or
 * writes past the data it holds, so callers can chain checks:
 *     if ((r = buf_get_u32(b, &n)) != 0 || (r = buf_get_cstring(...)) != 0)
 * A buffer has a maximum size fixed at creation; growth past it fails.
 * Buffers that carried secrets are wiped on free.
 */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jumpgate.h"

struct buf {
	unsigned char *d;
	size_t off;		/* start of unread data */
	size_t len;		/* end of data */
	size_t cap;
	size_t max;
};

struct buf *
buf_new(size_t max)
{
	struct buf *b = xcalloc(1, sizeof(*b));

	b->max = max;
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->d != NULL)
		sodium_memzero(b->d, b->cap);
	free(b->d);
	free(b);
}

void
buf_reset(struct buf *b)
{
	if (b->d != NULL)
		sodium_memzero(b->d, b->len);
	b->off = b->len = 0;
}

/*
 * Empty it without wiping: for a buffer about to be filled again at once
 * with data of the same kind (a reader's next chunk over its last), whose
 * storage buf_free wipes in the end.
 */
void
buf_clear(struct buf *b)
{
	b->off = b->len = 0;
}

size_t
buf_len(const struct buf *b)
{
	return b->len - b->off;
}

const unsigned char *
buf_ptr(const struct buf *b)
{
	return b->d == NULL ? (const unsigned char *)"" : b->d + b->off;
}

/* Room for n more bytes at the end; *p points at it. */
int
buf_reserve(struct buf *b, size_t n, unsigned char **p)
{
	unsigned char *nd;
	size_t need, ncap;

	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (n > b->max || buf_len(b) > b->max - n)
		return JG_EINVAL;
	need = b->len + n;
	if (need > b->cap) {
		if (b->off > 0) {	/* compact before growing */
			memmove(b->d, b->d + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
			need = b->len + n;
		}
		if (need > b->cap) {
			ncap = b->cap < 256 ? 256 : b->cap;
			while (ncap < need)
				ncap *= 2;
			if (ncap > b->max)
				ncap = b->max;
			if ((nd = malloc(ncap)) == NULL)
				return JG_ENOMEM;
			if (b->d != NULL) {
				memcpy(nd, b->d, b->len);
				sodium_memzero(b->d, b->cap);
				free(b->d);
			}
			b->d = nd;
			b->cap = ncap;
		}
	}
	*p = b->d + b->len;
	b->len += n;
	return JG_OK;
}

/*
 * An empty buffer whose storage grew past keep gives it back (wiped): a
 * queue that once held megabytes for a burst must not keep them for the
 * rest of a long idle session.
 */
void
buf_trim(struct buf *b, size_t keep)
{
	if (buf_len(b) != 0 || b->cap <= keep)
		return;
	sodium_memzero(b->d, b->cap);
	free(b->d);
	b->d = NULL;
	b->cap = b->off = b->len = 0;
}

/* Give back bytes reserved but not filled (e.g. a short read). */
void
buf_unreserve(struct buf *b, size_t n)
{
	if (n > buf_len(b))
		n = buf_len(b);
	b->len -= n;
}

int
buf_put(struct buf *b, const void *v, size_t n)
{
	unsigned char *p;
	int r;

	if (n == 0)
		return JG_OK;
	if ((r = buf_reserve(b, n, &p)) != JG_OK)
		return r;
	memcpy(p, v, n);
	return JG_OK;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_put(b, x, 4);
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	int r;

	if ((r = buf_put_u32(b, (uint32_t)(v >> 32))) != JG_OK)
		return r;
	return buf_put_u32(b, (uint32_t)v);
}

int
buf_put_string(struct buf *b, const void *v, size_t n)
{
	int r;

	if (n > UINT32_MAX)
		return JG_EINVAL;
	if ((r = buf_put_u32(b, (uint32_t)n)) != JG_OK)
		return r;
	return buf_put(b, v, n);
}

int
buf_put_cstring(struct buf *b, const char *s)
{
	return buf_put_string(b, s, s == NULL ? 0 : strlen(s));
}

int
buf_consume(struct buf *b, size_t n)
{
	if (n > buf_len(b))
		return JG_EINVAL;
	b->off += n;
	return JG_OK;
}

int
buf_get(struct buf *b, void *v, size_t n)
{
	if (n > buf_len(b))
		return JG_EINVAL;
	memcpy(v, b->d + b->off, n);
	b->off += n;
	return JG_OK;
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return buf_get(b, v, 1);
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	unsigned char x[4];
	int r;

	if ((r = buf_get(b, x, 4)) != JG_OK)
		return r;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 |
	    (uint32_t)x[2] << 8 | x[3];
	return JG_OK;
}

int
buf_get_u64(struct buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	int r;

	if ((r = buf_get_u32(b, &hi)) != JG_OK ||
	    (r = buf_get_u32(b, &lo)) != JG_OK)
		return r;
	*v = (uint64_t)hi << 32 | lo;
	return JG_OK;
}

/* A length-prefixed string; *p points into the buffer, valid until it changes. */
int
buf_get_string(struct buf *b, const unsigned char **p, size_t *n)
{
	size_t save = b->off;
	uint32_t len;
	int r;

	if ((r = buf_get_u32(b, &len)) != JG_OK)
		return r;
	if (len > buf_len(b)) {
		b->off = save;
		return JG_EINVAL;
	}
	*p = b->d + b->off;
	*n = len;
	b->off += len;
	return JG_OK;
}

/* A string into dst with a NUL; embedded NULs and overlong strings fail. */
int
buf_get_cstring(struct buf *b, char *dst, size_t dstlen)
{
	const unsigned char *p;
	size_t save = b->off, n;
	int r;

	if ((r = buf_get_string(b, &p, &n)) != JG_OK)
		return r;
	if (n >= dstlen || memchr(p, '\0', n) != NULL) {
		b->off = save;
		return JG_EINVAL;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	return JG_OK;
}
