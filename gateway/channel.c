/* channel.c: one session channel bridged to the target: requests replayed, data pumped with backpressure. */

/*
 * libssh callbacks only record: a request is accepted at once and kept in
 * the channel's list (a reply cannot wait for the upstream), data is
 * copied into a bounded queue and the callback returns how much it took,
 * so what does not fit stays inside libssh, unacknowledged, and the
 * sender's window does not grow: real backpressure. chan_pump() then runs
 * outside every callback: it opens the upstream channel, replays the
 * requests, writes queued data in pieces no larger than the receiver's
 * window, pulls leftovers out of libssh only when all of them fit, and
 * ends the channel in the order the OpenSSH client needs: exit-status,
 * EOF, CLOSE.
 */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"


static void chan_free(struct chan *);

static int
chan_space(const struct buf *q, size_t max)
{
	return (int)(max - buf_len(q));
}

/* Take what fits; libssh keeps the rest and the window stays shut. */
static int
chan_take(struct chan *c, struct buf *q, size_t max, const void *data,
    uint32_t len)
{
	size_t n = len;
	int space = chan_space(q, max);

	if (space <= 0)
		return 0;
	if (n > (size_t)space)
		n = (size_t)space;
	if (buf_put(q, data, n) != JG_OK)
		return 0;
	c->w->last_data = clock_sec();
	return (int)n;
}

static int
chan_down_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct chan *c = arg;
	int n;

	(void)s;
	(void)ch;
	(void)is_stderr;
	c->held_calls[0]++;
	c->down_held = 0;
	if (c->state >= CH_FINISH)
		return (int)len;	/* ending: input goes nowhere */
	n = chan_take(c, c->to_up, c->state == CH_GATHER ||
	    c->state == CH_OPEN_UP || c->state == CH_REPLAY ? CHAN_EARLY_MAX :
	    CHAN_QUEUE_MAX, data, len);
	c->down_held = len - (uint32_t)n;	/* libssh passes all it holds */
	return n;
}

/*
 * One window serves the target's two streams, and libssh grows it whenever
 * the stream a packet is on has little buffered, whatever the other holds:
 * taking one stream while the other has a backlog inside libssh (up_held)
 * would let the target pile that backlog up a window at a time (and libssh
 * drops data at its cap). So while the other stream has a backlog, take
 * nothing: this stream's own backlog then shuts the window, and both
 * backlogs are pulled together (chan_pull_up).
 */
static int
chan_up_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct chan *c = arg;
	int me = is_stderr ? 1 : 0, n = 0;

	(void)s;
	(void)ch;
	c->held_calls[1 + me]++;
	/*
	 * Ending on our own account (a kill, a revocation, MaxRecordingSize):
	 * nothing more of the target's reaches the client, which would see
	 * output the recording no longer takes.
	 */
	if (c->state >= CH_FINISH || c->our_exit >= 0) {
		c->up_held[me] = 0;
		return (int)len;
	}
	if (c->up_held[!me] == 0)
		n = chan_take(c, me ? c->to_err : c->to_down, CHAN_QUEUE_MAX,
		    data, len);
	c->up_held[me] = len - (uint32_t)n;	/* libssh passes all it holds */
	return n;
}

static void
chan_down_eof(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s;
	(void)ch;
	((struct chan *)arg)->down_eof = 1;
}

static void
chan_down_close(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s;
	(void)ch;
	((struct chan *)arg)->down_closed = 1;
}

static void
chan_up_eof(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s;
	(void)ch;
	((struct chan *)arg)->up_eof = 1;
}

static void
chan_up_close(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s;
	(void)ch;
	((struct chan *)arg)->up_closed = 1;
}

static void
chan_up_exit_status(ssh_session s, ssh_channel ch, int status, void *arg)
{
	struct chan *c = arg;

	(void)s;
	(void)ch;
	c->exit_set = 1;
	c->exit_status = status;
}

static void
chan_up_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core,
    const char *errmsg, const char *lang, void *arg)
{
	struct chan *c = arg;

	(void)s;
	(void)ch;
	(void)errmsg;
	(void)lang;
	c->exit_set = 1;
	c->exit_status = -1;
	c->exit_core = core;
	snprintf(c->exit_signal, sizeof(c->exit_signal), "%s", sig ? sig : "");
}

ssh_channel
chan_open_request(ssh_session s, void *arg)
{
	struct worker *w = arg;
	struct chan *c, **cp;
	int open = 0;

	if (!w->authed || w->shutdown)
		return NULL;
	for (c = w->chans; c != NULL; c = c->next)
		open++;
	if (open >= w->cfg->max_sessions) {
		deny_session(w, open);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->w = w;
	c->our_exit = -1;
	if ((c->down = ssh_channel_new(s)) == NULL) {
		free(c);
		return NULL;
	}
	c->to_up = buf_new(CHAN_QUEUE_MAX);
	c->to_down = buf_new(CHAN_PULL_ROOM);
	c->to_err = buf_new(CHAN_PULL_ROOM);
	c->dcb.userdata = c;
	c->dcb.channel_data_function = chan_down_data;
	c->dcb.channel_eof_function = chan_down_eof;
	c->dcb.channel_close_function = chan_down_close;
	chan_req_callbacks(&c->dcb);
	ssh_callbacks_init(&c->dcb);
	ssh_set_channel_callbacks(c->down, &c->dcb);
	for (cp = &w->chans; *cp != NULL; cp = &(*cp)->next)
		;
	*cp = c;
	return c->down;
}

/* A line for the user on the channel's stderr, before it ends. */
void
chan_notice(struct chan *c, const char *msg)
{
	char line[700];

	/* On a pty, start on a fresh line if something was shown already. */
	snprintf(line, sizeof(line), "%sjumpgate: %s%s", c->has_pty &&
	    c->bytes_out > 0 ? "\r\n" : "", msg, c->has_pty ? "\r\n" :
	    "\n");
	buf_put(c->to_err, line, strlen(line));
}

/*
 * End the channel with a message (NULL: told already) and exit status 1
 * (no-op if ending).
 */
void
chan_refuse(struct chan *c, const char *msg)
{
	if (c->state >= CH_FINISH || c->our_exit >= 0)
		return;
	if (msg != NULL)
		chan_notice(c, msg);
	c->our_exit = 1;
	c->end = c->w->shutdown ? END_STOPPED : c->w->idle_stop ? END_IDLE :
	    END_REFUSED;
}

/* An auditor's or admin's kill: ends it like a refusal, stored as killed. */
void
chan_kill(struct chan *c, const char *msg)
{
	if (c->state >= CH_FINISH || c->our_exit >= 0)
		return;
	chan_refuse(c, msg);
	c->end = END_KILLED;
}

static const char *
chan_kind_name(int kind)
{
	switch (kind) {
	case REQ_SHELL: return "shell";
	case REQ_EXEC: return "exec";
	case REQ_SUBSYSTEM: return "subsystem";
	default: return "?";
	}
}

/* Register the session with the master before the target runs anything. */
static int
chan_session_open(struct chan *c, const struct chreq *r)
{
	struct worker *w = c->w;
	struct w_session_open rq;
	struct m_session an;
	char text[400];
	size_t i;
	int fd = -1;

	snprintf(rq.kind, sizeof(rq.kind), "%s", chan_kind_name(r->kind));
	snprintf(rq.detail, sizeof(rq.detail), "%s", r->value != NULL ?
	    r->value : r->name);
	memset(&an, 0, sizeof(an));
	if (worker_call(w, w_session_open_send(w->master, &rq, -1),
	    MSG_M_SESSION, &an, sizeof(an), &fd) != JG_OK || !an.ok ||
	    fd == -1 || an.id == 0) {
		if (fd != -1)
			close(fd);
		chan_refuse(c, an.message[0] != '\0' ? an.message : "the "
		    "gateway cannot record this session right now: refused");
		return JG_ERR;
	}
	c->session_id = (long long)an.id;
	/* Recorded from its first byte, or not at all. */
	if (record_start(c, r, fd) != JG_OK) {
		chan_refuse(c, "the gateway cannot record this session right "
		    "now: refused");
		return JG_ERR;
	}
	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].kind == REQ_PTY) {
			snprintf(text, sizeof(text), "pty-req %s %dx%d",
			    c->reqs[i].name, c->reqs[i].cols, c->reqs[i].rows);
			record_text(c, REC_REQUEST, text);
		}
	snprintf(text, sizeof(text), "%s%s%s", rq.kind, rq.detail[0] ? " " :
	    "", rq.detail);
	record_text(c, REC_REQUEST, text);
	log_verbose("session %lld: %s on %s: %s %s", c->session_id, w->user,
	    w->target, rq.kind, rq.detail);
	return JG_OK;
}

static void
chan_open_up(struct chan *c)
{
	struct worker *w = c->w;
	int r;

	if (c->up == NULL) {
		if ((c->up = ssh_channel_new(w->up)) == NULL) {
			chan_refuse(c, "cannot open a channel to the target");
			return;
		}
		c->ucb.userdata = c;
		c->ucb.channel_data_function = chan_up_data;
		c->ucb.channel_eof_function = chan_up_eof;
		c->ucb.channel_close_function = chan_up_close;
		c->ucb.channel_exit_status_function = chan_up_exit_status;
		c->ucb.channel_exit_signal_function = chan_up_exit_signal;
		ssh_callbacks_init(&c->ucb);
		ssh_set_channel_callbacks(c->up, &c->ucb);
	}
	r = ssh_channel_open_session(c->up);
	if (r == SSH_AGAIN)
		return;
	if (r != SSH_OK) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%s: the target refused a session "
		    "channel", w->target);
		chan_refuse(c, msg);
		return;
	}
	c->state = CH_REPLAY;
}

static void
chan_replay_all(struct chan *c)
{
	struct chreq *r;
	char msg[300];
	int rc;

	while (c->replayed < c->nreqs) {
		r = &c->reqs[c->replayed];
		if ((r->kind == REQ_SHELL || r->kind == REQ_EXEC ||
		    r->kind == REQ_SUBSYSTEM) && c->session_id == 0 &&
		    chan_session_open(c, r) != JG_OK)
			return;	/* refused, with its reason */
		rc = chan_replay(c, r);
		if (rc == SSH_AGAIN)
			return;
		if (rc != SSH_OK) {
			if (r->kind == REQ_SHELL || r->kind == REQ_EXEC ||
			    r->kind == REQ_SUBSYSTEM) {
				/* A refused subsystem is nearly always one
				 * the target's sshd_config lacks (no
				 * "Subsystem sftp"): say so, as scp and sftp
				 * only say "Connection closed". */
				if (r->kind == REQ_SUBSYSTEM)
					snprintf(msg, sizeof(msg), "%s: the "
					    "target has no %s subsystem",
					    c->w->target, r->name);
				else
					snprintf(msg, sizeof(msg), "%s: the "
					    "target refused the %s request",
					    c->w->target,
					    chan_kind_name(r->kind));
				chan_refuse(c, msg);
				return;
			}
			log_verbose("%s: target refused a request (%d)",
			    c->w->user, r->kind);
		}
		free(r->value);
		r->value = NULL;
		c->replayed++;
	}
	/* All replayed: later requests (resize, signal) start the list anew. */
	if (c->main_req != 0) {
		c->nreqs = c->replayed = 0;
		c->state = CH_RUNNING;
	}
}

/*
 * One piece of q to ch: no more than the window and CHAN_WRITE_MAX, copied
 * first into the worker's own buffer. ssh_channel_write may run libssh's
 * packet loop before it copies our bytes (during a rekey, or with the
 * window shut), and that loop runs our data callbacks, which append to
 * queues and may move them: libssh must read from memory that cannot move.
 * Returns the bytes written (0: the window is shut), -1 on error.
 */
static int
chan_write_piece(struct chan *c, ssh_channel ch, struct buf *q, int is_err,
    uint64_t *count, int rectype)
{
	unsigned char *piece = c->w->wbuf;
	uint32_t win = ssh_channel_window_size(ch);
	size_t n = buf_len(q);
	int r;

	if (n > win)
		n = win;
	if (n > CHAN_WRITE_MAX)
		n = CHAN_WRITE_MAX;
	if (n == 0)
		return 0;
	memcpy(piece, buf_ptr(q), n);
	r = is_err ? ssh_channel_write_stderr(ch, piece, (uint32_t)n) :
	    ssh_channel_write(ch, piece, (uint32_t)n);
	if (r == SSH_ERROR)
		return -1;
	if (r <= 0)
		return 0;
	/*
	 * What went out is what the recording holds. Consumed first: a
	 * recording that reaches MaxRecordingSize here empties the queues
	 * and puts its notice on stderr, which must not be consumed after.
	 */
	buf_consume(q, (size_t)r);
	*count += (uint64_t)r;
	if (rectype != 0)
		record_event(c, rectype, piece, (size_t)r);
	return r;
}

/* Write a queue to a channel while its window lets us. */
static int
chan_write(struct chan *c, ssh_channel ch, struct buf *q, int is_err,
    uint64_t *count, int rectype)
{
	int r;

	while (buf_len(q) > 0)
		if ((r = chan_write_piece(c, ch, q, is_err, count,
		    rectype)) <= 0)
			return r;
	return 0;
}

/*
 * stdout and stderr share the client's window: written one piece each in
 * turn, starting with the one that went second last time, so a stream
 * that never stops cannot starve the other (libssh would keep taking the
 * starved stream's data into a buffer of its own, unbounded).
 */
static int
chan_write_out(struct chan *c, int rec)
{
	struct buf *q[2] = { c->to_down, c->to_err };
	int i, r, moved;

	do {
		moved = 0;
		for (i = 0; i < 2; i++) {
			int k = (c->err_turn + i) % 2;

			if (buf_len(q[k]) == 0)
				continue;
			r = chan_write_piece(c, c->down, q[k], k,
			    &c->bytes_out, !rec ? 0 : k ? REC_ERR : REC_OUT);
			if (r < 0)
				return -1;
			moved += r;
		}
		c->err_turn = !c->err_turn;
	} while (moved > 0 && (buf_len(q[0]) > 0 || buf_len(q[1]) > 0));
	return 0;
}

/* Data libssh kept because a queue was full: take all of it, if it fits. */
static int
chan_pull(ssh_channel ch, struct buf *q, int is_err, int avail, size_t max)
{
	unsigned char *p;
	int r;

	if (avail <= 0)
		return 0;
	if ((size_t)avail > max - buf_len(q) ||
	    buf_reserve(q, (size_t)avail, &p) != JG_OK)
		return -1;
	r = ssh_channel_read_nonblocking(ch, p, (uint32_t)avail, is_err);
	buf_unreserve(q, (size_t)avail - (r > 0 ? (size_t)r : 0));
	return r;
}

/*
 * What libssh holds for us is known without asking it: each data callback
 * is passed all it holds and returns what we took (the *_held counts).
 * Asking (ssh_channel_poll) would cost a poll(2) and a run of libssh's
 * packet loop on every pump, three per pump, when nothing is held, which
 * is nearly always. After a pull the count drops by what was read, unless
 * a callback ran during it (the read's window adjustment is sent at once,
 * and that flush can take packets in): that callback's count is the new
 * truth.
 */
static void
chan_pulled(struct chan *c, int which, uint32_t calls, uint32_t *held, int r)
{
	if (c->held_calls[which] != calls || r <= 0)
		return;
	*held = (uint32_t)r >= *held ? 0 : *held - (uint32_t)r;
}

/* The client's input that libssh kept: once the queue has room for it. */
static void
chan_pull_down(struct chan *c)
{
	uint32_t calls = c->held_calls[0];
	int r;

	if (c->down_held == 0 || c->down == NULL ||
	    !ssh_channel_is_open(c->down))
		return;
	r = chan_pull(c->down, c->to_up, 0, (int)c->down_held,
	    CHAN_QUEUE_MAX);
	chan_pulled(c, 0, calls, &c->down_held, r);
}

/*
 * The target's backlogs (see chan_up_data), both at once: the read
 * re-opens the window, so both must be emptied. A queue may then hold up
 * to CHAN_PULL_ROOM; a backlog is at most what one window let in beyond a
 * shut stream, so it always fits once the client has caught up.
 */
static void
chan_pull_up(struct chan *c)
{
	uint32_t held[2], calls;
	int me, r;

	if (c->up == NULL || !ssh_channel_is_open(c->up) ||
	    (c->up_held[0] == 0 && c->up_held[1] == 0))
		return;
	held[0] = c->up_held[0];
	held[1] = c->up_held[1];
	if (held[0] > CHAN_PULL_ROOM - buf_len(c->to_down) ||
	    held[1] > CHAN_PULL_ROOM - buf_len(c->to_err))
		return;
	for (me = 0; me < 2; me++) {
		if (held[me] == 0)
			continue;
		calls = c->held_calls[1 + me];
		r = chan_pull(c->up, me ? c->to_err : c->to_down, me,
		    (int)held[me], CHAN_PULL_ROOM);
		chan_pulled(c, 1 + me, calls, &c->up_held[me], r);
	}
}

/*
 * At the target's end, what libssh holds is asked for, not taken from the
 * counts: a count that were ever wrong must not lose the end of the output
 * (too low) or hold the channel open for ever (too high).
 */
static int
chan_up_backlog(struct chan *c)
{
	int held[2], me;

	if (!ssh_channel_is_open(c->up))
		return 0;
	held[0] = ssh_channel_poll(c->up, 0);
	held[1] = ssh_channel_poll(c->up, 1);
	for (me = 0; me < 2; me++)
		c->up_held[me] = held[me] > 0 ? (uint32_t)held[me] : 0;
	return c->up_held[0] > 0 || c->up_held[1] > 0;
}

static void
chan_finish(struct chan *c)
{
	int status;

	if (buf_len(c->to_down) > 0 || buf_len(c->to_err) > 0)
		return;
	if (!c->down_closed && ssh_channel_is_open(c->down)) {
		if (c->our_exit >= 0)
			ssh_channel_request_send_exit_status(c->down,
			    c->our_exit);
		else if (c->exit_set && c->exit_signal[0] != '\0')
			ssh_channel_request_send_exit_signal(c->down,
			    c->exit_signal, c->exit_core, "", "");
		else if (c->exit_set)
			ssh_channel_request_send_exit_status(c->down,
			    c->exit_status);
		ssh_channel_send_eof(c->down);
		ssh_channel_close(c->down);
	}
	if (c->up != NULL && !c->up_closed && ssh_channel_is_open(c->up))
		ssh_channel_close(c->up);
	status = c->our_exit >= 0 ? c->our_exit : c->exit_status;
	(void)status;
	c->state = CH_DONE;
}

static void
chan_pump(struct chan *c)
{
	struct worker *w = c->w;

	if (c->down_closed && c->state < CH_FINISH) {
		c->end = END_CLIENT_CLOSED;
		c->state = CH_FINISH;
	}
	if (c->our_exit >= 0 && c->state < CH_FINISH &&
	    (c->main_req != 0 || c->down_eof))
		c->state = CH_FINISH;
	switch (c->state) {
	case CH_GATHER:
		if (c->main_req == 0 || c->our_exit >= 0)
			break;
		if (w->cmd_mode) {
			command_start(c);
			break;
		}
		if (w->up_state == UP_READY)
			c->state = CH_OPEN_UP;
		else
			break;
		/* FALLTHROUGH */
	case CH_OPEN_UP:
		chan_open_up(c);
		if (c->state != CH_REPLAY)
			break;
		/* FALLTHROUGH */
	case CH_REPLAY:
		chan_replay_all(c);
		if (c->state != CH_RUNNING)
			break;
		/* FALLTHROUGH */
	case CH_RUNNING:
		if (c->replayed < c->nreqs) {
			chan_replay_all(c);
			c->state = CH_RUNNING;
		}
		if (chan_write(c, c->up, c->to_up, 0, &c->bytes_in,
		    REC_IN) < 0 || chan_write_out(c, 1) < 0) {
			c->end = END_WRITE_FAILED;
			c->state = CH_FINISH;
			break;
		}
		chan_pull_down(c);
		chan_pull_up(c);
		if (c->down_eof && !c->up_eof_sent && buf_len(c->to_up) == 0) {
			ssh_channel_send_eof(c->up);
			c->up_eof_sent = 1;
		}
		if (c->up_closed || (c->up_eof && c->exit_set)) {
			/*
			 * What libssh still holds for us (our queue was full
			 * when it came) goes out before the end: wait for
			 * room. After EOF this poll reads nothing new.
			 */
			if (chan_up_backlog(c)) {
				chan_pull_up(c);
				if (chan_up_backlog(c))
					break;
			}
			c->end = c->exit_set ? END_EXIT : END_TARGET_CLOSED;
			c->state = CH_FINISH;
		}
		break;
	case CH_MENU:
		command_menu_input(c);
		break;
	case CH_PLAY:
		command_play(c);
		break;
	case CH_ASK:
		command_ask_input(c);
		break;
	case CH_WAIT:
		command_wait_input(c);
		break;
	case CH_WATCH:
		command_watch_input(c);
		break;
	}
	/* The menu, the echo of what is typed at it, its error lines. */
	if ((c->state == CH_MENU || c->state == CH_PLAY || c->state == CH_ASK ||
	    c->state == CH_WAIT || c->state == CH_WATCH) &&
	    chan_write_out(c, 0) < 0) {
		c->end = END_WRITE_FAILED;
		c->state = CH_FINISH;
	}
	if (c->state == CH_FINISH) {
		if (!c->down_closed) {
			chan_write_out(c, 1);
		} else {
			buf_reset(c->to_down);
			buf_reset(c->to_err);
		}
		chan_finish(c);
	}
	if (c->state == CH_DONE && (c->down_closed ||
	    !ssh_channel_is_open(c->down)) && (c->up == NULL || c->up_closed ||
	    !ssh_channel_is_open(c->up) || w->up_state != UP_READY))
		chan_free(c);
}

/*
 * libssh handles packets inside our own calls, not only in
 * ssh_event_dopoll(): a write whose output does not all reach the socket
 * at once flushes by polling both sessions, and so does a channel poll
 * or a pending request. Callbacks then run during the pump, and what
 * they recorded (data queued, a window opened, a request answered) waits
 * for an fd event that may never come, since libssh already read the
 * socket. So pump again while a pass saw packets decoded.
 */
void
chan_pump_all(struct worker *w)
{
	struct chan *c, *next;
	uint64_t seen;
	int round;

	for (round = 0; round < CHAN_PUMP_ROUNDS; round++) {
		seen = w->down_rx.in_packets + w->up_rx.in_packets;
		for (c = w->chans; c != NULL; c = next) {
			next = c->next;
			chan_pump(c);
		}
		if (w->down_rx.in_packets + w->up_rx.in_packets == seen)
			return;
	}
	worker_pump_later(w);
}

/*
 * Once a second, for each channel: queues a burst left empty give their
 * storage back (an idle session after a large transfer costs what an idle
 * one does), and the counts of each live session that moved go to the
 * master, so that `sessions` shows live rows as they grow (the end message
 * has the final counts; these are only a display and may lag by a second).
 */
void
chan_tick_all(struct worker *w)
{
	struct w_session_bytes sb;
	struct chan *c;

	for (c = w->chans; c != NULL; c = c->next) {
		buf_trim(c->to_up, CHAN_QUEUE_KEEP);
		buf_trim(c->to_down, CHAN_QUEUE_KEEP);
		buf_trim(c->to_err, CHAN_QUEUE_KEEP);
		if (c->session_id <= 0 || c->end != 0 || (c->told_in ==
		    c->bytes_in && c->told_out == c->bytes_out))
			continue;
		memset(&sb, 0, sizeof(sb));
		sb.id = (uint64_t)c->session_id;
		sb.bytes_in = c->told_in = c->bytes_in;
		sb.bytes_out = c->told_out = c->bytes_out;
		worker_flush(w, w_session_bytes_send(w->master, &sb, -1));
	}
}

static void
chan_session_end(struct chan *c)
{
	struct worker *w = c->w;
	struct w_session_end se;
	const char *reason = end_reason_name(c->end, w->stop);
	uint32_t status;

	if (reason == NULL)
		reason = "closed";
	if (c->session_id == 0) {
		record_finish(c, reason, -1);
		return;
	}
	status = c->our_exit >= 0 ? (uint32_t)c->our_exit : c->exit_set &&
	    c->exit_signal[0] == '\0' ? (uint32_t)c->exit_status : UINT32_MAX;
	if (c->exit_set && c->exit_signal[0] != '\0') {
		char sig[64];
		snprintf(sig, sizeof(sig), "signal %s", c->exit_signal);
		record_text(c, REC_EXIT, sig);
	} else if (status != UINT32_MAX) {
		unsigned char st[4] = { status >> 24, status >> 16,
		    status >> 8, status };
		record_event(c, REC_EXIT, st, sizeof(st));
	}
	memset(&se, 0, sizeof(se));
	se.recorded = record_finish(c, reason, (int)status);
	se.id = (uint64_t)c->session_id;
	se.exit_status = status;
	se.bytes_in = c->bytes_in;
	se.bytes_out = c->bytes_out;
	se.reason = c->end;
	se.stop = c->end != END_STOPPED ? 0 : w->stop != 0 ? w->stop :
	    STOP_GATEWAY;
	worker_flush(w, w_session_end_send(w->master, &se, -1));
	log_verbose("session %lld ended: %s (in %llu, out %llu bytes)",
	    c->session_id, reason, (unsigned long long)c->bytes_in,
	    (unsigned long long)c->bytes_out);
	c->session_id = 0;
}

static void
chan_free(struct chan *c)
{
	struct chan **cp;
	size_t i;

	if (c->end == 0)
		c->end = END_CLOSED;
	chan_session_end(c);
	command_play_free(c);
	command_free(c);
	for (cp = &c->w->chans; *cp != NULL; cp = &(*cp)->next)
		if (*cp == c) {
			*cp = c->next;
			break;
		}
	/*
	 * libssh keeps a closed channel until the peer's CLOSE arrives and
	 * would call our callbacks then: they live in c, so detach first.
	 */
	if (c->up != NULL) {
		ssh_remove_channel_callbacks(c->up, &c->ucb);
		ssh_channel_free(c->up);
	}
	if (c->down != NULL) {
		ssh_remove_channel_callbacks(c->down, &c->dcb);
		ssh_channel_free(c->down);
	}
	for (i = 0; i < c->nreqs; i++)
		free(c->reqs[i].value);
	buf_free(c->to_up);
	buf_free(c->to_down);
	buf_free(c->to_err);
	free(c);
}

void
chan_free_all(struct worker *w, uint32_t end)
{
	while (w->chans != NULL) {
		if (w->chans->end == 0)
			w->chans->end = end;
		chan_free(w->chans);
	}
}
