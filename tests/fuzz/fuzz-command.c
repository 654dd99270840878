/* fuzz-command.c: libFuzzer harness: command mode's words and options (ssh USER@gw request db01 --reason ...). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fuzz_request[] = { "reason", "duration", NULL };
static const char *const fuzz_approve[] = { "comment", NULL };
static const char *const fuzz_deny[] = { "reason", NULL };
static const char *const fuzz_requests[] = { "watch", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const *const sets[] = { fuzz_request,
	    fuzz_approve, fuzz_deny, fuzz_requests };
	char line[70000], *argv[32], vals[2][STORE_REASON_MAX + 2], bad[48];
	int argc, pos[4], k, i;
	long secs;

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	argc = command_words(line, argv, 32);
	if (argc < 0 || argc > 32)
		abort();
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '\0' || strchr(argv[i], ' ') != NULL)
			abort();	/* words are non-empty, space-free */
	if (argc == 0)
		return 0;
	for (k = 0; k < 4; k++) {
		if (command_opts(argc, argv, 1, sets[k], vals, pos, bad,
		    sizeof(bad)) != JG_OK)
			continue;
		for (i = 0; sets[k][i] != NULL; i++) {
			if (strlen(vals[i]) > STORE_REASON_MAX + 1)
				abort();
			(void)duration_parse(vals[i], &secs);
		}
	}
	return 0;
}
