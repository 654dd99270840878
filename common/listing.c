/* listing.c: the rows of the listings people read both on the host (jumpgate) and through the gateway: sessions, access requests, review items. */

/*
 * One layout per listing, so `jumpgate sessions` and `ssh carol@gw
 * sessions`, `jumpgate requests` and `ssh bob@gw requests` show the same
 * columns; times are local, durations as DUR, long reasons cut to their
 * column with "...". JSON listings are the tool's own (cli/).
 */

#include <string.h>
#include <time.h>

#include "jumpgate.h"

#define LISTING_REASON_COLS 40

static void listing_age_text(long, char *, size_t);

void
listing_sessions_head(char *out, size_t len)
{
	snprintf(out, len, "%5s %-12s %-12s %-19s %-19s %-11s %5s %10s %10s  "
	    "%s\n", "ID", "USER", "TARGET", "STARTED", "ENDED", "STATE", "EXIT",
	    "IN", "OUT", "COMMAND");
}

void
listing_sessions_row(const struct store_session *s, char *out, size_t len)
{
	char started[32], ended[32], status[16];

	time_local_iso(s->started, started, sizeof(started));
	time_local_iso(s->ended, ended, sizeof(ended));
	if (strcmp(s->state, "live") == 0) {	/* no end yet: how idle */
		char idle[16];

		listing_age_text(listing_idle(s), idle, sizeof(idle));
		snprintf(ended, sizeof(ended), "idle %s", idle);
	}
	if (s->exit_status < 0)
		snprintf(status, sizeof(status), "-");
	else
		snprintf(status, sizeof(status), "%d", s->exit_status);
	snprintf(out, len, "%5lld %-12s %-12s %-19s %-19s %-11s %5s %10lld "
	    "%10lld  %s%s%s\n", s->id, s->user, s->target, started, ended,
	    s->state, status, s->bytes_in, s->bytes_out, s->kind,
	    s->detail[0] ? " " : "", s->detail);
}

/* Seconds a live session has moved no data (since it started, if never). */
long
listing_idle(const struct store_session *s)
{
	return listing_age(s->active[0] != '\0' ? s->active : s->started);
}

/* Seconds since a request was filed (0 if it is in the future). */
long
listing_age(const char *created)
{
	time_t t, now = time(NULL);

	if (time_parse_iso_utc(created, &t) != JG_OK || t > now)
		return 0;
	return (long)(now - t);
}

static void
listing_age_text(long age, char *out, size_t len)
{
	if (age < 60)
		snprintf(out, len, "%lds", age);
	else if (age < 3600)
		snprintf(out, len, "%ldm", age / 60);
	else if (age < 86400)
		snprintf(out, len, "%ldh%02ldm", age / 3600, age % 3600 / 60);
	else
		snprintf(out, len, "%ldd%02ldh", age / 86400,
		    age % 86400 / 3600);
}

void
listing_requests_head(char *out, size_t len)
{
	snprintf(out, len, "%5s %-12s %-12s %-*s %8s %-9s %9s %6s  %s\n",
	    "ID", "USER", "TARGET", LISTING_REASON_COLS, "REASON", "DURATION",
	    "STATE", "APPROVALS", "AGE", "CREATED");
}

void
listing_requests_row(const struct store_request *r, char *out, size_t len)
{
	char dur[32], age[32], created[32], appr[32], starts[64];
	char reason[LISTING_REASON_COLS + 1];

	if (strlen(r->reason) > LISTING_REASON_COLS)
		snprintf(reason, sizeof(reason), "%.*s...",
		    LISTING_REASON_COLS - 3, r->reason);
	else
		snprintf(reason, sizeof(reason), "%s", r->reason);
	duration_format(r->duration, dur, sizeof(dur));
	listing_age_text(listing_age(r->created), age, sizeof(age));
	time_local_iso(r->created, created, sizeof(created));
	snprintf(appr, sizeof(appr), "%d/%d", r->approvals,
	    r->approvals_needed);
	/* A scheduled window says when it opens, after the columns. */
	starts[0] = '\0';
	if (r->extends != 0)
		snprintf(starts, sizeof(starts), "  extends grant %lld",
		    r->extends);
	else if (r->starts[0] != '\0') {
		snprintf(starts, sizeof(starts), "  starts ");
		time_local_iso(r->starts, starts + strlen(starts),
		    sizeof(starts) - strlen(starts));
	}
	snprintf(out, len, "%5lld %-12s %-12s %-*s %8s %-9s %9s %6s  %s%s\n",
	    r->id, r->user, r->target, LISTING_REASON_COLS, reason, dur,
	    r->state, appr, age, created, starts);
}

/* The command index (store-command.c): where a line is in its session. */
static void
listing_offset(long long ms, char *out, size_t len)
{
	long long t = ms < 0 ? 0 : ms / 1000;

	snprintf(out, len, "%02lld:%02lld:%02lld", t / 3600, t / 60 % 60,
	    t % 60);
}

void
listing_commands_head(int search, char *out, size_t len)
{
	if (search)
		snprintf(out, len, "SESSION     N AT       USER         TARGET "
		    "      STARTED             COMMAND\n");
	else
		snprintf(out, len, "    N AT       COMMAND\n");
}

/* One line; search: with its session, user, target and start. */
void
listing_commands_row(const struct store_command *e, int search, char *out,
    size_t len)
{
	char at[32], started[32];

	listing_offset(e->t_ms, at, sizeof(at));
	if (!search) {
		snprintf(out, len, "%5u %-8s %s\n", e->seq, at, e->line);
		return;
	}
	time_local_iso(e->started, started, sizeof(started));
	snprintf(out, len, "%7lld %5u %-8s %-12s %-12s %-19s %s\n",
	    e->session_id, e->seq, at, e->user, e->target, started, e->line);
}

/* Access review items: `jumpgate review show` and `ssh USER@gw reviews`. */
void
listing_review_items_head(char *out, size_t len)
{
	snprintf(out, len, "%-5s %-6s %-16s %-16s %-19s %-8s %-12s %s\n",
	    "ITEM", "REVIEW", "USER", "ROLE", "LAST_USED", "DECISION", "BY",
	    "ACCESS");
}

void
listing_review_items_row(const struct store_review_item *it, char *out,
    size_t len)
{
	char last[32];

	if (it->last_used[0])
		time_local_iso(it->last_used, last, sizeof(last));
	else
		snprintf(last, sizeof(last), "never");
	snprintf(out, len, "%-5lld %-6lld %-16s %-16s %-19s %-8s %-12s %s\n",
	    it->id, it->review_id, it->user, it->role, last, it->decision ?
	    review_decision_name(it->decision) : "-", it->by_default ?
	    "(default)" : it->decided_by[0] ? it->decided_by : "-",
	    it->access);
}
