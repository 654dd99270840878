/* cmd-replay.c: `jumpgate replay ID` plays a recording in the terminal with its timing, or --cat its output; `jumpgate watch ID` follows a live one. */

/*
 * A full verification pass comes first (replay/): a tampered recording is
 * refused, a truncated one plays up to its last intact event after a
 * warning. The player (replay/player.c, shared with the gateway) streams
 * the file, so memory stays flat; this file drives it from poll(2) on the
 * terminal, whose keys it reads in raw mode (space, +, -, arrows, q).
 * On a terminal the last row is a status line (playing or paused, speed,
 * position of length, the keys): the recording plays in a scroll region
 * above it, and the line is drawn again after output (at most 4 times a
 * second) and on every key, since a recorded program may move or clear
 * the whole screen. The terminal is restored on every exit path and on
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT.
 *
 * watch never opens a live recording behind the daemon's back: it asks
 * the daemon on the control socket, which audits the watch and hands
 * over the file (read-only) and a socket on which the vault keeper writes
 * its key, so no passphrase is needed; replay/watch.c follows the file,
 * and the daemon's C_WATCH_END says when the session ended.
 */

#include <sys/ioctl.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define REPLAY_USAGE "jumpgate replay ID [--speed X] [--from TIME | " \
	"--at-command N] [--idle-limit SEC] [--cat] [--passphrase-file F]"
#define REPLAY_STATUS_MS 250		/* status line redraws, at most */
#define WATCH_USAGE "jumpgate watch ID"
#define WATCH_TIMEOUT_MS 10000

static volatile sig_atomic_t replay_signal;

struct term {
	long long id;
	int keys;			/* stdin is a terminal in raw mode */
	int out_tty;
	struct replay_player *pl;
	const char *text;		/* watch: the status line's text */
	uint64_t length_ms;		/* what can be played */
	unsigned rows;			/* the status line's row, 0: none */
	uint64_t status_at;		/* when it was last drawn (clock_ms) */
	struct termios saved;
	int saved_ok;
};

static void
replay_on_signal(int sig)
{
	replay_signal = sig;
}

/* The player's sink: the terminal, given up on a signal that asks us to stop. */
static int
replay_out(void *arg, const void *p, size_t n)
{
	(void)arg;
	return fd_write_all(STDOUT_FILENO, p, n, &replay_signal);
}

/*
 * The status line on the last row: cursor and attributes saved and
 * restored around it (DECSC/DECRC), cut to the width. A terminal that
 * changed size gets the scroll region again.
 */
static void
term_status(struct term *t)
{
	struct winsize ws;
	char line[512], pos[32], len[32], text[256];
	unsigned cols;
	size_t n;

	if (t->rows == 0 || (t->pl == NULL && t->text == NULL))
		return;
	cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row >= 3 &&
	    ws.ws_col >= 20) {
		cols = ws.ws_col;
		if (ws.ws_row != t->rows) {
			t->rows = ws.ws_row;
			n = (size_t)snprintf(line, sizeof(line),
			    "\0337\033[1;%ur\0338", t->rows - 1);
			(void)replay_out(t, line, n);
		}
	}
	if (t->pl != NULL) {
		replay_hms(replay_player_pos(t->pl), pos, sizeof(pos));
		replay_hms(t->length_ms, len, sizeof(len));
		snprintf(text, sizeof(text), " replay %lld  %s  x%g  %s / %s   "
		    "space pause  +/- speed  arrows 10s  q quit", t->id,
		    replay_player_paused(t->pl) ? "paused " : "playing",
		    replay_player_rate(t->pl), pos, len);
	} else
		snprintf(text, sizeof(text), "%s", t->text);
	n = replay_status_bar(line, sizeof(line), t->rows, cols, text);
	(void)replay_out(t, line, n);
	t->status_at = clock_ms();
}

/* The player's notes (paused, speed) show at once on the status line. */
static void
replay_note(void *arg, const char *what)
{
	(void)what;
	term_status(arg);
}

/* Reserve the last row: the recording scrolls above it. */
static void
term_status_start(struct term *t)
{
	struct winsize ws;
	char line[64];
	int n;

	if (!t->out_tty || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 ||
	    ws.ws_row < 3 || ws.ws_col < 20)
		return;
	t->rows = ws.ws_row;
	/* Room at the bottom first, so that nothing above is lost. */
	n = snprintf(line, sizeof(line), "\n\033[A\0337\033[1;%ur\0338",
	    t->rows - 1);
	(void)replay_out(t, line, (size_t)n);
	term_status(t);
}

/* Give the row back: whole-screen scrolling, the status line cleared. */
static void
term_status_end(struct term *t)
{
	char line[64];
	int n;

	if (t->rows == 0)
		return;
	n = snprintf(line, sizeof(line), "\0337\033[r\033[%u;1H\033[0m"
	    "\033[2K\0338", t->rows);
	(void)replay_out(t, line, (size_t)n);
	t->rows = 0;
}

static int
replay_parse_number(const char *s, double min, double max, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(d) ||
	    d < min || d > max)
		return JG_EINVAL;
	*out = d;
	return JG_OK;
}

static void
replay_term_restore(struct term *t)
{
	if (t->saved_ok)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	t->saved_ok = 0;
}

/* Keys without echo or line editing; output as it came (OPOST off) for pty sessions. */
static void
replay_term_raw(struct term *t, int pty)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &t->saved) != 0)
		return;
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | IGNCR);
	if (pty)
		raw.c_oflag &= ~(tcflag_t)OPOST;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
		return;
	t->saved_ok = 1;
	t->keys = 1;
}

static void
replay_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = replay_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: waits end at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

/* Feed the player what the keyboard sent; a terminal that went away unpauses. */
static void
replay_keys(struct term *t, struct replay_player *pl)
{
	unsigned char b[64];
	ssize_t n;

	n = read(STDIN_FILENO, b, sizeof(b));
	if (n > 0) {
		replay_player_keys(pl, b, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		t->keys = 0;
		if (replay_player_paused(pl))
			replay_player_keys(pl, (const unsigned char *)" ", 1);
	}
}

/* Run the player until it ends; REPLAY_PLAY_* of how it stopped. */
static int
replay_drive(struct term *t, struct replay_player *pl)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	int rc, wait;

	for (;;) {
		rc = replay_player_run(pl, clock_ms(), SIZE_MAX, &wait);
		if (rc != REPLAY_PLAY_WAIT && rc != REPLAY_PLAY_FULL)
			return rc;
		/* The position moves while playing: redraw it now and then. */
		if (t->rows != 0) {
			if (clock_ms() - t->status_at >= REPLAY_STATUS_MS)
				term_status(t);
			if (!replay_player_paused(pl) && (wait < 0 ||
			    wait > REPLAY_STATUS_MS))
				wait = REPLAY_STATUS_MS;
		}
		if (replay_signal)
			return REPLAY_PLAY_QUIT;
		if (rc == REPLAY_PLAY_FULL)
			continue;
		rc = poll(&pfd, t->keys ? 1 : 0, wait);
		if (rc > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			replay_keys(t, pl);
		if (rc == -1 && errno != EINTR)
			return REPLAY_PLAY_ERROR;
	}
}

static void
replay_banner(const struct cli_rec *rec, const struct rec_header *h)
{
	char when[64], hms[32];
	time_t start = (time_t)(h->start_unix_ms / 1000);

	time_local(start, when, sizeof(when));
	replay_hms(rec->chk.status == REPLAY_INTACT ? rec->chk.sum.duration_ms :
	    rec->chk.last_ms, hms, sizeof(hms));
	printf("session %lld: %s@%s as %s, started %s, duration %s", rec->s.id,
	    h->user, h->target, h->login, when, hms);
	if (h->cols > 0 && h->rows > 0)
		printf(", %ux%u", h->cols, h->rows);
	if (h->command[0] != '\0')
		printf(", %s %s", h->kind, h->command);
	else if (h->kind[0] != '\0')
		printf(", %s", h->kind);
	printf("\r\n");
	fflush(stdout);
}

/*
 * --cat: the output bytes as the client got them, from `from` on, up to
 * the end or the first event that is not intact; 1 when stdout failed.
 */
static int
replay_cat(struct replay *rp, uint64_t from)
{
	struct rec_event_view ev;

	if (from > 0 && replay_seek(rp, from) != JG_OK)
		return 0;
	while (replay_next(rp, &ev) == 1) {
		if ((ev.type != REC_OUT && ev.type != REC_ERR) || ev.t_ms < from)
			continue;
		if (fwrite(ev.data, 1, ev.len, stdout) != ev.len)
			return 1;
	}
	return 0;
}

/* Play it in the terminal; the exit code. */
static int
replay_play(struct cli_rec *rec, const struct replay_player_opts *o)
{
	struct replay_player *pl;
	struct replay_sink sink;
	struct term t;
	char hms[32];
	int rc;

	memset(&t, 0, sizeof(t));
	t.id = rec->s.id;
	t.out_tty = isatty(STDOUT_FILENO);
	sink.out = replay_out;
	sink.note = replay_note;
	sink.arg = &t;
	replay_banner(rec, replay_header(rec->rp));
	replay_signals();
	if (isatty(STDIN_FILENO))
		replay_term_raw(&t, replay_header(rec->rp)->cols > 0);
	t.length_ms = rec->chk.status == REPLAY_INTACT ?
	    rec->chk.sum.duration_ms : rec->chk.last_ms;
	pl = replay_player_new(rec->rp, o, &sink);
	t.pl = pl;
	term_status_start(&t);
	rc = replay_drive(&t, pl);
	term_status_end(&t);
	replay_term_restore(&t);
	if (t.out_tty)
		printf("\033[0m\033[?25h\r\n");
	if (rc == REPLAY_PLAY_ERROR && !replay_signal) {
		replay_player_free(pl);
		cli_error("cannot write output: %s", strerror(errno));
		return JG_EXIT_FAIL;
	}
	if (t.keys || t.out_tty) {
		replay_hms(replay_player_pos(pl), hms, sizeof(hms));
		printf("[replay of session %lld %s at %s]\n", rec->s.id,
		    rc == REPLAY_PLAY_END ? "ended" : "stopped", hms);
	}
	replay_player_free(pl);
	return replay_signal ? 128 + replay_signal : JG_EXIT_OK;
}

/*
 * --at-command N: start at the moment command N of the index was
 * entered; the screen then shows its line as it was typed.
 */
static int
replay_at_command(struct cli *c, long long id, unsigned seq, uint64_t *ms)
{
	struct store_command *v = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = store_commands_list(c->store, id, &v, &n)) != JG_OK) {
		cli_store_fail(c, rc, "cannot read the command index");
		return JG_ERR;
	}
	for (i = 0; i < n && v[i].seq != seq; i++)
		;
	if (i == n) {
		cli_error("session %lld has no command %u (it has %zu: "
		    "jumpgate commands %lld)", id, seq, n, id);
		free(v);
		return JG_ENOENT;
	}
	*ms = v[i].t_ms > 0 ? (uint64_t)v[i].t_ms : 0;
	free(v);
	return JG_OK;
}

int
cmd_replay(struct cli *c, int argc, char **argv)
{
	struct replay_player_opts o;
	struct rec_vault v;
	struct cli_rec rec;
	const char *passfile = NULL, *val, *idarg = NULL;
	char hms[32];
	double speed = 1.0, idle = 0;
	long long id, atcmd = 0;
	int k, bad = 0, cat = 0, from = 0, ret = JG_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	for (k = 1; k < argc; k++) {
		if (cli_flag(argc, argv, &k, "--cat"))
			cat = 1;
		else if ((val = cli_opt(argc, argv, &k, "--passphrase-file",
		    &bad)) != NULL)
			passfile = val;
		else if ((val = cli_opt(argc, argv, &k, "--speed", &bad))) {
			if (replay_parse_number(val, REPLAY_SPEED_MIN,
			    REPLAY_SPEED_MAX, &speed) != JG_OK)
				return cli_usage_error(REPLAY_USAGE, "--speed "
				    "takes a number from 1/64 to 1024");
		} else if ((val = cli_opt(argc, argv, &k, "--at-command",
		    &bad))) {
			if (id_parse(val, &atcmd) != JG_OK || atcmd >
			    UINT32_MAX)
				return cli_usage_error(REPLAY_USAGE,
				    "--at-command takes a command number (see "
				    "jumpgate commands ID)");
		} else if ((val = cli_opt(argc, argv, &k, "--from", &bad))) {
			from = 1;
			if (replay_time_parse(val, &o.from_ms) != JG_OK)
				return cli_usage_error(REPLAY_USAGE, "--from "
				    "takes seconds, a duration (90s, 15m, 2h) "
				    "or HH:MM:SS");
		} else if ((val = cli_opt(argc, argv, &k, "--idle-limit",
		    &bad))) {
			if (replay_parse_number(val, 0.001, 86400, &idle) !=
			    JG_OK)
				return cli_usage_error(REPLAY_USAGE,
				    "--idle-limit takes seconds above 0");
		} else if (bad)
			return cli_usage_error(REPLAY_USAGE, "missing value");
		else if (idarg == NULL && argv[k][0] != '-')
			idarg = argv[k];
		else
			return cli_usage_error(REPLAY_USAGE, "unexpected "
			    "argument '%s'", argv[k]);
	}
	if (idarg == NULL)
		return cli_usage_error(REPLAY_USAGE, "missing session ID");
	if (id_parse(idarg, &id) != JG_OK)
		return cli_usage_error(REPLAY_USAGE, "not a session id: '%s'",
		    idarg);
	if (from && atcmd > 0)
		return cli_usage_error(REPLAY_USAGE, "--from or --at-command, "
		    "not both");
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if (atcmd > 0 && replay_at_command(c, id, (unsigned)atcmd,
	    &o.from_ms) != JG_OK)
		return JG_EXIT_FAIL;
	o.speed = speed;
	o.idle_ms = (uint64_t)(idle * 1000);

	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	v.seek_ms = o.from_ms;
	if (cli_rec_open_one(&v, id, REPLAY_VERIFY, &rec) != JG_OK)
		goto out;
	switch (rec.chk.status) {
	case REPLAY_DAMAGED:
		cli_error("session %lld: %s: refusing to play it", id,
		    rec.chk.reason);
		goto out;
	case REPLAY_LIVE:
		replay_hms(rec.chk.last_ms, hms, sizeof(hms));
		fprintf(stderr, "jumpgate: warning: session %lld is live: "
		    "playing what is recorded so far (%s)\n", id, hms);
		break;
	case REPLAY_TRUNCATED:
		fprintf(stderr, "jumpgate: warning: session %lld %s: playing "
		    "what is intact\n", id, rec.chk.reason);
		break;
	}
	if (rec.rp == NULL) {		/* empty: nothing to play */
		ret = JG_EXIT_OK;
		goto out;
	}
	if (cat) {
		if (replay_cat(rec.rp, o.from_ms) != 0) {
			cli_error("cannot write output: %s", strerror(errno));
			goto out;
		}
		ret = JG_EXIT_OK;
		goto out;
	}
	o.clear = isatty(STDOUT_FILENO);
	ret = replay_play(&rec, &o);
out:
	cli_rec_close(&rec);
	rec_vault_done(&v);
	return ret;
}

/* The live recording and its key, from the daemon: JG_OK or err says why. */
static int
watch_fetch(struct cli *c, struct msgconn *conn, long long id, int *fd,
    unsigned char key[REC_KEYBYTES], char *err, size_t errlen)
{
	struct c_watch cw;
	struct buf *in;
	uint32_t type;
	int kfd = -1, rc;

	memset(&cw, 0, sizeof(cw));
	cw.id = (uint64_t)id;
	snprintf(cw.actor, sizeof(cw.actor), "%s", c->actor_name);
	in = buf_new(MSG_MAX);
	rc = ctl_call_fd(conn, c_watch_send(conn, &cw, -1), WATCH_TIMEOUT_MS,
	    &type, in, fd, err, errlen);
	if (rc == JG_OK && (type != MSG_C_WATCHING || *fd == -1))
		rc = JG_ERR;
	if (rc == JG_OK) {
		buf_reset(in);
		rc = ctl_call_fd(conn, JG_OK, WATCH_TIMEOUT_MS, &type, in,
		    &kfd, err, errlen);
		if (rc == JG_OK && (type != MSG_C_WATCH_KEY || kfd == -1))
			rc = JG_ERR;
	}
	buf_free(in);
	if (rc == JG_ERR && err[0] == '\0')
		errf(err, errlen, "jumpgated sent a malformed answer");
	if (rc == JG_OK) {
		rc = agent_reckey_read(kfd, WATCH_TIMEOUT_MS, key, err,
		    errlen);
		if (rc != JG_OK)
			rc = JG_ERR;
	}
	if (kfd != -1)
		close(kfd);
	return rc;
}

/* The daemon's word on the control socket: 1 the session ended (or the daemon went). */
static int
watch_ctl(struct msgconn *conn)
{
	struct buf *in;
	uint32_t type;
	int r, fd, ended = 0;

	r = msg_read(conn);
	if (r == 0 || (r < 0 && r != JG_EBUSY))
		return 1;
	in = buf_new(MSG_MAX);
	while ((r = msg_get(conn, &type, in, &fd)) == 1) {
		if (fd != -1)
			close(fd);
		if (type == MSG_C_WATCH_END)
			ended = 1;
		buf_reset(in);
	}
	buf_free(in);
	return ended || r < 0;
}

/* Follow it until it ends or q: an enum replay_play. */
static int
watch_drive(struct term *t, struct replay_watch *w, struct msgconn *conn)
{
	struct pollfd pfd[2];
	unsigned char b[64];
	ssize_t n;
	int rc, wait;

	pfd[0].fd = msg_fd(conn);
	pfd[0].events = POLLIN;
	pfd[1].fd = STDIN_FILENO;
	pfd[1].events = POLLIN;
	for (;;) {
		rc = replay_watch_run(w, clock_ms(), SIZE_MAX, &wait);
		if (rc != REPLAY_PLAY_WAIT && rc != REPLAY_PLAY_FULL)
			return rc;
		if (t->rows != 0) {
			if (clock_ms() - t->status_at >= 1000)
				term_status(t);
			if (wait < 0 || wait > 1000)
				wait = 1000;
		}
		if (replay_signal)
			return REPLAY_PLAY_QUIT;
		if (rc == REPLAY_PLAY_FULL)
			continue;
		pfd[0].revents = pfd[1].revents = 0;
		rc = poll(pfd, t->keys ? 2 : 1, wait);
		if (rc == -1 && errno != EINTR)
			return REPLAY_PLAY_ERROR;
		if (rc > 0 && pfd[0].revents != 0 && watch_ctl(conn)) {
			replay_watch_ended(w);
			pfd[0].fd = -1;		/* nothing more to hear */
		}
		if (rc > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(STDIN_FILENO, b, sizeof(b));
			if (n > 0)
				replay_watch_keys(w, b, (size_t)n);
			else if (n == 0 || errno != EINTR)
				t->keys = 0;
		}
	}
}

int
cmd_watch(struct cli *c, int argc, char **argv)
{
	struct replay_watch *w = NULL;
	struct replay_sink sink;
	struct msgconn *conn;
	const struct rec_header *h;
	unsigned char key[REC_KEYBYTES];
	char err[JG_ERRLEN], when[64], text[256];
	struct term t;
	long long id;
	int fd = -1, rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error(WATCH_USAGE, argc < 2 ? "missing "
		    "session ID" : "unexpected argument '%s'", argv[argc > 2 ?
		    2 : 1]);
	if (id_parse(argv[1], &id) != JG_OK)
		return cli_usage_error(WATCH_USAGE, "not a session id: '%s'",
		    argv[1]);
	if ((conn = ctl_connect(&c->cfg, err, sizeof(err))) == NULL) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	err[0] = '\0';
	sodium_mlock(key, sizeof(key));
	memset(&t, 0, sizeof(t));
	sink.out = replay_out;
	sink.note = NULL;
	sink.arg = &t;
	rc = watch_fetch(c, conn, id, &fd, key, err, sizeof(err));
	if (rc == JG_OK && replay_watch_open(fd, key, (uint64_t)id, &sink, &w,
	    err, sizeof(err)) != JG_OK)
		rc = JG_ERR;
	sodium_munlock(key, sizeof(key));	/* wipes it too */
	if (rc != JG_OK) {
		cli_error("watch %lld: %s", id, err);
		if (fd != -1)
			close(fd);
		msg_free(conn);
		return JG_EXIT_FAIL;
	}
	h = replay_watch_header(w);
	time_local((time_t)(h->start_unix_ms / 1000), when, sizeof(when));
	replay_watch_title(w, text, sizeof(text));
	printf("session %lld: %s@%s as %s, started %s, live\r\n", id,
	    h->user, h->target, h->login, when);
	fflush(stdout);
	t.id = id;
	t.text = text;
	t.out_tty = isatty(STDOUT_FILENO);
	replay_signals();
	if (isatty(STDIN_FILENO))
		replay_term_raw(&t, h->cols > 0);
	term_status_start(&t);
	rc = watch_drive(&t, w, conn);
	term_status_end(&t);
	replay_term_restore(&t);
	if (t.out_tty)
		printf("\033[0m\033[?25h\r\n");
	if (rc == REPLAY_PLAY_END)
		printf("[session %lld ended]\n", id);
	else if (rc == REPLAY_PLAY_ERROR && replay_watch_error(w)[0] != '\0')
		cli_error("session %lld: %s", id, replay_watch_error(w));
	else if (rc == REPLAY_PLAY_ERROR && !replay_signal)
		cli_error("cannot write output: %s", strerror(errno));
	else
		printf("[stopped watching session %lld]\n", id);
	replay_watch_free(w);
	close(fd);
	msg_free(conn);
	if (rc == REPLAY_PLAY_ERROR && !replay_signal)
		return JG_EXIT_FAIL;
	return replay_signal ? 128 + replay_signal : JG_EXIT_OK;
}
