/* fuzz-proto.c: libFuzzer harness: every message decoder between jumpgate's processes (worker-master, master-keeper, worker-keeper agent, tool-daemon). */

/*
 * Input: byte 0 picks the link, byte 1 the message, the rest is its body.
 * A body that decodes must encode again, and that encoding must decode to
 * the same encoding (the codec is a bijection on what it accepts); a
 * difference is a bug and aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	char *pw = NULL;
	size_t pwlen = 0;

	if (type == AGENT_IDENTITIES_ANSWER)
		(void)agent_identity_dec(b, &id);
	else if (type == AGENT_SIGN_RESPONSE)
		(void)agent_sign_response_dec(b, &sr);
	else if (type == AGENT_JG_PASSWORD &&
	    agent_password_parse(buf_ptr(b), buf_len(b), &pw, &pwlen) ==
	    JG_OK)
		free(pw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct proto_link *l;
	const struct proto_msg *m;
	struct buf *in, *e1, *e2;
	void *msg = NULL, *msg2 = NULL;

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
	if (proto_dec_new(l, m->type, in, -1, &msg) != JG_OK) {
		buf_free(in);
		return 0;
	}
	e1 = buf_new(MSG_MAX);
	e2 = buf_new(MSG_MAX);
	if (proto_enc(l, m->type, e1, msg, m->size) != JG_OK)
		abort();	/* what decodes encodes */
	if (proto_dec_new(l, m->type, e1, -1, &msg2) != JG_OK)
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
