/* proto.c: the one codec of every message between processes: a message's struct to its wire bytes and back, by its table of fields. */

/*
 * Encoding and decoding read the same field table (proto-*.c), so they
 * cannot disagree. Decoding is where hostile or broken peers are met: a
 * field is taken only when the buffer holds all of it (buf.c's getters
 * never read past the data), a string only when it fits its destination
 * and holds no NUL, a fixed-size field only at exactly its size, and the
 * message only when nothing is left after its last field (as OpenSMTPD's
 * m_end). The descriptor rule is checked here too: a message that must
 * carry one and does not, or carries one where none belongs, is refused;
 * the caller still owns and closes the descriptor.
 */

#include <string.h>
#include <unistd.h>

#include "proto.h"

const struct proto_msg *
proto_find(const struct proto_link *l, uint32_t type)
{
	size_t i;

	for (i = 0; i < l->nmsgs; i++)
		if (l->msgs[i].type == type)
			return &l->msgs[i];
	return NULL;
}

/* The table and the caller must agree on the struct: a bug otherwise. */
static const struct proto_msg *
proto_check(const struct proto_link *l, uint32_t type, const void *msg,
    size_t size)
{
	const struct proto_msg *d = proto_find(l, type);

	if (d == NULL)
		fatalx("%s: no message %u", l->name, (unsigned)type);
	if (d->size != size || (size > 0 && msg == NULL))
		fatalx("%s: %s is %zu bytes, not %zu", l->name, d->name,
		    d->size, size);
	return d;
}

int
proto_enc(const struct proto_link *l, uint32_t type, struct buf *b,
    const void *msg, size_t size)
{
	const struct proto_msg *d = proto_check(l, type, msg, size);
	const unsigned char *m = msg;
	const struct proto_field *f;
	const struct proto_bytes *v;
	uint32_t u32;
	uint64_t u64;
	size_t i;
	int r = JG_OK;

	for (i = 0; i < d->nfields && r == JG_OK; i++) {
		f = &d->fields[i];
		switch (f->kind) {
		case PF_U32:
			memcpy(&u32, m + f->off, sizeof(u32));
			r = buf_put_u32(b, u32);
			break;
		case PF_U64:
			memcpy(&u64, m + f->off, sizeof(u64));
			r = buf_put_u64(b, u64);
			break;
		case PF_CSTR:
			if (memchr(m + f->off, '\0', f->size) == NULL)
				return JG_EINVAL;
			r = buf_put_cstring(b, (const char *)(m + f->off));
			break;
		case PF_BYTES:
			v = (const struct proto_bytes *)(const void *)(m +
			    f->off);
			if (v->len > f->size || (v->len > 0 && v->p == NULL))
				return JG_EINVAL;
			r = buf_put_string(b, v->p, v->len);
			break;
		case PF_FIXED:
			r = buf_put_string(b, m + f->off, f->size);
			break;
		default:
			fatalx("%s: %s: bad field kind", l->name, d->name);
		}
	}
	return r;
}

int
proto_dec(const struct proto_link *l, uint32_t type, struct buf *b, int fd,
    void *msg, size_t size)
{
	const struct proto_msg *d = proto_check(l, type, msg, size);
	const struct proto_field *f;
	struct proto_bytes *v;
	const unsigned char *p;
	unsigned char *m = msg;
	uint32_t u32;
	uint64_t u64;
	size_t i, n;

	if ((d->fd == PROTO_FD_NONE && fd != -1) ||
	    (d->fd == PROTO_FD_MUST && fd == -1))
		return JG_EINVAL;
	if (size > 0)
		memset(msg, 0, size);
	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		switch (f->kind) {
		case PF_U32:
			if (buf_get_u32(b, &u32) != JG_OK)
				return JG_EINVAL;
			memcpy(m + f->off, &u32, sizeof(u32));
			break;
		case PF_U64:
			if (buf_get_u64(b, &u64) != JG_OK)
				return JG_EINVAL;
			memcpy(m + f->off, &u64, sizeof(u64));
			break;
		case PF_CSTR:
			if (buf_get_cstring(b, (char *)(m + f->off), f->size) !=
			    JG_OK)
				return JG_EINVAL;
			break;
		case PF_BYTES:
			if (buf_get_string(b, &p, &n) != JG_OK || n > f->size)
				return JG_EINVAL;
			v = (struct proto_bytes *)(void *)(m + f->off);
			v->p = p;
			v->len = n;
			break;
		case PF_FIXED:
			if (buf_get_string(b, &p, &n) != JG_OK || n != f->size)
				return JG_EINVAL;
			memcpy(m + f->off, p, n);
			break;
		default:
			fatalx("%s: %s: bad field kind", l->name, d->name);
		}
	}
	return buf_len(b) == 0 ? JG_OK : JG_EINVAL;
}

/*
 * For a dispatch table: decode a message of any type of the link into a
 * new struct of its own (*msg; NULL for a message without fields).
 * JG_ENOENT: the link has no such message; JG_EINVAL: it does not decode.
 * Free *msg with proto_free, which wipes it.
 */
int
proto_dec_new(const struct proto_link *l, uint32_t type, struct buf *b,
    int fd, void **msg)
{
	const struct proto_msg *d = proto_find(l, type);
	int rc;

	*msg = NULL;
	if (d == NULL || d->size == PROTO_HANDMADE)
		return JG_ENOENT;
	*msg = d->size > 0 ? xcalloc(1, d->size) : NULL;
	if ((rc = proto_dec(l, type, b, fd, *msg, d->size)) != JG_OK) {
		proto_free(l, type, *msg);
		*msg = NULL;
	}
	return rc;
}

void
proto_free(const struct proto_link *l, uint32_t type, void *msg)
{
	const struct proto_msg *d = proto_find(l, type);

	if (msg != NULL && d != NULL)
		freezero(msg, d->size);
}

/* Encode and queue on a framed connection; fd (or -1) goes with it. */
int
proto_send(const struct proto_link *l, struct msgconn *c, uint32_t type,
    const void *msg, size_t size, int fd)
{
	struct buf *b = buf_new(MSG_MAX);
	int r;

	if ((r = proto_enc(l, type, b, msg, size)) == JG_OK)
		r = msg_queue_buf(c, type, b, fd);
	else if (fd != -1)
		close(fd);
	buf_free(b);
	return r;
}
