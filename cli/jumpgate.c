/* jumpgate.c: the host-side tool's entry: options, config, command dispatch. */

/*
 * Options come before the command (`jumpgate -c FILE init`). Each command
 * group lives in its own cmd-*.c file and returns the exit code: 0 done,
 * 1 failed with one line on stderr, 2 usage error.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define JUMPGATE_USAGE \
"usage: jumpgate [-c FILE] COMMAND [ARGS]\n" \
"       jumpgate -h | --help | -V | --version | COMMAND -h\n" \
"commands:\n" \
"  init [--passphrase-file F]\n" \
"  user add NAME [--role ROLE]... [--key FILE|-] | user list [--json]\n" \
"  user del NAME | user key add NAME FILE|- | user key list [NAME] [--json]\n" \
"  user key del FINGERPRINT | user mfa NAME --totp|--off\n" \
"  target add NAME --host H [--port N] --login L (--host-key 'TYPE BASE64' | --scan)\n" \
"  target list [--json] | target del NAME\n" \
"  vault set TARGET (--password-stdin | --key-file FILE) [--passphrase-file F]\n" \
"  vault list [--json] | vault del TARGET\n" \
"  vault rekey [--passphrase-file OLD] [--new-passphrase-file NEW]\n" \
"  unseal [--passphrase-file F]\n" \
"  sessions [--live] [--user U] [--target T] [--json]\n" \
"  kill ID [--reason TEXT] | kill --user U [--reason TEXT]\n" \
"  replay ID [--speed X] [--from TIME] [--idle-limit SEC] [--cat]\n" \
"  export ID [--format asciicast] [-o FILE]\n" \
"  verify ID... | verify --all\n" \
"  search REGEX [--user U] [--target T]\n" \
"    (replay, export, verify, search: [--passphrase-file F])\n" \
"  access add ROLE TARGET_GLOB [--approval-by ROLE [--approvals N] [--max-duration DUR]]\n" \
"  access list [--json] | access del ID\n" \
"  requests [--pending] [--json]\n" \
"  approve ID --as USER [--comment TEXT] | deny ID --as USER [--reason TEXT]\n" \
"  grants [--active] [--json] | revoke ID\n" \
"  review start [--role ROLE]... [--reviewer-role ROLE] [--due DUR]\n" \
"         [--default keep|revoke] | review list|show ID [--json]\n" \
"  review decide ITEM keep|revoke --as USER | review close ID\n" \
"  audit [--since TIME] [--json] | audit verify [--witness FILE]\n"

static const struct option cli_long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
} cli_commands[] = {
	{ "init", cmd_init },
	{ "user", cmd_user },
	{ "target", cmd_target },
	{ "access", cmd_access },
	{ "vault", cmd_vault },
	{ "audit", cmd_audit },
	{ "unseal", cmd_unseal },
	{ "sessions", cmd_sessions },
	{ "kill", cmd_kill },
	{ "replay", cmd_replay },
	{ "watch", cmd_watch },
	{ "commands", cmd_commands },
	{ "report", cmd_report },
	{ "review", cmd_review },
	{ "transfers", cmd_transfers },
	{ "export", cmd_export },
	{ "verify", cmd_verify },
	{ "search", cmd_search },
	{ "requests", cmd_requests },
	{ "approve", cmd_approve },
	{ "deny", cmd_deny },
	{ "grants", cmd_grants },
	{ "revoke", cmd_revoke },
};

void
cli_error(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line, always, and no control characters from the input. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	fprintf(stderr, "jumpgate: %s\n", msg);
}

int
cli_usage_error(const char *usage, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s (usage: %s)", msg, usage);
	return JG_EXIT_USAGE;
}

int
cli_flag(int argc, char **argv, int *i, const char *name)
{
	(void)argc;
	return strcmp(argv[*i], name) == 0;
}

const char *
cli_opt(int argc, char **argv, int *i, const char *name, int *bad)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*bad = 1;
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

/* --since TIME: an ISO 8601 UTC time, or a DUR meaning that long ago. */
int
cli_since(const char *s, time_t *out)
{
	return time_spec_parse(s, -1, out);
}

int
cli_store_open(struct cli *c)
{
	char path[JG_PATH_MAX], err[JG_ERRLEN];

	if (config_db_path(&c->cfg, path, sizeof(path)) != JG_OK) {
		cli_error("StateDirectory too long");
		return JG_EXIT_FAIL;
	}
	if (store_open(path, 0, &c->store, err, sizeof(err)) != JG_OK) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	return cli_store_witness(c);
}

/* The audit rows this command writes leave the database too (witness.c). */
int
cli_store_witness(struct cli *c)
{
	char head[JG_PATH_MAX];

	if (config_audit_head_path(&c->cfg, head, sizeof(head)) != JG_OK) {
		cli_error("StateDirectory too long");
		return JG_EXIT_FAIL;
	}
	store_audit_witness(c->store, head, c->cfg.audit_log_file);
	return JG_EXIT_OK;
}

/* Report a failed store call in one line; returns the exit code. */
int
cli_store_fail(struct cli *c, int rc, const char *what)
{
	(void)rc;
	if (what != NULL)
		cli_error("%s: %s", what, store_errmsg(c->store));
	else
		cli_error("%s", store_errmsg(c->store));
	return JG_EXIT_FAIL;
}

static void
cli_actor(struct cli *c)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(c->actor_name, sizeof(c->actor_name), "%s",
	    pw != NULL && name_valid(pw->pw_name) ? pw->pw_name : "unknown");
	c->actor.name = c->actor_name;
	c->actor.uid = (long)getuid();
}

int
main(int argc, char **argv)
{
	struct cli c;
	char err[JG_ERRLEN];
	size_t i;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	log_init("jumpgate", 1, LOG_LVL_ERROR);
	umask(077);
	/* Commands read the vault key, passphrases and recording keys. */
	if (core_dumps_disable() != JG_OK) {
		cli_error("cannot disable core dumps: %s", strerror(errno));
		return JG_EXIT_FAIL;
	}
	while ((ch = getopt_long(argc, argv, "+c:hV", cli_long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			break;
		case 'h':
			fputs(JUMPGATE_USAGE, stdout);
			return JG_EXIT_OK;
		case 'V':
			printf("jumpgate %s\n", PACKAGE_VERSION);
			return JG_EXIT_OK;
		default:
			fputs(JUMPGATE_USAGE, stderr);
			return JG_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		fputs(JUMPGATE_USAGE, stderr);
		return JG_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		if (strcmp(argv[0], cli_commands[i].name) == 0)
			break;
	if (i == sizeof(cli_commands) / sizeof(cli_commands[0])) {
		cli_error("unknown command: %s (jumpgate -h lists them)",
		    argv[0]);
		return JG_EXIT_USAGE;
	}
	/* Help needs no config: a new user may not have one yet. */
	if (help_wanted(argc, argv)) {
		if (help_show(argv[0]) != 0) {
			cli_error("no help for %s", argv[0]);
			return JG_EXIT_FAIL;
		}
		return JG_EXIT_OK;
	}
	if (c.config_path == NULL)
		c.config_path = getenv("JUMPGATE_CONFIG");
	if (c.config_path == NULL || c.config_path[0] == '\0')
		c.config_path = config_default_path();
	if (config_load(&c.cfg, c.config_path, err, sizeof(err)) != JG_OK) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	cli_actor(&c);
	rc = cli_commands[i].fn(&c, argc, argv);
	store_close(c.store);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write output: %s", strerror(errno));
		return JG_EXIT_FAIL;
	}
	return rc;
}
