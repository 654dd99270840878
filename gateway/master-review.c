/* master-review.c: access reviews through the gateway (`reviews`, `review ITEM keep|revoke`) and their closing at the due time. */

/*
 * The rules are the store's (common/store-review.c): who may decide an
 * item is checked in the decision's own transaction. Here a reviewer's
 * listing is bounded and audited, and every ten seconds the campaigns
 * whose due time has come are closed as jumpgated; a closing that took
 * roles makes the next look at the database (master.c) re-check every
 * connection, which ends the live sessions that no rule or grant allows
 * any more.
 */

#include <stdlib.h>
#include <string.h>

#include "master.h"

#define MASTER_REVIEW_SHOWN 500		/* items one listing shows */
#define MASTER_REVIEW_EVERY 10		/* seconds between looks */

/* W_REVIEWS: the open items this user may decide, as the tool shows them. */
int
master_w_reviews(struct master *m, struct peer *p, const void *msg)
{
	struct store_review_item *v = NULL;
	struct buf *t;
	char line[1024];
	size_t n = 0, i;
	int rc;

	(void)msg;
	if (master_audit(m, p->user, "reviews.list", "through the gateway") !=
	    JG_OK) {
		snprintf(line, sizeof(line), "%s: listing refused",
		    MASTER_AUDIT_DOWN);
		return master_text_reply(p, 0, line, strlen(line));
	}
	if (store_review_items(m->store, 0, p->user, &v, &n) != JG_OK) {
		log_error("reviews for %s: %s", p->user,
		    store_errmsg(m->store));
		snprintf(line, sizeof(line), "cannot list reviews right now");
		return master_text_reply(p, 0, line, strlen(line));
	}
	t = buf_new(MSG_MAX - 64);
	if (n == 0)
		snprintf(line, sizeof(line), "no access review item for you to "
		    "decide\n");
	else
		listing_review_items_head(line, sizeof(line));
	rc = buf_put(t, line, strlen(line));
	for (i = 0; rc == JG_OK && i < n && i < MASTER_REVIEW_SHOWN; i++) {
		listing_review_items_row(&v[i], line, sizeof(line));
		rc = buf_put(t, line, strlen(line));
	}
	if (rc == JG_OK && n > MASTER_REVIEW_SHOWN) {
		snprintf(line, sizeof(line), "(%zu more: decide these first)\n",
		    n - MASTER_REVIEW_SHOWN);
		rc = buf_put(t, line, strlen(line));
	}
	free(v);
	rc = master_text_reply(p, 1, (const char *)buf_ptr(t), buf_len(t));
	buf_free(t);
	return rc;
}

/* W_REVIEW: review ITEM keep|revoke [--comment TEXT]. */
int
master_w_review(struct master *m, struct peer *p, const void *msg)
{
	const struct w_review *rq = msg;
	struct store_actor a = { p->user, -1 };
	struct store_review_item it;
	char out[512];
	int rc;

	if ((rq->decision != REVIEW_KEEP && rq->decision != REVIEW_REVOKE) ||
	    rq->item == 0 || rq->item > ID_MAX || str_has_control(rq->comment))
		return JG_EINVAL;	/* the worker checked all of it */
	/* ApproverMFA: taking roles away is a decision like an approval */
	if (m->cfg->approver_mfa && !p->mfa) {
		snprintf(out, sizeof(out), "deciding review items needs a login "
		    "with a one-time code (ApproverMFA): log in again with "
		    "one\n");
		return master_text_reply(p, 0, out, strlen(out));
	}
	memset(&it, 0, sizeof(it));
	rc = store_review_decide(m->store, &a, (long long)rq->item, p->user,
	    (int)rq->decision, rq->comment, &it);
	if (rc != JG_OK)
		snprintf(out, sizeof(out), "%s\n", store_errmsg(m->store));
	else
		snprintf(out, sizeof(out), "item %llu: %s %s's role %s (review "
		    "%lld)%s\n", (unsigned long long)rq->item,
		    review_decision_name((int)rq->decision), it.user, it.role,
		    it.review_id, rq->decision == REVIEW_REVOKE ? ": taken "
		    "when the review closes" : "");
	return master_text_reply(p, rc == JG_OK, out, strlen(out));
}

/* From the tick: close the campaigns that are due. */
void
master_reviews_due(struct master *m)
{
	int n;

	if (clock_sec() < m->next_review)
		return;
	m->next_review = clock_sec() + MASTER_REVIEW_EVERY;
	if (store_reviews_due(m->store, NULL, &n) != JG_OK) {
		log_error("closing access reviews that are due: %s",
		    store_errmsg(m->store));
		return;
	}
	if (n > 0) {
		log_info("closed %d access review%s at their due time", n,
		    n == 1 ? "" : "s");
		/* Our own commit does not move PRAGMA data_version: make the
		   next look re-check every connection (roles were taken). */
		m->data_version = -1;
	}
}
