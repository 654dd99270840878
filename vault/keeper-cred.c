/* keeper-cred.c: the keeper's credentials: a password kept locked, or an Ed25519 private key turned into the secret libsodium signs with. */

/*
 * A registration holds one opened credential. A password stays in locked
 * memory until the worker asks for it once (AGENT_JG_PASSWORD_REQUEST), then
 * it is wiped (keeper-reg.c). A private key never leaves the keeper:
 * libssh 0.10 has no call that signs arbitrary data or hands out the raw
 * Ed25519 secret, so the key is imported with libssh, re-exported
 * unencrypted in the openssh-key-v1 form and that form is parsed here
 * (every length checked) to get the 64-byte secret libsodium signs with.
 * What is parsed here comes from the vault, opened with the vault key; it
 * is still read as if it could be hostile.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void
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
	if (b64len > AGENT_FRAME_MAX)
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
	if (b64len > AGENT_FRAME_MAX || (blob = malloc(max)) == NULL) {
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
