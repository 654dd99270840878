/* fuzz-sftp.c: libFuzzer harness: the SFTP follower (recorder/sftp.c) fed a client's and a server's stream, interleaved, cut anywhere. */

/*
 * Input: a byte k, a byte n, n bytes of schedule, then the streams: of
 * the rest, the first len * k / 256 bytes are the client's, the others
 * the server's. Each schedule byte feeds one chunk, cycling until both
 * streams are fed: bit 0 says whose (0 the client's, 1 the server's;
 * the other's once that one is fed), the rest v how long (v + 1 bytes
 * up to 64, then (v - 63) * 512). Then the stream ends, or for an odd
 * k is freed as it is (a session torn down).
 *
 * Every event's strings end within JG_PATH_MAX; an event needs a
 * request, 9 bytes at least; a stream that failed stays failed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_sftp {
	size_t events;
	int failed;
};

static void
fuzz_emit(void *arg, const struct rec_sftp_event *e)
{
	struct fuzz_sftp *f = arg;

	if (e->kind < SFTP_EV_UPLOAD || e->kind > SFTP_EV_SETSTAT ||
	    e->path == NULL || e->path2 == NULL ||
	    strnlen(e->path, JG_PATH_MAX + 1) > JG_PATH_MAX ||
	    strnlen(e->path2, JG_PATH_MAX + 1) > JG_PATH_MAX ||
	    (e->kind != SFTP_EV_RENAME && e->path2[0] != '\0') ||
	    (e->ok != 0 && e->ok != 1) || (e->whole != 0 && e->whole != 1))
		abort();
	f->events++;
}

/* One call; a failure is for good. */
static void
fuzz_feed(struct rec_sftp *s, struct fuzz_sftp *f, int server,
    const uint8_t *p, size_t n)
{
	int r = server ? rec_sftp_server(s, p, n) : rec_sftp_client(s, p, n);

	if (r != JG_OK && r != JG_ECORRUPT)
		abort();
	if (f->failed && r != JG_ECORRUPT)
		abort();
	if (r == JG_ECORRUPT)
		f->failed = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dflt[] = { 126, 127 };	/* 64 bytes each */
	const uint8_t *sched = dflt, *part[2];
	size_t nsched = sizeof(dflt), left[2], client, i, n, v;
	struct fuzz_sftp f = { 0, 0 };
	struct rec_sftp *s;
	int who;

	if (size < 2 || (size_t)data[1] > size - 2)
		return 0;
	if (data[1] > 0) {
		sched = data + 2;
		nsched = data[1];
	}
	n = size - 2 - data[1];
	part[0] = data + 2 + data[1];
	left[0] = n * data[0] / 256;
	part[1] = part[0] + left[0];
	left[1] = n - left[0];
	client = left[0];
	s = rec_sftp_new(fuzz_emit, &f);
	for (i = 0; left[0] + left[1] > 0; i++) {
		who = sched[i % nsched] & 1;
		if (left[who] == 0)
			who = !who;
		v = sched[i % nsched] >> 1;
		n = v < 64 ? v + 1 : (v - 63) * 512;
		if (n > left[who])
			n = left[who];
		fuzz_feed(s, &f, who, part[who], n);
		part[who] += n;
		left[who] -= n;
	}
	if (data[0] % 2 == 0)
		rec_sftp_end(s);
	rec_sftp_free(s);
	/* an event needs a request: a length, a type and an id */
	if (f.events > client / 9)
		abort();
	return 0;
}
