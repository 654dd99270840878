/* recbench.c: bench helper: the CPU the recording writer and the full check cost per GiB, on a given directory's file system. */

/*
 *   recbench DIR MIB
 *
 * Writes MIB MiB of output, in the 32 KiB pieces a bulk download brings,
 * through the real writer (recorder/writer.c) into a file in DIR (the
 * gateway's RecordingDirectory, so the kernel's write path is the same),
 * then checks it whole as `jumpgate verify` does (replay/), and prints
 *   write_cpu_s_per_gib X verify_cpu_s_per_gib Y
 * (user + system CPU of this process; the check uses two threads on a
 * large file, and both count). The file is removed. scripts/bench sets the
 * writer's figure beside the worker's CPU per GiB: the recording's share
 * of a download, measured rather than guessed from a profile (the
 * recording's cipher is in libcrypto, as the two SSH legs' are). Only for
 * the bench and t-bench-tools: never installed.
 */

#include <sys/resource.h>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"
#include "replay.h"

#define RECBENCH_PIECE 32768

static double
recbench_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
recbench_die(const char *what)
{
	fprintf(stderr, "recbench: %s\n", what);
	exit(1);
}

int
main(int argc, char **argv)
{
	unsigned char key[REC_KEYBYTES];
	static unsigned char piece[RECBENCH_PIECE];
	struct rec_writer *w;
	struct rec_header h;
	struct rec_summary s;
	struct replay *rp;
	struct replay_check chk;
	char path[PATH_MAX];
	double t0, wcpu, vcpu, gib;
	long mib;
	uint64_t i, n;
	int fd;

	if (argc != 3 || (mib = strtol(argv[2], NULL, 10)) <= 0 ||
	    mib > 65536)
		recbench_die("usage: recbench DIR MIB (1 to 65536)");
	if (sodium_init() < 0)
		recbench_die("libsodium failed to start");
	log_init("recbench", 1, LOG_LVL_ERROR);
	if ((size_t)snprintf(path, sizeof(path), "%s/recbench.%ld.jgrec",
	    argv[1], (long)getpid()) >= sizeof(path))
		recbench_die("directory name too long");
	randombytes_buf(key, sizeof(key));
	randombytes_buf(piece, sizeof(piece));	/* not compressible, not zero */
	memset(&h, 0, sizeof(h));
	h.session_id = 1;
	snprintf(h.kind, sizeof(h.kind), "exec");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		recbench_die("cannot create the file");
	n = (uint64_t)mib * (1024 * 1024 / RECBENCH_PIECE);
	t0 = recbench_cpu();
	if (rec_writer_open(fd, key, &h, &w) != JG_OK)
		recbench_die("cannot start the recording");
	for (i = 0; i < n; i++)
		if (rec_writer_event(w, i / 64, REC_OUT, piece,
		    sizeof(piece)) != JG_OK ||
		    (i % 256 == 0 && rec_writer_flush(w) != JG_OK))
			recbench_die("cannot write the recording");
	memset(&s, 0, sizeof(s));
	s.duration_ms = n / 64;
	s.bytes_out = n * RECBENCH_PIECE;
	if (rec_writer_close(w, &s) != JG_OK)
		recbench_die("cannot end the recording");
	rec_writer_free(w);		/* closes fd */
	wcpu = recbench_cpu() - t0;

	if ((fd = open(path, O_RDONLY)) == -1)
		recbench_die("cannot open the file again");
	t0 = recbench_cpu();
	if (replay_open(fd, key, 1, REPLAY_VERIFY, &rp, &chk) != JG_OK ||
	    chk.status != REPLAY_INTACT)
		recbench_die("the recording does not verify intact");
	vcpu = recbench_cpu() - t0;
	replay_close(rp);
	close(fd);
	unlink(path);
	sodium_memzero(key, sizeof(key));
	gib = (double)mib / 1024;
	printf("write_cpu_s_per_gib %.3f verify_cpu_s_per_gib %.3f\n",
	    wcpu / gib, vcpu / gib);
	return 0;
}
