/* fuzz-screen.c: libFuzzer harness: the terminal screen (libvterm) fed with what a target writes, and the keyframes made from it. */

/*
 * Input: two bytes of size, then output, with 0xff 0xfe marking a resize
 * (the next two bytes the size) and 0xff 0xfd a keyframe. A keyframe must
 * feed cleanly into a fresh screen of the same size, and redraw it to the
 * same keyframe.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_keyframe(struct rec_screen *s, int cols, int rows)
{
	struct buf *a = buf_new(4 * 1024 * 1024), *b;
	struct rec_screen *t;

	if (rec_screen_keyframe(s, a) != JG_OK) {
		buf_free(a);
		return;
	}
	if ((t = rec_screen_new(cols, rows)) == NULL)
		abort();
	rec_screen_feed(t, buf_ptr(a), buf_len(a));
	b = buf_new(4 * 1024 * 1024);
	if (rec_screen_keyframe(t, b) != JG_OK || buf_len(a) != buf_len(b) ||
	    memcmp(buf_ptr(a), buf_ptr(b), buf_len(a)) != 0)
		abort();	/* a keyframe redraws its own screen */
	rec_screen_free(t);
	buf_free(a);
	buf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_screen *s;
	int cols, rows;
	size_t i, start;

	if (size < 2)
		return 0;
	cols = 1 + data[0] % 250;
	rows = 1 + data[1] % 80;
	if ((s = rec_screen_new(cols, rows)) == NULL)
		return 0;
	for (i = start = 2; i + 1 < size; i++) {
		if (data[i] != 0xff || (data[i + 1] != 0xfe &&
		    data[i + 1] != 0xfd))
			continue;
		rec_screen_feed(s, data + start, i - start);
		if (data[i + 1] == 0xfd) {
			fuzz_keyframe(s, cols, rows);
			start = i + 2;
		} else if (i + 3 < size) {
			cols = 1 + data[i + 2] % 250;
			rows = 1 + data[i + 3] % 80;
			rec_screen_resize(s, cols, rows);
			start = i + 4;
		} else
			start = size;
		i = start - 1;
	}
	if (start < size)
		rec_screen_feed(s, data + start, size - start);
	fuzz_keyframe(s, cols, rows);
	rec_screen_free(s);
	return 0;
}
