/* master.h: what the master's files share (master.c, master-jit.c). */
#ifndef MASTER_H
#define MASTER_H

#include <netinet/in.h>

#include "gateway.h"

#define MASTER_MAX_LISTEN CONFIG_LISTEN_MAX * 2
#define MASTER_PENALTY_SLOTS 4096
#define MASTER_PEER_SESSIONS 64
#define MASTER_CTL_MAX 16

enum peer_state {
	PEER_PREAUTH = 0x1,	/* before public-key authentication */
	PEER_AUTHED = 0x2,	/* authenticated: target or command mode */
};

struct peer {
	struct peer *next;
	struct master *m;
	pid_t pid;
	struct msgconn *conn;
	struct event *rev, *wev;
	int state;
	int auth_fails;
	int authorized;		/* AUTHORIZE answered ok once */
	uint64_t conn_id;
	char user[JG_NAME_MAX + 1];
	char fp[SSHKEY_FP_LEN];
	char target[JG_NAME_MAX + 1];
	char login[JG_NAME_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
	char source[128];
	time_t started;		/* monotonic seconds */
	long long sessions[MASTER_PEER_SESSIONS];
	size_t nsessions;
	int dead;		/* killed; waiting for SIGCHLD */
	time_t kill_at;		/* told to stop; killed if still here then */
	/* access through a grant: ended by the master when the grant ends */
	long long grant_id;
	time_t grant_deadline;	/* monotonic */
	int grant_warned;	/* 2: told of 5 minutes, 1: of 1 minute */
	int how;		/* AUTHZ_* of the authorization */
};

struct penalty {
	char addr[INET6_ADDRSTRLEN];
	time_t fails[16];	/* ring of recent failure times */
	size_t nfails;
	time_t until;		/* refused until (monotonic) */
	time_t last;
};

struct ctl {
	struct master *m;
	int fd;
	struct event *ev;
	struct buf *in;
	int waiting_unseal;
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
	struct peer *peers;
	size_t preauth;
	uint64_t conn_seq;
	struct penalty *penalties;
	/* keeper */
	pid_t keeper_pid;
	struct msgconn *keeper;
	struct event *krev, *kwev;
	int unsealed;
	char keeper_status[256];
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
	struct buf *scratch;
	/* pending requests seen, to notify when they change (master-jit.c) */
	struct master_req { long long id; char state[16]; } *reqs;
	size_t nreqs;
	int reqs_loaded;
	/* NotifyCommand children and when they are killed */
	struct master_notify { pid_t pid; time_t deadline; } notify[32];
};

/* master.c */
void master_peer_send(struct peer *, uint32_t type, struct buf *, int fd);
void master_peer_kill(struct peer *, const char *why);
void master_audit(struct master *, const char *actor, const char *action,
	    const char *detail);
int master_text_reply(struct peer *, int ok, const char *text, size_t len);
time_t master_deadline_of(const char *iso);

/* master-jit.c */
int master_w_request(struct master *, struct peer *, struct buf *);
int master_w_requests(struct master *, struct peer *, struct buf *);
int master_w_decide(struct master *, struct peer *, struct buf *);
int master_w_request_state(struct master *, struct peer *, struct buf *);
void master_jit_tick(struct master *, int changed);
int master_notify_reap(struct master *, pid_t, int status);

#endif /* MASTER_H */
