/* master-ctl.c: the control socket: root's tool talks to the running daemon (vault status, unseal, live sessions, kill, watch). */

/*
 * StateDirectory/control.sock, mode 0600, and a peer must be root or the
 * daemon's own uid (SO_PEERCRED). Requests are framed messages decoded by
 * common/proto-ctl.c in one place, master_ctl_io, against a table that
 * says in which states of the connection each may come (one watch at a
 * time); an unknown, misplaced or malformed one gets C_ERROR and the
 * connection is closed. An unseal passphrase goes on to the keeper at
 * once and is wiped from our buffers; the tool gets its answer when the
 * keeper has tried it.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

static void
master_ctl_close(struct ctl *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->ev = c->wev = NULL;
	msg_free(c->conn);	/* closes, wipes what it held */
	c->conn = NULL;
	c->waiting_unseal = 0;
	c->watching = 0;
}

void
master_ctl_close_all(struct master *m)
{
	size_t i;

	for (i = 0; i < MASTER_CTL_MAX; i++)
		if (m->ctls[i].conn != NULL)
			master_ctl_close(&m->ctls[i]);
}

/* Send what the socket takes now, the rest when it is writable. */
static void
master_ctl_sent(struct ctl *c, int queued)
{
	int r;

	if (queued != JG_OK || (r = msg_flush(c->conn)) < 0) {
		master_ctl_close(c);
		return;
	}
	if (r == 1)
		event_add(c->wev, NULL);
}

static void
master_ctl_write(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	master_ctl_sent(arg, JG_OK);
}

static void
master_ctl_state(struct ctl *c, const void *msg)
{
	struct c_state st;

	(void)msg;
	st.unsealed = c->m->unsealed ? 1 : 0;
	snprintf(st.message, sizeof(st.message), "%s", c->m->keeper_status);
	master_ctl_sent(c, c_state_send(c->conn, &st, -1));
}

/* The last word to a peer that broke the protocol: sent if it fits, then closed. */
static void
master_ctl_error(struct ctl *c, const char *why)
{
	struct c_error e;

	snprintf(e.message, sizeof(e.message), "%s", why);
	if (c_error_send(c->conn, &e, -1) == JG_OK)
		(void)msg_flush(c->conn);
	master_ctl_close(c);
}

/* The keeper answered an unseal: tell the tools that wait for it. */
void
master_ctl_unsealed(struct master *m)
{
	size_t i;

	for (i = 0; i < MASTER_CTL_MAX; i++)
		if (m->ctls[i].conn != NULL && m->ctls[i].waiting_unseal) {
			m->ctls[i].waiting_unseal = 0;
			master_ctl_state(&m->ctls[i], NULL);
		}
}

static void
master_ctl_sessions(struct ctl *c, const void *msg)
{
	struct c_session cs;
	struct peer *p;
	size_t i;

	(void)msg;
	for (p = c->m->peers; p != NULL && c->conn != NULL; p = p->next)
		for (i = 0; i < p->nsessions && c->conn != NULL; i++) {
			if (p->sessions[i] <= 0)
				continue;
			memset(&cs, 0, sizeof(cs));
			cs.id = (uint64_t)p->sessions[i];
			snprintf(cs.user, sizeof(cs.user), "%s", p->user);
			snprintf(cs.target, sizeof(cs.target), "%s", p->target);
			snprintf(cs.source, sizeof(cs.source), "%s", p->source);
			cs.pid = (uint32_t)p->pid;
			master_ctl_sent(c, c_session_send(c->conn, &cs, -1));
		}
	if (c->conn != NULL)
		master_ctl_sent(c, proto_send(&proto_ctl, c->conn, MSG_C_END,
		    NULL, 0, -1));
}

static void
master_ctl_unseal(struct ctl *c, const void *msg)
{
	const struct c_unseal *cu = msg;
	struct k_unseal ku;

	if (cu->passphrase.len == 0) {
		master_ctl_error(c, "bad unseal request");
		return;
	}
	if (master_audit(c->m, "root", "vault.unseal", "control socket") !=
	    JG_OK) {
		master_ctl_error(c, MASTER_AUDIT_DOWN ": unseal refused");
		return;
	}
	ku.passphrase = cu->passphrase;
	master_keeper_sent(c->m, k_unseal_send(c->m->keeper, &ku, -1));
	c->waiting_unseal = 1;
}

/* kill ID | kill --user U from the host: audited with the tool's user. */
static void
master_ctl_kill(struct ctl *c, const void *msg)
{
	const struct c_kill *ck = msg;
	struct c_killed ok;
	char err[256], actor[JG_NAME_MAX + 1];
	int n;

	if (ck->id == 0 && !name_valid(ck->user)) {
		master_ctl_error(c, "bad kill request");
		return;
	}
	snprintf(actor, sizeof(actor), "%s", name_valid(ck->actor) ?
	    ck->actor : "root");
	if (master_kill(c->m, ck->id, ck->id == 0 ? ck->user : NULL, actor, 1,
	    ck->reason, &n, err, sizeof(err)) != JG_OK) {
		master_ctl_error(c, err);
		return;
	}
	ok.count = (uint32_t)n;
	master_ctl_sent(c, c_killed_send(c->conn, &ok, -1));
}

/*
 * watch ID from the host: the live session's recording and a socket with
 * its key from the keeper (the tool decrypts, we never do); C_WATCH_END
 * follows when the session ends. One watch per connection.
 */
static void
master_ctl_watch(struct ctl *c, const void *msg)
{
	const struct c_watch *cw = msg;
	struct c_watching ok;
	char text[256], detail[128], actor[JG_NAME_MAX + 1];
	int fd, kfd, live;

	if (cw->id == 0) {
		master_ctl_error(c, "bad watch request");
		return;
	}
	snprintf(actor, sizeof(actor), "%s", name_valid(cw->actor) ?
	    cw->actor : "root");
	snprintf(detail, sizeof(detail), "session=%llu on the host",
	    (unsigned long long)cw->id);
	if (master_recording_share(c->m, actor, cw->id, 1, "session.watch",
	    detail, &fd, &kfd, &live, text, sizeof(text)) != JG_OK) {
		master_ctl_error(c, text);
		return;
	}
	c->watching = cw->id;
	ok.id = cw->id;
	master_ctl_sent(c, c_watching_send(c->conn, &ok, fd));
	if (c->conn != NULL)
		master_ctl_sent(c, proto_send(&proto_ctl, c->conn,
		    MSG_C_WATCH_KEY, NULL, 0, kfd));
	else
		close(kfd);
}

void
master_ctl_watch_ended(struct master *m, long long id)
{
	struct c_watch_end we = { (uint64_t)id };
	size_t i;

	for (i = 0; i < MASTER_CTL_MAX; i++)
		if (m->ctls[i].conn != NULL &&
		    m->ctls[i].watching == (uint64_t)id) {
			m->ctls[i].watching = 0;
			master_ctl_sent(&m->ctls[i], c_watch_end_send(
			    m->ctls[i].conn, &we, -1));
		}
}

/* Which request may come when; the handlers get it decoded. */
enum { CS_IDLE = 0x1, CS_WATCHING = 0x2 };
#define CS_ANY (CS_IDLE | CS_WATCHING)
static const struct {
	uint32_t type;
	int states;
	void (*fn)(struct ctl *, const void *);
	const char *what;
} master_ctl_handlers[] = {
	{ MSG_C_STATUS, CS_ANY, master_ctl_state, "status" },
	{ MSG_C_SESSIONS, CS_ANY, master_ctl_sessions, "sessions" },
	{ MSG_C_UNSEAL, CS_ANY, master_ctl_unseal, "unseal" },
	{ MSG_C_KILL, CS_ANY, master_ctl_kill, "kill" },
	{ MSG_C_WATCH, CS_IDLE, master_ctl_watch, "watch" },	/* one */
};
#define MASTER_CTL_NHANDLERS \
	(sizeof(master_ctl_handlers) / sizeof(master_ctl_handlers[0]))

static void
master_ctl_dispatch(struct ctl *c, uint32_t type, struct buf *in)
{
	char why[64];
	void *msg;
	size_t i;

	for (i = 0; i < MASTER_CTL_NHANDLERS; i++)
		if (master_ctl_handlers[i].type == type)
			break;
	if (i == MASTER_CTL_NHANDLERS) {
		master_ctl_error(c, "unknown request");
		return;
	}
	snprintf(why, sizeof(why), "bad %s request",
	    master_ctl_handlers[i].what);
	if (!(master_ctl_handlers[i].states & (c->watching != 0 ?
	    CS_WATCHING : CS_IDLE)) ||
	    proto_dec_new(&proto_ctl, type, in, -1, &msg) != JG_OK) {
		master_ctl_error(c, why);
		return;
	}
	master_ctl_handlers[i].fn(c, msg);
	proto_free(&proto_ctl, type, msg);
}

static void
master_ctl_io(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl *c = arg;
	struct buf *in;
	uint32_t type;
	int r, pfd;

	(void)fd;
	(void)ev;
	r = msg_read(c->conn);
	if (r == 0 || (r < 0 && r != JG_EBUSY)) {
		master_ctl_close(c);
		return;
	}
	in = buf_new(MSG_MAX);
	while (c->conn != NULL && (r = msg_get(c->conn, &type, in, &pfd)) ==
	    1) {
		if (pfd != -1) {
			close(pfd);
			master_ctl_error(c, "no descriptors here");
			break;
		}
		master_ctl_dispatch(c, type, in);
		buf_reset(in);		/* wipes a passphrase */
	}
	buf_free(in);
	if (c->conn != NULL && r < 0 && r != JG_EBUSY)
		master_ctl_error(c, "malformed frame");
}

static void
master_ctl_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct master *m = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	size_t i;
	int fd;

	(void)ev;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) ==
	    -1)
		return;
	/* Only root, or the user the daemon runs as, may talk to it. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		close(fd);
		return;
	}
	for (i = 0; i < MASTER_CTL_MAX; i++)
		if (m->ctls[i].conn == NULL)
			break;
	if (i == MASTER_CTL_MAX) {
		close(fd);
		return;
	}
	m->ctls[i].m = m;
	m->ctls[i].conn = msg_new(fd);
	m->ctls[i].ev = event_new(m->base, fd, EV_READ | EV_PERSIST,
	    master_ctl_io, &m->ctls[i]);
	m->ctls[i].wev = event_new(m->base, fd, EV_WRITE, master_ctl_write,
	    &m->ctls[i]);
	event_add(m->ctls[i].ev, NULL);
}

int
master_ctl_listen(struct master *m)
{
	struct sockaddr_un sun;
	int fd;

	if (config_state_path(m->cfg, "control.sock", m->ctl_path,
	    sizeof(m->ctl_path)) != JG_OK ||
	    strlen(m->ctl_path) >= sizeof(sun.sun_path)) {
		log_error("control socket path too long");
		return JG_ERR;
	}
	unlink(m->ctl_path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", m->ctl_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(m->ctl_path, 0600) == -1 || listen(fd, 16) == -1) {
		log_error("control socket %s: %s", m->ctl_path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return JG_ERR;
	}
	m->ctl_fd = fd;
	m->ctl_ev = event_new(m->base, fd, EV_READ | EV_PERSIST,
	    master_ctl_accept, m);
	event_add(m->ctl_ev, NULL);
	return JG_OK;
}
