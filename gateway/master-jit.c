/* master-jit.c: just-in-time access in the master: requests and decisions from workers, grant timers, notifications. */

/*
 * Requests and grants live in the store; the rules (N distinct approvers
 * holding the rule's approver role, never the requester, one grant however
 * many approve at once) are enforced there, in one IMMEDIATE transaction.
 * Here the master answers its workers, ends sessions whose grant ends or is
 * revoked (monotonic deadlines, warnings 5 and 1 minute before), and runs
 * NotifyCommand when a request changes state, whoever changed it: it
 * compares the states it knows with the store's after every change (the
 * host tool's changes show up through PRAGMA data_version).
 */

#include <sys/types.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

#define JIT_DEFAULT_DURATION 3600
#define JIT_START_MAX (30 * 86400)	/* a window starts within 30 days */
#define JIT_NOTIFY_TIMEOUT 10
#define JIT_EXPIRE_EVERY 5

static int
jit_request_reply(struct peer *p, int ok, uint64_t id, const char *text)
{
	struct m_request an;

	an.ok = ok ? 1 : 0;
	an.id = id;
	an.text.p = (const unsigned char *)text;
	an.text.len = strlen(text);
	master_peer_sent(p, m_request_send(p->conn, &an, -1));
	return JG_OK;
}

/* Who may approve: users holding the role, never the requester. */
static void
jit_approvers(struct master *m, const char *role, const char *requester,
    char *out, size_t len)
{
	struct store_user *v;
	size_t n, i, k;

	out[0] = '\0';
	if (store_user_list(m->store, &v, &n) != JG_OK)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, requester) == 0)
			continue;
		/* role: one role's name or several roles' spec */
		for (k = 0; k < v[i].nroles; k++)
			if (strcmp(v[i].roles[k], role) == 0 ||
			    approval_has_role(role, 2, v[i].roles[k]))
				break;
		if (k == v[i].nroles)
			continue;
		if (out[0] != '\0')
			strncat(out, ", ", len - strlen(out) - 1);
		strncat(out, v[i].name, len - strlen(out) - 1);
	}
	store_user_free(v, n);
	if (out[0] == '\0')
		snprintf(out, len, "nobody holds the role %s yet", role);
}

static void jit_scan(struct master *);

/* request TARGET --reason TEXT [--duration DUR], from a worker. */
int
master_w_request(struct master *m, struct peer *p, const void *msg)
{
	const struct w_request *rq = msg;
	const char *target = rq->target, *reason = rq->reason;
	struct store_grant g;
	char text[2048], dur[80], who[512], maxd[32], ends[32], when[32];
	char need[128];
	struct store_request r;
	struct store_target t;
	struct authz_result res;
	uint32_t secs = rq->seconds;
	time_t start = 0;

	if (rq->extends != 0) {
		/* extend GRANT: the user's own active grant, its target. */
		if (rq->extends > ID_MAX || store_grant_get(m->store,
		    (long long)rq->extends, &g) != JG_OK ||
		    strcmp(g.user, p->user) != 0) {
			snprintf(text, sizeof(text), "no such grant of yours: "
			    "%llu", (unsigned long long)rq->extends);
			return jit_request_reply(p, 0, 0, text);
		}
		if (strcmp(g.state, "active") != 0) {
			snprintf(text, sizeof(text), "grant %lld is %s: nothing "
			    "to extend", g.id, g.state);
			return jit_request_reply(p, 0, 0, text);
		}
		if (rq->seconds == 0)
			return jit_request_reply(p, 0, 0, "extend needs "
			    "--duration DUR");
		target = g.target;
	}
	if (!name_valid(target))
		res.how = AUTHZ_NO_TARGET;
	else if (authz_check(m->store, p->user, target, &res, &t) != JG_OK) {
		return jit_request_reply(p, 0, 0, "the gateway cannot file "
		    "requests right now");
	}
	switch (res.how) {
	case AUTHZ_NO_TARGET:
		snprintf(text, sizeof(text), "no such target: %s", target);
		return jit_request_reply(p, 0, 0, text);
	case AUTHZ_STANDING:
		snprintf(text, sizeof(text), "you already have standing access "
		    "to %s", target);
		return jit_request_reply(p, 0, 0, text);
	case AUTHZ_GRANTED:
		/* An extension is decided by the rule it could be requested by. */
		if (rq->extends != 0 && res.approval_role[0] != '\0')
			break;
		if (rq->extends != 0) {
			snprintf(text, sizeof(text), "no access rule lets %s "
			    "request %s: grant %lld cannot be extended", p->user,
			    target, g.id);
			return jit_request_reply(p, 0, 0, text);
		}
		/* People read local time, as everywhere else we show one. */
		time_local_iso(res.grant_ends, ends, sizeof(ends));
		snprintf(text, sizeof(text), "you already have access to %s "
		    "until %s", target, ends);
		return jit_request_reply(p, 0, 0, text);
	case AUTHZ_DENIED:
		snprintf(text, sizeof(text), "no access rule lets %s request "
		    "%s", p->user, target);
		return jit_request_reply(p, 0, 0, text);
	}
	if (reason[0] == '\0' || strlen(reason) > STORE_REASON_MAX ||
	    str_has_control(reason))
		return jit_request_reply(p, 0, 0, "the reason must be 1 to 500 "
		    "characters, without control characters");
	if (secs == 0)
		secs = JIT_DEFAULT_DURATION;
	if (rq->starts[0] != '\0' && (time_parse_iso_utc(rq->starts, &start) !=
	    JG_OK || start > time(NULL) + JIT_START_MAX)) {
		snprintf(text, sizeof(text), "a window may start at most %d days "
		    "ahead", JIT_START_MAX / 86400);
		return jit_request_reply(p, 0, 0, text);
	}
	if (res.max_duration > 0 && (long)secs > res.max_duration) {
		duration_format(res.max_duration, maxd, sizeof(maxd));
		snprintf(text, sizeof(text), "%s may be requested for at most "
		    "%s", target, maxd);
		return jit_request_reply(p, 0, 0, text);
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "%s", p->user);
	snprintf(r.target, sizeof(r.target), "%s", target);
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	r.duration = (long)secs;
	r.rule_id = res.rule_id;
	snprintf(r.approval_role, sizeof(r.approval_role), "%s",
	    res.approval_role);
	r.approvals_needed = res.approvals > 0 ? res.approvals : 1;
	r.extends = rq->extends != 0 ? g.id : 0;
	/* A start already past is no window: the grant runs from approval. */
	/* Written as we format it: times are compared as text in the store,
	   so never the worker's spelling of one. */
	if (rq->starts[0] != '\0' && start > time(NULL))
		time_iso_utc(start, r.starts, sizeof(r.starts));
	{
		struct store_actor a = { p->user, -1 };
		if (store_request_add(m->store, &a, &r) != JG_OK) {
			snprintf(text, sizeof(text), "cannot file the request: "
			    "%s", store_errmsg(m->store));
			return jit_request_reply(p, 0, 0, text);
		}
	}
	duration_format(r.duration, dur, sizeof(dur));
	if (r.starts[0] != '\0') {
		time_local_iso(r.starts, when, sizeof(when));
		snprintf(dur + strlen(dur), sizeof(dur) - strlen(dur),
		    " from %s", when);
	}
	jit_approvers(m, r.approval_role, p->user, who, sizeof(who));
	if (strchr(r.approval_role, ':') != NULL)	/* several roles */
		snprintf(need, sizeof(need), "approval by %s",
		    r.approval_role);
	else
		snprintf(need, sizeof(need), "approval by %d of role %s",
		    r.approvals_needed, r.approval_role);
	if (r.extends != 0)
		snprintf(text, sizeof(text), "request %lld pending: %s asks to "
		    "extend grant %lld on %s by %s: %s\n%s: %s\n", r.id,
		    p->user, r.extends, target, dur, reason, need, who);
	else
		snprintf(text, sizeof(text), "request %lld pending: %s asks "
		    "for %s for %s: %s\n%s: %s\n", r.id, p->user, target, dur,
		    reason, need, who);
	log_info("request %lld: %s asks for %s for %s", r.id, p->user, target,
	    dur);
	jit_scan(m);
	return jit_request_reply(p, 1, (uint64_t)r.id, text);
}

static int
jit_list_into(struct master *m, const struct store_request_filter *f,
    long long after, struct buf *t, long long *maxid)
{
	struct store_request *v;
	char line[1024];
	size_t n, i;
	int rc;

	if ((rc = store_request_list(m->store, f, &v, &n)) != JG_OK)
		return rc;
	for (i = 0; rc == JG_OK && i < n; i++) {
		if (v[i].id <= after)
			continue;
		if (v[i].id > *maxid)
			*maxid = v[i].id;
		listing_requests_row(&v[i], line, sizeof(line));
		rc = buf_put(t, line, strlen(line));
	}
	free(v);
	return rc;
}

/* requests: the user's own and the pending ones they may decide. */
int
master_w_requests(struct master *m, struct peer *p, const void *msg)
{
	const struct w_requests *rq = msg;
	struct store_request_filter f;
	struct buf *t;
	uint32_t mode = rq->mode;
	uint64_t after = rq->after;
	long long maxid = 0;
	int n;
	char head[512];
	int rc;

	if (mode > REQUESTS_NEW || after > ID_MAX)
		return JG_EINVAL;
	store_requests_expire(m->store, m->cfg->request_timeout, &n);
	listing_requests_head(head, sizeof(head));
	t = buf_new(MSG_MAX - 64);
	memset(&f, 0, sizeof(f));
	maxid = (long long)after;
	if (mode == REQUESTS_ALL) {
		rc = buf_put(t, "your requests:\n", 15);
		if (rc == JG_OK)
			rc = buf_put(t, head, strlen(head));
		f.user = p->user;
		if (rc == JG_OK)
			rc = jit_list_into(m, &f, 0, t, &maxid);
		if (rc == JG_OK)
			rc = buf_put(t, "pending requests you may decide:\n",
			    33);
		if (rc == JG_OK)
			rc = buf_put(t, head, strlen(head));
	} else
		rc = JG_OK;
	f.user = NULL;
	f.approver = p->user;
	f.pending_only = 1;
	if (rc == JG_OK)
		rc = jit_list_into(m, &f, (long long)after, t, &maxid);
	if (rc == JG_OK && buf_put_u8(t, 0) == JG_OK)
		rc = jit_request_reply(p, 1, (uint64_t)maxid,
		    (const char *)buf_ptr(t));
	else
		rc = jit_request_reply(p, 0, 0, "cannot list requests right "
		    "now");
	buf_free(t);
	return rc;
}

/* approve, deny or cancel, as the worker's authenticated user. */
int
master_w_decide(struct master *m, struct peer *p, const void *msg)
{
	const struct w_decide *rq = msg;
	struct store_actor a = { p->user, -1 };
	struct store_request after;
	const char *text = rq->text;
	char out[1024];
	uint64_t id = rq->id;
	int rc, n;

	if (str_has_control(text) || id == 0 || id > ID_MAX)
		return JG_EINVAL;
	/* ApproverMFA: approving or denying needs a login with a code. */
	if (m->cfg->approver_mfa && !p->mfa && rq->action != DECIDE_CANCEL) {
		snprintf(out, sizeof(out), "deciding requests needs a login "
		    "with a one-time code (ApproverMFA): log in again with "
		    "one\n");
		return master_text_reply(p, 0, out, strlen(out));
	}
	store_requests_expire(m->store, m->cfg->request_timeout, &n);
	switch (rq->action) {
	case DECIDE_APPROVE:
		rc = store_request_approve(m->store, &a, (long long)id, p->user,
		    text, &after);
		if (rc == JG_OK && strcmp(after.state, "approved") == 0)
			snprintf(out, sizeof(out), after.extends != 0 ?
			    "approved request %llu: %s's grant on %s%s%s is "
			    "extended (grant %lld)\n" : "approved request %llu: "
			    "%s may reach %s%s%s (grant %lld)\n",
			    (unsigned long long)id, after.user, after.target,
			    after.starts[0] ? " from " : "", after.starts,
			    after.grant_id);
		else if (rc == JG_OK)
			snprintf(out, sizeof(out), "approved request %llu "
			    "(%d of %d approvals)\n", (unsigned long long)id,
			    after.approvals, after.approvals_needed);
		break;
	case DECIDE_DENY:
		rc = store_request_deny(m->store, &a, (long long)id, p->user,
		    text);
		snprintf(out, sizeof(out), "denied request %llu\n",
		    (unsigned long long)id);
		break;
	case DECIDE_CANCEL:
		rc = store_request_cancel(m->store, &a, (long long)id, p->user);
		snprintf(out, sizeof(out), "cancelled request %llu\n",
		    (unsigned long long)id);
		break;
	default:
		return JG_EINVAL;
	}
	if (rc != JG_OK)
		snprintf(out, sizeof(out), "%s", store_errmsg(m->store));
	else
		m->recheck = 1;	/* a grant may have moved: the tick looks */
	jit_scan(m);
	return master_text_reply(p, rc == JG_OK, out, strlen(out));
}

/* The waiting flow asks how its own request stands. */
int
master_w_request_state(struct master *m, struct peer *p, const void *msg)
{
	const struct w_request_state *rq = msg;
	struct m_request_state an;
	struct store_request r;

	/* Polled every second while a user waits: a read, nothing more. */
	if (rq->id == 0 || rq->id > ID_MAX ||
	    store_request_get(m->store, (long long)rq->id, &r) != JG_OK ||
	    strcmp(r.user, p->user) != 0)
		return JG_EINVAL;	/* not its own: a broken worker */
	snprintf(an.state, sizeof(an.state), "%s", r.state);
	snprintf(an.by, sizeof(an.by), "%s", r.decided_by);
	snprintf(an.comment, sizeof(an.comment), "%s", r.comment);
	master_peer_sent(p, m_request_state_send(p->conn, &an, -1));
	return JG_OK;
}

/* NotifyCommand: one JSON document on stdin, outside the loop, bounded. */
static void
jit_notify(struct master *m, const char *event, const struct store_request *r)
{
	char json[4096];
	size_t i;
	pid_t pid;

	if (m->cfg->notify_command[0] == '\0')
		return;
	if (notify_request_json(event, r, json, sizeof(json)) != JG_OK) {
		log_error("notify: cannot describe request %lld", r->id);
		return;
	}
	for (i = 0; i < sizeof(m->notify) / sizeof(m->notify[0]); i++)
		if (m->notify[i].pid == 0)
			break;
	if (i == sizeof(m->notify) / sizeof(m->notify[0])) {
		log_error("notify: too many NotifyCommand runs at once: "
		    "request %lld %s not notified", r->id, event);
		return;
	}
	if ((pid = notify_run(m->cfg->notify_command, json,
	    JIT_NOTIFY_TIMEOUT)) <= 0) {
		log_error("notify: cannot run %s", m->cfg->notify_command);
		return;
	}
	m->notify[i].pid = pid;
	m->notify[i].deadline = clock_sec() + JIT_NOTIFY_TIMEOUT;
}

int
master_notify_reap(struct master *m, pid_t pid, int status)
{
	size_t i;

	for (i = 0; i < sizeof(m->notify) / sizeof(m->notify[0]); i++)
		if (m->notify[i].pid == pid) {
			m->notify[i].pid = 0;
			notify_reap(pid, status);
			return 1;
		}
	return 0;
}

static const char *
jit_event_of(const char *state)
{
	if (strcmp(state, "pending") == 0)
		return "request.created";
	if (strcmp(state, "approved") == 0)
		return "request.approved";
	if (strcmp(state, "denied") == 0)
		return "request.denied";
	if (strcmp(state, "cancelled") == 0)
		return "request.cancelled";
	if (strcmp(state, "expired") == 0)
		return "request.expired";
	return NULL;
}

/*
 * Notify each change of a request's state, whoever made it. Only pending
 * requests can change, so only they are listed and remembered: one that
 * left the pending list is read once more for its new state. The first
 * scan only learns (no flood of old events at start).
 */
static void
jit_scan(struct master *m)
{
	struct store_request_filter f;
	struct store_request *v, r;
	struct master_req *nr;
	const char *ev;
	size_t n, i, k, keep;

	memset(&f, 0, sizeof(f));
	f.pending_only = 1;
	if (store_request_list(m->store, &f, &v, &n) != JG_OK)
		return;
	for (k = 0, keep = 0; k < m->nreqs; k++) {
		for (i = 0; i < n; i++)
			if (v[i].id == m->reqs[k].id)
				break;
		if (i < n) {
			m->reqs[keep++] = m->reqs[k];
			continue;
		}
		if (store_request_get(m->store, m->reqs[k].id, &r) == JG_OK &&
		    strcmp(r.state, "pending") != 0 &&
		    (ev = jit_event_of(r.state)) != NULL)
			jit_notify(m, ev, &r);
	}
	m->nreqs = keep;
	for (i = 0; i < n; i++) {
		for (k = 0; k < m->nreqs; k++)
			if (m->reqs[k].id == v[i].id)
				break;
		if (k < m->nreqs)
			continue;
		if ((nr = realloc(m->reqs, (m->nreqs + 1) * sizeof(*nr))) ==
		    NULL)
			break;
		m->reqs = nr;
		m->reqs[m->nreqs].id = v[i].id;
		snprintf(m->reqs[m->nreqs].state,
		    sizeof(m->reqs[m->nreqs].state), "pending");
		m->nreqs++;
		if (m->reqs_loaded)
			jit_notify(m, "request.created", &v[i]);
	}
	free(v);
	m->reqs_loaded = 1;
}

static void
jit_notice(struct peer *p, const char *text)
{
	struct m_notice n;

	snprintf(n.text, sizeof(n.text), "%s", text);
	master_peer_sent(p, m_notice_send(p->conn, &n, -1));
}

/*
 * Once a second: grants that end close their sessions (warned 5 and 1
 * minute before), revoked ones at once; requests past RequestTimeout
 * expire; NotifyCommand runs past their time are killed.
 */
void
master_jit_tick(struct master *m, int changed)
{
	struct store_grant g;
	struct peer *p;
	char msg[256], when[32];
	time_t now = clock_sec(), left;
	size_t i;
	int n = 0, n2 = 0;

	if (now >= m->next_expire) {
		m->next_expire = now + JIT_EXPIRE_EVERY;
		store_requests_expire(m->store, m->cfg->request_timeout, &n);
		store_grants_expire(m->store, &n2);
		if (n > 0)
			changed = 1;
	}
	if (changed || !m->reqs_loaded)
		jit_scan(m);
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->dead || p->grant_id == 0 || p->kill_at != 0)
			continue;
		left = p->grant_deadline - now;
		if (changed && (store_grant_get(m->store, p->grant_id, &g) !=
		    JG_OK || strcmp(g.state, "revoked") == 0)) {
			snprintf(msg, sizeof(msg), "access to %s was revoked",
			    p->target);
			log_info("%s: %s: ending the connection", p->user, msg);
			master_peer_stop(p, STOP_GRANT_REVOKED, msg);
			continue;
		}
		/* An extension moved its end: the warnings follow. */
		if (changed && llabs((long long)(master_deadline_of(g.ends) -
		    p->grant_deadline)) > 2) {
			p->grant_deadline = master_deadline_of(g.ends);
			left = p->grant_deadline - now;
			p->grant_warned = left <= 60 ? 0 : left <= 300 ? 1 : 2;
			time_local_iso(g.ends, when, sizeof(when));
			snprintf(msg, sizeof(msg), "access to %s now ends at %s",
			    p->target, when);
			jit_notice(p, msg);
			log_info("%s: grant %lld: %s", p->user, g.id, msg);
		}
		if (left <= 0) {
			snprintf(msg, sizeof(msg), "access to %s expired",
			    p->target);
			log_info("%s: %s: ending the connection", p->user, msg);
			master_peer_stop(p, STOP_GRANT_EXPIRED, msg);
		} else if (left <= 60 && p->grant_warned >= 1) {
			snprintf(msg, sizeof(msg), "access to %s ends in 1 "
			    "minute", p->target);
			jit_notice(p, msg);
			p->grant_warned = 0;
		} else if (left <= 300 && p->grant_warned == 2) {
			snprintf(msg, sizeof(msg), "access to %s ends in 5 "
			    "minutes", p->target);
			jit_notice(p, msg);
			p->grant_warned = 1;
		}
	}
	for (i = 0; i < sizeof(m->notify) / sizeof(m->notify[0]); i++)
		if (m->notify[i].pid > 0 && now >= m->notify[i].deadline) {
			log_error("notify: %s took longer than %d s: killed",
			    m->cfg->notify_command, JIT_NOTIFY_TIMEOUT);
			kill(m->notify[i].pid, SIGKILL);
			m->notify[i].deadline = now + 3600;
		}
}
