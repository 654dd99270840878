/* cli.h: what the jumpgate host tool's command files share. */
#ifndef CLI_H
#define CLI_H

#include "jumpgate.h"
#include "proto.h"
#include "replay.h"

struct cli {
	const char *config_path;	/* -c, $JUMPGATE_CONFIG or default */
	struct config cfg;
	struct store *store;		/* opened by cli_store_open */
	struct store_actor actor;	/* who acts: the real uid's name */
	char actor_name[JG_NAME_MAX + 1];
};

/* jumpgate.c */
void cli_error(const char *, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *usage, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int cli_store_open(struct cli *);
int cli_store_witness(struct cli *);
int cli_store_fail(struct cli *, int rc, const char *what);
/*
 * Option scanning shared by every command: argv[i] is "--name" (or
 * "--name=value"); returns the value or NULL and advances i.
 */
int cli_flag(int argc, char **argv, int *i, const char *name);
int cli_since(const char *, time_t *);
const char *cli_opt(int argc, char **argv, int *i, const char *name,
	    int *bad);

/* help.c */
int help_wanted(int, char **);
int help_show(const char *);

/* cmd-init.c */
int cmd_init(struct cli *, int, char **);
/* cmd-user.c */
int cmd_user(struct cli *, int, char **);
/* cmd-review.c */
int cmd_review(struct cli *, int, char **);
/* cmd-mfa.c */
int cmd_user_mfa(struct cli *, int, char **, const char *usage);
/* cmd-target.c */
int cmd_target(struct cli *, int, char **);
/* cmd-access.c */
int cmd_access(struct cli *, int, char **);
/* cmd-vault.c */
int cmd_vault(struct cli *, int, char **);
int cli_vault_open(struct cli *, const char *passfile, struct vault_key **);
/* cmd-unseal.c */
int cmd_unseal(struct cli *, int, char **);
/* ctl.c: the control socket */
struct msgconn *ctl_connect(const struct config *, char *err, size_t errlen);
int ctl_call_fd(struct msgconn *, int queued, int timeout_ms, uint32_t *type,
	    struct buf *in, int *fd, char *err, size_t errlen);
int ctl_call(struct msgconn *, int queued, int timeout_ms, uint32_t *type,
	    struct buf *in, char *err, size_t errlen);
/* cmd-sessions.c */
int cmd_sessions(struct cli *, int, char **);
/* cmd-kill.c */
int cmd_kill(struct cli *, int, char **);
/* cmd-audit.c */
int cmd_audit(struct cli *, int, char **);
/* cmd-verify.c */
int cmd_verify(struct cli *, int, char **);
/* cmd-replay.c */
int cmd_replay(struct cli *, int, char **);
int cmd_watch(struct cli *, int, char **);
/* cmd-export.c */
int cmd_export(struct cli *, int, char **);
/* cmd-search.c */
int cmd_search(struct cli *, int, char **);
/* cmd-commands.c */
int cmd_commands(struct cli *, int, char **);
int commands_search(struct cli *, const regex_t *, const char *user,
	    const char *target, const char *since, int json);
/* cmd-report.c */
int cmd_report(struct cli *, int, char **);
/* cmd-transfers.c */
int cmd_transfers(struct cli *, int, char **);

/* cmd-requests.c: requests, approve, deny (and helpers cmd-grants.c shares) */
int cmd_requests(struct cli *, int, char **);
int cmd_approve(struct cli *, int, char **);
int cmd_deny(struct cli *, int, char **);
int cli_jit_sweep(struct cli *);
/* cmd-grants.c */
int cmd_grants(struct cli *, int, char **);
int cmd_revoke(struct cli *, int, char **);

/* recording.c: a session's recording opened read-only for replay/. */
struct rec_vault {			/* the vault, unlocked once, lazily */
	struct cli *c;
	const char *passphrase_file;
	struct vault_key *key;
	int failed;
	uint64_t seek_ms;		/* replay --from: the first seek (0: none) */
};
struct cli_rec {
	struct store_session s;
	int fd;
	struct replay *rp;		/* NULL: not even a header to read */
	struct replay_check chk;	/* what replay/ found */
};
#define CLI_REC_NONE 1			/* the session has no recording */
int cli_rec_open(struct rec_vault *, long long id, int flags,
	    struct cli_rec *, char *err, size_t errlen);
int cli_rec_open_one(struct rec_vault *, long long id, int flags,
	    struct cli_rec *);
void cli_rec_close(struct cli_rec *);
void rec_vault_done(struct rec_vault *);

#endif /* CLI_H */
