/* fuzz-witness.c: libFuzzer harness: a line of the audit witness (AuditLogFile) that audit verify --witness reads. */

#include <stdint.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_audit a;

	if (witness_parse((const char *)data, size, &a) == JG_OK &&
	    a.detail != NULL)
		__builtin_trap();	/* the detail is checked by its hash */
	return 0;
}
