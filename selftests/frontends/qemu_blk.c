// SPDX-License-Identifier: GPL-2.0
/* virtio-blk driver over qtest (see qemu_blk.h). */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include "qemu_blk.h"

/* Guest-physical layout: rings after qemu_net.c's, 16 KiB apart; each
 * queue's request (header, status, data) in its own 64 KiB. */
#define RING		0x110000ull
#define RING_STRIDE	0x4000ull
#define REQ_BASE	0x400000ull
#define REQ_STRIDE	0x10000ull
#define REQ_HDR		0x0ull
#define REQ_STATUS	0x100ull
#define REQ_DATA	0x1000ull
#define MMIO_BASE	0xe1000000ull	/* BARs above qemu_net.c's */

static int blk_fail(struct qblk *b, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int blk_fail(struct qblk *b, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return ret;
}

static int blk_up(struct qblk *b, struct qchan *qt, unsigned int nq, int mq)
{
	uint64_t want = 1ull << VIRTIO_F_VERSION_1;
	unsigned int i;
	int ret;

	memset(b->req, 0, sizeof(b->req));
	b->nq = 0;
	b->num_queues = 1;
	if (nq == 0 || nq > QBLK_MAX_QUEUES)
		return blk_fail(b, -EINVAL, "%u queues (this driver: 1..%u)",
				nq, QBLK_MAX_QUEUES);
	if (mq)
		want |= 1ull << VIRTIO_BLK_F_MQ;
	ret = vpci_probe(&b->pci, qt, VPCI_VENDOR, VPCI_DEV_BLK, MMIO_BASE);
	if (!ret)
		ret = vpci_reset(&b->pci);
	if (!ret)
		ret = vpci_negotiate(&b->pci, want);
	if (!ret)
		ret = vpci_devcfg(&b->pci, 0, &b->capacity, 8);
	if (!ret && (b->pci.features & 1ull << VIRTIO_BLK_F_MQ))
		ret = vpci_devcfg(&b->pci,
				  offsetof(struct virtio_blk_config, num_queues),
				  &b->num_queues, 2);
	if (ret)
		return blk_fail(b, ret, "%s", b->pci.err);
	b->capacity = le64toh(b->capacity);
	b->num_queues = le16toh(b->num_queues);
	if (nq > 1 && !(b->pci.features & 1ull << VIRTIO_BLK_F_MQ))
		return blk_fail(b, -EOPNOTSUPP, "%u queues wanted, the device offers no VIRTIO_BLK_F_MQ (features 0x%llx)",
				nq, (unsigned long long)b->pci.features);
	if (nq > b->num_queues)
		return blk_fail(b, -ERANGE, "%u queues wanted, the config space's num_queues is %u",
				nq, b->num_queues);
	for (i = 0; !ret && i < nq; i++)
		ret = vpci_queue(&b->pci, &b->q[i], (uint16_t)i, QBLK_QSIZE,
				 RING + i * RING_STRIDE);
	if (!ret)
		ret = vpci_driver_ok(&b->pci);
	if (ret)
		return blk_fail(b, ret, "%s", b->pci.err);
	b->nq = nq;
	return 0;
}

int qblk_up(struct qblk *b, struct qchan *qt)
{
	return blk_up(b, qt, 1, 0);
}

int qblk_up_mq(struct qblk *b, struct qchan *qt, unsigned int nq)
{
	return blk_up(b, qt, nq, 1);
}

int qblk_submit(struct qblk *b, unsigned int qi, int out, uint64_t sector,
		const void *buf, uint32_t len)
{
	uint64_t base = REQ_BASE + qi * REQ_STRIDE;
	struct virtio_blk_outhdr hdr = {
		.type = htole32(out ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN),
		.sector = htole64(sector),
	};
	struct gbuf chain[3] = {
		{ base + REQ_HDR, sizeof(hdr), 0 },
		{ base + REQ_DATA, len, !out },
		{ base + REQ_STATUS, 1, 1 },
	};
	struct qchan *qt = b->pci.qt;
	int ret;

	if (qi >= b->nq)
		return blk_fail(b, -EINVAL, "queue %u of %u", qi, b->nq);
	if (b->req[qi].busy)
		return blk_fail(b, -EBUSY, "queue %u has a request in flight", qi);
	if (len == 0 || len > QBLK_MAX_IO || len % 512)
		return blk_fail(b, -EINVAL, "I/O of %u bytes", len);
	ret = qt_memwrite(qt, base + REQ_HDR, &hdr, sizeof(hdr));
	if (!ret)
		ret = qt_writeb(qt, base + REQ_STATUS, 0xff);
	if (!ret && out)
		ret = qt_memwrite(qt, base + REQ_DATA, buf, len);
	if (ret)
		return blk_fail(b, ret, "%s", qt->err);
	/* One request per queue: it always sits at descriptor 0. */
	ret = gvq_add(&b->pci, &b->q[qi], 0, chain, 3);
	if (!ret)
		ret = gvq_notify(&b->pci, &b->q[qi]);
	if (ret)
		return blk_fail(b, ret, "queue %u: %s", qi, b->pci.err);
	b->req[qi] = (struct qblk_req){ 1, out, sector, len };
	return 0;
}

int qblk_complete(struct qblk *b, unsigned int qi, void *buf, int timeout_ms)
{
	uint64_t base = REQ_BASE + qi * REQ_STRIDE;
	struct qblk_req r;
	struct qchan *qt = b->pci.qt;
	uint32_t id, used_len;
	uint8_t status;
	int ret;

	if (qi >= b->nq || !b->req[qi].busy)
		return blk_fail(b, -EINVAL, "queue %u: no request in flight", qi);
	r = b->req[qi];
	b->req[qi].busy = 0;
	ret = gvq_next_used(&b->pci, &b->q[qi], &id, &used_len, timeout_ms);
	if (ret)
		return blk_fail(b, ret, "queue %u: %s %u bytes at sector %llu: %s",
				qi, r.out ? "write" : "read", r.len,
				(unsigned long long)r.sector, b->pci.err);
	ret = qt_readb(qt, base + REQ_STATUS, &status);
	if (ret)
		return blk_fail(b, ret, "%s", qt->err);
	if (id != 0 || status != VIRTIO_BLK_S_OK)
		return blk_fail(b, -EIO, "queue %u: %s at sector %llu: used id %u, status %u",
				qi, r.out ? "write" : "read",
				(unsigned long long)r.sector, id, status);
	if (!r.out) {
		ret = qt_memread(qt, base + REQ_DATA, buf, r.len);
		if (ret)
			return blk_fail(b, ret, "%s", qt->err);
	}
	return 0;
}

int qblk_io(struct qblk *b, int out, uint64_t sector, void *buf, uint32_t len,
	    int timeout_ms)
{
	int ret = qblk_submit(b, 0, out, sector, buf, len);

	return ret ? ret : qblk_complete(b, 0, buf, timeout_ms);
}
