/* cmd-replay.c: `jumpgate replay ID`: play a recording in the terminal with its timing, or --cat its output. */

/*
 * A full verification pass comes first: a tampered recording is refused,
 * a truncated one plays up to its last intact event after a warning. The
 * player streams the file (memory stays flat). With stdin a terminal it
 * reads keys in raw mode: space pause/resume, + and - double and halve the
 * speed, right and left arrow skip 10 s (right plays the skipped output
 * without delay; left, like --from, seeks to the segment that holds the
 * time: when the segment starts with a keyframe, writing it redraws the
 * screen as it was, else the screen is cleared, and the player
 * fast-forwards from there to the time), q quits. In sequential playback
 * keyframes are skipped: the screen is already right. The
 * terminal is restored on every exit path and on SIGINT, SIGTERM, SIGHUP
 * and SIGQUIT.
 */

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define REPLAY_USAGE "jumpgate replay ID [--speed X] [--from TIME] " \
	"[--idle-limit SEC] [--cat] [--passphrase-file F]"
#define REPLAY_SKIP_MS 10000
#define REPLAY_SPEED_MIN (1.0 / 64)
#define REPLAY_SPEED_MAX 1024.0

static volatile sig_atomic_t replay_signal;

struct player {
	struct cli_rec *rec;
	double speed;
	uint64_t idle_ms;		/* 0: gaps are not capped */
	int keys;			/* stdin is a terminal in raw mode */
	int out_tty;
	double pos;			/* where the playback is, recording ms */
	int paused;
	int quit;
	int back;			/* a seek back is asked for ... */
	uint64_t back_to;		/* ... to this time */
	unsigned char kbuf[8];		/* a key sequence read in parts */
	size_t klen;
	struct termios saved;
	int saved_ok;
};

static void
replay_on_signal(int sig)
{
	replay_signal = sig;
}

static double
replay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* write(2) it all; gives up on a signal that asks us to stop. */
static int
replay_write(const void *p, size_t n)
{
	const unsigned char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, c, n);
		if (w == -1 && errno == EINTR && !replay_signal)
			continue;
		if (w <= 0)
			return JG_ERR;
		c += w;
		n -= (size_t)w;
	}
	return JG_OK;
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
replay_term_restore(struct player *p)
{
	if (p->saved_ok)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &p->saved);
	p->saved_ok = 0;
}

/* Keys without echo or line editing; output as it came (OPOST off) for pty sessions. */
static void
replay_term_raw(struct player *p, int pty)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &p->saved) != 0)
		return;
	t = p->saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | IGNCR);
	if (pty)
		t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
		return;
	p->saved_ok = 1;
	p->keys = 1;
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

static void
replay_title(struct player *p, const char *what)
{
	char t[160];

	if (!p->out_tty)
		return;
	snprintf(t, sizeof(t), "\033]2;jumpgate replay %lld: %s\007",
	    p->rec->s.id, what);
	replay_write(t, strlen(t));
}

/* Act on what the keyboard sent. */
static void
replay_keys(struct player *p)
{
	unsigned char b[64];
	ssize_t n, i;
	char t[64];

	n = read(STDIN_FILENO, b, sizeof(b));
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			p->keys = 0;	/* the terminal went away */
			p->paused = 0;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (p->klen > 0 || b[i] == 0x1b) {
			p->kbuf[p->klen++] = b[i];
			/* ESC [ C / ESC O C right, ESC [ D / ESC O D left */
			if (p->klen == 2 && p->kbuf[1] != '[' &&
			    p->kbuf[1] != 'O')
				p->klen = 0;
			else if (p->klen == 3) {
				if (p->kbuf[2] == 'C')
					p->pos += REPLAY_SKIP_MS;
				else if (p->kbuf[2] == 'D') {
					p->back = 1;
					p->back_to = p->pos > REPLAY_SKIP_MS ?
					    (uint64_t)(p->pos - REPLAY_SKIP_MS) :
					    0;
				}
				p->klen = 0;
			}
			continue;
		}
		switch (b[i]) {
		case ' ':
			p->paused = !p->paused;
			replay_title(p, p->paused ? "paused" : "playing");
			break;
		case '+':
		case '=':
			if (p->speed * 2 <= REPLAY_SPEED_MAX)
				p->speed *= 2;
			snprintf(t, sizeof(t), "speed x%g", p->speed);
			replay_title(p, t);
			break;
		case '-':
		case '_':
			if (p->speed / 2 >= REPLAY_SPEED_MIN)
				p->speed /= 2;
			snprintf(t, sizeof(t), "speed x%g", p->speed);
			replay_title(p, t);
			break;
		case 'q':
		case 'Q':
		case 0x03:			/* ^C in raw mode */
		case 0x04:
			p->quit = 1;
			break;
		}
	}
}

/* Wait until the playback reaches t (or a key changes the plan). */
static void
replay_wait(struct player *p, uint64_t t)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	double last, now, left;
	int timeout, rc;

	if (p->idle_ms > 0 && (double)t - p->pos > (double)p->idle_ms)
		p->pos = (double)t - (double)p->idle_ms;
	while (p->pos < (double)t && !p->quit && !p->back && !replay_signal) {
		left = ((double)t - p->pos) / p->speed;
		timeout = p->paused ? -1 : left > 1000 ? 1000 : (int)left + 1;
		last = replay_now_ms();
		rc = poll(&pfd, p->keys ? 1 : 0, timeout);
		now = replay_now_ms();
		if (!p->paused)
			p->pos += (now - last) * p->speed;
		if (rc > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			replay_keys(p);
		if (rc == -1 && errno != EINTR)
			break;
	}
}

static void
replay_header(const struct cli_rec *rec, const struct rec_check *chk,
    const struct rec_header *h)
{
	char when[64], hms[32];
	time_t start = (time_t)(h->start_unix_ms / 1000);

	time_local(start, when, sizeof(when));
	rec_hms(chk->status == REC_CHECK_INTACT ? chk->sum.duration_ms :
	    chk->last_ms, hms, sizeof(hms));
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
replay_cat(struct cli_rec *rec, uint64_t from)
{
	struct rec_event_view ev;
	int rc;

	if (from > 0 && rec_reader_seek(rec->r, from) != JG_OK)
		return 0;
	while ((rc = rec_reader_next(rec->r, &ev)) == 1) {
		if ((ev.type != REC_OUT && ev.type != REC_ERR) || ev.t_ms < from)
			continue;
		if (fwrite(ev.data, 1, ev.len, stdout) != ev.len)
			return 1;
	}
	return 0;
}

/* Play from `from` to the end; 1 when stdout failed. */
static int
replay_play(struct player *p, uint64_t from)
{
	static const char clear[] = "\033[0m\033[H\033[2J";
	struct rec_event_view ev;
	uint64_t ff = from;	/* events before this play without delay */
	int seeked = 0;		/* at a segment start: keyframes count */
	char note[64];

	p->pos = (double)from;
	if (from > 0) {
		if (rec_reader_seek(p->rec->r, from) != JG_OK)
			return 0;
		seeked = 1;
	}
	for (;;) {
		if (p->quit || replay_signal)
			return 0;
		if (rec_reader_next(p->rec->r, &ev) != 1)
			return 0;	/* the end, or the first damage */
		if (ev.type == REC_KEYFRAME) {
			/* The screen at the segment start (maybe in parts). */
			if (seeked && replay_write(ev.data, ev.len) != JG_OK)
				return replay_signal ? 0 : 1;
			continue;
		}
		seeked = 0;
		if (ev.type != REC_OUT && ev.type != REC_ERR &&
		    ev.type != REC_RESIZE)
			continue;
		if (ev.t_ms >= ff)
			replay_wait(p, ev.t_ms);
		if (p->quit || replay_signal)
			return 0;
		if (p->back) {
			p->back = 0;
			if (p->out_tty && replay_write(clear, strlen(clear)))
				return replay_signal ? 0 : 1;
			if (rec_reader_seek(p->rec->r, p->back_to) != JG_OK)
				return 0;
			seeked = 1;
			ff = p->back_to;
			p->pos = (double)p->back_to;
			continue;
		}
		if ((double)ev.t_ms > p->pos)
			p->pos = (double)ev.t_ms;
		if (ev.type == REC_RESIZE) {
			if (ev.len == 8) {
				snprintf(note, sizeof(note), "%ux%u",
				    (unsigned)ev.data[0] << 24 |
				    (unsigned)ev.data[1] << 16 |
				    (unsigned)ev.data[2] << 8 | ev.data[3],
				    (unsigned)ev.data[4] << 24 |
				    (unsigned)ev.data[5] << 16 |
				    (unsigned)ev.data[6] << 8 | ev.data[7]);
				replay_title(p, note);
			}
			continue;
		}
		if (replay_write(ev.data, ev.len) != JG_OK)
			return replay_signal ? 0 : 1;
	}
}

int
cmd_replay(struct cli *c, int argc, char **argv)
{
	struct rec_vault v;
	struct cli_rec rec;
	struct rec_check chk;
	struct player p;
	const char *passfile = NULL, *val, *idarg = NULL;
	char err[JG_ERRLEN], hms[32];
	uint64_t from = 0;
	double speed = 1.0, idle = 0;
	long long id;
	int k, bad = 0, cat = 0, rc, ret = JG_EXIT_FAIL, live;

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
		} else if ((val = cli_opt(argc, argv, &k, "--from", &bad))) {
			if (rec_time_parse(val, &from) != JG_OK)
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
	if (cli_parse_id(idarg, &id) != JG_OK)
		return cli_usage_error(REPLAY_USAGE, "not a session id: '%s'",
		    idarg);
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;

	memset(&v, 0, sizeof(v));
	v.c = c;
	v.passphrase_file = passfile;
	rc = cli_rec_open(&v, id, &rec, &chk, err, sizeof(err));
	if (rc == JG_OK)
		cli_rec_check(&rec, &chk);
	if (rc == JG_ENOENT)
		cli_error("no such session: %lld", id);
	else if (rc == CLI_REC_NONE)
		cli_error("session %lld has no recording", id);
	else if (rc == JG_EAUTH)
		cli_error("%s", err);
	else if (rc != JG_OK && rc != JG_ECORRUPT)
		cli_error("session %lld: %s", id, err);
	if (rc != JG_OK && rc != JG_ECORRUPT)
		goto out;
	live = strcmp(rec.s.state, "live") == 0;
	if (chk.status == REC_CHECK_DAMAGED) {
		cli_error("session %lld: %s: refusing to play it", id,
		    chk.reason);
		goto out;
	}
	if (chk.status == REC_CHECK_TRUNCATED) {
		rec_hms(chk.last_ms, hms, sizeof(hms));
		if (live)
			fprintf(stderr, "jumpgate: warning: session %lld is "
			    "live: playing what is recorded so far (%s)\n",
			    id, hms);
		else
			fprintf(stderr, "jumpgate: warning: session %lld %s: "
			    "playing what is intact\n", id, chk.reason);
	}
	if (rc == JG_ECORRUPT) {	/* empty: nothing to play */
		ret = JG_EXIT_OK;
		goto out;
	}
	if (cli_rec_rewind(&rec, err, sizeof(err)) != JG_OK) {
		cli_error("session %lld: %s", id, err);
		goto out;
	}

	if (cat) {
		if (replay_cat(&rec, from) != 0) {
			cli_error("cannot write output: %s", strerror(errno));
			goto out;
		}
		ret = JG_EXIT_OK;
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.rec = &rec;
	p.speed = speed;
	p.idle_ms = (uint64_t)(idle * 1000);
	p.out_tty = isatty(STDOUT_FILENO);
	replay_header(&rec, &chk, rec_reader_header(rec.r));
	replay_signals();
	if (isatty(STDIN_FILENO))
		replay_term_raw(&p, rec_reader_header(rec.r)->cols > 0);
	rc = replay_play(&p, from);
	replay_term_restore(&p);
	if (p.out_tty)
		printf("\033[0m\033[?25h\r\n");
	if (rc != 0) {
		cli_error("cannot write output: %s", strerror(errno));
		goto out;
	}
	if (p.keys || p.out_tty) {
		rec_hms((uint64_t)p.pos, hms, sizeof(hms));
		printf("[replay of session %lld %s at %s]\n", id,
		    p.quit || replay_signal ? "stopped" : "ended", hms);
	}
	ret = replay_signal ? 128 + replay_signal : JG_EXIT_OK;
out:
	cli_rec_close(&rec);
	rec_vault_done(&v);
	return ret;
}
