/* test-proto.c: unit tests for the messages between processes (common/proto*.c) and the master's table of who may send what (gateway/master-peer.c). */

/*
 * Every message of every link is built from its field table, encoded,
 * decoded back and encoded again to the same bytes; then cut by one byte
 * and grown by one byte, and both must be refused. The master's dispatch
 * gets every worker message the same way, one byte short and one byte
 * long, in a state where it is allowed, and must refuse both before any
 * handler runs; it must also refuse messages out of their state, a second
 * copy of an "at most once" message, and a descriptor where none belongs.
 */

#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "master.h"
#include "proto.h"

static const struct proto_link *const links[] = {
	&proto_wm, &proto_mk, &proto_agent, &proto_ctl,
};

static const unsigned char sample_bytes[] = "sample bytes";

/* A message with every field filled with something valid. */
static void
sample(const struct proto_msg *d, unsigned char *m)
{
	const struct proto_field *f;
	struct proto_bytes v;
	uint32_t u32 = 7;
	uint64_t u64 = 9;
	size_t i;

	memset(m, 0, d->size);
	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		switch (f->kind) {
		case PF_U32:
			memcpy(m + f->off, &u32, sizeof(u32));
			break;
		case PF_U64:
			memcpy(m + f->off, &u64, sizeof(u64));
			break;
		case PF_CSTR:
			snprintf((char *)(m + f->off), f->size, "%s", "name-1");
			break;
		case PF_BYTES:
			v.p = sample_bytes;
			v.len = sizeof(sample_bytes) - 1 < f->size ?
			    sizeof(sample_bytes) - 1 : f->size;
			memcpy(m + f->off, &v, sizeof(v));
			break;
		case PF_FIXED:
			memset(m + f->off, 0x5a, f->size);
			break;
		default:
			fail_msg("%s: field %s of unknown kind", d->name,
			    f->name);
		}
	}
}

/* The descriptor a message needs to be accepted. */
static int
fd_for(const struct proto_msg *d)
{
	return d->fd == PROTO_FD_MUST ? 100 : -1;
}

/* buf holding the first n bytes of p. */
static struct buf *
bytes(const unsigned char *p, size_t n)
{
	struct buf *b = buf_new(MSG_MAX + 64);

	assert_int_equal(buf_put(b, p, n), JG_OK);
	return b;
}

static void
test_round_trip_and_bounds(void **state)
{
	const struct proto_msg *d;
	unsigned char *m, *m2, *enc;
	struct buf *b, *b2, *t;
	size_t l, i, n, count = 0;

	(void)state;
	for (l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
		for (i = 0; i < links[l]->nmsgs; i++) {
			d = &links[l]->msgs[i];
			if (d->size == PROTO_HANDMADE)
				continue;	/* tested below */
			m = d->size ? calloc(1, d->size) : NULL;
			m2 = d->size ? calloc(1, d->size) : NULL;
			if (d->size)
				sample(d, m);
			b = buf_new(MSG_MAX + 64);
			assert_int_equal(proto_enc(links[l], d->type, b, m,
			    d->size), JG_OK);
			n = buf_len(b);
			enc = malloc(n + 1);
			memcpy(enc, buf_ptr(b), n);
			/* whole: accepted, and encodes to the same bytes */
			assert_int_equal(proto_dec(links[l], d->type, b,
			    fd_for(d), m2, d->size), JG_OK);
			b2 = buf_new(MSG_MAX + 64);
			assert_int_equal(proto_enc(links[l], d->type, b2, m2,
			    d->size), JG_OK);
			assert_int_equal(buf_len(b2), n);
			assert_memory_equal(buf_ptr(b2), enc, n);
			/* one byte too few */
			if (n > 0) {
				t = bytes(enc, n - 1);
				assert_int_not_equal(proto_dec(links[l],
				    d->type, t, fd_for(d), m2, d->size), JG_OK);
				buf_free(t);
			}
			/* one byte too many */
			enc[n] = 0;
			t = bytes(enc, n + 1);
			assert_int_not_equal(proto_dec(links[l], d->type, t,
			    fd_for(d), m2, d->size), JG_OK);
			buf_free(t);
			/* the descriptor rule */
			t = bytes(enc, n);
			if (d->fd == PROTO_FD_MUST)
				assert_int_not_equal(proto_dec(links[l],
				    d->type, t, -1, m2, d->size), JG_OK);
			else if (d->fd == PROTO_FD_NONE)
				assert_int_not_equal(proto_dec(links[l],
				    d->type, t, 100, m2, d->size), JG_OK);
			buf_free(t);
			buf_free(b);
			buf_free(b2);
			free(enc);
			free(m);
			free(m2);
			count++;
		}
	}
	assert_true(count >= 40);
}

/* A name that fills its field leaves no room for the NUL; one with a NUL inside is not a name. */
static void
test_strings(void **state)
{
	struct w_authorize a;
	struct buf *b = buf_new(1024);
	char big[JG_NAME_MAX + 2];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_put_cstring(b, big), JG_OK);
	assert_int_not_equal(w_authorize_dec(b, -1, &a), JG_OK);
	buf_reset(b);
	assert_int_equal(buf_put_string(b, "ab\0c", 4), JG_OK);
	assert_int_not_equal(w_authorize_dec(b, -1, &a), JG_OK);
	buf_reset(b);
	big[JG_NAME_MAX] = '\0';	/* exactly the longest name */
	assert_int_equal(buf_put_cstring(b, big), JG_OK);
	assert_int_equal(w_authorize_dec(b, -1, &a), JG_OK);
	assert_string_equal(a.target, big);
	buf_free(b);
}

/* The two agent answers made by hand: round trip, and one byte either way. */
static void
test_agent_handmade(void **state)
{
	struct a_identity id, id2;
	struct a_sign_response rs, rs2;
	unsigned char sig[64];
	struct buf *b = buf_new(4096), *t;
	const unsigned char *p;
	size_t n;
	uint32_t len;
	uint8_t type;

	(void)state;
	memset(&id, 0, sizeof(id));
	id.nkeys = 1;
	id.blob.p = sample_bytes;
	id.blob.len = 5;
	snprintf(id.comment, sizeof(id.comment), "db01");
	assert_int_equal(agent_identity_frame(b, &id), JG_OK);
	assert_int_equal(buf_get_u32(b, &len), JG_OK);
	assert_int_equal(len, buf_len(b));
	assert_int_equal(buf_get_u8(b, &type), JG_OK);
	assert_int_equal(type, AGENT_IDENTITIES_ANSWER);
	p = buf_ptr(b);
	n = buf_len(b);
	t = bytes(p, n);
	assert_int_equal(agent_identity_dec(t, &id2), JG_OK);
	assert_int_equal(id2.nkeys, 1);
	assert_int_equal(id2.blob.len, 5);
	assert_string_equal(id2.comment, "db01");
	buf_free(t);
	t = bytes(p, n - 1);
	assert_int_not_equal(agent_identity_dec(t, &id2), JG_OK);
	buf_free(t);
	t = bytes(p, n);
	assert_int_equal(buf_put_u8(t, 0), JG_OK);
	assert_int_not_equal(agent_identity_dec(t, &id2), JG_OK);
	buf_free(t);

	buf_reset(b);
	memset(sig, 0x33, sizeof(sig));
	memset(&rs, 0, sizeof(rs));
	snprintf(rs.algorithm, sizeof(rs.algorithm), "ssh-ed25519");
	rs.signature.p = sig;
	rs.signature.len = sizeof(sig);
	assert_int_equal(agent_sign_response_frame(b, &rs), JG_OK);
	assert_int_equal(buf_get_u32(b, &len), JG_OK);
	assert_int_equal(buf_get_u8(b, &type), JG_OK);
	assert_int_equal(type, AGENT_SIGN_RESPONSE);
	p = buf_ptr(b);
	n = buf_len(b);
	t = bytes(p, n);
	assert_int_equal(agent_sign_response_dec(t, &rs2), JG_OK);
	assert_string_equal(rs2.algorithm, "ssh-ed25519");
	assert_int_equal(rs2.signature.len, sizeof(sig));
	assert_memory_equal(rs2.signature.p, sig, sizeof(sig));
	buf_free(t);
	t = bytes(p, n - 1);
	assert_int_not_equal(agent_sign_response_dec(t, &rs2), JG_OK);
	buf_free(t);
	t = bytes(p, n);
	assert_int_equal(buf_put_u8(t, 0), JG_OK);
	assert_int_not_equal(agent_sign_response_dec(t, &rs2), JG_OK);
	buf_free(t);

	/* JG_PASSWORD, checked where it lies (the worker's locked memory) */
	{
		static const unsigned char pw[] = { AGENT_JG_PASSWORD, 0, 0, 0,
		    3, 'a', 'b', 'c', 'x' };
		static const unsigned char fail[] = { AGENT_FAILURE };
		static const unsigned char none[] = { AGENT_JG_PASSWORD, 0, 0,
		    0, 0 };
		const unsigned char *got;
		size_t glen;

		assert_int_equal(agent_password_parse(pw, 8, &got, &glen),
		    JG_OK);
		assert_int_equal(glen, 3);
		assert_memory_equal(got, "abc", 3);
		assert_int_equal(agent_password_parse(pw, 7, &got, &glen),
		    JG_ECORRUPT);
		assert_int_equal(agent_password_parse(pw, 9, &got, &glen),
		    JG_ECORRUPT);
		assert_int_equal(agent_password_parse(fail, 1, &got, &glen),
		    JG_EAUTH);
		assert_int_equal(agent_password_parse(none, 5, &got, &glen),
		    JG_ECORRUPT);
		assert_int_equal(agent_password_parse(fail + 1, 0, &got,
		    &glen), JG_ECORRUPT);
	}
	buf_free(b);
}

/* The master, with a store of its own, and one worker on a socket pair. */
struct fix {
	char dir[64];
	struct gw_opts opts;
	struct config cfg;
	struct master m;
	struct peer *p;
	int wfd;		/* the worker's end */
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char path[128], err[JG_ERRLEN];
	int sp[2];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-proto.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	config_defaults(&f->cfg);
	snprintf(f->cfg.state_dir, sizeof(f->cfg.state_dir), "%s", f->dir);
	snprintf(f->cfg.recording_dir, sizeof(f->cfg.recording_dir), "%s",
	    f->dir);
	snprintf(path, sizeof(path), "%s/jumpgate.db", f->dir);
	if (store_open(path, STORE_CREATE | STORE_DAEMON, &f->m.store, err,
	    sizeof(err)) != JG_OK)
		return -1;
	f->m.opts = &f->opts;
	f->m.cfg = &f->cfg;
	f->m.base = event_base_new();
	f->m.penalties = calloc(MASTER_PENALTY_SLOTS, sizeof(*f->m.penalties));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		return -1;
	f->p = master_peer_new(&f->m, getpid(), sp[0], "127.0.0.1", "2222");
	f->wfd = sp[1];
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	f->p->dead = 1;		/* nothing to kill: it is us */
	f->p->state = PEER_AUTHED;	/* no keeper to tell */
	master_peer_reap(&f->m, f->p, 0);
	close(f->wfd);
	store_close(f->m.store);
	event_base_free(f->m.base);
	free(f->m.penalties);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* The encoded sample of a worker message. */
static unsigned char *
encoded(uint32_t type, size_t *n)
{
	const struct proto_msg *d = proto_find(&proto_wm, type);
	unsigned char *m, *out;
	struct buf *b = buf_new(MSG_MAX);

	assert_non_null(d);
	m = d->size ? calloc(1, d->size) : NULL;
	if (d->size)
		sample(d, m);
	assert_int_equal(proto_enc(&proto_wm, type, b, m, d->size), JG_OK);
	*n = buf_len(b);
	out = malloc(*n + 1);
	memcpy(out, buf_ptr(b), *n);
	out[*n] = 0;
	buf_free(b);
	free(m);
	return out;
}

/* Every worker message, short by one byte and long by one, is refused. */
static void
test_master_refuses_short_and_long(void **state)
{
	struct fix *f = *state;
	const struct proto_msg *d;
	unsigned char *enc;
	struct buf *b;
	int states, once, tried = 0, workers = 0;
	size_t i, n;

	for (i = 0; i < proto_wm.nmsgs; i++)
		if (proto_wm.msgs[i].type < MSG_M_KEY_OWNER)
			workers++;
	assert_true(workers >= 16);
	for (i = 0; i < proto_wm.nmsgs; i++) {
		d = &proto_wm.msgs[i];
		if (master_handler_rules(d->type, &states, &once) != JG_OK)
			continue;	/* master > worker */
		f->p->state = states & PEER_AUTHORIZED ? PEER_AUTHORIZED :
		    states & PEER_AUTHED ? PEER_AUTHED : PEER_PREAUTH;
		f->p->once = 0;
		enc = encoded(d->type, &n);
		if (n > 0) {
			b = bytes(enc, n - 1);
			assert_int_not_equal(master_peer_dispatch(&f->m, f->p,
			    d->type, b, -1), JG_OK);
			buf_free(b);
		}
		b = bytes(enc, n + 1);
		assert_int_not_equal(master_peer_dispatch(&f->m, f->p, d->type,
		    b, -1), JG_OK);
		buf_free(b);
		assert_int_equal(f->p->once, 0);	/* no handler ran */
		free(enc);
		tried++;
	}
	assert_int_equal(tried, workers);	/* each has its handler */
}

/* States, "at most once" and descriptors, as the table says. */
static void
test_master_table(void **state)
{
	struct fix *f = *state;
	struct w_hello h;
	struct buf *b = buf_new(MSG_MAX);
	unsigned char *enc;
	size_t n;

	h.pid = (uint32_t)getpid();
	f->p->state = PEER_PREAUTH;
	f->p->once = 0;
	assert_int_equal(w_hello_enc(b, &h), JG_OK);
	assert_int_equal(master_peer_dispatch(&f->m, f->p, MSG_W_HELLO, b,
	    -1), JG_OK);
	buf_reset(b);
	assert_int_equal(w_hello_enc(b, &h), JG_OK);
	assert_int_not_equal(master_peer_dispatch(&f->m, f->p, MSG_W_HELLO, b,
	    -1), JG_OK);	/* at most once */
	/* a session before a target was granted */
	enc = encoded(MSG_W_SESSION_OPEN, &n);
	f->p->state = PEER_AUTHED;
	buf_free(b);
	b = bytes(enc, n);
	assert_int_not_equal(master_peer_dispatch(&f->m, f->p,
	    MSG_W_SESSION_OPEN, b, -1), JG_OK);
	free(enc);
	/* the login questions after the login */
	enc = encoded(MSG_W_KEY_OWNER, &n);
	buf_free(b);
	b = bytes(enc, n);
	assert_int_not_equal(master_peer_dispatch(&f->m, f->p,
	    MSG_W_KEY_OWNER, b, -1), JG_OK);
	free(enc);
	/* a descriptor from a worker */
	f->p->state = PEER_PREAUTH;
	enc = encoded(MSG_W_KEY_OWNER, &n);
	buf_free(b);
	b = bytes(enc, n);
	assert_int_not_equal(master_peer_dispatch(&f->m, f->p,
	    MSG_W_KEY_OWNER, b, dup(0)), JG_OK);
	/* and the same message without one is answered */
	buf_free(b);
	b = bytes(enc, n);
	assert_int_equal(master_peer_dispatch(&f->m, f->p, MSG_W_KEY_OWNER, b,
	    -1), JG_OK);
	free(enc);
	/* a type nobody defined */
	buf_reset(b);
	assert_int_not_equal(master_peer_dispatch(&f->m, f->p, 9999, b, -1),
	    JG_OK);
	buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_bounds),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_agent_handmade),
		cmocka_unit_test_setup_teardown(
		    test_master_refuses_short_and_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_table, setup,
		    teardown),
	};

	log_init("test-proto", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
