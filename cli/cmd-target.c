/* cmd-target.c: `jumpgate target ...`: hosts behind the gateway and their pinned host keys. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TARGET_USAGE "jumpgate target add NAME --host H [--port N] --login L " \
	"(--host-key 'TYPE BASE64' | --scan) | target list [--json] | " \
	"target del NAME"

static int
target_host_valid(const char *h)
{
	size_t n = strlen(h);

	return n > 0 && n < 256 && h[0] != '-' && !str_has_control(h) &&
	    strpbrk(h, " \t/@") == NULL;
}

static int
target_add(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *host = NULL, *port = NULL, *login = NULL;
	const char *hostkey = NULL, *v;
	struct store_target t;
	struct sshkey_pub k;
	char err[JG_ERRLEN];
	int i, bad = 0, scan = 0, rc;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--host", &bad)) != NULL)
			host = v;
		else if ((v = cli_opt(argc, argv, &i, "--port", &bad)) != NULL)
			port = v;
		else if ((v = cli_opt(argc, argv, &i, "--login", &bad)) !=
		    NULL)
			login = v;
		else if ((v = cli_opt(argc, argv, &i, "--host-key", &bad)) !=
		    NULL)
			hostkey = v;
		else if (cli_flag(argc, argv, &i, "--scan"))
			scan = 1;
		else if (bad || (argv[i][0] == '-' && argv[i][1] == '-'))
			return cli_usage_error(TARGET_USAGE, bad ?
			    "missing value" : "unknown option %s", argv[i]);
		else if (name == NULL)
			name = argv[i];
		else
			return cli_usage_error(TARGET_USAGE, "unexpected "
			    "argument '%s'", argv[i]);
	}
	if (bad)
		return cli_usage_error(TARGET_USAGE, "missing value");
	if (name == NULL || host == NULL || login == NULL)
		return cli_usage_error(TARGET_USAGE, "target add needs NAME, "
		    "--host and --login");
	if ((hostkey == NULL) == (scan == 0))
		return cli_usage_error(TARGET_USAGE, "give exactly one of "
		    "--host-key and --scan");
	memset(&t, 0, sizeof(t));
	t.port = 22;
	if (!name_valid(name)) {
		cli_error("invalid target name: '%s' (allowed: "
		    "[A-Za-z0-9._-], 1-64 characters, not . or .., no leading "
		    "-)", name);
		return JG_EXIT_FAIL;
	}
	if (!target_host_valid(host)) {
		cli_error("invalid host: '%s'", host);
		return JG_EXIT_FAIL;
	}
	if (port != NULL && port_parse(port, &t.port) != JG_OK) {
		cli_error("invalid port: '%s' (1-65535)", port);
		return JG_EXIT_FAIL;
	}
	if (!name_valid(login)) {
		cli_error("invalid login: '%s'", login);
		return JG_EXIT_FAIL;
	}
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.host, sizeof(t.host), "%s", host);
	snprintf(t.login, sizeof(t.login), "%s", login);
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	/* Refuse a duplicate before touching the network. */
	if (store_target_get(c->store, name, &t) == JG_OK) {
		cli_error("target %s already exists", name);
		return JG_EXIT_FAIL;
	}
	if (scan)
		rc = sshkey_scan_host(host, t.port, c->cfg.connect_timeout, &k,
		    err, sizeof(err));
	else
		rc = sshkey_parse_line(hostkey, &k, err, sizeof(err));
	if (rc != JG_OK) {
		if (scan)
			cli_error("%s: %s", name, err);
		else
			cli_error("invalid --host-key: %s", err);
		return JG_EXIT_FAIL;
	}
	snprintf(t.host_key, sizeof(t.host_key), "%s %s", k.type, k.base64);
	if (scan)
		printf("%s:%d host key %s %s\n", host, t.port, k.type,
		    k.fingerprint);
	if ((rc = store_target_add(c->store, &c->actor, &t)) != JG_OK) {
		sshkey_pub_clear(&k);
		return cli_store_fail(c, rc, NULL);
	}
	printf("added target %s (%s@%s:%d), host key %s pinned\n", name,
	    login, host, t.port, k.fingerprint);
	sshkey_pub_clear(&k);
	return JG_EXIT_OK;
}

static int
target_list(struct cli *c, int json)
{
	struct store_target *v;
	struct sshkey_pub k;
	struct json *j = NULL;
	char err[JG_ERRLEN];
	size_t n, i;
	int rc;

	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_target_list(c->store, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json) {
		j = json_new(stdout);
		json_array_begin(j);
	} else
		printf("%-20s %-30s %5s %-16s %s\n", "NAME", "HOST", "PORT",
		    "LOGIN", "HOST KEY");
	for (i = 0; i < n; i++) {
		if (sshkey_parse_line(v[i].host_key, &k, err, sizeof(err)) !=
		    JG_OK)
			snprintf(k.fingerprint, sizeof(k.fingerprint), "?");
		if (json) {
			json_object_begin(j);
			json_key_str(j, "name", v[i].name);
			json_key_str(j, "host", v[i].host);
			json_key_int(j, "port", v[i].port);
			json_key_str(j, "login", v[i].login);
			json_key_str(j, "host_key", v[i].host_key);
			json_key_str(j, "host_key_fingerprint", k.fingerprint);
			json_key_str(j, "created", v[i].created);
			json_object_end(j);
		} else
			printf("%-20s %-30s %5d %-16s %s\n", v[i].name,
			    v[i].host, v[i].port, v[i].login, k.fingerprint);
		sshkey_pub_clear(&k);
	}
	if (json) {
		json_array_end(j);
		json_free(j);
	}
	free(v);
	return JG_EXIT_OK;
}

int
cmd_target(struct cli *c, int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return cli_usage_error(TARGET_USAGE, "target needs a "
		    "subcommand");
	if (strcmp(argv[1], "add") == 0)
		return target_add(c, argc, argv);
	if (strcmp(argv[1], "list") == 0) {
		if (argc == 2)
			return target_list(c, 0);
		if (argc == 3 && strcmp(argv[2], "--json") == 0)
			return target_list(c, 1);
		return cli_usage_error(TARGET_USAGE, "unexpected argument "
		    "'%s'", argv[2]);
	}
	if (strcmp(argv[1], "del") == 0) {
		if (argc != 3)
			return cli_usage_error(TARGET_USAGE, "target del needs "
			    "a NAME");
		if (!name_valid(argv[2])) {
			cli_error("invalid target name: '%s'", argv[2]);
			return JG_EXIT_FAIL;
		}
		if (cli_store_open(c) != JG_EXIT_OK)
			return JG_EXIT_FAIL;
		if ((rc = store_target_del(c->store, &c->actor, argv[2])) !=
		    JG_OK)
			return cli_store_fail(c, rc, NULL);
		printf("removed target %s\n", argv[2]);
		return JG_EXIT_OK;
	}
	return cli_usage_error(TARGET_USAGE, "unknown target command '%s'",
	    argv[1]);
}
