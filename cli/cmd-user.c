/* cmd-user.c: `jumpgate user ...`: gateway users, their roles and public keys (one-time codes: cmd-mfa.c). */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define USER_USAGE "jumpgate user add NAME [--role ROLE]... [--key FILE|-] " \
	"| user list [--json] | user del NAME [--force] | user disable NAME [--reason " \
	"TEXT] | user enable NAME | user key add NAME FILE|- " \
	"| user key list [NAME] [--json] | user key del FINGERPRINT " \
	"| user role add|del NAME ROLE " \
	"| user mfa NAME --totp|--off [--passphrase-file F]"
#define USER_MAX_ROLES 32

static int
user_add(struct cli *c, int argc, char **argv)
{
	char *roles[USER_MAX_ROLES], err[JG_ERRLEN];
	const char *name = NULL, *keyfile = NULL, *v;
	struct sshkey_pub key;
	size_t nroles = 0;
	int i, bad = 0, rc;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--role", &bad)) != NULL) {
			if (!name_valid(v)) {
				cli_error("invalid role name: '%s'", v);
				return JG_EXIT_FAIL;
			}
			if (nroles == USER_MAX_ROLES)
				return cli_usage_error(USER_USAGE,
				    "at most %d roles", USER_MAX_ROLES);
			roles[nroles++] = (char *)v;
		} else if ((v = cli_opt(argc, argv, &i, "--key", &bad)) != NULL)
			keyfile = v;
		else if (bad || (argv[i][0] == '-' && argv[i][1] == '-'))
			break;
		else if (name == NULL)
			name = argv[i];
		else
			return cli_usage_error(USER_USAGE, "unexpected "
			    "argument '%s'", argv[i]);
	}
	if (bad || i < argc)
		return cli_usage_error(USER_USAGE, bad ? "missing value" :
		    "unknown option %s", argv[i < argc ? i : argc - 1]);
	if (name == NULL)
		return cli_usage_error(USER_USAGE, "user add needs a NAME");
	if (!name_valid(name)) {
		cli_error("invalid user name: '%s' (allowed: "
		    "[A-Za-z0-9._-], 1-64 characters, not . or .., no leading "
		    "-)", name);
		return JG_EXIT_FAIL;
	}
	memset(&key, 0, sizeof(key));
	if (keyfile != NULL && sshkey_load_public_file(keyfile, &key, err,
	    sizeof(err)) != JG_OK) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK) {
		sshkey_pub_clear(&key);
		return JG_EXIT_FAIL;
	}
	rc = store_user_add(c->store, &c->actor, name, roles, nroles,
	    keyfile != NULL ? &key : NULL);
	if (rc != JG_OK) {
		sshkey_pub_clear(&key);
		return cli_store_fail(c, rc, NULL);
	}
	printf("added user %s", name);
	if (keyfile != NULL)
		printf(" with key %s", key.fingerprint);
	printf("\n");
	sshkey_pub_clear(&key);
	return JG_EXIT_OK;
}

static void
user_json_object(struct json *j, const void *elem)
{
	const struct store_user *e = elem;

	json_key_str(j, "name", e->name);
	json_key_strv(j, "roles", e->roles, e->nroles);
	json_key_int(j, "keys", (long long)e->nkeys);
	json_key_str(j, "created", e->created);
	json_key_bool(j, "disabled", e->disabled);
	json_key_str(j, "disabled_reason", e->disabled ? e->disabled_why :
	    NULL);
	json_key_str(j, "last_login", e->last_login[0] ? e->last_login :
	    NULL);
	json_key_bool(j, "mfa", e->mfa);
}

static int
user_list(struct cli *c, int json)
{
	struct store_user *v;
	size_t n, i, k;
	int rc;

	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_user_list(c->store, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json)
		json_list(stdout, v, n, sizeof(*v), user_json_object);
	else {
		printf("%-20s %-30s %4s  %s\n", "NAME", "ROLES", "KEYS",
		    "CREATED");
		for (i = 0; i < n; i++) {
			char roles[512] = "", when[32];

			for (k = 0; k < v[i].nroles; k++) {
				if (k > 0)
					strncat(roles, ",", sizeof(roles) -
					    strlen(roles) - 1);
				strncat(roles, v[i].roles[k], sizeof(roles) -
				    strlen(roles) - 1);
			}
			time_local_iso(v[i].created, when, sizeof(when));
			printf("%-20s %-30s %4zu  %s%s%s\n", v[i].name,
			    roles[0] ? roles : "-", v[i].nkeys, when,
			    v[i].mfa ? "  (mfa)" : "",
			    v[i].disabled ? "  (disabled)" : "");
		}
	}
	store_user_free(v, n);
	return JG_EXIT_OK;
}

static int
user_key_add(struct cli *c, int argc, char **argv)
{
	struct sshkey_pub key;
	char err[JG_ERRLEN];
	int rc;

	if (argc != 5)
		return cli_usage_error(USER_USAGE, "user key add needs NAME "
		    "and FILE");
	if (!name_valid(argv[3])) {
		cli_error("invalid user name: '%s'", argv[3]);
		return JG_EXIT_FAIL;
	}
	if (sshkey_load_public_file(argv[4], &key, err, sizeof(err)) !=
	    JG_OK) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK) {
		sshkey_pub_clear(&key);
		return JG_EXIT_FAIL;
	}
	if ((rc = store_key_add(c->store, &c->actor, argv[3], &key)) !=
	    JG_OK) {
		sshkey_pub_clear(&key);
		return cli_store_fail(c, rc, NULL);
	}
	printf("added key %s to user %s\n", key.fingerprint, argv[3]);
	sshkey_pub_clear(&key);
	return JG_EXIT_OK;
}

static void
key_json_object(struct json *j, const void *elem)
{
	const struct store_key *e = elem;

	json_key_str(j, "user", e->user);
	json_key_str(j, "type", e->type);
	json_key_str(j, "fingerprint", e->fingerprint);
	json_key_str(j, "comment", e->comment);
	json_key_str(j, "created", e->created);
}

static int
user_key_list(struct cli *c, const char *user, int json)
{
	struct store_key *v;
	size_t n, i;
	int rc;

	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_key_list(c->store, user, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json)
		json_list(stdout, v, n, sizeof(*v), key_json_object);
	else {
		printf("%-20s %-20s %-52s %s\n", "USER", "TYPE", "FINGERPRINT",
		    "COMMENT");
		for (i = 0; i < n; i++)
			printf("%-20s %-20s %-52s %s\n", v[i].user, v[i].type,
			    v[i].fingerprint, v[i].comment);
	}
	free(v);
	return JG_EXIT_OK;
}

static int
user_key(struct cli *c, int argc, char **argv)
{
	const char *user = NULL;
	int i, json = 0, rc;

	if (argc < 3)
		return cli_usage_error(USER_USAGE, "user key needs add, list "
		    "or del");
	if (strcmp(argv[2], "add") == 0)
		return user_key_add(c, argc, argv);
	if (strcmp(argv[2], "del") == 0) {
		if (argc != 4)
			return cli_usage_error(USER_USAGE, "user key del needs "
			    "a FINGERPRINT");
		if (cli_store_open(c) != JG_EXIT_OK)
			return JG_EXIT_FAIL;
		if ((rc = store_key_del(c->store, &c->actor, argv[3])) !=
		    JG_OK)
			return cli_store_fail(c, rc, NULL);
		printf("removed key %s\n", argv[3]);
		return JG_EXIT_OK;
	}
	if (strcmp(argv[2], "list") != 0)
		return cli_usage_error(USER_USAGE, "unknown user key command "
		    "'%s'", argv[2]);
	for (i = 3; i < argc; i++) {
		if (cli_flag(argc, argv, &i, "--json"))
			json = 1;
		else if (user == NULL && argv[i][0] != '-')
			user = argv[i];
		else
			return cli_usage_error(USER_USAGE, "unexpected "
			    "argument '%s'", argv[i]);
	}
	return user_key_list(c, user, json);
}

/* user disable NAME [--reason TEXT] | user enable NAME */
static int
user_able(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *reason = "", *v;
	int enable = strcmp(argv[1], "enable") == 0, i, bad = 0, rc, nreq,
	    ngr;

	for (i = 2; i < argc; i++) {
		if (!enable && (v = cli_opt(argc, argv, &i, "--reason", &bad)))
			reason = v;
		else if (!bad && name == NULL && argv[i][0] != '-')
			name = argv[i];
		else
			return cli_usage_error(USER_USAGE, bad ? "missing "
			    "value" : "unexpected argument '%s'", argv[i]);
	}
	if (bad || name == NULL)
		return cli_usage_error(USER_USAGE, "user %s needs a NAME",
		    argv[1]);
	if (!name_valid(name)) {
		cli_error("invalid user name: '%s'", name);
		return JG_EXIT_FAIL;
	}
	if (strlen(reason) > STORE_REASON_MAX || str_has_control(reason)) {
		cli_error("--reason: at most %d characters, no control "
		    "characters", STORE_REASON_MAX);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if (enable) {
		if ((rc = store_user_enable(c->store, &c->actor, name)) !=
		    JG_OK)
			return cli_store_fail(c, rc, NULL);
		printf("enabled user %s\n", name);
		return JG_EXIT_OK;
	}
	if ((rc = store_user_disable(c->store, &c->actor, name, reason, &nreq,
	    &ngr)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	printf("disabled user %s: %d pending request%s cancelled, %d grant%s "
	    "revoked; live sessions end within seconds\n", name, nreq,
	    nreq == 1 ? "" : "s", ngr, ngr == 1 ? "" : "s");
	return JG_EXIT_OK;
}

/* user role add|del NAME ROLE: a mover; sessions no rule allows any more end. */
static int
user_role(struct cli *c, int argc, char **argv)
{
	int add, rc;

	if (argc != 5 || (strcmp(argv[2], "add") != 0 &&
	    strcmp(argv[2], "del") != 0))
		return cli_usage_error(USER_USAGE, "user role needs add or del, "
		    "a NAME and a ROLE");
	add = strcmp(argv[2], "add") == 0;
	if (!name_valid(argv[3])) {
		cli_error("invalid user name: '%s'", argv[3]);
		return JG_EXIT_FAIL;
	}
	if (!name_valid(argv[4])) {
		cli_error("invalid role name: '%s'", argv[4]);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_user_role(c->store, &c->actor, argv[3], argv[4], add)) !=
	    JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (add)
		printf("user %s has role %s\n", argv[3], argv[4]);
	else
		printf("user %s no longer has role %s: sessions that no rule "
		    "or grant allows any more end within seconds\n", argv[3],
		    argv[4]);
	return JG_EXIT_OK;
}

int
cmd_user(struct cli *c, int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return cli_usage_error(USER_USAGE, "user needs a subcommand");
	if (strcmp(argv[1], "add") == 0)
		return user_add(c, argc, argv);
	if (strcmp(argv[1], "key") == 0)
		return user_key(c, argc, argv);
	if (strcmp(argv[1], "role") == 0)
		return user_role(c, argc, argv);
	if (strcmp(argv[1], "mfa") == 0)
		return cmd_user_mfa(c, argc, argv, USER_USAGE);
	if (strcmp(argv[1], "list") == 0) {
		if (argc == 2)
			return user_list(c, 0);
		if (argc == 3 && strcmp(argv[2], "--json") == 0)
			return user_list(c, 1);
		return cli_usage_error(USER_USAGE, "unexpected argument '%s'",
		    argv[2]);
	}
	if (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0)
		return user_able(c, argc, argv);
	if (strcmp(argv[1], "del") == 0) {
		int force = argc == 4 && strcmp(argv[3], "--force") == 0;

		if (argc != 3 && !force)
			return cli_usage_error(USER_USAGE, "user del needs a "
			    "NAME (and --force to end live sessions)");
		if (!name_valid(argv[2])) {
			cli_error("invalid user name: '%s'", argv[2]);
			return JG_EXIT_FAIL;
		}
		if (cli_store_open(c) != JG_EXIT_OK)
			return JG_EXIT_FAIL;
		if ((rc = store_user_del(c->store, &c->actor, argv[2], force)) !=
		    JG_OK)
			return cli_store_fail(c, rc, NULL);
		printf("removed user %s\n", argv[2]);
		return JG_EXIT_OK;
	}
	return cli_usage_error(USER_USAGE, "unknown user command '%s'",
	    argv[1]);
}
