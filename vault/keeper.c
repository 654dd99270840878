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
 *     protocol (keeper-reg.c). A worker is not trusted: it can only make
 *     the keeper sign for, or hand out the password of, the one target the
 *     master registered for it.
 *
 * The master's messages (proto-mk.c) go through one dispatch table; each
 * is decoded to its last byte before its handler runs.
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
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keeper-int.h"

#define KEEPER_PROGNAME "jumpgated-keeper"
/* The master's socket is moved here in the child; everything above closes. */
#define KEEPER_MASTER_FD 3
/* Descriptors kept free for the master's socket, passed fds in flight, syslog. */
#define KEEPER_FD_SPARE 64

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
void
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

void
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
	struct k_status st;

	st.unsealed = unsealed ? 1 : 0;
	snprintf(st.message, sizeof(st.message), "%s", message);
	if (k_status_send(k->m, &st, -1) != JG_OK)
		keeper_fatal(k, "cannot queue a status message");
	log_info("keeper: %s", message);
}

static void
keeper_registered(struct keeper *k, uint64_t conn, int ok,
    const char *message)
{
	struct k_registered r;

	r.conn = conn;
	r.ok = ok ? 1 : 0;
	snprintf(r.message, sizeof(r.message), "%s", message);
	if (k_registered_send(k->m, &r, -1) != JG_OK)
		keeper_fatal(k, "cannot queue a registration answer");
}

/*
 * K_META: the vault's parameters. A repeated META (the master re-read the
 * database) keeps the key only if it still matches.
 */
static void
keeper_meta(struct keeper *k, const void *msg, int fd)
{
	const struct k_meta *km = msg;
	struct store_vault_meta meta;
	char text[JG_ERRLEN];
	int rc;

	(void)fd;
	memset(&meta, 0, sizeof(meta));
	meta.present = 1;
	snprintf(meta.mode, sizeof(meta.mode), "%s", km->mode);
	memcpy(meta.salt, km->salt, VAULT_SALT_LEN);
	meta.opslimit = km->opslimit;
	meta.memlimit = km->memlimit;
	memcpy(meta.check, km->check, VAULT_CHECK_LEN);
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
		snprintf(text, sizeof(text), rc == JG_EAUTH ? "wrong vault key: "
		    "VaultKeyFile %s does not match this vault" :
		    "VaultKeyFile %s: cannot compute its key check value",
		    k->key_file);
		snprintf(k->load_err, sizeof(k->load_err), "%s", text);
		keeper_status(k, 0, text);
		return;
	}
	if (strcmp(meta.mode, "passphrase") == 0) {
		if (k->key_file[0] != '\0') {
			vault_key_free(k->key);
			k->key = NULL;
			snprintf(text, sizeof(text), "this vault is opened by a "
			    "passphrase, but VaultKeyFile %s is set",
			    k->key_file);
			keeper_status(k, 0, text);
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
 * K_UNSEAL: the passphrase. Argon2id with the stored (MODERATE) limits
 * takes 0.5 to 1 s here and blocks the keeper's loop for that long:
 * acceptable, since it happens once per daemon start, before the vault can
 * answer anyone, and it blocks only the keeper, never the master or a
 * worker (whose registrations simply wait in the socket buffers). The
 * message buffer, which holds the passphrase, is wiped by the caller.
 */
static void
keeper_unseal(struct keeper *k, const void *msg, int fd)
{
	const struct k_unseal *ku = msg;
	struct vault_key *key;
	char err[JG_ERRLEN];
	int rc;

	(void)fd;
	if (!k->meta.present || strcmp(k->meta.mode, "passphrase") != 0) {
		keeper_status(k, k->key != NULL, k->meta.present ? "this "
		    "vault is opened by its VaultKeyFile, not a passphrase" :
		    "the vault parameters have not been received");
		return;
	}
	if (k->key != NULL) {
		keeper_status(k, 1, "unsealed");
		return;
	}
	rc = vault_unlock_passphrase(&k->meta, (const char *)ku->passphrase.p,
	    ku->passphrase.len, &key, err, sizeof(err));
	if (rc != JG_OK) {
		keeper_status(k, 0, rc == JG_EAUTH ? "wrong vault passphrase" :
		    err);
		return;
	}
	k->key = key;
	keeper_status(k, 1, "unsealed");
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
 * K_REGISTER: a connection's sealed secret for its target, with the
 * keeper's end of the worker's socket pair.
 */
static void
keeper_register(struct keeper *k, const void *msg, int fd)
{
	const struct k_register *kr = msg;
	char why[JG_ERRLEN];
	unsigned char *pt;
	size_t ptlen;
	int rc;

	if (k->key == NULL) {
		keeper_refuse(k, kr->conn, kr->target, fd, "the vault is "
		    "sealed: run jumpgate unseal");
		return;
	}
	if (keeper_reg_find(k, kr->conn) != NULL) {
		keeper_refuse(k, kr->conn, kr->target, fd, "connection already "
		    "registered");
		return;
	}
	if (k->nregs >= k->reg_max) {
		keeper_refuse(k, kr->conn, kr->target, fd, "too many "
		    "registrations");
		return;
	}
	rc = vault_open(k->key, kr->target, kr->kind, kr->version,
	    kr->sealed.p, kr->sealed.len, &pt, &ptlen);
	if (rc != JG_OK) {
		keeper_refuse(k, kr->conn, kr->target, fd, rc == JG_ENOMEM ?
		    "out of locked memory" : "the secret does not open with "
		    "the vault key for this target");
		return;
	}
	/* pt belongs to keeper_reg_add from here. */
	if (keeper_reg_add(k, kr->conn, kr->target, kr->kind, pt, ptlen, fd,
	    why, sizeof(why)) != JG_OK) {
		keeper_refuse(k, kr->conn, kr->target, fd, why);
		return;
	}
	log_info("keeper: registered connection %llu for target %s (%s)",
	    (unsigned long long)kr->conn, kr->target, kr->kind);
	keeper_registered(k, kr->conn, 1, "ok");
}

/*
 * K_RECKEY_OPEN: an auditor replays through the gateway. The master
 * checked the role and hands that worker the recording and the other end
 * of this socket; we open the sealed key and write it there once (the
 * JG_RECKEY frame), or FAILURE, then close. The master never sees the
 * plain key.
 */
static void
keeper_reckey_open(struct keeper *k, const void *msg, int fd)
{
	const struct k_reckey_open *ko = msg;
	struct a_reckey *ak = NULL;
	unsigned char *pt = NULL;
	struct buf *frame;
	char name[64];
	size_t ptlen = 0;
	int rc;

	snprintf(name, sizeof(name), "session-%llu",
	    (unsigned long long)ko->session);
	frame = buf_new(64);
	if (k->key != NULL && vault_open(k->key, name, STORE_RECKEY_KIND, 1,
	    ko->sealed.p, ko->sealed.len, &pt, &ptlen) == JG_OK &&
	    ptlen == REC_KEYBYTES &&
	    (ak = vault_secret_alloc(sizeof(*ak))) != NULL) {
		memcpy(ak->key, pt, REC_KEYBYTES);
		rc = agent_frame(frame, AGENT_JG_RECKEY, ak, sizeof(*ak));
		vault_secret_free(ak, sizeof(*ak));
		log_info("keeper: opened the recording key of session %llu for "
		    "a replay", (unsigned long long)ko->session);
	} else {
		rc = agent_frame(frame, AGENT_FAILURE, NULL, 0);
		log_info("keeper: cannot open the recording key of session "
		    "%llu", (unsigned long long)ko->session);
	}
	if (pt != NULL)
		vault_secret_free(pt, ptlen);
	/* A fresh socket pair takes these few bytes at once. */
	if (rc != JG_OK || send(fd, buf_ptr(frame), buf_len(frame),
	    MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)buf_len(frame))
		log_info("keeper: could not hand over the recording key of "
		    "session %llu", (unsigned long long)ko->session);
	buf_free(frame);		/* wipes the key */
	close(fd);
}

/*
 * K_MFA_CHECK: does the answer a user typed at login match their codes?
 * The keeper reads its own clock: the master says only which step and
 * which recovery codes were used already, and records the use itself.
 */
static void
keeper_mfa_check(struct keeper *k, const void *msg, int fd)
{
	const struct k_mfa_check *kc = msg;
	struct k_mfa_result kr;
	unsigned char *pt = NULL;
	size_t ptlen = 0;
	time_t now = time(NULL);
	uint64_t step;
	uint32_t index;

	(void)fd;
	memset(&kr, 0, sizeof(kr));
	kr.conn = kc->conn;
	if (k->key == NULL)
		kr.sealed = 1;
	else if (vault_open(k->key, kc->user, STORE_MFA_KIND, kc->version,
	    kc->sealed.p, kc->sealed.len, &pt, &ptlen) != JG_OK)
		log_error("keeper: the one-time codes of %s do not open with "
		    "the vault key", kc->user);
	else if (now > 0) {
		kr.kind = (uint32_t)mfa_check(pt, ptlen, kc->answer,
		    (uint64_t)now, kc->last_step, kc->recovery_used, &kr.step,
		    &kr.index);
		/* Right but used already: a replay, worth its own audit. */
		if (kr.kind == MFA_NONE && mfa_check(pt, ptlen, kc->answer,
		    (uint64_t)now, 0, 0, &step, &index) != MFA_NONE)
			kr.replay = 1;
	}
	if (pt != NULL)
		vault_secret_free(pt, ptlen);
	log_info("keeper: one-time code of %s: %s", kc->user,
	    kr.kind == MFA_TOTP ? "accepted" : kr.kind == MFA_RECOVERY ?
	    "recovery code accepted" : kr.replay ? "refused (used already)" :
	    "refused");
	if (k_mfa_result_send(k->m, &kr, -1) != JG_OK)
		keeper_fatal(k, "cannot queue a message for the master");
}

/* K_UNREGISTER: unknown is fine: the worker may have gone. */
static void
keeper_unregister(struct keeper *k, const void *msg, int fd)
{
	const struct k_unregister *ku = msg;
	struct keeper_reg *reg;

	(void)fd;
	if ((reg = keeper_reg_find(k, ku->conn)) == NULL) {
		log_debug("keeper: connection %llu was not registered",
		    (unsigned long long)ku->conn);
		return;
	}
	log_info("keeper: unregistered connection %llu (target %s)",
	    (unsigned long long)ku->conn, reg->cred.target);
	keeper_reg_free(reg);
}

/* What the master may send; the codec checks shapes and descriptors. */
static const struct {
	uint32_t type;
	void (*fn)(struct keeper *, const void *msg, int fd);
} keeper_handlers[] = {
	{ MSG_K_META, keeper_meta },
	{ MSG_K_UNSEAL, keeper_unseal },
	{ MSG_K_REGISTER, keeper_register },
	{ MSG_K_UNREGISTER, keeper_unregister },
	{ MSG_K_RECKEY_OPEN, keeper_reckey_open },
	{ MSG_K_MFA_CHECK, keeper_mfa_check },
};

static void
keeper_dispatch(struct keeper *k, uint32_t type, int fd)
{
	void *msg;
	size_t i;

	for (i = 0; i < sizeof(keeper_handlers) / sizeof(keeper_handlers[0]);
	    i++)
		if (keeper_handlers[i].type == type)
			break;
	if (i == sizeof(keeper_handlers) / sizeof(keeper_handlers[0]) ||
	    proto_dec_new(&proto_mk, type, k->msg, fd, &msg) != JG_OK) {
		if (fd != -1)
			close(fd);
		keeper_fatal(k, "%s message %u from the master", i ==
		    sizeof(keeper_handlers) / sizeof(keeper_handlers[0]) ?
		    "unexpected" : "malformed", (unsigned int)type);
	}
	keeper_handlers[i].fn(k, msg, fd);
	proto_free(&proto_mk, type, msg);
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

/* The keeper's life, in the child or in jumpgated -K: never returns. */
void
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
	privsep_env_scrub();
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
		if (vault_key_load_file(k.key_file, &k.key, k.load_err,
		    sizeof(k.load_err)) != JG_OK)
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
	k.body = buf_new(AGENT_FRAME_MAX);
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
 * *fd_out and the child's pid; -1 with err filled on failure. With argv
 * the child executes it (the daemon runs its own binary with -K, so a
 * keeper started after the database and the host key were opened holds
 * neither, not even in memory), its end of the pair at descriptor 3 and
 * nothing else open but stdio; without, it runs keeper_main() at once.
 */
pid_t
keeper_start(const struct config *cfg, char *const *argv, int *fd_out,
    char *err, size_t errlen)
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
		if (argv == NULL)
			keeper_main(cfg, sv[1]);
		if (keeper_close_fds(sv[1]) == -1 ||
		    fcntl(KEEPER_MASTER_FD, F_SETFD, 0) == -1)
			_exit(JG_EXIT_FAIL);
		execv(argv[0], argv);
		_exit(JG_EXIT_FAIL);
	}
	close(sv[1]);
	*fd_out = sv[0];
	return pid;
}
