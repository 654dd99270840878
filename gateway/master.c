/* master.c: jumpgated's master: start order, the one event loop, signals, the once-a-second tick, the audit helper. */

/*
 * The master is the only process that opens the database. It runs one
 * libevent loop and never blocks: workers, the keeper and the tool talk to
 * it over sockets with framed messages (common/proto*.c), each checked
 * against a table before a handler sees it (master-peer.c for workers,
 * master-keeper.c, master-ctl.c). Store calls use a short busy timeout and
 * fail closed. This file starts the processes in the order that keeps the
 * database out of every child, and runs the timers and signals; the rest
 * of the master lives in the master-*.c files beside it.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "master.h"

/* The soft descriptor limit is raised to the hard one, up to this. */
#define MASTER_FD_WANT (1024 * 1024)

/*
 * Write one audit row; JG_OK or the store's error (logged). Every action
 * the daemon audits checks this first and is refused when its row cannot
 * be written: nothing happens that the audit log does not hold.
 */
/* Details carry what clients sent: no control characters stored. */
static void
master_audit_clean(const char *detail, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "%s", detail);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

int
master_audit(struct master *m, const char *actor, const char *action,
    const char *detail)
{
	struct store_actor a = { actor, -1 };
	char clean[1024];
	int rc;

	master_audit_clean(detail, clean, sizeof(clean));
	if ((rc = store_audit_add(m->store, &a, action, clean)) != JG_OK)
		log_error("audit %s: %s: refusing the action", action,
		    store_errmsg(m->store));
	return rc;
}

/* A login: its audit row and the user's last login, one commit. */
int
master_audit_login(struct master *m, const char *user, const char *detail)
{
	struct store_actor a = { user, -1 };
	char clean[1024];
	int rc;

	master_audit_clean(detail, clean, sizeof(clean));
	if ((rc = store_user_login(m->store, &a, clean)) != JG_OK)
		log_error("audit login: %s: refusing the action",
		    store_errmsg(m->store));
	return rc;
}

/*
 * ExpireInactiveDays: at start and every 10 minutes, users who have not
 * logged in for that many days are disabled, as `user disable` would
 * (audited as jumpgated, with the reason). A user with a live connection
 * is active whatever the date of the login that opened it.
 */
static void
master_expire_inactive(struct master *m)
{
	struct store_actor a = { "jumpgated", -1 };
	struct store_name *v = NULL;
	struct peer *p;
	char why[64];
	size_t n = 0, i;
	int nreq, ngr;

	if (m->cfg->expire_inactive_days <= 0 || clock_sec() < m->next_inactive)
		return;
	m->next_inactive = clock_sec() + 600;
	if (store_users_inactive(m->store, m->cfg->expire_inactive_days, &v,
	    &n) != JG_OK) {
		log_error("ExpireInactiveDays: %s", store_errmsg(m->store));
		m->next_inactive = clock_sec() + 60;
		return;
	}
	snprintf(why, sizeof(why), "inactive for %d days",
	    m->cfg->expire_inactive_days);
	for (i = 0; i < n; i++) {
		for (p = m->peers; p != NULL; p = p->next)
			if (!p->dead && strcmp(p->user, v[i].name) == 0)
				break;
		if (p != NULL)
			continue;
		if (store_user_disable(m->store, &a, v[i].name, why, &nreq,
		    &ngr) == JG_OK)
			log_info("user %s disabled: %s", v[i].name, why);
		else
			log_error("user %s not disabled: %s", v[i].name,
			    store_errmsg(m->store));
	}
	free(v);
}

/*
 * One INFO line per refusal, the same shape wherever it happens, so that
 * an operator can grep "refused:" (and fail2ban can match the source):
 * who, where to, from where, why. Unknown parts are "-". Refusals that
 * a flood repeats thousands of times a second (a penalised or capped
 * source) go at VERBOSE: the penalty itself is logged once at INFO.
 */
void
master_log_refused(int level, const char *user, const char *target,
    const char *source, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_at(level, "refused: user=%s target=%s source=%s reason=%s",
	    user != NULL && user[0] != '\0' ? user : "-",
	    target != NULL && target[0] != '\0' ? target : "-",
	    source != NULL && source[0] != '\0' ? source : "-", why);
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

/*
 * Before the keeper reads the key file: an interrupted rekey is finished
 * or rolled back (vault/vault-unlock.c), or its keeper would hold the old
 * key of a database already re-sealed with the new one. The database is
 * opened for that alone and closed before the keeper is forked.
 */
static void
master_vault_recover(struct master *m)
{
	struct store *s;
	char path[JG_PATH_MAX], note[JG_ERRLEN], err[JG_ERRLEN];

	if (m->cfg->vault_key_file[0] == '\0')
		return;		/* passphrase mode: one transaction, no file */
	if (config_db_path(m->cfg, path, sizeof(path)) != JG_OK ||
	    store_open(path, STORE_DAEMON, &s, err, sizeof(err)) != JG_OK)
		return;		/* the open after the keeper's start says why */
	if (vault_recover(m->cfg, s, note, sizeof(note), err, sizeof(err)) !=
	    JG_OK)
		log_error("%s: the keeper reads VaultKeyFile as it is", err);
	else if (note[0] != '\0')
		log_info("%s", note);
	store_close(s);
}

/* Signals and the once-a-second tick. */

static void
master_tell_all(struct master *m, const char *msg)
{
	struct peer *p;

	for (p = m->peers; p != NULL; p = p->next)
		master_peer_stop(p, STOP_GATEWAY, msg);
}

/*
 * Changes the tool makes reach us through the database: a user or key
 * that is gone, or a disabled user, ends that user's live connections;
 * a connection on standing access that no rule allows any more (a role
 * taken away, a rule deleted) ends too. Grants end by their own timers.
 */
/* A standing-access connection whose rule is gone: its access was removed. */
static void
master_check_standing(struct master *m, struct peer *p)
{
	struct authz_result res;
	struct store_target t;
	char why[160];

	if (!(p->state & PEER_AUTHORIZED) || p->how != AUTHZ_STANDING)
		return;
	memset(&res, 0, sizeof(res));
	if (authz_check(m->store, p->user, p->target, &res, &t) != JG_OK ||
	    (res.how == AUTHZ_STANDING && (!res.mfa || p->mfa)))
		return;		/* still allowed (or ask at the next change) */
	if (res.how == AUTHZ_GRANTED && (!res.mfa || p->mfa)) {
		/* Now a grant allows it: its end is this connection's end. */
		p->how = AUTHZ_GRANTED;
		p->grant_id = res.grant_id;
		p->grant_deadline = master_deadline_of(res.grant_ends);
		p->grant_warned = p->grant_deadline - clock_sec() <= 60 ? 0 :
		    p->grant_deadline - clock_sec() <= 300 ? 1 : 2;
		log_info("%s: %s is now reached through grant %lld", p->user,
		    p->target, res.grant_id);
		return;
	}
	log_info("%s: no rule allows %s any more: ending connection from %s",
	    p->user, p->target, p->source);
	snprintf(why, sizeof(why), "your access to %s was removed", p->target);
	master_peer_stop(p, STOP_ACCESS_REMOVED, why);
}

static int
master_check_access(struct master *m)
{
	char owner[JG_NAME_MAX + 1];
	struct peer *p;
	long long v;
	int rc;

	/* data_version moves for other processes' commits; our own
	   (a review closed when due) set m->data_version to -1 */
	if (store_data_version(m->store, &v) != JG_OK || v == m->data_version)
		return 0;
	m->data_version = v;
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead || !(p->state & (PEER_LOGGED_IN | PEER_MFA_ANY)) ||
		    p->kill_at != 0)
			continue;
		rc = store_key_owner(m->store, p->fp, owner, sizeof(owner));
		if (p->state & PEER_MFA_ANY) {
			/* at the code prompt: a key or user gone ends it */
			if (rc != JG_OK && rc != JG_EBUSY)
				master_peer_kill(p, "user or key removed at "
				    "the code prompt");
			continue;
		}
		if (rc == JG_OK && strcmp(owner, p->user) == 0) {
			master_check_standing(m, p);
			continue;
		}
		if (rc == JG_EBUSY)
			continue;	/* asked again at the next change */
		log_info("%s: %s: ending connection from %s", p->user, rc ==
		    JG_EDISABLED ? "account disabled" : "user or key removed",
		    p->source);
		master_peer_stop(p, STOP_ACCESS_REMOVED, rc == JG_EDISABLED ?
		    "your account was disabled" : "your access was removed");
	}
	return 1;
}

static void
master_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct master *m = arg;
	time_t now = clock_sec();
	struct peer *p;
	int changed;

	(void)fd;
	(void)ev;
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead)
			continue;
		/* A worker past its grace time is ended by us too. */
		if ((p->state & PEER_NOT_IN) &&
		    now - p->started > m->cfg->login_grace_time + 5)
			master_peer_kill(p, "login grace time exceeded");
		else if (p->kill_at != 0 && now >= p->kill_at)
			master_peer_kill(p, "access removed");
	}
	master_session_ends_retry(m);
	master_session_bytes_flush(m);
	master_commands_flush(m);
	master_transfers_flush(m);
	master_expire_inactive(m);
	master_reviews_due(m);
	/* data_version sees other processes' writes only: a decision taken
	   here (an extension approved through the gateway) says so itself */
	changed = master_check_access(m) || m->recheck;
	m->recheck = 0;
	master_jit_tick(m, changed);
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
				master_keeper_lost(m, 1, status);
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
	int n, rc = JG_EXIT_FAIL;

	m->opts = opts;
	m->cfg = cfg;
	m->ctl_fd = -1;
	m->keeper_pid = -1;
	m->penalties = xcalloc(MASTER_PENALTY_SLOTS, sizeof(*m->penalties));
	/* The keeper runs this binary; found now, while it is certain. */
	n = (int)readlink("/proc/self/exe", m->self_path,
	    sizeof(m->self_path) - 1);
	if (n <= 0 || n >= (int)sizeof(m->self_path) - 1) {
		log_error("cannot find our own binary in /proc/self/exe");
		return JG_EXIT_FAIL;
	}
	m->self_path[n] = '\0';
	signal(SIGPIPE, SIG_IGN);
	/* The master holds the host key and passes unseal passphrases. */
	if (core_dumps_disable() != JG_OK)
		log_error("cannot disable core dumps: %s", strerror(errno));
	/* Workers and control clients each hold a descriptor here. */
	log_verbose("descriptor limit: %ld", privsep_fd_limit(MASTER_FD_WANT));
	master_vault_recover(m);
	/* The keeper first: it must never inherit the database. */
	if (master_keeper_start(m, err, sizeof(err)) != JG_OK) {
		log_error("cannot start the vault keeper: %s", err);
		return JG_EXIT_FAIL;
	}
	if (config_db_path(cfg, path, sizeof(path)) != JG_OK ||
	    store_open(path, STORE_DAEMON, &m->store, err, sizeof(err)) !=
	    JG_OK) {
		log_error("%s", err);
		goto out;
	}
	/* The audit log must not have gone backwards since we last wrote. */
	if (config_audit_head_path(cfg, path, sizeof(path)) != JG_OK) {
		log_error("StateDirectory too long");
		goto out;
	}
	store_audit_witness(m->store, path, cfg->audit_log_file);
	if (store_audit_head_check(m->store, err, sizeof(err)) != JG_OK) {
		log_error("refusing to start: %s (see jumpgate audit verify "
		    "--witness)", err);
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
	master_keeper_listen(m);
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
	if (!rec_seal_hardware())
		log_info("this CPU has no AES instructions: recordings are "
		    "sealed with table-based AES-GCM, slower and not "
		    "constant-time");
	if (cfg->record_input == RECORD_INPUT_ALL)
		log_info("RecordInput all: recordings keep every keystroke, "
		    "passwords typed at prompts included");
	log_info("jumpgated ready (pid %ld)%s", (long)getpid(), getuid() == 0 ?
	    "" : ": running as a normal user, every process stays that user");
	event_base_dispatch(m->base);
	rc = m->exit_rc != 0 ? m->exit_rc : JG_EXIT_OK;
out:
	if (m->ctl_path[0] != '\0')
		unlink(m->ctl_path);
	master_ctl_close_all(m);
	if (m->store != NULL) {	/* a last try for what still waits */
		master_session_ends_retry(m);
		master_commands_flush(m);
		master_transfers_flush(m);
	}
	free(m->xfers);
	free(m->cmds);
	free(m->ends);
	msg_free(m->keeper);	/* closing it makes the keeper wipe and exit */
	m->keeper = NULL;
	if (m->keeper_pid > 0)
		waitpid(m->keeper_pid, NULL, 0);
	store_close(m->store);
	log_info("jumpgated stopped");
	return rc;
}
