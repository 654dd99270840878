/* command-play.c: an auditor replays a recording, or watches a live session, through the gateway, with replay/. */

/*
 * The master checked the auditor role and handed us that one recording
 * (read-only) and a socket on which the keeper writes its key; we never
 * see another recording. replay/ checks the recording in full first: a
 * damaged one is refused with the reason, a truncated one plays after a
 * warning. The player is the host tool's (same keys, same notion of
 * intact), driven here by a libevent timer and by how much the client
 * takes: at most 256 KiB wait in the channel's queue, long idle gaps are
 * cut to two seconds. `watch ID` is the same with replay/watch.c's
 * follower on a live session's file: the master sends M_WATCH_END when
 * that session ends, and a watcher whose client cannot keep up skips
 * ahead inside the file instead of queueing more here.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "worker.h"
#include "replay.h"

#define PLAY_QUEUE_MAX (256 * 1024)
#define PLAY_IDLE_MS 2000
#define PLAY_FULL_RETRY_MS 50

struct chan_play {
	long long id;
	int fd;				/* the recording, read-only */
	struct replay *rp;
	struct replay_player *pl;
	struct replay_watch *live;	/* watch: instead of rp and pl */
	char status[200];		/* watch: the bottom line's text */
	uint64_t status_at;
	struct event *timer;
};

static int
play_out(void *arg, const void *p, size_t n)
{
	struct chan *c = arg;

	return buf_put(c->to_down, p, n) == JG_OK ? 0 : -1;
}

/* The player's notes (paused, speed) in the terminal's title. */
static void
play_note(void *arg, const char *what)
{
	struct chan *c = arg;
	char t[160];

	if (!c->has_pty)
		return;
	snprintf(t, sizeof(t), "\033]2;jumpgate replay %lld: %s\007",
	    c->play->id, what);
	buf_put(c->to_down, t, strlen(t));
}

static void
play_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct chan *c = arg;

	(void)fd;
	(void)ev;
	worker_poll(c->w);
}

/*
 * Ask the master for session id's recording and its key (watch: a live
 * session, to follow); JG_OK or refused.
 */
static int
play_fetch(struct chan *c, long long id, int watch, int *fd, int *live,
    unsigned char *key, char *msg, size_t msglen)
{
	struct worker *w = c->w;
	struct w_replay rq;
	struct w_watch wq;
	struct m_replay an;
	char err[JG_ERRLEN];
	int kfd = -1, rc;

	*fd = -1;
	rq.id = wq.id = (uint64_t)id;
	rc = worker_call(w, watch ? w_watch_send(w->master, &wq, -1) :
	    w_replay_send(w->master, &rq, -1), MSG_M_REPLAY, &an, sizeof(an),
	    fd);
	if (rc == JG_OK && (an.id != rq.id || (an.ok && *fd == -1)))
		rc = JG_EINVAL;
	if (rc == JG_OK && an.ok)
		rc = worker_wait(w, MSG_M_REPLAY_KEY, NULL, 0, &kfd);
	if (rc != JG_OK || !an.ok) {
		snprintf(msg, msglen, "%s", rc != JG_OK || an.message[0] ==
		    '\0' ? "cannot replay right now" : an.message);
		if (kfd != -1)
			close(kfd);
		return JG_ERR;
	}
	*live = an.live != 0;
	rc = agent_reckey_read(kfd, WORKER_MSG_TIMEOUT_MS, key, err,
	    sizeof(err));
	close(kfd);
	if (rc != JG_OK) {
		snprintf(msg, msglen, "session %lld: %s", id, err);
		return JG_ERR;
	}
	return JG_OK;
}

/*
 * replay ID / watch ID begin alike: the id parsed, the recording and its
 * key fetched (key locked in memory: the caller unlocks it, which wipes
 * it), the channel's chan_play made. NULL on a bad id (already said),
 * else the chan_play with *rc JG_OK or msg saying why not.
 */
static struct chan_play *
play_begin(struct chan *c, const char *arg, int watch,
    unsigned char key[REC_KEYBYTES], int *live, int *rc, char *msg,
    size_t msglen)
{
	struct chan_play *pp;
	long long id;
	int fd;

	if (id_parse(arg, &id) != JG_OK) {
		command_usage(c, watch ? "watch needs a session id" :
		    "replay needs a session id");
		return NULL;
	}
	sodium_mlock(key, REC_KEYBYTES);
	*rc = play_fetch(c, id, watch, &fd, live, key, msg, msglen);
	pp = xcalloc(1, sizeof(*pp));
	pp->id = id;
	pp->fd = fd;
	c->play = pp;
	return pp;
}

/* replay ID: check the recording, say what it is, start playing. */
void
command_replay(struct chan *c, const char *arg)
{
	struct replay_player_opts o;
	struct replay_sink sink;
	struct replay_check chk;
	struct chan_play *pp;
	unsigned char key[REC_KEYBYTES];
	const struct rec_header *h;
	char msg[400];
	long long id;
	int fd, live = 0, rc;

	if ((pp = play_begin(c, arg, 0, key, &live, &rc, msg, sizeof(msg))) ==
	    NULL)
		return;
	id = pp->id;
	fd = pp->fd;
	if (rc == JG_OK && replay_open(fd, key, (uint64_t)id, REPLAY_VERIFY |
	    (live ? REPLAY_LIVE_SESSION : 0), &pp->rp, &chk) == JG_OK &&
	    chk.status != REPLAY_DAMAGED)
		rc = JG_OK;
	else if (rc == JG_OK) {
		snprintf(msg, sizeof(msg), "session %lld: %s: refusing to play "
		    "it", id, chk.reason);
		rc = JG_ERR;
	}
	sodium_munlock(key, sizeof(key));	/* wipes it too */
	if (rc != JG_OK) {
		chan_notice(c, msg);
		command_end(c, 1);
		return;
	}
	h = replay_header(pp->rp);
	snprintf(msg, sizeof(msg), "session %lld: %s on %s as %s, %s%s%s "
	    "(q to quit)%s%s\n", id, h->user, h->target, h->login, h->kind,
	    h->command[0] ? " " : "", h->command,
	    chk.status == REPLAY_INTACT ? "" : "; warning: ",
	    chk.status == REPLAY_INTACT ? "" : chk.status == REPLAY_LIVE ?
	    "live, playing what is recorded so far" :
	    "truncated, playing what is intact");
	command_out_tty(c, msg);
	memset(&o, 0, sizeof(o));
	o.speed = 1.0;
	o.idle_ms = PLAY_IDLE_MS;
	o.clear = c->has_pty;
	sink.out = play_out;
	sink.note = play_note;
	sink.arg = c;
	pp->pl = replay_player_new(pp->rp, &o, &sink);
	pp->timer = evtimer_new(c->w->base, play_timer, c);
	c->state = CH_PLAY;
	command_play(c);
}

/* The watcher's terminal rows (from its pty request), 0: none. */
static unsigned
play_rows(const struct chan *c)
{
	size_t i;

	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].kind == REQ_PTY && c->reqs[i].rows >= 3 &&
		    c->reqs[i].cols >= 20)
			return (unsigned)c->reqs[i].rows;
	return 0;
}

/* The status line on the watcher's last row, at most once a second. */
static void
play_status(struct chan *c, int now)
{
	struct chan_play *pp = c->play;
	char line[512];
	unsigned rows, cols = 80;
	size_t i, n;

	if ((rows = play_rows(c)) == 0 || (!now && clock_ms() -
	    pp->status_at < 1000))
		return;
	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].kind == REQ_PTY)
			cols = (unsigned)c->reqs[i].cols;
	n = replay_status_bar(line, sizeof(line), rows, cols, pp->status);
	if (buf_put(c->to_down, line, n) != JG_OK)
		return;		/* no room now: drawn again next second */
	pp->status_at = clock_ms();
}

/* watch ID: follow a live session from its current screen (auditors). */
void
command_watch_live(struct chan *c, const char *arg)
{
	struct replay_sink sink;
	struct chan_play *pp;
	unsigned char key[REC_KEYBYTES];
	char msg[400];
	long long id;
	int fd, live = 0, rc, n;
	unsigned rows;

	if ((pp = play_begin(c, arg, 1, key, &live, &rc, msg, sizeof(msg))) ==
	    NULL)
		return;
	id = pp->id;
	fd = pp->fd;
	sink.out = play_out;
	sink.note = NULL;
	sink.arg = c;
	if (rc == JG_OK && replay_watch_open(fd, key, (uint64_t)id, &sink,
	    &pp->live, msg, sizeof(msg)) != JG_OK) {
		rc = JG_ERR;
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		    ": cannot watch session %lld", id);
	}
	sodium_munlock(key, sizeof(key));	/* wipes it too */
	if (rc != JG_OK) {
		chan_notice(c, msg);
		command_end(c, 1);
		return;
	}
	replay_watch_title(pp->live, pp->status, sizeof(pp->status));
	if ((rows = play_rows(c)) != 0) {
		/* The session scrolls above the status line. */
		n = snprintf(msg, sizeof(msg), "\n\033[A\0337\033[1;%ur"
		    "\0338", rows - 1);
		buf_put(c->to_down, msg, (size_t)n);
	}
	pp->timer = evtimer_new(c->w->base, play_timer, c);
	c->state = CH_PLAY;
	command_play(c);
}

/* The master says session id ended: its watchers show the rest, then stop. */
void
command_play_ended(struct worker *w, long long id)
{
	struct chan *c;

	for (c = w->chans; c != NULL; c = c->next)
		if (c->play != NULL && c->play->live != NULL &&
		    c->play->id == id) {
			replay_watch_ended(c->play->live);
			w->pump_soon = 1;
		}
}

/* Run the player or the watcher: an enum replay_play, *wait in ms. */
static int
play_run(struct chan *c, int *wait)
{
	struct chan_play *pp = c->play;
	int rc;

	if (pp->live == NULL)
		return replay_player_run(pp->pl, clock_ms(), PLAY_QUEUE_MAX -
		    buf_len(c->to_down), wait);
	rc = replay_watch_run(pp->live, clock_ms(), PLAY_QUEUE_MAX -
	    buf_len(c->to_down), wait);
	play_status(c, 0);
	if (rc == REPLAY_PLAY_WAIT && play_rows(c) != 0 && *wait > 1000)
		*wait = 1000;		/* the status line's clock */
	return rc;
}

/* How a watch ended, the scroll region given back. */
static void
play_live_end(struct chan *c, int rc)
{
	struct chan_play *pp = c->play;
	const char *why;
	char line[400];
	unsigned rows;
	int n;

	if ((rows = play_rows(c)) != 0) {
		n = snprintf(line, sizeof(line), "\0337\033[r\033[%u;1H"
		    "\033[0m\033[2K\0338", rows);
		buf_put(c->to_down, line, (size_t)n);
	}
	why = replay_watch_error(pp->live);
	if (rc == REPLAY_PLAY_END)
		snprintf(line, sizeof(line), "\r\n[session %lld ended]\r\n",
		    pp->id);
	else if (rc == REPLAY_PLAY_ERROR && why[0] != '\0')
		snprintf(line, sizeof(line), "\r\n[session %lld: %s]\r\n",
		    pp->id, why);
	else
		snprintf(line, sizeof(line), "\r\n[stopped watching session "
		    "%lld]\r\n", pp->id);
	buf_put(c->to_down, line, strlen(line));
}

/* Keys in, what is due out, as long as the client keeps up. */
void
command_play(struct chan *c)
{
	struct chan_play *pp = c->play;
	struct replay_check chk;
	struct timeval tv;
	char line[96];
	int rc, wait;

	/* A watcher's keys are only ever ours: q quits, the rest is dropped. */
	if (buf_len(c->to_up) > 0) {
		if (pp->live != NULL)
			replay_watch_keys(pp->live, buf_ptr(c->to_up),
			    buf_len(c->to_up));
		else
			replay_player_keys(pp->pl, buf_ptr(c->to_up),
			    buf_len(c->to_up));
		buf_reset(c->to_up);
	}
	if (buf_len(c->to_down) >= PLAY_QUEUE_MAX)
		return;		/* the pump calls again as it drains */
	rc = play_run(c, &wait);
	if (pp->live != NULL && rc != REPLAY_PLAY_WAIT &&
	    rc != REPLAY_PLAY_FULL) {
		play_live_end(c, rc);
		command_end(c, rc == REPLAY_PLAY_ERROR ? 1 : 0);
		return;
	}
	switch (rc) {
	case REPLAY_PLAY_WAIT:
	case REPLAY_PLAY_FULL:
		if (rc == REPLAY_PLAY_FULL)
			wait = PLAY_FULL_RETRY_MS;
		if (wait >= 0) {
			tv.tv_sec = wait / 1000;
			tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
			evtimer_add(pp->timer, &tv);
		} else
			evtimer_del(pp->timer);
		return;
	case REPLAY_PLAY_END:
		replay_status(pp->rp, &chk);
		snprintf(line, sizeof(line), "\n[end of the recording%s]\n",
		    chk.status == REPLAY_INTACT ? "" : ": truncated");
		command_out_tty(c, line);
		command_end(c, 0);
		return;
	case REPLAY_PLAY_QUIT:
		command_out_tty(c, "\n");
		command_end(c, 0);
		return;
	default:
		command_end(c, 1);
		return;
	}
}

void
command_play_free(struct chan *c)
{
	struct chan_play *pp = c->play;

	if (pp == NULL)
		return;
	if (pp->timer != NULL)
		event_free(pp->timer);
	replay_player_free(pp->pl);
	replay_close(pp->rp);
	replay_watch_free(pp->live);
	if (pp->fd != -1)
		close(pp->fd);
	free(pp);
	c->play = NULL;
}
