/* fuzz-sshkey.c: libFuzzer harness: OpenSSH public key lines (users' keys, targets' pinned host keys). */

#include <stdint.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[SSHKEY_LINE_MAX + 16], err[JG_ERRLEN];
	struct sshkey_pub k;

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	err[0] = '\0';
	if (sshkey_parse_line(line, &k, err, sizeof(err)) != JG_OK) {
		if (err[0] == '\0')
			__builtin_trap();	/* every refusal says why */
		return 0;
	}
	sshkey_pub_clear(&k);
	return 0;
}
