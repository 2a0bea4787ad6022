// SPDX-License-Identifier: GPL-2.0
/* Split virtqueue driver over guest memory; event-idx off. */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evwait.h"
#include "virtq.h"

static size_t page_align(size_t n)
{
	size_t pg = guest_page_size();

	return (n + pg - 1) & ~(pg - 1);
}

static void virtq_init_free_list(struct virtq *vq)
{
	uint16_t i;

	for (i = 0; i < vq->size; i++) {
		vq->desc[i].next = htole16((uint16_t)(i + 1));
		vq->desc[i].flags = 0;
	}
	vq->free_head = 0;
	vq->num_free = vq->size;
}

int virtq_init(struct virtq *vq, struct guest_mem *gm, uint16_t index,
	       uint16_t size)
{
	size_t pg = guest_page_size();
	int ret;

	memset(vq, 0, sizeof(*vq));
	vq->kick_fd = -1;
	vq->call_fd = -1;
	if (!size || (size & (size - 1)))
		return -EINVAL;

	vq->gm = gm;
	vq->index = index;
	vq->size = size;
	vq->desc = guest_mem_alloc(gm, page_align(16u * size), pg);
	vq->avail = guest_mem_alloc(gm, page_align(6u + 2u * size), pg);
	vq->used = guest_mem_alloc(gm, page_align(6u + 8u * size), pg);
	if (!vq->desc || !vq->avail || !vq->used)
		return -ENOMEM;
	vq->desc_iova = guest_mem_iova(gm, vq->desc);
	vq->avail_iova = guest_mem_iova(gm, vq->avail);
	vq->used_iova = guest_mem_iova(gm, vq->used);

	vq->token = calloc(size, sizeof(*vq->token));
	vq->chain = calloc(size, sizeof(*vq->chain));
	if (!vq->token || !vq->chain) {
		ret = -ENOMEM;
		goto err;
	}
	vq->kick_fd = evfd_new();
	if (vq->kick_fd < 0) {
		ret = vq->kick_fd;
		goto err;
	}
	vq->call_fd = evfd_new();
	if (vq->call_fd < 0) {
		ret = vq->call_fd;
		goto err;
	}
	virtq_init_free_list(vq);
	return 0;

err:
	virtq_destroy(vq);
	return ret;
}

void virtq_destroy(struct virtq *vq)
{
	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	free(vq->token);
	free(vq->chain);
	vq->token = NULL;
	vq->chain = NULL;
	vq->kick_fd = -1;
	vq->call_fd = -1;
}

void virtq_reset(struct virtq *vq)
{
	memset(vq->desc, 0, 16u * vq->size);
	memset(vq->avail, 0, 6u + 2u * vq->size);
	memset(vq->used, 0, 6u + 8u * vq->size);
	memset(vq->token, 0, vq->size * sizeof(*vq->token));
	memset(vq->chain, 0, vq->size * sizeof(*vq->chain));
	vq->avail_idx = 0;
	vq->last_used = 0;
	vq->notified_avail = 0;
	virtq_init_free_list(vq);
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs,
	      unsigned int nbufs, void *token)
{
	uint16_t head, idx;
	unsigned int i;

	if (!nbufs || !token)
		return -EINVAL;
	if (nbufs > vq->num_free)
		return -ENOSPC;

	head = vq->free_head;
	idx = head;
	for (i = 0; i < nbufs; i++) {
		struct vring_desc *d = &vq->desc[idx];
		uint16_t flags = bufs[i].device_writes ? VRING_DESC_F_WRITE : 0;

		if (i + 1 < nbufs)
			flags |= VRING_DESC_F_NEXT;
		d->addr = htole64(guest_mem_iova(vq->gm, bufs[i].addr));
		d->len = htole32(bufs[i].len);
		d->flags = htole16(flags);
		idx = le16toh(d->next);
	}
	vq->free_head = idx;
	vq->num_free = (uint16_t)(vq->num_free - nbufs);
	vq->token[head] = token;
	vq->chain[head] = (uint16_t)nbufs;

	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = htole16(head);
	vq->avail_idx++;
	/* Descriptors and ring entry visible before the index. */
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx),
			 __ATOMIC_RELEASE);
	return head;
}

int virtq_kick(struct virtq *vq)
{
	vq->kicks++;
	if (vq->doorbell) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*(volatile uint16_t *)vq->doorbell = vq->index;
		return 0;
	}
	return evfd_signal(vq->kick_fd);
}

/* The event-idx fields after the rings: the driver's in avail, the
 * device's in used. */
static volatile uint16_t *used_event(struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static volatile uint16_t *avail_event(struct virtq *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->size];
}

int virtq_kick_if_needed(struct virtq *vq)
{
	uint16_t old = vq->notified_avail;

	/* The avail index store must be seen before we read used->flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->notified_avail = vq->avail_idx;
	if (vq->event_idx) {
		if (!vring_need_event(le16toh(*avail_event(vq)), vq->avail_idx,
				      old))
			return 0;
	} else if (le16toh(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED)) &
		   VRING_USED_F_NO_NOTIFY) {
		return 0;
	}
	return virtq_kick(vq);
}

uint16_t virtq_device_used_idx(const struct virtq *vq)
{
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
	struct vring_used_elem *e;
	uint16_t head, tail, n, cnt;
	uint32_t id;
	void *token;

	if (virtq_device_used_idx(vq) == vq->last_used) {
		if (!vq->event_idx)
			return NULL;
		/*
		 * Everything consumed: interrupt at the next used buffer. One
		 * the device added before it saw this would get no interrupt,
		 * so look again after publishing it.
		 */
		*used_event(vq) = htole16(vq->last_used);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (virtq_device_used_idx(vq) == vq->last_used)
			return NULL;
	}
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	id = le32toh(e->id);
	if (id >= vq->size || !vq->token[id]) {
		vq->broken = true;	/* the device returned a bogus head */
		return NULL;
	}
	if (len)
		*len = le32toh(e->len);
	vq->last_used++;

	head = (uint16_t)id;
	token = vq->token[head];
	n = vq->chain[head];
	cnt = n;
	vq->token[head] = NULL;
	vq->chain[head] = 0;
	tail = head;
	while (--n)
		tail = le16toh(vq->desc[tail].next);
	vq->desc[tail].next = htole16(vq->free_head);
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + cnt);
	return token;
}

uint16_t virtq_inflight(const struct virtq *vq)
{
	return (uint16_t)(vq->avail_idx - vq->last_used);
}
