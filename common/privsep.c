/* privsep.c: privilege separation for jumpgated's children: become a user for good, close what was inherited, size the descriptor table. */

/*
 * One routine for every process that gives up root (the vault keeper, the
 * session workers), at the strictness of the strictest: supplementary
 * groups cleared, real, effective and saved ids all set, then read back
 * and root proven unreachable. Descriptors are closed by number between
 * fork and the child's first library call, so no child ever holds the
 * master's database, listeners or other connections.
 */

#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jumpgate.h"

#define PRIVSEP_FD_SCAN_MAX (1 << 20)

/*
 * Become user for good. Not running as root, there is nothing to drop:
 * every process stays the invoking user (the test and demo mode) and
 * *dropped says so. A missing user or one with uid 0 is an error, never
 * a reason to go on as root.
 */
int
privsep_drop(const char *user, int *dropped, char *err, size_t errlen)
{
	struct passwd *pw;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	*dropped = 0;
	if (getuid() != 0 && geteuid() != 0)
		return JG_OK;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		errf(err, errlen, "user %s does not exist", user);
		return JG_ENOENT;
	}
	if (pw->pw_uid == 0) {
		errf(err, errlen, "user %s has uid 0", user);
		return JG_EINVAL;
	}
	if (setgroups(0, NULL) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		errf(err, errlen, "cannot become %s: %s", user,
		    strerror(errno));
		return JG_ERR;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid ||
	    getgroups(0, NULL) != 0 || setresuid(0, 0, 0) != -1 ||
	    setresgid(0, 0, 0) != -1 || getuid() == 0 || geteuid() == 0 ||
	    getgid() == 0 || getegid() == 0) {
		errf(err, errlen, "privileges not fully dropped to %s", user);
		return JG_ERR;
	}
	*dropped = 1;
	return JG_OK;
}

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
	if (max < 0 || max > PRIVSEP_FD_SCAN_MAX)
		max = PRIVSEP_FD_SCAN_MAX;
	for (fd = lo; fd <= hi && fd < max; fd++)
		(void)close(fd);
}

/*
 * Close every descriptor from lowfd up except those in keep (at most 16),
 * by number: a child must not call into SQLite or libevent to let go of
 * the parent's database and sockets.
 */
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

/*
 * Raise the soft descriptor limit toward want (any user may, up to the
 * hard limit) and return the limit in force: a process that counts its
 * descriptors refuses work well before the kernel would fail it.
 */
long
privsep_fd_limit(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > (rlim_t)want ? (rlim_t)want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 0;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)want)
		return want;
	return (long)rl.rlim_cur;
}

/*
 * A child of the master starts with an empty environment: root's HOME,
 * PATH and whatever else the master was started with are nothing a worker
 * or the keeper needs. TZ alone is kept, so local times read the same.
 * Clearing environ is not enough: /proc/PID/environ shows the block the
 * process started with, which a fork shares, so that block is wiped too
 * (its bounds are fields 50 and 51 of /proc/self/stat).
 */
void
privsep_env_scrub(void)
{
	char buf[4096], tz[128], *p;
	unsigned long start = 0, end = 0;
	const char *t;
	ssize_t n;
	int fd, field;

	tz[0] = '\0';
	if ((t = getenv("TZ")) != NULL && strlen(t) < sizeof(tz))
		snprintf(tz, sizeof(tz), "%s", t);
	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		/* The command name may hold spaces: count from after it. */
		if ((p = strrchr(buf, ')')) != NULL) {
			for (field = 2; *p != '\0' && field < 50; p++)
				if (*p == ' ')
					field++;
			if (sscanf(p, "%lu %lu", &start, &end) != 2)
				start = end = 0;
		}
	}
	clearenv();
	if (start != 0 && end > start && end - start < (1UL << 24))
		memset((void *)start, 0, end - start);
	if (tz[0] != '\0')
		setenv("TZ", tz, 1);
}
