/* format.c: the pieces of the recording format that its writer and its reader share: additional data, segment keys, the file header, record framing. */

/*
 * Every segment is sealed on its own, under a key derived with crypto_kdf
 * from the per-recording key and the segment number, so a player can start
 * at any segment without decoding what comes before (recorder/seal.c has
 * the ciphers of both versions). The additional data of every chunk binds
 * the session id, the segment number and start time, a hash of the file
 * header, the last MAC of the previous segment and, in version 2, whether
 * the chunk is the end mark: dropping, reordering, swapping or editing
 * anything fails authentication. Both sides build it here, so they cannot
 * drift.
 */

#include <stdlib.h>
#include <string.h>

#include "recfile.h"

uint32_t
recfmt_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint64_t
recfmt_be64(const unsigned char *p)
{
	return (uint64_t)recfmt_be32(p) << 32 | recfmt_be32(p + 4);
}

void
recfmt_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void
recfmt_put_be64(unsigned char *p, uint64_t v)
{
	recfmt_put_be32(p, (uint32_t)(v >> 32));
	recfmt_put_be32(p + 4, (uint32_t)v);
}

/*
 * The additional data of a chunk: the same for every chunk of a segment,
 * and in version 2 one more byte that says whether it is the end mark.
 * Returns its length.
 */
size_t
recfmt_ad(unsigned char ad[REC_AD_LEN], uint32_t version, uint64_t session_id,
    uint32_t segno, uint64_t start_ms, const unsigned char prev_mac[REC_MACBYTES],
    const unsigned char hdrhash[REC_HASHBYTES], int final)
{
	unsigned char *p = ad;

	memcpy(p, version == 1 ? "jgrec1" : "jgrec2", 6);
	p += 6;
	recfmt_put_be64(p, session_id);
	p += 8;
	recfmt_put_be32(p, segno);
	p += 4;
	recfmt_put_be64(p, start_ms);
	p += 8;
	memcpy(p, prev_mac, REC_MACBYTES);
	p += REC_MACBYTES;
	memcpy(p, hdrhash, REC_HASHBYTES);
	p += REC_HASHBYTES;
	if (version == 1)
		return (size_t)(p - ad);
	*p++ = final ? 1 : 0;
	return (size_t)(p - ad);
}

/* Version 1's segment keys (version 2 derives its own, recorder/seal.c). */
void
recfmt_segment_key(const unsigned char key[REC_KEYBYTES], uint32_t segno,
    unsigned char out[REC_SS_KEYBYTES])
{
	crypto_kdf_derive_from_key(out, REC_SS_KEYBYTES, segno, "jgrecseg",
	    key);
}

int
rec_header_encode(const struct rec_header *h, struct buf *b)
{
	int r;

	if ((r = buf_put(b, REC_MAGIC, REC_MAGIC_LEN)) != JG_OK ||
	    (r = buf_put_u32(b, REC_FORMAT_VERSION)) != JG_OK ||
	    (r = buf_put_u64(b, h->session_id)) != JG_OK ||
	    (r = buf_put_cstring(b, h->user)) != JG_OK ||
	    (r = buf_put_cstring(b, h->target)) != JG_OK ||
	    (r = buf_put_cstring(b, h->login)) != JG_OK ||
	    (r = buf_put_u64(b, (uint64_t)h->start_unix_ms)) != JG_OK ||
	    (r = buf_put_u32(b, h->cols)) != JG_OK ||
	    (r = buf_put_u32(b, h->rows)) != JG_OK ||
	    (r = buf_put_cstring(b, h->kind)) != JG_OK ||
	    (r = buf_put_cstring(b, h->command)) != JG_OK)
		return r;
	return JG_OK;
}

/* The whole record must be the header, nothing more. */
int
recfmt_header_decode(struct buf *b, struct rec_header *h)
{
	unsigned char magic[REC_MAGIC_LEN];
	uint64_t start;
	uint32_t version;

	memset(h, 0, sizeof(*h));
	if (buf_get(b, magic, sizeof(magic)) != JG_OK ||
	    memcmp(magic, REC_MAGIC, REC_MAGIC_LEN) != 0 ||
	    buf_get_u32(b, &version) != JG_OK ||
	    (version != 1 && version != REC_FORMAT_VERSION) ||
	    buf_get_u64(b, &h->session_id) != JG_OK ||
	    buf_get_cstring(b, h->user, sizeof(h->user)) != JG_OK ||
	    buf_get_cstring(b, h->target, sizeof(h->target)) != JG_OK ||
	    buf_get_cstring(b, h->login, sizeof(h->login)) != JG_OK ||
	    buf_get_u64(b, &start) != JG_OK ||
	    buf_get_u32(b, &h->cols) != JG_OK ||
	    buf_get_u32(b, &h->rows) != JG_OK ||
	    buf_get_cstring(b, h->kind, sizeof(h->kind)) != JG_OK ||
	    buf_get_cstring(b, h->command, sizeof(h->command)) != JG_OK ||
	    buf_len(b) != 0)
		return JG_ECORRUPT;
	h->start_unix_ms = (int64_t)start;
	h->version = version;
	return JG_OK;
}

/* One record, written with a single write(2) so a crash tears at most it. */
int
recfmt_record_write(int fd, char kind, const void *payload, size_t len)
{
	unsigned char *rec;
	int rc;

	if (len > REC_RECORD_MAX)
		return JG_EINVAL;
	if ((rec = malloc(REC_RECORD_HDR + len)) == NULL)
		return JG_ENOMEM;
	rec[0] = (unsigned char)kind;
	recfmt_put_be32(rec + 1, (uint32_t)len);
	memcpy(rec + REC_RECORD_HDR, payload, len);
	rc = fd_write_all(fd, rec, REC_RECORD_HDR + len, NULL);
	freezero(rec, REC_RECORD_HDR + len);
	return rc;
}
