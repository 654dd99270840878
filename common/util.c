/* util.c: small checked helpers: names, durations, ports, times, files. */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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
	const unsigned char *p = buf;
	size_t off = 0;
	ssize_t n;
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
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", tmp,
			    strerror(n == 0 ? EIO : errno));
			goto fail;
		}
		off += (size_t)n;
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
