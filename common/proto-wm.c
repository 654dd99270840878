/* proto-wm.c: the link between a session worker and the master: every message's fields, and the reason codes they carry. */

/*
 * The worker is the untrusted side: it parsed a stranger's SSH packets
 * before it asked anything. What it may send in which state, and how
 * often, is the master's dispatch table (gateway/master-peer.c); the
 * shape of each message is here, read by the codec in proto.c. Reasons
 * travel as codes; the words for people are made from them at the end.
 */

#include <stddef.h>

#include "proto.h"
#include "proto-int.h"

#define W "worker > master"
#define M "master > worker"

static const struct proto_field w_hello_f[] = { F_U32(w_hello, pid) };
static const struct proto_field w_key_owner_f[] = {
	F_CSTR(w_key_owner, user), F_CSTR(w_key_owner, fp) };
static const struct proto_field w_auth_fail_f[] = {
	F_CSTR(w_auth_fail, user), F_U32(w_auth_fail, reason) };
static const struct proto_field w_auth_ok_f[] = {
	F_CSTR(w_auth_ok, user), F_CSTR(w_auth_ok, fp) };
static const struct proto_field w_authorize_f[] = {
	F_CSTR(w_authorize, target) };
static const struct proto_field w_session_open_f[] = {
	F_CSTR(w_session_open, kind), F_CSTR(w_session_open, detail) };
static const struct proto_field w_session_end_f[] = {
	F_U64(w_session_end, id), F_U32(w_session_end, exit_status),
	F_U64(w_session_end, bytes_in), F_U64(w_session_end, bytes_out),
	F_U32(w_session_end, reason), F_U32(w_session_end, stop),
	F_U32(w_session_end, recorded) };
static const struct proto_field w_session_bytes_f[] = {
	F_U64(w_session_bytes, id), F_U64(w_session_bytes, bytes_in),
	F_U64(w_session_bytes, bytes_out) };
static const struct proto_field w_kill_f[] = {
	F_U64(w_kill, id), F_CSTR(w_kill, user), F_CSTR(w_kill, reason) };
static const struct proto_field m_kill_f[] = {
	F_U64(m_kill, id), F_CSTR(m_kill, message) };
static const struct proto_field w_audit_f[] = {
	F_CSTR(w_audit, action), F_CSTR(w_audit, detail) };
static const struct proto_field w_replay_f[] = { F_U64(w_replay, id) };
static const struct proto_field w_watch_f[] = { F_U64(w_watch, id) };
static const struct proto_field w_transfer_f[] = {
	F_U64(w_transfer, id), F_U32(w_transfer, op),
	F_CSTR(w_transfer, path), F_CSTR(w_transfer, path2),
	F_U64(w_transfer, bytes), F_U32(w_transfer, whole),
	F_FIXED(w_transfer, sha256), F_U32(w_transfer, ok) };
static const struct proto_field w_search_f[] = {
	F_CSTR(w_search, regex), F_CSTR(w_search, user),
	F_CSTR(w_search, target), F_CSTR(w_search, since) };
static const struct proto_field w_command_f[] = {
	F_U64(w_command, id), F_U32(w_command, seq), F_U64(w_command, t_ms),
	F_CSTR(w_command, line) };
static const struct proto_field m_watch_end_f[] = { F_U64(m_watch_end, id) };
static const struct proto_field w_request_f[] = {
	F_CSTR(w_request, target), F_CSTR(w_request, reason),
	F_U32(w_request, seconds), F_CSTR(w_request, starts),
	F_U64(w_request, extends) };
static const struct proto_field w_requests_f[] = {
	F_U32(w_requests, mode), F_U64(w_requests, after) };
static const struct proto_field w_decide_f[] = {
	F_U32(w_decide, action), F_U64(w_decide, id), F_CSTR(w_decide, text) };
static const struct proto_field w_request_state_f[] = {
	F_U64(w_request_state, id) };
static const struct proto_field w_review_f[] = {
	F_U64(w_review, item), F_U32(w_review, decision),
	F_CSTR(w_review, comment) };

static const struct proto_field m_key_owner_f[] = { F_U32(m_key_owner, ok) };
static const struct proto_field m_auth_ok_f[] = {
	F_U32(m_auth_ok, ok), F_CSTR(m_auth_ok, message),
	F_U32(m_auth_ok, mfa) };
static const struct proto_field w_mfa_f[] = { F_CSTR(w_mfa, answer) };
static const struct proto_field m_authorize_f[] = {
	F_U32(m_authorize, how), F_U32(m_authorize, ok),
	F_CSTR(m_authorize, message), F_CSTR(m_authorize, target),
	F_CSTR(m_authorize, host), F_U32(m_authorize, port),
	F_CSTR(m_authorize, login), F_CSTR(m_authorize, host_key),
	F_CSTR(m_authorize, kind) };
static const struct proto_field m_text_f[] = {
	F_U32(m_text, ok), F_BYTES(m_text, text, MSG_MAX - 64) };
static const struct proto_field m_session_f[] = {
	F_U32(m_session, ok), F_U64(m_session, id),
	F_CSTR(m_session, message) };
static const struct proto_field m_shutdown_f[] = {
	F_U32(m_shutdown, reason), F_CSTR(m_shutdown, message) };
static const struct proto_field m_replay_f[] = {
	F_U32(m_replay, ok), F_CSTR(m_replay, message), F_U64(m_replay, id),
	F_U32(m_replay, live) };
static const struct proto_field m_request_f[] = {
	F_U32(m_request, ok), F_U64(m_request, id),
	F_BYTES(m_request, text, MSG_MAX - 64) };
static const struct proto_field m_request_state_f[] = {
	F_CSTR(m_request_state, state), F_CSTR(m_request_state, by),
	F_CSTR(m_request_state, comment) };
static const struct proto_field m_notice_f[] = { F_CSTR(m_notice, text) };

static const struct proto_msg wm_msgs[] = {
	MSG(MSG_W_HELLO, w_hello, W, PROTO_FD_NONE,
	    "its pid, first thing after the fork"),
	MSG(MSG_W_KEY_OWNER, w_key_owner, W, PROTO_FD_NONE,
	    "does this key belong to this user? (M_KEY_OWNER)"),
	MSG(MSG_W_AUTH_FAIL, w_auth_fail, W, PROTO_FD_NONE,
	    "a failed authentication, for the audit and the source's penalty"),
	MSG(MSG_W_AUTH_OK, w_auth_ok, W, PROTO_FD_NONE,
	    "the user logged in with this key: checked again, audited "
	    "(M_AUTH_OK)"),
	MSG(MSG_W_MFA, w_mfa, W, PROTO_FD_NONE,
	    "the answer typed at the verification code prompt, checked by "
	    "the keeper (M_AUTH_OK)"),
	MSG(MSG_W_AUTHORIZE, w_authorize, W, PROTO_FD_NONE,
	    "may the user reach this target now? (M_AUTHORIZE)"),
	MSG0(MSG_W_TARGETS, W, PROTO_FD_NONE,
	    "the targets the user can reach (M_TARGETS)"),
	MSG(MSG_W_SESSION_OPEN, w_session_open, W, PROTO_FD_NONE,
	    "a session channel starts: its row and its file (M_SESSION)"),
	MSG(MSG_W_SESSION_END, w_session_end, W, PROTO_FD_NONE,
	    "one of its sessions ended: how, its counts"),
	MSG(MSG_W_SESSION_BYTES, w_session_bytes, W, PROTO_FD_NONE,
	    "a live session's byte counts so far (at most one a second)"),
	MSG(MSG_W_COMMAND, w_command, W, PROTO_FD_NONE,
	    "a command line entered in one of its sessions, for the index"),
	MSG(MSG_W_TRANSFER, w_transfer, W, PROTO_FD_NONE,
	    "a file operation in one of its sessions (sftp, scp), audited"),
	MSG(MSG_W_SEARCH, w_search, W, PROTO_FD_NONE,
	    "an auditor searches the command index (M_TEXT)"),
	MSG(MSG_W_KILL, w_kill, W, PROTO_FD_NONE,
	    "an auditor ends a live session, or a user's (M_TEXT)"),
	MSG(MSG_W_AUDIT, w_audit, W, PROTO_FD_NONE,
	    "an audit row (refused request, host key mismatch...)"),
	MSG0(MSG_W_SESSIONS, W, PROTO_FD_NONE,
	    "an auditor lists sessions (M_TEXT)"),
	MSG(MSG_W_REPLAY, w_replay, W, PROTO_FD_NONE,
	    "an auditor replays a session (M_REPLAY, M_REPLAY_KEY)"),
	MSG(MSG_W_WATCH, w_watch, W, PROTO_FD_NONE,
	    "an auditor watches a live session (M_REPLAY, M_REPLAY_KEY)"),
	MSG(MSG_W_REQUEST, w_request, W, PROTO_FD_NONE,
	    "file an access request (M_REQUEST)"),
	MSG(MSG_W_REQUESTS, w_requests, W, PROTO_FD_NONE,
	    "list requests, all or new ones (M_REQUEST)"),
	MSG(MSG_W_DECIDE, w_decide, W, PROTO_FD_NONE,
	    "approve, deny or cancel a request (M_TEXT)"),
	MSG(MSG_W_REQUEST_STATE, w_request_state, W, PROTO_FD_NONE,
	    "how one of the user's own requests stands (M_REQUEST_STATE)"),
	MSG0(MSG_W_REVIEWS, W, PROTO_FD_NONE,
	    "the access review items the user may decide (M_TEXT)"),
	MSG(MSG_W_REVIEW, w_review, W, PROTO_FD_NONE,
	    "a reviewer decides an item keep or revoke (M_TEXT)"),
	MSG(MSG_M_KEY_OWNER, m_key_owner, M, PROTO_FD_NONE,
	    "yes or no"),
	MSG(MSG_M_AUTHORIZE, m_authorize, M, PROTO_FD_MAY,
	    "the decision; if yes the target and a socket to the keeper"),
	{ MSG_M_TARGETS, "M_TARGETS", M, sizeof(struct m_text), m_text_f,
	    NF(m_text_f), PROTO_FD_NONE, "the target list, as text" },
	MSG(MSG_M_SESSION, m_session, M, PROTO_FD_MAY,
	    "the session id; if yes its recording file, write-only"),
	MSG(MSG_M_SHUTDOWN, m_shutdown, M, PROTO_FD_NONE,
	    "end every session now, for this reason"),
	MSG(MSG_M_TEXT, m_text, M, PROTO_FD_NONE,
	    "an answer as text"),
	MSG(MSG_M_REPLAY, m_replay, M, PROTO_FD_MAY,
	    "the answer; if yes the recording, read-only"),
	MSG0(MSG_M_REPLAY_KEY, M, PROTO_FD_MUST,
	    "a socket on which the keeper writes the recording's key"),
	MSG(MSG_M_REQUEST, m_request, M, PROTO_FD_NONE,
	    "the request filed, or the list, as text"),
	MSG(MSG_M_REQUEST_STATE, m_request_state, M, PROTO_FD_NONE,
	    "pending, approved (by), denied (by, why), cancelled, expired"),
	MSG(MSG_M_NOTICE, m_notice, M, PROTO_FD_NONE,
	    "a line for the user's terminals (a grant ends soon)"),
	MSG(MSG_M_KILL, m_kill, M, PROTO_FD_NONE,
	    "end this session now, with this line for its user"),
	MSG(MSG_M_WATCH_END, m_watch_end, M, PROTO_FD_NONE,
	    "a session it watches ended: its file holds all there is"),
	MSG(MSG_M_AUTH_OK, m_auth_ok, M, PROTO_FD_NONE,
	    "the login stands, or why not (its audit row cannot be written), "
	    "or a one-time code must follow"),
	MSG0(MSG_M_KEEPER, M, PROTO_FD_MUST,
	    "a new keeper: the socket to it, in place of the old one"),
};

const struct proto_link proto_wm = { "worker-master", wm_msgs, NF(wm_msgs) };

int
proto_wm_send_text(struct msgconn *c, uint32_t type, int ok, const void *text,
    size_t len)
{
	struct m_text t;

	t.ok = ok ? 1 : 0;
	t.text.p = text;
	t.text.len = len;
	return proto_send(&proto_wm, c, type, &t, sizeof(t), -1);
}

const char *
auth_fail_name(uint32_t r)
{
	switch (r) {
	case AUTH_FAIL_SIGNATURE:
		return "bad-signature";
	case AUTH_FAIL_LOGIN:
		return "invalid-login-name";
	case AUTH_FAIL_KEY:
		return "key-not-registered";
	}
	return NULL;
}

const char *
stop_reason_name(uint32_t r)
{
	switch (r) {
	case STOP_GATEWAY:
		return "gateway stopped";
	case STOP_GRANT_EXPIRED:
		return "grant expired";
	case STOP_GRANT_REVOKED:
		return "grant revoked";
	case STOP_ACCESS_REMOVED:
		return "access removed";
	case STOP_RECORDING:
		return "recording failed";
	}
	return NULL;
}

/* The words stored in a session's row (sessions --json end_reason). */
const char *
end_reason_name(uint32_t reason, uint32_t stop)
{
	switch (reason) {
	case END_EXIT:
		return "exit";
	case END_TARGET_CLOSED:
		return "target closed";
	case END_CLIENT_CLOSED:
		return "client closed";
	case END_WRITE_FAILED:
		return "write failed";
	case END_COMMAND:
		return "command";
	case END_REFUSED:
		return "refused";
	case END_IDLE:
		return "idle timeout";
	case END_DISCONNECTED:
		return "disconnected";
	case END_CLOSED:
		return "closed";
	case END_STOPPED:
		return stop_reason_name(stop);
	case END_RECORDING_LIMIT:
		return "recording limit";
	case END_KILLED:
		return "killed";
	case END_MALFORMED:
		return "malformed stream";
	}
	return NULL;
}
