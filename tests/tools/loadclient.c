/* loadclient.c: bench helper: hold N interactive SSH sessions open at once. */

/*
 *   loadclient -p PORT -l USER -i KEYFILE -n N [-P PROCS] [-H SECONDS]
 *              [-e SECONDS] [-o OUTPREFIX] [HOST]
 *
 * Opens N connections to HOST (default 127.0.0.1) as USER with the private
 * key KEYFILE (aes128-gcm, curve25519-sha256, no host key check: loopback
 * only), each with a pty and a shell, and keeps them all open. PROCS
 * processes (default 2) share the N; each opens its connections one after
 * the other with libssh's blocking calls and then, in ONE thread, polls all
 * of its sessions together (non-blocking libssh). Once every process has
 * opened its share, every session types a line "#lc<ID>-<SEQ>" (a shell
 * comment) every SECONDS (-e, default 5, first one at a random offset) for
 * HOLD seconds (-H, default 30) and times until the echo of that line comes
 * back. A session that closes, errs or misses an echo for 30 s counts as
 * dropped.
 *
 * Prints one line on stdout:
 *   wanted N opened O held H dropped D echoes E p50_us X p99_us Y max_us Z
 *   open_s S
 * "held" = opened and still alive, all echoes answered, at the end of the
 * hold. With -o, "OUTPREFIX.ready" is created when all sessions are open
 * and the hold begins (the bench samples the gateway's CPU from there).
 * Exit 0 when every session was held, 1 otherwise, 2 on bad usage.
 * Only for scripts/bench: never installed.
 */

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

struct sess {
	ssh_session s;
	ssh_channel ch;
	int alive;
	int id;
	unsigned seq;		/* lines typed so far */
	int waiting;		/* for the echo of line seq */
	int64_t sent_us;	/* when it was typed */
	int64_t next_us;	/* when to type the next one */
	char want[32];
	char tail[256];		/* recent output, to find the echo in */
	size_t tlen;
};

static const char *host = "127.0.0.1", *user, *keyfile;
static int port, nsess, procs = 2, hold_s = 30, every_s = 5;
static const char *outprefix;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
open_one(struct sess *x, ssh_key key)
{
	int v = 0;
	long to = 30;

	x->s = ssh_new();
	if (x->s == NULL)
		return -1;
	ssh_options_set(x->s, SSH_OPTIONS_HOST, host);
	ssh_options_set(x->s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(x->s, SSH_OPTIONS_USER, user);
	ssh_options_set(x->s, SSH_OPTIONS_PROCESS_CONFIG, &v);
	ssh_options_set(x->s, SSH_OPTIONS_TIMEOUT, &to);
	ssh_options_set(x->s, SSH_OPTIONS_CIPHERS_C_S, "aes128-gcm@openssh.com");
	ssh_options_set(x->s, SSH_OPTIONS_CIPHERS_S_C, "aes128-gcm@openssh.com");
	ssh_options_set(x->s, SSH_OPTIONS_KEY_EXCHANGE, "curve25519-sha256");
	if (ssh_connect(x->s) != SSH_OK)
		return -1;
	if (ssh_userauth_publickey(x->s, NULL, key) != SSH_AUTH_SUCCESS)
		return -1;
	x->ch = ssh_channel_new(x->s);
	if (x->ch == NULL || ssh_channel_open_session(x->ch) != SSH_OK)
		return -1;
	if (ssh_channel_request_pty_size(x->ch, "xterm", 80, 24) != SSH_OK)
		return -1;
	if (ssh_channel_request_shell(x->ch) != SSH_OK)
		return -1;
	ssh_set_blocking(x->s, 0);
	x->alive = 1;
	return 0;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* One process's share: sessions [first, first + n). Writes its result to
 * fd out as "opened held echoes" then the echo times, one a line. */
static int
child(int first, int n, int ready_fd, int go_fd, int out)
{
	struct sess *ss = calloc(n, sizeof *ss);
	struct pollfd *pf = calloc(n, sizeof *pf);
	int64_t *lat = NULL;
	size_t nlat = 0, cap = 0;
	ssh_key key = NULL;
	int i, opened = 0;
	char c;

	if (ss == NULL || pf == NULL)
		return 1;
	if (ssh_pki_import_privkey_file(keyfile, NULL, NULL, NULL, &key) != SSH_OK) {
		fprintf(stderr, "loadclient: cannot read key %s\n", keyfile);
		return 1;
	}
	srandom(getpid());
	for (i = 0; i < n; i++) {
		ss[i].id = first + i;
		if (open_one(&ss[i], key) == 0)
			opened++;
		else
			fprintf(stderr, "loadclient: session %d: %s\n", first + i,
			    ss[i].s ? ssh_get_error(ss[i].s) : "ssh_new failed");
	}
	/* Tell the parent, wait for everyone. */
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1)
		return 1;

	int64_t t0 = now_us(), end = t0 + (int64_t)hold_s * 1000000;
	for (i = 0; i < n; i++)
		ss[i].next_us = t0 + random() % ((int64_t)every_s * 1000000);
	for (;;) {
		int64_t t = now_us();
		if (t >= end)
			break;
		for (i = 0; i < n; i++) {
			struct sess *x = &ss[i];
			pf[i].fd = -1;
			pf[i].events = POLLIN;
			if (!x->alive)
				continue;
			pf[i].fd = ssh_get_fd(x->s);
			if (x->waiting && t - x->sent_us > 30000000) {
				fprintf(stderr, "loadclient: session %d: no echo in 30 s\n", x->id);
				x->alive = 0;
				continue;
			}
			if (!x->waiting && t >= x->next_us) {
				char line[40];
				int len;
				x->seq++;
				snprintf(x->want, sizeof x->want, "#lc%d-%u", x->id, x->seq);
				len = snprintf(line, sizeof line, "%s\n", x->want);
				x->tlen = 0;
				x->waiting = 1;
				x->sent_us = now_us();
				if (ssh_channel_write(x->ch, line, len) != len) {
					fprintf(stderr, "loadclient: session %d: write: %s\n",
					    x->id, ssh_get_error(x->s));
					x->alive = 0;
				}
			}
		}
		int r = poll(pf, n, 20);
		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			struct sess *x = &ss[i];
			char buf[4096];
			int got;
			if (!x->alive)
				continue;
			/* Read what there is; libssh may hold data already
			 * taken off the socket, so ask every live session. */
			while ((got = ssh_channel_read_nonblocking(x->ch, buf, sizeof buf, 0)) > 0) {
				if (!x->waiting)
					continue;	/* prompt etc.: not waited for */
				for (int k = 0; k < got; k++) {
					if (x->tlen == sizeof x->tail - 1) {
						memmove(x->tail, x->tail + 128, x->tlen - 128);
						x->tlen -= 128;
					}
					x->tail[x->tlen++] = buf[k];
				}
				x->tail[x->tlen] = '\0';
				if (strstr(x->tail, x->want) != NULL) {
					int64_t d = now_us() - x->sent_us;
					if (nlat == cap) {
						cap = cap ? cap * 2 : 1024;
						lat = realloc(lat, cap * sizeof *lat);
						if (lat == NULL)
							return 1;
					}
					lat[nlat++] = d;
					x->waiting = 0;
					x->next_us = now_us() + (int64_t)every_s * 1000000;
					x->tlen = 0;
				}
			}
			if (got == SSH_ERROR || ssh_channel_is_eof(x->ch) ||
			    ssh_channel_is_closed(x->ch)) {
				fprintf(stderr, "loadclient: session %d: closed (%s)\n",
				    x->id, ssh_get_error(x->s));
				x->alive = 0;
			}
		}
	}
	int held = 0;
	for (i = 0; i < n; i++)
		if (ss[i].alive && !ss[i].waiting && ss[i].seq > 0)
			held++;
	dprintf(out, "%d %d %zu\n", opened, held, nlat);
	for (size_t k = 0; k < nlat; k++)
		dprintf(out, "%lld\n", (long long)lat[k]);
	/* Leave without closing one by one: the kernel closes them all. */
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadclient -p PORT -l USER -i KEYFILE -n N "
	    "[-P PROCS] [-H SECONDS] [-e SECONDS] [-o OUTPREFIX] [HOST]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int o, i;

	while ((o = getopt(argc, argv, "p:l:i:n:P:H:e:o:")) != -1) {
		switch (o) {
		case 'p': port = atoi(optarg); break;
		case 'l': user = optarg; break;
		case 'i': keyfile = optarg; break;
		case 'n': nsess = atoi(optarg); break;
		case 'P': procs = atoi(optarg); break;
		case 'H': hold_s = atoi(optarg); break;
		case 'e': every_s = atoi(optarg); break;
		case 'o': outprefix = optarg; break;
		default: usage();
		}
	}
	if (optind < argc)
		host = argv[optind++];
	if (optind != argc || port <= 0 || user == NULL || keyfile == NULL ||
	    nsess <= 0 || procs <= 0 || hold_s <= 0 || every_s <= 0)
		usage();
	if (procs > nsess)
		procs = nsess;

	/* Descriptors: one socket per session, and some. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nsess + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)nsess + 64 ? rl.rlim_max : (rlim_t)nsess + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	ssh_init();

	int ready[2], go[2], outs[procs];
	pid_t pids[procs];
	if (pipe(ready) != 0 || pipe(go) != 0)
		return 1;
	int64_t t0 = now_us();
	for (i = 0; i < procs; i++) {
		int first = nsess * i / procs, last = nsess * (i + 1) / procs;
		int p[2];
		if (pipe(p) != 0)
			return 1;
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(p[0]);
			close(ready[0]);
			close(go[1]);
			_exit(child(first, last - first, ready[1], go[0], p[1]));
		}
		close(p[1]);
		outs[i] = p[0];
	}
	close(ready[1]);
	close(go[0]);
	char c;
	for (i = 0; i < procs; i++)
		if (read(ready[0], &c, 1) != 1)
			return 1;
	double open_s = (now_us() - t0) / 1e6;
	if (outprefix != NULL) {
		char path[4096];
		snprintf(path, sizeof path, "%s.ready", outprefix);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < procs; i++)
		if (write(go[1], "g", 1) != 1)
			return 1;

	int opened = 0, held = 0;
	size_t nlat = 0, cap = 1024;
	int64_t *lat = malloc(cap * sizeof *lat);
	for (i = 0; i < procs; i++) {
		FILE *f = fdopen(outs[i], "r");
		int a, b;
		size_t k, m;
		long long v;
		if (f != NULL && fscanf(f, "%d %d %zu", &a, &b, &m) == 3) {
			opened += a;
			held += b;
			for (k = 0; k < m && fscanf(f, "%lld", &v) == 1; k++) {
				if (nlat == cap) {
					cap *= 2;
					int64_t *nl = realloc(lat, cap * sizeof *lat);
					if (nl == NULL) {
						free(lat);
						return 1;
					}
					lat = nl;
				}
				lat[nlat++] = v;
			}
		}
		if (f != NULL)
			fclose(f);
		waitpid(pids[i], NULL, 0);
	}
	qsort(lat, nlat, sizeof *lat, cmp64);
	long long p50 = nlat ? lat[(nlat - 1) / 2] : -1;
	long long p99 = nlat ? lat[(nlat * 99 + 99) / 100 - 1] : -1;
	long long mx = nlat ? lat[nlat - 1] : -1;
	printf("wanted %d opened %d held %d dropped %d echoes %zu p50_us %lld "
	    "p99_us %lld max_us %lld open_s %.1f\n", nsess, opened, held,
	    opened - held, nlat, p50, p99, mx, open_s);
	free(lat);
	return held == nsess ? 0 : 1;
}
