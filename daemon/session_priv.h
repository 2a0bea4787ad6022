/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session_priv.h - engine internals shared by session.c (handlers),
 * msg_table.c (validation and dispatch) and state.c (snapshots).
 */
#ifndef VUB_SESSION_PRIV_H
#define VUB_SESSION_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "device.h"
#include "lifecycle.h"
#include "session.h"
#include "vhost_user.h"

struct vu_vring {
	uint32_t num;
	bool num_set;
	bool addr_set;
	bool enabled;
	bool enable_sent;		/* enabled by SET_VRING_ENABLE */
	bool started;
	bool start_failed;		/* the device refused this set-up */
	bool packed;
	bool notifier_sent;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	struct vu_queue_state base;	/* where the ring (re)starts */
	int kick_fd;
	int call_fd;
	int err_fd;
};

struct vu_backend_req {
	int fd;				/* -1: none */
	struct vu_session *s;
};

/* SET_DEVICE_STATE_FD transfer */
struct vu_xfer {
	int fd;				/* -1: none */
	uint32_t direction;
	uint8_t *buf;
	size_t len;			/* bytes in @buf */
	size_t off;			/* save: bytes written */
	bool done;			/* save: all written; load: EOF seen */
	bool failed;
};

#define VU_STATE_MAX_BLOB	(1u << 20)

/* A memory hook running on a worker thread (SET_MEM_TABLE, ADD_MEM_REG). */
struct vu_pin {
	struct vu_worker *w;		/* NULL: none running */
	uint32_t request;		/* to answer when it is done */
	bool need_reply;
	struct vu_mem *nm;		/* SET_MEM_TABLE: the new table */
	struct vu_mem_region *slot;	/* ADD_MEM_REG: the new region */
};

/* A handler's result: the answer follows later (vu_dispatch_complete). */
#define VU_PENDING	1

struct vu_session {
	struct vu_device *dev;
	const struct vu_device_ops *ops;
	struct vu_loop *loop;
	struct vu_conn conn;
	vu_session_end_fn end;
	void *end_arg;

	bool owner;
	bool features_set;
	uint64_t features;		/* as acknowledged, bit 30 included */
	uint64_t offered_pf;
	uint64_t pf;			/* negotiated protocol features */
	bool mem_set;
	struct vu_mem mem;
	uint32_t nvrings;
	struct vu_vring *vrings;
	struct vu_life life;		/* lifecycle.c */
	struct vu_backend_req breq;
	int config_fd;			/* watched config-change fd, or -1 */
	struct vu_xfer xfer;
	struct vu_pin pin;

	unsigned int fd_cap;		/* fds the session may hold */
	const char *cur;		/* name of the message being handled */
	bool failed;			/* violation: the session must end */
	bool refused;			/* the message's values were refused */
	char refusal[200];		/* why */
	bool ended;
	bool out_watched;
	char error[256];
};

/* Reply of a message with an explicit reply payload. */
struct vu_reply {
	bool set;
	uint32_t len;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_config config;
		uint8_t bytes[VU_PAYLOAD_MAX];
	} p;
};

typedef int (*vu_handler_fn)(struct vu_session *s, struct vu_msg *m,
			     struct vu_reply *r);

/* msg_table.c */
#define VU_MD_REPLY	(1u << 0)	/* always answered with a payload */

struct vu_msg_desc {
	const char *name;
	vu_handler_fn handler;		/* NULL: rejected, see @why */
	const char *why;
	uint32_t min_size;
	uint32_t max_size;
	uint8_t min_fds;
	uint8_t max_fds;
	uint8_t flags;
	int8_t pf;			/* protocol feature it needs, or -1 */
};

const struct vu_msg_desc *vu_msg_desc(uint32_t request);
const char *vu_request_name(uint32_t request);
/* Validate and handle one message; -1 if the session must end,
 * VU_PENDING if its handler finishes later. */
int vu_dispatch(struct vu_session *s, struct vu_msg *m);
/* Answer a message whose handler returned VU_PENDING, now that it
 * finished with @ret (as vu_dispatch would have). */
void vu_dispatch_complete(struct vu_session *s, uint32_t request,
			  bool need_reply, int ret);

/* Record a protocol violation: logs one line, the session ends. */
int vu_violation(struct vu_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Refuse the values of the message being handled: one log line; the
 * front-end gets a failure reply when it asked for one (REPLY_ACK), else
 * the session ends. Returns -EINVAL. */
int vu_refuse(struct vu_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* session.c: a session rebuilt by handover_session.c starts watching. */
void vu_session_resumed(struct vu_session *s);
/* session.c: the life cycle started ring @idx on the device. */
void vu_session_ring_started(struct vu_session *s, uint32_t idx);
/* lifecycle.c: ring @idx is about to stop on the device. */
void vu_session_ring_stopping(struct vu_session *s, uint32_t idx);

static inline bool vu_has_pf(const struct vu_session *s, int bit)
{
	return s->pf & VU_PF(bit);
}

static inline bool vu_has_feature(const struct vu_session *s, int bit)
{
	return s->features_set && (s->features & (1ull << bit));
}

/* Handlers (session.c) */
int vu_h_get_features(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_features(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_owner(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_reset_owner(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_mem_table(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_vring_num(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_vring_addr(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_vring_base(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_get_vring_base(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_vring_fd(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_get_protocol_features(struct vu_session *, struct vu_msg *,
			       struct vu_reply *);
int vu_h_set_protocol_features(struct vu_session *, struct vu_msg *,
			       struct vu_reply *);
int vu_h_get_queue_num(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_vring_enable(struct vu_session *, struct vu_msg *,
			  struct vu_reply *);
int vu_h_send_rarp(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_net_set_mtu(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_backend_req_fd(struct vu_session *, struct vu_msg *,
			    struct vu_reply *);
int vu_h_get_config(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_config(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_reset_device(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_get_max_mem_slots(struct vu_session *, struct vu_msg *,
			   struct vu_reply *);
int vu_h_add_mem_reg(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_rem_mem_reg(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_status(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_get_status(struct vu_session *, struct vu_msg *, struct vu_reply *);
int vu_h_set_device_state_fd(struct vu_session *, struct vu_msg *,
			     struct vu_reply *);
int vu_h_check_device_state(struct vu_session *, struct vu_msg *,
			    struct vu_reply *);

#endif /* VUB_SESSION_PRIV_H */
