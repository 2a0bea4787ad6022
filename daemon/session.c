// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - the vhost-user protocol engine: owner, features, protocol
 * features, memory table, vrings, status, back-end request channel.
 *
 * Every handler here runs after msg_table.c checked the framing facts of
 * its message (size range, fd count, gating); it still treats every value
 * inside the payload as hostile. See the security model in msg_table.c.
 *
 * The handlers record what the front-end configured; when features,
 * status, rings and queues reach the device is decided by lifecycle.c.
 *
 * Answers to bad input (msg_table.c applies them): a message that breaks
 * the framing (size, fds, unknown request) is a violation and ends the
 * session; a value the device or the protocol cannot take is refused
 * (vu_refuse): failure reply with REPLY_ACK, the session goes on; without
 * it the front-end cannot learn of the refusal, so the session ends. A
 * device error is reported the same way but never ends the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "config_policy.h"
#include "lifecycle.h"
#include "log.h"
#include "session_priv.h"
#include "state.h"
#include "worker.h"

#define NAME(s)	((s)->dev->name)

unsigned int vu_session_fd_cap;
uint64_t vu_pin_limit;
void (*vu_session_changed_hook)(void *end_arg);

static void session_end(struct vu_session *s);

static bool is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)	/* no /proc: the device will check it */
		return fcntl(fd, F_GETFD) >= 0;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[eventfd]");
}

static bool is_stream_socket(int fd)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return false;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return false;
	return domain == AF_UNIX && type == SOCK_STREAM;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static struct vu_vring *ring_at(struct vu_session *s, uint32_t idx)
{
	if (idx >= s->nvrings) {
		vu_refuse(s, "queue index %u out of range (device has %u queues)",
			  idx, s->nvrings);
		return NULL;
	}
	return &s->vrings[idx];
}

static void ring_clear(struct vu_vring *r)
{
	close_fd(&r->kick_fd);
	close_fd(&r->call_fd);
	close_fd(&r->err_fd);
	memset(r, 0, sizeof(*r));
	r->kick_fd = r->call_fd = r->err_fd = -1;
}

/* fds the session holds: socket, memory regions, ring eventfds,
 * back-end channel, state transfer. */
static unsigned int session_fds(const struct vu_session *s)
{
	unsigned int n = 1 + s->mem.nregions, i;

	for (i = 0; i < s->nvrings; i++)
		n += (s->vrings[i].kick_fd >= 0) + (s->vrings[i].call_fd >= 0) +
		     (s->vrings[i].err_fd >= 0);
	return n + (s->breq.fd >= 0) + (s->xfer.fd >= 0);
}

/*
 * Would holding @more fds (net) put the session over its cap? One session
 * must not eat the fds every other session needs: at the process limit
 * their messages would lose their fds (MSG_CTRUNC) and they would die.
 */
static int fd_budget(struct vu_session *s, int more)
{
	unsigned int have = session_fds(s);

	if (more <= 0 || have + (unsigned int)more <= s->fd_cap)
		return 0;
	return vu_refuse(s, "the session holds %u fds, its cap is %u",
			 have, s->fd_cap);
}

static uint32_t encode_base(const struct vu_vring *r)
{
	const struct vu_queue_state *b = &r->base;

	if (!r->packed)
		return b->avail_idx;
	return (uint32_t)(b->avail_idx & 0x7fff) |
	       (uint32_t)(b->avail_wrap & 1) << 15 |
	       (uint32_t)(b->used_idx & 0x7fff) << 16 |
	       (uint32_t)(b->used_wrap & 1) << 31;
}

static void send_config_change(struct vu_session *s)
{
	int ret;

	if (s->breq.fd < 0 || !vu_has_pf(s, VU_PF_CONFIG))
		return;
	ret = vu_sock_send_msg(s->breq.fd, VU_BACKEND_CONFIG_CHANGE_MSG,
			       VU_VERSION, NULL, 0, NULL, 0);
	if (ret == -EAGAIN) {
		log_warn(NAME(s), "back-end channel full: config change not delivered");
	} else if (ret < 0) {
		log_warn(NAME(s), "back-end channel broken (%s): closing it",
			 strerror(-ret));
		s->ops->set_backend_req_connection(s->dev, NULL);
		close_fd(&s->breq.fd);
	} else {
		log_info(NAME(s), "config change sent to the front-end");
	}
}

/*
 * Hand the front-end a doorbell of ring @idx (VRING_HOST_NOTIFIER_MSG):
 * the device gives a file that maps that one doorbell and can do nothing
 * else, never the device file itself (whose ioctls would give the
 * front-end the whole device). The front-end's copy is revoked by the
 * module when the device resets; ours is closed once sent.
 */
static void send_host_notifier(struct vu_session *s, uint32_t idx)
{
	struct vu_vring *r = &s->vrings[idx];
	struct vu_host_notifier hn;
	struct vu_vring_area area;
	int ret;

	if (r->notifier_sent || s->breq.fd < 0 ||
	    !vu_has_pf(s, VU_PF_HOST_NOTIFIER) ||
	    !vu_has_pf(s, VU_PF_BACKEND_SEND_FD) ||
	    !s->ops->get_host_notifier)
		return;
	if (s->ops->get_host_notifier(s->dev, idx, &hn) < 0)
		return;
	area.u64 = idx;
	area.size = hn.size;
	area.offset = hn.offset;
	ret = vu_sock_send_msg(s->breq.fd, VU_BACKEND_VRING_HOST_NOTIFIER_MSG,
			       VU_VERSION, &area, sizeof(area), &hn.fd, 1);
	close(hn.fd);
	if (ret < 0) {
		log_warn(NAME(s), "queue %u: host notifier not sent: %s", idx,
			 strerror(-ret));
		return;
	}
	r->notifier_sent = true;
	log_info(NAME(s), "queue %u: doorbell page (offset 0x%llx) handed to the front-end",
		 idx, (unsigned long long)hn.offset);
}

/* Take a doorbell back before its ring stops or the device resets (the
 * module revokes the front-end's mapping then: a front-end that kept
 * using it would fault). The front-end may be gone: then nothing to do. */
static void withdraw_host_notifier(struct vu_session *s, uint32_t idx)
{
	struct vu_vring *r = &s->vrings[idx];
	struct vu_vring_area area = { .u64 = idx | VU_VRING_NOFD };
	int ret;

	if (!r->notifier_sent)
		return;
	r->notifier_sent = false;
	if (s->breq.fd < 0)
		return;
	ret = vu_sock_send_msg(s->breq.fd, VU_BACKEND_VRING_HOST_NOTIFIER_MSG,
			       VU_VERSION, &area, sizeof(area), NULL, 0);
	if (ret < 0)
		log_debug(NAME(s), "queue %u: doorbell withdrawal not sent: %s",
			  idx, strerror(-ret));
	else
		log_info(NAME(s), "queue %u: doorbell withdrawn from the front-end",
			 idx);
}

/* The life cycle started ring @idx on the device. */
void vu_session_ring_started(struct vu_session *s, uint32_t idx)
{
	send_host_notifier(s, idx);
}

/* The life cycle is about to stop ring @idx (and maybe reset). */
void vu_session_ring_stopping(struct vu_session *s, uint32_t idx)
{
	withdraw_host_notifier(s, idx);
}

static void on_config_event(void *arg, int fd, uint32_t events)
{
	struct vu_session *s = arg;

	(void)fd;
	(void)events;
	if (s->ops->config_event_ack)
		s->ops->config_event_ack(s->dev);
	send_config_change(s);
	/* The ack may have sent a control command (a handover record
	 * holds the ring position). */
	if (vu_session_changed_hook)
		vu_session_changed_hook(s->end_arg);
}

static void update_config_watch(struct vu_session *s)
{
	int fd = -1;

	if (((s->breq.fd >= 0 && vu_has_pf(s, VU_PF_CONFIG)) ||
	     s->dev->config_events) && s->ops->config_event_fd)
		fd = s->ops->config_event_fd(s->dev);
	if (fd == s->config_fd)
		return;
	if (s->config_fd >= 0)
		s->loop->unwatch(s->loop, s->config_fd);
	s->config_fd = -1;
	if (fd >= 0 && s->loop->watch(s->loop, fd, VU_EV_IN, on_config_event,
				      s) == 0)
		s->config_fd = fd;
}

/* New memory or features: a ring the device refused may start now. */
static void rings_retry(struct vu_session *s)
{
	uint32_t i;

	for (i = 0; i < s->nvrings; i++)
		s->vrings[i].start_failed = false;
}

/* RESET_DEVICE and RESET_OWNER: every ring stopped and forgotten, features
 * and status back to none. What a reset leaves alone stays: ownership,
 * protocol features, the back-end channel, the rings' call and error fds
 * and the memory table (QEMU with CONFIGURE_MEM_SLOTS never sends regions
 * again that it sent once). */
static void session_reset(struct vu_session *s)
{
	uint32_t i;

	vu_life_reset(s);
	vu_xfer_abort(s);
	for (i = 0; i < s->nvrings; i++) {
		struct vu_vring *r = &s->vrings[i];
		int call = r->call_fd, err = r->err_fd;

		/* The call and error fds are the connection's plumbing:
		 * QEMU sends the error fd only once, at connect. */
		r->call_fd = r->err_fd = -1;
		ring_clear(r);
		r->call_fd = call;
		r->err_fd = err;
	}
	s->features_set = false;
	s->features = 0;
}

/* ---- handlers, in request order ---- */

int vu_h_get_features(struct vu_session *s, struct vu_msg *m,
		      struct vu_reply *r)
{
	(void)m;
	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = s->ops->features(s->dev) | 1ull << VU_F_PROTOCOL_FEATURES;
	return 0;
}

int vu_h_set_features(struct vu_session *s, struct vu_msg *m,
		      struct vu_reply *r)
{
	uint64_t offered = s->ops->features(s->dev) |
			   1ull << VU_F_PROTOCOL_FEATURES;
	uint64_t f = m->p.u64;
	uint32_t i;

	(void)r;
	if (f & ~offered)
		return vu_refuse(s, "features 0x%llx were not offered (offered 0x%llx)",
				 (unsigned long long)(f & ~offered),
				 (unsigned long long)offered);
	if (s->features_set && f != s->features && vu_life_any_started(s))
		return vu_refuse(s, "features changed from 0x%llx to 0x%llx while queues run",
				 (unsigned long long)s->features,
				 (unsigned long long)f);
	s->features = f;
	s->features_set = true;
	rings_retry(s);
	if (!(f & (1ull << VU_F_PROTOCOL_FEATURES)))
		for (i = 0; i < s->nvrings; i++)
			s->vrings[i].enabled = true;
	return vu_life_features(s);
}

int vu_h_set_owner(struct vu_session *s, struct vu_msg *m, struct vu_reply *r)
{
	(void)m;
	(void)r;
	if (s->owner)
		return vu_refuse(s, "the session already has an owner");
	s->owner = true;
	return 0;
}

int vu_h_reset_owner(struct vu_session *s, struct vu_msg *m,
		     struct vu_reply *r)
{
	(void)m;
	(void)r;
	session_reset(s);
	return 0;
}

/* The started rings must keep their memory in a new table. */
static int rings_covered(struct vu_session *s, const struct vu_mem *mem)
{
	uint32_t i;

	for (i = 0; i < s->nvrings; i++) {
		const struct vu_vring *r = &s->vrings[i];

		if (r->started &&
		    (!vu_mem_gpa_to_ptr(mem, r->desc_gpa, 1) ||
		     !vu_mem_gpa_to_ptr(mem, r->avail_gpa, 1) ||
		     !vu_mem_gpa_to_ptr(mem, r->used_gpa, 1))) {
			log_warn(NAME(s), "%s: queue %u runs in memory the new table drops",
				 s->cur, i);
			return -EBUSY;
		}
	}
	return 0;
}

/* Guest memory the module will pin for @m: the sum of its regions. */
static uint64_t mem_bytes(const struct vu_mem *m)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < m->nregions; i++)
		sum += m->regions[i].size;
	return sum;
}

/*
 * The per-device limit on pinned guest memory. Regions count at their
 * declared size, which their fd covers (vu_mem_map checks it): a sparse
 * memfd counts in full, as the module populates and pins all of it.
 */
static int pin_budget(struct vu_session *s, uint64_t total)
{
	if (!vu_pin_limit || total <= vu_pin_limit)
		return 0;
	return vu_refuse(s, "%llu MiB of guest memory, the device's limit is %llu MiB (--max-pinned)",
			 (unsigned long long)(total >> 20),
			 (unsigned long long)(vu_pin_limit >> 20));
}

/* The device's memory hook ran (here or on the worker): keep or drop. */
static int mem_table_done(struct vu_session *s, struct vu_mem *nm, int ret)
{
	if (ret < 0) {
		vu_mem_clear(nm);
		free(nm);
		return ret;
	}
	vu_mem_clear(&s->mem);
	s->mem = *nm;
	free(nm);
	s->mem_set = true;
	log_info(NAME(s), "memory table: %u regions, %llu MiB",
		 s->mem.nregions, (unsigned long long)(mem_bytes(&s->mem) >> 20));
	rings_retry(s);
	return vu_life_update(s);
}

static int add_region_done(struct vu_session *s, struct vu_mem_region *slot,
			   int ret)
{
	if (ret < 0) {
		vu_mem_unmap(slot);
		s->mem.nregions--;
		return ret;
	}
	s->mem_set = true;
	log_info(NAME(s), "memory region added: %u regions, %llu MiB",
		 s->mem.nregions, (unsigned long long)(mem_bytes(&s->mem) >> 20));
	rings_retry(s);
	return vu_life_update(s);
}

/* ---- memory hooks on a worker thread ---- */

static int work_set_mem_table(void *arg)
{
	struct vu_session *s = arg;

	return s->ops->set_mem_table(s->dev, s->pin.nm);
}

static int work_add_mem_region(void *arg)
{
	struct vu_session *s = arg;

	return s->ops->add_mem_region(s->dev, &s->mem, s->pin.slot);
}

static void pin_done(void *arg, int ret)
{
	struct vu_session *s = arg;

	s->pin.w = NULL;
	if (s->pin.nm)
		ret = mem_table_done(s, s->pin.nm, ret);
	else
		ret = add_region_done(s, s->pin.slot, ret);
	s->pin.nm = NULL;
	s->pin.slot = NULL;
	s->cur = vu_request_name(s->pin.request);
	vu_dispatch_complete(s, s->pin.request, s->pin.need_reply, ret);
	s->cur = NULL;
	if (s->failed) {
		vu_conn_flush(&s->conn);	/* last words */
		session_end(s);
		return;
	}
	/* Listen to the front-end again; what it sent meanwhile waits in
	 * the socket (a front-end that left is noticed now, and cleaned
	 * up as any other). */
	s->out_watched = vu_conn_pending(&s->conn);
	if (s->loop->watch(s->loop, s->conn.fd, VU_EV_IN |
			   (s->out_watched ? VU_EV_OUT : 0),
			   vu_session_on_socket, s) < 0) {
		vu_violation(s, "cannot watch the socket again");
		session_end(s);
		return;
	}
	if (vu_session_changed_hook)
		vu_session_changed_hook(s->end_arg);
}

/*
 * Pinning a large table takes seconds (the module faults in and pins
 * every page): run the device's hook on a worker and stop reading this
 * session's socket until it returned, so every other session goes on.
 * Returns VU_PENDING, or runs @fn here if no worker could be had.
 */
static int pin_start(struct vu_session *s, struct vu_msg *m,
		     int (*fn)(void *))
{
	s->pin.request = m->hdr.request;
	s->pin.need_reply = m->hdr.flags & VU_FLAG_NEED_REPLY;
	if (s->dev->pin_async) {
		s->pin.w = vu_worker_start(s->loop, fn, pin_done, s);
		if (s->pin.w) {
			s->loop->unwatch(s->loop, s->conn.fd);
			s->out_watched = false;
			return VU_PENDING;
		}
		log_warn(NAME(s), "%s: no worker thread (%s): pinning in the loop",
			 s->cur, strerror(errno));
	}
	return fn(s);
}

int vu_h_set_mem_table(struct vu_session *s, struct vu_msg *m,
		       struct vu_reply *r)
{
	uint32_t n = m->p.mem.nregions, i;
	char why[160];
	struct vu_mem *nm;
	int ret;

	(void)r;
	if (n > VU_MEM_TABLE_REGIONS)
		return vu_violation(s, "%u regions, at most %u", n,
				    VU_MEM_TABLE_REGIONS);
	if (m->hdr.size != VU_MEM_TABLE_HDR + n * sizeof(struct vu_region))
		return vu_violation(s, "payload size %u does not match %u regions",
				    m->hdr.size, n);
	if (m->nfds != n)
		return vu_violation(s, "%u regions but %u fds", n, m->nfds);
	ret = fd_budget(s, (int)n - (int)s->mem.nregions);
	if (ret)
		return ret;
	nm = malloc(sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	vu_mem_init(nm);
	for (i = 0; i < n; i++) {
		const struct vu_region *reg = &m->p.mem.regions[i];

		ret = vu_mem_check_region(nm, reg, why, sizeof(why));
		if (!ret)
			ret = vu_mem_map(&nm->regions[nm->nregions], reg,
					 m->fds[i], why, sizeof(why));
		if (ret) {
			vu_mem_clear(nm);
			free(nm);
			return vu_violation(s, "region %u: %s", i, why);
		}
		m->fds[i] = -1;
		nm->nregions++;
	}
	ret = pin_budget(s, mem_bytes(nm));
	if (!ret)
		ret = rings_covered(s, nm);
	if (ret < 0)
		return mem_table_done(s, nm, ret);
	s->pin.nm = nm;
	ret = pin_start(s, m, work_set_mem_table);
	if (ret == VU_PENDING)
		return ret;
	s->pin.nm = NULL;
	return mem_table_done(s, nm, ret);
}

static int check_ring_size(struct vu_session *s, uint32_t idx, uint32_t num)
{
	uint32_t max = s->dev->max_queue_size ? s->dev->max_queue_size :
		       VU_MAX_RING_SIZE;

	if (max > VU_MAX_RING_SIZE)
		max = VU_MAX_RING_SIZE;
	if (!num)
		return vu_refuse(s, "queue %u: ring size 0", idx);
	if (num & (num - 1))
		return vu_refuse(s, "queue %u: ring size %u is not a power of two",
				 idx, num);
	/* QEMU's vhost-user-blk asks for 128 (queue-size=) whatever the
	 * device has: say which value the front-end must be given. */
	if (num > max)
		return vu_refuse(s, "queue %u: ring size %u is larger than the device's maximum %u (give the front-end a queue size of at most %u)",
				 idx, num, max, max);
	if (num < s->dev->min_queue_size)
		return vu_refuse(s, "queue %u: ring size %u is smaller than the device's minimum %u",
				 idx, num, s->dev->min_queue_size);
	return 0;
}

int vu_h_set_vring_num(struct vu_session *s, struct vu_msg *m,
		       struct vu_reply *r)
{
	struct vu_vring *ring = ring_at(s, m->p.state.index);

	(void)r;
	if (!ring)
		return -EINVAL;
	if (ring->started)
		return vu_refuse(s, "queue %u: size changed while it runs",
				 m->p.state.index);
	if (check_ring_size(s, m->p.state.index, m->p.state.num))
		return -EINVAL;
	ring->num = m->p.state.num;
	ring->num_set = true;
	ring->start_failed = false;
	return 0;
}

static int translate(struct vu_session *s, uint32_t idx, const char *what,
		     uint64_t va, uint64_t len, uint64_t align, uint64_t *gpa)
{
	if (va & (align - 1))
		return vu_refuse(s, "queue %u: %s address 0x%llx is not %llu-byte aligned",
				 idx, what, (unsigned long long)va,
				 (unsigned long long)align);
	if (vu_mem_va_to_gpa(&s->mem, va, len, gpa))
		return vu_refuse(s, "queue %u: %s at 0x%llx (%llu bytes) is outside every memory region",
				 idx, what, (unsigned long long)va,
				 (unsigned long long)len);
	return 0;
}

int vu_h_set_vring_addr(struct vu_session *s, struct vu_msg *m,
			struct vu_reply *r)
{
	const struct vu_vring_addr *a = &m->p.addr;
	struct vu_vring *ring = ring_at(s, a->index);
	uint64_t dlen, alen, ulen, d, av, u;
	bool packed;

	(void)r;
	if (!ring)
		return -EINVAL;
	if (ring->started)
		return vu_refuse(s, "queue %u: addresses changed while it runs",
				 a->index);
	if (a->flags & VU_VRING_F_LOG)
		return vu_refuse(s, "queue %u: logging flag set, dirty logging is not offered",
				 a->index);
	if (a->flags)
		return vu_refuse(s, "queue %u: unknown flags 0x%x", a->index,
				 a->flags);
	if (!s->mem_set)
		return vu_refuse(s, "queue %u: sent before SET_MEM_TABLE",
				 a->index);
	if (!ring->num_set)
		return vu_refuse(s, "queue %u: sent before SET_VRING_NUM",
				 a->index);
	packed = vu_has_feature(s, VIRTIO_F_RING_PACKED);
	dlen = 16ull * ring->num;
	alen = packed ? 4 : 6 + 2ull * ring->num;
	ulen = packed ? 4 : 6 + 8ull * ring->num;
	if (translate(s, a->index, "descriptor table", a->desc, dlen, 16, &d) ||
	    translate(s, a->index, packed ? "driver area" : "available ring",
		      a->avail, alen, packed ? 4 : 2, &av) ||
	    translate(s, a->index, packed ? "device area" : "used ring",
		      a->used, ulen, 4, &u))
		return -EINVAL;
	ring->desc_gpa = d;
	ring->avail_gpa = av;
	ring->used_gpa = u;
	ring->packed = packed;
	ring->addr_set = true;
	ring->start_failed = false;
	return 0;
}

int vu_h_set_vring_base(struct vu_session *s, struct vu_msg *m,
			struct vu_reply *r)
{
	struct vu_vring *ring = ring_at(s, m->p.state.index);
	uint32_t num = m->p.state.num;

	(void)r;
	if (!ring)
		return -EINVAL;
	if (ring->started)
		return vu_refuse(s, "queue %u: base changed while it runs",
				 m->p.state.index);
	memset(&ring->base, 0, sizeof(ring->base));
	ring->start_failed = false;
	if (vu_has_feature(s, VIRTIO_F_RING_PACKED)) {
		ring->base.avail_idx = num & 0x7fff;
		ring->base.avail_wrap = (num >> 15) & 1;
		if (num >> 16) {
			ring->base.used_idx = (num >> 16) & 0x7fff;
			ring->base.used_wrap = (num >> 31) & 1;
		} else {
			/* DPDK sends only the avail index and its wrap
			 * counter: every buffer it made available was
			 * used, as after any stop of an in-order ring. */
			ring->base.used_idx = ring->base.avail_idx;
			ring->base.used_wrap = ring->base.avail_wrap;
		}
	} else {
		if (num > 0xffff)
			return vu_refuse(s, "queue %u: base %u is not a 16-bit ring index",
					 m->p.state.index, num);
		ring->base.avail_idx = (uint16_t)num;
	}
	return 0;
}

int vu_h_get_vring_base(struct vu_session *s, struct vu_msg *m,
			struct vu_reply *r)
{
	uint32_t idx = m->p.state.index;
	struct vu_vring *ring;
	int ret;

	/* Every GET_VRING_BASE is answered (DPDK sends one for each ring on
	 * a fresh connection, before setting any up). */
	r->set = true;
	r->len = sizeof(r->p.state);
	r->p.state.index = idx;
	r->p.state.num = 0;
	ring = ring_at(s, idx);
	if (!ring)
		return -EINVAL;
	/* The reply is the position the front-end resumes from: without
	 * one it would resume at a wrong index, so a stop that cannot say
	 * where it stopped ends the session. */
	ret = vu_life_stop(s, idx);
	if (ret < 0) {
		r->set = false;
		return vu_violation(s, "queue %u: the device did not stop: %s",
				    idx, strerror(-ret));
	}
	/* The kick fd is re-sent with every start; the call and error fds
	 * stay (QEMU sends the error fd once, at connect). */
	close_fd(&ring->kick_fd);
	ring->notifier_sent = false;
	r->p.state.num = encode_base(ring);
	return 0;
}

int vu_h_set_vring_fd(struct vu_session *s, struct vu_msg *m,
		      struct vu_reply *r)
{
	static const char *const what[] = { "kick", "call", "error" };
	static const enum vu_life_fd which[] = {
		VU_LIFE_KICK, VU_LIFE_CALL, VU_LIFE_ERR
	};
	uint32_t type = m->hdr.request - VU_SET_VRING_KICK;
	uint64_t v = m->p.u64;
	uint32_t idx = v & VU_VRING_IDX_MASK;
	bool nofd = v & VU_VRING_NOFD;
	struct vu_vring *ring;
	int fd, *slot, ret;

	(void)r;
	if (v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD))
		return vu_violation(s, "reserved bits set in 0x%llx",
				    (unsigned long long)v);
	if (nofd && m->nfds)
		return vu_violation(s, "queue %u: invalid-fd flag set but an fd was passed",
				    idx);
	if (!nofd && !m->nfds)
		return vu_violation(s, "queue %u: no fd and no invalid-fd flag",
				    idx);
	fd = nofd ? -1 : m->fds[0];
	if (fd >= 0 && !is_eventfd(fd))
		return vu_violation(s, "queue %u: the %s fd is not an eventfd",
				    idx, what[type]);
	ring = ring_at(s, idx);
	if (!ring)
		return -EINVAL;
	if (nofd && type == 0)
		return vu_refuse(s, "queue %u: polling mode (no kick fd) is not supported",
				 idx);
	slot = type == 0 ? &ring->kick_fd : type == 1 ? &ring->call_fd :
	       &ring->err_fd;
	if (fd >= 0 && *slot < 0) {
		ret = fd_budget(s, 1);
		if (ret)
			return ret;
	}
	if (fd >= 0)
		m->fds[0] = -1;
	if (type == 0)
		ring->notifier_sent = false;
	return vu_life_set_fd(s, idx, which[type], fd);
}

int vu_h_get_protocol_features(struct vu_session *s, struct vu_msg *m,
			       struct vu_reply *r)
{
	(void)m;
	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = s->offered_pf;
	return 0;
}

int vu_h_set_protocol_features(struct vu_session *s, struct vu_msg *m,
			       struct vu_reply *r)
{
	uint64_t f = m->p.u64;

	(void)r;
	if (f & ~s->offered_pf)
		return vu_refuse(s, "protocol features 0x%llx were not offered (offered 0x%llx)",
				 (unsigned long long)(f & ~s->offered_pf),
				 (unsigned long long)s->offered_pf);
	s->pf = f;
	update_config_watch(s);
	return 0;
}

int vu_h_get_queue_num(struct vu_session *s, struct vu_msg *m,
		       struct vu_reply *r)
{
	(void)m;
	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = s->ops->max_queue_num(s->dev);
	return 0;
}

int vu_h_set_vring_enable(struct vu_session *s, struct vu_msg *m,
			  struct vu_reply *r)
{
	uint32_t idx = m->p.state.index, on = m->p.state.num;
	struct vu_vring *ring = ring_at(s, idx);
	bool parked;

	(void)r;
	if (!ring)
		return -EINVAL;
	if (on > 1)
		return vu_refuse(s, "queue %u: enable value %u is not 0 or 1",
				 idx, on);
	ring->enabled = on;
	ring->enable_sent = on;
	ring->start_failed = false;
	parked = s->ops->ring_enabled && s->ops->ring_enabled(s->dev, idx, on);
	if (on)
		return vu_life_update(s);
	/* The ring stays started, disabled: enabling it again needs no
	 * start on the device. */
	if (parked && ring->started) {
		log_debug(NAME(s), "queue %u disabled: left running on the device, which no longer uses its pair",
			  idx);
		return 0;
	}
	return vu_life_stop(s, idx);
}

int vu_h_send_rarp(struct vu_session *s, struct vu_msg *m, struct vu_reply *r)
{
	(void)r;
	if (!s->ops->send_rarp)
		return -EOPNOTSUPP;
	return s->ops->send_rarp(s->dev, m->p.bytes);
}

int vu_h_net_set_mtu(struct vu_session *s, struct vu_msg *m,
		     struct vu_reply *r)
{
	uint64_t mtu = m->p.u64;

	(void)r;
	if (mtu < 68 || mtu > 65535)
		return vu_refuse(s, "MTU %llu out of range 68..65535",
				 (unsigned long long)mtu);
	if (!vu_has_feature(s, VIRTIO_NET_F_MTU))
		return vu_refuse(s, "VIRTIO_NET_F_MTU was not negotiated");
	if (!s->ops->set_mtu)
		return -EOPNOTSUPP;
	return s->ops->set_mtu(s->dev, (uint16_t)mtu);
}

int vu_h_set_backend_req_fd(struct vu_session *s, struct vu_msg *m,
			    struct vu_reply *r)
{
	(void)r;
	if (!is_stream_socket(m->fds[0]))
		return vu_violation(s, "the back-end request fd is not a unix stream socket");
	if (s->breq.fd >= 0) {
		s->ops->set_backend_req_connection(s->dev, NULL);
		close_fd(&s->breq.fd);
	}
	s->breq.fd = m->fds[0];
	m->fds[0] = -1;
	s->ops->set_backend_req_connection(s->dev, &s->breq);
	update_config_watch(s);
	return 0;
}

int vu_h_get_config(struct vu_session *s, struct vu_msg *m,
		    struct vu_reply *r)
{
	const struct vu_config *c = &m->p.config;
	uint32_t avail;
	int ret;

	if (c->size > VU_MAX_CONFIG_SIZE)
		return vu_violation(s, "config size %u, at most %u", c->size,
				    VU_MAX_CONFIG_SIZE);
	if (m->hdr.size != VU_CONFIG_HDR + c->size)
		return vu_violation(s, "payload size %u does not match config size %u",
				    m->hdr.size, c->size);
	r->set = true;
	r->p.config.offset = c->offset;
	r->p.config.size = c->size;
	r->p.config.flags = c->flags;
	r->len = 0;	/* an empty reply tells the front-end it failed */
	if (!c->size || c->offset >= s->dev->config_size) {
		log_warn(NAME(s), "GET_CONFIG: offset %u size %u outside the %u-byte config space",
			 c->offset, c->size, s->dev->config_size);
		return 0;
	}
	/* Bytes past the device's config space read as zero, as on PCI. */
	avail = s->dev->config_size - c->offset;
	if (avail > c->size)
		avail = c->size;
	memset(r->p.config.data, 0, c->size);
	ret = s->ops->read_config(s->dev, c->offset, r->p.config.data, avail);
	if (ret < 0) {
		log_warn(NAME(s), "GET_CONFIG: reading the device failed: %s",
			 strerror(-ret));
		return 0;
	}
	r->len = VU_CONFIG_HDR + c->size;
	return 0;
}

int vu_h_set_config(struct vu_session *s, struct vu_msg *m,
		    struct vu_reply *r)
{
	const struct vu_config *c = &m->p.config;
	uint8_t cur[VU_MAX_CONFIG_SIZE];
	const char *why;

	(void)r;
	if (c->size > VU_MAX_CONFIG_SIZE)
		return vu_violation(s, "config size %u, at most %u", c->size,
				    VU_MAX_CONFIG_SIZE);
	if (m->hdr.size != VU_CONFIG_HDR + c->size)
		return vu_violation(s, "payload size %u does not match config size %u",
				    m->hdr.size, c->size);
	if (c->flags != VU_CONFIG_F_WRITABLE && c->flags != VU_CONFIG_F_MIGRATION)
		return vu_violation(s, "unknown config flags %u", c->flags);
	if (!c->size || c->offset > s->dev->config_size ||
	    c->size > s->dev->config_size - c->offset) {
		log_warn(NAME(s), "SET_CONFIG: offset %u size %u outside the %u-byte config space",
			 c->offset, c->size, s->dev->config_size);
		return -EINVAL;
	}
	why = vu_config_write_refused(s->dev->device_id,
				      s->features_set ? s->features : 0,
				      c->offset, c->size);
	if (why && s->dev->mac_writable && c->offset + c->size <= 6)
		why = NULL;	/* net MAC through the control queue */
	if (why) {
		/* Unchanged bytes (a VMM restoring what it read) are fine. */
		if (s->ops->read_config(s->dev, c->offset, cur, c->size) == 0 &&
		    !memcmp(cur, c->data, c->size))
			return 0;
		log_warn(NAME(s), "SET_CONFIG: offset %u size %u refused: %s",
			 c->offset, c->size, why);
		/* Without an ack to carry the refusal the write is dropped,
		 * as a read-only config field drops it on PCI. */
		return (m->hdr.flags & VU_FLAG_NEED_REPLY) ? -EPERM : 0;
	}
	return s->ops->write_config(s->dev, c->offset, c->data, c->size);
}

int vu_h_reset_device(struct vu_session *s, struct vu_msg *m,
		      struct vu_reply *r)
{
	(void)m;
	(void)r;
	session_reset(s);
	return 0;
}

int vu_h_get_max_mem_slots(struct vu_session *s, struct vu_msg *m,
			   struct vu_reply *r)
{
	(void)s;
	(void)m;
	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = VU_MAX_MEM_SLOTS;
	return 0;
}

int vu_h_add_mem_reg(struct vu_session *s, struct vu_msg *m,
		     struct vu_reply *r)
{
	const struct vu_region *reg = &m->p.reg.region;
	struct vu_mem_region *slot;
	char why[160];
	int ret;

	(void)r;
	if (s->mem.nregions >= VU_MAX_MEM_SLOTS)
		return vu_violation(s, "all %u memory slots are in use",
				    VU_MAX_MEM_SLOTS);
	ret = vu_mem_check_region(&s->mem, reg, why, sizeof(why));
	if (ret)
		return vu_violation(s, "%s", why);
	ret = fd_budget(s, 1);
	if (!ret && reg->size <= UINT64_MAX - mem_bytes(&s->mem))
		ret = pin_budget(s, mem_bytes(&s->mem) + reg->size);
	if (ret)
		return ret;
	slot = &s->mem.regions[s->mem.nregions];
	ret = vu_mem_map(slot, reg, m->fds[0], why, sizeof(why));
	if (ret)
		return vu_violation(s, "%s", why);
	m->fds[0] = -1;
	s->mem.nregions++;
	s->pin.slot = slot;
	ret = pin_start(s, m, work_add_mem_region);
	if (ret == VU_PENDING)
		return ret;
	s->pin.slot = NULL;
	return add_region_done(s, slot, ret);
}

int vu_h_rem_mem_reg(struct vu_session *s, struct vu_msg *m,
		     struct vu_reply *r)
{
	const struct vu_region *reg = &m->p.reg.region;
	struct vu_mem *rest;
	int i, ret;

	(void)r;
	i = vu_mem_find(&s->mem, reg);
	if (i < 0)
		return vu_violation(s, "no region gpa 0x%llx size 0x%llx at 0x%llx",
				    (unsigned long long)reg->gpa,
				    (unsigned long long)reg->size,
				    (unsigned long long)reg->uaddr);
	rest = malloc(sizeof(*rest));
	if (!rest)
		return -ENOMEM;
	*rest = s->mem;
	vu_mem_remove_at(rest, (unsigned int)i);
	ret = rings_covered(s, rest);
	free(rest);
	if (ret < 0)
		return ret;
	ret = s->ops->remove_mem_region(s->dev, &s->mem, &s->mem.regions[i]);
	if (ret < 0)
		return ret;
	vu_mem_unmap(&s->mem.regions[i]);
	vu_mem_remove_at(&s->mem, (unsigned int)i);
	return 0;
}

int vu_h_set_status(struct vu_session *s, struct vu_msg *m,
		    struct vu_reply *r)
{
	uint64_t v = m->p.u64;

	(void)r;
	if (v > 0xff)
		return vu_refuse(s, "status 0x%llx is not a virtio status byte",
				 (unsigned long long)v);
	return vu_life_set_status(s, (uint8_t)v);
}

int vu_h_get_status(struct vu_session *s, struct vu_msg *m,
		    struct vu_reply *r)
{
	(void)m;
	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = vu_life_get_status(s);
	return 0;
}

int vu_h_set_device_state_fd(struct vu_session *s, struct vu_msg *m,
			     struct vu_reply *r)
{
	const struct vu_state_xfer *x = &m->p.xfer;
	int ret;

	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = 1 | VU_STATE_REPLY_NOFD;
	if (x->direction != VU_STATE_DIR_SAVE &&
	    x->direction != VU_STATE_DIR_LOAD)
		return vu_violation(s, "unknown transfer direction %u",
				    x->direction);
	if (x->phase != VU_STATE_PHASE_STOPPED)
		return vu_violation(s, "unknown migration phase %u", x->phase);
	if (vu_life_any_started(s)) {
		log_warn(NAME(s), "SET_DEVICE_STATE_FD: queues still run; the device must be suspended");
		return 0;
	}
	ret = vu_xfer_start(s, x->direction, m->fds[0]);
	if (ret < 0) {
		log_warn(NAME(s), "SET_DEVICE_STATE_FD: %s", strerror(-ret));
		return 0;
	}
	m->fds[0] = -1;
	r->p.u64 = VU_STATE_REPLY_NOFD;
	return 0;
}

int vu_h_check_device_state(struct vu_session *s, struct vu_msg *m,
			    struct vu_reply *r)
{
	char why[160];

	(void)m;
	r->set = true;
	r->len = sizeof(r->p.u64);
	r->p.u64 = 1;
	/* A failed transfer is the answer 1, not the end of the session:
	 * the front-end decides what to do with a migration that failed. */
	if (vu_xfer_finish(s, why, sizeof(why)) < 0) {
		log_warn(NAME(s), "device state rejected: %s", why);
		return 0;
	}
	r->p.u64 = 0;
	return 0;
}

/* Restore: the positions of a snapshot become the rings' bases. */
void vu_session_restore_queue(struct vu_session *s, uint32_t idx,
			      const struct vu_queue_state *st)
{
	if (idx < s->nvrings && !s->vrings[idx].started)
		s->vrings[idx].base = *st;
}

/* ---- connection ---- */

static void session_end(struct vu_session *s)
{
	if (s->ended)
		return;
	s->ended = true;
	s->loop->unwatch(s->loop, s->conn.fd);
	s->out_watched = false;
	if (s->end)
		s->end(s, s->end_arg);
}

void vu_session_on_socket(void *arg, int fd, uint32_t events)
{
	struct vu_session *s = arg;
	char why[200];
	int budget = 64, ret;

	(void)fd;
	if (s->ended)
		return;
	if (events & VU_EV_OUT) {
		ret = vu_conn_flush(&s->conn);
		if (ret < 0) {
			log_info(NAME(s), "front-end gone while sending: %s",
				 strerror(-ret));
			session_end(s);
			return;
		}
	}
	while (budget-- > 0 && (events & (VU_EV_IN | VU_EV_HUP | VU_EV_ERR))) {
		ret = vu_conn_recv(&s->conn, why, sizeof(why));
		if (ret == VU_RECV_AGAIN)
			break;
		if (ret == VU_RECV_EOF) {
			log_info(NAME(s), "front-end disconnected");
			session_end(s);
			return;
		}
		if (ret == VU_RECV_ERROR) {
			s->cur = NULL;
			vu_violation(s, "%s", why);
			session_end(s);
			return;
		}
		ret = vu_dispatch(s, &s->conn.msg);
		vu_conn_msg_done(&s->conn);
		if (ret < 0) {
			vu_conn_flush(&s->conn);	/* last words */
			session_end(s);
			return;
		}
		if (ret == VU_PENDING)
			return;	/* not read again until pin_done() */
	}
	if (vu_conn_pending(&s->conn) != s->out_watched) {
		s->out_watched = vu_conn_pending(&s->conn);
		s->loop->update(s->loop, s->conn.fd, VU_EV_IN |
				(s->out_watched ? VU_EV_OUT : 0));
	}
	if (vu_session_changed_hook)
		vu_session_changed_hook(s->end_arg);
}

/* A session rebuilt from a predecessor's record (handover_session.c):
 * watch what its state says it watches. */
void vu_session_resumed(struct vu_session *s)
{
	update_config_watch(s);
	s->out_watched = vu_conn_pending(&s->conn);
	if (s->out_watched)
		s->loop->update(s->loop, s->conn.fd, VU_EV_IN | VU_EV_OUT);
}

unsigned int vu_session_fd_cap_for(const struct vu_device *dev)
{
	/* By default what a conforming front-end can make it hold: every
	 * memory slot, three eventfds per queue, the channels. */
	return vu_session_fd_cap ? vu_session_fd_cap :
	       4 + VU_MAX_MEM_SLOTS + 3 * dev->num_queues;
}

struct vu_session *vu_session_new(struct vu_device *dev, int fd,
				  struct vu_loop *loop, vu_session_end_fn end,
				  void *arg)
{
	struct vu_session *s;
	uint32_t i;
	int fl;

	if (!dev->num_queues || dev->num_queues > 1024)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->vrings = calloc(dev->num_queues, sizeof(*s->vrings));
	if (!s->vrings) {
		free(s);
		return NULL;
	}
	s->dev = dev;
	s->ops = dev->ops;
	s->loop = loop;
	s->end = end;
	s->end_arg = arg;
	s->nvrings = dev->num_queues;
	for (i = 0; i < s->nvrings; i++)
		s->vrings[i].kick_fd = s->vrings[i].call_fd =
			s->vrings[i].err_fd = -1;
	vu_mem_init(&s->mem);
	s->breq.fd = -1;
	s->breq.s = s;
	s->config_fd = -1;
	s->xfer.fd = -1;
	s->fd_cap = vu_session_fd_cap_for(dev);
	s->offered_pf = s->ops->protocol_features(dev) & VU_PF_ENGINE_SUPPORTED;
	if (!s->ops->send_rarp)
		s->offered_pf &= ~VU_PF(VU_PF_RARP);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto err;
	vu_conn_init(&s->conn, fd);
	if (loop->watch(loop, fd, VU_EV_IN, vu_session_on_socket, s) < 0)
		goto err;
	update_config_watch(s);
	log_info(dev->name, "front-end connected");
	return s;
err:
	free(s->vrings);
	free(s);
	return NULL;
}

void vu_session_destroy(struct vu_session *s)
{
	uint32_t i;

	if (!s)
		return;
	if (!s->ended) {
		s->ended = true;
		s->loop->unwatch(s->loop, s->conn.fd);
	}
	if (s->config_fd >= 0)
		s->loop->unwatch(s->loop, s->config_fd);
	if (s->pin.w) {
		/* Shutdown or device removal mid-pin: the module cannot be
		 * interrupted; wait, then drop what it pinned. */
		log_info(NAME(s), "waiting for the memory pinning in progress");
		vu_worker_wait(s->pin.w);
		s->pin.w = NULL;
		if (s->pin.nm) {
			vu_mem_clear(s->pin.nm);
			free(s->pin.nm);
		}
	}
	vu_life_end(s);
	vu_xfer_abort(s);
	for (i = 0; i < s->nvrings; i++)
		ring_clear(&s->vrings[i]);
	vu_mem_clear(&s->mem);
	s->mem_set = false;
	if (s->breq.fd >= 0) {
		s->ops->set_backend_req_connection(s->dev, NULL);
		close_fd(&s->breq.fd);
	}
	vu_conn_close(&s->conn);
	free(s->vrings);
	free(s);
}

bool vu_session_ended(const struct vu_session *s)
{
	return s->ended;
}

int vu_session_conn_fd(const struct vu_session *s)
{
	return s->conn.fd;
}

const char *vu_session_error(const struct vu_session *s)
{
	return s->error;
}
