/* command.c: command mode (login name without a target): the gateway's own commands and the menu. */

/*
 * `ssh alice@gw targets` lists what alice can reach; a shell without a pty
 * does the same; a shell with a pty shows a menu, and the chosen target's
 * session starts on that very channel: the recorded pty and shell
 * requests are replayed upstream as in target mode. ssh joins a remote
 * command's words with spaces, so the command is split on spaces.
 */

#include <ctype.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define COMMAND_ARGS_MAX 32

static void
command_out(struct chan *c, const char *s)
{
	buf_put(c->to_down, s, strlen(s));
}

/* Text for a pty wants CR LF. */
void
command_out_tty(struct chan *c, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n' && c->has_pty)
			buf_put(c->to_down, "\r", 1);
		buf_put(c->to_down, s, 1);
	}
}

void
command_end(struct chan *c, int status)
{
	c->our_exit = status;
	snprintf(c->end_reason, sizeof(c->end_reason), "command");
	c->state = CH_FINISH;
}

/* The master's list: "TARGET HOST ACCESS" lines after a header. */
static int
command_targets_text(struct chan *c, char **text)
{
	struct buf *b = buf_new(MSG_MAX);
	const unsigned char *p;
	size_t n;
	int rc;

	*text = NULL;
	rc = worker_master_call(c->w, MSG_W_TARGETS, b, MSG_M_TARGETS, b, NULL);
	if (rc == JG_OK)
		rc = buf_get_string(b, &p, &n);
	if (rc == JG_OK) {
		*text = xcalloc(1, n + 1);
		memcpy(*text, p, n);
	}
	buf_free(b);
	return rc;
}

static void
command_targets(struct chan *c)
{
	char *text;

	if (command_targets_text(c, &text) != JG_OK) {
		chan_notice(c, "cannot list targets right now");
		command_end(c, 1);
		return;
	}
	command_out_tty(c, text);
	free(text);
	command_end(c, 0);
}


/*
 * ssh joins a remote command's words with spaces: an option's value is
 * every word up to the next --option (DESIGN §2). Returns the value of
 * --name joined with single spaces, "" when given without words, NULL
 * when absent; *bad is set for an option not in allowed.
 */
static int
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

static int
command_is_given(const char *v)
{
	return v[0] != '\0';
}

static const char *
command_val(const char *v)
{
	return strcmp(v, "\x01") == 0 ? "" : v;
}

/* request TARGET --reason TEXT [--duration DUR] */
static void
command_request(struct chan *c, int argc, char **argv)
{
	static const char *const allowed[] = { "reason", "duration", NULL };
	char vals[2][STORE_REASON_MAX + 2], bad[48], msg[600], *text;
	struct buf *b;
	const unsigned char *p;
	uint32_t ok = 0;
	uint64_t id = 0;
	long secs = 0;
	size_t n = 0;
	int pos[4], rc;

	if (command_opts(argc, argv, 1, allowed, vals, pos, bad,
	    sizeof(bad)) != JG_OK || pos[0] == -1 || pos[1] != -1) {
		command_usage(c, "usage: request TARGET --reason TEXT "
		    "[--duration DUR]");
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
	b = buf_new(4096);
	rc = buf_put_cstring(b, argv[pos[0]]);
	if (rc == JG_OK)
		rc = buf_put_cstring(b, command_val(vals[0]));
	if (rc == JG_OK)
		rc = buf_put_u32(b, (uint32_t)secs);
	if (rc == JG_OK)
		rc = worker_master_call(c->w, MSG_W_REQUEST, b, MSG_M_REQUEST,
		    b, NULL);
	if (rc == JG_OK && (buf_get_u32(b, &ok) != JG_OK ||
	    buf_get_u64(b, &id) != JG_OK || buf_get_string(b, &p, &n) !=
	    JG_OK))
		rc = JG_EINVAL;
	if (rc != JG_OK) {
		buf_free(b);
		chan_notice(c, "cannot file the request right now");
		command_end(c, 1);
		return;
	}
	text = xcalloc(1, n + 1);
	memcpy(text, p, n);
	buf_free(b);
	if (ok) {
		command_out_tty(c, text);
		command_end(c, 0);
	} else {
		chan_notice(c, text);
		command_end(c, 1);
	}
	free(text);
}

/* One MSG_W_REQUESTS round trip: the text and the newest id in it. */
static int
command_requests_fetch(struct chan *c, uint32_t mode, uint64_t after,
    char **text, uint64_t *maxid)
{
	struct buf *b = buf_new(MSG_MAX);
	const unsigned char *p;
	uint32_t ok = 0;
	size_t n = 0;
	int rc;

	*text = NULL;
	rc = buf_put_u32(b, mode);
	if (rc == JG_OK)
		rc = buf_put_u64(b, after);
	if (rc == JG_OK)
		rc = worker_master_call(c->w, MSG_W_REQUESTS, b, MSG_M_REQUEST,
		    b, NULL);
	if (rc == JG_OK && (buf_get_u32(b, &ok) != JG_OK ||
	    buf_get_u64(b, maxid) != JG_OK || buf_get_string(b, &p, &n) !=
	    JG_OK || !ok))
		rc = JG_ERR;
	if (rc == JG_OK) {
		*text = xcalloc(1, n + 1);
		memcpy(*text, p, n);
	}
	buf_free(b);
	return rc;
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

	if (c->tick == NULL)
		c->tick = evtimer_new(c->w->base, command_tick, c);
	evtimer_add(c->tick, &tv);
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
	c->watch_max = maxid;
	c->state = CH_WATCH;
	command_tick_arm(c, 2);
}

void
command_watch_input(struct chan *c)
{
	unsigned char ch;
	char *text;
	uint64_t maxid = c->watch_max;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4 || ch == 'q') {
			command_end(c, 0);
			return;
		}
	}
	if (c->tick != NULL && evtimer_pending(c->tick, NULL))
		return;
	if (command_requests_fetch(c, REQUESTS_NEW, c->watch_max, &text,
	    &maxid) != JG_OK) {
		chan_notice(c, "cannot list requests right now");
		command_end(c, 1);
		return;
	}
	command_out_tty(c, text);
	free(text);
	c->watch_max = maxid;
	command_tick_arm(c, 2);
}

/* approve ID [--comment TEXT] | deny ID [--reason TEXT] | cancel ID */
static int
command_decide_send(struct chan *c, uint32_t action, uint64_t id,
    const char *text, char **out)
{
	struct buf *b = buf_new(MSG_MAX);
	const unsigned char *p;
	uint32_t ok = 0;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = buf_put_u32(b, action);
	if (rc == JG_OK)
		rc = buf_put_u64(b, id);
	if (rc == JG_OK)
		rc = buf_put_cstring(b, text);
	if (rc == JG_OK)
		rc = worker_master_call(c->w, MSG_W_DECIDE, b, MSG_M_TEXT, b,
		    NULL);
	if (rc == JG_OK && (buf_get_u32(b, &ok) != JG_OK ||
	    buf_get_string(b, &p, &n) != JG_OK))
		rc = JG_EINVAL;
	if (rc == JG_OK) {
		*out = xcalloc(1, n + 1);
		memcpy(*out, p, n);
	}
	buf_free(b);
	return rc != JG_OK ? rc : ok ? JG_OK : JG_EAUTH;
}

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
	if (rc == JG_OK) {
		command_out_tty(c, out);
		command_end(c, 0);
	} else {
		out[strcspn(out, "\n")] = '\0';
		chan_notice(c, out);
		command_end(c, 1);
	}
	free(out);
}

/*
 * The waiting flow: ssh -t alice@db01@gw on a requestable target asks for
 * a reason and a duration, files the request, waits, and opens the
 * session on this very channel the moment the last approval lands.
 * Nothing reaches the target before that.
 */
void
command_ask_start(struct chan *c)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "access to %s needs approval.\nreason: ",
	    c->w->target);
	command_out_tty(c, msg);
	c->ask_step = 0;
	c->menu_len = 0;
	c->state = CH_ASK;
}

/* Line editing shared with the menu: 1 a line is ready, -1 ^C/^D. */
static int
command_line(struct chan *c)
{
	unsigned char ch;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4)
			return -1;
		if (ch == 0x7f || ch == 8) {
			if (c->menu_len > 0) {
				c->menu_len--;
				command_out(c, "\b \b");
			}
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			c->menu_line[c->menu_len] = '\0';
			c->menu_len = 0;
			command_out(c, "\r\n");
			return 1;
		}
		if (isprint(ch) && c->menu_len + 1 < sizeof(c->menu_line)) {
			c->menu_line[c->menu_len++] = (char)ch;
			buf_put(c->to_down, &ch, 1);
		}
	}
	return 0;
}

void
command_ask_input(struct chan *c)
{
	struct buf *b;
	const unsigned char *p;
	char msg[700], dur[40];
	uint32_t ok = 0;
	long secs = 0;
	size_t n = 0;
	int r, rc;

	while ((r = command_line(c)) != 0) {
		if (r < 0) {
			chan_notice(c, "no request filed");
			command_end(c, 1);
			return;
		}
		if (c->ask_step == 0) {
			if (c->menu_line[0] == '\0') {
				command_out(c, "reason: ");
				continue;
			}
			snprintf(c->ask_reason, sizeof(c->ask_reason), "%s",
			    c->menu_line);
			c->ask_step = 1;
			command_out(c, "duration [1h]: ");
			continue;
		}
		snprintf(dur, sizeof(dur), "%s", c->menu_line[0] ?
		    c->menu_line : "1h");
		if (duration_parse(dur, &secs) != JG_OK) {
			command_out(c, "a duration is like 90s, 15m, 2h, 1d\r\n"
			    "duration [1h]: ");
			continue;
		}
		b = buf_new(4096);
		rc = buf_put_cstring(b, c->w->target);
		if (rc == JG_OK)
			rc = buf_put_cstring(b, c->ask_reason);
		if (rc == JG_OK)
			rc = buf_put_u32(b, (uint32_t)secs);
		if (rc == JG_OK)
			rc = worker_master_call(c->w, MSG_W_REQUEST, b,
			    MSG_M_REQUEST, b, NULL);
		if (rc == JG_OK && (buf_get_u32(b, &ok) != JG_OK ||
		    buf_get_u64(b, &c->req_id) != JG_OK ||
		    buf_get_string(b, &p, &n) != JG_OK))
			rc = JG_EINVAL;
		snprintf(msg, sizeof(msg), "%.*s", rc == JG_OK ? (int)n : 0,
		    rc == JG_OK ? (const char *)p : "");
		buf_free(b);
		if (rc != JG_OK || !ok) {
			msg[strcspn(msg, "\n")] = '\0';
			chan_notice(c, msg[0] ? msg : "cannot file the "
			    "request right now");
			command_end(c, 1);
			return;
		}
		command_out_tty(c, msg);
		snprintf(msg, sizeof(msg), "waiting for approval (request "
		    "%llu)... (Ctrl-C cancels)\n", (unsigned long long)c->req_id);
		command_out_tty(c, msg);
		c->state = CH_WAIT;
		command_tick_arm(c, 1);
		return;
	}
}

void
command_wait_input(struct chan *c)
{
	struct worker *w = c->w;
	struct buf *b;
	char state[16], by[JG_NAME_MAX + 1], comment[STORE_REASON_MAX + 2];
	char msg[800], *out;
	unsigned char ch;
	int rc;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4) {
			command_decide_send(c, DECIDE_CANCEL, c->req_id, "",
			    &out);
			free(out);
			snprintf(msg, sizeof(msg), "request %llu cancelled",
			    (unsigned long long)c->req_id);
			chan_notice(c, msg);
			command_end(c, 1);
			return;
		}
	}
	if (c->tick != NULL && evtimer_pending(c->tick, NULL))
		return;
	b = buf_new(4096);
	rc = buf_put_u64(b, c->req_id);
	if (rc == JG_OK)
		rc = worker_master_call(w, MSG_W_REQUEST_STATE, b,
		    MSG_M_REQUEST_STATE, b, NULL);
	if (rc == JG_OK && (buf_get_cstring(b, state, sizeof(state)) != JG_OK
	    || buf_get_cstring(b, by, sizeof(by)) != JG_OK ||
	    buf_get_cstring(b, comment, sizeof(comment)) != JG_OK))
		rc = JG_EINVAL;
	buf_free(b);
	if (rc != JG_OK) {
		chan_notice(c, "lost track of the request");
		command_end(c, 1);
		return;
	}
	if (strcmp(state, "pending") == 0) {
		command_tick_arm(c, 1);
		return;
	}
	if (strcmp(state, "approved") != 0) {
		if (strcmp(state, "denied") == 0)
			snprintf(msg, sizeof(msg), "request %llu denied by "
			    "%s%s%s", (unsigned long long)c->req_id, by,
			    comment[0] ? ": " : "", comment);
		else
			snprintf(msg, sizeof(msg), "request %llu %s",
			    (unsigned long long)c->req_id, state);
		chan_notice(c, msg);
		command_end(c, 1);
		return;
	}
	snprintf(msg, sizeof(msg), "approved by %s: opening the session\n",
	    by);
	command_out_tty(c, msg);
	if (worker_authorize(w, w->target) != JG_OK) {
		chan_notice(c, w->refusal);
		command_end(c, 1);
		return;
	}
	c->state = CH_GATHER;
	buf_reset(c->to_up);
}



/* Auditors: the session list, as the master writes it. */
static void
command_sessions(struct chan *c)
{
	struct buf *b = buf_new(MSG_MAX);
	const unsigned char *p;
	uint32_t ok = 0;
	char *text;
	size_t n = 0;
	int rc;

	rc = worker_master_call(c->w, MSG_W_SESSIONS, b, MSG_M_TEXT, b, NULL);
	if (rc == JG_OK)
		rc = buf_get_u32(b, &ok);
	if (rc == JG_OK)
		rc = buf_get_string(b, &p, &n);
	if (rc != JG_OK) {
		buf_free(b);
		chan_notice(c, "cannot list sessions right now");
		command_end(c, 1);
		return;
	}
	text = xcalloc(1, n + 1);
	memcpy(text, p, n);
	buf_free(b);
	if (!ok) {
		chan_notice(c, text);
		command_end(c, 1);
	} else {
		command_out_tty(c, text);
		command_end(c, 0);
	}
	free(text);
}

void
command_usage(struct chan *c, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s (commands: targets, request, requests, "
	    "approve, deny, cancel, sessions, replay, help)", what);
	chan_notice(c, msg);
	command_end(c, 2);
}

static void
command_menu(struct chan *c)
{
	char *text, *line, *save = NULL, out[512];
	int n = 0;

	if (command_targets_text(c, &text) != JG_OK) {
		chan_notice(c, "cannot list targets right now");
		command_end(c, 1);
		return;
	}
	command_out_tty(c, "jumpgate: choose a target (number or name, "
	    "q to quit)\n");
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (n++ == 0) {
			snprintf(out, sizeof(out), "     %s\n", line);
		} else
			snprintf(out, sizeof(out), "%3d) %s\n", n - 1, line);
		command_out_tty(c, out);
	}
	free(text);
	command_out(c, "target> ");
	c->state = CH_MENU;
}

/* The n-th reachable target's name, 1-based, from the same list. */
static int
command_pick(struct chan *c, const char *choice, char *name, size_t len)
{
	char *text, *line, *save = NULL, *end;
	long want;
	int n = 0, rc = JG_ENOENT;

	want = strtol(choice, &end, 10);
	if (!isdigit((unsigned char)choice[0]) || *end != '\0') {
		if (!name_valid(choice))
			return JG_EINVAL;
		snprintf(name, len, "%s", choice);
		return JG_OK;
	}
	if (command_targets_text(c, &text) != JG_OK)
		return JG_ERR;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (n++ == 0)
			continue;
		if (n - 1 == want) {
			line[strcspn(line, " ")] = '\0';
			snprintf(name, len, "%s", line);
			rc = JG_OK;
			break;
		}
	}
	free(text);
	return rc;
}

/* Keystrokes at the menu: echo, edit, and act on Enter. */
void
command_menu_input(struct chan *c)
{
	struct worker *w = c->w;
	char name[JG_NAME_MAX + 1], msg[256];
	int r;

	while ((r = command_line(c)) != 0) {
		if (r < 0 || strcmp(c->menu_line, "q") == 0 ||
		    c->menu_line[0] == '\0') {
			command_end(c, 0);
			return;
		}
		if (command_pick(c, c->menu_line, name, sizeof(name)) !=
		    JG_OK) {
			snprintf(msg, sizeof(msg), "no such choice: %s",
			    c->menu_line);
			command_out_tty(c, msg);
			command_out(c, "\r\ntarget> ");
			continue;
		}
		/* From here the channel is a target session. */
		if (worker_authorize(w, name) != JG_OK) {
			chan_refuse(c, w->refusal);
			return;
		}
		w->cmd_mode = 0;
		c->state = CH_GATHER;
		buf_reset(c->to_up);
		return;
	}
}

void
command_start(struct chan *c)
{
	const struct chreq *r = NULL;
	char *argv[COMMAND_ARGS_MAX], *copy, *save = NULL, *tok;
	int argc = 0;
	size_t i;

	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].kind == c->main_req)
			r = &c->reqs[i];
	if (c->main_req == REQ_SUBSYSTEM || r == NULL) {
		command_usage(c, "no subsystem in command mode");
		return;
	}
	if (c->main_req == REQ_SHELL) {
		if (c->has_pty && !c->w->authz_state)
			command_menu(c);
		else
			command_targets(c);
		return;
	}
	copy = xstrdup(r->value);
	for (tok = strtok_r(copy, " ", &save); tok != NULL &&
	    argc < COMMAND_ARGS_MAX; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	if (argc == 0)
		command_targets(c);
	else if (strcmp(argv[0], "targets") == 0 && argc == 1)
		command_targets(c);
	else if (strcmp(argv[0], "sessions") == 0 && argc == 1)
		command_sessions(c);
	else if (strcmp(argv[0], "replay") == 0 && argc == 2)
		command_replay(c, argv[1]);
	else if (strcmp(argv[0], "request") == 0)
		command_request(c, argc, argv);
	else if (strcmp(argv[0], "requests") == 0)
		command_requests(c, argc, argv);
	else if (strcmp(argv[0], "approve") == 0)
		command_decide(c, DECIDE_APPROVE, argc, argv);
	else if (strcmp(argv[0], "deny") == 0)
		command_decide(c, DECIDE_DENY, argc, argv);
	else if (strcmp(argv[0], "cancel") == 0)
		command_decide(c, DECIDE_CANCEL, argc, argv);
	else if (strcmp(argv[0], "help") == 0) {
		command_out_tty(c, "commands:\n  targets   the targets you can "
		    "reach and how\n  sessions  (auditors) the sessions "
		    "through the gateway\n  replay ID (auditors) watch a "
		    "session's recording\n  request TARGET --reason TEXT "
		    "[--duration DUR]\n  requests [--watch]\n  approve ID "
		    "[--comment TEXT] | deny ID [--reason TEXT] | cancel ID\n"
		    "  help      this text\n"
		    "log in to a target with: ssh USER@TARGET@GATEWAY\n");
		command_end(c, 0);
	} else {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown command: %.64s",
		    str_has_control(argv[0]) ? "?" : argv[0]);
		command_usage(c, msg);
	}
	free(copy);
}

/* What command mode keeps per channel, let go when the channel ends. */
void
command_free(struct chan *c)
{
	if (c->tick != NULL)
		event_free(c->tick);
	c->tick = NULL;
}
