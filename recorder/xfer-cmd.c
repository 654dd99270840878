/* xfer-cmd.c: what an scp or rsync server command says it moves: which way, and where. */

/*
 * The command is the client's exec request, so it is hostile input. The
 * gateway calls these only for commands record_is_transfer let through
 * (no quote, backslash or other shell character), so splitting on spaces
 * is how the target's shell will split it too. Both return what they
 * found in memory of their own; nothing is kept from the command.
 */

#include <stdlib.h>
#include <string.h>

#include "transfer.h"

/*
 * scp -t PATH (upload) or scp -f PATH (download): which way, whether PATH
 * is a directory the files go under (-r, -d), and PATH ("" with several
 * sources: each file by its own name). JG_EINVAL when it says neither.
 */
int
rec_scp_command(const char *cmd, int *upload, int *into, char **path)
{
	char *copy = xstrdup(cmd), *w, *save = NULL, *first = NULL;
	int opts = 1, npaths = 0;

	*upload = -1;
	*into = 0;
	*path = NULL;
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (first == NULL && opts && w[0] == '-') {
			if (strcmp(w, "--") == 0)
				opts = 0;
			if (strchr(w, 't') != NULL)
				*upload = 1;
			if (strchr(w, 'f') != NULL)
				*upload = 0;
			if (strchr(w, 'r') != NULL || strchr(w, 'd') != NULL)
				*into = 1;
		} else if (strcmp(w, "scp") != 0 && npaths++ == 0)
			first = w;
	}
	if (npaths > 1) {	/* scp -f a b: files from several places */
		first = "";
		*into = 1;
	}
	if (*upload != -1 && first != NULL)
		*path = xstrdup(first);
	free(copy);
	return *path != NULL ? JG_OK : JG_EINVAL;
}

/*
 * rsync --server [--sender] FLAGS . PATH...: 2 (a download: --sender
 * anywhere, rsync takes options after "." too) or 1 (an upload), and in
 * *paths the words after "." that are no option, joined by spaces.
 */
int
rec_rsync_command(const char *cmd, char **paths)
{
	char *copy = xstrdup(cmd), *w, *save = NULL;
	size_t o = 0, n;
	int dot = 0, way = 1;

	/* the words and a space each fit where the command held them */
	*paths = xcalloc(1, strlen(cmd) + 1);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "--sender") == 0)
			way = 2;
		else if (strcmp(w, ".") == 0 && !dot)
			dot = 1;
		else if (dot && w[0] != '-') {
			if (o > 0)
				(*paths)[o++] = ' ';
			n = strlen(w);
			memcpy(*paths + o, w, n);
			o += n;
		}
	}
	free(copy);
	return way;
}
