/* master-keeper.c: the master's link to the vault keeper: the vault's parameters, registrations, recording keys, and the keeper's answers. */

/*
 * The keeper is trusted as the master is: a message from it that does not
 * decode, or one the master does not expect, is a bug and stops the
 * daemon (fatalx), so the service manager restarts it in a known state.
 * Its answers are handled by one table, each decoded to its last byte
 * first (common/proto-mk.c).
 */

#include <stdlib.h>
#include <string.h>

#include "master.h"

/* After a message was queued for the keeper: send what the socket takes. */
void
master_keeper_sent(struct master *m, int queued)
{
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

static void
master_k_status(struct master *m, const void *msg)
{
	const struct k_status *ks = msg;

	m->unsealed = ks->unsealed != 0;
	snprintf(m->keeper_status, sizeof(m->keeper_status), "%s",
	    ks->message);
	log_info("vault: %s", ks->message);
	master_ctl_unsealed(m);
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
		log_error("the vault keeper is gone: stopping");
		event_base_loopbreak(m->base);
		return;
	}
	in = buf_new(MSG_MAX);
	while ((r = msg_get(m->keeper, &type, in, &pfd)) == 1)
		master_keeper_dispatch(m, type, in, pfd);
	buf_free(in);
	if (r < 0)
		fatalx("malformed message from the keeper");
}

/* Fork the keeper: before the database is opened, so it never holds it. */
int
master_keeper_start(struct master *m, char *err, size_t errlen)
{
	int kfd;

	keeper_log_options(m->opts->foreground, m->opts->debug ?
	    LOG_LVL_DEBUG : m->cfg->log_level);
	if ((m->keeper_pid = keeper_start(m->cfg, &kfd, err, errlen)) == -1)
		return JG_ERR;
	m->keeper = msg_new(kfd);
	return JG_OK;
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
