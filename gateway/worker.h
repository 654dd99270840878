/* worker.h: what the session worker's files share: worker.c, upstream.c, channel.c, channel-req.c, deny.c, record.c, command.c, command-jit.c, command-review.c, command-play.c. */
#ifndef WORKER_H
#define WORKER_H

#include "gateway.h"
#include "proto.h"

/*
 * Per-direction queues must hold more than libssh's 1.28 MB window refill
 * or the bridge deadlocks (LIBSSH-NOTES.md); callbacks fill them to this
 * bound, a pull of the target's backlog (channel.c) to CHAN_PULL_ROOM.
 */
#define CHAN_QUEUE_MAX (2 * 1024 * 1024)
/* What a queue to the client may hold after the target's backlog is pulled. */
#define CHAN_PULL_ROOM (2 * CHAN_QUEUE_MAX)
/* An empty queue keeps this much storage; more goes back each second. */
#define CHAN_QUEUE_KEEP (64 * 1024)
/*
 * Until the channel bridges, its input waits for the target: no more
 * than this is queued for it (libssh holds one window more, unacknowledged).
 */
#define CHAN_EARLY_MAX (64 * 1024)
#define CHAN_MAX_REQS 24
#define CHAN_WRITE_MAX (64 * 1024)
#define CHAN_PUMP_ROUNDS 16	/* passes per chan_pump_all() before deferring */
/* A send to the client or the target that makes no progress this long fails. */
#define WORKER_SEND_TIMEOUT 15		/* seconds */
#define WORKER_UNACKED_MS 30000		/* TCP_USER_TIMEOUT */

enum chreq_kind { REQ_PTY = 1, REQ_ENV, REQ_SHELL, REQ_EXEC, REQ_SUBSYSTEM,
	REQ_WINCH, REQ_SIGNAL };

struct chreq {
	int kind;
	char name[64];		/* TERM, env name, subsystem, signal */
	char *value;		/* exec command or env value */
	int cols, rows, pxw, pxh;
};

enum chan_state {
	CH_GATHER = 0,		/* requests arrive; nothing upstream yet */
	CH_MENU,		/* command-mode menu reads a choice */
	CH_PLAY,		/* an auditor watches a recording */
	CH_ASK,			/* asking for a request's reason, duration */
	CH_WAIT,		/* waiting for approval of request req_id */
	CH_WATCH,		/* requests --watch */
	CH_OPEN_UP,		/* opening the upstream channel */
	CH_REPLAY,		/* replaying requests upstream */
	CH_RUNNING,		/* bridging */
	CH_FINISH,		/* ending downstream once queues are empty */
	CH_DONE,		/* close sent downstream */
};

struct worker;
struct chan_rec;			/* recording (record.c) */
struct chan_play;			/* an auditor's replay (command-play.c) */

/* Command mode: the menu and the access-request screens (command*.c). */
struct chan_cmd {
	char line[80];		/* what is typed at the menu or a question */
	size_t len;
	struct event *tick;	/* polls the master while waiting/watching */
	int ask_step;		/* 0 reason, 1 duration */
	char ask_reason[512];
	uint64_t req_id;	/* the request waited for */
	uint64_t watch_max;	/* requests --watch: newest shown */
};

struct chan {
	struct chan *next;
	struct worker *w;
	ssh_channel down;
	ssh_channel up;
	struct ssh_channel_callbacks_struct dcb;
	struct ssh_channel_callbacks_struct ucb;
	int state;
	struct chreq reqs[CHAN_MAX_REQS];
	size_t nreqs;
	size_t replayed;
	int has_pty;
	int main_req;		/* REQ_SHELL, REQ_EXEC or REQ_SUBSYSTEM, or 0 */
	struct buf *to_up;	/* client -> target */
	struct buf *to_down;	/* target stdout -> client */
	struct buf *to_err;	/* target stderr (or ours) -> client */
	int down_eof, down_closed;
	int up_eof, up_closed, up_eof_sent;
	int exit_set;
	int exit_status;
	char exit_signal[32];
	int exit_core;
	int err_turn;		/* stderr's turn to be written first */
	uint32_t up_held[2];	/* what libssh holds of the target's stdout,
				   stderr (channel.c: chan_up_data) */
	uint32_t down_held;	/* what libssh holds of the client's input */
	uint32_t held_calls[3];	/* data callbacks run: client, target's
				   stdout, stderr (a pull's bookkeeping) */
	int our_exit;		/* exit status we give (refusals) or -1 */
	uint32_t end;		/* enum end_reason, 0: not yet */
	long long session_id;
	uint64_t bytes_in, bytes_out;
	uint64_t told_in, told_out;	/* counts last sent to the master */
	/* what each way of using the channel keeps, when it is used so */
	struct chan_rec *rec;
	struct chan_cmd *cmd;
	struct chan_play *play;
};

enum up_state { UP_NONE = 0, UP_CONNECTING, UP_AUTH, UP_READY, UP_FAILED };

struct worker {
	const struct config *cfg;
	struct event_base *base;
	struct msgconn *master;
	struct event *master_ev;
	ssh_session down;
	ssh_event sev;
	struct ssh_server_callbacks_struct scb;
	int client_fd;
	struct event *down_rev, *down_wev;
	int pump_soon;		/* a channel was told to end: pump */
	struct event *grace, *idle, *connect_timer, *rec_flush;
	struct event *pump_ev;	/* chan_pump_all() did not settle: run again */
	/* packets libssh has decoded on each leg (ssh_set_counters) */
	struct ssh_counter_struct down_rx, up_rx;
	int kex_done;
	char source[128];
	/* who */
	char login[2 * JG_NAME_MAX + 2];
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	int cmd_mode;
	int authed;
	int auth_failures;
	char fp[SSHKEY_FP_LEN];
	char probed_fp[SSHKEY_FP_LEN];
	int probed_ok;
	char login_refused[256];	/* the master refused the login: why */
	int mfa_pending;		/* key accepted, a code must follow */
	char mfa_note[256];		/* why the last code was refused */
	int banner_sent;
	/* what the master said about the target */
	int authz_state;	/* 0 not asked, 1 ok, -1 refused */
	int authz_how;		/* AUTHZ_* the master answered */
	char refusal[512];
	char host[256];
	int port;
	char tlogin[JG_NAME_MAX + 1];
	char host_key[SSHKEY_LINE_MAX];
	char kind[16];
	int keeper_fd;
	/* upstream */
	ssh_session up;
	int up_state;
	struct event *up_rev, *up_wev;
	char *password;		/* locked memory, only during auth */
	size_t password_len;
	/* channels */
	struct chan *chans;
	struct buf *in;		/* the master's messages, as they come */
	int shutdown;		/* the master told us to stop ... */
	uint32_t stop;		/* ... why: enum stop_reason */
	char shutdown_msg[256];	/* ... in words, for the user */
	int idle_stop;		/* IdleTimeout ended the sessions */
	int denials;		/* requests refused (deny.c) */
	time_t last_data;	/* monotonic (clock_sec): for IdleTimeout */
	int exiting;
	/* what ssh_channel_write reads from: memory no callback can move */
	unsigned char wbuf[CHAN_WRITE_MAX];
};

/* worker.c */
void worker_bound_sends(int fd);
int worker_flush(struct worker *, int queued);
int worker_mfa(struct worker *, ssh_message);
int worker_call(struct worker *, int queued, uint32_t want, void *ans,
	    size_t size, int *fd);
int worker_wait(struct worker *, uint32_t want, void *ans, size_t size,
	    int *fd);
void worker_audit(struct worker *, const char *action, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void worker_rearm(struct worker *);
void worker_poll(struct worker *);
void worker_refuse_all(struct worker *, const char *msg);
void worker_pump_later(struct worker *);
int worker_authorize(struct worker *, const char *target);

/* upstream.c */
void upstream_start(struct worker *);
void upstream_io(struct worker *);
void upstream_close(struct worker *);

/* channel.c */
ssh_channel chan_open_request(ssh_session, void *);
void chan_pump_all(struct worker *);
void chan_tick_all(struct worker *);
void chan_refuse(struct chan *, const char *msg);
void chan_kill(struct chan *, const char *msg);
void chan_free_all(struct worker *, uint32_t end);
void chan_notice(struct chan *, const char *msg);

/* channel-req.c */
void chan_req_callbacks(struct ssh_channel_callbacks_struct *);
int chan_replay(struct chan *, struct chreq *);

/* deny.c */
int deny_message(ssh_session, ssh_message, void *);
void deny_agent(ssh_session, ssh_channel, void *);
void deny_env(struct chan *, const char *name);
void deny_subsystem(struct chan *, const char *name);
void deny_session(struct worker *, int open);

/* record.c */
int record_start(struct chan *, const struct chreq *, int fd);
void record_event(struct chan *, int type, const void *, size_t);
void record_text(struct chan *, int type, const char *);
void record_resize(struct chan *, int cols, int rows);
void record_flush_all(struct worker *);
uint32_t record_finish(struct chan *, const char *reason, int status);

/* command.c */
int command_words(char *line, char **argv, int max);
void command_start(struct chan *);
void command_menu_input(struct chan *);
void command_out(struct chan *, const char *);
void command_out_tty(struct chan *, const char *);
void command_end(struct chan *, int status);
void command_usage(struct chan *, const char *);
char *command_text(const unsigned char *, size_t);
void command_answer(struct chan *, int ok, const unsigned char *, size_t);
void command_text_call(struct chan *, int queued, const char *fail);
void command_state(struct chan *);
int command_line(struct chan *);
void command_free(struct chan *);

/* command-jit.c */
int command_opts(int argc, char **argv, int first,
	    const char *const *allowed, char vals[][STORE_REASON_MAX + 2],
	    int *positional, char *badopt, size_t badlen);
int command_is_given(const char *);
const char *command_val(const char *);
int command_jit(struct chan *, int argc, char **argv);
void command_ask_start(struct chan *);
void command_ask_input(struct chan *);
void command_wait_input(struct chan *);
void command_watch_input(struct chan *);

/* command-review.c */
int command_reviews_cmd(struct chan *, int argc, char **argv);

/* command-play.c */
void command_replay(struct chan *, const char *arg);
void command_play(struct chan *);
void command_play_free(struct chan *);
void command_watch_live(struct chan *, const char *arg);
void command_play_ended(struct worker *, long long id);

#endif /* WORKER_H */
