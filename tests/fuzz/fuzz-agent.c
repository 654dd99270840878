/* fuzz-agent.c: libFuzzer harness: what a worker writes to the vault keeper on its registration socket (vault/keeper-reg.c). */

/*
 * The worker is not trusted: it speaks the ssh-agent protocol to the
 * keeper for the one target the master registered for it. The keeper's
 * side is static in vault/keeper-reg.c, so this file includes it and runs
 * it as it is: a registration made by keeper_reg_add (the key of
 * agent-key.h, or a password), the input written on a real socket pair,
 * keeper_reg_read taking it and keeper_reg_process framing it, and
 * keeper_answer with keeper_is_userauth answering. The keeper's process
 * (vault/keeper.c) is stood in for by the two functions it lends
 * keeper-reg.c: keeper_fatal aborts, keeper_master_flush sends to a
 * master played here.
 *
 * Input: byte 0 picks the registration (bit 0: a password target, else
 * the key; bit 1: the vault is sealed) and the form of the rest (bit 2),
 * what the worker writes before it closes its end: as it goes on the
 * socket, or as records (u8 type, u16 length, body) that are framed here,
 * a SIGN_REQUEST's body being the data to sign, sent with the key's blob
 * (so a mutation of a login's payload needs no lengths mended around
 * it). What must hold besides no crash, each checked against a plain
 * reference kept here:
 *	- one answer per whole request, in order; a frame whose length is
 *	  out of bounds makes the keeper drop the worker by itself, with
 *	  any answers not sent yet;
 *	- a signature only for the key target, only once, only over a
 *	  public-key login (RFC 4252 §7) for that key, and it verifies;
 *	- the password only for the password target, only once, the very
 *	  bytes registered;
 *	- a recording key only while unsealed and for a session other than
 *	  0, sealed to the master as the same key, for this connection and
 *	  that session;
 *	- an identities answer that lists the key, or nothing for a password;
 *	- FAILURE for everything else.
 * Seeds: tests/fuzz/corpus/agent/, written by fuzz-seeds.c.
 */

#include <sys/socket.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../vault/keeper-reg.c"
#include "agent-key.h"

#define FUZZ_INPUT_MAX (1024 * 1024)

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct {
	struct keeper k;
	struct vault_key *vkey;
	struct msgconn *master;		/* the master's end of k.m */
	struct buf *mbuf;
	unsigned char blob[128];	/* the key's public blob */
	size_t bloblen;
} F;

/* What the worker asked, and what the keeper may have given (the model). */
struct fuzz_run {
	const uint8_t *in;
	size_t len, off;		/* requests not yet matched */
	size_t whole;			/* whole requests before any bad one */
	int bad;			/* then a length out of bounds */
	int password, sealed;
	int signed_once, pw_given;
	size_t answers;
};

/* keeper.c's part: a fatal error of the keeper is a finding here. */
void
keeper_fatal(struct keeper *k, const char *fmt, ...)
{
	va_list ap;

	(void)k;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
keeper_master_flush(struct keeper *k)
{
	if (msg_flush(k->m) < 0)
		abort();
}

static void
fuzz_noop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *b64;
	int mk[2];

	(void)argc;
	(void)argv;
	if (vault_init() != JG_OK || vault_key_generate(&F.vkey) != JG_OK)
		abort();
	log_init("fuzz-agent", 1, LOG_LVL_ERROR);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, mk) == -1)
		abort();
	F.k.base = event_base_new();
	F.k.body = buf_new(AGENT_FRAME_MAX);
	F.k.m = msg_new(mk[0]);
	F.k.mwev = event_new(F.k.base, mk[0], EV_WRITE, fuzz_noop, NULL);
	F.master = msg_new(mk[1]);
	F.mbuf = buf_new(MSG_MAX);
	if (F.k.base == NULL || F.k.mwev == NULL)
		abort();
	b64 = strchr(FUZZ_AGENT_PUB, ' ') + 1;
	if (sodium_base642bin(F.blob, sizeof(F.blob), b64,
	    strcspn(b64, " "), NULL, &F.bloblen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || F.bloblen < 32)
		abort();
	return 0;
}

/* The plain reference: a string of the SSH wire format. */
static int
ref_string(const uint8_t **p, size_t *left, const uint8_t **s, size_t *n)
{
	uint32_t len;

	if (*left < 4)
		return 0;
	len = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
	    (uint32_t)(*p)[2] << 8 | (*p)[3];
	if (*left - 4 < len)
		return 0;
	*s = *p + 4;
	*n = len;
	*p += 4 + (size_t)len;
	*left -= 4 + (size_t)len;
	return 1;
}

static int
ref_is(const uint8_t *s, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

/*
 * RFC 4252 §7, what a public-key login signs: string session id (1 to 64
 * bytes here), byte 50, string user, string "ssh-connection", string
 * "publickey", byte 1, string algorithm, string the key's blob, nothing
 * after.
 */
static int
ref_userauth(const uint8_t *p, size_t left)
{
	const uint8_t *s;
	size_t n;

	if (!ref_string(&p, &left, &s, &n) || n < 1 || n > 64 ||
	    left < 1 || *p != 50)
		return 0;
	p++;
	left--;
	if (!ref_string(&p, &left, &s, &n) ||
	    !ref_string(&p, &left, &s, &n) || !ref_is(s, n, "ssh-connection") ||
	    !ref_string(&p, &left, &s, &n) || !ref_is(s, n, "publickey") ||
	    left < 1 || *p != 1)
		return 0;
	p++;
	left--;
	return ref_string(&p, &left, &s, &n) &&
	    ref_string(&p, &left, &s, &n) && n == F.bloblen &&
	    memcmp(s, F.blob, n) == 0 && left == 0;
}

/*
 * The frame of the input at off, as the keeper frames it: 1 a whole
 * request of *flen bytes after its length, 0 cut short, -1 a length out
 * of bounds (the keeper drops the worker as soon as it sees one).
 */
static int
fuzz_frame(const struct fuzz_run *r, size_t off, uint32_t *flen)
{
	const uint8_t *p = r->in + off;
	size_t left = r->len - off;

	if (left < 4)
		return 0;
	*flen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (*flen < 1 || *flen > AGENT_FRAME_MAX)
		return -1;
	return left - 4 >= *flen;
}

/* How many whole requests come before the input ends or goes bad. */
static void
fuzz_scan(struct fuzz_run *r)
{
	size_t off = 0;
	uint32_t flen;
	int f;

	while ((f = fuzz_frame(r, off, &flen)) == 1) {
		r->whole++;
		off += 4 + (size_t)flen;
	}
	r->bad = f == -1;
}

/* The next whole request the keeper has to answer; 0 when none is left. */
static int
fuzz_next_request(struct fuzz_run *r, uint8_t *type, struct buf *body)
{
	uint32_t flen;

	if (fuzz_frame(r, r->off, &flen) != 1)
		return 0;
	*type = r->in[r->off + 4];
	buf_reset(body);
	if (buf_put(body, r->in + r->off + 5, flen - 1) != JG_OK)
		abort();
	r->off += 4 + (size_t)flen;
	return 1;
}

/*
 * The master must have got this recording key (NULL: one it cannot be
 * compared with), sealed, for this connection and session. 0 when no
 * message came, which only a lost answer's request may leave.
 */
static int
fuzz_master_reckey(uint64_t session, const unsigned char *key)
{
	struct k_reckey kr;
	unsigned char *pt = NULL;
	size_t ptlen = 0;
	uint32_t type;
	char name[64];
	int fd, got;

	/* keeper_reckey flushed it to the master before it answered. */
	if ((got = msg_get(F.master, &type, F.mbuf, &fd)) == 0 &&
	    msg_read(F.master) > 0)
		got = msg_get(F.master, &type, F.mbuf, &fd);
	if (got == 0 && key == NULL)
		return 0;
	if (got != 1 || type != MSG_K_RECKEY ||
	    k_reckey_dec(F.mbuf, fd, &kr) != JG_OK ||
	    kr.conn != FUZZ_AGENT_CONN || kr.session != session)
		abort();
	snprintf(name, sizeof(name), "session-%llu",
	    (unsigned long long)session);
	if (vault_open(F.vkey, name, STORE_RECKEY_KIND, 1, kr.sealed.p,
	    kr.sealed.len, &pt, &ptlen) != JG_OK || ptlen != REC_KEYBYTES ||
	    (key != NULL && memcmp(pt, key, REC_KEYBYTES) != 0))
		abort();
	vault_secret_free(pt, ptlen);
	return 1;
}

/* A recording key the keeper must give for this request, if any. */
static int
fuzz_reckey_due(const struct fuzz_run *r, uint8_t type, struct buf *rq,
    uint64_t *session)
{
	struct a_reckey_request kq;

	if (type != AGENT_JG_RECKEY_REQUEST || r->sealed ||
	    agent_dec(type, rq, &kq, sizeof(kq)) != JG_OK || kq.session == 0)
		return 0;
	*session = kq.session;
	return 1;
}

/* One answer (type, body) against the model's next request. */
static void
fuzz_check_answer(struct fuzz_run *r, uint8_t atype, struct buf *ans,
    struct buf *rq)
{
	struct a_identity id;
	struct a_sign_request sr;
	struct a_sign_response rs;
	struct a_password pw;
	struct a_reckey ak;
	uint64_t session;
	uint8_t type;
	int give;

	if (!fuzz_next_request(r, &type, rq))
		abort();		/* an answer to nothing */
	r->answers++;
	switch (type) {
	case AGENT_REQUEST_IDENTITIES:
		give = buf_len(rq) == 0;
		if (give && (atype != AGENT_IDENTITIES_ANSWER ||
		    agent_identity_dec(ans, &id) != JG_OK))
			abort();
		if (give && !r->password && (id.nkeys != 1 ||
		    id.blob.len != F.bloblen ||
		    memcmp(id.blob.p, F.blob, F.bloblen) != 0 ||
		    strcmp(id.comment, FUZZ_AGENT_TARGET) != 0))
			abort();
		if (give && r->password && id.nkeys != 0)
			abort();
		break;
	case AGENT_SIGN_REQUEST:
		give = !r->password && !r->signed_once &&
		    agent_dec(type, rq, &sr, sizeof(sr)) == JG_OK &&
		    sr.blob.len == F.bloblen &&
		    memcmp(sr.blob.p, F.blob, F.bloblen) == 0 &&
		    ref_userauth(sr.data.p, sr.data.len);
		if (give && (atype != AGENT_SIGN_RESPONSE ||
		    agent_sign_response_dec(ans, &rs) != JG_OK ||
		    strcmp(rs.algorithm, "ssh-ed25519") != 0 ||
		    rs.signature.len != crypto_sign_BYTES ||
		    crypto_sign_verify_detached(rs.signature.p, sr.data.p,
		    sr.data.len, F.blob + F.bloblen - 32) != 0))
			abort();
		r->signed_once |= give;
		break;
	case AGENT_JG_PASSWORD_REQUEST:
		give = r->password && !r->pw_given && buf_len(rq) == 0;
		if (give && (atype != AGENT_JG_PASSWORD ||
		    agent_dec(atype, ans, &pw, sizeof(pw)) != JG_OK ||
		    pw.password.len != strlen(FUZZ_AGENT_PASSWORD) ||
		    memcmp(pw.password.p, FUZZ_AGENT_PASSWORD,
		    pw.password.len) != 0))
			abort();
		r->pw_given |= give;
		break;
	case AGENT_JG_RECKEY_REQUEST:
		give = fuzz_reckey_due(r, type, rq, &session);
		if (give && (atype != AGENT_JG_RECKEY ||
		    agent_dec(atype, ans, &ak, sizeof(ak)) != JG_OK))
			abort();
		if (give)
			(void)fuzz_master_reckey(session, ak.key);
		break;
	default:
		give = 0;
		break;
	}
	if (!give && (atype != AGENT_FAILURE || buf_len(ans) != 0))
		abort();
}

/* Records (u8 type, u16 length, body) framed as the worker sends them. */
static void
fuzz_frame_records(const uint8_t *p, size_t left, struct buf *out)
{
	struct a_sign_request sr;
	size_t n;
	int rc;

	while (left >= 3) {
		n = (size_t)p[1] << 8 | p[2];
		if (n > left - 3)
			n = left - 3;
		if (p[0] == AGENT_SIGN_REQUEST) {
			memset(&sr, 0, sizeof(sr));
			sr.blob.p = F.blob;
			sr.blob.len = F.bloblen;
			sr.data.p = p + 3;
			sr.data.len = n;
			rc = agent_frame(out, p[0], &sr, sizeof(sr));
		} else if ((rc = buf_put_u32(out, (uint32_t)n + 1)) == JG_OK &&
		    (rc = buf_put_u8(out, p[0])) == JG_OK)
			rc = buf_put(out, p + 3, n);
		if (rc != JG_OK)
			abort();
		p += 3 + n;
		left -= 3 + n;
	}
}

/* Check the whole answers in acc, keeping a partial one for later. */
static void
fuzz_answers(struct fuzz_run *r, struct buf *acc, struct buf *ans,
    struct buf *rq)
{
	const unsigned char *p;
	uint32_t len;
	uint8_t type;

	while (buf_len(acc) >= 4) {
		p = buf_ptr(acc);
		len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		if (len < 1 || len > AGENT_FRAME_MAX)
			abort();	/* no frame a worker would take */
		if (buf_len(acc) - 4 < len)
			return;
		type = p[4];
		buf_reset(ans);
		if (buf_put(ans, p + 5, len - 1) != JG_OK ||
		    buf_consume(acc, 4 + (size_t)len) != JG_OK)
			abort();
		fuzz_check_answer(r, type, ans, rq);
	}
}

/* Read what the keeper sent the worker: 0 once its end is closed. */
static int
fuzz_drain(int fd, struct buf *acc)
{
	unsigned char *p;
	ssize_t n;

	for (;;) {
		if (buf_reserve(acc, 65536, &p) != JG_OK)
			abort();
		n = recv(fd, p, 65536, MSG_DONTWAIT);
		buf_unreserve(acc, 65536 - (n > 0 ? (size_t)n : 0));
		if (n == 0)
			return 0;
		if (n < 0)
			return 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run r;
	struct keeper_reg *reg;
	struct buf *acc, *ans, *rq, *built;
	unsigned char *pt;
	const char *secret;
	char why[JG_ERRLEN];
	size_t written = 0, rounds, maxrounds;
	ssize_t n;
	uint64_t session;
	uint32_t type;
	uint8_t rtype;
	int sv[2], fd, open_end = 1, closed = 0;

	/* Records grow at most 23 times as they are framed. */
	if (size < 1 || size > FUZZ_INPUT_MAX ||
	    ((data[0] & 4) && size > FUZZ_INPUT_MAX / 16))
		return 0;
	memset(&r, 0, sizeof(r));
	built = buf_new(2 * FUZZ_INPUT_MAX);
	if (data[0] & 4) {
		fuzz_frame_records(data + 1, size - 1, built);
		r.in = buf_ptr(built);
		r.len = buf_len(built);
	} else {
		r.in = data + 1;
		r.len = size - 1;
	}
	fuzz_scan(&r);
	r.password = data[0] & 1;
	r.sealed = (data[0] & 2) != 0;
	F.k.key = r.sealed ? NULL : F.vkey;
	secret = r.password ? FUZZ_AGENT_PASSWORD : FUZZ_AGENT_KEY;
	if ((pt = vault_secret_alloc(strlen(secret))) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	memcpy(pt, secret, strlen(secret) + 1);
	why[0] = '\0';
	if (keeper_reg_add(&F.k, FUZZ_AGENT_CONN, FUZZ_AGENT_TARGET,
	    r.password ? "password" : "key", pt, strlen(secret), sv[1], why,
	    sizeof(why)) != JG_OK) {
		fprintf(stderr, "keeper_reg_add: %s\n", why);
		abort();
	}
	reg = F.k.regs;
	if (!r.password && (reg->cred.bloblen != F.bloblen ||
	    memcmp(reg->cred.blob, F.blob, F.bloblen) != 0))
		abort();
	acc = buf_new(2 * (AGENT_FRAME_MAX + 4) + 65536);
	ans = buf_new(AGENT_FRAME_MAX);
	rq = buf_new(AGENT_FRAME_MAX);

	/*
	 * The event loop, played by hand: the worker writes what its socket
	 * takes and reads every answer; the keeper reads while it is reading
	 * and writes again once its socket had no room. A keeper that stops
	 * taking requests shows as rounds without end.
	 */
	maxrounds = 64 + 8 * (r.len / 4096);
	for (rounds = 0; F.k.regs != NULL; rounds++) {
		if (rounds > maxrounds) {
			fprintf(stderr, "the keeper stopped taking requests\n");
			abort();
		}
		if (written < r.len) {
			n = send(sv[0], r.in + written, r.len - written,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				written += (size_t)n;
		}
		/* It closes once it has every answer it may expect. */
		if (written == r.len && !closed && !r.bad &&
		    r.answers == r.whole) {
			shutdown(sv[0], SHUT_WR);
			closed = 1;
		}
		if (reg->reading)
			keeper_reg_read(sv[1], EV_READ, reg);
		if (F.k.regs == NULL)
			break;
		open_end = fuzz_drain(sv[0], acc);
		fuzz_answers(&r, acc, ans, rq);
		if (event_pending(reg->wev, EV_WRITE, NULL)) {
			event_del(reg->wev);
			keeper_reg_write(sv[1], EV_WRITE, reg);
		}
	}
	/* Dropped or done: its end is closed, so the rest can be read. */
	while (open_end)
		open_end = fuzz_drain(sv[0], acc);
	fuzz_answers(&r, acc, ans, rq);
	if (buf_len(acc) != 0)
		abort();	/* half an answer */
	/*
	 * Every whole request was answered, unless a bad length came after
	 * them: the keeper dropped the worker then by itself (the loop ends
	 * only so), with the answers it had not sent yet.
	 */
	if (!r.bad && r.answers != r.whole)
		abort();
	/* Those the keeper took may have sealed recording keys all the same. */
	while (r.bad && fuzz_next_request(&r, &rtype, rq))
		if (fuzz_reckey_due(&r, rtype, rq, &session) &&
		    !fuzz_master_reckey(session, NULL))
			break;
	if (msg_get(F.master, &type, F.mbuf, &fd) != 0 ||
	    msg_read(F.master) != JG_EBUSY)
		abort();	/* nothing more for the master */
	close(sv[0]);
	buf_free(acc);
	buf_free(ans);
	buf_free(rq);
	buf_free(built);
	return 0;
}
