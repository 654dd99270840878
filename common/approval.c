/* approval.c: who must approve a request: one approver role with a count, or several roles each with its own count, all to be met. */

/*
 * A rule's (and so its requests') approval requirement is kept in one
 * text column: a role name ("oncall", the count in the approvals column),
 * or "role:N,role:N" for several roles (Teleport asks Enterprise for
 * that), at most APPROVAL_ROLES_MAX, each N 1 to 10. This file is the one
 * parser and formatter of it; the store counts each approval for the
 * first of the approver's roles that still needs one.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jumpgate.h"

/*
 * spec into v (APPROVAL_ROLES_MAX entries): a bare role needs total
 * approvals; "a:1,b:2" needs what it says. JG_EINVAL for anything else
 * (a role twice, a count out of range, more roles than allowed).
 */
int
approval_parse(const char *spec, int total, struct approval_need *v,
    size_t *n)
{
	char copy[JG_NAME_MAX + 1], *p, *save = NULL, *colon, *end;
	size_t i;
	long k;

	*n = 0;
	if (spec == NULL || strlen(spec) >= sizeof(copy))
		return JG_EINVAL;
	if (name_valid(spec)) {
		if (total < 1 || total > 10)
			return JG_EINVAL;
		snprintf(v[0].role, sizeof(v[0].role), "%s", spec);
		v[0].count = total;
		*n = 1;
		return JG_OK;
	}
	snprintf(copy, sizeof(copy), "%s", spec);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (*n == APPROVAL_ROLES_MAX || (colon = strchr(p, ':')) == NULL)
			return JG_EINVAL;
		*colon = '\0';
		k = strtol(colon + 1, &end, 10);
		if (!name_valid(p) || colon[1] < '1' || colon[1] > '9' ||
		    *end != '\0' || k < 1 || k > 10)
			return JG_EINVAL;
		for (i = 0; i < *n; i++)
			if (strcmp(v[i].role, p) == 0)
				return JG_EINVAL;
		snprintf(v[*n].role, sizeof(v[*n].role), "%s", p);
		v[*n].count = (int)k;
		(*n)++;
	}
	return *n >= 2 ? JG_OK : JG_EINVAL;	/* one role: its bare name */
}

/* The spec of v (the inverse of approval_parse); JG_EINVAL if too long. */
int
approval_format(const struct approval_need *v, size_t n, char *out,
    size_t len, int *total)
{
	size_t i, used = 0;
	int w;

	*total = 0;
	if (n == 0 || out == NULL || len == 0)
		return JG_EINVAL;
	if (n == 1) {
		*total = v[0].count;
		w = snprintf(out, len, "%s", v[0].role);
		return w < 0 || (size_t)w >= len ? JG_EINVAL : JG_OK;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(out + used, len - used, "%s%s:%d", i ? "," : "",
		    v[i].role, v[i].count);
		if (w < 0 || (size_t)w >= len - used)
			return JG_EINVAL;
		used += (size_t)w;
		*total += v[i].count;
	}
	return JG_OK;
}

/* Does spec name role (a user with it may decide)? */
int
approval_has_role(const char *spec, int total, const char *role)
{
	struct approval_need v[APPROVAL_ROLES_MAX];
	size_t n, i;

	if (approval_parse(spec, total, v, &n) != JG_OK)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].role, role) == 0)
			return 1;
	return 0;
}
