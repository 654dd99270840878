/* master-session.c: sessions in the master: rows and recording files for workers, live counts, and the auditors' list, replay, watch and kill. */

/*
 * The master writes every session row and creates every recording file:
 * a worker gets only a write-only, append-only descriptor for its own
 * session's file, so it can neither read it nor reach another session's.
 * For an auditor's replay the master opens that one recording read-only
 * and has the keeper write its key into a fresh socket for the auditor's
 * worker; the master never decrypts a recording itself.
 */

#include <sys/socket.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

#define MASTER_SESSIONS_SHOWN 200

/*
 * The session's recording file: created here (the worker may not create
 * files), write-only and append-only for the worker.
 */
static int
master_recording_create(struct master *m, long long id)
{
	char name[64], path[JG_PATH_MAX];
	int fd;

	snprintf(name, sizeof(name), "%lld.jgrec", id);
	if (path_join(path, sizeof(path), m->cfg->recording_dir, name) !=
	    JG_OK)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		log_error("session %lld: cannot create %s: %s", id, path,
		    strerror(errno));
		return -1;
	}
	if (store_session_set_recording(m->store, id, name) != JG_OK) {
		log_error("session %lld: %s", id, store_errmsg(m->store));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/*
 * RecordingMinFree: below the floor no session starts, so one session
 * that fills the disk cannot leave the others unrecorded halfway. The
 * refusal is audited (unless the database shares the full disk) and its
 * cause goes to the user.
 */
static int
master_recording_room(struct master *m, struct peer *p, char *msg,
    size_t len)
{
	struct statvfs sv;
	long long total, avail, floor;
	char a[32], f[32], detail[128];

	if (m->cfg->recording_min_free == 0 &&
	    m->cfg->recording_min_free_pct == 0)
		return JG_OK;
	if (statvfs(m->cfg->recording_dir, &sv) != 0) {
		log_error("%s: %s", m->cfg->recording_dir, strerror(errno));
		snprintf(msg, len, "the gateway cannot record this session: "
		    "its recording directory cannot be read");
		return JG_ERR;
	}
	total = (long long)sv.f_blocks * (long long)sv.f_frsize;
	avail = (long long)sv.f_bavail * (long long)sv.f_frsize;
	floor = config_min_free_bytes(m->cfg, total);
	if (avail >= floor)
		return JG_OK;
	size_format(avail, a, sizeof(a));
	size_format(floor, f, sizeof(f));
	log_error("%s has %s free, below RecordingMinFree %s: refusing "
	    "new sessions", m->cfg->recording_dir, a, f);
	snprintf(detail, sizeof(detail), "target=%s cause=recording-disk "
	    "free=%lld min=%lld", p->target, avail, floor);
	(void)master_audit(m, p->user, "session.refused", detail);
	snprintf(msg, len, "the gateway cannot record this session: its "
	    "recording disk has %s free, below RecordingMinFree %s", a, f);
	return JG_ERR;
}

/*
 * A session's end goes to the store now or, when the store cannot take it
 * (the database locked by another process past our short busy timeout),
 * is kept and written again every second: a row must not stay live for as
 * long as the daemon runs. state and reason are static strings. What is
 * still pending when the daemon stops is marked interrupted at the next
 * start, like any row left live.
 */
void
master_session_end(struct master *m, long long id, const char *state,
    int exit_status, long long in, long long out, const char *reason)
{
	struct master_end *e;

	master_watch_ended(m, id);
	if (store_session_end(m->store, id, state, exit_status, in, out,
	    reason) == JG_OK)
		return;
	if (m->nends == MASTER_PENDING_ENDS) {
		log_error("session %lld: %s: too many session ends waiting "
		    "for the database: it stays live until the next start",
		    id, store_errmsg(m->store));
		return;
	}
	log_error("session %lld: %s: its end is written again every second",
	    id, store_errmsg(m->store));
	if (m->ends == NULL)
		m->ends = xcalloc(MASTER_PENDING_ENDS, sizeof(*m->ends));
	e = &m->ends[m->nends++];
	e->id = id;
	e->state = state;
	e->reason = reason;
	e->exit_status = exit_status;
	e->in = in;
	e->out = out;
}

/*
 * Once a second: the ends the store refused before, oldest first, until
 * one fails again (the database is still held: each try may wait its busy
 * timeout, and the loop must not wait for more than one).
 */
void
master_session_ends_retry(struct master *m)
{
	struct master_end *e;
	size_t i, k = 0;
	int rc;

	for (i = 0; i < m->nends; i++) {
		e = &m->ends[i];
		rc = store_session_end(m->store, e->id, e->state,
		    e->exit_status, e->in, e->out, e->reason);
		if (rc == JG_OK)
			log_info("session %lld: its end is written (%s)",
			    e->id, e->state);
		else if (rc == JG_ENOENT)	/* no longer live: done */
			log_error("session %lld: %s", e->id,
			    store_errmsg(m->store));
		else
			break;
	}
	for (; i < m->nends; i++)
		m->ends[k++] = m->ends[i];
	m->nends = k;
}

/* Ended sessions (negative ids) make room once the list is full. */
static void
master_sessions_compact(struct peer *p)
{
	size_t i, k = 0;

	if (p->nsessions < MASTER_PEER_SESSIONS)
		return;
	for (i = 0; i < p->nsessions; i++)
		if (p->sessions[i] > 0) {
			p->sbytes[k] = p->sbytes[i];	/* its counts too */
			p->sessions[k++] = p->sessions[i];
		}
	p->nsessions = k;
}

int
master_w_session_open(struct master *m, struct peer *p, const void *msg)
{
	const struct w_session_open *rq = msg;
	struct store_session ss;
	struct m_session an;
	long long id = 0;
	size_t i;
	int ok, rc, fd = -1;

	if (str_has_control(rq->kind))
		return JG_EINVAL;
	memset(&ss, 0, sizeof(ss));
	snprintf(ss.kind, sizeof(ss.kind), "%s", rq->kind);
	snprintf(ss.detail, sizeof(ss.detail), "%s", rq->detail);
	snprintf(ss.user, sizeof(ss.user), "%s", p->user);
	snprintf(ss.target, sizeof(ss.target), "%s", p->target);
	snprintf(ss.login, sizeof(ss.login), "%s", p->login);
	snprintf(ss.source, sizeof(ss.source), "%s", p->source);
	master_sessions_compact(p);
	memset(&an, 0, sizeof(an));
	/* a worker told to stop may not have read it yet: no new session */
	if (p->stopping)
		snprintf(an.message, sizeof(an.message), "the gateway is "
		    "ending this connection: no new session");
	if (p->stopping || master_recording_room(m, p, an.message,
	    sizeof(an.message)) != JG_OK) {
		master_log_refused(LOG_LVL_INFO, p->user, p->target, p->source,
		    "%s", an.message);
		master_peer_sent(p, m_session_send(p->conn, &an, -1));
		return JG_OK;
	}
	for (i = 0; ss.detail[i] != '\0'; i++)	/* shown to auditors later */
		if ((unsigned char)ss.detail[i] < 0x20 || ss.detail[i] == 0x7f)
			ss.detail[i] = '?';
	/* the row and its audit row go in one transaction, or neither */
	if (p->nsessions >= MASTER_PEER_SESSIONS) {
		ok = 0;
		snprintf(an.message, sizeof(an.message), "the gateway cannot "
		    "record this session: too many sessions on this "
		    "connection");
	} else if ((rc = store_session_open(m->store, &ss, &id)) != JG_OK) {
		ok = 0;
		log_error("session for %s on %s: %s", p->user, p->target,
		    store_errmsg(m->store));
		snprintf(an.message, sizeof(an.message), "the gateway cannot "
		    "record this session: %s", rc == JG_EBUSY ? MASTER_DB_BUSY
		    ", try again in a moment" : "its audit record cannot be "
		    "written");
	} else {
		ok = 1;
		memset(&p->sbytes[p->nsessions], 0, sizeof(p->sbytes[0]));
		p->sessions[p->nsessions++] = id;
	}
	if (ok && (fd = master_recording_create(m, id)) == -1) {
		ok = 0;
		p->sessions[--p->nsessions] = 0;
		master_session_end(m, id, "refused", -1, 0, 0,
		    "recording cannot be created");
		snprintf(an.message, sizeof(an.message), "the gateway cannot "
		    "record this session: its recording file cannot be "
		    "created");
	}
	an.ok = ok ? 1 : 0;
	an.id = (uint64_t)id;
	if (ok)
		an.message[0] = '\0';
	if (ok)
		log_info("session %lld start: user=%s target=%s login=%s "
		    "source=%s kind=%s%s%s", id, p->user, p->target, p->login,
		    p->source, ss.kind, ss.detail[0] != '\0' ? " command=" : "",
		    ss.detail);
	else
		master_log_refused(LOG_LVL_INFO, p->user, p->target, p->source,
		    "%s", an.message);
	master_peer_sent(p, m_session_send(p->conn, &an, fd));
	return JG_OK;
}

/*
 * The state a session's row ends in, from how it ended: what an auditor
 * asks first ("did it finish, or was it stopped, and why?"). A recording
 * without its end mark says truncated whatever else happened.
 */
static const char *
master_end_state(const struct w_session_end *rq)
{
	if (rq->recorded != RECORDED_COMPLETE)
		return "truncated";
	if (rq->reason == END_REFUSED)
		return "refused";
	if (rq->reason == END_KILLED)
		return "killed";
	if (rq->reason != END_STOPPED)
		return "complete";
	switch (rq->stop) {
	case STOP_GRANT_EXPIRED:
		return "expired";
	case STOP_GRANT_REVOKED:
	case STOP_ACCESS_REMOVED:
		return "revoked";
	case STOP_RECORDING:
		return "truncated";
	}
	return "interrupted";
}

/*
 * Live counts for `sessions`: each worker sends them at most once a second
 * per session. We only keep them on the peer here; master_session_bytes_flush
 * writes every changed one in one transaction from the tick, so a thousand
 * live sessions cost one commit a second, not a thousand.
 */
int
master_w_session_bytes(struct master *m, struct peer *p, const void *msg)
{
	const struct w_session_bytes *rq = msg;
	size_t i;

	(void)m;
	if (rq->id == 0 || rq->bytes_in > INT64_MAX ||
	    rq->bytes_out > INT64_MAX)
		return JG_EINVAL;
	for (i = 0; i < p->nsessions; i++)
		if (p->sessions[i] == (long long)rq->id)
			break;
	if (i == p->nsessions)
		return JG_EINVAL;	/* not this worker's live session */
	p->sbytes[i].in = (long long)rq->bytes_in;
	p->sbytes[i].out = (long long)rq->bytes_out;
	p->sbytes[i].dirty = 1;
	return JG_OK;
}

/* Is id one of this worker's live sessions? */
int
master_peer_has_session(const struct peer *p, uint64_t id)
{
	size_t i;

	for (i = 0; i < p->nsessions; i++)
		if (p->sessions[i] == (long long)id)
			return 1;
	return 0;
}

/* From the tick: the changed live counts of every worker, one commit. */
void
master_session_bytes_flush(struct master *m)
{
	struct store_bytes *v = NULL, *nv;
	struct peer *p;
	size_t n = 0, cap = 0, i;

	for (p = m->peers; p != NULL; p = p->next)
		for (i = 0; i < p->nsessions; i++) {
			if (!p->sbytes[i].dirty || p->sessions[i] <= 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((nv = reallocarray(v, cap, sizeof(*v))) ==
				    NULL) {
					free(v);
					return;	/* next tick */
				}
				v = nv;
			}
			v[n].id = p->sessions[i];
			v[n].in = p->sbytes[i].in;
			v[n].out = p->sbytes[i].out;
			n++;
		}
	if (n == 0)
		return;
	/* Only a display: on a busy database they wait for the next tick. */
	if (store_session_bytes(m->store, v, n) != JG_OK)
		log_verbose("live counts of %zu sessions not written: %s", n,
		    store_errmsg(m->store));
	else
		for (p = m->peers; p != NULL; p = p->next)
			for (i = 0; i < p->nsessions; i++)
				p->sbytes[i].dirty = 0;
	free(v);
}

int
master_w_session_end(struct master *m, struct peer *p, const void *msg)
{
	const struct w_session_end *rq = msg;
	const char *reason;
	char ex[16];
	size_t i;

	reason = end_reason_name(rq->reason, rq->stop);
	if (reason == NULL || (rq->recorded != RECORDED_COMPLETE &&
	    rq->recorded != RECORDED_TRUNCATED) || rq->id == 0)
		return JG_EINVAL;
	for (i = 0; i < p->nsessions; i++)
		if (p->sessions[i] == (long long)rq->id)
			break;
	if (i == p->nsessions)
		return JG_EINVAL;	/* not this worker's session */
	/* Kept, negated: the keeper's key for it may still be on its way. */
	p->sessions[i] = -(long long)rq->id;
	master_session_end(m, (long long)rq->id, master_end_state(rq),
	    rq->exit_status == UINT32_MAX ? -1 : (int)rq->exit_status,
	    (long long)rq->bytes_in, (long long)rq->bytes_out, reason);
	if (rq->exit_status == UINT32_MAX)
		snprintf(ex, sizeof(ex), "-");
	else
		snprintf(ex, sizeof(ex), "%u", rq->exit_status);
	log_info("session %llu end: user=%s target=%s source=%s state=%s "
	    "reason=%s exit=%s in=%llu out=%llu", (unsigned long long)rq->id,
	    p->user, p->target, p->source, master_end_state(rq), reason, ex,
	    (unsigned long long)rq->bytes_in,
	    (unsigned long long)rq->bytes_out);
	return JG_OK;
}

int
master_is_auditor(struct master *m, const char *user)
{
	struct store_user u;
	size_t i;
	int yes = 0;

	if (store_user_get(m->store, user, &u) != JG_OK)
		return 0;
	for (i = 0; i < u.nroles; i++)
		if (strcmp(u.roles[i], "auditor") == 0)
			yes = 1;
	store_user_clear(&u);
	return yes;
}

int
master_text_reply(struct peer *p, int ok, const char *text, size_t len)
{
	master_peer_sent(p, proto_wm_send_text(p->conn, MSG_M_TEXT, ok, text,
	    len));
	return JG_OK;
}

/* Auditors list sessions through the gateway; the newest 200. */
int
master_w_sessions(struct master *m, struct peer *p, const void *msg)
{
	struct store_session_filter f;
	struct store_session *v;
	struct buf *t;
	char line[1024];
	size_t n, i;
	int rc;

	(void)msg;
	if (!master_is_auditor(m, p->user)) {
		snprintf(line, sizeof(line), "sessions: only auditors may list "
		    "sessions");
		master_audit(m, p->user, "request.refused", "sessions");
		return master_text_reply(p, 0, line, strlen(line));
	}
	if (master_audit(m, p->user, "sessions.list", "through the gateway") !=
	    JG_OK) {
		snprintf(line, sizeof(line), "%s: listing refused",
		    MASTER_AUDIT_DOWN);
		return master_text_reply(p, 0, line, strlen(line));
	}
	memset(&f, 0, sizeof(f));
	if (store_session_list(m->store, &f, &v, &n) != JG_OK) {
		snprintf(line, sizeof(line), "cannot list sessions right now");
		return master_text_reply(p, 0, line, strlen(line));
	}
	t = buf_new(MSG_MAX - 64);
	listing_sessions_head(line, sizeof(line));
	rc = buf_put(t, line, strlen(line));
	for (i = n > MASTER_SESSIONS_SHOWN ? n - MASTER_SESSIONS_SHOWN : 0;
	    rc == JG_OK && i < n; i++) {
		listing_sessions_row(&v[i], line, sizeof(line));
		rc = buf_put(t, line, strlen(line));
	}
	free(v);
	rc = master_text_reply(p, 1, (const char *)buf_ptr(t), buf_len(t));
	buf_free(t);
	return rc;
}

static int
master_replay_refuse(struct peer *p, const char *msg, uint64_t id)
{
	struct m_replay an;

	memset(&an, 0, sizeof(an));
	snprintf(an.message, sizeof(an.message), "%s", msg);
	an.id = id;
	master_peer_sent(p, m_replay_send(p->conn, &an, -1));
	return JG_OK;
}

/*
 * The recording of session id opened read-only, and a socket on which the
 * keeper writes its key: what a replay or a watch is handed. The access
 * is audited (event, detail) before anything is handed over; live_only
 * refuses a session that has ended. We never decrypt anything here.
 * JG_OK with *fd, *kfd and *live, or JG_ERR with text saying why.
 */
int
master_recording_share(struct master *m, const char *actor, uint64_t id,
    int live_only, const char *event, const char *detail, int *fd, int *kfd,
    int *live, char *text, size_t len)
{
	struct store_session ss;
	struct k_reckey_open ko;
	unsigned char *sealed = NULL;
	char path[JG_PATH_MAX];
	size_t slen = 0, i;
	int kp[2];

	*fd = *kfd = -1;
	if (id > ID_MAX || store_session_get(m->store, (long long)id, &ss,
	    &sealed, &slen) != JG_OK) {
		snprintf(text, len, "no such session: %llu",
		    (unsigned long long)id);
		return JG_ERR;
	}
	*live = strcmp(ss.state, "live") == 0;
	/* an end waiting for the database: no longer live, whatever the row */
	for (i = 0; *live && i < m->nends; i++)
		if (m->ends[i].id == (long long)id)
			*live = 0;
	if (live_only && !*live) {
		free(sealed);
		snprintf(text, len, "session %llu is not live (%s)",
		    (unsigned long long)id, ss.state);
		return JG_ERR;
	}
	if (ss.recording[0] == '\0' || sealed == NULL ||
	    strchr(ss.recording, '/') != NULL ||
	    path_join(path, sizeof(path), m->cfg->recording_dir,
	    ss.recording) != JG_OK ||
	    (*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		free(sealed);
		snprintf(text, len, "session %llu has no recording",
		    (unsigned long long)id);
		return JG_ERR;
	}
	if (master_audit(m, actor, event, detail) != JG_OK) {
		free(sealed);
		close(*fd);
		*fd = -1;
		snprintf(text, len, "%s: %s refused", MASTER_AUDIT_DOWN,
		    live_only ? "watch" : "replay");
		return JG_ERR;
	}
	if (!m->unsealed || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    kp) == -1) {
		free(sealed);
		close(*fd);
		*fd = -1;
		snprintf(text, len, "%s", m->unsealed ? "the gateway is out of "
		    "resources" : "the vault is sealed");
		return JG_ERR;
	}
	ko.session = id;
	ko.sealed.p = sealed;
	ko.sealed.len = slen;
	master_keeper_sent(m, k_reckey_open_send(m->keeper, &ko, kp[0]));
	free(sealed);
	*kfd = kp[1];
	return JG_OK;
}

/* An auditor replays (watch: follows a live session) through the gateway. */
static int
master_w_share(struct master *m, struct peer *p, uint64_t id, int watch)
{
	struct m_replay an;
	char text[256], detail[128];
	size_t i, slot = MASTER_PEER_WATCHES;
	int fd, kfd, live;

	if (!master_is_auditor(m, p->user)) {
		master_audit(m, p->user, "request.refused", watch ? "watch" :
		    "replay");
		snprintf(text, sizeof(text), "%s: only auditors may %s "
		    "sessions", watch ? "watch" : "replay", watch ? "watch" :
		    "replay");
		return master_replay_refuse(p, text, id);
	}
	if (watch) {
		for (i = 0; i < MASTER_PEER_WATCHES; i++)
			if (p->watching[i] == id ||
			    (p->watching[i] == 0 && slot == MASTER_PEER_WATCHES))
				slot = i;
		if (slot == MASTER_PEER_WATCHES)
			return master_replay_refuse(p, "watch: too many "
			    "sessions watched on this connection", id);
	}
	snprintf(detail, sizeof(detail), "session=%llu through the gateway",
	    (unsigned long long)id);
	if (master_recording_share(m, p->user, id, watch, watch ?
	    "session.watch" : "session.replay", detail, &fd, &kfd, &live,
	    text, sizeof(text)) != JG_OK)
		return master_replay_refuse(p, text, id);
	if (watch)
		p->watching[slot] = id;
	memset(&an, 0, sizeof(an));
	an.ok = 1;
	an.id = id;
	an.live = live;
	master_peer_sent(p, m_replay_send(p->conn, &an, fd));
	master_peer_sent(p, proto_send(&proto_wm, p->conn, MSG_M_REPLAY_KEY,
	    NULL, 0, kfd));
	return JG_OK;
}

int
master_w_replay(struct master *m, struct peer *p, const void *msg)
{
	return master_w_share(m, p, ((const struct w_replay *)msg)->id, 0);
}

int
master_w_watch(struct master *m, struct peer *p, const void *msg)
{
	return master_w_share(m, p, ((const struct w_watch *)msg)->id, 1);
}

/* Session id ended: its watchers, here and on the control socket, learn it. */
void
master_watch_ended(struct master *m, long long id)
{
	struct m_watch_end we = { (uint64_t)id };
	struct peer *p;
	size_t i;

	for (p = m->peers; p != NULL; p = p->next)
		for (i = 0; i < MASTER_PEER_WATCHES; i++)
			if (p->watching[i] == (uint64_t)id && !p->dead) {
				p->watching[i] = 0;
				master_peer_sent(p, m_watch_end_send(p->conn,
				    &we, -1));
			}
	master_ctl_watch_ended(m, id);
}

/*
 * End live session id, or every live session of user (id 0): each kill
 * is audited first (none without its row: the audit fails closed) and
 * its worker told to end that channel with a line naming who and why.
 * admin: asked on the host, where the user reads "an administrator".
 * Returns JG_OK with *count, or an error with its reason in err.
 */
int
master_kill(struct master *m, uint64_t id, const char *user, const char *actor,
    int admin, const char *reason, int *count, char *err, size_t errlen)
{
	struct m_kill k;
	struct peer *p;
	char detail[1024], why[STORE_REASON_MAX + 2];
	size_t i, n;

	*count = 0;
	snprintf(why, sizeof(why), "%s", reason);
	for (n = 0; why[n] != '\0'; n++)	/* shown on a terminal, logged */
		if ((unsigned char)why[n] < 0x20 || why[n] == 0x7f)
			why[n] = '?';
	if (id == 0 && (user == NULL || !name_valid(user))) {
		snprintf(err, errlen, "kill: give a session id or a valid user");
		return JG_EINVAL;
	}
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead || (id == 0 && strcmp(p->user, user) != 0))
			continue;
		for (i = 0; i < p->nsessions; i++) {
			if (p->sessions[i] <= 0 || (id != 0 &&
			    p->sessions[i] != (long long)id))
				continue;
			snprintf(detail, sizeof(detail), "session=%lld user=%s "
			    "target=%s source=%s reason=%s", p->sessions[i],
			    p->user, p->target, p->source, why[0] ? why : "-");
			if (master_audit(m, actor, "session.kill", detail) !=
			    JG_OK) {
				snprintf(err, errlen, "%s: kill refused",
				    MASTER_AUDIT_DOWN);
				return JG_ERR;
			}
			memset(&k, 0, sizeof(k));
			k.id = (uint64_t)p->sessions[i];
			snprintf(k.message, sizeof(k.message), "session ended "
			    "by %s%s%s", admin ? "an administrator" : actor,
			    why[0] ? ": " : "", why);
			log_info("session %lld killed by %s: user=%s target=%s "
			    "source=%s reason=%s", p->sessions[i], actor,
			    p->user, p->target, p->source, why[0] ? why : "-");
			master_peer_sent(p, m_kill_send(p->conn, &k, -1));
			(*count)++;
		}
	}
	if (id != 0 && *count == 0) {
		snprintf(err, errlen, "no live session %llu",
		    (unsigned long long)id);
		return JG_ENOENT;
	}
	return JG_OK;
}

/* kill ID | kill --user U, with --reason TEXT, from an auditor's worker. */
int
master_w_kill(struct master *m, struct peer *p, const void *msg)
{
	const struct w_kill *rq = msg;
	char text[512], err[256];
	int n;

	if (rq->id == 0 && !name_valid(rq->user))
		return JG_EINVAL;	/* the worker checked: a broken one */
	if (!master_is_auditor(m, p->user)) {
		snprintf(text, sizeof(text), "kill: only auditors may end "
		    "sessions");
		master_audit(m, p->user, "request.refused", "kill");
		master_log_refused(LOG_LVL_INFO, p->user, NULL, p->source,
		    "kill: not an auditor");
		return master_text_reply(p, 0, text, strlen(text));
	}
	if (master_kill(m, rq->id, rq->id == 0 ? rq->user : NULL, p->user, 0,
	    rq->reason, &n, err, sizeof(err)) != JG_OK)
		return master_text_reply(p, 0, err, strlen(err));
	if (rq->id != 0)
		snprintf(text, sizeof(text), "killed session %llu\n",
		    (unsigned long long)rq->id);
	else
		snprintf(text, sizeof(text), "killed %d session%s of %s\n", n,
		    n == 1 ? "" : "s", rq->user);
	return master_text_reply(p, 1, text, strlen(text));
}
