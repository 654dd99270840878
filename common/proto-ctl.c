/* proto-ctl.c: the link between the host tool and the running daemon on the control socket: every message's fields. */

/*
 * Only root or the daemon's own uid may connect (the master checks
 * SO_PEERCRED). The frames are those of the links between the processes
 * (msg.c), so one codec reads them all; a request the master does not
 * know gets C_ERROR and the connection is closed.
 */

#include "proto.h"
#include "proto-int.h"

#define TD "tool > daemon"
#define DT "daemon > tool"

static const struct proto_field c_unseal_f[] = {
	F_BYTES(c_unseal, passphrase, CTL_PASSPHRASE_MAX) };
static const struct proto_field c_state_f[] = {
	F_U32(c_state, unsealed), F_CSTR(c_state, message) };
static const struct proto_field c_session_f[] = {
	F_U64(c_session, id), F_CSTR(c_session, user),
	F_CSTR(c_session, target), F_CSTR(c_session, source),
	F_U32(c_session, pid) };
static const struct proto_field c_error_f[] = { F_CSTR(c_error, message) };
static const struct proto_field c_kill_f[] = {
	F_U64(c_kill, id), F_CSTR(c_kill, user), F_CSTR(c_kill, actor),
	F_CSTR(c_kill, reason) };
static const struct proto_field c_killed_f[] = { F_U32(c_killed, count) };
static const struct proto_field c_watch_f[] = {
	F_U64(c_watch, id), F_CSTR(c_watch, actor) };
static const struct proto_field c_watching_f[] = { F_U64(c_watching, id) };
static const struct proto_field c_watch_end_f[] = {
	F_U64(c_watch_end, id) };

static const struct proto_msg ctl_msgs[] = {
	MSG0(MSG_C_STATUS, TD, PROTO_FD_NONE,
	    "is the vault sealed? (C_STATE)"),
	MSG0(MSG_C_SESSIONS, TD, PROTO_FD_NONE,
	    "the live sessions (C_SESSION each, then C_END)"),
	MSG(MSG_C_UNSEAL, c_unseal, TD, PROTO_FD_NONE,
	    "the vault passphrase, for the keeper (C_STATE once it tried)"),
	MSG(MSG_C_KILL, c_kill, TD, PROTO_FD_NONE,
	    "end a live session, or every one of a user (C_KILLED)"),
	MSG(MSG_C_WATCH, c_watch, TD, PROTO_FD_NONE,
	    "watch a live session (C_WATCHING, C_WATCH_KEY, C_WATCH_END)"),
	MSG(MSG_C_STATE, c_state, DT, PROTO_FD_NONE,
	    "sealed or unsealed, and the keeper's word"),
	MSG(MSG_C_SESSION, c_session, DT, PROTO_FD_NONE,
	    "one live session"),
	MSG0(MSG_C_END, DT, PROTO_FD_NONE, "the end of a list"),
	MSG(MSG_C_ERROR, c_error, DT, PROTO_FD_NONE,
	    "the request was refused, and why"),
	MSG(MSG_C_KILLED, c_killed, DT, PROTO_FD_NONE,
	    "how many sessions were told to end"),
	MSG(MSG_C_WATCHING, c_watching, DT, PROTO_FD_MUST,
	    "the live session's recording, read-only"),
	MSG0(MSG_C_WATCH_KEY, DT, PROTO_FD_MUST,
	    "a socket on which the keeper writes the recording's key"),
	MSG(MSG_C_WATCH_END, c_watch_end, DT, PROTO_FD_NONE,
	    "the watched session ended: its file holds all there is"),
};

const struct proto_link proto_ctl = { "control", ctl_msgs, NF(ctl_msgs) };
