/* master-listen.c: the master's listeners and pre-auth limits: MaxStartups, PerSourceMaxStartups, per-source penalties, one worker forked per connection. */

/*
 * Nothing here waits: a connection is accepted, checked against the
 * source's penalty, its count of unauthenticated connections
 * (PerSourceMaxStartups) and sshd's MaxStartups early drop, and handed to a
 * freshly forked worker with its own socket pair, all in one callback.
 * The child closes every descriptor but the client and its pair by number
 * before anything else (common/privsep.c), so no worker holds the
 * database, a listener or another connection.
 *
 * A source is penalised (refused at accept for PenaltyDuration) after
 * PenaltyFailures events within PenaltyWindow, an event being a failed
 * authentication or a connection that ended without authenticating
 * (dropped at the per-source cap included: sshd's "noauth"). The moment
 * it is, its unauthenticated connections are closed too, so a flood from
 * one source holds no pre-auth slot that MaxStartups would count against
 * everyone else.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "master.h"

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

/* A penalised source's connections that have not authenticated end now. */
static void
master_penalty_close(struct master *m, const char *addr)
{
	struct peer *p;

	for (p = m->peers; p != NULL; p = p->next)
		if (!p->dead && (p->state & PEER_NOT_IN) &&
		    strcmp(p->addr, addr) == 0)
			master_peer_kill(p, "source penalised");
}

void
master_penalty_fail(struct master *m, const char *addr, int noauth)
{
	struct penalty *p;
	time_t now = clock_sec();
	char detail[INET6_ADDRSTRLEN + 32];

	if (m->cfg->penalty_duration == 0)
		return;		/* PenaltyDuration 0: no penalties */
	p = master_penalty(m, addr, 1);
	p->last = now;
	if (p->until > now)
		return;		/* already refused: its stragglers end here */
	/*
	 * Events are counted in a window that opens at the first one: a
	 * count, not a list of times, so PenaltyFailures may be large.
	 */
	if (p->nfails == 0 || now - p->window_start >= m->cfg->penalty_window) {
		p->window_start = now;
		p->nfails = 0;
	}
	if ((int)++p->nfails < m->cfg->penalty_failures)
		return;
	p->until = now + m->cfg->penalty_duration;
	log_info("source %s: %zu %s within %d s, refused for %d s", addr,
	    p->nfails, noauth ? "connections without authentication" :
	    "failed authentications", m->cfg->penalty_window,
	    m->cfg->penalty_duration);
	p->nfails = 0;
	snprintf(detail, sizeof(detail), "%s cause=%s", addr,
	    noauth ? "noauth" : "authfail");
	(void)master_audit(m, "jumpgated", "penalty", detail);
	master_penalty_close(m, addr);
}

static int
master_penalised(struct master *m, const char *addr)
{
	struct penalty *p = master_penalty(m, addr, 0);

	return p != NULL && p->until > clock_sec();
}

/* PerSourceMaxStartups: the source's unauthenticated connections are at the cap. */
static int
master_source_full(struct master *m, const char *addr)
{
	struct peer *p;
	int n = 0;

	if (m->cfg->per_source_max_startups == 0)
		return 0;
	for (p = m->peers; p != NULL; p = p->next)
		if (!p->dead && (p->state & PEER_NOT_IN) &&
		    strcmp(p->addr, addr) == 0)
			n++;
	return n >= m->cfg->per_source_max_startups;
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

/*
 * Out of descriptors: a level-triggered listener would call us again at
 * once, forever. Stop listening for a second instead (the pending
 * connections wait in the backlog), and say so once per shortage.
 */
static void
master_accept_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct master *m = arg;
	size_t i;

	(void)fd;
	(void)ev;
	for (i = 0; i < m->nlisten; i++)
		event_add(m->lev[i], NULL);
}

static void
master_accept_pause(struct master *m, int err)
{
	struct timeval one = { 1, 0 };
	size_t i;

	if (!m->accept_short) {
		log_error("accept: %s: not accepting connections for a second "
		    "at a time until descriptors are free", strerror(err));
		m->accept_short = 1;
	}
	for (i = 0; i < m->nlisten; i++)
		event_del(m->lev[i]);
	if (m->accept_timer == NULL)
		m->accept_timer = evtimer_new(m->base, master_accept_resume, m);
	evtimer_add(m->accept_timer, &one);
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
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			master_accept_pause(m, errno);
		else if (errno != EAGAIN && errno != EINTR &&
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
		master_log_refused(LOG_LVL_VERBOSE, NULL, NULL, addr,
		    "penalty for failed authentications");
		close(fd);
		return;
	}
	if (master_source_full(m, addr)) {
		master_log_refused(LOG_LVL_VERBOSE, NULL, NULL, addr,
		    "PerSourceMaxStartups %d",
		    m->cfg->per_source_max_startups);
		close(fd);
		master_penalty_fail(m, addr, 1);
		return;
	}
	if (master_startups_drop(m)) {
		master_log_refused(LOG_LVL_INFO, NULL, NULL, addr, "MaxStartups (%zu "
		    "pre-auth)", m->preauth);
		close(fd);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		/* accept took the last descriptor but one: the same shortage */
		int err = errno;

		close(fd);
		if (err == EMFILE || err == ENFILE || err == ENOMEM)
			master_accept_pause(m, err);
		else
			log_error("socketpair: %s", strerror(err));
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
		privsep_env_scrub();
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
	p = master_peer_new(m, pid, sp[0], addr, port);
	log_verbose("connection from %s: worker %ld", p->source, (long)pid);
	if (m->accept_short) {
		log_info("accepting connections again");
		m->accept_short = 0;
	}
}

/* Listeners. */

int
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

void
master_unlisten(struct master *m)
{
	size_t i;

	for (i = 0; i < m->nlisten; i++) {
		event_free(m->lev[i]);
		close(m->lfds[i]);
	}
	m->nlisten = 0;
	if (m->accept_timer != NULL)
		event_free(m->accept_timer);
	m->accept_timer = NULL;
}
