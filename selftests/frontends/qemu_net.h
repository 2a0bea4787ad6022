/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's virtio-net driver, played over qtest on a QEMU
 * virtio-net-pci: bring-up (as after boot or a reset), and frames sent on
 * TX that vdpa_sim_net loops back to RX, checked byte for byte.
 */
#ifndef VUBT_QEMU_NET_H
#define VUBT_QEMU_NET_H

#include <stdint.h>

#include "qemu_vpci.h"

#define QNET_QSIZE	64

struct qnet {
	struct vpci pci;
	struct gvq rx, tx;
	uint8_t mac[6];		/* the device's, from its config space */
	uint32_t seq;		/* next frame's sequence number */
	uint16_t tx_next;	/* next TX descriptor */
	unsigned int looped;	/* frames back, in total */
	char err[512];
};

/*
 * Probe the device (BARs, capabilities), reset it, negotiate VERSION_1 and
 * MAC, set up RX (0) and TX (1), DRIVER_OK, and post every RX buffer.
 * Fails unless the config space MAC is @mac: vdpa_sim_net (like a real
 * NIC) only loops back frames sent to its own address.
 */
int qnet_up(struct qnet *n, struct qchan *qt, const uint8_t mac[6]);
/*
 * Send @count frames one at a time; each must come back on RX, whole and
 * unchanged, within @timeout_ms, and nothing else may arrive.
 */
int qnet_loop(struct qnet *n, unsigned int count, int timeout_ms);
/*
 * After the back-end went away and came back: send a frame every second
 * until one loops back (frames sent while QEMU had the link down are
 * dropped by QEMU, as a NIC without carrier would), then let stragglers
 * arrive. Whatever arrives must be a frame we sent, unchanged.
 */
int qnet_wait_traffic(struct qnet *n, int timeout_ms);

#endif /* VUBT_QEMU_NET_H */
