/* mkrec.c: test helper: a session row plus a scripted recording, as the gateway would leave them. */

/*
 *   mkrec [--user U] [--target T] [--live | --no-end | --none] [--long]
 *         [--expect FILE] [--passphrase-file F]
 *
 * Uses the config in $JUMPGATE_CONFIG: adds a session row, a recording key
 * sealed by the vault key (name "session-ID", kind "reckey", version 1)
 * and a recording file under RecordingDirectory, then prints the id.
 * --expect writes the stdout and stderr bytes in order (what `replay --cat`
 * must print). --long adds 50 lines over 25 s (several segments). --no-end
 * leaves the file without its end mark (state truncated); --live leaves it
 * so and the row live; --none makes an ended row with no recording. Only for the integration tests: never installed.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"

static FILE *expect;

static void
die(const char *what)
{
	fprintf(stderr, "mkrec: %s\n", what);
	exit(1);
}

static void
ev(struct rec_writer *w, uint64_t t, int type, const char *data, size_t len)
{
	if (rec_writer_event(w, t, type, data, len) != JG_OK)
		die("cannot write an event");
	if (expect != NULL && (type == REC_OUT || type == REC_ERR))
		fwrite(data, 1, len, expect);
}

#define EVS(w, t, type, s) ev((w), (t), (type), (s), sizeof(s) - 1)

int
main(int argc, char **argv)
{
	const char *user = "alice", *target = "t1", *passfile = NULL;
	const char *cfgpath = getenv("JUMPGATE_CONFIG");
	struct config cfg;
	struct store *st;
	struct store_session s;
	struct vault_key *vk;
	struct rec_writer *w;
	struct rec_header h;
	struct rec_summary sum;
	unsigned char key[REC_KEYBYTES], *sealed, rs[8];
	char err[JG_ERRLEN], note[JG_ERRLEN], name[64], file[64];
	char path[JG_PATH_MAX], line[80];
	size_t sealedlen;
	long long id;
	uint64_t t = 1200;
	int i, live = 0, noend = 0, longer = 0, none = 0, fd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
			target = argv[++i];
		else if (strcmp(argv[i], "--passphrase-file") == 0 &&
		    i + 1 < argc)
			passfile = argv[++i];
		else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
			if ((expect = fopen(argv[++i], "wb")) == NULL)
				die("cannot write the --expect file");
		} else if (strcmp(argv[i], "--live") == 0)
			live = 1;
		else if (strcmp(argv[i], "--no-end") == 0)
			noend = 1;
		else if (strcmp(argv[i], "--none") == 0)
			none = 1;
		else if (strcmp(argv[i], "--long") == 0)
			longer = 1;
		else
			die("usage: mkrec [--user U] [--target T] [--live | "
			    "--no-end | --none] [--long] [--expect FILE] "
			    "[--passphrase-file F]");
	}
	if (cfgpath == NULL)
		die("JUMPGATE_CONFIG is not set");
	log_init("mkrec", 1, LOG_LVL_ERROR);
	if (config_load(&cfg, cfgpath, err, sizeof(err)) != JG_OK ||
	    config_db_path(&cfg, path, sizeof(path)) != JG_OK ||
	    store_open(path, 0, &st, err, sizeof(err)) != JG_OK ||
	    vault_unlock(&cfg, st, passfile, &vk, note, sizeof(note), err,
	    sizeof(err)) != JG_OK)
		die(err);

	memset(&s, 0, sizeof(s));
	snprintf(s.user, sizeof(s.user), "%s", user);
	snprintf(s.target, sizeof(s.target), "%s", target);
	snprintf(s.login, sizeof(s.login), "root");
	snprintf(s.source, sizeof(s.source), "127.0.0.1:40000");
	snprintf(s.kind, sizeof(s.kind), "shell");
	if (store_session_open(st, &s, &id) != JG_OK)
		die(store_errmsg(st));
	if (none) {
		if (store_session_end(st, id, "complete", 0, 0, 0, "exit") !=
		    JG_OK)
			die(store_errmsg(st));
		printf("%lld\n", id);
		vault_key_free(vk);
		store_close(st);
		return 0;
	}
	randombytes_buf(key, sizeof(key));
	snprintf(name, sizeof(name), "session-%lld", id);
	if (vault_seal(vk, name, STORE_RECKEY_KIND, 1, key, sizeof(key),
	    &sealed, &sealedlen) != JG_OK ||
	    store_session_set_key(st, id, sealed, sealedlen) != JG_OK)
		die("cannot seal the recording key");
	free(sealed);
	snprintf(file, sizeof(file), "session-%lld.jgrec", id);
	mkdir(cfg.recording_dir, 0700);
	if (path_join(path, sizeof(path), cfg.recording_dir, file) != JG_OK ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		die("cannot create the recording file");
	if (store_session_set_recording(st, id, file) != JG_OK)
		die(store_errmsg(st));

	memset(&h, 0, sizeof(h));
	h.session_id = (uint64_t)id;
	snprintf(h.user, sizeof(h.user), "%s", user);
	snprintf(h.target, sizeof(h.target), "%s", target);
	snprintf(h.login, sizeof(h.login), "root");
	h.start_unix_ms = (int64_t)time(NULL) * 1000;
	h.cols = 80;
	h.rows = 24;
	snprintf(h.kind, sizeof(h.kind), "shell");
	if (rec_writer_open(fd, key, &h, &w) != JG_OK)
		die("cannot start the recording");
	sodium_memzero(key, sizeof(key));
	EVS(w, 0, REC_REQUEST, "pty-req xterm-256color 80x24");
	EVS(w, 0, REC_REQUEST, "shell");
	EVS(w, 10, REC_OUT, "\033]0;alice@db01: ~\007\033[1;32malice@db01"
	    "\033[0m:~$ ");
	EVS(w, 500, REC_IN, "echo h");
	EVS(w, 600, REC_IN, "\xc3\xa9llo\r");
	EVS(w, 700, REC_OUT, "echo h\xc3");		/* é split in two */
	EVS(w, 710, REC_OUT, "\xa9llo\r\n");
	EVS(w, 720, REC_OUT, "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93\r\n");
	EVS(w, 800, REC_ERR, "warning: disk 93% full\r\n");
	EVS(w, 900, REC_OUT, "bad byte \xff here\r\n");
	memcpy(rs, "\0\0\0\x64\0\0\0\x1e", 8);		/* 100x30 */
	ev(w, 1000, REC_RESIZE, (const char *)rs, 8);
	EVS(w, 1100, REC_OUT, "tab\there \"quoted\" back\\slash \x01 "
	    "\033(Bdone\r\n");
	if (longer)
		for (i = 0; i < 50; i++, t += 500) {
			snprintf(line, sizeof(line), "line %d of the long "
			    "listing\r\n", i);
			ev(w, t, REC_OUT, line, strlen(line));
			if (i % 2 == 0 && rec_writer_flush(w) != JG_OK)
				die("cannot flush");
		}
	EVS(w, t, REC_OUT, "logout\r\n");
	if (live || noend) {
		if (rec_writer_flush(w) != JG_OK)
			die("cannot flush");
		rec_writer_free(w);		/* no end mark */
		if (noend && store_session_end(st, id, "truncated", -1, 12,
		    300, "worker died") != JG_OK)
			die(store_errmsg(st));
	} else {
		EVS(w, t + 5, REC_EXIT, "\0\0\0\0");
		memset(&sum, 0, sizeof(sum));
		sum.duration_ms = t + 10;
		sum.bytes_in = 12;
		sum.bytes_out = 300;
		snprintf(sum.reason, sizeof(sum.reason), "exit");
		if (rec_writer_close(w, &sum) != JG_OK)
			die("cannot close the recording");
		rec_writer_free(w);
		if (store_session_end(st, id, "complete", 0, 12, 300,
		    "exit") != JG_OK)
			die(store_errmsg(st));
	}
	if (expect != NULL && fclose(expect) != 0)
		die("cannot write the --expect file");
	vault_key_free(vk);
	store_close(st);
	printf("%lld\n", id);
	return 0;
}
