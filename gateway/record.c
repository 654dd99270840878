/* record.c: the worker's side of recording: every session channel written to its own file. */

/*
 * The master creates the file and hands us a write-only descriptor; the
 * keeper hands us the plain recording key (and the master its sealed
 * copy). Events are buffered by recfile.c and sealed into a chunk at
 * 64 KiB or by the once-a-second flush, so a crash loses at most a second.
 * File transfers (sftp, scp) are recorded as their request and byte counts,
 * not their content. If a write fails the channel ends with a message and
 * what was not recorded is not delivered: a session never goes on
 * unrecorded; a recording that reaches MaxRecordingSize ends its session
 * the same way, so one session cannot fill the disk for everyone: what was
 * queued and not yet shown is dropped, and the recording ends complete,
 * its end mark giving the reason. A pty session also keeps its terminal screen (libvterm, via
 * recorder/screen.c) fed with every output byte, so each new segment of
 * the file starts with a keyframe that redraws it; sessions without a pty
 * have none. The screen also gives the command lines the user entered
 * (recorder/cmdline.c), sent to the master for its index with the exec
 * command of an exec session.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "transfer.h"
#include "worker.h"

/* c->rec: what recording keeps per channel. */
struct chan_rec {
	struct rec_writer *w;
	uint64_t t0;		/* monotonic ms at the session's start */
	int content;		/* 0: a file transfer, counts only */
	int transfer;		/* sftp, scp, rsync (RecordTransferContents) */
	int failed;
	int limited;		/* MaxRecordingSize reached: only the end */
	struct rec_screen *screen;	/* pty sessions: the terminal, for
					   keyframes */
	struct rec_echo *echo;	/* RecordInput echoed, pty sessions */
	struct rec_cmdline *cmdline;	/* pty sessions: commands entered */
	struct rec_sftp *sftp;	/* sftp sessions: the files moved */
	struct rec_scp *scp;	/* scp -t/-f sessions: the files moved */
	int scp_upload;		/* its files come from the client */
	int rsync;		/* rsync --server: 1 upload, 2 download */
	char *rsync_paths;	/* its PATH... */
	uint32_t ncommands;	/* sent to the master so far */
};

static int record_echo_emit(void *, int, const void *, size_t);
static void record_write(struct chan *, int, const void *, size_t);

/*
 * A file operation (recorder/sftp.c): a REC_FILE event in the recording,
 * so verify covers it, and W_TRANSFER to the master for its row and its
 * audit row.
 */
static void
record_transfer(void *arg, const struct rec_sftp_event *ev)
{
	struct chan *c = arg;
	struct w_transfer *wt;
	char *text = NULL, hex[65];
	size_t len = 0, i;
	FILE *f;

	if (rec_sftp_op_name(ev->kind) == NULL)
		return;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", ev->sha256[i]);
	if ((f = open_memstream(&text, &len)) != NULL) {
		fprintf(f, "{\"op\":\"%s\",\"path\":",
		    rec_sftp_op_name(ev->kind));
		json_write_string(f, ev->path);
		fputs(",\"path2\":", f);
		json_write_string(f, ev->path2);
		fprintf(f, ",\"bytes\":%llu,\"sha256\":%s%s%s,\"ok\":%s}",
		    (unsigned long long)ev->bytes, ev->whole ? "\"" : "",
		    ev->whole ? hex : "null", ev->whole ? "\"" : "",
		    ev->ok ? "true" : "false");
		if (fclose(f) == 0 && text != NULL)
			record_write(c, REC_FILE, text, len);
	}
	free(text);
	wt = xcalloc(1, sizeof(*wt));
	wt->id = (uint64_t)c->session_id;
	wt->op = (uint32_t)ev->kind;
	snprintf(wt->path, sizeof(wt->path), "%s", ev->path);
	snprintf(wt->path2, sizeof(wt->path2), "%s", ev->path2);
	wt->bytes = ev->bytes;
	wt->whole = ev->whole != 0;
	memcpy(wt->sha256, ev->sha256, sizeof(wt->sha256));
	wt->ok = ev->ok != 0;
	if (worker_flush(c->w, w_transfer_send(c->w->master, wt, -1)) != JG_OK)
		log_error("session %lld: a file %s was not sent to the audit",
		    c->session_id, rec_sftp_op_name(ev->kind));
	free(wt);
}

/* scp -t PATH / scp -f PATH: its files are followed (recorder/scp.c). */
static void
record_scp_start(struct chan *c, const char *cmd)
{
	int upload, into;
	char *path;

	if (rec_scp_command(cmd, &upload, &into, &path) != JG_OK)
		return;
	c->rec->scp = rec_scp_new(upload, path, into, record_transfer, c);
	c->rec->scp_upload = upload;
	free(path);
}

/* The stream broke its protocol: the session ends, said so. */
static void
record_sftp_broken(struct chan *c, int from_client)
{
	const char *what = c->rec->scp != NULL ? "scp" : "SFTP";
	char msg[128];

	log_info("session %lld: the %s sent a malformed %s stream: ending "
	    "it", c->session_id, from_client ? "client" : "target", what);
	snprintf(msg, sizeof(msg), "the %s sent a malformed %s stream: "
	    "session ended", from_client ? "client" : "target", what);
	chan_refuse(c, msg);
	c->end = END_MALFORMED;
}

/*
 * A command line for the master's index (the exec command, or a line read
 * off the screen by recorder/cmdline.c). Only an index: a master that
 * cannot take it now costs the index one line, never the session.
 */
static void
record_command(void *arg, uint64_t t_ms, const char *line)
{
	struct chan *c = arg;
	struct w_command wc;

	if (c->rec->ncommands == UINT32_MAX)
		return;
	memset(&wc, 0, sizeof(wc));
	wc.id = (uint64_t)c->session_id;
	wc.seq = ++c->rec->ncommands;
	wc.t_ms = t_ms;
	snprintf(wc.line, sizeof(wc.line), "%s", line);
	if (worker_flush(c->w, w_command_send(c->w->master, &wc, -1)) !=
	    JG_OK)
		log_error("session %lld: command %u not sent to the index",
		    c->session_id, wc.seq);
}

static uint64_t
record_t(const struct chan *c)
{
	return clock_ms() - c->rec->t0;
}

/* A recording failure ends the channel; nothing unrecorded goes out. */
static void
record_failed(struct chan *c)
{
	if (c->rec->failed)
		return;
	c->rec->failed = 1;
	log_error("session %lld: the recording cannot be written: ending it",
	    c->session_id);
	buf_reset(c->to_down);
	buf_reset(c->to_err);
	buf_reset(c->to_up);
	chan_refuse(c, "the recording cannot be written: session ended");
}

/* MaxRecordingSize reached: the session ends with a message. */
static void
record_limit(struct chan *c)
{
	char max[32], msg[160];

	if (c->rec->limited)
		return;
	c->rec->limited = 1;
	size_format(c->w->cfg->max_recording_size, max, sizeof(max));
	log_info("session %lld: the recording reached MaxRecordingSize %s: "
	    "ending it", c->session_id, max);
	buf_reset(c->to_down);
	buf_reset(c->to_err);
	buf_reset(c->to_up);
	snprintf(msg, sizeof(msg), "this session's recording reached its "
	    "limit (MaxRecordingSize %s): session ended", max);
	chan_refuse(c, msg);
	c->end = END_RECORDING_LIMIT;
}

/* The writer's keyframe callback: the screen as ANSI bytes. */
static int
record_keyframe(void *arg, struct buf *out)
{
	struct chan *c = arg;

	if (c->rec->screen == NULL)
		return JG_OK;
	return rec_screen_keyframe(c->rec->screen, out);
}

static void
record_free(struct chan *c)
{
	if (c->rec == NULL)
		return;
	rec_writer_free(c->rec->w);	/* closes the descriptor */
	rec_cmdline_free(c->rec->cmdline);
	rec_sftp_free(c->rec->sftp);
	rec_scp_free(c->rec->scp);
	rec_screen_free(c->rec->screen);
	rec_echo_free(c->rec->echo);
	free(c->rec->rsync_paths);
	free(c->rec);
	c->rec = NULL;
}

/* File transfers are recorded by their counts only. */
/*
 * The sftp subsystem, or exactly the server side of scp or rsync: a
 * command that could run anything else (a shell metacharacter anywhere) is
 * recorded in full, so "scp x; bash -i" cannot hide a shell.
 */
static int
record_is_transfer(const struct chreq *r)
{
	const char *v = r->value;

	if (r->kind == REQ_SUBSYSTEM)
		return 1;
	if (r->kind != REQ_EXEC || v == NULL || str_has_control(v) ||
	    strpbrk(v, ";&|$`<>(){}\\'\"*?[]~#!") != NULL)
		return 0;
	if (strncmp(v, "scp ", 4) == 0)
		return strstr(v, " -t") != NULL || strstr(v, " -f") != NULL;
	return strncmp(v, "rsync --server ", 15) == 0;
}

int
record_start(struct chan *c, const struct chreq *main, int fd)
{
	struct worker *w = c->w;
	unsigned char key[REC_KEYBYTES];
	struct rec_header h;
	char err[JG_ERRLEN];
	int cols = 0, rows = 0, pty = 0, rc;
	size_t i;

	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].kind == REQ_PTY) {
			cols = c->reqs[i].cols;
			rows = c->reqs[i].rows;
			pty = 1;
		}
	if (sodium_mlock(key, sizeof(key)) != 0)
		log_debug("recording key not locked in memory");
	if (agent_reckey_fetch(w->keeper_fd, (uint64_t)c->session_id,
	    WORKER_MSG_TIMEOUT_MS, key, err, sizeof(err)) != JG_OK) {
		log_error("session %lld: no recording key: %s", c->session_id,
		    err);
		close(fd);
		sodium_munlock(key, sizeof(key));
		return JG_ERR;
	}
	memset(&h, 0, sizeof(h));
	h.session_id = (uint64_t)c->session_id;
	snprintf(h.user, sizeof(h.user), "%s", w->user);
	snprintf(h.target, sizeof(h.target), "%s", w->target);
	snprintf(h.login, sizeof(h.login), "%s", w->tlogin);
	h.start_unix_ms = (int64_t)time(NULL) * 1000;
	h.cols = (uint32_t)cols;
	h.rows = (uint32_t)rows;
	snprintf(h.kind, sizeof(h.kind), "%s", main->kind == REQ_SHELL ?
	    "shell" : main->kind == REQ_EXEC ? "exec" : "subsystem");
	snprintf(h.command, sizeof(h.command), "%s", main->value != NULL ?
	    main->value : main->name);
	c->rec = xcalloc(1, sizeof(*c->rec));
	c->rec->t0 = clock_ms();
	rc = rec_writer_open(fd, key, &h, &c->rec->w);
	sodium_munlock(key, sizeof(key));	/* wipes it too */
	if (rc != JG_OK) {
		log_error("session %lld: cannot write the recording",
		    c->session_id);
		close(fd);
		free(c->rec);
		c->rec = NULL;
		return JG_ERR;
	}
	/* A transfer's bytes only with RecordTransferContents yes. */
	c->rec->transfer = record_is_transfer(main);
	c->rec->content = !c->rec->transfer ||
	    w->cfg->record_transfer_contents;
	if (pty && c->rec->content &&
	    w->cfg->record_input == RECORD_INPUT_ECHOED)
		c->rec->echo = rec_echo_new(record_echo_emit, c);
	/* Without its screen a session still records; seeks replay more. */
	if (pty && c->rec->content) {
		if ((c->rec->screen = rec_screen_new(cols, rows)) != NULL) {
			rec_writer_set_keyframe(c->rec->w, record_keyframe, c);
			c->rec->cmdline = rec_cmdline_new(c->rec->screen,
			    record_command, c);
		} else
			log_error("session %lld: no memory for the terminal "
			    "screen: no keyframes", c->session_id);
	}
	/* An sftp session's file operations are followed (recorder/sftp.c). */
	if (main->kind == REQ_SUBSYSTEM && strcmp(main->name, "sftp") == 0)
		c->rec->sftp = rec_sftp_new(record_transfer, c);
	else if (c->rec->transfer && main->kind == REQ_EXEC &&
	    strncmp(main->value, "scp ", 4) == 0)
		record_scp_start(c, main->value);
	else if (c->rec->transfer && main->kind == REQ_EXEC &&
	    strncmp(main->value, "rsync ", 6) == 0)
		c->rec->rsync = rec_rsync_command(main->value,
		    &c->rec->rsync_paths);
	/* An exec session's command is its first (and often only) one. */
	if (main->kind == REQ_EXEC && main->value != NULL &&
	    main->value[0] != '\0')
		record_command(c, 0, main->value);
	return JG_OK;
}

/* One event to the file; a failure ends the session, the limit too. */
static void
record_write(struct chan *c, int type, const void *data, size_t len)
{
	if (c->rec == NULL || c->rec->failed)
		return;
	if (c->rec->limited && type != REC_EXIT)
		return;		/* the end mark says why it stops here */
	if (rec_writer_event(c->rec->w, record_t(c), type, data, len) !=
	    JG_OK) {
		record_failed(c);
		return;
	}
	if (c->w->cfg->max_recording_size > 0 && rec_writer_size(c->rec->w) >=
	    (uint64_t)c->w->cfg->max_recording_size)
		record_limit(c);
	if (c->rec == NULL || c->rec->cmdline == NULL)
		return;
	/* After the event: a keyframe holds the screen before it. */
	if (type == REC_OUT || type == REC_ERR)
		rec_cmdline_output(c->rec->cmdline, data, len);
	else if (type == REC_IN)
		rec_cmdline_input(c->rec->cmdline, record_t(c), data, len);
	else if (type == REC_MASKED)
		rec_cmdline_masked(c->rec->cmdline);
}

/* recorder/echo.c hands back keys shown (IN) or not (MASKED). */
static int
record_echo_emit(void *arg, int type, const void *data, size_t len)
{
	record_write(arg, type, data, len);
	return JG_OK;
}

/* Keys without a terminal to echo them (RecordInput echoed): a count. */
static void
record_masked(struct chan *c, size_t len)
{
	unsigned char b[4];
	uint32_t n = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;

	b[0] = (unsigned char)(n >> 24);
	b[1] = (unsigned char)(n >> 16);
	b[2] = (unsigned char)(n >> 8);
	b[3] = (unsigned char)n;
	record_write(c, REC_MASKED, b, sizeof(b));
}

/*
 * Input goes by RecordInput: nothing (no), every byte (all), or, by
 * default (echoed), what the terminal echoed, the rest as counts; output
 * is shown to recorder/echo.c first, so a key's IN event comes before
 * the OUT event that shows its echo.
 */
void
record_event(struct chan *c, int type, const void *data, size_t len)
{
	if (c->rec == NULL || c->rec->failed)
		return;
	if (c->rec->sftp != NULL && (type == REC_IN || type == REC_OUT) &&
	    (type == REC_IN ? rec_sftp_client : rec_sftp_server)(c->rec->sftp,
	    data, len) != JG_OK) {
		record_sftp_broken(c, type == REC_IN);
		rec_sftp_free(c->rec->sftp);	/* it follows nothing more */
		c->rec->sftp = NULL;
	}
	if (c->rec->scp != NULL && type == (c->rec->scp_upload ? REC_IN :
	    REC_OUT) && rec_scp_source(c->rec->scp, data, len) != JG_OK) {
		record_sftp_broken(c, type == REC_IN);
		rec_scp_free(c->rec->scp);
		c->rec->scp = NULL;
	}
	if (!c->rec->content && (type == REC_OUT || type == REC_ERR ||
	    type == REC_IN))
		return;
	/* A transfer kept in full keeps what was sent: file data, no keys
	   (a subsystem on a terminal still gets the echo rule). */
	if (type == REC_IN && !(c->rec->transfer && !c->has_pty)) {
		switch (c->w->cfg->record_input) {
		case RECORD_INPUT_NO:
			return;
		case RECORD_INPUT_ALL:
			break;
		default:
			if (c->rec->echo != NULL)
				rec_echo_input(c->rec->echo, record_t(c), data,
				    len);
			else
				record_masked(c, len);
			return;
		}
	}
	if (c->rec->echo != NULL && (type == REC_OUT || type == REC_ERR))
		rec_echo_output(c->rec->echo, data, len);
	record_write(c, type, data, len);
}

void
record_text(struct chan *c, int type, const char *text)
{
	record_event(c, type, text, strlen(text));
}

void
record_resize(struct chan *c, int cols, int rows)
{
	unsigned char b[8];
	uint32_t x = (uint32_t)cols, y = (uint32_t)rows;

	b[0] = (unsigned char)(x >> 24);
	b[1] = (unsigned char)(x >> 16);
	b[2] = (unsigned char)(x >> 8);
	b[3] = (unsigned char)x;
	b[4] = (unsigned char)(y >> 24);
	b[5] = (unsigned char)(y >> 16);
	b[6] = (unsigned char)(y >> 8);
	b[7] = (unsigned char)y;
	record_event(c, REC_RESIZE, b, sizeof(b));
	if (c->rec != NULL && c->rec->screen != NULL)
		rec_screen_resize(c->rec->screen, cols, rows);
}

void
record_flush_all(struct worker *w)
{
	struct chan *c;

	for (c = w->chans; c != NULL; c = c->next) {
		if (c->rec != NULL && c->rec->echo != NULL)
			rec_echo_expire(c->rec->echo, record_t(c));
		if (c->rec != NULL && !c->rec->failed &&
		    rec_writer_flush(c->rec->w) != JG_OK)
			record_failed(c);
	}
}

/*
 * rsync's own protocol is not followed (its file list is compressed and
 * delta-encoded): its transfer is one event at the end, the paths of its
 * server command ("rsync --server [--sender] FLAGS . PATH...") with the
 * bytes that went its way, the protocol's own included, and no hash.
 */
static void
record_rsync(struct chan *c, int exit_status)
{
	struct rec_sftp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = c->rec->rsync == 2 ? SFTP_EV_RSYNC_DOWN : SFTP_EV_RSYNC_UP;
	ev.path = c->rec->rsync_paths;
	ev.path2 = "";
	ev.bytes = c->rec->rsync == 2 ? c->bytes_out : c->bytes_in;
	ev.ok = exit_status == 0;
	record_transfer(c, &ev);
}

/* The end mark; whether it was written (enum rec_state) for the master. */
uint32_t
record_finish(struct chan *c, const char *reason, int exit_status)
{
	struct rec_summary s;
	unsigned char counts[16];
	int i, ok;

	if (c->rec == NULL)
		return RECORDED_COMPLETE;
	if (c->rec->echo != NULL)
		rec_echo_end(c->rec->echo);	/* keys never echoed: masked */
	if (c->rec->sftp != NULL)
		rec_sftp_end(c->rec->sftp);	/* files left open: reported */
	if (c->rec->scp != NULL)
		rec_scp_end(c->rec->scp);	/* a file cut short: reported */
	if (c->rec->rsync)
		record_rsync(c, exit_status);
	if (!c->rec->content) {
		for (i = 0; i < 8; i++) {
			counts[i] = (unsigned char)(c->bytes_in >> (56 - 8 * i));
			counts[8 + i] = (unsigned char)(c->bytes_out >>
			    (56 - 8 * i));
		}
		if (!c->rec->failed && rec_writer_event(c->rec->w, record_t(c),
		    REC_BYTES, counts, sizeof(counts)) != JG_OK)
			c->rec->failed = 1;
	}
	memset(&s, 0, sizeof(s));
	s.duration_ms = record_t(c);
	s.bytes_in = c->bytes_in;
	s.bytes_out = c->bytes_out;
	s.exit_status = exit_status;
	snprintf(s.reason, sizeof(s.reason), "%s", reason);
	ok = !c->rec->failed && rec_writer_close(c->rec->w, &s) == JG_OK;
	record_free(c);
	return ok ? RECORDED_COMPLETE : RECORDED_TRUNCATED;
}
