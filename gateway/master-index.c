/* master-index.c: what workers report from inside sessions for the store: command lines (the index), file operations, and auditors' searches of the index. */

/*
 * Workers send what they read in their sessions (recorder/cmdline.c,
 * recorder/sftp.c, recorder/scp.c); we check that the session is theirs,
 * clean the text and queue it, and the once-a-second tick writes each
 * queue in one transaction, so a session that floods us costs a commit a
 * second, not one per line. File operations carry audit rows: if those
 * cannot be written, their sessions are ended. An auditor's search runs
 * here, bounded in what it may ask and how much it looks at.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "master.h"
#include "transfer.h"

/*
 * A command line for the index (store-command.c). Queued and written
 * from the tick in one transaction; a full queue is written at once.
 */
int
master_w_command(struct master *m, struct peer *p, const void *msg)
{
	const struct w_command *rq = msg;
	struct store_command *e;
	size_t i;

	if (rq->id == 0 || rq->seq == 0 ||
	    !master_peer_has_session(p, rq->id) || rq->t_ms > INT64_MAX)
		return JG_EINVAL;
	if (m->ncmds == MASTER_COMMANDS_PENDING)
		master_commands_flush(m);
	if (m->ncmds == MASTER_COMMANDS_PENDING) {
		log_error("session %llu: command %u not indexed: the "
		    "database is busy", (unsigned long long)rq->id, rq->seq);
		return JG_OK;
	}
	if (m->cmds == NULL)
		m->cmds = xcalloc(MASTER_COMMANDS_PENDING, sizeof(*m->cmds));
	e = &m->cmds[m->ncmds++];
	memset(e, 0, sizeof(*e));
	e->session_id = (long long)rq->id;
	e->seq = rq->seq;
	e->t_ms = (long long)rq->t_ms;
	snprintf(e->line, sizeof(e->line), "%s", rq->line);
	for (i = 0; e->line[i] != '\0'; i++)	/* shown to auditors later */
		if ((unsigned char)e->line[i] < 0x20 || e->line[i] == 0x7f)
			e->line[i] = '?';
	return JG_OK;
}

/*
 * An auditor searches the command index through the gateway. The regular
 * expression runs here, in the master's loop, so it is bounded: at most
 * 255 bytes and no back-references (what makes POSIX matching
 * exponential); the answer holds at most MASTER_SEARCH_SHOWN lines.
 */
int
master_w_search(struct master *m, struct peer *p, const void *msg)
{
	const struct w_search *rq = msg;
	struct store_command_filter f;
	struct store_command *v = NULL;
	struct buf *t;
	char line[JG_COMMAND_MAX + 256], detail[512];
	time_t since;
	regex_t re;
	size_t n = 0, i;
	int rc, cut = 0;

	if (!master_is_auditor(m, p->user)) {
		master_audit(m, p->user, "request.refused", "search");
		snprintf(line, sizeof(line), "search: only auditors may search "
		    "sessions");
		return master_text_reply(p, 0, line, strlen(line));
	}
	if ((rq->user[0] != '\0' && !name_valid(rq->user)) ||
	    (rq->target[0] != '\0' && !name_valid(rq->target)) ||
	    (rq->since[0] != '\0' && time_parse_iso_utc(rq->since, &since) !=
	    JG_OK) || rq->regex[0] == '\0')
		return JG_EINVAL;	/* the worker checked: a broken one */
	/* Back-references and counted repetitions are what make POSIX
	   matching blow up; neither may run in our loop. */
	for (i = 0; rq->regex[i] != '\0'; i++)
		if ((rq->regex[i] == '\\' && rq->regex[i + 1] >= '1' &&
		    rq->regex[i + 1] <= '9') || rq->regex[i] == '{') {
			snprintf(line, sizeof(line), "search: back-references "
			    "and {n,m} are not allowed in the expression");
			return master_text_reply(p, 0, line, strlen(line));
		}
	if ((rc = regcomp(&re, rq->regex, REG_EXTENDED | REG_NOSUB)) != 0) {
		char rerr[128];

		regerror(rc, &re, rerr, sizeof(rerr));
		snprintf(line, sizeof(line), "search: bad regular expression: "
		    "%s", rerr);
		return master_text_reply(p, 0, line, strlen(line));
	}
	snprintf(detail, sizeof(detail), "commands regex=%s user=%s target=%s "
	    "since=%s", rq->regex, rq->user[0] ? rq->user : "*",
	    rq->target[0] ? rq->target : "*", rq->since[0] ? rq->since : "-");
	if (master_audit(m, p->user, "commands.search", detail) != JG_OK) {
		regfree(&re);
		snprintf(line, sizeof(line), "%s: search refused",
		    MASTER_AUDIT_DOWN);
		return master_text_reply(p, 0, line, strlen(line));
	}
	memset(&f, 0, sizeof(f));
	f.re = &re;
	f.user = rq->user[0] ? rq->user : NULL;
	f.target = rq->target[0] ? rq->target : NULL;
	f.since = rq->since[0] ? rq->since : NULL;
	f.limit = MASTER_SEARCH_SHOWN + 1;
	f.max_scan = MASTER_SEARCH_SCAN;
	f.newest = 1;	/* "who ran it last month": the recent ones first */
	f.cut = &cut;
	rc = store_commands_search(m->store, &f, &v, &n);
	regfree(&re);
	if (rc != JG_OK) {
		snprintf(line, sizeof(line), "cannot search right now");
		return master_text_reply(p, 0, line, strlen(line));
	}
	t = buf_new(MSG_MAX - 64);
	listing_commands_head(1, line, sizeof(line));
	rc = buf_put(t, line, strlen(line));
	for (i = 0; rc == JG_OK && i < n && i < MASTER_SEARCH_SHOWN; i++) {
		listing_commands_row(&v[i], 1, line, sizeof(line));
		rc = buf_put(t, line, strlen(line));
	}
	if (rc == JG_OK && (n > MASTER_SEARCH_SHOWN || cut)) {
		snprintf(line, sizeof(line), "(%s: narrow it with --user, "
		    "--target or --since)\n", cut ? "the newest lines only" :
		    "the first matches only");
		rc = buf_put(t, line, strlen(line));
	}
	free(v);
	if (rc != JG_OK)		/* the answer's room: say it is cut */
		(void)buf_put(t, "(cut)\n", 6);
	rc = master_text_reply(p, 1, (const char *)buf_ptr(t), buf_len(t));
	buf_free(t);
	return rc;
}

static void
master_clean_path(char *s)
{
	for (; *s != '\0'; s++)	/* shown to auditors later */
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/*
 * Queued file operations to the store in one transaction (from the tick,
 * or at once when the queue is full). If their audit rows cannot be
 * written, their sessions are ended: nothing moves through the gateway
 * unaudited for longer than a second.
 */
void
master_transfers_flush(struct master *m)
{
	struct m_kill k;
	struct peer *p;
	size_t i;

	if (m->nxfers == 0)
		return;
	if (store_transfers_add(m->store, m->xfers, m->nxfers) == JG_OK) {
		m->nxfers = 0;
		return;
	}
	log_error("%zu file operations not audited: %s: ending their "
	    "sessions", m->nxfers, store_errmsg(m->store));
	for (i = 0; i < m->nxfers; i++)
		for (p = m->peers; p != NULL; p = p->next)
			if (!p->dead && master_peer_has_session(p,
			    (uint64_t)m->xfers[i].session_id)) {
				memset(&k, 0, sizeof(k));
				k.id = (uint64_t)m->xfers[i].session_id;
				snprintf(k.message, sizeof(k.message), "%s: "
				    "session ended", MASTER_AUDIT_DOWN);
				master_peer_sent(p, m_kill_send(p->conn, &k,
				    -1));
			}
	m->nxfers = 0;
}

/* A file operation in one of the worker's sessions, queued for the store. */
int
master_w_transfer(struct master *m, struct peer *p, const void *msg)
{
	const struct w_transfer *rq = msg;
	struct store_transfer *t;
	size_t i;

	if (rq->id == 0 || !master_peer_has_session(p, rq->id) ||
	    rec_sftp_op_name((int)rq->op) == NULL ||
	    rq->bytes > INT64_MAX)
		return JG_EINVAL;
	if (m->nxfers == MASTER_TRANSFERS_PENDING)
		master_transfers_flush(m);
	if (m->xfers == NULL)
		m->xfers = xcalloc(MASTER_TRANSFERS_PENDING, sizeof(*m->xfers));
	t = &m->xfers[m->nxfers++];
	memset(t, 0, sizeof(*t));
	time_iso_utc(time(NULL), t->time, sizeof(t->time));
	snprintf(t->user, sizeof(t->user), "%s", p->user);
	t->session_id = (long long)rq->id;
	snprintf(t->op, sizeof(t->op), "%s", rec_sftp_op_name((int)rq->op));
	snprintf(t->path, sizeof(t->path), "%s", rq->path);
	snprintf(t->path2, sizeof(t->path2), "%s", rq->path2);
	master_clean_path(t->path);
	master_clean_path(t->path2);
	t->bytes = (long long)rq->bytes;
	if (rq->whole)
		for (i = 0; i < sizeof(rq->sha256); i++)
			snprintf(t->sha256 + 2 * i, 3, "%02x", rq->sha256[i]);
	t->ok = rq->ok != 0;
	return JG_OK;
}

/* From the tick: the queued command lines, one commit. */
void
master_commands_flush(struct master *m)
{
	if (m->ncmds == 0)
		return;
	if (store_commands_add(m->store, m->cmds, m->ncmds) != JG_OK) {
		log_verbose("%zu command lines not indexed yet: %s", m->ncmds,
		    store_errmsg(m->store));
		return;
	}
	m->ncmds = 0;
}
