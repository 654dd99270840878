/* command.c: command mode (login name without a target): the gateway's own commands and the menu. */

/*
 * `ssh alice@gw targets` lists what alice can reach; a shell without a pty
 * does the same; a shell with a pty shows a menu, and the chosen target's
 * session starts on that very channel: the recorded pty and shell
 * requests are replayed upstream as in target mode. ssh joins a remote
 * command's words with spaces, so the command is split on spaces.
 */

#include <ctype.h>
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
static void
command_out_tty(struct chan *c, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n' && c->has_pty)
			buf_put(c->to_down, "\r", 1);
		buf_put(c->to_down, s, 1);
	}
}

static void
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

static void
command_usage(struct chan *c, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s (commands: targets, help)", what);
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
	unsigned char ch;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 3 || ch == 4) {		/* ^C ^D */
			command_out(c, "\r\n");
			command_end(c, 0);
			return;
		}
		if (ch == 0x7f || ch == 8) {
			if (c->menu_len > 0) {
				c->menu_len--;
				command_out(c, "\b \b");
			}
			continue;
		}
		if (ch != '\r' && ch != '\n') {
			if (isprint(ch) && c->menu_len + 1 <
			    sizeof(c->menu_line)) {
				c->menu_line[c->menu_len++] = (char)ch;
				buf_put(c->to_down, &ch, 1);
			}
			continue;
		}
		c->menu_line[c->menu_len] = '\0';
		command_out(c, "\r\n");
		if (strcmp(c->menu_line, "q") == 0 || c->menu_len == 0) {
			command_end(c, 0);
			return;
		}
		if (command_pick(c, c->menu_line, name, sizeof(name)) !=
		    JG_OK) {
			snprintf(msg, sizeof(msg), "no such choice: %s",
			    c->menu_line);
			command_out_tty(c, msg);
			command_out(c, "\r\ntarget> ");
			c->menu_len = 0;
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
	else if (strcmp(argv[0], "help") == 0) {
		command_out_tty(c, "commands:\n  targets   the targets you can "
		    "reach and how\n  help      this text\n"
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
