/* fuzz-echo.c: libFuzzer harness: RecordInput echoed (recorder/echo.c) fed with keystrokes and target output in any order. */

/*
 * Input: a list of operations, each a byte (0 keys, 1 output, 2 time
 * passes, 3 the end) and for 0 and 1 a length byte and that many bytes.
 * Every key must leave exactly once, as input or masked, and input must
 * come out in the order it was typed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_seen {
	unsigned char typed[70000];
	size_t ntyped;
	size_t next;		/* typed bytes matched so far */
	size_t nin;		/* bytes emitted as input */
	uint64_t masked;
};

static int
fuzz_emit(void *arg, int type, const void *data, size_t len)
{
	struct fuzz_seen *f = arg;
	const unsigned char *p = data;

	if (type == REC_IN) {
		if (len == 0)
			abort();
		f->nin += len;
		/* input comes out in the order it was typed */
		for (size_t i = 0; i < len; i++) {
			while (f->next < f->ntyped && f->typed[f->next] != p[i])
				f->next++;
			if (f->next == f->ntyped)
				abort();
			f->next++;
		}
	} else if (type == REC_MASKED) {
		if (len != 4)
			abort();
		f->masked += ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		    ((uint32_t)p[2] << 8) | p[3];
	} else
		abort();
	return JG_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_seen f;
	struct rec_echo *e;
	uint64_t t = 0;
	size_t i = 0, n;

	if (size > sizeof(f.typed))
		return 0;
	memset(&f, 0, sizeof(f));
	e = rec_echo_new(fuzz_emit, &f);
	while (i < size) {
		uint8_t op = data[i++] % 4;

		if (op == 3)
			break;
		if (op == 2) {
			t += 500;
			rec_echo_expire(e, t);
			continue;
		}
		if (i >= size)
			break;
		n = data[i++];
		if (n > size - i)
			n = size - i;
		if (op == 0) {
			memcpy(f.typed + f.ntyped, data + i, n);
			f.ntyped += n;
			rec_echo_input(e, t, data + i, n);
		} else
			rec_echo_output(e, data + i, n);
		i += n;
	}
	rec_echo_end(e);
	if (f.nin + f.masked != f.ntyped)
		abort();	/* every key leaves once */
	rec_echo_free(e);
	return 0;
}
