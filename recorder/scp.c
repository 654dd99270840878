/* scp.c: the files in scp's legacy (-O) protocol stream, for the audit: each file's path, size and SHA-256. */

/*
 * scp -O runs `scp -t DEST` (upload) or `scp -f SRC` (download) on the
 * target, and the side that has the files (the client for -t, the target
 * for -f) sends them as lines and data: `C<mode> <size> <name>\n`, then
 * size bytes, then one status byte (0, or 1/2 when the source failed to
 * read it); `D<mode> 0 <name>\n` enters a directory and `E\n` leaves it;
 * `T<mtime> 0 <atime> 0\n` sets times; a line starting with 1 or 2 is a
 * warning or an error. We follow only that side's bytes (the sink's
 * acknowledgements say nothing about what moved): every length and name
 * is checked before anything is kept, a stream that breaks the protocol
 * is JG_ECORRUPT once and for good, and memory is one line and a
 * directory stack of bounded depth.
 *
 * Paths: the protocol carries only base names. For a download the file
 * is SRC itself, or, recursive, the directory of SRC joined with the
 * directories entered and the name; for an upload the file is DEST, or,
 * when DEST must be a directory (-d, -r), DEST joined with the same (a
 * single file sent to an existing directory lands under it, which the
 * stream cannot tell: the path is then that directory).
 */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "transfer.h"

#define SCP_LINE_MAX (JG_FILE_PATH_MAX + 64)
#define SCP_DEPTH_MAX 64

enum { SCP_LINE = 0, SCP_DATA, SCP_STATUS, SCP_BROKEN };

struct rec_scp {
	int upload;
	char base[JG_FILE_PATH_MAX + 1];	/* DEST, or SRC's directory */
	int into;			/* names go under base */
	void (*emit)(void *, const struct rec_sftp_event *);
	void *arg;
	int state;
	char line[SCP_LINE_MAX + 1];
	size_t nline;
	char dirs[JG_FILE_PATH_MAX + 1];	/* directories entered, a/b */
	size_t depth;
	size_t dirlen[SCP_DEPTH_MAX];
	char name[JG_FILE_PATH_MAX + 1];	/* the file in transit */
	uint64_t left, bytes;
	crypto_hash_sha256_state sha;
};

/*
 * upload: the stream followed is the client's (`scp -t path`); else the
 * target's (`scp -f path`). into: the command said -r or -d.
 */
struct rec_scp *
rec_scp_new(int upload, const char *path, int into,
    void (*emit)(void *, const struct rec_sftp_event *), void *arg)
{
	struct rec_scp *s = xcalloc(1, sizeof(*s));
	const char *slash;
	size_t n;

	s->upload = upload;
	s->emit = emit;
	s->arg = arg;
	s->into = into != 0;
	if (!upload && into && (slash = strrchr(path, '/')) != NULL)
		snprintf(s->base, sizeof(s->base), "%.*s", (int)(slash - path),
		    path);
	else if (!upload && into)
		s->base[0] = '\0';	/* SRC in the login's directory */
	else
		snprintf(s->base, sizeof(s->base), "%s", path);
	/* "dir/" and "dir" name the same directory */
	n = strlen(s->base);
	while (n > 1 && s->base[n - 1] == '/')
		s->base[--n] = '\0';
	return s;
}

void
rec_scp_free(struct rec_scp *s)
{
	if (s == NULL)
		return;
	sodium_memzero(&s->sha, sizeof(s->sha));
	free(s);
}

static int
scp_broken(struct rec_scp *s)
{
	s->state = SCP_BROKEN;
	return JG_ECORRUPT;
}

/* A base name: not empty, no '/', not . or .. (sizes checked by the caller). */
static int
scp_name_ok(const char *n)
{
	return n[0] != '\0' && strchr(n, '/') == NULL && strcmp(n, ".") != 0 &&
	    strcmp(n, "..") != 0;
}

/* "<mode> <size> <name>" after the C or D: 4 octal digits, a number. */
static int
scp_header(const char *p, uint64_t *size, const char **name)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		if (p[i] < '0' || p[i] > '7')
			return JG_EINVAL;
	p += 4;
	if (*p++ != ' ' || *p < '0' || *p > '9')
		return JG_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10 || v * 10 > INT64_MAX - 9)
			return JG_EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p++ != ' ' || !scp_name_ok(p))
		return JG_EINVAL;
	*size = v;
	*name = p;
	return JG_OK;
}

/* "T<digits> <digits> <digits> <digits>" */
static int
scp_times(const char *p)
{
	int field, digits;

	for (field = 0; field < 4; field++) {
		if (field > 0 && *p++ != ' ')
			return JG_EINVAL;
		for (digits = 0; *p >= '0' && *p <= '9'; p++)
			if (++digits > 20)
				return JG_EINVAL;
		if (digits == 0)
			return JG_EINVAL;
	}
	return *p == '\0' ? JG_OK : JG_EINVAL;
}

static int
scp_line(struct rec_scp *s)
{
	const char *name;
	uint64_t size;
	size_t n;

	switch (s->line[0]) {
	case 'C':
		if (scp_header(s->line + 1, &size, &name) != JG_OK)
			return scp_broken(s);
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->left = size;
		s->bytes = 0;
		crypto_hash_sha256_init(&s->sha);
		s->state = size > 0 ? SCP_DATA : SCP_STATUS;
		return JG_OK;
	case 'D':
		if (scp_header(s->line + 1, &size, &name) != JG_OK ||
		    s->depth == SCP_DEPTH_MAX)
			return scp_broken(s);
		n = strlen(s->dirs);
		if (n + 1 + strlen(name) > JG_FILE_PATH_MAX)
			return scp_broken(s);
		s->dirlen[s->depth++] = n;
		snprintf(s->dirs + n, sizeof(s->dirs) - n, "%s%s", n ? "/" : "",
		    name);
		return JG_OK;
	case 'E':
		if (s->line[1] != '\0' || s->depth == 0)
			return scp_broken(s);
		s->dirs[s->dirlen[--s->depth]] = '\0';
		return JG_OK;
	case 'T':
		return scp_times(s->line + 1) == JG_OK ? JG_OK : scp_broken(s);
	case '\001':
	case '\002':
		return JG_OK;	/* the source's warning or error: no file */
	}
	return scp_broken(s);
}

/* The file went through (ok: its status byte was 0): one event. */
static void
scp_file(struct rec_scp *s, int ok)
{
	struct rec_sftp_event ev;
	char path[JG_FILE_PATH_MAX + 1];
	int n;

	memset(&ev, 0, sizeof(ev));
	if (!s->into)
		n = snprintf(path, sizeof(path), "%s", s->base);
	else
		n = snprintf(path, sizeof(path), "%s%s%s%s%s", s->base,
		    s->base[0] && strcmp(s->base, "/") != 0 ? "/" : "",
		    s->dirs, s->dirs[0] ? "/" : "", s->name);
	if (n < 0 || (size_t)n >= sizeof(path))
		snprintf(path, sizeof(path), "%s", s->name);
	ev.kind = s->upload ? SFTP_EV_UPLOAD : SFTP_EV_DOWNLOAD;
	ev.path = path;
	ev.path2 = "";
	ev.bytes = s->bytes;
	ev.ok = ok;
	ev.whole = ok;
	if (ok)
		crypto_hash_sha256_final(&s->sha, ev.sha256);
	s->emit(s->arg, &ev);
}

/* Bytes of the source's stream: JG_OK, or JG_ECORRUPT (for good). */
int
rec_scp_source(struct rec_scp *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, k;

	if (s->state == SCP_BROKEN)
		return JG_ECORRUPT;
	while (i < len) {
		switch (s->state) {
		case SCP_LINE:
			if (p[i] == '\n') {
				s->line[s->nline] = '\0';
				s->nline = 0;
				i++;
				if (scp_line(s) != JG_OK)
					return JG_ECORRUPT;
				break;
			}
			if (p[i] == '\0' || s->nline == SCP_LINE_MAX)
				return scp_broken(s);
			s->line[s->nline++] = (char)p[i++];
			break;
		case SCP_DATA:
			k = len - i < s->left ? len - i : (size_t)s->left;
			crypto_hash_sha256_update(&s->sha, p + i, k);
			s->left -= k;
			s->bytes += k;
			i += k;
			if (s->left == 0)
				s->state = SCP_STATUS;
			break;
		case SCP_STATUS:
			if (p[i] != '\0' && p[i] != '\001' && p[i] != '\002')
				return scp_broken(s);
			scp_file(s, p[i] == '\0');
			s->state = SCP_LINE;
			if (p[i] != '\0') {
				/* a failed read: its message line follows */
				s->line[0] = (char)p[i];
				s->nline = 1;
			}
			i++;
			break;
		}
	}
	return JG_OK;
}

/* The session ended: a file cut short is reported, not whole. */
void
rec_scp_end(struct rec_scp *s)
{
	if (s->state == SCP_DATA || s->state == SCP_STATUS)
		scp_file(s, 0);
	s->state = SCP_BROKEN;
}
