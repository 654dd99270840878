/* recording.c: open a session's recording for replay, export, verify and search: row, key, file, reader. */

/*
 * The vault is unlocked once per command and only when a recording is
 * actually opened. A recording is opened read-only from RecordingDirectory
 * by the bare file name in the session's row; its key is the row's sealed
 * key opened by the vault key under the name "session-ID", kind "reckey",
 * version 1, and the reader is told the session id it must belong to.
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
	if (v->key != NULL)
		return JG_OK;
	if (v->failed) {
		snprintf(err, errlen, "the vault could not be unlocked");
		return JG_EAUTH;
	}
	if (vault_unlock(&v->c->cfg, v->c->store, v->passphrase_file, &v->key,
	    err, errlen) != JG_OK) {
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
	rec_reader_free(rec->r);
	rec->r = NULL;
	if (rec->key != NULL)
		vault_secret_free(rec->key, rec->keylen);
	rec->key = NULL;
	rec->keylen = 0;
	if (rec->fd != -1)
		close(rec->fd);
	rec->fd = -1;
}

/* The reader over the file's start; an empty file counts as truncated. */
static int
rec_reader_start(struct cli_rec *rec, struct rec_check *early, char *err,
    size_t errlen)
{
	char why[256];

	why[0] = '\0';
	if (rec_reader_open(rec->fd, rec->key, (uint64_t)rec->s.id, &rec->r,
	    why, sizeof(why)) == JG_OK)
		return JG_OK;
	memset(early, 0, sizeof(*early));
	if (strcmp(why, "empty recording") == 0) {
		early->status = REC_CHECK_TRUNCATED;
		snprintf(early->reason, sizeof(early->reason),
		    "truncated after 00:00:00 (no end mark)");
	} else {
		early->status = REC_CHECK_DAMAGED;
		snprintf(early->reason, sizeof(early->reason), "%s", why);
	}
	snprintf(err, errlen, "%s", early->reason);
	return JG_ECORRUPT;
}

/*
 * Open session id's recording. Returns JG_OK (rec->r reads it),
 * CLI_REC_NONE (the session has none), JG_ENOENT (no such session),
 * JG_EAUTH (the vault cannot be unlocked: stop), JG_ECORRUPT (the file is
 * damaged from its start: *early says how), or JG_ERR; err says why.
 * rec->s is filled whenever the session exists.
 */
int
cli_rec_open(struct rec_vault *v, long long id, struct cli_rec *rec,
    struct rec_check *early, char *err, size_t errlen)
{
	char path[JG_PATH_MAX], name[32];
	unsigned char *sealed = NULL, *pt = NULL;
	size_t sealedlen = 0, ptlen = 0;
	struct stat st;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->fd = -1;
	if ((rc = store_session_get(v->c->store, id, &rec->s, &sealed,
	    &sealedlen)) != JG_OK) {
		snprintf(err, errlen, "%s", rc == JG_ENOENT ? "no such session" :
		    store_errmsg(v->c->store));
		free(sealed);
		return rc == JG_ENOENT ? JG_ENOENT : JG_ERR;
	}
	if (rec->s.recording[0] == '\0') {
		free(sealed);
		snprintf(err, errlen, "no recording");
		return CLI_REC_NONE;
	}
	if (!rec_name_valid(rec->s.recording) ||
	    path_join(path, sizeof(path), v->c->cfg.recording_dir,
	    rec->s.recording) != JG_OK) {
		free(sealed);
		snprintf(err, errlen, "the session's recording file name is "
		    "not valid");
		return JG_ERR;
	}
	if (sealed == NULL) {
		snprintf(err, errlen, "no recording key on file");
		return JG_ERR;
	}
	rec->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (rec->fd == -1) {
		snprintf(err, errlen, errno == ENOENT ? "recording file %s is "
		    "missing" : "cannot open recording file %s: %s",
		    rec->s.recording, strerror(errno));
		free(sealed);
		return JG_ERR;
	}
	if (fstat(rec->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "recording file %s is not a regular file",
		    rec->s.recording);
		free(sealed);
		cli_rec_close(rec);
		return JG_ERR;
	}
	if ((rc = rec_vault_key(v, err, errlen)) != JG_OK) {
		free(sealed);
		cli_rec_close(rec);
		return rc;
	}
	snprintf(name, sizeof(name), "session-%lld", id);
	rc = vault_open(v->key, name, STORE_RECKEY_KIND, 1, sealed, sealedlen,
	    &pt, &ptlen);
	free(sealed);
	if (rc != JG_OK || ptlen != REC_KEYBYTES) {
		if (rc == JG_OK)
			vault_secret_free(pt, ptlen);
		snprintf(err, errlen, "the recording key does not open with "
		    "the vault key");
		cli_rec_close(rec);
		return JG_ERR;
	}
	rec->key = pt;
	rec->keylen = ptlen;
	if ((rc = rec_reader_start(rec, early, err, errlen)) != JG_OK) {
		cli_rec_close(rec);
		return rc;
	}
	return JG_OK;
}

/* Back to the first event, for the pass after the check. */
int
cli_rec_rewind(struct cli_rec *rec, char *err, size_t errlen)
{
	struct rec_check early;

	rec_reader_free(rec->r);
	rec->r = NULL;
	if (lseek(rec->fd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "cannot read the recording: %s",
		    strerror(errno));
		return JG_ERR;
	}
	return rec_reader_start(rec, &early, err, errlen);
}

/* A request that names the terminal: "pty TERM ..." or "pty-req TERM ...". */
static void
rec_check_term(struct rec_check *chk, const struct rec_event_view *ev)
{
	const char *p = (const char *)ev->data;
	size_t skip, n;

	if (ev->len > 8 && memcmp(p, "pty-req ", 8) == 0)
		skip = 8;
	else if (ev->len > 4 && memcmp(p, "pty ", 4) == 0)
		skip = 4;
	else
		return;
	for (n = 0; skip + n < ev->len && n + 1 < sizeof(chk->term); n++) {
		unsigned char ch = ev->data[skip + n];

		if (ch == ' ' || ch < 0x21 || ch > 0x7e)
			break;
	}
	memcpy(chk->term, p + skip, n);
	chk->term[n] = '\0';
}

/*
 * Read every event to the end: intact (a clean end mark whose event count
 * matches), truncated (the file just stops) or damaged (anything else).
 */
int
cli_rec_check(struct cli_rec *rec, struct rec_check *chk)
{
	struct rec_event_view ev;
	const char *why;
	int rc;

	memset(chk, 0, sizeof(*chk));
	while ((rc = rec_reader_next(rec->r, &ev)) == 1) {
		chk->events++;
		chk->last_ms = ev.t_ms;
		if (ev.type == REC_REQUEST && chk->term[0] == '\0')
			rec_check_term(chk, &ev);
	}
	if (rc == 0) {
		if (rec_reader_summary(rec->r, &chk->sum) != JG_OK) {
			chk->status = REC_CHECK_DAMAGED;
			snprintf(chk->reason, sizeof(chk->reason), "the end "
			    "mark holds no summary");
		} else if (chk->sum.events != chk->events) {
			chk->status = REC_CHECK_DAMAGED;
			snprintf(chk->reason, sizeof(chk->reason), "the end "
			    "mark counts %llu events, the file holds %llu",
			    (unsigned long long)chk->sum.events,
			    (unsigned long long)chk->events);
		} else
			chk->status = REC_CHECK_INTACT;
		return JG_OK;
	}
	why = rec_reader_error(rec->r);
	snprintf(chk->reason, sizeof(chk->reason), "%s", why[0] != '\0' ? why :
	    "unreadable");
	chk->status = strncmp(why, "truncated after ", 16) == 0 ?
	    REC_CHECK_TRUNCATED : REC_CHECK_DAMAGED;
	return JG_OK;
}
