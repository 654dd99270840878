/* replay.h: the replay library: read a recording, check it, play it, export it, search it; the host tool and the gateway's auditor commands both call it. */
#ifndef REPLAY_H
#define REPLAY_H

#include <regex.h>

#include "jumpgate.h"

/* reader.c: the file reader (the parser the fuzzers drive) */
enum rec_read_status {
	REC_READ_OK = 0,		/* nothing wrong so far */
	REC_READ_EMPTY,			/* the file holds nothing at all */
	REC_READ_TRUNCATED,		/* the file stops: no end mark */
	REC_READ_DAMAGED,		/* fails authentication, malformed, not
					   this session's */
	REC_READ_IO,			/* the file cannot be read */
};
struct rec_reader;
int rec_reader_open(int fd, const unsigned char key[REC_KEYBYTES],
	    uint64_t expect_session, struct rec_reader **, int *status,
	    char *err, size_t errlen);
const struct rec_header *rec_reader_header(const struct rec_reader *);
int rec_reader_status(const struct rec_reader *);
const char *rec_reader_error(const struct rec_reader *);
uint64_t rec_reader_last_ms(const struct rec_reader *);
int rec_reader_next(struct rec_reader *, struct rec_event_view *);
int rec_reader_summary(const struct rec_reader *, struct rec_summary *);
int rec_reader_seek(struct rec_reader *, uint64_t t_ms);
void rec_reader_follow(struct rec_reader *, int on);
int rec_reader_rewind(struct rec_reader *);
int rec_reader_split(struct rec_reader *, off_t min_size,
	    struct rec_reader **second);
int rec_reader_joins(const struct rec_reader *, const struct rec_reader *);
void rec_reader_hint(struct rec_reader *, uint64_t t_ms);
void rec_reader_hint_join(struct rec_reader *, const struct rec_reader *);
void rec_reader_free(struct rec_reader *);

/* replay.c: one recording opened, its one status, its events */
enum replay_status {
	REPLAY_INTACT = 0,		/* a clean end mark that counts every
					   event before it */
	REPLAY_LIVE,			/* the session still runs: the file
					   ends where its writer is */
	REPLAY_TRUNCATED,		/* the file stops without an end mark */
	REPLAY_DAMAGED,			/* anything else: refused */
};
struct replay_check {
	int status;			/* enum replay_status */
	char reason[256];		/* all but INTACT: for people */
	uint64_t last_ms;		/* time of the last intact event */
	uint64_t events;		/* intact events read */
	struct rec_summary sum;		/* INTACT: the end mark */
	char term[64];			/* TERM if a pty request named it */
};
struct replay;
#define REPLAY_VERIFY 0x1		/* read it all first, then rewind */
#define REPLAY_LIVE_SESSION 0x2		/* the session's row is live */
int replay_open(int fd, const unsigned char key[REC_KEYBYTES],
	    uint64_t session_id, int flags, struct replay **,
	    struct replay_check *);
int replay_open_seek(int fd, const unsigned char key[REC_KEYBYTES],
	    uint64_t session_id, int flags, uint64_t seek_ms, struct replay **,
	    struct replay_check *);
int replay_verify(struct replay *, struct replay_check *);
int replay_verify_split(struct replay *, struct replay_check *,
	    off_t split_min);
const struct rec_header *replay_header(const struct replay *);
int replay_next(struct replay *, struct rec_event_view *);
int replay_status(const struct replay *, struct replay_check *);
int replay_seek(struct replay *, uint64_t t_ms);
int replay_rewind(struct replay *);
void replay_close(struct replay *);
const char *replay_status_name(int);
int replay_resize_parse(const struct rec_event_view *, unsigned *cols,
	    unsigned *rows);

/* player.c: playback with the original timing, keys, seeks (one player
   for the terminal tool and for the gateway) */
enum replay_play {
	REPLAY_PLAY_WAIT = 0,		/* *wait_ms until the next event
					   (-1: paused, wait for a key) */
	REPLAY_PLAY_FULL,		/* the budget is spent: call again once
					   the output drained */
	REPLAY_PLAY_END,		/* every intact event was shown */
	REPLAY_PLAY_QUIT,		/* q or ^C */
	REPLAY_PLAY_ERROR,		/* the output failed */
};
struct replay_sink {
	int (*out)(void *arg, const void *, size_t);	/* 0 or -1 */
	void (*note)(void *arg, const char *);	/* paused, speed; may be NULL */
	void *arg;
};
struct replay_player_opts {
	double speed;			/* 1.0: as it happened */
	uint64_t from_ms;		/* start here */
	uint64_t idle_ms;		/* gaps are cut to this; 0: never */
	int clear;			/* clear the screen before a seek back */
};
#define REPLAY_SPEED_MIN (1.0 / 64)
#define REPLAY_SPEED_MAX 1024.0
#define REPLAY_SKIP_MS 10000
struct replay_player;
struct replay_player *replay_player_new(struct replay *,
	    const struct replay_player_opts *, const struct replay_sink *);
int replay_player_run(struct replay_player *, uint64_t now_ms,
	    size_t budget, int *wait_ms);
void replay_player_keys(struct replay_player *, const unsigned char *,
	    size_t);
uint64_t replay_player_pos(const struct replay_player *);
int replay_player_paused(const struct replay_player *);
double replay_player_rate(const struct replay_player *);
void replay_player_free(struct replay_player *);

/* watch.c: follow a live session's recording (the host tool's and the
   gateway's `watch`); returns enum replay_play like the player */
#define REPLAY_WATCH_DELAY_MS 1100	/* behind the session, at least */
#define REPLAY_WATCH_BEHIND_MS 5000	/* further behind: skip ahead */
struct replay_watch;
int replay_watch_open(int fd, const unsigned char key[REC_KEYBYTES],
	    uint64_t session_id, const struct replay_sink *,
	    struct replay_watch **, char *err, size_t errlen);
const struct rec_header *replay_watch_header(const struct replay_watch *);
const char *replay_watch_error(const struct replay_watch *);
uint64_t replay_watch_skips(const struct replay_watch *);
void replay_watch_title(const struct replay_watch *, char *, size_t);
void replay_watch_keys(struct replay_watch *, const unsigned char *, size_t);
void replay_watch_ended(struct replay_watch *);
int replay_watch_run(struct replay_watch *, uint64_t now_ms, size_t budget,
	    int *wait_ms);
void replay_watch_free(struct replay_watch *);

/* asciicast.c: a recording as an asciicast v2 document */
int replay_asciicast(struct replay *, const struct replay_check *,
	    const char *title, FILE *);

/* search.c: lines of output that match a regular expression */
typedef void (*replay_match_fn)(void *arg, uint64_t t_ms, const char *line);
int replay_search(struct replay *, const regex_t *, replay_match_fn,
	    void *arg);

/* text.c: pure text helpers (tests/unit/test-recplay.c) */
int replay_time_parse(const char *, uint64_t *ms);
void replay_hms(uint64_t ms, char *buf, size_t len);
struct replay_strip {
	int state;
};
void replay_strip_init(struct replay_strip *);
size_t replay_strip_feed(struct replay_strip *, const unsigned char *,
	    size_t, unsigned char *out);
struct replay_utf8 {
	unsigned char tail[4];
	size_t ntail;
};
void replay_utf8_init(struct replay_utf8 *);
size_t replay_json_max(size_t n);
size_t replay_status_bar(char *out, size_t len, unsigned rows, unsigned cols,
	    const char *text);
size_t replay_json_utf8(struct replay_utf8 *, const unsigned char *, size_t,
	    int final, char *out);

#endif /* REPLAY_H */
