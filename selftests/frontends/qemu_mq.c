// SPDX-License-Identifier: GPL-2.0
/* Multi-queue virtio-net driver over qtest (see qemu_mq.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "net_frame.h"
#include "net_peer.h"
#include "qemu_mq.h"

/* Guest-physical layout (QVM_RAM_MB of RAM): rings 16 KiB apart. */
#define RINGS		0x100000ull
#define RING_STRIDE	0x4000ull
#define RX_BUFS		0x200000ull	/* + pair * PAIR_BUFS */
#define TX_BUFS		0x400000ull
#define PAIR_BUFS	0x40000ull
#define CTRL_BUF	0x600000ull
#define BUF_STRIDE	2048u
#define MMIO_BASE	0xe0000000ull

static const uint8_t src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xee, 0x02 };

static int mq_fail(struct qmq *m, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int mq_fail(struct qmq *m, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return ret;
}

static int pci_fail(struct qmq *m, int ret)
{
	return mq_fail(m, ret, "%s", m->pci.err);
}

static int post_rx(struct qmq *m, unsigned int p, uint16_t id)
{
	struct gbuf b = {
		.addr = RX_BUFS + p * PAIR_BUFS + (uint64_t)id * BUF_STRIDE,
		.len = BUF_STRIDE,
		.device_writes = 1,
	};

	return gvq_add(&m->pci, &m->rx[p], id, &b, 1);
}

int qmq_up(struct qmq *m, struct qchan *qt)
{
	uint8_t cfg[10];
	uint16_t max, i;
	unsigned int p;
	int ret;

	memset(m->tx_next, 0, sizeof(m->tx_next));
	memset(m->ours, 0, sizeof(m->ours));
	memset(m->other, 0, sizeof(m->other));
	ret = vpci_probe(&m->pci, qt, VPCI_VENDOR, VPCI_DEV_NET, MMIO_BASE);
	if (!ret)
		ret = vpci_reset(&m->pci);
	if (!ret)
		ret = vpci_negotiate(&m->pci, 1ull << VIRTIO_F_VERSION_1 |
				     1ull << VIRTIO_NET_F_MAC |
				     1ull << VIRTIO_NET_F_MQ |
				     1ull << VIRTIO_NET_F_CTRL_VQ);
	if (!ret)
		ret = vpci_devcfg(&m->pci, 0, cfg, sizeof(cfg));
	if (ret)
		return pci_fail(m, ret);
	if (!(m->pci.features & 1ull << VIRTIO_NET_F_MQ) ||
	    !(m->pci.features & 1ull << VIRTIO_NET_F_CTRL_VQ))
		return mq_fail(m, -EOPNOTSUPP, "the device offers no MQ/CTRL_VQ (features 0x%llx): the back-end must offer MQ",
			       (unsigned long long)m->pci.features);
	memcpy(m->mac, cfg, 6);
	max = (uint16_t)(cfg[8] | cfg[9] << 8);
	if (max != QMQ_PAIRS)
		return mq_fail(m, -EINVAL, "max_virtqueue_pairs %u, want %u (queues=%u on the netdev)",
			       max, QMQ_PAIRS, QMQ_PAIRS);
	for (p = 0; !ret && p < QMQ_PAIRS; p++) {
		ret = vpci_queue(&m->pci, &m->rx[p], (uint16_t)(2 * p),
				 QMQ_QSIZE, RINGS + (2 * p) * RING_STRIDE);
		if (!ret)
			ret = vpci_queue(&m->pci, &m->tx[p], (uint16_t)(2 * p + 1),
					 QMQ_QSIZE,
					 RINGS + (2 * p + 1) * RING_STRIDE);
	}
	if (!ret)
		ret = vpci_queue(&m->pci, &m->ctrl, 2 * QMQ_PAIRS, QMQ_QSIZE,
				 RINGS + 2 * QMQ_PAIRS * RING_STRIDE);
	if (!ret)
		ret = vpci_driver_ok(&m->pci);
	for (p = 0; !ret && p < QMQ_PAIRS; p++) {
		for (i = 0; !ret && i < QMQ_QSIZE; i++)
			ret = post_rx(m, p, i);
		if (!ret)
			ret = gvq_notify(&m->pci, &m->rx[p]);
	}
	return ret ? pci_fail(m, ret) : 0;
}

int qmq_set_pairs(struct qmq *m, uint16_t n)
{
	uint8_t cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
			   (uint8_t)n, (uint8_t)(n >> 8) };
	struct gbuf b[3] = {
		{ .addr = CTRL_BUF, .len = 2 },
		{ .addr = CTRL_BUF + 16, .len = 2 },
		{ .addr = CTRL_BUF + 32, .len = 1, .device_writes = 1 },
	};
	uint16_t head = (uint16_t)((m->ctrl.avail_idx * 3) % (QMQ_QSIZE - 2));
	uint32_t id, len;
	uint8_t ack = 0xff;
	int ret;

	ret = qt_memwrite(m->pci.qt, CTRL_BUF, cmd, 2);
	if (!ret)
		ret = qt_memwrite(m->pci.qt, CTRL_BUF + 16, cmd + 2, 2);
	if (!ret)
		ret = qt_memwrite(m->pci.qt, CTRL_BUF + 32, &ack, 1);
	if (ret)
		return mq_fail(m, ret, "%s", m->pci.qt->err);
	ret = gvq_add(&m->pci, &m->ctrl, head, b, 3);
	if (!ret)
		ret = gvq_notify(&m->pci, &m->ctrl);
	/* QEMU answers once vhost-user enabled the pair's rings: the
	 * back-end restarts the device meanwhile, seconds under TCG. */
	if (!ret)
		ret = gvq_next_used(&m->pci, &m->ctrl, &id, &len, 60000);
	if (ret)
		return pci_fail(m, ret);
	ret = qt_memread(m->pci.qt, CTRL_BUF + 32, &ack, 1);
	if (ret)
		return mq_fail(m, ret, "%s", m->pci.qt->err);
	if (ack != VIRTIO_NET_OK)
		return mq_fail(m, -EIO, "VQ_PAIRS_SET %u: ack %u", n, ack);
	return 0;
}

int qmq_send(struct qmq *m, unsigned int p, const uint8_t dst[6],
	     unsigned int count)
{
	uint8_t buf[VNET_HDR_LEN + 128];
	uint32_t id, len;
	unsigned int i;
	struct gbuf b;
	int ret;

	for (i = 0; i < count; i++) {
		uint16_t d = m->tx_next[p];

		memset(buf, 0, VNET_HDR_LEN);
		b.addr = TX_BUFS + p * PAIR_BUFS + (uint64_t)d * BUF_STRIDE;
		b.len = (uint32_t)(VNET_HDR_LEN +
				   net_flow_frame(buf + VNET_HDR_LEN,
					     sizeof(buf) - VNET_HDR_LEN, dst,
					     src_mac, i + 1000 * p));
		b.device_writes = 0;
		ret = qt_memwrite(m->pci.qt, b.addr, buf, b.len);
		if (ret)
			return mq_fail(m, ret, "%s", m->pci.qt->err);
		ret = gvq_add(&m->pci, &m->tx[p], d, &b, 1);
		if (!ret)
			ret = gvq_notify(&m->pci, &m->tx[p]);
		if (!ret)
			ret = gvq_next_used(&m->pci, &m->tx[p], &id, &len, 10000);
		if (ret)
			return pci_fail(m, ret);
		m->tx_next[p] = (uint16_t)((d + 1) % QMQ_QSIZE);
	}
	return 0;
}

int qmq_poll_rx(struct qmq *m)
{
	uint8_t got[VNET_HDR_LEN + 128];
	uint32_t id, len;
	unsigned int p;
	uint16_t used;
	int ret;

	for (p = 0; p < QMQ_PAIRS; p++) {
		ret = gvq_used_idx(&m->pci, &m->rx[p], &used);
		if (ret)
			return pci_fail(m, ret);
		while (m->rx[p].used_idx != used) {
			ret = gvq_next_used(&m->pci, &m->rx[p], &id, &len, 1000);
			if (ret)
				return pci_fail(m, ret);
			if (id >= QMQ_QSIZE || len < VNET_HDR_LEN + 14)
				return mq_fail(m, -EPROTO, "pair %u: RX used entry id %u len %u",
					       p, id, len);
			ret = qt_memread(m->pci.qt, RX_BUFS + p * PAIR_BUFS +
					 (uint64_t)id * BUF_STRIDE, got,
					 len < sizeof(got) ? len : sizeof(got));
			if (ret)
				return mq_fail(m, ret, "%s", m->pci.qt->err);
			if (net_flow_frame_is(got + VNET_HDR_LEN, len - VNET_HDR_LEN))
				m->ours[p]++;
			else
				m->other[p]++;
			ret = post_rx(m, p, (uint16_t)id);
			if (!ret)
				ret = gvq_notify(&m->pci, &m->rx[p]);
			if (ret)
				return pci_fail(m, ret);
		}
	}
	return 0;
}
