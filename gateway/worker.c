/* worker.c: one process per client connection: SSH server for the user, asks the master, drives the bridge. */

/*
 * The worker drops to WorkerUser before it reads a byte from the network,
 * then runs its own libevent loop over the client socket, the upstream
 * socket and its link to the master. libssh is driven the way
 * LIBSSH-NOTES.md found to work: ssh_event_dopoll(ev, 0) in a bounded loop
 * from libevent callbacks, a one-shot write event whenever libssh holds
 * unsent output, and no writes to a session from inside its callbacks:
 * callbacks only record and queue, and chan_pump_all() acts afterwards.
 * Questions to the master are short synchronous round trips with a
 * deadline; only this connection waits on them.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "worker.h"

#define WORKER_POLL_ROUNDS 64
#define WORKER_MAX_AUTH_TRIES 6

static void worker_down_io(evutil_socket_t, short, void *);

void
worker_audit(struct worker *w, const char *action, const char *fmt, ...)
{
	struct w_audit a;
	va_list ap;

	snprintf(a.action, sizeof(a.action), "%s", action);
	va_start(ap, fmt);
	vsnprintf(a.detail, sizeof(a.detail), fmt, ap);
	va_end(ap);
	worker_flush(w, w_audit_send(w->master, &a, -1));
}

/*
 * libssh keeps its sockets blocking and send()s all it holds at once; a
 * peer that stops reading would freeze this process inside send(), timers
 * and all. Bound it: a send that makes no progress for WORKER_SEND_TIMEOUT
 * seconds fails (libssh then ends that session), and the kernel gives up
 * on data unacknowledged for WORKER_UNACKED_MS.
 */
void
worker_bound_sends(int fd)
{
	struct timeval tv = { WORKER_SEND_TIMEOUT, 0 };
	unsigned int ms = WORKER_UNACKED_MS;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)) == -1)
		log_error("cannot bound sends on a socket: %s",
		    strerror(errno));
}

/* After a message to the master was queued: send it, within the deadline. */
int
worker_flush(struct worker *w, int queued)
{
	if (queued != JG_OK ||
	    msg_flush_wait(w->master, WORKER_MSG_TIMEOUT_MS) != 0)
		return JG_ERR;
	return JG_OK;
}

/*
 * The master's unprompted messages: a new keeper, a kill, a watched
 * session's end, a notice, or the order to stop. Like the master's table
 * of worker messages, this one says in which states each may come, and
 * the dispatch refuses the rest before decoding: a master that breaks
 * the rules is broken, and the worker stops (fatalx).
 */
enum {
	WS_PREAUTH = 0x1,	/* before the login stands */
	WS_AUTHED = 0x2,	/* logged in, no keeper registration */
	WS_REGISTERED = 0x4,	/* authorized for a target: keeper_fd */
};
#define WS_LOGGED_IN (WS_AUTHED | WS_REGISTERED)

static int
worker_state(const struct worker *w)
{
	if (!w->authed)
		return WS_PREAUTH;
	return w->keeper_fd == -1 ? WS_AUTHED : WS_REGISTERED;
}

/*
 * The keeper was restarted: same descriptor number, new socket, so
 * libssh's agent (upstream.c) follows too.
 */
static void
worker_m_keeper(struct worker *w, const void *msg, int fd)
{
	(void)msg;
	if (dup2(fd, w->keeper_fd) == -1)
		fatalx("cannot take the new keeper's socket");
	close(fd);
	log_verbose("%s: registered with the new vault keeper", w->user);
}

static void
worker_m_kill(struct worker *w, const void *msg, int fd)
{
	const struct m_kill *k = msg;
	struct chan *c;

	(void)fd;
	/* Gone already if it ended meanwhile: nothing to do. */
	for (c = w->chans; c != NULL; c = c->next)
		if (c->session_id == (long long)k->id) {
			chan_kill(c, k->message);
			w->pump_soon = 1;
		}
	log_info("%s: session %llu: %s", w->user, (unsigned long long)k->id,
	    k->message);
}

static void
worker_m_watch_end(struct worker *w, const void *msg, int fd)
{
	const struct m_watch_end *we = msg;

	(void)fd;
	command_play_ended(w, (long long)we->id);
}

static void
worker_m_notice(struct worker *w, const void *msg, int fd)
{
	const struct m_notice *n = msg;
	struct chan *c;

	(void)fd;
	/* Shown on terminals; a pipe's data is left alone. */
	for (c = w->chans; c != NULL; c = c->next)
		if (c->has_pty && c->state == CH_RUNNING)
			chan_notice(c, n->text);
	log_info("%s: %s", w->user, n->text);
}

static void
worker_m_shutdown(struct worker *w, const void *msg, int fd)
{
	const struct m_shutdown *sd = msg;

	(void)fd;
	if (stop_reason_name(sd->reason) == NULL)
		fatalx("the master's order to stop has no known reason");
	w->shutdown = 1;
	/* How the sessions end, for their rows and recordings. */
	w->stop = sd->reason;
	snprintf(w->shutdown_msg, sizeof(w->shutdown_msg), "%s", sd->message);
}

static const struct {
	uint32_t type;
	int states;
	void (*fn)(struct worker *, const void *, int);
} worker_handlers[] = {
	{ MSG_M_KEEPER, WS_REGISTERED, worker_m_keeper },
	{ MSG_M_KILL, WS_LOGGED_IN, worker_m_kill },
	{ MSG_M_WATCH_END, WS_LOGGED_IN, worker_m_watch_end },
	{ MSG_M_NOTICE, WS_LOGGED_IN, worker_m_notice },
	/* a stop may come at any time, and again (a grant's end, then
	   the daemon's) */
	{ MSG_M_SHUTDOWN, WS_PREAUTH | WS_LOGGED_IN, worker_m_shutdown },
};

static void
worker_handle_async(struct worker *w, uint32_t type, struct buf *in, int fd)
{
	const struct proto_msg *d = proto_find(&proto_wm, type);
	void *msg = NULL;
	size_t i;

	for (i = 0; i < sizeof(worker_handlers) / sizeof(worker_handlers[0]);
	    i++)
		if (worker_handlers[i].type == type)
			break;
	if (i == sizeof(worker_handlers) / sizeof(worker_handlers[0]) ||
	    !(worker_handlers[i].states & worker_state(w)))
		fatalx("unexpected message %s from the master", d != NULL ?
		    d->name : "(unknown)");
	if (proto_dec_new(&proto_wm, type, in, fd, &msg) != JG_OK)
		fatalx("malformed %s from the master", d->name);
	worker_handlers[i].fn(w, msg, fd);
	proto_free(&proto_wm, type, msg);
}

/*
 * Send one request (queued is what its typed _send returned) and wait for
 * the answer of type want, decoded into ans (size bytes: the struct of
 * that type, or NULL and 0). *fd gets the descriptor that came with it
 * (NULL: none may). Views in ans point into the worker's receive buffer,
 * valid until the next call. A shutdown notice that arrives meanwhile is
 * remembered; anything else is a broken master.
 */
int
worker_call(struct worker *w, int queued, uint32_t want, void *ans,
    size_t size, int *fd)
{
	if (worker_flush(w, queued) != JG_OK)
		return JG_ERR;
	return worker_wait(w, want, ans, size, fd);
}

/* Wait for the master's next message of type want (see above). */
int
worker_wait(struct worker *w, uint32_t want, void *ans, size_t size,
    int *fd)
{
	uint32_t got;
	int r, pfd;

	if (fd != NULL)
		*fd = -1;
	for (;;) {
		r = msg_get_wait(w->master, &got, w->in, &pfd,
		    WORKER_MSG_TIMEOUT_MS);
		if (r != 1)
			return r == 0 ? JG_ERR : r;
		if (got != want) {
			worker_handle_async(w, got, w->in, pfd);
			continue;
		}
		if (proto_dec(&proto_wm, want, w->in, pfd, ans, size) != JG_OK)
			fatalx("malformed answer %u from the master", want);
		if (fd != NULL)
			*fd = pfd;
		else if (pfd != -1)
			close(pfd);
		/*
		 * What came with the answer in the same read (a stop, a
		 * kill) is in our buffer, not the socket: no read event
		 * would fire for it, so the loop is told to look.
		 */
		if (msg_buffered(w->master))
			event_active(w->master_ev, EV_READ, 0);
		return JG_OK;
	}
}

static void
worker_master_io(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;
	uint32_t type;
	int r, pfd;

	(void)fd;
	(void)ev;
	r = msg_read(w->master);
	if (r == 0 || (r < 0 && r != JG_EBUSY)) {
		/* Without the master nothing can be recorded: stop. */
		w->shutdown = 1;
		w->stop = STOP_GATEWAY;
		snprintf(w->shutdown_msg, sizeof(w->shutdown_msg),
		    "the gateway is stopping");
		event_del(w->master_ev);
	} else {
		while ((r = msg_get(w->master, &type, w->in, &pfd)) == 1)
			worker_handle_async(w, type, w->in, pfd);
		if (r < 0)
			fatalx("malformed message from the master");
	}
	if (w->shutdown) {
		worker_refuse_all(w, w->shutdown_msg);
		chan_pump_all(w);
	} else if (w->pump_soon) {
		w->pump_soon = 0;
		chan_pump_all(w);
	}
	worker_rearm(w);
}

/*
 * Login name: "user@target" is target mode, "user" is command mode. Both
 * names must be valid names ([A-Za-z0-9._-], no space, no '='), checked at
 * every attempt before anything is kept: a login name that fails once
 * fails every time, and no name that could forge a field reaches a log or
 * an audit row. A connection keeps the first valid login name it gave.
 */
static int
worker_login(struct worker *w, const char *login)
{
	char user[JG_NAME_MAX + 1], target[JG_NAME_MAX + 1];

	if (strlen(login) >= sizeof(w->login) ||
	    login_parse(login, user, target) != JG_OK)
		return JG_EINVAL;
	if (w->login[0] != '\0')
		return strcmp(w->login, login) == 0 ? JG_OK : JG_EINVAL;
	snprintf(w->login, sizeof(w->login), "%s", login);
	snprintf(w->user, sizeof(w->user), "%s", user);
	snprintf(w->target, sizeof(w->target), "%s", target);
	w->cmd_mode = target[0] == '\0';
	return JG_OK;
}

static int
worker_key_fp(ssh_key key, char *fp, size_t len)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *s;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0)
		return JG_ERR;
	s = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (s == NULL || strlen(s) >= len) {
		ssh_string_free_char(s);
		return JG_ERR;
	}
	snprintf(fp, len, "%s", s);
	ssh_string_free_char(s);
	return JG_OK;
}

static void
worker_auth_failed(struct worker *w, const char *user, uint32_t why)
{
	struct w_auth_fail f;

	/* Like sshd's MaxAuthTries: a client may not try keys forever. */
	if (++w->auth_failures > WORKER_MAX_AUTH_TRIES) {
		log_info("%s: too many authentication failures: closing",
		    w->source);
		_exit(1);
	}
	snprintf(f.user, sizeof(f.user), "%s", user);
	f.reason = why;
	worker_flush(w, w_auth_fail_send(w->master, &f, -1));
}

/*
 * A login the master refused (its audit row could not be written): the
 * client is told in a banner, once, just before the failure reply (a
 * banner is a packet like that reply, and nothing is read while it is
 * sent); every further attempt on this connection is refused.
 */
static void
worker_banner(struct worker *w)
{
	char text[300];
	ssh_string b;

	if (w->login_refused[0] == '\0' || w->banner_sent)
		return;
	w->banner_sent = 1;
	snprintf(text, sizeof(text), "jumpgate: %s\r\n", w->login_refused);
	if ((b = ssh_string_from_char(text)) != NULL) {
		ssh_send_issue_banner(w->down, b);
		ssh_string_free(b);
	}
}

/*
 * Called twice per key (LIBSSH-NOTES): a probe without signature, then
 * with a verified signature. Only the second is a login. The master is
 * asked whether this key belongs to the user in the login name once per
 * key: the signed attempt with the key it just answered for goes straight
 * to W_AUTH_OK, which the master checks again before it audits the login.
 */
static int
worker_auth_pubkey(ssh_session s, const char *login, struct ssh_key_struct *key,
    char state, void *arg)
{
	struct worker *w = arg;
	struct w_key_owner ko;
	struct m_key_owner an;
	struct w_auth_ok ao;
	struct m_auth_ok ok;
	char fp[SSHKEY_FP_LEN];
	int r;

	(void)s;
	if (w->authed || w->mfa_pending || w->login_refused[0] != '\0')
		return SSH_AUTH_DENIED;
	memset(&ok, 0, sizeof(ok));
	if (state != SSH_PUBLICKEY_STATE_NONE &&
	    state != SSH_PUBLICKEY_STATE_VALID) {
		worker_auth_failed(w, w->user[0] ? w->user : "?",
		    AUTH_FAIL_SIGNATURE);
		return SSH_AUTH_DENIED;
	}
	if (worker_login(w, login) != JG_OK) {
		worker_auth_failed(w, "?", AUTH_FAIL_LOGIN);
		return SSH_AUTH_DENIED;
	}
	if (worker_key_fp(key, fp, sizeof(fp)) != JG_OK)
		return SSH_AUTH_DENIED;
	if (strcmp(fp, w->probed_fp) == 0 && state == SSH_PUBLICKEY_STATE_NONE)
		return w->probed_ok ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
	if (strcmp(fp, w->probed_fp) == 0 && w->probed_ok)
		goto signed_ok;
	snprintf(ko.user, sizeof(ko.user), "%s", w->user);
	snprintf(ko.fp, sizeof(ko.fp), "%s", fp);
	r = worker_call(w, w_key_owner_send(w->master, &ko, -1),
	    MSG_M_KEY_OWNER, &an, sizeof(an), NULL);
	snprintf(w->probed_fp, sizeof(w->probed_fp), "%s", fp);
	w->probed_ok = r == JG_OK && an.ok;
	if (!w->probed_ok) {
		worker_auth_failed(w, w->user, AUTH_FAIL_KEY);
		return SSH_AUTH_DENIED;
	}
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;	/* libssh answers PK_OK */
signed_ok:
	snprintf(ao.user, sizeof(ao.user), "%s", w->user);
	snprintf(ao.fp, sizeof(ao.fp), "%s", fp);
	/* The login stands only once the master has written its audit row. */
	if (worker_call(w, w_auth_ok_send(w->master, &ao, -1), MSG_M_AUTH_OK,
	    &ok, sizeof(ok), NULL) != JG_OK || !ok.ok) {
		snprintf(w->login_refused, sizeof(w->login_refused), "%s",
		    ok.message[0] != '\0' ? ok.message : "the gateway cannot "
		    "log you in right now");
		log_verbose("%s from %s: %s", w->user, w->source,
		    w->login_refused);
		/* Before the failure reply: a client with no other key to
		   offer leaves at once, and must have read why. */
		worker_banner(w);
		return SSH_AUTH_DENIED;
	}
	snprintf(w->fp, sizeof(w->fp), "%s", fp);
	if (ok.mfa) {
		/* The key was one factor: the code (worker_mfa) is the other. */
		w->mfa_pending = 1;
		ssh_set_auth_methods(w->down, SSH_AUTH_METHOD_INTERACTIVE);
		return SSH_AUTH_PARTIAL;
	}
	w->authed = 1;
	log_info("%s authenticated from %s (%s%s)", w->user, w->source,
	    w->cmd_mode ? "command mode" : "target ", w->target);
	return SSH_AUTH_SUCCESS;
}

/*
 * keyboard-interactive, after the key's partial success (deny_message
 * hands it here): one prompt; each answer goes to the master (W_MFA), which
 * has the vault keeper check it. Returns 0: the message is answered here.
 * A refusal the master calls final (no tries left, the store down) is told
 * in a banner like a refused login; a wrong code is said in the next
 * prompt's instruction (both shown by ssh at LogLevel INFO, its default).
 */
int
worker_mfa(struct worker *w, ssh_message msg)
{
	const char *prompts[1] = { "verification code: " };
	char echo[1] = { 0 }, inst[300];
	struct w_mfa rq;
	struct m_auth_ok an;
	const char *a;
	int r;

	if (!w->mfa_pending || w->login_refused[0] != '\0') {
		ssh_message_reply_default(msg);
		return 0;
	}
	if (!ssh_message_auth_kbdint_is_response(msg)) {
		snprintf(inst, sizeof(inst), "%s%sEnter the code your "
		    "authenticator shows, or a recovery code.", w->mfa_note,
		    w->mfa_note[0] ? ". " : "");
		if (ssh_message_auth_interactive_request(msg, "jumpgate", inst,
		    1, prompts, echo) != SSH_OK)
			ssh_message_reply_default(msg);
		return 0;
	}
	memset(&rq, 0, sizeof(rq));
	memset(&an, 0, sizeof(an));
	if (ssh_userauth_kbdint_getnanswers(w->down) == 1 &&
	    (a = ssh_userauth_kbdint_getanswer(w->down, 0)) != NULL &&
	    strlen(a) <= MFA_ANSWER_MAX)
		snprintf(rq.answer, sizeof(rq.answer), "%s", a);
	r = worker_call(w, w_mfa_send(w->master, &rq, -1), MSG_M_AUTH_OK,
	    &an, sizeof(an), NULL);
	explicit_bzero(&rq, sizeof(rq));
	if (r == JG_OK && an.ok) {
		w->mfa_pending = 0;
		w->authed = 1;
		log_info("%s authenticated from %s with a one-time code (%s%s)",
		    w->user, w->source, w->cmd_mode ? "command mode" :
		    "target ", w->target);
		ssh_message_auth_reply_success(msg, 0);
		return 0;
	}
	snprintf(w->mfa_note, sizeof(w->mfa_note), "%s", r != JG_OK ?
	    "the gateway cannot check codes right now" : an.message);
	log_verbose("%s from %s: %s", w->user, w->source, w->mfa_note);
	if (r != JG_OK || !an.mfa) {
		snprintf(w->login_refused, sizeof(w->login_refused), "%s",
		    w->mfa_note);
		worker_banner(w);
	}
	ssh_message_reply_default(msg);
	return 0;
}

/* Ask the master for the target: on success we hold a keeper socket. */
int
worker_authorize(struct worker *w, const char *target)
{
	struct w_authorize rq;
	struct m_authorize *an = xcalloc(1, sizeof(*an));
	int fd = -1;

	if (target != w->target)
		snprintf(w->target, sizeof(w->target), "%s", target);
	snprintf(rq.target, sizeof(rq.target), "%s", w->target);
	if (worker_call(w, w_authorize_send(w->master, &rq, -1),
	    MSG_M_AUTHORIZE, an, sizeof(*an), &fd) != JG_OK) {
		snprintf(w->refusal, sizeof(w->refusal), "%s: the gateway "
		    "cannot check access right now", target);
		w->authz_state = -1;
		free(an);
		return JG_ERR;
	}
	w->authz_how = (int)an->how;
	snprintf(w->refusal, sizeof(w->refusal), "%s", an->message);
	if (!an->ok || fd == -1) {
		if (fd != -1)
			close(fd);
		if (w->refusal[0] == '\0')
			snprintf(w->refusal, sizeof(w->refusal), "access to %s "
			    "denied", target);
		w->authz_state = -1;
		log_verbose("%s: %s", w->user, w->refusal);
		free(an);
		return JG_ERR;
	}
	/* The master's spelling of the target. */
	snprintf(w->target, sizeof(w->target), "%s", an->target);
	snprintf(w->host, sizeof(w->host), "%s", an->host);
	w->port = (int)an->port;
	snprintf(w->tlogin, sizeof(w->tlogin), "%s", an->login);
	snprintf(w->host_key, sizeof(w->host_key), "%s", an->host_key);
	snprintf(w->kind, sizeof(w->kind), "%s", an->kind);
	free(an);
	w->keeper_fd = fd;
	w->authz_state = 1;
	return JG_OK;
}

/* Every channel gets the message on stderr and ends; used for fatal states. */
void
worker_refuse_all(struct worker *w, const char *msg)
{
	struct chan *c;

	for (c = w->chans; c != NULL; c = c->next)
		chan_refuse(c, msg);
}

static void
worker_pump_ev(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	worker_poll(arg);
}

/* The bridge still had work when chan_pump_all() stopped: soon, not now. */
void
worker_pump_later(struct worker *w)
{
	struct timeval zero = { 0, 0 };

	evtimer_add(w->pump_ev, &zero);
}

void
worker_rearm(struct worker *w)
{
	if (w->down != NULL &&
	    (ssh_get_poll_flags(w->down) & SSH_WRITE_PENDING))
		event_add(w->down_wev, NULL);
	if (w->up != NULL && w->up_wev != NULL &&
	    (ssh_get_poll_flags(w->up) & SSH_WRITE_PENDING))
		event_add(w->up_wev, NULL);
}

static void worker_exit(struct worker *, int) __attribute__((noreturn));

static void
worker_exit(struct worker *w, int code)
{
	chan_free_all(w, w->shutdown ? END_STOPPED : END_DISCONNECTED);
	upstream_close(w);
	if (w->down != NULL) {
		ssh_disconnect(w->down);
		ssh_free(w->down);
	}
	msg_flush_wait(w->master, 1000);
	exit(code);
}

/*
 * Access was refused. On a requestable target a terminal shell asks for a
 * reason and waits for approval; everything else gets the refusal.
 */
static void
worker_refused(struct worker *w)
{
	struct chan *c;

	for (c = w->chans; c != NULL; c = c->next) {
		if (c->state == CH_ASK || c->state == CH_WAIT)
			continue;
		/* Wait for its shell or exec: a pty alone decides nothing. */
		if (c->main_req == 0 && !c->down_eof)
			continue;
		if (w->authz_how == AUTHZ_REQUESTABLE && w->up_state ==
		    UP_NONE && c->has_pty && c->main_req == REQ_SHELL &&
		    c->state == CH_GATHER && c->our_exit < 0 && !w->shutdown)
			command_ask_start(c);
		else
			chan_refuse(c, w->refusal);
	}
}

/* After libssh has run: act on what the callbacks recorded. */
static void
worker_progress(struct worker *w)
{
	if (!w->authed)
		return;
	if (!w->cmd_mode && w->authz_state == 0)
		worker_authorize(w, w->target);
	if (w->authz_state == 1 && w->up_state == UP_NONE && w->chans != NULL)
		upstream_start(w);
	if (w->authz_state == -1)
		worker_refused(w);
	chan_pump_all(w);
	if (w->chans == NULL && w->exiting)
		worker_exit(w, 0);
}

/* One place drives libssh for both sessions. */
void
worker_poll(struct worker *w)
{
	int i, r;

	for (i = 0; i < WORKER_POLL_ROUNDS; i++) {
		r = ssh_event_dopoll(w->sev, 0);
		if (r == SSH_ERROR)
			break;
		if (r == SSH_AGAIN)
			break;
		chan_pump_all(w);
	}
	if (!ssh_is_connected(w->down) ||
	    (ssh_get_status(w->down) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
		log_verbose("%s: client %s disconnected", w->user[0] ?
		    w->user : "pre-auth", w->source);
		worker_exit(w, 0);
	}
	worker_progress(w);
	worker_rearm(w);
}

static void
worker_kex(struct worker *w)
{
	int r = ssh_handle_key_exchange(w->down);

	if (r == SSH_AGAIN) {
		worker_rearm(w);
		return;
	}
	if (r != SSH_OK) {
		log_verbose("key exchange with %s failed: %s", w->source,
		    ssh_get_error(w->down));
		worker_exit(w, 1);
	}
	w->kex_done = 1;
	if ((w->sev = ssh_event_new()) == NULL ||
	    ssh_event_add_session(w->sev, w->down) != SSH_OK)
		fatalx("cannot create the ssh event");
	worker_poll(w);
}

static void
worker_down_io(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)ev;
	if (!w->kex_done)
		worker_kex(w);
	else
		worker_poll(w);
}

static void
worker_grace(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)ev;
	if (w->authed)
		return;
	log_info("%s: login grace time (%d s) exceeded", w->source,
	    w->cfg->login_grace_time);
	worker_exit(w, 1);
}

/* IdleTimeout on the monotonic clock: a wall-clock jump does not move it. */
static void
worker_idle(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;
	struct timeval tv;
	time_t now = clock_sec(), left;
	char msg[128];

	(void)fd;
	(void)ev;
	left = w->last_data + w->cfg->idle_timeout - now;
	if (left > 0) {
		tv.tv_sec = left;
		tv.tv_usec = 0;
		event_add(w->idle, &tv);
		return;
	}
	snprintf(msg, sizeof(msg), "idle for %d s: session closed",
	    w->cfg->idle_timeout);
	log_info("%s on %s: %s", w->user, w->target, msg);
	w->idle_stop = 1;
	worker_refuse_all(w, msg);
	chan_pump_all(w);
	worker_rearm(w);
}

/* Once a second: what recordings buffered goes to the kernel. */
static void
worker_rec_flush(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)ev;
	record_flush_all(w);
	chan_tick_all(w);
	chan_pump_all(w);
	worker_rearm(w);
}

void
worker_main(struct worker_args *a)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	struct timeval tv;
	struct w_hello hello;
	char err[JG_ERRLEN];
	int one = 1, dropped;

	w->cfg = a->cfg;
	w->client_fd = a->client_fd;
	w->keeper_fd = -1;
	snprintf(w->source, sizeof(w->source), "%s", a->source);
	if (privsep_drop(w->cfg->worker_user, &dropped, err, sizeof(err)) !=
	    JG_OK) {
		log_error("worker: %s: closing the connection", err);
		_exit(1);
	}
	/* A worker holds the host key, a password for a moment, recording keys. */
	if (core_dumps_disable() != JG_OK) {
		log_error("worker: cannot disable core dumps: closing");
		_exit(1);
	}
	/*
	 * Queue storage is large and short-lived (chan_tick_all frees it
	 * when drained): a fixed mmap threshold keeps glibc from raising it
	 * after the first free, so such blocks go back to the system
	 * instead of staying in the heap of an idle worker.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	w->master = msg_new(a->master_fd);
	w->in = buf_new(MSG_MAX);
	hello.pid = (uint32_t)getpid();
	if (worker_flush(w, w_hello_send(w->master, &hello, -1)) != JG_OK)
		_exit(1);
	setsockopt(w->client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	worker_bound_sends(w->client_fd);
	if ((w->down = ssh_new()) == NULL)
		_exit(1);
	if (ssh_bind_accept_fd(a->bind, w->down, w->client_fd) != SSH_OK) {
		log_error("accept from %s: %s", w->source,
		    ssh_get_error(a->bind));
		_exit(1);
	}
	ssh_set_blocking(w->down, 0);
	ssh_set_counters(w->down, NULL, &w->down_rx);
	memset(&w->scb, 0, sizeof(w->scb));
	w->scb.userdata = w;
	w->scb.auth_pubkey_function = worker_auth_pubkey;
	w->scb.channel_open_request_session_function = chan_open_request;
	ssh_callbacks_init(&w->scb);
	ssh_set_server_callbacks(w->down, &w->scb);
	ssh_set_message_callback(w->down, deny_message, w);
	ssh_set_auth_methods(w->down, SSH_AUTH_METHOD_PUBLICKEY);
	w->base = event_base_new();
	if (w->base == NULL)
		_exit(1);
	evutil_make_socket_nonblocking(a->master_fd);
	w->master_ev = event_new(w->base, a->master_fd, EV_READ | EV_PERSIST,
	    worker_master_io, w);
	event_add(w->master_ev, NULL);
	w->down_rev = event_new(w->base, w->client_fd, EV_READ | EV_PERSIST,
	    worker_down_io, w);
	w->down_wev = event_new(w->base, w->client_fd, EV_WRITE,
	    worker_down_io, w);
	event_add(w->down_rev, NULL);
	w->pump_ev = evtimer_new(w->base, worker_pump_ev, w);
	w->grace = evtimer_new(w->base, worker_grace, w);
	tv.tv_sec = w->cfg->login_grace_time;
	tv.tv_usec = 0;
	event_add(w->grace, &tv);
	w->rec_flush = event_new(w->base, -1, EV_PERSIST, worker_rec_flush, w);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	event_add(w->rec_flush, &tv);
	w->last_data = clock_sec();
	if (w->cfg->idle_timeout > 0) {
		w->idle = evtimer_new(w->base, worker_idle, w);
		tv.tv_sec = w->cfg->idle_timeout;
		event_add(w->idle, &tv);
	}
	worker_kex(w);
	event_base_dispatch(w->base);
	worker_exit(w, 0);
}
