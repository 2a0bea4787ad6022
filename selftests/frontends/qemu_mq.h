/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's multi-queue virtio-net driver, played over qtest on a QEMU
 * virtio-net-pci with mq=on: two queue pairs and the control queue, the
 * pair count set through the control queue (VQ_PAIRS_SET) as Linux's
 * virtio_net does, frames of many flows sent on either TX queue and
 * counted per RX queue.
 */
#ifndef VUBT_QEMU_MQ_H
#define VUBT_QEMU_MQ_H

#include <stdint.h>

#include "qemu_vpci.h"

#define QMQ_PAIRS	2
#define QMQ_QSIZE	64

struct qmq {
	struct vpci pci;
	struct gvq rx[QMQ_PAIRS], tx[QMQ_PAIRS], ctrl;
	uint8_t mac[6];			/* the device's, from its config space */
	uint16_t tx_next[QMQ_PAIRS];
	unsigned int ours[QMQ_PAIRS];	/* frames of ours received per pair */
	unsigned int other[QMQ_PAIRS];	/* anything else received */
	char err[512];
};

/*
 * Probe, reset, negotiate VERSION_1, MAC, MQ and CTRL_VQ (both needed),
 * set up RX/TX of both pairs and the control queue (index 2 * max pairs),
 * DRIVER_OK, post every RX buffer. The device starts with one pair.
 */
int qmq_up(struct qmq *m, struct qchan *qt);
/* VQ_PAIRS_SET @n through the control queue; 0 when the device (QEMU)
 * answered VIRTIO_NET_OK. */
int qmq_set_pairs(struct qmq *m, uint16_t n);
/* Send @count IPv4/UDP frames of distinct flows to @dst on TX queue of
 * pair @pair and wait until QEMU took them all. */
int qmq_send(struct qmq *m, unsigned int pair, const uint8_t dst[6],
	     unsigned int count);
/* Take what arrived on every RX queue (counted in ours/other), repost
 * the buffers. */
int qmq_poll_rx(struct qmq *m);

#endif /* VUBT_QEMU_MQ_H */
