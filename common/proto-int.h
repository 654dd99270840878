/* proto-int.h: what the link tables (proto-*.c) share to describe their fields. */
#ifndef PROTO_INT_H
#define PROTO_INT_H

#include <stddef.h>

#define F_U32(s, m) { #m, PF_U32, offsetof(struct s, m), 4 }
#define F_U64(s, m) { #m, PF_U64, offsetof(struct s, m), 8 }
#define F_CSTR(s, m) { #m, PF_CSTR, offsetof(struct s, m), \
	sizeof(((struct s *)0)->m) }
#define F_BYTES(s, m, max) { #m, PF_BYTES, offsetof(struct s, m), (max) }
#define F_FIXED(s, m) { #m, PF_FIXED, offsetof(struct s, m), \
	sizeof(((struct s *)0)->m) }
#define NF(a) (sizeof(a) / sizeof((a)[0]))
/* MSG_W_HELLO is named "W_HELLO"; AGENT_* names keep their prefix. */
#define MSG(T, s, dir, fd, doc) { T, #T + 4, dir, sizeof(struct s), \
	s##_f, NF(s##_f), fd, doc }
#define MSG0(T, dir, fd, doc) { T, #T + 4, dir, 0, NULL, 0, fd, doc }

#endif /* PROTO_INT_H */
