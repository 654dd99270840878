/* cli.h: what the jumpgate host tool's command files share. */
#ifndef CLI_H
#define CLI_H

#include "jumpgate.h"

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
int cli_store_fail(struct cli *, int rc, const char *what);
/*
 * Option scanning shared by every command: argv[i] is "--name" (or
 * "--name=value"); returns the value or NULL and advances i.
 */
int cli_flag(int argc, char **argv, int *i, const char *name);
const char *cli_opt(int argc, char **argv, int *i, const char *name,
	    int *bad);

/* cmd-init.c */
int cmd_init(struct cli *, int, char **);
/* cmd-user.c */
int cmd_user(struct cli *, int, char **);
/* cmd-target.c */
int cmd_target(struct cli *, int, char **);
/* cmd-access.c */
int cmd_access(struct cli *, int, char **);
/* cmd-vault.c */
int cmd_vault(struct cli *, int, char **);
/* cmd-unseal.c */
int cmd_unseal(struct cli *, int, char **);
/* cmd-sessions.c */
int cmd_sessions(struct cli *, int, char **);
/* cmd-audit.c */
int cmd_audit(struct cli *, int, char **);
/* cmd-verify.c, cmd-replay.c, cmd-export.c, cmd-search.c */
int cmd_verify(struct cli *, int, char **);
int cmd_replay(struct cli *, int, char **);
int cmd_export(struct cli *, int, char **);
int cmd_search(struct cli *, int, char **);

/* cmd-requests.c: requests, approve, deny (and helpers cmd-grants.c shares) */
int cmd_requests(struct cli *, int, char **);
int cmd_approve(struct cli *, int, char **);
int cmd_deny(struct cli *, int, char **);
int cli_parse_id(const char *, long long *);
int cli_jit_sweep(struct cli *);
/* cmd-grants.c */
int cmd_grants(struct cli *, int, char **);
int cmd_revoke(struct cli *, int, char **);

/* recording.c: open a session's recording read-only and check it. */
struct rec_vault {			/* the vault, unlocked once, lazily */
	struct cli *c;
	const char *passphrase_file;
	struct vault_key *key;
	int failed;
};
struct cli_rec {
	struct store_session s;
	int fd;
	unsigned char *key;		/* the recording key, locked memory */
	size_t keylen;
	struct rec_reader *r;
};
/* What a full pass over a recording found. */
enum { REC_CHECK_INTACT = 0, REC_CHECK_TRUNCATED, REC_CHECK_DAMAGED };
struct rec_check {
	int status;
	char reason[256];		/* for TRUNCATED and DAMAGED */
	uint64_t last_ms;		/* time of the last intact event */
	uint64_t events;		/* intact events read */
	struct rec_summary sum;		/* the end mark (INTACT) */
	char term[64];			/* TERM if a request named it */
};
#define CLI_REC_NONE 1			/* the session has no recording */
int cli_rec_open(struct rec_vault *, long long id, struct cli_rec *,
	    struct rec_check *early, char *err, size_t errlen);
int cli_rec_check(struct cli_rec *, struct rec_check *);
int cli_rec_rewind(struct cli_rec *, char *err, size_t errlen);
void cli_rec_close(struct cli_rec *);
void rec_vault_done(struct rec_vault *);

/* rec-text.c: pure helpers (tests/unit/test-recplay.c) */
int rec_time_parse(const char *, uint64_t *ms);
void rec_hms(uint64_t ms, char *buf, size_t len);
struct rec_strip {
	int state;
};
void rec_strip_init(struct rec_strip *);
size_t rec_strip_feed(struct rec_strip *, const unsigned char *, size_t,
	    unsigned char *out);
struct rec_utf8 {
	unsigned char tail[4];
	size_t ntail;
};
void rec_utf8_init(struct rec_utf8 *);
size_t rec_json_max(size_t n);
size_t rec_json_utf8(struct rec_utf8 *, const unsigned char *, size_t,
	    int final, char *out);

#endif /* CLI_H */
