/* channel-req.c: the requests a client makes on a session channel: checked, kept in order, replayed upstream. */

/*
 * A request must be answered at once (LIBSSH-NOTES.md), long before the
 * target's channel exists: the allowed ones (pty-req, env TERM/LANG/LC_*,
 * shell, exec, subsystem sftp, window-change, signal) are accepted and
 * kept in the channel's list, at most CHAN_MAX_REQS; channel.c replays
 * them upstream in the same order once the target is ready. Everything
 * else is refused (deny.c says why and audits it).
 */

#include <string.h>

#include "worker.h"

static struct chreq *
chan_add_req(struct chan *c, int kind)
{
	struct chreq *r;

	if (c->nreqs == CHAN_MAX_REQS)
		return NULL;
	r = &c->reqs[c->nreqs++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

static int
chan_pty_req(ssh_session s, ssh_channel ch, const char *term, int cols,
    int rows, int pxw, int pxh, void *arg)
{
	struct chan *c = arg;
	struct chreq *r;

	(void)s;
	(void)ch;
	if (c->main_req != 0 || c->has_pty || strlen(term) >= sizeof(r->name) ||
	    str_has_control(term) || (r = chan_add_req(c, REQ_PTY)) == NULL)
		return -1;
	snprintf(r->name, sizeof(r->name), "%s", term);
	r->cols = cols;
	r->rows = rows;
	r->pxw = pxw;
	r->pxh = pxh;
	c->has_pty = 1;
	return 0;
}

static int
chan_env_allowed(const char *name)
{
	return strcmp(name, "TERM") == 0 || strcmp(name, "LANG") == 0 ||
	    strncmp(name, "LC_", 3) == 0;
}

static int
chan_env_req(ssh_session s, ssh_channel ch, const char *name,
    const char *value, void *arg)
{
	struct chan *c = arg;
	struct chreq *r;

	(void)s;
	(void)ch;
	if (!chan_env_allowed(name) || strlen(name) >= sizeof(r->name) ||
	    strlen(value) > 256 || str_has_control(value) ||
	    c->main_req != 0 || (r = chan_add_req(c, REQ_ENV)) == NULL) {
		deny_env(c, name);
		return -1;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->value = xstrdup(value);
	return 0;
}

static int
chan_main(struct chan *c, int kind, const char *name, const char *value)
{
	struct chreq *r;

	if (c->main_req != 0 || (r = chan_add_req(c, kind)) == NULL)
		return -1;
	if (name != NULL)
		snprintf(r->name, sizeof(r->name), "%s", name);
	if (value != NULL)
		r->value = xstrdup(value);
	c->main_req = kind;
	return 0;
}

static int
chan_shell_req(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s;
	(void)ch;
	return chan_main(arg, REQ_SHELL, NULL, NULL);
}

static int
chan_exec_req(ssh_session s, ssh_channel ch, const char *cmd, void *arg)
{
	(void)s;
	(void)ch;
	if (strlen(cmd) > 65536)
		return -1;
	return chan_main(arg, REQ_EXEC, NULL, cmd);
}

static int
chan_subsystem_req(ssh_session s, ssh_channel ch, const char *name, void *arg)
{
	struct chan *c = arg;

	(void)s;
	(void)ch;
	/*
	 * Another subsystem: accepted, so that the line deny_subsystem puts
	 * on the channel reaches the user (OpenSSH stops at a failure reply
	 * without reading the channel), then ended with exit status 1.
	 */
	if (strcmp(name, "sftp") != 0) {
		if (chan_main(c, REQ_SUBSYSTEM, name, NULL) != 0)
			return -1;	/* a second main request: refused */
		deny_subsystem(c, name);
		chan_refuse(c, NULL);
		return 0;
	}
	return chan_main(c, REQ_SUBSYSTEM, name, NULL);
}

static int
chan_winch(ssh_session s, ssh_channel ch, int cols, int rows, int pxw,
    int pxh, void *arg)
{
	struct chan *c = arg;
	struct chreq *r;
	size_t i;

	(void)s;
	(void)ch;
	if (!c->has_pty)
		return -1;
	/* Not yet replayed: the pending pty-req simply gets the new size. */
	for (i = c->replayed; i < c->nreqs; i++)
		if (c->reqs[i].kind == REQ_PTY || c->reqs[i].kind == REQ_WINCH) {
			c->reqs[i].cols = cols;
			c->reqs[i].rows = rows;
			c->reqs[i].pxw = pxw;
			c->reqs[i].pxh = pxh;
			return 0;
		}
	record_resize(c, cols, rows);
	if ((r = chan_add_req(c, REQ_WINCH)) == NULL)
		return -1;
	r->cols = cols;
	r->rows = rows;
	r->pxw = pxw;
	r->pxh = pxh;
	return 0;
}

static void
chan_signal(ssh_session s, ssh_channel ch, const char *sig, void *arg)
{
	struct chan *c = arg;
	struct chreq *r;

	(void)s;
	(void)ch;
	if (strlen(sig) >= sizeof(r->name) || str_has_control(sig))
		return;
	if ((r = chan_add_req(c, REQ_SIGNAL)) != NULL) {
		snprintf(r->name, sizeof(r->name), "%s", sig);
		record_text(c, REC_SIGNAL, sig);
	}
}

/* The callbacks of a client's session channel that take its requests. */
void
chan_req_callbacks(struct ssh_channel_callbacks_struct *cb)
{
	cb->channel_pty_request_function = chan_pty_req;
	cb->channel_env_request_function = chan_env_req;
	cb->channel_shell_request_function = chan_shell_req;
	cb->channel_exec_request_function = chan_exec_req;
	cb->channel_subsystem_request_function = chan_subsystem_req;
	cb->channel_pty_window_change_function = chan_winch;
	cb->channel_signal_function = chan_signal;
	cb->channel_auth_agent_req_function = deny_agent;
}

/* Replay one request upstream: SSH_OK, SSH_AGAIN or SSH_ERROR. */
int
chan_replay(struct chan *c, struct chreq *r)
{
	switch (r->kind) {
	case REQ_PTY:
		return ssh_channel_request_pty_size(c->up, r->name, r->cols,
		    r->rows);
	case REQ_ENV:
		return ssh_channel_request_env(c->up, r->name, r->value);
	case REQ_SHELL:
		return ssh_channel_request_shell(c->up);
	case REQ_EXEC:
		return ssh_channel_request_exec(c->up, r->value);
	case REQ_SUBSYSTEM:
		return ssh_channel_request_subsystem(c->up, r->name);
	case REQ_WINCH:
		return ssh_channel_change_pty_size(c->up, r->cols, r->rows);
	case REQ_SIGNAL:
		return ssh_channel_request_send_signal(c->up, r->name);
	}
	return SSH_ERROR;
}
