/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vu_net.h - a test front-end driving one virtio-net device through
 * vubridged: connection and negotiation, guest memory, RX/TX rings, the
 * frame loop of selftests/lib/net_loop.c. Used by the VM tests and the demo.
 */
#ifndef VUBT_VU_NET_H
#define VUBT_VU_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "net_loop.h"
#include "virtq.h"
#include "vu_frontend.h"

#define VU_NET_SOCK_DIR	"/tmp/vubd"	/* where the tests' daemon listens */
#define QSIZE		256u
#define MEMSIZE		(8u << 20)
#define GPA_BASE	(1ull << 20)

extern const uint8_t vu_net_src_mac[6];

struct nfe {
	struct vu_fe fe;
	struct guest_mem gm;
	struct virtq rx, tx;
	struct net_loop nl;
	uint8_t mac[6];
	bool up;
};

void nfe_init(struct nfe *n);
void nfe_fini(struct nfe *n);
/* Connect to @dev's socket (or @dev itself if it contains a '/'),
 * negotiate VERSION_1 and MAC with protocol features @pf, read the MAC. */
int nfe_connect(struct nfe *n, const char *dev, uint64_t pf);
/* Rings at positions @b0/@b1, enabled, DRIVER_OK (STATUS). */
int nfe_rings(struct nfe *n, uint16_t b0, uint16_t b1);
/* Connect, memory, rings, RX buffers posted. */
int nfe_start(struct nfe *n, const char *dev, uint64_t pf);
/* GET_VRING_BASE of both rings into @b. */
int nfe_stop(struct nfe *n, uint32_t b[2]);

#endif /* VUBT_VU_NET_H */
