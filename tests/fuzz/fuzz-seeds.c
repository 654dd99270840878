/* fuzz-seeds.c: the seeds of the fuzz harnesses whose inputs are made by encoders (proto, msg, witness, agent, keycred), written with those very encoders. */

/*
 * Usage: fuzz-seeds DIR [KEY...] writes DIR/proto/, DIR/msg/,
 * DIR/witness/, DIR/agent/ and, for each private key file KEY made by
 * ssh-keygen (with KEY.pub beside it), DIR/keycred/. `scripts/fuzz
 * --seeds` runs it on tests/fuzz/corpus/ with fresh keys. Each seed is an
 * input as its harness reads it (the layouts are in the harnesses' top
 * comments), made by the encoders the real senders use; those of proto
 * and witness are decoded again here, so a fuzzer starts from every
 * message and state rather than from nothing. Not a harness: it is built
 * with them (make fuzzers) so it cannot rot.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"
#include "proto.h"
#include "agent-key.h"

/* In fuzz-proto.c's order: byte 0 of its input picks one. */
static const struct proto_link *const links[] = {
	&proto_wm, &proto_mk, &proto_agent, &proto_ctl,
};

static const char *outdir;

static void die(const char *) __attribute__((noreturn));

static void
die(const char *what)
{
	fprintf(stderr, "fuzz-seeds: %s\n", what);
	exit(1);
}

static void
seed(const char *harness, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, harness);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		die(path);
}

/* A seed: a prefix of n bytes, then the contents of b. */
static void
seed_buf(const char *harness, const char *name, const void *pre, size_t n,
    const struct buf *b)
{
	unsigned char *d = malloc(n + buf_len(b) + 1);

	if (d == NULL)
		die("out of memory");
	memcpy(d, pre, n);
	memcpy(d + n, buf_ptr(b), buf_len(b));
	seed(harness, name, d, n + buf_len(b));
	free(d);
}

/* The public blob of a "TYPE BASE64 ..." line. */
static size_t
pub_blob(const char *line, unsigned char *blob, size_t max)
{
	const char *b64 = strchr(line, ' ');
	size_t len;

	if (b64 == NULL || sodium_base642bin(blob, max, b64 + 1,
	    strcspn(b64 + 1, " \n"), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		die("cannot decode a public key line");
	return len;
}

/* A message of the codec with every field set: short text, some bytes. */
static void *
proto_sample(const struct proto_msg *m)
{
	static const unsigned char bytes[] = "sealed or passed bytes";
	unsigned char *s = calloc(1, m->size > 0 ? m->size : 1);
	struct proto_bytes v;
	uint32_t u32;
	uint64_t u64;
	size_t i, j;

	if (s == NULL)
		die("out of memory");
	for (i = 0; i < m->nfields; i++) {
		const struct proto_field *f = &m->fields[i];

		switch (f->kind) {
		case PF_U32:
			u32 = (uint32_t)(i + 1);
			memcpy(s + f->off, &u32, sizeof(u32));
			break;
		case PF_U64:
			u64 = 1000 + i;
			memcpy(s + f->off, &u64, sizeof(u64));
			break;
		case PF_CSTR:
			snprintf((char *)s + f->off, f->size, "%s", f->name);
			break;
		case PF_BYTES:
			v.p = bytes;
			v.len = f->size < sizeof(bytes) - 1 ? f->size :
			    sizeof(bytes) - 1;
			memcpy(s + f->off, &v, sizeof(v));
			break;
		case PF_FIXED:
			for (j = 0; j < f->size; j++)
				s[f->off + j] = (unsigned char)j;
			break;
		}
	}
	return s;
}

/* proto: byte 0 the link, byte 1 the message, then its body. */
static void
seeds_proto(void)
{
	unsigned char blob[128], sig[64], pre[2];
	const struct proto_link *l;
	const struct proto_msg *m;
	struct a_identity id;
	struct a_sign_response sr;
	struct buf *b = buf_new(MSG_MAX);
	char name[128];
	void *msg, *back;
	size_t li, mi;
	int fd;

	memset(sig, 0x5a, sizeof(sig));
	for (li = 0; li < sizeof(links) / sizeof(links[0]); li++) {
		l = links[li];
		for (mi = 0; mi < l->nmsgs; mi++) {
			m = &l->msgs[mi];
			buf_reset(b);
			pre[0] = (unsigned char)li;
			pre[1] = (unsigned char)mi;
			snprintf(name, sizeof(name), "%s-%s", l->name,
			    m->name);
			if (m->type == AGENT_IDENTITIES_ANSWER) {
				memset(&id, 0, sizeof(id));
				id.nkeys = 1;
				id.blob.p = blob;
				id.blob.len = pub_blob(FUZZ_AGENT_PUB, blob,
				    sizeof(blob));
				snprintf(id.comment, sizeof(id.comment), "%s",
				    FUZZ_AGENT_TARGET);
				if (agent_identity_frame(b, &id) != JG_OK ||
				    buf_consume(b, 5) != JG_OK)
					die(name);
			} else if (m->type == AGENT_SIGN_RESPONSE) {
				memset(&sr, 0, sizeof(sr));
				snprintf(sr.algorithm, sizeof(sr.algorithm),
				    "ssh-ed25519");
				sr.signature.p = sig;
				sr.signature.len = sizeof(sig);
				if (agent_sign_response_frame(b, &sr) != JG_OK ||
				    buf_consume(b, 5) != JG_OK)
					die(name);
			} else {
				msg = m->size > 0 ? proto_sample(m) : NULL;
				fd = m->fd == PROTO_FD_MUST ? STDIN_FILENO : -1;
				if (proto_enc(l, m->type, b, msg, m->size) !=
				    JG_OK)
					die(name);
				seed_buf("proto", name, pre, 2, b);
				if (proto_dec_new(l, m->type, b, fd, &back) !=
				    JG_OK)
					die(name);	/* not one it takes */
				proto_free(l, m->type, back);
				free(msg);
				continue;
			}
			seed_buf("proto", name, pre, 2, b);
		}
	}
	buf_free(b);
}

/* Frames as msg_flush writes them, read back from the other end. */
static size_t
msg_capture(struct msgconn *c, int peer, unsigned char *out, size_t max)
{
	size_t len = 0;
	ssize_t n;

	if (msg_flush(c) != 0)
		die("msg_flush");
	while (len < max && (n = recv(peer, out + len, max - len,
	    MSG_DONTWAIT)) > 0)
		len += (size_t)n;
	return len;
}

/* msg: what a peer writes on a socket, frames one after another. */
static void
seeds_msg(void)
{
	static unsigned char out[65536], text[4000];
	struct w_hello h = { 4242 };
	struct w_key_owner ko;
	struct w_auth_ok ao;
	struct w_authorize az;
	struct w_session_open so;
	struct buf *b = buf_new(MSG_MAX);
	struct msgconn *c;
	int sv[2];
	size_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		die("socketpair");
	c = msg_new(sv[0]);
	memset(&ko, 0, sizeof(ko));
	snprintf(ko.user, sizeof(ko.user), "alice");
	snprintf(ko.fp, sizeof(ko.fp), "SHA256:%s",
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
	memset(&ao, 0, sizeof(ao));
	memcpy(ao.user, ko.user, sizeof(ao.user));
	memcpy(ao.fp, ko.fp, sizeof(ao.fp));
	memset(&az, 0, sizeof(az));
	snprintf(az.target, sizeof(az.target), "web1");
	memset(&so, 0, sizeof(so));
	snprintf(so.kind, sizeof(so.kind), "shell");
	snprintf(so.detail, sizeof(so.detail), "pty xterm-256color 80x24");

	if (w_hello_send(c, &h, -1) != JG_OK)
		die("w_hello");
	n = msg_capture(c, sv[1], out, sizeof(out));
	seed("msg", "hello", out, n);

	if (w_hello_send(c, &h, -1) != JG_OK ||
	    w_key_owner_send(c, &ko, -1) != JG_OK ||
	    w_auth_ok_send(c, &ao, -1) != JG_OK ||
	    w_authorize_send(c, &az, -1) != JG_OK ||
	    w_session_open_send(c, &so, -1) != JG_OK)
		die("a login's messages");
	n = msg_capture(c, sv[1], out, sizeof(out));
	seed("msg", "login", out, n);
	seed("msg", "login-cut", out, n - 7);	/* the last frame half read */

	if (msg_queue(c, MSG_W_TARGETS, NULL, 0, -1) != JG_OK ||
	    msg_queue(c, MSG_W_SESSIONS, NULL, 0, -1) != JG_OK)
		die("empty frames");
	n = msg_capture(c, sv[1], out, sizeof(out));
	seed("msg", "empty", out, n);

	memset(text, 'x', sizeof(text));
	if (proto_wm_send_text(c, MSG_M_TEXT, 1, text, sizeof(text)) !=
	    JG_OK)
		die("m_text");
	n = msg_capture(c, sv[1], out, sizeof(out));
	seed("msg", "big", out, n);

	msg_free(c);
	close(sv[1]);
	buf_free(b);
}

/* witness: one line as AuditLogFile holds it. */
static void
seeds_witness(void)
{
	static const struct {
		const char *name, *time, *actor, *action, *detail;
		long long id;
		long uid;
	} rows[] = {
		{ "first", "2024-05-01T09:00:00Z", "root", "init",
		    "vault file", 1, 0 },
		{ "user-add", "2024-05-01T09:01:02Z", "admin", "user.add",
		    "alice role=ops", 2, 1000 },
		{ "escapes", "2024-05-01T09:02:03Z", "alice", "session.end",
		    "cmd \"ls\" \\ tab\there\nnew line \x01\x7f /", 3, 1001 },
		{ "system", "2024-05-01T23:59:59Z", "jumpgated", "grant.expire",
		    "", 999999999, -1 },
	};
	struct store_audit a, back;
	char line[WITNESS_LINE_MAX], hex[65];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.id = rows[i].id;
		a.uid = rows[i].uid;
		snprintf(a.time, sizeof(a.time), "%s", rows[i].time);
		snprintf(a.actor, sizeof(a.actor), "%s", rows[i].actor);
		snprintf(a.action, sizeof(a.action), "%s", rows[i].action);
		a.detail = (char *)rows[i].detail;
		randombytes_buf(a.hash, sizeof(a.hash));
		if (i > 0)
			randombytes_buf(a.prev, sizeof(a.prev));
		if (witness_line(&a, line, sizeof(line)) != JG_OK ||
		    witness_parse(line, strlen(line), &back) != JG_OK ||
		    back.id != a.id)
			die("a witness line");
		seed("witness", rows[i].name, line, strlen(line));
	}
	/* As another JSON writer could leave it: spaces, short escapes. */
	sodium_bin2hex(hex, sizeof(hex), a.hash, sizeof(a.hash));
	snprintf(line, sizeof(line), "{ \"hash\" : \"%s\", \"seq\": 12, "
	    "\"detail\": \"a\\tb\\nc\\r\\/d \\u0041\", \"prev\":\"%s\", "
	    "\"uid\": -5,\t\"time\": \"2024-05-02T00:00:00Z\", \"actor\": "
	    "\"bob\", \"action\": \"target.add\" }\n", hex, hex);
	if (witness_parse(line, strlen(line), &back) != JG_OK || back.id != 12)
		die("a witness line with spaces");
	seed("witness", "spaces", line, strlen(line));
}

/*
 * The data of a public-key login for the agent key (RFC 4252 §7), with a
 * session id of sidlen bytes (32 for curve25519-sha256; 1 to 64 taken).
 */
static void
userauth(struct buf *d, const unsigned char *blob, size_t bloblen,
    size_t sidlen)
{
	unsigned char sid[64];

	memset(sid, 0x11, sizeof(sid));
	buf_reset(d);
	if (sidlen > sizeof(sid) || buf_put_string(d, sid, sidlen) != JG_OK ||
	    buf_put_u8(d, 50) != JG_OK ||
	    buf_put_cstring(d, "jgtarget") != JG_OK ||
	    buf_put_cstring(d, "ssh-connection") != JG_OK ||
	    buf_put_cstring(d, "publickey") != JG_OK ||
	    buf_put_u8(d, 1) != JG_OK ||
	    buf_put_cstring(d, "ssh-ed25519") != JG_OK ||
	    buf_put_string(d, blob, bloblen) != JG_OK)
		die("userauth data");
}

static void
agent_req(struct buf *b, uint8_t type, const void *msg, size_t size)
{
	if (agent_frame(b, type, msg, size) != JG_OK)
		die("an agent request");
}

/* A record; with body NULL only its head (the body follows, or not). */
static void
record(struct buf *b, uint8_t type, const void *body, size_t len)
{
	if (buf_put_u8(b, type) != JG_OK ||
	    buf_put_u8(b, (uint8_t)(len >> 8)) != JG_OK ||
	    buf_put_u8(b, (uint8_t)len) != JG_OK ||
	    (body != NULL && buf_put(b, body, len) != JG_OK))
		die("a record");
}

static void
agent_reckey(struct buf *b, uint64_t session)
{
	struct a_reckey_request rq = { session };

	agent_req(b, AGENT_JG_RECKEY_REQUEST, &rq, sizeof(rq));
}

/*
 * agent: byte 0 the registration (bit 0 a password target, bit 1 the
 * vault sealed) and the form (bit 2: records), then what the worker
 * writes.
 */
static void
seeds_agent(void)
{
	static const unsigned char hello[] = "not a login";
	unsigned char blob[128], mode;
	struct a_sign_request sr;
	struct buf *b = buf_new(MSG_MAX), *d = buf_new(MSG_MAX);
	size_t bloblen = pub_blob(FUZZ_AGENT_PUB, blob, sizeof(blob));
	int i;

	userauth(d, blob, bloblen, 32);
	memset(&sr, 0, sizeof(sr));
	sr.blob.p = blob;
	sr.blob.len = bloblen;
	sr.data.p = buf_ptr(d);
	sr.data.len = buf_len(d);

	/* What libssh's agent client asks: the key, then one signature. */
	mode = 0;
	agent_req(b, AGENT_REQUEST_IDENTITIES, NULL, 0);
	agent_req(b, AGENT_SIGN_REQUEST, &sr, sizeof(sr));
	seed_buf("agent", "key-login", &mode, 1, b);

	/* Then recording keys for two sessions. */
	agent_reckey(b, 1);
	agent_reckey(b, 2);
	seed_buf("agent", "key-sessions", &mode, 1, b);

	/* What the keeper refuses a key target. */
	buf_reset(b);
	agent_req(b, AGENT_SIGN_REQUEST, &sr, sizeof(sr));
	agent_req(b, AGENT_SIGN_REQUEST, &sr, sizeof(sr));
	agent_req(b, AGENT_JG_PASSWORD_REQUEST, NULL, 0);
	agent_reckey(b, 0);
	if (buf_put_u32(b, 1) != JG_OK || buf_put_u8(b, 99) != JG_OK)
		die("an unknown request");
	seed_buf("agent", "key-refused", &mode, 1, b);

	/* A signature asked for something that is not a login. */
	buf_reset(b);
	sr.data.p = hello;
	sr.data.len = sizeof(hello) - 1;
	agent_req(b, AGENT_SIGN_REQUEST, &sr, sizeof(sr));
	seed_buf("agent", "key-not-login", &mode, 1, b);

	/* A password target: no key, the password once, a recording key. */
	mode = 1;
	buf_reset(b);
	agent_req(b, AGENT_REQUEST_IDENTITIES, NULL, 0);
	agent_req(b, AGENT_JG_PASSWORD_REQUEST, NULL, 0);
	agent_req(b, AGENT_JG_PASSWORD_REQUEST, NULL, 0);
	agent_reckey(b, 7);
	seed_buf("agent", "password", &mode, 1, b);

	/* The same while the vault is sealed: no recording key. */
	mode = 3;
	seed_buf("agent", "password-sealed", &mode, 1, b);

	/* A request cut short: the worker closes in the middle of it. */
	mode = 0;
	buf_reset(b);
	agent_req(b, AGENT_REQUEST_IDENTITIES, NULL, 0);
	sr.data.p = buf_ptr(d);
	sr.data.len = buf_len(d);
	agent_req(b, AGENT_SIGN_REQUEST, &sr, sizeof(sr));
	buf_unreserve(b, 20);
	seed_buf("agent", "key-cut", &mode, 1, b);

	/* Records the harness frames (bit 2): u8 type, u16 length, body. */
	mode = 4;
	buf_reset(b);
	record(b, AGENT_REQUEST_IDENTITIES, "", 0);
	record(b, AGENT_JG_RECKEY_REQUEST, "\0\0\0\0\0\0\0\3", 8);
	/* Last, with a length past the end: what is added goes to the data. */
	record(b, AGENT_SIGN_REQUEST, NULL, 0xffff);
	if (buf_put(b, buf_ptr(d), buf_len(d)) != JG_OK)
		die("a record");
	seed_buf("agent", "records-key-login", &mode, 1, b);
	/* The shortest and the longest session ids the keeper signs for. */
	for (i = 0; i < 2; i++) {
		userauth(d, blob, bloblen, i == 0 ? 1 : 64);
		buf_reset(b);
		record(b, AGENT_SIGN_REQUEST, buf_ptr(d), buf_len(d));
		seed_buf("agent", i == 0 ? "records-sid-1" : "records-sid-64",
		    &mode, 1, b);
	}
	mode = 5;
	buf_reset(b);
	record(b, AGENT_REQUEST_IDENTITIES, "", 0);
	record(b, AGENT_JG_PASSWORD_REQUEST, "", 0);
	record(b, AGENT_JG_RECKEY_REQUEST, "\0\0\0\0\0\0\0\4", 8);
	seed_buf("agent", "records-password", &mode, 1, b);
	buf_free(b);
	buf_free(d);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (d = malloc((size_t)n + 1)) ==
	    NULL || fread(d, 1, (size_t)n, f) != (size_t)n)
		die(path);
	fclose(f);
	d[n] = '\0';
	*len = (size_t)n;
	return d;
}

/*
 * keycred: byte 0 the form (0 as stored; 1 armoured text and 2 binary,
 * each after the 32-byte public key expected). Only Ed25519 keys are
 * taken: other types are seeds of the stored form alone, refused.
 */
static void
seeds_keycred(const char *key)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char end[] = "-----END OPENSSH PRIVATE KEY-----";
	unsigned char blob[1024], *bin, *d;
	const char *base = strrchr(key, '/'), *b64, *e;
	char path[4096], name[256], *text, *pub;
	size_t len, publen, bloblen, binlen;

	base = base != NULL ? base + 1 : key;
	text = slurp(key, &len);
	snprintf(path, sizeof(path), "%s.pub", key);
	pub = slurp(path, &publen);
	if ((d = malloc(len + 64)) == NULL)
		die("out of memory");
	d[0] = 0;
	memcpy(d + 1, text, len);
	snprintf(name, sizeof(name), "%s-stored", base);
	seed("keycred", name, d, len + 1);
	if (strncmp(pub, "ssh-ed25519 ", 12) == 0) {
		bloblen = pub_blob(pub, blob, sizeof(blob));
		d[0] = 1;
		memcpy(d + 1, blob + bloblen - 32, 32);
		memcpy(d + 33, text, len);
		snprintf(name, sizeof(name), "%s-text", base);
		seed("keycred", name, d, len + 33);

		if ((b64 = strstr(text, begin)) == NULL ||
		    (e = strstr(b64, end)) == NULL ||
		    (bin = malloc(len)) == NULL)
			die(key);
		b64 += strlen(begin);
		if (sodium_base642bin(bin, len, b64, (size_t)(e - b64),
		    "\r\n", &binlen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0)
			die(key);
		d[0] = 2;
		memcpy(d + 33, bin, binlen);
		snprintf(name, sizeof(name), "%s-binary", base);
		seed("keycred", name, d, binlen + 33);
		free(bin);
	}
	free(d);
	free(text);
	free(pub);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR [KEY...]\n");
		return 2;
	}
	if (vault_init() != JG_OK)
		die("libsodium");
	outdir = argv[1];
	seeds_proto();
	seeds_msg();
	seeds_witness();
	seeds_agent();
	for (i = 2; i < argc; i++)
		seeds_keycred(argv[i]);
	return 0;
}
