/* recfile.c: the recording file format: an encrypted, authenticated, seekable series of segments. */

/*
 * A recording is a sequence of records, each "u8 kind, u32 length,
 * payload": one file header ('H'), then segments, each a segment header
 * ('S') followed by chunks ('C'). Every segment is its own libsodium
 * secretstream (XChaCha20-Poly1305) under a key derived with crypto_kdf
 * from the per-recording key and the segment number, so a player can
 * start at any segment without decoding what comes before. The additional
 * data of every chunk binds the session id, the segment number and start
 * time, a hash of the file header, and the last MAC of the previous
 * segment: dropping, reordering, swapping or editing anything fails
 * authentication, and the last chunk carries TAG_FINAL with a summary, so
 * a missing end is seen as truncation. Chunks hold whole events (time,
 * type, channel, length, data); doc/recording-format.md is the exact
 * layout. A writer given a keyframe callback (the gateway's terminal
 * screen, recorder/screen.c) starts every segment after the first with a
 * KEYFRAME event that redraws the screen, so a seek shows it at once.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"

#define REC_MAGIC "JGREC1\n"		/* 8 bytes with its NUL */
#define REC_MAGIC_LEN 8
#define REC_KIND_HEADER 'H'
#define REC_KIND_SEGMENT 'S'
#define REC_KIND_CHUNK 'C'
#define REC_CHUNK_PLAIN_MAX (64 * 1024)	/* flush at 64 KiB */
#define REC_SEGMENT_BYTES (1024 * 1024)	/* new segment every 1 MiB ... */
#define REC_SEGMENT_MS 10000		/* ... or 10 s */
#define REC_RECORD_MAX (REC_CHUNK_PLAIN_MAX + 4096)
#define REC_MACBYTES 16
#define REC_SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define REC_SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define REC_AD_LEN (6 + 8 + 4 + 8 + REC_MACBYTES + 32)
#define REC_EVENT_HDR (8 + 1 + 1 + 4)
#define REC_KEYFRAME_MAX (512 * 1024)	/* a larger screen gets none */

struct rec_writer {
	int fd;
	unsigned char key[REC_KEYBYTES];	/* locked memory */
	unsigned char *hdrhash;			/* 32 bytes */
	uint64_t session_id;
	crypto_secretstream_xchacha20poly1305_state st;
	uint32_t segno;
	uint64_t seg_start_ms;
	size_t seg_bytes;
	unsigned char prev_mac[REC_MACBYTES];
	unsigned char last_mac[REC_MACBYTES];
	struct buf *plain;			/* events not yet sealed */
	uint64_t last_ms;
	uint64_t events;
	int failed;
	int (*keyframe)(void *, struct buf *);
	void *keyframe_arg;
};

/* The additional data for every chunk of one segment. */
static void
rec_ad(unsigned char ad[REC_AD_LEN], uint64_t session_id, uint32_t segno,
    uint64_t start_ms, const unsigned char prev_mac[REC_MACBYTES],
    const unsigned char hdrhash[32])
{
	unsigned char *p = ad;
	int i;

	memcpy(p, "jgrec1", 6);
	p += 6;
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(session_id >> (8 * i));
	for (i = 3; i >= 0; i--)
		*p++ = (unsigned char)(segno >> (8 * i));
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(start_ms >> (8 * i));
	memcpy(p, prev_mac, REC_MACBYTES);
	p += REC_MACBYTES;
	memcpy(p, hdrhash, 32);
}

static void
rec_segment_key(const unsigned char key[REC_KEYBYTES], uint32_t segno,
    unsigned char out[crypto_secretstream_xchacha20poly1305_KEYBYTES])
{
	crypto_kdf_derive_from_key(out,
	    crypto_secretstream_xchacha20poly1305_KEYBYTES, segno, "jgrecseg",
	    key);
}

static int
rec_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return JG_ERR;
		c += w;
		n -= (size_t)w;
	}
	return JG_OK;
}

/* One record, written with a single write(2) so a crash tears at most it. */
static int
rec_write_record(int fd, char kind, const void *payload, size_t len)
{
	unsigned char *rec;
	int rc;

	if (len > REC_RECORD_MAX)
		return JG_EINVAL;
	rec = malloc(5 + len);
	if (rec == NULL)
		return JG_ENOMEM;
	rec[0] = (unsigned char)kind;
	rec[1] = (unsigned char)(len >> 24);
	rec[2] = (unsigned char)(len >> 16);
	rec[3] = (unsigned char)(len >> 8);
	rec[4] = (unsigned char)len;
	memcpy(rec + 5, payload, len);
	rc = rec_write_all(fd, rec, 5 + len);
	freezero(rec, 5 + len);
	return rc;
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

static int
rec_header_decode(struct buf *b, struct rec_header *h)
{
	unsigned char magic[REC_MAGIC_LEN];
	uint64_t start;
	uint32_t version;

	memset(h, 0, sizeof(*h));
	if (buf_get(b, magic, sizeof(magic)) != JG_OK ||
	    memcmp(magic, REC_MAGIC, REC_MAGIC_LEN) != 0 ||
	    buf_get_u32(b, &version) != JG_OK || version != REC_FORMAT_VERSION ||
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
	return JG_OK;
}

/* Writer. */

static int
rec_writer_segment(struct rec_writer *w)
{
	unsigned char k[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char payload[4 + 8 + REC_SS_HEADER], *p = payload;
	int i, rc;

	rec_segment_key(w->key, w->segno, k);
	rc = crypto_secretstream_xchacha20poly1305_init_push(&w->st,
	    payload + 12, k);
	sodium_memzero(k, sizeof(k));
	if (rc != 0)
		return JG_ERR;
	for (i = 3; i >= 0; i--)
		*p++ = (unsigned char)(w->segno >> (8 * i));
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(w->seg_start_ms >> (8 * i));
	memcpy(w->prev_mac, w->last_mac, REC_MACBYTES);
	w->seg_bytes = 0;
	return rec_write_record(w->fd, REC_KIND_SEGMENT, payload,
	    sizeof(payload));
}

/* Seal what is buffered into one chunk (tag MESSAGE, or FINAL at the end). */
static int
rec_writer_chunk(struct rec_writer *w, unsigned char tag)
{
	unsigned char ad[REC_AD_LEN], *c;
	unsigned long long clen;
	size_t mlen = buf_len(w->plain);
	int rc;

	if (mlen == 0 && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		return JG_OK;
	if ((c = malloc(mlen + REC_SS_ABYTES)) == NULL)
		return JG_ENOMEM;
	rec_ad(ad, w->session_id, w->segno, w->seg_start_ms, w->prev_mac,
	    w->hdrhash);
	crypto_secretstream_xchacha20poly1305_push(&w->st, c, &clen,
	    buf_ptr(w->plain), mlen, ad, sizeof(ad), tag);
	rc = rec_write_record(w->fd, REC_KIND_CHUNK, c, (size_t)clen);
	if (rc == JG_OK)
		memcpy(w->last_mac, c + clen - REC_MACBYTES, REC_MACBYTES);
	free(c);
	w->seg_bytes += mlen;
	buf_reset(w->plain);
	return rc;
}

int
rec_writer_open(int fd, const unsigned char key[REC_KEYBYTES],
    const struct rec_header *h, struct rec_writer **out)
{
	struct rec_writer *w;
	struct buf *hb;
	int rc;

	*out = NULL;
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->session_id = h->session_id;
	if (sodium_mlock(w->key, sizeof(w->key)) != 0)
		log_debug("recording key not locked in memory");
	memcpy(w->key, key, REC_KEYBYTES);
	w->hdrhash = xcalloc(1, 32);
	w->plain = buf_new(REC_CHUNK_PLAIN_MAX + 65536 + REC_EVENT_HDR);
	hb = buf_new(8192);
	rc = rec_header_encode(h, hb);
	if (rc == JG_OK) {
		crypto_generichash(w->hdrhash, 32, buf_ptr(hb), buf_len(hb),
		    NULL, 0);
		rc = rec_write_record(fd, REC_KIND_HEADER, buf_ptr(hb),
		    buf_len(hb));
	}
	buf_free(hb);
	if (rc == JG_OK)
		rc = rec_writer_segment(w);
	if (rc != JG_OK) {
		w->fd = -1;
		rec_writer_free(w);
		return rc;
	}
	*out = w;
	return JG_OK;
}

/* Called at the start of every segment after the first; see screen.c. */
void
rec_writer_set_keyframe(struct rec_writer *w,
    int (*fn)(void *arg, struct buf *out), void *arg)
{
	w->keyframe = fn;
	w->keyframe_arg = arg;
}

/* Append one event; long data is split into events that fit one chunk. */
static int
rec_writer_append(struct rec_writer *w, uint64_t t_ms, int type,
    const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;
	int rc;

	do {
		n = len > REC_CHUNK_PLAIN_MAX - REC_EVENT_HDR ?
		    REC_CHUNK_PLAIN_MAX - REC_EVENT_HDR : len;
		/* A chunk never holds more than 64 KiB of events. */
		if (buf_len(w->plain) + REC_EVENT_HDR + n > REC_CHUNK_PLAIN_MAX &&
		    (rc = rec_writer_chunk(w, 0)) != JG_OK)
			return rc;
		if ((rc = buf_put_u64(w->plain, t_ms)) != JG_OK ||
		    (rc = buf_put_u8(w->plain, (uint8_t)type)) != JG_OK ||
		    (rc = buf_put_u8(w->plain, 0)) != JG_OK ||
		    (rc = buf_put_u32(w->plain, (uint32_t)n)) != JG_OK ||
		    (rc = buf_put(w->plain, p, n)) != JG_OK)
			return rc;
		w->events++;
		p += n;
		len -= n;
		if (buf_len(w->plain) >= REC_CHUNK_PLAIN_MAX &&
		    (rc = rec_writer_chunk(w, 0)) != JG_OK)
			return rc;
	} while (len > 0);
	return JG_OK;
}

/*
 * The new segment's first event: the screen as it is now. A callback that
 * fails or has nothing (no screen, or one too large) leaves the segment
 * without a keyframe; the player then fast-forwards from the segment start.
 */
static int
rec_writer_keyframe(struct rec_writer *w)
{
	struct buf *b;
	int rc = JG_OK;

	if (w->keyframe == NULL)
		return JG_OK;
	b = buf_new(REC_KEYFRAME_MAX);
	if (w->keyframe(w->keyframe_arg, b) != JG_OK)
		log_debug("session %llu: segment %u has no keyframe",
		    (unsigned long long)w->session_id, w->segno);
	else if (buf_len(b) > 0)
		rc = rec_writer_append(w, w->seg_start_ms, REC_KEYFRAME,
		    buf_ptr(b), buf_len(b));
	buf_free(b);
	return rc;
}

/*
 * Buffer one event. A chunk is sealed when the buffer passes 64 KiB; a new
 * segment starts every 1 MiB or 10 s, at an event boundary, with a
 * keyframe when there is a callback.
 */
static int
rec_writer_rotate(struct rec_writer *w, uint64_t *t_ms)
{
	int rc;

	if (*t_ms < w->last_ms)
		*t_ms = w->last_ms;	/* time never runs backwards */
	w->last_ms = *t_ms;
	if (w->seg_bytes + buf_len(w->plain) >= REC_SEGMENT_BYTES ||
	    *t_ms - w->seg_start_ms >= REC_SEGMENT_MS) {
		if ((rc = rec_writer_chunk(w, 0)) != JG_OK)
			return rc;
		w->segno++;
		w->seg_start_ms = *t_ms;
		if ((rc = rec_writer_segment(w)) != JG_OK ||
		    (rc = rec_writer_keyframe(w)) != JG_OK)
			return rc;
	}
	return JG_OK;
}

int
rec_writer_event(struct rec_writer *w, uint64_t t_ms, int type,
    const void *data, size_t len)
{
	int rc;

	if (w->failed)
		return JG_ERR;
	if ((rc = rec_writer_rotate(w, &t_ms)) != JG_OK ||
	    (rc = rec_writer_append(w, t_ms, type, data, len)) != JG_OK) {
		w->failed = 1;
		return rc;
	}
	return JG_OK;
}

/* The once-a-second flush: what is buffered goes to the kernel. */
int
rec_writer_flush(struct rec_writer *w)
{
	int rc;

	if (w->failed)
		return JG_ERR;
	if ((rc = rec_writer_chunk(w, 0)) != JG_OK)
		w->failed = 1;
	return rc;
}

/*
 * The end mark: a FINAL chunk whose last event is the summary. A segment
 * (and its keyframe) that the END event starts comes before the count.
 */
int
rec_writer_close(struct rec_writer *w, const struct rec_summary *s)
{
	struct buf *b;
	uint64_t t = s->duration_ms;
	int rc;

	if (w->failed)
		return JG_ERR;
	if ((rc = rec_writer_rotate(w, &t)) != JG_OK) {
		w->failed = 1;
		return rc;
	}
	b = buf_new(1024);
	rc = buf_put_u64(b, s->duration_ms);
	if (rc == JG_OK)
		rc = buf_put_u64(b, s->bytes_in);
	if (rc == JG_OK)
		rc = buf_put_u64(b, s->bytes_out);
	if (rc == JG_OK)
		rc = buf_put_u64(b, w->events + 1);
	if (rc == JG_OK)
		rc = buf_put_u32(b, (uint32_t)s->exit_status);
	if (rc == JG_OK)
		rc = buf_put_cstring(b, s->reason);
	if (rc == JG_OK)
		rc = rec_writer_append(w, t, REC_END, buf_ptr(b), buf_len(b));
	buf_free(b);
	if (rc == JG_OK)
		rc = rec_writer_chunk(w,
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	if (rc != JG_OK)
		w->failed = 1;
	return rc;
}

void
rec_writer_free(struct rec_writer *w)
{
	if (w == NULL)
		return;
	sodium_memzero(w->key, sizeof(w->key));
	sodium_munlock(w->key, sizeof(w->key));
	sodium_memzero(&w->st, sizeof(w->st));
	free(w->hdrhash);
	buf_free(w->plain);
	if (w->fd != -1)
		close(w->fd);
	free(w);
}

/* Reader. */

struct rec_reader {
	int fd;
	unsigned char key[REC_KEYBYTES];
	unsigned char hdrhash[32];
	struct rec_header hdr;
	off_t data_start;		/* first segment record */
	crypto_secretstream_xchacha20poly1305_state st;
	int in_segment;
	uint32_t segno;
	uint64_t seg_start_ms;
	unsigned char prev_mac[REC_MACBYTES];
	unsigned char last_mac[REC_MACBYTES];
	uint64_t chunkno;		/* 1-based, over the whole file */
	struct buf *plain;		/* current chunk's events */
	unsigned char *rec;		/* one record */
	int final;			/* end mark seen */
	int done;
	uint64_t last_ms;
	struct rec_summary summary;
	char err[256];
};

static void
rec_hms(uint64_t ms, char *out, size_t len)
{
	uint64_t s = ms / 1000;

	snprintf(out, len, "%02llu:%02llu:%02llu",
	    (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
	    (unsigned long long)(s % 60));
}

static void
rec_truncated(struct rec_reader *r)
{
	char t[32];

	rec_hms(r->last_ms, t, sizeof(t));
	snprintf(r->err, sizeof(r->err), "truncated after %s (no end mark)",
	    t);
}

/* Read one record: 1 read, 0 clean end of file, JG_ECORRUPT torn. */
static int
rec_read_record(int fd, char *kind, unsigned char *payload, size_t *len)
{
	unsigned char h[5];
	ssize_t n;
	size_t got = 0, want;

	while (got < 5) {
		n = read(fd, h + got, 5 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			return JG_ERR;
		if (n == 0)
			return got == 0 ? 0 : JG_ECORRUPT;
		got += (size_t)n;
	}
	*kind = (char)h[0];
	want = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 |
	    h[4];
	if (want > REC_RECORD_MAX)
		return JG_EINVAL;
	got = 0;
	while (got < want) {
		n = read(fd, payload + got, want - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			return JG_ERR;
		if (n == 0)
			return JG_ECORRUPT;
		got += (size_t)n;
	}
	*len = want;
	return 1;
}

static int
rec_reader_start_segment(struct rec_reader *r, const unsigned char *p,
    size_t len)
{
	unsigned char k[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint32_t segno = 0;
	uint64_t start = 0;
	int i, rc;

	if (len != 4 + 8 + REC_SS_HEADER)
		return JG_ECORRUPT;
	for (i = 0; i < 4; i++)
		segno = segno << 8 | p[i];
	for (i = 0; i < 8; i++)
		start = start << 8 | p[4 + i];
	if (r->in_segment && segno != r->segno + 1) {
		snprintf(r->err, sizeof(r->err), "segment %u follows segment "
		    "%u: segments are missing or reordered", segno, r->segno);
		return JG_ECORRUPT;
	}
	rec_segment_key(r->key, segno, k);
	rc = crypto_secretstream_xchacha20poly1305_init_pull(&r->st, p + 12,
	    k);
	sodium_memzero(k, sizeof(k));
	if (rc != 0)
		return JG_ECORRUPT;
	if (r->in_segment)
		memcpy(r->prev_mac, r->last_mac, REC_MACBYTES);
	r->segno = segno;
	r->seg_start_ms = start;
	r->in_segment = 1;
	return JG_OK;
}

static int
rec_reader_chunk(struct rec_reader *r, const unsigned char *c, size_t clen)
{
	unsigned char ad[REC_AD_LEN], tag, *m;
	unsigned long long mlen;

	r->chunkno++;
	if (!r->in_segment || clen < REC_SS_ABYTES) {
		snprintf(r->err, sizeof(r->err), "chunk %llu fails "
		    "authentication", (unsigned long long)r->chunkno);
		return JG_ECORRUPT;
	}
	if (r->final) {
		snprintf(r->err, sizeof(r->err), "data after the end mark");
		return JG_ECORRUPT;
	}
	rec_ad(ad, r->hdr.session_id, r->segno, r->seg_start_ms, r->prev_mac,
	    r->hdrhash);
	m = malloc(clen);
	if (m == NULL)
		return JG_ENOMEM;
	if (crypto_secretstream_xchacha20poly1305_pull(&r->st, m, &mlen, &tag,
	    c, clen, ad, sizeof(ad)) != 0) {
		free(m);
		snprintf(r->err, sizeof(r->err), "chunk %llu fails "
		    "authentication", (unsigned long long)r->chunkno);
		return JG_ECORRUPT;
	}
	memcpy(r->last_mac, c + clen - REC_MACBYTES, REC_MACBYTES);
	buf_reset(r->plain);
	if (buf_put(r->plain, m, (size_t)mlen) != JG_OK) {
		freezero(m, clen);
		return JG_ENOMEM;
	}
	freezero(m, clen);
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		r->final = 1;
	return JG_OK;
}

int
rec_reader_open(int fd, const unsigned char key[REC_KEYBYTES],
    uint64_t expect_session, struct rec_reader **out, char *err,
    size_t errlen)
{
	struct rec_reader *r;
	struct buf *hb;
	size_t len;
	char kind;
	int rc;

	*out = NULL;
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	memcpy(r->key, key, REC_KEYBYTES);
	r->rec = xcalloc(1, REC_RECORD_MAX);
	r->plain = buf_new(REC_RECORD_MAX);
	rc = rec_read_record(fd, &kind, r->rec, &len);
	if (rc != 1 || kind != REC_KIND_HEADER) {
		snprintf(err, errlen, "%s", rc == 0 ? "empty recording" :
		    "not a jumpgate recording");
		rec_reader_free(r);
		return JG_ECORRUPT;
	}
	crypto_generichash(r->hdrhash, 32, r->rec, len, NULL, 0);
	hb = buf_new(REC_RECORD_MAX);
	if (buf_put(hb, r->rec, len) != JG_OK ||
	    rec_header_decode(hb, &r->hdr) != JG_OK) {
		buf_free(hb);
		snprintf(err, errlen, "not a jumpgate recording (bad header)");
		rec_reader_free(r);
		return JG_ECORRUPT;
	}
	buf_free(hb);
	if (expect_session != 0 && r->hdr.session_id != expect_session) {
		snprintf(err, errlen, "belongs to session %llu, not %llu",
		    (unsigned long long)r->hdr.session_id,
		    (unsigned long long)expect_session);
		rec_reader_free(r);
		return JG_ECORRUPT;
	}
	r->data_start = lseek(fd, 0, SEEK_CUR);
	*out = r;
	return JG_OK;
}

const struct rec_header *
rec_reader_header(const struct rec_reader *r)
{
	return &r->hdr;
}

const char *
rec_reader_error(const struct rec_reader *r)
{
	return r->err;
}

uint64_t
rec_reader_last_ms(const struct rec_reader *r)
{
	return r->last_ms;
}

static int
rec_reader_summary_parse(struct rec_reader *r, const unsigned char *d,
    size_t n)
{
	struct buf *b = buf_new(4096);
	uint32_t status;
	int rc;

	rc = buf_put(b, d, n);
	if (rc == JG_OK)
		rc = buf_get_u64(b, &r->summary.duration_ms);
	if (rc == JG_OK)
		rc = buf_get_u64(b, &r->summary.bytes_in);
	if (rc == JG_OK)
		rc = buf_get_u64(b, &r->summary.bytes_out);
	if (rc == JG_OK)
		rc = buf_get_u64(b, &r->summary.events);
	if (rc == JG_OK)
		rc = buf_get_u32(b, &status);
	if (rc == JG_OK)
		rc = buf_get_cstring(b, r->summary.reason,
		    sizeof(r->summary.reason));
	buf_free(b);
	r->summary.exit_status = (int32_t)status;
	return rc;
}

/*
 * Next event: 1 and *ev filled, 0 at the end mark, negative on damage
 * (the reason in rec_reader_error). ev->data points into the reader.
 */
int
rec_reader_next(struct rec_reader *r, struct rec_event_view *ev)
{
	uint64_t t;
	uint32_t len;
	uint8_t type, chan;
	size_t rlen;
	char kind;
	int rc;

	for (;;) {
		if (buf_len(r->plain) > 0) {
			if (buf_get_u64(r->plain, &t) != JG_OK ||
			    buf_get_u8(r->plain, &type) != JG_OK ||
			    buf_get_u8(r->plain, &chan) != JG_OK ||
			    buf_get_u32(r->plain, &len) != JG_OK ||
			    len > buf_len(r->plain)) {
				snprintf(r->err, sizeof(r->err), "chunk %llu "
				    "holds a malformed event",
				    (unsigned long long)r->chunkno);
				return JG_ECORRUPT;
			}
			ev->t_ms = t;
			ev->type = type;
			ev->channel = chan;
			ev->data = buf_ptr(r->plain);
			ev->len = len;
			buf_consume(r->plain, len);
			r->last_ms = t;
			if (type == REC_END) {
				rec_reader_summary_parse(r, ev->data, ev->len);
				if (r->final && buf_len(r->plain) == 0)
					r->done = 1;
			}
			return 1;
		}
		if (r->done || r->final) {
			/* Nothing may follow the end mark. */
			rc = rec_read_record(r->fd, &kind, r->rec, &rlen);
			if (rc != 0) {
				snprintf(r->err, sizeof(r->err), "data after "
				    "the end mark");
				return JG_ECORRUPT;
			}
			return 0;
		}
		rc = rec_read_record(r->fd, &kind, r->rec, &rlen);
		if (rc == 0 || rc == JG_ECORRUPT) {
			rec_truncated(r);
			return JG_ECORRUPT;
		}
		if (rc < 0) {
			snprintf(r->err, sizeof(r->err), "%s", rc == JG_EINVAL ?
			    "a record is larger than the format allows" :
			    strerror(errno));
			return rc;
		}
		if (kind == REC_KIND_SEGMENT) {
			if ((rc = rec_reader_start_segment(r, r->rec, rlen)) !=
			    JG_OK) {
				if (r->err[0] == '\0')
					snprintf(r->err, sizeof(r->err),
					    "segment %u is malformed",
					    r->segno + 1);
				return rc;
			}
			continue;
		}
		if (kind != REC_KIND_CHUNK) {
			snprintf(r->err, sizeof(r->err), "unknown record after "
			    "chunk %llu", (unsigned long long)r->chunkno);
			return JG_ECORRUPT;
		}
		if ((rc = rec_reader_chunk(r, r->rec, rlen)) != JG_OK)
			return rc;
	}
}

int
rec_reader_summary(const struct rec_reader *r, struct rec_summary *s)
{
	if (!r->done)
		return JG_ENOENT;
	*s = r->summary;
	return JG_OK;
}

/*
 * Position at the segment that holds time t_ms: scan the segment headers
 * (skipping chunks by their lengths), then start decoding there. The
 * previous segment's last MAC, which the target segment's additional data
 * needs, is the last 16 bytes of the chunk just before it.
 */
int
rec_reader_seek(struct rec_reader *r, uint64_t t_ms)
{
	unsigned char h[5], mac[REC_MACBYTES], best_mac[REC_MACBYTES];
	unsigned char seg[4 + 8 + REC_SS_HEADER];
	off_t off = r->data_start, best = -1;
	uint64_t start;
	size_t len;
	int i;

	memset(mac, 0, sizeof(mac));
	memset(best_mac, 0, sizeof(best_mac));
	for (;;) {
		if (pread(r->fd, h, 5, off) != 5)
			break;
		len = (size_t)h[1] << 24 | (size_t)h[2] << 16 |
		    (size_t)h[3] << 8 | h[4];
		if (len > REC_RECORD_MAX)
			break;
		if (h[0] == REC_KIND_SEGMENT) {
			if (len != sizeof(seg) ||
			    pread(r->fd, seg, len, off + 5) != (ssize_t)len)
				break;
			for (start = 0, i = 0; i < 8; i++)
				start = start << 8 | seg[4 + i];
			if (best != -1 && start > t_ms)
				break;
			best = off;
			memcpy(best_mac, mac, sizeof(mac));
		} else if (h[0] == REC_KIND_CHUNK && len >= REC_MACBYTES) {
			if (pread(r->fd, mac, REC_MACBYTES, off + 5 + (off_t)len -
			    REC_MACBYTES) != REC_MACBYTES)
				break;
		} else
			break;
		off += 5 + (off_t)len;
	}
	if (best == -1)
		return JG_ENOENT;
	if (lseek(r->fd, best, SEEK_SET) == -1)
		return JG_ERR;
	buf_reset(r->plain);
	r->in_segment = 0;
	r->final = r->done = 0;
	memcpy(r->prev_mac, best_mac, REC_MACBYTES);
	memcpy(r->last_mac, best_mac, REC_MACBYTES);
	return JG_OK;
}

void
rec_reader_free(struct rec_reader *r)
{
	if (r == NULL)
		return;
	sodium_memzero(r->key, sizeof(r->key));
	sodium_memzero(&r->st, sizeof(r->st));
	free(r->rec);
	buf_free(r->plain);
	free(r);
}
