/* vault.c: the vault's cryptography: master key, key check value, sealing secrets, passphrases. */

/*
 * Everything here is libsodium. The master key lives in a sodium_malloc
 * page (guarded, locked, kept out of core dumps) that stays PROT_NONE except
 * while a function of this file uses it. A sealed secret is
 *
 *	nonce (24 bytes) || XChaCha20-Poly1305 ciphertext and tag
 *
 * whose additional data names the format, the target, the kind of secret and
 * its version, each length-prefixed, so a ciphertext copied to another row
 * (or an older version put back) fails to open. Plaintexts, passphrases and
 * keys only ever live in sodium_malloc memory, which sodium_free wipes.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"

/* The largest target name or kind that fits the additional data. */
#define VAULT_AD_FIELD_MAX 255
#define VAULT_AD_CONTEXT "jumpgate-secret-v1"
#define VAULT_CHECK_CONTEXT "jumpgate-vault-key-check-v1"
#define VAULT_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define VAULT_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES

struct vault_key {
	unsigned char k[VAULT_KEY_LEN];
};

int
vault_init(void)
{
	/* 0: initialised now, 1: already was; both fine. */
	if (sodium_init() < 0)
		return JG_ERR;
	return JG_OK;
}

static struct vault_key *
vault_key_alloc(void)
{
	struct vault_key *key;

	if (vault_init() != JG_OK)
		return NULL;
	if ((key = sodium_malloc(sizeof(*key))) == NULL)
		return NULL;
	return key;
}

/* The key page is readable only between vault_key_show and vault_key_hide. */
static void
vault_key_show(struct vault_key *key)
{
	sodium_mprotect_readonly(key);
}

static void
vault_key_writable(struct vault_key *key)
{
	sodium_mprotect_readwrite(key);
}

static void
vault_key_hide(struct vault_key *key)
{
	sodium_mprotect_noaccess(key);
}

void
vault_key_free(struct vault_key *key)
{
	if (key == NULL)
		return;
	/* sodium_free wipes, but it needs to write the page to do so. */
	vault_key_writable(key);
	sodium_free(key);
}

int
vault_key_generate(struct vault_key **keyp)
{
	struct vault_key *key;

	*keyp = NULL;
	if ((key = vault_key_alloc()) == NULL)
		return JG_ENOMEM;
	randombytes_buf(key->k, sizeof(key->k));
	vault_key_hide(key);
	*keyp = key;
	return JG_OK;
}

/*
 * A key file must be a regular file of exactly VAULT_KEY_LEN bytes that only
 * its owner (the caller or root) may read or write: anyone else who can read
 * it can read every secret. Wrong length is JG_ECORRUPT (the rekey recovery
 * relies on it to tell a half-written file), a missing file JG_ENOENT, a
 * file that is unsafe JG_EINVAL.
 */
int
vault_key_load_file(const char *path, struct vault_key **keyp, char *err,
    size_t errlen)
{
	struct vault_key *key;
	struct stat st;
	unsigned char extra;
	ssize_t n;
	int fd, rc;

	*keyp = NULL;
	/* O_NONBLOCK: opening a FIFO must not hang; we refuse it below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		rc = errno == ENOENT ? JG_ENOENT : JG_ERR;
		errf(err, errlen, "VaultKeyFile %s: %s", path,
		    strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) == -1) {
		errf(err, errlen, "VaultKeyFile %s: %s", path,
		    strerror(errno));
		close(fd);
		return JG_ERR;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "VaultKeyFile %s: not a regular file",
		    path);
		close(fd);
		return JG_EINVAL;
	}
	if ((st.st_mode & 077) != 0) {
		errf(err, errlen, "VaultKeyFile %s: mode %04o, must be "
		    "0600", path, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return JG_EINVAL;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		errf(err, errlen, "VaultKeyFile %s: owned by uid %lu, "
		    "must be owned by uid %lu or root", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		close(fd);
		return JG_EINVAL;
	}
	if (st.st_size != VAULT_KEY_LEN) {
		errf(err, errlen, "VaultKeyFile %s: must be exactly %d "
		    "bytes, found %lld", path, VAULT_KEY_LEN,
		    (long long)st.st_size);
		close(fd);
		return JG_ECORRUPT;
	}
	if ((key = vault_key_alloc()) == NULL) {
		errf(err, errlen, "out of memory for the vault key");
		close(fd);
		return JG_ENOMEM;
	}
	/* Straight into the locked page: no copy of the key elsewhere. */
	if (fd_read_full(fd, key->k, sizeof(key->k)) != JG_OK) {
		errf(err, errlen, "VaultKeyFile %s: %s", path,
		    strerror(errno));
		vault_key_free(key);
		close(fd);
		return JG_ERR;
	}
	/* The file may have grown since fstat. */
	do
		n = read(fd, &extra, 1);
	while (n == -1 && errno == EINTR);
	sodium_memzero(&extra, sizeof(extra));
	close(fd);
	if (n != 0) {
		errf(err, errlen, "VaultKeyFile %s: must be exactly %d "
		    "bytes, found more", path, VAULT_KEY_LEN);
		vault_key_free(key);
		return JG_ECORRUPT;
	}
	vault_key_hide(key);
	*keyp = key;
	return JG_OK;
}

/* Copy the directory part of path into buf ("." when there is none). */
static int
vault_dirname(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		return snprintf(buf, len, ".") >= (int)len ? -1 : 0;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		return -1;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

/* Make a new, renamed or removed directory entry for path durable. */
static int
vault_fsync_parent(const char *path, char *err, size_t errlen)
{
	char dir[JG_PATH_MAX];
	int fd;

	if (vault_dirname(path, dir, sizeof(dir)) == -1) {
		errf(err, errlen, "%s: path too long", path);
		return JG_EINVAL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		errf(err, errlen, "%s: %s", dir, strerror(errno));
		return JG_ERR;
	}
	if (fsync(fd) == -1) {
		errf(err, errlen, "fsync %s: %s", dir, strerror(errno));
		close(fd);
		return JG_ERR;
	}
	close(fd);
	return JG_OK;
}

/*
 * Lock (flock) the directory of the key file at path: a rekey holds it
 * from before it writes "<VaultKeyFile>.new" until after the rename, and a
 * recovery while it judges a ".new" (vault-unlock.c), so that a ".new"
 * whose rekey still runs is never taken for one a crash left. The
 * directory, not a file: it stays the same inode across the rename. With
 * nonblock, a lock held elsewhere is JG_EBUSY. Returns the descriptor that
 * holds the lock (close it to release) or a JG_E* code.
 */
int
vault_key_dir_lock(const char *path, int nonblock, char *err, size_t errlen)
{
	char dir[JG_PATH_MAX];
	int fd;

	if (vault_dirname(path, dir, sizeof(dir)) == -1) {
		errf(err, errlen, "%s: path too long", path);
		return JG_EINVAL;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		errf(err, errlen, "%s: %s", dir, strerror(errno));
		return JG_ERR;
	}
	while (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) == -1) {
		if (errno == EINTR)
			continue;
		close(fd);
		if (errno == EWOULDBLOCK)
			return JG_EBUSY;
		errf(err, errlen, "lock %s: %s", dir, strerror(errno));
		return JG_ERR;
	}
	return fd;
}

/*
 * Create path (never replacing or following anything there), write the key,
 * and make file and directory entry durable before returning: the rekey
 * relies on the new key being on disk before its transaction starts.
 */
int
vault_key_write_file(struct vault_key *key, const char *path, char *err,
    size_t errlen)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (fd == -1) {
		errf(err, errlen, "VaultKeyFile %s: %s", path,
		    strerror(errno));
		return errno == EEXIST ? JG_EEXIST : JG_ERR;
	}
	/* The umask may have cleared bits but never added any; be exact. */
	if (fchmod(fd, 0600) == -1)
		goto fail;
	vault_key_show(key);
	rc = fd_write_all(fd, key->k, sizeof(key->k), NULL);
	vault_key_hide(key);
	if (rc != JG_OK || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if ((rc = vault_fsync_parent(path, err, errlen)) != JG_OK) {
		unlink(path);
		return rc;
	}
	return JG_OK;
fail:
	errf(err, errlen, "VaultKeyFile %s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(path);
	return JG_ERR;
}

/* rename(from, to) made durable; used to put a rekeyed key file in place. */
int
vault_key_file_replace(const char *from, const char *to, char *err,
    size_t errlen)
{
	if (rename(from, to) == -1) {
		errf(err, errlen, "rename %s to %s: %s", from, to,
		    strerror(errno));
		return JG_ERR;
	}
	return vault_fsync_parent(to, err, errlen);
}

/*
 * Tests (and only tests) set JUMPGATE_TEST_FAST_KDF=1 to get the INTERACTIVE
 * limits so the suite runs in seconds. This is safe to honour anywhere: the
 * limits chosen at init are stored with the vault and every later unlock
 * uses the stored ones, so the variable can only weaken a vault created
 * while it was set, never open an existing one more cheaply.
 */
void
vault_passphrase_params(unsigned char salt[VAULT_SALT_LEN],
    unsigned long long *ops, unsigned long long *mem)
{
	const char *fast = getenv("JUMPGATE_TEST_FAST_KDF");

	randombytes_buf(salt, VAULT_SALT_LEN);
	if (fast != NULL && strcmp(fast, "1") == 0) {
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	} else {
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
	}
}

int
vault_key_derive(const char *pass, size_t len,
    const unsigned char salt[VAULT_SALT_LEN], unsigned long long ops,
    unsigned long long mem, struct vault_key **keyp, char *err,
    size_t errlen)
{
	struct vault_key *key;

	*keyp = NULL;
	/* The limits come from the database: refuse what Argon2id would. */
	if (ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > crypto_pwhash_OPSLIMIT_MAX ||
	    mem < crypto_pwhash_MEMLIMIT_MIN ||
	    mem > crypto_pwhash_MEMLIMIT_MAX || mem > SIZE_MAX) {
		errf(err, errlen, "invalid vault key derivation "
		    "parameters (ops %llu, mem %llu)", ops, mem);
		return JG_ECORRUPT;
	}
	if (len < 1 || len > VAULT_PASS_MAX) {
		errf(err, errlen, "vault passphrase must be 1 to %d bytes",
		    VAULT_PASS_MAX);
		return JG_EINVAL;
	}
	if ((key = vault_key_alloc()) == NULL) {
		errf(err, errlen, "out of memory for the vault key");
		return JG_ENOMEM;
	}
	if (crypto_pwhash(key->k, sizeof(key->k), pass, len, salt, ops,
	    (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		errf(err, errlen, "vault key derivation failed: cannot "
		    "get %llu MiB of memory", mem / (1024 * 1024));
		vault_key_free(key);
		return JG_ENOMEM;
	}
	vault_key_hide(key);
	*keyp = key;
	return JG_OK;
}

/*
 * The check value is a MAC of a fixed string under the key: it says whether
 * a key is the vault's without decrypting anything, and reveals nothing
 * about the key.
 */
int
vault_key_check_value(struct vault_key *key, unsigned char out[VAULT_CHECK_LEN])
{
	int rc;

	vault_key_show(key);
	rc = crypto_generichash(out, VAULT_CHECK_LEN,
	    (const unsigned char *)VAULT_CHECK_CONTEXT,
	    sizeof(VAULT_CHECK_CONTEXT) - 1, key->k, sizeof(key->k));
	vault_key_hide(key);
	return rc == 0 ? JG_OK : JG_ERR;
}

int
vault_key_verify(struct vault_key *key,
    const unsigned char check[VAULT_CHECK_LEN])
{
	unsigned char mine[VAULT_CHECK_LEN];
	int rc;

	if (vault_key_check_value(key, mine) != JG_OK)
		return JG_ERR;
	rc = sodium_memcmp(mine, check, VAULT_CHECK_LEN) == 0 ? JG_OK :
	    JG_EAUTH;
	sodium_memzero(mine, sizeof(mine));
	return rc;
}

static size_t
vault_ad_put(unsigned char *ad, size_t off, const void *field, size_t len)
{
	uint32_t n = (uint32_t)len;

	/* Big-endian length, then the bytes. */
	ad[off++] = (unsigned char)(n >> 24);
	ad[off++] = (unsigned char)(n >> 16);
	ad[off++] = (unsigned char)(n >> 8);
	ad[off++] = (unsigned char)n;
	memcpy(ad + off, field, len);
	return off + len;
}

/*
 * Serialise (context, target, kind, version) with a length before every
 * string, so that no two different tuples give the same bytes.
 */
static int
vault_ad(unsigned char *ad, size_t adcap, size_t *adlen, const char *target,
    const char *kind, uint32_t version)
{
	size_t tlen, klen, off = 0;
	unsigned char v[4];

	tlen = strnlen(target, VAULT_AD_FIELD_MAX + 1);
	klen = strnlen(kind, VAULT_AD_FIELD_MAX + 1);
	if (tlen == 0 || tlen > VAULT_AD_FIELD_MAX || klen == 0 ||
	    klen > VAULT_AD_FIELD_MAX)
		return JG_EINVAL;
	if (adcap < 4 * 4 + sizeof(VAULT_AD_CONTEXT) - 1 + tlen + klen +
	    sizeof(v))
		return JG_EINVAL;
	v[0] = (unsigned char)(version >> 24);
	v[1] = (unsigned char)(version >> 16);
	v[2] = (unsigned char)(version >> 8);
	v[3] = (unsigned char)version;
	off = vault_ad_put(ad, off, VAULT_AD_CONTEXT,
	    sizeof(VAULT_AD_CONTEXT) - 1);
	off = vault_ad_put(ad, off, target, tlen);
	off = vault_ad_put(ad, off, kind, klen);
	off = vault_ad_put(ad, off, v, sizeof(v));
	*adlen = off;
	return JG_OK;
}

#define VAULT_AD_MAX (4 * 4 + sizeof(VAULT_AD_CONTEXT) + \
	    2 * VAULT_AD_FIELD_MAX + 4)

int
vault_seal(struct vault_key *key, const char *target, const char *kind,
    uint32_t version, const unsigned char *pt, size_t ptlen,
    unsigned char **outp, size_t *outlenp)
{
	unsigned char ad[VAULT_AD_MAX], *out;
	unsigned long long clen;
	size_t adlen, outlen;
	int rc;

	*outp = NULL;
	*outlenp = 0;
	if ((rc = vault_ad(ad, sizeof(ad), &adlen, target, kind, version)) !=
	    JG_OK)
		return rc;
	if (ptlen > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
	    ptlen > SIZE_MAX - VAULT_NONCE_LEN - VAULT_TAG_LEN)
		return JG_EINVAL;
	outlen = VAULT_NONCE_LEN + ptlen + VAULT_TAG_LEN;
	/* Ciphertext is not secret: ordinary memory the caller frees. */
	if ((out = malloc(outlen)) == NULL)
		return JG_ENOMEM;
	randombytes_buf(out, VAULT_NONCE_LEN);
	vault_key_show(key);
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(out + VAULT_NONCE_LEN,
	    &clen, pt, ptlen, ad, adlen, NULL, out, key->k);
	vault_key_hide(key);
	if (rc != 0 || clen != ptlen + VAULT_TAG_LEN) {
		free(out);
		return JG_ERR;
	}
	*outp = out;
	*outlenp = outlen;
	return JG_OK;
}

int
vault_open(struct vault_key *key, const char *target, const char *kind,
    uint32_t version, const unsigned char *ct, size_t ctlen,
    unsigned char **ptp, size_t *ptlenp)
{
	unsigned char ad[VAULT_AD_MAX], *pt;
	unsigned long long plen;
	size_t adlen, ptlen;
	int rc;

	*ptp = NULL;
	*ptlenp = 0;
	if ((rc = vault_ad(ad, sizeof(ad), &adlen, target, kind, version)) !=
	    JG_OK)
		return rc;
	if (ctlen < VAULT_NONCE_LEN + VAULT_TAG_LEN)
		return JG_ECORRUPT;
	ptlen = ctlen - VAULT_NONCE_LEN - VAULT_TAG_LEN;
	if (vault_init() != JG_OK)
		return JG_ERR;
	/* sodium_malloc(0) is not promised to work; keep one spare byte. */
	if ((pt = sodium_malloc(ptlen + 1)) == NULL)
		return JG_ENOMEM;
	vault_key_show(key);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL,
	    ct + VAULT_NONCE_LEN, ctlen - VAULT_NONCE_LEN, ad, adlen, ct,
	    key->k);
	vault_key_hide(key);
	if (rc != 0 || plen != ptlen) {
		sodium_free(pt);
		return JG_EAUTH;
	}
	/* A NUL after the plaintext lets callers treat text as a C string. */
	pt[ptlen] = '\0';
	*ptp = pt;
	*ptlenp = ptlen;
	return JG_OK;
}

void *
vault_secret_alloc(size_t len)
{
	if (vault_init() != JG_OK)
		return NULL;
	return sodium_malloc(len + 1);
}

void
vault_secret_free(void *p, size_t len)
{
	/* sodium_free wipes the whole allocation; len is for the reader. */
	(void)len;
	if (p != NULL)
		sodium_free(p);
}

/*
 * Read the first line of path into buf (cap bytes plus a spare), without the
 * newline. Pipes work (--passphrase-file <(...)), so no regular-file check.
 */
static int
vault_passphrase_file(const char *path, char *buf, size_t cap, size_t *lenp,
    char *err, size_t errlen)
{
	size_t len = 0;
	ssize_t n;
	char *nl = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		errf(err, errlen, "passphrase file %s: %s", path,
		    strerror(errno));
		return JG_ERR;
	}
	/* Read at most cap + 1 bytes: one more than the longest line. */
	while (len <= cap && nl == NULL) {
		n = read(fd, buf + len, cap + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errf(err, errlen, "passphrase file %s: %s", path,
			    strerror(errno));
			close(fd);
			return JG_ERR;
		}
		if (n == 0)
			break;
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	if (nl != NULL)
		len = (size_t)(nl - buf);
	if (len > cap) {
		errf(err, errlen, "passphrase file %s: first line longer "
		    "than %zu bytes", path, cap);
		return JG_EINVAL;
	}
	if (len == 0) {
		errf(err, errlen, "passphrase file %s: empty passphrase",
		    path);
		return JG_EINVAL;
	}
	sodium_memzero(buf + len, cap + 1 - len);
	*lenp = len;
	return JG_OK;
}

static volatile sig_atomic_t vault_tty_signo;

static void
vault_tty_catch(int signo)
{
	vault_tty_signo = signo;
}

static const int vault_tty_signals[] = { SIGINT, SIGHUP, SIGQUIT, SIGTERM,
	SIGTSTP, SIGTTIN, SIGTTOU };
#define VAULT_NSIGNALS \
	(sizeof(vault_tty_signals) / sizeof(vault_tty_signals[0]))

/*
 * Prompt on the terminal with echo off and read one line into buf. A signal
 * while echo is off would leave the terminal silent, so signals are caught,
 * the terminal restored, and the signal delivered again afterwards.
 */
static int
vault_tty_line(int fd, const char *prompt, char *buf, size_t cap,
    size_t *lenp, char *err, size_t errlen)
{
	struct sigaction sa, old[VAULT_NSIGNALS];
	struct termios saved, quiet;
	size_t len = 0, i;
	int caught[VAULT_NSIGNALS], toolong = 0, rc = JG_OK;
	ssize_t n;

	if (tcgetattr(fd, &saved) == -1) {
		errf(err, errlen, "no terminal to ask for the vault "
		    "passphrase: use --passphrase-file");
		return JG_ERR;
	}
	vault_tty_signo = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vault_tty_catch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read must return EINTR */
	/* A signal the caller ignores (nohup) stays ignored. */
	for (i = 0; i < VAULT_NSIGNALS; i++)
		caught[i] = sigaction(vault_tty_signals[i], NULL, &old[i]) ==
		    0 && old[i].sa_handler != SIG_IGN &&
		    sigaction(vault_tty_signals[i], &sa, NULL) == 0;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ECHONL | ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		errf(err, errlen, "cannot turn off terminal echo: %s",
		    strerror(errno));
		rc = JG_ERR;
		goto restore;
	}
	if (fd_write_all(fd, prompt, strlen(prompt), NULL) != JG_OK) {
		errf(err, errlen, "terminal: %s", strerror(errno));
		rc = JG_ERR;
		goto restore_tty;
	}
	/* Byte by byte so the rest of an overlong line is drained too. */
	for (;;) {
		n = read(fd, buf + (len < cap ? len : cap), 1);
		if (n == -1 && errno == EINTR && vault_tty_signo == 0)
			continue;
		if (n == -1 && errno == EINTR) {
			errf(err, errlen, "interrupted");
			rc = JG_ERR;
			break;
		}
		if (n == -1) {
			errf(err, errlen, "terminal: %s", strerror(errno));
			rc = JG_ERR;
			break;
		}
		if (n == 0 || buf[len < cap ? len : cap] == '\n')
			break;
		if (len < cap)
			len++;
		else
			toolong = 1;
	}
restore_tty:
	tcsetattr(fd, TCSAFLUSH, &saved);
restore:
	for (i = 0; i < VAULT_NSIGNALS; i++)
		if (caught[i])
			sigaction(vault_tty_signals[i], &old[i], NULL);
	if (vault_tty_signo != 0)
		raise(vault_tty_signo);
	sodium_memzero(buf + len, cap + 1 - len);
	if (rc != JG_OK) {
		sodium_memzero(buf, cap + 1);
		return rc;
	}
	if (toolong) {
		errf(err, errlen, "passphrase longer than %zu bytes", cap);
		sodium_memzero(buf, cap + 1);
		return JG_EINVAL;
	}
	if (len == 0) {
		errf(err, errlen, "empty passphrase");
		return JG_EINVAL;
	}
	*lenp = len;
	return JG_OK;
}

int
vault_passphrase_read(const char *file, const char *prompt, int confirm,
    char **passp, size_t *lenp, char *err, size_t errlen)
{
	char *pass = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	int fd = -1, rc;

	*passp = NULL;
	*lenp = 0;
	if ((pass = vault_secret_alloc(VAULT_PASS_MAX + 1)) == NULL) {
		errf(err, errlen, "out of memory for the passphrase");
		return JG_ENOMEM;
	}
	if (file != NULL) {
		rc = vault_passphrase_file(file, pass, VAULT_PASS_MAX, &len,
		    err, errlen);
		goto done;
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		errf(err, errlen, "no terminal to ask for the vault "
		    "passphrase: use --passphrase-file");
		rc = JG_ERR;
		goto done;
	}
	rc = vault_tty_line(fd, prompt, pass, VAULT_PASS_MAX, &len, err,
	    errlen);
	if (rc != JG_OK || !confirm)
		goto done;
	if ((again = vault_secret_alloc(VAULT_PASS_MAX + 1)) == NULL) {
		errf(err, errlen, "out of memory for the passphrase");
		rc = JG_ENOMEM;
		goto done;
	}
	rc = vault_tty_line(fd, "Retype to confirm: ", again, VAULT_PASS_MAX,
	    &len2, err, errlen);
	if (rc == JG_OK && (len != len2 || sodium_memcmp(pass, again, len)
	    != 0)) {
		errf(err, errlen, "passphrases do not match");
		rc = JG_EINVAL;
	}
done:
	if (fd != -1)
		close(fd);
	vault_secret_free(again, VAULT_PASS_MAX + 1);
	if (rc != JG_OK) {
		vault_secret_free(pass, VAULT_PASS_MAX + 1);
		return rc;
	}
	pass[len] = '\0';
	*passp = pass;
	*lenp = len;
	return JG_OK;
}
