/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers over the vubridge ioctls (0 or -errno) and the usual
 * bring-up: negotiate features, map guest memory, start queues, DRIVER_OK.
 */
#ifndef VUBT_VUB_DEV_H
#define VUBT_VUB_DEV_H

#include <stdint.h>
#include <linux/vubridge.h>

#include "guest_mem.h"
#include "virtq.h"

/* Virtio status bits and feature bits used by the tests. */
#define VS_ACKNOWLEDGE		0x01
#define VS_DRIVER		0x02
#define VS_DRIVER_OK		0x04
#define VS_FEATURES_OK		0x08
#define VS_FAILED		0x80
#define VF_VERSION_1		(1ULL << 32)
#define VF_ACCESS_PLATFORM	(1ULL << 33)
#define VNF_MAC			(1ULL << 5)
#define VBF_FLUSH		(1ULL << 9)

/* ioctl returning 0 or -errno. */
int vub_ioctl(int fd, unsigned long req, void *arg);
/* open(/dev/vubridge/<name>); returns fd or -errno. */
int vub_open(const char *name);

int vub_get_info(int fd, struct vub_device_info *info);
int vub_read_config(int fd, uint32_t off, void *buf, uint32_t len);
int vub_get_status(int fd, uint8_t *status);
int vub_set_status(int fd, uint8_t status);
int vub_set_features(int fd, uint64_t features);

/*
 * ACKNOWLEDGE, DRIVER, features = @want & device features (must include
 * @want's VERSION_1), FEATURES_OK, check FEATURES_OK stuck. Stores the
 * negotiated set in @out if not NULL.
 */
int vub_negotiate(int fd, uint64_t want, uint64_t *out);

/* SET_MEM_TABLE with one region covering @gm. */
int vub_map_mem(int fd, const struct guest_mem *gm, uint32_t perm);
/* Fill a vub_mem_region covering @gm. */
void vub_region_of(struct vub_mem_region *r, const struct guest_mem *gm,
		   uint32_t perm);
/* SET_MEM_TABLE with @n regions. */
int vub_set_mem_table(int fd, const struct vub_mem_region *r, uint32_t n);

/* Fill a vub_queue_start for @vq with base @avail_idx. */
void vub_queue_start_of(struct vub_queue_start *qs, const struct virtq *vq,
			uint16_t avail_idx);
int vub_start_queue(int fd, const struct virtq *vq, uint16_t avail_idx);
int vub_stop_queue(int fd, uint32_t index, struct vub_queue_state *st);
int vub_get_queue_state(int fd, uint32_t index, struct vub_queue_state *st);
int vub_get_queue_info(int fd, uint32_t index, struct vub_queue_info *qi);
int vub_get_queue_stats(int fd, uint32_t index, struct vub_queue_stats *qs);

/*
 * Whole bring-up for queues @vqs[0..n): negotiate @want, map @gm (if not
 * NULL), start each queue at base 0, DRIVER_OK.
 */
int vub_bringup(int fd, uint64_t want, const struct guest_mem *gm,
		struct virtq *const *vqs, unsigned int n);

#endif
