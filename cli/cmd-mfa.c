/* cmd-mfa.c: `jumpgate user mfa NAME --totp|--off`: a user's one-time codes, enrolled into the vault or removed. */

/*
 * Enrolling makes a TOTP key and ten recovery codes (mfa.c), seals them
 * under the vault key with the user's name, "totp" and a version that
 * grows with each enrolment (so an old row put back does not open), and
 * shows them once: the otpauth:// URI for an authenticator app, as a QR
 * code too when stdout is a terminal and qrencode(1) is installed (in
 * /usr/bin or /usr/local/bin), and the recovery codes; only then are they
 * stored. They exist in the clear only in locked memory here and,
 * at each login, in the vault keeper. The URI goes to qrencode on its
 * standard input, never in argv. Enrolling again replaces the codes (a
 * lost phone); --off removes them.
 */

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MFA_ISSUER "jumpgate"
#define MFA_URI_MAX 512

/* The URI as a QR code on the terminal, by qrencode if it is there. */
static void
mfa_qr(const char *uri)
{
	int fds[2], status = -1;
	pid_t pid;
	size_t len = strlen(uri);

	if (!isatty(STDOUT_FILENO))
		return;
	fflush(stdout);
	if (pipe(fds) == -1)
		return;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[1]);
		if (dup2(fds[0], STDIN_FILENO) == -1)
			_exit(127);
		close(fds[0]);
		/* fixed paths: root's PATH would choose who sees the seed */
		execl("/usr/bin/qrencode", "qrencode", "-t", "UTF8", "-m", "2",
		    "-o", "-", (char *)NULL);
		execl("/usr/local/bin/qrencode", "qrencode", "-t", "UTF8", "-m",
		    "2", "-o", "-", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	if (write(fds[1], uri, len) != (ssize_t)len)
		status = -1;
	close(fds[1]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (status == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 127)
		printf("(install qrencode to see it as a QR code here)\n");
}

/* What the user's authenticator and the user get, once. */
static int
mfa_show(const char *user, const unsigned char *plain, uint32_t version)
{
	char *b32, *uri;
	size_t i;
	int rc = JG_ERR;

	b32 = vault_secret_alloc(MFA_SECRET_LEN * 2);
	uri = vault_secret_alloc(MFA_URI_MAX);
	if (b32 == NULL || uri == NULL)
		goto out;
	if (mfa_base32(plain, MFA_SECRET_LEN, b32, MFA_SECRET_LEN * 2) !=
	    JG_OK)
		goto out;
	if ((size_t)snprintf(uri, MFA_URI_MAX, "otpauth://totp/%s:%s?secret="
	    "%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d", MFA_ISSUER,
	    user, b32, MFA_ISSUER, MFA_DIGITS, MFA_STEP) >= MFA_URI_MAX)
		goto out;
	printf("one-time codes for %s (TOTP: SHA-1, %d digits, %d s; "
	    "version %u)\n", user, MFA_DIGITS, MFA_STEP, (unsigned int)version);
	printf("add this to %s's authenticator app (shown once):\n  %s\n", user,
	    uri);
	mfa_qr(uri);
	printf("recovery codes, each good for one login (shown once):\n");
	for (i = 0; i < MFA_RECOVERY_N; i++) {
		const unsigned char *r = plain + MFA_SECRET_LEN +
		    i * MFA_RECOVERY_LEN;

		printf("  %.5s-%.5s\n", (const char *)r, (const char *)r + 5);
	}
	fflush(stdout);
	rc = JG_OK;
out:
	vault_secret_free(b32, MFA_SECRET_LEN * 2);
	vault_secret_free(uri, MFA_URI_MAX);
	return rc;
}

static int
mfa_enrol(struct cli *c, const char *user, const char *passfile)
{
	struct store_mfa old;
	struct vault_key *key = NULL;
	unsigned char *plain = NULL, *sealed = NULL;
	size_t sealedlen = 0;
	uint32_t version = 1;
	int rc, ret = JG_EXIT_FAIL, again = 0;

	if ((rc = store_mfa_get(c->store, user, &old)) == JG_OK) {
		version = old.version == UINT32_MAX ? 0 : old.version + 1;
		store_mfa_clear(&old);
		if (version == 0) {
			cli_error("the one-time codes of %s are at their last "
			    "version", user);
			return JG_EXIT_FAIL;
		}
		again = 1;
	} else if (rc != JG_ENOENT)
		return cli_store_fail(c, rc, "cannot read one-time codes");
	if (cli_vault_open(c, passfile, &key) != JG_OK)
		return JG_EXIT_FAIL;
	if ((plain = vault_secret_alloc(MFA_PLAIN_LEN)) == NULL ||
	    mfa_new(plain) != JG_OK) {
		cli_error("cannot make one-time codes");
		goto out;
	}
	if (vault_seal(key, user, STORE_MFA_KIND, version, plain,
	    MFA_PLAIN_LEN, &sealed, &sealedlen) != JG_OK) {
		cli_error("cannot seal the one-time codes of %s", user);
		goto out;
	}
	/* Shown first: codes stored but never shown would lock the user out
	   (and, enrolled again, would have replaced working ones). */
	if (mfa_show(user, plain, version) != JG_OK) {
		cli_error("cannot show the one-time codes: nothing enrolled");
		goto out;
	}
	if ((rc = store_mfa_put(c->store, &c->actor, user, version, sealed,
	    sealedlen)) != JG_OK) {
		cli_store_fail(c, rc, NULL);
		cli_error("the codes shown above were not enrolled: %s keeps "
		    "%s", user, again ? "the earlier ones" : "none");
		goto out;
	}
	if (again)
		printf("the earlier one-time codes of %s no longer work\n",
		    user);
	ret = JG_EXIT_OK;
out:
	free(sealed);
	if (plain != NULL)
		vault_secret_free(plain, MFA_PLAIN_LEN);
	vault_key_free(key);
	return ret;
}

int
cmd_user_mfa(struct cli *c, int argc, char **argv, const char *usage)
{
	const char *user = NULL, *passfile = NULL, *v;
	struct store_user u;
	int i, bad = 0, totp = 0, off = 0, rc;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--passphrase-file", &bad)) !=
		    NULL)
			passfile = v;
		else if (bad)
			return cli_usage_error(usage, "%s needs a value",
			    argv[i]);
		else if (cli_flag(argc, argv, &i, "--totp"))
			totp = 1;
		else if (cli_flag(argc, argv, &i, "--off"))
			off = 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage_error(usage, "unknown option %s",
			    argv[i]);
		else if (user == NULL)
			user = argv[i];
		else
			return cli_usage_error(usage, "unexpected argument "
			    "'%s'", argv[i]);
	}
	if (user == NULL)
		return cli_usage_error(usage, "user mfa needs a NAME");
	if (totp == off)
		return cli_usage_error(usage, "user mfa needs one of --totp "
		    "and --off");
	if (off && passfile != NULL)
		return cli_usage_error(usage, "--off needs no passphrase");
	if (!name_valid(user)) {
		cli_error("invalid user name: '%s'", user);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_user_get(c->store, user, &u)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	store_user_clear(&u);
	if (totp)
		return mfa_enrol(c, user, passfile);
	if ((rc = store_mfa_del(c->store, &c->actor, user)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	printf("removed the one-time codes of %s: they log in with their key "
	    "alone%s\n", user, c->cfg.require_mfa ? " (which RequireMFA "
	    "refuses)" : "");
	return JG_EXIT_OK;
}
