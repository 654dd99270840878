/* store-int.h: what the store's own files share, invisible to the rest. */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>

struct store {
	sqlite3 *db;
	char path[JG_PATH_MAX];
	char err[JG_ERRLEN];
	/* the witness of audit rows (store-audit.c) */
	int witness;			/* store_audit_witness was called */
	char head_path[JG_PATH_MAX];	/* the last row written, "" none */
	char log_path[JG_PATH_MAX];	/* AuditLogFile, "" none */
	struct store_audit *pending;	/* rows of the open transaction */
	size_t npending;
};

/* store.c: the helpers every store file uses (see store.c for each). */
int store_rc(struct store *, int sqlite_rc);
int store_prepare(struct store *, sqlite3_stmt **, const char *sql,
	    const char *fmt, ...);
int store_run(struct store *, int *changes, const char *sql,
	    const char *fmt, ...);
int store_begin(struct store *);
int store_end(struct store *, int rc);
void store_now(char *buf, size_t len);
void store_col_text(sqlite3_stmt *, int col, char *dst, size_t len);
int store_collect(struct store *, sqlite3_stmt *, size_t elsize,
	    void (*row)(sqlite3_stmt *, void *), void (*free_list)(void *, size_t),
	    void **out, size_t *n);
int store_one(struct store *, int rc, void *v, size_t n, void *out,
	    size_t elsize, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));
int store_ids(struct store *, sqlite3_stmt *, long long **ids, size_t *n);
int store_text_valid(struct store *, const char *what, const char *,
	    size_t min, size_t max);
int store_delete(struct store *, const struct store_actor *,
	    const char *sql, const char *key, long long id,
	    const char *notfound, const char *action, const char *field);

/* store-audit.c */
int store_audit_append(struct store *, const struct store_actor *,
	    const char *action, const char *detail);
void store_audit_committed(struct store *, int committed);

/* store-mfa.c */
int store_mfa_rekey(struct store *, store_reseal_cb, void *, size_t *);

/* store-schema.c */
size_t store_schema_count(void);
const char *store_schema_migration(size_t from_version);

#endif
