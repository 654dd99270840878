/* command-play.c: an auditor replays a recording through the gateway, with the player of replay/. */

/*
 * The master checked the auditor role and handed us that one recording
 * (read-only) and a socket on which the keeper writes its key; we never
 * see another recording. replay/ checks the recording in full first: a
 * damaged one is refused with the reason, a truncated one plays after a
 * warning. The player is the host tool's (same keys, same notion of
 * intact), driven here by a libevent timer and by how much the client
 * takes: at most 256 KiB wait in the channel's queue, long idle gaps are
 * cut to two seconds.
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

/* Ask the master for session id's recording and its key; JG_OK or refused. */
static int
play_fetch(struct chan *c, long long id, int *fd, int *live,
    unsigned char *key, char *msg, size_t msglen)
{
	struct worker *w = c->w;
	struct w_replay rq;
	struct m_replay an;
	char err[JG_ERRLEN];
	int kfd = -1, rc;

	*fd = -1;
	rq.id = (uint64_t)id;
	rc = worker_call(w, w_replay_send(w->master, &rq, -1), MSG_M_REPLAY,
	    &an, sizeof(an), fd);
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

	if (id_parse(arg, &id) != JG_OK) {
		command_usage(c, "replay needs a session id");
		return;
	}
	sodium_mlock(key, sizeof(key));
	rc = play_fetch(c, id, &fd, &live, key, msg, sizeof(msg));
	pp = xcalloc(1, sizeof(*pp));
	pp->id = id;
	pp->fd = fd;
	c->play = pp;
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

/* Keys in, what is due out, as long as the client keeps up. */
void
command_play(struct chan *c)
{
	struct chan_play *pp = c->play;
	struct replay_check chk;
	struct timeval tv;
	char line[96];
	int rc, wait;

	if (buf_len(c->to_up) > 0) {
		replay_player_keys(pp->pl, buf_ptr(c->to_up),
		    buf_len(c->to_up));
		buf_reset(c->to_up);
	}
	if (buf_len(c->to_down) >= PLAY_QUEUE_MAX)
		return;		/* the pump calls again as it drains */
	rc = replay_player_run(pp->pl, clock_ms(), PLAY_QUEUE_MAX -
	    buf_len(c->to_down), &wait);
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
	if (pp->fd != -1)
		close(pp->fd);
	free(pp);
	c->play = NULL;
}
