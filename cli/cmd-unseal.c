/* cmd-unseal.c: `jumpgate unseal`: give a passphrase-mode daemon its vault passphrase over the control socket. */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define UNSEAL_USAGE "jumpgate unseal [--passphrase-file FILE]"
#define UNSEAL_TIMEOUT_MS 60000		/* Argon2id MODERATE takes a while */

static int
unseal_connect(const struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char path[JG_PATH_MAX];
	int fd;

	if (config_state_path(cfg, "control.sock", path, sizeof(path)) !=
	    JG_OK || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "cannot reach jumpgated at %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send everything, then read one reply line within the deadline. */
static int
unseal_exchange(int fd, const char *head, const char *pass, size_t len,
    char *reply, size_t rlen)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t n;

	if (write(fd, head, strlen(head)) != (ssize_t)strlen(head) ||
	    (len > 0 && write(fd, pass, len) != (ssize_t)len))
		return JG_ERR;
	while (got + 1 < rlen) {
		if (poll(&pfd, 1, UNSEAL_TIMEOUT_MS) <= 0)
			return JG_EBUSY;
		if ((n = read(fd, reply + got, rlen - 1 - got)) <= 0)
			return JG_ERR;
		got += (size_t)n;
		reply[got] = '\0';
		if (strchr(reply, '\n') != NULL)
			break;
	}
	reply[strcspn(reply, "\n")] = '\0';
	return JG_OK;
}

int
cmd_unseal(struct cli *c, int argc, char **argv)
{
	const char *passfile = NULL, *v;
	char err[JG_ERRLEN], head[32], reply[512], *pass = NULL;
	size_t len = 0;
	int i, bad = 0, fd, rc;

	for (i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--passphrase-file", &bad)))
			passfile = v;
		else
			return cli_usage_error(UNSEAL_USAGE, bad ?
			    "missing value" : "unknown option %s", argv[i]);
	}
	if (bad)
		return cli_usage_error(UNSEAL_USAGE, "missing value");
	if (vault_init() != JG_OK) {
		cli_error("cannot initialise libsodium");
		return JG_EXIT_FAIL;
	}
	if ((fd = unseal_connect(&c->cfg, err, sizeof(err))) == -1) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (vault_passphrase_read(passfile, "Vault passphrase: ", 0, &pass,
	    &len, err, sizeof(err)) != JG_OK) {
		close(fd);
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	snprintf(head, sizeof(head), "UNSEAL %zu\n", len);
	rc = unseal_exchange(fd, head, pass, len, reply, sizeof(reply));
	vault_secret_free(pass, len);
	close(fd);
	if (rc != JG_OK) {
		cli_error(rc == JG_EBUSY ? "jumpgated did not answer in time" :
		    "lost the connection to jumpgated");
		return JG_EXIT_FAIL;
	}
	if (strncmp(reply, "OK", 2) != 0) {
		cli_error("%s", strncmp(reply, "ERR ", 4) == 0 ? reply + 4 :
		    reply);
		return JG_EXIT_FAIL;
	}
	printf("vault unsealed\n");
	return JG_EXIT_OK;
}
