/* cmd-review.c: `jumpgate review ...`: access review campaigns: start, list, show, decide (as a reviewer), close. */

/*
 * The campaign logic is the store's (common/store-review.c); this file
 * reads options and prints. Reviewers decide through the gateway
 * (`ssh USER@gw review ITEM keep|revoke`) or here with `--as USER`, the
 * same check either way: the store looks at USER's roles in the decision's
 * own transaction, and refuses a campaign past its due time. Listing and
 * showing first close the campaigns that are due, as the daemon does every
 * ten seconds, so what is shown is what holds.
 */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define REVIEW_USAGE "jumpgate review start [--role ROLE]... " \
	"[--reviewer-role ROLE] [--due DUR] [--default keep|revoke] " \
	"| review list [--json] | review show ID [--json] " \
	"| review decide ITEM keep|revoke --as USER [--comment TEXT] " \
	"| review close ID"
#define REVIEW_DEFAULT_DUE (14L * 86400)
#define REVIEW_DEFAULT_REVIEWERS "auditor"

static int
review_sweep(struct cli *c)
{
	int rc, n;

	if ((rc = store_reviews_due(c->store, &c->actor, &n)) != JG_OK)
		return cli_store_fail(c, rc, "closing the reviews that are due");
	return JG_EXIT_OK;
}

static int
review_start(struct cli *c, int argc, char **argv)
{
	const char *roles[REVIEW_ROLES_MAX], *reviewers = REVIEW_DEFAULT_REVIEWERS;
	const char *due = NULL, *def = "keep", *v;
	char when[32], shown[32];
	long secs = REVIEW_DEFAULT_DUE;
	long long id;
	size_t nroles = 0, nitems, i;
	int bad = 0, rc;

	for (i = 2; i < (size_t)argc; i++) {
		int k = (int)i;

		if ((v = cli_opt(argc, argv, &k, "--role", &bad)) != NULL) {
			if (nroles == REVIEW_ROLES_MAX)
				return cli_usage_error(REVIEW_USAGE, "at most %d "
				    "--role", REVIEW_ROLES_MAX);
			roles[nroles++] = v;
		} else if ((v = cli_opt(argc, argv, &k, "--reviewer-role",
		    &bad)) != NULL)
			reviewers = v;
		else if ((v = cli_opt(argc, argv, &k, "--due", &bad)) != NULL)
			due = v;
		else if ((v = cli_opt(argc, argv, &k, "--default", &bad)) !=
		    NULL)
			def = v;
		else if (bad)
			return cli_usage_error(REVIEW_USAGE, "%s needs a value",
			    argv[i]);
		else
			return cli_usage_error(REVIEW_USAGE, "unexpected "
			    "argument '%s'", argv[i]);
		i = (size_t)k;
	}
	for (i = 0; i < nroles; i++)
		if (!name_valid(roles[i])) {
			cli_error("invalid --role: '%s'", roles[i]);
			return JG_EXIT_FAIL;
		}
	if (!name_valid(reviewers)) {
		cli_error("invalid --reviewer-role: '%s'", reviewers);
		return JG_EXIT_FAIL;
	}
	if (strcmp(def, "keep") != 0 && strcmp(def, "revoke") != 0) {
		cli_error("invalid --default: '%s' (keep or revoke)", def);
		return JG_EXIT_FAIL;
	}
	if (due != NULL && (duration_parse(due, &secs) != JG_OK || secs <= 0 ||
	    secs > 3660L * 86400)) {
		cli_error("invalid --due: '%s' (a duration such as 14d, 2h, 90s; "
		    "at most 3660d)", due);
		return JG_EXIT_FAIL;
	}
	time_iso_utc(time(NULL) + secs, when, sizeof(when));
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_review_start(c->store, &c->actor, roles, nroles,
	    reviewers, when, strcmp(def, "keep") == 0 ? REVIEW_KEEP :
	    REVIEW_REVOKE, &id, &nitems)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	time_local_iso(when, shown, sizeof(shown));
	printf("review %lld: %zu item%s for role %s to decide by %s "
	    "(undecided then: %s)\n", id, nitems, nitems == 1 ? "" : "s",
	    reviewers, shown, def);
	return JG_EXIT_OK;
}

static void
review_json(struct json *j, const void *elem)
{
	const struct store_review *r = elem;

	json_key_int(j, "id", r->id);
	json_key_str(j, "state", r->state);
	json_key_str(j, "created", r->created);
	json_key_str(j, "created_by", r->created_by);
	json_key_str(j, "reviewer_role", r->reviewer_role);
	json_key_str(j, "roles", r->roles[0] ? r->roles : NULL);
	json_key_str(j, "due", r->due);
	json_key_str(j, "default", review_decision_name(r->def));
	json_key_int(j, "items", r->items);
	json_key_int(j, "decided", r->decided);
	json_key_int(j, "revoke", r->revoke);
	json_key_str(j, "closed", r->closed[0] ? r->closed : NULL);
	json_key_str(j, "closed_by", r->closed_by[0] ? r->closed_by : NULL);
}

static void
review_item_json(struct json *j, const void *elem)
{
	const struct store_review_item *it = elem;

	json_key_int(j, "item", it->id);
	json_key_int(j, "review", it->review_id);
	json_key_str(j, "user", it->user);
	json_key_str(j, "role", it->role);
	json_key_str(j, "access", it->access);
	json_key_str(j, "last_used", it->last_used[0] ? it->last_used : NULL);
	json_key_str(j, "decision", it->decision ?
	    review_decision_name(it->decision) : NULL);
	json_key_bool(j, "by_default", it->by_default);
	json_key_str(j, "decided_by", it->decided_by[0] ? it->decided_by :
	    NULL);
	json_key_str(j, "comment", it->comment[0] ? it->comment : NULL);
	json_key_str(j, "applied", it->applied[0] ? it->applied : NULL);
}

static int
review_list(struct cli *c, int json)
{
	struct store_review *v = NULL;
	char due[32];
	size_t n = 0, i;
	int rc;

	if (cli_store_open(c) != JG_EXIT_OK || review_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_review_list(c->store, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json)
		json_list(stdout, v, n, sizeof(*v), review_json);
	else {
		printf("%-5s %-7s %-19s %-16s %5s %7s %6s  %s\n", "ID",
		    "STATE", "DUE", "REVIEWERS", "ITEMS", "DECIDED", "REVOKE",
		    "DEFAULT");
		for (i = 0; i < n; i++) {
			time_local_iso(v[i].due, due, sizeof(due));
			printf("%-5lld %-7s %-19s %-16s %5d %7d %6d  %s\n",
			    v[i].id, v[i].state, due, v[i].reviewer_role,
			    v[i].items, v[i].decided, v[i].revoke,
			    review_decision_name(v[i].def));
		}
	}
	free(v);
	return JG_EXIT_OK;
}

/* The item table: the same rows as the gateway's `reviews` (listing.c). */
static void
review_items_print(const struct store_review_item *v, size_t n)
{
	char line[1024];
	size_t i;

	listing_review_items_head(line, sizeof(line));
	fputs(line, stdout);
	for (i = 0; i < n; i++) {
		listing_review_items_row(&v[i], line, sizeof(line));
		fputs(line, stdout);
	}
}

static int
review_show(struct cli *c, const char *arg, int json)
{
	struct store_review r;
	struct store_review_item *v = NULL;
	struct json *j;
	char due[32];
	long long id;
	size_t n = 0, i;
	int rc;

	if (id_parse(arg, &id) != JG_OK) {
		cli_error("invalid review ID: '%s'", arg);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK || review_sweep(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_review_get(c->store, id, &r)) != JG_OK ||
	    (rc = store_review_items(c->store, id, NULL, &v, &n)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	if (json) {
		j = json_new(stdout);
		json_object_begin(j);
		review_json(j, &r);
		json_key(j, "item_list");
		json_array_begin(j);
		for (i = 0; i < n; i++) {
			json_object_begin(j);
			review_item_json(j, &v[i]);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
		json_free(j);
	} else {
		time_local_iso(r.due, due, sizeof(due));
		printf("review %lld (%s): role %s decides %d item%s by %s, "
		    "%d decided, %d to revoke; undecided: %s\n", r.id, r.state,
		    r.reviewer_role, r.items, r.items == 1 ? "" : "s", due,
		    r.decided, r.revoke, review_decision_name(r.def));
		review_items_print(v, n);
	}
	free(v);
	return JG_EXIT_OK;
}

static int
review_decide(struct cli *c, int argc, char **argv)
{
	struct store_actor a;
	struct store_review_item after;
	const char *as = NULL, *comment = "", *v, *pos[2] = { NULL, NULL };
	long long item;
	int i, bad = 0, npos = 0, rc, d;

	for (i = 2; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--as", &bad)) != NULL)
			as = v;
		else if ((v = cli_opt(argc, argv, &i, "--comment", &bad)) !=
		    NULL)
			comment = v;
		else if (bad || (argv[i][0] == '-' && argv[i][1] == '-'))
			return cli_usage_error(REVIEW_USAGE, bad ? "%s needs a "
			    "value" : "unknown option %s", argv[i]);
		else if (npos < 2)
			pos[npos++] = argv[i];
		else
			return cli_usage_error(REVIEW_USAGE, "unexpected "
			    "argument '%s'", argv[i]);
	}
	if (npos != 2 || as == NULL)
		return cli_usage_error(REVIEW_USAGE, "review decide needs ITEM, "
		    "keep or revoke, and --as USER");
	d = strcmp(pos[1], "keep") == 0 ? REVIEW_KEEP :
	    strcmp(pos[1], "revoke") == 0 ? REVIEW_REVOKE : 0;
	if (d == 0) {
		cli_error("invalid decision: '%s' (keep or revoke)", pos[1]);
		return JG_EXIT_FAIL;
	}
	if (id_parse(pos[0], &item) != JG_OK) {
		cli_error("invalid review item: '%s'", pos[0]);
		return JG_EXIT_FAIL;
	}
	if (!name_valid(as)) {
		cli_error("invalid --as: '%s'", as);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	a = c->actor;
	if ((rc = store_review_decide(c->store, &a, item, as, d, comment,
	    &after)) != JG_OK)
		return cli_store_fail(c, rc, NULL);
	printf("item %lld: %s %s's role %s (review %lld)%s\n", item,
	    pos[1], after.user, after.role, after.review_id,
	    d == REVIEW_REVOKE ? ": taken when the review closes" : "");
	return JG_EXIT_OK;
}

static int
review_close(struct cli *c, const char *arg)
{
	long long id;
	int rc, nr, nk;

	if (id_parse(arg, &id) != JG_OK) {
		cli_error("invalid review ID: '%s'", arg);
		return JG_EXIT_FAIL;
	}
	if (cli_store_open(c) != JG_EXIT_OK)
		return JG_EXIT_FAIL;
	if ((rc = store_review_close(c->store, &c->actor, id, &nr, &nk)) !=
	    JG_OK)
		return cli_store_fail(c, rc, NULL);
	printf("closed review %lld: %d role%s revoked, %d kept\n", id, nr,
	    nr == 1 ? "" : "s", nk);
	return JG_EXIT_OK;
}

int
cmd_review(struct cli *c, int argc, char **argv)
{
	int json;

	if (argc < 2)
		return cli_usage_error(REVIEW_USAGE, "review needs a "
		    "subcommand");
	json = argc > 2 && strcmp(argv[argc - 1], "--json") == 0;
	if (strcmp(argv[1], "start") == 0)
		return review_start(c, argc, argv);
	if (strcmp(argv[1], "decide") == 0)
		return review_decide(c, argc, argv);
	if (strcmp(argv[1], "list") == 0) {
		if (argc != 2 + json)
			return cli_usage_error(REVIEW_USAGE, "review list takes "
			    "only --json");
		return review_list(c, json);
	}
	if (strcmp(argv[1], "show") == 0) {
		if (argc != 3 + json)
			return cli_usage_error(REVIEW_USAGE, "review show needs "
			    "an ID (and --json)");
		return review_show(c, argv[2], json);
	}
	if (strcmp(argv[1], "close") == 0) {
		if (argc != 3)
			return cli_usage_error(REVIEW_USAGE, "review close needs "
			    "an ID");
		return review_close(c, argv[2]);
	}
	return cli_usage_error(REVIEW_USAGE, "unknown review command '%s'",
	    argv[1]);
}
