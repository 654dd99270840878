/* log.c: one logging path for every process, to stderr (-f, the tool) or syslog. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "jumpgate.h"

/*
 * The only process-wide state kept outside a process's main struct: the
 * logger must be reachable from every module without threading a handle
 * through each call, as in OpenSSH's log.c.
 */
static struct {
	const char *prog;
	int to_stderr;
	int level;
} logstate = { "jumpgate", 1, LOG_LVL_INFO };

void
log_init(const char *progname, int to_stderr, int level)
{
	logstate.prog = progname;
	logstate.to_stderr = to_stderr;
	logstate.level = level;
	if (!to_stderr)
		/* Logins and refusals: sshd's facility, kept from other users. */
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
log_set_level(int level)
{
	logstate.level = level;
}

int
log_level_parse(const char *s)
{
	static const char *names[] = { "ERROR", "INFO", "VERBOSE", "DEBUG" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "QUIET") == 0 || strcasecmp(s, "FATAL") == 0)
		return LOG_LVL_ERROR;
	return -1;
}

static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	char msg[2048];
	size_t i;
	static const int prio[] = { LOG_ERR, LOG_INFO, LOG_INFO, LOG_DEBUG };

	if (level > logstate.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Nothing from the network may forge a log line. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (logstate.to_stderr) {
		/*
		 * One write per line: every process of the daemon shares
		 * stderr, and stdio's unbuffered stderr writes a line in
		 * pieces that another process's line can split.
		 */
		char line[2200];
		int n = snprintf(line, sizeof(line), "%s[%ld]: %s\n",
		    logstate.prog, (long)getpid(), msg);

		if (n > 0 && (size_t)n >= sizeof(line)) {
			n = (int)sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (n > 0)
			(void)fd_write_all(STDERR_FILENO, line, (size_t)n,
			    NULL);
	} else
		syslog(prio[level], "%s", msg);
}

#define LOG_FN(fn, lvl)					\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list ap;						\
	int saved = errno;					\
	va_start(ap, fmt);					\
	log_vwrite(lvl, fmt, ap);				\
	va_end(ap);						\
	errno = saved;						\
}
LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_verbose, LOG_LVL_VERBOSE)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
log_at(int level, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(level < LOG_LVL_ERROR ? LOG_LVL_ERROR : level >
	    LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(JG_EXIT_FAIL);
}
