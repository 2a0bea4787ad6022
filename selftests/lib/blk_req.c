// SPDX-License-Identifier: GPL-2.0
/* virtio-blk requests: header, data, status. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "blk_req.h"

int blk_req_queue(struct virtq *vq, struct blk_req *req, uint32_t type,
		  uint64_t sector, void *data, uint32_t len)
{
	struct virtq_buf b[3];
	unsigned int n = 0;

	memset(req, 0, sizeof(*req));
	req->hdr.type = htole32(type);
	req->hdr.sector = htole64(sector);
	req->status = 0xff;

	b[n++] = (struct virtq_buf){ &req->hdr, sizeof(req->hdr), false };
	switch (type) {
	case VIRTIO_BLK_T_OUT:
		if (!data || !len)
			return -EINVAL;
		b[n++] = (struct virtq_buf){ data, len, false };
		break;
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		if (!data || !len)
			return -EINVAL;
		b[n++] = (struct virtq_buf){ data, len, true };
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	default:
		return -EINVAL;
	}
	b[n++] = (struct virtq_buf){ &req->status, 1, true };
	return virtq_add(vq, b, n, req);
}

void blk_pattern(uint8_t *buf, uint64_t offset, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t o = offset + i;
		uint32_t w = (uint32_t)(o >> 2) * 2654435761u ^ seed;

		buf[i] = (uint8_t)(w >> ((o & 3) * 8));
	}
}
