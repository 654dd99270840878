/* store-schema.c: the database schema, one migration per version. */

/*
 * PRAGMA user_version holds the schema version. At open, every migration
 * above it runs, each in its own IMMEDIATE transaction with the version
 * bump, so a crash leaves the database at one version or the next. A
 * database newer than this program is refused rather than guessed at.
 */

#include <stddef.h>

#include "jumpgate.h"
#include "store-int.h"

static const char *const store_migrations[] = {
	/* 0 -> 1: the foundation */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE user_roles ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL,"
	"  PRIMARY KEY (user_id, role));"
	"CREATE TABLE user_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  blob TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE targets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  host TEXT NOT NULL,"
	"  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
	"  login TEXT NOT NULL,"
	"  host_key TEXT NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE access_rules ("
	"  id INTEGER PRIMARY KEY,"
	"  role TEXT NOT NULL,"
	"  target_glob TEXT NOT NULL,"
	"  approval_role TEXT,"
	"  approvals INTEGER NOT NULL DEFAULT 0,"
	"  max_duration INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE vault_meta ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  mode TEXT NOT NULL CHECK (mode IN ('file', 'passphrase')),"
	"  salt BLOB,"
	"  opslimit INTEGER,"
	"  memlimit INTEGER,"
	"  check_value BLOB NOT NULL);"
	"CREATE TABLE secrets ("
	"  target TEXT PRIMARY KEY REFERENCES targets(name) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('password', 'key')),"
	"  version INTEGER NOT NULL,"
	"  sealed BLOB NOT NULL,"
	"  created TEXT NOT NULL,"
	"  updated TEXT NOT NULL);"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  login TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  started TEXT NOT NULL,"
	"  ended TEXT,"
	"  bytes_in INTEGER NOT NULL DEFAULT 0,"
	"  bytes_out INTEGER NOT NULL DEFAULT 0,"
	"  exit_status INTEGER,"
	"  state TEXT NOT NULL,"
	"  kind TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  end_reason TEXT NOT NULL DEFAULT '',"
	"  recording TEXT,"
	"  rec_key BLOB);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL);"
	/* The audit log is append-only from inside SQLite too. */
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
	"  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
	"  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
	/*
	 * 1 -> 2: just-in-time access. A request keeps a copy of its rule's
	 * approver role and count, so editing or deleting the rule later does
	 * not change what a pending request needs. One approval row per
	 * (request, approver): a second approval by the same person counts
	 * once. A grant is made by the final approval, in its transaction.
	 */
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  duration INTEGER NOT NULL CHECK (duration > 0),"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'approved',"
	"    'denied', 'cancelled', 'expired')),"
	"  created TEXT NOT NULL,"
	"  decided TEXT,"
	"  rule_id INTEGER NOT NULL,"
	"  approval_role TEXT NOT NULL,"
	"  approvals_needed INTEGER NOT NULL CHECK (approvals_needed >= 1),"
	"  decided_by TEXT,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  grant_id INTEGER);"
	"CREATE INDEX requests_state ON requests (state, created);"
	"CREATE INDEX requests_user ON requests (user);"
	"CREATE TABLE approvals ("
	"  request_id INTEGER NOT NULL REFERENCES requests(id),"
	"  approver TEXT NOT NULL,"
	"  time TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (request_id, approver));"
	"CREATE TABLE grants ("
	"  id INTEGER PRIMARY KEY,"
	"  request_id INTEGER NOT NULL UNIQUE REFERENCES requests(id),"
	"  user TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  starts TEXT NOT NULL,"
	"  ends TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('active', 'ended',"
	"    'revoked')),"
	"  revoked_by TEXT);"
	"CREATE INDEX grants_active ON grants (user, target, state);",
	/* when a live session last moved data (sessions --live: idle time) */
	"ALTER TABLE sessions ADD COLUMN active TEXT;",
	/* 3 -> 4: a leaver's account is disabled (NULL: enabled), history kept */
	"ALTER TABLE users ADD COLUMN disabled TEXT;",
	/* 4 -> 5: the command lines entered in each session (the index) */
	"CREATE TABLE commands ("
	"  session_id INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  t_ms INTEGER NOT NULL,"
	"  line TEXT NOT NULL,"
	"  PRIMARY KEY (session_id, seq)) WITHOUT ROWID;",
	/* 5 -> 6: when each user last logged in (ExpireInactiveDays) */
	"ALTER TABLE users ADD COLUMN last_login TEXT;",
	/* 6 -> 7: a request may ask for a window that starts later */
	"ALTER TABLE requests ADD COLUMN starts TEXT;",
	/* 7 -> 8: a request may ask to extend a grant */
	"ALTER TABLE requests ADD COLUMN extends INTEGER;",
	/* 8 -> 9: the files moved in each session (sftp, scp) */
	"CREATE TABLE transfers ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL,"
	"  time TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  path2 TEXT NOT NULL DEFAULT '',"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  sha256 TEXT,"
	"  ok INTEGER NOT NULL);"
	"CREATE INDEX transfers_session ON transfers (session_id);",
	/* 9 -> 10: the approver role each approval counts for (a rule may
	   need approvals from several roles, common/approval.c) */
	"ALTER TABLE approvals ADD COLUMN role TEXT;",
	/* 10 -> 11: last_login of logins made before it was kept, from the
	   audit log, so ExpireInactiveDays does not take old users for
	   inactive ones */
	"UPDATE users SET last_login = (SELECT max(a.time) FROM audit a "
	"  WHERE a.action = 'login' AND a.actor = users.name) "
	"  WHERE last_login IS NULL;",
	/* 11 -> 12: one-time codes (a user's TOTP key and recovery codes,
	   sealed in the vault; the last step and the recovery codes used, so
	   a code counts once), and access rules that demand them */
	"CREATE TABLE mfa ("
	"  user TEXT PRIMARY KEY REFERENCES users(name) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind = 'totp'),"
	"  version INTEGER NOT NULL,"
	"  sealed BLOB NOT NULL,"
	"  last_step INTEGER NOT NULL DEFAULT 0,"
	"  recovery_used INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL);"
	"ALTER TABLE access_rules ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;",
	/* 12 -> 13: access reviews: campaigns and one item per user and role
	   that gives standing access, decided keep or revoke */
	"CREATE TABLE reviews ("
	"  id INTEGER PRIMARY KEY,"
	"  created TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  reviewer_role TEXT NOT NULL,"
	"  roles TEXT NOT NULL DEFAULT '',"
	"  due TEXT NOT NULL,"
	"  default_decision TEXT NOT NULL CHECK (default_decision IN "
	"    ('keep', 'revoke')),"
	"  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),"
	"  closed TEXT,"
	"  closed_by TEXT);"
	"CREATE TABLE review_items ("
	"  id INTEGER PRIMARY KEY,"
	"  review_id INTEGER NOT NULL REFERENCES reviews(id),"
	"  user TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  access TEXT NOT NULL,"
	"  last_used TEXT,"
	"  decision TEXT CHECK (decision IN ('keep', 'revoke')),"
	"  by_default INTEGER NOT NULL DEFAULT 0,"
	"  decided_by TEXT,"
	"  decided TEXT,"
	"  comment TEXT,"
	"  applied TEXT,"
	"  UNIQUE (review_id, user, role));",
	/* 13 -> 14: wrong one-time codes per user, so that guessing from
	   many sources with a stolen key locks the codes (MFA_FAIL_MAX) */
	"ALTER TABLE mfa ADD COLUMN fails INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE mfa ADD COLUMN fail_start INTEGER NOT NULL DEFAULT 0;",
};

size_t
store_schema_count(void)
{
	return sizeof(store_migrations) / sizeof(store_migrations[0]);
}

const char *
store_schema_migration(size_t from_version)
{
	if (from_version >= store_schema_count())
		return NULL;
	return store_migrations[from_version];
}
