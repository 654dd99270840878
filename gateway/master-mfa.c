/* master-mfa.c: the end of a login: a one-time code when the user has them, checked by the vault keeper, then the audit row that makes the login stand. */

/*
 * A user with one-time codes (jumpgate user mfa) logs in in two steps.
 * The key comes first (W_AUTH_OK): the peer moves to PEER_MFA and the
 * worker asks for a verification code (keyboard-interactive). Each answer
 * (W_MFA) goes to the vault keeper with the user's sealed codes
 * (K_MFA_CHECK), because only the keeper may open them; the keeper says
 * which TOTP step or recovery code matched (K_MFA_RESULT), and the master
 * records that use with a conditional UPDATE (store-mfa.c), so a code
 * counts once even when two logins race with it. Only then is the login
 * audited and the peer logged in.
 *
 * A wrong code is an authentication failure like a wrong key: audited
 * (auth.fail reason=mfa), counted for the source's penalty (each one),
 * and after MASTER_MFA_TRIES wrong codes the worker may send no more (a
 * further W_MFA kills it). They are counted for the user too: MFA_FAIL_MAX
 * wrong codes within MFA_FAIL_WINDOW lock the user's codes until the
 * window ends, so a stolen key used from many sources cannot guess its
 * way through (store_mfa_fail).
 */

#include <string.h>
#include <time.h>

#include "master.h"

static void
master_mfa_reply(struct peer *p, int ok, int more, const char *message)
{
	struct m_auth_ok an;

	memset(&an, 0, sizeof(an));
	an.ok = ok ? 1 : 0;
	an.mfa = more ? 1 : 0;
	snprintf(an.message, sizeof(an.message), "%s", message);
	master_peer_sent(p, m_auth_ok_send(p->conn, &an, -1));
}

/* The login stands once its audit row is written; how: "" or " mfa=...". */
int
master_login(struct master *m, struct peer *p, const char *how)
{
	char detail[512], message[256];
	int rc;

	snprintf(detail, sizeof(detail), "user=%s key=%s source=%s%s", p->user,
	    p->fp, p->source, how);
	if ((rc = master_audit_login(m, p->user, detail)) != JG_OK) {
		if (rc == JG_EBUSY)
			snprintf(message, sizeof(message), "%s: login refused, "
			    "try again in a moment", MASTER_DB_BUSY);
		else
			snprintf(message, sizeof(message), "%s: login refused",
			    MASTER_AUDIT_DOWN);
		master_log_refused(LOG_LVL_INFO, p->user, NULL, p->source, "%s",
		    message);
		master_mfa_reply(p, 0, 0, message);
		return JG_OK;
	}
	p->state = PEER_AUTHED;
	if (m->preauth > 0)
		m->preauth--;
	master_mfa_reply(p, 1, 0, "");
	log_info("%s logged in from %s with %s%s", p->user, p->source, p->fp,
	    how);
	return JG_OK;
}

/*
 * The key was right (W_AUTH_OK): log in, or ask for a code first. A user
 * without codes on a gateway with RequireMFA is refused, and told how to
 * get them.
 */
int
master_login_key(struct master *m, struct peer *p)
{
	struct store_mfa mf;
	char message[256], detail[256];
	int rc;

	if ((rc = store_mfa_get(m->store, p->user, &mf)) == JG_OK) {
		store_mfa_clear(&mf);
		p->state = PEER_MFA;
		master_mfa_reply(p, 1, 1, "");
		log_verbose("%s from %s: key accepted, a one-time code must "
		    "follow", p->user, p->source);
		return JG_OK;
	}
	if (rc != JG_ENOENT) {
		log_error("one-time codes of %s: %s", p->user,
		    store_errmsg(m->store));
		master_mfa_reply(p, 0, 0, "the gateway cannot check one-time "
		    "codes right now: login refused");
		return JG_OK;
	}
	if (!m->cfg->require_mfa)
		return master_login(m, p, "");
	p->auth_fails++;
	snprintf(detail, sizeof(detail), "user=%s source=%s reason=no-mfa",
	    p->user, p->source);
	(void)master_audit(m, "jumpgated", "auth.fail", detail);
	snprintf(message, sizeof(message), "login refused: this gateway "
	    "requires a one-time code (RequireMFA) and %s has none; an admin "
	    "enrols one with: jumpgate user mfa %s --totp", p->user, p->user);
	master_log_refused(LOG_LVL_INFO, p->user, NULL, p->source, "no "
	    "one-time code enrolled (RequireMFA)");
	master_mfa_reply(p, 0, 0, message);
	return JG_OK;
}

/* W_MFA: the answer typed at the prompt goes to the keeper. */
int
master_w_mfa(struct master *m, struct peer *p, const void *msg)
{
	const struct w_mfa *rq = msg;
	struct k_mfa_check kc;
	struct store_mfa mf;
	char detail[256];
	time_t now;
	int rc;

	if (p->mfa_fails >= MASTER_MFA_TRIES)
		return JG_EINVAL;	/* the worker keeps no such count */
	if (m->keeper == NULL || !m->unsealed) {
		master_mfa_reply(p, 0, 1, "the vault is sealed: one-time codes "
		    "cannot be checked now");
		return JG_OK;
	}
	if (store_mfa_get(m->store, p->user, &mf) != JG_OK) {
		master_mfa_reply(p, 0, 1, "the gateway cannot check one-time "
		    "codes right now");
		return JG_OK;
	}
	now = time(NULL);
	if (mf.fails >= MFA_FAIL_MAX && now - mf.fail_start < MFA_FAIL_WINDOW) {
		store_mfa_clear(&mf);
		p->auth_fails++;
		snprintf(detail, sizeof(detail), "user=%s source=%s "
		    "reason=mfa-locked", p->user, p->source);
		(void)master_audit(m, "jumpgated", "auth.fail", detail);
		master_log_refused(LOG_LVL_INFO, p->user, NULL, p->source,
		    "one-time codes locked");
		master_mfa_reply(p, 0, 0, "login refused: too many wrong codes; "
		    "your one-time codes are locked for up to an hour (an admin "
		    "can enrol new ones)");
		return JG_OK;
	}
	memset(&kc, 0, sizeof(kc));
	kc.conn = p->conn_id;
	snprintf(kc.user, sizeof(kc.user), "%s", p->user);
	kc.version = p->mfa_version = mf.version;
	kc.sealed.p = mf.sealed;
	kc.sealed.len = mf.sealed_len;
	snprintf(kc.answer, sizeof(kc.answer), "%s", rq->answer);
	kc.last_step = mf.last_step;
	kc.recovery_used = mf.recovery_used;
	rc = k_mfa_check_send(m->keeper, &kc, -1);
	master_keeper_sent(m, rc);
	explicit_bzero(kc.answer, sizeof(kc.answer));
	store_mfa_clear(&mf);
	if (rc != JG_OK) {		/* no result will come */
		master_mfa_reply(p, 0, 1, "the gateway cannot check one-time "
		    "codes right now");
		return JG_OK;
	}
	p->state = PEER_MFA_CHECK;	/* W_MFA is refused until the result */
	return JG_OK;
}

/* K_MFA_RESULT: record the code's use and log in, or count a failure. */
void
master_k_mfa_result(struct master *m, const void *msg)
{
	const struct k_mfa_result *kr = msg;
	const char *reason = "mfa";
	struct peer *p;
	char how[64], detail[256], owner[JG_NAME_MAX + 1];
	time_t until = 0;
	int rc;

	for (p = m->peers; p != NULL; p = p->next)
		if (p->conn_id == kr->conn)
			break;
	if (p == NULL || p->dead || p->state != PEER_MFA_CHECK)
		return;		/* gone meanwhile */
	p->state = PEER_MFA;
	if (kr->sealed) {
		master_mfa_reply(p, 0, 1, "the vault is sealed: one-time codes "
		    "cannot be checked now");
		return;
	}
	/* The key was checked before the prompt: the user may have been
	   disabled, or the key removed, while it was answered. */
	if ((rc = store_key_owner(m->store, p->fp, owner, sizeof(owner))) !=
	    JG_OK || strcmp(owner, p->user) != 0) {
		snprintf(detail, sizeof(detail), "user=%s source=%s reason=%s",
		    p->user, p->source, rc == JG_EDISABLED ? "disabled" :
		    "key-removed");
		(void)master_audit(m, "jumpgated", "auth.fail", detail);
		master_mfa_reply(p, 0, 0, rc == JG_EBUSY ? "the gateway cannot "
		    "log you in right now" : "login refused: your access was "
		    "removed");
		return;
	}
	if (kr->kind == MFA_TOTP || kr->kind == MFA_RECOVERY) {
		rc = store_mfa_use(m->store, p->user, (int)kr->kind, kr->step,
		    kr->index, p->mfa_version);
		if (rc == JG_OK) {
			if (kr->kind == MFA_TOTP)
				snprintf(how, sizeof(how), " mfa=totp");
			else
				snprintf(how, sizeof(how), " mfa=recovery-%u",
				    (unsigned int)kr->index + 1);
			p->mfa = 1;
			(void)master_login(m, p, how);
			return;
		}
		if (rc != JG_EEXIST) {
			log_error("one-time code of %s: %s", p->user,
			    store_errmsg(m->store));
			master_mfa_reply(p, 0, 0, "the gateway cannot record "
			    "the code's use: login refused");
			return;
		}
		reason = "mfa-replay";
	} else if (kr->replay)
		reason = "mfa-replay";
	p->auth_fails++;
	p->mfa_fails++;
	/* each wrong code counts for the source, and for the user's codes
	   (a stolen key used from many sources) */
	master_penalty_fail(m, p->addr, 0);
	if (store_mfa_fail(m->store, p->user, time(NULL), &until) != JG_OK)
		log_error("one-time codes of %s: %s", p->user,
		    store_errmsg(m->store));
	snprintf(detail, sizeof(detail), "user=%s source=%s reason=%s%s",
	    p->user, p->source, reason, until != 0 ? " locked=yes" : "");
	(void)master_audit(m, "jumpgated", "auth.fail", detail);
	master_log_refused(LOG_LVL_INFO, p->user, NULL, p->source,
	    "authentication failed: %s", reason);
	master_mfa_reply(p, 0, p->mfa_fails < MASTER_MFA_TRIES && until == 0,
	    strcmp(reason, "mfa") == 0 ? "wrong verification code" :
	    "that verification code was used already");
}

/* The keeper is gone with the codes it was checking: those answers failed. */
void
master_mfa_abandon(struct master *m)
{
	struct peer *p;

	for (p = m->peers; p != NULL; p = p->next)
		if (!p->dead && p->state == PEER_MFA_CHECK) {
			p->state = PEER_MFA;
			master_mfa_reply(p, 0, 1, "the gateway cannot check "
			    "one-time codes right now");
		}
}
