/* fuzz-msg.c: libFuzzer harness: the frames every process reads from its sockets (common/msg.c). */

/*
 * The input is what a peer writes on a socket pair: msg_read and msg_get
 * take it frame by frame until it ends or is refused. A frame taken must
 * fit in the caller's buffer (MSG_MAX).
 */

#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "jumpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgconn *c;
	struct buf *out;
	uint32_t type;
	int sv[2], r, fd, rounds;

	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 0;
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size)
		abort();	/* fits the socket buffer */
	close(sv[0]);
	c = msg_new(sv[1]);
	out = buf_new(MSG_MAX);
	for (rounds = 0; rounds < 64; rounds++) {
		r = msg_read(c);
		while (r != 0 && (r > 0 || r == JG_EBUSY) &&
		    msg_get(c, &type, out, &fd) == 1) {
			if (buf_len(out) > MSG_MAX)
				abort();
			if (fd != -1)
				close(fd);
			buf_reset(out);
		}
		if (r == 0 || (r < 0 && r != JG_EBUSY))
			break;
	}
	buf_free(out);
	msg_free(c);	/* closes sv[1] */
	return 0;
}
