/* help.c: `jumpgate COMMAND -h`: each command's usage and options, shown before any config is read. */

/*
 * A user asking for help may have no config yet (or a broken one), so
 * main() answers -h/--help from this table alone. The usage lines here
 * say the same as each command's *_USAGE (shown with a usage error) and
 * jumpgate(1); t-cli-help checks that every command has an entry.
 */

#include <stdio.h>
#include <string.h>

#include "cli.h"

#define HELP_PASSPHRASE \
"  --passphrase-file F     read the vault passphrase from F (without\n" \
"                          VaultKeyFile; default: ask on the terminal)\n"

static const struct {
	const char *name;
	const char *text;
} help_table[] = {
	{ "init",
"usage: jumpgate init [--passphrase-file FILE]\n"
"Create StateDirectory, RecordingDirectory, the database, the gateway's\n"
"host key and the vault master key (VaultKeyFile, or a passphrase asked\n"
"twice); as root also the WorkerUser and KeeperUser accounts.\n"
"  --passphrase-file FILE  read the new vault passphrase from FILE\n" },
	{ "user",
"usage: jumpgate user add NAME [--role ROLE]... [--key FILE|-]\n"
"       jumpgate user list [--json]\n"
"       jumpgate user del NAME [--force]\n"
"       jumpgate user disable NAME [--reason TEXT] | user enable NAME\n"
"       jumpgate user key add NAME FILE|-\n"
"       jumpgate user key list [NAME] [--json]\n"
"       jumpgate user key del FINGERPRINT\n"
"       jumpgate user role add|del NAME ROLE\n"
"       jumpgate user mfa NAME --totp [--passphrase-file F] | --off\n"
"Users log in to the gateway with their OpenSSH public keys.\n"
"  --role ROLE             give the user ROLE (repeat for several)\n"
"  --key FILE|-            an OpenSSH public key file (- reads stdin)\n"
"  --force                 delete a user with live sessions (they end)\n"
"  --reason TEXT           why a user is disabled (a leaver), for the audit\n"
"A disabled user logs in no more, their live sessions end within seconds,\n"
"their pending requests are cancelled and active grants revoked; their\n"
"sessions, recordings and audit rows stay.\n"
"A role taken away (a mover) ends within seconds the live sessions that no\n"
"rule or grant allows any more.\n"
"  --totp                  enrol one-time codes (TOTP, SHA-1, 6 digits, 30 s):\n"
"                          shows the otpauth:// URI (a QR code too on a\n"
"                          terminal with qrencode) and 10 recovery codes,\n"
"                          once; enrolling again replaces them\n"
"  --off                   remove them: the key alone logs in again\n"
"  --passphrase-file F     the vault passphrase (passphrase mode)\n"
"A user with codes answers a 'verification code:' prompt after the key.\n"
"  --json                  print a JSON array\n" },
	{ "target",
"usage: jumpgate target add NAME --host H [--port N] --login L\n"
"                           (--host-key 'TYPE BASE64' | --scan)\n"
"       jumpgate target list [--json]\n"
"       jumpgate target del NAME\n"
"  --host H                the target's address or name\n"
"  --port N                its SSH port (default 22)\n"
"  --login L               the account the gateway logs in as\n"
"  --host-key 'TYPE BASE64'  the target's host key, pinned\n"
"  --scan                  fetch the host key from the target now\n"
"  --json                  print a JSON array\n" },
	{ "access",
"usage: jumpgate access add ROLE TARGET_GLOB [--approval-by ROLE[:N]...\n"
"                           [--approvals N] [--max-duration DUR]] [--mfa]\n"
"       jumpgate access list [--json]\n"
"       jumpgate access del ID\n"
"Without --approval-by the rule gives standing access; with it, users\n"
"request access and N users of the approving role decide.\n"
"  --approval-by ROLE      who approves requests under this rule; give it\n"
"                          once per role (ROLE:N, N approvals of it) for\n"
"                          rules that need several roles to approve\n"
"  --approvals N           approvals needed, 1-10 (default 1)\n"
"  --max-duration DUR      longest grant (90s, 15m, 2h, 1d)\n"
"  --mfa                   only for logins made with a one-time code\n"
"  --json                  print a JSON array\n" },
	{ "vault",
"usage: jumpgate vault set TARGET (--password-stdin | --key-file FILE)\n"
"                           [--passphrase-file F]\n"
"       jumpgate vault list [--json]\n"
"       jumpgate vault del TARGET\n"
"       jumpgate vault rekey [--passphrase-file OLD]\n"
"                           [--new-passphrase-file NEW]\n"
"  --password-stdin        read the target's password from stdin\n"
"  --key-file FILE         an OpenSSH private key without a passphrase\n"
HELP_PASSPHRASE
"  --new-passphrase-file NEW  the new passphrase for rekey\n"
"  --json                  print a JSON array\n" },
	{ "unseal",
"usage: jumpgate unseal [--passphrase-file FILE]\n"
"Hand the running daemon the vault passphrase (without VaultKeyFile).\n"
"  --passphrase-file FILE  read it from FILE (default: ask)\n" },
	{ "sessions",
"usage: jumpgate sessions [--live] [--user U] [--target T] [--json]\n"
"Every session through the gateway. STATE is live, complete, refused,\n"
"killed, revoked, expired, interrupted or truncated.\n"
"  --live                  only the sessions running now (ENDED shows\n"
"                          how long each has been idle)\n"
"  --user U, --target T    only those of user U, target T\n"
"  --json                  print a JSON array\n" },
	{ "kill",
"usage: jumpgate kill ID [--reason TEXT]\n"
"       jumpgate kill --user USER [--reason TEXT]\n"
"End a live session (or every live session of USER) through the running\n"
"daemon. Its user reads \"session ended by an administrator: TEXT\"; the\n"
"row ends as killed, the recording verifies, the audit names who and why.\n"
"  --user USER             every live session of USER\n"
"  --reason TEXT           shown to the user and kept in the audit\n" },
	{ "replay",
"usage: jumpgate replay ID [--speed X] [--from TIME | --at-command N]\n"
"                           [--idle-limit SEC] [--cat] [--passphrase-file F]\n"
"Play a recording with its original timing. A status line on the last\n"
"row shows playing or paused, the speed and the position.\n"
"keys: space pause/play, + faster (x2), - slower (/2),\n"
"      right arrow 10 s ahead, left arrow 10 s back, q quit\n"
"  --speed X               start at X times the original speed\n"
"  --from TIME             start at TIME (seconds, 90s, 15m, HH:MM:SS)\n"
"  --at-command N          start where command N was entered\n"
"                          (jumpgate commands ID)\n"
"  --idle-limit SEC        cut pauses longer than SEC seconds\n"
"  --cat                   print the output at once, no timing\n"
HELP_PASSPHRASE },
	{ "transfers",
"usage: jumpgate transfers [ID] [--user U] [--target T] [--json]\n"
"The file operations of sftp and scp sessions (of session ID, or all):\n"
"upload and download with bytes and, for a file moved whole and in order,\n"
"its SHA-256;\n"
"remove, rename, mkdir, rmdir, setstat and whether the target did them.\n"
"  --user U, --target T    only sessions of user U, target T\n"
"  --json                  one JSON array\n" },
	{ "report",
"usage: jumpgate report access [--user U] [--target T] [--unused DAYS]\n"
"                              [--json]\n"
"Every enabled user and target that is reachable, how (standing rule,\n"
"requestable rule with its approvers, active grant with its end), and when\n"
"the user last used it.\n"
"  --user U, --target T    only user U, target T\n"
"  --unused DAYS           only standing access not used for DAYS days\n"
"                          (or never): the candidates to remove\n"
"  --json                  one JSON array\n" },
	{ "review",
"usage: jumpgate review start [--role ROLE]... [--reviewer-role ROLE]\n"
"                             [--due DUR] [--default keep|revoke]\n"
"       jumpgate review list [--json]\n"
"       jumpgate review show ID [--json]\n"
"       jumpgate review decide ITEM keep|revoke --as USER [--comment TEXT]\n"
"       jumpgate review close ID\n"
"An access review: one item per enabled user and role of theirs that a\n"
"standing rule names, with that access and its last use. Reviewers (the\n"
"reviewer role, never the user an item is about) decide each item keep or\n"
"revoke, here or through the gateway (ssh USER@gw reviews, review ITEM\n"
"keep|revoke); closing applies the revocations (the role is taken, its\n"
"sessions end); at the due time the daemon closes it, undecided items\n"
"taking the default.\n"
"  --role ROLE             only this role (repeat; default: every role)\n"
"  --reviewer-role ROLE    who decides (default: auditor)\n"
"  --due DUR               when it closes by itself (default 14d)\n"
"  --default keep|revoke   what undecided items become (default keep)\n"
"  --as USER               the reviewer deciding\n"
"  --comment TEXT          why, for the audit\n"
"  --json                  JSON output\n" },
	{ "commands",
"usage: jumpgate commands ID [--json]\n"
"The command lines entered in session ID, as the screen showed them when\n"
"Enter was pressed, with when (from the session's start); an exec\n"
"session's command. Read from the index: no recording is opened.\n"
"  --json                  one JSON array\n" },
	{ "watch",
"usage: jumpgate watch ID\n"
"Watch a live session through the running daemon: its current screen\n"
"first, then what happens with its timing (about a second behind), until\n"
"the session ends. Read-only: nothing typed reaches the session. A status\n"
"line on the last row says who, where and since when.\n"
"keys: q (or ^C) stops watching\n" },
	{ "export",
"usage: jumpgate export ID [--format asciicast] [-o FILE]\n"
"                           [--passphrase-file F]\n"
"  --format asciicast      asciicast v2 (the one format)\n"
"  -o FILE                 write to FILE (default: stdout)\n"
HELP_PASSPHRASE },
	{ "verify",
"usage: jumpgate verify ID... | jumpgate verify --all [--passphrase-file F]\n"
"Check each recording's integrity: intact, live, truncated or damaged.\n"
"  --all                   every recording\n"
HELP_PASSPHRASE },
	{ "search",
"usage: jumpgate search REGEX [--user U] [--target T] [--passphrase-file F]\n"
"       jumpgate search --commands REGEX [--user U] [--target T]\n"
"                                        [--since TIME] [--json]\n"
"Print the output lines of every recording that match REGEX (POSIX ERE);\n"
"with --commands, the command lines entered in every session that match,\n"
"from the command index (no recording is opened).\n"
"  --user U, --target T    only sessions of user U, target T\n"
"  --commands              search the command index\n"
"  --since TIME            sessions started since TIME (ISO 8601 UTC, or a\n"
"                          duration: 30d means 30 days ago)\n"
"  --json                  one JSON array (--commands)\n"
HELP_PASSPHRASE },
	{ "requests",
"usage: jumpgate requests [--pending] [--json]\n"
"  --pending               only requests still waiting for a decision\n"
"  --json                  print a JSON array\n" },
	{ "approve",
"usage: jumpgate approve ID --as USER [--comment TEXT]\n"
"  --as USER               the approver (a user of the approving role)\n"
"  --comment TEXT          kept with the decision\n" },
	{ "deny",
"usage: jumpgate deny ID --as USER [--reason TEXT]\n"
"  --as USER               the approver (a user of the approving role)\n"
"  --reason TEXT           shown to the requester\n" },
	{ "grants",
"usage: jumpgate grants [--active] [--json]\n"
"  --active                only grants in force now\n"
"  --json                  print a JSON array\n" },
	{ "revoke",
"usage: jumpgate revoke ID\n"
"End grant ID now; its live sessions end within seconds.\n" },
	{ "audit",
"usage: jumpgate audit [--since TIME] [--json]\n"
"       jumpgate audit verify [--witness FILE]\n"
"  --since TIME            rows from TIME on (ISO 8601 UTC, or 2h: ago)\n"
"  --json                  print a JSON array\n"
"  --witness FILE          also compare with an AuditLogFile copy: every\n"
"                          row it has and the database lacks is named\n" },
};

/* Is one of the command's arguments a request for help? */
int
help_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/* The command's help on stdout; -1 when the table lacks it. */
int
help_show(const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(help_table) / sizeof(help_table[0]); i++)
		if (strcmp(help_table[i].name, command) == 0) {
			fputs(help_table[i].text, stdout);
			return 0;
		}
	return -1;
}
