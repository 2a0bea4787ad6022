// SPDX-License-Identifier: GPL-2.0
/*
 * handover_session.c - a vhost-user session into a handover record and
 * back: what the front-end negotiated and configured, the rings as the
 * engine knows them, and the connection's framing state (a message half
 * read, replies not yet written), so the successor goes on exactly where
 * its predecessor stopped reading. No ioctl is issued here: the device
 * keeps running the queues it was given.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover.h"
#include "log.h"
#include "session_priv.h"

bool ho_session_busy(const struct vu_session *s)
{
	return s->pin.w || s->xfer.fd >= 0;
}

static uint32_t ring_flags(const struct vu_vring *v)
{
	return (v->num_set ? HO_RING_NUM_SET : 0) |
	       (v->addr_set ? HO_RING_ADDR_SET : 0) |
	       (v->enabled ? HO_RING_ENABLED : 0) |
	       (v->enable_sent ? HO_RING_ENABLE_SENT : 0) |
	       (v->started ? HO_RING_STARTED : 0) |
	       (v->start_failed ? HO_RING_START_FAILED : 0) |
	       (v->packed ? HO_RING_PACKED : 0) |
	       (v->notifier_sent ? HO_RING_NOTIFIER_SENT : 0);
}

#define FD_ID(fd)	((fd) >= 0 ? id(ctx, (fd)) : HO_NOFD)

int ho_session_export(struct vu_session *s, struct ho_record *r, ho_id_fn id,
		      void *ctx)
{
	const struct vu_conn *c = &s->conn;
	uint32_t i, n, hdr;

	if (ho_session_busy(s) || s->ended)
		return -EBUSY;
	if (c->out_len - c->out_off > HO_MAX_OUT)
		return -EBUSY;
	r->has_session = true;
	r->conn_fd = id(ctx, c->fd);
	r->breq_fd = FD_ID(s->breq.fd);
	r->sflags = (s->owner ? HO_S_OWNER : 0) |
		    (s->features_set ? HO_S_FEATURES_SET : 0) |
		    (s->mem_set ? HO_S_MEM_SET : 0) |
		    (s->life.refused ? HO_S_LIFE_REFUSED : 0);
	r->features = s->features;
	r->offered_pf = s->offered_pf;
	r->pf = s->pf;
	r->life_state = (uint8_t)s->life.state;
	r->fe_status = s->life.fe_status;
	r->negotiated = s->life.negotiated;
	r->nregions = s->mem.nregions;
	for (i = 0; i < s->mem.nregions; i++) {
		const struct vu_mem_region *m = &s->mem.regions[i];

		r->regions[i].gpa = m->gpa;
		r->regions[i].size = m->size;
		r->regions[i].vmm_va = m->vmm_va;
		r->regions[i].mmap_offset = m->mmap_offset;
		r->regions[i].fd = id(ctx, m->fd);
	}
	for (i = 0, n = 0; i < s->nvrings && i < HO_MAX_QUEUES; i++) {
		const struct vu_vring *v = &s->vrings[i];
		struct ho_ring *q = &r->rings[n];

		q->flags = ring_flags(v);
		if (!q->flags && v->kick_fd < 0 && v->call_fd < 0 &&
		    v->err_fd < 0 && !v->num)
			continue;	/* never touched */
		q->index = i;
		q->num = v->num;
		q->desc_gpa = v->desc_gpa;
		q->avail_gpa = v->avail_gpa;
		q->used_gpa = v->used_gpa;
		q->base = v->base;
		q->kick_fd = FD_ID(v->kick_fd);
		q->call_fd = FD_ID(v->call_fd);
		q->err_fd = FD_ID(v->err_fd);
		n++;
	}
	r->nrings = n;
	/* The message being read: its bytes so far and the fds that came
	 * with them; the rest is still in the socket for the successor. */
	r->partial_len = c->got;
	hdr = c->got < VU_HDR_SIZE ? c->got : VU_HDR_SIZE;
	memcpy(r->partial, &c->msg.hdr, hdr);
	if (c->got > VU_HDR_SIZE)
		memcpy(r->partial + VU_HDR_SIZE, c->msg.p.bytes,
		       c->got - VU_HDR_SIZE);
	r->partial_nfds = c->got ? c->msg.nfds : 0;
	for (i = 0; i < r->partial_nfds; i++)
		r->partial_fds[i] = id(ctx, c->msg.fds[i]);
	r->out_len = (uint32_t)(c->out_len - c->out_off);
	if (r->out_len)
		memcpy(r->out, c->out + c->out_off, r->out_len);
	return 0;
}

static void ring_from(struct vu_vring *v, const struct ho_ring *q)
{
	v->num = q->num;
	v->num_set = q->flags & HO_RING_NUM_SET;
	v->addr_set = q->flags & HO_RING_ADDR_SET;
	v->enabled = q->flags & HO_RING_ENABLED;
	v->enable_sent = q->flags & HO_RING_ENABLE_SENT;
	v->started = q->flags & HO_RING_STARTED;
	v->start_failed = q->flags & HO_RING_START_FAILED;
	v->packed = q->flags & HO_RING_PACKED;
	v->notifier_sent = q->flags & HO_RING_NOTIFIER_SENT;
	v->desc_gpa = q->desc_gpa;
	v->avail_gpa = q->avail_gpa;
	v->used_gpa = q->used_gpa;
	v->base = q->base;
}

/* A new fd for @id, or -1 (with @why) if the transport has none. */
static int take_fd(ho_fd_fn fd_of, void *ctx, uint32_t id, const char *what,
		   char *why, size_t whylen)
{
	int fd;

	if (id == HO_NOFD)
		return -1;
	fd = fd_of(ctx, id);
	if (fd < 0)
		snprintf(why, whylen, "%s: fd %u missing", what, id);
	return fd;
}

#define TAKE(dst, idv, what)	do {					\
		if ((idv) != HO_NOFD) {					\
			(dst) = take_fd(fd_of, ctx, (idv), (what), why,	\
					whylen);			\
			if ((dst) < 0)					\
				goto err;				\
		}							\
	} while (0)

static int conn_from(struct vu_session *s, const struct ho_record *r,
		     ho_fd_fn fd_of, void *ctx, char *why, size_t whylen)
{
	struct vu_conn *c = &s->conn;
	uint32_t i, hdr = r->partial_len < VU_HDR_SIZE ? r->partial_len :
			  VU_HDR_SIZE;

	memcpy(&c->msg.hdr, r->partial, hdr);
	if (r->partial_len > VU_HDR_SIZE)
		memcpy(c->msg.p.bytes, r->partial + VU_HDR_SIZE,
		       r->partial_len - VU_HDR_SIZE);
	c->got = r->partial_len;
	for (i = 0; i < r->partial_nfds; i++) {
		TAKE(c->msg.fds[i], r->partial_fds[i], "partial message");
		c->msg.nfds = i + 1;
	}
	if (r->out_len) {
		c->out = malloc(r->out_len);
		if (!c->out) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		memcpy(c->out, r->out, r->out_len);
		c->out_len = r->out_len;
		c->out_off = 0;
	}
	return 0;
err:
	return -EBADF;
}

struct vu_session *ho_session_adopt(struct vu_device *dev,
				    struct vu_loop *loop, vu_session_end_fn end,
				    void *end_arg, const struct ho_record *r,
				    ho_fd_fn fd_of, void *ctx, char *why,
				    size_t whylen)
{
	struct vu_session *s = NULL;
	uint32_t i;
	int conn = -1;

	TAKE(conn, r->conn_fd, "connection");
	s = vu_session_new(dev, conn, loop, end, end_arg);
	if (!s) {
		close(conn);
		snprintf(why, whylen, "cannot make a session");
		return NULL;
	}
	if (r->pf & ~s->offered_pf) {
		snprintf(why, whylen, "protocol features 0x%llx negotiated, this daemon offers 0x%llx",
			 (unsigned long long)r->pf,
			 (unsigned long long)s->offered_pf);
		goto err_session;
	}
	s->owner = r->sflags & HO_S_OWNER;
	s->features_set = r->sflags & HO_S_FEATURES_SET;
	s->mem_set = r->sflags & HO_S_MEM_SET;
	s->features = r->features;
	s->pf = r->pf;
	s->life.state = (enum vu_life_state)r->life_state;
	s->life.fe_status = r->fe_status;
	s->life.negotiated = r->negotiated;
	s->life.refused = r->sflags & HO_S_LIFE_REFUSED;
	for (i = 0; i < r->nregions; i++) {
		const struct ho_region *m = &r->regions[i];
		struct vu_region reg = {
			.gpa = m->gpa, .size = m->size, .uaddr = m->vmm_va,
			.mmap_offset = m->mmap_offset,
		};
		int fd = -1, ret;

		TAKE(fd, m->fd, "memory region");
		/* Our own mapping, at an address of our own: the module
		 * keeps the pages it pinned from the predecessor's. */
		ret = vu_mem_map(&s->mem.regions[i], &reg, fd, why, whylen);
		if (ret) {
			close(fd);
			goto err_session;
		}
		s->mem.nregions = i + 1;
	}
	for (i = 0; i < r->nrings; i++) {
		const struct ho_ring *q = &r->rings[i];
		struct vu_vring *v = &s->vrings[q->index];

		ring_from(v, q);
		TAKE(v->kick_fd, q->kick_fd, "kick eventfd");
		TAKE(v->call_fd, q->call_fd, "call eventfd");
		TAKE(v->err_fd, q->err_fd, "error eventfd");
	}
	TAKE(s->breq.fd, r->breq_fd, "back-end channel");
	if (s->breq.fd >= 0)
		s->ops->set_backend_req_connection(s->dev, &s->breq);
	if (conn_from(s, r, fd_of, ctx, why, whylen))
		goto err_session;
	vu_session_resumed(s);
	log_info(dev->name, "session taken over: %s, %u memory regions, %u rings set up, features 0x%llx, protocol features 0x%llx%s",
		 vu_life_state_name(s->life.state), s->mem.nregions, r->nrings,
		 (unsigned long long)s->features, (unsigned long long)s->pf,
		 r->partial_len ? ", a message half read" : "");
	return s;
err:
err_session:
	log_err(dev->name, "cannot rebuild the session (%s): resetting the device",
		why);
	if (s)
		vu_session_destroy(s);
	return NULL;
}
