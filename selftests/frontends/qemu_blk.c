// SPDX-License-Identifier: GPL-2.0
/* virtio-blk driver over qtest (see qemu_blk.h). */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include "qemu_blk.h"

#define RING		0x110000ull	/* after qemu_net.c's rings */
#define REQ_HDR		0x400000ull
#define REQ_STATUS	0x400100ull
#define REQ_DATA	0x401000ull
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

int qblk_up(struct qblk *b, struct qchan *qt)
{
	int ret;

	ret = vpci_probe(&b->pci, qt, VPCI_VENDOR, VPCI_DEV_BLK, MMIO_BASE);
	if (!ret)
		ret = vpci_reset(&b->pci);
	if (!ret)
		ret = vpci_negotiate(&b->pci, 1ull << VIRTIO_F_VERSION_1);
	if (!ret)
		ret = vpci_devcfg(&b->pci, 0, &b->capacity, 8);
	if (!ret)
		ret = vpci_queue(&b->pci, &b->q, 0, QBLK_QSIZE, RING);
	if (!ret)
		ret = vpci_driver_ok(&b->pci);
	if (ret)
		return blk_fail(b, ret, "%s", b->pci.err);
	b->capacity = le64toh(b->capacity);
	return 0;
}

int qblk_io(struct qblk *b, int out, uint64_t sector, void *buf, uint32_t len,
	    int timeout_ms)
{
	struct virtio_blk_outhdr hdr = {
		.type = htole32(out ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN),
		.sector = htole64(sector),
	};
	struct gbuf chain[3] = {
		{ REQ_HDR, sizeof(hdr), 0 },
		{ REQ_DATA, len, !out },
		{ REQ_STATUS, 1, 1 },
	};
	struct qchan *qt = b->pci.qt;
	uint32_t id, used_len;
	uint8_t status;
	int ret;

	if (len == 0 || len > QBLK_MAX_IO || len % 512)
		return blk_fail(b, -EINVAL, "I/O of %u bytes", len);
	/* One request at a time: it always sits at descriptor 0. */
	ret = qt_memwrite(qt, REQ_HDR, &hdr, sizeof(hdr));
	if (!ret)
		ret = qt_writeb(qt, REQ_STATUS, 0xff);
	if (!ret && out)
		ret = qt_memwrite(qt, REQ_DATA, buf, len);
	if (ret)
		return blk_fail(b, ret, "%s", qt->err);
	ret = gvq_add(&b->pci, &b->q, 0, chain, 3);
	if (!ret)
		ret = gvq_notify(&b->pci, &b->q);
	if (!ret)
		ret = gvq_next_used(&b->pci, &b->q, &id, &used_len, timeout_ms);
	if (ret)
		return blk_fail(b, ret, "%s %u bytes at sector %llu: %s",
				out ? "write" : "read", len,
				(unsigned long long)sector, b->pci.err);
	ret = qt_readb(qt, REQ_STATUS, &status);
	if (ret)
		return blk_fail(b, ret, "%s", qt->err);
	if (id != 0 || status != VIRTIO_BLK_S_OK)
		return blk_fail(b, -EIO, "%s at sector %llu: used id %u, status %u",
				out ? "write" : "read",
				(unsigned long long)sector, id, status);
	if (!out) {
		ret = qt_memread(qt, REQ_DATA, buf, len);
		if (ret)
			return blk_fail(b, ret, "%s", qt->err);
	}
	return 0;
}
