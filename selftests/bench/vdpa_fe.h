/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmarks' baseline: the test front-end driving a virtio-net device
 * through the kernel's own /dev/vhost-vdpa-N, the way QEMU's
 * "-netdev vhost-vdpa" does (owner, backend features, IOTLB v2 messages in
 * a batch, vring set-up by IOVA, per-ring enable, status), with the same
 * guest memory, rings and frame loop (selftests/lib) the vhost-user side
 * uses, so that only the path between them differs.
 *
 * Functions return 0 or -errno; on failure vf->err says which step.
 */
#ifndef VUBB_VDPA_FE_H
#define VUBB_VDPA_FE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "net_loop.h"
#include "virtq.h"

struct vdpa_fe {
	int fd;			/* /dev/vhost-vdpa-N, -1 when closed */
	uint64_t features;	/* negotiated */
	uint64_t backend;	/* negotiated backend features */
	uint8_t status;
	uint8_t mac[6];
	char err[160];
};

void vdpa_fe_init(struct vdpa_fe *vf);
/* /dev/vhost-vdpa-N of vDPA device @name into @buf. */
int vdpa_fe_node(const char *name, char *buf, size_t cap);
/* Open @node, SET_OWNER, backend features, ACK|DRIVER, features
 * (@want & offered), FEATURES_OK, read the MAC. */
int vdpa_fe_open(struct vdpa_fe *vf, const char *node, uint64_t want);
/* IOTLB update of the whole of @gm (IOVA -> its mapping), one batch. */
int vdpa_fe_map(struct vdpa_fe *vf, const struct guest_mem *gm);
int vdpa_fe_unmap(struct vdpa_fe *vf, const struct guest_mem *gm);
/* NUM, BASE @base, ADDR (IOVAs), KICK, CALL and enable for @vq. */
int vdpa_fe_vring(struct vdpa_fe *vf, struct virtq *vq, uint16_t base);
int vdpa_fe_driver_ok(struct vdpa_fe *vf);
/* SUSPEND (needs the backend feature), GET_VRING_BASE of rings 0..@n-1. */
int vdpa_fe_suspend(struct vdpa_fe *vf, unsigned int n, uint32_t *bases);
int vdpa_fe_resume(struct vdpa_fe *vf);
/* Close: the kernel resets the device and drops the maps. */
void vdpa_fe_close(struct vdpa_fe *vf);

#endif
