/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's virtio-blk driver, played over qtest on a QEMU
 * vhost-user-blk-pci: bring-up and synchronous reads and writes.
 */
#ifndef VUBT_QEMU_BLK_H
#define VUBT_QEMU_BLK_H

#include <stdint.h>

#include "qemu_vpci.h"

#define QBLK_QSIZE	64
#define QBLK_MAX_IO	4096u	/* bytes per request */

struct qblk {
	struct vpci pci;
	struct gvq q;
	uint64_t capacity;	/* sectors, from the config space */
	char err[512];
};

/* Probe, reset, negotiate VERSION_1, one queue, DRIVER_OK. */
int qblk_up(struct qblk *b, struct qchan *qt);
/* One request: write (@out) or read @len bytes at @sector. */
int qblk_io(struct qblk *b, int out, uint64_t sector, void *buf, uint32_t len,
	    int timeout_ms);

#endif /* VUBT_QEMU_BLK_H */
