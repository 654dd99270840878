/* ctl.c: the host tool's side of the control socket: connect to the running daemon, ask, read its answers. */

/*
 * The tool never reads what the daemon owns behind its back (a live
 * recording, the keeper's state): it asks over StateDirectory/control.sock
 * with the framed messages of common/proto-ctl.c and waits for the answer
 * with a deadline.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A connection to the daemon, or NULL with err saying why. */
struct msgconn *
ctl_connect(const struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char path[JG_PATH_MAX];
	int fd;

	if (config_state_path(cfg, "control.sock", path, sizeof(path)) !=
	    JG_OK || strlen(path) >= sizeof(sun.sun_path)) {
		errf(err, errlen, "control socket path too long");
		return NULL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		errf(err, errlen, "cannot reach jumpgated at %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return msg_new(fd);
}

/*
 * Send what is queued (queued: what the typed _send returned), then wait
 * for the next answer: JG_OK with its type in *type and its body in in.
 * A C_ERROR answer is JG_EINVAL with its message in err. An answer that
 * brings a descriptor is malformed here (ctl_call_fd takes one).
 */
int
ctl_call(struct msgconn *c, int queued, int timeout_ms, uint32_t *type,
    struct buf *in, char *err, size_t errlen)
{
	return ctl_call_fd(c, queued, timeout_ms, type, in, NULL, err, errlen);
}

/* ctl_call, and *fd (NULL: none may come) gets the answer's descriptor or -1. */
int
ctl_call_fd(struct msgconn *c, int queued, int timeout_ms, uint32_t *type,
    struct buf *in, int *fdp, char *err, size_t errlen)
{
	struct c_error e;
	int r, fd;

	if (fdp != NULL)
		*fdp = -1;
	if (queued != JG_OK || msg_flush_wait(c, timeout_ms) != 0) {
		errf(err, errlen, "lost the connection to jumpgated");
		return JG_ERR;
	}
	r = msg_get_wait(c, type, in, &fd, timeout_ms);
	if (r != 1) {
		errf(err, errlen, r == JG_EBUSY ? "jumpgated did not answer "
		    "in time" : "lost the connection to jumpgated");
		return JG_ERR;
	}
	if (fd != -1 && (fdp == NULL || *type == MSG_C_ERROR)) {
		close(fd);
		errf(err, errlen, "jumpgated sent a malformed answer");
		return JG_ERR;
	}
	if (fdp != NULL)
		*fdp = fd;
	if (*type == MSG_C_ERROR) {
		if (c_error_dec(in, -1, &e) != JG_OK)
			errf(err, errlen, "jumpgated sent a malformed answer");
		else
			errf(err, errlen, "jumpgated refused: %s", e.message);
		return JG_EINVAL;
	}
	return JG_OK;
}
