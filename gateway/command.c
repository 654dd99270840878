/* command.c: command mode (login name without a target): the gateway's own commands, their dispatch, and the menu. */

/*
 * `ssh alice@gw targets` lists what alice can reach; a shell without a pty
 * does the same; a shell with a pty shows a menu, and the chosen target's
 * session starts on that very channel: the recorded pty and shell
 * requests are replayed upstream as in target mode. ssh joins a remote
 * command's words with spaces, so the command is split on spaces. The
 * access-request commands and screens are in command-jit.c, the auditor's
 * player in command-play.c; what command mode keeps per channel is its
 * struct chan_cmd.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"

#define COMMAND_ARGS_MAX 32

void
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
	c->end = END_COMMAND;
	c->state = CH_FINISH;
}

/* A text from the master as a C string (free it). */
char *
command_text(const unsigned char *p, size_t len)
{
	char *t = xcalloc(1, len + 1);

	if (len > 0)
		memcpy(t, p, len);
	return t;
}

/* The master's answer: shown and exit 0, or its first line on stderr and 1. */
void
command_answer(struct chan *c, int ok, const unsigned char *p, size_t len)
{
	char *text = command_text(p, len);

	if (ok) {
		command_out_tty(c, text);
		command_end(c, 0);
	} else {
		text[strcspn(text, "\n")] = '\0';
		chan_notice(c, text);
		command_end(c, 1);
	}
	free(text);
}

/* Command mode's per-channel state, made when first needed. */
void
command_state(struct chan *c)
{
	if (c->cmd == NULL)
		c->cmd = xcalloc(1, sizeof(*c->cmd));
}

/*
 * The master's list: "TARGET HOST ACCESS" lines after a header. When it
 * refuses, *text is its reason (or NULL) and the result JG_EAUTH.
 */
static int
command_targets_text(struct chan *c, char **text)
{
	struct m_text an;

	*text = NULL;
	if (worker_call(c->w, proto_send(&proto_wm, c->w->master,
	    MSG_W_TARGETS, NULL, 0, -1), MSG_M_TARGETS, &an, sizeof(an),
	    NULL) != JG_OK)
		return JG_ERR;
	*text = command_text(an.text.p, an.text.len);
	return an.ok ? JG_OK : JG_EAUTH;
}

/* The list could not be had: the master's reason, or a general one. */
static void
command_targets_fail(struct chan *c, char *text)
{
	if (text != NULL && text[0] != '\0') {
		text[strcspn(text, "\n")] = '\0';
		chan_notice(c, text);
	} else
		chan_notice(c, "cannot list targets right now");
	free(text);
	command_end(c, 1);
}

static void
command_targets(struct chan *c)
{
	char *text;

	if (command_targets_text(c, &text) != JG_OK) {
		command_targets_fail(c, text);
		return;
	}
	command_out_tty(c, text);
	free(text);
	command_end(c, 0);
}

/* Line editing for the menu and the questions: 1 a line is ready, -1 ^C/^D. */
int
command_line(struct chan *c)
{
	struct chan_cmd *cm = c->cmd;
	unsigned char ch;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4)
			return -1;
		if (ch == 0x7f || ch == 8) {
			if (cm->len > 0) {
				cm->len--;
				command_out(c, "\b \b");
			}
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			cm->line[cm->len] = '\0';
			cm->len = 0;
			command_out(c, "\r\n");
			return 1;
		}
		if (isprint(ch) && cm->len + 1 < sizeof(cm->line)) {
			cm->line[cm->len++] = (char)ch;
			buf_put(c->to_down, &ch, 1);
		}
	}
	return 0;
}

/*
 * One round trip to the master whose answer is M_TEXT (queued: the
 * request, already queued): its text is the command's output, or fail is
 * told when the master cannot answer.
 */
void
command_text_call(struct chan *c, int queued, const char *fail)
{
	struct m_text an;

	if (worker_call(c->w, queued, MSG_M_TEXT, &an, sizeof(an), NULL) !=
	    JG_OK) {
		chan_notice(c, fail);
		command_end(c, 1);
		return;
	}
	command_answer(c, an.ok, an.text.p, an.text.len);
}

/* Auditors: the session list, as the master writes it. */
static void
command_sessions(struct chan *c)
{
	command_text_call(c, proto_send(&proto_wm, c->w->master,
	    MSG_W_SESSIONS, NULL, 0, -1), "cannot list sessions right now");
}

/* kill ID [--reason TEXT] | kill --user U [--reason TEXT] (auditors) */
static void
command_kill(struct chan *c, int argc, char **argv)
{
	static const char *const allowed[] = { "user", "reason", NULL };
	char vals[2][STORE_REASON_MAX + 2], bad[48];
	struct w_kill rq;
	long long id = 0;
	int pos[4], byuser, ok;

	/* Either one session id or --user, never both. */
	ok = command_opts(argc, argv, 1, allowed, vals, pos, bad,
	    sizeof(bad)) == JG_OK;
	if (ok && pos[0] == -1)
		ok = command_is_given(vals[0]);
	else if (ok)
		ok = pos[1] == -1 && !command_is_given(vals[0]);
	if (!ok) {
		command_usage(c, "usage: kill ID [--reason TEXT] | kill --user "
		    "USER [--reason TEXT]");
		return;
	}
	byuser = pos[0] == -1;
	if ((byuser && !name_valid(command_val(vals[0]))) ||
	    (!byuser && id_parse(argv[pos[0]], &id) != JG_OK)) {
		command_usage(c, byuser ? "kill --user: not a user name" :
		    "kill: not a session id");
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.id = (uint64_t)id;
	if (byuser)
		snprintf(rq.user, sizeof(rq.user), "%s", command_val(vals[0]));
	snprintf(rq.reason, sizeof(rq.reason), "%s", command_val(vals[1]));
	command_text_call(c, w_kill_send(c->w->master, &rq, -1),
	    "cannot end sessions right now");
}

/*
 * search --commands REGEX [--user U] [--target T] [--since TIME]: the
 * master searches the command index (auditors only; it checks).
 */
static void
command_search(struct chan *c, int argc, char **argv)
{
	static const char *const allowed[] = { "commands", "user", "target",
	    "since", NULL };
	char vals[4][STORE_REASON_MAX + 2], bad[48];
	const char *v;
	struct w_search rq;
	struct m_text an;
	time_t since;
	int pos[4];

	if (command_opts(argc, argv, 1, allowed, vals, pos, bad,
	    sizeof(bad)) != JG_OK || pos[0] != -1 ||
	    !command_is_given(vals[0]) || command_val(vals[0])[0] == '\0') {
		command_usage(c, "usage: search --commands REGEX [--user U] "
		    "[--target T] [--since TIME]");
		return;
	}
	memset(&rq, 0, sizeof(rq));
	if (strlen(command_val(vals[0])) >= sizeof(rq.regex)) {
		command_usage(c, "search: the expression is too long (at most "
		    "255 bytes)");
		return;
	}
	snprintf(rq.regex, sizeof(rq.regex), "%s", command_val(vals[0]));
	if ((command_is_given(vals[1]) && !name_valid(command_val(vals[1]))) ||
	    (command_is_given(vals[2]) && !name_valid(command_val(vals[2])))) {
		command_usage(c, "search: not a user or target name");
		return;
	}
	if (command_is_given(vals[1]))
		snprintf(rq.user, sizeof(rq.user), "%s", command_val(vals[1]));
	if (command_is_given(vals[2]))
		snprintf(rq.target, sizeof(rq.target), "%s",
		    command_val(vals[2]));
	if (command_is_given(vals[3])) {
		v = command_val(vals[3]);
		if (time_spec_parse(v, -1, &since) != JG_OK) {
			command_usage(c, "search --since: an ISO 8601 UTC time "
			    "or a duration (30d)");
			return;
		}
		time_iso_utc(since, rq.since, sizeof(rq.since));
	}
	if (worker_call(c->w, w_search_send(c->w->master, &rq, -1),
	    MSG_M_TEXT, &an, sizeof(an), NULL) != JG_OK) {
		chan_notice(c, "cannot search right now");
		command_end(c, 1);
		return;
	}
	command_answer(c, an.ok, an.text.p, an.text.len);
}

void
command_usage(struct chan *c, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s (commands: targets, request, extend, "
	    "requests, approve, deny, cancel, reviews, review, sessions, "
	    "replay, watch, search, kill, help)", what);
	chan_notice(c, msg);
	command_end(c, 2);
}

static void
command_menu(struct chan *c)
{
	char *text, *line, *save = NULL, out[512];
	int n = 0;

	if (command_targets_text(c, &text) != JG_OK) {
		command_targets_fail(c, text);
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
	if (command_targets_text(c, &text) != JG_OK) {
		free(text);
		return JG_ERR;
	}
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
		if (r < 0 || strcmp(c->cmd->line, "q") == 0 ||
		    c->cmd->line[0] == '\0') {
			command_end(c, 0);
			return;
		}
		if (command_pick(c, c->cmd->line, name, sizeof(name)) !=
		    JG_OK) {
			snprintf(msg, sizeof(msg), "no such choice: %s",
			    c->cmd->line);
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

/*
 * ssh joins a remote command's words with spaces: split line in place on
 * spaces into at most max words (the rest is dropped).
 */
int
command_words(char *line, char **argv, int max)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " ", &save); tok != NULL && argc < max;
	    tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return argc;
}

void
command_start(struct chan *c)
{
	const struct chreq *r = NULL;
	char *argv[COMMAND_ARGS_MAX], *copy;
	int argc = 0;
	size_t i;

	command_state(c);
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
	argc = command_words(copy, argv, COMMAND_ARGS_MAX);
	if (argc == 0)
		command_targets(c);
	else if (strcmp(argv[0], "targets") == 0 && argc == 1)
		command_targets(c);
	else if (strcmp(argv[0], "sessions") == 0 && argc == 1)
		command_sessions(c);
	else if (strcmp(argv[0], "replay") == 0 && argc == 2)
		command_replay(c, argv[1]);
	else if (strcmp(argv[0], "watch") == 0 && argc == 2)
		command_watch_live(c, argv[1]);
	else if (strcmp(argv[0], "search") == 0)
		command_search(c, argc, argv);
	else if (strcmp(argv[0], "kill") == 0)
		command_kill(c, argc, argv);
	else if (command_jit(c, argc, argv))
		;
	else if (command_reviews_cmd(c, argc, argv))
		;
	else if (strcmp(argv[0], "help") == 0) {
		command_out_tty(c, "commands:\n  targets   the targets you can "
		    "reach and how\n  sessions  (auditors) the sessions "
		    "through the gateway\n  replay ID (auditors) watch a "
		    "session's recording\n  watch ID  (auditors) watch a live "
		    "session as it runs\n  search --commands REGEX [--user U] "
		    "[--target T] [--since TIME]\n            (auditors) the "
		    "command lines entered, in every session\n  kill ID|--user U [--reason TEXT] "
		    "(auditors) end live sessions\n  request TARGET --reason TEXT "
		    "[--duration DUR] [--start TIME]\n  extend GRANT --duration "
		    "DUR --reason TEXT\n  requests [--watch]\n"
		    "  approve ID "
		    "[--comment TEXT] | deny ID [--reason TEXT] | cancel ID\n"
		    "  reviews   access review items for you to decide\n"
		    "  review ITEM keep|revoke [--comment TEXT]\n"
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
	if (c->cmd == NULL)
		return;
	if (c->cmd->tick != NULL)
		event_free(c->cmd->tick);
	free(c->cmd);
	c->cmd = NULL;
}
