/* fuzz-screen.c: libFuzzer harness: the terminal screen (libvterm) fed with what a target writes, the keyframes made from it, and the command lines read off it. */

/*
 * Input: two bytes of size, then output, with 0xff 0xfe marking a resize
 * (the next two bytes the size), 0xff 0xfd a keyframe, 0xff 0xfc a key
 * the user typed (the next byte) and 0xff 0xfb a masked key. Output goes
 * through the command-line reader (recorder/cmdline.c) to the screen. A
 * keyframe must feed cleanly into a fresh screen of the same size, and
 * redraw it to the same keyframe; a command line must be printable and
 * within JG_COMMAND_MAX.
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

static void
fuzz_command(void *arg, uint64_t t_ms, const char *line)
{
	size_t i, n = strlen(line);

	(void)arg;
	(void)t_ms;
	if (n == 0 || n > JG_COMMAND_MAX)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_cmdline *cl;
	struct rec_screen *s;
	int cols, rows;
	size_t i, start;

	if (size < 2)
		return 0;
	cols = 1 + data[0] % 250;
	rows = 1 + data[1] % 80;
	if ((s = rec_screen_new(cols, rows)) == NULL)
		return 0;
	cl = rec_cmdline_new(s, fuzz_command, NULL);
	for (i = start = 2; i + 1 < size; i++) {
		if (data[i] != 0xff || data[i + 1] < 0xfb || data[i + 1] == 0xff)
			continue;
		rec_cmdline_output(cl, data + start, i - start);
		if (data[i + 1] == 0xfc) {
			if (i + 2 < size)
				rec_cmdline_input(cl, i, data + i + 2, 1);
			start = i + 3 < size ? i + 3 : size;
		} else if (data[i + 1] == 0xfb) {
			rec_cmdline_masked(cl);
			start = i + 2;
		} else if (data[i + 1] == 0xfd) {
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
		rec_cmdline_output(cl, data + start, size - start);
	fuzz_keyframe(s, cols, rows);
	rec_cmdline_free(cl);
	rec_screen_free(s);
	return 0;
}
