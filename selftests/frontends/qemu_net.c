// SPDX-License-Identifier: GPL-2.0
/* virtio-net driver over qtest (see qemu_net.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "net_frame.h"
#include "qemu_net.h"

/* Guest-physical layout (QVM_RAM_MB of RAM). */
#define RX_RING		0x100000ull
#define TX_RING		0x104000ull
#define RX_BUFS		0x200000ull
#define TX_BUFS		0x300000ull
#define BUF_STRIDE	2048u
#define MMIO_BASE	0xe0000000ull

static const uint8_t src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xee, 0x01 };

static int net_fail(struct qnet *n, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int net_fail(struct qnet *n, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->err, sizeof(n->err), fmt, ap);
	va_end(ap);
	return ret;
}

static int pci_fail(struct qnet *n, int ret)
{
	return net_fail(n, ret, "%s", n->pci.err);
}

static int post_rx(struct qnet *n, uint16_t id)
{
	struct gbuf b = {
		.addr = RX_BUFS + (uint64_t)id * BUF_STRIDE,
		.len = BUF_STRIDE,
		.device_writes = 1,
	};

	return gvq_add(&n->pci, &n->rx, id, &b, 1);
}

int qnet_up(struct qnet *n, struct qchan *qt, const uint8_t mac[6])
{
	char want[18], got[18];
	uint16_t i;
	int ret;

	n->tx_next = 0;
	ret = vpci_probe(&n->pci, qt, VPCI_VENDOR, VPCI_DEV_NET, MMIO_BASE);
	if (!ret)
		ret = vpci_reset(&n->pci);
	if (!ret)
		ret = vpci_negotiate(&n->pci, 1ull << VIRTIO_F_VERSION_1 |
				     1ull << VIRTIO_NET_F_MAC);
	if (!ret)
		ret = vpci_devcfg(&n->pci, 0, n->mac, 6);
	if (ret)
		return pci_fail(n, ret);
	if (memcmp(n->mac, mac, 6)) {
		mac_format(mac, want);
		mac_format(n->mac, got);
		return net_fail(n, -EINVAL, "device MAC %s, the vDPA device's is %s: give QEMU mac=%s",
				got, want, want);
	}
	ret = vpci_queue(&n->pci, &n->rx, 0, QNET_QSIZE, RX_RING);
	if (!ret)
		ret = vpci_queue(&n->pci, &n->tx, 1, QNET_QSIZE, TX_RING);
	if (!ret)
		ret = vpci_driver_ok(&n->pci);
	for (i = 0; !ret && i < QNET_QSIZE; i++)
		ret = post_rx(n, i);
	if (!ret)
		ret = gvq_notify(&n->pci, &n->rx);
	return ret ? pci_fail(n, ret) : 0;
}

/* Queue frame @seq on TX and notify. */
static int send_frame(struct qnet *n, uint32_t seq)
{
	uint8_t buf[NET_BUF_LEN];
	uint16_t id = n->tx_next;
	struct gbuf b;
	size_t len;
	int ret;

	len = net_frame_build(buf, sizeof(buf), n->mac, src_mac, seq,
			      net_frame_len(seq));
	b.addr = TX_BUFS + (uint64_t)id * BUF_STRIDE;
	b.len = (uint32_t)len;
	b.device_writes = 0;
	ret = qt_memwrite(n->pci.qt, b.addr, buf, len);
	if (ret)
		return net_fail(n, ret, "%s", n->pci.qt->err);
	ret = gvq_add(&n->pci, &n->tx, id, &b, 1);
	if (!ret)
		ret = gvq_notify(&n->pci, &n->tx);
	if (ret)
		return pci_fail(n, ret);
	n->tx_next = (uint16_t)((id + 1) % QNET_QSIZE);
	return 0;
}

/*
 * Take the next RX entry (waiting up to @timeout_ms), check it is a whole
 * frame we built, repost its buffer. The frame's sequence number goes to
 * @seq.
 */
static int recv_frame(struct qnet *n, uint32_t *seq, int timeout_ms)
{
	uint8_t got[BUF_STRIDE], want[NET_BUF_LEN];
	uint32_t id, len;
	size_t wlen;
	int ret;

	ret = gvq_next_used(&n->pci, &n->rx, &id, &len, timeout_ms);
	if (ret)
		return pci_fail(n, ret);
	if (id >= QNET_QSIZE || len <= VNET_HDR_LEN + 14 || len > BUF_STRIDE)
		return net_fail(n, -EPROTO, "RX used entry id %u len %u", id, len);
	ret = qt_memread(n->pci.qt, RX_BUFS + (uint64_t)id * BUF_STRIDE, got, len);
	if (ret)
		return net_fail(n, ret, "%s", n->pci.qt->err);
	*seq = net_frame_seq(got + VNET_HDR_LEN, len - VNET_HDR_LEN);
	wlen = net_frame_build(want, sizeof(want), n->mac, src_mac, *seq,
			       net_frame_len(*seq));
	if (*seq >= n->seq || wlen != len || memcmp(got, want, len))
		return net_fail(n, -EBADMSG,
				"RX frame (id %u, %u bytes, seq %u) is not one we sent (next seq %u)",
				id, len, *seq, n->seq);
	ret = post_rx(n, (uint16_t)id);
	if (!ret)
		ret = gvq_notify(&n->pci, &n->rx);
	if (ret)
		return pci_fail(n, ret);
	n->looped++;
	return 0;
}

/* Reclaim TX entries; wait up to @timeout_ms until all are back. */
static int reap_tx(struct qnet *n, int timeout_ms)
{
	uint32_t id, len;
	int ret;

	while (n->tx.used_idx != n->tx.avail_idx) {
		ret = gvq_next_used(&n->pci, &n->tx, &id, &len, timeout_ms);
		if (ret)
			return pci_fail(n, ret);
	}
	return 0;
}

int qnet_loop(struct qnet *n, unsigned int count, int timeout_ms)
{
	uint16_t used;
	uint32_t seq;
	unsigned int i;
	int ret;

	for (i = 0; i < count; i++) {
		uint32_t want = n->seq++;

		ret = send_frame(n, want);
		if (!ret)
			ret = recv_frame(n, &seq, timeout_ms);
		if (ret) {
			char why[sizeof(n->err)];

			memcpy(why, n->err, sizeof(why));
			return net_fail(n, ret, "frame %u of %u: %.400s", i + 1,
					count, why);
		}
		if (seq != want)
			return net_fail(n, -EBADMSG, "frame %u of %u: got seq %u back, sent %u",
					i + 1, count, seq, want);
		ret = reap_tx(n, timeout_ms);
		if (ret)
			return ret;
	}
	ret = gvq_used_idx(&n->pci, &n->rx, &used);
	if (ret)
		return pci_fail(n, ret);
	if (used != n->rx.used_idx)
		return net_fail(n, -EBADMSG, "%u unexpected RX frames",
				(uint16_t)(used - n->rx.used_idx));
	return 0;
}

int qnet_wait_traffic(struct qnet *n, int timeout_ms)
{
	struct timespec t0, t;
	uint32_t seq, sent;
	int ret, ms = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ms >= timeout_ms)
			return net_fail(n, -ETIMEDOUT, "no frame looped back in %d ms",
					timeout_ms);
		sent = n->seq++;
		ret = send_frame(n, sent);
		if (ret)
			return ret;
		do {
			ret = recv_frame(n, &seq, 1000);
		} while (!ret && seq != sent);
		if (!ret)
			break;
		if (ret != -ETIMEDOUT)
			return ret;
		/* Keep the TX ring from filling with frames QEMU dropped. */
		ret = reap_tx(n, 0);
		if (ret && ret != -ETIMEDOUT)
			return ret;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (int)((t.tv_sec - t0.tv_sec) * 1000 +
			   (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
	/* Late copies of earlier probes may still come: take them now. */
	while (!(ret = recv_frame(n, &seq, 300)))
		;
	if (ret != -ETIMEDOUT)
		return ret;
	return reap_tx(n, 5000);
}
