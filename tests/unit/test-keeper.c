/* test-keeper.c: unit tests for the vault keeper process (vault/keeper*.c). */

/*
 * The test plays both the master (framed messages on the keeper's socket)
 * and a worker (the ssh-agent protocol on a registration socket) against a
 * real forked keeper, and checks that the keeper exits when the master's
 * socket closes. The messages are built here byte by byte, not with
 * common/proto-mk.c: an independent check that the wire layout is the one
 * doc/architecture.md describes.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libssh/libssh.h>
#include <sodium.h>

#include "jumpgate.h"
#include "proto.h"

#define WAIT_MS 10000
#define PASSWORD "s3cret pass word"

struct fixture {
	char dir[64];
	char keyfile[128];
	struct config cfg;
	struct vault_key *key;		/* the vault key the test seals with */
	unsigned char check[VAULT_CHECK_LEN];
	pid_t pid;
	struct msgconn *m;		/* the test's end, as the master */
	struct buf *b;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned char raw[VAULT_KEY_LEN];
	int fd;

	if (f == NULL || vault_init() != JG_OK)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-keeper.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->keyfile, sizeof(f->keyfile), "%s/vault.key", f->dir);
	randombytes_buf(raw, sizeof(raw));
	fd = open(f->keyfile, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1 || write(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw) ||
	    close(fd) == -1)
		return -1;
	sodium_memzero(raw, sizeof(raw));
	config_defaults(&f->cfg);
	snprintf(f->cfg.vault_key_file, sizeof(f->cfg.vault_key_file), "%s",
	    f->keyfile);
	/* As root (CI) the keeper drops to KeeperUser: use one that exists. */
	if (geteuid() == 0 && getpwnam(f->cfg.keeper_user) == NULL)
		snprintf(f->cfg.keeper_user, sizeof(f->cfg.keeper_user),
		    "nobody");
	if (vault_key_load_file(f->keyfile, &f->key, NULL, 0) != JG_OK ||
	    vault_key_check_value(f->key, f->check) != JG_OK)
		return -1;
	f->pid = -1;
	f->b = buf_new(MSG_MAX);
	keeper_log_options(1, LOG_LVL_DEBUG);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	msg_free(f->m);
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	buf_free(f->b);
	vault_key_free(f->key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
keeper_up(struct fixture *f)
{
	char err[JG_ERRLEN];
	int fd;

	f->pid = keeper_start(&f->cfg, NULL, &fd, err, sizeof(err));
	assert_true(f->pid > 0);
	assert_true(fd >= 0);
	f->m = msg_new(fd);
}

/* Close the master's socket: the keeper must exit with status want. */
static void
keeper_down(struct fixture *f, int want)
{
	int status;

	msg_free(f->m);
	f->m = NULL;
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), want);
}

static void
send_msg(struct fixture *f, uint32_t type, struct buf *b, int fd)
{
	assert_int_equal(msg_queue_buf(f->m, type, b, fd), JG_OK);
	assert_int_equal(msg_flush_wait(f->m, WAIT_MS), 0);
}

static void
recv_msg(struct fixture *f, uint32_t want)
{
	uint32_t type;
	int fd;

	assert_int_equal(msg_get_wait(f->m, &type, f->b, &fd, WAIT_MS), 1);
	assert_int_equal(type, want);
	assert_int_equal(fd, -1);
}

/* MSG_K_STATUS: returns unsealed, message in msg. */
static int
get_status(struct fixture *f, char *msg, size_t len)
{
	uint32_t unsealed;

	recv_msg(f, MSG_K_STATUS);
	assert_int_equal(buf_get_u32(f->b, &unsealed), JG_OK);
	assert_int_equal(buf_get_cstring(f->b, msg, len), JG_OK);
	assert_int_equal(buf_len(f->b), 0);
	return (int)unsealed;
}

static int
send_meta(struct fixture *f, const char *mode,
    const unsigned char salt[VAULT_SALT_LEN], uint64_t ops, uint64_t mem,
    const unsigned char check[VAULT_CHECK_LEN], char *msg, size_t len)
{
	struct buf *b = buf_new(1024);

	assert_int_equal(buf_put_cstring(b, mode), JG_OK);
	assert_int_equal(buf_put_string(b, salt, VAULT_SALT_LEN), JG_OK);
	assert_int_equal(buf_put_u64(b, ops), JG_OK);
	assert_int_equal(buf_put_u64(b, mem), JG_OK);
	assert_int_equal(buf_put_string(b, check, VAULT_CHECK_LEN), JG_OK);
	send_msg(f, MSG_K_META, b, -1);
	buf_free(b);
	return get_status(f, msg, len);
}

static void
unseal_file(struct fixture *f)
{
	unsigned char salt[VAULT_SALT_LEN] = { 0 };
	char msg[JG_ERRLEN];

	assert_int_equal(send_meta(f, "file", salt, 0, 0, f->check, msg,
	    sizeof(msg)), 1);
	assert_string_equal(msg, "unsealed");
}

/*
 * Register conn for target with a sealed secret; returns ok, the reason
 * in msg, and the worker's end of the socket pair in *worker.
 */
static int
do_register(struct fixture *f, uint64_t conn, const char *target,
    const char *kind, const unsigned char *sealed, size_t sealedlen,
    int *worker, char *msg, size_t len)
{
	struct buf *b = buf_new(MSG_MAX);
	uint64_t rconn;
	uint32_t ok;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	assert_int_equal(buf_put_u64(b, conn), JG_OK);
	assert_int_equal(buf_put_cstring(b, target), JG_OK);
	assert_int_equal(buf_put_cstring(b, kind), JG_OK);
	assert_int_equal(buf_put_u32(b, 1), JG_OK);
	assert_int_equal(buf_put_string(b, sealed, sealedlen), JG_OK);
	send_msg(f, MSG_K_REGISTER, b, sv[1]);	/* the queue owns sv[1] */
	buf_free(b);
	recv_msg(f, MSG_K_REGISTERED);
	assert_int_equal(buf_get_u64(f->b, &rconn), JG_OK);
	assert_int_equal(rconn, conn);
	assert_int_equal(buf_get_u32(f->b, &ok), JG_OK);
	assert_int_equal(buf_get_cstring(f->b, msg, len), JG_OK);
	*worker = sv[0];
	return (int)ok;
}

static void
seal(struct fixture *f, const char *target, const char *kind,
    const char *text, unsigned char **ct, size_t *ctlen)
{
	assert_int_equal(vault_seal(f->key, target, kind, 1,
	    (const unsigned char *)text, strlen(text), ct, ctlen), JG_OK);
}

static void
io_full(int fd, void *p, size_t len, int sending)
{
	struct pollfd pfd = { fd, sending ? POLLOUT : POLLIN, 0 };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
		n = sending ? send(fd, (char *)p + off, len - off,
		    MSG_NOSIGNAL) : recv(fd, (char *)p + off, len - off, 0);
		assert_true(n > 0);
		off += (size_t)n;
	}
}

/* One agent round trip; the reply (type first) lands in f->b. */
static uint8_t
agent_call(struct fixture *f, int fd, uint8_t type, const struct buf *body)
{
	struct buf *req = buf_new(1024 * 1024);
	unsigned char hdr[4], *p;
	uint32_t len;
	uint8_t rtype;

	assert_int_equal(buf_put_u32(req, 1 + (body ? buf_len(body) : 0)),
	    JG_OK);
	assert_int_equal(buf_put_u8(req, type), JG_OK);
	if (body != NULL)
		assert_int_equal(buf_put(req, buf_ptr(body), buf_len(body)),
		    JG_OK);
	io_full(fd, (void *)buf_ptr(req), buf_len(req), 1);
	buf_free(req);
	io_full(fd, hdr, 4, 0);
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	assert_true(len >= 1 && len <= 256 * 1024);
	buf_reset(f->b);
	assert_int_equal(buf_reserve(f->b, len, &p), JG_OK);
	io_full(fd, p, len, 0);
	assert_int_equal(buf_get_u8(f->b, &rtype), JG_OK);
	return rtype;
}

/* The peer closed: a read returns 0 within the wait. */
static void
assert_eof(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char c;

	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_int_equal(recv(fd, &c, 1, 0), 0);
}

/* A fresh private key as OpenSSH text, and its public blob. */
static char *
gen_key(enum ssh_keytypes_e type, unsigned char **blob, size_t *bloblen)
{
	ssh_key key = NULL;
	char *text = NULL, *b64 = NULL, *copy;
	size_t max;

	assert_int_equal(ssh_pki_generate(type, type == SSH_KEYTYPE_ED25519 ?
	    0 : 256, &key), SSH_OK);
	assert_int_equal(ssh_pki_export_privkey_base64(key, NULL, NULL, NULL,
	    &text), SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(key, &b64), SSH_OK);
	max = strlen(b64);
	*blob = malloc(max);
	assert_non_null(*blob);
	assert_int_equal(sodium_base642bin(*blob, max, b64, strlen(b64), NULL,
	    bloblen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	copy = strdup(text);
	assert_non_null(copy);
	ssh_string_free_char(text);
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return copy;
}

static void
test_key_sign(void **state)
{
	struct fixture *f = *state;
	unsigned char *blob, *other, *sealed, data[100];
	const unsigned char *p, *sig;
	char *text, *text2, msg[JG_ERRLEN], comment[JG_NAME_MAX + 1];
	size_t bloblen, otherlen, sealedlen, n, siglen;
	struct buf *body, *sigbuf, *ua;
	uint32_t nkeys;
	int worker;

	keeper_up(f);
	unseal_file(f);
	text = gen_key(SSH_KEYTYPE_ED25519, &blob, &bloblen);
	text2 = gen_key(SSH_KEYTYPE_ED25519, &other, &otherlen);
	seal(f, "t1", "key", text, &sealed, &sealedlen);
	assert_int_equal(do_register(f, 7, "t1", "key", sealed, sealedlen,
	    &worker, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "ok");

	/* REQUEST_IDENTITIES: exactly our key, named after the target. */
	assert_int_equal(agent_call(f, worker, AGENT_REQUEST_IDENTITIES, NULL),
	    AGENT_IDENTITIES_ANSWER);
	assert_int_equal(buf_get_u32(f->b, &nkeys), JG_OK);
	assert_int_equal(nkeys, 1);
	assert_int_equal(buf_get_string(f->b, &p, &n), JG_OK);
	assert_int_equal(n, bloblen);
	assert_memory_equal(p, blob, bloblen);
	assert_int_equal(buf_get_cstring(f->b, comment, sizeof(comment)),
	    JG_OK);
	assert_string_equal(comment, "t1");
	assert_int_equal(buf_len(f->b), 0);

	/* Arbitrary data is not signed: only a public-key login is. */
	randombytes_buf(data, sizeof(data));
	body = buf_new(4096);
	assert_int_equal(buf_put_string(body, blob, bloblen), JG_OK);
	assert_int_equal(buf_put_string(body, data, sizeof(data)), JG_OK);
	assert_int_equal(buf_put_u32(body, 0), JG_OK);
	assert_int_equal(agent_call(f, worker, AGENT_SIGN_REQUEST, body),
	    AGENT_FAILURE);
	/* SIGN_REQUEST of a login (RFC 4252 §7): a signature that verifies. */
	ua = buf_new(4096);
	assert_int_equal(buf_put_string(ua, data, 32), JG_OK);
	assert_int_equal(buf_put_u8(ua, 50), JG_OK);
	assert_int_equal(buf_put_cstring(ua, "jgtarget"), JG_OK);
	assert_int_equal(buf_put_cstring(ua, "ssh-connection"), JG_OK);
	assert_int_equal(buf_put_cstring(ua, "publickey"), JG_OK);
	assert_int_equal(buf_put_u8(ua, 1), JG_OK);
	assert_int_equal(buf_put_cstring(ua, "ssh-ed25519"), JG_OK);
	assert_int_equal(buf_put_string(ua, blob, bloblen), JG_OK);
	buf_reset(body);
	assert_int_equal(buf_put_string(body, blob, bloblen), JG_OK);
	assert_int_equal(buf_put_string(body, buf_ptr(ua), buf_len(ua)),
	    JG_OK);
	assert_int_equal(buf_put_u32(body, 0), JG_OK);
	assert_int_equal(agent_call(f, worker, AGENT_SIGN_REQUEST, body),
	    AGENT_SIGN_RESPONSE);
	assert_int_equal(buf_get_string(f->b, &p, &n), JG_OK);
	sigbuf = buf_new(4096);
	assert_int_equal(buf_put(sigbuf, p, n), JG_OK);
	assert_int_equal(buf_get_cstring(sigbuf, comment, sizeof(comment)),
	    JG_OK);
	assert_string_equal(comment, "ssh-ed25519");
	assert_int_equal(buf_get_string(sigbuf, &sig, &siglen), JG_OK);
	assert_int_equal(siglen, crypto_sign_BYTES);
	assert_int_equal(buf_len(sigbuf), 0);
	/* The blob ends with the 32-byte public key. */
	assert_int_equal(crypto_sign_verify_detached(sig, buf_ptr(ua),
	    buf_len(ua), blob + bloblen - crypto_sign_PUBLICKEYBYTES), 0);
	assert_int_not_equal(crypto_sign_verify_detached(sig, data,
	    sizeof(data), blob + bloblen - crypto_sign_PUBLICKEYBYTES), 0);
	buf_free(sigbuf);
	/* Once: a second login signature is refused. */
	assert_int_equal(agent_call(f, worker, AGENT_SIGN_REQUEST, body),
	    AGENT_FAILURE);
	buf_free(ua);

	/* Another key's blob: refused. */
	buf_reset(body);
	assert_int_equal(buf_put_string(body, other, otherlen), JG_OK);
	assert_int_equal(buf_put_string(body, data, sizeof(data)), JG_OK);
	assert_int_equal(buf_put_u32(body, 0), JG_OK);
	assert_int_equal(agent_call(f, worker, AGENT_SIGN_REQUEST, body),
	    AGENT_FAILURE);
	/* Malformed, a password request, an unknown type: refused. */
	buf_reset(body);
	assert_int_equal(buf_put_u32(body, 1000), JG_OK);
	assert_int_equal(agent_call(f, worker, AGENT_SIGN_REQUEST, body),
	    AGENT_FAILURE);
	assert_int_equal(agent_call(f, worker, AGENT_JG_PASSWORD_REQUEST,
	    NULL), AGENT_FAILURE);
	assert_int_equal(agent_call(f, worker, 17, NULL), AGENT_FAILURE);
	/* Still serving after refusals. */
	assert_int_equal(agent_call(f, worker, AGENT_REQUEST_IDENTITIES, NULL),
	    AGENT_IDENTITIES_ANSWER);
	buf_free(body);

	/* UNREGISTER: the keeper closes the worker's socket. */
	body = buf_new(64);
	assert_int_equal(buf_put_u64(body, 7), JG_OK);
	send_msg(f, MSG_K_UNREGISTER, body, -1);
	buf_free(body);
	assert_eof(worker);
	close(worker);
	keeper_down(f, 0);
	free(sealed);
	free(blob);
	free(other);
	free(text);
	free(text2);
}

static void
test_password(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed;
	char msg[JG_ERRLEN], err[JG_ERRLEN], *pw;
	size_t sealedlen, len;
	uint32_t nkeys;
	int worker;

	keeper_up(f);
	unseal_file(f);
	seal(f, "db01", "password", PASSWORD, &sealed, &sealedlen);
	assert_int_equal(do_register(f, 8, "db01", "password", sealed,
	    sealedlen, &worker, msg, sizeof(msg)), 1);
	/* A password registration lists no key. */
	assert_int_equal(agent_call(f, worker, AGENT_REQUEST_IDENTITIES, NULL),
	    AGENT_IDENTITIES_ANSWER);
	assert_int_equal(buf_get_u32(f->b, &nkeys), JG_OK);
	assert_int_equal(nkeys, 0);
	/* Once, then never again. */
	assert_int_equal(agent_password_fetch(worker, WAIT_MS, &pw, &len, err,
	    sizeof(err)), JG_OK);
	assert_int_equal(len, strlen(PASSWORD));
	assert_string_equal(pw, PASSWORD);
	vault_secret_free(pw, len);
	assert_int_equal(agent_password_fetch(worker, WAIT_MS, &pw, &len, err,
	    sizeof(err)), JG_EAUTH);
	assert_null(pw);
	assert_non_null(strstr(err, "refused"));
	/* A registration for a key kind never opens a password's secret. */
	close(worker);
	assert_int_equal(do_register(f, 9, "db01", "key", sealed, sealedlen,
	    &worker, msg, sizeof(msg)), 0);
	assert_eof(worker);
	close(worker);
	keeper_down(f, 0);
	free(sealed);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	unsigned char *blob, *sealed;
	char *text, msg[JG_ERRLEN];
	size_t bloblen, sealedlen;
	int worker;

	keeper_up(f);
	unseal_file(f);
	/* Sealed for another target: does not open as t1's. */
	text = gen_key(SSH_KEYTYPE_ED25519, &blob, &bloblen);
	seal(f, "t2", "key", text, &sealed, &sealedlen);
	assert_int_equal(do_register(f, 10, "t1", "key", sealed, sealedlen,
	    &worker, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "does not open"));
	assert_eof(worker);
	close(worker);
	free(sealed);
	free(text);
	free(blob);
	/* Not Ed25519. */
	text = gen_key(SSH_KEYTYPE_ECDSA_P256, &blob, &bloblen);
	seal(f, "t3", "key", text, &sealed, &sealedlen);
	assert_int_equal(do_register(f, 11, "t3", "key", sealed, sealedlen,
	    &worker, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "only ssh-ed25519 target keys are supported");
	assert_eof(worker);
	close(worker);
	free(sealed);
	free(text);
	free(blob);
	/* Garbage where a key should be. */
	seal(f, "t4", "key", "not a key", &sealed, &sealedlen);
	assert_int_equal(do_register(f, 12, "t4", "key", sealed, sealedlen,
	    &worker, msg, sizeof(msg)), 0);
	close(worker);
	free(sealed);
	keeper_down(f, 0);
}

static void
test_oversize_frame(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed, hdr[5] = { 0, 0x10, 0, 0, AGENT_SIGN_REQUEST };
	char msg[JG_ERRLEN];
	size_t sealedlen;
	int worker;

	keeper_up(f);
	unseal_file(f);
	seal(f, "db01", "password", PASSWORD, &sealed, &sealedlen);
	assert_int_equal(do_register(f, 13, "db01", "password", sealed,
	    sealedlen, &worker, msg, sizeof(msg)), 1);
	/* 1 MiB announced: above the 256 KiB cap, the registration goes. */
	io_full(worker, hdr, sizeof(hdr), 1);
	assert_eof(worker);
	close(worker);
	keeper_down(f, 0);
	free(sealed);
}

static void
test_wrong_key(void **state)
{
	struct fixture *f = *state;
	unsigned char salt[VAULT_SALT_LEN] = { 0 }, bad[VAULT_CHECK_LEN];
	unsigned char *sealed;
	char msg[JG_ERRLEN];
	size_t sealedlen;
	int worker;

	keeper_up(f);
	memcpy(bad, f->check, sizeof(bad));
	bad[0] ^= 0x80;
	assert_int_equal(send_meta(f, "file", salt, 0, 0, bad, msg,
	    sizeof(msg)), 0);
	assert_non_null(strstr(msg, "wrong vault key: VaultKeyFile"));
	assert_non_null(strstr(msg, "does not match this vault"));
	/* The key was dropped: nothing opens. */
	seal(f, "db01", "password", PASSWORD, &sealed, &sealedlen);
	assert_int_equal(do_register(f, 14, "db01", "password", sealed,
	    sealedlen, &worker, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "sealed"));
	close(worker);
	keeper_down(f, 0);
	free(sealed);
}

static void
test_passphrase(void **state)
{
	struct fixture *f = *state;
	unsigned char salt[VAULT_SALT_LEN], check[VAULT_CHECK_LEN], *sealed;
	unsigned long long ops, mem;
	static const char pass[] = "open sesame";
	struct vault_key *key;
	char msg[JG_ERRLEN], err[JG_ERRLEN], *pw;
	struct buf *b;
	size_t sealedlen, len;
	int worker;

	setenv("JUMPGATE_TEST_FAST_KDF", "1", 1);
	vault_passphrase_params(salt, &ops, &mem);
	assert_int_equal(vault_key_derive(pass, strlen(pass), salt, ops, mem,
	    &key, err, sizeof(err)), JG_OK);
	assert_int_equal(vault_key_check_value(key, check), JG_OK);
	assert_int_equal(vault_seal(key, "db01", "password", 1,
	    (const unsigned char *)PASSWORD, strlen(PASSWORD), &sealed,
	    &sealedlen), JG_OK);
	vault_key_free(key);

	f->cfg.vault_key_file[0] = '\0';
	keeper_up(f);
	assert_int_equal(send_meta(f, "passphrase", salt, ops, mem, check,
	    msg, sizeof(msg)), 0);
	assert_string_equal(msg, "sealed: waiting for jumpgate unseal");
	assert_int_equal(do_register(f, 20, "db01", "password", sealed,
	    sealedlen, &worker, msg, sizeof(msg)), 0);
	close(worker);

	b = buf_new(1024);
	assert_int_equal(buf_put_cstring(b, "wrong"), JG_OK);
	send_msg(f, MSG_K_UNSEAL, b, -1);
	assert_int_equal(get_status(f, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "wrong vault passphrase");
	buf_reset(b);
	assert_int_equal(buf_put_cstring(b, pass), JG_OK);
	send_msg(f, MSG_K_UNSEAL, b, -1);
	assert_int_equal(get_status(f, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "unsealed");
	buf_free(b);

	assert_int_equal(do_register(f, 21, "db01", "password", sealed,
	    sealedlen, &worker, msg, sizeof(msg)), 1);
	assert_int_equal(agent_password_fetch(worker, WAIT_MS, &pw, &len, err,
	    sizeof(err)), JG_OK);
	assert_string_equal(pw, PASSWORD);
	vault_secret_free(pw, len);
	close(worker);
	keeper_down(f, 0);
	free(sealed);
}

/* Anything the keeper cannot parse from the master ends it (status 1). */
static void
test_master_garbage(void **state)
{
	struct fixture *f = *state;
	struct buf *b = buf_new(64);

	keeper_up(f);
	assert_int_equal(buf_put_u32(b, 1), JG_OK);
	send_msg(f, 999, b, -1);
	keeper_down(f, 1);
	keeper_up(f);
	send_msg(f, MSG_K_META, b, -1);	/* truncated parameters */
	keeper_down(f, 1);
	buf_free(b);
}

/*
 * Each message the keeper takes from the master, one byte short and one
 * byte long: the keeper decodes to the last byte and stops on either.
 */
static void
test_master_short_long(void **state)
{
	struct fixture *f = *state;
	unsigned char salt[VAULT_SALT_LEN] = { 0 }, sealed[48] = { 0 };
	struct k_meta km;
	struct k_unseal ku;
	struct k_register kr;
	struct k_unregister kn;
	struct k_reckey_open ko;
	const struct {
		uint32_t type;
		const void *msg;
		size_t size;
		int fd;
	} msgs[] = {
		{ MSG_K_META, &km, sizeof(km), 0 },
		{ MSG_K_UNSEAL, &ku, sizeof(ku), 0 },
		{ MSG_K_REGISTER, &kr, sizeof(kr), 1 },
		{ MSG_K_UNREGISTER, &kn, sizeof(kn), 0 },
		{ MSG_K_RECKEY_OPEN, &ko, sizeof(ko), 1 },
	};
	struct buf *b = buf_new(MSG_MAX);
	size_t i, n, cut;

	memset(&km, 0, sizeof(km));
	snprintf(km.mode, sizeof(km.mode), "file");
	memcpy(km.salt, salt, sizeof(salt));
	memcpy(km.check, f->check, sizeof(km.check));
	ku.passphrase.p = (const unsigned char *)"pass";
	ku.passphrase.len = 4;
	memset(&kr, 0, sizeof(kr));
	kr.conn = 3;
	snprintf(kr.target, sizeof(kr.target), "db01");
	snprintf(kr.kind, sizeof(kr.kind), "password");
	kr.version = 1;
	kr.sealed.p = sealed;
	kr.sealed.len = sizeof(sealed);
	kn.conn = 3;
	ko.session = 5;
	ko.sealed.p = sealed;
	ko.sealed.len = sizeof(sealed);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		for (cut = 0; cut < 2; cut++) {
			buf_reset(b);
			assert_int_equal(proto_enc(&proto_mk, msgs[i].type, b,
			    msgs[i].msg, msgs[i].size), JG_OK);
			n = buf_len(b);
			if (cut == 0)
				buf_unreserve(b, 1);
			else
				assert_int_equal(buf_put_u8(b, 0), JG_OK);
			assert_int_equal(buf_len(b), cut == 0 ? n - 1 : n + 1);
			keeper_up(f);
			send_msg(f, msgs[i].type, b, msgs[i].fd ? dup(0) : -1);
			keeper_down(f, 1);
		}
	buf_free(b);
}

/* Run as root: a KeeperUser that does not exist stops the keeper. */
static void
test_missing_user(void **state)
{
	struct fixture *f = *state;

	if (geteuid() != 0)
		skip();
	snprintf(f->cfg.keeper_user, sizeof(f->cfg.keeper_user),
	    "jg-no-such-user");
	keeper_up(f);
	keeper_down(f, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_frame, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_passphrase, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_master_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_master_short_long, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_user, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
