/* cmd-kill.c: `jumpgate kill`: end a live session, or every one of a user, through the running daemon. */

/*
 * The tool never touches a live session itself: the daemon's master
 * audits the kill (as the user who runs the tool) and tells the session's
 * worker, which ends it with "session ended by an administrator[: why]";
 * its row ends as killed.
 */

#include <string.h>

#include "cli.h"

#define KILL_USAGE "jumpgate kill ID [--reason TEXT] | kill --user USER " \
	"[--reason TEXT]"
#define KILL_TIMEOUT_MS 10000

int
cmd_kill(struct cli *c, int argc, char **argv)
{
	const char *user = NULL, *reason = NULL, *idarg = NULL, *v;
	char err[JG_ERRLEN];
	struct msgconn *conn;
	struct c_kill ck;
	struct c_killed ok;
	struct buf *in;
	uint32_t type;
	long long id = 0;
	int i, bad = 0, rc;

	for (i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--user", &bad)))
			user = v;
		else if ((v = cli_opt(argc, argv, &i, "--reason", &bad)))
			reason = v;
		else if (!bad && idarg == NULL && argv[i][0] != '-')
			idarg = argv[i];
		else
			return cli_usage_error(KILL_USAGE, bad ?
			    "missing value" : "unexpected argument '%s'",
			    argv[i]);
	}
	if (bad)
		return cli_usage_error(KILL_USAGE, "missing value");
	if ((idarg == NULL) == (user == NULL))
		return cli_usage_error(KILL_USAGE, "give a session ID or "
		    "--user USER");
	if (idarg != NULL && id_parse(idarg, &id) != JG_OK)
		return cli_usage_error(KILL_USAGE, "not a session id: '%s'",
		    idarg);
	if (user != NULL && !name_valid(user)) {
		cli_error("invalid user name: '%s'", user);
		return JG_EXIT_FAIL;
	}
	if (reason != NULL && (strlen(reason) > STORE_REASON_MAX ||
	    str_has_control(reason))) {
		cli_error("--reason: at most %d characters, no control "
		    "characters", STORE_REASON_MAX);
		return JG_EXIT_FAIL;
	}
	memset(&ck, 0, sizeof(ck));
	ck.id = (uint64_t)id;
	snprintf(ck.user, sizeof(ck.user), "%s", user != NULL ? user : "");
	snprintf(ck.actor, sizeof(ck.actor), "%s", c->actor_name);
	snprintf(ck.reason, sizeof(ck.reason), "%s", reason != NULL ? reason :
	    "");
	if ((conn = ctl_connect(&c->cfg, err, sizeof(err))) == NULL) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	in = buf_new(MSG_MAX);
	rc = ctl_call(conn, c_kill_send(conn, &ck, -1), KILL_TIMEOUT_MS, &type,
	    in, err, sizeof(err));
	if (rc == JG_OK && (type != MSG_C_KILLED ||
	    c_killed_dec(in, -1, &ok) != JG_OK)) {
		snprintf(err, sizeof(err), "jumpgated sent a malformed answer");
		rc = JG_ERR;
	}
	buf_free(in);
	msg_free(conn);
	if (rc != JG_OK) {
		cli_error("%s", err);
		return JG_EXIT_FAIL;
	}
	if (user == NULL)
		printf("killed session %lld\n", id);
	else
		printf("killed %u session%s of %s\n", ok.count,
		    ok.count == 1 ? "" : "s", user);
	return JG_EXIT_OK;
}
