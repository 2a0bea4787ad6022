/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One vubridge net device driven by the test guest: the open device, its
 * guest memory, RX queue 0 and TX queue 1, and the traffic engine.
 */
#ifndef VUBT_NET_RIG_H
#define VUBT_NET_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vubridge.h>

#include "guest_mem.h"
#include "net_loop.h"
#include "virtq.h"

struct net_rig {
	int fd;				/* device file, -1 when closed */
	struct vub_device_info info;
	struct guest_mem gm;
	struct virtq rx, tx;
	struct net_loop nl;
	uint8_t mac[6];			/* from config space */
	uint64_t features;		/* negotiated */
	bool have_vqs, have_loop;
	size_t alloc_offset;		/* where rings and buffers start in gm */
};

/* Features the tests negotiate for net. */
#define NET_RIG_FEATURES	(VF_VERSION_1 | VF_ACCESS_PLATFORM | VNF_MAC)

/* Mark everything unset, so net_rig_fini() is always safe. */
void net_rig_init(struct net_rig *r);
/* Open /dev/vubridge/<name>, read device info and the MAC. */
int net_rig_open(struct net_rig *r, const char *name);
/*
 * Guest memory of @memsize bytes at an IOVA the device accepts (its
 * iova_first, at least 1 MiB), queues of @qsize entries and the traffic
 * engine sending from and to @dst (NULL: the device's own MAC).
 */
int net_rig_prepare(struct net_rig *r, size_t memsize, uint16_t qsize,
		    const uint8_t *dst, bool hdr_echoed);
/*
 * Only guest memory and the two queues, for callers that pair queues of
 * different devices with their own net_loop.
 */
int net_rig_prepare_queues(struct net_rig *r, size_t memsize, uint16_t qsize);
/* Negotiate, map, start both queues, DRIVER_OK, post RX buffers (if the
 * rig has its own traffic engine).
 */
int net_rig_start(struct net_rig *r);
/* Close the device and free everything. */
void net_rig_fini(struct net_rig *r);

/* Lowest page-aligned IOVA >= 1 MiB inside the device's range. */
uint64_t net_rig_iova_base(const struct vub_device_info *info);

#endif
