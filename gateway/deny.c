/* deny.c: what the gateway refuses a client besides the session channels it bridges: port forwarding, agent and X11 forwarding, other requests; each audited and told. */

/*
 * Deny by default: libssh hands every message that no callback of ours
 * took to deny_message, which refuses it (libssh's default reply) and, for
 * what a user asked for on purpose, writes an audit row request.refused
 * with its kind and puts one line on the connection's session channels
 * (a forwarding request has no channel of its own to carry words: -W
 * alone gets only the protocol's refusal). A client that goes on asking
 * after DENY_MAX refusals is disconnected: nothing legitimate needs that
 * many, and each one costs an audit row. Keepalives and the like are
 * refused silently.
 */

#include <string.h>

#include "worker.h"

#define DENY_MAX 32

/* Refused: audited with its kind, the line told on the connection's channels. */
static void
deny_line(struct worker *w, struct chan *only, const char *kind,
    const char *detail, const char *line)
{
	struct chan *c;

	if (w->denials++ >= DENY_MAX) {
		if (w->denials == DENY_MAX + 1) {
			worker_audit(w, "request.refused", "kind=%s count=%d "
			    "disconnected", kind, DENY_MAX);
			log_info("%s: %d refused requests: disconnecting %s",
			    w->user[0] ? w->user : "pre-auth", DENY_MAX,
			    w->source);
		}
		ssh_disconnect(w->down);
		return;
	}
	worker_audit(w, "request.refused", "kind=%s%s%s", kind,
	    detail[0] ? " " : "", detail);
	log_info("%s: refused %s %s", w->user[0] ? w->user : "pre-auth", kind,
	    detail);
	for (c = w->chans; c != NULL; c = c->next)
		if (only == NULL || c == only)
			chan_notice(c, line);
}

static void
deny(struct worker *w, struct chan *only, const char *kind,
    const char *detail, const char *told)
{
	char line[300];

	snprintf(line, sizeof(line), "%s is not allowed through the gateway",
	    told);
	deny_line(w, only, kind, detail, line);
}

/*
 * One session channel more than MaxSessions on this connection: libssh
 * answers the open with a failure once we return no channel; the user's
 * other sessions are told why (an OpenSSH multiplexing client shows only
 * "open failed").
 */
void
deny_session(struct worker *w, int open)
{
	char detail[64], line[160];

	snprintf(detail, sizeof(detail), "open=%d max=%d", open,
	    w->cfg->max_sessions);
	snprintf(line, sizeof(line), "a session was refused: at most %d on "
	    "one connection (MaxSessions)", w->cfg->max_sessions);
	deny_line(w, NULL, "session", detail, line);
}

static struct chan *
deny_chan_of(struct worker *w, ssh_channel ch)
{
	struct chan *c;

	for (c = w->chans; c != NULL; c = c->next)
		if (c->down == ch)
			return c;
	return NULL;
}

/* A channel open other than a session: direct-tcpip (-L, -D, -W) or worse. */
static void
deny_open(struct worker *w, ssh_message msg)
{
	char dest[3 * 256 + 16], host[3 * 256 + 1];
	const char *h;

	if (ssh_message_subtype(msg) == SSH_CHANNEL_DIRECT_TCPIP) {
		h = ssh_message_channel_request_open_destination(msg);
		audit_value(h != NULL ? h : "", host, sizeof(host));
		snprintf(dest, sizeof(dest), "dest=%s:%d", host,
		    ssh_message_channel_request_open_destination_port(msg));
		deny(w, NULL, "local-forward", dest, "port forwarding (-L, -D, "
		    "-W)");
		return;
	}
	snprintf(dest, sizeof(dest), "type=%d", ssh_message_subtype(msg));
	deny(w, NULL, "channel-open", dest, "this kind of channel");
}

/* A request on a session channel that no callback of ours takes. */
static void
deny_channel_request(struct worker *w, ssh_message msg)
{
	struct chan *c = deny_chan_of(w,
	    ssh_message_channel_request_channel(msg));

	switch (ssh_message_subtype(msg)) {
	case SSH_CHANNEL_REQUEST_X11:
		deny(w, c, "x11", "", "X11 forwarding");
		break;
	default:
		/* keepalive@openssh.com and the like: nothing asked for */
		break;
	}
}

/* A global request: tcpip-forward (-R). */
static void
deny_global(struct worker *w, ssh_message msg)
{
	char dest[3 * 256 + 16], host[3 * 256 + 1];
	const char *h;

	switch (ssh_message_subtype(msg)) {
	case SSH_GLOBAL_REQUEST_TCPIP_FORWARD:
		h = ssh_message_global_request_address(msg);
		audit_value(h != NULL ? h : "", host, sizeof(host));
		snprintf(dest, sizeof(dest), "listen=%s:%d", host,
		    ssh_message_global_request_port(msg));
		deny(w, NULL, "remote-forward", dest, "remote port forwarding "
		    "(-R)");
		break;
	default:
		/* keepalives, hostkeys-00@openssh.com; libssh 0.10 names
		   streamlocal-forward@openssh.com no better than these */
		break;
	}
}

/*
 * libssh's message callback: every message no other callback took. Return
 * 1: libssh sends its default refusal. Before authentication nothing is
 * looked at but the one-time code that may follow the key (worker_mfa):
 * other auth methods are simply refused.
 */
int
deny_message(ssh_session s, ssh_message msg, void *arg)
{
	struct worker *w = arg;

	(void)s;
	if (!w->authed && w->mfa_pending &&
	    ssh_message_type(msg) == SSH_REQUEST_AUTH &&
	    ssh_message_subtype(msg) == SSH_AUTH_METHOD_INTERACTIVE)
		return worker_mfa(w, msg);
	if (!w->authed)
		return 1;
	switch (ssh_message_type(msg)) {
	case SSH_REQUEST_CHANNEL_OPEN:
		deny_open(w, msg);
		break;
	case SSH_REQUEST_CHANNEL:
		deny_channel_request(w, msg);
		break;
	case SSH_REQUEST_GLOBAL:
		deny_global(w, msg);
		break;
	default:
		break;
	}
	return 1;
}

/*
 * The agent request reaches us only as a channel callback (libssh 0.10
 * answers it itself, with success when the callback exists; OpenSSH asks
 * without wanting a reply). Nothing is forwarded: no agent channel is ever
 * opened to the client, and the request is not replayed upstream.
 */
void
deny_agent(ssh_session s, ssh_channel ch, void *arg)
{
	struct chan *c = arg;

	(void)s;
	(void)ch;
	deny(c->w, c, "agent", "", "agent forwarding");
}

/*
 * A request refused by the name the client gave it: the name goes into
 * the audit percent-encoded (at most its first 64 bytes), so a name like
 * "x source=10.9.9.9" cannot forge a field of the row or the log line.
 */
static void
deny_named(struct chan *c, const char *kind, const char *name,
    const char *told)
{
	char first[65], v[3 * 64 + 1], detail[3 * 64 + 8];

	snprintf(first, sizeof(first), "%s", name);
	audit_value(first, v, sizeof(v));
	snprintf(detail, sizeof(detail), "name=%s", v);
	deny(c->w, c, kind, detail, told);
}

/* A variable the bridge does not pass on (TERM, LANG and LC_* only). */
void
deny_env(struct chan *c, const char *name)
{
	deny_named(c, "env", name, "setting this environment variable");
}

/* A subsystem other than sftp. */
void
deny_subsystem(struct chan *c, const char *name)
{
	deny_named(c, "subsystem", name, "this subsystem");
}
