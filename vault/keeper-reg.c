/* keeper-reg.c: the keeper's side of each worker's registration socket: agent frames read, answered for that one target, sent without blocking. */

/*
 * A worker is not trusted: it can only make the keeper list the key of
 * the one target the master registered for it, sign that target's
 * upstream public-key login once, hand out its password once, and make
 * recording keys for its sessions (the master checks that each session is
 * the connection's). Anything else, or anything malformed, is answered
 * with FAILURE; the frames are decoded by proto-agent.c. Every socket is
 * non-blocking, and a worker that writes requests but never reads its
 * answers is paused, then dropped, so it cannot stall the others or grow
 * the keeper's memory.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keeper-int.h"

#define KEEPER_ED25519_NAME "ssh-ed25519"
/* Read this much from a worker per readable event. */
#define KEEPER_READ_CHUNK 16384
/* Stop reading a worker's requests while this much of its answers is unsent. */
#define KEEPER_OUT_HIGH AGENT_FRAME_MAX
#define KEEPER_OUT_MAX (KEEPER_OUT_HIGH + KEEPER_PASSWORD_MAX + 1024)

static void keeper_reg_read(evutil_socket_t, short, void *);
static void keeper_reg_write(evutil_socket_t, short, void *);

struct keeper_reg *
keeper_reg_find(struct keeper *k, uint64_t conn)
{
	struct keeper_reg *reg;

	for (reg = k->regs; reg != NULL; reg = reg->next)
		if (reg->cred.conn == conn)
			return reg;
	return NULL;
}

void
keeper_reg_free(struct keeper_reg *reg)
{
	struct keeper_reg **pp;

	for (pp = &reg->k->regs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == reg) {
			*pp = reg->next;
			reg->k->nregs--;
			break;
		}
	if (reg->rev != NULL)
		event_free(reg->rev);
	if (reg->wev != NULL)
		event_free(reg->wev);
	if (reg->fd != -1)
		close(reg->fd);
	keeper_cred_clear(&reg->cred);
	buf_free(reg->in);		/* buf_free wipes */
	buf_free(reg->out);
	free(reg);
}

/*
 * Take a registration: pt (the opened secret, sodium_malloc memory) is
 * ours from here, fd the keeper's end of the worker's socket. Refused
 * registrations leave fd to the caller; why says why.
 */
int
keeper_reg_add(struct keeper *k, uint64_t conn, const char *target,
    const char *kind, unsigned char *pt, size_t ptlen, int fd, char *why,
    size_t whylen)
{
	struct keeper_reg *reg;
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		errf(why, whylen, "agent socket: %s", strerror(errno));
		keeper_secret_free(pt);
		return JG_ERR;
	}
	reg = xcalloc(1, sizeof(*reg));
	reg->k = k;
	reg->fd = -1;
	reg->cred.conn = conn;
	snprintf(reg->cred.target, sizeof(reg->cred.target), "%s", target);
	if (keeper_cred_load(&reg->cred, kind, pt, ptlen, why, whylen) !=
	    JG_OK) {
		keeper_cred_clear(&reg->cred);
		free(reg);
		return JG_EINVAL;
	}
	reg->fd = fd;
	reg->in = buf_new(AGENT_FRAME_MAX + 4 + KEEPER_READ_CHUNK);
	reg->out = buf_new(KEEPER_OUT_MAX);
	reg->rev = event_new(k->base, fd, EV_READ | EV_PERSIST,
	    keeper_reg_read, reg);
	reg->wev = event_new(k->base, fd, EV_WRITE, keeper_reg_write, reg);
	if (reg->rev == NULL || reg->wev == NULL ||
	    event_add(reg->rev, NULL) == -1)
		keeper_fatal(k, "cannot watch a worker's socket");
	reg->reading = 1;
	reg->next = k->regs;
	k->regs = reg;
	k->nregs++;
	return JG_OK;
}

static int
keeper_failure(struct keeper_reg *reg, const char *what)
{
	log_info("keeper: refused %s to connection %llu (target %s)", what,
	    (unsigned long long)reg->cred.conn, reg->cred.target);
	return agent_frame(reg->out, AGENT_FAILURE, NULL, 0);
}

static int
keeper_identities(struct keeper_reg *reg, struct buf *body)
{
	struct keeper_cred *c = &reg->cred;
	struct a_identity id;

	if (agent_dec(AGENT_REQUEST_IDENTITIES, body, NULL, 0) != JG_OK)
		return keeper_failure(reg, "a malformed identities request");
	memset(&id, 0, sizeof(id));
	if (c->kind == KEEPER_KIND_KEY) {
		id.nkeys = 1;
		id.blob.p = c->blob;
		id.blob.len = c->bloblen;
		snprintf(id.comment, sizeof(id.comment), "%s", c->target);
		log_info("keeper: listed the key of %s to connection %llu",
		    c->target, (unsigned long long)c->conn);
	} else
		log_info("keeper: listed no key to connection %llu (target %s "
		    "has a password)", (unsigned long long)c->conn,
		    c->target);
	return agent_identity_frame(reg->out, &id);
}

/*
 * RFC 4252 §7: what a public-key login signs: string session id, byte
 * SSH_MSG_USERAUTH_REQUEST (50), string user, string "ssh-connection",
 * string "publickey", TRUE, string algorithm, string key blob.
 */
static int
keeper_is_userauth(const unsigned char *data, size_t len,
    const unsigned char *blob, size_t bloblen)
{
	struct buf *b = buf_new(len + 1);
	const unsigned char *p;
	char str[64];
	uint8_t msg, sig;
	size_t n;
	int ok = 0;

	if (buf_put(b, data, len) == JG_OK &&
	    buf_get_string(b, &p, &n) == JG_OK && n > 0 && n <= 64 &&
	    buf_get_u8(b, &msg) == JG_OK && msg == 50 &&
	    buf_get_string(b, &p, &n) == JG_OK &&
	    buf_get_cstring(b, str, sizeof(str)) == JG_OK &&
	    strcmp(str, "ssh-connection") == 0 &&
	    buf_get_cstring(b, str, sizeof(str)) == JG_OK &&
	    strcmp(str, "publickey") == 0 &&
	    buf_get_u8(b, &sig) == JG_OK && sig == 1 &&
	    buf_get_string(b, &p, &n) == JG_OK &&
	    buf_get_string(b, &p, &n) == JG_OK && n == bloblen &&
	    memcmp(p, blob, n) == 0 && buf_len(b) == 0)
		ok = 1;
	buf_free(b);
	return ok;
}

static int
keeper_sign(struct keeper_reg *reg, struct buf *body)
{
	struct keeper_cred *c = &reg->cred;
	unsigned char sig[crypto_sign_BYTES];
	struct a_sign_request rq;
	struct a_sign_response rs;
	int r;

	if (agent_dec(AGENT_SIGN_REQUEST, body, &rq, sizeof(rq)) != JG_OK)
		return keeper_failure(reg, "a malformed sign request");
	if (c->kind != KEEPER_KIND_KEY || c->secret == NULL ||
	    rq.blob.len != c->bloblen || memcmp(rq.blob.p, c->blob,
	    c->bloblen) != 0)
		return keeper_failure(reg, "to sign with a key not the "
		    "target's");
	/* Ed25519 has no hash choice: the RSA flags do not apply. */
	/*
	 * Only one thing is signed, once: the upstream public-key login with
	 * this very key. Anything else (or a second signature) could log in
	 * elsewhere outside the recorded bridge.
	 */
	if (c->given)
		return keeper_failure(reg, "a second signature");
	if (!keeper_is_userauth(rq.data.p, rq.data.len, c->blob, c->bloblen))
		return keeper_failure(reg, "to sign what is not a public-key "
		    "login");
	sodium_mprotect_readonly(c->secret);
	r = crypto_sign_detached(sig, NULL, rq.data.p, rq.data.len,
	    c->secret);
	sodium_mprotect_noaccess(c->secret);
	if (r != 0) {
		log_error("keeper: signing for connection %llu failed",
		    (unsigned long long)c->conn);
		return agent_frame(reg->out, AGENT_FAILURE, NULL, 0);
	}
	memset(&rs, 0, sizeof(rs));
	snprintf(rs.algorithm, sizeof(rs.algorithm), "%s",
	    KEEPER_ED25519_NAME);
	rs.signature.p = sig;
	rs.signature.len = sizeof(sig);
	if ((r = agent_sign_response_frame(reg->out, &rs)) != JG_OK)
		return r;
	c->given = 1;
	log_info("keeper: signed for target %s (connection %llu)", c->target,
	    (unsigned long long)c->conn);
	return JG_OK;
}

static int
keeper_password(struct keeper_reg *reg, struct buf *body)
{
	struct keeper_cred *c = &reg->cred;
	struct a_password pw;
	int r;

	if (agent_dec(AGENT_JG_PASSWORD_REQUEST, body, NULL, 0) != JG_OK)
		return keeper_failure(reg, "a malformed password request");
	if (c->kind != KEEPER_KIND_PASSWORD)
		return keeper_failure(reg, "the password of a key target");
	if (c->secret == NULL)
		return keeper_failure(reg, "the password a second time");
	sodium_mprotect_readonly(c->secret);
	pw.password.p = c->secret;
	pw.password.len = c->secretlen;
	r = agent_frame(reg->out, AGENT_JG_PASSWORD, &pw, sizeof(pw));
	/* Once only: whatever happens next, this copy is gone. */
	keeper_secret_free(c->secret);
	c->secret = NULL;
	c->secretlen = 0;
	c->given = 1;
	if (r != JG_OK)
		return r;
	log_info("keeper: gave the password of %s to connection %llu",
	    c->target, (unsigned long long)c->conn);
	return JG_OK;
}

/*
 * A recording key for one of this connection's sessions: 32 random bytes.
 * The plain key goes back to the worker on its registration socket, the
 * key sealed by the vault key to the master, which stores it with the
 * session (so `vault rekey` re-seals it with everything else). The master
 * checks that the session belongs to this connection.
 */
static int
keeper_reckey(struct keeper_reg *reg, struct buf *body)
{
	struct keeper *k = reg->k;
	struct a_reckey_request rq;
	struct a_reckey *ak;
	struct k_reckey kr;
	unsigned char *sealed = NULL;
	char name[64];
	size_t slen = 0;
	int rc;

	if (agent_dec(AGENT_JG_RECKEY_REQUEST, body, &rq, sizeof(rq)) !=
	    JG_OK || rq.session == 0 || k->key == NULL)
		return keeper_failure(reg, "a recording key");
	if ((ak = vault_secret_alloc(sizeof(*ak))) == NULL)
		keeper_fatal(k, "out of locked memory");
	randombytes_buf(ak->key, sizeof(ak->key));
	snprintf(name, sizeof(name), "session-%llu",
	    (unsigned long long)rq.session);
	if ((rc = vault_seal(k->key, name, STORE_RECKEY_KIND, 1, ak->key,
	    sizeof(ak->key), &sealed, &slen)) != JG_OK) {
		vault_secret_free(ak, sizeof(*ak));
		return keeper_failure(reg, "a recording key (sealing failed)");
	}
	kr.conn = reg->cred.conn;
	kr.session = rq.session;
	kr.sealed.p = sealed;
	kr.sealed.len = slen;
	if (k_reckey_send(k->m, &kr, -1) != JG_OK)
		keeper_fatal(k, "cannot queue a recording key");
	free(sealed);
	keeper_master_flush(k);
	rc = agent_frame(reg->out, AGENT_JG_RECKEY, ak, sizeof(*ak));
	vault_secret_free(ak, sizeof(*ak));
	log_info("keeper: recording key for session %llu (connection %llu, "
	    "target %s)", (unsigned long long)rq.session,
	    (unsigned long long)reg->cred.conn, reg->cred.target);
	return rc;
}

/*
 * Answer one agent request by appending one frame to reg->out. An error
 * return means out had no room, and the caller drops the registration.
 */
static int
keeper_answer(struct keeper_reg *reg, uint8_t type, struct buf *body)
{
	switch (type) {
	case AGENT_REQUEST_IDENTITIES:
		return keeper_identities(reg, body);
	case AGENT_SIGN_REQUEST:
		return keeper_sign(reg, body);
	case AGENT_JG_PASSWORD_REQUEST:
		return keeper_password(reg, body);
	case AGENT_JG_RECKEY_REQUEST:
		return keeper_reckey(reg, body);
	default:
		return keeper_failure(reg, "an unknown agent request");
	}
}

/* Send what the worker's socket takes; -1 when the registration was dropped. */
static int
keeper_reg_flush(struct keeper_reg *reg)
{
	ssize_t n;

	while (buf_len(reg->out) > 0) {
		n = send(reg->fd, buf_ptr(reg->out), buf_len(reg->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (event_add(reg->wev, NULL) == -1)
				keeper_fatal(reg->k, "cannot watch a worker's "
				    "socket");
			return 0;
		}
		if (n <= 0) {
			log_info("keeper: connection %llu: agent socket: %s: "
			    "dropped", (unsigned long long)reg->cred.conn,
			    n == -1 ? strerror(errno) : "closed");
			keeper_reg_free(reg);
			return -1;
		}
		if (buf_consume(reg->out, (size_t)n) != JG_OK)
			keeper_fatal(reg->k, "send overran its buffer");
	}
	/* Sent: wipe what the answers held (a password, once). */
	buf_reset(reg->out);
	return 0;
}

/*
 * Answer the complete requests in reg->in, stopping while too much is
 * unsent (a worker that writes but never reads must not grow our memory).
 * Returns -1 when the registration was dropped.
 */
static int
keeper_reg_process(struct keeper_reg *reg)
{
	struct keeper *k = reg->k;
	uint32_t len;
	uint8_t type;

	while (buf_len(reg->out) < KEEPER_OUT_HIGH) {
		if (buf_len(reg->in) < 4)
			break;
		if (agent_frame_len(buf_ptr(reg->in), AGENT_FRAME_MAX, &len) !=
		    JG_OK) {
			log_info("keeper: connection %llu sent an agent "
			    "message of %lu bytes: dropped",
			    (unsigned long long)reg->cred.conn,
			    (unsigned long)len);
			keeper_reg_free(reg);
			return -1;
		}
		if (buf_len(reg->in) - 4 < len)
			break;
		buf_reset(k->body);
		if (buf_consume(reg->in, 4) != JG_OK ||
		    buf_get_u8(reg->in, &type) != JG_OK ||
		    buf_put(k->body, buf_ptr(reg->in), len - 1) != JG_OK ||
		    buf_consume(reg->in, len - 1) != JG_OK)
			keeper_fatal(k, "agent frame bookkeeping failed");
		if (keeper_answer(reg, type, k->body) != JG_OK) {
			log_info("keeper: connection %llu: no room for an "
			    "answer: dropped", (unsigned long long)reg->cred.conn);
			keeper_reg_free(reg);
			return -1;
		}
	}
	buf_reset(k->body);
	if (keeper_reg_flush(reg) == -1)
		return -1;
	/* Read more only while the answers drain. */
	if (buf_len(reg->out) >= KEEPER_OUT_HIGH && reg->reading) {
		if (event_del(reg->rev) == -1)
			keeper_fatal(k, "cannot pause a worker's socket");
		reg->reading = 0;
	} else if (buf_len(reg->out) < KEEPER_OUT_HIGH && !reg->reading) {
		if (event_add(reg->rev, NULL) == -1)
			keeper_fatal(k, "cannot watch a worker's socket");
		reg->reading = 1;
	}
	return 0;
}

static void
keeper_reg_read(evutil_socket_t fd, short what, void *arg)
{
	struct keeper_reg *reg = arg;
	unsigned char *p;
	ssize_t n;

	(void)what;
	/* Room is always there: at most one partial frame waits in reg->in. */
	if (buf_reserve(reg->in, KEEPER_READ_CHUNK, &p) != JG_OK) {
		log_info("keeper: connection %llu: too much unanswered agent "
		    "input: dropped", (unsigned long long)reg->cred.conn);
		keeper_reg_free(reg);
		return;
	}
	do
		n = recv(fd, p, KEEPER_READ_CHUNK, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	buf_unreserve(reg->in, KEEPER_READ_CHUNK - (n > 0 ? (size_t)n : 0));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		log_info("keeper: connection %llu closed its agent socket "
		    "(target %s)", (unsigned long long)reg->cred.conn,
		    reg->cred.target);
		keeper_reg_free(reg);
		return;
	}
	keeper_reg_process(reg);
}

static void
keeper_reg_write(evutil_socket_t fd, short what, void *arg)
{
	struct keeper_reg *reg = arg;

	(void)fd;
	(void)what;
	if (keeper_reg_flush(reg) == -1)
		return;
	/* Requests held back while answers were queued may now go on. */
	keeper_reg_process(reg);
}
