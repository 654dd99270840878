/* keeper.c: the vault keeper, the one process of jumpgated that holds the unsealed vault key. */

/*
 * Modelled on OpenSMTPD's ca.c: a small process that signs and opens for
 * others and parses nothing from the network. The master forks it before it
 * opens the database; it reads the key file while still root, then becomes
 * KeeperUser, makes itself non-dumpable and serves two kinds of sockets
 * from one libevent loop:
 *
 *   - the master's socket (framed messages, msg.c): vault parameters,
 *     the unseal passphrase, and registrations. Each registration carries
 *     one sealed secret, the target it belongs to, and the keeper's end of a
 *     socket pair whose other end the master gives to that connection's
 *     worker. The master is trusted: a message we cannot parse means a bug,
 *     and the keeper exits (the master then fails closed).
 *   - one registration socket per worker connection, speaking the ssh-agent
 *     protocol (keeper-agent.c). A worker is not trusted: it can only make
 *     the keeper sign for, or hand out the password of, the one target the
 *     master registered for it.
 *
 * Every socket is non-blocking, so a worker that stops reading cannot stall
 * the others. When the master's socket closes the keeper wipes everything
 * and exits.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "jumpgate.h"
#include "keeper-int.h"

#define KEEPER_PROGNAME "jumpgated-keeper"
/* The master's socket is moved here in the child; everything above closes. */
#define KEEPER_MASTER_FD 3
/* Registrations alive at once; each costs a descriptor and a few KiB. */
#define KEEPER_REG_MAX 65536
/* Descriptors kept free for the master's socket, passed fds in flight, syslog. */
#define KEEPER_FD_SPARE 64
/* Read this much from a worker per readable event. */
#define KEEPER_READ_CHUNK 16384
/* Stop reading a worker's requests while this much of its answers is unsent. */
#define KEEPER_OUT_HIGH KEEPER_AGENT_MAX
#define KEEPER_OUT_MAX (KEEPER_OUT_HIGH + KEEPER_PASSWORD_MAX + 1024)

struct keeper;

struct keeper_reg {
	struct keeper *k;
	struct keeper_reg *next;
	struct keeper_cred cred;
	int fd;
	struct event *rev;		/* persistent read, while below high */
	struct event *wev;		/* one-shot, while answers are unsent */
	int reading;
	struct buf *in;			/* requests not yet answered */
	struct buf *out;		/* answers not yet sent */
};

struct keeper {
	struct event_base *base;
	struct msgconn *m;		/* the master */
	struct event *mrev;
	struct event *mwev;
	struct buf *msg;		/* payload of the message in hand */
	struct buf *body;		/* body of the agent request in hand */
	char key_file[JG_PATH_MAX];	/* empty: passphrase mode */
	struct vault_key *key;		/* NULL while sealed */
	int load_rc;			/* file mode: vault_key_load_file */
	char load_err[JG_ERRLEN];
	struct store_vault_meta meta;	/* present once MSG_K_META came */
	struct keeper_reg *regs;
	size_t nregs;
	size_t reg_max;			/* what RLIMIT_NOFILE allows */
};

/* The logging the master asked for; -1: keep what was inherited. */
static int keeper_log_stderr = -1;
static int keeper_log_level = LOG_LVL_INFO;

/*
 * The master calls this before keeper_start so the keeper logs the same
 * way (stderr or syslog, level) under its own name.
 */
void
keeper_log_options(int to_stderr, int level)
{
	keeper_log_stderr = to_stderr ? 1 : 0;
	keeper_log_level = level;
}

static void keeper_fatal(struct keeper *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

static void
keeper_reg_free(struct keeper_reg *reg)
{
	struct keeper_reg **pp;

	for (pp = &reg->k->regs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == reg) {
			*pp = reg->next;
			reg->k->nregs--;
			break;
		}
	if (reg->rev != NULL)
		event_free(reg->rev);
	if (reg->wev != NULL)
		event_free(reg->wev);
	if (reg->fd != -1)
		close(reg->fd);
	keeper_cred_clear(&reg->cred);
	buf_free(reg->in);		/* buf_free wipes */
	buf_free(reg->out);
	free(reg);
}

/* Wipe every secret; the process exits right after. */
static void
keeper_wipe(struct keeper *k)
{
	while (k->regs != NULL)
		keeper_reg_free(k->regs);
	vault_key_free(k->key);
	k->key = NULL;
	sodium_memzero(&k->meta, sizeof(k->meta));
	buf_free(k->msg);
	buf_free(k->body);
	k->msg = k->body = NULL;
}

/*
 * _exit, not exit: the child shares the master's atexit handlers and stdio
 * buffers, which must run (and flush) once, in the master.
 */
static void __attribute__((noreturn))
keeper_exit(struct keeper *k, int code)
{
	keeper_wipe(k);
	if (k->mrev != NULL)
		event_free(k->mrev);
	if (k->mwev != NULL)
		event_free(k->mwev);
	msg_free(k->m);
	if (k->base != NULL)
		event_base_free(k->base);
	_exit(code);
}

/* A bug in the master or in us: log, wipe, exit; the master fails closed. */
static void
keeper_fatal(struct keeper *k, const char *fmt, ...)
{
	char msg[JG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("keeper: %s", msg);
	keeper_exit(k, JG_EXIT_FAIL);
}

static void
keeper_master_flush(struct keeper *k)
{
	int r = msg_flush(k->m);

	if (r == 1) {
		if (event_add(k->mwev, NULL) == -1)
			keeper_fatal(k, "cannot watch the master's socket");
		return;
	}
	if (r < 0) {
		log_info("keeper: the master is gone (%s): wiping the vault key "
		    "and exiting", strerror(errno));
		keeper_exit(k, 0);
	}
}

static void
keeper_status(struct keeper *k, int unsealed, const char *message)
{
	struct buf *b = buf_new(JG_ERRLEN + 64);

	if (buf_put_u32(b, unsealed ? 1 : 0) != JG_OK ||
	    buf_put_cstring(b, message) != JG_OK ||
	    msg_queue_buf(k->m, MSG_K_STATUS, b, -1) != JG_OK)
		keeper_fatal(k, "cannot queue a status message");
	buf_free(b);
	log_info("keeper: %s", message);
}

static void
keeper_registered(struct keeper *k, uint64_t conn, int ok,
    const char *message)
{
	struct buf *b = buf_new(JG_ERRLEN + 64);

	if (buf_put_u64(b, conn) != JG_OK ||
	    buf_put_u32(b, ok ? 1 : 0) != JG_OK ||
	    buf_put_cstring(b, message) != JG_OK ||
	    msg_queue_buf(k->m, MSG_K_REGISTERED, b, -1) != JG_OK)
		keeper_fatal(k, "cannot queue a registration answer");
	buf_free(b);
}

/*
 * A recording key for one of this connection's sessions: 32 random bytes.
 * The plain key goes back to the worker on its registration socket, the
 * key sealed by the vault key to the master, which stores it with the
 * session (so `vault rekey` re-seals it with everything else). The master
 * checks that the session belongs to this connection.
 */
static int
keeper_reckey(struct keeper *k, struct keeper_reg *reg, struct buf *body)
{
	unsigned char *key, *sealed = NULL;
	struct buf *b;
	char name[64];
	uint64_t sid;
	size_t slen = 0;
	int rc;

	if (buf_get_u64(body, &sid) != JG_OK || buf_len(body) != 0 ||
	    sid == 0 || k->key == NULL) {
		log_info("keeper: refused a recording key to connection %llu",
		    (unsigned long long)reg->cred.conn);
		return buf_put_u32(reg->out, 1) == JG_OK ?
		    buf_put_u8(reg->out, AGENT_FAILURE) : JG_ENOMEM;
	}
	if ((key = vault_secret_alloc(REC_KEYBYTES)) == NULL)
		keeper_fatal(k, "out of locked memory");
	randombytes_buf(key, REC_KEYBYTES);
	snprintf(name, sizeof(name), "session-%llu", (unsigned long long)sid);
	rc = vault_seal(k->key, name, STORE_RECKEY_KIND, 1, key, REC_KEYBYTES,
	    &sealed, &slen);
	b = buf_new(4096);
	if (rc == JG_OK && (buf_put_u64(b, reg->cred.conn) != JG_OK ||
	    buf_put_u64(b, sid) != JG_OK ||
	    buf_put_string(b, sealed, slen) != JG_OK ||
	    msg_queue_buf(k->m, MSG_K_RECKEY, b, -1) != JG_OK))
		keeper_fatal(k, "cannot queue a recording key");
	buf_free(b);
	free(sealed);
	if (rc == JG_OK) {
		keeper_master_flush(k);
		rc = buf_put_u32(reg->out, 1 + 4 + REC_KEYBYTES);
		if (rc == JG_OK)
			rc = buf_put_u8(reg->out, AGENT_JG_RECKEY);
		if (rc == JG_OK)
			rc = buf_put_string(reg->out, key, REC_KEYBYTES);
		log_info("keeper: recording key for session %llu (connection "
		    "%llu, target %s)", (unsigned long long)sid,
		    (unsigned long long)reg->cred.conn, reg->cred.target);
	} else
		rc = buf_put_u32(reg->out, 1) == JG_OK ?
		    buf_put_u8(reg->out, AGENT_FAILURE) : JG_ENOMEM;
	vault_secret_free(key, REC_KEYBYTES);
	return rc;
}

/*
 * MSG_K_META: cstring mode, string salt (16), u64 opslimit, u64 memlimit,
 * string check (32). A repeated META (the master re-read the database)
 * keeps the key only if it still matches.
 */
static void
keeper_meta(struct keeper *k)
{
	struct store_vault_meta meta;
	const unsigned char *salt, *check;
	size_t saltlen, checklen;
	uint64_t ops, mem;
	char msg[JG_ERRLEN];
	int rc;

	memset(&meta, 0, sizeof(meta));
	if (buf_get_cstring(k->msg, meta.mode, sizeof(meta.mode)) != JG_OK ||
	    buf_get_string(k->msg, &salt, &saltlen) != JG_OK ||
	    saltlen != VAULT_SALT_LEN ||
	    buf_get_u64(k->msg, &ops) != JG_OK ||
	    buf_get_u64(k->msg, &mem) != JG_OK ||
	    buf_get_string(k->msg, &check, &checklen) != JG_OK ||
	    checklen != VAULT_CHECK_LEN || buf_len(k->msg) != 0)
		keeper_fatal(k, "malformed vault parameters from the master");
	meta.present = 1;
	memcpy(meta.salt, salt, VAULT_SALT_LEN);
	meta.opslimit = ops;
	meta.memlimit = mem;
	memcpy(meta.check, check, VAULT_CHECK_LEN);
	k->meta = meta;

	if (strcmp(meta.mode, "file") == 0) {
		if (k->key_file[0] == '\0') {
			keeper_status(k, 0, "this vault is opened by a key "
			    "file, but no VaultKeyFile is set");
			return;
		}
		if (k->key == NULL) {
			/* The load failed at start (and the file stays unread). */
			keeper_status(k, 0, k->load_err[0] != '\0' ?
			    k->load_err : "the vault key was not loaded");
			return;
		}
		if ((rc = vault_key_verify(k->key, meta.check)) == JG_OK) {
			keeper_status(k, 1, "unsealed");
			return;
		}
		/* Never keep a key that opens nothing: it is not ours. */
		vault_key_free(k->key);
		k->key = NULL;
		snprintf(msg, sizeof(msg), rc == JG_EAUTH ? "wrong vault key: "
		    "VaultKeyFile %s does not match this vault" :
		    "VaultKeyFile %s: cannot compute its key check value",
		    k->key_file);
		snprintf(k->load_err, sizeof(k->load_err), "%s", msg);
		keeper_status(k, 0, msg);
		return;
	}
	if (strcmp(meta.mode, "passphrase") == 0) {
		if (k->key_file[0] != '\0') {
			vault_key_free(k->key);
			k->key = NULL;
			snprintf(msg, sizeof(msg), "this vault is opened by a "
			    "passphrase, but VaultKeyFile %s is set",
			    k->key_file);
			keeper_status(k, 0, msg);
			return;
		}
		if (k->key != NULL && vault_key_verify(k->key, meta.check) ==
		    JG_OK) {
			keeper_status(k, 1, "unsealed");
			return;
		}
		vault_key_free(k->key);
		k->key = NULL;
		keeper_status(k, 0, "sealed: waiting for jumpgate unseal");
		return;
	}
	keeper_fatal(k, "unknown vault mode \"%s\" from the master", meta.mode);
}

/*
 * MSG_K_UNSEAL: string passphrase. Argon2id with the stored (MODERATE)
 * limits takes 0.5 to 1 s here and blocks the keeper's loop for that long:
 * acceptable, since it happens once per daemon start, before the vault can
 * answer anyone, and it blocks only the keeper, never the master or a
 * worker (whose registrations simply wait in the socket buffers).
 */
static void
keeper_unseal(struct keeper *k)
{
	const unsigned char *pass;
	struct vault_key *key;
	char err[JG_ERRLEN];
	size_t len;
	int rc;

	if (buf_get_string(k->msg, &pass, &len) != JG_OK ||
	    buf_len(k->msg) != 0)
		keeper_fatal(k, "malformed unseal message from the master");
	if (!k->meta.present || strcmp(k->meta.mode, "passphrase") != 0) {
		buf_reset(k->msg);	/* wipes the passphrase */
		keeper_status(k, k->key != NULL, k->meta.present ? "this "
		    "vault is opened by its VaultKeyFile, not a passphrase" :
		    "the vault parameters have not been received");
		return;
	}
	if (k->key != NULL) {
		buf_reset(k->msg);
		keeper_status(k, 1, "unsealed");
		return;
	}
	rc = vault_unlock_passphrase(&k->meta, (const char *)pass, len, &key,
	    err, sizeof(err));
	buf_reset(k->msg);
	if (rc != JG_OK) {
		keeper_status(k, 0, rc == JG_EAUTH ? "wrong vault passphrase" :
		    err);
		return;
	}
	k->key = key;
	keeper_status(k, 1, "unsealed");
}

static struct keeper_reg *
keeper_reg_find(struct keeper *k, uint64_t conn)
{
	struct keeper_reg *reg;

	for (reg = k->regs; reg != NULL; reg = reg->next)
		if (reg->cred.conn == conn)
			return reg;
	return NULL;
}

static void keeper_reg_read(evutil_socket_t, short, void *);
static void keeper_reg_write(evutil_socket_t, short, void *);

/* Send what the worker's socket takes; -1 when the registration was dropped. */
static int
keeper_reg_flush(struct keeper_reg *reg)
{
	ssize_t n;

	while (buf_len(reg->out) > 0) {
		n = send(reg->fd, buf_ptr(reg->out), buf_len(reg->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (event_add(reg->wev, NULL) == -1)
				keeper_fatal(reg->k, "cannot watch a worker's "
				    "socket");
			return 0;
		}
		if (n <= 0) {
			log_info("keeper: connection %llu: agent socket: %s: "
			    "dropped", (unsigned long long)reg->cred.conn,
			    n == -1 ? strerror(errno) : "closed");
			keeper_reg_free(reg);
			return -1;
		}
		if (buf_consume(reg->out, (size_t)n) != JG_OK)
			keeper_fatal(reg->k, "send overran its buffer");
	}
	/* Sent: wipe what the answers held (a password, once). */
	buf_reset(reg->out);
	return 0;
}

/*
 * Answer the complete requests in reg->in, stopping while too much is
 * unsent (a worker that writes but never reads must not grow our memory).
 * Returns -1 when the registration was dropped.
 */
static int
keeper_reg_process(struct keeper_reg *reg)
{
	struct keeper *k = reg->k;
	const unsigned char *p;
	uint32_t len;
	uint8_t type;

	while (buf_len(reg->out) < KEEPER_OUT_HIGH) {
		if (buf_len(reg->in) < 4)
			break;
		p = buf_ptr(reg->in);
		len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		if (len < 1 || len > KEEPER_AGENT_MAX) {
			log_info("keeper: connection %llu sent an agent "
			    "message of %lu bytes: dropped",
			    (unsigned long long)reg->cred.conn,
			    (unsigned long)len);
			keeper_reg_free(reg);
			return -1;
		}
		if (buf_len(reg->in) - 4 < len)
			break;
		buf_reset(k->body);
		if (buf_consume(reg->in, 4) != JG_OK ||
		    buf_get_u8(reg->in, &type) != JG_OK ||
		    buf_put(k->body, buf_ptr(reg->in), len - 1) != JG_OK ||
		    buf_consume(reg->in, len - 1) != JG_OK)
			keeper_fatal(k, "agent frame bookkeeping failed");
		if ((type == AGENT_JG_RECKEY_REQUEST ?
		    keeper_reckey(k, reg, k->body) :
		    keeper_agent_answer(&reg->cred, type, k->body, reg->out)) !=
		    JG_OK) {
			log_info("keeper: connection %llu: no room for an "
			    "answer: dropped", (unsigned long long)reg->cred.conn);
			keeper_reg_free(reg);
			return -1;
		}
	}
	buf_reset(k->body);
	if (keeper_reg_flush(reg) == -1)
		return -1;
	/* Read more only while the answers drain. */
	if (buf_len(reg->out) >= KEEPER_OUT_HIGH && reg->reading) {
		if (event_del(reg->rev) == -1)
			keeper_fatal(k, "cannot pause a worker's socket");
		reg->reading = 0;
	} else if (buf_len(reg->out) < KEEPER_OUT_HIGH && !reg->reading) {
		if (event_add(reg->rev, NULL) == -1)
			keeper_fatal(k, "cannot watch a worker's socket");
		reg->reading = 1;
	}
	return 0;
}

static void
keeper_reg_read(evutil_socket_t fd, short what, void *arg)
{
	struct keeper_reg *reg = arg;
	unsigned char *p;
	ssize_t n;

	(void)what;
	/* Room is always there: at most one partial frame waits in reg->in. */
	if (buf_reserve(reg->in, KEEPER_READ_CHUNK, &p) != JG_OK) {
		log_info("keeper: connection %llu: too much unanswered agent "
		    "input: dropped", (unsigned long long)reg->cred.conn);
		keeper_reg_free(reg);
		return;
	}
	do
		n = recv(fd, p, KEEPER_READ_CHUNK, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	buf_unreserve(reg->in, KEEPER_READ_CHUNK - (n > 0 ? (size_t)n : 0));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		log_info("keeper: connection %llu closed its agent socket "
		    "(target %s)", (unsigned long long)reg->cred.conn,
		    reg->cred.target);
		keeper_reg_free(reg);
		return;
	}
	keeper_reg_process(reg);
}

static void
keeper_reg_write(evutil_socket_t fd, short what, void *arg)
{
	struct keeper_reg *reg = arg;

	(void)fd;
	(void)what;
	if (keeper_reg_flush(reg) == -1)
		return;
	/* Requests held back while answers were queued may now go on. */
	keeper_reg_process(reg);
}

/* Refuse a registration: tell the master why, close the worker's socket. */
static void
keeper_refuse(struct keeper *k, uint64_t conn, const char *target, int fd,
    const char *why)
{
	log_info("keeper: refused to register connection %llu for target "
	    "%s: %s", (unsigned long long)conn, target, why);
	if (fd != -1)
		close(fd);
	keeper_registered(k, conn, 0, why);
}

/*
 * MSG_K_REGISTER: u64 conn, cstring target, cstring kind, u32 version,
 * string sealed; plus the keeper's end of the worker's socket pair.
 */
static void
keeper_register(struct keeper *k, int fd)
{
	char target[JG_NAME_MAX + 1], kind[16], why[JG_ERRLEN];
	const unsigned char *sealed;
	struct keeper_reg *reg;
	unsigned char *pt;
	size_t sealedlen, ptlen;
	uint64_t conn;
	uint32_t version;
	int flags, rc;

	if (fd == -1)
		keeper_fatal(k, "registration without a socket from the master");
	if (buf_get_u64(k->msg, &conn) != JG_OK ||
	    buf_get_cstring(k->msg, target, sizeof(target)) != JG_OK ||
	    buf_get_cstring(k->msg, kind, sizeof(kind)) != JG_OK ||
	    buf_get_u32(k->msg, &version) != JG_OK ||
	    buf_get_string(k->msg, &sealed, &sealedlen) != JG_OK ||
	    buf_len(k->msg) != 0) {
		close(fd);
		keeper_fatal(k, "malformed registration from the master");
	}
	if (k->key == NULL) {
		keeper_refuse(k, conn, target, fd, "the vault is sealed: run "
		    "jumpgate unseal");
		return;
	}
	if (keeper_reg_find(k, conn) != NULL) {
		keeper_refuse(k, conn, target, fd, "connection already "
		    "registered");
		return;
	}
	if (k->nregs >= k->reg_max) {
		keeper_refuse(k, conn, target, fd, "too many registrations");
		return;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		snprintf(why, sizeof(why), "agent socket: %s",
		    strerror(errno));
		keeper_refuse(k, conn, target, fd, why);
		return;
	}
	rc = vault_open(k->key, target, kind, version, sealed, sealedlen, &pt,
	    &ptlen);
	if (rc != JG_OK) {
		keeper_refuse(k, conn, target, fd, rc == JG_ENOMEM ? "out of "
		    "locked memory" : "the secret does not open with the "
		    "vault key for this target");
		return;
	}
	reg = xcalloc(1, sizeof(*reg));
	reg->k = k;
	reg->fd = -1;
	reg->cred.conn = conn;
	snprintf(reg->cred.target, sizeof(reg->cred.target), "%s", target);
	/* pt belongs to keeper_cred_load from here. */
	if (keeper_cred_load(&reg->cred, kind, pt, ptlen, why, sizeof(why)) !=
	    JG_OK) {
		keeper_cred_clear(&reg->cred);
		free(reg);
		keeper_refuse(k, conn, target, fd, why);
		return;
	}
	reg->fd = fd;
	reg->in = buf_new(KEEPER_AGENT_MAX + 4 + KEEPER_READ_CHUNK);
	reg->out = buf_new(KEEPER_OUT_MAX);
	reg->rev = event_new(k->base, fd, EV_READ | EV_PERSIST,
	    keeper_reg_read, reg);
	reg->wev = event_new(k->base, fd, EV_WRITE, keeper_reg_write, reg);
	if (reg->rev == NULL || reg->wev == NULL ||
	    event_add(reg->rev, NULL) == -1)
		keeper_fatal(k, "cannot watch a worker's socket");
	reg->reading = 1;
	reg->next = k->regs;
	k->regs = reg;
	k->nregs++;
	log_info("keeper: registered connection %llu for target %s (%s)",
	    (unsigned long long)conn, target, kind);
	keeper_registered(k, conn, 1, "ok");
}

/*
 * MSG_K_RECKEY_OPEN: u64 session, string sealed key, + a socket. An
 * auditor replays through the gateway: the master checked the role and
 * hands that worker the recording and the other end of this socket; we
 * open the sealed key and write it there once (the same frame as
 * AGENT_JG_RECKEY), then close. The master never sees the plain key.
 */
static void
keeper_reckey_open(struct keeper *k, int fd)
{
	const unsigned char *sealed;
	unsigned char *pt = NULL, frame[4 + 1 + 4 + REC_KEYBYTES];
	size_t slen, ptlen = 0, n = 5;
	uint64_t sid;
	char name[64];

	if (fd == -1 || buf_get_u64(k->msg, &sid) != JG_OK ||
	    buf_get_string(k->msg, &sealed, &slen) != JG_OK ||
	    buf_len(k->msg) != 0)
		keeper_fatal(k, "malformed recording key request from the "
		    "master");
	snprintf(name, sizeof(name), "session-%llu", (unsigned long long)sid);
	memset(frame, 0, sizeof(frame));
	frame[3] = 1;
	frame[4] = AGENT_FAILURE;
	if (k->key != NULL && vault_open(k->key, name, STORE_RECKEY_KIND, 1,
	    sealed, slen, &pt, &ptlen) == JG_OK && ptlen == REC_KEYBYTES) {
		frame[3] = 1 + 4 + REC_KEYBYTES;
		frame[4] = AGENT_JG_RECKEY;
		frame[8] = REC_KEYBYTES;
		memcpy(frame + 9, pt, REC_KEYBYTES);
		n = sizeof(frame);
		log_info("keeper: opened the recording key of session %llu for "
		    "a replay", (unsigned long long)sid);
	} else
		log_info("keeper: cannot open the recording key of session "
		    "%llu", (unsigned long long)sid);
	if (pt != NULL)
		vault_secret_free(pt, ptlen);
	/* A fresh socket pair takes these few bytes at once. */
	if (send(fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n)
		log_info("keeper: could not hand over the recording key of "
		    "session %llu", (unsigned long long)sid);
	sodium_memzero(frame, sizeof(frame));
	close(fd);
}

/* MSG_K_UNREGISTER: u64 conn. Unknown is fine: the worker may have gone. */
static void
keeper_unregister(struct keeper *k)
{
	struct keeper_reg *reg;
	uint64_t conn;

	if (buf_get_u64(k->msg, &conn) != JG_OK || buf_len(k->msg) != 0)
		keeper_fatal(k, "malformed unregistration from the master");
	if ((reg = keeper_reg_find(k, conn)) == NULL) {
		log_debug("keeper: connection %llu was not registered",
		    (unsigned long long)conn);
		return;
	}
	log_info("keeper: unregistered connection %llu (target %s)",
	    (unsigned long long)conn, reg->cred.target);
	keeper_reg_free(reg);
}

static void
keeper_dispatch(struct keeper *k, uint32_t type, int fd)
{
	if (fd != -1 && type != MSG_K_REGISTER && type != MSG_K_RECKEY_OPEN) {
		close(fd);
		keeper_fatal(k, "unexpected descriptor with message %u from "
		    "the master", (unsigned int)type);
	}
	switch (type) {
	case MSG_K_META:
		keeper_meta(k);
		break;
	case MSG_K_UNSEAL:
		keeper_unseal(k);
		break;
	case MSG_K_REGISTER:
		keeper_register(k, fd);
		break;
	case MSG_K_UNREGISTER:
		keeper_unregister(k);
		break;
	case MSG_K_RECKEY_OPEN:
		keeper_reckey_open(k, fd);
		break;
	default:
		keeper_fatal(k, "unexpected message %u from the master",
		    (unsigned int)type);
	}
}

static void
keeper_master_read(evutil_socket_t fd, short what, void *arg)
{
	struct keeper *k = arg;
	uint32_t type;
	int r, passed;

	(void)fd;
	(void)what;
	r = msg_read(k->m);
	if (r == 0) {
		log_info("keeper: the master closed its socket: wiping the "
		    "vault key and exiting");
		keeper_exit(k, 0);
	}
	if (r < 0 && r != JG_EBUSY)
		keeper_fatal(k, "reading from the master: %s", r == JG_EINVAL ?
		    "protocol error" : strerror(errno));
	while ((r = msg_get(k->m, &type, k->msg, &passed)) == 1) {
		keeper_dispatch(k, type, passed);
		buf_reset(k->msg);	/* wipes: it may have held a passphrase */
	}
	if (r < 0)
		keeper_fatal(k, "malformed frame from the master");
	keeper_master_flush(k);
}

static void
keeper_master_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	keeper_master_flush(arg);
}

/* Keep only 0, 1, 2 and the master's socket (moved to KEEPER_MASTER_FD). */
static int
keeper_close_fds(int sock)
{
	int fd;

	if (sock != KEEPER_MASTER_FD) {
		if (dup2(sock, KEEPER_MASTER_FD) == -1)
			return -1;
		close(sock);
	}
	privsep_close_from(KEEPER_MASTER_FD + 1, NULL, 0);
	/* Keep 0-2 taken so nothing we open lands there and gets written to. */
	for (fd = 0; fd < KEEPER_MASTER_FD; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) == -1)
			return -1;
	return 0;
}

/* Signals: the master decides when we end (by closing our socket). */
static void
keeper_signals(void)
{
	static const int dfl[] = { SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2,
	    SIGALRM, SIGQUIT };
	static const int ign[] = { SIGINT, SIGHUP, SIGPIPE };
	struct sigaction sa;
	sigset_t all;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		sigaction(dfl[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		sigaction(ign[i], &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/*
 * Each registration holds a descriptor. Running out would make the kernel
 * drop a passed descriptor (MSG_CTRUNC, fatal for the keeper), so raise the
 * soft limit as far as allowed and refuse registrations well before it.
 */
static size_t
keeper_fd_budget(void)
{
	long lim = privsep_fd_limit(KEEPER_REG_MAX + KEEPER_FD_SPARE);

	if (lim >= KEEPER_REG_MAX + KEEPER_FD_SPARE)
		return KEEPER_REG_MAX;
	if (lim <= 2 * KEEPER_FD_SPARE)
		return (size_t)(lim / 2);
	return (size_t)(lim - KEEPER_FD_SPARE);
}

/* The child: never returns. */
static void __attribute__((noreturn))
keeper_main(const struct config *cfg, int sock)
{
	struct keeper k;
	char err[JG_ERRLEN];
	int dropped;

	memset(&k, 0, sizeof(k));
	keeper_signals();
	/* glibc's syslog keeps its socket by number: let it go first. */
	closelog();
	if (keeper_close_fds(sock) == -1)
		_exit(JG_EXIT_FAIL);
	if (keeper_log_stderr != -1)
		log_init(KEEPER_PROGNAME, keeper_log_stderr, keeper_log_level);
	if (core_dumps_disable() != JG_OK)
		keeper_fatal(&k, "cannot disable core dumps: %s",
		    strerror(errno));
	if (vault_init() != JG_OK)
		keeper_fatal(&k, "cannot initialise libsodium");
	if (strlen(cfg->vault_key_file) >= sizeof(k.key_file))
		keeper_fatal(&k, "VaultKeyFile path too long");
	snprintf(k.key_file, sizeof(k.key_file), "%s", cfg->vault_key_file);
	/* While still root: the key file is readable by root only. */
	if (k.key_file[0] != '\0') {
		k.load_rc = vault_key_load_file(k.key_file, &k.key, k.load_err,
		    sizeof(k.load_err));
		if (k.load_rc != JG_OK)
			log_error("keeper: %s", k.load_err);
	}
	/* Any user may raise its soft limit up to the hard one. */
	k.reg_max = keeper_fd_budget();
	log_debug("keeper: up to %zu registrations", k.reg_max);
	/* Never falls back to root: a missing user or uid 0 is an error. */
	if (privsep_drop(cfg->keeper_user, &dropped, err, sizeof(err)) !=
	    JG_OK) {
		log_error("keeper: KeeperUser: %s: refusing to keep the vault "
		    "as root", err);
		keeper_exit(&k, JG_EXIT_FAIL);
	}
	if (dropped)
		log_info("keeper running as %s (uid %lu)", cfg->keeper_user,
		    (unsigned long)getuid());
	else
		log_info("keeper running as uid %lu (not root)",
		    (unsigned long)getuid());
	/* A change of credentials resets the dumpable flag: set it again. */
	if (core_dumps_disable() != JG_OK)
		keeper_fatal(&k, "cannot disable core dumps: %s",
		    strerror(errno));

	if ((k.base = event_base_new()) == NULL)
		keeper_fatal(&k, "cannot create the event loop");
	if (fcntl(KEEPER_MASTER_FD, F_SETFL, fcntl(KEEPER_MASTER_FD,
	    F_GETFL) | O_NONBLOCK) == -1)
		keeper_fatal(&k, "master socket: %s", strerror(errno));
	k.m = msg_new(KEEPER_MASTER_FD);
	k.msg = buf_new(MSG_MAX);
	k.body = buf_new(KEEPER_AGENT_MAX);
	k.mrev = event_new(k.base, KEEPER_MASTER_FD, EV_READ | EV_PERSIST,
	    keeper_master_read, &k);
	k.mwev = event_new(k.base, KEEPER_MASTER_FD, EV_WRITE,
	    keeper_master_write, &k);
	if (k.mrev == NULL || k.mwev == NULL || event_add(k.mrev, NULL) == -1)
		keeper_fatal(&k, "cannot watch the master's socket");
	log_debug("keeper: ready");
	if (event_base_dispatch(k.base) == -1)
		keeper_fatal(&k, "event loop failed");
	/* Only reached if nothing is watched any more: a bug. */
	keeper_fatal(&k, "event loop ended");
}

/*
 * Fork the keeper. The parent gets the master's end of the socket pair in
 * *fd_out and the child's pid; -1 with err filled on failure.
 */
pid_t
keeper_start(const struct config *cfg, int *fd_out, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	*fd_out = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		errf(err, errlen, "vault keeper: socketpair: %s",
		    strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		errf(err, errlen, "vault keeper: fork: %s",
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		keeper_main(cfg, sv[1]);
	}
	close(sv[1]);
	*fd_out = sv[0];
	return pid;
}
