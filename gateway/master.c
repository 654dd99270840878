/* master.c: jumpgated's master: listeners, pre-auth limits, one worker per connection, the store. */

/*
 * The master is the only process that opens the database. It runs one
 * libevent loop and never blocks: workers and the keeper talk to it over
 * socket pairs with framed messages, and each worker message is checked
 * against a table that says in which state of that worker it may come
 * (OpenSSH's monitor). A message out of place ends the worker. Store calls
 * use a short busy timeout and fail closed.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "master.h"

static void master_peer_io(evutil_socket_t, short, void *);
static void master_peer_drop(struct master *, struct peer *, const char *);

/* Arm the write event when a queue holds more than the socket took. */
static void
master_flush(struct msgconn *c, struct event *wev)
{
	int r = msg_flush(c);

	if (r == 1)
		event_add(wev, NULL);
}

void
master_peer_send(struct peer *p, uint32_t type, struct buf *b, int fd)
{
	if (msg_queue_buf(p->conn, type, b, fd) != JG_OK) {
		master_peer_drop(p->m, p, "cannot queue a message");
		return;
	}
	master_flush(p->conn, p->wev);
}

static void
master_keeper_send(struct master *m, uint32_t type, struct buf *b, int fd)
{
	if (msg_queue_buf(m->keeper, type, b, fd) != JG_OK)
		log_error("cannot queue a message for the keeper");
	master_flush(m->keeper, m->kwev);
}

void
master_audit(struct master *m, const char *actor, const char *action,
    const char *detail)
{
	struct store_actor a = { actor, -1 };
	char clean[1024];
	size_t i;

	/* Details carry what clients sent: no control characters stored. */
	snprintf(clean, sizeof(clean), "%s", detail);
	for (i = 0; clean[i] != '\0'; i++)
		if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
			clean[i] = '?';
	detail = clean;
	if (store_audit_add(m->store, &a, action, detail) != JG_OK)
		log_error("audit %s: %s", action, store_errmsg(m->store));
}

/* Per-source penalties: repeated failed authentications block a source. */

static struct penalty *
master_penalty(struct master *m, const char *addr, int create)
{
	struct penalty *p, *oldest = NULL;
	size_t i;

	for (i = 0; i < MASTER_PENALTY_SLOTS; i++) {
		p = &m->penalties[i];
		if (p->addr[0] != '\0' && strcmp(p->addr, addr) == 0)
			return p;
		if (oldest == NULL || p->last < oldest->last)
			oldest = p;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	return oldest;
}

static void
master_penalty_fail(struct master *m, const char *addr)
{
	struct penalty *p = master_penalty(m, addr, 1);
	time_t now = clock_sec();
	size_t i, recent = 0, cap = 16;

	p->last = now;
	p->fails[p->nfails++ % cap] = now;
	for (i = 0; i < cap && i < p->nfails; i++)
		if (now - p->fails[i] < m->cfg->penalty_window)
			recent++;
	if ((int)recent >= m->cfg->penalty_failures ||
	    (m->cfg->penalty_failures > (int)cap && recent == cap)) {
		p->until = now + m->cfg->penalty_duration;
		p->nfails = 0;
		log_info("source %s: %zu failed authentications within %d s, "
		    "refused for %d s", addr, recent, m->cfg->penalty_window,
		    m->cfg->penalty_duration);
		master_audit(m, "jumpgated", "penalty", addr);
	}
}

static int
master_penalised(struct master *m, const char *addr)
{
	struct penalty *p = master_penalty(m, addr, 0);

	return p != NULL && p->until > clock_sec();
}

/* sshd's MaxStartups start:rate:full, with random early drop. */
static int
master_startups_drop(struct master *m)
{
	const struct config *c = m->cfg;
	unsigned p;

	if ((int)m->preauth >= c->max_startups_full)
		return 1;
	if ((int)m->preauth < c->max_startups_begin)
		return 0;
	if (c->max_startups_full <= c->max_startups_begin)
		return 1;
	p = (unsigned)(c->max_startups_rate + (100 - c->max_startups_rate) *
	    ((int)m->preauth - c->max_startups_begin) /
	    (c->max_startups_full - c->max_startups_begin));
	return randombytes_uniform(100) < p;
}

/* Workers. */

static struct peer *
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

static void
master_peer_drop(struct master *m, struct peer *p, const char *why)
{
	(void)m;
	master_peer_kill(p, why);
}

/* After the worker is gone: fix its sessions, count its failures, free it. */
static void
master_peer_reap(struct master *m, struct peer *p, int status)
{
	struct peer **pp;
	struct buf *b = m->scratch;
	size_t i;

	for (i = 0; i < p->nsessions; i++) {
		if (p->sessions[i] <= 0)	/* ended (or never began) */
			continue;
		if (store_session_end(m->store, p->sessions[i], "interrupted",
		    -1, 0, 0, "worker died") != JG_OK)
			log_error("session %lld: %s", p->sessions[i],
			    store_errmsg(m->store));
	}
	if (p->state == PEER_PREAUTH) {
		if (m->preauth > 0)
			m->preauth--;
		if (p->auth_fails > 0)
			master_penalty_fail(m, p->addr);
	}
	if (p->authorized) {
		buf_reset(b);
		if (buf_put_u64(b, p->conn_id) == JG_OK)
			master_keeper_send(m, MSG_K_UNREGISTER, b, -1);
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

static void
master_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct master *m = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct worker_args wa;
	struct peer *p;
	char addr[INET6_ADDRSTRLEN], port[16];
	int fd, sp[2], keep[3];
	pid_t pid;

	(void)ev;
	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_error("accept: %s", strerror(errno));
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, addr, sizeof(addr), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		close(fd);
		return;
	}
	if (m->stopping) {
		close(fd);
		return;
	}
	if (master_penalised(m, addr)) {
		log_verbose("refused %s: penalty for failed authentications",
		    addr);
		close(fd);
		return;
	}
	if (master_startups_drop(m)) {
		log_info("drop connection from %s: MaxStartups (%zu pre-auth)",
		    addr, m->preauth);
		close(fd);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_error("socketpair: %s", strerror(errno));
		close(fd);
		return;
	}
	if ((pid = fork()) == -1) {
		log_error("fork: %s", strerror(errno));
		close(fd);
		close(sp[0]);
		close(sp[1]);
		return;
	}
	if (pid == 0) {
		/* The child keeps the client, its master link and stdio only. */
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		keep[0] = fd;
		keep[1] = sp[1];
		privsep_close_from(3, keep, 2);
		memset(&wa, 0, sizeof(wa));
		wa.cfg = m->cfg;
		wa.bind = m->bind;
		wa.client_fd = fd;
		wa.master_fd = sp[1];
		snprintf(wa.source, sizeof(wa.source), "%s port %s", addr,
		    port);
		worker_main(&wa);
	}
	close(fd);
	close(sp[1]);
	p = xcalloc(1, sizeof(*p));
	p->m = m;
	p->pid = pid;
	p->state = PEER_PREAUTH;
	p->conn = msg_new(sp[0]);
	p->conn_id = ++m->conn_seq;
	p->started = clock_sec();
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	snprintf(p->source, sizeof(p->source), "%s port %s", addr, port);
	evutil_make_socket_nonblocking(sp[0]);
	p->rev = event_new(m->base, sp[0], EV_READ | EV_PERSIST,
	    master_peer_io, p);
	p->wev = event_new(m->base, sp[0], EV_WRITE, master_peer_io, p);
	event_add(p->rev, NULL);
	p->next = m->peers;
	m->peers = p;
	m->preauth++;
	log_verbose("connection from %s: worker %ld", p->source, (long)pid);
}

/* Handlers of worker messages: each gets the payload, answers or fails. */

static int
master_w_hello(struct master *m, struct peer *p, struct buf *in)
{
	uint32_t pid;

	(void)m;
	if (buf_get_u32(in, &pid) != JG_OK || (pid_t)pid != p->pid)
		return JG_EINVAL;
	return JG_OK;
}

static int
master_w_key_owner(struct master *m, struct peer *p, struct buf *in)
{
	char user[JG_NAME_MAX + 1], fp[SSHKEY_FP_LEN], owner[JG_NAME_MAX + 1];
	struct buf *b = m->scratch;
	int ok;

	if (buf_get_cstring(in, user, sizeof(user)) != JG_OK ||
	    buf_get_cstring(in, fp, sizeof(fp)) != JG_OK)
		return JG_EINVAL;
	ok = name_valid(user) && store_key_owner(m->store, fp, owner,
	    sizeof(owner)) == JG_OK && strcmp(owner, user) == 0;
	buf_reset(b);
	if (buf_put_u32(b, (uint32_t)ok) != JG_OK)
		return JG_ENOMEM;
	master_peer_send(p, MSG_M_KEY_OWNER, b, -1);
	return JG_OK;
}

static int
master_w_auth_fail(struct master *m, struct peer *p, struct buf *in)
{
	char user[JG_NAME_MAX + 1], why[128], detail[512];

	if (buf_get_cstring(in, user, sizeof(user)) != JG_OK ||
	    buf_get_cstring(in, why, sizeof(why)) != JG_OK)
		return JG_EINVAL;
	p->auth_fails++;
	snprintf(detail, sizeof(detail), "user=%s source=%s reason=%s", user,
	    p->source, why);
	master_audit(m, "jumpgated", "auth.fail", detail);
	return JG_OK;
}

static int
master_w_auth_ok(struct master *m, struct peer *p, struct buf *in)
{
	char user[JG_NAME_MAX + 1], fp[SSHKEY_FP_LEN], owner[JG_NAME_MAX + 1];
	char detail[512];

	if (buf_get_cstring(in, user, sizeof(user)) != JG_OK ||
	    buf_get_cstring(in, fp, sizeof(fp)) != JG_OK)
		return JG_EINVAL;
	/* The worker's word is checked, not trusted. */
	if (store_key_owner(m->store, fp, owner, sizeof(owner)) != JG_OK ||
	    strcmp(owner, user) != 0)
		return JG_EINVAL;
	snprintf(p->user, sizeof(p->user), "%s", user);
	snprintf(p->fp, sizeof(p->fp), "%s", fp);
	p->state = PEER_AUTHED;
	if (m->preauth > 0)
		m->preauth--;
	snprintf(detail, sizeof(detail), "user=%s key=%s source=%s", user, fp,
	    p->source);
	master_audit(m, user, "login", detail);
	log_info("%s logged in from %s with %s", user, p->source, fp);
	return JG_OK;
}

static int
master_authorize_reply(struct master *m, struct peer *p, int ok,
    const char *msg, const struct store_target *t, const char *kind, int fd)
{
	struct buf *b = m->scratch;

	buf_reset(b);
	if (buf_put_u32(b, (uint32_t)p->how) != JG_OK) {
		if (fd != -1)
			close(fd);
		return JG_ENOMEM;
	}
	if (buf_put_u32(b, (uint32_t)ok) != JG_OK ||
	    buf_put_cstring(b, msg) != JG_OK ||
	    buf_put_cstring(b, t ? t->name : "") != JG_OK ||
	    buf_put_cstring(b, t ? t->host : "") != JG_OK ||
	    buf_put_u32(b, t ? (uint32_t)t->port : 0) != JG_OK ||
	    buf_put_cstring(b, t ? t->login : "") != JG_OK ||
	    buf_put_cstring(b, t ? t->host_key : "") != JG_OK ||
	    buf_put_cstring(b, kind) != JG_OK) {
		if (fd != -1)
			close(fd);
		return JG_ENOMEM;
	}
	master_peer_send(p, MSG_M_AUTHORIZE, b, fd);
	return JG_OK;
}

/* A UTC ISO time as a monotonic deadline: timers never follow the wall clock. */
time_t
master_deadline_of(const char *iso)
{
	time_t t;

	if (time_parse_iso_utc(iso, &t) != JG_OK)
		return clock_sec();
	return clock_sec() + (t - time(NULL));
}

static int
master_w_authorize(struct master *m, struct peer *p, struct buf *in)
{
	char target[JG_NAME_MAX + 1], msg[512], detail[512];
	struct store_target t;
	struct store_secret sec;
	struct authz_result res;
	struct buf *b = m->scratch;
	int rc, kp[2];

	if (buf_get_cstring(in, target, sizeof(target)) != JG_OK)
		return JG_EINVAL;
	if (p->authorized)	/* one target per connection */
		return JG_EINVAL;
	memset(&t, 0, sizeof(t));
	if (!name_valid(target))
		res.how = AUTHZ_NO_TARGET;
	else if ((rc = authz_check(m->store, p->user, target, &res, &t)) !=
	    JG_OK) {
		log_error("authorize %s for %s: %s", target, p->user,
		    store_errmsg(m->store));
		return master_authorize_reply(m, p, 0, "the gateway cannot "
		    "check access right now: try again", NULL, "", -1);
	}
	msg[0] = '\0';
	p->how = res.how;
	switch (res.how) {
	case AUTHZ_NO_TARGET:
		snprintf(msg, sizeof(msg), "no such target: %s", target);
		break;
	case AUTHZ_REQUESTABLE:
		snprintf(msg, sizeof(msg), "access to %s needs approval: "
		    "request it with: ssh %s@<gateway> request %s --reason "
		    "TEXT [--duration DUR]", target, p->user, target);
		break;
	case AUTHZ_GRANTED:
		p->grant_id = res.grant_id;
		p->grant_deadline = master_deadline_of(res.grant_ends);
		/* A grant shorter than a warning's lead is not warned of. */
		p->grant_warned = p->grant_deadline - clock_sec() <= 60 ? 0 :
		    p->grant_deadline - clock_sec() <= 300 ? 1 : 2;
		break;
	case AUTHZ_DENIED:
		snprintf(msg, sizeof(msg), "access to %s denied: no access "
		    "rule gives %s access to it", target, p->user);
		break;
	}
	if (msg[0] == '\0' && !m->unsealed)
		snprintf(msg, sizeof(msg), "%s: the vault is sealed (an admin "
		    "must run jumpgate unseal)", target);
	memset(&sec, 0, sizeof(sec));
	if (msg[0] == '\0' && (rc = store_secret_get(m->store, target,
	    &sec)) != JG_OK)
		snprintf(msg, sizeof(msg), "%s: no credential for it in the "
		    "vault", target);
	if (msg[0] != '\0') {
		snprintf(detail, sizeof(detail), "user=%s target=%s source=%s "
		    "reason=%s", p->user, target, p->source,
		    authz_how_name(res.how));
		master_audit(m, p->user, "access.denied", detail);
		free(sec.sealed);
		return master_authorize_reply(m, p, 0, msg, NULL, "", -1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, kp) == -1) {
		free(sec.sealed);
		return master_authorize_reply(m, p, 0, "the gateway is out of "
		    "resources: try again", NULL, "", -1);
	}
	buf_reset(b);
	rc = buf_put_u64(b, p->conn_id);
	if (rc == JG_OK)
		rc = buf_put_cstring(b, target);
	if (rc == JG_OK)
		rc = buf_put_cstring(b, sec.kind);
	if (rc == JG_OK)
		rc = buf_put_u32(b, sec.version);
	if (rc == JG_OK)
		rc = buf_put_string(b, sec.sealed, sec.sealed_len);
	free(sec.sealed);
	if (rc != JG_OK) {
		close(kp[0]);
		close(kp[1]);
		return JG_ENOMEM;
	}
	master_keeper_send(m, MSG_K_REGISTER, b, kp[0]);
	p->authorized = 1;
	snprintf(p->target, sizeof(p->target), "%s", target);
	snprintf(p->login, sizeof(p->login), "%s", t.login);
	snprintf(detail, sizeof(detail), "user=%s target=%s how=%s rule=%lld",
	    p->user, target, authz_how_name(res.how), res.rule_id);
	master_audit(m, p->user, "access.granted", detail);
	return master_authorize_reply(m, p, 1, "", &t, sec.kind, kp[1]);
}

static int
master_w_targets(struct master *m, struct peer *p, struct buf *in)
{
	struct authz_target *v;
	struct buf *b = m->scratch;
	char line[512];
	size_t n, i;
	int rc;

	(void)in;
	buf_reset(b);
	if ((rc = authz_targets(m->store, p->user, &v, &n)) != JG_OK) {
		snprintf(line, sizeof(line), "jumpgate: cannot list targets "
		    "right now\n");
		n = 0;
		v = NULL;
	} else if (n == 0)
		snprintf(line, sizeof(line), "no targets for %s\n", p->user);
	else
		snprintf(line, sizeof(line), "%-20s %-24s %-30s %s\n",
		    "TARGET", "HOST", "ACCESS", "WHY");
	rc = buf_put(b, line, strlen(line));
	for (i = 0; rc == JG_OK && i < n; i++) {
		char how[64], ends[32];

		if (v[i].how == AUTHZ_GRANTED) {
			time_local_iso(v[i].grant_ends, ends, sizeof(ends));
			snprintf(how, sizeof(how), "granted until %s", ends);
		} else
			snprintf(how, sizeof(how), "%s",
			    authz_how_name(v[i].how));
		snprintf(line, sizeof(line), "%-20s %-24s %-30s %s\n",
		    v[i].name, v[i].host, how, v[i].why);
		rc = buf_put(b, line, strlen(line));
	}
	free(v);
	if (rc == JG_OK) {
		/* the reply is one string: re-frame it */
		struct buf *o = buf_new(MSG_MAX);
		if (buf_put_string(o, buf_ptr(b), buf_len(b)) == JG_OK)
			master_peer_send(p, MSG_M_TARGETS, o, -1);
		buf_free(o);
	}
	return rc;
}

/*
 * The session's recording file: created here (the worker may not create
 * files), write-only and append-only for the worker, which gets only the
 * descriptor and so can neither read it nor reach another session's.
 */
static int
master_recording_create(struct master *m, long long id)
{
	char name[64], path[JG_PATH_MAX];
	int fd;

	snprintf(name, sizeof(name), "%lld.jgrec", id);
	if (path_join(path, sizeof(path), m->cfg->recording_dir, name) !=
	    JG_OK)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		log_error("session %lld: cannot create %s: %s", id, path,
		    strerror(errno));
		return -1;
	}
	if (store_session_set_recording(m->store, id, name) != JG_OK) {
		log_error("session %lld: %s", id, store_errmsg(m->store));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static int
master_w_session_open(struct master *m, struct peer *p, struct buf *in)
{
	struct store_session ss;
	struct buf *b = m->scratch;
	long long id = 0;
	size_t i;
	int ok, fd = -1;

	memset(&ss, 0, sizeof(ss));
	if (buf_get_cstring(in, ss.kind, sizeof(ss.kind)) != JG_OK ||
	    buf_get_cstring(in, ss.detail, sizeof(ss.detail)) != JG_OK)
		return JG_EINVAL;
	if (!p->authorized || str_has_control(ss.kind))
		return JG_EINVAL;
	snprintf(ss.user, sizeof(ss.user), "%s", p->user);
	snprintf(ss.target, sizeof(ss.target), "%s", p->target);
	snprintf(ss.login, sizeof(ss.login), "%s", p->login);
	snprintf(ss.source, sizeof(ss.source), "%s", p->source);
	/* Ended sessions (negative ids) make room once the list is full. */
	if (p->nsessions == MASTER_PEER_SESSIONS) {
		size_t k = 0;
		for (i = 0; i < p->nsessions; i++)
			if (p->sessions[i] > 0)
				p->sessions[k++] = p->sessions[i];
		p->nsessions = k;
	}
	for (i = 0; ss.detail[i] != '\0'; i++)	/* shown to auditors later */
		if ((unsigned char)ss.detail[i] < 0x20 || ss.detail[i] == 0x7f)
			ss.detail[i] = '?';
	ok = p->nsessions < MASTER_PEER_SESSIONS &&
	    store_session_open(m->store, &ss, &id) == JG_OK;
	if (ok)
		p->sessions[p->nsessions++] = id;
	else
		log_error("session for %s on %s: %s", p->user, p->target,
		    store_errmsg(m->store));
	if (ok && (fd = master_recording_create(m, id)) == -1) {
		ok = 0;
		p->sessions[--p->nsessions] = 0;
		if (store_session_end(m->store, id, "refused", -1, 0, 0,
		    "recording cannot be created") != JG_OK)
			log_error("session %lld: %s", id,
			    store_errmsg(m->store));
	}
	buf_reset(b);
	if (buf_put_u32(b, (uint32_t)ok) != JG_OK ||
	    buf_put_u64(b, (uint64_t)id) != JG_OK ||
	    buf_put_cstring(b, ok ? "" : "the gateway cannot record this "
	    "session right now") != JG_OK) {
		if (fd != -1)
			close(fd);
		return JG_ENOMEM;
	}
	master_peer_send(p, MSG_M_SESSION, b, fd);
	return JG_OK;
}

static int
master_w_session_end(struct master *m, struct peer *p, struct buf *in)
{
	uint64_t id, bin, bout;
	uint32_t status;
	char reason[64], state[16];
	size_t i;

	if (buf_get_u64(in, &id) != JG_OK || buf_get_u32(in, &status) != JG_OK
	    || buf_get_u64(in, &bin) != JG_OK ||
	    buf_get_u64(in, &bout) != JG_OK ||
	    buf_get_cstring(in, reason, sizeof(reason)) != JG_OK ||
	    buf_get_cstring(in, state, sizeof(state)) != JG_OK)
		return JG_EINVAL;
	if (strcmp(state, "complete") != 0 && strcmp(state, "truncated") != 0)
		return JG_EINVAL;
	for (i = 0; i < p->nsessions; i++)
		if (p->sessions[i] == (long long)id)
			break;
	if (i == p->nsessions || str_has_control(reason))
		return JG_EINVAL;	/* not this worker's session */
	/* Kept, negated: the keeper's key for it may still be on its way. */
	p->sessions[i] = -(long long)id;
	if (store_session_end(m->store, (long long)id, state,
	    status == UINT32_MAX ? -1 : (int)status, (long long)bin,
	    (long long)bout, reason) != JG_OK)
		log_error("session %llu: %s", (unsigned long long)id,
		    store_errmsg(m->store));
	return JG_OK;
}

static int
master_w_audit(struct master *m, struct peer *p, struct buf *in)
{
	char action[64], detail[512], line[768];

	if (buf_get_cstring(in, action, sizeof(action)) != JG_OK ||
	    buf_get_cstring(in, detail, sizeof(detail)) != JG_OK ||
	    !name_valid(action))
		return JG_EINVAL;
	snprintf(line, sizeof(line), "%s source=%s", detail, p->source);
	master_audit(m, p->user[0] ? p->user : "jumpgated", action, line);
	return JG_OK;
}

static int
master_is_auditor(struct master *m, const char *user)
{
	struct store_user u;
	size_t i;
	int yes = 0;

	if (store_user_get(m->store, user, &u) != JG_OK)
		return 0;
	for (i = 0; i < u.nroles; i++)
		if (strcmp(u.roles[i], "auditor") == 0)
			yes = 1;
	store_user_clear(&u);
	return yes;
}

int
master_text_reply(struct peer *p, int ok, const char *text, size_t len)
{
	struct buf *b = buf_new(MSG_MAX);
	int rc;

	rc = buf_put_u32(b, (uint32_t)ok);
	if (rc == JG_OK)
		rc = buf_put_string(b, text, len);
	if (rc == JG_OK)
		master_peer_send(p, MSG_M_TEXT, b, -1);
	buf_free(b);
	return rc;
}

/* Auditors list sessions through the gateway; the newest 200. */
static int
master_w_sessions(struct master *m, struct peer *p, struct buf *in)
{
	struct store_session_filter f;
	struct store_session *v;
	struct buf *t;
	char line[512], when[32];
	size_t n, i;
	int rc;

	if (buf_len(in) != 0)
		return JG_EINVAL;
	if (!master_is_auditor(m, p->user)) {
		snprintf(line, sizeof(line), "sessions: only auditors may list "
		    "sessions");
		master_audit(m, p->user, "request.refused", "sessions");
		return master_text_reply(p, 0, line, strlen(line));
	}
	memset(&f, 0, sizeof(f));
	if (store_session_list(m->store, &f, &v, &n) != JG_OK) {
		snprintf(line, sizeof(line), "cannot list sessions right now");
		return master_text_reply(p, 0, line, strlen(line));
	}
	t = buf_new(MSG_MAX - 64);
	snprintf(line, sizeof(line), "%5s %-12s %-12s %-19s %-11s %5s  %s\n",
	    "ID", "USER", "TARGET", "STARTED", "STATE", "EXIT", "COMMAND");
	rc = buf_put(t, line, strlen(line));
	for (i = n > 200 ? n - 200 : 0; rc == JG_OK && i < n; i++) {
		time_local_iso(v[i].started, when, sizeof(when));
		snprintf(line, sizeof(line), "%5lld %-12s %-12s %-19s %-11s "
		    "%5d  %s %s\n", v[i].id, v[i].user, v[i].target, when,
		    v[i].state, v[i].exit_status, v[i].kind, v[i].detail);
		rc = buf_put(t, line, strlen(line));
	}
	free(v);
	master_audit(m, p->user, "sessions.list", "through the gateway");
	rc = master_text_reply(p, 1, (const char *)buf_ptr(t), buf_len(t));
	buf_free(t);
	return rc;
}

static int
master_replay_refuse(struct peer *p, const char *msg, uint64_t id)
{
	struct buf *b = buf_new(1024);
	int rc;

	rc = buf_put_u32(b, 0);
	if (rc == JG_OK)
		rc = buf_put_cstring(b, msg);
	if (rc == JG_OK)
		rc = buf_put_u64(b, id);
	if (rc == JG_OK)
		master_peer_send(p, MSG_M_REPLAY, b, -1);
	buf_free(b);
	return rc;
}

/*
 * An auditor replays through the gateway: we check the role, open that one
 * recording read-only, and have the keeper write its key into a socket
 * whose other end goes to the auditor's worker with the file. We never
 * decrypt anything here.
 */
static int
master_w_replay(struct master *m, struct peer *p, struct buf *in)
{
	struct store_session ss;
	unsigned char *sealed = NULL;
	char path[JG_PATH_MAX], msg[256], detail[128];
	struct buf *b;
	size_t slen = 0;
	uint64_t id;
	int fd, kp[2];

	if (buf_get_u64(in, &id) != JG_OK || buf_len(in) != 0)
		return JG_EINVAL;
	if (!master_is_auditor(m, p->user)) {
		master_audit(m, p->user, "request.refused", "replay");
		return master_replay_refuse(p, "replay: only auditors may "
		    "replay sessions", id);
	}
	if (store_session_get(m->store, (long long)id, &ss, &sealed, &slen) !=
	    JG_OK) {
		snprintf(msg, sizeof(msg), "no such session: %llu",
		    (unsigned long long)id);
		return master_replay_refuse(p, msg, id);
	}
	if (ss.recording[0] == '\0' || sealed == NULL ||
	    strchr(ss.recording, '/') != NULL ||
	    path_join(path, sizeof(path), m->cfg->recording_dir,
	    ss.recording) != JG_OK ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		free(sealed);
		snprintf(msg, sizeof(msg), "session %llu has no recording",
		    (unsigned long long)id);
		return master_replay_refuse(p, msg, id);
	}
	if (!m->unsealed || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    kp) == -1) {
		free(sealed);
		close(fd);
		return master_replay_refuse(p, m->unsealed ? "the gateway is "
		    "out of resources" : "the vault is sealed", id);
	}
	b = buf_new(4096);
	if (buf_put_u64(b, id) != JG_OK ||
	    buf_put_string(b, sealed, slen) != JG_OK) {
		free(sealed);
		buf_free(b);
		close(fd);
		close(kp[0]);
		close(kp[1]);
		return JG_ENOMEM;
	}
	free(sealed);
	master_keeper_send(m, MSG_K_RECKEY_OPEN, b, kp[0]);
	buf_reset(b);
	if (buf_put_u32(b, 1) != JG_OK || buf_put_cstring(b, "") != JG_OK ||
	    buf_put_u64(b, id) != JG_OK) {
		buf_free(b);
		close(fd);
		close(kp[1]);
		return JG_ENOMEM;
	}
	master_peer_send(p, MSG_M_REPLAY, b, fd);
	master_peer_send(p, MSG_M_REPLAY_KEY, NULL, kp[1]);
	buf_free(b);
	snprintf(detail, sizeof(detail), "session=%llu through the gateway",
	    (unsigned long long)id);
	master_audit(m, p->user, "session.replay", detail);
	return JG_OK;
}

/* Which worker message is allowed in which state: the monitor's table. */
static const struct {
	uint32_t type;
	int states;
	int (*fn)(struct master *, struct peer *, struct buf *);
} master_dispatch[] = {
	{ MSG_W_HELLO, PEER_PREAUTH, master_w_hello },
	{ MSG_W_KEY_OWNER, PEER_PREAUTH, master_w_key_owner },
	{ MSG_W_AUTH_FAIL, PEER_PREAUTH, master_w_auth_fail },
	{ MSG_W_AUTH_OK, PEER_PREAUTH, master_w_auth_ok },
	{ MSG_W_AUTHORIZE, PEER_AUTHED, master_w_authorize },
	{ MSG_W_TARGETS, PEER_AUTHED, master_w_targets },
	{ MSG_W_SESSION_OPEN, PEER_AUTHED, master_w_session_open },
	{ MSG_W_SESSION_END, PEER_AUTHED, master_w_session_end },
	{ MSG_W_AUDIT, PEER_AUTHED, master_w_audit },
	{ MSG_W_SESSIONS, PEER_AUTHED, master_w_sessions },
	{ MSG_W_REPLAY, PEER_AUTHED, master_w_replay },
	{ MSG_W_REQUEST, PEER_AUTHED, master_w_request },
	{ MSG_W_REQUESTS, PEER_AUTHED, master_w_requests },
	{ MSG_W_DECIDE, PEER_AUTHED, master_w_decide },
	{ MSG_W_REQUEST_STATE, PEER_AUTHED, master_w_request_state },
};

static void
master_peer_io(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;
	struct master *m = p->m;
	struct buf *in;
	uint32_t type;
	size_t i;
	int r, pfd, n;

	(void)fd;
	if (p->dead)
		return;
	if (ev & EV_WRITE) {
		if (msg_flush(p->conn) < 0) {
			master_peer_drop(m, p, "write to worker failed");
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
	in = buf_new(MSG_MAX);
	for (n = 0; n < 64; n++) {
		if ((r = msg_get(p->conn, &type, in, &pfd)) == 0)
			break;
		if (r < 0) {
			master_peer_drop(m, p, "malformed message");
			break;
		}
		if (pfd != -1)	/* workers never pass descriptors up */
			close(pfd);
		for (i = 0; i < sizeof(master_dispatch) /
		    sizeof(master_dispatch[0]); i++)
			if (master_dispatch[i].type == type)
				break;
		if (i == sizeof(master_dispatch) / sizeof(master_dispatch[0])
		    || !(master_dispatch[i].states & p->state) || pfd != -1) {
			char why[64];
			snprintf(why, sizeof(why), "unexpected message %u",
			    type);
			master_peer_drop(m, p, why);
			break;
		}
		if (master_dispatch[i].fn(m, p, in) != JG_OK) {
			char why[64];
			snprintf(why, sizeof(why), "bad message %u", type);
			master_peer_drop(m, p, why);
			break;
		}
		if (p->dead)
			break;
	}
	buf_free(in);
}

/* The keeper. */

/*
 * The keeper made a recording key: store its sealed copy with the session,
 * if that session is one of the asking connection's. Without the key the
 * recording could never be read: a session whose key cannot be stored is
 * ended.
 */
static void
master_k_reckey(struct master *m, struct buf *in)
{
	const unsigned char *sealed;
	uint64_t conn, sid;
	struct peer *p;
	struct buf *b;
	size_t len, i;

	if (buf_get_u64(in, &conn) != JG_OK || buf_get_u64(in, &sid) != JG_OK ||
	    buf_get_string(in, &sealed, &len) != JG_OK)
		fatalx("bad recording key message from the keeper");
	for (p = m->peers; p != NULL; p = p->next)
		if (p->conn_id == conn)
			break;
	for (i = 0; p != NULL && i < p->nsessions; i++)
		if (p->sessions[i] == (long long)sid ||
		    p->sessions[i] == -(long long)sid)
			break;
	if (p == NULL || i == p->nsessions) {
		if (p != NULL)
			master_peer_kill(p, "asked a key for a session not "
			    "its own");
		return;
	}
	if (store_session_set_key(m->store, (long long)sid, sealed, len) ==
	    JG_OK)
		return;
	log_error("session %llu: cannot store the recording key: %s",
	    (unsigned long long)sid, store_errmsg(m->store));
	b = buf_new(256);
	if (buf_put_cstring(b, "the gateway cannot record this session") ==
	    JG_OK)
		master_peer_send(p, MSG_M_SHUTDOWN, b, -1);
	buf_free(b);
	p->kill_at = clock_sec() + 3;
}

static void
master_keeper_io(evutil_socket_t fd, short ev, void *arg)
{
	struct master *m = arg;
	struct buf *in;
	uint64_t conn;
	uint32_t type, ok;
	char msg[256];
	int r, pfd;

	(void)fd;
	if (ev & EV_WRITE) {
		if (msg_flush(m->keeper) == 1)
			event_add(m->kwev, NULL);
	}
	if (!(ev & EV_READ))
		return;
	r = msg_read(m->keeper);
	if (r == 0 || (r < 0 && r != JG_EBUSY)) {
		log_error("the vault keeper is gone: stopping");
		event_base_loopbreak(m->base);
		return;
	}
	in = buf_new(MSG_MAX);
	while ((r = msg_get(m->keeper, &type, in, &pfd)) == 1) {
		if (pfd != -1)
			close(pfd);
		switch (type) {
		case MSG_K_STATUS:
			if (buf_get_u32(in, &ok) != JG_OK ||
			    buf_get_cstring(in, msg, sizeof(msg)) != JG_OK)
				fatalx("bad status from the keeper");
			m->unsealed = ok != 0;
			snprintf(m->keeper_status, sizeof(m->keeper_status),
			    "%s", msg);
			log_info("vault: %s", msg);
			break;
		case MSG_K_REGISTERED:
			if (buf_get_u64(in, &conn) != JG_OK ||
			    buf_get_u32(in, &ok) != JG_OK ||
			    buf_get_cstring(in, msg, sizeof(msg)) != JG_OK)
				fatalx("bad registration answer from keeper");
			if (!ok)
				log_error("keeper refused connection %llu: %s",
				    (unsigned long long)conn, msg);
			break;
		case MSG_K_RECKEY:
			master_k_reckey(m, in);
			break;
		default:
			fatalx("unexpected message %u from the keeper", type);
		}
	}
	buf_free(in);
	if (r < 0)
		fatalx("malformed message from the keeper");
	{
		/* answer control clients waiting for an unseal */
		size_t i;
		char line[300];

		for (i = 0; i < MASTER_CTL_MAX; i++) {
			struct ctl *c = &m->ctls[i];
			if (c->fd == -1 || !c->waiting_unseal)
				continue;
			snprintf(line, sizeof(line), "%s %s\n", m->unsealed ?
			    "OK" : "ERR", m->keeper_status);
			(void)!write(c->fd, line, strlen(line));
			c->waiting_unseal = 0;
		}
	}
}

static int
master_keeper_meta(struct master *m)
{
	struct store_vault_meta meta;
	struct buf *b = m->scratch;

	if (store_vault_meta_get(m->store, &meta) != JG_OK || !meta.present) {
		log_error("the vault is not initialised: run jumpgate init");
		return JG_ERR;
	}
	buf_reset(b);
	if (buf_put_cstring(b, meta.mode) != JG_OK ||
	    buf_put_string(b, meta.salt, sizeof(meta.salt)) != JG_OK ||
	    buf_put_u64(b, meta.opslimit) != JG_OK ||
	    buf_put_u64(b, meta.memlimit) != JG_OK ||
	    buf_put_string(b, meta.check, sizeof(meta.check)) != JG_OK)
		return JG_ENOMEM;
	master_keeper_send(m, MSG_K_META, b, -1);
	return JG_OK;
}

/* Control socket: root's tool talks to the running daemon. */

static void
master_ctl_close(struct ctl *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	c->ev = NULL;
	buf_free(c->in);
	c->in = NULL;
	close(c->fd);
	c->fd = -1;
	c->waiting_unseal = 0;
}

static void
master_ctl_reply(struct ctl *c, const char *s)
{
	(void)!write(c->fd, s, strlen(s));
}

static void
master_ctl_sessions(struct master *m, struct ctl *c)
{
	struct peer *p;
	char line[512];
	size_t i;

	for (p = m->peers; p != NULL; p = p->next)
		for (i = 0; i < p->nsessions; i++) {
			if (p->sessions[i] <= 0)
				continue;
			snprintf(line, sizeof(line), "SESSION %lld %s %s %s "
			    "%ld\n", p->sessions[i], p->user, p->target,
			    p->addr, (long)p->pid);
			master_ctl_reply(c, line);
		}
	master_ctl_reply(c, "OK\n");
}

/*
 * Lines: "STATUS", "SESSIONS", or "UNSEAL n" followed by n bytes of
 * passphrase, which go to the keeper and are wiped here.
 */
static void
master_ctl_io(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl *c = arg;
	struct master *m = c->m;
	const unsigned char *d;
	unsigned char *p;
	const char *nl;
	char line[64], *end;
	unsigned long n;
	ssize_t r;
	size_t linelen;

	(void)ev;
	if (buf_reserve(c->in, 4096, &p) != JG_OK) {
		master_ctl_close(c);
		return;
	}
	r = read(fd, p, 4096);
	buf_unreserve(c->in, 4096 - (r > 0 ? (size_t)r : 0));
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		master_ctl_close(c);
		return;
	}
	for (;;) {
		d = buf_ptr(c->in);
		nl = memchr(d, '\n', buf_len(c->in));
		if (nl == NULL)
			break;
		linelen = (size_t)(nl - (const char *)d);
		if (linelen >= sizeof(line)) {
			master_ctl_close(c);
			return;
		}
		memcpy(line, d, linelen);
		line[linelen] = '\0';
		if (strcmp(line, "STATUS") == 0) {
			char out[320];
			snprintf(out, sizeof(out), "OK %s %s\n", m->unsealed ?
			    "unsealed" : "sealed", m->keeper_status);
			buf_consume(c->in, linelen + 1);
			master_ctl_reply(c, out);
		} else if (strcmp(line, "SESSIONS") == 0) {
			buf_consume(c->in, linelen + 1);
			master_ctl_sessions(m, c);
		} else if (strncmp(line, "UNSEAL ", 7) == 0) {
			struct buf *b;
			n = strtoul(line + 7, &end, 10);
			if (*end != '\0' || n == 0 || n > 1024) {
				master_ctl_reply(c, "ERR bad passphrase length\n");
				master_ctl_close(c);
				return;
			}
			if (buf_len(c->in) < linelen + 1 + n)
				break;	/* wait for the rest */
			b = buf_new(2048);
			if (buf_put_string(b, d + linelen + 1, n) == JG_OK)
				master_keeper_send(m, MSG_K_UNSEAL, b, -1);
			buf_free(b);
			buf_consume(c->in, linelen + 1 + n);
			buf_reset(c->in);	/* wipe the passphrase */
			c->waiting_unseal = 1;
			master_audit(m, "root", "vault.unseal", "control socket");
		} else {
			master_ctl_reply(c, "ERR unknown request\n");
			master_ctl_close(c);
			return;
		}
	}
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
		if (m->ctls[i].fd == -1)
			break;
	if (i == MASTER_CTL_MAX) {
		close(fd);
		return;
	}
	m->ctls[i].m = m;
	m->ctls[i].fd = fd;
	m->ctls[i].in = buf_new(8192);
	m->ctls[i].ev = event_new(m->base, fd, EV_READ | EV_PERSIST,
	    master_ctl_io, &m->ctls[i]);
	event_add(m->ctls[i].ev, NULL);
}

static int
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

/* Listeners. */

static int
master_listen(struct master *m)
{
	struct addrinfo hints, *res, *ai;
	size_t i;
	int fd, one = 1, rc;

	for (i = 0; i < m->cfg->nlisten; i++) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((rc = getaddrinfo(m->cfg->listen[i].host,
		    m->cfg->listen[i].port, &hints, &res)) != 0) {
			log_error("ListenAddress %s:%s: %s",
			    m->cfg->listen[i].host, m->cfg->listen[i].port,
			    gai_strerror(rc));
			return JG_ERR;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (m->nlisten == MASTER_MAX_LISTEN)
				break;
			fd = socket(ai->ai_family, ai->ai_socktype |
			    SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
			if (fd == -1)
				continue;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
			if (ai->ai_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				    sizeof(one));
			if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
			    listen(fd, 128) == -1) {
				log_error("listen on %s:%s: %s",
				    m->cfg->listen[i].host,
				    m->cfg->listen[i].port, strerror(errno));
				close(fd);
				freeaddrinfo(res);
				return JG_ERR;
			}
			m->lfds[m->nlisten] = fd;
			m->lev[m->nlisten] = event_new(m->base, fd,
			    EV_READ | EV_PERSIST, master_accept, m);
			event_add(m->lev[m->nlisten], NULL);
			m->nlisten++;
			log_info("listening on %s:%s", m->cfg->listen[i].host,
			    m->cfg->listen[i].port);
		}
		freeaddrinfo(res);
	}
	return JG_OK;
}

static void
master_unlisten(struct master *m)
{
	size_t i;

	for (i = 0; i < m->nlisten; i++) {
		event_free(m->lev[i]);
		close(m->lfds[i]);
	}
	m->nlisten = 0;
}

/* Signals and the once-a-second tick. */

static void
master_tell_all(struct master *m, const char *msg)
{
	struct buf *b = m->scratch;
	struct peer *p;

	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead)
			continue;
		buf_reset(b);
		if (buf_put_cstring(b, msg) == JG_OK)
			master_peer_send(p, MSG_M_SHUTDOWN, b, -1);
	}
}

/*
 * Changes the tool makes reach us through the database: a user or key
 * that is gone ends that user's live connections.
 */
static int
master_check_access(struct master *m)
{
	char owner[JG_NAME_MAX + 1];
	struct buf *b = m->scratch;
	struct peer *p;
	long long v;

	if (store_data_version(m->store, &v) != JG_OK || v == m->data_version)
		return 0;
	m->data_version = v;
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead || p->state != PEER_AUTHED || p->kill_at != 0)
			continue;
		if (store_key_owner(m->store, p->fp, owner, sizeof(owner)) ==
		    JG_OK && strcmp(owner, p->user) == 0)
			continue;
		log_info("%s: user or key removed: ending connection from %s",
		    p->user, p->source);
		buf_reset(b);
		if (buf_put_cstring(b, "your access was removed") == JG_OK)
			master_peer_send(p, MSG_M_SHUTDOWN, b, -1);
		p->kill_at = clock_sec() + 3;
	}
	return 1;
}

static void
master_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct master *m = arg;
	time_t now = clock_sec();
	struct peer *p;

	(void)fd;
	(void)ev;
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead)
			continue;
		/* A worker past its grace time is ended by us too. */
		if (p->state == PEER_PREAUTH &&
		    now - p->started > m->cfg->login_grace_time + 5)
			master_peer_kill(p, "login grace time exceeded");
		else if (p->kill_at != 0 && now >= p->kill_at)
			master_peer_kill(p, "access removed");
	}
	master_jit_tick(m, master_check_access(m));
	if (m->stopping) {
		if (m->peers == NULL)
			event_base_loopbreak(m->base);
		else if (now >= m->stop_deadline)
			for (p = m->peers; p != NULL; p = p->next)
				master_peer_kill(p, "gateway stopping");
	}
}

static void
master_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct master *m = arg;
	struct config ncfg;
	struct peer *p;
	char err[JG_ERRLEN];
	pid_t pid;
	int status;

	(void)ev;
	switch (sig) {
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == m->keeper_pid) {
				log_error("the vault keeper exited: stopping");
				m->keeper_pid = -1;
				event_base_loopbreak(m->base);
				continue;
			}
			if ((p = master_peer_by_pid(m, pid)) != NULL)
				master_peer_reap(m, p, status);
			else
				master_notify_reap(m, pid, status);
		}
		if (m->stopping && m->peers == NULL)
			event_base_loopbreak(m->base);
		break;
	case SIGTERM:
	case SIGINT:
		if (m->stopping)
			break;
		log_info("stopping: no new connections, %d s for live ones",
		    GATEWAY_STOP_GRACE);
		m->stopping = 1;
		m->stop_deadline = clock_sec() + GATEWAY_STOP_GRACE;
		master_unlisten(m);
		master_tell_all(m, "the gateway is stopping");
		if (m->peers == NULL)
			event_base_loopbreak(m->base);
		break;
	case SIGHUP:
		if (config_load(&ncfg, m->opts->config_path, err,
		    sizeof(err)) != JG_OK) {
			log_error("SIGHUP: config not reloaded: %s", err);
			break;
		}
		/* New connections use the new limits; listeners stay. */
		m->cfg->log_level = ncfg.log_level;
		m->cfg->login_grace_time = ncfg.login_grace_time;
		m->cfg->idle_timeout = ncfg.idle_timeout;
		m->cfg->connect_timeout = ncfg.connect_timeout;
		m->cfg->max_startups_begin = ncfg.max_startups_begin;
		m->cfg->max_startups_rate = ncfg.max_startups_rate;
		m->cfg->max_startups_full = ncfg.max_startups_full;
		m->cfg->penalty_failures = ncfg.penalty_failures;
		m->cfg->penalty_window = ncfg.penalty_window;
		m->cfg->penalty_duration = ncfg.penalty_duration;
		m->cfg->record_input = ncfg.record_input;
		log_set_level(m->opts->debug ? LOG_LVL_DEBUG : ncfg.log_level);
		log_info("SIGHUP: configuration reloaded for new connections "
		    "(ListenAddress changes need a restart)");
		break;
	}
}

int
master_run(const struct gw_opts *opts, struct config *cfg)
{
	struct master *m = xcalloc(1, sizeof(*m));
	const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	char path[JG_PATH_MAX], err[JG_ERRLEN];
	struct timeval one = { 1, 0 };
	ssh_key hostkey = NULL;
	size_t i;
	int kfd, n, rc = JG_EXIT_FAIL;

	m->opts = opts;
	m->cfg = cfg;
	m->ctl_fd = -1;
	m->keeper_pid = -1;
	for (i = 0; i < MASTER_CTL_MAX; i++)
		m->ctls[i].fd = -1;
	m->scratch = buf_new(MSG_MAX);
	m->penalties = xcalloc(MASTER_PENALTY_SLOTS, sizeof(*m->penalties));
	signal(SIGPIPE, SIG_IGN);
	/* The master holds the host key and passes unseal passphrases. */
	if (core_dumps_disable() != JG_OK)
		log_error("cannot disable core dumps: %s", strerror(errno));
	keeper_log_options(opts->foreground, opts->debug ? LOG_LVL_DEBUG :
	    cfg->log_level);
	/* The keeper first: it must never inherit the database. */
	if ((m->keeper_pid = keeper_start(cfg, &kfd, err, sizeof(err))) ==
	    -1) {
		log_error("cannot start the vault keeper: %s", err);
		return JG_EXIT_FAIL;
	}
	m->keeper = msg_new(kfd);
	if (config_db_path(cfg, path, sizeof(path)) != JG_OK ||
	    store_open(path, STORE_DAEMON, &m->store, err, sizeof(err)) !=
	    JG_OK) {
		log_error("%s", err);
		goto out;
	}
	if (store_sessions_interrupt_live(m->store, &n) == JG_OK && n > 0)
		log_info("%d sessions left live by an earlier run marked "
		    "interrupted", n);
	store_data_version(m->store, &m->data_version);
	if (config_state_path(cfg, "host_ed25519_key", path, sizeof(path)) !=
	    JG_OK || ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
	    &hostkey) != SSH_OK) {
		log_error("cannot load the host key %s", path);
		goto out;
	}
	m->bind = ssh_bind_new();
	if (m->bind == NULL || ssh_bind_options_set(m->bind,
	    SSH_BIND_OPTIONS_IMPORT_KEY, hostkey) != SSH_OK) {
		log_error("cannot set the host key");
		goto out;
	}
	m->base = event_base_new();
	evutil_make_socket_nonblocking(kfd);
	m->krev = event_new(m->base, kfd, EV_READ | EV_PERSIST,
	    master_keeper_io, m);
	m->kwev = event_new(m->base, kfd, EV_WRITE, master_keeper_io, m);
	event_add(m->krev, NULL);
	if (master_keeper_meta(m) != JG_OK)
		goto out;
	if (master_listen(m) != JG_OK || master_ctl_listen(m) != JG_OK)
		goto out;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		m->sigs[i] = evsignal_new(m->base, sigs[i], master_signal, m);
		event_add(m->sigs[i], NULL);
	}
	m->tick = event_new(m->base, -1, EV_PERSIST, master_tick, m);
	event_add(m->tick, &one);
	log_info("jumpgated ready (pid %ld)%s", (long)getpid(), getuid() == 0 ?
	    "" : ": running as a normal user, every process stays that user");
	event_base_dispatch(m->base);
	rc = JG_EXIT_OK;
out:
	if (m->ctl_path[0] != '\0')
		unlink(m->ctl_path);
	msg_free(m->keeper);	/* closing it makes the keeper wipe and exit */
	m->keeper = NULL;
	if (m->keeper_pid > 0)
		waitpid(m->keeper_pid, NULL, 0);
	store_close(m->store);
	log_info("jumpgated stopped");
	return rc;
}
