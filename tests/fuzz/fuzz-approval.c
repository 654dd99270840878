/* fuzz-approval.c: libFuzzer harness: the approval requirement read back from the store (common/approval.c). */

/*
 * Input: a byte for the approvals column, then the spec as stored in
 * rules.approval_role and requests.approval_role. A spec that parses
 * formats back to itself and parses to the same needs; approval_has_role
 * agrees with what was parsed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct approval_need v[APPROVAL_ROLES_MAX], w[APPROVAL_ROLES_MAX];
	char spec[256], out[JG_NAME_MAX + 1];
	size_t n, m, i;
	int total, t2;

	if (size < 1 || size - 1 >= sizeof(spec))
		return 0;
	total = data[0] % 16;
	memcpy(spec, data + 1, size - 1);
	spec[size - 1] = '\0';
	if (approval_parse(spec, total, v, &n) != JG_OK)
		return 0;
	if (n < 1 || n > APPROVAL_ROLES_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (!name_valid(v[i].role) || v[i].count < 1 ||
		    v[i].count > 10 || !approval_has_role(spec, total,
		    v[i].role))
			abort();
	if (approval_format(v, n, out, sizeof(out), &t2) != JG_OK ||
	    approval_parse(out, t2, w, &m) != JG_OK || m != n)
		abort();
	for (i = 0; i < n; i++)
		if (strcmp(v[i].role, w[i].role) != 0 || v[i].count !=
		    w[i].count)
			abort();
	return 0;
}
