/* vault-unlock.c: tying the vault key to the store: set-up, unlock, rekey. */

/*
 * The store keeps the vault's mode ("file" or "passphrase"), the Argon2id
 * salt and limits, and a key check value. Every user of the key goes through
 * vault_unlock, which refuses a key whose check value differs before
 * anything is decrypted or written.
 *
 * Rekey in file mode must survive a crash at any point without losing the
 * key that opens the database's secrets. The order is:
 *
 *	1. write the new key to "<VaultKeyFile>.new" and fsync it (and its dir)
 *	2. one transaction re-seals every secret and stores the new check value
 *	3. rename "<VaultKeyFile>.new" over VaultKeyFile, fsync the directory
 *
 * So at any moment the key that opens the database is on disk: before the
 * commit it is VaultKeyFile, after it ".new" until the rename. A ".new" found
 * at unlock is resolved by the check value: matching, the transaction
 * committed and the rename is finished; not matching (or shorter than a key,
 * which can only be a file torn before step 2), the transaction never
 * committed and ".new" is removed. The key file's directory is locked
 * (vault_key_dir_lock) by the rekey from step 1 to step 3 and by the
 * recovery: a ".new" is judged only when no rekey is running, since before
 * its commit a running rekey's ".new" looks exactly like a crashed one's.
 * Every command that unlocks the vault in file mode recovers first, and
 * so does the daemon before its keeper reads the key file, each saying
 * what it did in one line.
 */

/* make passes -include config.h; this serves builds by hand. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"

#define VAULT_MODE_FILE "file"
#define VAULT_MODE_PASSPHRASE "passphrase"

static int
vault_new_path(const struct config *cfg, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s.new", cfg->vault_key_file);

	return n < 0 || (size_t)n >= len ? JG_EINVAL : JG_OK;
}

/* Read the vault's metadata; absent or unknown is an error. */
static int
vault_meta(struct store *store, struct store_vault_meta *meta, char *err,
    size_t errlen)
{
	int rc;

	if ((rc = store_vault_meta_get(store, meta)) != JG_OK) {
		errf(err, errlen, "cannot read the vault parameters: %s",
		    store_errmsg(store));
		return rc;
	}
	if (!meta->present) {
		errf(err, errlen, "vault not initialised: run jumpgate "
		    "init");
		return JG_ENOENT;
	}
	if (strcmp(meta->mode, VAULT_MODE_FILE) != 0 &&
	    strcmp(meta->mode, VAULT_MODE_PASSPHRASE) != 0) {
		errf(err, errlen, "unknown vault mode \"%.16s\" in the "
		    "database", meta->mode);
		return JG_ECORRUPT;
	}
	return JG_OK;
}

/* The mode in the database and the config must agree. */
static int
vault_mode_matches(const struct config *cfg,
    const struct store_vault_meta *meta, char *err, size_t errlen)
{
	int file = strcmp(meta->mode, VAULT_MODE_FILE) == 0;

	if (file && cfg->vault_key_file[0] == '\0') {
		errf(err, errlen, "this vault is opened by a key file, "
		    "but %s sets no VaultKeyFile", cfg->path);
		return JG_EINVAL;
	}
	if (!file && cfg->vault_key_file[0] != '\0') {
		errf(err, errlen, "this vault is opened by a passphrase, "
		    "but %s sets VaultKeyFile %s", cfg->path,
		    cfg->vault_key_file);
		return JG_EINVAL;
	}
	return JG_OK;
}

/*
 * Judge the ".new" at path, with the directory lock held: finish the
 * rekey, roll it back, or keep the file and say why. note says which.
 */
static int
vault_rekey_resolve(const struct config *cfg,
    const struct store_vault_meta *meta, const char *path, char *note,
    size_t notelen, char *err, size_t errlen)
{
	struct vault_key *key;
	char why[JG_ERRLEN];
	int rc;

	rc = vault_key_load_file(path, &key, why, sizeof(why));
	if (rc == JG_ENOENT)
		return JG_OK;
	if (rc == JG_OK) {
		rc = vault_key_verify(key, meta->check);
		vault_key_free(key);
		if (rc == JG_OK) {
			if ((rc = vault_key_file_replace(path,
			    cfg->vault_key_file, err, errlen)) != JG_OK)
				return rc;
			errf(note, notelen, "vault: finished an interrupted "
			    "rekey: %s is now the vault key",
			    cfg->vault_key_file);
			return JG_OK;
		}
		if (rc != JG_EAUTH) {
			errf(err, errlen, "%s: cannot compute its key "
			    "check value", path);
			return rc;
		}
	} else if (rc != JG_ECORRUPT) {
		/* Unreadable or unsafe: it may be the only copy; keep it. */
		errf(err, errlen, "interrupted vault rekey: %s", why);
		return rc;
	}
	if (unlink(path) == -1) {
		errf(err, errlen, "interrupted vault rekey: cannot "
		    "remove %s: %s", path, strerror(errno));
		return JG_ERR;
	}
	errf(note, notelen, "vault: rolled back an interrupted rekey: "
	    "removed %s", path);
	return JG_OK;
}

/*
 * Finish or roll back an interrupted file-mode rekey (see the top); note
 * says which ("" when there was nothing to do, or a rekey is running).
 */
static int
vault_rekey_recover(const struct config *cfg,
    const struct store_vault_meta *meta, char *note, size_t notelen,
    char *err, size_t errlen)
{
	char path[JG_PATH_MAX + 8];
	int rc, lock;

	note[0] = '\0';
	if (vault_new_path(cfg, path, sizeof(path)) != JG_OK) {
		errf(err, errlen, "VaultKeyFile %s: path too long",
		    cfg->vault_key_file);
		return JG_EINVAL;
	}
	lock = vault_key_dir_lock(cfg->vault_key_file, 1, err, errlen);
	if (lock == JG_EBUSY)	/* a rekey runs: its ".new" is its own */
		return JG_OK;
	if (lock < 0)
		return lock;
	rc = vault_rekey_resolve(cfg, meta, path, note, notelen, err, errlen);
	close(lock);
	return rc;
}

int
vault_unlock_passphrase(const struct store_vault_meta *meta,
    const char *pass, size_t len, struct vault_key **keyp, char *err,
    size_t errlen)
{
	struct vault_key *key;
	int rc;

	*keyp = NULL;
	if (!meta->present || strcmp(meta->mode, VAULT_MODE_PASSPHRASE) != 0) {
		errf(err, errlen, "this vault is not opened by a "
		    "passphrase");
		return JG_EINVAL;
	}
	if ((rc = vault_key_derive(pass, len, meta->salt, meta->opslimit,
	    meta->memlimit, &key, err, errlen)) != JG_OK)
		return rc;
	if ((rc = vault_key_verify(key, meta->check)) != JG_OK) {
		vault_key_free(key);
		errf(err, errlen, rc == JG_EAUTH ? "wrong vault "
		    "passphrase" : "cannot compute the vault key check value");
		return rc;
	}
	*keyp = key;
	return JG_OK;
}

/*
 * Before anything reads the key file (the daemon, before its keeper
 * starts): an interrupted file-mode rekey is finished or rolled back.
 * Nothing to do in passphrase mode, whose rekey is one transaction.
 */
int
vault_recover(const struct config *cfg, struct store *store, char *note,
    size_t notelen, char *err, size_t errlen)
{
	struct store_vault_meta meta;
	int rc;

	note[0] = '\0';
	if ((rc = vault_meta(store, &meta, err, errlen)) != JG_OK ||
	    (rc = vault_mode_matches(cfg, &meta, err, errlen)) != JG_OK)
		return rc;
	if (strcmp(meta.mode, VAULT_MODE_FILE) != 0)
		return JG_OK;
	return vault_rekey_recover(cfg, &meta, note, notelen, err, errlen);
}

int
vault_unlock(const struct config *cfg, struct store *store,
    const char *passphrase_file, struct vault_key **keyp, char *note,
    size_t notelen, char *err, size_t errlen)
{
	struct store_vault_meta meta;
	struct vault_key *key;
	char *pass;
	size_t len;
	int rc;

	*keyp = NULL;
	note[0] = '\0';
	if (vault_init() != JG_OK) {
		errf(err, errlen, "cannot initialise libsodium");
		return JG_ERR;
	}
	if ((rc = vault_meta(store, &meta, err, errlen)) != JG_OK ||
	    (rc = vault_mode_matches(cfg, &meta, err, errlen)) != JG_OK)
		return rc;
	if (strcmp(meta.mode, VAULT_MODE_PASSPHRASE) == 0) {
		if ((rc = vault_passphrase_read(passphrase_file,
		    "Vault passphrase: ", 0, &pass, &len, err, errlen)) !=
		    JG_OK)
			return rc;
		rc = vault_unlock_passphrase(&meta, pass, len, keyp, err,
		    errlen);
		vault_secret_free(pass, len);
		return rc;
	}
	if ((rc = vault_rekey_recover(cfg, &meta, note, notelen, err,
	    errlen)) != JG_OK)
		return rc;
	if ((rc = vault_key_load_file(cfg->vault_key_file, &key, err,
	    errlen)) != JG_OK)
		return rc;
	if ((rc = vault_key_verify(key, meta.check)) != JG_OK) {
		vault_key_free(key);
		if (rc == JG_EAUTH)
			errf(err, errlen, "wrong vault key (VaultKeyFile "
			    "%s does not match this vault)",
			    cfg->vault_key_file);
		else
			errf(err, errlen, "cannot compute the vault key "
			    "check value");
		return rc;
	}
	*keyp = key;
	return JG_OK;
}

/* Fill meta for a passphrase vault: new salt, limits, derived key. */
static int
vault_meta_passphrase(const char *passphrase_file, const char *prompt,
    struct store_vault_meta *meta, struct vault_key **keyp, char *err,
    size_t errlen)
{
	char *pass;
	size_t len;
	int rc;

	memset(meta, 0, sizeof(*meta));
	meta->present = 1;
	snprintf(meta->mode, sizeof(meta->mode), "%s", VAULT_MODE_PASSPHRASE);
	if ((rc = vault_passphrase_read(passphrase_file, prompt, 1, &pass,
	    &len, err, errlen)) != JG_OK)
		return rc;
	vault_passphrase_params(meta->salt, &meta->opslimit, &meta->memlimit);
	rc = vault_key_derive(pass, len, meta->salt, meta->opslimit,
	    meta->memlimit, keyp, err, errlen);
	vault_secret_free(pass, len);
	if (rc != JG_OK)
		return rc;
	if (vault_key_check_value(*keyp, meta->check) != JG_OK) {
		vault_key_free(*keyp);
		*keyp = NULL;
		errf(err, errlen, "cannot compute the vault key check "
		    "value");
		return JG_ERR;
	}
	return JG_OK;
}

static void
vault_meta_file(struct store_vault_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->present = 1;
	snprintf(meta->mode, sizeof(meta->mode), "%s", VAULT_MODE_FILE);
}

int
vault_setup(const struct config *cfg, struct store *store,
    const char *passphrase_file, char *err, size_t errlen)
{
	struct store_vault_meta meta;
	struct vault_key *key = NULL;
	int rc, created = 0;

	if (vault_init() != JG_OK) {
		errf(err, errlen, "cannot initialise libsodium");
		return JG_ERR;
	}
	if ((rc = store_vault_meta_get(store, &meta)) != JG_OK) {
		errf(err, errlen, "cannot read the vault parameters: %s",
		    store_errmsg(store));
		return rc;
	}
	if (meta.present) {
		errf(err, errlen, "the vault is already initialised");
		return JG_EEXIST;
	}
	if (cfg->vault_key_file[0] == '\0') {
		if ((rc = vault_meta_passphrase(passphrase_file,
		    "New vault passphrase: ", &meta, &key, err, errlen)) !=
		    JG_OK)
			return rc;
	} else {
		vault_meta_file(&meta);
		rc = vault_key_load_file(cfg->vault_key_file, &key, err,
		    errlen);
		if (rc == JG_ENOENT) {
			if ((rc = vault_key_generate(&key)) != JG_OK) {
				errf(err, errlen, "out of memory for "
				    "the vault key");
				return rc;
			}
			if ((rc = vault_key_write_file(key,
			    cfg->vault_key_file, err, errlen)) != JG_OK) {
				vault_key_free(key);
				return rc;
			}
			created = 1;
		} else if (rc != JG_OK)
			return rc;
		if (vault_key_check_value(key, meta.check) != JG_OK) {
			errf(err, errlen, "cannot compute the vault key "
			    "check value");
			rc = JG_ERR;
			goto fail;
		}
	}
	if ((rc = store_vault_meta_init(store, &meta)) != JG_OK) {
		errf(err, errlen, "cannot store the vault parameters: %s",
		    store_errmsg(store));
		goto fail;
	}
	vault_key_free(key);
	return JG_OK;
fail:
	vault_key_free(key);
	/* A key file nobody's vault uses must not be left behind. */
	if (created)
		unlink(cfg->vault_key_file);
	return rc;
}

struct vault_reseal {
	struct vault_key *old;
	struct vault_key *new;
	size_t count;
	char err[JG_ERRLEN];
};

static int
vault_reseal_one(void *arg, const struct store_secret *sec,
    unsigned char **sealed, size_t *len)
{
	struct vault_reseal *r = arg;
	unsigned char *pt;
	size_t ptlen;
	int rc;

	rc = vault_open(r->old, sec->target, sec->kind, sec->version,
	    sec->sealed, sec->sealed_len, &pt, &ptlen);
	if (rc != JG_OK) {
		errf(r->err, sizeof(r->err), "the secret of %s does not "
		    "open with the current vault key: rekey aborted, nothing "
		    "changed", sec->target);
		return rc;
	}
	rc = vault_seal(r->new, sec->target, sec->kind, sec->version, pt,
	    ptlen, sealed, len);
	vault_secret_free(pt, ptlen);
	if (rc != JG_OK) {
		errf(r->err, sizeof(r->err), "cannot seal the secret of "
		    "%s: rekey aborted, nothing changed", sec->target);
		return rc;
	}
	r->count++;
	return JG_OK;
}

/*
 * Re-seal every secret under a new key in one transaction. old must be the
 * unlocked current key (vault_unlock). In file mode the new key is written
 * aside first and renamed into place after the commit; see the top.
 */
int
vault_rekey(const struct config *cfg, struct store *store,
    const struct store_actor *actor, struct vault_key *old,
    const char *new_passphrase_file, size_t *nresealed, char *err,
    size_t errlen)
{
	struct store_vault_meta meta, newmeta;
	struct vault_reseal r;
	char newpath[JG_PATH_MAX + 8], why[JG_ERRLEN], note[JG_ERRLEN];
	int rc, file, lock = -1;

	*nresealed = 0;
	if ((rc = vault_meta(store, &meta, err, errlen)) != JG_OK ||
	    (rc = vault_mode_matches(cfg, &meta, err, errlen)) != JG_OK)
		return rc;
	/* The caller's key must be this vault's, or nothing would open. */
	if ((rc = vault_key_verify(old, meta.check)) != JG_OK) {
		errf(err, errlen, "wrong vault key");
		return rc;
	}
	memset(&r, 0, sizeof(r));
	r.old = old;
	file = strcmp(meta.mode, VAULT_MODE_FILE) == 0;
	if (file) {
		if (new_passphrase_file != NULL) {
			errf(err, errlen, "this vault is opened by "
			    "VaultKeyFile, not a passphrase: "
			    "--new-passphrase-file does not apply");
			return JG_EINVAL;
		}
		if (vault_new_path(cfg, newpath, sizeof(newpath)) != JG_OK) {
			errf(err, errlen, "VaultKeyFile %s: path too "
			    "long", cfg->vault_key_file);
			return JG_EINVAL;
		}
		vault_meta_file(&newmeta);
		if ((rc = vault_key_generate(&r.new)) != JG_OK) {
			errf(err, errlen, "out of memory for the vault "
			    "key");
			return rc;
		}
		if (vault_key_check_value(r.new, newmeta.check) != JG_OK) {
			errf(err, errlen, "cannot compute the vault key "
			    "check value");
			vault_key_free(r.new);
			return JG_ERR;
		}
		/* Until the rename no recovery may judge our ".new". */
		if ((lock = vault_key_dir_lock(cfg->vault_key_file, 0, err,
		    errlen)) < 0) {
			vault_key_free(r.new);
			return lock;
		}
		/* Durable before the transaction starts (step 1). */
		if ((rc = vault_key_write_file(r.new, newpath, err, errlen)) !=
		    JG_OK) {
			vault_key_free(r.new);
			close(lock);
			return rc;
		}
	} else {
		if ((rc = vault_meta_passphrase(new_passphrase_file,
		    "New vault passphrase: ", &newmeta, &r.new, err,
		    errlen)) != JG_OK)
			return rc;
	}

	rc = store_vault_rekey(store, actor, &newmeta, vault_reseal_one, &r);
	vault_key_free(r.new);
	if (rc != JG_OK) {
		if (r.err[0] != '\0')
			errf(err, errlen, "%s", r.err);
		else
			errf(err, errlen, "vault rekey failed, nothing "
			    "changed: %s", store_errmsg(store));
		/*
		 * Whether the commit happened is decided the way the next
		 * unlock would decide it: by the stored check value (the
		 * recovery takes the lock itself).
		 */
		if (lock != -1)
			close(lock);
		if (file && store_vault_meta_get(store, &meta) == JG_OK &&
		    meta.present) {
			if (vault_rekey_recover(cfg, &meta, note, sizeof(note),
			    why, sizeof(why)) != JG_OK)
				log_error("%s", why);
			else if (note[0] != '\0')
				log_info("%s", note);
		}
		sodium_memzero(&r, sizeof(r));
		return rc;
	}
	*nresealed = r.count;
	sodium_memzero(&r, sizeof(r));
	if (file && (rc = vault_key_file_replace(newpath, cfg->vault_key_file,
	    why, sizeof(why))) != JG_OK)
		errf(err, errlen, "vault rekeyed, but the new key is "
		    "still in %s (%s): the next vault command puts it in "
		    "place; do not delete it", newpath, why);
	if (lock != -1)
		close(lock);
	return rc;
}
