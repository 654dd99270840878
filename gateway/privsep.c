/* privsep.c: dropping root for a process's own user, and closing inherited descriptors. */

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"

/*
 * Switch to user for good. Run as a normal user, there is nothing to
 * drop: every process stays that user (the test and demo mode) and the
 * caller logs so. Returns JG_OK, or an error and never runs on as root.
 */
int
privsep_drop(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (getuid() != 0 && geteuid() != 0)
		return JG_OK;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s does not exist", user);
		return JG_ENOENT;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user %s is root", user);
		return JG_EINVAL;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot become %s: %s", user,
		    strerror(errno));
		return JG_ERR;
	}
	if (setuid(0) != -1 || geteuid() == 0 || getegid() == 0) {
		snprintf(err, errlen, "could regain root after dropping to %s",
		    user);
		return JG_ERR;
	}
	return JG_OK;
}

/*
 * Close every descriptor from lowfd up except those in keep, by number:
 * a child must not call into SQLite or libevent to let go of the
 * master's database and sockets.
 */
static void
privsep_close_range(int lo, int hi)
{
	long max;
	int fd;

	if (lo > hi)
		return;
	if (close_range((unsigned)lo, (unsigned)hi, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lo; fd <= hi && fd < max; fd++)
		close(fd);
}

void
privsep_close_from(int lowfd, const int *keep, size_t nkeep)
{
	int sorted[16], lo = lowfd, t;
	size_t i, j, n = 0;

	for (i = 0; i < nkeep && n < 16; i++)
		if (keep[i] >= lowfd)
			sorted[n++] = keep[i];
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		privsep_close_range(lo, sorted[i] - 1);
		lo = sorted[i] + 1;
	}
	privsep_close_range(lo, 0x7fffffff);
}
