/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One virtio-net device driven by the test front-end on either side of a
 * comparison: through vubridged (vhost-user socket; "vubridge") or through
 * the kernel's /dev/vhost-vdpa-N ("direct"). Same guest memory, rings and
 * frame loop on both, so that only the path between differs.
 */
#ifndef VUBB_BENCH_NET_H
#define VUBB_BENCH_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "vdpa_fe.h"
#include "vu_net.h"

enum bside { SIDE_VUB, SIDE_DIRECT };

extern const char *const bside_name[2];

struct bnet {
	enum bside side;
	struct nfe n;		/* memory, rings, frame loop (+ socket: VUB) */
	struct vdpa_fe vd;	/* DIRECT */
	char err[200];
};

/* Protocol features the vhost-user side asks for (as QEMU 10 does). */
#define BENCH_PF	(VU_PF(VU_PF_REPLY_ACK) | VU_PF(VU_PF_CONFIG) |	\
			 VU_PF(VU_PF_STATUS) | VU_PF(VU_PF_RESET_DEVICE))

void bnet_init(struct bnet *b, enum bside side);
#define BNET_EVENT_IDX	1u	/* ask for VIRTIO_RING_F_EVENT_IDX */
#define BNET_NO_LOOP	2u	/* no frame loop of its own (see below) */

/*
 * Connect to @target (a socket path, or a /dev/vhost-vdpa-N), negotiate
 * VERSION_1 and MAC (and EVENT_IDX if asked and offered), @memsize bytes
 * of guest memory, both rings, DRIVER_OK; then, unless BNET_NO_LOOP, the
 * device's own frame loop (TX to its RX, as vdpa_sim_net loops) with RX
 * buffers posted. With BNET_NO_LOOP the caller pairs queues of two
 * devices in a net_loop of its own.
 */
int bnet_up(struct bnet *b, const char *target, size_t memsize,
	    unsigned int flags);
/* Stop both rings (GET_VRING_BASE; direct: SUSPEND first) and start them
 * again where they stood (vhost-user: ring set-up + enable; direct:
 * RESUME). Call it with no frame in flight. */
int bnet_stop_restart(struct bnet *b);
/* Interrupts (call eventfd signals) seen so far, both rings. */
uint64_t bnet_irqs(struct bnet *b);
/* The same for any frame loop: signals on its call eventfds. */
uint64_t net_loop_irqs(struct net_loop *nl);
/* Kicks sent so far, both rings. */
uint64_t bnet_kicks(const struct bnet *b);
void bnet_down(struct bnet *b);

#endif
