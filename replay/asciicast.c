/* asciicast.c: a recording as an asciicast v2 document, streamed. */

/*
 * asciicast v2: a header object on the first line, then one JSON array
 * per event: [seconds, "o", text] for output (stdout and stderr alike),
 * "i" for input, "r" with "COLSxROWS" for a resize. Keys recorded masked
 * (RecordInput echoed: never echoed) are an "i" of that many '*', at most
 * CAST_MASK_MAX. A file operation (sftp, scp) is an "m" marker whose
 * label is the event's JSON object, so a player shows where files moved
 * and a reader of the export gets them with their times. Each stream's UTF-8
 * is decoded across events (a character split between two events goes
 * out whole with the second), invalid bytes become U+FFFD. Only intact
 * events are written: the caller decides beforehand whether a truncated
 * recording is exported at all.
 */

#include <stdlib.h>
#include <string.h>

#include "replay.h"

enum { CAST_OUT = 0, CAST_ERR, CAST_IN, CAST_MARK, CAST_NSTREAMS };
#define CAST_MASK_MAX 4096

struct cast {
	FILE *f;
	struct replay_utf8 u[CAST_NSTREAMS];
	char *json;			/* one event's JSON text */
	size_t jsonmax;
};

static void
cast_time(FILE *f, uint64_t ms)
{
	fprintf(f, "[%llu.%03llu, ", (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000));
}

static void
cast_text(struct cast *x, uint64_t ms, int stream, const char *code,
    const unsigned char *data, size_t len, int final)
{
	size_t n;

	if (replay_json_max(len) > x->jsonmax) {
		free(x->json);
		x->jsonmax = replay_json_max(len);
		x->json = xcalloc(1, x->jsonmax);
	}
	n = replay_json_utf8(&x->u[stream], data, len, final, x->json);
	if (n == 0)
		return;
	cast_time(x->f, ms);
	fprintf(x->f, "\"%s\", \"%s\"]\n", code, x->json);
}

/* n keys that were not shown: as many '*' (a split character first). */
static void
cast_mask(struct cast *x, uint64_t ms, uint32_t n)
{
	if (n == 0)
		return;
	if (n > CAST_MASK_MAX)
		n = CAST_MASK_MAX;
	cast_text(x, ms, CAST_IN, "i", NULL, 0, 1);
	cast_time(x->f, ms);
	fputs("\"i\", \"", x->f);
	while (n-- > 0)
		fputc('*', x->f);
	fputs("\"]\n", x->f);
}

static void
cast_header(struct cast *x, const struct rec_header *h,
    const struct replay_check *chk, const char *title)
{
	fprintf(x->f, "{\"version\": 2, \"width\": %u, \"height\": %u, "
	    "\"timestamp\": %lld, ", h->cols > 0 ? h->cols : 80,
	    h->rows > 0 ? h->rows : 24, (long long)(h->start_unix_ms / 1000));
	if (chk->status == REPLAY_INTACT)
		fprintf(x->f, "\"duration\": %llu.%03llu, ",
		    (unsigned long long)(chk->sum.duration_ms / 1000),
		    (unsigned long long)(chk->sum.duration_ms % 1000));
	fprintf(x->f, "\"title\": ");
	json_write_string(x->f, title);
	if (chk->term[0] != '\0') {
		fprintf(x->f, ", \"env\": {\"TERM\": ");
		json_write_string(x->f, chk->term);
		fprintf(x->f, "}");
	}
	fprintf(x->f, "}\n");
}

/*
 * Write the whole document to f from the first event; chk is the result
 * of the check (duration and TERM come from it). Returns JG_ERR when f
 * failed.
 */
int
replay_asciicast(struct replay *rp, const struct replay_check *chk,
    const char *title, FILE *f)
{
	struct rec_event_view ev;
	struct cast x;
	uint64_t last = 0;
	unsigned cols, rows;
	int i, rc;

	memset(&x, 0, sizeof(x));
	x.f = f;
	if (replay_rewind(rp) != JG_OK)
		return JG_ERR;
	cast_header(&x, replay_header(rp), chk, title);
	while (replay_next(rp, &ev) == 1) {
		last = ev.t_ms;
		switch (ev.type) {
		case REC_OUT:
			cast_text(&x, ev.t_ms, CAST_OUT, "o", ev.data, ev.len,
			    0);
			break;
		case REC_ERR:
			cast_text(&x, ev.t_ms, CAST_ERR, "o", ev.data, ev.len,
			    0);
			break;
		case REC_IN:
			cast_text(&x, ev.t_ms, CAST_IN, "i", ev.data, ev.len,
			    0);
			break;
		case REC_MASKED:
			if (ev.len != 4)
				break;
			cast_mask(&x, ev.t_ms, ((uint32_t)ev.data[0] << 24) |
			    ((uint32_t)ev.data[1] << 16) |
			    ((uint32_t)ev.data[2] << 8) | ev.data[3]);
			break;
		case REC_FILE:
			cast_text(&x, ev.t_ms, CAST_MARK, "m", ev.data, ev.len,
			    1);
			break;
		case REC_RESIZE:
			if (replay_resize_parse(&ev, &cols, &rows) != JG_OK)
				break;
			cast_time(f, ev.t_ms);
			fprintf(f, "\"r\", \"%ux%u\"]\n", cols, rows);
			break;
		}
	}
	/* What is left of a split character at the very end. */
	for (i = 0; i < CAST_MARK; i++)
		cast_text(&x, last, i, i == CAST_IN ? "i" : "o", NULL, 0, 1);
	free(x.json);
	rc = fflush(f) != 0 || ferror(f) ? JG_ERR : JG_OK;
	return rc;
}
