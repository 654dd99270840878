/* jumpgate.h: every shared type and prototype, grouped by the file that defines it. */
#ifndef JUMPGATE_H
#define JUMPGATE_H

#include <regex.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#define JG_NAME_MAX 64
#define JG_COMMAND_MAX 1024	/* a command line's bytes, at most */
#define JG_FILE_PATH_MAX 4096	/* a transferred file's path, at most */
#define JG_ERRLEN 512
#define JG_PATH_MAX 4096

/* Exit codes (DESIGN §2). */
#define JG_EXIT_OK 0
#define JG_EXIT_FAIL 1
#define JG_EXIT_USAGE 2

/*
 * Errors are returned as negative numbers; 0 is success. Callers that need
 * words for the user pass an error buffer of JG_ERRLEN bytes that the callee
 * fills with one line.
 */
#define JG_OK 0
#define JG_ERR -1       /* generic failure, message in errbuf */
#define JG_ENOENT -2    /* no such object */
#define JG_EEXIST -3    /* already exists */
#define JG_EBUSY -4     /* store busy past its timeout */
#define JG_EINVAL -5    /* invalid input */
#define JG_EAUTH -6     /* wrong key / authentication failed */
#define JG_ECORRUPT -7  /* corrupt data */
#define JG_ENOMEM -8
#define JG_EDISABLED -9 /* the user is disabled */
#define JG_EAGAIN -10   /* nothing more yet: try again later */

/* config.c */
#define CONFIG_LISTEN_MAX 16
struct config_listen {
	char host[256];
	char port[8];
};
struct config {
	char path[JG_PATH_MAX];
	struct config_listen listen[CONFIG_LISTEN_MAX];
	size_t nlisten;
	char state_dir[JG_PATH_MAX];
	char recording_dir[JG_PATH_MAX];
	char vault_key_file[JG_PATH_MAX];	/* empty: passphrase mode */
	char worker_user[JG_NAME_MAX + 1];
	char keeper_user[JG_NAME_MAX + 1];
	int log_level;
	int login_grace_time;		/* seconds */
	int idle_timeout;		/* seconds, 0 = none */
	int connect_timeout;		/* seconds */
	int max_startups_begin;		/* sshd's start:rate:full */
	int max_startups_rate;
	int max_startups_full;
	int penalty_failures;		/* failures within penalty_window ... */
	int penalty_window;		/* ... seconds ... */
	int penalty_duration;		/* ... block the source this long */
	int request_timeout;		/* seconds */
	int record_input;		/* enum record_input */
	char notify_command[JG_PATH_MAX];
	char audit_log_file[JG_PATH_MAX];	/* empty: none */
	int max_sessions;		/* channels per connection */
	int expire_inactive_days;	/* 0: never */
	int record_transfer_contents;	/* sftp/scp/rsync bytes recorded */
	int require_mfa;		/* logins without a one-time code refused */
	int approver_mfa;		/* decisions only after a one-time code */
	int per_source_max_startups;	/* 0: no cap */
	long long max_recording_size;	/* bytes, 0: none */
	long long recording_min_free;	/* bytes, -1: use the percentage */
	int recording_min_free_pct;	/* 0: none */
};
/* RecordInput: what of the client's keystrokes a recording keeps. */
enum record_input {
	RECORD_INPUT_NO = 0,		/* none */
	RECORD_INPUT_ECHOED,		/* those the target echoed; the rest
					   masked (the default) */
	RECORD_INPUT_ALL,		/* every byte, passwords included */
};
void config_defaults(struct config *);
int config_load(struct config *, const char *path, char *err, size_t errlen);
int config_parse(struct config *, const char *text, size_t len,
	    const char *path, char *err, size_t errlen);
const char *config_default_path(void);
int config_db_path(const struct config *, char *buf, size_t len);
int config_audit_head_path(const struct config *, char *buf, size_t len);
long long config_min_free_bytes(const struct config *, long long total);
int config_state_path(const struct config *, const char *name, char *buf,
	    size_t len);

/* log.c */
enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_INFO = 1, LOG_LVL_VERBOSE = 2,
	LOG_LVL_DEBUG = 3 };
void log_init(const char *progname, int to_stderr, int level);
void log_set_level(int level);
int log_level_parse(const char *);
void log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_at(int level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* util.c */
int login_parse(const char *login, char *user, char *target);
int name_valid(const char *);
int duration_parse(const char *, long *seconds);
int size_parse(const char *, long long *bytes);
void size_format(long long bytes, char *out, size_t len);
int port_parse(const char *, int *port);
void time_iso_utc(time_t, char *buf, size_t len);
void time_local(time_t, char *buf, size_t len);
int time_parse_iso_utc(const char *, time_t *);
int time_spec_parse(const char *, int sign, time_t *);
void time_local_iso(const char *iso, char *out, size_t len);
void duration_format(long seconds, char *out, size_t len);
int glob_match(const char *pattern, const char *name);
int str_has_control(const char *);
int file_write_atomic(const char *path, const void *buf, size_t len,
	    mode_t mode, char *err, size_t errlen);
int file_read_all(const char *path, size_t max, unsigned char **buf,
	    size_t *len, char *err, size_t errlen);
int fd_read_all(int fd, size_t max, unsigned char **buf, size_t *len);
int dir_fsync(const char *path);
void *xcalloc(size_t, size_t);
void freezero(void *, size_t);
char *xstrdup(const char *);
int core_dumps_disable(void);
int path_join(char *buf, size_t len, const char *dir, const char *name);
uint64_t clock_ms(void);
time_t clock_sec(void);
int clock_left_ms(uint64_t end_ms);
int fd_write_all(int fd, const void *, size_t,
	    const volatile sig_atomic_t *stop);
int fd_read_full(int fd, void *, size_t);
void errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#define ID_MAX (1ULL << 53)	/* ids as typed: 1 to 2^53 (JSON's exact) */
int id_parse(const char *, long long *);
void audit_value(const char *, char *out, size_t len);

/* privsep.c */
int privsep_drop(const char *user, int *dropped, char *err, size_t errlen);
void privsep_close_from(int lowfd, const int *keep, size_t nkeep);
long privsep_fd_limit(long want);
void privsep_env_scrub(void);

/* json.c */
struct json;
struct json *json_new(FILE *);
void json_array_begin(struct json *);
void json_array_end(struct json *);
void json_object_begin(struct json *);
void json_object_end(struct json *);
void json_key(struct json *, const char *key);
void json_key_str(struct json *, const char *key, const char *value);
void json_key_int(struct json *, const char *key, long long value);
void json_key_bool(struct json *, const char *key, int value);
void json_key_null(struct json *, const char *key);
void json_key_strv(struct json *, const char *key, char *const *v, size_t n);
void json_free(struct json *);
void json_write_string(FILE *, const char *);
void json_list(FILE *, const void *v, size_t n, size_t elsize,
	    void (*fn)(struct json *, const void *elem));

/* sshkey.c */
#define SSHKEY_FP_LEN 128
#define SSHKEY_LINE_MAX 16384
struct sshkey_pub {
	char type[64];			/* e.g. ssh-ed25519 */
	char *base64;			/* the key blob, base64 */
	char comment[256];
	char fingerprint[SSHKEY_FP_LEN];	/* SHA256:... */
};
int sshkey_parse_line(const char *line, struct sshkey_pub *, char *err,
	    size_t errlen);
int sshkey_load_public_file(const char *path, struct sshkey_pub *,
	    char *err, size_t errlen);
void sshkey_pub_clear(struct sshkey_pub *);
int sshkey_scan_host(const char *host, int port, int timeout,
	    struct sshkey_pub *, char *err, size_t errlen);

/* store.c */
struct store;
#define STORE_CREATE 0x1
#define STORE_DAEMON 0x2	/* short busy timeout, fail closed */
#define STORE_SCHEMA_VERSION 14

struct store_actor {
	const char *name;		/* "root", "cli", or a gateway user */
	long uid;			/* the real uid behind the action */
};
struct store_user {
	long long id;
	char name[JG_NAME_MAX + 1];
	char **roles;
	size_t nroles;
	size_t nkeys;
	char created[32];
	int disabled;
	char disabled_why[512];		/* STORE_REASON_MAX and a NUL fit */
	char last_login[32];		/* "" never */
	int mfa;			/* has one-time codes */
};
struct store_key {
	long long id;
	char user[JG_NAME_MAX + 1];
	char type[64];
	char fingerprint[SSHKEY_FP_LEN];
	char comment[256];
	char created[32];
};
struct store_target {
	long long id;
	char name[JG_NAME_MAX + 1];
	char host[256];
	int port;
	char login[JG_NAME_MAX + 1];
	char host_key[SSHKEY_LINE_MAX];	/* "TYPE BASE64" */
	char created[32];
};
struct store_rule {
	long long id;
	char role[JG_NAME_MAX + 1];
	char target_glob[256];
	char approval_role[JG_NAME_MAX + 1];	/* empty: standing access */
	int approvals;
	long max_duration;		/* seconds, 0 = default */
	char created[32];
	int mfa;			/* applies to logins with a code */
};
struct store_vault_meta {
	int present;
	char mode[16];			/* "file" or "passphrase" */
	unsigned char salt[16];
	unsigned long long opslimit;
	unsigned long long memlimit;
	unsigned char check[32];	/* key check value */
};
struct store_secret {
	char target[JG_NAME_MAX + 1];
	char kind[16];			/* "password" or "key" */
	uint32_t version;
	unsigned char *sealed;
	size_t sealed_len;
	char created[32];
	char updated[32];
};
struct store_audit {
	long long id;
	char time[32];
	char actor[JG_NAME_MAX + 1];
	long uid;
	char action[64];
	char *detail;
	unsigned char prev[32];
	unsigned char hash[32];
};

int store_open(const char *path, int flags, struct store **, char *err,
	    size_t errlen);
void store_close(struct store *);
const char *store_errmsg(struct store *);
int store_data_version(struct store *, long long *);

/* store-user.c: users, keys, targets, access rules */
int store_user_add(struct store *, const struct store_actor *,
	    const char *name, char *const *roles, size_t nroles,
	    const struct sshkey_pub *key);
int store_user_del(struct store *, const struct store_actor *, const char *,
	    int force);
int store_user_disable(struct store *, const struct store_actor *,
	    const char *name, const char *reason, int *requests, int *grants);
int store_user_enable(struct store *, const struct store_actor *,
	    const char *name);
int store_user_role(struct store *, const struct store_actor *,
	    const char *name, const char *role, int add);
int store_user_login(struct store *, const struct store_actor *,
	    const char *detail);
struct store_name { char name[JG_NAME_MAX + 1]; };
int store_users_inactive(struct store *, long days, struct store_name **,
	    size_t *);
int store_user_get(struct store *, const char *name, struct store_user *);
int store_user_list(struct store *, struct store_user **, size_t *);
void store_user_free(struct store_user *, size_t);
void store_user_clear(struct store_user *);
int store_key_add(struct store *, const struct store_actor *,
	    const char *user, const struct sshkey_pub *key);
int store_key_owner(struct store *, const char *fingerprint, char *user,
	    size_t userlen);
int store_key_list(struct store *, const char *user, struct store_key **,
	    size_t *);
int store_key_del(struct store *, const struct store_actor *,
	    const char *fingerprint);

int store_target_add(struct store *, const struct store_actor *,
	    const struct store_target *);
int store_target_del(struct store *, const struct store_actor *,
	    const char *name);
int store_target_get(struct store *, const char *name, struct store_target *);
int store_target_list(struct store *, struct store_target **, size_t *);

int store_rule_add(struct store *, const struct store_actor *,
	    struct store_rule *);
int store_rule_del(struct store *, const struct store_actor *, long long id);
int store_rule_list(struct store *, struct store_rule **, size_t *);

/* store-vault.c: vault metadata, sealed secrets, rekey */
int store_vault_meta_get(struct store *, struct store_vault_meta *);
int store_vault_meta_init(struct store *, const struct store_vault_meta *);
int store_secret_put(struct store *, const struct store_actor *,
	    const char *target, const char *kind, uint32_t version,
	    const unsigned char *sealed, size_t len);
int store_secret_get(struct store *, const char *target,
	    struct store_secret *);
int store_secret_del(struct store *, const struct store_actor *,
	    const char *target);
int store_secret_list(struct store *, struct store_secret **, size_t *);
void store_secret_free(struct store_secret *, size_t);
/* Re-seal every secret in one transaction; the callback re-seals one. */
typedef int (*store_reseal_cb)(void *arg, const struct store_secret *old,
	    unsigned char **sealed, size_t *len);
int store_vault_rekey(struct store *, const struct store_actor *,
	    const struct store_vault_meta *newmeta, store_reseal_cb, void *);

/* store-review.c: access reviews: campaigns, items, decisions */
#define REVIEW_KEEP 1
#define REVIEW_REVOKE 2
#define REVIEW_ROLES_MAX 16		/* --role given at most this often */
struct store_review {
	long long id;
	char created[32];
	char created_by[JG_NAME_MAX + 1];
	char reviewer_role[JG_NAME_MAX + 1];
	char roles[REVIEW_ROLES_MAX * (JG_NAME_MAX + 1)];	/* "" every role */
	char due[32];
	int def;			/* REVIEW_KEEP or REVIEW_REVOKE */
	char state[16];			/* "open" or "closed" */
	char closed[32];
	char closed_by[JG_NAME_MAX + 1];
	int items, decided, revoke;	/* counts */
};
struct store_review_item {
	long long id, review_id;
	char user[JG_NAME_MAX + 1];
	char role[JG_NAME_MAX + 1];
	char access[512];		/* the standing rules the role holds */
	char last_used[32];		/* "" never */
	int decision;			/* 0: undecided */
	int by_default;
	char decided_by[JG_NAME_MAX + 1];
	char decided[32];
	char comment[512];		/* STORE_REASON_MAX and a NUL fit */
	char applied[32];		/* when a revocation took the role */
};
int store_review_start(struct store *, const struct store_actor *,
	    const char *const *roles, size_t nroles, const char *reviewer_role,
	    const char *due, int def, long long *id, size_t *nitems);
int store_review_list(struct store *, struct store_review **, size_t *);
int store_review_get(struct store *, long long id, struct store_review *);
int store_review_items(struct store *, long long review_id,
	    const char *reviewer, struct store_review_item **, size_t *);
int store_review_decide(struct store *, const struct store_actor *,
	    long long item, const char *reviewer, int decision,
	    const char *comment, struct store_review_item *);
int store_review_close(struct store *, const struct store_actor *,
	    long long id, int *nrevoked, int *nkept);
int store_reviews_due(struct store *, const struct store_actor *,
	    int *nclosed);
const char *review_decision_name(int);

/* store-mfa.c: a user's one-time codes (sealed) and what was used of them */
#define STORE_MFA_KIND "totp"
struct store_mfa {
	char user[JG_NAME_MAX + 1];
	uint32_t version;
	unsigned char *sealed;
	size_t sealed_len;
	uint64_t last_step;		/* the last TOTP step accepted */
	uint32_t recovery_used;		/* bit i: recovery code i was used */
	char created[32];
	int fails;			/* wrong codes since fail_start */
	time_t fail_start;		/* unix time; the window's start */
};
int store_mfa_get(struct store *, const char *user, struct store_mfa *);
void store_mfa_clear(struct store_mfa *);
int store_mfa_put(struct store *, const struct store_actor *,
	    const char *user, uint32_t version, const unsigned char *sealed,
	    size_t len);
int store_mfa_del(struct store *, const struct store_actor *,
	    const char *user);
int store_mfa_use(struct store *, const char *user, int kind,
	    uint64_t step, uint32_t index, uint32_t version);
int store_mfa_fail(struct store *, const char *user, time_t now,
	    time_t *locked_until);

/* store-audit.c */
int store_audit_add(struct store *, const struct store_actor *,
	    const char *action, const char *detail);
int store_audit_list(struct store *, time_t since, struct store_audit **,
	    size_t *);
void store_audit_free(struct store_audit *, size_t);
int store_audit_verify(struct store *, long long *bad_id, char *err,
	    size_t errlen);
void store_audit_witness(struct store *, const char *head_path,
	    const char *log_path);
int store_audit_head_check(struct store *, char *err, size_t errlen);

/* mfa.c: one-time codes: TOTP (RFC 6238: SHA-1, 6 digits, 30 s) and recovery codes */
#define MFA_SECRET_LEN 20		/* the TOTP key, bytes */
#define MFA_RECOVERY_N 10		/* recovery codes per enrolment */
#define MFA_RECOVERY_LEN 10		/* chars of one: a-z 2-7, shown xxxxx-xxxxx */
/* what is sealed in the vault: key || the recovery codes, back to back */
#define MFA_PLAIN_LEN (MFA_SECRET_LEN + MFA_RECOVERY_N * MFA_RECOVERY_LEN)
#define MFA_STEP 30
#define MFA_DIGITS 6
#define MFA_ANSWER_MAX 64		/* the longest answer looked at */
#define MFA_FAIL_MAX 10			/* wrong codes of a user ... */
#define MFA_FAIL_WINDOW 3600		/* ... within this many seconds lock them */
enum mfa_kind { MFA_NONE = 0, MFA_TOTP = 1, MFA_RECOVERY = 2 };
int mfa_base32(const unsigned char *, size_t, char *out, size_t outlen);
uint32_t mfa_hotp(const unsigned char *key, size_t keylen, uint64_t counter);
int mfa_answer_parse(const char *answer, char *out, size_t outlen);
int mfa_check(const unsigned char *plain, size_t plainlen, const char *answer,
	    uint64_t now, uint64_t last_step, uint32_t recovery_used,
	    uint64_t *step, uint32_t *index);
int mfa_new(unsigned char plain[MFA_PLAIN_LEN]);

/* approval.c: one approver role with a count, or several, all met */
#define APPROVAL_ROLES_MAX 4
struct approval_need {
	char role[JG_NAME_MAX + 1];
	int count;
};
int approval_parse(const char *spec, int total, struct approval_need *,
	    size_t *);
int approval_format(const struct approval_need *, size_t, char *, size_t,
	    int *total);
int approval_has_role(const char *spec, int total, const char *role);

/* authz.c */
enum authz_how { AUTHZ_DENIED = 0, AUTHZ_STANDING, AUTHZ_REQUESTABLE,
	AUTHZ_NO_TARGET, AUTHZ_GRANTED };
struct authz_result {
	int how;
	long long rule_id;
	/* AUTHZ_GRANTED: the grant that opens the target now */
	long long grant_id;
	char grant_ends[32];
	/* AUTHZ_REQUESTABLE: what a request must satisfy */
	long max_duration;		/* 0: no maximum */
	int approvals;
	char approval_role[JG_NAME_MAX + 1];
	char why[192];			/* the rule or grant, for people */
	int mfa;			/* the deciding rule needs a code at login */
};
struct authz_target {
	char name[JG_NAME_MAX + 1];
	char host[256];
	int port;
	int how;
	char grant_ends[32];		/* AUTHZ_GRANTED */
	long long rule_id, grant_id;
	int approvals;			/* AUTHZ_REQUESTABLE */
	char approval_role[JG_NAME_MAX + 1];
	long max_duration;
	char why[192];			/* the rule or grant that decides */
};
int authz_check(struct store *, const char *user, const char *target,
	    struct authz_result *, struct store_target *);
int authz_targets(struct store *, const char *user, struct authz_target **,
	    size_t *);
const char *authz_how_name(int);

/* witness.c: the audit log's witness lines (AuditLogFile, syslog) */
#define WITNESS_LINE_MAX 8192
int witness_line(const struct store_audit *, char *out, size_t len);
int witness_parse(const char *line, size_t len, struct store_audit *);

/* store-session.c */
struct store_session {
	long long id;
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	char login[JG_NAME_MAX + 1];
	char source[128];
	char started[32];
	char ended[32];			/* empty while live */
	long long bytes_in;
	long long bytes_out;
	int exit_status;		/* -1: none */
	char state[16];			/* live complete truncated interrupted */
	char kind[16];			/* shell exec subsystem */
	char detail[256];		/* the command or subsystem name */
	char end_reason[64];
	char recording[512];		/* file name under RecordingDirectory */
	char active[32];		/* last data moved (live), or empty */
};
struct store_session_filter {
	int live_only;
	const char *user;
	const char *target;
};
int store_session_open(struct store *, const struct store_session *,
	    long long *id);
int store_session_end(struct store *, long long id, const char *state,
	    int exit_status, long long in, long long out, const char *reason);
int store_session_list(struct store *, const struct store_session_filter *,
	    struct store_session **, size_t *);
struct store_bytes { long long id, in, out; };
int store_session_bytes(struct store *, const struct store_bytes *, size_t);
int store_sessions_interrupt_live(struct store *, int *n);
struct store_last_use {			/* a user's last session on a target */
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	char started[32];
};
int store_sessions_last_use(struct store *, struct store_last_use **,
	    size_t *);
int store_session_get(struct store *, long long id, struct store_session *,
	    unsigned char **rec_key, size_t *rec_key_len);
int store_session_set_recording(struct store *, long long id,
	    const char *file);
int store_session_set_key(struct store *, long long id,
	    const unsigned char *sealed, size_t len);
/* The vault names a recording key "session-ID", kind "reckey", version 1. */
#define STORE_RECKEY_KIND "reckey"

/* store-transfer.c: the files moved (sftp, scp) */
struct store_transfer {
	long long id;
	long long session_id;
	char time[32];
	char op[16];			/* upload download remove rename mkdir
					   rmdir setstat */
	char path[JG_FILE_PATH_MAX + 1];
	char path2[JG_FILE_PATH_MAX + 1];
	long long bytes;
	char sha256[65];		/* hex, "" when not the whole file */
	int ok;
	char user[JG_NAME_MAX + 1];	/* the session's */
	char target[JG_NAME_MAX + 1];
};
struct store_transfer_filter {
	long long session_id;		/* 0: any */
	const char *user, *target;	/* NULL: any */
};
int store_transfers_add(struct store *, struct store_transfer *, size_t);
int store_transfer_list(struct store *, const struct store_transfer_filter *,
	    struct store_transfer **, size_t *);

/* store-command.c: the command index */
struct store_command {
	long long session_id;
	unsigned seq;			/* 1, 2, ... within the session */
	long long t_ms;			/* from the session's start */
	char line[JG_COMMAND_MAX + 1];
	char user[JG_NAME_MAX + 1];	/* the session's (lists, searches) */
	char target[JG_NAME_MAX + 1];
	char started[32];
};
struct store_command_filter {
	const regex_t *re;
	const char *user, *target;	/* NULL: any */
	const char *since;		/* ISO UTC; sessions started since */
	size_t limit;			/* 0: all */
	size_t max_scan;		/* lines looked at, at most; 0: all */
	int *cut;			/* set when max_scan stopped it */
	int newest;			/* newest sessions first */
};
int store_commands_add(struct store *, const struct store_command *, size_t);
int store_commands_list(struct store *, long long session,
	    struct store_command **, size_t *);
int store_commands_search(struct store *, const struct store_command_filter *,
	    struct store_command **, size_t *);

/* store-jit.c: just-in-time access (requests, approvals, grants) */
#define STORE_REASON_MAX 500
struct store_request {
	long long id;
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	char reason[STORE_REASON_MAX + 1];
	long duration;			/* seconds asked for */
	char state[16];			/* pending approved denied cancelled
					   expired */
	char created[32];
	char decided[32];		/* empty while pending */
	long long rule_id;
	char approval_role[JG_NAME_MAX + 1];
	int approvals_needed;
	int approvals;			/* distinct approvers so far */
	char decided_by[JG_NAME_MAX + 1];	/* the denier or last approver */
	char comment[256];		/* deny reason or approval comment */
	long long grant_id;		/* once approved */
	char starts[32];		/* a scheduled window's start (ISO
					   UTC), "": from the approval */
	long long extends;		/* an extension of this grant, or 0 */
};
struct store_request_filter {
	int pending_only;
	const char *user;		/* requests of this user */
	const char *approver;		/* or: pending ones this user may decide */
};
struct store_grant {
	long long id;
	long long request_id;
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	char starts[32];
	char ends[32];
	char state[16];			/* active ended revoked */
	char revoked_by[JG_NAME_MAX + 1];
};
int store_request_add(struct store *, const struct store_actor *,
	    struct store_request *);
int store_request_get(struct store *, long long id, struct store_request *);
int store_request_list(struct store *, const struct store_request_filter *,
	    struct store_request **, size_t *);
int store_request_approve(struct store *, const struct store_actor *,
	    long long id, const char *approver, const char *comment,
	    struct store_request *after);
int store_request_deny(struct store *, const struct store_actor *,
	    long long id, const char *denier, const char *reason);
int store_request_cancel(struct store *, const struct store_actor *,
	    long long id, const char *user);
int store_requests_expire(struct store *, long timeout, int *n);
/* The same sweep; *ids (free) gets the expired requests, for notifications. */
int store_requests_expire_ids(struct store *, long timeout, long long **ids,
	    size_t *n);
int store_grant_get(struct store *, long long id, struct store_grant *);
int store_grant_list(struct store *, int active_only, const char *user,
	    struct store_grant **, size_t *);
int store_grant_active(struct store *, const char *user, const char *target,
	    struct store_grant *);
int store_grant_next(struct store *, const char *user, const char *target,
	    struct store_grant *);
int store_grant_revoke(struct store *, const struct store_actor *,
	    long long id);
int store_grants_expire(struct store *, int *n);

/* listing.c: rows of the listings shared by the tool and the gateway */
void listing_sessions_head(char *, size_t);
void listing_sessions_row(const struct store_session *, char *, size_t);
long listing_idle(const struct store_session *);
void listing_requests_head(char *, size_t);
void listing_review_items_head(char *, size_t);
void listing_review_items_row(const struct store_review_item *, char *,
	    size_t);
void listing_requests_row(const struct store_request *, char *, size_t);
long listing_age(const char *created);
void listing_commands_head(int search, char *, size_t);
void listing_commands_row(const struct store_command *, int search, char *,
	    size_t);

/* buf.c */
struct buf;
struct buf *buf_new(size_t max);
void buf_free(struct buf *);
void buf_reset(struct buf *);
void buf_clear(struct buf *);
size_t buf_len(const struct buf *);
const unsigned char *buf_ptr(const struct buf *);
int buf_reserve(struct buf *, size_t, unsigned char **);
void buf_unreserve(struct buf *, size_t);
void buf_trim(struct buf *, size_t keep);
int buf_put(struct buf *, const void *, size_t);
int buf_put_u8(struct buf *, uint8_t);
int buf_put_u32(struct buf *, uint32_t);
int buf_put_u64(struct buf *, uint64_t);
int buf_put_string(struct buf *, const void *, size_t);
int buf_put_cstring(struct buf *, const char *);
int buf_consume(struct buf *, size_t);
int buf_get(struct buf *, void *, size_t);
int buf_get_u8(struct buf *, uint8_t *);
int buf_get_u32(struct buf *, uint32_t *);
int buf_get_u64(struct buf *, uint64_t *);
int buf_get_string(struct buf *, const unsigned char **, size_t *);
int buf_get_cstring(struct buf *, char *, size_t);

/* msg.c */
#define MSG_MAX (1024 * 1024)	/* largest payload a peer may send */
struct msgconn;
struct msgconn *msg_new(int fd);
void msg_free(struct msgconn *);
int msg_fd(const struct msgconn *);
int msg_pending(const struct msgconn *);
int msg_buffered(const struct msgconn *);
int msg_queue(struct msgconn *, uint32_t type, const void *, size_t,
	    int passfd);
int msg_queue_buf(struct msgconn *, uint32_t type, const struct buf *,
	    int passfd);
int msg_flush(struct msgconn *);
int msg_read(struct msgconn *);
int msg_get(struct msgconn *, uint32_t *type, struct buf *, int *fd);
int msg_flush_wait(struct msgconn *, int timeout_ms);
int msg_get_wait(struct msgconn *, uint32_t *type, struct buf *, int *fd,
	    int timeout_ms);

/* writer.c, format.c, seal.c (recorder/): the recording file format, its cipher and its writer */
#define REC_KEYBYTES 32
#define REC_FORMAT_VERSION 2	/* written; 1 is still read */
enum rec_type {
	REC_OUT = 1,		/* target stdout */
	REC_ERR,		/* target stderr */
	REC_IN,			/* client input (RecordInput) */
	REC_RESIZE,		/* u32 cols, u32 rows */
	REC_REQUEST,		/* text: "shell", "exec CMD", "subsystem NAME" */
	REC_SIGNAL,		/* text: signal name sent by the client */
	REC_EXIT,		/* u32 status, or text "signal NAME" */
	REC_END,		/* summary (the end mark's last event) */
	REC_BYTES,		/* u64 in, u64 out: counts for file transfers */
	REC_KEYFRAME,		/* ANSI bytes that redraw the screen */
	REC_MASKED,		/* u32 count: keystrokes not shown (echo.c) */
	REC_FILE,		/* a JSON object: one file operation (sftp,
				   scp): op, path, path2, bytes, sha256, ok */
};
struct rec_header {
	uint32_t version;		/* as read; the writer writes the newest */
	uint64_t session_id;
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	char login[JG_NAME_MAX + 1];
	int64_t start_unix_ms;
	uint32_t cols, rows;
	char kind[16];
	char command[256];
};
struct rec_summary {
	uint64_t duration_ms;
	uint64_t bytes_in, bytes_out;
	uint64_t events;
	int32_t exit_status;
	char reason[64];
};
struct rec_event_view {
	uint64_t t_ms;
	int type;
	int channel;
	const unsigned char *data;
	size_t len;
};
struct rec_writer;
int rec_header_encode(const struct rec_header *, struct buf *);
int rec_seal_hardware(void);
int rec_writer_open(int fd, const unsigned char key[REC_KEYBYTES],
	    const struct rec_header *, struct rec_writer **);
int rec_writer_event(struct rec_writer *, uint64_t t_ms, int type,
	    const void *, size_t);
int rec_writer_flush(struct rec_writer *);
uint64_t rec_writer_size(const struct rec_writer *);
int rec_writer_close(struct rec_writer *, const struct rec_summary *);
void rec_writer_free(struct rec_writer *);
void rec_writer_set_keyframe(struct rec_writer *,
	    int (*fn)(void *arg, struct buf *out), void *arg);

/* echo.c (recorder/): RecordInput echoed, keys recorded once echoed */
#define REC_ECHO_WAIT_MS 2000		/* a key's echo is awaited this long */
struct rec_echo;
struct rec_echo *rec_echo_new(int (*emit)(void *, int type, const void *,
	    size_t), void *arg);
void rec_echo_free(struct rec_echo *);
void rec_echo_input(struct rec_echo *, uint64_t t_ms, const void *, size_t);
void rec_echo_output(struct rec_echo *, const void *, size_t);
void rec_echo_expire(struct rec_echo *, uint64_t now_ms);
void rec_echo_end(struct rec_echo *);
int rec_echo_failed(const struct rec_echo *);

/* screen.c (recorder/): a terminal screen (libvterm) for keyframes */
struct rec_screen;
struct rec_screen *rec_screen_new(int cols, int rows);
void rec_screen_feed(struct rec_screen *, const void *, size_t);
void rec_screen_resize(struct rec_screen *, int cols, int rows);
void rec_screen_free(struct rec_screen *);
void rec_screen_where(struct rec_screen *, int *row, int *col,
	    uint64_t *scrolled, int *altscreen);
size_t rec_screen_text(struct rec_screen *, int row, int from, int to,
	    char *out, size_t len);
int rec_screen_cols(const struct rec_screen *);

/* screen-keyframe.c (recorder/): the screen written out as a keyframe */
int rec_screen_keyframe(struct rec_screen *, struct buf *out);

/* cmdline.c (recorder/): command lines read off a pty session's screen */
struct rec_cmdline;
struct rec_cmdline *rec_cmdline_new(struct rec_screen *,
	    void (*emit)(void *, uint64_t t_ms, const char *line), void *);
void rec_cmdline_input(struct rec_cmdline *, uint64_t t_ms, const void *,
	    size_t);
void rec_cmdline_masked(struct rec_cmdline *);
void rec_cmdline_output(struct rec_cmdline *, const void *, size_t);
void rec_cmdline_free(struct rec_cmdline *);

/* vault.c (vault/) */
#define VAULT_KEY_LEN 32
#define VAULT_SALT_LEN 16
#define VAULT_CHECK_LEN 32
#define VAULT_PASS_MAX 1024
/* Sealed secret = 24-byte nonce || ciphertext || 16-byte tag. */
#define VAULT_SEAL_OVERHEAD 40
struct vault_key;			/* opaque, in locked memory */
int vault_init(void);
int vault_key_generate(struct vault_key **);
int vault_key_load_file(const char *path, struct vault_key **, char *err,
	    size_t errlen);
int vault_key_write_file(struct vault_key *, const char *path, char *err,
	    size_t errlen);
int vault_key_file_replace(const char *from, const char *to, char *err,
	    size_t errlen);
int vault_key_dir_lock(const char *path, int nonblock, char *err,
	    size_t errlen);
void vault_key_free(struct vault_key *);
void vault_passphrase_params(unsigned char salt[VAULT_SALT_LEN],
	    unsigned long long *ops, unsigned long long *mem);
int vault_key_derive(const char *pass, size_t len,
	    const unsigned char salt[VAULT_SALT_LEN], unsigned long long ops,
	    unsigned long long mem, struct vault_key **, char *err,
	    size_t errlen);
int vault_key_check_value(struct vault_key *,
	    unsigned char out[VAULT_CHECK_LEN]);
int vault_key_verify(struct vault_key *,
	    const unsigned char check[VAULT_CHECK_LEN]);
/* *out is malloc'd (free); *pt of vault_open is locked memory, NUL-ended. */
int vault_seal(struct vault_key *, const char *target, const char *kind,
	    uint32_t version, const unsigned char *pt, size_t ptlen,
	    unsigned char **out, size_t *outlen);
int vault_open(struct vault_key *, const char *target, const char *kind,
	    uint32_t version, const unsigned char *ct, size_t ctlen,
	    unsigned char **pt, size_t *ptlen);
void *vault_secret_alloc(size_t len);	/* len + 1 bytes, locked */
void vault_secret_free(void *, size_t len);
int vault_passphrase_read(const char *file_or_null, const char *prompt,
	    int confirm, char **pass, size_t *len, char *err, size_t errlen);
/* vault-unlock.c (vault/) */
int vault_setup(const struct config *, struct store *,
	    const char *passphrase_file, char *err, size_t errlen);
/* note gets a line to show when an interrupted rekey was dealt with. */
int vault_recover(const struct config *, struct store *, char *note,
	    size_t notelen, char *err, size_t errlen);
int vault_unlock(const struct config *, struct store *,
	    const char *passphrase_file, struct vault_key **, char *note,
	    size_t notelen, char *err, size_t errlen);
int vault_unlock_passphrase(const struct store_vault_meta *,
	    const char *pass, size_t len, struct vault_key **, char *err,
	    size_t errlen);
int vault_rekey(const struct config *, struct store *,
	    const struct store_actor *, struct vault_key *old,
	    const char *new_passphrase_file, size_t *nresealed, char *err,
	    size_t errlen);

/* keeper.c (vault/) */
/* Optional, before keeper_start: log like the master, as "jumpgated-keeper". */
void keeper_log_options(int to_stderr, int level);
pid_t keeper_start(const struct config *, char *const *argv, int *fd_out,
	    char *err, size_t errlen);
/* jumpgated -K: the keeper itself, its master's socket at sock. */
void keeper_main(const struct config *, int sock)
	    __attribute__((noreturn));

#endif /* JUMPGATE_H */
