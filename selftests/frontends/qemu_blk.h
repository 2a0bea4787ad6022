/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's virtio-blk driver, played over qtest on a QEMU
 * vhost-user-blk-pci: bring-up (one queue, or several with
 * VIRTIO_BLK_F_MQ) and reads and writes, one request in flight per queue.
 */
#ifndef VUBT_QEMU_BLK_H
#define VUBT_QEMU_BLK_H

#include <stdint.h>

#include "qemu_vpci.h"

#define QBLK_QSIZE	64
#define QBLK_MAX_IO	4096u	/* bytes per request */
#define QBLK_MAX_QUEUES	8

/* The request a queue has in flight. */
struct qblk_req {
	int busy;
	int out;
	uint64_t sector;
	uint32_t len;
};

struct qblk {
	struct vpci pci;
	struct gvq q[QBLK_MAX_QUEUES];
	struct qblk_req req[QBLK_MAX_QUEUES];
	unsigned int nq;	/* queues set up */
	uint64_t capacity;	/* sectors, from the config space */
	uint16_t num_queues;	/* config space (1 without VIRTIO_BLK_F_MQ) */
	char err[512];
};

/* Probe, reset, negotiate VERSION_1, one queue, DRIVER_OK. */
int qblk_up(struct qblk *b, struct qchan *qt);
/*
 * The same with VIRTIO_BLK_F_MQ and @nq queues (at most the num_queues
 * the device's config space gives, and QBLK_MAX_QUEUES), as Linux's
 * virtio_blk sets up one per CPU. -EOPNOTSUPP if @nq > 1 and the device
 * does not offer MQ, -ERANGE if @nq exceeds its num_queues.
 */
int qblk_up_mq(struct qblk *b, struct qchan *qt, unsigned int nq);
/* One request on queue 0: write (@out) or read @len bytes at @sector. */
int qblk_io(struct qblk *b, int out, uint64_t sector, void *buf, uint32_t len,
	    int timeout_ms);
/* Put one request on queue @qi and notify it (@buf is written for @out). */
int qblk_submit(struct qblk *b, unsigned int qi, int out, uint64_t sector,
		const void *buf, uint32_t len);
/* Wait for queue @qi's request to complete; a read's data into @buf. */
int qblk_complete(struct qblk *b, unsigned int qi, void *buf, int timeout_ms);

#endif /* VUBT_QEMU_BLK_H */
