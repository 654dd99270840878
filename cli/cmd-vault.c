/* cmd-vault.c: `jumpgate vault`: store, list, delete target credentials and rekey the vault. */

/*
 * Secrets reach this process only through stdin or a file, never argv, and
 * only ever sit in locked memory that is wiped when freed; nothing here
 * prints one. Every command that seals or re-seals unlocks the vault first,
 * which verifies the key check value, so a wrong key changes nothing.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "cli.h"

#define VAULT_SET_USAGE \
	"jumpgate vault set TARGET (--password-stdin | --key-file FILE) " \
	"[--passphrase-file F]"
#define VAULT_LIST_USAGE "jumpgate vault list [--json]"
#define VAULT_DEL_USAGE "jumpgate vault del TARGET"
#define VAULT_REKEY_USAGE \
	"jumpgate vault rekey [--passphrase-file OLD] " \
	"[--new-passphrase-file NEW]"
#define VAULT_USAGE \
	"jumpgate vault set|list|del|rekey ... (jumpgate -h shows each)"

#define VAULT_PASSWORD_MAX 4096
#define VAULT_PRIVKEY_MAX 65536
#define VAULT_PIDFILE "jumpgated.pid"

/* Read one line of stdin (without its newline) into locked memory. */
static int
vault_read_password(char **pwp, size_t *lenp)
{
	char *pw, *nl = NULL;
	size_t len = 0, cap = VAULT_PASSWORD_MAX;
	ssize_t n;

	if ((pw = vault_secret_alloc(cap + 1)) == NULL) {
		cli_error("out of memory for the password");
		return JG_ENOMEM;
	}
	/* At most cap + 1 bytes: enough to tell an overlong line. */
	while (len <= cap && nl == NULL) {
		n = read(STDIN_FILENO, pw + len, cap + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cli_error("cannot read the password on stdin: %s",
			    strerror(errno));
			vault_secret_free(pw, cap + 1);
			return JG_ERR;
		}
		if (n == 0)
			break;
		nl = memchr(pw + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	if (nl != NULL)
		len = (size_t)(nl - pw);
	if (len > cap) {
		cli_error("password on stdin longer than %d bytes",
		    VAULT_PASSWORD_MAX);
		vault_secret_free(pw, cap + 1);
		return JG_EINVAL;
	}
	/* Whatever followed the first line goes too. */
	sodium_memzero(pw + len, cap + 2 - len);
	if (len == 0) {
		cli_error("empty password on stdin");
		vault_secret_free(pw, cap + 1);
		return JG_EINVAL;
	}
	*pwp = pw;
	*lenp = len;
	return JG_OK;
}

/* libssh asks for a passphrase only when the key is encrypted: note it. */
static int
vault_privkey_asked(const char *prompt, char *buf, size_t len, int echo,
    int verify, void *userdata)
{
	(void)prompt;
	(void)buf;
	(void)len;
	(void)echo;
	(void)verify;
	*(int *)userdata = 1;
	return -1;
}

/* Why text that is not an unencrypted private key was refused. */
static void
vault_privkey_refused(const char *path, const char *text, int encrypted)
{
	struct sshkey_pub pub;
	char why[JG_ERRLEN];

	if (encrypted) {
		cli_error("%s: the private key is encrypted; the vault needs "
		    "it without a passphrase (remove it on a copy with "
		    "ssh-keygen -p)", path);
		return;
	}
	if (sshkey_parse_line(text, &pub, why, sizeof(why)) == JG_OK) {
		sshkey_pub_clear(&pub);
		cli_error("%s: a public key, not a private key: give the "
		    "target's private key file", path);
		return;
	}
	cli_error("%s: not an OpenSSH private key", path);
}

/*
 * Read an OpenSSH private key file into locked memory and check that libssh
 * can use it as it is: the keeper will import it without a passphrase.
 */
static int
vault_read_privkey(const char *path, char **textp, size_t *lenp)
{
	struct stat st;
	ssh_key key = NULL;
	char *text;
	size_t len = 0;
	ssize_t n;
	int fd, encrypted = 0, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		cli_error("%s: %s", path, strerror(errno));
		return JG_ERR;
	}
	if (fstat(fd, &st) == -1) {
		cli_error("%s: %s", path, strerror(errno));
		close(fd);
		return JG_ERR;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > VAULT_PRIVKEY_MAX) {
		cli_error("%s: %s", path, S_ISREG(st.st_mode) ?
		    "too large for a private key" : "not a regular file");
		close(fd);
		return JG_EINVAL;
	}
	if ((text = vault_secret_alloc(VAULT_PRIVKEY_MAX + 1)) == NULL) {
		cli_error("out of memory for the private key");
		close(fd);
		return JG_ENOMEM;
	}
	while (len <= VAULT_PRIVKEY_MAX) {
		n = read(fd, text + len, VAULT_PRIVKEY_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cli_error("%s: %s", path, strerror(errno));
			close(fd);
			vault_secret_free(text, VAULT_PRIVKEY_MAX + 1);
			return JG_ERR;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > VAULT_PRIVKEY_MAX) {
		cli_error("%s: too large for a private key", path);
		vault_secret_free(text, VAULT_PRIVKEY_MAX + 1);
		return JG_EINVAL;
	}
	text[len] = '\0';
	if (len == 0 || strlen(text) != len) {
		cli_error("%s: not an OpenSSH private key", path);
		vault_secret_free(text, VAULT_PRIVKEY_MAX + 1);
		return JG_EINVAL;
	}
	rc = ssh_pki_import_privkey_base64(text, NULL, vault_privkey_asked,
	    &encrypted, &key);
	if (rc != SSH_OK || key == NULL || !ssh_key_is_private(key)) {
		vault_privkey_refused(path, text, encrypted);
		ssh_key_free(key);
		vault_secret_free(text, VAULT_PRIVKEY_MAX + 1);
		return JG_EINVAL;
	}
	/* The keeper signs with Ed25519 only: refuse others now, not at login. */
	if (ssh_key_type(key) != SSH_KEYTYPE_ED25519) {
		cli_error("%s: a %s key: only ssh-ed25519 target keys are "
		    "supported", path, ssh_key_type_to_char(ssh_key_type(key)));
		ssh_key_free(key);
		vault_secret_free(text, VAULT_PRIVKEY_MAX + 1);
		return JG_EINVAL;
	}
	ssh_key_free(key);
	*textp = text;
	*lenp = len;
	return JG_OK;
}

/* Open the store and the vault: the key check passes or nothing happens. */
int
cli_vault_open(struct cli *c, const char *passfile, struct vault_key **keyp)
{
	char err[JG_ERRLEN], note[JG_ERRLEN];
	int rc;

	if (c->store == NULL && cli_store_open(c) != JG_EXIT_OK)
		return JG_ERR;
	rc = vault_unlock(&c->cfg, c->store, passfile, keyp, note,
	    sizeof(note), err, sizeof(err));
	if (note[0] != '\0')	/* an interrupted rekey was dealt with */
		cli_error("%s", note);
	if (rc != JG_OK) {
		cli_error("%s", err);
		return rc;
	}
	return JG_OK;
}

static int
vault_set(struct cli *c, int argc, char **argv)
{
	const char *target = NULL, *keyfile = NULL, *passfile = NULL, *v;
	const char *kind;
	struct store_target t;
	struct store_secret old;
	struct vault_key *key = NULL;
	unsigned char *sealed = NULL;
	char *secret = NULL;
	size_t secretlen = 0, sealedlen = 0;
	uint32_t version = 1;
	int i, bad = 0, from_stdin = 0, rc, ret = JG_EXIT_FAIL;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--key-file", &bad)) != NULL)
			keyfile = v;
		else if ((v = cli_opt(argc, argv, &i, "--passphrase-file",
		    &bad)) != NULL)
			passfile = v;
		else if (bad)
			return cli_usage_error(VAULT_SET_USAGE, "%s needs a "
			    "value", argv[i]);
		else if (cli_flag(argc, argv, &i, "--password-stdin"))
			from_stdin = 1;
		else if (strncmp(argv[i], "--password", 10) == 0)
			return cli_usage_error(VAULT_SET_USAGE, "a secret is "
			    "never taken on the command line: use "
			    "--password-stdin");
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			/* Only up to '=': what follows may be a secret. */
			return cli_usage_error(VAULT_SET_USAGE, "unknown "
			    "option %.*s", (int)strcspn(argv[i], "="),
			    argv[i]);
		else if (target == NULL)
			target = argv[i];
		else
			return cli_usage_error(VAULT_SET_USAGE, "unexpected "
			    "argument %.*s", (int)strcspn(argv[i], "="),
			    argv[i]);
	}
	if (target == NULL)
		return cli_usage_error(VAULT_SET_USAGE, "missing TARGET");
	if (from_stdin == (keyfile != NULL))
		return cli_usage_error(VAULT_SET_USAGE, "give exactly one of "
		    "--password-stdin and --key-file");
	if (!name_valid(target)) {
		cli_error("invalid target name: use 1 to %d of A-Z a-z 0-9 . "
		    "_ -, not starting with -", JG_NAME_MAX);
		return JG_EXIT_FAIL;
	}
	kind = from_stdin ? "password" : "key";

	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_target_get(c->store, target, &t)) == JG_ENOENT) {
		cli_error("no such target: %s", target);
		return JG_EXIT_FAIL;
	} else if (rc != JG_OK)
		return cli_store_fail(c, rc, "cannot read targets");
	rc = store_secret_get(c->store, target, &old);
	if (rc == JG_OK) {
		free(old.sealed);
		if (old.version == UINT32_MAX) {
			cli_error("the secret of %s is at its last version",
			    target);
			return JG_EXIT_FAIL;
		}
		version = old.version + 1;
	} else if (rc != JG_ENOENT)
		return cli_store_fail(c, rc, "cannot read the vault");

	if (cli_vault_open(c, passfile, &key) != JG_OK)
		return JG_EXIT_FAIL;
	if (from_stdin)
		rc = vault_read_password(&secret, &secretlen);
	else
		rc = vault_read_privkey(keyfile, &secret, &secretlen);
	if (rc != JG_OK)
		goto out;
	if ((rc = vault_seal(key, target, kind, version,
	    (const unsigned char *)secret, secretlen, &sealed, &sealedlen)) !=
	    JG_OK) {
		cli_error("cannot seal the secret of %s", target);
		goto out;
	}
	if ((rc = store_secret_put(c->store, &c->actor, target, kind, version,
	    sealed, sealedlen)) != JG_OK) {
		cli_store_fail(c, rc, NULL);
		goto out;
	}
	printf("stored the %s of %s in the vault (version %u)\n", kind,
	    target, (unsigned int)version);
	ret = JG_EXIT_OK;
out:
	free(sealed);
	vault_secret_free(secret, secretlen);
	vault_key_free(key);
	return ret;
}

static int
vault_list(struct cli *c, int argc, char **argv)
{
	struct store_secret *v = NULL;
	struct json *j = NULL;
	char created[32], updated[32];
	size_t n = 0, i;
	int json = 0, rc, a;

	for (a = 2; a < argc; a++) {
		if (cli_flag(argc, argv, &a, "--json"))
			json = 1;
		else
			return cli_usage_error(VAULT_LIST_USAGE, "unexpected "
			    "argument %s", argv[a]);
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_secret_list(c->store, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, "cannot list the vault");
	if (json) {
		j = json_new(stdout);
		json_array_begin(j);
	} else
		printf("%-20s %-8s %-19s %s\n", "TARGET", "KIND", "CREATED",
		    "UPDATED");
	for (i = 0; i < n; i++) {
		if (json) {
			json_object_begin(j);
			json_key_str(j, "target", v[i].target);
			json_key_str(j, "kind", v[i].kind);
			json_key_str(j, "created", v[i].created);
			json_key_str(j, "updated", v[i].updated);
			json_object_end(j);
			continue;
		}
		time_local_iso(v[i].created, created, sizeof(created));
		time_local_iso(v[i].updated, updated, sizeof(updated));
		printf("%-20s %-8s %-19s %s\n", v[i].target, v[i].kind,
		    created, updated);
	}
	if (json) {
		json_array_end(j);
		json_free(j);
	}
	store_secret_free(v, n);
	return JG_EXIT_OK;
}

static int
vault_del(struct cli *c, int argc, char **argv)
{
	int rc;

	if (argc < 3)
		return cli_usage_error(VAULT_DEL_USAGE, "missing TARGET");
	if (argc > 3 || argv[2][0] == '-')
		return cli_usage_error(VAULT_DEL_USAGE, "unexpected argument "
		    "%.*s", (int)strcspn(argv[argc - 1], "="), argv[argc - 1]);
	if (!name_valid(argv[2])) {
		cli_error("invalid target name: use 1 to %d of A-Z a-z 0-9 . "
		    "_ -, not starting with -", JG_NAME_MAX);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_secret_del(c->store, &c->actor, argv[2])) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	printf("removed the secret of %s from the vault\n", argv[2]);
	return JG_EXIT_OK;
}

/*
 * The daemon holds an exclusive flock on its pid file while it runs. Taking
 * that lock ourselves both proves it is stopped and keeps it from starting
 * until the rekey is over; *fdp holds the lock (or -1: no pid file).
 */
static int
vault_daemon_stopped(struct cli *c, int *fdp)
{
	char path[JG_PATH_MAX], pidbuf[32];
	ssize_t n;
	long pid;
	int fd;

	*fdp = -1;
	if (config_state_path(&c->cfg, VAULT_PIDFILE, path, sizeof(path)) !=
	    JG_OK) {
		cli_error("StateDirectory too long");
		return JG_ERR;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd == -1 && errno == ENOENT)
		return JG_OK;
	if (fd == -1) {
		cli_error("%s: %s", path, strerror(errno));
		return JG_ERR;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		*fdp = fd;
		return JG_OK;
	}
	if (errno != EWOULDBLOCK) {
		cli_error("lock %s: %s", path, strerror(errno));
		close(fd);
		return JG_ERR;
	}
	n = read(fd, pidbuf, sizeof(pidbuf) - 1);
	close(fd);
	pidbuf[n > 0 ? n : 0] = '\0';
	pid = strtol(pidbuf, NULL, 10);
	if (pid > 0)
		cli_error("jumpgated is running (pid %ld): stop it before "
		    "vault rekey", pid);
	else
		cli_error("jumpgated is running: stop it before vault rekey");
	return JG_EBUSY;
}

static int
vault_rekey_cmd(struct cli *c, int argc, char **argv)
{
	const char *passfile = NULL, *newfile = NULL, *v;
	struct vault_key *key = NULL;
	char err[JG_ERRLEN];
	size_t count = 0;
	int i, bad = 0, lockfd, ret = JG_EXIT_FAIL;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--passphrase-file", &bad)) !=
		    NULL)
			passfile = v;
		else if ((v = cli_opt(argc, argv, &i, "--new-passphrase-file",
		    &bad)) != NULL)
			newfile = v;
		else if (bad)
			return cli_usage_error(VAULT_REKEY_USAGE, "%s needs a "
			    "value", argv[i]);
		else
			return cli_usage_error(VAULT_REKEY_USAGE, "unexpected "
			    "argument %.*s", (int)strcspn(argv[i], "="),
			    argv[i]);
	}
	if (vault_daemon_stopped(c, &lockfd) != JG_OK)
		return JG_EXIT_FAIL;
	if (cli_vault_open(c, passfile, &key) != JG_OK)
		goto out;
	if (vault_rekey(&c->cfg, c->store, &c->actor, key, newfile, &count,
	    err, sizeof(err)) != JG_OK) {
		cli_error("%s", err);
		goto out;
	}
	printf("vault rekeyed: %zu secret%s re-sealed\n", count,
	    count == 1 ? "" : "s");
	ret = JG_EXIT_OK;
out:
	vault_key_free(key);
	if (lockfd != -1)
		close(lockfd);
	return ret;
}

int
cmd_vault(struct cli *c, int argc, char **argv)
{
	/* This process may hold the vault key and plaintexts: no core. */
	if (core_dumps_disable() != JG_OK) {
		cli_error("cannot disable core dumps: %s", strerror(errno));
		return JG_EXIT_FAIL;
	}
	if (vault_init() != JG_OK) {
		cli_error("cannot initialise libsodium");
		return JG_EXIT_FAIL;
	}
	if (argc < 2)
		return cli_usage_error(VAULT_USAGE, "missing subcommand");
	if (strcmp(argv[1], "set") == 0)
		return vault_set(c, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return vault_list(c, argc, argv);
	if (strcmp(argv[1], "del") == 0)
		return vault_del(c, argc, argv);
	if (strcmp(argv[1], "rekey") == 0)
		return vault_rekey_cmd(c, argc, argv);
	return cli_usage_error(VAULT_USAGE, "unknown subcommand %s", argv[1]);
}
