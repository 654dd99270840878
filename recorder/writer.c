/* writer.c: the recording writer: events buffered, sealed into chunks, segments rotated, an end mark. */

/*
 * Events are buffered and sealed into a chunk when the buffer passes
 * 64 KiB or at the worker's once-a-second flush, so a crash loses at most
 * a second. A new segment starts every 1 MiB or 10 s, at an event
 * boundary; a writer given a keyframe callback (the gateway's terminal
 * screen, recorder/screen.c) starts every segment after the first with a
 * KEYFRAME event that redraws the screen, so a seek shows it at once. The
 * last chunk is the end mark (an F record) with a summary whose event
 * count lets a reader tell a complete recording from a cut one
 * (recorder/format.c has what the reader shares, recorder/seal.c the
 * cipher).
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recfile.h"

#define REC_SEGMENT_BYTES (1024 * 1024)	/* new segment every 1 MiB ... */
#define REC_SEGMENT_MS 10000		/* ... or 10 s */
#define REC_KEYFRAME_MAX (512 * 1024)	/* a larger screen gets none */
#define REC_FILL_MIN 1024		/* smallest piece split off to fill */

struct rec_writer {
	int fd;
	unsigned char key[REC_KEYBYTES];	/* locked memory */
	unsigned char hdrhash[REC_HASHBYTES];
	uint64_t session_id;
	struct rec_seal *seal;
	unsigned char *sealed;			/* one chunk record, reused */
	uint32_t segno;
	uint64_t seg_start_ms;
	size_t seg_bytes;
	unsigned char prev_mac[REC_MACBYTES];
	unsigned char last_mac[REC_MACBYTES];
	struct buf *plain;			/* events not yet sealed */
	uint64_t last_ms;
	uint64_t events;
	uint64_t written;			/* bytes in the file */
	int failed;
	int (*keyframe)(void *, struct buf *);
	void *keyframe_arg;
};


/* One record to the file, counted for MaxRecordingSize. */
static int
rec_writer_put(struct rec_writer *w, char kind, const void *p, size_t len)
{
	int rc;

	if ((rc = recfmt_record_write(w->fd, kind, p, len)) == JG_OK)
		w->written += REC_RECORD_HDR + len;
	return rc;
}

static int
rec_writer_segment(struct rec_writer *w)
{
	unsigned char payload[REC_SEGMENT_MAX];
	size_t len = rec_seal_segment_len(REC_FORMAT_VERSION);

	if (rec_seal_segment_push(w->seal, w->key, w->segno, payload + 12) !=
	    JG_OK)
		return JG_ERR;
	recfmt_put_be32(payload, w->segno);
	recfmt_put_be64(payload + 4, w->seg_start_ms);
	memcpy(w->prev_mac, w->last_mac, REC_MACBYTES);
	w->seg_bytes = 0;
	return rec_writer_put(w, REC_KIND_SEGMENT, payload, len);
}

/*
 * Seal what is buffered into one chunk (the end mark when final), in the
 * record buffer kept for it, and write the record with one write(2): no
 * allocation and no copy besides the cipher's on the data path.
 */
static int
rec_writer_chunk(struct rec_writer *w, int final)
{
	unsigned char ad[REC_AD_LEN], *rec = w->sealed;
	size_t mlen = buf_len(w->plain), adlen, rlen;
	int rc;

	if (mlen == 0 && !final)
		return JG_OK;
	adlen = recfmt_ad(ad, REC_FORMAT_VERSION, w->session_id, w->segno,
	    w->seg_start_ms, w->prev_mac, w->hdrhash, final);
	if ((rc = rec_seal_push(w->seal, ad, adlen, buf_ptr(w->plain), mlen,
	    rec + REC_RECORD_HDR)) != JG_OK)
		return rc;
	rlen = mlen + REC_MACBYTES;
	rec[0] = final ? REC_KIND_FINAL : REC_KIND_CHUNK;
	recfmt_put_be32(rec + 1, (uint32_t)rlen);
	if ((rc = fd_write_all(w->fd, rec, REC_RECORD_HDR + rlen, NULL)) ==
	    JG_OK) {
		w->written += REC_RECORD_HDR + rlen;
		memcpy(w->last_mac, rec + REC_RECORD_HDR + mlen, REC_MACBYTES);
	}
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
	w->plain = buf_new(REC_CHUNK_PLAIN_MAX + 65536 + REC_EVENT_HDR);
	/* Not calloc: an idle session touches only the pages its chunks use. */
	w->sealed = malloc(REC_RECORD_HDR + REC_RECORD_MAX);
	hb = buf_new(8192);
	rc = w->sealed == NULL ? JG_ENOMEM :
	    rec_seal_new(REC_FORMAT_VERSION, &w->seal);
	if (rc == JG_OK)
		rc = rec_header_encode(h, hb);
	if (rc == JG_OK) {
		crypto_generichash(w->hdrhash, sizeof(w->hdrhash),
		    buf_ptr(hb), buf_len(hb), NULL, 0);
		rc = rec_writer_put(w, REC_KIND_HEADER, buf_ptr(hb),
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

/*
 * Append one event; long data is split into events that fit one chunk.
 * Output streams (OUT, ERR) are also split to fill the chunk in hand: a
 * bulk download's 32 KiB packets would otherwise seal one per chunk, half
 * full, which doubles the records, the writes and the seals per byte.
 */
static int
rec_writer_append(struct rec_writer *w, uint64_t t_ms, int type,
    const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n, room;
	int rc;

	do {
		n = len > REC_CHUNK_PLAIN_MAX - REC_EVENT_HDR ?
		    REC_CHUNK_PLAIN_MAX - REC_EVENT_HDR : len;
		/* A chunk never holds more than 64 KiB of events. */
		room = REC_CHUNK_PLAIN_MAX - buf_len(w->plain);
		if (REC_EVENT_HDR + n > room && (type == REC_OUT ||
		    type == REC_ERR) && room >= REC_EVENT_HDR + REC_FILL_MIN)
			n = room - REC_EVENT_HDR;
		else if (REC_EVENT_HDR + n > room &&
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

/* The recording's size so far: in the file and still to be sealed. */
uint64_t
rec_writer_size(const struct rec_writer *w)
{
	return w->written + buf_len(w->plain);
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
		rc = rec_writer_chunk(w, 1);
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
	rec_seal_free(w->seal);
	free(w->sealed);	/* ciphertext only */
	buf_free(w->plain);
	if (w->fd != -1)
		close(w->fd);
	free(w);
}
