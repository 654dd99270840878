/* command-review.c: access reviews in command mode: `reviews` and `review ITEM keep|revoke [--comment TEXT]`. */

/*
 * Only the words are read here: whether the user may decide an item is the
 * store's question, asked by the master (master-review.c) in the decision's
 * own transaction.
 */

#include <stdlib.h>
#include <string.h>

#include "worker.h"

static void
command_reviews(struct chan *c)
{
	command_text_call(c, proto_send(&proto_wm, c->w->master,
	    MSG_W_REVIEWS, NULL, 0, -1), "cannot list reviews right now");
}

static void
command_review(struct chan *c, int argc, char **argv)
{
	static const char *const allowed[] = { "comment", NULL };
	char vals[1][STORE_REASON_MAX + 2], bad[48];
	struct w_review rq;
	long long item;
	int pos[4];

	if (command_opts(argc, argv, 1, allowed, vals, pos, bad,
	    sizeof(bad)) != JG_OK || pos[0] == -1 || pos[1] == -1 ||
	    pos[2] != -1) {
		command_usage(c, "usage: review ITEM keep|revoke [--comment "
		    "TEXT]");
		return;
	}
	memset(&rq, 0, sizeof(rq));
	if (strcmp(argv[pos[1]], "keep") == 0)
		rq.decision = REVIEW_KEEP;
	else if (strcmp(argv[pos[1]], "revoke") == 0)
		rq.decision = REVIEW_REVOKE;
	else {
		command_usage(c, "review: decide keep or revoke");
		return;
	}
	if (id_parse(argv[pos[0]], &item) != JG_OK) {
		command_usage(c, "review: an ITEM is a number from 1 to 2^53");
		return;
	}
	if (str_has_control(command_val(vals[0]))) {
		command_usage(c, "review: the comment holds control characters");
		return;
	}
	rq.item = (uint64_t)item;
	snprintf(rq.comment, sizeof(rq.comment), "%s", command_val(vals[0]));
	command_text_call(c, w_review_send(c->w->master, &rq, -1),
	    "cannot decide right now");
}

/* The review commands; 0 when name is not one of them. */
int
command_reviews_cmd(struct chan *c, int argc, char **argv)
{
	if (strcmp(argv[0], "reviews") == 0 && argc == 1)
		command_reviews(c);
	else if (strcmp(argv[0], "review") == 0)
		command_review(c, argc, argv);
	else
		return 0;
	return 1;
}
