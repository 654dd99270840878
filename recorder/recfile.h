/* recfile.h: the recording file format, shared by its writer (recorder/writer.c) and its reader (replay/reader.c). */
#ifndef RECFILE_H
#define RECFILE_H

#include <sodium.h>

#include "jumpgate.h"

/*
 * A recording is a sequence of records, each "u8 kind, u32 length,
 * payload": one file header ('H'), then segments, each a segment header
 * ('S') followed by chunks ('C'). doc/recording-format.md is the exact
 * layout; these are the numbers both sides must agree on.
 */
#define REC_MAGIC "JGREC1\n"		/* 8 bytes with its NUL */
#define REC_MAGIC_LEN 8
#define REC_KIND_HEADER 'H'
#define REC_KIND_SEGMENT 'S'
#define REC_KIND_CHUNK 'C'
#define REC_KIND_FINAL 'F'		/* version 2: the end mark's chunk */
#define REC_RECORD_HDR 5		/* kind and length */
#define REC_CHUNK_PLAIN_MAX (64 * 1024)	/* a chunk seals at most 64 KiB */
#define REC_RECORD_MAX (REC_CHUNK_PLAIN_MAX + 4096)
#define REC_MACBYTES 16
#define REC_SS_KEYBYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define REC_SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define REC_SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define REC_GCM_KEYBYTES 32
#define REC_GCM_NONCEBYTES 12
#define REC_SEGMENT_MAX (4 + 8 + REC_SS_HEADER)	/* segno, start, stream */
#define REC_AD_LEN (6 + 8 + 4 + 8 + REC_MACBYTES + 32 + 1)	/* v2 */
#define REC_EVENT_HDR (8 + 1 + 1 + 4)	/* time, type, channel, length */
#define REC_HASHBYTES 32

/* format.c */
size_t recfmt_ad(unsigned char ad[REC_AD_LEN], uint32_t version,
	    uint64_t session_id, uint32_t segno, uint64_t start_ms,
	    const unsigned char prev_mac[REC_MACBYTES],
	    const unsigned char hdrhash[REC_HASHBYTES], int final);
void recfmt_segment_key(const unsigned char key[REC_KEYBYTES],
	    uint32_t segno, unsigned char out[REC_SS_KEYBYTES]);
int recfmt_header_decode(struct buf *, struct rec_header *);
int recfmt_record_write(int fd, char kind, const void *payload, size_t len);
uint32_t recfmt_be32(const unsigned char *);
uint64_t recfmt_be64(const unsigned char *);
void recfmt_put_be32(unsigned char *, uint32_t);
void recfmt_put_be64(unsigned char *, uint64_t);

/* seal.c */
struct rec_seal;
int rec_seal_new(uint32_t version, struct rec_seal **);
void rec_seal_free(struct rec_seal *);
size_t rec_seal_segment_len(uint32_t version);
int rec_seal_segment_push(struct rec_seal *,
	    const unsigned char key[REC_KEYBYTES], uint32_t segno,
	    unsigned char *stream);
int rec_seal_segment_pull(struct rec_seal *,
	    const unsigned char key[REC_KEYBYTES], uint32_t segno,
	    const unsigned char *stream);
int rec_seal_push(struct rec_seal *, const unsigned char *ad, size_t adlen,
	    const unsigned char *m, size_t len, unsigned char *c);
int rec_seal_pull(struct rec_seal *, const unsigned char *ad, size_t adlen,
	    const unsigned char *c, size_t clen, unsigned char *m,
	    size_t *mlen, int *final);

#endif /* RECFILE_H */
