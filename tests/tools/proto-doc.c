/* proto-doc.c: test helper: print the message tables of doc/architecture.md from the protocol module itself. */

/*
 *   proto-doc
 *
 * Writes, for every link (common/proto-*.c), one markdown table: each
 * message with its direction, its fields as the codec reads them, whether
 * a descriptor goes with it, for worker messages the states the master's
 * dispatch table allows (gateway/master-peer.c), and what it is for.
 * tests/integration/t-structure.sh checks that doc/architecture.md holds
 * exactly this text between its "proto tables" markers. Never installed.
 */

#include <stdio.h>
#include <string.h>

#include "master.h"
#include "proto.h"

static const struct proto_link *const links[] = {
	&proto_wm, &proto_mk, &proto_agent, &proto_ctl,
};

static void
field(const struct proto_field *f, int first)
{
	printf("%s", first ? "" : ", ");
	switch (f->kind) {
	case PF_U32:
		printf("u32 %s", f->name);
		break;
	case PF_U64:
		printf("u64 %s", f->name);
		break;
	case PF_CSTR:
		printf("string %s (< %zu)", f->name, f->size);
		break;
	case PF_BYTES:
		printf("string %s (<= %zu)", f->name, f->size);
		break;
	case PF_FIXED:
		printf("string %s (= %zu)", f->name, f->size);
		break;
	}
}

static void
allowed(uint32_t type)
{
	int states, once, n = 0;

	if (master_handler_rules(type, &states, &once) != JG_OK) {
		printf(" - |");
		return;
	}
	printf(" ");
	if (states & PEER_PREAUTH)
		printf("%spre-auth", n++ ? ", " : "");
	if (states & PEER_MFA)
		printf("%scode awaited", n++ ? ", " : "");
	if (states & PEER_AUTHED)
		printf("%slogged in", n++ ? ", " : "");
	if (states & PEER_AUTHORIZED)
		printf("%sauthorized", n++ ? ", " : "");
	printf("%s |", once ? "; once" : "");
}

int
main(void)
{
	static const char *const fds[] = { "-", "with a yes", "always" };
	const struct proto_msg *d;
	size_t l, i, k;

	for (l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
		printf("%s### %s\n\n", l ? "\n" : "", links[l]->name);
		printf("| message | from > to | fields | descriptor | "
		    "allowed (master) | what for |\n");
		printf("|---|---|---|---|---|---|\n");
		for (i = 0; i < links[l]->nmsgs; i++) {
			d = &links[l]->msgs[i];
			printf("| `%s` | %s | ", d->name, d->dir);
			if (d->size == PROTO_HANDMADE)
				printf("see what for");
			else if (d->nfields == 0)
				printf("-");
			for (k = 0; k < d->nfields; k++)
				field(&d->fields[k], k == 0);
			printf(" | %s |", fds[d->fd]);
			if (links[l] == &proto_wm)
				allowed(d->type);
			else
				printf(" - |");
			printf(" %s |\n", d->doc);
		}
	}
	return 0;
}
