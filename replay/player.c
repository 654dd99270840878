/* player.c: playback of a recording with its original timing: keys, speed, pauses, seeks; one player for the host tool and the gateway. */

/*
 * The player is a state machine with no I/O of its own: the caller says
 * what time it is and how much output it can take, the player hands due
 * output to the caller's sink and answers how long to wait for the next
 * event. So the host tool drives it from poll(2) on the terminal and the
 * gateway from a libevent timer, and both have the same keys: space
 * pauses, + and - double and halve the speed, the right arrow skips 10 s
 * (the skipped output plays at once), the left arrow goes back 10 s (a
 * seek to the segment that holds the time: its keyframe redraws the
 * screen, else the screen is cleared, and the player fast-forwards from
 * there), q or ^C quits. In sequential playback keyframes are skipped:
 * the screen is already right.
 */

#include <stdlib.h>
#include <string.h>

#include "replay.h"

struct replay_player {
	struct replay *rp;
	struct replay_sink sink;
	double speed;
	uint64_t from;
	uint64_t idle_ms;
	int clear;
	int started;
	double pos;			/* where the playback is, recording ms */
	uint64_t last_now;		/* the caller's clock at the last run */
	int paused;
	int quit;
	int back;			/* a seek back is asked for ... */
	uint64_t back_to;		/* ... to this time */
	uint64_t ff;			/* events before this show at once */
	int seeked;			/* at a segment start: keyframes count */
	int have;			/* ev is due to be shown */
	struct rec_event_view ev;
	unsigned char kbuf[8];		/* a key sequence read in parts */
	size_t klen;
};

struct replay_player *
replay_player_new(struct replay *rp, const struct replay_player_opts *o,
    const struct replay_sink *sink)
{
	struct replay_player *p = xcalloc(1, sizeof(*p));

	p->rp = rp;
	p->sink = *sink;
	p->speed = o->speed >= REPLAY_SPEED_MIN && o->speed <=
	    REPLAY_SPEED_MAX ? o->speed : 1.0;
	p->from = o->from_ms;
	p->idle_ms = o->idle_ms;
	p->clear = o->clear;
	return p;
}

void
replay_player_free(struct replay_player *p)
{
	free(p);
}

uint64_t
replay_player_pos(const struct replay_player *p)
{
	return (uint64_t)p->pos;
}

double
replay_player_rate(const struct replay_player *p)
{
	return p->speed;
}

int
replay_player_paused(const struct replay_player *p)
{
	return p->paused;
}

static void
replay_player_note(struct replay_player *p, const char *text)
{
	if (p->sink.note != NULL)
		p->sink.note(p->sink.arg, text);
}

static void
replay_player_speed(struct replay_player *p, double factor)
{
	char t[64];

	if (p->speed * factor >= REPLAY_SPEED_MIN &&
	    p->speed * factor <= REPLAY_SPEED_MAX)
		p->speed *= factor;
	snprintf(t, sizeof(t), "speed x%g", p->speed);
	replay_player_note(p, t);
}

/* ESC [ C / ESC O C right, ESC [ D / ESC O D left, in parts if need be. */
static void
replay_player_escape(struct replay_player *p, unsigned char b)
{
	p->kbuf[p->klen++] = b;
	if (p->klen == 2 && p->kbuf[1] != '[' && p->kbuf[1] != 'O') {
		p->klen = 0;
		return;
	}
	if (p->klen < 3)
		return;
	if (p->kbuf[2] == 'C')
		p->pos += REPLAY_SKIP_MS;
	else if (p->kbuf[2] == 'D') {
		p->back = 1;
		p->back_to = p->pos > REPLAY_SKIP_MS ?
		    (uint64_t)(p->pos - REPLAY_SKIP_MS) : 0;
	}
	p->klen = 0;
}

void
replay_player_keys(struct replay_player *p, const unsigned char *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p->klen > 0 || k[i] == 0x1b) {
			replay_player_escape(p, k[i]);
			continue;
		}
		switch (k[i]) {
		case ' ':
			p->paused = !p->paused;
			replay_player_note(p, p->paused ? "paused" :
			    "playing");
			break;
		case '+':
		case '=':
			replay_player_speed(p, 2);
			break;
		case '-':
		case '_':
			replay_player_speed(p, 0.5);
			break;
		case 'q':
		case 'Q':
		case 0x03:		/* ^C on a terminal in raw mode */
		case 0x04:
			p->quit = 1;
			break;
		}
	}
}

/* The next event worth a look, keyframes shown only right after a seek. */
static int
replay_player_fetch(struct replay_player *p)
{
	for (;;) {
		if (replay_next(p->rp, &p->ev) != 1)
			return 0;
		if (p->ev.type == REC_KEYFRAME) {
			if (p->seeked && p->sink.out(p->sink.arg, p->ev.data,
			    p->ev.len) != 0)
				return -1;
			continue;
		}
		p->seeked = 0;
		if (p->ev.type == REC_OUT || p->ev.type == REC_ERR ||
		    p->ev.type == REC_RESIZE)
			return 1;
	}
}

static int
replay_player_seek(struct replay_player *p, uint64_t to)
{
	static const char clear[] = "\033[0m\033[H\033[2J";

	if (p->clear && p->sink.out(p->sink.arg, clear, strlen(clear)) != 0)
		return REPLAY_PLAY_ERROR;
	if (to > 0 && replay_seek(p->rp, to) != JG_OK)
		return REPLAY_PLAY_END;
	if (to == 0 && replay_rewind(p->rp) != JG_OK)
		return REPLAY_PLAY_END;
	p->seeked = 1;
	p->ff = to;
	p->pos = (double)to;
	p->have = 0;
	return REPLAY_PLAY_WAIT;
}

/*
 * Show what is due at now_ms (the caller's monotonic clock), at most
 * budget bytes of it (but always one event, so playback moves). Returns
 * an enum replay_play; with REPLAY_PLAY_WAIT, *wait_ms is how long until
 * the next event is due, or -1 while paused.
 */
int
replay_player_run(struct replay_player *p, uint64_t now_ms, size_t budget,
    int *wait_ms)
{
	unsigned cols, rows;
	double left;
	size_t spent = 0;
	char t[32];
	int rc;

	*wait_ms = -1;
	if (!p->started) {
		p->started = 1;
		p->last_now = now_ms;
		p->pos = (double)p->from;
		p->ff = p->from;
		if (p->from > 0) {
			if (replay_seek(p->rp, p->from) != JG_OK)
				return REPLAY_PLAY_END;
			p->seeked = 1;
		}
	}
	if (!p->paused && now_ms > p->last_now)
		p->pos += (double)(now_ms - p->last_now) * p->speed;
	p->last_now = now_ms;
	for (;;) {
		if (p->quit)
			return REPLAY_PLAY_QUIT;
		if (p->back) {
			p->back = 0;
			if ((rc = replay_player_seek(p, p->back_to)) !=
			    REPLAY_PLAY_WAIT)
				return rc;
			continue;
		}
		if (!p->have) {
			if ((rc = replay_player_fetch(p)) <= 0)
				return rc < 0 ? REPLAY_PLAY_ERROR :
				    REPLAY_PLAY_END;
			p->have = 1;
		}
		if (p->ev.t_ms >= p->ff) {
			if (p->idle_ms > 0 && (double)p->ev.t_ms - p->pos >
			    (double)p->idle_ms)
				p->pos = (double)p->ev.t_ms - (double)p->idle_ms;
			if ((double)p->ev.t_ms > p->pos) {
				left = ((double)p->ev.t_ms - p->pos) / p->speed;
				*wait_ms = p->paused ? -1 : left > 1e9 ?
				    1000000000 : (int)left + 1;
				return REPLAY_PLAY_WAIT;
			}
		}
		if ((double)p->ev.t_ms > p->pos)
			p->pos = (double)p->ev.t_ms;
		if (p->ev.type == REC_RESIZE) {
			if (replay_resize_parse(&p->ev, &cols, &rows) ==
			    JG_OK) {
				snprintf(t, sizeof(t), "%ux%u", cols, rows);
				replay_player_note(p, t);
			}
			p->have = 0;
			continue;
		}
		if (spent > 0 && p->ev.len > budget - spent)
			return REPLAY_PLAY_FULL;
		if (p->sink.out(p->sink.arg, p->ev.data, p->ev.len) != 0)
			return REPLAY_PLAY_ERROR;
		spent += p->ev.len < budget ? p->ev.len : budget;
		p->have = 0;
	}
}
