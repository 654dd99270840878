/* transfer.h: the files moved in sftp, scp and rsync sessions, as the recorder follows them: recorder/sftp.c, scp.c, xfer-cmd.c. */
#ifndef TRANSFER_H
#define TRANSFER_H

#include "jumpgate.h"

/* sftp.c (recorder/): file operations in an SFTP stream, for the audit */
enum rec_sftp_kind { SFTP_EV_UPLOAD = 1, SFTP_EV_DOWNLOAD, SFTP_EV_REMOVE,
	SFTP_EV_RENAME, SFTP_EV_MKDIR, SFTP_EV_RMDIR, SFTP_EV_SETSTAT,
	SFTP_EV_RSYNC_UP, SFTP_EV_RSYNC_DOWN };	/* rsync: gateway/record.c */
struct rec_sftp_event {
	int kind;			/* enum rec_sftp_kind */
	const char *path;		/* valid during the callback */
	const char *path2;		/* RENAME: the new name; else "" */
	uint64_t bytes;			/* UPLOAD, DOWNLOAD: bytes moved */
	int whole;			/* sha256 covers the whole file */
	unsigned char sha256[32];	/* valid when whole */
	int ok;				/* the server answered SSH_FX_OK */
};
struct rec_sftp;
struct rec_sftp *rec_sftp_new(void (*emit)(void *arg,
	    const struct rec_sftp_event *), void *arg);
int rec_sftp_client(struct rec_sftp *, const void *, size_t);
int rec_sftp_server(struct rec_sftp *, const void *, size_t);
void rec_sftp_end(struct rec_sftp *);
void rec_sftp_free(struct rec_sftp *);
const char *rec_sftp_op_name(int kind);	/* "upload"...; NULL unknown */

/* scp.c (recorder/): the files in scp's legacy protocol stream */
struct rec_scp;
struct rec_scp *rec_scp_new(int upload, const char *path, int into,
	    void (*emit)(void *, const struct rec_sftp_event *), void *);
int rec_scp_source(struct rec_scp *, const void *, size_t);
void rec_scp_end(struct rec_scp *);
void rec_scp_free(struct rec_scp *);

/* xfer-cmd.c (recorder/): what an scp or rsync server command moves */
int rec_scp_command(const char *cmd, int *upload, int *into, char **path);
int rec_rsync_command(const char *cmd, char **paths);	/* 1 up, 2 down */

#endif /* TRANSFER_H */
