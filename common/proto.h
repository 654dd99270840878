/* proto.h: every message between jumpgated's processes and its tool, one typed layout each, grouped by link. */
#ifndef PROTO_H
#define PROTO_H

#include "jumpgate.h"

/*
 * A message is a C struct; its wire layout is a table of fields
 * (proto-*.c), so one generic codec (proto.c) encodes and decodes every
 * message of every link and cannot drift from itself: it checks each
 * length before it copies, refuses a string with a NUL inside or one that
 * does not fit, refuses a descriptor where none belongs (and its absence
 * where one must come), and refuses bytes left over after the last field.
 * Each message has typed functions, NAME_enc, NAME_dec and NAME_send,
 * made by PROTO_TYPED below; a message without fields has no struct and
 * goes by its type alone (msg NULL, size 0). A PF_BYTES field decodes to
 * a view into the buffer it came from, valid while that buffer is not
 * reused.
 */

enum proto_kind {
	PF_U32 = 1,			/* u32 */
	PF_U64,				/* u64 */
	PF_CSTR,			/* string, NUL-free, into char[size] */
	PF_BYTES,			/* string of at most size bytes: a view */
	PF_FIXED,			/* string of exactly size bytes */
};
struct proto_bytes {
	const unsigned char *p;
	size_t len;
};
struct proto_field {
	const char *name;
	int kind;
	size_t off;
	size_t size;
};
#define PROTO_FD_NONE 0			/* never with a descriptor */
#define PROTO_FD_MAY 1			/* with one when the answer is yes */
#define PROTO_FD_MUST 2			/* always with one */
/* A size that says: encoded and decoded by its own functions, not the codec. */
#define PROTO_HANDMADE SIZE_MAX
struct proto_msg {
	uint32_t type;
	const char *name;
	const char *dir;		/* "worker > master" */
	size_t size;			/* of the struct, or PROTO_HANDMADE */
	const struct proto_field *fields;
	size_t nfields;
	int fd;
	const char *doc;		/* what it asks or says */
};
struct proto_link {
	const char *name;
	const struct proto_msg *msgs;
	size_t nmsgs;
};

/* proto.c */
const struct proto_msg *proto_find(const struct proto_link *, uint32_t);
int proto_enc(const struct proto_link *, uint32_t type, struct buf *,
	    const void *msg, size_t size);
int proto_dec(const struct proto_link *, uint32_t type, struct buf *,
	    int fd, void *msg, size_t size);
int proto_send(const struct proto_link *, struct msgconn *, uint32_t type,
	    const void *msg, size_t size, int fd);
int proto_dec_new(const struct proto_link *, uint32_t type, struct buf *,
	    int fd, void **msg);
void proto_free(const struct proto_link *, uint32_t type, void *msg);

#define PROTO_TYPED(link, name, TYPE)					\
static inline int							\
name##_enc(struct buf *b, const struct name *m)				\
{									\
	return proto_enc(&(link), (TYPE), b, m, sizeof(*m));		\
}									\
static inline int							\
name##_dec(struct buf *b, int fd, struct name *m)			\
{									\
	return proto_dec(&(link), (TYPE), b, fd, m, sizeof(*m));	\
}									\
static inline int							\
name##_send(struct msgconn *c, const struct name *m, int fd)		\
{									\
	return proto_send(&(link), c, (TYPE), m, sizeof(*m), fd);	\
}

/*
 * proto-wm.c: worker and master. The master's table of who may send what
 * when (gateway/master-peer.c) is the monitor's: it checks every worker
 * message before its handler sees it.
 */
extern const struct proto_link proto_wm;

enum msg_wm_type {
	/* worker > master */
	MSG_W_HELLO = 1,
	MSG_W_KEY_OWNER,
	MSG_W_AUTH_FAIL,
	MSG_W_AUTH_OK,
	MSG_W_AUTHORIZE,
	MSG_W_TARGETS,
	MSG_W_SESSION_OPEN,
	MSG_W_SESSION_END,
	MSG_W_AUDIT,
	MSG_W_SESSIONS,
	MSG_W_REPLAY,
	MSG_W_REQUEST,
	MSG_W_REQUESTS,
	MSG_W_DECIDE,
	MSG_W_REQUEST_STATE,
	MSG_W_SESSION_BYTES,
	MSG_W_KILL,
	MSG_W_WATCH,
	MSG_W_COMMAND,
	MSG_W_SEARCH,
	MSG_W_TRANSFER,
	MSG_W_MFA,
	MSG_W_REVIEWS,
	MSG_W_REVIEW,
	/* master > worker */
	MSG_M_KEY_OWNER = 100,
	MSG_M_AUTHORIZE,
	MSG_M_TARGETS,
	MSG_M_SESSION,
	MSG_M_SHUTDOWN,
	MSG_M_TEXT,
	MSG_M_REPLAY,
	MSG_M_REPLAY_KEY,
	MSG_M_REQUEST,
	MSG_M_REQUEST_STATE,
	MSG_M_NOTICE,
	MSG_M_AUTH_OK,
	MSG_M_KEEPER,
	MSG_M_KILL,
	MSG_M_WATCH_END,
};

/* Why the master stops a worker's sessions (MSG_M_SHUTDOWN). */
enum stop_reason {
	STOP_GATEWAY = 1,		/* the gateway is stopping */
	STOP_GRANT_EXPIRED,		/* the grant that allowed it ended */
	STOP_GRANT_REVOKED,		/* the grant was revoked */
	STOP_ACCESS_REMOVED,		/* the user or key was removed */
	STOP_RECORDING,			/* the recording key cannot be kept */
};
const char *stop_reason_name(uint32_t);

/* How a session ended (MSG_W_SESSION_END), stored as its row's reason. */
enum end_reason {
	END_EXIT = 1,			/* the target sent an exit status */
	END_TARGET_CLOSED,		/* the target closed the channel */
	END_CLIENT_CLOSED,		/* the client closed it */
	END_WRITE_FAILED,		/* a write to either side failed */
	END_COMMAND,			/* a gateway command finished */
	END_REFUSED,			/* refused: access, target, recording */
	END_IDLE,			/* IdleTimeout */
	END_DISCONNECTED,		/* the connection went away */
	END_CLOSED,			/* closed without another reason */
	END_STOPPED,			/* by a MSG_M_SHUTDOWN: see stop */
	END_RECORDING_LIMIT,		/* MaxRecordingSize reached */
	END_KILLED,			/* an auditor or admin ended it */
	END_MALFORMED,			/* a file transfer's stream broke its
					   protocol (recorder/sftp.c) */
};
const char *end_reason_name(uint32_t reason, uint32_t stop);

/* Why an authentication failed (MSG_W_AUTH_FAIL). */
enum auth_fail {
	AUTH_FAIL_SIGNATURE = 1,	/* a signature that does not verify */
	AUTH_FAIL_LOGIN,		/* a login name that is not USER[@TARGET] */
	AUTH_FAIL_KEY,			/* the key is not this user's */
};
const char *auth_fail_name(uint32_t);

/* Whether the recording got its end mark (MSG_W_SESSION_END). */
enum rec_state { RECORDED_COMPLETE = 1, RECORDED_TRUNCATED };

/* MSG_W_DECIDE actions and MSG_W_REQUESTS modes. */
#define DECIDE_APPROVE 1
#define DECIDE_DENY 2
#define DECIDE_CANCEL 3
#define REQUESTS_ALL 0		/* the user's own and those they may decide */
#define REQUESTS_NEW 1		/* pending ones they may decide, id > after */

struct w_hello { uint32_t pid; };
struct w_key_owner {
	char user[JG_NAME_MAX + 1];
	char fp[SSHKEY_FP_LEN];
};
struct w_auth_fail {
	char user[JG_NAME_MAX + 1];	/* "?" when the login name is not one */
	uint32_t reason;		/* enum auth_fail */
};
struct w_auth_ok {
	char user[JG_NAME_MAX + 1];
	char fp[SSHKEY_FP_LEN];
};
struct w_mfa { char answer[MFA_ANSWER_MAX + 1]; };	/* at the prompt */
struct w_authorize { char target[JG_NAME_MAX + 1]; };
struct w_session_open {
	char kind[16];
	char detail[256];
};
struct w_session_end {
	uint64_t id;
	uint32_t exit_status;		/* UINT32_MAX: none */
	uint64_t bytes_in, bytes_out;
	uint32_t reason;		/* enum end_reason */
	uint32_t stop;			/* enum stop_reason, or 0 */
	uint32_t recorded;		/* enum rec_state */
};
struct w_session_bytes {		/* a live session's counts so far */
	uint64_t id;
	uint64_t bytes_in, bytes_out;
};
struct w_kill {			/* an auditor ends a session, or a user's */
	uint64_t id;			/* 0: every session of user */
	char user[JG_NAME_MAX + 1];
	char reason[STORE_REASON_MAX + 2];
};
struct m_kill {				/* end this session now, saying so */
	uint64_t id;
	char message[512];
};
struct w_audit {
	char action[64];
	char detail[512];
};
struct w_replay { uint64_t id; };
struct w_watch { uint64_t id; };
struct w_search {			/* an auditor searches the index */
	char regex[256];		/* POSIX ERE, no back-references */
	char user[JG_NAME_MAX + 1];	/* "": any */
	char target[JG_NAME_MAX + 1];
	char since[32];			/* ISO UTC, "": any */
};
struct w_transfer {			/* a file operation in a session */
	uint64_t id;			/* the session */
	uint32_t op;			/* enum rec_sftp_kind */
	char path[JG_FILE_PATH_MAX + 1];
	char path2[JG_FILE_PATH_MAX + 1];
	uint64_t bytes;
	uint32_t whole;			/* sha256 is the whole file's */
	unsigned char sha256[32];
	uint32_t ok;			/* the target said it was done */
};
struct w_command {			/* a command line the user entered */
	uint64_t id;			/* the session */
	uint32_t seq;			/* 1, 2, ... within it */
	uint64_t t_ms;			/* from the session's start */
	char line[JG_COMMAND_MAX + 1];
};
struct m_watch_end { uint64_t id; };	/* a watched session ended */
struct w_request {
	char target[JG_NAME_MAX + 1];
	char reason[STORE_REASON_MAX + 2];
	uint32_t seconds;
	char starts[32];		/* ISO UTC, "": from the approval */
	uint64_t extends;		/* extend this grant (target ""), 0 */
};
struct w_requests {
	uint32_t mode;
	uint64_t after;
};
struct w_decide {
	uint32_t action;
	uint64_t id;
	char text[STORE_REASON_MAX + 2];
};
struct w_request_state { uint64_t id; };
struct w_review {			/* a reviewer decides an item */
	uint64_t item;
	uint32_t decision;		/* REVIEW_KEEP or REVIEW_REVOKE */
	char comment[STORE_REASON_MAX + 2];
};

struct m_key_owner { uint32_t ok; };
struct m_auth_ok {
	uint32_t ok;
	char message[256];		/* why not, for the user */
	uint32_t mfa;			/* ok, but a one-time code must follow */
};
struct m_authorize {
	uint32_t how;			/* AUTHZ_* */
	uint32_t ok;
	char message[512];
	char target[JG_NAME_MAX + 1];
	char host[256];
	uint32_t port;
	char login[JG_NAME_MAX + 1];
	char host_key[SSHKEY_LINE_MAX];
	char kind[16];
};
struct m_text {
	uint32_t ok;
	struct proto_bytes text;
};
struct m_session {
	uint32_t ok;
	uint64_t id;
	char message[256];
};
struct m_shutdown {
	uint32_t reason;		/* enum stop_reason */
	char message[256];
};
struct m_replay {
	uint32_t ok;
	char message[256];
	uint64_t id;
	uint32_t live;			/* the session still runs */
};
struct m_request {
	uint32_t ok;
	uint64_t id;
	struct proto_bytes text;
};
struct m_request_state {
	char state[16];
	char by[JG_NAME_MAX + 1];
	char comment[STORE_REASON_MAX + 2];
};
struct m_notice { char text[256]; };

PROTO_TYPED(proto_wm, w_hello, MSG_W_HELLO)
PROTO_TYPED(proto_wm, w_key_owner, MSG_W_KEY_OWNER)
PROTO_TYPED(proto_wm, w_auth_fail, MSG_W_AUTH_FAIL)
PROTO_TYPED(proto_wm, w_auth_ok, MSG_W_AUTH_OK)
PROTO_TYPED(proto_wm, w_mfa, MSG_W_MFA)
PROTO_TYPED(proto_wm, w_authorize, MSG_W_AUTHORIZE)
PROTO_TYPED(proto_wm, w_session_open, MSG_W_SESSION_OPEN)
PROTO_TYPED(proto_wm, w_session_end, MSG_W_SESSION_END)
PROTO_TYPED(proto_wm, w_session_bytes, MSG_W_SESSION_BYTES)
PROTO_TYPED(proto_wm, w_kill, MSG_W_KILL)
PROTO_TYPED(proto_wm, m_kill, MSG_M_KILL)
PROTO_TYPED(proto_wm, w_audit, MSG_W_AUDIT)
PROTO_TYPED(proto_wm, w_replay, MSG_W_REPLAY)
PROTO_TYPED(proto_wm, w_watch, MSG_W_WATCH)
PROTO_TYPED(proto_wm, w_command, MSG_W_COMMAND)
PROTO_TYPED(proto_wm, w_search, MSG_W_SEARCH)
PROTO_TYPED(proto_wm, w_transfer, MSG_W_TRANSFER)
PROTO_TYPED(proto_wm, m_watch_end, MSG_M_WATCH_END)
PROTO_TYPED(proto_wm, w_request, MSG_W_REQUEST)
PROTO_TYPED(proto_wm, w_requests, MSG_W_REQUESTS)
PROTO_TYPED(proto_wm, w_decide, MSG_W_DECIDE)
PROTO_TYPED(proto_wm, w_request_state, MSG_W_REQUEST_STATE)
PROTO_TYPED(proto_wm, w_review, MSG_W_REVIEW)
PROTO_TYPED(proto_wm, m_key_owner, MSG_M_KEY_OWNER)
PROTO_TYPED(proto_wm, m_auth_ok, MSG_M_AUTH_OK)
PROTO_TYPED(proto_wm, m_authorize, MSG_M_AUTHORIZE)
PROTO_TYPED(proto_wm, m_session, MSG_M_SESSION)
PROTO_TYPED(proto_wm, m_shutdown, MSG_M_SHUTDOWN)
PROTO_TYPED(proto_wm, m_replay, MSG_M_REPLAY)
PROTO_TYPED(proto_wm, m_request, MSG_M_REQUEST)
PROTO_TYPED(proto_wm, m_request_state, MSG_M_REQUEST_STATE)
PROTO_TYPED(proto_wm, m_notice, MSG_M_NOTICE)
PROTO_TYPED(proto_wm, m_text, MSG_M_TEXT)
/* M_TEXT and M_TARGETS: ok and a text. */
int proto_wm_send_text(struct msgconn *, uint32_t type, int ok,
	    const void *text, size_t len);

/* proto-mk.c: master and vault keeper. The master is trusted: anything
   the keeper cannot decode ends the keeper, and the other way round. */
extern const struct proto_link proto_mk;

enum msg_mk_type {
	/* master > keeper */
	MSG_K_META = 200,
	MSG_K_UNSEAL,
	MSG_K_REGISTER,
	MSG_K_UNREGISTER,
	MSG_K_RECKEY_OPEN,
	MSG_K_MFA_CHECK,
	/* keeper > master */
	MSG_K_STATUS = 300,
	MSG_K_REGISTERED,
	MSG_K_RECKEY,
	MSG_K_MFA_RESULT,
};

struct k_meta {
	char mode[16];
	unsigned char salt[VAULT_SALT_LEN];
	uint64_t opslimit;
	uint64_t memlimit;
	unsigned char check[VAULT_CHECK_LEN];
};
struct k_unseal { struct proto_bytes passphrase; };
struct k_register {
	uint64_t conn;
	char target[JG_NAME_MAX + 1];
	char kind[16];
	uint32_t version;
	struct proto_bytes sealed;
};
struct k_unregister { uint64_t conn; };
struct k_reckey_open {
	uint64_t session;
	struct proto_bytes sealed;
};
struct k_mfa_check {			/* a code a user typed at login */
	uint64_t conn;
	char user[JG_NAME_MAX + 1];
	uint32_t version;
	struct proto_bytes sealed;
	char answer[MFA_ANSWER_MAX + 1];
	uint64_t last_step;
	uint32_t recovery_used;
};
struct k_status {
	uint32_t unsealed;
	char message[256];
};
struct k_registered {
	uint64_t conn;
	uint32_t ok;
	char message[256];
};
struct k_mfa_result {
	uint64_t conn;
	uint32_t kind;			/* enum mfa_kind; MFA_NONE: refused */
	uint64_t step;			/* MFA_TOTP: the step it matched */
	uint32_t index;			/* MFA_RECOVERY: which code */
	uint32_t sealed;		/* refused because the vault is sealed */
	uint32_t replay;		/* refused: right, but used already */
};
struct k_reckey {
	uint64_t conn;
	uint64_t session;
	struct proto_bytes sealed;
};
PROTO_TYPED(proto_mk, k_meta, MSG_K_META)
PROTO_TYPED(proto_mk, k_unseal, MSG_K_UNSEAL)
PROTO_TYPED(proto_mk, k_register, MSG_K_REGISTER)
PROTO_TYPED(proto_mk, k_unregister, MSG_K_UNREGISTER)
PROTO_TYPED(proto_mk, k_reckey_open, MSG_K_RECKEY_OPEN)
PROTO_TYPED(proto_mk, k_mfa_check, MSG_K_MFA_CHECK)
PROTO_TYPED(proto_mk, k_mfa_result, MSG_K_MFA_RESULT)
PROTO_TYPED(proto_mk, k_status, MSG_K_STATUS)
PROTO_TYPED(proto_mk, k_registered, MSG_K_REGISTERED)
PROTO_TYPED(proto_mk, k_reckey, MSG_K_RECKEY)

/*
 * proto-agent.c: worker and keeper, on the registration socket: the
 * ssh-agent protocol (draft-miller-ssh-agent) for the one target the
 * master registered, plus jumpgate's own requests. A frame is u32 length,
 * u8 type, body; the codec above makes the body.
 */
extern const struct proto_link proto_agent;

#define AGENT_FAILURE 5
#define AGENT_REQUEST_IDENTITIES 11
#define AGENT_IDENTITIES_ANSWER 12
#define AGENT_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
#define AGENT_JG_PASSWORD_REQUEST 200	/* jumpgate's own: the password */
#define AGENT_JG_PASSWORD 201
#define AGENT_JG_RECKEY_REQUEST 202	/* a session's recording key */
#define AGENT_JG_RECKEY 203
/* The largest agent frame either side accepts (length field excluded). */
#define AGENT_FRAME_MAX (256 * 1024)
/* The largest password a target may have: it must fit one frame. */
#define AGENT_PASSWORD_MAX (64 * 1024)

struct a_identity {			/* IDENTITIES_ANSWER: one key or none */
	uint32_t nkeys;			/* 0 or 1 */
	struct proto_bytes blob;
	char comment[JG_NAME_MAX + 1];
};
struct a_sign_request {
	struct proto_bytes blob;
	struct proto_bytes data;
	uint32_t flags;
};
struct a_sign_response {		/* string(string alg, string sig) */
	char algorithm[32];
	struct proto_bytes signature;
};
struct a_password { struct proto_bytes password; };
struct a_reckey_request { uint64_t session; };
struct a_reckey { unsigned char key[REC_KEYBYTES]; };
/* One frame (u32 length, u8 type, body) appended to out; msg NULL, size 0
   for the messages without fields (FAILURE, REQUEST_IDENTITIES,
   JG_PASSWORD_REQUEST). */
int agent_frame(struct buf *out, uint8_t type, const void *msg,
	    size_t size);
int agent_dec(uint8_t type, struct buf *body, void *msg, size_t size);
/* A frame's length field: JG_OK when 1 <= length <= max. */
int agent_frame_len(const unsigned char hdr[4], uint32_t max,
	    uint32_t *len);
/* The two with a shape the field tables do not describe. */
int agent_identity_frame(struct buf *, const struct a_identity *);
int agent_identity_dec(struct buf *, struct a_identity *);
int agent_sign_response_frame(struct buf *, const struct a_sign_response *);
int agent_sign_response_dec(struct buf *, struct a_sign_response *);
int agent_password_parse(const unsigned char *body, size_t len,
	    const unsigned char **pw, size_t *pwlen);
/* keeper-client.c (vault/): the worker's side, blocking with a deadline. */
int agent_password_fetch(int fd, int timeout_ms, char **pw, size_t *len,
	    char *err, size_t errlen);
int agent_reckey_fetch(int fd, uint64_t session_id, int timeout_ms,
	    unsigned char key[REC_KEYBYTES], char *err, size_t errlen);
int agent_reckey_read(int fd, int timeout_ms,
	    unsigned char key[REC_KEYBYTES], char *err, size_t errlen);

/*
 * proto-ctl.c: the host tool and the running daemon, on the control
 * socket (StateDirectory/control.sock, root or the daemon's uid only):
 * framed messages as between the processes.
 */
extern const struct proto_link proto_ctl;

enum msg_ctl_type {
	/* tool > daemon */
	MSG_C_STATUS = 400,
	MSG_C_SESSIONS,
	MSG_C_UNSEAL,
	MSG_C_KILL,
	MSG_C_WATCH,
	/* daemon > tool */
	MSG_C_STATE = 500,
	MSG_C_SESSION,
	MSG_C_END,
	MSG_C_ERROR,
	MSG_C_KILLED,
	MSG_C_WATCHING,
	MSG_C_WATCH_KEY,
	MSG_C_WATCH_END,
};
struct c_unseal { struct proto_bytes passphrase; };
struct c_state {
	uint32_t unsealed;
	char message[256];
};
struct c_session {
	uint64_t id;
	char user[JG_NAME_MAX + 1];
	char target[JG_NAME_MAX + 1];
	char source[128];
	uint32_t pid;
};
struct c_error { char message[256]; };
struct c_kill {
	uint64_t id;			/* 0: every session of user */
	char user[JG_NAME_MAX + 1];
	char actor[JG_NAME_MAX + 1];	/* who runs the tool, for the audit */
	char reason[STORE_REASON_MAX + 2];
};
struct c_killed { uint32_t count; };
struct c_watch {
	uint64_t id;
	char actor[JG_NAME_MAX + 1];	/* who runs the tool, for the audit */
};
struct c_watching { uint64_t id; };	/* with the recording, read-only */
struct c_watch_end { uint64_t id; };
PROTO_TYPED(proto_ctl, c_unseal, MSG_C_UNSEAL)
PROTO_TYPED(proto_ctl, c_state, MSG_C_STATE)
PROTO_TYPED(proto_ctl, c_session, MSG_C_SESSION)
PROTO_TYPED(proto_ctl, c_error, MSG_C_ERROR)
PROTO_TYPED(proto_ctl, c_kill, MSG_C_KILL)
PROTO_TYPED(proto_ctl, c_killed, MSG_C_KILLED)
PROTO_TYPED(proto_ctl, c_watch, MSG_C_WATCH)
PROTO_TYPED(proto_ctl, c_watching, MSG_C_WATCHING)
PROTO_TYPED(proto_ctl, c_watch_end, MSG_C_WATCH_END)
#define CTL_PASSPHRASE_MAX 1024

#endif /* PROTO_H */
