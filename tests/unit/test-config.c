/* test-config.c: the config parser: defaults, every keyword, and every error naming file and line. */

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jumpgate.h"

static char cfgpath[64];

static int
write_config(const char *text, mode_t mode)
{
	FILE *f;

	snprintf(cfgpath, sizeof(cfgpath), "/tmp/jg-test-config-%ld",
	    (long)getpid());
	if ((f = fopen(cfgpath, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(cfgpath, mode);
}

static int
load(const char *text, struct config *c, char *err)
{
	int rc;

	assert_int_equal(write_config(text, 0600), 0);
	err[0] = '\0';
	rc = config_load(c, cfgpath, err, JG_ERRLEN);
	unlink(cfgpath);
	return rc;
}

static void
test_full(void **state)
{
	struct config c;
	char err[JG_ERRLEN];

	(void)state;
	assert_int_equal(load(
	    "# comment\n"
	    "\n"
	    "ListenAddress 127.0.0.1:2222\n"
	    "listenaddress [::1]:2223\n"
	    "StateDirectory /var/lib/jg\n"
	    "RecordingDirectory /srv/rec\n"
	    "VaultKeyFile /etc/jg/vault.key\n"
	    "WorkerUser jgw\n"
	    "KeeperUser jgk\n"
	    "LogLevel DEBUG\n"
	    "LoginGraceTime 30s\n"
	    "IdleTimeout 15m\n"
	    "ConnectTimeout 5\n"
	    "MaxStartups 5:50:20\n"
	    "PenaltyFailures 3\n"
	    "PenaltyWindow 2m\n"
	    "PenaltyDuration 1m\n"
	    "RequestTimeout 2h\n"
	    "RecordInput no\n"
	    "NotifyCommand /usr/local/bin/notify\n"
	    "AuditLogFile /var/log/jumpgate-audit.json\n"
	    "MaxSessions 3\n"
	    "ExpireInactiveDays 90\n"
	    "RecordTransferContents yes\n"
	    "PerSourceMaxStartups 4\n"
	    "MaxRecordingSize 512M\n"
	    "RecordingMinFree 10%\n", &c, err), JG_OK);
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(c.listen[0].host, "127.0.0.1");
	assert_string_equal(c.listen[0].port, "2222");
	assert_string_equal(c.listen[1].host, "::1");
	assert_string_equal(c.listen[1].port, "2223");
	assert_string_equal(c.state_dir, "/var/lib/jg");
	assert_string_equal(c.recording_dir, "/srv/rec");
	assert_string_equal(c.vault_key_file, "/etc/jg/vault.key");
	assert_string_equal(c.worker_user, "jgw");
	assert_string_equal(c.keeper_user, "jgk");
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(c.login_grace_time, 30);
	assert_int_equal(c.idle_timeout, 900);
	assert_int_equal(c.connect_timeout, 5);
	assert_int_equal(c.max_startups_begin, 5);
	assert_int_equal(c.max_startups_rate, 50);
	assert_int_equal(c.max_startups_full, 20);
	assert_int_equal(c.penalty_failures, 3);
	assert_int_equal(c.penalty_window, 120);
	assert_int_equal(c.penalty_duration, 60);
	assert_int_equal(c.request_timeout, 7200);
	assert_int_equal(c.record_input, RECORD_INPUT_NO);
	assert_string_equal(c.notify_command, "/usr/local/bin/notify");
	assert_string_equal(c.audit_log_file, "/var/log/jumpgate-audit.json");
	assert_int_equal(c.max_sessions, 3);
	assert_int_equal(c.expire_inactive_days, 90);
	assert_int_equal(c.record_transfer_contents, 1);
	assert_int_equal(c.per_source_max_startups, 4);
	assert_true(c.max_recording_size == 512LL << 20);
	assert_true(c.recording_min_free == -1);
	assert_int_equal(c.recording_min_free_pct, 10);
	assert_int_equal(load("RecordInput all\nRecordingMinFree 2G\n"
	    "MaxRecordingSize none\nPerSourceMaxStartups none\n", &c, err),
	    JG_OK);
	assert_int_equal(c.record_input, RECORD_INPUT_ALL);
	assert_true(c.recording_min_free == 2LL << 30);
	assert_int_equal(c.recording_min_free_pct, 0);
	assert_true(c.max_recording_size == 0);
	assert_int_equal(c.per_source_max_startups, 0);
	assert_int_equal(load("RecordInput yes\n", &c, err), JG_OK);
	assert_int_equal(c.record_input, RECORD_INPUT_ECHOED);
}

static void
test_defaults(void **state)
{
	struct config c;
	char err[JG_ERRLEN];

	(void)state;
	assert_int_equal(load("StateDirectory /x/state\n", &c, err), JG_OK);
	assert_string_equal(c.recording_dir, "/x/state/recordings");
	assert_string_equal(c.worker_user, "jumpgate");
	assert_string_equal(c.keeper_user, "jumpgate-vault");
	assert_string_equal(c.vault_key_file, "");
	assert_int_equal(c.nlisten, 1);
	assert_int_equal(c.connect_timeout, 10);
	assert_int_equal(c.penalty_failures, 10);
	assert_int_equal(c.penalty_window, 60);
	assert_int_equal(c.penalty_duration, 30);
	assert_int_equal(c.record_input, RECORD_INPUT_ECHOED);
	assert_string_equal(c.audit_log_file, "");
	assert_int_equal(c.max_sessions, 10);
	assert_int_equal(c.expire_inactive_days, 0);
	assert_int_equal(c.record_transfer_contents, 0);
	assert_int_equal(c.per_source_max_startups, 10);
	assert_true(c.max_recording_size == 1LL << 30);
	assert_true(c.recording_min_free == 1LL << 30);
	assert_int_equal(c.recording_min_free_pct, 5);

	/* The built-in paths are configure's (config.h), not fixed ones. */
	assert_int_equal(load("LogLevel info\n", &c, err), JG_OK);
	assert_string_equal(c.state_dir, JG_LOCALSTATEDIR "/lib/jumpgate");
	assert_string_equal(c.recording_dir,
	    JG_LOCALSTATEDIR "/lib/jumpgate/recordings");
	assert_string_equal(config_default_path(),
	    JG_SYSCONFDIR "/jumpgate/jumpgate.conf");
}

static void
expect_error(const char *text, const char *needle)
{
	struct config c;
	char err[JG_ERRLEN];

	assert_int_not_equal(load(text, &c, err), JG_OK);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle);
	assert_null(strchr(err, '\n'));
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("Bogus yes\n", ":1: unknown keyword 'Bogus'");
	expect_error("\n\nListenAddress nowhere\n", ":3: bad value for "
	    "ListenAddress");
	expect_error("ListenAddress 127.0.0.1:0\n", ":1: bad value");
	expect_error("ListenAddress 127.0.0.1:70000\n", ":1: bad value");
	expect_error("ListenAddress [::1:22\n", ":1: bad value");
	expect_error("StateDirectory relative/path\n", ":1: bad value for "
	    "StateDirectory");
	expect_error("LogLevel LOUD\n", "bad value for LogLevel");
	expect_error("IdleTimeout 5x\n", "bad value for IdleTimeout");
	expect_error("ConnectTimeout 0\n", "bad value for ConnectTimeout");
	expect_error("MaxStartups 10:200:5\n", "bad value for MaxStartups");
	expect_error("RecordInput maybe\n", "bad value for RecordInput");
	expect_error("MaxSessions 0\n", "bad value for MaxSessions");
	expect_error("MaxSessions ten\n", "bad value for MaxSessions");
	expect_error("ExpireInactiveDays -1\n",
	    "bad value for ExpireInactiveDays");
	expect_error("ExpireInactiveDays soon\n",
	    "bad value for ExpireInactiveDays");
	expect_error("RecordTransferContents maybe\n",
	    "bad value for RecordTransferContents");
	expect_error("PerSourceMaxStartups -1\n", "bad value for "
	    "PerSourceMaxStartups");
	expect_error("MaxRecordingSize 1X\n", "bad value for MaxRecordingSize");
	expect_error("MaxRecordingSize 0\n", "bad value for MaxRecordingSize");
	expect_error("RecordingMinFree 100%\n", "bad value for "
	    "RecordingMinFree");
	expect_error("RecordingMinFree 5%%\n", "bad value for "
	    "RecordingMinFree");
	expect_error("AuditLogFile relative.json\n", "bad value for "
	    "AuditLogFile");
	expect_error("WorkerUser ../x\n", "bad value for WorkerUser");
	expect_error("StateDirectory\n", ":1: StateDirectory needs a value");
	expect_error("LogLevel INFO\x01\n", ":1: control character");
}

static void
test_file_problems(void **state)
{
	struct config c;
	char err[JG_ERRLEN];

	(void)state;
	assert_int_not_equal(config_load(&c, "/nonexistent/jg.conf", err,
	    sizeof(err)), JG_OK);
	assert_non_null(strstr(err, "/nonexistent/jg.conf"));
	assert_int_equal(write_config("StateDirectory /x\n", 0666), 0);
	assert_int_not_equal(config_load(&c, cfgpath, err, sizeof(err)),
	    JG_OK);
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(chmod(cfgpath, 0620), 0);
	assert_int_not_equal(config_load(&c, cfgpath, err, sizeof(err)),
	    JG_OK);
	assert_int_equal(chmod(cfgpath, 0644), 0);
	assert_int_equal(config_load(&c, cfgpath, err, sizeof(err)), JG_OK);
	unlink(cfgpath);
}

/* Text from memory: what config_load reads is parsed the same way. */
static void
test_parse_text(void **state)
{
	struct config c;
	char err[256], big[5000];
	static const char nul[] = "LogLevel info\nIdleTimeout 5m\0junk\n";
	static const char two[] = "IdleTimeout 90s\nMaxSessions 3";

	(void)state;
	assert_int_equal(config_parse(&c, two, sizeof(two) - 1, "mem", err,
	    sizeof(err)), JG_OK);
	assert_int_equal(c.idle_timeout, 90);
	assert_int_equal(c.max_sessions, 3);
	assert_int_not_equal(config_parse(&c, nul, sizeof(nul) - 1, "mem",
	    err, sizeof(err)), JG_OK);
	assert_string_equal(err, "mem:2: a NUL byte");
	memset(big, 'x', sizeof(big));
	assert_int_not_equal(config_parse(&c, big, sizeof(big), "mem", err,
	    sizeof(err)), JG_OK);
	assert_string_equal(err, "mem:1: line too long");
	assert_int_equal(config_parse(&c, "", 0, "mem", err, sizeof(err)),
	    JG_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_file_problems),
		cmocka_unit_test(test_parse_text),
	};

	log_init("test-config", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
