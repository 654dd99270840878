/* watch.c: follow a live session's recording as its writer appends to it: its current screen first, then each event in its time. */

/*
 * A watcher starts at the newest segment of the file: its keyframe (the
 * screen when the segment began; the first segment starts on a blank
 * one) and what followed are shown at once, so the watcher sees the
 * screen as it is now. From there the reader follows the file
 * (rec_reader_follow) and each new event is shown at its original
 * distance from the one before: the first one anchors a lag (our clock
 * minus the event's time, at least REPLAY_WATCH_DELAY_MS since the writer
 * seals what it has once a second), and every later event is due at its
 * time plus that lag. A watcher whose
 * terminal cannot keep up falls behind; when an event is more than
 * REPLAY_WATCH_BEHIND_MS overdue we skip to the newest keyframe instead
 * of queueing: the file is the only buffer, so memory stays flat. Like
 * the player this does no I/O of its own besides reading the file: the
 * caller gives the time and how much output it can take, and says when
 * the daemon reports that the session ended (what is left is then shown
 * at once, up to the end mark). Nothing the watcher types
 * goes anywhere: q, ^C and ^D quit, every other key is dropped.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"

#define REPLAY_WATCH_POLL_MS 200	/* how often a quiet file is read */

struct replay_watch {
	struct rec_reader *r;
	struct replay_sink sink;
	int started;
	int catchup;			/* showing what was there: no waits */
	int seeked;			/* at a segment start: keyframes count */
	int lag_set;
	int64_t lag;			/* our clock minus the recording's */
	int have;			/* ev waits to be shown */
	struct rec_event_view ev;
	int ended;			/* the daemon says the session ended */
	int quit;
	uint64_t skips;
};

int
replay_watch_open(int fd, const unsigned char key[REC_KEYBYTES],
    uint64_t session_id, const struct replay_sink *sink,
    struct replay_watch **out, char *err, size_t errlen)
{
	struct replay_watch *w;
	struct rec_reader *r;
	int rc;

	*out = NULL;
	if ((rc = rec_reader_open(fd, key, session_id, &r, NULL, err,
	    errlen)) != JG_OK)
		return rc;
	rec_reader_follow(r, 1);
	w = xcalloc(1, sizeof(*w));
	w->r = r;
	w->sink = *sink;
	*out = w;
	return JG_OK;
}

const struct rec_header *
replay_watch_header(const struct replay_watch *w)
{
	return rec_reader_header(w->r);
}

const char *
replay_watch_error(const struct replay_watch *w)
{
	return rec_reader_error(w->r);
}

uint64_t
replay_watch_skips(const struct replay_watch *w)
{
	return w->skips;
}

/* The status line's text: who, where, since when (local time), the key. */
void
replay_watch_title(const struct replay_watch *w, char *out, size_t len)
{
	const struct rec_header *h = rec_reader_header(w->r);
	char when[64];

	time_local((time_t)(h->start_unix_ms / 1000), when, sizeof(when));
	snprintf(out, len, " watching session %llu  %s@%s as %s  since %s  "
	    "q quit", (unsigned long long)h->session_id, h->user, h->target,
	    h->login, when);
}

void
replay_watch_keys(struct replay_watch *w, const unsigned char *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (k[i] == 'q' || k[i] == 'Q' || k[i] == 0x03 || k[i] == 0x04)
			w->quit = 1;
}

/* The session ended: the file holds all it ever will. */
void
replay_watch_ended(struct replay_watch *w)
{
	w->ended = 1;
}

/* To the newest segment: a clean screen, its keyframe, what followed. */
static int
replay_watch_newest(struct replay_watch *w)
{
	static const char clear[] = "\033[0m\033[H\033[2J";
	int rc;

	if (w->sink.out(w->sink.arg, clear, sizeof(clear) - 1) != 0)
		return REPLAY_PLAY_ERROR;
	rc = rec_reader_seek(w->r, UINT64_MAX);
	if (rc == JG_ENOENT)		/* no segment yet: from the start */
		rc = rec_reader_rewind(w->r);
	if (rc != JG_OK)
		return REPLAY_PLAY_ERROR;
	w->seeked = 1;
	w->catchup = 1;
	w->lag_set = 0;
	w->have = 0;
	return REPLAY_PLAY_WAIT;
}

/* The next event worth showing: 1, or REPLAY_PLAY_* to return. */
static int
replay_watch_fetch(struct replay_watch *w, int *wait_ms)
{
	int rc;

	for (;;) {
		rc = rec_reader_next(w->r, &w->ev);
		if (rc == 0)
			return REPLAY_PLAY_END;		/* the end mark */
		if (rc == JG_EAGAIN) {
			w->catchup = 0;
			if (w->ended)
				return REPLAY_PLAY_END;	/* cut: no end mark */
			*wait_ms = REPLAY_WATCH_POLL_MS;
			return REPLAY_PLAY_WAIT;
		}
		if (rc < 0)
			return REPLAY_PLAY_ERROR;	/* damaged: say why */
		if (w->ev.type == REC_KEYFRAME) {
			if (w->seeked && w->sink.out(w->sink.arg, w->ev.data,
			    w->ev.len) != 0)
				return REPLAY_PLAY_ERROR;
			continue;
		}
		w->seeked = 0;
		if (w->ev.type == REC_OUT || w->ev.type == REC_ERR)
			return 1;
	}
}

/*
 * Show what is due at now_ms, at most budget bytes (but one event at
 * least). Returns an enum replay_play: WAIT with *wait_ms until the next
 * look, FULL when the budget is spent, END when the session ended and
 * everything was shown, QUIT, or ERROR (the output failed, or the file is
 * damaged: replay_watch_error says how).
 */
int
replay_watch_run(struct replay_watch *w, uint64_t now_ms, size_t budget,
    int *wait_ms)
{
	size_t spent = 0;
	int64_t due;
	int rc;

	*wait_ms = REPLAY_WATCH_POLL_MS;
	if (!w->started) {
		w->started = 1;
		if ((rc = replay_watch_newest(w)) != REPLAY_PLAY_WAIT)
			return rc;
	}
	for (;;) {
		if (w->quit)
			return REPLAY_PLAY_QUIT;
		if (!w->have) {
			if ((rc = replay_watch_fetch(w, wait_ms)) != 1)
				return rc;
			w->have = 1;
		}
		if (!w->catchup && !w->ended) {
			if (!w->lag_set) {
				w->lag = (int64_t)now_ms - (int64_t)w->ev.t_ms;
				if (w->lag < REPLAY_WATCH_DELAY_MS)
					w->lag = REPLAY_WATCH_DELAY_MS;
				w->lag_set = 1;
			}
			due = (int64_t)w->ev.t_ms + w->lag;
			if (due > (int64_t)now_ms) {
				*wait_ms = due - (int64_t)now_ms > 1000000 ?
				    1000000 : (int)(due - (int64_t)now_ms);
				return REPLAY_PLAY_WAIT;
			}
			if ((int64_t)now_ms - due > REPLAY_WATCH_BEHIND_MS) {
				/* Behind: skip to the screen as it is now. */
				w->skips++;
				if ((rc = replay_watch_newest(w)) !=
				    REPLAY_PLAY_WAIT)
					return rc;
				continue;
			}
		}
		if (spent > 0 && w->ev.len > budget - spent)
			return REPLAY_PLAY_FULL;
		if (w->sink.out(w->sink.arg, w->ev.data, w->ev.len) != 0)
			return REPLAY_PLAY_ERROR;
		spent += w->ev.len < budget - spent ? w->ev.len :
		    budget - spent;
		w->have = 0;
	}
}

void
replay_watch_free(struct replay_watch *w)
{
	if (w == NULL)
		return;
	rec_reader_free(w->r);
	free(w);
}
