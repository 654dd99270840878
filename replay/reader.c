/* reader.c: the recording file reader: records framed, segments authenticated, events bounded, damage named. */

/*
 * This is the parser of stored data that every player, export, search and
 * verification goes through, and the one the fuzzers drive: every length
 * is checked against the format's maximum before a byte is read into
 * memory, every chunk is authenticated before its events are parsed, and
 * an event's length is checked against what its chunk holds. What went
 * wrong is a status code (rec_reader_status), with a sentence for people
 * beside it (rec_reader_error); callers decide by the code.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recfile.h"
#include "replay.h"

/* A segment found by rec_reader_scan or read: where it is and what it needs. */
struct rec_mark {
	off_t off;			/* its S record */
	uint64_t start_ms;
	uint64_t chunks;		/* chunk records before it */
	uint32_t prev_segno;		/* the segment before it, if any */
	int has_prev;
	unsigned char prev[REC_MACBYTES];	/* the MAC of the chunk before */
};

struct rec_reader {
	int fd;
	unsigned char key[REC_KEYBYTES];
	unsigned char hdrhash[REC_HASHBYTES];
	struct rec_header hdr;
	off_t data_start;		/* first segment record */
	off_t pos;			/* next record (pread: readers may share fd) */
	off_t limit;			/* stop before this record (0: never) */
	int at_limit;
	struct rec_seal *seal;		/* the cipher of hdr.version */
	int in_segment;
	uint32_t segno;
	uint64_t seg_start_ms;
	unsigned char prev_mac[REC_MACBYTES];
	unsigned char last_mac[REC_MACBYTES];
	unsigned char start_mac[REC_MACBYTES];	/* PREV where reading began */
	off_t part_start;			/* where reading began */
	int expect;		/* the first segment must follow segno */
	uint64_t chunkno;		/* 1-based, over the whole file */
	struct buf *plain;		/* current chunk's events */
	unsigned char *rec;		/* one record */
	int final;			/* end mark seen */
	int done;
	int follow;			/* a live file: its end is "not yet" */
	uint64_t last_ms;
	struct rec_summary summary;
	int status;			/* enum rec_read_status */
	char err[256];
	/* rec_reader_hint: the segment a seek to hint_ms wants, as read */
	int hint_on, hint_found;
	int hint_final;		/* a later segment or the end mark seen */
	uint64_t hint_ms;
	struct rec_mark hint;
};

static int rec_reader_fail(struct rec_reader *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* Remember what went wrong (the first thing only) and say so. */
static int
rec_reader_fail(struct rec_reader *r, int status, const char *fmt, ...)
{
	va_list ap;

	if (r->status == REC_READ_OK) {
		r->status = status;
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return status == REC_READ_IO ? JG_ERR : JG_ECORRUPT;
}

static int
rec_reader_truncated(struct rec_reader *r)
{
	char t[32];

	replay_hms(r->last_ms, t, sizeof(t));
	return rec_reader_fail(r, REC_READ_TRUNCATED, "truncated after %s "
	    "(no end mark)", t);
}

/*
 * Read the record at *pos (moved past it on success): 1 read, 0 clean end
 * of file, JG_ECORRUPT torn (the file stops inside it), JG_EINVAL larger
 * than the format allows, JG_ERR I/O. pread, not read: several readers
 * may share one descriptor (replay.c checks a large file in two halves).
 */
static int
rec_read_record(int fd, off_t *pos, char *kind, unsigned char *payload,
    size_t *len)
{
	unsigned char h[REC_RECORD_HDR];
	ssize_t n;
	size_t got = 0, want;

	while (got < sizeof(h)) {
		n = pread(fd, h + got, sizeof(h) - got, *pos + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			return JG_ERR;
		if (n == 0)
			return got == 0 ? 0 : JG_ECORRUPT;
		got += (size_t)n;
	}
	*kind = (char)h[0];
	want = recfmt_be32(h + 1);
	if (want > REC_RECORD_MAX)
		return JG_EINVAL;
	got = 0;
	while (got < want) {
		n = pread(fd, payload + got, want - got, *pos +
		    REC_RECORD_HDR + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			return JG_ERR;
		if (n == 0)
			return JG_ECORRUPT;
		got += (size_t)n;
	}
	*len = want;
	*pos += REC_RECORD_HDR + (off_t)want;
	return 1;
}

static int
rec_reader_start_segment(struct rec_reader *r, const unsigned char *p,
    size_t len)
{
	uint32_t segno;
	uint64_t start;

	if (len != rec_seal_segment_len(r->hdr.version))
		return rec_reader_fail(r, REC_READ_DAMAGED, "segment %u is "
		    "malformed", len >= 4 ? recfmt_be32(p) : r->in_segment ?
		    r->segno + 1 : 0);
	segno = recfmt_be32(p);
	start = recfmt_be64(p + 4);
	if ((r->in_segment || r->expect) && segno != r->segno + 1)
		return rec_reader_fail(r, REC_READ_DAMAGED, "segment %u "
		    "follows segment %u: segments are missing or reordered",
		    segno, r->segno);
	r->expect = 0;
	if (rec_seal_segment_pull(r->seal, r->key, segno, p + 12) != JG_OK)
		return rec_reader_fail(r, REC_READ_DAMAGED, "segment %u is "
		    "malformed", segno);
	if (r->in_segment)
		memcpy(r->prev_mac, r->last_mac, REC_MACBYTES);
	r->segno = segno;
	r->seg_start_ms = start;
	r->in_segment = 1;
	return JG_OK;
}

/*
 * A segment record read at off. With a hint set, the segment a seek to
 * hint_ms wants is kept as the mark the scan would find (the last that
 * starts at or before it, the file's first anyway) so that the seek after
 * a full check need not walk the file again. Once a segment starts later
 * or the end mark is read, the mark is final: passes read after that (a
 * replay) change nothing.
 */
static int
rec_reader_segment(struct rec_reader *r, off_t off, const unsigned char *p,
    size_t len)
{
	struct rec_mark m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.off = off;
	m.chunks = r->chunkno;
	m.prev_segno = r->segno;
	m.has_prev = r->in_segment || r->expect;
	memcpy(m.prev, r->last_mac, REC_MACBYTES);
	if ((rc = rec_reader_start_segment(r, p, len)) != JG_OK)
		return rc;
	m.start_ms = r->seg_start_ms;
	if (!r->hint_on || r->hint_final)
		return JG_OK;
	if (off == r->data_start || m.start_ms <= r->hint_ms) {
		r->hint = m;
		r->hint_found = 1;
	} else
		r->hint_final = 1;
	return JG_OK;
}

/*
 * Authenticate one chunk record straight into the event buffer. In
 * version 2 an F record is the end mark (its kind is in the additional
 * data); in version 1 the cipher's FINAL tag is.
 */
static int
rec_reader_chunk(struct rec_reader *r, char kind, const unsigned char *c,
    size_t clen)
{
	unsigned char ad[REC_AD_LEN], *m;
	size_t adlen, mlen;
	int final = kind == REC_KIND_FINAL, tagged, rc;

	r->chunkno++;
	if (r->final)
		return rec_reader_fail(r, REC_READ_DAMAGED, "data after the "
		    "end mark");
	if (!r->in_segment || clen < REC_MACBYTES || clen > REC_RECORD_MAX)
		return rec_reader_fail(r, REC_READ_DAMAGED, "chunk %llu fails "
		    "authentication", (unsigned long long)r->chunkno);
	adlen = recfmt_ad(ad, r->hdr.version, r->hdr.session_id, r->segno,
	    r->seg_start_ms, r->prev_mac, r->hdrhash, final);
	buf_clear(r->plain);	/* overwritten now; wiped when freed */
	if (buf_reserve(r->plain, clen, &m) != JG_OK)
		return rec_reader_fail(r, REC_READ_IO, "out of memory");
	rc = rec_seal_pull(r->seal, ad, adlen, c, clen, m, &mlen, &tagged);
	buf_unreserve(r->plain, clen - mlen);
	if (r->hdr.version == 1)
		final = tagged;
	if (rc == JG_ERR)
		return rec_reader_fail(r, REC_READ_IO, "the cipher failed");
	if (rc != JG_OK)
		return rec_reader_fail(r, REC_READ_DAMAGED, "chunk %llu fails "
		    "authentication", (unsigned long long)r->chunkno);
	memcpy(r->last_mac, c + clen - REC_MACBYTES, REC_MACBYTES);
	if (final)
		r->final = 1;
	return JG_OK;
}

/* A reader on fd with its buffers; nothing read yet. */
static struct rec_reader *
rec_reader_new(int fd, const unsigned char key[REC_KEYBYTES])
{
	struct rec_reader *r = xcalloc(1, sizeof(*r));

	r->fd = fd;
	memcpy(r->key, key, REC_KEYBYTES);
	r->rec = xcalloc(1, REC_RECORD_MAX);
	r->plain = buf_new(REC_RECORD_MAX);
	return r;
}

/*
 * Open a reader on fd (read from the file's start, with pread: the
 * descriptor's offset is neither used nor moved). The header must be a jumpgate recording of the expected
 * session (0: any). On failure *out is NULL, *status (may be NULL) says
 * EMPTY, DAMAGED or IO, and err says it in words.
 */
int
rec_reader_open(int fd, const unsigned char key[REC_KEYBYTES],
    uint64_t expect_session, struct rec_reader **out, int *status,
    char *err, size_t errlen)
{
	struct rec_reader *r;
	struct buf *hb;
	size_t len;
	char kind;
	int rc;

	*out = NULL;
	r = rec_reader_new(fd, key);
	rc = rec_read_record(fd, &r->pos, &kind, r->rec, &len);
	if (rc == 0)
		rec_reader_fail(r, REC_READ_EMPTY, "empty recording");
	else if (rc == JG_ERR)
		rec_reader_fail(r, REC_READ_IO, "%s", strerror(errno));
	else if (rc != 1 || kind != REC_KIND_HEADER)
		rec_reader_fail(r, REC_READ_DAMAGED, "not a jumpgate "
		    "recording");
	if (r->status == REC_READ_OK) {
		crypto_generichash(r->hdrhash, sizeof(r->hdrhash), r->rec,
		    len, NULL, 0);
		hb = buf_new(REC_RECORD_MAX);
		if (buf_put(hb, r->rec, len) != JG_OK ||
		    recfmt_header_decode(hb, &r->hdr) != JG_OK)
			rec_reader_fail(r, REC_READ_DAMAGED, "not a jumpgate "
			    "recording (bad header)");
		else if (rec_seal_new(r->hdr.version, &r->seal) != JG_OK)
			rec_reader_fail(r, REC_READ_IO, "the recording's "
			    "cipher is not available");
		buf_free(hb);
	}
	if (r->status == REC_READ_OK && expect_session != 0 &&
	    r->hdr.session_id != expect_session)
		rec_reader_fail(r, REC_READ_DAMAGED, "belongs to session %llu, "
		    "not %llu", (unsigned long long)r->hdr.session_id,
		    (unsigned long long)expect_session);
	r->data_start = r->pos;
	if (r->status != REC_READ_OK) {
		if (status != NULL)
			*status = r->status;
		errf(err, errlen, "%s", r->err);
		rec_reader_free(r);
		return JG_ECORRUPT;
	}
	if (status != NULL)
		*status = REC_READ_OK;
	*out = r;
	return JG_OK;
}

const struct rec_header *
rec_reader_header(const struct rec_reader *r)
{
	return &r->hdr;
}

int
rec_reader_status(const struct rec_reader *r)
{
	return r->status;
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

/* The END event's data: the summary, to its last byte. */
static int
rec_reader_summary_parse(struct rec_reader *r, const unsigned char *d,
    size_t n)
{
	struct buf *b = buf_new(REC_RECORD_MAX);
	uint32_t status = 0;
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
	if (rc == JG_OK && buf_len(b) != 0)
		rc = JG_ECORRUPT;
	buf_free(b);
	r->summary.exit_status = (int32_t)status;
	return rc;
}

/* The next event of the chunk in hand; 0 when it holds no more. */
static int
rec_reader_event(struct rec_reader *r, struct rec_event_view *ev)
{
	uint64_t t;
	uint32_t len;
	uint8_t type, chan;

	if (buf_len(r->plain) == 0)
		return 0;
	if (buf_get_u64(r->plain, &t) != JG_OK ||
	    buf_get_u8(r->plain, &type) != JG_OK ||
	    buf_get_u8(r->plain, &chan) != JG_OK ||
	    buf_get_u32(r->plain, &len) != JG_OK || len > buf_len(r->plain))
		return rec_reader_fail(r, REC_READ_DAMAGED, "chunk %llu holds "
		    "a malformed event", (unsigned long long)r->chunkno);
	ev->t_ms = t;
	ev->type = type;
	ev->channel = chan;
	ev->data = buf_ptr(r->plain);
	ev->len = len;
	buf_consume(r->plain, len);
	r->last_ms = t;
	if (type == REC_END) {
		/* The summary is the last event, in the FINAL chunk. */
		if (!r->final || buf_len(r->plain) != 0 ||
		    rec_reader_summary_parse(r, ev->data, ev->len) != JG_OK)
			return rec_reader_fail(r, REC_READ_DAMAGED, "the end "
			    "mark holds no summary");
		r->done = 1;
		r->hint_final = r->hint_on;	/* every segment seen */
	}
	return 1;
}

/*
 * Next event: 1 and *ev filled, 0 at the end mark, negative on damage
 * (rec_reader_status and rec_reader_error say what); when following a
 * live file, JG_EAGAIN where the file stops (a record its writer has not
 * finished is read again from its start on the next call). ev->data points into
 * the reader and stays valid until the next call.
 */
int
rec_reader_next(struct rec_reader *r, struct rec_event_view *ev)
{
	off_t here;
	size_t rlen;
	char kind;
	int rc;

	if (r->status != REC_READ_OK)
		return r->status == REC_READ_IO ? JG_ERR : JG_ECORRUPT;
	for (;;) {
		if ((rc = rec_reader_event(r, ev)) != 0)
			return rc;
		if (r->done) {
			/* Nothing may follow the end mark. */
			if (rec_read_record(r->fd, &r->pos, &kind, r->rec,
			    &rlen) != 0)
				return rec_reader_fail(r, REC_READ_DAMAGED,
				    "data after the end mark");
			return 0;
		}
		if (r->final)
			return rec_reader_fail(r, REC_READ_DAMAGED, "the end "
			    "mark holds no summary");
		if (r->limit > 0 && r->pos >= r->limit) {
			r->at_limit = 1;	/* the other half reads on */
			return 0;
		}
		here = r->pos;
		rc = rec_read_record(r->fd, &r->pos, &kind, r->rec, &rlen);
		if (r->follow && (rc == 0 || rc == JG_ECORRUPT)) {
			/* Its writer is not further yet: read it again. */
			r->pos = here;
			return JG_EAGAIN;
		}
		if (rc == 0 || rc == JG_ECORRUPT)
			return rec_reader_truncated(r);
		if (rc == JG_EINVAL)
			return rec_reader_fail(r, REC_READ_DAMAGED, "a record "
			    "is larger than the format allows");
		if (rc < 0)
			return rec_reader_fail(r, REC_READ_IO, "%s",
			    strerror(errno));
		if (kind == REC_KIND_SEGMENT)
			rc = rec_reader_segment(r, here, r->rec, rlen);
		else if (kind == REC_KIND_CHUNK ||
		    (kind == REC_KIND_FINAL && r->hdr.version >= 2))
			rc = rec_reader_chunk(r, kind, r->rec, rlen);
		else
			rc = rec_reader_fail(r, REC_READ_DAMAGED, "unknown "
			    "record after chunk %llu",
			    (unsigned long long)r->chunkno);
		if (rc != JG_OK)
			return rc;
	}
}

/* Follow a file that its writer still appends to (replay/watch.c). */
void
rec_reader_follow(struct rec_reader *r, int on)
{
	r->follow = on != 0;
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
 * Walk the record heads from the first segment, skipping payloads by their
 * lengths, and offer each segment to take(): 1 keeps it as *best and goes
 * on, 0 stops. The previous segment's last MAC, which a segment's
 * additional data needs, is the last 16 bytes of the chunk before it, in
 * the clear. Nothing found here is trusted: the reader authenticates what
 * it then reads, under that MAC. JG_ENOENT when take() kept none.
 */
static int
rec_reader_scan(struct rec_reader *r, int (*take)(const struct rec_mark *,
    void *), void *arg, struct rec_mark *best)
{
	/* one pread per record: its tail (a MAC, or a segment) + next head */
	unsigned char t[REC_SEGMENT_MAX + REC_RECORD_HDR], *h;
	size_t len, seglen = rec_seal_segment_len(r->hdr.version), want;
	struct rec_mark m;
	ssize_t got;
	int found = 0;

	memset(&m, 0, sizeof(m));
	m.off = r->data_start;
	if (pread(r->fd, t, REC_RECORD_HDR, m.off) != REC_RECORD_HDR)
		return JG_ENOENT;
	h = t;
	for (;;) {
		char kind = (char)h[0];

		len = recfmt_be32(h + 1);
		if (len > REC_RECORD_MAX)
			break;
		if (kind == REC_KIND_SEGMENT) {
			if (len != seglen)
				break;
			want = len + REC_RECORD_HDR;
			got = pread(r->fd, t, want, m.off + REC_RECORD_HDR);
			if (got < (ssize_t)len)
				break;
			m.start_ms = recfmt_be64(t + 4);
			if (!take(&m, arg))
				break;
			*best = m;
			found = 1;
			m.prev_segno = recfmt_be32(t);
			m.has_prev = 1;
			h = t + len;
		} else if ((kind == REC_KIND_CHUNK || kind == REC_KIND_FINAL) &&
		    len >= REC_MACBYTES) {
			want = REC_MACBYTES + REC_RECORD_HDR;
			got = pread(r->fd, t, want, m.off + REC_RECORD_HDR +
			    (off_t)len - REC_MACBYTES);
			if (got < REC_MACBYTES)
				break;
			memcpy(m.prev, t, REC_MACBYTES);
			m.chunks++;
			h = t + REC_MACBYTES;
		} else
			break;
		m.off += REC_RECORD_HDR + (off_t)len;
		if (got != (ssize_t)want)	/* no next record head */
			break;
	}
	return found ? JG_OK : JG_ENOENT;
}

/*
 * Read on from the segment m. A new position also forgets what an earlier
 * pass found wrong: the part read is read afresh, and authenticated as it
 * is read.
 */
static void
rec_reader_position(struct rec_reader *r, const struct rec_mark *m)
{
	r->pos = r->part_start = m->off;
	r->expect = m->has_prev;
	r->segno = m->prev_segno;
	buf_reset(r->plain);
	r->in_segment = 0;
	r->final = r->done = 0;
	r->limit = 0;
	r->at_limit = 0;
	r->chunkno = m->chunks;
	r->last_ms = m->start_ms;
	r->status = REC_READ_OK;
	r->err[0] = '\0';
	memcpy(r->prev_mac, m->prev, REC_MACBYTES);
	memcpy(r->last_mac, m->prev, REC_MACBYTES);
	memcpy(r->start_mac, m->prev, REC_MACBYTES);
}

/* Seek: the last segment that starts at or before t (the first anyway). */
static int
rec_reader_take_time(const struct rec_mark *m, void *arg)
{
	const struct rec_mark *first = arg;

	return m->off == first->off || m->start_ms <= first->start_ms;
}

/* Position at the segment that holds time t_ms (see rec_reader_scan). */
int
rec_reader_seek(struct rec_reader *r, uint64_t t_ms)
{
	struct rec_mark want, best;

	if (r->hint_on && r->hint_final && r->hint_found &&
	    t_ms == r->hint_ms) {
		rec_reader_position(r, &r->hint);
		return JG_OK;
	}
	memset(&want, 0, sizeof(want));
	want.off = r->data_start;
	want.start_ms = t_ms;
	if (rec_reader_scan(r, rec_reader_take_time, &want, &best) != JG_OK)
		return JG_ENOENT;
	rec_reader_position(r, &best);
	return JG_OK;
}

/* Split: the last segment that starts at or before the file's middle. */
static int
rec_reader_take_offset(const struct rec_mark *m, void *arg)
{
	const off_t *middle = arg;

	return m->off <= *middle;
}

/*
 * Cut the rest of the file in two at a segment near its middle, for two
 * threads to authenticate at once (replay.c): r stops before that segment
 * (rec_reader_next returns 0 there, status OK), and *second, a new reader
 * on the same descriptor, reads from it to the end. *second is NULL when
 * the file is smaller than min_size or has no segment to cut at. The
 * caller checks rec_reader_joins once both are done.
 */
int
rec_reader_split(struct rec_reader *r, off_t min_size,
    struct rec_reader **second)
{
	struct rec_reader *b;
	struct rec_mark best;
	struct stat st;
	off_t middle;

	*second = NULL;
	if (r->follow || fstat(r->fd, &st) == -1 || st.st_size < min_size)
		return JG_OK;
	middle = r->pos + (st.st_size - r->pos) / 2;
	if (rec_reader_scan(r, rec_reader_take_offset, &middle, &best) !=
	    JG_OK || best.off <= r->pos)
		return JG_OK;
	b = rec_reader_new(r->fd, r->key);
	memcpy(b->hdrhash, r->hdrhash, REC_HASHBYTES);
	b->hdr = r->hdr;
	b->data_start = r->data_start;
	if (rec_seal_new(b->hdr.version, &b->seal) != JG_OK) {
		rec_reader_free(b);
		return JG_ERR;
	}
	rec_reader_position(b, &best);
	b->hint_on = r->hint_on;
	b->hint_ms = r->hint_ms;
	r->limit = best.off;
	*second = b;
	return JG_OK;
}

/*
 * The two halves make one file: the first stopped where the second began,
 * and the last MAC it authenticated is the one the second was chained to.
 */
int
rec_reader_joins(const struct rec_reader *a, const struct rec_reader *b)
{
	return a->at_limit && a->pos == b->part_start &&
	    sodium_memcmp(a->last_mac, b->start_mac, REC_MACBYTES) == 0;
}

/*
 * Keep, while reading, the segment that a seek to t_ms wants: a full check
 * then leaves it found, and rec_reader_seek to t_ms goes straight there
 * (a 1 GiB file has some 16,000 records to walk; bench/RESULTS.md: seek).
 * What the mark says is not trusted: reading from it authenticates again.
 */
void
rec_reader_hint(struct rec_reader *r, uint64_t t_ms)
{
	r->hint_on = 1;
	r->hint_ms = t_ms;
	r->hint_found = r->hint_final = 0;
}

/*
 * The halves' marks as one file's: the second's, unless the first's is
 * final (the first half stops before the end mark, so only a later
 * segment makes it so).
 */
void
rec_reader_hint_join(struct rec_reader *a, const struct rec_reader *b)
{
	if (!a->hint_on || a->hint_final)
		return;
	if (b->hint_found) {
		a->hint = b->hint;
		a->hint_found = 1;
	}
	a->hint_final = b->hint_final;
}

/* Back to the first event, as just opened. */
int
rec_reader_rewind(struct rec_reader *r)
{
	struct rec_mark m;

	memset(&m, 0, sizeof(m));
	m.off = r->data_start;
	rec_reader_position(r, &m);	/* segno 0, no expectation */
	memset(&r->summary, 0, sizeof(r->summary));
	return JG_OK;
}

void
rec_reader_free(struct rec_reader *r)
{
	if (r == NULL)
		return;
	sodium_memzero(r->key, sizeof(r->key));
	rec_seal_free(r->seal);
	free(r->rec);
	buf_free(r->plain);
	free(r);
}
