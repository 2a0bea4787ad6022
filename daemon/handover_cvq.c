// SPDX-License-Identifier: GPL-2.0
/*
 * handover_cvq.c - the daemon's own control queue of a NIC (net_cvq.c) in
 * the handover record: what it sets, its negotiation, and, while it runs,
 * its ring (the memfd mapped for the device) and its kick eventfd, the very
 * files the module holds. The successor goes on with the same ring at the
 * same position: no region is mapped again, the queue is not restarted,
 * and its next command (an operator's MAC, a pair change) is the next
 * descriptor chain of the ring the device already polls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "handover.h"
#include "log.h"
#include "net_cvq.h"

void ho_cvq_export(const struct net_cvq *c, struct ho_cvq *h, ho_id_fn id,
		   void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->memfd = h->kick_fd = HO_NOFD;
	if (!c->capable)
		return;
	h->present = true;
	ncvq_snapshot(c, h->want, sizeof(h->want));
	h->flags = (c->mapped ? HO_CVQ_MAPPED : 0) |
		   (c->started ? HO_CVQ_STARTED : 0) |
		   (c->packed ? HO_CVQ_PACKED : 0) |
		   (c->packed && c->wrap ? HO_CVQ_WRAP : 0) |
		   (c->broken ? HO_CVQ_BROKEN : 0) |
		   (c->fe_ring ? HO_CVQ_FE_RING : 0);
	h->index = c->index;
	h->negotiated = c->negotiated;
	h->iova = c->iova;
	h->num = c->num;
	h->next = c->next;
	h->dev_pairs = c->dev_pairs;
	h->status = c->status;
	memcpy(h->op_mac, c->op_mac, 6);
	h->sent = c->sent;
	if (c->mapped)
		h->memfd = id(ctx, c->memfd);
	if (c->started)
		h->kick_fd = id(ctx, c->kick_fd);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#define BAD(...)	do {						\
		snprintf(why, whylen, __VA_ARGS__);			\
		ret = -EINVAL;						\
		goto out;						\
	} while (0)

/*
 * The ring in the carried memfd stands where the record says: split, the
 * driver published exactly @next chains and (unless a command timed out)
 * the device used them all; packed, the slot at @next is not yet offered
 * in the current lap. Also: the kick fd is an eventfd.
 */
int ho_cvq_check_files(const struct ho_record *r, ho_fd_fn fd_of, void *ctx,
		       char *why, size_t whylen)
{
	const struct ho_cvq *h = &r->cvq;
	uint8_t *mem = MAP_FAILED;
	char link[64] = "", path[64];
	struct stat st;
	int fd = -1, ret = 0;
	ssize_t n;

	if (!h->present || !(h->flags & HO_CVQ_MAPPED))
		return 0;
	fd = fd_of(ctx, h->memfd);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size != NCVQ_SIZE)
		BAD("control queue: its ring memfd is not a file of %u bytes",
		    NCVQ_SIZE);
	if (!(h->flags & HO_CVQ_STARTED))
		goto out;
	mem = mmap(NULL, NCVQ_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		BAD("control queue: mapping its ring: %s", strerror(errno));
	if (!(h->flags & HO_CVQ_PACKED)) {
		uint16_t avail = rd16(mem + NCVQ_OFF_DRIVER + 2);
		uint16_t used = rd16(mem + NCVQ_OFF_DEVICE + 2);

		if (avail != h->next ||
		    (used != h->next && !(h->flags & HO_CVQ_BROKEN)))
			BAD("control queue: the ring has %u chains offered and %u used, the record says %u",
			    avail, used, h->next);
	} else {
		uint16_t f = rd16(mem + NCVQ_OFF_DESC + 16u * h->next + 14);
		bool wrap = h->flags & HO_CVQ_WRAP;

		if (!!(f & 1u << VRING_PACKED_DESC_F_AVAIL) == wrap)
			BAD("control queue: slot %u of the ring is already offered (flags 0x%x, wrap %u)",
			    h->next, f, wrap);
	}
	close(fd);
	fd = fd_of(ctx, h->kick_fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = fd < 0 ? -1 : readlink(path, link, sizeof(link) - 1);
	if (n <= 0 || strncmp(link, "anon_inode:[eventfd]", (size_t)n))
		BAD("control queue: its kick fd is not an eventfd");
out:
	if (mem != MAP_FAILED)
		munmap(mem, NCVQ_SIZE);
	if (fd >= 0)
		close(fd);
	return ret;
}

#undef BAD

int ho_cvq_adopt(struct net_cvq *c, const struct ho_record *r,
		 ho_fd_fn fd_of, void *ctx)
{
	const struct ho_cvq *h = &r->cvq;
	int memfd = -1, kick = -1;
	uint8_t *mem = NULL;
	uint32_t i;

	if (!h->present) {
		if (c->capable)
			log_warn(c->name, "control queue: the record carries none (a predecessor of an older build): the daemon maps its own ring at the next negotiation, replacing the one left at IOVA 0x%llx",
				 (unsigned long long)c->iova);
		return 0;
	}
	if (!c->capable || h->iova != c->iova ||
	    ncvq_restore(c, h->want, sizeof(h->want))) {
		log_err(c->name, "control queue: the record's (IOVA 0x%llx) does not fit this device (IOVA 0x%llx)",
			(unsigned long long)h->iova,
			(unsigned long long)c->iova);
		return -EINVAL;
	}
	if (h->flags & HO_CVQ_MAPPED) {
		memfd = fd_of(ctx, h->memfd);
		mem = memfd < 0 ? MAP_FAILED :
		      mmap(NULL, NCVQ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   memfd, 0);
		if (mem == MAP_FAILED) {
			log_err(c->name, "control queue: mapping the carried ring: %s",
				strerror(errno));
			if (memfd >= 0)
				close(memfd);
			return -ENOMEM;
		}
	}
	if (h->flags & HO_CVQ_STARTED) {
		kick = fd_of(ctx, h->kick_fd);
		if (kick < 0) {
			munmap(mem, NCVQ_SIZE);
			close(memfd);
			return -EBADF;
		}
	}
	/* The carried files replace the ones ncvq_init() made. */
	if (mem) {
		munmap(c->mem, NCVQ_SIZE);
		close(c->memfd);
		c->mem = mem;
		c->memfd = memfd;
	}
	if (kick >= 0) {
		close(c->kick_fd);
		c->kick_fd = kick;
	}
	c->mode = h->want[5];
	c->negotiated = h->negotiated;
	c->index = h->index;
	c->status = h->status;
	c->mapped = h->flags & HO_CVQ_MAPPED;
	c->started = h->flags & HO_CVQ_STARTED;
	c->broken = h->flags & HO_CVQ_BROKEN;
	c->fe_ring = h->flags & HO_CVQ_FE_RING;
	c->packed = h->flags & HO_CVQ_PACKED;
	c->wrap = c->packed ? !!(h->flags & HO_CVQ_WRAP) : true;
	c->num = h->num;
	c->next = h->next;
	c->dev_pairs = h->dev_pairs;
	c->sent = h->sent;
	memcpy(c->op_mac, h->op_mac, 6);
	/* Which rings the front-end enabled and runs: the session's. */
	for (i = 0; r->has_session && i < r->nrings; i++) {
		const struct ho_ring *q = &r->rings[i];

		if (q->index >= 2u * c->max_pairs)
			continue;
		c->ring_on[q->index] = !!(q->flags & HO_RING_ENABLED);
		c->ring_run[q->index] = !!(q->flags & HO_RING_STARTED);
	}
	log_info(c->name, "control queue taken over: %s, queue %u %s, ring of %u at IOVA 0x%llx, next %u, %u commands so far",
		 c->mode == NCVQ_MODE_SHADOW ? "run by the daemon" :
		 c->mode == NCVQ_MODE_PASSTHROUGH ? "the front-end's" :
		 "not negotiated", c->index,
		 c->started ? "running" : "stopped", c->num,
		 (unsigned long long)c->iova, c->next, c->sent);
	return 0;
}
