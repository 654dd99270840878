/* config.c: the sshd_config-like configuration file, parsed strictly. */

/*
 * Every line is "Keyword value" (case-insensitive keyword, '#' comments).
 * Unknown keywords, bad values and files others may write are errors that
 * name the file and line: a bastion must not start on a config it half
 * understood. Paths must be absolute so the daemon never depends on its
 * working directory.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "jumpgate.h"

#define CONFIG_LINE_MAX 4096
#define CONFIG_FILE_MAX (1024 * 1024)	/* a config is a few KiB */

/*
 * configure writes both directories, expanded, into config.h (which every
 * object depends on), so a new --prefix rebuilds what uses them. Without
 * config.h there is no right answer: no fallback that would hide it.
 */
#if !defined(JG_SYSCONFDIR) || !defined(JG_LOCALSTATEDIR)
#error "JG_SYSCONFDIR and JG_LOCALSTATEDIR come from config.h (./configure)"
#endif

const char *
config_default_path(void)
{
	return JG_SYSCONFDIR "/jumpgate/jumpgate.conf";
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->state_dir, sizeof(c->state_dir), "%s",
	    JG_LOCALSTATEDIR "/lib/jumpgate");
	snprintf(c->worker_user, sizeof(c->worker_user), "jumpgate");
	snprintf(c->keeper_user, sizeof(c->keeper_user), "jumpgate-vault");
	c->log_level = LOG_LVL_INFO;
	c->login_grace_time = 60;
	c->idle_timeout = 0;
	c->connect_timeout = 10;
	c->max_startups_begin = 10;
	c->max_startups_rate = 30;
	c->max_startups_full = 100;
	c->penalty_failures = 10;
	c->penalty_window = 60;
	c->penalty_duration = 30;
	c->request_timeout = 3600;
	c->record_input = RECORD_INPUT_ECHOED;
	c->max_sessions = 10;
	c->expire_inactive_days = 0;
	c->per_source_max_startups = 10;
	c->max_recording_size = 1LL << 30;
	c->recording_min_free = 1LL << 30;
	c->recording_min_free_pct = 5;
}

int
config_state_path(const struct config *c, const char *name, char *buf,
    size_t len)
{
	return path_join(buf, len, c->state_dir, name);
}

/*
 * RecordingMinFree in bytes for a file system of total bytes: the size,
 * the percentage, or the smaller of both when both are set; 0: none.
 */
long long
config_min_free_bytes(const struct config *c, long long total)
{
	long long pct = c->recording_min_free_pct > 0 ?
	    total / 100 * c->recording_min_free_pct : 0;

	if (c->recording_min_free < 0)
		return pct;
	if (c->recording_min_free_pct == 0)
		return c->recording_min_free;
	return pct < c->recording_min_free ? pct : c->recording_min_free;
}

/* StateDirectory/audit.head: the last audit row this host wrote. */
int
config_audit_head_path(const struct config *c, char *buf, size_t len)
{
	return config_state_path(c, "audit.head", buf, len);
}

int
config_db_path(const struct config *c, char *buf, size_t len)
{
	return config_state_path(c, "jumpgate.db", buf, len);
}

/* A time value: plain seconds or a DUR (90s, 15m, 2h, 1d); 0 allowed when zero_ok. */
static int
config_seconds(const char *v, int zero_ok, int *out)
{
	long secs;
	char *end;

	if (isdigit((unsigned char)v[0])) {
		errno = 0;
		secs = strtol(v, &end, 10);
		if (errno == 0 && *end == '\0' && secs >= 0 &&
		    secs <= 366L * 86400) {
			if (secs == 0 && !zero_ok)
				return JG_EINVAL;
			*out = (int)secs;
			return JG_OK;
		}
	}
	if (duration_parse(v, &secs) != JG_OK)
		return JG_EINVAL;
	*out = (int)secs;
	return JG_OK;
}

static int
config_int(const char *v, int min, int max, int *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return JG_EINVAL;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return JG_EINVAL;
	*out = (int)n;
	return JG_OK;
}

static int
config_listen(struct config *c, const char *v)
{
	struct config_listen *l;
	const char *colon, *host, *port;
	size_t hostlen;
	int p;

	if (c->nlisten >= CONFIG_LISTEN_MAX)
		return JG_EINVAL;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (close == NULL || close[1] != ':')
			return JG_EINVAL;
		host = v + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
	} else {
		if ((colon = strrchr(v, ':')) == NULL ||
		    strchr(v, ':') != colon)
			return JG_EINVAL;
		host = v;
		hostlen = (size_t)(colon - v);
		port = colon + 1;
	}
	l = &c->listen[c->nlisten];
	if (hostlen == 0 || hostlen >= sizeof(l->host) ||
	    port_parse(port, &p) != JG_OK)
		return JG_EINVAL;
	memcpy(l->host, host, hostlen);
	l->host[hostlen] = '\0';
	snprintf(l->port, sizeof(l->port), "%d", p);
	c->nlisten++;
	return JG_OK;
}

static int
config_path_value(const char *v, char *dst, size_t len)
{
	if (v[0] != '/' || strlen(v) >= len)
		return JG_EINVAL;
	snprintf(dst, len, "%s", v);
	return JG_OK;
}

static int
config_user_value(const char *v, char *dst, size_t len)
{
	if (!name_valid(v) || strlen(v) >= len)
		return JG_EINVAL;
	snprintf(dst, len, "%s", v);
	return JG_OK;
}

/* RecordInput echoed|all|no ("yes" was echoed's name before it had three). */
static int
config_record_input(const char *v, int *out)
{
	if (strcasecmp(v, "echoed") == 0 || strcasecmp(v, "yes") == 0)
		*out = RECORD_INPUT_ECHOED;
	else if (strcasecmp(v, "all") == 0)
		*out = RECORD_INPUT_ALL;
	else if (strcasecmp(v, "no") == 0)
		*out = RECORD_INPUT_NO;
	else
		return JG_EINVAL;
	return JG_OK;
}

/* yes or no, any case. */
static int
config_yes_no(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0)
		*out = 0;
	else
		return JG_EINVAL;
	return JG_OK;
}

/* SIZE or none (0). */
static int
config_size_or_none(const char *v, long long *out)
{
	if (strcasecmp(v, "none") == 0) {
		*out = 0;
		return JG_OK;
	}
	if (size_parse(v, out) != JG_OK || *out == 0)
		return JG_EINVAL;
	return JG_OK;
}

/*
 * RecordingMinFree SIZE|N%|none. Given alone, a size or a percentage is
 * the floor; the default (both) refuses below the smaller of 1G and 5%.
 */
static int
config_min_free(struct config *c, const char *v)
{
	size_t n = strlen(v);
	int pct;

	if (strcasecmp(v, "none") == 0) {
		c->recording_min_free = 0;
		c->recording_min_free_pct = 0;
		return JG_OK;
	}
	if (n > 1 && v[n - 1] == '%') {
		char num[16];

		if (n - 1 >= sizeof(num))
			return JG_EINVAL;
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
		if (config_int(num, 1, 99, &pct) != JG_OK)
			return JG_EINVAL;
		c->recording_min_free = -1;
		c->recording_min_free_pct = pct;
		return JG_OK;
	}
	c->recording_min_free_pct = 0;
	return config_size_or_none(v, &c->recording_min_free);
}

/* PerSourceMaxStartups N|none (sshd's keyword). */
static int
config_per_source(struct config *c, const char *v)
{
	if (strcasecmp(v, "none") == 0) {
		c->per_source_max_startups = 0;
		return JG_OK;
	}
	return config_int(v, 1, 100000, &c->per_source_max_startups);
}

static int
config_max_startups(struct config *c, const char *v)
{
	int a, b, d;
	char extra;

	if (sscanf(v, "%d:%d:%d%c", &a, &b, &d, &extra) == 3) {
		if (a < 1 || b < 1 || b > 100 || d < a)
			return JG_EINVAL;
	} else if (config_int(v, 1, 100000, &a) == JG_OK) {
		b = 100;
		d = a;
	} else
		return JG_EINVAL;
	c->max_startups_begin = a;
	c->max_startups_rate = b;
	c->max_startups_full = d;
	return JG_OK;
}

/* Returns JG_OK, JG_ENOENT for an unknown keyword, JG_EINVAL for a bad value. */
static int
config_keyword(struct config *c, const char *k, const char *v, int *seen_rec)
{
	int lvl;

	if (strcasecmp(k, "ListenAddress") == 0)
		return config_listen(c, v);
	if (strcasecmp(k, "StateDirectory") == 0)
		return config_path_value(v, c->state_dir, sizeof(c->state_dir));
	if (strcasecmp(k, "RecordingDirectory") == 0) {
		*seen_rec = 1;
		return config_path_value(v, c->recording_dir,
		    sizeof(c->recording_dir));
	}
	if (strcasecmp(k, "VaultKeyFile") == 0)
		return config_path_value(v, c->vault_key_file,
		    sizeof(c->vault_key_file));
	if (strcasecmp(k, "WorkerUser") == 0)
		return config_user_value(v, c->worker_user,
		    sizeof(c->worker_user));
	if (strcasecmp(k, "KeeperUser") == 0)
		return config_user_value(v, c->keeper_user,
		    sizeof(c->keeper_user));
	if (strcasecmp(k, "LogLevel") == 0) {
		if ((lvl = log_level_parse(v)) < 0)
			return JG_EINVAL;
		c->log_level = lvl;
		return JG_OK;
	}
	if (strcasecmp(k, "LoginGraceTime") == 0)
		return config_seconds(v, 0, &c->login_grace_time);
	if (strcasecmp(k, "IdleTimeout") == 0)
		return config_seconds(v, 1, &c->idle_timeout);
	if (strcasecmp(k, "ConnectTimeout") == 0)
		return config_seconds(v, 0, &c->connect_timeout);
	if (strcasecmp(k, "MaxStartups") == 0)
		return config_max_startups(c, v);
	if (strcasecmp(k, "PenaltyFailures") == 0)
		return config_int(v, 1, 100000, &c->penalty_failures);
	if (strcasecmp(k, "PenaltyWindow") == 0)
		return config_seconds(v, 0, &c->penalty_window);
	if (strcasecmp(k, "PenaltyDuration") == 0)
		return config_seconds(v, 1, &c->penalty_duration);
	if (strcasecmp(k, "RequestTimeout") == 0)
		return config_seconds(v, 0, &c->request_timeout);
	if (strcasecmp(k, "RecordInput") == 0)
		return config_record_input(v, &c->record_input);
	if (strcasecmp(k, "NotifyCommand") == 0)
		return config_path_value(v, c->notify_command,
		    sizeof(c->notify_command));
	if (strcasecmp(k, "AuditLogFile") == 0)
		return config_path_value(v, c->audit_log_file,
		    sizeof(c->audit_log_file));
	if (strcasecmp(k, "MaxSessions") == 0)
		return config_int(v, 1, 1024, &c->max_sessions);
	if (strcasecmp(k, "RecordTransferContents") == 0)
		return config_yes_no(v, &c->record_transfer_contents);
	if (strcasecmp(k, "RequireMFA") == 0)
		return config_yes_no(v, &c->require_mfa);
	if (strcasecmp(k, "ApproverMFA") == 0)
		return config_yes_no(v, &c->approver_mfa);
	if (strcasecmp(k, "ExpireInactiveDays") == 0)
		return config_int(v, 0, 36500, &c->expire_inactive_days);
	if (strcasecmp(k, "PerSourceMaxStartups") == 0)
		return config_per_source(c, v);
	if (strcasecmp(k, "MaxRecordingSize") == 0)
		return config_size_or_none(v, &c->max_recording_size);
	if (strcasecmp(k, "RecordingMinFree") == 0)
		return config_min_free(c, v);
	return JG_ENOENT;
}

static int
config_parse_line(struct config *c, char *line, const char *path,
    unsigned lineno, int *seen_rec, char *err, size_t errlen)
{
	char *k, *v, *end;
	int rc;

	while (isspace((unsigned char)*line))
		line++;
	if (*line == '\0' || *line == '#')
		return JG_OK;
	k = line;
	while (*line != '\0' && !isspace((unsigned char)*line))
		line++;
	if (*line != '\0')
		*line++ = '\0';
	while (isspace((unsigned char)*line))
		line++;
	v = line;
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (str_has_control(k) || str_has_control(v)) {
		snprintf(err, errlen, "%s:%u: control character in line",
		    path, lineno);
		return JG_EINVAL;
	}
	if (*v == '\0') {
		snprintf(err, errlen, "%s:%u: %s needs a value", path, lineno,
		    k);
		return JG_EINVAL;
	}
	rc = config_keyword(c, k, v, seen_rec);
	if (rc == JG_ENOENT)
		snprintf(err, errlen, "%s:%u: unknown keyword '%s'", path,
		    lineno, k);
	else if (rc != JG_OK)
		snprintf(err, errlen, "%s:%u: bad value for %s: '%s'", path,
		    lineno, k, v);
	return rc == JG_OK ? JG_OK : JG_EINVAL;
}

/*
 * A config's text (len bytes, as read from path, which names it in
 * errors): defaults, then each line. Lines of CONFIG_LINE_MAX - 1 bytes
 * or more, and NUL bytes, are refused.
 */
int
config_parse(struct config *c, const char *text, size_t len,
    const char *path, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX];
	unsigned lineno = 0;
	int seen_rec = 0, rc;
	size_t off = 0, n;
	const char *nl;

	config_defaults(c);
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return JG_EINVAL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	while (off < len) {
		lineno++;
		nl = memchr(text + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		if (n >= sizeof(line) - 1) {
			snprintf(err, errlen, "%s:%u: line too long", path,
			    lineno);
			return JG_EINVAL;
		}
		if (memchr(text + off, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%u: a NUL byte", path,
			    lineno);
			return JG_EINVAL;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		off += n + (nl != NULL ? 1 : 0);
		if ((rc = config_parse_line(c, line, path, lineno, &seen_rec,
		    err, errlen)) != JG_OK)
			return rc;
	}
	if (!seen_rec && path_join(c->recording_dir, sizeof(c->recording_dir),
	    c->state_dir, "recordings") != JG_OK) {
		snprintf(err, errlen, "%s: StateDirectory too long", path);
		return JG_EINVAL;
	}
	if (c->nlisten == 0) {
		snprintf(c->listen[0].host, sizeof(c->listen[0].host),
		    "0.0.0.0");
		snprintf(c->listen[0].port, sizeof(c->listen[0].port), "2222");
		c->nlisten = 1;
	}
	return JG_OK;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t r;
	size_t len = 0;
	int fd, rc;

	config_defaults(c);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot read config %s: %s", path,
		    strerror(errno));
		return JG_ERR;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "config %s: not a regular file", path);
		close(fd);
		return JG_ERR;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "config %s: writable by group or others "
		    "(mode %04o): run chmod go-w", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return JG_ERR;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "config %s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
		close(fd);
		return JG_EINVAL;
	}
	text = xcalloc(1, (size_t)st.st_size + 1);
	while (len < (size_t)st.st_size && (r = read(fd, text + len,
	    (size_t)st.st_size - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "cannot read config %s: %s",
			    path, strerror(errno));
			free(text);
			close(fd);
			return JG_ERR;
		}
		len += (size_t)r;
	}
	close(fd);
	rc = config_parse(c, text, len, path, err, errlen);
	free(text);
	return rc;
}
