/* notify.c: NotifyCommand: tell the outside world of request events, without ever waiting on it. */

/*
 * The master calls notify_run from its event loop, so nothing here blocks:
 * the JSON document (a few KiB at most) is written into a fresh pipe before
 * the fork, where it fits whole in the pipe's buffer, so no write can stall
 * and no SIGPIPE can come back; the child gets the pipe as stdin, runs the
 * command in its own session (the master can kill the whole group) with
 * stdout and stderr on /dev/null, no other descriptor and a minimal
 * environment, and the parent returns at once. The master kills the child
 * when its timeout passes and reaps it from SIGCHLD (notify_reap logs a
 * failure); the child also carries an alarm as a backstop. A failing
 * command is logged, never fatal.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

/* In the child, between fork and exec: system calls only. */
static void __attribute__((noreturn))
notify_child(const char *command, int rfd, int timeout_sec)
{
	static char *const envp[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C",
		NULL
	};
	char *argv[2];
	sigset_t all;
	int sig, null;

	(void)setsid();
	/* The master's signal mask and handlers are not the command's. */
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	if (rfd != STDIN_FILENO) {
		if (dup2(rfd, STDIN_FILENO) == -1)
			_exit(126);
	}
	if ((null = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(null, STDOUT_FILENO) == -1 ||
	    dup2(null, STDERR_FILENO) == -1)
		_exit(126);
	privsep_close_from(3, NULL, 0);
	/* A backstop if the master's timer never fires: SIGALRM kills. */
	if (timeout_sec > 0)
		(void)alarm((unsigned)timeout_sec);
	argv[0] = (char *)command;
	argv[1] = NULL;
	execve(command, argv, envp);
	_exit(127);
}

pid_t
notify_run(const char *command, const char *json, int timeout_sec)
{
	size_t len;
	ssize_t w;
	pid_t pid;
	int p[2], flags;

	if (command == NULL || command[0] != '/' || json == NULL) {
		log_error("notify: NotifyCommand must be an absolute path");
		return -1;
	}
	len = strlen(json);
	if (len > NOTIFY_JSON_MAX) {
		log_error("notify: document too large (%zu bytes)", len);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_error("notify: pipe: %s", strerror(errno));
		return -1;
	}
	/* Fill the pipe first: the read end is ours, so this cannot fail
	   with EPIPE, and non-blocking it cannot stall the loop. */
	if ((flags = fcntl(p[1], F_GETFL)) == -1 ||
	    fcntl(p[1], F_SETFL, flags | O_NONBLOCK) == -1) {
		log_error("notify: fcntl: %s", strerror(errno));
		goto fail;
	}
	do {
		w = write(p[1], json, len);
	} while (w == -1 && errno == EINTR);
	if (w != (ssize_t)len) {
		log_error("notify: cannot queue the document: %s", w == -1 ?
		    strerror(errno) : "short write");
		goto fail;
	}
	(void)close(p[1]);
	p[1] = -1;
	if ((pid = fork()) == -1) {
		log_error("notify: fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		notify_child(command, p[0], timeout_sec);
	(void)close(p[0]);
	log_debug("notify: started %s (pid %ld)", command, (long)pid);
	return pid;
fail:
	(void)close(p[0]);
	if (p[1] != -1)
		(void)close(p[1]);
	return -1;
}

void
notify_reap(pid_t pid, int status)
{
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 0)
			log_debug("notify: pid %ld done", (long)pid);
		else if (WEXITSTATUS(status) == 127)
			log_error("notify: NotifyCommand (pid %ld) could not "
			    "be run (exit status 127)", (long)pid);
		else
			log_error("notify: NotifyCommand (pid %ld) failed "
			    "with exit status %d", (long)pid,
			    WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGKILL || sig == SIGALRM || sig == SIGTERM)
			log_error("notify: NotifyCommand (pid %ld) did not "
			    "finish within its timeout and was killed",
			    (long)pid);
		else
			log_error("notify: NotifyCommand (pid %ld) died of "
			    "signal %d", (long)pid, sig);
	}
}

/* A bounded buffer writer: once it overflows, it stays overflowed. */
struct notify_buf {
	char *p;
	size_t len;
	size_t off;
	int overflow;
};

static void
nb_putc(struct notify_buf *b, char ch)
{
	if (b->overflow || b->off + 1 >= b->len) {
		b->overflow = 1;
		return;
	}
	b->p[b->off++] = ch;
	b->p[b->off] = '\0';
}

static void
nb_puts(struct notify_buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		nb_putc(b, *s);
}

/* A JSON string, escaped as json_write_string does for FILE *. */
static void
nb_string(struct notify_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *q;

	nb_putc(b, '"');
	for (q = (const unsigned char *)s; *q != '\0'; q++) {
		switch (*q) {
		case '"': nb_puts(b, "\\\""); break;
		case '\\': nb_puts(b, "\\\\"); break;
		case '\n': nb_puts(b, "\\n"); break;
		case '\r': nb_puts(b, "\\r"); break;
		case '\t': nb_puts(b, "\\t"); break;
		default:
			if (*q < 0x20 || *q == 0x7f) {
				nb_puts(b, "\\u00");
				nb_putc(b, hex[*q >> 4]);
				nb_putc(b, hex[*q & 0xf]);
			} else
				nb_putc(b, (char)*q);
		}
	}
	nb_putc(b, '"');
}

static void
nb_key(struct notify_buf *b, const char *key)
{
	if (b->off > 1)
		nb_putc(b, ',');
	nb_string(b, key);
	nb_putc(b, ':');
}

static void
nb_key_str(struct notify_buf *b, const char *key, const char *v)
{
	nb_key(b, key);
	if (v == NULL || v[0] == '\0')
		nb_puts(b, "null");
	else
		nb_string(b, v);
}

static void
nb_key_int(struct notify_buf *b, const char *key, long long v)
{
	char num[32];

	nb_key(b, key);
	snprintf(num, sizeof(num), "%lld", v);
	nb_puts(b, num);
}

int
notify_request_json(const char *event, const struct store_request *r,
    char *out, size_t outlen)
{
	static const char *const events[] = { "request.created",
	    "request.approved", "request.denied", "request.expired",
	    "request.cancelled" };
	struct notify_buf b = { out, outlen, 0, 0 };
	char now[32];
	size_t i;

	if (outlen == 0)
		return JG_EINVAL;
	out[0] = '\0';
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(event, events[i]) == 0)
			break;
	if (i == sizeof(events) / sizeof(events[0]))
		return JG_EINVAL;
	time_iso_utc(time(NULL), now, sizeof(now));
	nb_putc(&b, '{');
	nb_key_str(&b, "event", event);
	nb_key_int(&b, "id", r->id);
	nb_key_str(&b, "user", r->user);
	nb_key_str(&b, "target", r->target);
	nb_key(&b, "reason");
	nb_string(&b, r->reason);
	nb_key_int(&b, "duration", r->duration);
	nb_key_str(&b, "state", r->state);
	nb_key_int(&b, "approvals", r->approvals);
	nb_key_int(&b, "approvals_needed", r->approvals_needed);
	nb_key_str(&b, "approval_role", r->approval_role);
	nb_key_str(&b, "decided_by", r->decided_by);
	nb_key_str(&b, "comment", r->comment);
	nb_key_str(&b, "created", r->created);
	if (r->grant_id > 0)
		nb_key_int(&b, "grant_id", r->grant_id);
	else
		nb_key_str(&b, "grant_id", NULL);
	nb_key_str(&b, "time", now);
	nb_putc(&b, '}');
	nb_putc(&b, '\n');
	if (b.overflow) {
		out[0] = '\0';
		return JG_ENOMEM;
	}
	return JG_OK;
}
