/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-pci (modern) driver that runs in the test program and reaches
 * the guest through qtest: PCI configuration through ports 0xcf8/0xcfc,
 * BARs assigned by the driver (there is no firmware), the virtio-pci
 * vendor capabilities, feature negotiation, and split virtqueues written
 * into guest RAM. QEMU's own device model and vhost-user front-end do
 * everything else, exactly as with a guest kernel driver.
 */
#ifndef VUBT_QEMU_VPCI_H
#define VUBT_QEMU_VPCI_H

#include <stdint.h>

#include "qemu_qtest.h"

#define VPCI_VENDOR		0x1af4
#define VPCI_DEV_NET		0x1041	/* modern-only (disable-legacy=on) */
#define VPCI_DEV_BLK		0x1042

struct vpci {
	struct qchan *qt;
	unsigned int devfn;	/* on bus 0 */
	uint64_t common, notify, isr, devcfg;	/* guest-physical */
	uint32_t notify_mult;
	uint64_t features;	/* negotiated */
	char err[256];
};

/* A split virtqueue in guest RAM, driven from here. */
struct gvq {
	uint16_t idx, size;
	uint64_t desc, avail, used;	/* guest-physical */
	uint64_t notify;		/* this queue's notify address */
	uint16_t avail_idx;		/* next avail index we publish */
	uint16_t used_idx;		/* used entries consumed */
};

/*
 * Find the first device @vendor:@device on bus 0, assign its memory BARs
 * from @mmio_base, enable memory decoding and bus mastering, and locate
 * the common/notify/ISR/device capabilities. Run again after a machine
 * reset (the reset clears BARs and the command register).
 */
int vpci_probe(struct vpci *v, struct qchan *qt, uint16_t vendor,
	       uint16_t device, uint64_t mmio_base);

/* Device reset (status 0) and wait until it reads back 0. */
int vpci_reset(struct vpci *v);
/*
 * ACKNOWLEDGE, DRIVER, offer @want & device features (VERSION_1 must be
 * among them), FEATURES_OK and check it stuck.
 */
int vpci_negotiate(struct vpci *v, uint64_t want);
/* Lay queue @idx out at @base (one 4 KiB-aligned block of @size entries,
 * at most 256), program it and enable it.
 */
int vpci_queue(struct vpci *v, struct gvq *q, uint16_t idx, uint16_t size,
	       uint64_t base);
int vpci_driver_ok(struct vpci *v);
int vpci_status(struct vpci *v, uint8_t *status);
/* Read device-specific configuration (at most 64 bytes). */
int vpci_devcfg(struct vpci *v, unsigned int off, void *buf, unsigned int len);

/* One buffer of a descriptor chain. */
struct gbuf {
	uint64_t addr;
	uint32_t len;
	int device_writes;
};

/* Put a chain of @n buffers at descriptor @head.. @head + @n - 1 and
 * publish it in the avail ring (not notified).
 */
int gvq_add(struct vpci *v, struct gvq *q, uint16_t head,
	    const struct gbuf *bufs, unsigned int n);
int gvq_notify(struct vpci *v, struct gvq *q);
/* Device's used index. */
int gvq_used_idx(struct vpci *v, struct gvq *q, uint16_t *idx);
/*
 * Wait up to @timeout_ms for the next used entry and consume it: its
 * descriptor id and written length. -ETIMEDOUT if none came.
 */
int gvq_next_used(struct vpci *v, struct gvq *q, uint32_t *id, uint32_t *len,
		  int timeout_ms);

#endif /* VUBT_QEMU_VPCI_H */
