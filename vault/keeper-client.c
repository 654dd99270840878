/* keeper-client.c: the worker's side of its registration socket with the vault keeper: the password, recording keys, with a deadline. */

/*
 * Short blocking round trips: only this connection waits on them, and
 * the keeper answers at once (it holds the key, it does not look anything
 * up). The frames are made and read by common/proto-agent.c; a password
 * is read straight into locked memory (sodium_malloc) and checked there,
 * never copied through an ordinary buffer.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <sodium.h>

#include "jumpgate.h"
#include "proto.h"

/* Send or receive exactly len bytes before the deadline. */
static int
agent_io_full(int fd, unsigned char *p, size_t len, int sending, uint64_t end)
{
	struct pollfd pfd;
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		if (sending)
			n = send(fd, p + off, len - off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			n = recv(fd, p + off, len - off, MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return JG_ENOENT;	/* the keeper is gone */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return JG_ERR;
		pfd.fd = fd;
		pfd.events = sending ? POLLOUT : POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, clock_left_ms(end));
		if (r == 0)
			return JG_EBUSY;
		if (r == -1 && errno != EINTR)
			return JG_ERR;
	}
	return JG_OK;
}

static int
agent_io_error(int rc, char *err, size_t errlen)
{
	errf(err, errlen, "%s", rc == JG_EBUSY ? "the vault keeper did not "
	    "answer in time" : rc == JG_ENOENT ? "the vault keeper closed the "
	    "connection" : "cannot talk to the vault keeper");
	return rc;
}

static int
agent_malformed(char *err, size_t errlen)
{
	errf(err, errlen, "the vault keeper sent a malformed answer");
	return JG_ECORRUPT;
}

/* Send one whole request frame. */
static int
agent_request(int fd, uint8_t type, const void *msg, size_t size,
    uint64_t end, char *err, size_t errlen)
{
	struct buf *req = buf_new(64);
	int rc;

	rc = agent_frame(req, type, msg, size);
	if (rc == JG_OK)
		rc = agent_io_full(fd, (unsigned char *)buf_ptr(req),
		    buf_len(req), 1, end);
	buf_free(req);
	if (rc != JG_OK)
		return agent_io_error(rc, err, errlen);
	return JG_OK;
}

/* An answer's length, at most max. */
static int
agent_answer_len(int fd, uint32_t max, uint32_t *flen, uint64_t end,
    char *err, size_t errlen)
{
	unsigned char hdr[4];
	int rc;

	if ((rc = agent_io_full(fd, hdr, sizeof(hdr), 0, end)) != JG_OK)
		return agent_io_error(rc, err, errlen);
	if (agent_frame_len(hdr, max, flen) != JG_OK)
		return agent_malformed(err, errlen);
	return JG_OK;
}

/*
 * Ask the keeper for this connection's password on the registration
 * socket fd. *pw is locked memory, NUL-terminated; the caller wipes it
 * with vault_secret_free(*pw, *len) right after use. The frame is read
 * into locked memory and decoded there: u8 JG_PASSWORD, string password.
 */
int
agent_password_fetch(int fd, int timeout_ms, char **pw, size_t *len,
    char *err, size_t errlen)
{
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;
	const unsigned char *p;
	unsigned char *body = NULL;
	uint32_t flen;
	size_t pwlen;
	char *out;
	int rc;

	*pw = NULL;
	*len = 0;
	if ((rc = agent_request(fd, AGENT_JG_PASSWORD_REQUEST, NULL, 0, end,
	    err, errlen)) != JG_OK ||
	    (rc = agent_answer_len(fd, 5 + AGENT_PASSWORD_MAX, &flen, end, err,
	    errlen)) != JG_OK)
		return rc;
	if ((body = vault_secret_alloc(flen)) == NULL) {
		errf(err, errlen, "out of locked memory");
		return JG_ENOMEM;
	}
	if ((rc = agent_io_full(fd, body, flen, 0, end)) != JG_OK) {
		agent_io_error(rc, err, errlen);
		goto out;
	}
	if ((rc = agent_password_parse(body, flen, &p, &pwlen)) == JG_EAUTH) {
		errf(err, errlen, "the vault keeper refused the password "
		    "(already given, or not a password credential)");
		goto out;
	}
	if (rc != JG_OK) {
		rc = agent_malformed(err, errlen);
		goto out;
	}
	if ((out = vault_secret_alloc(pwlen)) == NULL) {
		errf(err, errlen, "out of locked memory");
		rc = JG_ENOMEM;
		goto out;
	}
	memcpy(out, p, pwlen);
	out[pwlen] = '\0';
	*pw = out;
	*len = pwlen;
	rc = JG_OK;
out:
	vault_secret_free(body, flen);
	return rc;
}

/* Read one JG_RECKEY answer into key (the caller's locked memory). */
static int
agent_reckey_answer(int fd, uint64_t end, unsigned char key[REC_KEYBYTES],
    char *err, size_t errlen)
{
	unsigned char body[1 + 4 + REC_KEYBYTES];
	struct a_reckey a;
	struct buf *b;
	uint32_t flen;
	int rc;

	if ((rc = agent_answer_len(fd, sizeof(body), &flen, end, err,
	    errlen)) != JG_OK)
		return rc;
	if ((rc = agent_io_full(fd, body, flen, 0, end)) != JG_OK)
		return agent_io_error(rc, err, errlen);
	if (body[0] != AGENT_JG_RECKEY) {
		sodium_memzero(body, sizeof(body));
		errf(err, errlen, "the vault keeper refused the recording key");
		return JG_EAUTH;
	}
	b = buf_new(sizeof(body));
	rc = buf_put(b, body + 1, flen - 1);
	sodium_memzero(body, sizeof(body));
	if (rc == JG_OK)
		rc = agent_dec(AGENT_JG_RECKEY, b, &a, sizeof(a));
	buf_free(b);
	if (rc != JG_OK)
		return agent_malformed(err, errlen);
	memcpy(key, a.key, REC_KEYBYTES);
	sodium_memzero(&a, sizeof(a));
	return JG_OK;
}

/* A new recording key for one of the worker's sessions. */
int
agent_reckey_fetch(int fd, uint64_t session_id, int timeout_ms,
    unsigned char key[REC_KEYBYTES], char *err, size_t errlen)
{
	uint64_t end = clock_ms() + (uint64_t)timeout_ms;
	struct a_reckey_request rq = { session_id };
	int rc;

	if ((rc = agent_request(fd, AGENT_JG_RECKEY_REQUEST, &rq, sizeof(rq),
	    end, err, errlen)) != JG_OK)
		return rc;
	return agent_reckey_answer(fd, end, key, err, errlen);
}

/* An auditor's worker: the key of the recording it was handed to replay. */
int
agent_reckey_read(int fd, int timeout_ms, unsigned char key[REC_KEYBYTES],
    char *err, size_t errlen)
{
	return agent_reckey_answer(fd, clock_ms() + (uint64_t)timeout_ms, key,
	    err, errlen);
}
