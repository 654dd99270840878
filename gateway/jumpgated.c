/* jumpgated.c: the daemon's entry: options, config, checks, pid file, then the master. */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"

#define JUMPGATED_USAGE \
"usage: jumpgated [-dfhV] [-c FILE]\n" \
"  -c FILE   the config (default: $JUMPGATE_CONFIG, else %s)\n" \
"  -f        stay in the foreground and log to stderr, not syslog\n" \
"  -d        log at LogLevel DEBUG whatever the config says\n" \
"  -h, --help     this help\n" \
"  -V, --version  print the version\n"

static const struct option jumpgated_long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};
/* The descriptor jumpgated -K finds its master's socket on (keeper.c). */
#define JUMPGATED_KEEPER_FD 3

/*
 * The pid file is held with an exclusive lock for the daemon's life:
 * `jumpgate vault rekey` tests that lock to refuse while we run, and a
 * second daemon on the same state refuses to start.
 */
static int
jumpgated_pidfile(const struct config *cfg, char *err, size_t errlen)
{
	char path[JG_PATH_MAX];
	int fd;

	if (config_state_path(cfg, "jumpgated.pid", path, sizeof(path)) !=
	    JG_OK) {
		snprintf(err, errlen, "StateDirectory too long");
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errlen, "another jumpgated runs on %s",
		    cfg->state_dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* After daemon(): the lock stays with the child, which writes its pid. */
static int
jumpgated_pidfile_write(int fd, char *err, size_t errlen)
{
	char line[32];

	snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, line, strlen(line), 0) !=
	    (ssize_t)strlen(line)) {
		snprintf(err, errlen, "pid file: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct gw_opts opts;
	struct config cfg;
	struct stat st;
	char err[JG_ERRLEN], config_abs[JG_PATH_MAX];
	int ch, pidfd, rc, keeper = 0;

	memset(&opts, 0, sizeof(opts));
	while ((ch = getopt_long(argc, argv, "c:dfhKV", jumpgated_long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'K':
			keeper = 1;	/* not for users: see master-keeper.c */
			break;
		case 'd':
			opts.debug = 1;
			break;
		case 'f':
			opts.foreground = 1;
			break;
		case 'h':
			printf(JUMPGATED_USAGE, config_default_path());
			return JG_EXIT_OK;
		case 'V':
			printf("jumpgated %s\n", PACKAGE_VERSION);
			return JG_EXIT_OK;
		default:
			fprintf(stderr, JUMPGATED_USAGE, config_default_path());
			return JG_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, JUMPGATED_USAGE, config_default_path());
		return JG_EXIT_USAGE;
	}
	if (opts.config_path == NULL)
		opts.config_path = getenv("JUMPGATE_CONFIG");
	if (opts.config_path == NULL || opts.config_path[0] == '\0')
		opts.config_path = config_default_path();
	umask(077);
	if (keeper && (fstat(JUMPGATED_KEEPER_FD, &st) == -1 ||
	    !S_ISSOCK(st.st_mode))) {
		fprintf(stderr, "jumpgated: -K is for jumpgated's own vault "
		    "keeper: no master socket on descriptor %d\n",
		    JUMPGATED_KEEPER_FD);
		return JG_EXIT_USAGE;
	}
	if (config_load(&cfg, opts.config_path, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jumpgated: %s\n", err);
		return JG_EXIT_FAIL;
	}
	/* daemon() moves to /: the keeper started later reads it by this. */
	if (realpath(opts.config_path, config_abs) == NULL) {
		fprintf(stderr, "jumpgated: %s: %s\n", opts.config_path,
		    strerror(errno));
		return JG_EXIT_FAIL;
	}
	opts.config_path = config_abs;
	if (keeper) {
		keeper_log_options(opts.foreground, opts.debug ?
		    LOG_LVL_DEBUG : cfg.log_level);
		keeper_main(&cfg, JUMPGATED_KEEPER_FD);
	}
	if (stat(cfg.state_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "jumpgated: StateDirectory %s: %s (run "
		    "jumpgate init)\n", cfg.state_dir, strerror(errno ? errno :
		    ENOTDIR));
		return JG_EXIT_FAIL;
	}
	/* Started as root we never run a worker or the keeper as root. */
	if (getuid() == 0) {
		if (getpwnam(cfg.worker_user) == NULL ||
		    getpwnam(cfg.keeper_user) == NULL) {
			fprintf(stderr, "jumpgated: the users %s and %s must "
			    "exist (jumpgate init creates them): refusing to "
			    "run as root without them\n", cfg.worker_user,
			    cfg.keeper_user);
			return JG_EXIT_FAIL;
		}
	}
	if (vault_init() != JG_OK) {
		fprintf(stderr, "jumpgated: cannot initialise libsodium\n");
		return JG_EXIT_FAIL;
	}
	ssh_init();
	/* Before daemon(): a second daemon is told so on its terminal. */
	if ((pidfd = jumpgated_pidfile(&cfg, err, sizeof(err))) == -1) {
		fprintf(stderr, "jumpgated: %s\n", err);
		return JG_EXIT_FAIL;
	}
	if (!opts.foreground && daemon(0, 0) == -1) {
		fprintf(stderr, "jumpgated: daemon: %s\n", strerror(errno));
		return JG_EXIT_FAIL;
	}
	log_init("jumpgated", opts.foreground, opts.debug ? LOG_LVL_DEBUG :
	    cfg.log_level);
	if (jumpgated_pidfile_write(pidfd, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return JG_EXIT_FAIL;
	}
	rc = master_run(&opts, &cfg);
	close(pidfd);
	return rc;
}
