/* replay.c: one recording opened for reading, with the one meaning of "intact" that every caller shares. */

/*
 * A recording is intact when its clean end mark authenticates and counts
 * exactly the events read before it; the file simply stopping is truncated
 * (or, for a session still running, live: its writer has not got further);
 * anything else is damaged. That judgement is made here and only here,
 * from the reader's status codes, never from the words of a message: the
 * host tool's replay, export, verify and search and the gateway's player
 * all call replay_open and replay_status. A full check (REPLAY_VERIFY)
 * reads every event once (a large file in two halves at once) and
 * rewinds, so a player shows nothing of a recording that turns out to be
 * damaged further on.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define REPLAY_SPLIT_MIN (16 * 1024 * 1024)	/* smaller: one thread */

struct replay {
	struct rec_reader *r;
	int live;			/* the session's row says it runs */
	int counted;			/* this pass began at the first event */
	int ended;			/* this pass reached the end mark */
	uint64_t events;
	uint64_t last_ms;
	char term[64];
};

static const char *const replay_names[] = {
	[REPLAY_INTACT] = "intact",
	[REPLAY_LIVE] = "live",
	[REPLAY_TRUNCATED] = "truncated",
	[REPLAY_DAMAGED] = "damaged",
};

const char *
replay_status_name(int status)
{
	if (status < 0 || (size_t)status >= sizeof(replay_names) /
	    sizeof(replay_names[0]))
		return "?";
	return replay_names[status];
}

/* The file stopped: a running session's writer is simply not further on. */
static void
replay_cut(struct replay_check *chk, int live, const char *why)
{
	chk->status = live ? REPLAY_LIVE : REPLAY_TRUNCATED;
	if (live)
		snprintf(chk->reason, sizeof(chk->reason), "live: recording in "
		    "progress");
	else
		snprintf(chk->reason, sizeof(chk->reason), "%s", why);
}

/*
 * Open the recording in fd (from its start) for session_id; live says the
 * session's row is still live. With REPLAY_VERIFY every event is read and
 * checked first, then the reader is back at the start. Returns JG_OK with
 * *out set and chk filled (its status may still be TRUNCATED, LIVE or
 * DAMAGED: the caller decides what it plays), or JG_ECORRUPT with *out
 * NULL when not even the header could be read (chk says why). The caller
 * keeps fd; replay_close does not close it.
 */
int
replay_open(int fd, const unsigned char key[REC_KEYBYTES],
    uint64_t session_id, int flags, struct replay **out,
    struct replay_check *chk)
{
	return replay_open_seek(fd, key, session_id, flags, 0, out, chk);
}

/*
 * replay_open for a caller that will seek to seek_ms first (replay
 * --from): the check finds that segment as it reads (rec_reader_hint).
 */
int
replay_open_seek(int fd, const unsigned char key[REC_KEYBYTES],
    uint64_t session_id, int flags, uint64_t seek_ms, struct replay **out,
    struct replay_check *chk)
{
	struct replay *rp;
	char err[256], t[32];
	int st;

	*out = NULL;
	memset(chk, 0, sizeof(*chk));
	rp = xcalloc(1, sizeof(*rp));
	rp->live = (flags & REPLAY_LIVE_SESSION) != 0;
	rp->counted = 1;
	if (rec_reader_open(fd, key, session_id, &rp->r, &st, err,
	    sizeof(err)) != JG_OK) {
		if (st == REC_READ_EMPTY) {
			replay_hms(0, t, sizeof(t));
			snprintf(err, sizeof(err), "truncated after %s (no end "
			    "mark)", t);
			replay_cut(chk, rp->live, err);
		} else {
			chk->status = REPLAY_DAMAGED;
			snprintf(chk->reason, sizeof(chk->reason), "%s", err);
		}
		free(rp);
		return JG_ECORRUPT;
	}
	*out = rp;
	if (seek_ms > 0)
		rec_reader_hint(rp->r, seek_ms);
	if (flags & REPLAY_VERIFY)
		return replay_verify(rp, chk);
	return JG_OK;
}

/* An intact end mark must count the events read: else damaged. */
static void
replay_count(struct replay_check *chk, uint64_t events)
{
	if (chk->sum.events == events)
		return;
	chk->status = REPLAY_DAMAGED;
	snprintf(chk->reason, sizeof(chk->reason), "the end mark counts %llu "
	    "events, the file holds %llu", (unsigned long long)chk->sum.events,
	    (unsigned long long)events);
}

/* The second half's pass, on its own thread (see replay_verify). */
static void *
replay_verify_half(void *arg)
{
	struct replay *half = arg;
	struct rec_event_view ev;

	while (replay_next(half, &ev) == 1)
		;
	return NULL;
}

/*
 * Judge a file read in two halves at once: the first half's damage comes
 * first in the file, so it is the one named; else the second half's
 * verdict, with the events of both counted against the end mark.
 */
static void
replay_verify_join(struct replay *rp, struct replay *half,
    struct replay_check *chk)
{
	uint64_t events = rp->events + half->events;

	if (rec_reader_status(rp->r) != REC_READ_OK) {
		replay_status(rp, chk);
		return;
	}
	replay_status(half, chk);
	chk->events = events;
	if (half->events == 0)
		chk->last_ms = rp->last_ms;
	if (rp->term[0] != '\0')
		snprintf(chk->term, sizeof(chk->term), "%s", rp->term);
	rec_reader_hint_join(rp->r, half->r);
	if (!rec_reader_joins(rp->r, half->r)) {
		chk->status = REPLAY_DAMAGED;
		snprintf(chk->reason, sizeof(chk->reason), "the file changed "
		    "while it was read");
	} else if (chk->status == REPLAY_INTACT)
		replay_count(chk, events);
}

/*
 * Read every event from the start, judge, and rewind. A file of
 * REPLAY_SPLIT_MIN or more is read in two halves at once, the second on a
 * thread of its own with its own reader: a player refuses a damaged
 * recording, so it checks the whole file before it seeks, and on two
 * cores that takes half the time (bench/RESULTS.md: seek). The segments
 * chain each to the one before, so the halves make one check
 * (rec_reader_joins).
 */
int
replay_verify(struct replay *rp, struct replay_check *chk)
{
	return replay_verify_split(rp, chk, REPLAY_SPLIT_MIN);
}

/* replay_verify, cutting a file in two from split_min bytes (the fuzzer: 0). */
int
replay_verify_split(struct replay *rp, struct replay_check *chk,
    off_t split_min)
{
	struct rec_event_view ev;
	struct replay half;
	pthread_t th;
	int rc, threaded = 0;

	memset(&half, 0, sizeof(half));
	if (replay_rewind(rp) != JG_OK) {
		memset(chk, 0, sizeof(*chk));
		chk->status = REPLAY_DAMAGED;
		snprintf(chk->reason, sizeof(chk->reason), "the recording "
		    "cannot be read again");
		return JG_ERR;
	}
	if (!rp->live && rec_reader_split(rp->r, split_min, &half.r) ==
	    JG_OK && half.r != NULL) {
		threaded = pthread_create(&th, NULL, replay_verify_half,
		    &half) == 0;
		if (!threaded)		/* no thread: one after the other */
			replay_verify_half(&half);
	}
	while ((rc = replay_next(rp, &ev)) == 1)
		;
	if (threaded)
		pthread_join(th, NULL);
	if (half.r != NULL) {
		replay_verify_join(rp, &half, chk);
		rec_reader_free(half.r);
	} else
		replay_status(rp, chk);
	return replay_rewind(rp);
}

const struct rec_header *
replay_header(const struct replay *rp)
{
	return rec_reader_header(rp->r);
}

/* A request that names the terminal: "pty-req TERM ..." or "pty TERM ...". */
static void
replay_term(struct replay *rp, const struct rec_event_view *ev)
{
	const char *p = (const char *)ev->data;
	size_t skip, n;

	if (ev->len > 8 && memcmp(p, "pty-req ", 8) == 0)
		skip = 8;
	else if (ev->len > 4 && memcmp(p, "pty ", 4) == 0)
		skip = 4;
	else
		return;
	for (n = 0; skip + n < ev->len && n + 1 < sizeof(rp->term); n++) {
		unsigned char ch = ev->data[skip + n];

		if (ch == ' ' || ch < 0x21 || ch > 0x7e)
			break;
	}
	memcpy(rp->term, p + skip, n);
	rp->term[n] = '\0';
}

/*
 * The next intact event: 1, or 0 at the end of what is intact (the end
 * mark, the cut or the first damage: replay_status says which).
 */
int
replay_next(struct replay *rp, struct rec_event_view *ev)
{
	int rc;

	if (rp->ended)
		return 0;
	rc = rec_reader_next(rp->r, ev);
	if (rc != 1) {
		rp->ended = 1;
		return 0;
	}
	rp->events++;
	rp->last_ms = ev->t_ms;
	if (ev->type == REC_REQUEST && rp->term[0] == '\0')
		replay_term(rp, ev);
	return 1;
}

/* What the pass so far found; JG_EBUSY while it has not reached the end. */
int
replay_status(const struct replay *rp, struct replay_check *chk)
{
	memset(chk, 0, sizeof(*chk));
	chk->events = rp->events;
	chk->last_ms = rp->last_ms;
	snprintf(chk->term, sizeof(chk->term), "%s", rp->term);
	switch (rec_reader_status(rp->r)) {
	case REC_READ_OK:
		if (!rp->ended)
			return JG_EBUSY;
		rec_reader_summary(rp->r, &chk->sum);
		chk->status = REPLAY_INTACT;
		if (rp->counted)
			replay_count(chk, rp->events);
		break;
	case REC_READ_TRUNCATED:
	case REC_READ_EMPTY:
		replay_cut(chk, rp->live, rec_reader_error(rp->r));
		break;
	default:
		chk->status = REPLAY_DAMAGED;
		snprintf(chk->reason, sizeof(chk->reason), "%s",
		    rec_reader_error(rp->r)[0] != '\0' ?
		    rec_reader_error(rp->r) : "unreadable");
		break;
	}
	return JG_OK;
}

/* To the segment that holds t_ms; event counts no longer add up after. */
int
replay_seek(struct replay *rp, uint64_t t_ms)
{
	int rc = rec_reader_seek(rp->r, t_ms);

	if (rc == JG_OK) {
		rp->counted = 0;
		rp->ended = 0;
	}
	return rc;
}

int
replay_rewind(struct replay *rp)
{
	if (rec_reader_rewind(rp->r) != JG_OK)
		return JG_ERR;
	rp->counted = 1;
	rp->ended = 0;
	rp->events = 0;
	rp->last_ms = 0;
	return JG_OK;
}

void
replay_close(struct replay *rp)
{
	if (rp == NULL)
		return;
	rec_reader_free(rp->r);
	free(rp);
}

/* A RESIZE event's "u32 cols, u32 rows"; JG_EINVAL when it is not that. */
int
replay_resize_parse(const struct rec_event_view *ev, unsigned *cols,
    unsigned *rows)
{
	const unsigned char *d = ev->data;

	if (ev->type != REC_RESIZE || ev->len != 8)
		return JG_EINVAL;
	*cols = (unsigned)d[0] << 24 | (unsigned)d[1] << 16 |
	    (unsigned)d[2] << 8 | d[3];
	*rows = (unsigned)d[4] << 24 | (unsigned)d[5] << 16 |
	    (unsigned)d[6] << 8 | d[7];
	return JG_OK;
}
