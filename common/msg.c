/* msg.c: framed messages between jumpgated's processes over socket pairs, with descriptor passing. */

/*
 * A frame is: u32 length of what follows, u32 type, u32 flags, payload.
 * Flag MSG_F_FD says one descriptor travels with the frame (SCM_RIGHTS on
 * the frame's first byte); received descriptors are queued and matched to
 * flagged frames in order. Frames above MSG_MAX are a protocol error: the
 * peer is dropped, never trusted to size our memory. Sending is queued so
 * the master's loop never blocks on a slow peer; workers and the keeper
 * may also use the blocking helpers with a deadline.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jumpgate.h"

#define MSG_HDR 12
#define MSG_F_FD 0x1
#define MSG_MAX_FDS 16

struct msg_out {
	struct msg_out *next;
	unsigned char *data;
	size_t len;
	size_t off;
	int fd;			/* passed with the first byte, then closed */
};

struct msgconn {
	int fd;
	struct buf *in;
	int fds[MSG_MAX_FDS];	/* received, not yet claimed by a frame */
	size_t nfds;
	struct msg_out *head, *tail;
};

struct msgconn *
msg_new(int fd)
{
	struct msgconn *m = xcalloc(1, sizeof(*m));

	m->fd = fd;
	m->in = buf_new(MSG_MAX + MSG_HDR + 65536);
	return m;
}

int
msg_fd(const struct msgconn *m)
{
	return m->fd;
}

void
msg_free(struct msgconn *m)
{
	struct msg_out *o;
	size_t i;

	if (m == NULL)
		return;
	while ((o = m->head) != NULL) {
		m->head = o->next;
		if (o->fd != -1)
			close(o->fd);
		freezero(o->data, o->len);
		free(o);
	}
	for (i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	buf_free(m->in);
	if (m->fd != -1)
		close(m->fd);
	free(m);
}

int
msg_pending(const struct msgconn *m)
{
	return m->head != NULL;
}

/* Bytes read and not yet taken as frames: a read event will not say so. */
int
msg_buffered(const struct msgconn *m)
{
	return buf_len(m->in) > 0;
}

/* Queue a frame; passfd (or -1) is owned by the queue from here on. */
int
msg_queue(struct msgconn *m, uint32_t type, const void *payload, size_t len,
    int passfd)
{
	struct msg_out *o;
	uint32_t h[3];
	size_t i;

	if (len > MSG_MAX) {
		if (passfd != -1)
			close(passfd);
		return JG_EINVAL;
	}
	o = xcalloc(1, sizeof(*o));
	o->len = MSG_HDR + len;
	o->data = xcalloc(1, o->len);
	h[0] = (uint32_t)(8 + len);
	h[1] = type;
	h[2] = passfd != -1 ? MSG_F_FD : 0;
	for (i = 0; i < 3; i++) {
		o->data[i * 4] = (unsigned char)(h[i] >> 24);
		o->data[i * 4 + 1] = (unsigned char)(h[i] >> 16);
		o->data[i * 4 + 2] = (unsigned char)(h[i] >> 8);
		o->data[i * 4 + 3] = (unsigned char)h[i];
	}
	if (len > 0)
		memcpy(o->data + MSG_HDR, payload, len);
	o->fd = passfd;
	if (m->tail != NULL)
		m->tail->next = o;
	else
		m->head = o;
	m->tail = o;
	return JG_OK;
}

int
msg_queue_buf(struct msgconn *m, uint32_t type, const struct buf *b,
    int passfd)
{
	return msg_queue(m, type, b == NULL ? NULL : buf_ptr(b),
	    b == NULL ? 0 : buf_len(b), passfd);
}

/* Write what the socket takes: 0 all sent, 1 more pending, <0 error. */
int
msg_flush(struct msgconn *m)
{
	struct msg_out *o;
	struct msghdr mh;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr *c;
	ssize_t n;

	while ((o = m->head) != NULL) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = o->data + o->off;
		iov.iov_len = o->len - o->off;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (o->off == 0 && o->fd != -1) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof(cm.buf);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &o->fd, sizeof(int));
		}
		n = sendmsg(m->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return JG_ERR;
		}
		if (o->off == 0 && o->fd != -1) {
			close(o->fd);
			o->fd = -1;
		}
		o->off += (size_t)n;
		if (o->off == o->len) {
			m->head = o->next;
			if (m->head == NULL)
				m->tail = NULL;
			freezero(o->data, o->len);
			free(o);
		}
	}
	return 0;
}

/* Read what is there: >0 bytes read, 0 end of file, <0 error; EAGAIN gives JG_EBUSY. */
int
msg_read(struct msgconn *m)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} cm;
	struct cmsghdr *c;
	struct msghdr mh;
	struct iovec iov;
	unsigned char *p;
	size_t i, nfd;
	ssize_t n;
	int fd;

	if (buf_reserve(m->in, 65536, &p) != JG_OK)
		return JG_EINVAL;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = p;
	iov.iov_len = 65536;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(m->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	buf_unreserve(m->in, 65536 - (n > 0 ? (size_t)n : 0));
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? JG_EBUSY :
		    JG_ERR;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (m->nfds < MSG_MAX_FDS)
				m->fds[m->nfds++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		return JG_EINVAL;
	return (int)n;
}

/*
 * Take one whole frame: 1 one taken (payload in *out, which is reset
 * first; *fd the passed descriptor or -1), 0 none complete yet, <0 a
 * protocol error.
 */
int
msg_get(struct msgconn *m, uint32_t *type, struct buf *out, int *fd)
{
	const unsigned char *p = buf_ptr(m->in);
	uint32_t len, flags;

	*fd = -1;
	if (buf_len(m->in) < MSG_HDR)
		return 0;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (len < 8 || len > MSG_MAX + 8)
		return JG_EINVAL;
	if (buf_len(m->in) < 4 + (size_t)len)
		return 0;
	*type = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7];
	flags = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | p[11];
	if (flags & MSG_F_FD) {
		if (m->nfds == 0)
			return JG_EINVAL;
		*fd = m->fds[0];
		memmove(m->fds, m->fds + 1, (m->nfds - 1) * sizeof(int));
		m->nfds--;
	}
	buf_reset(out);
	if (buf_put(out, p + MSG_HDR, len - 8) != JG_OK) {
		if (*fd != -1)
			close(*fd);
		return JG_EINVAL;
	}
	buf_consume(m->in, 4 + (size_t)len);
	return 1;
}

/* Blocking send with a deadline, for processes with one peer to wait on. */
int
msg_flush_wait(struct msgconn *m, int timeout_ms)
{
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd;
	int r;

	while ((r = msg_flush(m)) == 1) {
		pfd.fd = m->fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, clock_left_ms(end));
		if (r == 0)
			return JG_EBUSY;
		if (r == -1 && errno != EINTR)
			return JG_ERR;
	}
	return r;
}

/* Blocking receive of the next frame with a deadline. */
int
msg_get_wait(struct msgconn *m, uint32_t *type, struct buf *out, int *fd,
    int timeout_ms)
{
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd;
	int r;

	for (;;) {
		if ((r = msg_get(m, type, out, fd)) != 0)
			return r;
		pfd.fd = m->fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, clock_left_ms(end));
		if (r == 0)
			return JG_EBUSY;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return JG_ERR;
		}
		r = msg_read(m);
		if (r == 0)
			return JG_ENOENT;	/* peer gone */
		if (r < 0 && r != JG_EBUSY)
			return r;
	}
}
