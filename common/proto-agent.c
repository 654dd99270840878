/* proto-agent.c: the link between a session worker and the vault keeper: ssh-agent frames, jumpgate's own requests, and the worker's blocking calls. */

/*
 * On its registration socket a worker speaks the ssh-agent protocol to the
 * keeper (libssh's ssh_userauth_agent is the client for identities and
 * signatures), plus three requests of jumpgate's own: the target's
 * password (given once), a new recording key, and, on an auditor's
 * one-shot socket, a recording key to replay. A frame is u32 length, u8
 * type, body; bodies are made and read here, most by the field tables and
 * the codec of proto.c, two by hand because their shape is the agent
 * protocol's (a count of keys, a signature inside a string). The worker's
 * blocking calls that use them are in vault/keeper-client.c; a password
 * is read straight into locked memory there and checked where it lies
 * (agent_password_parse).
 */

#include <string.h>

#include <sodium.h>

#include "proto.h"
#include "proto-int.h"

#define WK "worker > keeper"
#define KW "keeper > worker"

static const struct proto_field a_sign_request_f[] = {
	F_BYTES(a_sign_request, blob, 4096),
	F_BYTES(a_sign_request, data, AGENT_FRAME_MAX),
	F_U32(a_sign_request, flags) };
static const struct proto_field a_password_f[] = {
	F_BYTES(a_password, password, AGENT_PASSWORD_MAX) };
static const struct proto_field a_reckey_request_f[] = {
	F_U64(a_reckey_request, session) };
static const struct proto_field a_reckey_f[] = { F_FIXED(a_reckey, key) };

#define AMSG(T, name, s, dir, doc) { T, name, dir, sizeof(struct s), s##_f, \
	NF(s##_f), PROTO_FD_NONE, doc }
#define AMSG0(T, name, dir, doc) { T, name, dir, 0, NULL, 0, PROTO_FD_NONE, \
	doc }

static const struct proto_msg agent_msgs[] = {
	AMSG0(AGENT_REQUEST_IDENTITIES, "REQUEST_IDENTITIES", WK,
	    "which key may I use? (IDENTITIES_ANSWER)"),
	{ AGENT_IDENTITIES_ANSWER, "IDENTITIES_ANSWER", KW, PROTO_HANDMADE,
	    NULL, 0, PROTO_FD_NONE, "u32 count, then the target's key blob and name "
	    "(none for a password target)" },
	AMSG(AGENT_SIGN_REQUEST, "SIGN_REQUEST", a_sign_request, WK,
	    "sign the upstream public-key login, once"),
	{ AGENT_SIGN_RESPONSE, "SIGN_RESPONSE", KW, PROTO_HANDMADE, NULL, 0,
	    PROTO_FD_NONE, "string(string \"ssh-ed25519\", string signature)" },
	AMSG0(AGENT_FAILURE, "FAILURE", KW, "refused"),
	AMSG0(AGENT_JG_PASSWORD_REQUEST, "JG_PASSWORD_REQUEST", WK,
	    "the target's password, once (JG_PASSWORD)"),
	AMSG(AGENT_JG_PASSWORD, "JG_PASSWORD", a_password, KW,
	    "the password"),
	AMSG(AGENT_JG_RECKEY_REQUEST, "JG_RECKEY_REQUEST", a_reckey_request,
	    WK, "a new key for one of my sessions' recordings (JG_RECKEY)"),
	AMSG(AGENT_JG_RECKEY, "JG_RECKEY", a_reckey, KW,
	    "a recording key (also on an auditor's replay socket)"),
};

const struct proto_link proto_agent = { "worker-keeper", agent_msgs,
	NF(agent_msgs) };

/* The frame's length goes first, once the body is known. */
static int
agent_close_frame(struct buf *out, size_t start, int r)
{
	unsigned char *p;
	size_t n;

	if (r != JG_OK)
		return r;
	n = buf_len(out) - start - 4;
	if (n > AGENT_FRAME_MAX)
		return JG_EINVAL;
	p = (unsigned char *)buf_ptr(out) + start;
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return JG_OK;
}

/*
 * A frame's length, read by both sides before its body: at least the type
 * byte, at most max (AGENT_FRAME_MAX or less, what the reader expects).
 */
int
agent_frame_len(const unsigned char hdr[4], uint32_t max, uint32_t *len)
{
	*len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (*len < 1 || *len > max || *len > AGENT_FRAME_MAX)
		return JG_ECORRUPT;
	return JG_OK;
}

/* out must hold nothing unread before the frame's start but whole frames. */
static int
agent_open_frame(struct buf *out, uint8_t type, size_t *start)
{
	int r;

	*start = buf_len(out);
	if ((r = buf_put_u32(out, 0)) != JG_OK)
		return r;
	return buf_put_u8(out, type);
}

int
agent_frame(struct buf *out, uint8_t type, const void *msg, size_t size)
{
	size_t start;
	int r;

	if ((r = agent_open_frame(out, type, &start)) != JG_OK)
		return r;
	return agent_close_frame(out, start, proto_enc(&proto_agent, type, out,
	    msg, size));
}

int
agent_dec(uint8_t type, struct buf *body, void *msg, size_t size)
{
	return proto_dec(&proto_agent, type, body, -1, msg, size);
}

int
agent_identity_frame(struct buf *out, const struct a_identity *m)
{
	size_t start;
	int r;

	if (m->nkeys > 1)
		return JG_EINVAL;
	if ((r = agent_open_frame(out, AGENT_IDENTITIES_ANSWER, &start)) ==
	    JG_OK)
		r = buf_put_u32(out, m->nkeys);
	if (r == JG_OK && m->nkeys == 1 && (r = buf_put_string(out, m->blob.p,
	    m->blob.len)) == JG_OK)
		r = buf_put_cstring(out, m->comment);
	return agent_close_frame(out, start, r);
}

int
agent_identity_dec(struct buf *b, struct a_identity *m)
{
	memset(m, 0, sizeof(*m));
	if (buf_get_u32(b, &m->nkeys) != JG_OK || m->nkeys > 1)
		return JG_EINVAL;
	if (m->nkeys == 1 && (buf_get_string(b, &m->blob.p, &m->blob.len) !=
	    JG_OK || buf_get_cstring(b, m->comment, sizeof(m->comment)) !=
	    JG_OK))
		return JG_EINVAL;
	return buf_len(b) == 0 ? JG_OK : JG_EINVAL;
}

int
agent_sign_response_frame(struct buf *out, const struct a_sign_response *m)
{
	struct buf *sig = buf_new(AGENT_FRAME_MAX);
	size_t start;
	int r;

	if ((r = buf_put_cstring(sig, m->algorithm)) == JG_OK)
		r = buf_put_string(sig, m->signature.p, m->signature.len);
	if (r == JG_OK)
		r = agent_open_frame(out, AGENT_SIGN_RESPONSE, &start);
	if (r == JG_OK)
		r = agent_close_frame(out, start, buf_put_string(out,
		    buf_ptr(sig), buf_len(sig)));
	buf_free(sig);
	return r;
}

/* The signature is a view into b. */
int
agent_sign_response_dec(struct buf *b, struct a_sign_response *m)
{
	const unsigned char *p;
	struct buf *sig;
	size_t n;
	int r = JG_EINVAL;

	memset(m, 0, sizeof(*m));
	if (buf_get_string(b, &p, &n) != JG_OK || buf_len(b) != 0)
		return JG_EINVAL;
	sig = buf_new(n + 1);
	if (buf_put(sig, p, n) == JG_OK &&
	    buf_get_cstring(sig, m->algorithm, sizeof(m->algorithm)) == JG_OK &&
	    buf_get_string(sig, &m->signature.p, &m->signature.len) == JG_OK &&
	    buf_len(sig) == 0) {
		/* point into b, not into the copy that goes away */
		m->signature.p = p + (n - m->signature.len);
		r = JG_OK;
	}
	buf_free(sig);
	return r;
}

/*
 * JG_PASSWORD as the worker reads it: straight into locked memory, so it
 * is checked where it lies. body is the frame after its length (type
 * first); *pw points into it. JG_EAUTH for a FAILURE, JG_ECORRUPT for
 * anything that is not exactly one non-empty password.
 */
int
agent_password_parse(const unsigned char *body, size_t len,
    const unsigned char **pw, size_t *pwlen)
{
	uint32_t n;

	if (len == 1 && body[0] == AGENT_FAILURE)
		return JG_EAUTH;
	if (len < 5 || body[0] != AGENT_JG_PASSWORD)
		return JG_ECORRUPT;
	n = (uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 |
	    (uint32_t)body[3] << 8 | body[4];
	if (n == 0 || n != len - 5 || n > AGENT_PASSWORD_MAX)
		return JG_ECORRUPT;
	*pw = body + 5;
	*pwlen = n;
	return JG_OK;
}
