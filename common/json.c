/* json.c: a streaming JSON writer for --json listings (arrays of flat objects). */

#include <stdio.h>
#include <stdlib.h>

#include "jumpgate.h"

struct json {
	FILE *f;
	int first;	/* no comma before the next member or element */
};

struct json *
json_new(FILE *f)
{
	struct json *j = xcalloc(1, sizeof(*j));

	j->f = f;
	j->first = 1;
	return j;
}

void
json_free(struct json *j)
{
	free(j);
}

void
json_write_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void
json_sep(struct json *j)
{
	if (!j->first)
		fputc(',', j->f);
	j->first = 0;
}

void
json_array_begin(struct json *j)
{
	fputc('[', j->f);
	j->first = 1;
}

void
json_array_end(struct json *j)
{
	fputs("]\n", j->f);
	j->first = 0;
}

void
json_object_begin(struct json *j)
{
	json_sep(j);
	fputc('{', j->f);
	j->first = 1;
}

void
json_object_end(struct json *j)
{
	fputc('}', j->f);
	j->first = 0;
}

/* A key whose value follows: an array or an object the caller writes. */
void
json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_write_string(j->f, key);
	fputc(':', j->f);
}

void
json_key_str(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	if (value == NULL)
		fputs("null", j->f);
	else
		json_write_string(j->f, value);
}

void
json_key_int(struct json *j, const char *key, long long value)
{
	json_key(j, key);
	fprintf(j->f, "%lld", value);
}

void
json_key_bool(struct json *j, const char *key, int value)
{
	json_key(j, key);
	fputs(value ? "true" : "false", j->f);
}

void
json_key_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}

void
json_key_strv(struct json *j, const char *key, char *const *v, size_t n)
{
	size_t i;

	json_key(j, key);
	fputc('[', j->f);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', j->f);
		json_write_string(j->f, v[i]);
	}
	fputc(']', j->f);
}

/*
 * A --json listing: one array of n objects from v (elements of elsize
 * bytes), each object's members written by fn, to f.
 */
void
json_list(FILE *f, const void *v, size_t n, size_t elsize,
    void (*fn)(struct json *, const void *elem))
{
	struct json *j = json_new(f);
	const unsigned char *p = v;
	size_t i;

	json_array_begin(j);
	for (i = 0; i < n; i++) {
		json_object_begin(j);
		fn(j, p + i * elsize);
		json_object_end(j);
	}
	json_array_end(j);
	json_free(j);
}
