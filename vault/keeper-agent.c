/* keeper-agent.c: the keeper's credentials and its ssh-agent answers, plus the worker's password fetch. */

/*
 * A registration holds one opened credential. A password stays in locked
 * memory until the worker asks for it once (AGENT_JG_PASSWORD_REQUEST), then
 * it is wiped: a worker that was compromised after upstream authentication
 * cannot ask again. A private key never leaves the keeper: libssh 0.10 has
 * no call that signs arbitrary data or hands out the raw Ed25519 secret, so
 * the key is imported with libssh, re-exported unencrypted in the
 * openssh-key-v1 form and that form is parsed here (every length checked)
 * to get the 64-byte secret libsodium signs with. The worker's libssh
 * speaks the ssh-agent protocol to us (ssh_set_agent_socket), so the key
 * signs only what that connection's authentication asks for.
 *
 * Everything received here comes from a worker, which may be compromised:
 * bodies are parsed with the checked buf_get_* calls, anything unexpected is
 * answered with AGENT_FAILURE, and the secret itself is never logged.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "jumpgate.h"
#include "keeper-int.h"

#define KEEPER_ED25519_NAME "ssh-ed25519"
#define KEEPER_ED25519_PK 32
#define KEEPER_ED25519_SK 64
#define KEEPER_OPENSSH_MAGIC "openssh-key-v1"	/* and its NUL */
#define KEEPER_PEM_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define KEEPER_PEM_END "-----END OPENSSH PRIVATE KEY-----"

/* Wipe and free sodium_malloc memory that may be PROT_NONE. */
static void
keeper_secret_free(unsigned char *p)
{
	if (p == NULL)
		return;
	sodium_mprotect_readwrite(p);
	sodium_free(p);
}

/*
 * A bounds-checked reader over a plain byte range: the decoded private key
 * lives in locked memory, and struct buf would copy it into ordinary heap.
 */
struct keeper_rd {
	const unsigned char *p;
	size_t len;
	size_t off;
};

static int
keeper_rd_bytes(struct keeper_rd *r, size_t n, const unsigned char **out)
{
	if (n > r->len - r->off)
		return JG_ECORRUPT;
	*out = r->p + r->off;
	r->off += n;
	return JG_OK;
}

static int
keeper_rd_u32(struct keeper_rd *r, uint32_t *v)
{
	const unsigned char *p;

	if (keeper_rd_bytes(r, 4, &p) != JG_OK)
		return JG_ECORRUPT;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return JG_OK;
}

static int
keeper_rd_string(struct keeper_rd *r, const unsigned char **out, size_t *n)
{
	uint32_t len;

	if (keeper_rd_u32(r, &len) != JG_OK ||
	    keeper_rd_bytes(r, len, out) != JG_OK)
		return JG_ECORRUPT;
	*n = len;
	return JG_OK;
}

/* A string that must equal the C string want. */
static int
keeper_rd_expect(struct keeper_rd *r, const char *want)
{
	const unsigned char *p;
	size_t n;

	if (keeper_rd_string(r, &p, &n) != JG_OK || n != strlen(want) ||
	    memcmp(p, want, n) != 0)
		return JG_ECORRUPT;
	return JG_OK;
}

/* The 32-byte public key inside an ssh-ed25519 public key blob. */
static int
keeper_blob_pk(const unsigned char *blob, size_t len,
    const unsigned char **pk)
{
	struct keeper_rd r = { blob, len, 0 };
	size_t n;

	if (keeper_rd_expect(&r, KEEPER_ED25519_NAME) != JG_OK ||
	    keeper_rd_string(&r, pk, &n) != JG_OK ||
	    n != KEEPER_ED25519_PK || r.off != r.len)
		return JG_ECORRUPT;
	return JG_OK;
}

/*
 * Parse an unencrypted openssh-key-v1 key holding one ssh-ed25519 key:
 *
 *	"openssh-key-v1\0" string cipher "none" string kdf "none"
 *	string kdfoptions (empty) u32 nkeys (1) string publickey
 *	string private section:
 *	    u32 check1 u32 check2 string "ssh-ed25519" string pk (32)
 *	    string sk (64: seed || pk) string comment, padding 1, 2, 3...
 *
 * The 64 secret bytes are copied into sk (locked memory); pk must be the
 * public key of the blob libssh exported.
 */
static int
keeper_openssh_parse(const unsigned char *d, size_t len,
    const unsigned char *wantpk, unsigned char *sk)
{
	struct keeper_rd r = { d, len, 0 }, priv;
	const unsigned char *p, *pk, *secret, *pub;
	uint32_t nkeys, check1, check2;
	size_t n, i, publen;

	if (keeper_rd_bytes(&r, sizeof(KEEPER_OPENSSH_MAGIC), &p) != JG_OK ||
	    memcmp(p, KEEPER_OPENSSH_MAGIC, sizeof(KEEPER_OPENSSH_MAGIC)) != 0)
		return JG_ECORRUPT;
	if (keeper_rd_expect(&r, "none") != JG_OK ||
	    keeper_rd_expect(&r, "none") != JG_OK ||
	    keeper_rd_string(&r, &p, &n) != JG_OK || n != 0 ||
	    keeper_rd_u32(&r, &nkeys) != JG_OK || nkeys != 1 ||
	    keeper_rd_string(&r, &pub, &publen) != JG_OK ||
	    keeper_rd_string(&r, &p, &n) != JG_OK || r.off != r.len)
		return JG_ECORRUPT;
	/* The unencrypted private section is still padded to 8 bytes. */
	if (n % 8 != 0)
		return JG_ECORRUPT;
	priv.p = p;
	priv.len = n;
	priv.off = 0;
	if (keeper_rd_u32(&priv, &check1) != JG_OK ||
	    keeper_rd_u32(&priv, &check2) != JG_OK || check1 != check2 ||
	    keeper_rd_expect(&priv, KEEPER_ED25519_NAME) != JG_OK ||
	    keeper_rd_string(&priv, &pk, &n) != JG_OK ||
	    n != KEEPER_ED25519_PK ||
	    keeper_rd_string(&priv, &secret, &n) != JG_OK ||
	    n != KEEPER_ED25519_SK ||
	    keeper_rd_string(&priv, &p, &n) != JG_OK)	/* comment */
		return JG_ECORRUPT;
	for (i = 1; priv.off < priv.len; i++) {
		if (i > 255 || priv.p[priv.off] != (unsigned char)i)
			return JG_ECORRUPT;
		priv.off++;
	}
	/* All three copies of the public key must agree. */
	if (keeper_blob_pk(pub, publen, &p) != JG_OK ||
	    memcmp(p, wantpk, KEEPER_ED25519_PK) != 0 ||
	    memcmp(pk, wantpk, KEEPER_ED25519_PK) != 0 ||
	    memcmp(secret + 32, wantpk, KEEPER_ED25519_PK) != 0)
		return JG_ECORRUPT;
	memcpy(sk, secret, KEEPER_ED25519_SK);
	return JG_OK;
}

/*
 * Decode the PEM-armoured openssh-key-v1 text libssh exported and parse
 * it; the decoded bytes only ever live in locked memory.
 */
static int
keeper_openssh_secret(const char *text, const unsigned char *wantpk,
    unsigned char *sk)
{
	const char *begin, *end;
	unsigned char *bin;
	size_t b64len, binmax, binlen;
	int rc;

	if ((begin = strstr(text, KEEPER_PEM_BEGIN)) == NULL)
		return JG_ECORRUPT;
	begin += strlen(KEEPER_PEM_BEGIN);
	if ((end = strstr(begin, KEEPER_PEM_END)) == NULL)
		return JG_ECORRUPT;
	b64len = (size_t)(end - begin);
	if (b64len > KEEPER_AGENT_MAX)
		return JG_ECORRUPT;
	binmax = b64len / 4 * 3 + 3;
	if ((bin = sodium_malloc(binmax)) == NULL)
		return JG_ENOMEM;
	if (sodium_base642bin(bin, binmax, begin, b64len, "\r\n", &binlen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		rc = JG_ECORRUPT;
	else
		rc = keeper_openssh_parse(bin, binlen, wantpk, sk);
	sodium_free(bin);
	return rc;
}

/* libssh asks for a passphrase only for an encrypted key: refuse. */
static int
keeper_no_passphrase(const char *prompt, char *buf, size_t len, int echo,
    int verify, void *userdata)
{
	(void)prompt;
	(void)echo;
	(void)verify;
	(void)userdata;
	if (len > 0)
		buf[0] = '\0';
	return -1;
}

/* Check that the seed really makes the public key (a corrupt key fails here). */
static int
keeper_ed25519_consistent(const unsigned char *sk)
{
	unsigned char pk[KEEPER_ED25519_PK], *tmp;
	int rc;

	if ((tmp = sodium_malloc(KEEPER_ED25519_SK)) == NULL)
		return JG_ENOMEM;
	rc = crypto_sign_seed_keypair(pk, tmp, sk) == 0 &&
	    memcmp(pk, sk + 32, sizeof(pk)) == 0 ? JG_OK : JG_ECORRUPT;
	sodium_free(tmp);
	return rc;
}

/*
 * The public key blob (what the agent protocol lists and the sign request
 * names): libssh 0.10 exports it only as base64, so decode that.
 */
static int
keeper_pubkey_blob(ssh_key key, unsigned char **blobp, size_t *lenp)
{
	unsigned char *blob;
	char *b64 = NULL;
	size_t b64len, max, len;

	*blobp = NULL;
	*lenp = 0;
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || b64 == NULL)
		return JG_ERR;
	b64len = strlen(b64);
	max = b64len / 4 * 3 + 3;
	if (b64len > KEEPER_AGENT_MAX || (blob = malloc(max)) == NULL) {
		ssh_string_free_char(b64);
		return JG_ENOMEM;
	}
	if (sodium_base642bin(blob, max, b64, b64len, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		ssh_string_free_char(b64);
		free(blob);
		return JG_ECORRUPT;
	}
	ssh_string_free_char(b64);
	*blobp = blob;
	*lenp = len;
	return JG_OK;
}

/* Import the private key text pt into c: public blob and 64-byte secret. */
static int
keeper_key_load(struct keeper_cred *c, const unsigned char *pt, size_t ptlen,
    char *why, size_t whylen)
{
	ssh_key key = NULL;
	char *text = NULL;
	const unsigned char *pk;
	unsigned char *sk = NULL, *blob = NULL;
	size_t bloblen = 0;
	int rc = JG_ECORRUPT;

	/* vault_open NUL-terminates; a NUL inside is not key text. */
	if (ptlen == 0 || strlen((const char *)pt) != ptlen) {
		errf(why, whylen, "the stored credential is not a "
		    "private key");
		return JG_EINVAL;
	}
	if (ssh_pki_import_privkey_base64((const char *)pt, NULL,
	    keeper_no_passphrase, NULL, &key) != SSH_OK || key == NULL ||
	    !ssh_key_is_private(key)) {
		errf(why, whylen, "the stored private key cannot be "
		    "read (encrypted, or not a private key)");
		rc = JG_EINVAL;
		goto out;
	}
	if (ssh_key_type(key) != SSH_KEYTYPE_ED25519) {
		errf(why, whylen, "only ssh-ed25519 target keys are "
		    "supported");
		rc = JG_EINVAL;
		goto out;
	}
	if (keeper_pubkey_blob(key, &blob, &bloblen) != JG_OK) {
		errf(why, whylen, "cannot export the public key");
		goto out;
	}
	if (keeper_blob_pk(blob, bloblen, &pk) != JG_OK) {
		errf(why, whylen, "unexpected public key blob");
		goto out;
	}
	if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &text) !=
	    SSH_OK || text == NULL) {
		errf(why, whylen, "cannot export the private key");
		goto out;
	}
	if ((sk = sodium_malloc(KEEPER_ED25519_SK)) == NULL) {
		errf(why, whylen, "out of locked memory");
		rc = JG_ENOMEM;
		goto out;
	}
	if ((rc = keeper_openssh_secret(text, pk, sk)) != JG_OK ||
	    (rc = keeper_ed25519_consistent(sk)) != JG_OK) {
		errf(why, whylen, "cannot read the Ed25519 secret of "
		    "the stored key");
		goto out;
	}
	c->blob = blob;
	c->bloblen = bloblen;
	blob = NULL;
	sodium_mprotect_noaccess(sk);
	c->secret = sk;
	c->secretlen = KEEPER_ED25519_SK;
	sk = NULL;
	rc = JG_OK;
out:
	keeper_secret_free(sk);
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		ssh_string_free_char(text);
	}
	free(blob);
	ssh_key_free(key);	/* libssh wipes its private key on free */
	return rc;
}

/*
 * Fill c from the opened plaintext pt (sodium_malloc memory from
 * vault_open), which this function owns from here: a password is kept
 * as it is; a private key is converted and its text wiped.
 */
int
keeper_cred_load(struct keeper_cred *c, const char *kind, unsigned char *pt,
    size_t ptlen, char *why, size_t whylen)
{
	int rc;

	if (strcmp(kind, "password") == 0) {
		c->kind = KEEPER_KIND_PASSWORD;
		if (ptlen == 0 || ptlen > KEEPER_PASSWORD_MAX) {
			errf(why, whylen, "the stored password is empty "
			    "or longer than %d bytes", KEEPER_PASSWORD_MAX);
			keeper_secret_free(pt);
			return JG_EINVAL;
		}
		sodium_mprotect_noaccess(pt);
		c->secret = pt;
		c->secretlen = ptlen;
		return JG_OK;
	}
	if (strcmp(kind, "key") == 0) {
		c->kind = KEEPER_KIND_KEY;
		rc = keeper_key_load(c, pt, ptlen, why, whylen);
		keeper_secret_free(pt);
		return rc;
	}
	errf(why, whylen, "unknown credential kind \"%.16s\"", kind);
	keeper_secret_free(pt);
	return JG_EINVAL;
}

void
keeper_cred_clear(struct keeper_cred *c)
{
	keeper_secret_free(c->secret);
	free(c->blob);
	memset(c, 0, sizeof(*c));
}

/* Append one agent frame (u32 length, then reply) to out. */
static int
keeper_frame(struct buf *out, const struct buf *reply)
{
	int r;

	if ((r = buf_put_u32(out, (uint32_t)buf_len(reply))) != JG_OK)
		return r;
	return buf_put(out, buf_ptr(reply), buf_len(reply));
}

static int
keeper_failure(struct buf *reply)
{
	buf_reset(reply);
	return buf_put_u8(reply, AGENT_FAILURE);
}

static int
keeper_identities(struct keeper_cred *c, struct buf *body, struct buf *reply)
{
	int r;

	if (buf_len(body) != 0) {
		log_info("keeper: refused a malformed identities request "
		    "from connection %llu (target %s)",
		    (unsigned long long)c->conn, c->target);
		return keeper_failure(reply);
	}
	if ((r = buf_put_u8(reply, AGENT_IDENTITIES_ANSWER)) != JG_OK)
		return r;
	if (c->kind != KEEPER_KIND_KEY) {
		log_info("keeper: listed no key to connection %llu (target %s "
		    "has a password)", (unsigned long long)c->conn,
		    c->target);
		return buf_put_u32(reply, 0);
	}
	if ((r = buf_put_u32(reply, 1)) != JG_OK ||
	    (r = buf_put_string(reply, c->blob, c->bloblen)) != JG_OK ||
	    (r = buf_put_cstring(reply, c->target)) != JG_OK)
		return r;
	log_info("keeper: listed the key of %s to connection %llu", c->target,
	    (unsigned long long)c->conn);
	return JG_OK;
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
keeper_sign(struct keeper_cred *c, struct buf *body, struct buf *reply)
{
	unsigned char sig[crypto_sign_BYTES];
	const unsigned char *blob, *data;
	size_t bloblen, datalen;
	uint32_t flags;
	struct buf *sigblob;
	int r;

	if (buf_get_string(body, &blob, &bloblen) != JG_OK ||
	    buf_get_string(body, &data, &datalen) != JG_OK ||
	    buf_get_u32(body, &flags) != JG_OK || buf_len(body) != 0) {
		log_info("keeper: refused a malformed sign request from "
		    "connection %llu (target %s)",
		    (unsigned long long)c->conn, c->target);
		return keeper_failure(reply);
	}
	if (c->kind != KEEPER_KIND_KEY || c->secret == NULL ||
	    bloblen != c->bloblen || memcmp(blob, c->blob, bloblen) != 0) {
		log_info("keeper: refused to sign for connection %llu: not "
		    "the key of target %s", (unsigned long long)c->conn,
		    c->target);
		return keeper_failure(reply);
	}
	/* Ed25519 has no hash choice: the RSA flags do not apply. */
	(void)flags;
	/*
	 * Only one thing is signed, once: the upstream public-key login with
	 * this very key. Anything else (or a second signature) could log in
	 * elsewhere outside the recorded bridge.
	 */
	if (c->given || !keeper_is_userauth(data, datalen, c->blob,
	    c->bloblen)) {
		log_info("keeper: refused to sign for connection %llu (target "
		    "%s): %s", (unsigned long long)c->conn, c->target, c->given ?
		    "already signed its login" : "not a public-key login");
		return keeper_failure(reply);
	}
	sodium_mprotect_readonly(c->secret);
	r = crypto_sign_detached(sig, NULL, data, datalen, c->secret);
	sodium_mprotect_noaccess(c->secret);
	if (r != 0) {
		log_error("keeper: signing for connection %llu failed",
		    (unsigned long long)c->conn);
		return keeper_failure(reply);
	}
	sigblob = buf_new(256);
	if ((r = buf_put_cstring(sigblob, KEEPER_ED25519_NAME)) != JG_OK ||
	    (r = buf_put_string(sigblob, sig, sizeof(sig))) != JG_OK ||
	    (r = buf_put_u8(reply, AGENT_SIGN_RESPONSE)) != JG_OK ||
	    (r = buf_put_string(reply, buf_ptr(sigblob),
	    buf_len(sigblob))) != JG_OK) {
		buf_free(sigblob);
		return r;
	}
	buf_free(sigblob);
	c->given = 1;
	log_info("keeper: signed for target %s (connection %llu)", c->target,
	    (unsigned long long)c->conn);
	return JG_OK;
}

static int
keeper_password(struct keeper_cred *c, struct buf *body, struct buf *reply)
{
	int r;

	if (buf_len(body) != 0 || c->kind != KEEPER_KIND_PASSWORD ||
	    c->secret == NULL) {
		log_info("keeper: refused the password of %s to connection "
		    "%llu: %s", c->target, (unsigned long long)c->conn,
		    buf_len(body) != 0 ? "malformed request" :
		    c->kind != KEEPER_KIND_PASSWORD ? "it has a key, not a "
		    "password" : "already given");
		return keeper_failure(reply);
	}
	sodium_mprotect_readonly(c->secret);
	if ((r = buf_put_u8(reply, AGENT_JG_PASSWORD)) == JG_OK)
		r = buf_put_string(reply, c->secret, c->secretlen);
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
 * Answer one agent request (type, body) by appending one frame to out.
 * Unknown or malformed requests get AGENT_FAILURE; an error return means
 * out had no room, and the caller drops the registration.
 */
int
keeper_agent_answer(struct keeper_cred *c, uint8_t type, struct buf *body,
    struct buf *out)
{
	/* Wiped on free: it may carry the password. */
	struct buf *reply = buf_new(KEEPER_AGENT_MAX);
	int r;

	switch (type) {
	case AGENT_REQUEST_IDENTITIES:
		r = keeper_identities(c, body, reply);
		break;
	case AGENT_SIGN_REQUEST:
		r = keeper_sign(c, body, reply);
		break;
	case AGENT_JG_PASSWORD_REQUEST:
		r = keeper_password(c, body, reply);
		break;
	default:
		log_info("keeper: refused agent request %u from connection "
		    "%llu (target %s)", (unsigned int)type,
		    (unsigned long long)c->conn, c->target);
		r = keeper_failure(reply);
		break;
	}
	if (r == JG_OK)
		r = keeper_frame(out, reply);
	buf_free(reply);
	return r;
}

/* Send or receive exactly len bytes before the deadline. */
static int
keeper_io_full(int fd, unsigned char *p, size_t len, int sending,
    uint64_t end)
{
	struct pollfd pfd;
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		if (sending)
			n = send(fd, p + off, len - off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			n = recv(fd, p + off, len - off, MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return JG_ENOENT;	/* the keeper is gone */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return JG_ERR;
		pfd.fd = fd;
		pfd.events = sending ? POLLOUT : POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, clock_left_ms(end));
		if (r == 0)
			return JG_EBUSY;
		if (r == -1 && errno != EINTR)
			return JG_ERR;
	}
	return JG_OK;
}

static const char *
keeper_io_error(int rc)
{
	switch (rc) {
	case JG_EBUSY:
		return "the vault keeper did not answer in time";
	case JG_ENOENT:
		return "the vault keeper closed the connection";
	default:
		return "cannot talk to the vault keeper";
	}
}

/*
 * The worker's side: ask the keeper for this connection's password on the
 * registration socket fd. *pw is locked memory, NUL-terminated; the caller
 * wipes it with vault_secret_free(*pw, *len) right after use.
 */
int
keeper_password_fetch(int fd, int timeout_ms, char **pw, size_t *len,
    char *err, size_t errlen)
{
	unsigned char req[5] = { 0, 0, 0, 1, AGENT_JG_PASSWORD_REQUEST };
	unsigned char hdr[4], *body = NULL;
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;
	uint32_t flen, pwlen;
	char *out;
	int rc;

	*pw = NULL;
	*len = 0;
	if ((rc = keeper_io_full(fd, req, sizeof(req), 1, end)) != JG_OK ||
	    (rc = keeper_io_full(fd, hdr, sizeof(hdr), 0, end)) != JG_OK) {
		errf(err, errlen, "%s", keeper_io_error(rc));
		return rc;
	}
	flen = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (flen < 1 || flen > KEEPER_AGENT_MAX) {
		errf(err, errlen, "the vault keeper sent a malformed "
		    "answer");
		return JG_ECORRUPT;
	}
	/* The frame carries the password: locked memory from the start. */
	if ((body = vault_secret_alloc(flen)) == NULL) {
		errf(err, errlen, "out of locked memory");
		return JG_ENOMEM;
	}
	if ((rc = keeper_io_full(fd, body, flen, 0, end)) != JG_OK) {
		errf(err, errlen, "%s", keeper_io_error(rc));
		goto out;
	}
	if (body[0] == AGENT_FAILURE) {
		errf(err, errlen, "the vault keeper refused the password "
		    "(already given, or not a password credential)");
		rc = JG_EAUTH;
		goto out;
	}
	if (body[0] != AGENT_JG_PASSWORD || flen < 5) {
		errf(err, errlen, "the vault keeper sent a malformed "
		    "answer");
		rc = JG_ECORRUPT;
		goto out;
	}
	pwlen = (uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 |
	    (uint32_t)body[3] << 8 | body[4];
	if (pwlen != flen - 5 || pwlen == 0) {
		errf(err, errlen, "the vault keeper sent a malformed "
		    "answer");
		rc = JG_ECORRUPT;
		goto out;
	}
	if ((out = vault_secret_alloc(pwlen)) == NULL) {
		errf(err, errlen, "out of locked memory");
		rc = JG_ENOMEM;
		goto out;
	}
	memcpy(out, body + 5, pwlen);
	out[pwlen] = '\0';
	*pw = out;
	*len = pwlen;
	rc = JG_OK;
out:
	vault_secret_free(body, flen);
	return rc;
}

/* Read one AGENT_JG_RECKEY answer into key (the caller's locked memory). */
static int
keeper_reckey_answer(int fd, uint64_t end,
    unsigned char key[REC_KEYBYTES], char *err, size_t errlen)
{
	unsigned char hdr[4], body[1 + 4 + REC_KEYBYTES];
	uint32_t flen;
	int rc;

	if ((rc = keeper_io_full(fd, hdr, sizeof(hdr), 0, end)) != JG_OK) {
		errf(err, errlen, "%s", keeper_io_error(rc));
		return rc;
	}
	flen = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (flen != 1 && flen != sizeof(body)) {
		errf(err, errlen, "the vault keeper sent a malformed "
		    "answer");
		return JG_ECORRUPT;
	}
	if ((rc = keeper_io_full(fd, body, flen, 0, end)) != JG_OK) {
		errf(err, errlen, "%s", keeper_io_error(rc));
		return rc;
	}
	if (flen == 1 || body[0] != AGENT_JG_RECKEY || body[1] != 0 ||
	    body[2] != 0 || body[3] != 0 || body[4] != REC_KEYBYTES) {
		sodium_memzero(body, sizeof(body));
		errf(err, errlen, "the vault keeper refused the "
		    "recording key");
		return JG_EAUTH;
	}
	memcpy(key, body + 5, REC_KEYBYTES);
	sodium_memzero(body, sizeof(body));
	return JG_OK;
}

/*
 * The worker's side: the recording key for one of its sessions, fetched on
 * the registration socket into key (the caller's locked memory).
 */
int
keeper_reckey_fetch(int fd, uint64_t session_id, int timeout_ms,
    unsigned char key[REC_KEYBYTES], char *err, size_t errlen)
{
	unsigned char req[13] = { 0, 0, 0, 9, AGENT_JG_RECKEY_REQUEST };
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;
	int i, rc;

	for (i = 0; i < 8; i++)
		req[5 + i] = (unsigned char)(session_id >> (56 - 8 * i));
	if ((rc = keeper_io_full(fd, req, sizeof(req), 1, end)) != JG_OK) {
		errf(err, errlen, "%s", keeper_io_error(rc));
		return rc;
	}
	return keeper_reckey_answer(fd, end, key, err, errlen);
}

/* An auditor's worker: the key of the recording it was handed to replay. */
int
keeper_reckey_read(int fd, int timeout_ms, unsigned char key[REC_KEYBYTES],
    char *err, size_t errlen)
{
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;

	return keeper_reckey_answer(fd, end, key, err, errlen);
}
