/* gateway.h: jumpgated's processes: master, session worker, and what they share. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <sys/socket.h>

#include <event2/event.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <libssh/callbacks.h>

#include "jumpgate.h"

#define WORKER_MSG_TIMEOUT_MS 5000	/* a master answer never takes longer */
#define GATEWAY_STOP_GRACE 10		/* seconds workers get at SIGTERM */

/* How the daemon was started, shared by the processes it forks. */
struct gw_opts {
	const char *config_path;
	int foreground;
	int debug;
};

/* master.c */
int master_run(const struct gw_opts *, struct config *);

/* worker.c */
struct worker_args {
	const struct config *cfg;
	ssh_bind bind;			/* holds the host key, loaded by the master */
	int client_fd;
	int master_fd;
	char source[128];		/* "ADDR port N" of the client */
	int keep_fd;			/* a descriptor to keep open (logging) */
};
void worker_main(struct worker_args *) __attribute__((noreturn));

#endif /* GATEWAY_H */
