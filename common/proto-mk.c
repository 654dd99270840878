/* proto-mk.c: the link between the master and the vault keeper: every message's fields. */

/*
 * The keeper parses nothing from the network: only these few messages
 * from the master, which it trusts, so a message it cannot decode is a
 * bug and ends it (and the master stops when the keeper does). Secrets
 * cross here sealed, except the unseal passphrase, which the keeper wipes
 * from its buffer as soon as it is used.
 */

#include "proto.h"
#include "proto-int.h"

#define MK "master > keeper"
#define KM "keeper > master"
#define SEALED_MAX (64 * 1024)

static const struct proto_field k_meta_f[] = {
	F_CSTR(k_meta, mode), F_FIXED(k_meta, salt), F_U64(k_meta, opslimit),
	F_U64(k_meta, memlimit), F_FIXED(k_meta, check) };
static const struct proto_field k_unseal_f[] = {
	F_BYTES(k_unseal, passphrase, VAULT_PASS_MAX) };
static const struct proto_field k_register_f[] = {
	F_U64(k_register, conn), F_CSTR(k_register, target),
	F_CSTR(k_register, kind), F_U32(k_register, version),
	F_BYTES(k_register, sealed, SEALED_MAX) };
static const struct proto_field k_unregister_f[] = {
	F_U64(k_unregister, conn) };
static const struct proto_field k_reckey_open_f[] = {
	F_U64(k_reckey_open, session),
	F_BYTES(k_reckey_open, sealed, SEALED_MAX) };
static const struct proto_field k_mfa_check_f[] = {
	F_U64(k_mfa_check, conn), F_CSTR(k_mfa_check, user),
	F_U32(k_mfa_check, version),
	F_BYTES(k_mfa_check, sealed, SEALED_MAX),
	F_CSTR(k_mfa_check, answer), F_U64(k_mfa_check, last_step),
	F_U32(k_mfa_check, recovery_used) };
static const struct proto_field k_mfa_result_f[] = {
	F_U64(k_mfa_result, conn), F_U32(k_mfa_result, kind),
	F_U64(k_mfa_result, step), F_U32(k_mfa_result, index),
	F_U32(k_mfa_result, sealed), F_U32(k_mfa_result, replay) };
static const struct proto_field k_status_f[] = {
	F_U32(k_status, unsealed), F_CSTR(k_status, message) };
static const struct proto_field k_registered_f[] = {
	F_U64(k_registered, conn), F_U32(k_registered, ok),
	F_CSTR(k_registered, message) };
static const struct proto_field k_reckey_f[] = {
	F_U64(k_reckey, conn), F_U64(k_reckey, session),
	F_BYTES(k_reckey, sealed, SEALED_MAX) };

static const struct proto_msg mk_msgs[] = {
	MSG(MSG_K_META, k_meta, MK, PROTO_FD_NONE,
	    "the vault's mode, Argon2id salt and limits, key check value"),
	MSG(MSG_K_UNSEAL, k_unseal, MK, PROTO_FD_NONE,
	    "the passphrase from jumpgate unseal (K_STATUS)"),
	MSG(MSG_K_REGISTER, k_register, MK, PROTO_FD_MUST,
	    "a connection's sealed credential for its target, and the "
	    "keeper's end of its socket (K_REGISTERED)"),
	MSG(MSG_K_UNREGISTER, k_unregister, MK, PROTO_FD_NONE,
	    "the connection is gone: wipe its credential"),
	MSG(MSG_K_RECKEY_OPEN, k_reckey_open, MK, PROTO_FD_MUST,
	    "write this sealed recording key, opened, into this socket "
	    "(an auditor's replay)"),
	MSG(MSG_K_MFA_CHECK, k_mfa_check, MK, PROTO_FD_NONE,
	    "a user's sealed one-time codes and the answer typed at login "
	    "(K_MFA_RESULT)"),
	MSG(MSG_K_STATUS, k_status, KM, PROTO_FD_NONE,
	    "sealed or unsealed, and why"),
	MSG(MSG_K_REGISTERED, k_registered, KM, PROTO_FD_NONE,
	    "a registration taken or refused"),
	MSG(MSG_K_RECKEY, k_reckey, KM, PROTO_FD_NONE,
	    "a new recording key, sealed, for the session's row"),
	MSG(MSG_K_MFA_RESULT, k_mfa_result, KM, PROTO_FD_NONE,
	    "the code matched (which step or recovery code) or not"),
};

const struct proto_link proto_mk = { "master-keeper", mk_msgs, NF(mk_msgs) };
