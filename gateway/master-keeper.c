/* master-keeper.c: the master's link to the vault keeper: the vault's parameters, registrations, recording keys, and the keeper's answers. */

/*
 * The keeper is trusted as the master is: a message from it that does not
 * decode, or one the master does not expect, is a bug and stops the
 * daemon (fatalx), so the service manager restarts it in a known state.
 * Its answers are handled by one table, each decoded to its last byte
 * first (common/proto-mk.c).
 *
 * The keeper runs our own binary with -K (keeper_start execs it), so one
 * started while the database and the host key are open inherits neither.
 * A keeper that dies is not an outage: live sessions go on (their target
 * logins are done; a worker needs the keeper only to log in and for each
 * new session's recording key), the master starts a new keeper at once and
 * gives it the vault's parameters; with a key file it unseals by itself,
 * with a passphrase it waits for `jumpgate unseal` and users are told the
 * vault is sealed. Once it is unsealed, every authorized connection is
 * registered with it again and its worker gets the new socket
 * (M_KEEPER), so its next session is recorded as before. Five deaths
 * within a minute are not a crash but a condition: the daemon exits 1
 * for the service manager.
 */

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

/* After a message was queued for the keeper: send what the socket takes. */
void
master_keeper_sent(struct master *m, int queued)
{
	if (m->keeper == NULL)
		return;		/* lost; what was queued goes with it */
	if (queued != JG_OK)
		log_error("cannot queue a message for the keeper");
	if (msg_flush(m->keeper) == 1)
		event_add(m->kwev, NULL);
}

/*
 * K_RECKEY: the keeper made a recording key: store its sealed copy with
 * the session, if that session is one of the asking connection's. Without
 * the key the recording could never be read: a session whose key cannot
 * be stored is ended.
 */
static void
master_k_reckey(struct master *m, const void *msg)
{
	const struct k_reckey *kr = msg;
	struct peer *p;
	size_t i;

	for (p = m->peers; p != NULL; p = p->next)
		if (p->conn_id == kr->conn)
			break;
	for (i = 0; p != NULL && i < p->nsessions; i++)
		if (p->sessions[i] == (long long)kr->session ||
		    p->sessions[i] == -(long long)kr->session)
			break;
	if (p == NULL || i == p->nsessions) {
		if (p != NULL)
			master_peer_kill(p, "asked a key for a session not "
			    "its own");
		return;
	}
	if (store_session_set_key(m->store, (long long)kr->session,
	    kr->sealed.p, kr->sealed.len) == JG_OK)
		return;
	log_error("session %llu: cannot store the recording key: %s",
	    (unsigned long long)kr->session, store_errmsg(m->store));
	master_peer_stop(p, STOP_RECORDING, "the gateway cannot record this "
	    "session");
}

/*
 * A connection authorized with an earlier keeper: register it with this
 * one and give its worker the new socket.
 */
static void
master_keeper_reregister(struct master *m, struct peer *p)
{
	struct store_secret sec;
	int wfd;

	memset(&sec, 0, sizeof(sec));
	if (store_secret_get(m->store, p->target, &sec) != JG_OK) {
		log_error("connection %llu: no credential for %s any more: "
		    "its new sessions will be refused",
		    (unsigned long long)p->conn_id, p->target);
		p->keeper_gen = m->keeper_gen;
		return;
	}
	if (master_keeper_register(m, p, &sec, &wfd) == JG_OK)
		master_peer_sent(p, proto_send(&proto_wm, p->conn,
		    MSG_M_KEEPER, NULL, 0, wfd));
	free(sec.sealed);
}

static void
master_k_status(struct master *m, const void *msg)
{
	const struct k_status *ks = msg;
	struct peer *p;

	m->unsealed = ks->unsealed != 0;
	snprintf(m->keeper_status, sizeof(m->keeper_status), "%s",
	    ks->message);
	log_info("vault: %s", ks->message);
	master_ctl_unsealed(m);
	if (!m->unsealed)
		return;
	for (p = m->peers; p != NULL; p = p->next)
		if (!p->dead && p->state == PEER_AUTHORIZED &&
		    p->keeper_gen != m->keeper_gen)
			master_keeper_reregister(m, p);
}

/*
 * Register a connection with the keeper: its target's sealed secret and
 * the keeper's end of a new socket pair; *worker_fd gets the other end,
 * for the worker.
 */
int
master_keeper_register(struct master *m, struct peer *p,
    const struct store_secret *sec, int *worker_fd)
{
	struct k_register kr;
	int kp[2];

	*worker_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, kp) == -1) {
		log_error("socketpair: %s", strerror(errno));
		return JG_ERR;
	}
	memset(&kr, 0, sizeof(kr));
	kr.conn = p->conn_id;
	snprintf(kr.target, sizeof(kr.target), "%s", sec->target);
	snprintf(kr.kind, sizeof(kr.kind), "%s", sec->kind);
	kr.version = sec->version;
	kr.sealed.p = sec->sealed;
	kr.sealed.len = sec->sealed_len;
	master_keeper_sent(m, k_register_send(m->keeper, &kr, kp[0]));
	p->keeper_gen = m->keeper_gen;
	*worker_fd = kp[1];
	return JG_OK;
}

static void
master_k_registered(struct master *m, const void *msg)
{
	const struct k_registered *kr = msg;

	(void)m;
	if (!kr->ok)
		log_error("keeper refused connection %llu: %s",
		    (unsigned long long)kr->conn, kr->message);
}

static const struct {
	uint32_t type;
	void (*fn)(struct master *, const void *);
} master_k_handlers[] = {
	{ MSG_K_STATUS, master_k_status },
	{ MSG_K_REGISTERED, master_k_registered },
	{ MSG_K_RECKEY, master_k_reckey },
	{ MSG_K_MFA_RESULT, master_k_mfa_result },
};

static void
master_keeper_dispatch(struct master *m, uint32_t type, struct buf *in,
    int fd)
{
	void *msg;
	size_t i;

	for (i = 0; i < sizeof(master_k_handlers) /
	    sizeof(master_k_handlers[0]); i++)
		if (master_k_handlers[i].type == type)
			break;
	if (i == sizeof(master_k_handlers) / sizeof(master_k_handlers[0]))
		fatalx("unexpected message %u from the keeper", type);
	if (proto_dec_new(&proto_mk, type, in, fd, &msg) != JG_OK)
		fatalx("malformed message %u from the keeper", type);
	master_k_handlers[i].fn(m, msg);
	proto_free(&proto_mk, type, msg);
}

static void
master_keeper_io(evutil_socket_t fd, short ev, void *arg)
{
	struct master *m = arg;
	struct buf *in;
	uint32_t type;
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
		master_keeper_lost(m, 0, 0);
		return;
	}
	in = buf_new(MSG_MAX);
	while ((r = msg_get(m->keeper, &type, in, &pfd)) == 1)
		master_keeper_dispatch(m, type, in, pfd);
	buf_free(in);
	if (r < 0)
		fatalx("malformed message from the keeper");
}

/* Start a keeper: our binary with -K, logging as we do. */
int
master_keeper_start(struct master *m, char *err, size_t errlen)
{
	char *argv[8];
	size_t n = 0;
	int kfd;

	argv[n++] = m->self_path;
	argv[n++] = "-K";
	if (m->opts->foreground)
		argv[n++] = "-f";
	if (m->opts->debug)
		argv[n++] = "-d";
	argv[n++] = "-c";
	argv[n++] = (char *)m->opts->config_path;
	argv[n] = NULL;
	if ((m->keeper_pid = keeper_start(m->cfg, argv, &kfd, err,
	    errlen)) == -1)
		return JG_ERR;
	m->keeper = msg_new(kfd);
	m->keeper_gen++;
	return JG_OK;
}

/* A fatal condition: the loop ends and the daemon exits 1. */
static void
master_fatal(struct master *m)
{
	m->exit_rc = JG_EXIT_FAIL;
	event_base_loopbreak(m->base);
}

/*
 * The keeper is gone: its socket closed (reaped 0: it is killed and
 * waited for here) or SIGCHLD reaped it with status. Start another unless
 * we are stopping or it keeps dying.
 */
void
master_keeper_lost(struct master *m, int reaped, int status)
{
	char how[64], detail[96], err[JG_ERRLEN];
	time_t now = clock_sec();
	size_t i, recent = 0;

	if (m->keeper == NULL)
		return;
	event_free(m->krev);
	event_free(m->kwev);
	m->krev = m->kwev = NULL;
	msg_free(m->keeper);
	m->keeper = NULL;
	if (!reaped && m->keeper_pid > 0) {
		kill(m->keeper_pid, SIGKILL);
		if (waitpid(m->keeper_pid, &status, 0) != m->keeper_pid)
			status = 0;
	}
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "died of signal %d",
		    WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited with status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	m->keeper_pid = -1;
	m->unsealed = 0;
	master_mfa_abandon(m);
	snprintf(m->keeper_status, sizeof(m->keeper_status), "sealed: the "
	    "vault keeper %s", how);
	master_ctl_unsealed(m);
	if (m->stopping) {
		log_info("the vault keeper %s", how);
		return;
	}
	m->keeper_deaths[m->nkeeper_deaths++ % MASTER_KEEPER_DEATHS] = now;
	for (i = 0; i < MASTER_KEEPER_DEATHS && i < m->nkeeper_deaths; i++)
		if (now - m->keeper_deaths[i] < MASTER_KEEPER_WINDOW)
			recent++;
	snprintf(detail, sizeof(detail), "%s", how);
	if (recent >= MASTER_KEEPER_DEATHS) {
		log_error("the vault keeper %s, the %zuth time within %d s: "
		    "stopping", how, recent, MASTER_KEEPER_WINDOW);
		(void)master_audit(m, "jumpgated", "keeper.died", detail);
		master_fatal(m);
		return;
	}
	log_error("the vault keeper %s: starting a new one (live sessions go "
	    "on)", how);
	(void)master_audit(m, "jumpgated", "keeper.died", detail);
	if (master_keeper_start(m, err, sizeof(err)) != JG_OK) {
		log_error("cannot start the vault keeper: %s: stopping", err);
		master_fatal(m);
		return;
	}
	master_keeper_listen(m);
	if (master_keeper_meta(m) != JG_OK)
		master_fatal(m);
}

/* Once the loop exists: watch the keeper's socket. */
void
master_keeper_listen(struct master *m)
{
	int kfd = msg_fd(m->keeper);

	evutil_make_socket_nonblocking(kfd);
	m->krev = event_new(m->base, kfd, EV_READ | EV_PERSIST,
	    master_keeper_io, m);
	m->kwev = event_new(m->base, kfd, EV_WRITE, master_keeper_io, m);
	event_add(m->krev, NULL);
}

/* The vault's parameters, for the keeper to check its key against. */
int
master_keeper_meta(struct master *m)
{
	struct store_vault_meta meta;
	struct k_meta km;

	if (store_vault_meta_get(m->store, &meta) != JG_OK || !meta.present) {
		log_error("the vault is not initialised: run jumpgate init");
		return JG_ERR;
	}
	memset(&km, 0, sizeof(km));
	snprintf(km.mode, sizeof(km.mode), "%s", meta.mode);
	memcpy(km.salt, meta.salt, sizeof(km.salt));
	km.opslimit = meta.opslimit;
	km.memlimit = meta.memlimit;
	memcpy(km.check, meta.check, sizeof(km.check));
	master_keeper_sent(m, k_meta_send(m->keeper, &km, -1));
	return JG_OK;
}
