/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-blk request builder over a split virtqueue. */
#ifndef VUBT_BLK_REQ_H
#define VUBT_BLK_REQ_H

#include <stdint.h>
#include <linux/virtio_blk.h>

#include "virtq.h"

#define BLK_SECTOR	512u

/* Header and status of one request; lives in guest memory. */
struct blk_req {
	struct virtio_blk_outhdr hdr;	/* device-readable */
	uint8_t status;			/* device-writable */
	uint8_t pad[7];
};

/*
 * Queue one request of @type (VIRTIO_BLK_T_IN/OUT/FLUSH/GET_ID) at
 * @sector with @len bytes of data at @data (NULL and 0 for FLUSH), all in
 * @vq's guest memory. @req->status is set to 0xff until the device answers.
 * Returns the head or -errno. Does not kick.
 */
int blk_req_queue(struct virtq *vq, struct blk_req *req, uint32_t type,
		  uint64_t sector, void *data, uint32_t len);

/* Fill @len bytes with the pattern of the disk bytes at @offset. */
void blk_pattern(uint8_t *buf, uint64_t offset, size_t len, uint32_t seed);

#endif
