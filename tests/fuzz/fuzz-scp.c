/* fuzz-scp.c: libFuzzer harness: the scp legacy-protocol follower (recorder/scp.c) fed a source's stream cut anywhere, and the scp and rsync server commands (recorder/xfer-cmd.c). */

/*
 * Input: a byte of flags (bit 0 upload, bit 1 into a directory, bit 2
 * end the stream, bit 3 the rest is an exec command instead), a byte of
 * chunk size, then the stream. Every event is an upload or download
 * with a path within JG_FILE_PATH_MAX and no path2; a stream that failed
 * stays failed. A command: what the parsers return fits in the command
 * (no byte of theirs that the command did not have), an scp path comes
 * with a way, rsync's paths hold no option.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_emit(void *arg, const struct rec_sftp_event *e)
{
	(void)arg;
	if ((e->kind != SFTP_EV_UPLOAD && e->kind != SFTP_EV_DOWNLOAD) ||
	    e->path == NULL || e->path2 == NULL || e->path2[0] != '\0' ||
	    strnlen(e->path, JG_FILE_PATH_MAX + 1) > JG_FILE_PATH_MAX ||
	    (e->ok != 0 && e->ok != 1) || e->whole != e->ok)
		abort();
}

static void
fuzz_commands(const uint8_t *data, size_t size)
{
	char *cmd = calloc(1, size + 1), *path, *w, *save = NULL;
	int upload, into, way;

	if (cmd == NULL)
		return;
	memcpy(cmd, data, size);	/* up to a NUL, as a request's string */
	if (rec_scp_command(cmd, &upload, &into, &path) == JG_OK) {
		if ((upload != 0 && upload != 1) || (into != 0 && into != 1) ||
		    path == NULL || strlen(path) > strlen(cmd) ||
		    (path[0] != '\0' && strstr(cmd, path) == NULL))
			abort();
		free(path);
	} else if (path != NULL)
		abort();
	way = rec_rsync_command(cmd, &path);
	if ((way != 1 && way != 2) || path == NULL ||
	    strlen(path) > strlen(cmd))
		abort();
	for (w = strtok_r(path, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		if (w[0] == '-' || strstr(cmd, w) == NULL)
			abort();
	free(path);
	free(cmd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_scp *s;
	size_t i, k, step;
	int failed = 0, rc;

	if (size < 2)
		return 0;
	if (data[0] & 8) {
		fuzz_commands(data + 2, size - 2);
		return 0;
	}
	step = 1 + data[1];
	s = rec_scp_new(data[0] & 1, "/srv/dest/", (data[0] >> 1) & 1,
	    fuzz_emit, NULL);
	for (i = 2; i < size; i += k) {
		k = size - i < step ? size - i : step;
		rc = rec_scp_source(s, data + i, k);
		if (failed && rc != JG_ECORRUPT)
			abort();	/* failed for good */
		if (rc != JG_OK)
			failed = 1;
	}
	if (data[0] & 4)
		rec_scp_end(s);
	rec_scp_free(s);
	return 0;
}
