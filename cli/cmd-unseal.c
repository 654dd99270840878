/* cmd-unseal.c: `jumpgate unseal`: give a passphrase-mode daemon its vault passphrase over the control socket. */

#include <string.h>

#include "cli.h"

#define UNSEAL_USAGE "jumpgate unseal [--passphrase-file FILE]"
#define UNSEAL_TIMEOUT_MS 60000		/* Argon2id MODERATE takes a while */

int
cmd_unseal(struct cli *c, int argc, char **argv)
{
	const char *passfile = NULL, *v;
	char err[JG_ERRLEN], *pass = NULL;
	struct msgconn *conn;
	struct c_unseal cu;
	struct c_state st;
	struct buf *in;
	uint32_t type;
	size_t len = 0;
	int i, bad = 0, rc;

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
	if ((conn = ctl_connect(&c->cfg, err, sizeof(err))) == NULL) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (vault_passphrase_read(passfile, "Vault passphrase: ", 0, &pass,
	    &len, err, sizeof(err)) != JG_OK) {
		msg_free(conn);
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (len == 0 || len > CTL_PASSPHRASE_MAX) {
		vault_secret_free(pass, len);
		msg_free(conn);
		cli_error("the passphrase must be 1 to %d bytes",
		    CTL_PASSPHRASE_MAX);
		return JG_EXIT_FAIL;
	}
	cu.passphrase.p = (const unsigned char *)pass;
	cu.passphrase.len = len;
	in = buf_new(MSG_MAX);
	rc = ctl_call(conn, c_unseal_send(conn, &cu, -1), UNSEAL_TIMEOUT_MS,
	    &type, in, err, sizeof(err));
	vault_secret_free(pass, len);
	if (rc == JG_OK && (type != MSG_C_STATE ||
	    c_state_dec(in, -1, &st) != JG_OK)) {
		snprintf(err, sizeof(err), "jumpgated sent a malformed answer");
		rc = JG_ERR;
	}
	buf_free(in);
	msg_free(conn);		/* wipes what was queued */
	if (rc != JG_OK) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (!st.unsealed) {
		cli_error("%s", st.message);
		return JG_EXIT_FAIL;
	}
	printf("vault unsealed\n");
	return JG_EXIT_OK;
}
