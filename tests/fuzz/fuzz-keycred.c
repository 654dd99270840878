/* fuzz-keycred.c: libFuzzer harness: a target's private key as the vault keeper reads it out of the vault (vault/keeper-cred.c). */

/*
 * A stored key was opened with the vault key, so an administrator wrote
 * it; the keeper still reads it as if it could be hostile. Its parsers
 * are static in vault/keeper-cred.c, so this file includes it. Input:
 * byte 0 picks what the rest is (its value modulo 3):
 *	0: the key as stored, fed to keeper_cred_load (libssh reads it and
 *	   exports it again, keeper_openssh_secret takes the Ed25519 secret
 *	   out of that);
 *	1: the 32-byte public key the caller expects, then PEM-armoured
 *	   openssh-key-v1 text (keeper_openssh_secret);
 *	2: the 32-byte public key, then the binary openssh-key-v1 form
 *	   (keeper_openssh_parse).
 * What must hold besides no crash: a stored key refused says why; one
 * taken is an Ed25519 key whose secret signs what its public blob
 * verifies; a secret taken ends with the public key expected; a binary
 * key taken, armoured as libssh armours it, gives the same secret. Seeds:
 * tests/fuzz/corpus/keycred/, keys made by ssh-keygen (fuzz-seeds.c).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../vault/keeper-cred.c"

#define FUZZ_INPUT_MAX (64 * 1024)
#define FUZZ_PEM_COLS 70		/* as OpenSSH and libssh wrap it */

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char *__lsan_default_suppressions(void);

/*
 * libssh 0.10.6 (Debian 12) leaks the key type's name when the private
 * section of an openssh-key-v1 key names an unknown type
 * (pki_openssh_import_privkey_blob returns without freeing it): a few
 * bytes per refused key, not ours to fix (tests/fuzz/regress/keycred/).
 * libssh has no symbols here, so its whole library is left out of leak
 * checking: a leak of what keeper-cred.c allocates itself is still one,
 * a libssh object it forgot to free would not be (test-keeper under ASan
 * covers that on the path of a good key).
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libssh.so\n";
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (vault_init() != JG_OK)
		abort();
	log_init("fuzz-keycred", 1, LOG_LVL_ERROR);
	return 0;
}

/* 0: the whole path of a stored key, as keeper_reg_add takes it. */
static void
fuzz_stored(const uint8_t *d, size_t len)
{
	static const unsigned char msg[] = "what the keeper signs";
	unsigned char sig[crypto_sign_BYTES], *pt;
	const unsigned char *pk;
	struct keeper_cred c;
	char why[JG_ERRLEN];

	/* vault_open's plaintext: locked memory, NUL-ended. */
	if ((pt = vault_secret_alloc(len)) == NULL)
		abort();
	memcpy(pt, d, len);
	pt[len] = '\0';
	memset(&c, 0, sizeof(c));
	why[0] = '\0';
	if (keeper_cred_load(&c, "key", pt, len, why, sizeof(why)) != JG_OK) {
		if (why[0] == '\0')
			__builtin_trap();	/* every refusal says why */
		keeper_cred_clear(&c);
		return;
	}
	if (c.kind != KEEPER_KIND_KEY || c.secretlen != KEEPER_ED25519_SK ||
	    keeper_blob_pk(c.blob, c.bloblen, &pk) != JG_OK)
		abort();
	sodium_mprotect_readonly(c.secret);
	if (crypto_sign_detached(sig, NULL, msg, sizeof(msg), c.secret) != 0 ||
	    crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
		abort();
	keeper_cred_clear(&c);
}

/* The binary form armoured as libssh exports it, NUL-ended (free it). */
static char *
fuzz_armour(const uint8_t *d, size_t len)
{
	size_t b64len = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL), i, o;
	char *b64, *text;

	b64 = malloc(b64len);
	text = malloc(b64len + b64len / FUZZ_PEM_COLS + 2 +
	    sizeof(KEEPER_PEM_BEGIN) + sizeof(KEEPER_PEM_END) + 2);
	if (b64 == NULL || text == NULL)
		abort();
	sodium_bin2base64(b64, b64len, d, len, sodium_base64_VARIANT_ORIGINAL);
	o = (size_t)sprintf(text, "%s\n", KEEPER_PEM_BEGIN);
	for (i = 0; b64[i] != '\0'; i++) {
		text[o++] = b64[i];
		if ((i + 1) % FUZZ_PEM_COLS == 0)
			text[o++] = '\n';
	}
	if (i % FUZZ_PEM_COLS != 0)
		text[o++] = '\n';
	sprintf(text + o, "%s\n", KEEPER_PEM_END);
	free(b64);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *pk, *d;
	size_t len;
	unsigned char *sk, *sk2;
	char *text;
	int rc;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	if (data[0] % 3 == 0) {
		fuzz_stored(data + 1, size - 1);
		return 0;
	}
	if (size < 1 + KEEPER_ED25519_PK)
		return 0;
	pk = data + 1;
	d = pk + KEEPER_ED25519_PK;
	len = size - 1 - KEEPER_ED25519_PK;
	if ((sk = sodium_malloc(KEEPER_ED25519_SK)) == NULL ||
	    (sk2 = sodium_malloc(KEEPER_ED25519_SK)) == NULL)
		abort();
	if (data[0] % 3 == 1) {
		if ((text = malloc(len + 1)) == NULL)
			abort();
		memcpy(text, d, len);
		text[len] = '\0';
		rc = keeper_openssh_secret(text, pk, sk);
		free(text);
	} else {
		rc = keeper_openssh_parse(d, len, pk, sk);
		if (rc == JG_OK) {
			text = fuzz_armour(d, len);
			if (keeper_openssh_secret(text, pk, sk2) != JG_OK ||
			    memcmp(sk, sk2, KEEPER_ED25519_SK) != 0)
				abort();	/* armour changes nothing */
			free(text);
		}
	}
	if (rc == JG_OK && memcmp(sk + KEEPER_ED25519_SK - KEEPER_ED25519_PK,
	    pk, KEEPER_ED25519_PK) != 0)
		abort();	/* the secret is the expected key's */
	sodium_free(sk);
	sodium_free(sk2);
	return 0;
}
