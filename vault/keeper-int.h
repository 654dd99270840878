/* keeper-int.h: what keeper.c (the process) and keeper-agent.c (the credentials and the agent protocol) share. */
#ifndef KEEPER_INT_H
#define KEEPER_INT_H

/*
 * Nothing here is used outside the keeper: the rest of jumpgate sees only
 * the prototypes in jumpgate.h.
 */

/* The largest ssh-agent frame either side accepts (length field excluded). */
#define KEEPER_AGENT_MAX (256 * 1024)
/* The largest password a registration may hold: it must fit one frame. */
#define KEEPER_PASSWORD_MAX (64 * 1024)

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
	int given;			/* password: already handed out */
};

int keeper_cred_load(struct keeper_cred *, const char *kind,
	    unsigned char *pt, size_t ptlen, char *why, size_t whylen);
void keeper_cred_clear(struct keeper_cred *);
int keeper_agent_answer(struct keeper_cred *, uint8_t type, struct buf *body,
	    struct buf *out);

#endif /* KEEPER_INT_H */
