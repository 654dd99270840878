/* command-jit.c: just-in-time access in command mode: request, requests, approve, deny, cancel, and the screens that ask for a reason and wait. */

/*
 * `ssh alice@gw request db01 --reason INC-42 disk full` files a request;
 * approvers see and decide requests the same way. On a requestable target
 * a terminal shell (`ssh -t alice@db01@gw`) asks for a reason and a
 * duration, files the request, waits for the decision and opens the
 * session on that very channel the moment the last approval lands;
 * nothing reaches the target before that. ssh joins a remote command's
 * words with spaces, so an option's value is every word up to the next
 * --option (DESIGN §2). The master decides everything (master-jit.c);
 * these screens only ask and show.
 */

#include <stdlib.h>
#include <string.h>

#include "worker.h"

/*
 * ssh joins a remote command's words with spaces: an option's value is
 * every word up to the next --option (DESIGN §2). Returns the value of
 * --name joined with single spaces, "" when given without words, NULL
 * when absent; *bad is set for an option not in allowed.
 */
int
command_opts(int argc, char **argv, int first, const char *const *allowed,
    char vals[][STORE_REASON_MAX + 2], int *positional, char *badopt,
    size_t badlen)
{
	int i, k, cur = -1, npos = 0;

	for (k = 0; allowed[k] != NULL; k++)
		vals[k][0] = '\0';
	for (i = first; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			for (k = 0; allowed[k] != NULL; k++)
				if (strcmp(argv[i] + 2, allowed[k]) == 0)
					break;
			if (allowed[k] == NULL) {
				snprintf(badopt, badlen, "%.40s", argv[i]);
				return JG_EINVAL;
			}
			cur = k;
			if (vals[k][0] == '\0')
				snprintf(vals[k], STORE_REASON_MAX + 2, "%s",
				    "\x01");	/* given, no words yet */
			continue;
		}
		if (cur == -1) {
			if (positional != NULL)
				positional[npos++] = i;
			if (npos > 2)
				return JG_EINVAL;
			continue;
		}
		if (strcmp(vals[cur], "\x01") == 0)
			vals[cur][0] = '\0';
		else
			strncat(vals[cur], " ", STORE_REASON_MAX + 1 -
			    strlen(vals[cur]));
		strncat(vals[cur], argv[i], STORE_REASON_MAX + 1 -
		    strlen(vals[cur]));
	}
	if (positional != NULL)
		positional[npos] = -1;
	return JG_OK;
}

int
command_is_given(const char *v)
{
	return v[0] != '\0';
}

const char *
command_val(const char *v)
{
	return strcmp(v, "\x01") == 0 ? "" : v;
}

/*
 * request TARGET --reason TEXT [--duration DUR] [--start TIME], and
 * extend GRANT --duration DUR --reason TEXT: a request to move the end of
 * one of the user's grants, decided like a request.
 */
static void
command_request(struct chan *c, int argc, char **argv, int extend)
{
	static const char *const allowed[] = { "reason", "duration", "start",
	    NULL };
	static const char *const allowed_ext[] = { "reason", "duration",
	    NULL };
	char vals[3][STORE_REASON_MAX + 2], bad[48], msg[600];
	struct w_request rq;
	struct m_request an;
	time_t start = 0;
	long long gid = 0;
	long secs = 0;
	int pos[4];

	if (command_opts(argc, argv, 1, extend ? allowed_ext : allowed, vals,
	    pos, bad, sizeof(bad)) != JG_OK || pos[0] == -1 || pos[1] != -1 ||
	    (extend && (id_parse(argv[pos[0]], &gid) != JG_OK ||
	    !command_is_given(vals[1])))) {
		command_usage(c, extend ? "usage: extend GRANT --duration DUR "
		    "--reason TEXT" : "usage: request TARGET --reason TEXT "
		    "[--duration DUR] [--start TIME]");
		return;
	}
	if (extend)
		vals[2][0] = '\0';	/* no --start for an extension */
	if (command_is_given(vals[2]) &&
	    time_spec_parse(command_val(vals[2]), 1, &start) != JG_OK) {
		snprintf(msg, sizeof(msg), "invalid --start: '%.40s' (an ISO "
		    "8601 UTC time, or a duration from now like 2h)",
		    command_val(vals[2]));
		chan_notice(c, msg);
		command_end(c, 2);
		return;
	}
	if (!command_is_given(vals[0]) || command_val(vals[0])[0] == '\0') {
		command_usage(c, "request needs --reason TEXT");
		return;
	}
	if (command_is_given(vals[1]) &&
	    duration_parse(command_val(vals[1]), &secs) != JG_OK) {
		snprintf(msg, sizeof(msg), "invalid --duration: '%.40s' (like "
		    "90s, 15m, 2h, 1d)", command_val(vals[1]));
		chan_notice(c, msg);
		command_end(c, 2);
		return;
	}
	memset(&rq, 0, sizeof(rq));
	if (!extend && strlen(argv[pos[0]]) >= sizeof(rq.target)) {
		command_usage(c, "no such target");
		return;
	}
	if (!extend)
		snprintf(rq.target, sizeof(rq.target), "%s", argv[pos[0]]);
	rq.extends = (uint64_t)gid;
	snprintf(rq.reason, sizeof(rq.reason), "%s", command_val(vals[0]));
	rq.seconds = (uint32_t)secs;
	rq.starts[0] = '\0';
	if (start != 0)
		time_iso_utc(start, rq.starts, sizeof(rq.starts));
	if (worker_call(c->w, w_request_send(c->w->master, &rq, -1),
	    MSG_M_REQUEST, &an, sizeof(an), NULL) != JG_OK) {
		chan_notice(c, "cannot file the request right now");
		command_end(c, 1);
		return;
	}
	command_answer(c, an.ok, an.text.p, an.text.len);
}

/* One W_REQUESTS round trip: the text and the newest id in it. */
static int
command_requests_fetch(struct chan *c, uint32_t mode, uint64_t after,
    char **text, uint64_t *maxid)
{
	struct w_requests rq;
	struct m_request an;

	*text = NULL;
	rq.mode = mode;
	rq.after = after;
	if (worker_call(c->w, w_requests_send(c->w->master, &rq, -1),
	    MSG_M_REQUEST, &an, sizeof(an), NULL) != JG_OK || !an.ok)
		return JG_ERR;
	*maxid = an.id;
	*text = command_text(an.text.p, an.text.len);
	return JG_OK;
}

static void
command_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct chan *c = arg;

	(void)fd;
	(void)ev;
	if (c->state == CH_WAIT)
		command_wait_input(c);
	else if (c->state == CH_WATCH)
		command_watch_input(c);
	worker_poll(c->w);
}

static void
command_tick_arm(struct chan *c, int secs)
{
	struct timeval tv = { secs, 0 };

	if (c->cmd->tick == NULL)
		c->cmd->tick = evtimer_new(c->w->base, command_tick, c);
	evtimer_add(c->cmd->tick, &tv);
}

/* requests [--watch] */
static void
command_requests(struct chan *c, int argc, char **argv)
{
	char *text;
	uint64_t maxid = 0;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--watch") != 0)) {
		command_usage(c, "usage: requests [--watch]");
		return;
	}
	if (command_requests_fetch(c, REQUESTS_ALL, 0, &text, &maxid) !=
	    JG_OK) {
		chan_notice(c, "cannot list requests right now");
		command_end(c, 1);
		return;
	}
	command_out_tty(c, text);
	free(text);
	if (argc == 1) {
		command_end(c, 0);
		return;
	}
	command_out_tty(c, "watching for new requests (Ctrl-C ends)\n");
	c->cmd->watch_max = maxid;
	c->state = CH_WATCH;
	command_tick_arm(c, 2);
}

void
command_watch_input(struct chan *c)
{
	unsigned char ch;
	char *text;
	uint64_t maxid = c->cmd->watch_max;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4 || ch == 'q') {
			command_end(c, 0);
			return;
		}
	}
	if (c->cmd->tick != NULL && evtimer_pending(c->cmd->tick, NULL))
		return;
	if (command_requests_fetch(c, REQUESTS_NEW, c->cmd->watch_max, &text,
	    &maxid) != JG_OK) {
		chan_notice(c, "cannot list requests right now");
		command_end(c, 1);
		return;
	}
	command_out_tty(c, text);
	free(text);
	c->cmd->watch_max = maxid;
	command_tick_arm(c, 2);
}

/* One W_DECIDE round trip: JG_OK, JG_EAUTH (refused, *out says why) or an error. */
static int
command_decide_send(struct chan *c, uint32_t action, long long id,
    const char *text, char **out)
{
	struct w_decide rq;
	struct m_text an;

	*out = NULL;
	rq.action = action;
	rq.id = (uint64_t)id;
	snprintf(rq.text, sizeof(rq.text), "%s", text);
	if (worker_call(c->w, w_decide_send(c->w->master, &rq, -1),
	    MSG_M_TEXT, &an, sizeof(an), NULL) != JG_OK)
		return JG_ERR;
	*out = command_text(an.text.p, an.text.len);
	return an.ok ? JG_OK : JG_EAUTH;
}

/* approve ID [--comment TEXT] | deny ID [--reason TEXT] | cancel ID */
static void
command_decide(struct chan *c, uint32_t action, int argc, char **argv)
{
	static const char *const approve[] = { "comment", NULL };
	static const char *const deny[] = { "reason", NULL };
	static const char *const none[] = { NULL };
	char vals[1][STORE_REASON_MAX + 2], bad[48], *out;
	const char *text = "";
	long long id;
	int pos[4], rc;

	if (command_opts(argc, argv, 1, action == DECIDE_APPROVE ? approve :
	    action == DECIDE_DENY ? deny : none, vals, pos, bad,
	    sizeof(bad)) != JG_OK || pos[0] == -1 || pos[1] != -1) {
		command_usage(c, action == DECIDE_APPROVE ? "usage: approve ID "
		    "[--comment TEXT]" : action == DECIDE_DENY ? "usage: deny "
		    "ID [--reason TEXT]" : "usage: cancel ID");
		return;
	}
	if (id_parse(argv[pos[0]], &id) != JG_OK) {
		command_usage(c, "a request ID is a number from 1 to 2^53");
		return;
	}
	if (action != DECIDE_CANCEL)
		text = command_val(vals[0]);
	rc = command_decide_send(c, action, id, text, &out);
	if (out == NULL) {
		chan_notice(c, "cannot decide right now");
		command_end(c, 1);
		return;
	}
	command_answer(c, rc == JG_OK, (const unsigned char *)out,
	    strlen(out));
	free(out);
}

/* The access-request commands; 0 when name is not one of them. */
int
command_jit(struct chan *c, int argc, char **argv)
{
	if (strcmp(argv[0], "request") == 0)
		command_request(c, argc, argv, 0);
	else if (strcmp(argv[0], "extend") == 0)
		command_request(c, argc, argv, 1);
	else if (strcmp(argv[0], "requests") == 0)
		command_requests(c, argc, argv);
	else if (strcmp(argv[0], "approve") == 0)
		command_decide(c, DECIDE_APPROVE, argc, argv);
	else if (strcmp(argv[0], "deny") == 0)
		command_decide(c, DECIDE_DENY, argc, argv);
	else if (strcmp(argv[0], "cancel") == 0)
		command_decide(c, DECIDE_CANCEL, argc, argv);
	else
		return 0;
	return 1;
}

/*
 * The waiting flow: ssh -t alice@db01@gw on a requestable target asks for
 * a reason and a duration, files the request, waits, and opens the
 * session on this very channel the moment the last approval lands.
 */
void
command_ask_start(struct chan *c)
{
	char msg[300];

	command_state(c);
	snprintf(msg, sizeof(msg), "access to %s needs approval.\nreason: ",
	    c->w->target);
	command_out_tty(c, msg);
	c->cmd->ask_step = 0;
	c->cmd->len = 0;
	c->state = CH_ASK;
}

/* File the request asked for at the screen; JG_OK when it is pending. */
static int
command_ask_file(struct chan *c, long secs)
{
	struct w_request rq;
	struct m_request an;
	char msg[700];

	memset(&rq, 0, sizeof(rq));	/* no window, no grant to extend */
	snprintf(rq.target, sizeof(rq.target), "%s", c->w->target);
	snprintf(rq.reason, sizeof(rq.reason), "%s", c->cmd->ask_reason);
	rq.seconds = (uint32_t)secs;
	if (worker_call(c->w, w_request_send(c->w->master, &rq, -1),
	    MSG_M_REQUEST, &an, sizeof(an), NULL) != JG_OK) {
		chan_notice(c, "cannot file the request right now");
		command_end(c, 1);
		return JG_ERR;
	}
	snprintf(msg, sizeof(msg), "%.*s", (int)an.text.len,
	    (const char *)an.text.p);
	if (!an.ok) {
		msg[strcspn(msg, "\n")] = '\0';
		chan_notice(c, msg[0] ? msg : "cannot file the request right "
		    "now");
		command_end(c, 1);
		return JG_ERR;
	}
	c->cmd->req_id = an.id;
	command_out_tty(c, msg);
	snprintf(msg, sizeof(msg), "waiting for approval (request %llu)... "
	    "(Ctrl-C cancels)\n", (unsigned long long)an.id);
	command_out_tty(c, msg);
	return JG_OK;
}

void
command_ask_input(struct chan *c)
{
	struct chan_cmd *cm = c->cmd;
	char dur[40];
	long secs = 0;
	int r;

	while ((r = command_line(c)) != 0) {
		if (r < 0) {
			chan_notice(c, "no request filed");
			command_end(c, 1);
			return;
		}
		if (cm->ask_step == 0) {
			if (cm->line[0] == '\0') {
				command_out(c, "reason: ");
				continue;
			}
			snprintf(cm->ask_reason, sizeof(cm->ask_reason), "%s",
			    cm->line);
			cm->ask_step = 1;
			command_out(c, "duration [1h]: ");
			continue;
		}
		snprintf(dur, sizeof(dur), "%s", cm->line[0] ? cm->line : "1h");
		if (duration_parse(dur, &secs) != JG_OK) {
			command_out(c, "a duration is like 90s, 15m, 2h, 1d\r\n"
			    "duration [1h]: ");
			continue;
		}
		if (command_ask_file(c, secs) != JG_OK)
			return;
		c->state = CH_WAIT;
		command_tick_arm(c, 1);
		return;
	}
}

void
command_wait_input(struct chan *c)
{
	struct worker *w = c->w;
	struct w_request_state rq;
	struct m_request_state an;
	char msg[800], *out;
	unsigned char ch;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4) {
			command_decide_send(c, DECIDE_CANCEL,
			    (long long)c->cmd->req_id, "", &out);
			free(out);
			snprintf(msg, sizeof(msg), "request %llu cancelled",
			    (unsigned long long)c->cmd->req_id);
			chan_notice(c, msg);
			command_end(c, 1);
			return;
		}
	}
	if (c->cmd->tick != NULL && evtimer_pending(c->cmd->tick, NULL))
		return;
	rq.id = c->cmd->req_id;
	if (worker_call(w, w_request_state_send(w->master, &rq, -1),
	    MSG_M_REQUEST_STATE, &an, sizeof(an), NULL) != JG_OK) {
		chan_notice(c, "lost track of the request");
		command_end(c, 1);
		return;
	}
	if (strcmp(an.state, "pending") == 0) {
		command_tick_arm(c, 1);
		return;
	}
	if (strcmp(an.state, "approved") != 0) {
		if (strcmp(an.state, "denied") == 0)
			snprintf(msg, sizeof(msg), "request %llu denied by "
			    "%s%s%s", (unsigned long long)rq.id, an.by,
			    an.comment[0] ? ": " : "", an.comment);
		else
			snprintf(msg, sizeof(msg), "request %llu %s",
			    (unsigned long long)rq.id, an.state);
		chan_notice(c, msg);
		command_end(c, 1);
		return;
	}
	snprintf(msg, sizeof(msg), "approved by %s: opening the session\n",
	    an.by);
	command_out_tty(c, msg);
	if (worker_authorize(w, w->target) != JG_OK) {
		chan_notice(c, w->refusal);
		command_end(c, 1);
		return;
	}
	c->state = CH_GATHER;
	buf_reset(c->to_up);
}
