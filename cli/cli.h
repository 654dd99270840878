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

#endif /* CLI_H */
