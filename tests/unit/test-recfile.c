/* test-recfile.c: the recording format: round trip, seek, keyframes, version 1 still read, following a live file, the screen serializer, and every tamper case caught. */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <vterm.h>

#include "jumpgate.h"
#include "replay.h"

static char path[64], path2[64];
static size_t out_bytes;	/* read_all: OUT bytes read */
static unsigned char key[REC_KEYBYTES];

/* The file as records: offsets and lengths, to cut and splice them. */
struct recs {
	unsigned char *data;
	size_t len;
	size_t off[4096];
	size_t rlen[4096];	/* whole record, header included */
	char kind[4096];
	size_t n;
};

static void
load(const char *p, struct recs *r)
{
	FILE *f = fopen(p, "rb");
	size_t o = 0, l;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	r->len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	r->data = malloc(r->len);
	assert_int_equal(fread(r->data, 1, r->len, f), r->len);
	fclose(f);
	r->n = 0;
	while (o + 5 <= r->len && r->n < 4096) {
		l = (size_t)r->data[o + 1] << 24 | (size_t)r->data[o + 2] << 16 |
		    (size_t)r->data[o + 3] << 8 | r->data[o + 4];
		r->off[r->n] = o;
		r->rlen[r->n] = 5 + l;
		r->kind[r->n] = (char)r->data[o];
		r->n++;
		o += 5 + l;
	}
}

/* Write the records in the given order (-1 ends the list). */
static void
save(const char *p, const struct recs *r, const int *order)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	for (; *order >= 0; order++)
		fwrite(r->data + r->off[*order], 1, r->rlen[*order], f);
	fclose(f);
}

static void
write_recording(const char *p, uint64_t session, int big)
{
	struct rec_writer *w;
	struct rec_header h;
	struct rec_summary s;
	unsigned char blob[70000];
	char line[64];
	int fd, i;

	memset(&h, 0, sizeof(h));
	h.session_id = session;
	snprintf(h.user, sizeof(h.user), "alice");
	snprintf(h.target, sizeof(h.target), "db01");
	snprintf(h.login, sizeof(h.login), "root");
	h.start_unix_ms = 1795650000000LL;
	h.cols = 80;
	h.rows = 24;
	snprintf(h.kind, sizeof(h.kind), "shell");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(rec_writer_open(fd, key, &h, &w), JG_OK);
	assert_int_equal(rec_writer_event(w, 0, REC_REQUEST, "shell", 5),
	    JG_OK);
	for (i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		/* 0.5 s apart: 50 s in all, so several time-based segments */
		assert_int_equal(rec_writer_event(w, (uint64_t)i * 500, REC_OUT,
		    line, strlen(line)), JG_OK);
		if (i % 10 == 0)
			assert_int_equal(rec_writer_flush(w), JG_OK);
	}
	if (big) {
		memset(blob, 'x', sizeof(blob));
		for (i = 0; i < 40; i++)	/* 2.8 MB: size-based segments */
			assert_int_equal(rec_writer_event(w, 50000, REC_OUT,
			    blob, sizeof(blob)), JG_OK);
	}
	assert_int_equal(rec_writer_event(w, 50500, REC_IN, "exit\r", 5),
	    JG_OK);
	memset(&s, 0, sizeof(s));
	s.duration_ms = 51000;
	s.bytes_in = 5;
	s.bytes_out = 999;
	s.exit_status = 3;
	snprintf(s.reason, sizeof(s.reason), "exit");
	assert_int_equal(rec_writer_close(w, &s), JG_OK);
	rec_writer_free(w);
}

/* Read it all: 0 intact, else the error text in err. */
static int
read_all(const char *p, uint64_t expect, char *err, size_t errlen,
    size_t *nout, uint64_t *last)
{
	struct rec_reader *r;
	struct rec_event_view ev;
	int fd, rc;

	*nout = 0;
	out_bytes = 0;
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	if (rec_reader_open(fd, key, expect, &r, NULL, err, errlen) != JG_OK) {
		close(fd);
		return -1;
	}
	while ((rc = rec_reader_next(r, &ev)) == 1)
		if (ev.type == REC_OUT) {
			(*nout)++;
			out_bytes += ev.len;
		}
	if (last != NULL)
		*last = rec_reader_last_ms(r);
	if (rc != 0)
		snprintf(err, errlen, "%s", rec_reader_error(r));
	rec_reader_free(r);
	close(fd);
	return rc == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/jg-test-rec-%ld", (long)getpid());
	snprintf(path2, sizeof(path2), "/tmp/jg-test-rec2-%ld",
	    (long)getpid());
	randombytes_buf(key, sizeof(key));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(path2);
	return 0;
}

static void
test_round_trip(void **state)
{
	struct rec_reader *r;
	struct rec_event_view ev;
	struct rec_summary s;
	char err[256];
	size_t n;
	int fd, segs = 0, chunks = 0, i;
	struct recs rr;

	(void)state;
	write_recording(path, 12, 1);
	assert_int_equal(read_all(path, 12, err, sizeof(err), &n, NULL), 0);
	/* 70000-byte events split to fit, and to fill the chunk in hand */
	assert_int_equal(out_bytes, 890 + 40 * 70000);
	assert_true(n >= 100 + 40 * 2);
	fd = open(path, O_RDONLY);
	assert_int_equal(rec_reader_open(fd, key, 12, &r, NULL, err, sizeof(err)),
	    JG_OK);
	assert_string_equal(rec_reader_header(r)->user, "alice");
	assert_int_equal(rec_reader_header(r)->cols, 80);
	assert_int_equal(rec_reader_next(r, &ev), 1);
	assert_int_equal(ev.type, REC_REQUEST);
	assert_memory_equal(ev.data, "shell", 5);
	while (rec_reader_next(r, &ev) == 1)
		;
	assert_int_equal(rec_reader_summary(r, &s), JG_OK);
	assert_int_equal(s.exit_status, 3);
	assert_int_equal(s.duration_ms, 51000);
	assert_string_equal(s.reason, "exit");
	rec_reader_free(r);
	close(fd);
	load(path, &rr);
	for (i = 0; i < (int)rr.n; i++) {
		segs += rr.kind[i] == 'S';
		chunks += rr.kind[i] == 'C';
	}
	assert_true(segs >= 5);
	/*
	 * 2.8 MB in 43 full chunks, not one and a half per event; the 100
	 * lines before seal about 15 (flushes, new segments).
	 */
	print_message("%d segments, %d chunks\n", segs, chunks);
	assert_true(chunks <= 70);
	free(rr.data);
	/* The content is encrypted: no plaintext line on disk. */
	{
		struct recs q;
		load(path, &q);
		assert_null(memmem(q.data, q.len, "line 42", 7));
		assert_null(memmem(q.data, q.len, "exit\r", 5));
		free(q.data);
	}
}

/* Seek to 31 s of write_recording's 50 s and read on to a clean end. */
static void
seek_31s(struct rec_reader *r)
{
	struct rec_event_view ev;

	assert_int_equal(rec_reader_seek(r, 31000), JG_OK);
	assert_int_equal(rec_reader_next(r, &ev), 1);
	/* The segment holding 31 s starts at most 10 s before it. */
	assert_true(ev.t_ms <= 31000 && ev.t_ms + 10000 >= 31000);
	while (rec_reader_next(r, &ev) == 1)
		;
	assert_string_equal(rec_reader_error(r), "");
}

static void
test_seek(void **state)
{
	struct rec_reader *r;
	char err[256];
	int fd;

	(void)state;
	write_recording(path, 5, 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(rec_reader_open(fd, key, 5, &r, NULL, err, sizeof(err)),
	    JG_OK);
	seek_31s(r);
	rec_reader_free(r);
	close(fd);
}

static void
expect_damage(const char *needle)
{
	char err[256] = "";
	size_t n;

	assert_int_equal(read_all(path2, 12, err, sizeof(err), &n, NULL), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void
test_tamper(void **state)
{
	struct recs r;
	int order[4096], i, k, c1 = -1, c2 = -1, seg = -1, lastc = -1;

	(void)state;
	write_recording(path, 12, 0);
	load(path, &r);
	for (i = 0; i < (int)r.n; i++) {
		if (r.kind[i] == 'C') {
			if (c1 == -1)
				c1 = i;
			else if (c2 == -1)
				c2 = i;
			lastc = i;
		}
		if (r.kind[i] == 'S' && i > 2 && seg == -1)
			seg = i;
	}
	assert_true(c1 > 0 && c2 > c1 && seg > 0);

	/* a flipped byte inside a chunk */
	r.data[r.off[c2] + 20] ^= 1;
	for (i = 0; i < (int)r.n; i++)
		order[i] = i;
	order[r.n] = -1;
	save(path2, &r, order);
	expect_damage("chunk 2 fails authentication");
	r.data[r.off[c2] + 20] ^= 1;

	/* a flipped byte in the header (the user name) */
	r.data[r.off[0] + 30] ^= 1;
	save(path2, &r, order);
	{
		char err[256] = "";
		size_t n;
		assert_int_equal(read_all(path2, 12, err, sizeof(err), &n,
		    NULL), -1);
	}
	r.data[r.off[0] + 30] ^= 1;

	/* a dropped chunk */
	for (i = 0, k = 0; i < (int)r.n; i++)
		if (i != c1)
			order[k++] = i;
	order[k] = -1;
	save(path2, &r, order);
	expect_damage("fails authentication");

	/* two chunks swapped */
	for (i = 0; i < (int)r.n; i++)
		order[i] = i;
	order[c1] = c2;
	order[c2] = c1;
	order[r.n] = -1;
	save(path2, &r, order);
	expect_damage("chunk 1 fails authentication");

	/* a dropped segment */
	for (i = 0, k = 0; i < (int)r.n; i++) {
		if (i == seg) {	/* skip the segment and its chunks */
			for (i++; i < (int)r.n && r.kind[i] == 'C'; i++)
				;
			i--;
			continue;
		}
		order[k++] = i;
	}
	order[k] = -1;
	save(path2, &r, order);
	expect_damage("missing or reordered");

	/* the end mark dropped, and a file cut in the middle of a record */
	for (i = 0; i < lastc; i++)
		order[i] = i;
	order[lastc] = -1;
	save(path2, &r, order);
	expect_damage("truncated after 00:00:");
	{
		FILE *f = fopen(path2, "wb");
		fwrite(r.data, 1, r.off[c2] + 10, f);
		fclose(f);
	}
	expect_damage("truncated after");

	/* data appended after the end mark */
	{
		FILE *f = fopen(path2, "wb");
		fwrite(r.data, 1, r.len, f);
		fwrite(r.data + r.off[c1], 1, r.rlen[c1], f);
		fclose(f);
	}
	expect_damage("after the end mark");
	free(r.data);
}

/*
 * Version 2's end mark is its own record kind, bound into the additional
 * data: relabelled either way, the chunk fails authentication.
 */
static void
test_end_mark_kind(void **state)
{
	struct recs r;
	int order[4096], i, last = -1, c1 = -1, nf = 0;

	(void)state;
	write_recording(path, 12, 0);
	load(path, &r);
	assert_true(r.n > 3);
	for (i = 0; i < (int)r.n; i++) {
		nf += r.kind[i] == 'F';
		if (r.kind[i] == 'C' && c1 == -1)
			c1 = i;
	}
	last = (int)r.n - 1;
	assert_int_equal(r.kind[last], 'F');	/* the end mark, once */
	assert_int_equal(nf, 1);
	assert_int_equal(r.data[r.off[0] + 5 + 8 + 3], REC_FORMAT_VERSION);
	for (i = 0; i < (int)r.n; i++)
		order[i] = i;
	order[r.n] = -1;

	r.data[r.off[last]] = 'C';	/* the end mark made an ordinary chunk */
	save(path2, &r, order);
	expect_damage("fails authentication");
	r.data[r.off[last]] = 'F';

	r.data[r.off[c1]] = 'F';	/* a chunk made an end mark */
	save(path2, &r, order);
	expect_damage("chunk 1 fails authentication");
	r.data[r.off[c1]] = 'C';

	r.data[r.off[last] + 5 + 3] ^= 0x10;	/* its ciphertext */
	save(path2, &r, order);
	expect_damage("fails authentication");
	r.data[r.off[last] + 5 + 3] ^= 0x10;

	order[last] = -1;		/* the end mark alone dropped */
	save(path2, &r, order);
	expect_damage("truncated after");
	order[last] = last;		/* twice */
	order[last + 1] = last;
	order[last + 2] = -1;
	save(path2, &r, order);
	expect_damage("after the end mark");
	for (i = last - 1; i > 0 && r.kind[i] != 'C'; i--)
		;
	assert_true(i > 0);		/* moved before the last chunk */
	order[i] = last;
	for (; i < last; i++)
		order[i + 1] = i;
	order[last + 1] = -1;
	save(path2, &r, order);
	expect_damage("fails authentication");
	free(r.data);
}

/* replay_verify's verdict on path2, and the reader's alone (one pass). */
static void
verdicts(char *split, char *seq, size_t len)
{
	struct replay *rp;
	struct replay_check chk;
	size_t n;
	int fd = open(path2, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(replay_open(fd, key, 12, REPLAY_VERIFY, &rp, &chk),
	    JG_OK);
	snprintf(split, len, "%s: %s", replay_status_name(chk.status),
	    chk.reason);
	replay_close(rp);
	close(fd);
	if (read_all(path2, 12, seq, len, &n, NULL) == 0)
		snprintf(seq, len, "intact: ");
}

/* Session 12: 24 MB in 40 KB output events 10 ms apart, 6 s in all. */
static void
write_split_file(const char *p)
{
	struct rec_writer *w;
	struct rec_header h;
	struct rec_summary s;
	static unsigned char blob[40000];
	int fd, i;

	memset(&h, 0, sizeof(h));
	h.session_id = 12;
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(rec_writer_open(fd, key, &h, &w), JG_OK);
	for (i = 0; i < 600; i++) {
		memset(blob, 'a' + i % 26, sizeof(blob));
		assert_int_equal(rec_writer_event(w, (uint64_t)i * 10, REC_OUT,
		    blob, sizeof(blob)), JG_OK);
	}
	memset(&s, 0, sizeof(s));
	s.duration_ms = 6000;
	assert_int_equal(rec_writer_close(w, &s), JG_OK);
	rec_writer_free(w);
}

/*
 * What a seek to t shows: "t:first byte" of every event from there, in a
 * hash, and the reader's verdict. hint: opened with the seek announced
 * (replay_open_seek), so the check finds the segment as it reads; damage:
 * a record index whose kind byte is then spoilt on disk (-1: none) before
 * the seek, which a walk of the record heads stops at.
 */
static void
seek_view(const char *p, uint64_t session, uint64_t t, int hint,
    const struct recs *r, int damage, char *out, size_t outlen)
{
	struct replay *rp;
	struct replay_check chk;
	struct rec_event_view ev;
	crypto_generichash_state hs;
	unsigned char h[16], bad = 'Z';
	char line[64];
	int fd, rc, n = 0;

	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(replay_open_seek(fd, key, session, REPLAY_VERIFY,
	    hint ? t : 0, &rp, &chk), JG_OK);
	assert_int_equal(chk.status, REPLAY_INTACT);
	if (damage >= 0)
		assert_int_equal(pwrite(fd, &bad, 1, (off_t)r->off[damage]), 1);
	crypto_generichash_init(&hs, NULL, 0, sizeof(h));
	if ((rc = replay_seek(rp, t)) == JG_OK)
		rc = 1;
	while (rc == 1 && (rc = replay_next(rp, &ev)) == 1) {
		snprintf(line, sizeof(line), "%llu:%c;",
		    (unsigned long long)ev.t_ms, ev.len ? ev.data[0] : '-');
		crypto_generichash_update(&hs, (unsigned char *)line,
		    strlen(line));
		n++;
	}
	crypto_generichash_final(&hs, h, sizeof(h));
	replay_status(rp, &chk);
	snprintf(out, outlen, "rc %d events %d %s %02x%02x%02x%02x", rc, n,
	    replay_status_name(chk.status), h[0], h[1], h[2], h[3]);
	if (damage >= 0)	/* put the byte back */
		assert_int_equal(pwrite(fd, &r->data[r->off[damage]], 1,
		    (off_t)r->off[damage]), 1);
	replay_close(rp);
	close(fd);
}

static void
seek_hint_cases(uint64_t session, const uint64_t *t, size_t nt)
{
	struct recs r;
	char walk[128], hinted[128];
	size_t i;
	int k, early = -1;

	load(path, &r);
	for (k = 3; k < (int)r.n && early == -1; k++)
		if (r.kind[k] == 'C')
			early = k;
	assert_true(early > 0);
	for (i = 0; i < nt; i++) {
		seek_view(path, session, t[i], 0, &r, -1, walk, sizeof(walk));
		seek_view(path, session, t[i], 1, &r, -1, hinted,
		    sizeof(hinted));
		assert_string_equal(hinted, walk);
		assert_non_null(strstr(walk, "rc 0 events "));
		assert_non_null(strstr(walk, " intact "));
		if (t[i] < 100)
			continue;	/* the first segment: a walk is harmless */
		seek_view(path, session, t[i], 1, &r, early, hinted,
		    sizeof(hinted));
		assert_string_equal(hinted, walk);
		seek_view(path, session, t[i], 0, &r, early, walk,
		    sizeof(walk));
		assert_null(strstr(walk, " intact "));
	}
	free(r.data);
}

/*
 * A seek announced before the check (replay --from) lands where a walk of
 * the file would, without that walk: in one pass and in two halves, for
 * times inside the file, at its start and past its end. The proof that no
 * walk happens: an early record head spoilt after the check stops a walk
 * (the seek then reads damage), while the announced seek reads on unharmed.
 */
static void
test_seek_hint(void **state)
{
	static const uint64_t big_t[] = { 1, 2995, 3000, 4505, 5990, 99999 };
	static const uint64_t small_t[] = { 1, 31000, 49999, 99999 };

	(void)state;
	write_split_file(path);		/* 24 MB: checked in two halves */
	seek_hint_cases(12, big_t, sizeof(big_t) / sizeof(big_t[0]));
	write_recording(path, 5, 1);	/* small: one pass */
	seek_hint_cases(5, small_t, sizeof(small_t) / sizeof(small_t[0]));
}

/*
 * A file of 16 MiB or more is checked in two halves at once: the verdict
 * must be the one a single pass gives, for damage in either half and at
 * the cut, and the events of both halves count against the end mark.
 */
static void
test_split_verify(void **state)
{
	struct replay *rp;
	struct replay_check chk;
	struct recs r;
	char split[300], seq[300];
	int fd, i, k, order[4096], segs[64], nseg = 0, c_early = -1, c_late = -1;

	(void)state;
	write_split_file(path);
	fd = open(path, O_RDONLY);
	assert_int_equal(replay_open(fd, key, 12, REPLAY_VERIFY, &rp, &chk),
	    JG_OK);
	assert_int_equal(chk.status, REPLAY_INTACT);
	assert_int_equal(chk.events, chk.sum.events);
	assert_true(chk.events > 600);
	assert_int_equal(chk.last_ms, 6000);
	replay_close(rp);
	close(fd);
	{	/* it is cut in two near its middle; a small file is not */
		struct rec_reader *a, *b;
		char err[256];

		fd = open(path, O_RDONLY);
		assert_int_equal(rec_reader_open(fd, key, 12, &a, NULL, err,
		    sizeof(err)), JG_OK);
		assert_int_equal(rec_reader_split(a, 16 << 20, &b), JG_OK);
		assert_non_null(b);
		rec_reader_free(b);
		assert_int_equal(rec_reader_split(a, 64 << 20, &b), JG_OK);
		assert_null(b);
		rec_reader_free(a);
		close(fd);
	}

	load(path, &r);
	for (i = 0; i < (int)r.n; i++) {
		if (r.kind[i] == 'S' && nseg < 64)
			segs[nseg++] = i;
		if (r.kind[i] == 'C' && r.off[i] < r.len / 4 && c_early == -1)
			c_early = i + 3;
		if (r.kind[i] == 'C' && r.off[i] > r.len / 4 * 3 && c_late == -1)
			c_late = i;
	}
	assert_true(nseg > 20 && c_early > 0 && c_late > 0);
	for (i = 0; i < (int)r.n; i++)
		order[i] = i;
	order[r.n] = -1;

	save(path2, &r, order);		/* as written */
	verdicts(split, seq, sizeof(split));
	assert_string_equal(split, "intact: ");
	assert_string_equal(seq, "intact: ");

	for (k = 0; k < 2; k++) {	/* a chunk in the first half, the second */
		i = k == 0 ? c_early : c_late;
		r.data[r.off[i] + 100] ^= 1;
		save(path2, &r, order);
		verdicts(split, seq, sizeof(split));
		assert_non_null(strstr(split, seq));
		assert_non_null(strstr(split, "fails authentication"));
		r.data[r.off[i] + 100] ^= 1;
	}

	/* each segment in turn dropped (one of them is where the cut falls) */
	for (k = 1; k < nseg - 1; k++) {
		int j, m = 0;

		for (j = 0; j < (int)r.n; j++)
			if (j < segs[k] || j >= segs[k + 1])
				order[m++] = j;
		order[m] = -1;
		save(path2, &r, order);
		verdicts(split, seq, sizeof(split));
		if (strstr(split, seq) == NULL)
			fail_msg("segment %d dropped: split '%s', one pass "
			    "'%s'", k, split, seq);
		assert_non_null(strstr(split, "damaged"));
	}

	for (i = 0; i < (int)r.n - 1; i++)	/* the end mark dropped */
		order[i] = i;
	order[r.n - 1] = -1;
	save(path2, &r, order);
	verdicts(split, seq, sizeof(split));
	assert_non_null(strstr(split, "truncated"));
	assert_non_null(strstr(split, seq));
	free(r.data);
}

/*
 * Version 1 recordings (XChaCha20-Poly1305 secretstream), written by the
 * jumpgate of 2026-12-02 and kept as tests/unit/data/rec-v1.jgrec (key:
 * the bytes 0..31), still read, seek and verify, and are still checked.
 */
static void
test_version1(void **state)
{
	struct rec_reader *r;
	struct rec_event_view ev;
	struct rec_summary s;
	struct recs rr;
	const char *srcdir = getenv("JG_SRCDIR");	/* tests/run-tests.sh */
	char v1[512], err[256], want[64];
	size_t n = 0;
	int fd, i, order[4096];

	(void)state;
	snprintf(v1, sizeof(v1), "%s/tests/unit/data/rec-v1.jgrec",
	    srcdir != NULL ? srcdir : ".");
	for (i = 0; i < REC_KEYBYTES; i++)
		key[i] = (unsigned char)i;
	fd = open(v1, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(rec_reader_open(fd, key, 12, &r, NULL, err,
	    sizeof(err)), JG_OK);
	assert_int_equal(rec_reader_header(r)->version, 1);
	assert_string_equal(rec_reader_header(r)->user, "alice");
	assert_int_equal(rec_reader_next(r, &ev), 1);
	assert_int_equal(ev.type, REC_REQUEST);
	while (rec_reader_next(r, &ev) == 1) {
		if (ev.type != REC_OUT)
			continue;
		snprintf(want, sizeof(want), "line %zu\r\n", n);
		assert_int_equal(ev.len, strlen(want));
		assert_memory_equal(ev.data, want, ev.len);
		assert_int_equal(ev.t_ms, n * 500);
		n++;
	}
	assert_int_equal(n, 100);
	assert_string_equal(rec_reader_error(r), "");
	assert_int_equal(rec_reader_summary(r, &s), JG_OK);
	assert_int_equal(s.exit_status, 3);
	assert_string_equal(s.reason, "exit");
	seek_31s(r);
	rec_reader_free(r);
	close(fd);

	/* damage in a version 1 file is still found */
	load(v1, &rr);
	for (i = 0; i < (int)rr.n; i++)
		order[i] = i;
	order[rr.n] = -1;
	assert_int_equal(rr.kind[2], 'C');
	rr.data[rr.off[2] + 9] ^= 1;
	save(path2, &rr, order);
	expect_damage("chunk 1 fails authentication");
	rr.data[rr.off[2] + 9] ^= 1;
	order[rr.n - 1] = -1;		/* its end mark dropped */
	save(path2, &rr, order);
	expect_damage("truncated after");
	free(rr.data);
}

static void
test_swapped_between_sessions(void **state)
{
	char err[256] = "";
	size_t n;

	(void)state;
	write_recording(path2, 12, 0);
	assert_int_equal(read_all(path2, 13, err, sizeof(err), &n, NULL), -1);
	assert_string_equal(err, "belongs to session 12, not 13");
	/* a key of another session does not open it either */
	randombytes_buf(key, sizeof(key));
	assert_int_equal(read_all(path2, 12, err, sizeof(err), &n, NULL), -1);
	assert_non_null(strstr(err, "chunk 1 fails authentication"));
}

static void
test_truncated_time(void **state)
{
	struct rec_writer *w;
	struct rec_header h;
	char err[256];
	uint64_t last;
	size_t n;
	int fd, i;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.session_id = 12;
	fd = open(path2, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(rec_writer_open(fd, key, &h, &w), JG_OK);
	for (i = 0; i <= 192; i++) {
		assert_int_equal(rec_writer_event(w, (uint64_t)i * 1000,
		    REC_OUT, "tick\n", 5), JG_OK);
		assert_int_equal(rec_writer_flush(w), JG_OK);
	}
	rec_writer_free(w);	/* a crash: no end mark */
	assert_int_equal(read_all(path2, 12, err, sizeof(err), &n, &last), -1);
	assert_string_equal(err, "truncated after 00:03:12 (no end mark)");
	assert_int_equal(n, 193);
	assert_int_equal(last, 192000);
}

/* A keyframe callback: "KF n"; the third call has nothing to say. */
static int kf_calls;

static int
kf_cb(void *arg, struct buf *out)
{
	char t[32];

	assert_ptr_equal(arg, &kf_calls);
	if (++kf_calls == 3)
		return JG_OK;
	snprintf(t, sizeof(t), "KF %d", kf_calls);
	return buf_put(out, t, strlen(t));
}

static void
test_keyframes(void **state)
{
	struct rec_writer *w;
	struct rec_reader *r;
	struct rec_event_view ev;
	struct rec_header h;
	struct rec_summary s;
	struct recs rr;
	uint64_t kt[64], prev_t = 0, nev = 0;
	char err[256], line[64];
	int fd, i, nkf = 0, segs = 0, prev_kf = 0;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.session_id = 12;
	h.cols = 80;
	h.rows = 24;
	kf_calls = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(rec_writer_open(fd, key, &h, &w), JG_OK);
	rec_writer_set_keyframe(w, kf_cb, &kf_calls);
	for (i = 0; i < 100; i++) {	/* 50 s: 5 segments by time */
		snprintf(line, sizeof(line), "line %d\r\n", i);
		assert_int_equal(rec_writer_event(w, (uint64_t)i * 500, REC_OUT,
		    line, strlen(line)), JG_OK);
	}
	memset(&s, 0, sizeof(s));
	s.duration_ms = 50000;
	snprintf(s.reason, sizeof(s.reason), "exit");
	assert_int_equal(rec_writer_close(w, &s), JG_OK);
	rec_writer_free(w);
	load(path, &rr);
	for (i = 0; i < (int)rr.n; i++)
		segs += rr.kind[i] == 'S';
	free(rr.data);
	assert_true(segs >= 5);
	assert_int_equal(kf_calls, segs - 1);	/* not for the first */

	/* Read: a keyframe, at its segment's start, before any other event. */
	fd = open(path, O_RDONLY);
	assert_int_equal(rec_reader_open(fd, key, 12, &r, NULL, err, sizeof(err)),
	    JG_OK);
	while (rec_reader_next(r, &ev) == 1) {
		nev++;
		if (ev.type == REC_KEYFRAME) {
			assert_true(nkf < 64);
			kt[nkf++] = ev.t_ms;
			assert_true(ev.t_ms >= prev_t);
			assert_true(ev.len > 3 && memcmp(ev.data, "KF ", 3) == 0);
			prev_kf = 1;
			continue;
		}
		/* the event after a keyframe is at its time or later */
		if (prev_kf)
			assert_true(ev.t_ms >= kt[nkf - 1]);
		prev_kf = 0;
		prev_t = ev.t_ms;
	}
	assert_string_equal(rec_reader_error(r), "");
	assert_int_equal(rec_reader_summary(r, &s), JG_OK);
	assert_int_equal(s.events, nev);	/* keyframes are counted */
	assert_int_equal(nkf, segs - 2);	/* the third call gave none */

	/* A seek lands on the keyframe of the segment holding the time. */
	for (i = 0; i < nkf; i++) {
		assert_int_equal(rec_reader_seek(r, kt[i] + 1), JG_OK);
		assert_int_equal(rec_reader_next(r, &ev), 1);
		assert_int_equal(ev.type, REC_KEYFRAME);
		assert_int_equal(ev.t_ms, kt[i]);
	}
	assert_int_equal(rec_reader_seek(r, 21000), JG_OK);
	assert_int_equal(rec_reader_next(r, &ev), 1);
	assert_int_equal(ev.type, REC_KEYFRAME);
	assert_true(ev.t_ms <= 21000 && ev.t_ms + 10000 >= 21000);
	/* the segment whose callback gave nothing starts with output */
	assert_int_equal(rec_reader_seek(r, 31000), JG_OK);
	assert_int_equal(rec_reader_next(r, &ev), 1);
	assert_int_equal(ev.type, REC_OUT);
	while (rec_reader_next(r, &ev) == 1)
		;
	assert_string_equal(rec_reader_error(r), "");
	rec_reader_free(r);
	close(fd);
}

/* A plain libvterm screen, the reference the serializer is held to. */
static VTerm *
vt_new(int cols, int rows)
{
	VTerm *vt = vterm_new(rows, cols);

	assert_non_null(vt);
	vterm_set_utf8(vt, 1);
	vterm_screen_enable_altscreen(vterm_obtain_screen(vt), 1);
	vterm_screen_reset(vterm_obtain_screen(vt), 1);
	return vt;
}

static int
vt_color_equal(const VTermColor *a, const VTermColor *b)
{
	if ((a->type & VTERM_COLOR_DEFAULT_MASK) !=
	    (b->type & VTERM_COLOR_DEFAULT_MASK))
		return 0;
	if (a->type & VTERM_COLOR_DEFAULT_MASK)
		return 1;
	if (VTERM_COLOR_IS_INDEXED(a))
		return VTERM_COLOR_IS_INDEXED(b) &&
		    a->indexed.idx == b->indexed.idx;
	return VTERM_COLOR_IS_RGB(b) && a->rgb.red == b->rgb.red &&
	    a->rgb.green == b->rgb.green && a->rgb.blue == b->rgb.blue;
}

/* Every cell's text, width, attributes and colours, and the cursor. */
static void
vt_assert_equal(VTerm *a, VTerm *b, int cols, int rows)
{
	VTermScreenCell x, y;
	VTermPos pos, ca, cb;
	int i;

	for (pos.row = 0; pos.row < rows; pos.row++)
		for (pos.col = 0; pos.col < cols; pos.col++) {
			assert_true(vterm_screen_get_cell(
			    vterm_obtain_screen(a), pos, &x));
			assert_true(vterm_screen_get_cell(
			    vterm_obtain_screen(b), pos, &y));
			/*
			 * libvterm's quirks the serializer does not copy: the
			 * right half of a wide character (it may keep a stale
			 * one, with a stale pen, next to a narrow character),
			 * a wide character whose right half was overwritten
			 * (terminals erase it), a combining mark alone in a
			 * cell (written on a space).
			 */
			if (x.chars[0] == (uint32_t)-1 ||
			    (x.chars[0] >= 0x1100 && x.width == 1) ||
			    (x.chars[0] >= 0x300 && x.chars[0] <= 0x36f))
				continue;
			for (i = 0; i < VTERM_MAX_CHARS_PER_CELL; i++) {
				if (x.chars[i] != y.chars[i])
					fail_msg("cell %d,%d: char %u != %u",
					    pos.row, pos.col, x.chars[i],
					    y.chars[i]);
				if (x.chars[i] == 0)
					break;
			}
			if (x.attrs.bold !=
			    y.attrs.bold || x.attrs.underline !=
			    y.attrs.underline || x.attrs.italic !=
			    y.attrs.italic || x.attrs.blink != y.attrs.blink ||
			    x.attrs.reverse != y.attrs.reverse ||
			    x.attrs.strike != y.attrs.strike ||
			    !vt_color_equal(&x.fg, &y.fg) ||
			    !vt_color_equal(&x.bg, &y.bg))
				fail_msg("cell %d,%d: attributes differ",
				    pos.row, pos.col);
		}
	vterm_state_get_cursorpos(vterm_obtain_state(a), &ca);
	vterm_state_get_cursorpos(vterm_obtain_state(b), &cb);
	assert_int_equal(ca.row, cb.row);
	assert_int_equal(ca.col, cb.col);
}

/*
 * Feed `in` to a screen, take a keyframe, feed the keyframe to a fresh
 * screen: both show the same cells; the fresh screen's keyframe is the
 * same bytes.
 */
static void
screen_round_trip(const char *in, int cols, int rows, struct buf *kf)
{
	struct rec_screen *s1, *s2;
	struct buf *k2 = buf_new(1 << 20);
	VTerm *ref, *got;

	s1 = rec_screen_new(cols, rows);
	assert_non_null(s1);
	rec_screen_feed(s1, in, strlen(in));
	buf_reset(kf);
	assert_int_equal(rec_screen_keyframe(s1, kf), JG_OK);
	s2 = rec_screen_new(cols, rows);
	assert_non_null(s2);
	rec_screen_feed(s2, buf_ptr(kf), buf_len(kf));
	assert_int_equal(rec_screen_keyframe(s2, k2), JG_OK);
	assert_int_equal(buf_len(k2), buf_len(kf));
	assert_memory_equal(buf_ptr(k2), buf_ptr(kf), buf_len(kf));
	ref = vt_new(cols, rows);
	vterm_input_write(ref, in, strlen(in));
	got = vt_new(cols, rows);
	vterm_input_write(got, (const char *)buf_ptr(kf), buf_len(kf));
	vt_assert_equal(ref, got, cols, rows);
	vterm_free(ref);
	vterm_free(got);
	rec_screen_free(s1);
	rec_screen_free(s2);
	buf_free(k2);
}

static void
test_screen_keyframe(void **state)
{
	struct buf *kf = buf_new(1 << 20);
	const char *k;

	(void)state;
	screen_round_trip("hello\r\n\033[1;31mred\033[0m", 80, 24, kf);
	k = (const char *)buf_ptr(kf);
	assert_true(buf_len(kf) < 200);
	assert_non_null(memmem(k, buf_len(kf), "\033[H\033[2J", 7));
	assert_non_null(memmem(k, buf_len(kf), "\033[1;1Hhello", 11));
	assert_non_null(memmem(k, buf_len(kf), "\033[0;1;31mred", 12));
	assert_non_null(memmem(k, buf_len(kf), "\033[2;4H\033[?25h", 12));

	/* Colours (indexed, 256, RGB), attributes, wide and combining
	 * characters, a coloured erase, the pen left set, a narrow screen
	 * that wraps and scrolls. */
	screen_round_trip("\033[4mul\033[24m \033[3;9mit\033[0m "
	    "\033[38;5;200;48;5;17mx\033[38;2;1;2;3;48;2;250;251;252my"
	    "\033[0m\r\n\xe6\x97\xa5\xe6\x9c\xac e\xcc\x81 \033[7mrev\033[27m"
	    "\r\n\033[44m\033[Kblue line\033[0m\r\n\033[95;103mbright"
	    "\033[0m\r\n\033[5mblink\033[0m\033[1;32m", 80, 24, kf);
	screen_round_trip("0123456789abcdefghij0123456789\r\n1\r\n2\r\n3\r\n"
	    "4\r\n5\r\n6\033[3;5H\033[1mX", 20, 5, kf);
	/* The alternate screen and a hidden cursor. */
	screen_round_trip("shell$ vim\r\n\033[?1049h\033[?25l\033[H\033[2J"
	    "~\r\n~\r\n\033[7m-- INSERT --\033[0m\033[1;1H", 80, 24, kf);
	k = (const char *)buf_ptr(kf);
	assert_non_null(memmem(k, buf_len(kf), "\033[?1049h", 8));
	assert_non_null(memmem(k, buf_len(kf), "\033[?25l", 6));
	buf_free(kf);
}

/* A resize keeps the screen; a keyframe has the new size's rows. */
static void
test_screen_resize(void **state)
{
	struct rec_screen *s = rec_screen_new(80, 24);
	struct buf *kf = buf_new(1 << 20);

	(void)state;
	assert_non_null(s);
	rec_screen_feed(s, "top\r\n", 5);
	rec_screen_resize(s, 40, 10);
	rec_screen_feed(s, "\033[10;1Hbottom", 13);
	assert_int_equal(rec_screen_keyframe(s, kf), JG_OK);
	assert_non_null(memmem(buf_ptr(kf), buf_len(kf), "\033[1;1Htop", 9));
	assert_non_null(memmem(buf_ptr(kf), buf_len(kf),
	    "\033[10;1Hbottom", 13));
	rec_screen_free(s);
	/* nonsense sizes get the default, huge ones are clipped */
	s = rec_screen_new(0, 0);
	assert_non_null(s);
	rec_screen_resize(s, 100000, 100000);
	rec_screen_feed(s, "x", 1);
	buf_reset(kf);
	assert_int_equal(rec_screen_keyframe(s, kf), JG_OK);
	rec_screen_free(s);
	/* a keyframe larger than the buffer's limit fails cleanly */
	s = rec_screen_new(80, 24);
	rec_screen_feed(s, "0123456789012345678901234567890123456789", 40);
	buf_free(kf);
	kf = buf_new(32);
	assert_int_not_equal(rec_screen_keyframe(s, kf), JG_OK);
	rec_screen_free(s);
	buf_free(kf);
}

/* Deterministic pseudo-random numbers for the skipping test. */
static uint32_t rnd_state = 12345;

static uint32_t
rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Some terminal output: mostly lines, sometimes anything else. */
static size_t
gen_output(char *out, size_t max, uint32_t odd_one_in)
{
	static const char *const odd[] = {
		"\033[5;10H*", "\033[3;20r", "\033[r", "\033[1;24r",
		"\033[?1049h", "\033[?1049l", "\033]0;title\007",
		"\033[2J", "\033[?69h", "\033[?69l", "\033c", "\033(0qq\033(B",
		"\033[10;1H\033[K", "\033[?25l", "\033[?25h", "\033[4h",
		"\033[4l", "\033[L", "\033[3S", "\x0e", "\x0f", "\033[A",
		"\033[2;5r\033[3;1H", "\033M", "\033[1;33;44m",
	};
	size_t n = 0;
	int l, i, k;

	while (n + 600 < max) {
		switch (rnd(odd_one_in) == 0 ? 0 : 1 + rnd(11)) {
		case 0:		/* something else than line output */
			l = snprintf(out + n, max - n, "%s",
			    odd[rnd(sizeof(odd) / sizeof(odd[0]))]);
			break;
		case 1:		/* a line that wraps */
			for (i = 0, k = (int)rnd(300); i < k; i++)
				out[n + (size_t)i] = (char)('a' + rnd(26));
			l = k;
			l += snprintf(out + n + (size_t)l, max - n - (size_t)l,
			    "\r\n");
			break;
		case 2:		/* grep --color */
			l = snprintf(out + n, max - n, "f.c:%u:\033[01;31m"
			    "\033[Kmatch\033[m\033[K rest\r\n", rnd(999));
			break;
		case 3:		/* a progress bar */
			l = snprintf(out + n, max - n, "\r%3u%% [%.*s]",
			    rnd(100), (int)rnd(40), "########################"
			    "################");
			break;
		case 4:		/* wide and combining characters, a bare LF */
			l = snprintf(out + n, max - n, "\xe6\x97\xa5\xe6\x9c"
			    "\xac e\xcc\x81\t\033[7mx\033[27m\n");
			break;
		case 5:		/* colours left set across lines */
			l = snprintf(out + n, max - n, "\033[38;5;%um\033[48;2;"
			    "%u;%u;%um", rnd(256), rnd(256), rnd(256), rnd(256));
			break;
		default:	/* ls -l */
			l = snprintf(out + n, max - n, "-rw-r--r-- 1 alice "
			    "staff %6u Mar %2u \033[01;3%um%s%05u\033[0m\r\n",
			    rnd(100000), rnd(28) + 1, rnd(8), "file-", rnd(99999));
			break;
		}
		n += (size_t)l;
	}
	return n;
}

/*
 * Output fed in random pieces, with the skipping of scrolled-off lines,
 * gives the same screen as libvterm fed every byte.
 */
static void
test_screen_skip(void **state)
{
	static char out[600000];
	struct rec_screen *s;
	struct buf *kf = buf_new(1 << 20);
	VTerm *ref, *got;
	size_t n, off, len;
	int round, cols, rows;

	(void)state;
	for (round = 0; round < 12; round++) {
		cols = round % 3 == 0 ? 80 : 20 + (int)rnd(100);
		rows = round % 3 == 0 ? 24 : 3 + (int)rnd(50);
		n = gen_output(out, round % 2 ? sizeof(out) : 200000,
		    round % 4 < 2 ? 12 : 2000);
		s = rec_screen_new(cols, rows);
		assert_non_null(s);
		ref = vt_new(cols, rows);
		for (off = 0; off < n; off += len) {
			len = rnd(5) == 0 ? 1 + rnd(100000) : 1 + rnd(3000);
			if (len > n - off)
				len = n - off;
			/* libvterm may show U+FFFD for a character split
			 * between writes, and our writes differ from ref's */
			while (off + len < n &&
			    (unsigned char)out[off + len] >= 0x80)
				len++;
			rec_screen_feed(s, out + off, len);
			vterm_input_write(ref, out + off, len);
			if (rnd(20) == 0) {	/* a keyframe now and then */
				buf_reset(kf);
				assert_int_equal(rec_screen_keyframe(s, kf),
				    JG_OK);
				got = vt_new(cols, rows);
				vterm_input_write(got, (const char *)buf_ptr(kf),
				    buf_len(kf));
				vt_assert_equal(ref, got, cols, rows);
				vterm_free(got);
			}
		}
		buf_reset(kf);
		assert_int_equal(rec_screen_keyframe(s, kf), JG_OK);
		got = vt_new(cols, rows);
		vterm_input_write(got, (const char *)buf_ptr(kf), buf_len(kf));
		vt_assert_equal(ref, got, cols, rows);
		vterm_free(got);
		vterm_free(ref);
		rec_screen_free(s);
	}
	buf_free(kf);
}

/* What a watcher showed. */
struct seen {
	char b[8192];
	size_t n;
};

static int
seen_out(void *arg, const void *p, size_t n)
{
	struct seen *o = arg;

	assert_true(o->n + n < sizeof(o->b));
	memcpy(o->b + o->n, p, n);
	o->n += n;
	o->b[o->n] = '\0';
	return 0;
}

/* Bytes [from, to) of the full file appended to the watched one. */
static void
grow(int wfd, const struct recs *rr, size_t from, size_t to)
{
	assert_true(to <= rr->len && from <= to);
	assert_int_equal(write(wfd, rr->data + from, to - from),
	    (ssize_t)(to - from));
}

/*
 * The follower: the current screen first (newest keyframe and what
 * followed), a half-written record waited for rather than called damage,
 * new events at their original distance, a skip to the newest keyframe
 * when far behind, the end mark ends it, a file cut short ends when the
 * daemon says the session ended, q quits.
 */
static void
test_watch(void **state)
{
	struct replay_watch *wa;
	struct replay_sink sink;
	struct rec_writer *w;
	struct rec_header h;
	struct rec_summary s;
	struct recs rr;
	struct seen o;
	char line[64], err[256];
	size_t k, cut, at;
	uint64_t now = 1000000;
	int fd, wfd, rfd, i, wait, segs = 0;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.session_id = 31;
	h.cols = 80;
	h.rows = 24;
	kf_calls = 0;
	fd = open(path2, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(rec_writer_open(fd, key, &h, &w), JG_OK);
	rec_writer_set_keyframe(w, kf_cb, &kf_calls);
	for (i = 0; i < 50; i++) {	/* 25 s: segments at 0, 10, 20 s */
		snprintf(line, sizeof(line), "L%02d\r\n", i);
		assert_int_equal(rec_writer_event(w, (uint64_t)i * 500, REC_OUT,
		    line, strlen(line)), JG_OK);
		assert_int_equal(rec_writer_flush(w), JG_OK);	/* one chunk each */
	}
	memset(&s, 0, sizeof(s));
	s.duration_ms = 25000;
	snprintf(s.reason, sizeof(s.reason), "exit");
	assert_int_equal(rec_writer_close(w, &s), JG_OK);
	rec_writer_free(w);
	load(path2, &rr);
	/* The live file so far: up to the 2nd segment and 4 chunks in it. */
	for (k = 0; k < rr.n && segs < 2; k++)
		segs += rr.kind[k] == 'S';
	assert_int_equal(segs, 2);
	cut = rr.off[k + 4];
	wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(wfd >= 0);
	grow(wfd, &rr, 0, cut);

	rfd = open(path, O_RDONLY);
	memset(&o, 0, sizeof(o));
	sink.out = seen_out;
	sink.note = NULL;
	sink.arg = &o;
	assert_int_equal(replay_watch_open(rfd, key, 31, &sink, &wa, err,
	    sizeof(err)), JG_OK);
	/* The screen as it is: cleared, its keyframe, the 5 lines since. */
	assert_int_equal(replay_watch_run(wa, now, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_true(wait > 0);
	assert_non_null(strstr(o.b, "\033[H\033[2JKF 1"));
	assert_non_null(strstr(o.b, "L20\r\nL21\r\nL22\r\nL23\r\n"));
	assert_null(strstr(o.b, "L19"));	/* before the keyframe */
	/* Half a record: not yet, and not damage. */
	at = rr.off[k + 4] + rr.rlen[k + 4] / 2;
	grow(wfd, &rr, cut, at);
	o.n = 0;
	o.b[0] = '\0';
	assert_int_equal(replay_watch_run(wa, now, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_int_equal(o.n, 0);
	assert_string_equal(replay_watch_error(wa), "");
	/* The rest of it and two more: the first at once, then in time. */
	grow(wfd, &rr, at, rr.off[k + 7]);
	assert_int_equal(replay_watch_run(wa, now, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_string_equal(o.b, "L24\r\n");
	assert_true(wait > 400 && wait <= 500);
	assert_int_equal(replay_watch_run(wa, now + 499, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_string_equal(o.b, "L24\r\n");
	assert_int_equal(replay_watch_run(wa, now + 500, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_string_equal(o.b, "L24\r\nL25\r\n");
	/* Keys: nothing but q does anything. */
	replay_watch_keys(wa, (const unsigned char *)"echo x\r", 7);
	/* Far behind (the rest came and we were away): the newest screen. */
	grow(wfd, &rr, rr.off[k + 7], rr.off[rr.n - 1]);
	o.n = 0;
	o.b[0] = '\0';
	assert_int_equal(replay_watch_run(wa, now + 60000, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_int_equal(replay_watch_skips(wa), 1);
	assert_non_null(strstr(o.b, "\033[H\033[2JKF 2"));
	assert_null(strstr(o.b, "L39"));
	assert_non_null(strstr(o.b, "L40\r\n"));
	/* The end mark: the end. */
	grow(wfd, &rr, rr.off[rr.n - 1], rr.len);
	assert_int_equal(replay_watch_run(wa, now + 60000, SIZE_MAX, &wait),
	    REPLAY_PLAY_END);
	assert_non_null(strstr(o.b, "L49\r\n"));
	replay_watch_free(wa);
	close(rfd);

	/* Cut short (the worker died): it ends when the daemon says so. */
	rfd = open(path, O_RDONLY);
	assert_int_equal(ftruncate(wfd, (off_t)cut), 0);
	assert_int_equal(replay_watch_open(rfd, key, 31, &sink, &wa, err,
	    sizeof(err)), JG_OK);
	assert_int_equal(replay_watch_run(wa, now, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	assert_int_equal(replay_watch_run(wa, now + 5000, SIZE_MAX, &wait),
	    REPLAY_PLAY_WAIT);
	replay_watch_ended(wa);
	assert_int_equal(replay_watch_run(wa, now + 5000, SIZE_MAX, &wait),
	    REPLAY_PLAY_END);
	replay_watch_free(wa);
	close(rfd);

	/* q quits; another session's file is refused. */
	rfd = open(path, O_RDONLY);
	assert_int_not_equal(replay_watch_open(rfd, key, 32, &sink, &wa, err,
	    sizeof(err)), JG_OK);
	assert_non_null(strstr(err, "belongs to session 31"));
	assert_int_equal(lseek(rfd, 0, SEEK_SET), 0);
	assert_int_equal(replay_watch_open(rfd, key, 31, &sink, &wa, err,
	    sizeof(err)), JG_OK);
	replay_watch_keys(wa, (const unsigned char *)"xq", 2);
	assert_int_equal(replay_watch_run(wa, now, SIZE_MAX, &wait),
	    REPLAY_PLAY_QUIT);
	replay_watch_free(wa);
	close(rfd);
	close(wfd);
	free(rr.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_mark_kind, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_version1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seek_hint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_split_verify, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_swapped_between_sessions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_time, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyframes, setup,
		    teardown),
		cmocka_unit_test(test_screen_keyframe),
		cmocka_unit_test(test_screen_resize),
		cmocka_unit_test(test_screen_skip),
	};

	if (sodium_init() < 0)
		return 1;
	log_init("test-recfile", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
