/* test-sftp.c: the file operations followed in an SFTP stream (recorder/sftp.c), from packets encoded here as OpenSSH's sftp and sftp-server send them. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "transfer.h"

#define SEEN_MAX 256

enum { FXP_INIT = 1, FXP_VERSION = 2, FXP_OPEN = 3, FXP_CLOSE = 4,
	FXP_READ = 5, FXP_WRITE = 6, FXP_SETSTAT = 9, FXP_FSETSTAT = 10,
	FXP_OPENDIR = 11, FXP_REMOVE = 13, FXP_MKDIR = 14, FXP_RMDIR = 15,
	FXP_STAT = 17, FXP_RENAME = 18, FXP_STATUS = 101, FXP_HANDLE = 102,
	FXP_DATA = 103, FXP_ATTRS = 105, FXP_EXTENDED = 200 };
enum { F_READ = 1, F_WRITE = 2, F_APPEND = 4, F_CREAT = 8, F_TRUNC = 16 };
enum { FX_OK = 0, FX_EOF = 1, FX_DENIED = 3 };

/* The events sftp.c emitted: the first SEEN_MAX kept, all counted. */
struct seen {
	struct {
		int kind;
		char path[80], path2[80];
		uint64_t bytes;
		int whole;
		unsigned char sha256[32];
		int ok;
	} ev[SEEN_MAX];
	size_t n, nok;
};

static void
seen_emit(void *arg, const struct rec_sftp_event *e)
{
	struct seen *s = arg;

	assert_non_null(e->path);
	assert_non_null(e->path2);
	assert_true(strnlen(e->path, JG_PATH_MAX + 1) <= JG_PATH_MAX);
	assert_true(strnlen(e->path2, JG_PATH_MAX + 1) <= JG_PATH_MAX);
	if (e->ok)
		s->nok++;
	if (s->n++ >= SEEN_MAX)
		return;
	s->ev[s->n - 1].kind = e->kind;
	snprintf(s->ev[s->n - 1].path, sizeof(s->ev[0].path), "%s", e->path);
	snprintf(s->ev[s->n - 1].path2, sizeof(s->ev[0].path2), "%s",
	    e->path2);
	s->ev[s->n - 1].bytes = e->bytes;
	s->ev[s->n - 1].whole = e->whole;
	memcpy(s->ev[s->n - 1].sha256, e->sha256, 32);
	s->ev[s->n - 1].ok = e->ok;
}

/*
 * A session under test: packets are encoded into c (client to server)
 * and s (server to client), then fed in chunks of size chunk (0: sizes
 * that cut everything anywhere) by go(), client first.
 */
struct t {
	struct rec_sftp *p;
	struct seen seen;
	struct buf *c, *s;
	size_t chunk;
};

static const size_t odd_sizes[] = { 1, 3, 7, 2, 4099, 13, 512, 5, 32771 };

static void
feed(struct rec_sftp *p, int client, struct buf *b, size_t chunk)
{
	const unsigned char *d = buf_ptr(b);
	size_t i = 0, k = 0, n, len = buf_len(b);

	while (i < len) {
		n = chunk != 0 ? chunk :
		    odd_sizes[k++ % (sizeof(odd_sizes) / sizeof(odd_sizes[0]))];
		if (n > len - i)
			n = len - i;
		assert_int_equal(client ? rec_sftp_client(p, d + i, n) :
		    rec_sftp_server(p, d + i, n), JG_OK);
		i += n;
	}
	buf_reset(b);
}

static void
go(struct t *t)
{
	feed(t->p, 1, t->c, t->chunk);
	feed(t->p, 0, t->s, t->chunk);
}

/* A packet: type, then the id for all but INIT and VERSION. */
static struct buf *
pkt(uint8_t type, uint32_t id)
{
	struct buf *b = buf_new(1 << 20);

	assert_int_equal(buf_put_u8(b, type), JG_OK);
	if (type != FXP_INIT && type != FXP_VERSION)
		assert_int_equal(buf_put_u32(b, id), JG_OK);
	return b;
}

/* The packet goes out on out, framed by its length. */
static void
frame(struct buf *out, struct buf *b)
{
	assert_int_equal(buf_put_u32(out, (uint32_t)buf_len(b)), JG_OK);
	assert_int_equal(buf_put(out, buf_ptr(b), buf_len(b)), JG_OK);
	buf_free(b);
}

/* ATTRS as OpenSSH's put sends them: the permissions. */
static void
put_attrs(struct buf *b)
{
	assert_int_equal(buf_put_u32(b, 0x04), JG_OK);
	assert_int_equal(buf_put_u32(b, 0644), JG_OK);
}

static void
t_start(struct t *t, size_t chunk)
{
	struct buf *b;

	memset(t, 0, sizeof(*t));
	t->p = rec_sftp_new(seen_emit, &t->seen);
	t->c = buf_new(1 << 24);
	t->s = buf_new(1 << 24);
	t->chunk = chunk;
	b = pkt(FXP_INIT, 0);
	buf_put_u32(b, 3);
	frame(t->c, b);
	b = pkt(FXP_VERSION, 0);
	buf_put_u32(b, 3);
	buf_put_cstring(b, "posix-rename@openssh.com");
	buf_put_cstring(b, "1");
	frame(t->s, b);
	go(t);
}

static void
t_done(struct t *t)
{
	rec_sftp_free(t->p);
	buf_free(t->c);
	buf_free(t->s);
}

static void
c_open(struct t *t, uint32_t id, const char *path, uint32_t pflags)
{
	struct buf *b = pkt(FXP_OPEN, id);

	buf_put_cstring(b, path);
	buf_put_u32(b, pflags);
	put_attrs(b);
	frame(t->c, b);
}

/* CLOSE (no data) or FSETSTAT (attrs) on a handle. */
static void
c_handle(struct t *t, uint8_t type, uint32_t id, const char *handle)
{
	struct buf *b = pkt(type, id);

	buf_put_cstring(b, handle);
	if (type == FXP_FSETSTAT)
		put_attrs(b);
	frame(t->c, b);
}

static void
c_read(struct t *t, uint32_t id, const char *handle, uint64_t off,
    uint32_t len)
{
	struct buf *b = pkt(FXP_READ, id);

	buf_put_cstring(b, handle);
	buf_put_u64(b, off);
	buf_put_u32(b, len);
	frame(t->c, b);
}

static void
c_write(struct t *t, uint32_t id, const char *handle, uint64_t off,
    const unsigned char *data, size_t n)
{
	struct buf *b = pkt(FXP_WRITE, id);

	buf_put_cstring(b, handle);
	buf_put_u64(b, off);
	buf_put_string(b, data, n);
	frame(t->c, b);
}

/* A request on paths: path2 for RENAME; attrs for MKDIR and SETSTAT. */
static void
c_path(struct t *t, uint8_t type, uint32_t id, const char *path,
    const char *path2)
{
	struct buf *b = pkt(type, id);

	buf_put_cstring(b, path);
	if (path2 != NULL)
		buf_put_cstring(b, path2);
	if (type == FXP_MKDIR || type == FXP_SETSTAT)
		put_attrs(b);
	frame(t->c, b);
}

static void
s_status(struct t *t, uint32_t id, uint32_t code)
{
	struct buf *b = pkt(FXP_STATUS, id);

	buf_put_u32(b, code);
	buf_put_cstring(b, code == 0 ? "Success" : "Failure");
	buf_put_cstring(b, "");
	frame(t->s, b);
}

static void
s_handle(struct t *t, uint32_t id, const char *handle)
{
	struct buf *b = pkt(FXP_HANDLE, id);

	buf_put_cstring(b, handle);
	frame(t->s, b);
}

static void
s_data(struct t *t, uint32_t id, const unsigned char *data, size_t n)
{
	struct buf *b = pkt(FXP_DATA, id);

	buf_put_string(b, data, n);
	frame(t->s, b);
}

/* An OPEN and its HANDLE. */
static void
t_open(struct t *t, uint32_t id, const char *path, uint32_t pflags,
    const char *handle)
{
	c_open(t, id, path, pflags);
	s_handle(t, id, handle);
}

/* A file's bytes that no two files share by chance. */
static void
fill(unsigned char *d, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = (unsigned char)((i + seed) * 2654435761U >> 13);
}

/* Event i is a transfer; sha: its hash, or NULL for not whole. */
static void
check_file(const struct t *t, size_t i, int kind, const char *path,
    uint64_t bytes, const unsigned char *sha, int ok)
{
	assert_true(i < t->seen.n);
	assert_int_equal(t->seen.ev[i].kind, kind);
	assert_string_equal(t->seen.ev[i].path, path);
	assert_string_equal(t->seen.ev[i].path2, "");
	assert_int_equal(t->seen.ev[i].bytes, bytes);
	assert_int_equal(t->seen.ev[i].whole, sha != NULL);
	if (sha != NULL)
		assert_memory_equal(t->seen.ev[i].sha256, sha, 32);
	assert_int_equal(t->seen.ev[i].ok, ok);
}

/* put: OPEN, WRITEs pipelined, their statuses, CLOSE, in the chunks. */
static void
upload(size_t chunk)
{
	static unsigned char data[1000 + 32768 + 777];
	static const size_t piece[] = { 1000, 32768, 777 };
	unsigned char sha[32];
	struct t t;
	size_t i, off;

	fill(data, sizeof(data), 1);
	crypto_hash_sha256(sha, data, sizeof(data));
	t_start(&t, chunk);
	t_open(&t, 1, "/home/u/up.bin", F_WRITE | F_CREAT | F_TRUNC, "h0");
	go(&t);
	for (i = 0, off = 0; i < 3; off += piece[i], i++)
		c_write(&t, 2 + (uint32_t)i, "h0", off, data + off, piece[i]);
	for (i = 0; i < 3; i++)
		s_status(&t, 2 + (uint32_t)i, FX_OK);
	go(&t);
	c_handle(&t, FXP_CLOSE, 9, "h0");
	s_status(&t, 9, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 1);
	check_file(&t, 0, SFTP_EV_UPLOAD, "/home/u/up.bin", sizeof(data), sha,
	    1);
	rec_sftp_end(t.p);
	assert_int_equal(t.seen.n, 1);
	t_done(&t);
}

static void
test_upload_odd_chunks(void **state)
{
	(void)state;
	upload(0);
	upload(SIZE_MAX);	/* everything in one chunk */
}

static void
test_upload_byte_by_byte(void **state)
{
	(void)state;
	upload(1);
}

/*
 * get, as OpenSSH's sftp does it: reads pipelined, the last one short
 * at the end of the file, reads past it answered EOF, the rest of the
 * short one asked for again and answered EOF.
 */
static void
test_download_pipelined(void **state)
{
	static unsigned char data[100000];
	unsigned char sha[32];
	struct t t;
	uint32_t i;

	(void)state;
	fill(data, sizeof(data), 2);
	crypto_hash_sha256(sha, data, sizeof(data));
	t_start(&t, 0);
	t_open(&t, 1, "/srv/big.iso", F_READ, "\x01\x02");
	go(&t);
	for (i = 0; i < 5; i++)
		c_read(&t, 10 + i, "\x01\x02", 32768ULL * i, 32768);
	go(&t);
	s_data(&t, 10, data, 32768);
	s_data(&t, 11, data + 32768, 32768);
	s_data(&t, 12, data + 65536, 32768);
	s_data(&t, 13, data + 98304, sizeof(data) - 98304);	/* short */
	s_status(&t, 14, FX_EOF);
	go(&t);
	c_read(&t, 15, "\x01\x02", sizeof(data), 32768 - (sizeof(data) -
	    98304));
	s_status(&t, 15, FX_EOF);
	c_handle(&t, FXP_CLOSE, 16, "\x01\x02");
	s_status(&t, 16, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 1);
	check_file(&t, 0, SFTP_EV_DOWNLOAD, "/srv/big.iso", sizeof(data), sha,
	    1);
	t_done(&t);
}

/*
 * A short read in the middle asked for again with nothing in flight
 * past it stays whole; with reads in flight past it, their DATA comes
 * before the rest: not whole, the bytes still counted. A download that
 * never met EOF is not whole either.
 */
static void
test_download_short_read(void **state)
{
	static unsigned char data[50000];
	unsigned char sha[32];
	struct t t;

	(void)state;
	fill(data, sizeof(data), 3);
	crypto_hash_sha256(sha, data, sizeof(data));
	t_start(&t, 0);
	t_open(&t, 1, "a", F_READ, "h");
	go(&t);
	c_read(&t, 2, "h", 0, 32768);
	s_data(&t, 2, data, 10000);
	c_read(&t, 3, "h", 10000, 22768);
	s_data(&t, 3, data + 10000, 22768);
	c_read(&t, 4, "h", 32768, 32768);
	c_read(&t, 5, "h", 65536, 32768);
	s_data(&t, 4, data + 32768, sizeof(data) - 32768);
	s_status(&t, 5, FX_EOF);
	c_read(&t, 6, "h", sizeof(data), 32768);
	s_status(&t, 6, FX_EOF);
	c_handle(&t, FXP_CLOSE, 7, "h");
	s_status(&t, 7, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 1);
	check_file(&t, 0, SFTP_EV_DOWNLOAD, "a", sizeof(data), sha, 1);

	t_open(&t, 10, "b", F_READ, "h");
	go(&t);
	c_read(&t, 11, "h", 0, 32768);
	c_read(&t, 12, "h", 32768, 32768);
	c_read(&t, 14, "h", 32768 + 10000, 22768);
	s_data(&t, 11, data, 32768);
	s_data(&t, 12, data + 32768, 10000);	/* short */
	go(&t);
	c_read(&t, 13, "h", 65536, 32768);
	s_status(&t, 13, FX_EOF);
	s_data(&t, 14, data + 32768 + 10000, sizeof(data) - 42768);
	c_handle(&t, FXP_CLOSE, 15, "h");
	s_status(&t, 15, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 2);
	/* no EOF at its end */
	check_file(&t, 1, SFTP_EV_DOWNLOAD, "b", sizeof(data), NULL, 1);

	t_open(&t, 20, "c", F_READ, "h");
	go(&t);
	c_read(&t, 21, "h", 0, 32768);
	c_read(&t, 22, "h", 32768, 32768);
	c_read(&t, 23, "h", 65536, 32768);
	s_data(&t, 21, data, 20000);		/* short */
	s_data(&t, 22, data + 32768, 17232);	/* past a gap */
	s_status(&t, 23, FX_EOF);
	c_read(&t, 24, "h", 20000, 12768);
	s_data(&t, 24, data + 20000, 12768);
	c_handle(&t, FXP_CLOSE, 25, "h");
	s_status(&t, 25, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 3);
	check_file(&t, 2, SFTP_EV_DOWNLOAD, "c", sizeof(data), NULL, 1);
	t_done(&t);
}

/* Writes out of order, overlapping, or failed: counted, not whole. */
static void
test_upload_not_whole(void **state)
{
	unsigned char d[300];
	struct t t;

	(void)state;
	fill(d, sizeof(d), 4);
	t_start(&t, 0);
	t_open(&t, 1, "x", F_WRITE | F_CREAT | F_TRUNC, "h");
	go(&t);
	c_write(&t, 2, "h", 0, d, 100);
	c_write(&t, 3, "h", 200, d + 200, 100);
	c_write(&t, 4, "h", 100, d + 100, 100);
	c_handle(&t, FXP_CLOSE, 5, "h");
	s_status(&t, 2, FX_OK);
	s_status(&t, 3, FX_OK);
	s_status(&t, 4, FX_OK);
	s_status(&t, 5, FX_OK);
	go(&t);

	t_open(&t, 6, "y", F_WRITE | F_CREAT | F_TRUNC, "h");
	go(&t);
	c_write(&t, 7, "h", 0, d, 200);
	c_write(&t, 8, "h", 100, d + 100, 200);		/* overlaps */
	c_handle(&t, FXP_CLOSE, 9, "h");
	s_status(&t, 7, FX_OK);
	s_status(&t, 8, FX_OK);
	s_status(&t, 9, FX_OK);
	go(&t);

	t_open(&t, 10, "z", F_WRITE | F_CREAT | F_TRUNC, "h");
	go(&t);
	c_write(&t, 11, "h", 0, d, 300);
	c_handle(&t, FXP_CLOSE, 12, "h");
	s_status(&t, 11, 4);			/* SSH_FX_FAILURE */
	s_status(&t, 12, FX_DENIED);
	go(&t);

	/* reput: appends, so the hash cannot be the file's */
	t_open(&t, 13, "w", F_WRITE | F_APPEND, "h");
	go(&t);
	c_write(&t, 14, "h", 0, d, 300);
	c_handle(&t, FXP_CLOSE, 15, "h");
	s_status(&t, 14, FX_OK);
	s_status(&t, 15, FX_OK);
	go(&t);

	assert_int_equal(t.seen.n, 4);
	check_file(&t, 0, SFTP_EV_UPLOAD, "x", 300, NULL, 1);
	check_file(&t, 1, SFTP_EV_UPLOAD, "y", 400, NULL, 1);
	check_file(&t, 2, SFTP_EV_UPLOAD, "z", 300, NULL, 0);
	check_file(&t, 3, SFTP_EV_UPLOAD, "w", 300, NULL, 1);
	t_done(&t);
}

/* Each path operation, answered OK then denied. */
static void
test_path_ops(void **state)
{
	static const struct {
		uint8_t type;
		int kind;
		const char *path2;
	} op[] = {
		{ FXP_REMOVE, SFTP_EV_REMOVE, NULL },
		{ FXP_RENAME, SFTP_EV_RENAME, "/new name" },
		{ FXP_MKDIR, SFTP_EV_MKDIR, NULL },
		{ FXP_RMDIR, SFTP_EV_RMDIR, NULL },
		{ FXP_SETSTAT, SFTP_EV_SETSTAT, NULL },
	};
	struct buf *b;
	struct t t;
	size_t i;
	uint32_t id = 1;

	(void)state;
	t_start(&t, 0);
	for (i = 0; i < 5; i++) {
		c_path(&t, op[i].type, id, "/old", op[i].path2);
		s_status(&t, id++, FX_OK);
		c_path(&t, op[i].type, id, "/old", op[i].path2);
		s_status(&t, id++, FX_DENIED);
	}
	go(&t);
	assert_int_equal(t.seen.n, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(t.seen.ev[i].kind, op[i / 2].kind);
		assert_string_equal(t.seen.ev[i].path, "/old");
		assert_string_equal(t.seen.ev[i].path2, op[i / 2].path2 ?
		    op[i / 2].path2 : "");
		assert_int_equal(t.seen.ev[i].ok, i % 2 == 0);
	}

	/* OpenSSH's sftp renames with posix-rename; chmod on a handle */
	b = pkt(FXP_EXTENDED, 100);
	buf_put_cstring(b, "posix-rename@openssh.com");
	buf_put_cstring(b, "a.txt");
	buf_put_cstring(b, "b.txt");
	frame(t.c, b);
	s_status(&t, 100, FX_OK);
	t_open(&t, 101, "f", F_WRITE, "h");
	go(&t);
	c_handle(&t, FXP_FSETSTAT, 102, "h");
	s_status(&t, 102, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 12);
	assert_int_equal(t.seen.ev[10].kind, SFTP_EV_RENAME);
	assert_string_equal(t.seen.ev[10].path, "a.txt");
	assert_string_equal(t.seen.ev[10].path2, "b.txt");
	assert_int_equal(t.seen.ev[11].kind, SFTP_EV_SETSTAT);
	assert_string_equal(t.seen.ev[11].path, "f");
	assert_int_equal(t.seen.ev[11].ok, 1);
	t_done(&t);
}

/*
 * An empty file put: emptied at the open, never written. Opens that
 * change nothing (read, never read; write without TRUNC, never
 * written) are no event.
 */
static void
test_empty_upload(void **state)
{
	unsigned char sha[32];
	struct t t;

	(void)state;
	crypto_hash_sha256(sha, (const unsigned char *)"", 0);
	t_start(&t, 0);
	t_open(&t, 1, "empty", F_WRITE | F_CREAT | F_TRUNC, "h1");
	t_open(&t, 2, "looked-at", F_READ, "h2");
	t_open(&t, 3, "kept", F_WRITE, "h3");
	go(&t);
	c_handle(&t, FXP_CLOSE, 4, "h1");
	c_handle(&t, FXP_CLOSE, 5, "h2");
	c_handle(&t, FXP_CLOSE, 6, "h3");
	s_status(&t, 4, FX_OK);
	s_status(&t, 5, FX_OK);
	s_status(&t, 6, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 1);
	check_file(&t, 0, SFTP_EV_UPLOAD, "empty", 0, sha, 1);
	t_done(&t);
}

/*
 * An OPEN refused (a read of /etc/shadow denied, a write into a read-only
 * place) is still an attempt: a failed download or upload, no bytes.
 */
static void
test_open_refused(void **state)
{
	struct t t;

	(void)state;
	t_start(&t, 0);
	c_open(&t, 1, "/etc/shadow", F_READ);
	c_open(&t, 2, "/ro/new", F_WRITE | F_CREAT | F_TRUNC);
	s_status(&t, 1, FX_DENIED);
	s_status(&t, 2, FX_DENIED);
	go(&t);
	assert_int_equal(t.seen.n, 2);
	check_file(&t, 0, SFTP_EV_DOWNLOAD, "/etc/shadow", 0, NULL, 0);
	check_file(&t, 1, SFTP_EV_UPLOAD, "/ro/new", 0, NULL, 0);
	t_done(&t);
}

/*
 * A file opened to read and write: what is read from it is a download,
 * what is written an upload. A READ refused moves nothing.
 */
static void
test_read_write(void **state)
{
	unsigned char sha[32];
	struct t t;

	(void)state;
	crypto_hash_sha256(sha, (const unsigned char *)"secret", 6);
	t_start(&t, 0);
	t_open(&t, 1, "rw", F_READ | F_WRITE, "h");
	t_open(&t, 2, "wo", F_WRITE, "w");
	go(&t);
	c_read(&t, 3, "h", 0, 32768);
	c_read(&t, 4, "h", 32768, 32768);
	c_write(&t, 5, "h", 6, (const unsigned char *)"+more", 5);
	c_read(&t, 6, "w", 0, 32768);
	c_handle(&t, FXP_CLOSE, 7, "h");
	c_handle(&t, FXP_CLOSE, 8, "w");
	s_data(&t, 3, (const unsigned char *)"secret", 6);
	s_status(&t, 4, FX_EOF);
	s_status(&t, 5, FX_OK);
	s_status(&t, 6, FX_DENIED);
	s_status(&t, 7, FX_OK);
	s_status(&t, 8, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 2);
	/* no EOF where the hash ends: what was read is not all */
	check_file(&t, 0, SFTP_EV_DOWNLOAD, "rw", 6, NULL, 1);
	check_file(&t, 1, SFTP_EV_UPLOAD, "rw", 5, NULL, 1);

	t_open(&t, 9, "rw2", F_READ | F_WRITE, "h");
	go(&t);
	c_read(&t, 10, "h", 0, 32768);
	c_read(&t, 11, "h", 6, 32768);
	c_handle(&t, FXP_CLOSE, 12, "h");
	s_data(&t, 10, (const unsigned char *)"secret", 6);
	s_status(&t, 11, FX_EOF);
	s_status(&t, 12, FX_OK);
	go(&t);
	check_file(&t, 2, SFTP_EV_DOWNLOAD, "rw2", 6, sha, 1);
	assert_int_equal(t.seen.n, 3);
	t_done(&t);
}

/* At the end: files still open and operations unanswered, unconfirmed. */
static void
test_end(void **state)
{
	unsigned char d[10] = "0123456789", sha[32];
	struct t t;

	(void)state;
	crypto_hash_sha256(sha, d, sizeof(d));
	t_start(&t, 0);
	t_open(&t, 1, "open.txt", F_WRITE | F_CREAT | F_TRUNC, "h");
	go(&t);
	c_write(&t, 2, "h", 0, d, sizeof(d));
	s_status(&t, 2, FX_OK);
	c_handle(&t, FXP_CLOSE, 3, "h");	/* never answered */
	c_path(&t, FXP_REMOVE, 4, "gone?", NULL);
	go(&t);
	assert_int_equal(t.seen.n, 0);
	rec_sftp_end(t.p);
	assert_int_equal(t.seen.n, 2);
	assert_int_equal(t.seen.ev[0].kind, SFTP_EV_REMOVE);
	assert_string_equal(t.seen.ev[0].path, "gone?");
	assert_int_equal(t.seen.ev[0].ok, 0);
	check_file(&t, 1, SFTP_EV_UPLOAD, "open.txt", 10, sha, 0);
	/* everything forgotten: the late answer is nothing */
	s_status(&t, 3, FX_OK);
	feed(t.p, 0, t.s, 0);
	rec_sftp_end(t.p);
	assert_int_equal(t.seen.n, 2);
	t_done(&t);
}

/*
 * Malformed: the call returns JG_ECORRUPT, and every later one too,
 * without parsing (even good bytes).
 */
static void
corrupt(int client, const unsigned char *bad, size_t n, int preamble)
{
	unsigned char ok[9] = { 0, 0, 0, 5, FXP_INIT, 0, 0, 0, 3 };
	struct t t;

	if (preamble)
		t_start(&t, 0);
	else {
		memset(&t, 0, sizeof(t));
		t.p = rec_sftp_new(seen_emit, &t.seen);
	}
	assert_int_equal(client ? rec_sftp_client(t.p, bad, n) :
	    rec_sftp_server(t.p, bad, n), JG_ECORRUPT);
	assert_int_equal(rec_sftp_client(t.p, ok, sizeof(ok)), JG_ECORRUPT);
	assert_int_equal(rec_sftp_server(t.p, ok, sizeof(ok)), JG_ECORRUPT);
	assert_int_equal(rec_sftp_client(t.p, "", 0), JG_ECORRUPT);
	rec_sftp_end(t.p);
	assert_int_equal(t.seen.n, 0);
	rec_sftp_free(t.p);
	if (preamble) {
		buf_free(t.c);
		buf_free(t.s);
	}
}

static void
test_corrupt(void **state)
{
	/* length 0 */
	static const unsigned char zero[] = { 0, 0, 0, 0 };
	/* length 256 KiB + 1 KiB + 1 */
	static const unsigned char big[] = { 0, 0x04, 0x04, 0x01, FXP_READ };
	/* OPEN whose path says 1000 bytes in a packet of 20 */
	static const unsigned char beyond[] = { 0, 0, 0, 20, FXP_OPEN, 0, 0, 0, 1,
		0, 0, 0x03, 0xe8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i',
		'j', 'k' };
	/* REMOVE "a\0b" */
	static const unsigned char nul[] = { 0, 0, 0, 12, FXP_REMOVE, 0, 0, 0, 1,
		0, 0, 0, 3, 'a', 0, 'b' };
	/* MKDIR "d", attrs saying SIZE with no size */
	static const unsigned char attrs[] = { 0, 0, 0, 14, FXP_MKDIR, 0, 0, 0, 1,
		0, 0, 0, 1, 'd', 0, 0, 0, 1 };
	/* MKDIR "d", attrs with a flag version 3 does not have */
	static const unsigned char flag[] = { 0, 0, 0, 14, FXP_MKDIR, 0, 0, 0, 1,
		0, 0, 0, 1, 'd', 0, 0, 0x01, 0 };
	/* REMOVE "d" and a byte more */
	static const unsigned char trail[] = { 0, 0, 0, 11, FXP_REMOVE, 0, 0, 0, 1,
		0, 0, 0, 1, 'd', 0 };
	/* DATA whose string runs past the packet */
	static const unsigned char data[] = { 0, 0, 0, 9, FXP_DATA, 0, 0, 0, 1,
		0, 0, 0, 9 };
	/* HANDLE of 257 bytes: only its header is needed to fail */
	unsigned char handle[4 + 1 + 4 + 4 + 257] = { 0, 0, 0x01, 0x0a,
		FXP_HANDLE, 0, 0, 0, 1, 0, 0, 0x01, 0x01 };
	/* no INIT first; VERSION 4; a second INIT */
	static const unsigned char noinit[] = { 0, 0, 0, 5, FXP_REMOVE, 0, 0, 0, 1 };
	static const unsigned char v4[] = { 0, 0, 0, 5, FXP_VERSION, 0, 0, 0, 4 };
	static const unsigned char init[] = { 0, 0, 0, 5, FXP_INIT, 0, 0, 0, 3 };
	char path[4 + 1 + 4 + 4 + JG_PATH_MAX + 1];

	(void)state;
	corrupt(1, zero, sizeof(zero), 1);
	corrupt(0, zero, sizeof(zero), 1);
	corrupt(1, big, sizeof(big), 1);
	corrupt(1, beyond, sizeof(beyond), 1);
	corrupt(1, nul, sizeof(nul), 1);
	corrupt(1, attrs, sizeof(attrs), 1);
	corrupt(1, flag, sizeof(flag), 1);
	corrupt(1, trail, sizeof(trail), 1);
	corrupt(0, data, sizeof(data), 1);
	memset(handle + 13, 'h', 257);
	corrupt(0, handle, sizeof(handle), 1);
	corrupt(1, noinit, sizeof(noinit), 0);
	corrupt(0, v4, sizeof(v4), 0);
	corrupt(1, init, sizeof(init), 1);
	/* a path of JG_PATH_MAX + 1 bytes */
	memcpy(path, "\0\0\x10\x0a\x0d\0\0\0\x01\0\0\x10\x01", 13);
	memset(path + 13, 'p', JG_PATH_MAX + 1);
	corrupt(1, (const unsigned char *)path, sizeof(path), 1);
}

/*
 * More files open than followed: the stream fails (its session ends)
 * rather than let a file move unseen; below the bound, all are followed.
 */
static void
test_many_handles(void **state)
{
	unsigned char d[4] = "data";
	char path[32], handle[16];
	struct t t;
	uint32_t i;

	(void)state;
	t_start(&t, SIZE_MAX);
	for (i = 0; i < 129; i++) {
		snprintf(path, sizeof(path), "/f%u", i);
		snprintf(handle, sizeof(handle), "%u", i);
		t_open(&t, i, path, F_WRITE | F_CREAT, handle);
	}
	assert_int_equal(rec_sftp_client(t.p, buf_ptr(t.c), buf_len(t.c)),
	    JG_OK);
	assert_int_equal(rec_sftp_server(t.p, buf_ptr(t.s), buf_len(t.s)),
	    JG_ECORRUPT);
	t_done(&t);
	t_start(&t, SIZE_MAX);
	for (i = 0; i < 128; i++) {
		snprintf(path, sizeof(path), "/f%u", i);
		snprintf(handle, sizeof(handle), "%u", i);
		t_open(&t, i, path, F_WRITE | F_CREAT, handle);
	}
	go(&t);
	for (i = 0; i < 128; i++) {
		snprintf(handle, sizeof(handle), "%u", i);
		c_write(&t, 1000 + i, handle, 0, d, sizeof(d));
		c_handle(&t, FXP_CLOSE, 2000 + i, handle);
		s_status(&t, 1000 + i, FX_OK);
		s_status(&t, 2000 + i, FX_OK);
	}
	go(&t);
	assert_int_equal(t.seen.n, 128);
	assert_int_equal(t.seen.nok, 128);
	check_file(&t, 127, SFTP_EV_UPLOAD, "/f127", 4, NULL, 1); /* no TRUNC */
	t_done(&t);
}

/*
 * More requests waiting than the ring holds: the oldest are forgotten,
 * a forgotten remove is still reported, unconfirmed.
 */
static void
test_request_ring(void **state)
{
	char path[32];
	struct t t;
	uint32_t i;

	(void)state;
	t_start(&t, SIZE_MAX);
	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/r%u", i);
		c_path(&t, FXP_REMOVE, i, path, NULL);
	}
	go(&t);
	assert_int_equal(t.seen.n, 76);
	assert_int_equal(t.seen.nok, 0);
	assert_string_equal(t.seen.ev[0].path, "/r0");
	assert_string_equal(t.seen.ev[75].path, "/r75");
	for (i = 0; i < 1100; i++)
		s_status(&t, i, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 1100);
	assert_int_equal(t.seen.nok, 1024);
	t_done(&t);
	/* an OPEN pushed out of the ring: its file would go unseen */
	t_start(&t, SIZE_MAX);
	c_open(&t, 1, "/secret", F_READ);
	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/m%u", i);
		c_path(&t, FXP_MKDIR, 10 + i, path, NULL);
	}
	assert_int_equal(rec_sftp_client(t.p, buf_ptr(t.c), buf_len(t.c)),
	    JG_ECORRUPT);
	t_done(&t);
}

/*
 * Packets of types not known are skipped whole, so are requests that
 * move no file (STAT, OPENDIR) and their replies, and replies to ids
 * never asked.
 */
static void
test_skipped(void **state)
{
	struct buf *b;
	struct t t;

	(void)state;
	t_start(&t, 0);
	b = pkt(99, 1);
	buf_put(b, "\xff\x00junk", 6);
	frame(t.c, b);
	b = pkt(150, 1);
	frame(t.s, b);
	c_path(&t, FXP_STAT, 2, "/etc", NULL);
	b = pkt(FXP_ATTRS, 2);
	put_attrs(b);
	frame(t.s, b);
	c_path(&t, FXP_OPENDIR, 3, "/etc", NULL);
	s_handle(&t, 3, "d");
	s_status(&t, 77, FX_OK);
	s_data(&t, 78, (const unsigned char *)"x", 1);
	b = pkt(FXP_EXTENDED, 4);
	buf_put_cstring(b, "statvfs@openssh.com");
	buf_put_cstring(b, "/");
	frame(t.c, b);
	c_path(&t, FXP_RMDIR, 5, "/tmp/x", NULL);
	s_status(&t, 5, FX_OK);
	go(&t);
	assert_int_equal(t.seen.n, 1);
	assert_int_equal(t.seen.ev[0].kind, SFTP_EV_RMDIR);
	assert_int_equal(t.seen.ev[0].ok, 1);
	t_done(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upload_odd_chunks),
		cmocka_unit_test(test_upload_byte_by_byte),
		cmocka_unit_test(test_download_pipelined),
		cmocka_unit_test(test_download_short_read),
		cmocka_unit_test(test_upload_not_whole),
		cmocka_unit_test(test_path_ops),
		cmocka_unit_test(test_empty_upload),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_many_handles),
		cmocka_unit_test(test_request_ring),
		cmocka_unit_test(test_skipped),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
