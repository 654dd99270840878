/* fuzz-recording.c: libFuzzer harness: recording files as replay, verify, export and search read them (replay/). */

/*
 * Byte 0 picks the mode:
 *   0: the rest is a recording file as found on disk: read, verified
 *      (once in one pass, once cut in two halves checked at once, which
 *      must give the same status), exported, searched and followed by a
 *      watcher, whatever it holds;
 *   1: the rest describes events (type, time step, length, bytes); they
 *      are written with the real writer and read back: the file must
 *      verify intact and give back every byte of every type;
 *   2: as 1, then one byte of the file (position and bits from the
 *      input) is changed: the file must never verify intact.
 */

#include <sys/mman.h>

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_TYPES 12

static const unsigned char fuzz_key[REC_KEYBYTES] = { 7, 1, 2, 3 };

static void
fuzz_match(void *arg, uint64_t t_ms, const char *line)
{
	(void)arg;
	(void)t_ms;
	(void)line;
}

static int
fuzz_sink(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

/* A watcher follows it as if live, then is told the session ended. */
static void
fuzz_watch(int fd)
{
	struct replay_sink sink = { fuzz_sink, NULL, NULL };
	struct replay_watch *w;
	char err[256];
	uint64_t now = 1000;
	int i, rc = REPLAY_PLAY_WAIT, wait;

	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (replay_watch_open(fd, fuzz_key, 1, &sink, &w, err, sizeof(err)) !=
	    JG_OK)
		return;
	for (i = 0; i < 1000 && (rc == REPLAY_PLAY_WAIT ||
	    rc == REPLAY_PLAY_FULL); i++) {
		rc = replay_watch_run(w, now, 4096, &wait);
		if (i == 2)
			replay_watch_ended(w);
		now += 3000;
	}
	if (rc == REPLAY_PLAY_WAIT || rc == REPLAY_PLAY_FULL)
		abort();	/* told it ended: it must end */
	replay_watch_free(w);
}

/*
 * Events from a seek to 1000 ms on: a count and a sum of times and lengths.
 * hint: the seek announced before the check (cut in two halves, as a
 * large file is), which then finds the segment as it reads.
 */
static void
fuzz_seek_sum(int fd, int hint, uint64_t sum[2])
{
	struct replay_check chk;
	struct rec_event_view ev;
	struct replay *rp;

	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (replay_open_seek(fd, fuzz_key, 1, 0, hint ? 1000 : 0, &rp,
	    &chk) != JG_OK)
		return;
	if (replay_verify_split(rp, &chk, 0) == JG_OK &&
	    replay_seek(rp, 1000) == JG_OK)
		while (replay_next(rp, &ev) == 1) {
			sum[0]++;
			sum[1] += ev.t_ms * 31 + ev.len;
		}
	replay_close(rp);
}

/* An announced seek lands where a walk of the file does, if intact. */
static void
fuzz_seek(int fd, int status)
{
	uint64_t walk[2] = { 0, 0 }, hinted[2] = { 0, 0 };

	fuzz_seek_sum(fd, 0, walk);
	fuzz_seek_sum(fd, 1, hinted);
	if (status == REPLAY_INTACT && (walk[0] != hinted[0] ||
	    walk[1] != hinted[1]))
		abort();
}

/* Everything the tools do with a file; its check status. */
static int
fuzz_read(int fd, uint64_t sums[FUZZ_TYPES])
{
	struct replay_check chk;
	struct rec_event_view ev;
	struct replay *rp;
	regex_t re;
	FILE *devnull;
	int status;

	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (replay_open(fd, fuzz_key, 1, REPLAY_VERIFY, &rp, &chk) != JG_OK)
		return REPLAY_DAMAGED;
	status = chk.status;
	/* Cut in two halves checked at once, it must judge it the same. */
	if (replay_verify_split(rp, &chk, 0) != JG_OK || chk.status != status)
		abort();
	while (replay_next(rp, &ev) == 1)
		if (sums != NULL && ev.type > 0 && ev.type < FUZZ_TYPES)
			sums[ev.type] += ev.len;
	if ((devnull = fopen("/dev/null", "w")) != NULL) {
		(void)replay_asciicast(rp, &chk, "fuzz", devnull);
		fclose(devnull);
	}
	if (regcomp(&re, "a.*b", REG_EXTENDED | REG_NOSUB) == 0) {
		(void)replay_rewind(rp);
		(void)replay_search(rp, &re, fuzz_match, NULL);
		regfree(&re);
	}
	(void)replay_seek(rp, 1000);
	replay_close(rp);
	fuzz_seek(fd, status);
	fuzz_watch(fd);
	return status;
}

/* Modes 1 and 2: a file written from the described events. */
static int
fuzz_write(int fd, const uint8_t *d, size_t n, uint64_t sums[FUZZ_TYPES])
{
	struct rec_header h;
	struct rec_summary s;
	struct rec_writer *w;
	uint64_t t = 0;
	size_t i = 0, len;
	int type;

	memset(&h, 0, sizeof(h));
	h.session_id = 1;
	snprintf(h.user, sizeof(h.user), "alice");
	snprintf(h.target, sizeof(h.target), "db01");
	snprintf(h.kind, sizeof(h.kind), "shell");
	h.cols = 80;
	h.rows = 24;
	/* the writer closes its descriptor when freed: give it its own */
	if ((fd = dup(fd)) == -1 || rec_writer_open(fd, fuzz_key, &h, &w) !=
	    JG_OK)
		abort();
	while (i + 3 <= n) {
		type = 1 + d[i] % (FUZZ_TYPES - 1);
		if (type == REC_END)
			type = REC_OUT;	/* only the close writes one */
		t += d[i + 1] * 37;
		len = d[i + 2];
		i += 3;
		if (len > n - i)
			len = n - i;
		if (rec_writer_event(w, t, type, d + i, len) != JG_OK)
			abort();
		sums[type] += len;
		if (d[i - 3] & 0x80 && rec_writer_flush(w) != JG_OK)
			abort();
		i += len;
	}
	memset(&s, 0, sizeof(s));
	s.duration_ms = t;
	snprintf(s.reason, sizeof(s.reason), "exit");
	if (rec_writer_close(w, &s) != JG_OK)
		abort();
	rec_writer_free(w);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t wrote[FUZZ_TYPES] = { 0 }, got[FUZZ_TYPES] = { 0 };
	unsigned char c;
	off_t end, pos;
	int fd, i;

	if (size < 1 || size > 200000)
		return 0;
	if ((fd = memfd_create("fuzz-recording", 0)) == -1)
		abort();
	switch (data[0] % 3) {
	case 0:
		if (size > 1 && write(fd, data + 1, size - 1) !=
		    (ssize_t)(size - 1))
			abort();
		(void)fuzz_read(fd, NULL);
		break;
	case 1:
		fuzz_write(fd, data + 1, size - 1, wrote);
		if (fuzz_read(fd, got) != REPLAY_INTACT)
			abort();	/* what the writer wrote verifies */
		for (i = 0; i < FUZZ_TYPES; i++)
			if (i != REC_END && wrote[i] != got[i])
				abort();	/* and gives back every byte */
		break;
	case 2:
		if (size < 4)
			break;
		fuzz_write(fd, data + 3, size - 3, wrote);
		end = lseek(fd, 0, SEEK_END);
		pos = (off_t)((data[1] * 65599u + data[2] * 131u) %
		    (uint64_t)end);
		if (pread(fd, &c, 1, pos) != 1)
			abort();
		c ^= (unsigned char)(data[2] | 1);	/* changed, surely */
		if (pwrite(fd, &c, 1, pos) != 1)
			abort();
		if (fuzz_read(fd, NULL) == REPLAY_INTACT)
			abort();	/* any change is seen */
		break;
	}
	close(fd);
	return 0;
}
