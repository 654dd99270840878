/* master.h: what the master's files share: master.c (the loop), master-listen.c, master-peer.c, master-session.c, master-index.c, master-keeper.c, master-mfa.c, master-review.c, master-ctl.c, master-jit.c, notify.c. */
#ifndef MASTER_H
#define MASTER_H

#include <netinet/in.h>

#include "gateway.h"
#include "proto.h"

#define MASTER_MAX_LISTEN CONFIG_LISTEN_MAX * 2
#define MASTER_PENALTY_SLOTS 4096
#define MASTER_PEER_SESSIONS 64
#define MASTER_CTL_MAX 16
#define MASTER_PEER_WATCHES 8	/* live sessions one worker watches */
#define MASTER_COMMANDS_PENDING 4096	/* command lines not yet written */
#define MASTER_SEARCH_SHOWN 500	/* matches an auditor gets, at most */
#define MASTER_SEARCH_SCAN 200000	/* lines one search looks at */
#define MASTER_TRANSFERS_PENDING 256	/* file operations not yet written */
#define MASTER_KILL_GRACE 3	/* seconds a told worker gets to go */
/* A keeper that dies this often within the window is fatal: exit 1. */
#define MASTER_KEEPER_DEATHS 5
#define MASTER_KEEPER_WINDOW 60
/* Session ends the store could not take yet, retried every second. */
#define MASTER_PENDING_ENDS 1024

/*
 * A worker's state: which of its messages the master takes (the dispatch
 * table in master-peer.c). The table shrinks as the connection goes on:
 * nothing of the login is asked again after it.
 */
enum peer_state {
	PEER_PREAUTH = 0x1,	/* before public-key authentication */
	PEER_AUTHED = 0x2,	/* logged in, no target yet (command mode) */
	PEER_AUTHORIZED = 0x4,	/* a target granted: sessions may open */
	PEER_MFA = 0x8,		/* key accepted, a one-time code awaited */
	PEER_MFA_CHECK = 0x10,	/* a code is with the keeper: no other */
};
#define PEER_MFA_ANY (PEER_MFA | PEER_MFA_CHECK)
#define PEER_LOGGED_IN (PEER_AUTHED | PEER_AUTHORIZED)
#define PEER_NOT_IN (PEER_PREAUTH | PEER_MFA_ANY)	/* counted as pre-auth */
#define MASTER_MFA_TRIES 3	/* wrong codes one connection may give */

struct peer {
	struct peer *next;
	struct master *m;
	pid_t pid;
	struct msgconn *conn;
	struct event *rev, *wev;
	int state;		/* enum peer_state */
	uint32_t once;		/* "at most once" messages already taken */
	int auth_fails;
	uint64_t conn_id;
	char user[JG_NAME_MAX + 1];
	char fp[SSHKEY_FP_LEN];
	char target[JG_NAME_MAX + 1];
	char login[JG_NAME_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
	char source[128];
	time_t started;		/* monotonic seconds */
	long long sessions[MASTER_PEER_SESSIONS];	/* < 0: ended */
	struct master_bytes {	/* live counts not yet in the store */
		long long in, out;
		int dirty;
	} sbytes[MASTER_PEER_SESSIONS];
	uint64_t watching[MASTER_PEER_WATCHES];	/* 0: free */
	size_t nsessions;
	int dead;		/* killed; waiting for SIGCHLD */
	int reaped;		/* exited: its last messages are read */
	time_t kill_at;		/* told to stop; killed if still here then */
	int stopping;		/* told to stop: no new session opens */
	/* access through a grant: ended by the master when the grant ends */
	long long grant_id;
	time_t grant_deadline;	/* monotonic */
	int grant_warned;	/* 2: told of 5 minutes, 1: of 1 minute */
	int how;		/* AUTHZ_* of the authorization */
	uint32_t keeper_gen;	/* the keeper its registration is with */
	int mfa;		/* logged in with a one-time code */
	int mfa_fails;
	uint32_t mfa_version;	/* of the codes it was checked against */
};

struct penalty {
	char addr[INET6_ADDRSTRLEN];
	time_t window_start;	/* the window nfails counts in */
	size_t nfails;
	time_t until;		/* refused until (monotonic) */
	time_t last;
};

struct ctl {
	struct master *m;
	struct msgconn *conn;
	struct event *ev, *wev;
	int waiting_unseal;
	uint64_t watching;	/* the live session it watches, or 0 */
};

struct master {
	const struct gw_opts *opts;
	struct config *cfg;
	struct event_base *base;
	struct store *store;
	ssh_bind bind;
	int lfds[MASTER_MAX_LISTEN];
	struct event *lev[MASTER_MAX_LISTEN];
	size_t nlisten;
	int accept_short;	/* out of descriptors: accepting paused */
	struct event *accept_timer;
	struct peer *peers;
	size_t preauth;
	uint64_t conn_seq;
	struct penalty *penalties;
	/* keeper */
	char self_path[JG_PATH_MAX];	/* our binary: the keeper runs it -K */
	pid_t keeper_pid;
	struct msgconn *keeper;
	struct event *krev, *kwev;
	uint32_t keeper_gen;		/* keepers started so far */
	time_t keeper_deaths[MASTER_KEEPER_DEATHS];	/* monotonic, a ring */
	size_t nkeeper_deaths;
	int unsealed;
	char keeper_status[256];
	int exit_rc;			/* JG_EXIT_FAIL after a fatal condition */
	/* control socket */
	int ctl_fd;
	struct event *ctl_ev;
	struct ctl ctls[MASTER_CTL_MAX];
	char ctl_path[JG_PATH_MAX];
	/* timers and signals */
	struct event *tick, *sigs[4];
	long long data_version;
	int stopping;
	time_t stop_deadline;
	time_t next_expire;
	time_t next_inactive;		/* ExpireInactiveDays: next look */
	time_t next_review;		/* reviews due: next look */
	int recheck;			/* our own write changed grants */
	/* pending requests seen, to notify when they change (master-jit.c) */
	struct master_req { long long id; char state[16]; } *reqs;
	size_t nreqs;
	int reqs_loaded;
	/* NotifyCommand children and when they are killed */
	struct master_notify { pid_t pid; time_t deadline; } notify[32];
	/* file operations not yet in the store (master-session.c) */
	struct store_transfer *xfers;
	size_t nxfers;
	/* command lines not yet in the index (master-session.c) */
	struct store_command *cmds;
	size_t ncmds;
	/* session ends not yet in the store (master-session.c) */
	struct master_end {
		long long id;
		const char *state, *reason;	/* static strings */
		int exit_status;
		long long in, out;
	} *ends;
	size_t nends;
};

/* master.c */
int master_audit_login(struct master *, const char *user, const char *detail);
int master_audit(struct master *, const char *actor, const char *action,
	    const char *detail);
#define MASTER_AUDIT_DOWN "the gateway cannot write its audit log"
/* The same, when another process holds the database past our timeout. */
#define MASTER_DB_BUSY "the gateway's database is busy"
time_t master_deadline_of(const char *iso);
void master_log_refused(int level, const char *user, const char *target,
	    const char *source, const char *, ...)
	    __attribute__((format(printf, 5, 6)));

/* master-listen.c */
int master_listen(struct master *);
void master_unlisten(struct master *);
void master_penalty_fail(struct master *, const char *addr, int noauth);

/* master-peer.c */
int master_handler_rules(uint32_t type, int *states, int *once);
struct peer *master_peer_new(struct master *, pid_t, int fd,
	    const char *addr, const char *port);
struct peer *master_peer_by_pid(struct master *, pid_t);
void master_peer_sent(struct peer *, int queued);
void master_peer_kill(struct peer *, const char *why);
void master_peer_stop(struct peer *, uint32_t reason, const char *message);
void master_peer_reap(struct master *, struct peer *, int status);
int master_peer_dispatch(struct master *, struct peer *, uint32_t type,
	    struct buf *, int fd);

/* master-session.c */
void master_session_end(struct master *, long long id, const char *state,
	    int exit_status, long long in, long long out, const char *reason);
void master_session_ends_retry(struct master *);
int master_w_session_open(struct master *, struct peer *, const void *);
int master_w_session_end(struct master *, struct peer *, const void *);
int master_w_session_bytes(struct master *, struct peer *, const void *);
int master_w_watch(struct master *, struct peer *, const void *);
int master_peer_has_session(const struct peer *, uint64_t id);
int master_is_auditor(struct master *, const char *user);
int master_recording_share(struct master *, const char *actor, uint64_t id,
	    int live_only, const char *event, const char *detail, int *fd,
	    int *kfd, int *live, char *text, size_t len);
void master_watch_ended(struct master *, long long id);
void master_session_bytes_flush(struct master *);
int master_w_kill(struct master *, struct peer *, const void *);
int master_kill(struct master *, uint64_t id, const char *user,
	    const char *actor, int admin, const char *reason, int *count,
	    char *err, size_t errlen);
int master_w_sessions(struct master *, struct peer *, const void *);
int master_w_replay(struct master *, struct peer *, const void *);
int master_text_reply(struct peer *, int ok, const char *text, size_t len);

/* master-index.c */
int master_w_command(struct master *, struct peer *, const void *);
void master_commands_flush(struct master *);
int master_w_search(struct master *, struct peer *, const void *);
int master_w_transfer(struct master *, struct peer *, const void *);
void master_transfers_flush(struct master *);

/* master-mfa.c */
int master_login(struct master *, struct peer *, const char *how);
int master_login_key(struct master *, struct peer *);
int master_w_mfa(struct master *, struct peer *, const void *);
void master_k_mfa_result(struct master *, const void *);
void master_mfa_abandon(struct master *);

/* master-review.c */
int master_w_reviews(struct master *, struct peer *, const void *);
int master_w_review(struct master *, struct peer *, const void *);
void master_reviews_due(struct master *);

/* master-keeper.c */
int master_keeper_start(struct master *, char *err, size_t errlen);
void master_keeper_lost(struct master *, int reaped, int status);
int master_keeper_register(struct master *, struct peer *,
	    const struct store_secret *, int *worker_fd);
void master_keeper_listen(struct master *);
int master_keeper_meta(struct master *);
void master_keeper_sent(struct master *, int queued);

/* master-ctl.c */
int master_ctl_listen(struct master *);
void master_ctl_unsealed(struct master *);
void master_ctl_close_all(struct master *);
void master_ctl_watch_ended(struct master *, long long id);

/* notify.c: NotifyCommand, run outside the event loop */
#define NOTIFY_JSON_MAX 4096
pid_t notify_run(const char *command, const char *json, int timeout_sec);
void notify_reap(pid_t, int status);
int notify_request_json(const char *event, const struct store_request *,
	    char *out, size_t outlen);

/* master-jit.c */
int master_w_request(struct master *, struct peer *, const void *);
int master_w_requests(struct master *, struct peer *, const void *);
int master_w_decide(struct master *, struct peer *, const void *);
int master_w_request_state(struct master *, struct peer *, const void *);
void master_jit_tick(struct master *, int changed);
int master_notify_reap(struct master *, pid_t, int status);

#endif /* MASTER_H */
