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

static void command_usage(struct chan *, const char *);

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

static uint64_t
command_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
command_play_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct chan *c = arg;

	(void)fd;
	(void)ev;
	worker_poll(c->w);
}

/*
 * An auditor replays a session through the gateway: the master checked the
 * role and handed us that one recording (read-only) and a socket on which
 * the keeper writes its key. The recording is verified in full first; a
 * damaged one is refused with the reason, a truncated one plays after a
 * warning.
 */
static void
command_replay(struct chan *c, const char *arg)
{
	struct worker *w = c->w;
	struct buf *b = buf_new(4096);
	struct rec_event_view ev;
	unsigned char key[REC_KEYBYTES];
	char msg[300], err[JG_ERRLEN], *end;
	const struct rec_header *h;
	uint32_t ok = 0;
	uint64_t id, gotid;
	int fd = -1, kfd = -1, rc;

	id = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end != '\0' || id == 0) {
		buf_free(b);
		command_usage(c, "replay needs a session id");
		return;
	}
	rc = buf_put_u64(b, id);
	if (rc == JG_OK)
		rc = worker_master_call(w, MSG_W_REPLAY, b, MSG_M_REPLAY, b,
		    &fd);
	if (rc == JG_OK && (buf_get_u32(b, &ok) != JG_OK ||
	    buf_get_cstring(b, msg, sizeof(msg)) != JG_OK ||
	    buf_get_u64(b, &gotid) != JG_OK || gotid != id))
		rc = JG_EINVAL;
	if (rc == JG_OK && ok)
		rc = worker_master_wait(w, MSG_M_REPLAY_KEY, b, &kfd);
	buf_free(b);
	if (rc != JG_OK || !ok || fd == -1 || kfd == -1) {
		if (fd != -1)
			close(fd);
		if (kfd != -1)
			close(kfd);
		chan_notice(c, rc == JG_OK && msg[0] ? msg : "cannot replay "
		    "right now");
		command_end(c, 1);
		return;
	}
	sodium_mlock(key, sizeof(key));
	rc = keeper_reckey_read(kfd, WORKER_MSG_TIMEOUT_MS, key, err,
	    sizeof(err));
	close(kfd);
	if (rc == JG_OK)
		rc = rec_reader_open(fd, key, id, &c->player, err, sizeof(err));
	sodium_munlock(key, sizeof(key));
	if (rc != JG_OK) {
		close(fd);
		snprintf(msg, sizeof(msg), "session %llu: %s",
		    (unsigned long long)id, err);
		chan_notice(c, msg);
		command_end(c, 1);
		return;
	}
	c->play_fd = fd;
	while ((rc = rec_reader_next(c->player, &ev)) == 1)
		;
	if (rc != 0 && strncmp(rec_reader_error(c->player), "truncated", 9) !=
	    0) {
		snprintf(msg, sizeof(msg), "session %llu: %s: refusing to play "
		    "it", (unsigned long long)id, rec_reader_error(c->player));
		chan_notice(c, msg);
		command_end(c, 1);
		return;
	}
	h = rec_reader_header(c->player);
	snprintf(msg, sizeof(msg), "session %llu: %s on %s as %s, %s%s%s "
	    "(q to quit)%s\n", (unsigned long long)id, h->user, h->target,
	    h->login, h->kind, h->command[0] ? " " : "", h->command,
	    rc != 0 ? "; warning: truncated, playing what is intact" : "");
	command_out_tty(c, msg);
	if (rec_reader_seek(c->player, 0) != JG_OK) {
		chan_notice(c, "cannot rewind the recording");
		command_end(c, 1);
		return;
	}
	c->play_fd = fd;
	c->play_ev = evtimer_new(w->base, command_play_timer, c);
	c->play_t0 = command_now_ms();
	c->state = CH_PLAY;
	command_play(c);
}

/*
 * Show every event that is due, as long as the client keeps up; long idle
 * gaps are cut to two seconds. q or ^C stops.
 */
void
command_play(struct chan *c)
{
	struct timeval tv;
	uint64_t now, due;
	unsigned char ch;
	char line[96];
	int rc;

	while (buf_len(c->to_up) > 0) {
		buf_get_u8(c->to_up, &ch);
		if (ch == 'q' || ch == 3) {
			command_out_tty(c, "\n");
			command_end(c, 0);
			return;
		}
	}
	while (buf_len(c->to_down) < 256 * 1024) {
		if (!c->play_pending) {
			rc = rec_reader_next(c->player, &c->play_ev_view);
			if (rc != 1) {
				snprintf(line, sizeof(line), "\n[end of the "
				    "recording%s]\n", rc == 0 ? "" :
				    ": truncated");
				command_out_tty(c, line);
				command_end(c, 0);
				return;
			}
			if (c->play_ev_view.t_ms > c->play_last + 2000)
				c->play_shift += c->play_ev_view.t_ms -
				    c->play_last - 2000;
			c->play_last = c->play_ev_view.t_ms;
			c->play_pending = 1;
		}
		now = command_now_ms();
		due = c->play_t0 + c->play_ev_view.t_ms - c->play_shift;
		if (due > now) {
			tv.tv_sec = (time_t)((due - now) / 1000);
			tv.tv_usec = (suseconds_t)((due - now) % 1000) * 1000;
			evtimer_add(c->play_ev, &tv);
			return;
		}
		if (c->play_ev_view.type == REC_OUT ||
		    c->play_ev_view.type == REC_ERR)
			buf_put(c->to_down, c->play_ev_view.data,
			    c->play_ev_view.len);
		c->play_pending = 0;
	}
}

void
command_play_free(struct chan *c)
{
	if (c->play_ev != NULL)
		event_free(c->play_ev);
	c->play_ev = NULL;
	if (c->player != NULL) {
		rec_reader_free(c->player);
		close(c->play_fd);
	}
	c->player = NULL;
}

static void
command_usage(struct chan *c, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s (commands: targets, sessions, replay "
	    "ID, help)", what);
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
	else if (strcmp(argv[0], "sessions") == 0 && argc == 1)
		command_sessions(c);
	else if (strcmp(argv[0], "replay") == 0 && argc == 2)
		command_replay(c, argv[1]);
	else if (strcmp(argv[0], "help") == 0) {
		command_out_tty(c, "commands:\n  targets   the targets you can "
		    "reach and how\n  sessions  (auditors) the sessions "
		    "through the gateway\n  replay ID (auditors) watch a "
		    "session's recording\n  help      this text\n"
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
