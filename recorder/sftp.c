/* sftp.c: the file operations of an SFTP session (version 3, as OpenSSH speaks it), followed in both directions of its channel for the audit. */

/*
 * The gateway relays an sftp subsystem's bytes and sees each direction
 * in chunks cut anywhere. Each direction gathers one packet at a time:
 * its length first, checked before a byte of the body is kept, then the
 * body, which is parsed to its last byte with buf.c's getters before
 * anything is done with it, so a malformed packet changes nothing. Both
 * ends are untrusted: a malformed packet fails the stream for good
 * (JG_ECORRUPT) and the caller ends the session; a packet of a type we
 * do not know is skipped whole, as it is framed.
 *
 * A request whose reply makes an event waits in a ring, oldest first,
 * found by id (replies mostly come in order, so near the head): an OPEN
 * with its path, a READ with its offset, a path operation with its
 * paths. Other requests (STAT, READDIR...) are not kept, and a reply to
 * an id that does not wait is ignored. The ring and the paths it holds
 * are bounded; when full, the oldest request is forgotten. A path
 * operation forgotten, or still unanswered at the end, is reported
 * unconfirmed (ok = 0): an attempted remove must not vanish from the
 * audit. An OPEN forgotten leaves its file unfollowed, as do opens past
 * SFTP_FILES.
 *
 * An OPEN answered with a handle is an open file, followed both ways:
 * what is written to it makes an upload (so does an open that empties
 * it), what is read from it a download, whatever the open's flags said
 * (a file opened to read and write can make both). The bytes are
 * counted and hashed as they pass: a WRITE's data at the request, a
 * READ's DATA at the reply, at the offset its READ asked for, each way
 * with its own hash. The hash goes on
 * while each piece starts where the hash ends, which is what OpenSSH's
 * sftp does with many requests in flight: a short read is asked for
 * again after reads further on, but those meet EOF, so its DATA still
 * starts where the hash ends. The first gap, overlap or failed WRITE
 * stops the hash. A hash is the file's only if it covers all of it: an
 * upload must have emptied the file at the open (TRUNC, or CREAT|EXCL;
 * never APPEND, which writes at the end whatever the offset) and a
 * download must have met EOF where the hash ends. The event leaves at
 * the CLOSE's reply, or unconfirmed at the end.
 */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "transfer.h"

#define SFTP_PACKET_MAX (256 * 1024 + 1024)	/* a packet's length */
#define SFTP_KEEP (64 * 1024)		/* gathering room kept for the next */
#define SFTP_HANDLE_MAX 256
#define SFTP_REQS 1024			/* requests awaiting their reply */
#define SFTP_REQ_PATHS (1024 * 1024)	/* bytes of paths they hold */
#define SFTP_FILES 128			/* open files followed */

/* draft-ietf-secsh-filexfer-02, and the extensions of OpenSSH's sftp. */
enum {
	SSH_FXP_INIT = 1, SSH_FXP_VERSION = 2, SSH_FXP_OPEN = 3,
	SSH_FXP_CLOSE = 4, SSH_FXP_READ = 5, SSH_FXP_WRITE = 6,
	SSH_FXP_SETSTAT = 9, SSH_FXP_FSETSTAT = 10, SSH_FXP_REMOVE = 13,
	SSH_FXP_MKDIR = 14, SSH_FXP_RMDIR = 15, SSH_FXP_RENAME = 18,
	SSH_FXP_SYMLINK = 20, SSH_FXP_STATUS = 101, SSH_FXP_HANDLE = 102,
	SSH_FXP_DATA = 103, SSH_FXP_NAME = 104, SSH_FXP_ATTRS = 105,
	SSH_FXP_EXTENDED = 200, SSH_FXP_EXTENDED_REPLY = 201
};
#define SSH_FXF_WRITE 0x02
#define SSH_FXF_APPEND 0x04
#define SSH_FXF_CREAT 0x08
#define SSH_FXF_TRUNC 0x10
#define SSH_FXF_EXCL 0x20
#define SSH_FILEXFER_ATTR_SIZE 0x01
#define SSH_FILEXFER_ATTR_UIDGID 0x02
#define SSH_FILEXFER_ATTR_PERMISSIONS 0x04
#define SSH_FILEXFER_ATTR_ACMODTIME 0x08
#define SSH_FILEXFER_ATTR_EXTENDED 0x80000000U
#define SSH_FX_OK 0
#define SSH_FX_EOF 1

/* The bytes that went one way through an open file, and their hash. */
struct sftp_flow {
	int used;			/* written, or read from */
	int whole;			/* the hash has every byte so far */
	int eof;			/* a READ where the hash ends met EOF */
	uint64_t bytes;
	uint64_t hashed;		/* where the next piece must start */
	crypto_hash_sha256_state sha;
};

struct sftp_file {
	unsigned char handle[SFTP_HANDLE_MAX];
	size_t handle_len;
	char *path;
	uint32_t pflags;
	struct sftp_flow up, down;	/* WRITEs; READs' DATA */
};

struct sftp_req {
	int type;			/* its packet type; 0: none */
	uint32_t id;
	uint32_t pflags;		/* OPEN */
	struct sftp_file *file;		/* READ, WRITE, CLOSE */
	uint64_t offset;		/* READ */
	uint32_t len;			/* READ */
	char *path, *path2;		/* OPEN and the path operations */
};

/* One direction of the stream, and the packets it may carry. */
struct sftp_dir {
	uint8_t hello;			/* its first packet, and only that */
	uint32_t version;		/* the hello's version must be; 0: any */
	uint8_t lo, hi, ext;		/* the types it carries with an id */
	struct buf *in;			/* the packet being gathered */
	unsigned char *body;		/* its room, once its length is known */
	uint32_t len, got;
	int started;			/* hello seen */
};

struct rec_sftp {
	void (*emit)(void *, const struct rec_sftp_event *);
	void *arg;
	int failed;
	int unfollowed;			/* an opened file would go unseen */
	struct sftp_dir client, server;
	struct sftp_req reqs[SFTP_REQS];	/* a ring, oldest first */
	size_t head, nreqs;
	size_t req_paths;		/* bytes of the paths they hold */
	struct sftp_file *files[SFTP_FILES];
};

struct rec_sftp *
rec_sftp_new(void (*emit)(void *, const struct rec_sftp_event *), void *arg)
{
	struct rec_sftp *s = xcalloc(1, sizeof(*s));

	s->emit = emit;
	s->arg = arg;
	/*
	 * The server's version is the session's, and another version's
	 * packets are not these: a server that does not speak 3 cannot be
	 * followed. A client may ask for a later one and get 3.
	 */
	s->client = (struct sftp_dir){ .hello = SSH_FXP_INIT,
	    .lo = SSH_FXP_OPEN, .hi = SSH_FXP_SYMLINK, .ext = SSH_FXP_EXTENDED,
	    .in = buf_new(SFTP_PACKET_MAX) };
	s->server = (struct sftp_dir){ .hello = SSH_FXP_VERSION, .version = 3,
	    .lo = SSH_FXP_STATUS, .hi = SSH_FXP_ATTRS,
	    .ext = SSH_FXP_EXTENDED_REPLY, .in = buf_new(SFTP_PACKET_MAX) };
	return s;
}

void
rec_sftp_free(struct rec_sftp *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nreqs; i++) {
		free(s->reqs[(s->head + i) % SFTP_REQS].path);
		free(s->reqs[(s->head + i) % SFTP_REQS].path2);
	}
	for (i = 0; i < SFTP_FILES; i++)
		if (s->files[i] != NULL) {
			free(s->files[i]->path);
			free(s->files[i]);
		}
	buf_free(s->client.in);
	buf_free(s->server.in);
	free(s);
}

/* The event a path operation makes, if it makes one. */
static int
sftp_req_kind(int type)
{
	switch (type) {
	case SSH_FXP_REMOVE:
		return SFTP_EV_REMOVE;
	case SSH_FXP_RENAME:
		return SFTP_EV_RENAME;
	case SSH_FXP_MKDIR:
		return SFTP_EV_MKDIR;
	case SSH_FXP_RMDIR:
		return SFTP_EV_RMDIR;
	case SSH_FXP_SETSTAT:
		return SFTP_EV_SETSTAT;
	default:
		return 0;
	}
}

static void
sftp_req_emit(struct rec_sftp *s, const struct sftp_req *r, int ok)
{
	struct rec_sftp_event ev;

	memset(&ev, 0, sizeof(ev));
	if ((ev.kind = sftp_req_kind(r->type)) == 0)
		return;
	ev.path = r->path;
	ev.path2 = r->path2 != NULL ? r->path2 : "";
	ev.ok = ok;
	s->emit(s->arg, &ev);
}

static struct sftp_req *
sftp_req_at(struct rec_sftp *s, size_t i)
{
	return &s->reqs[(s->head + i) % SFTP_REQS];
}

static size_t
sftp_path_size(const char *path)
{
	return path == NULL ? 0 : strlen(path) + 1;
}

/*
 * A request leaves the ring: answered, or forgotten (report: a path
 * operation is reported unconfirmed). The head moves past every slot
 * gone, so the head is always a request still waiting.
 */
static void
sftp_req_drop(struct rec_sftp *s, struct sftp_req *r, int report)
{
	if (report)
		sftp_req_emit(s, r, 0);
	s->req_paths -= sftp_path_size(r->path) + sftp_path_size(r->path2);
	free(r->path);
	free(r->path2);
	memset(r, 0, sizeof(*r));
	while (s->nreqs > 0 && sftp_req_at(s, 0)->type == 0) {
		s->head = (s->head + 1) % SFTP_REQS;
		s->nreqs--;
	}
}

static char *
sftp_strndup(const unsigned char *p, size_t n)
{
	char *d = xcalloc(1, n + 1);

	memcpy(d, p, n);
	return d;
}

/* A request waits for its reply, with copies of its paths (n: bytes). */
static struct sftp_req *
sftp_req_add(struct rec_sftp *s, int type, uint32_t id,
    const unsigned char *path, size_t n, const unsigned char *path2,
    size_t n2)
{
	size_t need = (path != NULL ? n + 1 : 0) + (path2 != NULL ? n2 + 1 : 0);
	struct sftp_req *r;

	while (s->nreqs == SFTP_REQS ||
	    (s->nreqs > 0 && s->req_paths + need > SFTP_REQ_PATHS)) {
		/* a forgotten OPEN would let its file move unseen */
		if (sftp_req_at(s, 0)->type == SSH_FXP_OPEN)
			s->unfollowed = 1;
		sftp_req_drop(s, sftp_req_at(s, 0), 1);
	}
	r = sftp_req_at(s, s->nreqs++);
	r->type = type;
	r->id = id;
	if (path != NULL)
		r->path = sftp_strndup(path, n);
	if (path2 != NULL)
		r->path2 = sftp_strndup(path2, n2);
	s->req_paths += need;
	return r;
}

static struct sftp_req *
sftp_req_find(struct rec_sftp *s, uint32_t id)
{
	struct sftp_req *r;
	size_t i;

	for (i = 0; i < s->nreqs; i++) {
		r = sftp_req_at(s, i);
		if (r->type != 0 && r->id == id)
			return r;
	}
	return NULL;
}

static struct sftp_file *
sftp_file_find(struct rec_sftp *s, const unsigned char *handle, size_t n)
{
	size_t i;

	for (i = 0; i < SFTP_FILES; i++)
		if (s->files[i] != NULL && s->files[i]->handle_len == n &&
		    memcmp(s->files[i]->handle, handle, n) == 0)
			return s->files[i];
	return NULL;
}

/* The open left the file empty: an upload, written to or not. */
static int
sftp_empties(uint32_t pflags)
{
	return (pflags & SSH_FXF_WRITE) && ((pflags & SSH_FXF_TRUNC) ||
	    ((pflags & SSH_FXF_CREAT) && (pflags & SSH_FXF_EXCL)));
}

static void
sftp_flow_emit(struct rec_sftp *s, const struct sftp_file *f, int kind,
    struct sftp_flow *w, int ok)
{
	struct rec_sftp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.path = f->path;
	ev.path2 = "";
	ev.bytes = w->bytes;
	ev.whole = w->whole && (kind == SFTP_EV_UPLOAD || w->eof);
	if (ev.whole)
		crypto_hash_sha256_final(&w->sha, ev.sha256);
	ev.ok = ok;
	s->emit(s->arg, &ev);
}

/*
 * An open file ends (its CLOSE answered, or the stream ended: ok 0) and
 * reports what was done with it: a download if it was read from, an
 * upload if it was written to or the open emptied it; both, for a file
 * opened to read and write that was.
 */
static void
sftp_file_end(struct rec_sftp *s, struct sftp_file *f, int ok)
{
	size_t i;

	if (f->down.used)
		sftp_flow_emit(s, f, SFTP_EV_DOWNLOAD, &f->down, ok);
	if (f->up.used || sftp_empties(f->pflags))
		sftp_flow_emit(s, f, SFTP_EV_UPLOAD, &f->up, ok);
	for (i = 0; i < s->nreqs; i++)
		if (sftp_req_at(s, i)->file == f)
			sftp_req_at(s, i)->file = NULL;
	for (i = 0; i < SFTP_FILES; i++)
		if (s->files[i] == f)
			s->files[i] = NULL;
	free(f->path);
	free(f);
}

/* An OPEN's handle: the file is followed, if there is room. */
static void
sftp_file_open(struct rec_sftp *s, struct sftp_req *r,
    const unsigned char *handle, size_t n)
{
	struct sftp_file *f;
	size_t i;

	/* the server reuses a handle: its CLOSE's answer was not seen */
	if ((f = sftp_file_find(s, handle, n)) != NULL)
		sftp_file_end(s, f, 0);
	for (i = 0; i < SFTP_FILES && s->files[i] != NULL; i++)
		;
	if (i == SFTP_FILES) {
		s->unfollowed = 1;	/* no room: we would not see it */
		return;
	}
	f = s->files[i] = xcalloc(1, sizeof(*f));
	memcpy(f->handle, handle, n);
	f->handle_len = n;
	f->path = r->path;		/* the file takes the request's copy */
	s->req_paths -= sftp_path_size(r->path);
	r->path = NULL;
	f->pflags = r->pflags;
	/*
	 * An upload's hash is the file's if the file started empty and no
	 * APPEND put the data at its end whatever the offsets.
	 */
	f->up.whole = sftp_empties(f->pflags) &&
	    !(f->pflags & SSH_FXF_APPEND);
	f->down.whole = 1;
	crypto_hash_sha256_init(&f->up.sha);
	crypto_hash_sha256_init(&f->down.sha);
}

/*
 * An OPEN the server refused: an attempt is worth an audit row (a denied
 * read of /etc/shadow), reported as the transfer it was for, failed and
 * with no bytes.
 */
static void
sftp_open_refused(struct rec_sftp *s, const struct sftp_req *r)
{
	struct rec_sftp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = (r->pflags & SSH_FXF_WRITE) ? SFTP_EV_UPLOAD :
	    SFTP_EV_DOWNLOAD;
	ev.path = r->path;
	ev.path2 = "";
	s->emit(s->arg, &ev);
}

/* A piece of the file at off: hashed if it starts where the hash ends. */
static void
sftp_flow_piece(struct sftp_flow *w, uint64_t off, const unsigned char *p,
    size_t n)
{
	w->used = 1;
	w->bytes += n;
	if (!w->whole)
		return;
	if (off != w->hashed) {
		w->whole = 0;
		return;
	}
	crypto_hash_sha256_update(&w->sha, p, n);
	w->hashed += n;
}

static int
sftp_get_path(struct buf *b, const unsigned char **p, size_t *n)
{
	if (buf_get_string(b, p, n) != JG_OK || *n > JG_PATH_MAX ||
	    memchr(*p, '\0', *n) != NULL)
		return JG_ECORRUPT;
	return JG_OK;
}

static int
sftp_get_handle(struct buf *b, const unsigned char **p, size_t *n)
{
	if (buf_get_string(b, p, n) != JG_OK || *n > SFTP_HANDLE_MAX)
		return JG_ECORRUPT;
	return JG_OK;
}

/* An extension's pair of strings: name, data. */
static int
sftp_get_pair(struct buf *b)
{
	const unsigned char *p;
	size_t n;

	if (buf_get_string(b, &p, &n) != JG_OK ||
	    buf_get_string(b, &p, &n) != JG_OK)
		return JG_ECORRUPT;
	return JG_OK;
}

/*
 * ATTRS: the fields its flags name, in order. A flag version 3 does not
 * define is corrupt: what it would carry cannot be known.
 */
static int
sftp_get_attrs(struct buf *b)
{
	uint32_t flags, u32, count;
	uint64_t u64;

	if (buf_get_u32(b, &flags) != JG_OK ||
	    (flags & ~(SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID |
	    SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME |
	    SSH_FILEXFER_ATTR_EXTENDED)) != 0)
		return JG_ECORRUPT;
	if ((flags & SSH_FILEXFER_ATTR_SIZE) && buf_get_u64(b, &u64) != JG_OK)
		return JG_ECORRUPT;
	if ((flags & SSH_FILEXFER_ATTR_UIDGID) &&
	    (buf_get_u32(b, &u32) != JG_OK || buf_get_u32(b, &u32) != JG_OK))
		return JG_ECORRUPT;
	if ((flags & SSH_FILEXFER_ATTR_PERMISSIONS) &&
	    buf_get_u32(b, &u32) != JG_OK)
		return JG_ECORRUPT;
	if ((flags & SSH_FILEXFER_ATTR_ACMODTIME) &&
	    (buf_get_u32(b, &u32) != JG_OK || buf_get_u32(b, &u32) != JG_OK))
		return JG_ECORRUPT;
	if (!(flags & SSH_FILEXFER_ATTR_EXTENDED))
		return JG_OK;
	if (buf_get_u32(b, &count) != JG_OK)
		return JG_ECORRUPT;
	/* a count past the packet fails at its end: each pair takes 8 bytes */
	for (; count > 0; count--)
		if (sftp_get_pair(b) != JG_OK)
			return JG_ECORRUPT;
	return JG_OK;
}

/* INIT or VERSION: the version, then extension pairs to the end. */
static int
sftp_get_version(struct buf *b, uint32_t *version)
{
	if (buf_get_u32(b, version) != JG_OK)
		return JG_ECORRUPT;
	while (buf_len(b) > 0)
		if (sftp_get_pair(b) != JG_OK)
			return JG_ECORRUPT;
	return JG_OK;
}

/*
 * REMOVE, RMDIR (path); MKDIR, SETSTAT (path, attrs); RENAME (old path,
 * new path). OpenSSH's extensions posix-rename and lsetstat come here
 * as RENAME and SETSTAT.
 */
static int
sftp_path_op(struct rec_sftp *s, int type, uint32_t id, struct buf *b)
{
	const unsigned char *p, *p2 = NULL;
	size_t n, n2 = 0;

	if (sftp_get_path(b, &p, &n) != JG_OK ||
	    (type == SSH_FXP_RENAME && sftp_get_path(b, &p2, &n2) != JG_OK) ||
	    ((type == SSH_FXP_MKDIR || type == SSH_FXP_SETSTAT) &&
	    sftp_get_attrs(b) != JG_OK) || buf_len(b) != 0)
		return JG_ECORRUPT;
	sftp_req_add(s, type, id, p, n, p2, n2);
	return JG_OK;
}

/* OPEN: path, pflags, attrs. The HANDLE reply makes it a file. */
static int
sftp_open(struct rec_sftp *s, uint32_t id, struct buf *b)
{
	const unsigned char *p;
	uint32_t pflags;
	size_t n;

	if (sftp_get_path(b, &p, &n) != JG_OK ||
	    buf_get_u32(b, &pflags) != JG_OK || sftp_get_attrs(b) != JG_OK ||
	    buf_len(b) != 0)
		return JG_ECORRUPT;
	sftp_req_add(s, SSH_FXP_OPEN, id, p, n, NULL, 0)->pflags = pflags;
	return JG_OK;
}

/*
 * Requests on a handle: CLOSE (handle), READ (handle, offset, length),
 * WRITE (handle, offset, data), FSETSTAT (handle, attrs). A handle not
 * followed is no event.
 */
static int
sftp_handle_op(struct rec_sftp *s, int type, uint32_t id, struct buf *b)
{
	const unsigned char *h, *data = NULL;
	struct sftp_file *f;
	struct sftp_req *r;
	uint64_t off = 0;
	uint32_t len = 0;
	size_t hn, n = 0;

	if (sftp_get_handle(b, &h, &hn) != JG_OK ||
	    ((type == SSH_FXP_READ || type == SSH_FXP_WRITE) &&
	    buf_get_u64(b, &off) != JG_OK) ||
	    (type == SSH_FXP_READ && buf_get_u32(b, &len) != JG_OK) ||
	    (type == SSH_FXP_WRITE && buf_get_string(b, &data, &n) != JG_OK) ||
	    (type == SSH_FXP_FSETSTAT && sftp_get_attrs(b) != JG_OK) ||
	    buf_len(b) != 0)
		return JG_ECORRUPT;
	if ((f = sftp_file_find(s, h, hn)) == NULL)
		return JG_OK;
	if (type == SSH_FXP_FSETSTAT) {
		sftp_req_add(s, SSH_FXP_SETSTAT, id,
		    (const unsigned char *)f->path, strlen(f->path), NULL, 0);
		return JG_OK;
	}
	if (type == SSH_FXP_WRITE) {
		if (!(f->pflags & SSH_FXF_WRITE))
			return JG_OK;	/* the server refuses it */
		sftp_flow_piece(&f->up, off, data, n);
	}
	r = sftp_req_add(s, type, id, NULL, 0, NULL, 0);
	r->file = f;
	r->offset = off;
	r->len = len;
	return JG_OK;
}

static int
sftp_named(const unsigned char *p, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(p, name, n) == 0;
}

/*
 * EXTENDED: OpenSSH's sftp renames with posix-rename@openssh.com and
 * chmod -h is lsetstat@openssh.com; copy-data (sftp's cp) writes a file
 * on the server, so the bytes the upload claims are not all of it.
 */
static int
sftp_extended(struct rec_sftp *s, uint32_t id, struct buf *b)
{
	const unsigned char *name, *h;
	struct sftp_file *f;
	uint64_t u64;
	size_t n, hn;

	if (buf_get_string(b, &name, &n) != JG_OK)
		return JG_ECORRUPT;
	if (sftp_named(name, n, "posix-rename@openssh.com"))
		return sftp_path_op(s, SSH_FXP_RENAME, id, b);
	if (sftp_named(name, n, "lsetstat@openssh.com"))
		return sftp_path_op(s, SSH_FXP_SETSTAT, id, b);
	if (!sftp_named(name, n, "copy-data"))
		return JG_OK;
	if (sftp_get_handle(b, &h, &hn) != JG_OK ||
	    buf_get_u64(b, &u64) != JG_OK || buf_get_u64(b, &u64) != JG_OK ||
	    sftp_get_handle(b, &h, &hn) != JG_OK ||
	    buf_get_u64(b, &u64) != JG_OK || buf_len(b) != 0)
		return JG_ECORRUPT;
	if ((f = sftp_file_find(s, h, hn)) != NULL &&
	    (f->pflags & SSH_FXF_WRITE)) {
		f->up.used = 1;
		f->up.whole = 0;
	}
	return JG_OK;
}

/*
 * A packet's type and id: 1 for a packet to go on with, 0 for one done
 * with (the hello, or a type not ours to know, skipped as it is framed),
 * or JG_ECORRUPT.
 */
static int
sftp_packet_start(struct sftp_dir *d, struct buf *b, uint8_t *type,
    uint32_t *id)
{
	uint32_t version;

	if (buf_get_u8(b, type) != JG_OK)
		return JG_ECORRUPT;
	if (!d->started) {
		d->started = 1;
		if (*type != d->hello || sftp_get_version(b, &version) !=
		    JG_OK || (d->version != 0 && version != d->version))
			return JG_ECORRUPT;
		return 0;
	}
	if (*type == d->hello)
		return JG_ECORRUPT;		/* once only */
	if ((*type < d->lo || *type > d->hi) && *type != d->ext)
		return 0;
	if (buf_get_u32(b, id) != JG_OK)
		return JG_ECORRUPT;
	return 1;
}

/* One packet from the client, whole (type and body). */
static int
sftp_client_packet(struct rec_sftp *s, struct buf *b)
{
	uint8_t type;
	uint32_t id;
	int r;

	if ((r = sftp_packet_start(&s->client, b, &type, &id)) != 1)
		return r;
	switch (type) {
	case SSH_FXP_OPEN:
		return sftp_open(s, id, b);
	case SSH_FXP_CLOSE:
	case SSH_FXP_READ:
	case SSH_FXP_WRITE:
	case SSH_FXP_FSETSTAT:
		return sftp_handle_op(s, type, id, b);
	case SSH_FXP_REMOVE:
	case SSH_FXP_RENAME:
	case SSH_FXP_MKDIR:
	case SSH_FXP_RMDIR:
	case SSH_FXP_SETSTAT:
		return sftp_path_op(s, type, id, b);
	case SSH_FXP_EXTENDED:
		return sftp_extended(s, id, b);
	default:
		return JG_OK;	/* STAT, OPENDIR, READDIR...: no file event */
	}
}

/*
 * A reply (type; STATUS's code, or HANDLE's or DATA's string) answers
 * request r. Any reply but STATUS OK to a request that wants one is a
 * failure.
 */
static void
sftp_reply(struct rec_sftp *s, struct sftp_req *r, int type, uint32_t code,
    const unsigned char *p, size_t n)
{
	struct sftp_file *f = r->file;
	int ok = type == SSH_FXP_STATUS && code == SSH_FX_OK;

	switch (r->type) {
	case SSH_FXP_OPEN:
		if (type == SSH_FXP_HANDLE)
			sftp_file_open(s, r, p, n);
		else
			sftp_open_refused(s, r);
		break;
	case SSH_FXP_READ:
		/* read from: DATA or EOF; a READ refused moved nothing */
		if (f == NULL)
			break;
		if (type == SSH_FXP_DATA) {
			if (n > r->len)
				f->down.whole = 0;	/* more than asked */
			sftp_flow_piece(&f->down, r->offset, p, n);
			f->down.eof = 0;
		} else if (type == SSH_FXP_STATUS && code == SSH_FX_EOF) {
			f->down.used = 1;
			if (r->offset == f->down.hashed)
				f->down.eof = 1;
		}
		break;
	case SSH_FXP_WRITE:
		if (f != NULL && !ok)
			f->up.whole = 0;
		break;
	case SSH_FXP_CLOSE:
		if (f != NULL)
			sftp_file_end(s, f, ok);
		break;
	default:
		sftp_req_emit(s, r, ok);
		break;
	}
}

/* NAME: a count of (filename, longname, attrs). */
static int
sftp_get_names(struct buf *b)
{
	const unsigned char *p;
	uint32_t count;
	size_t n;

	if (buf_get_u32(b, &count) != JG_OK)
		return JG_ECORRUPT;
	/* a count past the packet fails at its end: each takes 12 bytes */
	for (; count > 0; count--)
		if (buf_get_string(b, &p, &n) != JG_OK ||
		    buf_get_string(b, &p, &n) != JG_OK ||
		    sftp_get_attrs(b) != JG_OK)
			return JG_ECORRUPT;
	return JG_OK;
}

/* One packet from the server, whole (type and body). */
static int
sftp_server_packet(struct rec_sftp *s, struct buf *b)
{
	const unsigned char *p = NULL;
	uint32_t id, code = 0;
	struct sftp_req *r;
	size_t n = 0;
	uint8_t type;
	int rc;

	if ((rc = sftp_packet_start(&s->server, b, &type, &id)) != 1)
		return rc;
	rc = JG_OK;
	switch (type) {
	case SSH_FXP_STATUS:
		/* message and language: OpenSSH sends both, older servers none */
		if (buf_get_u32(b, &code) != JG_OK || (buf_len(b) > 0 &&
		    (buf_get_string(b, &p, &n) != JG_OK ||
		    buf_get_string(b, &p, &n) != JG_OK)))
			rc = JG_ECORRUPT;
		break;
	case SSH_FXP_HANDLE:
		rc = sftp_get_handle(b, &p, &n);
		break;
	case SSH_FXP_DATA:
		if (buf_get_string(b, &p, &n) != JG_OK)
			rc = JG_ECORRUPT;
		break;
	case SSH_FXP_NAME:
		rc = sftp_get_names(b);
		break;
	case SSH_FXP_ATTRS:
		rc = sftp_get_attrs(b);
		break;
	case SSH_FXP_EXTENDED_REPLY:
		buf_consume(b, buf_len(b));	/* its layout is the request's */
		break;
	}
	if (rc != JG_OK || buf_len(b) != 0)
		return JG_ECORRUPT;
	if ((r = sftp_req_find(s, id)) != NULL) {
		sftp_reply(s, r, type, code, p, n);
		sftp_req_drop(s, r, 0);
	}
	return JG_OK;
}

static int
sftp_fail(struct rec_sftp *s)
{
	s->failed = 1;
	return JG_ECORRUPT;
}

/*
 * A direction's bytes: gathered into packets, each handed on whole. The
 * buffer holds one packet at most; after a small one it gives back the
 * room a large one took.
 */
static int
sftp_feed(struct rec_sftp *s, struct sftp_dir *d, const unsigned char *p,
    size_t len, int (*packet)(struct rec_sftp *, struct buf *))
{
	size_t n;
	int r;

	if (s->failed)
		return JG_ECORRUPT;
	while (len > 0) {
		if (d->body == NULL) {		/* the length comes first */
			n = 4 - buf_len(d->in);
			n = n < len ? n : len;
			if (buf_put(d->in, p, n) != JG_OK)
				return sftp_fail(s);
			p += n;
			len -= n;
			if (buf_len(d->in) < 4)
				break;
			if (buf_get_u32(d->in, &d->len) != JG_OK ||
			    d->len < 1 || d->len > SFTP_PACKET_MAX ||
			    buf_reserve(d->in, d->len, &d->body) != JG_OK)
				return sftp_fail(s);
			d->got = 0;
			continue;
		}
		n = d->len - d->got;
		n = n < len ? n : len;
		memcpy(d->body + d->got, p, n);
		d->got += (uint32_t)n;
		p += n;
		len -= n;
		if (d->got < d->len)
			break;
		r = packet(s, d->in);
		buf_consume(d->in, buf_len(d->in));
		if (d->len < SFTP_KEEP)
			buf_trim(d->in, SFTP_KEEP);
		d->body = NULL;
		/* Files we cannot follow end the stream: nothing moves
		   unaudited because a client kept us busy. */
		if (r != JG_OK || s->unfollowed)
			return sftp_fail(s);
	}
	return JG_OK;
}

/* What the client sent to the server: JG_OK, or JG_ECORRUPT for good. */
int
rec_sftp_client(struct rec_sftp *s, const void *data, size_t len)
{
	return sftp_feed(s, &s->client, data, len, sftp_client_packet);
}

/* What the server sent to the client: JG_OK, or JG_ECORRUPT for good. */
int
rec_sftp_server(struct rec_sftp *s, const void *data, size_t len)
{
	return sftp_feed(s, &s->server, data, len, sftp_server_packet);
}

/*
 * The channel ended: path operations never answered and files still
 * open are reported unconfirmed, and forgotten. Bytes that come later
 * are still followed (a late reply is to no request); a stream that
 * failed stays failed.
 */
void
rec_sftp_end(struct rec_sftp *s)
{
	size_t i;

	while (s->nreqs > 0)
		sftp_req_drop(s, sftp_req_at(s, 0), 1);
	for (i = 0; i < SFTP_FILES; i++)
		if (s->files[i] != NULL)
			sftp_file_end(s, s->files[i], 0);
}

/* The name of an operation, as the store, the audit and REC_FILE say it. */
const char *
rec_sftp_op_name(int kind)
{
	static const char *const names[] = {
		[SFTP_EV_UPLOAD] = "upload", [SFTP_EV_DOWNLOAD] = "download",
		[SFTP_EV_REMOVE] = "remove", [SFTP_EV_RENAME] = "rename",
		[SFTP_EV_MKDIR] = "mkdir", [SFTP_EV_RMDIR] = "rmdir",
		[SFTP_EV_SETSTAT] = "setstat",
		[SFTP_EV_RSYNC_UP] = "rsync-upload",
		[SFTP_EV_RSYNC_DOWN] = "rsync-download",
	};

	if (kind < SFTP_EV_UPLOAD || kind > SFTP_EV_RSYNC_DOWN)
		return NULL;
	return names[kind];
}
