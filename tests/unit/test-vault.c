/* test-vault.c: unit tests for the vault's cryptography (vault/vault.c). */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/stat.h>

#include <fcntl.h>
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

static const char secret[] = "correct horse battery staple";

/* A fresh temporary directory per test, removed with what it holds. */
struct fixture {
	char dir[64];
};

static int
setup_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-vault.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
seal_default(struct vault_key *key, unsigned char **ct, size_t *ctlen)
{
	assert_int_equal(vault_seal(key, "db01", "password", 1,
	    (const unsigned char *)secret, strlen(secret), ct, ctlen), JG_OK);
	assert_int_equal(*ctlen, strlen(secret) + VAULT_SEAL_OVERHEAD);
}

static void
test_seal_open_roundtrip(void **state)
{
	struct vault_key *key;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	seal_default(key, &ct, &ctlen);
	/* The plaintext must not show through. */
	assert_null(memmem(ct, ctlen, secret, strlen(secret)));
	assert_int_equal(vault_open(key, "db01", "password", 1, ct, ctlen,
	    &pt, &ptlen), JG_OK);
	assert_int_equal(ptlen, strlen(secret));
	assert_memory_equal(pt, secret, ptlen);
	assert_int_equal(pt[ptlen], '\0');
	vault_secret_free(pt, ptlen);
	free(ct);
	vault_key_free(key);
}

static void
test_seal_empty_plaintext(void **state)
{
	struct vault_key *key;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	assert_int_equal(vault_seal(key, "db01", "key", 7,
	    (const unsigned char *)"", 0, &ct, &ctlen), JG_OK);
	assert_int_equal(vault_open(key, "db01", "key", 7, ct, ctlen, &pt,
	    &ptlen), JG_OK);
	assert_int_equal(ptlen, 0);
	vault_secret_free(pt, ptlen);
	free(ct);
	vault_key_free(key);
}

static void
test_open_wrong_key(void **state)
{
	struct vault_key *key, *other;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	assert_int_equal(vault_key_generate(&other), JG_OK);
	seal_default(key, &ct, &ctlen);
	assert_int_equal(vault_open(other, "db01", "password", 1, ct, ctlen,
	    &pt, &ptlen), JG_EAUTH);
	assert_null(pt);
	free(ct);
	vault_key_free(key);
	vault_key_free(other);
}

/* A ciphertext copied to another row must not open there. */
static void
test_open_moved_ciphertext(void **state)
{
	struct vault_key *key;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	seal_default(key, &ct, &ctlen);
	assert_int_equal(vault_open(key, "db02", "password", 1, ct, ctlen,
	    &pt, &ptlen), JG_EAUTH);
	assert_int_equal(vault_open(key, "db0", "password", 1, ct, ctlen,
	    &pt, &ptlen), JG_EAUTH);
	assert_int_equal(vault_open(key, "db01", "key", 1, ct, ctlen,
	    &pt, &ptlen), JG_EAUTH);
	assert_int_equal(vault_open(key, "db01", "password", 2, ct, ctlen,
	    &pt, &ptlen), JG_EAUTH);
	assert_int_equal(vault_open(key, "db01", "password", 0, ct, ctlen,
	    &pt, &ptlen), JG_EAUTH);
	/* Still opens where it belongs. */
	assert_int_equal(vault_open(key, "db01", "password", 1, ct, ctlen,
	    &pt, &ptlen), JG_OK);
	vault_secret_free(pt, ptlen);
	free(ct);
	vault_key_free(key);
}

/* Length prefixes: moving bytes between target and kind changes the AD. */
static void
test_open_shifted_fields(void **state)
{
	struct vault_key *key;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	assert_int_equal(vault_seal(key, "ab", "cd", 1,
	    (const unsigned char *)"x", 1, &ct, &ctlen), JG_OK);
	assert_int_equal(vault_open(key, "abc", "d", 1, ct, ctlen, &pt,
	    &ptlen), JG_EAUTH);
	assert_int_equal(vault_open(key, "a", "bcd", 1, ct, ctlen, &pt,
	    &ptlen), JG_EAUTH);
	free(ct);
	vault_key_free(key);
}

static void
test_open_tampered(void **state)
{
	struct vault_key *key;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen, i;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	seal_default(key, &ct, &ctlen);
	/* Every single flipped bit, nonce and tag included, is caught. */
	for (i = 0; i < ctlen * 8; i++) {
		ct[i / 8] ^= (unsigned char)(1u << (i % 8));
		assert_int_equal(vault_open(key, "db01", "password", 1, ct,
		    ctlen, &pt, &ptlen), JG_EAUTH);
		ct[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	free(ct);
	vault_key_free(key);
}

static void
test_open_truncated(void **state)
{
	struct vault_key *key;
	unsigned char *ct, *pt;
	size_t ctlen, ptlen, n;

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	seal_default(key, &ct, &ctlen);
	for (n = 0; n < ctlen; n++)
		assert_int_not_equal(vault_open(key, "db01", "password", 1,
		    ct, n, &pt, &ptlen), JG_OK);
	free(ct);
	vault_key_free(key);
}

static void
test_seal_bad_names(void **state)
{
	struct vault_key *key;
	unsigned char *ct;
	size_t ctlen;
	char longname[300];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(vault_key_generate(&key), JG_OK);
	assert_int_equal(vault_seal(key, "", "password", 1,
	    (const unsigned char *)"x", 1, &ct, &ctlen), JG_EINVAL);
	assert_int_equal(vault_seal(key, "db01", "", 1,
	    (const unsigned char *)"x", 1, &ct, &ctlen), JG_EINVAL);
	assert_int_equal(vault_seal(key, longname, "password", 1,
	    (const unsigned char *)"x", 1, &ct, &ctlen), JG_EINVAL);
	assert_null(ct);
	vault_key_free(key);
}

static void
test_check_value(void **state)
{
	struct vault_key *key, *other;
	unsigned char check[VAULT_CHECK_LEN], check2[VAULT_CHECK_LEN];

	(void)state;
	assert_int_equal(vault_key_generate(&key), JG_OK);
	assert_int_equal(vault_key_generate(&other), JG_OK);
	assert_int_equal(vault_key_check_value(key, check), JG_OK);
	assert_int_equal(vault_key_check_value(key, check2), JG_OK);
	assert_memory_equal(check, check2, sizeof(check));
	assert_int_equal(vault_key_verify(key, check), JG_OK);
	assert_int_equal(vault_key_verify(other, check), JG_EAUTH);
	vault_key_free(key);
	vault_key_free(other);
}

static void
test_key_file_lengths(void **state)
{
	struct fixture *f = *state;
	struct vault_key *key;
	unsigned char bytes[33];
	char path[128], err[JG_ERRLEN];
	char want[256];

	memset(bytes, 0x5a, sizeof(bytes));
	snprintf(path, sizeof(path), "%s/key", f->dir);

	write_file(path, bytes, 31, 0600);
	assert_int_equal(vault_key_load_file(path, &key, err, sizeof(err)),
	    JG_ECORRUPT);
	assert_null(key);
	snprintf(want, sizeof(want), "VaultKeyFile %s: must be exactly 32 "
	    "bytes, found 31", path);
	assert_string_equal(err, want);

	write_file(path, bytes, 33, 0600);
	assert_int_equal(vault_key_load_file(path, &key, err, sizeof(err)),
	    JG_ECORRUPT);
	assert_non_null(strstr(err, "found 33"));

	write_file(path, bytes, 0, 0600);
	assert_int_not_equal(vault_key_load_file(path, &key, err,
	    sizeof(err)), JG_OK);

	write_file(path, bytes, 32, 0600);
	assert_int_equal(vault_key_load_file(path, &key, err, sizeof(err)),
	    JG_OK);
	assert_non_null(key);
	vault_key_free(key);

	/* Read-only for its owner is fine too. */
	write_file(path, bytes, 32, 0400);
	assert_int_equal(vault_key_load_file(path, &key, err, sizeof(err)),
	    JG_OK);
	vault_key_free(key);
}

static void
test_key_file_modes(void **state)
{
	struct fixture *f = *state;
	struct vault_key *key;
	unsigned char bytes[32] = { 1 };
	char path[128], err[JG_ERRLEN], want[256];
	static const mode_t bad[] = { 0644, 0640, 0604, 0620, 0602, 0660 };
	size_t i;

	snprintf(path, sizeof(path), "%s/key", f->dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bytes, sizeof(bytes), bad[i]);
		assert_int_equal(vault_key_load_file(path, &key, err,
		    sizeof(err)), JG_EINVAL);
		assert_null(key);
		snprintf(want, sizeof(want), "VaultKeyFile %s: mode %04o, "
		    "must be 0600", path, (unsigned int)bad[i]);
		assert_string_equal(err, want);
	}

	/* A directory is not a key file. */
	assert_int_equal(vault_key_load_file(f->dir, &key, err, sizeof(err)),
	    JG_EINVAL);
	assert_non_null(strstr(err, "not a regular file"));

	snprintf(path, sizeof(path), "%s/absent", f->dir);
	assert_int_equal(vault_key_load_file(path, &key, err, sizeof(err)),
	    JG_ENOENT);
	snprintf(want, sizeof(want), "VaultKeyFile %s: No such file or "
	    "directory", path);
	assert_string_equal(err, want);
}

static void
test_key_file_write(void **state)
{
	struct fixture *f = *state;
	struct vault_key *key, *back;
	unsigned char check[VAULT_CHECK_LEN];
	char path[128], link[128], err[JG_ERRLEN];
	struct stat st;

	snprintf(path, sizeof(path), "%s/key", f->dir);
	assert_int_equal(vault_key_generate(&key), JG_OK);
	assert_int_equal(vault_key_write_file(key, path, err, sizeof(err)),
	    JG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(vault_key_load_file(path, &back, err, sizeof(err)),
	    JG_OK);
	assert_int_equal(vault_key_check_value(key, check), JG_OK);
	assert_int_equal(vault_key_verify(back, check), JG_OK);
	vault_key_free(back);

	/* Never overwrites, never follows a symlink. */
	assert_int_equal(vault_key_write_file(key, path, err, sizeof(err)),
	    JG_EEXIST);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink("elsewhere", link), 0);
	assert_int_not_equal(vault_key_write_file(key, link, err,
	    sizeof(err)), JG_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	vault_key_free(key);
}

static void
test_derive(void **state)
{
	struct vault_key *k1, *k2, *k3;
	unsigned char salt[VAULT_SALT_LEN], salt2[VAULT_SALT_LEN];
	unsigned char check[VAULT_CHECK_LEN];
	unsigned long long ops, mem, ops2, mem2;
	char err[JG_ERRLEN];

	(void)state;
	vault_passphrase_params(salt, &ops, &mem);
	vault_passphrase_params(salt2, &ops2, &mem2);
	assert_memory_not_equal(salt, salt2, sizeof(salt));
	assert_int_equal(vault_key_derive("hunter2", 7, salt, ops, mem, &k1,
	    err, sizeof(err)), JG_OK);
	assert_int_equal(vault_key_derive("hunter2", 7, salt, ops, mem, &k2,
	    err, sizeof(err)), JG_OK);
	assert_int_equal(vault_key_check_value(k1, check), JG_OK);
	assert_int_equal(vault_key_verify(k2, check), JG_OK);
	vault_key_free(k2);

	assert_int_equal(vault_key_derive("hunter3", 7, salt, ops, mem, &k2,
	    err, sizeof(err)), JG_OK);
	assert_int_equal(vault_key_verify(k2, check), JG_EAUTH);
	assert_int_equal(vault_key_derive("hunter2", 7, salt2, ops, mem, &k3,
	    err, sizeof(err)), JG_OK);
	assert_int_equal(vault_key_verify(k3, check), JG_EAUTH);
	vault_key_free(k1);
	vault_key_free(k2);
	vault_key_free(k3);

	/* Limits out of range (a corrupt database) are refused. */
	assert_int_equal(vault_key_derive("hunter2", 7, salt, 0, mem, &k1,
	    err, sizeof(err)), JG_ECORRUPT);
	assert_null(k1);
	assert_int_equal(vault_key_derive("", 0, salt, ops, mem, &k1,
	    err, sizeof(err)), JG_EINVAL);
}

static void
test_passphrase_file(void **state)
{
	struct fixture *f = *state;
	char path[128], err[JG_ERRLEN], *pass, big[VAULT_PASS_MAX + 2];
	size_t len;

	snprintf(path, sizeof(path), "%s/pass", f->dir);
	write_file(path, "s3cret\nsecond line\n", 19, 0600);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_OK);
	assert_int_equal(len, 6);
	assert_string_equal(pass, "s3cret");
	vault_secret_free(pass, len);

	write_file(path, "no newline", 10, 0600);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_OK);
	assert_string_equal(pass, "no newline");
	vault_secret_free(pass, len);

	write_file(path, "\n", 1, 0600);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_EINVAL);
	assert_null(pass);
	write_file(path, "", 0, 0600);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_EINVAL);

	/* Exactly the maximum is fine, one more byte is not. */
	memset(big, 'p', sizeof(big));
	big[VAULT_PASS_MAX] = '\n';
	write_file(path, big, VAULT_PASS_MAX + 1, 0600);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_OK);
	assert_int_equal(len, VAULT_PASS_MAX);
	vault_secret_free(pass, len);
	big[VAULT_PASS_MAX] = 'p';
	write_file(path, big, VAULT_PASS_MAX + 1, 0600);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_EINVAL);

	snprintf(path, sizeof(path), "%s/absent", f->dir);
	assert_int_equal(vault_passphrase_read(path, "x: ", 0, &pass, &len,
	    err, sizeof(err)), JG_ERR);
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open_roundtrip),
		cmocka_unit_test(test_seal_empty_plaintext),
		cmocka_unit_test(test_open_wrong_key),
		cmocka_unit_test(test_open_moved_ciphertext),
		cmocka_unit_test(test_open_shifted_fields),
		cmocka_unit_test(test_open_tampered),
		cmocka_unit_test(test_open_truncated),
		cmocka_unit_test(test_seal_bad_names),
		cmocka_unit_test(test_check_value),
		cmocka_unit_test_setup_teardown(test_key_file_lengths,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_key_file_modes,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_key_file_write,
		    setup_dir, teardown_dir),
		cmocka_unit_test(test_derive),
		cmocka_unit_test_setup_teardown(test_passphrase_file,
		    setup_dir, teardown_dir),
	};

	/* Argon2id with INTERACTIVE limits: see vault_passphrase_params. */
	setenv("JUMPGATE_TEST_FAST_KDF", "1", 1);
	if (vault_init() != JG_OK) {
		fprintf(stderr, "libsodium failed to initialise\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
