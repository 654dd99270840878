/* fuzz-proto.c: libFuzzer harness: every message decoder between jumpgate's processes (worker-master, master-keeper, worker-keeper agent, tool-daemon). */

/*
 * Input: byte 0 picks the link, byte 1 the message, the rest is its body.
 * A body that decodes must encode again, and that encoding must decode to
 * the same encoding (the codec is a bijection on what it accepts); a
 * difference is a bug and aborts. A message that must come with a
 * descriptor is decoded as if one came (the codec only checks that it
 * did), so its fields are reached too. On the agent link the worker reads
 * JG_PASSWORD and FAILURE where they lie (agent_password_parse): it must
 * take exactly what the codec takes. Seeds: tests/fuzz/corpus/proto/, one
 * per message, written by fuzz-seeds.c.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct proto_link *const fuzz_links[] = {
	&proto_wm, &proto_mk, &proto_agent, &proto_ctl,
};

/* The agent's hand-made answers, as the worker reads them. */
static void
fuzz_agent(uint32_t type, struct buf *b)
{
	struct a_identity id;
	struct a_sign_response sr;

	if (type == AGENT_IDENTITIES_ANSWER)
		(void)agent_identity_dec(b, &id);
	else if (type == AGENT_SIGN_RESPONSE)
		(void)agent_sign_response_dec(b, &sr);
}

/*
 * The worker's reading of an answer to its password request: the frame
 * from its type byte on. It may take a password exactly when the codec
 * decodes a non-empty one (the same bytes), and a refusal exactly for a
 * FAILURE without a body.
 */
static void
fuzz_password(uint32_t type, const uint8_t *body, size_t len,
    const struct a_password *dec)
{
	const unsigned char *pw;
	unsigned char *frame;
	size_t pwlen;
	int rc, want;

	if ((frame = malloc(len + 1)) == NULL)
		abort();
	frame[0] = (unsigned char)type;
	if (len > 0)
		memcpy(frame + 1, body, len);
	rc = agent_password_parse(frame, len + 1, &pw, &pwlen);
	if (type == AGENT_JG_PASSWORD && dec != NULL &&
	    dec->password.len > 0)
		want = JG_OK;
	else if (type == AGENT_FAILURE && len == 0)
		want = JG_EAUTH;
	else
		want = JG_ECORRUPT;
	if (rc != want)
		abort();
	if (rc == JG_OK && (pwlen != dec->password.len ||
	    memcmp(pw, dec->password.p, pwlen) != 0))
		abort();
	free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct proto_link *l;
	const struct proto_msg *m;
	struct buf *in, *e1, *e2;
	void *msg = NULL, *msg2 = NULL;
	int fd, rc;

	if (size < 2 || size - 2 > MSG_MAX)
		return 0;
	l = fuzz_links[data[0] % (sizeof(fuzz_links) / sizeof(fuzz_links[0]))];
	m = &l->msgs[data[1] % l->nmsgs];
	in = buf_new(MSG_MAX);
	if (buf_put(in, data + 2, size - 2) != JG_OK)
		abort();
	if (m->size == PROTO_HANDMADE) {
		fuzz_agent(m->type, in);
		buf_free(in);
		return 0;
	}
	/* Never read or closed: the codec only checks that one came. */
	fd = m->fd == PROTO_FD_MUST ? STDIN_FILENO : -1;
	rc = proto_dec_new(l, m->type, in, fd, &msg);
	if (l == &proto_agent)
		fuzz_password(m->type, data + 2, size - 2,
		    rc == JG_OK && m->type == AGENT_JG_PASSWORD ? msg : NULL);
	if (rc != JG_OK) {
		buf_free(in);
		return 0;
	}
	e1 = buf_new(MSG_MAX);
	e2 = buf_new(MSG_MAX);
	if (proto_enc(l, m->type, e1, msg, m->size) != JG_OK)
		abort();	/* what decodes encodes */
	if (proto_dec_new(l, m->type, e1, fd, &msg2) != JG_OK)
		abort();
	if (proto_enc(l, m->type, e2, msg2, m->size) != JG_OK)
		abort();
	if (buf_len(e2) != (size - 2) || memcmp(buf_ptr(e2), data + 2,
	    size - 2) != 0)
		abort();	/* one encoding per message */
	proto_free(l, m->type, msg);
	proto_free(l, m->type, msg2);
	buf_free(in);
	buf_free(e1);
	buf_free(e2);
	return 0;
}
