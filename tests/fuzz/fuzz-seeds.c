/* fuzz-seeds.c: the seeds of the fuzz harnesses whose inputs are made by encoders (proto, msg, witness), written with those very encoders. */

/*
 * Usage: fuzz-seeds DIR writes DIR/proto/, DIR/msg/ and DIR/witness/;
 * `scripts/fuzz --seeds` runs it on tests/fuzz/corpus/. Each seed is an
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

/* In fuzz-proto.c's order: byte 0 of its input picks one. */
static const struct proto_link *const links[] = {
	&proto_wm, &proto_mk, &proto_agent, &proto_ctl,
};

static const char *outdir;

/* The key an IDENTITIES_ANSWER seed lists (a throwaway one). */
#define SEED_PUB "ssh-ed25519 " \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM0vEJz4UT/CvQ6dLftrx/RV1qhNnpUICVpuLNgAbogJ"

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
				id.blob.len = pub_blob(SEED_PUB, blob,
				    sizeof(blob));
				snprintf(id.comment, sizeof(id.comment),
				    "web1");
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

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	if (vault_init() != JG_OK)
		die("libsodium");
	outdir = argv[1];
	seeds_proto();
	seeds_msg();
	seeds_witness();
	return 0;
}
