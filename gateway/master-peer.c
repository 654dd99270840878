/* master-peer.c: the master's side of each worker: its life, the table of what it may ask and when, and the login and access handlers. */

/*
 * OpenSSH's monitor is the model: every worker message is looked up in one
 * table that says in which states of that worker it is allowed and
 * whether it may come more than once, then decoded to its last byte by
 * the codec (common/proto.c), and only then handed to its handler, which
 * never checks any of that by hand. The table shrinks as the connection
 * goes on: before authentication only the login questions, after it
 * nothing of the login again, and sessions only once a target was
 * granted. A message out of place, malformed, or carrying a descriptor
 * ends the worker (SIGKILL): a worker is the side that parsed a stranger's
 * packets, so its word is checked, never trusted.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

#define H_ONCE 0x1		/* at most once per connection */

static void master_peer_io(evutil_socket_t, short, void *);

struct peer *
master_peer_new(struct master *m, pid_t pid, int fd, const char *addr,
    const char *port)
{
	struct peer *p = xcalloc(1, sizeof(*p));

	p->m = m;
	p->pid = pid;
	p->state = PEER_PREAUTH;
	p->conn = msg_new(fd);
	p->conn_id = ++m->conn_seq;
	p->started = clock_sec();
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	snprintf(p->source, sizeof(p->source), "%s port %s", addr, port);
	evutil_make_socket_nonblocking(fd);
	p->rev = event_new(m->base, fd, EV_READ | EV_PERSIST, master_peer_io,
	    p);
	p->wev = event_new(m->base, fd, EV_WRITE, master_peer_io, p);
	event_add(p->rev, NULL);
	p->next = m->peers;
	m->peers = p;
	m->preauth++;
	return p;
}

struct peer *
master_peer_by_pid(struct master *m, pid_t pid)
{
	struct peer *p;

	for (p = m->peers; p != NULL; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

void
master_peer_kill(struct peer *p, const char *why)
{
	if (p->dead)
		return;
	if (p->reaped) {	/* its pid may be another process's now */
		p->dead = 1;
		return;
	}
	log_info("worker %ld (%s%s%s): ending it: %s", (long)p->pid,
	    p->user[0] ? p->user : "pre-auth", p->user[0] ? " from " : " ",
	    p->source, why);
	kill(p->pid, SIGKILL);
	p->dead = 1;
	if (p->rev != NULL)
		event_del(p->rev);
	if (p->wev != NULL)
		event_del(p->wev);
}

/* After a message was queued for p: send what the socket takes. */
void
master_peer_sent(struct peer *p, int queued)
{
	if (queued != JG_OK) {
		master_peer_kill(p, "cannot queue a message");
		return;
	}
	if (msg_flush(p->conn) == 1)
		event_add(p->wev, NULL);
}

/*
 * Tell the worker to end its sessions, and kill it if it is still there a
 * few seconds later. A reason code, so it knows how its sessions ended.
 */
void
master_peer_stop(struct peer *p, uint32_t reason, const char *message)
{
	struct m_shutdown sd;

	if (p->dead)
		return;
	sd.reason = reason;
	snprintf(sd.message, sizeof(sd.message), "%s", message);
	master_peer_sent(p, m_shutdown_send(p->conn, &sd, -1));
	p->stopping = 1;
	if (p->kill_at == 0 && reason != STOP_GATEWAY)
		p->kill_at = clock_sec() + MASTER_KILL_GRACE;
}

/* After the worker is gone: fix its sessions, count its failures, free it. */
static void master_peer_messages(struct master *, struct peer *, int);

void
master_peer_reap(struct master *m, struct peer *p, int status)
{
	struct k_unregister ku;
	struct peer **pp;
	size_t i;
	int k;

	/*
	 * A worker that exited may have left its last messages unread (its
	 * sessions' ends, sent just before it exited): SIGCHLD can come
	 * before the socket's readable event. They count.
	 */
	if (!p->dead && WIFEXITED(status)) {
		p->reaped = 1;
		for (k = 0; k < 64 && msg_read(p->conn) > 0; k++)
			;
		master_peer_messages(m, p, 1024);
	}

	for (i = 0; i < p->nsessions; i++) {
		if (p->sessions[i] <= 0)	/* ended (or never began) */
			continue;
		master_session_end(m, p->sessions[i], "interrupted", -1, 0, 0,
		    "worker died");
		log_info("session %lld end: user=%s target=%s source=%s "
		    "state=interrupted reason=worker died", p->sessions[i],
		    p->user, p->target, p->source);
	}
	if (p->state & PEER_NOT_IN) {
		if (m->preauth > 0)
			m->preauth--;
		/* failed, or never tried: both count against the source
		   (wrong one-time codes were counted each, master-mfa.c) */
		if (p->mfa_fails == 0)
			master_penalty_fail(m, p->addr, p->auth_fails == 0);
	}
	if (p->state == PEER_AUTHORIZED && m->keeper != NULL &&
	    p->keeper_gen == m->keeper_gen) {
		ku.conn = p->conn_id;
		master_keeper_sent(m, k_unregister_send(m->keeper, &ku, -1));
	}
	if (WIFSIGNALED(status) && !p->dead)
		log_error("worker %ld (%s) died of signal %d", (long)p->pid,
		    p->source, WTERMSIG(status));
	else
		log_verbose("worker %ld (%s) exited", (long)p->pid, p->source);
	for (pp = &m->peers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->rev != NULL)
		event_free(p->rev);
	if (p->wev != NULL)
		event_free(p->wev);
	msg_free(p->conn);
	free(p);
}

/* Handlers of worker messages: each gets the decoded message, answers or fails. */

static int
master_w_hello(struct master *m, struct peer *p, const void *msg)
{
	const struct w_hello *rq = msg;

	(void)m;
	return (pid_t)rq->pid == p->pid ? JG_OK : JG_EINVAL;
}

static int
master_w_key_owner(struct master *m, struct peer *p, const void *msg)
{
	const struct w_key_owner *rq = msg;
	struct m_key_owner an;
	char owner[JG_NAME_MAX + 1] = "";
	int rc;

	rc = name_valid(rq->user) ? store_key_owner(m->store, rq->fp, owner,
	    sizeof(owner)) : JG_EINVAL;
	an.ok = rc == JG_OK && strcmp(owner, rq->user) == 0;
	if (rc == JG_EDISABLED && strcmp(owner, rq->user) == 0)
		master_log_refused(LOG_LVL_INFO, rq->user, NULL, p->source,
		    "account disabled");
	master_peer_sent(p, m_key_owner_send(p->conn, &an, -1));
	return JG_OK;
}

static int
master_w_auth_fail(struct master *m, struct peer *p, const void *msg)
{
	const struct w_auth_fail *rq = msg;
	char detail[512];

	if (auth_fail_name(rq->reason) == NULL)
		return JG_EINVAL;
	p->auth_fails++;
	snprintf(detail, sizeof(detail), "user=%s source=%s reason=%s",
	    name_valid(rq->user) ? rq->user : "?", p->source,
	    auth_fail_name(rq->reason));
	master_audit(m, "jumpgated", "auth.fail", detail);
	master_log_refused(LOG_LVL_INFO, name_valid(rq->user) ? rq->user : "?", NULL,
	    p->source, "authentication failed: %s",
	    auth_fail_name(rq->reason));
	return JG_OK;
}

static int
master_w_auth_ok(struct master *m, struct peer *p, const void *msg)
{
	const struct w_auth_ok *rq = msg;
	char owner[JG_NAME_MAX + 1];

	/* The worker's word is checked, not trusted. */
	if (store_key_owner(m->store, rq->fp, owner, sizeof(owner)) != JG_OK ||
	    strcmp(owner, rq->user) != 0)
		return JG_EINVAL;
	snprintf(p->user, sizeof(p->user), "%s", rq->user);
	snprintf(p->fp, sizeof(p->fp), "%s", rq->fp);
	/* W_AUTH_OK comes only once: a refusal ends the login (master-mfa.c). */
	return master_login_key(m, p);
}

/* The answer to AUTHORIZE; the keeper socket fd goes with a yes. */
static int
master_authorize_reply(struct peer *p, int ok, const char *msg,
    const struct store_target *t, const char *kind, int fd)
{
	struct m_authorize *an = xcalloc(1, sizeof(*an));

	an->how = (uint32_t)p->how;
	an->ok = ok ? 1 : 0;
	snprintf(an->message, sizeof(an->message), "%s", msg);
	if (t != NULL) {
		snprintf(an->target, sizeof(an->target), "%s", t->name);
		snprintf(an->host, sizeof(an->host), "%s", t->host);
		an->port = (uint32_t)t->port;
		snprintf(an->login, sizeof(an->login), "%s", t->login);
		snprintf(an->host_key, sizeof(an->host_key), "%s", t->host_key);
	}
	snprintf(an->kind, sizeof(an->kind), "%s", kind);
	master_peer_sent(p, m_authorize_send(p->conn, an, fd));
	free(an);
	return JG_OK;
}

/* Why access is refused, for the user; "" when it is not. */
static void
master_authorize_why(struct master *m, struct peer *p, const char *target,
    const struct authz_result *res, char *msg, size_t len)
{
	struct store_grant g;
	char when[32];

	msg[0] = '\0';
	switch (res->how) {
	case AUTHZ_NO_TARGET:
		snprintf(msg, len, "no such target: %s", target);
		break;
	case AUTHZ_REQUESTABLE:
		if (store_grant_next(m->store, p->user, target, &g) == JG_OK) {
			time_local_iso(g.starts, when, sizeof(when));
			snprintf(msg, len, "your access to %s opens at %s "
			    "(grant %lld)", target, when, g.id);
			break;
		}
		snprintf(msg, len, "access to %s needs approval: request it "
		    "with: ssh %s@<gateway> request %s --reason TEXT "
		    "[--duration DUR]", target, p->user, target);
		break;
	case AUTHZ_DENIED:
		snprintf(msg, len, "access to %s denied: no access rule gives "
		    "%s access to it", target, p->user);
		break;
	}
	if (msg[0] == '\0' && !m->unsealed)
		snprintf(msg, len, "%s: the vault is sealed (an admin must run "
		    "jumpgate unseal)", target);
}

static int
master_w_authorize(struct master *m, struct peer *p, const void *msg)
{
	const struct w_authorize *rq = msg;
	char why[512], detail[512];
	struct store_target t;
	struct store_secret sec;
	struct authz_result res;
	int wfd;

	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	/* The worker checked the name: anything else is a broken worker. */
	if (!name_valid(rq->target))
		return JG_EINVAL;
	if (authz_check(m->store, p->user, rq->target, &res, &t) != JG_OK) {
		log_error("authorize %s for %s: %s", rq->target, p->user,
		    store_errmsg(m->store));
		return master_authorize_reply(p, 0, "the gateway cannot check "
		    "access right now: try again", NULL, "", -1);
	}
	p->how = res.how;
	master_authorize_why(m, p, rq->target, &res, why, sizeof(why));
	if (why[0] == '\0' && res.mfa && !p->mfa)
		snprintf(why, sizeof(why), "%s: access needs a login with a "
		    "one-time code (rule %lld demands MFA)", rq->target,
		    res.rule_id);
	memset(&sec, 0, sizeof(sec));
	if (why[0] == '\0' && store_secret_get(m->store, rq->target, &sec) !=
	    JG_OK)
		snprintf(why, sizeof(why), "%s: no credential for it in the "
		    "vault", rq->target);
	if (why[0] != '\0') {
		snprintf(detail, sizeof(detail), "user=%s target=%s source=%s "
		    "reason=%s", p->user, rq->target, p->source,
		    res.mfa && !p->mfa && (res.how == AUTHZ_STANDING ||
		    res.how == AUTHZ_GRANTED) ? "mfa" :
		    authz_how_name(res.how));
		if (master_audit(m, p->user, "access.denied", detail) != JG_OK)
			snprintf(why, sizeof(why), "%s: access to %s refused",
			    MASTER_AUDIT_DOWN, rq->target);
		master_log_refused(LOG_LVL_INFO, p->user, rq->target, p->source, "%s", why);
		free(sec.sealed);
		return master_authorize_reply(p, 0, why, NULL, "", -1);
	}
	snprintf(detail, sizeof(detail), "user=%s target=%s how=%s rule=%lld",
	    p->user, rq->target, authz_how_name(res.how), res.rule_id);
	if (master_audit(m, p->user, "access.granted", detail) != JG_OK) {
		free(sec.sealed);
		snprintf(why, sizeof(why), "%s: access to %s refused",
		    MASTER_AUDIT_DOWN, rq->target);
		master_log_refused(LOG_LVL_INFO, p->user, rq->target, p->source, "%s", why);
		return master_authorize_reply(p, 0, why, NULL, "", -1);
	}
	if (master_keeper_register(m, p, &sec, &wfd) != JG_OK) {
		free(sec.sealed);
		return master_authorize_reply(p, 0, "the gateway is out of "
		    "resources: try again", NULL, "", -1);
	}
	free(sec.sealed);
	if (res.how == AUTHZ_GRANTED) {
		p->grant_id = res.grant_id;
		p->grant_deadline = master_deadline_of(res.grant_ends);
		/* A grant shorter than a warning's lead is not warned of. */
		p->grant_warned = p->grant_deadline - clock_sec() <= 60 ? 0 :
		    p->grant_deadline - clock_sec() <= 300 ? 1 : 2;
	}
	p->state = PEER_AUTHORIZED;
	snprintf(p->target, sizeof(p->target), "%s", rq->target);
	snprintf(p->login, sizeof(p->login), "%s", t.login);
	return master_authorize_reply(p, 1, "", &t, sec.kind, wfd);
}

static int
master_w_targets(struct master *m, struct peer *p, const void *msg)
{
	struct authz_target *v = NULL;
	struct buf *b = buf_new(MSG_MAX - 64);
	char line[512], how[64], ends[32];
	size_t n = 0, i;
	int ok, rc;

	(void)msg;
	if (master_audit(m, p->user, "targets.list", "through the gateway") !=
	    JG_OK) {
		snprintf(line, sizeof(line), "%s: listing refused",
		    MASTER_AUDIT_DOWN);
		master_peer_sent(p, proto_wm_send_text(p->conn, MSG_M_TARGETS,
		    0, line, strlen(line)));
		buf_free(b);
		return JG_OK;
	}
	ok = authz_targets(m->store, p->user, &v, &n) == JG_OK;
	if (!ok)
		snprintf(line, sizeof(line), "cannot list targets right now");
	else if (n == 0)
		snprintf(line, sizeof(line), "no targets for %s\n", p->user);
	else
		snprintf(line, sizeof(line), "%-20s %-24s %-33s %s\n",
		    "TARGET", "HOST", "ACCESS", "WHY");
	rc = buf_put(b, line, strlen(line));
	for (i = 0; rc == JG_OK && i < n; i++) {
		if (v[i].how == AUTHZ_GRANTED) {
			time_local_iso(v[i].grant_ends, ends, sizeof(ends));
			snprintf(how, sizeof(how), "granted until %s", ends);
		} else
			snprintf(how, sizeof(how), "%s",
			    authz_how_name(v[i].how));
		/* ACCESS fits "granted until YYYY-MM-DD HH:MM:SS". */
		snprintf(line, sizeof(line), "%-20s %-24s %-33s %s\n",
		    v[i].name, v[i].host, how, v[i].why);
		rc = buf_put(b, line, strlen(line));
	}
	free(v);
	if (rc == JG_OK)
		master_peer_sent(p, proto_wm_send_text(p->conn, MSG_M_TARGETS,
		    ok, buf_ptr(b), buf_len(b)));
	buf_free(b);
	return rc;
}

static int
master_w_audit(struct master *m, struct peer *p, const void *msg)
{
	const struct w_audit *rq = msg;
	char line[768];

	if (!name_valid(rq->action))
		return JG_EINVAL;
	snprintf(line, sizeof(line), "%s source=%s", rq->detail, p->source);
	master_audit(m, p->user, rq->action, line);
	/* the action is a name of the audit's vocabulary, compared whole */
	if (strcmp(rq->action, "request.refused") == 0)
		master_log_refused(LOG_LVL_INFO, p->user, p->target, p->source, "%s: %s",
		    rq->action, rq->detail);
	return JG_OK;
}

/* Which worker message is allowed when: the monitor's table. */
static const struct {
	uint32_t type;
	int states;		/* enum peer_state */
	int flags;		/* H_ONCE */
	int (*fn)(struct master *, struct peer *, const void *);
} master_handlers[] = {
	{ MSG_W_HELLO, PEER_PREAUTH, H_ONCE, master_w_hello },
	{ MSG_W_KEY_OWNER, PEER_PREAUTH, 0, master_w_key_owner },
	{ MSG_W_AUTH_FAIL, PEER_PREAUTH, 0, master_w_auth_fail },
	{ MSG_W_AUTH_OK, PEER_PREAUTH, H_ONCE, master_w_auth_ok },
	{ MSG_W_MFA, PEER_MFA, 0, master_w_mfa },
	{ MSG_W_AUTHORIZE, PEER_AUTHED, 0, master_w_authorize },
	{ MSG_W_TARGETS, PEER_LOGGED_IN, 0, master_w_targets },
	{ MSG_W_SESSION_OPEN, PEER_AUTHORIZED, 0, master_w_session_open },
	{ MSG_W_SESSION_END, PEER_AUTHORIZED, 0, master_w_session_end },
	{ MSG_W_SESSION_BYTES, PEER_AUTHORIZED, 0, master_w_session_bytes },
	{ MSG_W_COMMAND, PEER_AUTHORIZED, 0, master_w_command },
	{ MSG_W_TRANSFER, PEER_AUTHORIZED, 0, master_w_transfer },
	{ MSG_W_KILL, PEER_LOGGED_IN, 0, master_w_kill },
	{ MSG_W_AUDIT, PEER_LOGGED_IN, 0, master_w_audit },
	{ MSG_W_SESSIONS, PEER_LOGGED_IN, 0, master_w_sessions },
	{ MSG_W_REPLAY, PEER_LOGGED_IN, 0, master_w_replay },
	{ MSG_W_WATCH, PEER_LOGGED_IN, 0, master_w_watch },
	{ MSG_W_SEARCH, PEER_LOGGED_IN, 0, master_w_search },
	{ MSG_W_REQUEST, PEER_LOGGED_IN, 0, master_w_request },
	{ MSG_W_REQUESTS, PEER_LOGGED_IN, 0, master_w_requests },
	{ MSG_W_DECIDE, PEER_LOGGED_IN, 0, master_w_decide },
	{ MSG_W_REVIEWS, PEER_LOGGED_IN, 0, master_w_reviews },
	{ MSG_W_REVIEW, PEER_LOGGED_IN, 0, master_w_review },
	{ MSG_W_REQUEST_STATE, PEER_LOGGED_IN, 0, master_w_request_state },
};
#define MASTER_NHANDLERS (sizeof(master_handlers) / sizeof(master_handlers[0]))

/* The states and rules of one message type, for the documentation. */
int
master_handler_rules(uint32_t type, int *states, int *once)
{
	size_t i;

	for (i = 0; i < MASTER_NHANDLERS; i++)
		if (master_handlers[i].type == type) {
			*states = master_handlers[i].states;
			*once = (master_handlers[i].flags & H_ONCE) != 0;
			return JG_OK;
		}
	return JG_ENOENT;
}

/*
 * One worker message: check it against the table, decode it, run its
 * handler. Anything but JG_OK means the worker is to be killed; the
 * caller does it and names the message. fd (or -1) is consumed.
 */
int
master_peer_dispatch(struct master *m, struct peer *p, uint32_t type,
    struct buf *in, int fd)
{
	void *msg;
	size_t i;
	int rc;

	for (i = 0; i < MASTER_NHANDLERS; i++)
		if (master_handlers[i].type == type)
			break;
	if (i == MASTER_NHANDLERS || !(master_handlers[i].states & p->state) ||
	    ((master_handlers[i].flags & H_ONCE) && (p->once & (1U << i)))) {
		if (fd != -1)
			close(fd);
		return JG_EINVAL;
	}
	rc = proto_dec_new(&proto_wm, type, in, fd, &msg);
	if (fd != -1)		/* workers never pass descriptors up */
		close(fd);
	if (rc == JG_OK) {
		p->once |= 1U << i;
		rc = master_handlers[i].fn(m, p, msg);
	}
	proto_free(&proto_wm, type, msg);
	return rc;
}

/* Dispatch up to max messages read from the worker already. */
static void
master_peer_messages(struct master *m, struct peer *p, int max)
{
	const struct proto_msg *d;
	struct buf *in;
	char why[96];
	uint32_t type;
	int r, pfd, n;

	in = buf_new(MSG_MAX);
	for (n = 0; n < max && !p->dead; n++) {
		if ((r = msg_get(p->conn, &type, in, &pfd)) == 0)
			break;
		if (r < 0) {
			master_peer_kill(p, "malformed message");
			break;
		}
		if (master_peer_dispatch(m, p, type, in, pfd) != JG_OK) {
			d = proto_find(&proto_wm, type);
			snprintf(why, sizeof(why), "%s message %s", d == NULL ?
			    "unknown" : "refused", d == NULL ? "" : d->name);
			master_peer_kill(p, why);
			break;
		}
	}
	buf_free(in);
}

static void
master_peer_io(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;
	struct master *m = p->m;
	int r;

	(void)fd;
	if (p->dead)
		return;
	if (ev & EV_WRITE) {
		if (msg_flush(p->conn) < 0) {
			master_peer_kill(p, "write to worker failed");
			return;
		}
		if (msg_pending(p->conn))
			event_add(p->wev, NULL);
	}
	if (!(ev & EV_READ))
		return;
	r = msg_read(p->conn);
	if (r == 0 || (r < 0 && r != JG_EBUSY)) {
		/* EOF: the worker is exiting; SIGCHLD will reap it. */
		event_del(p->rev);
		return;
	}
	master_peer_messages(m, p, 64);
}
