/* store-command.c: the command index: the lines users entered in their sessions, listed and searched without a recording opened. */

/*
 * The master writes each session's command lines as the session runs
 * (batched once a second, one transaction); `jumpgate commands ID` lists
 * one session's, `search --commands` runs a regular expression over all
 * of them (with the session's user, target and start as filters), so
 * finding who ran what never decrypts a recording. The key (session,
 * seq) makes a line written twice (a retry) land once.
 */

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"
#include "store-int.h"

int
store_commands_add(struct store *s, const struct store_command *v, size_t n)
{
	size_t i;
	int rc;

	if ((rc = store_begin(s)) != JG_OK)
		return rc;
	for (i = 0; rc == JG_OK && i < n; i++)
		rc = store_run(s, NULL, "INSERT OR IGNORE INTO commands "
		    "(session_id, seq, t_ms, line) VALUES (?, ?, ?, ?)",
		    "iiis", v[i].session_id, (long long)v[i].seq, v[i].t_ms,
		    v[i].line);
	return store_end(s, rc);
}

static void
store_command_row(sqlite3_stmt *st, void *elem)
{
	struct store_command *e = elem;

	e->session_id = sqlite3_column_int64(st, 0);
	e->seq = (unsigned)sqlite3_column_int64(st, 1);
	e->t_ms = sqlite3_column_int64(st, 2);
	store_col_text(st, 3, e->line, sizeof(e->line));
	store_col_text(st, 4, e->user, sizeof(e->user));
	store_col_text(st, 5, e->target, sizeof(e->target));
	store_col_text(st, 6, e->started, sizeof(e->started));
}

#define STORE_COMMAND_COLS "c.session_id, c.seq, c.t_ms, c.line, " \
	"s.user, s.target, s.started FROM commands c JOIN sessions s ON " \
	"s.id = c.session_id"

/* One session's lines, in order. */
int
store_commands_list(struct store *s, long long session,
    struct store_command **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(s, &st, "SELECT " STORE_COMMAND_COLS
	    " WHERE c.session_id = ? ORDER BY c.seq", "i", session)) != JG_OK)
		return rc;
	return store_collect(s, st, sizeof(struct store_command),
	    store_command_row, NULL, (void **)out, n);
}

/*
 * Every line that matches f->re, of sessions of f->user, on f->target,
 * started at or after f->since (ISO UTC; NULL: any), oldest first (or
 * the newest sessions first, each in its order, with f->newest), at
 * most f->limit (0: no limit). The filters are SQL; the expression runs
 * here on each line as it is stepped over, so memory holds only matches.
 */
int
store_commands_search(struct store *s, const struct store_command_filter *f,
    struct store_command **out, size_t *n)
{
	struct store_command *v = NULL, *nv, e;
	sqlite3_stmt *st;
	size_t cap = 0, scanned = 0;
	char fmt[4];
	int rc;

	*out = NULL;
	*n = 0;
	/* 'n' binds NULL: the filter is off */
	fmt[0] = f->user != NULL ? 's' : 'n';
	fmt[1] = f->target != NULL ? 's' : 'n';
	fmt[2] = f->since != NULL ? 's' : 'n';
	fmt[3] = '\0';
#define STORE_COMMAND_WHERE " WHERE (?1 IS NULL OR s.user = ?1) AND " \
	"(?2 IS NULL OR s.target = ?2) AND (?3 IS NULL OR s.started >= ?3) "
	rc = store_prepare(s, &st, f->newest ? "SELECT " STORE_COMMAND_COLS
	    STORE_COMMAND_WHERE "ORDER BY c.session_id DESC, c.seq" :
	    "SELECT " STORE_COMMAND_COLS STORE_COMMAND_WHERE "ORDER BY "
	    "c.session_id, c.seq", fmt, f->user, f->target, f->since);
#undef STORE_COMMAND_WHERE
	if (rc != JG_OK)
		return rc;
	if (f->cut != NULL)
		*f->cut = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f->max_scan > 0 && scanned++ == f->max_scan) {
			if (f->cut != NULL)
				*f->cut = 1;
			rc = SQLITE_DONE;
			break;
		}
		memset(&e, 0, sizeof(e));
		store_command_row(st, &e);
		if (regexec(f->re, e.line, 0, NULL, 0) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		v[(*n)++] = e;
		if (f->limit > 0 && *n == f->limit) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return store_rc(s, rc);
	}
	*out = v;
	return JG_OK;
}
