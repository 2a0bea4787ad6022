// SPDX-License-Identifier: GPL-2.0
/*
 * msg_table.c - every vhost-user front-end message, once, and the one
 * place where a message is validated before any handler sees it.
 *
 * Security model: the front-end is not trusted. Every field of every
 * message it sends - header flags, request number, payload size, the
 * number and kind of fds, every index, size and address inside the
 * payload - is hostile until validated. This file checks the framing
 * facts that depend only on the message type (version, flags, size range,
 * fd count, protocol feature gating, ownership); the handlers check the
 * values. Nothing a peer sends is ever asserted. Three answers:
 *  - a message that breaks the framing (version, flags, request, size, fd
 *    count or kind) ends the session with one log line naming the device,
 *    the message and the reason; the owner resets the device and every
 *    other session goes on;
 *  - values the handler refuses (vu_refuse: an index, size or address
 *    the device cannot take) get a failure reply when the front-end asked
 *    for one (REPLY_ACK); without it the front-end would go on believing
 *    they took effect, so the session ends as for a violation;
 *  - an error of the device (an ioctl failed) gets a failure reply when
 *    one was asked for and one log line otherwise; the session goes on.
 * Fds that a message carries but its handler did not take are closed.
 *
 * SET_OWNER is accepted but not required: a connection is its own owner
 * (DPDK's virtio-user in server mode never sends it again after the
 * back-end reconnects).
 *
 * Messages of the specification this daemon does not implement have a
 * table entry with no handler and the reason; they are rejected the same
 * way as unknown request numbers: failure reply if one was asked for, one
 * log line, connection closed. Nothing is ignored silently.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "session_priv.h"

#define U64	8u
#define STATE	((uint32_t)sizeof(struct vu_vring_state))
#define ADDR	((uint32_t)sizeof(struct vu_vring_addr))
#define REGION	((uint32_t)sizeof(struct vu_single_region))
#define XFER	((uint32_t)sizeof(struct vu_state_xfer))
#define MEMMAX	(VU_MEM_TABLE_HDR + VU_MEM_TABLE_REGIONS * \
		 (uint32_t)sizeof(struct vu_region))
#define CFGMAX	(VU_CONFIG_HDR + VU_MAX_CONFIG_SIZE)

#define MSG(id, h, minsz, maxsz, minfd, maxfd, fl, feat)		\
	[id] = { .name = &(#id)[3], .handler = h, .min_size = minsz,	\
		 .max_size = maxsz, .min_fds = minfd, .max_fds = maxfd,	\
		 .flags = fl, .pf = feat }
#define REJECT(id, reason)						\
	[id] = { .name = &(#id)[3], .why = reason, .pf = -1 }

static const struct vu_msg_desc msg_table[VU_REQUEST_MAX] = {
	MSG(VU_GET_FEATURES, vu_h_get_features, 0, 0, 0, 0, VU_MD_REPLY, -1),
	MSG(VU_SET_FEATURES, vu_h_set_features, U64, U64, 0, 0,
	    0, -1),
	MSG(VU_SET_OWNER, vu_h_set_owner, 0, 0, 0, 0, 0, -1),
	MSG(VU_RESET_OWNER, vu_h_reset_owner, 0, 0, 0, 0, 0, -1),
	MSG(VU_SET_MEM_TABLE, vu_h_set_mem_table, VU_MEM_TABLE_HDR, MEMMAX,
	    0, VU_MEM_TABLE_REGIONS, 0, -1),
	REJECT(VU_SET_LOG_BASE, "dirty logging (LOG_SHMFD) is not offered"),
	REJECT(VU_SET_LOG_FD, "dirty logging (VHOST_F_LOG_ALL) is not offered"),
	MSG(VU_SET_VRING_NUM, vu_h_set_vring_num, STATE, STATE, 0, 0,
	    0, -1),
	MSG(VU_SET_VRING_ADDR, vu_h_set_vring_addr, ADDR, ADDR, 0, 0,
	    0, -1),
	MSG(VU_SET_VRING_BASE, vu_h_set_vring_base, STATE, STATE, 0, 0,
	    0, -1),
	MSG(VU_GET_VRING_BASE, vu_h_get_vring_base, STATE, STATE, 0, 0,
	    VU_MD_REPLY, -1),
	MSG(VU_SET_VRING_KICK, vu_h_set_vring_fd, U64, U64, 0, 1,
	    0, -1),
	MSG(VU_SET_VRING_CALL, vu_h_set_vring_fd, U64, U64, 0, 1,
	    0, -1),
	MSG(VU_SET_VRING_ERR, vu_h_set_vring_fd, U64, U64, 0, 1,
	    0, -1),
	MSG(VU_GET_PROTOCOL_FEATURES, vu_h_get_protocol_features, 0, 0, 0, 0,
	    VU_MD_REPLY, -1),
	MSG(VU_SET_PROTOCOL_FEATURES, vu_h_set_protocol_features, U64, U64,
	    0, 0, 0, -1),
	MSG(VU_GET_QUEUE_NUM, vu_h_get_queue_num, 0, 0, 0, 0, VU_MD_REPLY, -1),
	MSG(VU_SET_VRING_ENABLE, vu_h_set_vring_enable, STATE, STATE, 0, 0,
	    0, -1),
	MSG(VU_SEND_RARP, vu_h_send_rarp, U64, U64, 0, 0, 0,
	    VU_PF_RARP),
	MSG(VU_NET_SET_MTU, vu_h_net_set_mtu, U64, U64, 0, 0, 0,
	    VU_PF_NET_MTU),
	MSG(VU_SET_BACKEND_REQ_FD, vu_h_set_backend_req_fd, 0, 0, 1, 1, 0,
	    VU_PF_BACKEND_REQ),
	REJECT(VU_IOTLB_MSG, "VIRTIO_F_IOMMU_PLATFORM is not offered to the front-end"),
	REJECT(VU_SET_VRING_ENDIAN, "CROSS_ENDIAN (legacy devices) is not offered"),
	MSG(VU_GET_CONFIG, vu_h_get_config, VU_CONFIG_HDR, CFGMAX, 0, 0,
	    VU_MD_REPLY, VU_PF_CONFIG),
	MSG(VU_SET_CONFIG, vu_h_set_config, VU_CONFIG_HDR, CFGMAX, 0, 0,
	    0, VU_PF_CONFIG),
	REJECT(VU_CREATE_CRYPTO_SESSION, "not a crypto device (CRYPTO_SESSION not offered)"),
	REJECT(VU_CLOSE_CRYPTO_SESSION, "not a crypto device (CRYPTO_SESSION not offered)"),
	REJECT(VU_POSTCOPY_ADVISE, "postcopy migration (PAGEFAULT) is not offered"),
	REJECT(VU_POSTCOPY_LISTEN, "postcopy migration (PAGEFAULT) is not offered"),
	REJECT(VU_POSTCOPY_END, "postcopy migration (PAGEFAULT) is not offered"),
	REJECT(VU_GET_INFLIGHT_FD, "inflight tracking (INFLIGHT_SHMFD) is not offered: the device keeps its rings in order"),
	REJECT(VU_SET_INFLIGHT_FD, "inflight tracking (INFLIGHT_SHMFD) is not offered: the device keeps its rings in order"),
	REJECT(VU_GPU_SET_SOCKET, "not a GPU device"),
	MSG(VU_RESET_DEVICE, vu_h_reset_device, 0, 0, 0, 0, 0,
	    VU_PF_RESET_DEVICE),
	REJECT(VU_VRING_KICK, "in-band notifications are not offered: kicks go to the device through eventfds"),
	MSG(VU_GET_MAX_MEM_SLOTS, vu_h_get_max_mem_slots, 0, 0, 0, 0,
	    VU_MD_REPLY, VU_PF_CONFIGURE_MEM_SLOTS),
	MSG(VU_ADD_MEM_REG, vu_h_add_mem_reg, REGION, REGION, 1, 1,
	    0, VU_PF_CONFIGURE_MEM_SLOTS),
	MSG(VU_REM_MEM_REG, vu_h_rem_mem_reg, REGION, REGION, 0, 1,
	    0, VU_PF_CONFIGURE_MEM_SLOTS),
	MSG(VU_SET_STATUS, vu_h_set_status, U64, U64, 0, 0, 0,
	    VU_PF_STATUS),
	MSG(VU_GET_STATUS, vu_h_get_status, 0, 0, 0, 0, VU_MD_REPLY,
	    VU_PF_STATUS),
	REJECT(VU_GET_SHARED_OBJECT, "shared objects (SHARED_OBJECT) are not offered"),
	MSG(VU_SET_DEVICE_STATE_FD, vu_h_set_device_state_fd, XFER, XFER, 1, 1,
	    VU_MD_REPLY, VU_PF_DEVICE_STATE),
	MSG(VU_CHECK_DEVICE_STATE, vu_h_check_device_state, 0, 0, 0, 0,
	    VU_MD_REPLY, VU_PF_DEVICE_STATE),
	REJECT(VU_GET_SHMEM_CONFIG, "shared memory regions (SHMEM) are not offered"),
};

static const char *const pf_names[] = {
	[VU_PF_MQ] = "MQ", [VU_PF_LOG_SHMFD] = "LOG_SHMFD",
	[VU_PF_RARP] = "RARP", [VU_PF_REPLY_ACK] = "REPLY_ACK",
	[VU_PF_NET_MTU] = "NET_MTU", [VU_PF_BACKEND_REQ] = "BACKEND_REQ",
	[VU_PF_CROSS_ENDIAN] = "CROSS_ENDIAN",
	[VU_PF_CRYPTO_SESSION] = "CRYPTO_SESSION",
	[VU_PF_PAGEFAULT] = "PAGEFAULT", [VU_PF_CONFIG] = "CONFIG",
	[VU_PF_BACKEND_SEND_FD] = "BACKEND_SEND_FD",
	[VU_PF_HOST_NOTIFIER] = "HOST_NOTIFIER",
	[VU_PF_INFLIGHT_SHMFD] = "INFLIGHT_SHMFD",
	[VU_PF_RESET_DEVICE] = "RESET_DEVICE",
	[VU_PF_INBAND_NOTIFICATIONS] = "INBAND_NOTIFICATIONS",
	[VU_PF_CONFIGURE_MEM_SLOTS] = "CONFIGURE_MEM_SLOTS",
	[VU_PF_STATUS] = "STATUS", [VU_PF_XEN_MMAP] = "XEN_MMAP",
	[VU_PF_SHARED_OBJECT] = "SHARED_OBJECT",
	[VU_PF_DEVICE_STATE] = "DEVICE_STATE",
	[VU_PF_GET_VRING_BASE_INFLIGHT] = "GET_VRING_BASE_INFLIGHT",
	[VU_PF_GPA_ADDRESSES] = "GPA_ADDRESSES", [VU_PF_SHMEM] = "SHMEM",
};

const struct vu_msg_desc *vu_msg_desc(uint32_t request)
{
	if (request == 0 || request >= VU_REQUEST_MAX)
		return NULL;
	return &msg_table[request];
}

const char *vu_request_name(uint32_t request)
{
	const struct vu_msg_desc *d = vu_msg_desc(request);

	return d && d->name ? d->name : "UNKNOWN";
}

int vu_violation(struct vu_session *s, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!s->failed) {
		snprintf(s->error, sizeof(s->error), "%s: %s",
			 s->cur ? s->cur : "connection", why);
		log_err(s->dev->name, "%s; closing the connection",
			s->error);
	}
	s->failed = true;
	return -EPROTO;
}

int vu_refuse(struct vu_session *s, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warn(s->dev->name, "%s: refused: %s", s->cur ? s->cur : "?", why);
	snprintf(s->refusal, sizeof(s->refusal), "%s", why);
	s->refused = true;
	return -EINVAL;
}

static void send_ack(struct vu_session *s, uint32_t request, uint64_t value)
{
	int ret = vu_conn_send(&s->conn, request,
			       VU_VERSION | VU_FLAG_REPLY, &value,
			       sizeof(value));

	if (ret == -ENOBUFS)
		vu_violation(s, "the front-end does not read its replies");
}

/* Checks that depend only on the header and the message type. */
static const struct vu_msg_desc *validate(struct vu_session *s,
					  const struct vu_msg *m)
{
	const struct vu_hdr *h = &m->hdr;
	const struct vu_msg_desc *d = vu_msg_desc(h->request);

	if (!d || !d->name) {
		vu_violation(s, "unknown request %u", h->request);
		return NULL;
	}
	if ((h->flags & VU_FLAG_VERSION_MASK) != VU_VERSION) {
		vu_violation(s, "protocol version %u, expected %u",
			     h->flags & VU_FLAG_VERSION_MASK, VU_VERSION);
		return NULL;
	}
	if (h->flags & VU_FLAG_REPLY) {
		vu_violation(s, "reply flag set on a request");
		return NULL;
	}
	if (h->flags & ~VU_FLAG_KNOWN) {
		vu_violation(s, "unknown header flags 0x%x",
			     h->flags & ~VU_FLAG_KNOWN);
		return NULL;
	}
	if (!d->handler) {
		vu_violation(s, "not supported: %s", d->why);
		return NULL;
	}
	if (d->pf >= 0 && !vu_has_pf(s, d->pf)) {
		vu_violation(s, "needs protocol feature %s, which was not negotiated",
			     pf_names[d->pf]);
		return NULL;
	}
	if (h->size < d->min_size || h->size > d->max_size) {
		if (d->min_size == d->max_size)
			vu_violation(s, "payload size %u, expected %u",
				     h->size, d->min_size);
		else
			vu_violation(s, "payload size %u, expected %u..%u",
				     h->size, d->min_size, d->max_size);
		return NULL;
	}
	if (m->nfds < d->min_fds) {
		vu_violation(s, "%u fds, needs at least %u", m->nfds,
			     d->min_fds);
		return NULL;
	}
	if (m->nfds > d->max_fds) {
		if (d->max_fds)
			vu_violation(s, "%u fds, takes at most %u", m->nfds,
				     d->max_fds);
		else
			vu_violation(s, "%u fds on a message that takes none",
				     m->nfds);
		return NULL;
	}
	return d;
}

int vu_dispatch(struct vu_session *s, struct vu_msg *m)
{
	bool need_reply = m->hdr.flags & VU_FLAG_NEED_REPLY;
	const struct vu_msg_desc *d;
	struct vu_reply reply;
	int ret;

	s->cur = vu_request_name(m->hdr.request);
	log_debug(s->dev->name, "%s size %u fds %u%s", s->cur, m->hdr.size,
		  m->nfds, need_reply ? " need_reply" : "");
	d = validate(s, m);
	if (!d) {
		if (need_reply)
			send_ack(s, m->hdr.request, 1);
		return -1;
	}
	reply.set = false;
	reply.len = 0;
	s->refused = false;
	ret = d->handler(s, m, &reply);
	if (s->failed) {
		if ((d->flags & VU_MD_REPLY) && reply.set)
			vu_conn_send(&s->conn, m->hdr.request,
				     VU_VERSION | VU_FLAG_REPLY, &reply.p,
				     reply.len);
		else if (need_reply && !(d->flags & VU_MD_REPLY))
			send_ack(s, m->hdr.request, 1);
		return -1;
	}
	if (d->flags & VU_MD_REPLY) {
		ret = vu_conn_send(&s->conn, m->hdr.request,
				   VU_VERSION | VU_FLAG_REPLY, &reply.p,
				   reply.len);
		if (ret == -ENOBUFS)
			vu_violation(s, "the front-end does not read its replies");
		else if (ret < 0)
			vu_violation(s, "cannot send the reply: %s",
				     strerror(-ret));
	} else if (ret == VU_PENDING) {
		return VU_PENDING;	/* vu_dispatch_complete() answers */
	} else {
		vu_dispatch_complete(s, m->hdr.request, need_reply, ret);
	}
	s->cur = NULL;
	return s->failed ? -1 : 0;
}

void vu_dispatch_complete(struct vu_session *s, uint32_t request,
			  bool need_reply, int ret)
{
	if (s->failed) {
		if (need_reply)
			send_ack(s, request, 1);
	} else if (need_reply) {
		if (ret < 0 && !s->refused)
			log_warn(s->dev->name, "%s failed: %s (reported to the front-end)",
				 s->cur, strerror(-ret));
		send_ack(s, request, ret < 0 ? 1 : 0);
	} else if (ret < 0 && s->refused) {
		/* No way to report it: the front-end would go on believing
		 * the request took effect. */
		vu_violation(s, "%s (refused, and without REPLY_ACK the front-end cannot be told)",
			     s->refusal);
	} else if (ret < 0) {
		log_warn(s->dev->name, "%s failed: %s (the front-end asked for no reply)",
			 s->cur, strerror(-ret));
	}
}
