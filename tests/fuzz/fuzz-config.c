/* fuzz-config.c: libFuzzer harness: the configuration file (common/config.c). */

#include <stdint.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[JG_ERRLEN];

	err[0] = '\0';
	if (config_parse(&c, (const char *)data, size, "fuzz.conf", err,
	    sizeof(err)) != JG_OK && err[0] == '\0')
		__builtin_trap();	/* every refusal says why */
	return 0;
}
