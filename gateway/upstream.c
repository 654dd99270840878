/* upstream.c: the worker's SSH client to the target: connect, pinned host key, vault credential. */

/*
 * A non-blocking libssh client driven by the same libevent loop as the
 * user's side. The host key must equal the pinned one or nothing is sent;
 * the credential comes from the keeper over the socket the master handed
 * us: a password (held in locked memory only until authentication ends)
 * or ssh-agent signatures (the private key never leaves the keeper).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "worker.h"

static void
upstream_fail(struct worker *w, const char *msg)
{
	log_info("%s: %s", w->user, msg);
	w->up_state = UP_FAILED;
	/* Channels opened later on this connection get the same answer. */
	snprintf(w->refusal, sizeof(w->refusal), "%s", msg);
	w->authz_state = -1;
	if (w->connect_timer != NULL)
		event_del(w->connect_timer);
	worker_refuse_all(w, msg);
}

/* A failure about the target: the message names it first. */
static void
upstream_failf(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
upstream_failf(struct worker *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	upstream_fail(w, msg);
}

/* "db01 (10.0.0.5:22) is unreachable: connection refused" */
static void
upstream_unreachable(struct worker *w, const char *why)
{
	char msg[512], reason[256];

	snprintf(reason, sizeof(reason), "%s", why);
	if (reason[0] >= 'A' && reason[0] <= 'Z')
		reason[0] = (char)(reason[0] - 'A' + 'a');
	snprintf(msg, sizeof(msg), "%s (%s:%d) is unreachable: %s", w->target,
	    w->host, w->port, reason);
	upstream_fail(w, msg);
}

static const char *
upstream_hostkey_algos(const char *type)
{
	if (strcmp(type, "ssh-rsa") == 0)
		return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
	return type;
}

static void
upstream_event(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)ev;
	if (w->up_state != UP_READY)
		upstream_io(w);
	worker_poll(w);
}

static void
upstream_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)ev;
	if (w->up_state == UP_CONNECTING || w->up_state == UP_AUTH) {
		upstream_unreachable(w, "connection timed out");
		worker_poll(w);
	}
}

void
upstream_start(struct worker *w)
{
	char type[64], *sp;
	struct timeval tv;
	long timeout = w->cfg->connect_timeout;
	int no = 0, yes = 1;

	if ((w->up = ssh_new()) == NULL) {
		upstream_failf(w, "%s: out of memory", w->target);
		return;
	}
	snprintf(type, sizeof(type), "%s", w->host_key);
	if ((sp = strchr(type, ' ')) != NULL)
		*sp = '\0';
	if (ssh_options_set(w->up, SSH_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_HOST, w->host) != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_PORT, &w->port) != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_USER, w->tlogin) != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_TIMEOUT, &timeout) != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") !=
	    SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null")
	    != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_HOSTKEYS,
	    upstream_hostkey_algos(type)) != SSH_OK ||
	    ssh_options_set(w->up, SSH_OPTIONS_NODELAY, &yes) != SSH_OK) {
		upstream_failf(w, "%s: cannot set up the connection", w->target);
		return;
	}
	ssh_set_blocking(w->up, 0);
	ssh_set_counters(w->up, NULL, &w->up_rx);
	w->up_state = UP_CONNECTING;
	w->connect_timer = evtimer_new(w->base, upstream_timeout, w);
	tv.tv_sec = w->cfg->connect_timeout;
	tv.tv_usec = 0;
	event_add(w->connect_timer, &tv);
	log_verbose("%s: connecting to %s (%s:%d) as %s", w->user, w->target,
	    w->host, w->port, w->tlogin);
	upstream_io(w);
}

static int
upstream_check_hostkey(struct worker *w)
{
	ssh_key got = NULL, pinned = NULL;
	char type[64], *b64, fp[SSHKEY_FP_LEN] = "?", pfp[SSHKEY_FP_LEN] = "?";
	struct sshkey_pub pk;
	char err[JG_ERRLEN], line[SSHKEY_LINE_MAX];
	int same;

	snprintf(line, sizeof(line), "%s", w->host_key);
	b64 = strchr(line, ' ');
	if (b64 == NULL)
		return JG_EINVAL;
	*b64++ = '\0';
	snprintf(type, sizeof(type), "%s", line);
	if (ssh_get_server_publickey(w->up, &got) != SSH_OK ||
	    ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type),
	    &pinned) != SSH_OK) {
		ssh_key_free(got);
		return JG_ERR;
	}
	same = ssh_key_cmp(got, pinned, SSH_KEY_CMP_PUBLIC) == 0;
	if (!same) {
		unsigned char *h = NULL;
		size_t hl;
		char *s;

		if (ssh_get_publickey_hash(got, SSH_PUBLICKEY_HASH_SHA256, &h,
		    &hl) == 0) {
			s = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256,
			    h, hl);
			if (s != NULL)
				snprintf(fp, sizeof(fp), "%s", s);
			ssh_string_free_char(s);
			ssh_clean_pubkey_hash(&h);
		}
		if (sshkey_parse_line(w->host_key, &pk, err, sizeof(err)) ==
		    JG_OK) {
			snprintf(pfp, sizeof(pfp), "%s", pk.fingerprint);
			sshkey_pub_clear(&pk);
		}
		log_error("%s: HOST KEY MISMATCH for %s (%s:%d): got %s, "
		    "pinned %s", w->user, w->target, w->host, w->port, fp, pfp);
		worker_audit(w, "hostkey.mismatch", "target=%s got=%s "
		    "pinned=%s", w->target, fp, pfp);
	}
	ssh_key_free(got);
	ssh_key_free(pinned);
	return same ? JG_OK : JG_EAUTH;
}

static void
upstream_wipe_password(struct worker *w)
{
	if (w->password != NULL) {
		vault_secret_free(w->password, w->password_len);
		w->password = NULL;
		w->password_len = 0;
	}
}

static int
upstream_auth_step(struct worker *w)
{
	char err[JG_ERRLEN];
	int r;

	if (strcmp(w->kind, "password") == 0) {
		if (w->password == NULL && agent_password_fetch(w->keeper_fd,
		    WORKER_MSG_TIMEOUT_MS, &w->password, &w->password_len, err,
		    sizeof(err)) != JG_OK) {
			upstream_failf(w, "%s: the vault gave no credential",
			    w->target);
			return SSH_AUTH_ERROR;
		}
		r = ssh_userauth_password(w->up, NULL, w->password);
	} else {
		if (ssh_set_agent_socket(w->up, w->keeper_fd) != SSH_OK) {
			upstream_failf(w, "%s: cannot reach the vault keeper",
			    w->target);
			return SSH_AUTH_ERROR;
		}
		r = ssh_userauth_agent(w->up, NULL);
	}
	if (r != SSH_AUTH_AGAIN)
		upstream_wipe_password(w);
	return r;
}

void
upstream_io(struct worker *w)
{
	int r, fd;

	switch (w->up_state) {
	case UP_CONNECTING:
		r = ssh_connect(w->up);
		if (w->up_rev == NULL && (fd = ssh_get_fd(w->up)) != -1) {
			worker_bound_sends(fd);
			w->up_rev = event_new(w->base, fd, EV_READ |
			    EV_PERSIST, upstream_event, w);
			w->up_wev = event_new(w->base, fd, EV_WRITE,
			    upstream_event, w);
			event_add(w->up_rev, NULL);
		}
		if (r == SSH_AGAIN)
			break;
		if (r != SSH_OK) {
			upstream_unreachable(w, ssh_get_error(w->up));
			break;
		}
		if ((r = upstream_check_hostkey(w)) != JG_OK) {
			if (r == JG_EAUTH)
				upstream_failf(w, "%s: the target's host key "
				    "does not match the pinned key: refusing "
				    "to connect", w->target);
			else
				upstream_failf(w, "%s: cannot check the "
				    "target's host key", w->target);
			break;
		}
		w->up_state = UP_AUTH;
		/* FALLTHROUGH */
	case UP_AUTH:
		r = upstream_auth_step(w);
		if (r == SSH_AUTH_AGAIN)
			break;
		if (w->up_state == UP_FAILED)
			break;
		if (r != SSH_AUTH_SUCCESS) {
			log_error("%s: the target %s refused the vault "
			    "credential for %s", w->user, w->target, w->tlogin);
			worker_audit(w, "upstream.authfail", "target=%s login=%s",
			    w->target, w->tlogin);
			upstream_failf(w, "%s: the target refused the gateway's "
			    "credential", w->target);
			break;
		}
		event_del(w->connect_timer);
		w->up_state = UP_READY;
		if (ssh_event_add_session(w->sev, w->up) != SSH_OK)
			fatalx("cannot add the upstream session");
		log_verbose("%s: connected to %s", w->user, w->target);
		break;
	default:
		break;
	}
	if (w->up_state == UP_FAILED && w->up_rev != NULL) {
		event_del(w->up_rev);
		event_del(w->up_wev);
	}
	worker_rearm(w);
}

void
upstream_close(struct worker *w)
{
	upstream_wipe_password(w);
	if (w->up == NULL)
		return;
	if (w->up_state == UP_READY && w->sev != NULL)
		ssh_event_remove_session(w->sev, w->up);
	ssh_disconnect(w->up);
	ssh_free(w->up);	/* closes the agent socket too */
	w->up = NULL;
	w->keeper_fd = -1;
}
