/* keeper-int.h: what the vault keeper's files share: keeper.c (the process and its master), keeper-reg.c (the workers' sockets), keeper-cred.c (the credentials). */
#ifndef KEEPER_INT_H
#define KEEPER_INT_H

/*
 * Nothing here is used outside the keeper: the rest of jumpgate sees only
 * keeper_start and keeper_log_options (jumpgate.h) and the messages
 * (proto.h).
 */

#include <event2/event.h>

#include "jumpgate.h"
#include "proto.h"

/* The largest password a registration may hold: it must fit one frame. */
#define KEEPER_PASSWORD_MAX AGENT_PASSWORD_MAX
/* Registrations alive at once; each costs a descriptor and a few KiB. */
#define KEEPER_REG_MAX 65536

enum keeper_kind {
	KEEPER_KIND_PASSWORD = 1,
	KEEPER_KIND_KEY = 2
};

/* One registered credential: the secret part of a registration. */
struct keeper_cred {
	uint64_t conn;			/* the master's id for the connection */
	char target[JG_NAME_MAX + 1];
	enum keeper_kind kind;
	unsigned char *blob;		/* key: public key blob (not secret) */
	size_t bloblen;
	/*
	 * sodium_malloc memory, PROT_NONE except while it is used: the
	 * password, or the 64-byte Ed25519 secret (seed || public key).
	 * NULL once a password has been handed out.
	 */
	unsigned char *secret;
	size_t secretlen;
	int given;			/* handed out or signed with, once */
};

struct keeper;

/* One worker connection's registration socket (keeper-reg.c). */
struct keeper_reg {
	struct keeper *k;
	struct keeper_reg *next;
	struct keeper_cred cred;
	int fd;
	struct event *rev;		/* persistent read, while below high */
	struct event *wev;		/* one-shot, while answers are unsent */
	int reading;
	struct buf *in;			/* requests not yet answered */
	struct buf *out;		/* answers not yet sent */
};

struct keeper {
	struct event_base *base;
	struct msgconn *m;		/* the master */
	struct event *mrev;
	struct event *mwev;
	struct buf *msg;		/* payload of the message in hand */
	struct buf *body;		/* body of the agent request in hand */
	char key_file[JG_PATH_MAX];	/* empty: passphrase mode */
	struct vault_key *key;		/* NULL while sealed */
	char load_err[JG_ERRLEN];
	struct store_vault_meta meta;	/* present once K_META came */
	struct keeper_reg *regs;
	size_t nregs;
	size_t reg_max;			/* what RLIMIT_NOFILE allows */
};

/* keeper.c */
void keeper_fatal(struct keeper *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void keeper_master_flush(struct keeper *);

/* keeper-reg.c */
int keeper_reg_add(struct keeper *, uint64_t conn, const char *target,
	    const char *kind, unsigned char *pt, size_t ptlen, int fd,
	    char *why, size_t whylen);
struct keeper_reg *keeper_reg_find(struct keeper *, uint64_t conn);
void keeper_reg_free(struct keeper_reg *);

/* keeper-cred.c */
int keeper_cred_load(struct keeper_cred *, const char *kind,
	    unsigned char *pt, size_t ptlen, char *why, size_t whylen);
void keeper_cred_clear(struct keeper_cred *);
void keeper_secret_free(unsigned char *);

#endif /* KEEPER_INT_H */
