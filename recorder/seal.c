/* seal.c: the recording's ciphers: version 2 (AES-256-GCM, written and read) and version 1 (libsodium's XChaCha20-Poly1305 secretstream, read only). */

/*
 * Version 1 sealed every chunk with libsodium's secretstream, which is
 * XChaCha20-Poly1305 in software: a fifth of the worker's CPU on a bulk
 * download (bench/RESULTS.md). Version 2 seals with AES-256-GCM through
 * OpenSSL, which uses the CPU's AES and carry-less multiply instructions.
 * Without them OpenSSL falls back to table-based AES and GHASH, which are
 * slower and not constant-time; jumpgated logs a warning at start on such
 * a CPU (rec_seal_hardware, gateway/master.c), since a co-tenant timing its cache could
 * learn about the recording keys.
 *
 * A segment of version 2 has its own key (crypto_kdf from the recording
 * key and the segment number, context "jgrecsg2", so no key is ever
 * shared with version 1) and a random 96-bit nonce base in its header;
 * chunk i of the segment is sealed under the base XOR i (big-endian, in
 * the last 8 bytes). A nonce therefore never repeats under one key, and a
 * chunk moved, dropped or swapped inside its segment fails its tag, as
 * secretstream's chained state made it fail in version 1. The end mark is
 * its own record kind ('F') and is bound into the additional data, so a
 * cut file is seen from its record kinds alone and an end mark cannot be
 * forged from a chunk or the other way round (recorder/format.c).
 *
 * Readers keep reading version 1: recordings are evidence and outlive
 * the software that wrote them.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "recfile.h"

struct rec_seal {
	uint32_t version;
	EVP_CIPHER *aes;			/* v2: fetched once */
	EVP_CIPHER_CTX *ctx;			/* v2: the segment's key */
	unsigned char base[REC_GCM_NONCEBYTES];	/* v2: the segment's nonce */
	uint64_t counter;			/* v2: chunks so far in it */
	crypto_secretstream_xchacha20poly1305_state st;	/* v1 */
};

/* Whether this CPU seals in hardware (AES-NI and PCLMULQDQ). */
int
rec_seal_hardware(void)
{
	return crypto_aead_aes256gcm_is_available();
}

int
rec_seal_new(uint32_t version, struct rec_seal **out)
{
	struct rec_seal *s;

	*out = NULL;
	if (version != 1 && version != 2)
		return JG_EINVAL;
	s = xcalloc(1, sizeof(*s));
	s->version = version;
	if (version == 2 &&
	    ((s->aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (s->ctx = EVP_CIPHER_CTX_new()) == NULL)) {
		rec_seal_free(s);
		return JG_ERR;
	}
	*out = s;
	return JG_OK;
}

void
rec_seal_free(struct rec_seal *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx);	/* wipes the key schedule */
	EVP_CIPHER_free(s->aes);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

/*
 * The segment header's payload: segment number, start, then the cipher's
 * part (a 24-byte stream header in version 1, a 12-byte nonce base in 2):
 * 36 bytes in version 1, 24 in version 2.
 */
size_t
rec_seal_segment_len(uint32_t version)
{
	return 4 + 8 + (version == 1 ? REC_SS_HEADER : REC_GCM_NONCEBYTES);
}

/* Version 2: key this segment, from its number and nonce base. */
static int
rec_seal_gcm_key(struct rec_seal *s, const unsigned char key[REC_KEYBYTES],
    uint32_t segno, const unsigned char base[REC_GCM_NONCEBYTES], int enc)
{
	unsigned char k[REC_GCM_KEYBYTES];
	int ok;

	crypto_kdf_derive_from_key(k, sizeof(k), segno, "jgrecsg2", key);
	ok = EVP_CipherInit_ex(s->ctx, s->aes, NULL, k, NULL, enc);
	sodium_memzero(k, sizeof(k));
	if (ok != 1)
		return JG_ERR;
	memcpy(s->base, base, REC_GCM_NONCEBYTES);
	s->counter = 0;
	return JG_OK;
}

/*
 * Writer: start segment segno; stream (rec_seal_segment_len - 12 bytes)
 * receives what the segment header carries for readers.
 */
int
rec_seal_segment_push(struct rec_seal *s, const unsigned char key[REC_KEYBYTES],
    uint32_t segno, unsigned char *stream)
{
	if (s->version != 2)
		return JG_EINVAL;	/* version 1 is never written again */
	randombytes_buf(stream, REC_GCM_NONCEBYTES);
	return rec_seal_gcm_key(s, key, segno, stream, 1);
}

/* Reader: start segment segno from what its header carries. */
int
rec_seal_segment_pull(struct rec_seal *s, const unsigned char key[REC_KEYBYTES],
    uint32_t segno, const unsigned char *stream)
{
	unsigned char k[REC_SS_KEYBYTES];
	int rc;

	if (s->version == 2)
		return rec_seal_gcm_key(s, key, segno, stream, 0);
	recfmt_segment_key(key, segno, k);
	rc = crypto_secretstream_xchacha20poly1305_init_pull(&s->st, stream, k);
	sodium_memzero(k, sizeof(k));
	return rc == 0 ? JG_OK : JG_ECORRUPT;
}

/* Version 2: the next chunk's nonce, and the counter moved past it. */
static int
rec_seal_gcm_nonce(struct rec_seal *s, int enc, const unsigned char *ad,
    size_t adlen)
{
	unsigned char iv[REC_GCM_NONCEBYTES];
	int i, n;

	if (s->counter == UINT64_MAX)
		return JG_ERR;
	memcpy(iv, s->base, sizeof(iv));
	for (i = 0; i < 8; i++)
		iv[REC_GCM_NONCEBYTES - 1 - i] ^=
		    (unsigned char)(s->counter >> (8 * i));
	s->counter++;
	if (adlen > INT_MAX ||
	    EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, enc) != 1 ||
	    EVP_CipherUpdate(s->ctx, NULL, &n, ad, (int)adlen) != 1)
		return JG_ERR;
	return JG_OK;
}

/*
 * Writer, version 2: seal len bytes of m into c (len + REC_MACBYTES bytes;
 * c may be m), with the additional data ad.
 */
int
rec_seal_push(struct rec_seal *s, const unsigned char *ad, size_t adlen,
    const unsigned char *m, size_t len, unsigned char *c)
{
	int n, fin;

	if (s->version != 2 || len > REC_CHUNK_PLAIN_MAX)
		return JG_EINVAL;
	if (rec_seal_gcm_nonce(s, 1, ad, adlen) != JG_OK ||
	    EVP_CipherUpdate(s->ctx, c, &n, m, (int)len) != 1 ||
	    (size_t)n != len ||
	    EVP_CipherFinal_ex(s->ctx, c + len, &fin) != 1 || fin != 0 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, REC_MACBYTES,
	    c + len) != 1)
		return JG_ERR;
	return JG_OK;
}

/*
 * Reader: open the chunk c (clen bytes, MAC included) into m, which has
 * room for clen bytes; *mlen is the plaintext's length. In version 1 the
 * end mark is secretstream's FINAL tag, told back in *final; in version 2
 * the caller knows it from the record kind (it is in ad). JG_ECORRUPT when
 * the chunk does not authenticate.
 */
int
rec_seal_pull(struct rec_seal *s, const unsigned char *ad, size_t adlen,
    const unsigned char *c, size_t clen, unsigned char *m, size_t *mlen,
    int *final)
{
	unsigned long long ml;
	unsigned char tag;
	int n, fin;
	size_t len;

	*mlen = 0;
	*final = 0;
	if (s->version == 1) {
		if (clen < REC_SS_ABYTES ||
		    crypto_secretstream_xchacha20poly1305_pull(&s->st, m, &ml,
		    &tag, c, clen, ad, adlen) != 0)
			return JG_ECORRUPT;
		*mlen = (size_t)ml;
		*final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		return JG_OK;
	}
	if (clen < REC_MACBYTES || clen - REC_MACBYTES > REC_CHUNK_PLAIN_MAX)
		return JG_ECORRUPT;
	len = clen - REC_MACBYTES;
	if (rec_seal_gcm_nonce(s, 0, ad, adlen) != JG_OK ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, REC_MACBYTES,
	    (void *)(c + len)) != 1)
		return JG_ERR;
	/* Nothing unauthenticated is kept, whatever fails. */
	if (EVP_CipherUpdate(s->ctx, m, &n, c, (int)len) != 1 ||
	    (size_t)n != len) {
		sodium_memzero(m, len);
		return JG_ERR;
	}
	if (EVP_CipherFinal_ex(s->ctx, m + len, &fin) != 1) {
		sodium_memzero(m, len);
		return JG_ECORRUPT;
	}
	*mlen = len;
	return JG_OK;
}
