/* recording.c: open a session's recording for replay, export, verify and search: row, key, file; replay/ reads it. */

/*
 * The vault is unlocked once per command and only when a recording is
 * actually opened. A recording is opened read-only from RecordingDirectory
 * by the bare file name in the session's row; its key is the row's sealed
 * key opened by the vault key under the name "session-ID", kind "reckey",
 * version 1, and the reader is told the session id it must belong to.
 * What the recording holds, and whether it is intact, is replay/'s to say.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int
rec_vault_key(struct rec_vault *v, char *err, size_t errlen)
{
	char note[JG_ERRLEN];
	int rc;

	if (v->key != NULL)
		return JG_OK;
	if (v->failed) {
		snprintf(err, errlen, "the vault could not be unlocked");
		return JG_EAUTH;
	}
	rc = vault_unlock(&v->c->cfg, v->c->store, v->passphrase_file, &v->key,
	    note, sizeof(note), err, errlen);
	if (note[0] != '\0')	/* an interrupted rekey was dealt with */
		cli_error("%s", note);
	if (rc != JG_OK) {
		v->failed = 1;
		return JG_EAUTH;
	}
	return JG_OK;
}

void
rec_vault_done(struct rec_vault *v)
{
	vault_key_free(v->key);
	v->key = NULL;
}

static int
rec_name_valid(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

void
cli_rec_close(struct cli_rec *rec)
{
	replay_close(rec->rp);
	rec->rp = NULL;
	if (rec->fd != -1)
		close(rec->fd);
	rec->fd = -1;
}

/* The recording key of session id, opened with the vault key. */
static int
rec_key_open(struct rec_vault *v, long long id, const unsigned char *sealed,
    size_t sealedlen, unsigned char **key, size_t *keylen, char *err,
    size_t errlen)
{
	char name[32];
	int rc;

	if ((rc = rec_vault_key(v, err, errlen)) != JG_OK)
		return rc;
	snprintf(name, sizeof(name), "session-%lld", id);
	rc = vault_open(v->key, name, STORE_RECKEY_KIND, 1, sealed, sealedlen,
	    key, keylen);
	if (rc != JG_OK || *keylen != REC_KEYBYTES) {
		if (rc == JG_OK)
			vault_secret_free(*key, *keylen);
		*key = NULL;
		errf(err, errlen, "the recording key does not open with the "
		    "vault key");
		return JG_ERR;
	}
	return JG_OK;
}

/*
 * Open session id's recording for replay/ (flags: REPLAY_VERIFY to check
 * it all first). Returns JG_OK when the file was read: rec->chk says what
 * it holds, and rec->rp reads it unless not even its header could be read.
 * Else CLI_REC_NONE (the session has none), JG_ENOENT (no such session),
 * JG_EAUTH (the vault cannot be unlocked: stop), or JG_ERR; err says why.
 * rec->s is filled whenever the session exists.
 */
int
cli_rec_open(struct rec_vault *v, long long id, int flags, struct cli_rec *rec,
    char *err, size_t errlen)
{
	char path[JG_PATH_MAX];
	unsigned char *sealed = NULL, *key = NULL;
	size_t sealedlen = 0, keylen = 0;
	struct stat st;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->fd = -1;
	if ((rc = store_session_get(v->c->store, id, &rec->s, &sealed,
	    &sealedlen)) != JG_OK) {
		errf(err, errlen, "%s", rc == JG_ENOENT ? "no such session" :
		    store_errmsg(v->c->store));
		free(sealed);
		return rc == JG_ENOENT ? JG_ENOENT : JG_ERR;
	}
	if (rec->s.recording[0] == '\0') {
		free(sealed);
		errf(err, errlen, "no recording");
		return CLI_REC_NONE;
	}
	if (!rec_name_valid(rec->s.recording) ||
	    path_join(path, sizeof(path), v->c->cfg.recording_dir,
	    rec->s.recording) != JG_OK) {
		free(sealed);
		errf(err, errlen, "the session's recording file name is not "
		    "valid");
		return JG_ERR;
	}
	if (sealed == NULL) {
		errf(err, errlen, "no recording key on file");
		return JG_ERR;
	}
	rec->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (rec->fd == -1) {
		errf(err, errlen, errno == ENOENT ? "recording file %s is "
		    "missing" : "cannot open recording file %s: %s",
		    rec->s.recording, strerror(errno));
		free(sealed);
		return JG_ERR;
	}
	if (fstat(rec->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errf(err, errlen, "recording file %s is not a regular file",
		    rec->s.recording);
		free(sealed);
		cli_rec_close(rec);
		return JG_ERR;
	}
	rc = rec_key_open(v, id, sealed, sealedlen, &key, &keylen, err,
	    errlen);
	free(sealed);
	if (rc != JG_OK) {
		cli_rec_close(rec);
		return rc;
	}
	if (strcmp(rec->s.state, "live") == 0)
		flags |= REPLAY_LIVE_SESSION;
	/* The reader keeps its own copy of the key. */
	(void)replay_open_seek(rec->fd, key, (uint64_t)id, flags, v->seek_ms,
	    &rec->rp, &rec->chk);
	vault_secret_free(key, keylen);
	return JG_OK;
}

/* cli_rec_open for the one session a command names: its error said once. */
int
cli_rec_open_one(struct rec_vault *v, long long id, int flags,
    struct cli_rec *rec)
{
	char err[JG_ERRLEN];
	int rc;

	rc = cli_rec_open(v, id, flags, rec, err, sizeof(err));
	if (rc == JG_ENOENT)
		cli_error("no such session: %lld", id);
	else if (rc == CLI_REC_NONE)
		cli_error("session %lld has no recording", id);
	else if (rc == JG_EAUTH)
		cli_error("%s", err);
	else if (rc != JG_OK)
		cli_error("session %lld: %s", id, err);
	return rc;
}
