// SPDX-License-Identifier: GPL-2.0
/*
 * handover_check.c - before a successor takes a device over, the record
 * must agree with what the module reports: the device, its virtio status
 * against the session's life-cycle state, which queues run, and, where the
 * module can tell (VUB_GET_QUEUE_CONFIG, VUB_GET_MEM_TABLE), every started
 * ring's size, layout, addresses and start position and the mapped memory
 * (a module without those two ioctls answers ENOTTY: checks skipped). The
 * daemon's own control queue of a NIC (the record's CVQ section) is checked
 * as a ring, its ring region as the topmost region.
 * A successor that acted on a record the device contradicts would stop
 * rings it thinks stopped or miss ones that run: it refuses instead.
 * Reads only; nothing of the device changes here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/vubridge.h>

#include "handover.h"
#include "lifecycle.h"
#include "log.h"
#include "net_cvq.h"

#define BAD(...)	do {						\
		snprintf(why, whylen, __VA_ARGS__);			\
		return -EINVAL;						\
	} while (0)

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static int check_status(int fd, const struct ho_record *r, char *why,
			size_t whylen)
{
	uint8_t st = 0, want_ok;
	int ret = xioctl(fd, VUB_GET_STATUS, &st);

	if (ret)
		BAD("VUB_GET_STATUS: %s", strerror(-ret));
	st &= VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
	switch (r->has_session ? r->life_state : VU_LIFE_RESET) {
	case VU_LIFE_RESET:
		want_ok = 0;
		break;
	case VU_LIFE_RUNNING:
		want_ok = VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
		break;
	default:
		want_ok = VIRTIO_CONFIG_S_FEATURES_OK;
	}
	if (st != want_ok)
		BAD("the device's status has 0x%x of FEATURES_OK|DRIVER_OK, the record's life cycle (%s) needs 0x%x",
		    st, vu_life_state_name(r->has_session ? r->life_state :
					   VU_LIFE_RESET), want_ok);
	return 0;
}

static const struct ho_ring *ring_of(const struct ho_record *r, uint32_t idx)
{
	uint32_t i;

	for (i = 0; r->has_session && i < r->nrings; i++)
		if (r->rings[i].index == idx)
			return &r->rings[i];
	return NULL;
}

/* Started rings as VUB_GET_QUEUE_CONFIG reports them; 1: not supported. */
static int check_queue_config(int fd, const struct ho_ring *q, char *why,
			      size_t whylen)
{
	struct vub_queue_start qs;
	bool packed = q->flags & HO_RING_PACKED;
	int ret;

	memset(&qs, 0, sizeof(qs));
	qs.index = q->index;
	ret = xioctl(fd, VUB_GET_QUEUE_CONFIG, &qs);
	if (ret == -ENOTTY)
		return 1;
	if (ret)
		BAD("queue %u: VUB_GET_QUEUE_CONFIG: %s", q->index,
		    strerror(-ret));
	if (qs.size != q->num || !!(qs.flags & VUB_QUEUE_F_PACKED) != packed)
		BAD("queue %u: the device runs a %s ring of %u, the record says %s of %u",
		    q->index, qs.flags & VUB_QUEUE_F_PACKED ? "packed" : "split",
		    qs.size, packed ? "packed" : "split", q->num);
	if (qs.desc_addr != q->desc_gpa || qs.driver_addr != q->avail_gpa ||
	    qs.device_addr != q->used_gpa)
		BAD("queue %u: ring addresses 0x%llx/0x%llx/0x%llx on the device, 0x%llx/0x%llx/0x%llx in the record",
		    q->index, (unsigned long long)qs.desc_addr,
		    (unsigned long long)qs.driver_addr,
		    (unsigned long long)qs.device_addr,
		    (unsigned long long)q->desc_gpa,
		    (unsigned long long)q->avail_gpa,
		    (unsigned long long)q->used_gpa);
	if (qs.avail_idx != q->base.avail_idx ||
	    (packed && (qs.avail_wrap != q->base.avail_wrap ||
			qs.used_idx != q->base.used_idx ||
			qs.used_wrap != q->base.used_wrap)))
		BAD("queue %u: started at %u on the device, at %u in the record",
		    q->index, qs.avail_idx, q->base.avail_idx);
	return 0;
}

/*
 * A record of an older build carries no control-queue state (no CVQ
 * section): a net device whose front-end keeps its own control queue then
 * has its last queue run by the predecessor, on a ring of its own at
 * ncvq_ring_iova(). Neither is checked; the successor maps a ring of its
 * own there at the next negotiation (handover.rst).
 */
static bool old_daemon_cvq(const struct vub_device_info *info,
			   const struct ho_record *r)
{
	return !r->cvq.present && info->device_id == VIRTIO_ID_NET &&
	       (info->device_features & (1ull << VIRTIO_NET_F_CTRL_VQ)) &&
	       !(r->features & (1ull << VIRTIO_NET_F_CTRL_VQ));
}

/* The daemon's control queue as the record says it runs, in the form of a
 * ring: its own ring when started, none in shadow mode otherwise (the
 * front-end may not start that queue); NULL when queue @idx is the
 * front-end's to run. */
static const struct ho_ring *daemon_cvq_ring(const struct ho_record *r,
					     uint32_t idx, struct ho_ring *q)
{
	const struct ho_cvq *h = &r->cvq;

	if (!h->present || h->index != idx ||
	    (h->want[5] != NCVQ_MODE_SHADOW && !(h->flags & HO_CVQ_STARTED)))
		return NULL;
	memset(q, 0, sizeof(*q));
	q->index = idx;
	q->num = h->num;
	q->flags = HO_RING_NUM_SET | HO_RING_ADDR_SET |
		   (h->flags & HO_CVQ_STARTED ? HO_RING_STARTED : 0) |
		   (h->flags & HO_CVQ_PACKED ? HO_RING_PACKED : 0);
	q->desc_gpa = h->iova + NCVQ_OFF_DESC;
	q->avail_gpa = h->iova + NCVQ_OFF_DRIVER;
	q->used_gpa = h->iova + NCVQ_OFF_DEVICE;
	/* started at 0 (packed: both wrap counters 1) */
	q->base.avail_wrap = q->base.used_wrap = !!(h->flags & HO_CVQ_PACKED);
	return q;
}

static int check_queues(int fd, const struct vub_device_info *info,
			const struct ho_record *r, char *why, size_t whylen)
{
	uint32_t i;
	int ret;

	for (i = 0; i < r->num_queues; i++) {
		const struct ho_ring *q = ring_of(r, i), *cq;
		struct vub_queue_info qi;
		struct ho_ring cvq;
		bool want;

		if (i == r->num_queues - 1 && old_daemon_cvq(info, r))
			continue;
		cq = daemon_cvq_ring(r, i, &cvq);
		if (cq && q && (q->flags & HO_RING_STARTED))
			BAD("queue %u: started by the front-end and run by the daemon as its control queue",
			    i);
		if (cq)
			q = cq;
		want = q && (q->flags & HO_RING_STARTED);
		memset(&qi, 0, sizeof(qi));
		qi.index = i;
		ret = xioctl(fd, VUB_GET_QUEUE_INFO, &qi);
		if (ret)
			BAD("queue %u: VUB_GET_QUEUE_INFO: %s", i,
			    strerror(-ret));
		if (!!(qi.flags & VUB_QUEUE_INFO_F_STARTED) != want)
			BAD("queue %u%s is %s on the device, %s in the record",
			    i, cq ? " (the daemon's control queue)" : "",
			    qi.flags & VUB_QUEUE_INFO_F_STARTED ? "started" :
			    "stopped", want ? "started" : "stopped");
		if (want && qi.size != q->num)
			BAD("queue %u: size %u on the device, %u in the record",
			    i, qi.size, q->num);
		if (want) {
			ret = check_queue_config(fd, q, why, whylen);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int by_gpa(const void *a, const void *b)
{
	const struct ho_region *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static int check_memory(int fd, const struct vub_device_info *info,
			const struct ho_record *r, char *why,
			size_t whylen)
{
	uint32_t n = r->has_session ? r->nregions : 0, i, cap = n + 1;
	struct ho_region *sorted = NULL;
	struct vub_mem_table *t;
	int ret;

	t = calloc(1, sizeof(*t) + cap * sizeof(t->regions[0]));
	if (!t)
		return -ENOMEM;
	t->nregions = cap;
	ret = xioctl(fd, VUB_GET_MEM_TABLE, t);
	if (ret == -ENOTTY) {
		free(t);
		return 0;
	}
	if (ret) {
		snprintf(why, whylen, "VUB_GET_MEM_TABLE: %s%s", strerror(-ret),
			 ret == -E2BIG ? " (more regions than the record's)" :
			 "");
		free(t);
		return -EINVAL;
	}
	ret = 0;
	/* The control queue's ring region lies above every guest region. */
	if (r->cvq.present && (r->cvq.flags & HO_CVQ_MAPPED)) {
		const struct vub_mem_region *top = t->nregions ?
			&t->regions[t->nregions - 1] : NULL;

		if (!top || top->iova != r->cvq.iova ||
		    top->size != NCVQ_SIZE) {
			snprintf(why, whylen, "the control queue's ring region 0x%llx+0x%x is not the device's topmost (%s0x%llx+0x%llx)",
				 (unsigned long long)r->cvq.iova, NCVQ_SIZE,
				 top ? "" : "none: ",
				 top ? (unsigned long long)top->iova : 0,
				 top ? (unsigned long long)top->size : 0);
			ret = -EINVAL;
			goto out;
		}
		t->nregions--;
	} else if (t->nregions && old_daemon_cvq(info, r) &&
		   t->regions[t->nregions - 1].iova == ncvq_ring_iova(info)) {
		t->nregions--;
	}
	if (t->nregions != n) {
		snprintf(why, whylen, "%u memory regions on the device, %u in the record",
			 t->nregions, n);
		ret = -EINVAL;
		goto out;
	}
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(sorted, r->regions, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_gpa);
	for (i = 0; i < n; i++) {
		if (t->regions[i].iova != sorted[i].gpa ||
		    t->regions[i].size != sorted[i].size) {
			snprintf(why, whylen, "memory region %u: 0x%llx+0x%llx on the device, 0x%llx+0x%llx in the record",
				 i, (unsigned long long)t->regions[i].iova,
				 (unsigned long long)t->regions[i].size,
				 (unsigned long long)sorted[i].gpa,
				 (unsigned long long)sorted[i].size);
			ret = -EINVAL;
			break;
		}
	}
out:
	free(sorted);
	free(t);
	return ret;
}

int ho_check_module(int devfd, const struct ho_record *r, char *why,
		    size_t whylen)
{
	struct vub_device_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = xioctl(devfd, VUB_GET_DEVICE_INFO, &info);
	if (ret)
		BAD("VUB_GET_DEVICE_INFO: %s", strerror(-ret));
	if (info.device_id != r->device_id || info.num_queues != r->num_queues)
		BAD("virtio device %u with %u queues, the record says %u with %u",
		    info.device_id, info.num_queues, r->device_id,
		    r->num_queues);
	if (r->cvq.present &&
	    (info.device_id != VIRTIO_ID_NET ||
	     !(info.device_features & (1ull << VIRTIO_NET_F_CTRL_VQ)) ||
	     r->cvq.iova != ncvq_ring_iova(&info)))
		BAD("the record's control queue (ring at IOVA 0x%llx) does not fit the device (features 0x%llx, ring IOVA 0x%llx)",
		    (unsigned long long)r->cvq.iova,
		    (unsigned long long)info.device_features,
		    (unsigned long long)ncvq_ring_iova(&info));
	ret = check_status(devfd, r, why, whylen);
	if (!ret)
		ret = check_queues(devfd, &info, r, why, whylen);
	if (!ret)
		ret = check_memory(devfd, &info, r, why, whylen);
	return ret;
}
