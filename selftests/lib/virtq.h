/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueue, driver side, laid out in guest memory.
 *
 * Layout (each part page aligned): descriptor table (16 * size), avail
 * ring (6 + 2 * size), used ring (6 + 8 * size). Without event-idx the
 * driver leaves avail->flags at 0 so the device interrupts on every used
 * buffer, and kicks unless the device set VRING_USED_F_NO_NOTIFY. With
 * @event_idx set (VIRTIO_RING_F_EVENT_IDX negotiated), it asks for an
 * interrupt only once it has consumed every used buffer (used_event) and
 * kicks only when the device's avail_event says so.
 */
#ifndef VUBT_VIRTQ_H
#define VUBT_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#include "guest_mem.h"

struct virtq_buf {
	void *addr;		/* inside the queue's guest memory */
	uint32_t len;
	bool device_writes;	/* VRING_DESC_F_WRITE */
};

struct virtq {
	struct guest_mem *gm;
	uint16_t index;		/* queue index on the device */
	uint16_t size;		/* ring size, a power of two */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t desc_iova, avail_iova, used_iova;

	uint16_t free_head;	/* first free descriptor */
	uint16_t num_free;
	uint16_t avail_idx;	/* next avail index the driver publishes */
	uint16_t last_used;	/* next used index the driver reads */
	void **token;		/* per head: caller's token, NULL if free */
	uint16_t *chain;	/* per head: descriptors in the chain */

	int kick_fd;		/* eventfd the device polls, -1 if none */
	int call_fd;		/* eventfd the device signals, -1 if none */
	volatile void *doorbell; /* when set, kicks write @index here */
	uint64_t kicks;		/* kicks sent */
	bool event_idx;		/* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint16_t notified_avail; /* avail index at the last kick decision */
	bool broken;		/* the device returned an unknown head */
};

/*
 * Lay out a queue of @size entries in @gm and create kick and call
 * eventfds. Returns 0 or -errno; on failure nothing needs undoing but
 * virtq_destroy() is harmless.
 */
int virtq_init(struct virtq *vq, struct guest_mem *gm, uint16_t index,
	       uint16_t size);
/* Close the eventfds and free bookkeeping (ring memory stays in @gm). */
void virtq_destroy(struct virtq *vq);
/* Forget all buffers and zero the rings, as a freshly reset driver. */
void virtq_reset(struct virtq *vq);

/*
 * Add one chain: @nbufs buffers, device-readable ones first. Publishes the
 * avail entry (no kick). Returns the head or -ENOSPC / -EINVAL.
 */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs,
	      unsigned int nbufs, void *token);
/* Notify the device: doorbell write if set, else the kick eventfd. */
int virtq_kick(struct virtq *vq);
/* Kick unless the device asked for no notifications. */
int virtq_kick_if_needed(struct virtq *vq);
/*
 * Next used buffer or NULL: returns its token, stores the written length
 * in @len and frees its descriptors.
 */
void *virtq_get_used(struct virtq *vq, uint32_t *len);
/* Buffers handed to the device and not yet returned. */
uint16_t virtq_inflight(const struct virtq *vq);
/* The used index the device last published. */
uint16_t virtq_device_used_idx(const struct virtq *vq);

#endif
