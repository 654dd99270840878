/* test-store.c: the store: migrations, objects, uniqueness, audit chain, rekey atomicity, live counts. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "jumpgate.h"

#define KEY1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAMYYPCnocWeDrCDw7lnPJzwj4A2tU346OzmbmGnbXNn one"
#define KEY2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKaa908mXgRraFVcl/HfvvYjiSCD2hhRvzYdqHYV74QU two"

static char dbpath[64];
static const struct store_actor actor = { "root", 0 };

static void
db_unlink(void)
{
	char p[80];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static int
setup(void **state)
{
	struct store *s;
	char err[JG_ERRLEN];

	snprintf(dbpath, sizeof(dbpath), "/tmp/jg-test-store-%ld.db",
	    (long)getpid());
	db_unlink();
	if (store_open(dbpath, STORE_CREATE, &s, err, sizeof(err)) != JG_OK)
		return -1;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	store_close(*state);
	db_unlink();
	return 0;
}

static long long
raw_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
raw_exec(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_migrations(void **state)
{
	struct store *s;
	char err[JG_ERRLEN];

	(void)state;
	assert_int_equal(raw_int("PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	/* A database from the future is refused, not guessed at. */
	raw_exec("PRAGMA user_version = 99");
	assert_int_not_equal(store_open(dbpath, 0, &s, err, sizeof(err)),
	    JG_OK);
	assert_non_null(strstr(err, "schema version 99"));
	/* A version-0 database is someone else's, or an empty file. */
	db_unlink();
	raw_exec("CREATE TABLE other (x)");
	assert_int_equal(store_open(dbpath, 0, &s, err, sizeof(err)),
	    JG_ECORRUPT);
	assert_non_null(strstr(err, "not a jumpgate database"));
	db_unlink();
	assert_int_equal(close(open(dbpath, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(store_open(dbpath, 0, &s, err, sizeof(err)),
	    JG_ECORRUPT);
	/* Created at init, it is migrated from 0 to the newest version. */
	db_unlink();
	assert_int_equal(store_open(dbpath, STORE_CREATE, &s, err,
	    sizeof(err)), JG_OK);
	assert_int_equal(raw_int("PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int("SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'users'"), 1);
	store_close(s);
}

static void
test_not_a_database(void **state)
{
	struct store *s;
	char err[JG_ERRLEN];
	FILE *f;

	(void)state;
	db_unlink();
	f = fopen(dbpath, "w");
	assert_non_null(f);
	fputs("this is not a database, not at all, no sqlite header here\n",
	    f);
	fclose(f);
	assert_int_equal(store_open(dbpath, 0, &s, err, sizeof(err)),
	    JG_ECORRUPT);
	assert_non_null(strstr(err, "corrupt or not a jumpgate database"));
	db_unlink();
	assert_int_equal(store_open(dbpath, 0, &s, err, sizeof(err)),
	    JG_ENOENT);
	assert_non_null(strstr(err, "jumpgate init"));
	/* re-create for teardown */
	assert_int_equal(store_open(dbpath, STORE_CREATE, &s, err,
	    sizeof(err)), JG_OK);
	store_close(s);
}

static void
test_users_keys(void **state)
{
	struct store *s = *state;
	struct sshkey_pub k1, k2;
	struct store_user u, *v;
	char err[JG_ERRLEN], owner[JG_NAME_MAX + 1];
	char *roles[] = { "dba", "approver" };
	size_t n;

	assert_int_equal(sshkey_parse_line(KEY1, &k1, err, sizeof(err)),
	    JG_OK);
	assert_int_equal(sshkey_parse_line(KEY2, &k2, err, sizeof(err)),
	    JG_OK);
	assert_memory_equal(k1.fingerprint, "SHA256:", 7);
	assert_int_equal(store_user_add(s, &actor, "alice", roles, 2, &k1),
	    JG_OK);
	assert_int_equal(store_user_add(s, &actor, "alice", NULL, 0, NULL),
	    JG_EEXIST);
	/* The same key cannot belong to two users; bob is not half-made. */
	assert_int_equal(store_user_add(s, &actor, "bob", NULL, 0, &k1),
	    JG_EEXIST);
	assert_int_equal(store_user_get(s, "bob", &u), JG_ENOENT);
	assert_int_equal(store_user_add(s, &actor, "bob", NULL, 0, NULL),
	    JG_OK);
	assert_int_equal(store_key_add(s, &actor, "bob", &k2), JG_OK);
	assert_int_equal(store_key_add(s, &actor, "bob", &k2), JG_EEXIST);
	assert_int_equal(store_key_add(s, &actor, "carol", &k2), JG_ENOENT);
	assert_int_equal(store_key_owner(s, k1.fingerprint, owner,
	    sizeof(owner)), JG_OK);
	assert_string_equal(owner, "alice");
	assert_int_equal(store_user_get(s, "alice", &u), JG_OK);
	assert_int_equal(u.nroles, 2);
	assert_string_equal(u.roles[0], "approver");
	assert_int_equal(u.nkeys, 1);
	store_user_clear(&u);
	assert_int_equal(store_user_list(s, &v, &n), JG_OK);
	assert_int_equal(n, 2);
	store_user_free(v, n);
	/* Deleting a user removes its keys with it. */
	assert_int_equal(store_user_del(s, &actor, "alice", 0), JG_OK);
	assert_int_equal(store_key_owner(s, k1.fingerprint, owner,
	    sizeof(owner)), JG_ENOENT);
	assert_int_equal(store_user_del(s, &actor, "alice", 0), JG_ENOENT);
	sshkey_pub_clear(&k1);
	sshkey_pub_clear(&k2);
}

static void
test_targets_secrets(void **state)
{
	struct store *s = *state;
	struct store_target t, got;
	struct store_secret sec;
	unsigned char blob[40];

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "db01");
	snprintf(t.host, sizeof(t.host), "10.0.0.5");
	t.port = 22;
	snprintf(t.login, sizeof(t.login), "root");
	snprintf(t.host_key, sizeof(t.host_key), "%s", KEY1);
	assert_int_equal(store_target_add(s, &actor, &t), JG_OK);
	assert_int_equal(store_target_add(s, &actor, &t), JG_EEXIST);
	assert_int_equal(store_target_get(s, "db01", &got), JG_OK);
	assert_string_equal(got.host, "10.0.0.5");
	memset(blob, 7, sizeof(blob));
	assert_int_equal(store_secret_put(s, &actor, "nosuch", "password", 1,
	    blob, sizeof(blob)), JG_ENOENT);
	assert_int_equal(store_secret_put(s, &actor, "db01", "password", 1,
	    blob, sizeof(blob)), JG_OK);
	assert_int_equal(store_secret_get(s, "db01", &sec), JG_OK);
	assert_int_equal(sec.version, 1);
	assert_int_equal(sec.sealed_len, sizeof(blob));
	free(sec.sealed);
	/* Removing the target removes its secret. */
	assert_int_equal(store_target_del(s, &actor, "db01"), JG_OK);
	assert_int_equal(store_secret_get(s, "db01", &sec), JG_ENOENT);
	assert_int_equal(store_target_del(s, &actor, "db01"), JG_ENOENT);
}

static int
reseal_fail_second(void *arg, const struct store_secret *old,
    unsigned char **sealed, size_t *len)
{
	int *calls = arg;

	(void)old;
	if (++*calls == 2)
		return JG_ERR;
	*sealed = calloc(1, 8);
	*len = 8;
	return JG_OK;
}

static void
test_rekey_atomic(void **state)
{
	struct store *s = *state;
	struct store_vault_meta m, m2, got;
	struct store_target t;
	struct store_secret sec;
	unsigned char blob[16];
	const char *names[] = { "a1", "a2", "a3" };
	int calls = 0;
	size_t i;

	memset(&m, 0, sizeof(m));
	snprintf(m.mode, sizeof(m.mode), "file");
	memset(m.check, 1, sizeof(m.check));
	assert_int_equal(store_vault_meta_init(s, &m), JG_OK);
	memset(&t, 0, sizeof(t));
	snprintf(t.host, sizeof(t.host), "h");
	t.port = 22;
	snprintf(t.login, sizeof(t.login), "l");
	snprintf(t.host_key, sizeof(t.host_key), "%s", KEY1);
	memset(blob, 9, sizeof(blob));
	for (i = 0; i < 3; i++) {
		snprintf(t.name, sizeof(t.name), "%s", names[i]);
		assert_int_equal(store_target_add(s, &actor, &t), JG_OK);
		assert_int_equal(store_secret_put(s, &actor, names[i], "key",
		    1, blob, sizeof(blob)), JG_OK);
	}
	m2 = m;
	memset(m2.check, 2, sizeof(m2.check));
	assert_int_not_equal(store_vault_rekey(s, &actor, &m2,
	    reseal_fail_second, &calls), JG_OK);
	/* Nothing changed: the first secret and the check value are old. */
	assert_int_equal(store_secret_get(s, "a1", &sec), JG_OK);
	assert_int_equal(sec.sealed_len, sizeof(blob));
	free(sec.sealed);
	assert_int_equal(store_vault_meta_get(s, &got), JG_OK);
	assert_memory_equal(got.check, m.check, sizeof(m.check));
	calls = -10;
	assert_int_equal(store_vault_rekey(s, &actor, &m2,
	    reseal_fail_second, &calls), JG_OK);
	assert_int_equal(store_secret_get(s, "a3", &sec), JG_OK);
	assert_int_equal(sec.sealed_len, 8);
	free(sec.sealed);
	assert_int_equal(store_vault_meta_get(s, &got), JG_OK);
	assert_memory_equal(got.check, m2.check, sizeof(m2.check));
}

static void
test_audit_chain(void **state)
{
	struct store *s = *state;
	char err[JG_ERRLEN];
	long long bad;

	assert_int_equal(store_audit_add(s, &actor, "test.one", "a"), JG_OK);
	assert_int_equal(store_audit_add(s, &actor, "test.two", "b"), JG_OK);
	assert_int_equal(store_audit_add(s, &actor, "test.three", "c"), JG_OK);
	assert_int_equal(store_audit_verify(s, &bad, err, sizeof(err)), JG_OK);
	/* The triggers refuse edits from SQL... */
	{
		sqlite3 *db;
		assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET "
		    "detail = 'x' WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	/* ...and an edit past them is caught by the chain. */
	raw_exec("DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'x' "
	    "WHERE id = 2");
	assert_int_equal(store_audit_verify(s, &bad, err, sizeof(err)),
	    JG_ECORRUPT);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(err, "row 2 was altered"));
}

static void
test_audit_deletion(void **state)
{
	struct store *s = *state;
	char err[JG_ERRLEN];
	long long bad;

	assert_int_equal(store_audit_add(s, &actor, "test.one", "a"), JG_OK);
	assert_int_equal(store_audit_add(s, &actor, "test.two", "b"), JG_OK);
	assert_int_equal(store_audit_add(s, &actor, "test.three", "c"), JG_OK);
	raw_exec("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE "
	    "id = 2");
	assert_int_equal(store_audit_verify(s, &bad, err, sizeof(err)),
	    JG_ECORRUPT);
	assert_non_null(strstr(err, "row 2 is missing"));
}

#define HASH64 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

/* A witness line reads back as the row it was written from; anything else is refused. */
static void
test_witness_lines(void **state)
{
	struct store_audit a, b;
	char line[WITNESS_LINE_MAX], bad[WITNESS_LINE_MAX];
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.id = 42;
	snprintf(a.time, sizeof(a.time), "2026-12-02T10:00:00Z");
	snprintf(a.actor, sizeof(a.actor), "alice");
	a.uid = -1;
	snprintf(a.action, sizeof(a.action), "login");
	a.detail = (char *)"user=alice \"quoted\" back\\slash\x01ctl";
	memset(a.prev, 0x11, 32);
	memset(a.hash, 0xee, 32);
	assert_int_equal(witness_line(&a, line, sizeof(line)), JG_OK);
	n = strlen(line);
	assert_int_equal(line[n - 1], '\n');
	assert_int_equal(witness_parse(line, n, &b), JG_OK);
	assert_true(b.id == 42);
	assert_true(b.uid == -1);
	assert_string_equal(b.actor, "alice");
	assert_string_equal(b.action, "login");
	assert_memory_equal(b.hash, a.hash, 32);
	assert_memory_equal(b.prev, a.prev, 32);
	/* one byte short or long, and other damage */
	assert_int_not_equal(witness_parse(line, n - 2, &b), JG_OK);
	memcpy(bad, line, n - 1);
	memcpy(bad + n - 1, "x\n", 3);
	assert_int_not_equal(witness_parse(bad, n + 1, &b), JG_OK);
	{
		static const char *const lines[] = {
			/* the least a line may be: accepted */
			"{\"seq\":1,\"hash\":\"" HASH64 "\"}",
			/* no hash, a key twice, not an object, a bad hash */
			"{\"seq\":1}",
			"{\"seq\":1,\"seq\":2,\"hash\":\"" HASH64 "\"}",
			"[1]",
			"{\"seq\":1,\"hash\":\"" HASH64 "0\"}",
			"{\"seq\":0,\"hash\":\"" HASH64 "\"}",
			"{\"seq\":1,\"hash\":\"" HASH64 "\",\"x\":\"y\"}",
		};
		size_t i;

		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
			assert_int_equal(witness_parse(lines[i],
			    strlen(lines[i]), &b) == JG_OK, i == 0);
	}
	/* too long for its buffer: refused, not cut */
	assert_int_not_equal(witness_line(&a, line, 64), JG_OK);
}

/* Live counts of many sessions land in one call; an ended row keeps its end. */
static void
test_session_bytes(void **state)
{
	struct store *s = *state;
	struct store_session ss;
	struct store_bytes v[3];
	long long a, b;

	memset(&ss, 0, sizeof(ss));
	snprintf(ss.user, sizeof(ss.user), "alice");
	snprintf(ss.target, sizeof(ss.target), "db01");
	snprintf(ss.login, sizeof(ss.login), "root");
	snprintf(ss.source, sizeof(ss.source), "127.0.0.1");
	snprintf(ss.kind, sizeof(ss.kind), "shell");
	assert_int_equal(store_session_open(s, &ss, &a), JG_OK);
	assert_int_equal(store_session_open(s, &ss, &b), JG_OK);
	assert_int_equal(store_session_end(s, b, "complete", 0, 7, 8, "eof"),
	    JG_OK);
	v[0] = (struct store_bytes){ a, 100, 200 };
	v[1] = (struct store_bytes){ b, 300, 400 };
	v[2] = (struct store_bytes){ 999, 1, 1 };	/* no such row: no harm */
	assert_int_equal(store_session_bytes(s, v, 3), JG_OK);
	assert_int_equal(raw_int("SELECT bytes_in * 1000 + bytes_out FROM "
	    "sessions WHERE id = 1"), 100200);
	assert_int_equal(raw_int("SELECT bytes_in * 1000 + bytes_out FROM "
	    "sessions WHERE id = 2"), 7008);
	assert_int_equal(raw_int("SELECT count(*) FROM sessions WHERE active "
	    "IS NOT NULL AND id = 1"), 1);
	assert_int_equal(store_session_bytes(s, v, 0), JG_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_users_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_targets_secrets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rekey_atomic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain, setup,
		    teardown),
		cmocka_unit_test(test_witness_lines),
		cmocka_unit_test_setup_teardown(test_audit_deletion, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_session_bytes, setup,
		    teardown),
	};

	log_init("test-store", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
