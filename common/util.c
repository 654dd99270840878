/* util.c: small checked helpers: names, durations, ports, times, files. */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "jumpgate.h"

/* Names of users, targets and roles: [A-Za-z0-9._-]{1,64}, not . or .., no leading -. */
int
name_valid(const char *s)
{
	size_t i, n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > JG_NAME_MAX || s[0] == '-')
		return 0;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isascii(c) && (isalnum(c) || c == '.' || c == '_' ||
		    c == '-')))
			return 0;
	}
	return 1;
}

/* DUR: a positive number with a unit s, m, h or d ("90s", "15m", "2h", "1d"). */
int
duration_parse(const char *s, long *seconds)
{
	char *end;
	long v, mult;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return JG_EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || v <= 0 || end[0] == '\0' || end[1] != '\0')
		return JG_EINVAL;
	switch (end[0]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return JG_EINVAL;
	}
	if (v > 366L * 86400 / mult)
		return JG_EINVAL;
	*seconds = v * mult;
	return JG_OK;
}

/* SIZE: a number of bytes with an optional K, M, G or T (powers of 1024). */
int
size_parse(const char *s, long long *bytes)
{
	unsigned long long v, mult = 1;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return JG_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return JG_EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': mult = 1ULL << 10; break;
	case 'm': case 'M': mult = 1ULL << 20; break;
	case 'g': case 'G': mult = 1ULL << 30; break;
	case 't': case 'T': mult = 1ULL << 40; break;
	default:
		return JG_EINVAL;
	}
	if (*end != '\0' && end[1] != '\0')
		return JG_EINVAL;
	if (v > (1ULL << 62) / mult)
		return JG_EINVAL;
	*bytes = (long long)(v * mult);
	return JG_OK;
}

/* Bytes as people read them: the largest unit that divides them. */
void
size_format(long long bytes, char *out, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes > 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%lld", bytes);
	else
		snprintf(out, len, "%lld%c", bytes, units[u]);
}

int
port_parse(const char *s, int *port)
{
	char *end;
	long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return JG_EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return JG_EINVAL;
	*port = (int)v;
	return JG_OK;
}

void
time_iso_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

void
time_local(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

/*
 * A moment as people give it: an ISO 8601 UTC time, or a duration (90s,
 * 15m, 2h, 30d) counted from now, back (sign -1: --since) or ahead (+1:
 * a window's start).
 */
int
time_spec_parse(const char *s, int sign, time_t *out)
{
	long secs;

	if (time_parse_iso_utc(s, out) == JG_OK)
		return JG_OK;
	if (duration_parse(s, &secs) != JG_OK)
		return JG_EINVAL;
	*out = time(NULL) + (sign < 0 ? -(time_t)secs : (time_t)secs);
	return JG_OK;
}

int
time_parse_iso_utc(const char *s, time_t *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return JG_EINVAL;
	*out = timegm(&tm);
	return JG_OK;
}

int
glob_match(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

int
str_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		return JG_EINVAL;
	return JG_OK;
}

int
dir_fsync(const char *path)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return JG_ERR;
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? JG_OK : JG_ERR;
}

/*
 * Write a whole file or nothing: a temporary beside it, fsync, rename, fsync
 * the directory. A reader sees the old file or the new one, never half.
 */
int
file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	char tmp[JG_PATH_MAX], dir[JG_PATH_MAX], *slash;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return JG_EINVAL;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return JG_ERR;
	}
	if (fd_write_all(fd, buf, len, NULL) != JG_OK) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fchmod(fd, mode) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return JG_ERR;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		dir_fsync(dir[0] == '\0' ? "/" : dir);
	} else
		dir_fsync(".");
	return JG_OK;
fail:
	close(fd);
	unlink(tmp);
	return JG_ERR;
}

int
fd_read_all(int fd, size_t max, unsigned char **bufp, size_t *lenp)
{
	unsigned char *buf;
	size_t len = 0;
	ssize_t n;

	if ((buf = malloc(max + 1)) == NULL)
		return JG_ENOMEM;
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return JG_ERR;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return JG_EINVAL;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return JG_OK;
}

int
file_read_all(const char *path, size_t max, unsigned char **buf, size_t *len,
    char *err, size_t errlen)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? JG_ENOENT : JG_ERR;
	}
	rc = fd_read_all(fd, max, buf, len);
	close(fd);
	if (rc == JG_EINVAL)
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
	else if (rc != JG_OK)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return rc;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

/* Processes that hold key material never leave a core file behind. */
int
core_dumps_disable(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		return JG_ERR;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return JG_ERR;
	return JG_OK;
}

/* free() after wiping: for buffers that may have held a secret. */
void
freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	sodium_memzero(p, n);
	free(p);
}

/* A stored UTC ISO time as local time for people; "-" when there is none. */
void
time_local_iso(const char *iso, char *out, size_t len)
{
	time_t t;

	if (iso == NULL || iso[0] == '\0')
		snprintf(out, len, "-");
	else if (time_parse_iso_utc(iso, &t) == JG_OK)
		time_local(t, out, len);
	else
		snprintf(out, len, "%s", iso);
}

/* Seconds as a DUR: the largest unit that divides them (90s, 15m, 2h, 1d). */
void
duration_format(long sec, char *out, size_t len)
{
	if (sec > 0 && sec % 86400 == 0)
		snprintf(out, len, "%ldd", sec / 86400);
	else if (sec > 0 && sec % 3600 == 0)
		snprintf(out, len, "%ldh", sec / 3600);
	else if (sec > 0 && sec % 60 == 0)
		snprintf(out, len, "%ldm", sec / 60);
	else
		snprintf(out, len, "%lds", sec);
}

/*
 * The one clock for timers, deadlines and recording times: monotonic, so
 * nothing follows a change of the wall clock.
 */
uint64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

time_t
clock_sec(void)
{
	return (time_t)(clock_ms() / 1000);
}

/* Milliseconds from now until the monotonic deadline end, for poll(2). */
int
clock_left_ms(uint64_t end)
{
	uint64_t now = clock_ms();

	if (now >= end)
		return 0;
	return end - now > 1000000000 ? 1000000000 : (int)(end - now);
}

/*
 * write(2) all of it, retrying short writes and EINTR; stop (may be NULL)
 * set by a signal handler makes an interrupted write give up instead.
 */
int
fd_write_all(int fd, const void *p, size_t n, const volatile sig_atomic_t *stop)
{
	const unsigned char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1 && errno == EINTR && (stop == NULL || !*stop))
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return JG_ERR;
		}
		c += w;
		n -= (size_t)w;
	}
	return JG_OK;
}

/* read(2) exactly n bytes; an early end of file is EIO. */
int
fd_read_full(int fd, void *p, size_t n)
{
	unsigned char *c = p;
	ssize_t r;

	while (n > 0) {
		r = read(fd, c, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return JG_ERR;
		}
		c += r;
		n -= (size_t)r;
	}
	return JG_OK;
}

/* The one error formatter: one line into err (which may be NULL). */
void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * An id as people type it (session, request, grant, rule): digits only,
 * 1 to 2^53 (what a JSON number holds exactly). Everything else, an
 * overflow included, is JG_EINVAL.
 */
int
id_parse(const char *s, long long *id)
{
	unsigned long long v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 16)
		return JG_EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return JG_EINVAL;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v == 0 || v > ID_MAX)
		return JG_EINVAL;
	*id = (long long)v;
	return JG_OK;
}

/*
 * A value from outside (a subsystem name, a forwarding destination) as it
 * may stand in an audit detail of key=value fields: every byte outside
 * [A-Za-z0-9._:/@+-] becomes %HH, so it cannot add a field, end a line or
 * hide behind a control character. out holds at least 3 * strlen + 1.
 */
void
audit_value(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t o = 0;

	if (len == 0)
		return;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("._:/@+-", *p) != NULL) {
			if (o + 1 >= len)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= len)
				break;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		}
	}
	out[o] = '\0';
}

/*
 * An SSH login name: "USER" (command mode) or "USER@TARGET", both valid
 * names (name_valid: no space, no '=', no '@'). user and target get
 * JG_NAME_MAX + 1 bytes; target is "" without one.
 */
int
login_parse(const char *login, char *user, char *target)
{
	const char *at = strchr(login, '@');
	size_t n = at != NULL ? (size_t)(at - login) : strlen(login);

	user[0] = target[0] = '\0';
	if (n == 0 || n > JG_NAME_MAX)
		return JG_EINVAL;
	memcpy(user, login, n);
	user[n] = '\0';
	if (!name_valid(user)) {
		user[0] = '\0';
		return JG_EINVAL;
	}
	if (at == NULL)
		return JG_OK;
	if (!name_valid(at + 1)) {
		user[0] = '\0';
		return JG_EINVAL;
	}
	snprintf(target, JG_NAME_MAX + 1, "%s", at + 1);
	return JG_OK;
}
