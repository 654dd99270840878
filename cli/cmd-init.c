/* cmd-init.c: `jumpgate init`: state and recording folders, database, host key, vault, service users. */

/*
 * init either makes everything or leaves nothing behind: every path it
 * creates is remembered and removed again when a later step fails, and it
 * refuses outright when a database is already there.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "cli.h"

#define INIT_USAGE "jumpgate init [--passphrase-file FILE]"
#define INIT_MAX_CREATED 8

struct init_undo {
	char paths[INIT_MAX_CREATED][JG_PATH_MAX];
	int is_dir[INIT_MAX_CREATED];
	size_t n;
};

static void
init_remember(struct init_undo *u, const char *path, int is_dir)
{
	if (u->n >= INIT_MAX_CREATED)
		return;
	snprintf(u->paths[u->n], sizeof(u->paths[u->n]), "%s", path);
	u->is_dir[u->n++] = is_dir;
}

static void
init_rollback(struct init_undo *u)
{
	char side[JG_PATH_MAX + 8];

	while (u->n > 0) {
		u->n--;
		if (u->is_dir[u->n]) {
			rmdir(u->paths[u->n]);
			continue;
		}
		unlink(u->paths[u->n]);
		snprintf(side, sizeof(side), "%s-wal", u->paths[u->n]);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", u->paths[u->n]);
		unlink(side);
	}
}

/* Create a directory 0700, or accept an existing empty-enough one we own. */
static int
init_mkdir(struct init_undo *u, const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0) {
		init_remember(u, path, 1);
		return JG_OK;
	}
	if (errno != EEXIST) {
		cli_error("cannot create %s: %s", path, strerror(errno));
		return JG_ERR;
	}
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		cli_error("%s exists and is not a directory", path);
		return JG_ERR;
	}
	if (access(path, W_OK | X_OK) == -1) {
		cli_error("%s is not writable: %s", path, strerror(errno));
		return JG_ERR;
	}
	if (chmod(path, 0700) == -1) {
		cli_error("cannot chmod %s: %s", path, strerror(errno));
		return JG_ERR;
	}
	return JG_OK;
}

/* Run useradd for a missing system user; argv only, never a shell. */
static int
init_system_user(const char *name)
{
	char *argv[] = { "useradd", "--system", "--no-create-home",
	    "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
	    "--user-group", (char *)name, NULL };
	pid_t pid;
	int status;

	if (getpwnam(name) != NULL)
		return JG_OK;
	if ((pid = fork()) == -1) {
		cli_error("fork: %s", strerror(errno));
		return JG_ERR;
	}
	if (pid == 0) {
		execvp("useradd", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			cli_error("waitpid: %s", strerror(errno));
			return JG_ERR;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_error("cannot create system user %s (useradd failed)",
		    name);
		return JG_ERR;
	}
	return JG_OK;
}

static int
init_host_key(struct init_undo *u, const char *path, char *fp, size_t fplen)
{
	char pub[JG_PATH_MAX + 8], err[JG_ERRLEN];
	struct sshkey_pub k;
	ssh_key key = NULL;
	char *b64 = NULL, line[SSHKEY_LINE_MAX];
	int rc = JG_ERR;

	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		cli_error("cannot generate the host key");
		return JG_ERR;
	}
	if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) !=
	    SSH_OK) {
		cli_error("cannot write host key %s", path);
		goto out;
	}
	init_remember(u, path, 0);
	if (chmod(path, 0600) == -1) {
		cli_error("cannot chmod %s: %s", path, strerror(errno));
		goto out;
	}
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		goto out;
	snprintf(line, sizeof(line), "%s %s jumpgate-host\n",
	    ssh_key_type_to_char(ssh_key_type(key)), b64);
	if (sshkey_parse_line(line, &k, err, sizeof(err)) != JG_OK) {
		cli_error("host key: %s", err);
		goto out;
	}
	snprintf(fp, fplen, "%s", k.fingerprint);
	sshkey_pub_clear(&k);
	if (file_write_atomic(pub, line, strlen(line), 0600, err,
	    sizeof(err)) != JG_OK) {
		cli_error("%s", err);
		goto out;
	}
	init_remember(u, pub, 0);
	rc = JG_OK;
out:
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return rc;
}

int
cmd_init(struct cli *c, int argc, char **argv)
{
	const char *passfile = NULL, *v;
	char db[JG_PATH_MAX], hostkey[JG_PATH_MAX], head[JG_PATH_MAX];
	char fp[SSHKEY_FP_LEN];
	char err[JG_ERRLEN];
	struct init_undo undo;
	struct stat st;
	int i, bad = 0, key_existed;

	for (i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--passphrase-file", &bad)))
			passfile = v;
		else
			return cli_usage_error(INIT_USAGE, "unknown option %s",
			    argv[i]);
	}
	if (bad)
		return cli_usage_error(INIT_USAGE, "missing value");
	memset(&undo, 0, sizeof(undo));
	if (config_db_path(&c->cfg, db, sizeof(db)) != JG_OK ||
	    config_state_path(&c->cfg, "host_ed25519_key", hostkey,
	    sizeof(hostkey)) != JG_OK) {
		cli_error("StateDirectory too long");
		return JG_EXIT_FAIL;
	}
	if (lstat(db, &st) == 0 || lstat(hostkey, &st) == 0) {
		cli_error("%s already holds jumpgate state: init refused, "
		    "nothing changed", c->cfg.state_dir);
		return JG_EXIT_FAIL;
	}
	if (vault_init() != JG_OK) {
		cli_error("cannot initialise libsodium");
		return JG_EXIT_FAIL;
	}
	if (getuid() == 0 && (init_system_user(c->cfg.worker_user) != JG_OK ||
	    init_system_user(c->cfg.keeper_user) != JG_OK))
		return JG_EXIT_FAIL;
	key_existed = c->cfg.vault_key_file[0] != '\0' &&
	    lstat(c->cfg.vault_key_file, &st) == 0;
	if (init_mkdir(&undo, c->cfg.state_dir) != JG_OK ||
	    init_mkdir(&undo, c->cfg.recording_dir) != JG_OK)
		goto fail;
	if (store_open(db, STORE_CREATE, &c->store, err, sizeof(err)) !=
	    JG_OK) {
		cli_error("%s", err);
		goto fail;
	}
	init_remember(&undo, db, 0);
	/* A new log starts a new head: one left by an earlier state goes. */
	if (config_audit_head_path(&c->cfg, head, sizeof(head)) != JG_OK ||
	    (unlink(head) == -1 && errno != ENOENT) ||
	    cli_store_witness(c) != JG_EXIT_OK) {
		cli_error("cannot start the audit head %s", head);
		goto fail;
	}
	init_remember(&undo, head, 0);
	if (init_host_key(&undo, hostkey, fp, sizeof(fp)) != JG_OK)
		goto fail;
	if (vault_setup(&c->cfg, c->store, passfile, err, sizeof(err)) !=
	    JG_OK) {
		cli_error("%s", err);
		goto fail;
	}
	if (c->cfg.vault_key_file[0] != '\0' && !key_existed)
		init_remember(&undo, c->cfg.vault_key_file, 0);
	if (store_audit_add(c->store, &c->actor, "init", c->cfg.state_dir) !=
	    JG_OK) {
		cli_store_fail(c, JG_ERR, NULL);
		goto fail;
	}
	printf("initialised %s\n", c->cfg.state_dir);
	printf("  database   %s\n", db);
	printf("  host key   %s (%s)\n", hostkey, fp);
	printf("  recordings %s\n", c->cfg.recording_dir);
	if (c->cfg.vault_key_file[0] != '\0')
		printf("  vault key  %s%s\n", c->cfg.vault_key_file,
		    key_existed ? " (existing)" : " (new)");
	else
		printf("  vault key  derived from a passphrase (the daemon "
		    "starts sealed: jumpgate unseal)\n");
	return JG_EXIT_OK;
fail:
	store_close(c->store);
	c->store = NULL;
	init_rollback(&undo);
	return JG_EXIT_FAIL;
}
