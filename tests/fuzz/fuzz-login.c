/* fuzz-login.c: libFuzzer harness: the SSH login name USER[@TARGET] every worker parses before anything else. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char login[512], user[JG_NAME_MAX + 1], target[JG_NAME_MAX + 1];
	char again[2 * JG_NAME_MAX + 2];

	if (size >= sizeof(login))
		return 0;
	memcpy(login, data, size);
	login[size] = '\0';
	if (login_parse(login, user, target) != JG_OK)
		return 0;
	/* What is taken is two valid names that make the login again. */
	if (!name_valid(user) || (target[0] != '\0' && !name_valid(target)))
		abort();
	snprintf(again, sizeof(again), "%s%s%s", user, target[0] ? "@" : "",
	    target);
	if (strcmp(again, login) != 0)
		abort();
	return 0;
}
