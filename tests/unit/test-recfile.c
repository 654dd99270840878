/* test-recfile.c: the recording format: round trip, seek, and every tamper case caught. */

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

#include "jumpgate.h"

static char path[64], path2[64];
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
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	if (rec_reader_open(fd, key, expect, &r, err, errlen) != JG_OK) {
		close(fd);
		return -1;
	}
	while ((rc = rec_reader_next(r, &ev)) == 1)
		if (ev.type == REC_OUT)
			(*nout)++;
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
	int fd, segs = 0, i;
	struct recs rr;

	(void)state;
	write_recording(path, 12, 1);
	assert_int_equal(read_all(path, 12, err, sizeof(err), &n, NULL), 0);
	assert_int_equal(n, 100 + 40 * 2);	/* 70000-byte events split */
	fd = open(path, O_RDONLY);
	assert_int_equal(rec_reader_open(fd, key, 12, &r, err, sizeof(err)),
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
	for (i = 0; i < (int)rr.n; i++)
		segs += rr.kind[i] == 'S';
	assert_true(segs >= 5);
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

static void
test_seek(void **state)
{
	struct rec_reader *r;
	struct rec_event_view ev;
	char err[256];
	int fd;

	(void)state;
	write_recording(path, 5, 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(rec_reader_open(fd, key, 5, &r, err, sizeof(err)),
	    JG_OK);
	assert_int_equal(rec_reader_seek(r, 31000), JG_OK);
	assert_int_equal(rec_reader_next(r, &ev), 1);
	/* The segment holding 31 s starts at most 10 s before it. */
	assert_true(ev.t_ms <= 31000 && ev.t_ms + 10000 >= 31000);
	while (rec_reader_next(r, &ev) == 1)
		;
	assert_string_equal(rec_reader_error(r), "");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_between_sessions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_time, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	log_init("test-recfile", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
