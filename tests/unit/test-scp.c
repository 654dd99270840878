/* test-scp.c: the files followed in scp's legacy protocol stream (recorder/scp.c): paths, sizes, hashes, bounds; and what scp and rsync server commands say they move (recorder/xfer-cmd.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "transfer.h"

struct got {
	int kind[8];
	char path[8][256];
	uint64_t bytes[8];
	int whole[8], ok[8];
	unsigned char sha[8][32];
	int n;
};

static void
got_emit(void *arg, const struct rec_sftp_event *e)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	assert_string_equal(e->path2, "");
	g->kind[g->n] = e->kind;
	snprintf(g->path[g->n], sizeof(g->path[0]), "%s", e->path);
	g->bytes[g->n] = e->bytes;
	g->whole[g->n] = e->whole;
	g->ok[g->n] = e->ok;
	memcpy(g->sha[g->n], e->sha256, 32);
	g->n++;
}

/* Feed s in pieces of step bytes. */
static int
feed(struct rec_scp *s, const char *p, size_t len, size_t step)
{
	size_t i, k;
	int rc = JG_OK;

	for (i = 0; i < len && rc == JG_OK; i += k) {
		k = len - i < step ? len - i : step;
		rc = rec_scp_source(s, p + i, k);
	}
	return rc;
}

static void
sha(const char *data, size_t len, unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)data, len);
}

/* One file up, in every chunking: DEST, its size, its hash. */
static void
test_upload(void **state)
{
	static const char s1[] = "T1700000000 0 1700000000 0\nC0644 11 a.txt\n"
	    "hello world\0";
	unsigned char want[32];
	size_t step;

	(void)state;
	sha("hello world", 11, want);
	for (step = 1; step <= sizeof(s1); step++) {
		struct got g;
		struct rec_scp *s;

		memset(&g, 0, sizeof(g));
		s = rec_scp_new(1, "/srv/x.txt", 0, got_emit, &g);
		assert_int_equal(feed(s, s1, sizeof(s1) - 1, step), JG_OK);
		rec_scp_end(s);
		rec_scp_free(s);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.kind[0], SFTP_EV_UPLOAD);
		assert_string_equal(g.path[0], "/srv/x.txt");
		assert_int_equal(g.bytes[0], 11);
		assert_true(g.whole[0] && g.ok[0]);
		assert_memory_equal(g.sha[0], want, 32);
	}
}

/* A tree down (-r): each file under SRC's directory; an empty file. */
static void
test_download_tree(void **state)
{
	static const char s1[] = "D0755 0 logs\nC0600 3 a\nabc\0D0700 0 old\n"
	    "C0600 0 empty\n\0E\nC0644 2 b\nxy\0E\n";
	struct rec_scp *s;
	struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	s = rec_scp_new(0, "/var/logs", 1, got_emit, &g);
	assert_int_equal(feed(s, s1, sizeof(s1) - 1, 7), JG_OK);
	rec_scp_free(s);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.path[0], "/var/logs/a");
	assert_string_equal(g.path[1], "/var/logs/old/empty");
	assert_string_equal(g.path[2], "/var/logs/b");
	assert_int_equal(g.kind[2], SFTP_EV_DOWNLOAD);
	assert_int_equal(g.bytes[1], 0);
	assert_true(g.whole[1]);
}

/* A file the source could not read; a file cut short by the end. */
static void
test_failures(void **state)
{
	static const char s1[] = "C0644 4 a\nab\001scp: a: read error\n"
	    "C0644 9 b\nabc";
	struct rec_scp *s;
	struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	s = rec_scp_new(1, "/d/", 1, got_emit, &g);
	/* 4 bytes announced, 2 sent, then the status: the two data bytes
	   "\001s" count as data, so the status is 'c': broken */
	assert_int_equal(feed(s, s1, sizeof(s1) - 1, 64), JG_ECORRUPT);
	rec_scp_free(s);
	memset(&g, 0, sizeof(g));
	s = rec_scp_new(1, "/d/", 1, got_emit, &g);
	assert_int_equal(feed(s, "C0644 2 a\nab\001scp: a: read error\n"
	    "C0644 9 b\nabc", 45, 64), JG_OK);
	rec_scp_end(s);
	rec_scp_free(s);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.path[0], "/d/a");
	assert_false(g.ok[0]);
	assert_false(g.whole[0]);
	assert_int_equal(g.bytes[1], 3);
	assert_false(g.ok[1]);
}

/* Malformed: each fails, and stays failed. */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"X\n", "C644 1 a\n", "C0644 1 a/b\n", "C0644 1 ..\n",
		"C0644 1 \n", "C0648 1 a\n", "C0644 -1 a\n",
		"C0644 99999999999999999999 a\n", "E\n", "Tx 0 0 0\n",
		"C0644 1 a\nz\003", "D0755 0 d\nE\nE\n", "\0\n", NULL };
	char big[JG_FILE_PATH_MAX + 200];
	struct rec_scp *s;
	struct got g;
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		memset(&g, 0, sizeof(g));
		s = rec_scp_new(1, "/x", 0, got_emit, &g);
		assert_int_equal(feed(s, bad[i], strlen(bad[i]) +
		    (bad[i][0] == '\0' ? 2 : 0), 3), JG_ECORRUPT);
		assert_int_equal(rec_scp_source(s, "E\n", 2), JG_ECORRUPT);
		rec_scp_free(s);
	}
	/* a line longer than any path */
	memset(big, 'a', sizeof(big));
	s = rec_scp_new(1, "/x", 0, got_emit, &g);
	assert_int_equal(feed(s, big, sizeof(big), 512), JG_ECORRUPT);
	rec_scp_free(s);
	/* directories nested past the bound */
	s = rec_scp_new(1, "/x", 1, got_emit, &g);
	for (i = 0; i < 64; i++)
		assert_int_equal(rec_scp_source(s, "D0755 0 d\n", 10), JG_OK);
	assert_int_equal(rec_scp_source(s, "D0755 0 d\n", 10), JG_ECORRUPT);
	rec_scp_free(s);
}

/* The server commands: which way, and where (recorder/xfer-cmd.c). */
static void
test_commands(void **state)
{
	char *path;
	int upload, into;

	(void)state;
	assert_int_equal(rec_scp_command("scp -t /srv/in/", &upload, &into,
	    &path), JG_OK);
	assert_int_equal(upload, 1);
	assert_int_equal(into, 0);
	assert_string_equal(path, "/srv/in/");
	free(path);
	assert_int_equal(rec_scp_command("scp -r -t -- -odd", &upload, &into,
	    &path), JG_OK);
	assert_int_equal(upload, 1);
	assert_int_equal(into, 1);
	assert_string_equal(path, "-odd");
	free(path);
	assert_int_equal(rec_scp_command("scp -f a b", &upload, &into, &path),
	    JG_OK);
	assert_int_equal(upload, 0);
	assert_int_equal(into, 1);
	assert_string_equal(path, "");		/* each file by its name */
	free(path);
	assert_int_equal(rec_scp_command("scp /x", &upload, &into, &path),
	    JG_EINVAL);
	assert_null(path);
	assert_int_equal(rec_scp_command("scp -t", &upload, &into, &path),
	    JG_EINVAL);

	assert_int_equal(rec_rsync_command("rsync --server -logDtpr . /srv/a/",
	    &path), 1);
	assert_string_equal(path, "/srv/a/");
	free(path);
	assert_int_equal(rec_rsync_command("rsync --server --sender -logDtpr "
	    ". a b", &path), 2);
	assert_string_equal(path, "a b");
	free(path);
	assert_int_equal(rec_rsync_command("rsync --server -logDtpr . /etc/x "
	    "--sender", &path), 2);		/* options after "." count */
	assert_string_equal(path, "/etc/x");
	free(path);
	assert_int_equal(rec_rsync_command("rsync --server -e.iLs", &path), 1);
	assert_string_equal(path, "");
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upload),
		cmocka_unit_test(test_download_tree),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_commands),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
