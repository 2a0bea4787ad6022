/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_vub.h - a simulated vubridge.ko for host tests and the fuzzer.
 *
 * It implements struct vub_sys, so vdpa_device.c runs unchanged against it,
 * and keeps the device state the real module keeps (kmod/state.c, vq.c,
 * mem.c): exclusive open, the virtio status rules (bits only added, in
 * order; FEATURES_OK needs VUB_SET_FEATURES; DRIVER_OK needs FEATURES_OK
 * read back), features, the memory table (aligned, non-overlapping regions;
 * a started ring keeps its mapping), queues (size limits, rings inside
 * memory, eventfds checked and held, positions, NO_STATE devices like
 * vp_vdpa, late starts only with ENABLE_AFTER_DRIVER_OK), config space and
 * the errnos the UAPI documents. Every state-changing ioctl is recorded as
 * one text line (fake_vub_log()), the form the transcript files use.
 */
#ifndef VUB_FAKE_VUB_H
#define VUB_FAKE_VUB_H

#include <stdbool.h>
#include <stdint.h>

#include "vub_sys.h"

#define FV_MAX_QUEUES	64
#define FV_MAX_REGIONS	VUB_MAX_MEM_REGIONS
#define FV_CONFIG_MAX	256
#define FV_LOG_LINES	1024
#define FV_LOG_LEN	96

struct fake_vub_cfg {
	uint32_t device_id;		/* VIRTIO_ID_NET, VIRTIO_ID_BLOCK */
	uint32_t num_queues;
	uint32_t max_queue_size;
	uint32_t min_queue_size;
	uint64_t features;		/* device features */
	uint64_t abilities;		/* VUB_ABILITY_* bits */
	uint32_t config_size;
	uint8_t config[FV_CONFIG_MAX];
	bool no_state;			/* like vp_vdpa: no ring position */
	bool no_fd_swap;		/* a module before VUB_SET_QUEUE_CALL */
	uint64_t refuse_features;	/* FEATURES_OK refused with these */
	bool cvq_mute;			/* the control queue never answers */
};

struct fv_region {
	uint64_t iova, size, uaddr;
	uint32_t perm;
};

struct fv_queue {
	bool started;
	bool enabled;
	uint32_t size;
	uint32_t flags;
	uint64_t desc, driver, device;
	struct vub_queue_state st;	/* position (index and flags unused) */
	int kick_fd, call_fd, err_fd;	/* the fake's own dups, or -1 */
};

struct fake_vub {
	struct vub_sys sys;		/* hand &sys to vdpa_device_open_sys() */
	struct fake_vub_cfg cfg;
	int fd;				/* the open file, or -1 */
	bool gone;			/* removed: everything fails ENODEV */
	uint8_t status;
	bool features_set;
	uint64_t driver_features;
	bool suspended;
	int config_efd;
	unsigned int nregions;
	struct fv_region regions[FV_MAX_REGIONS];
	struct fv_queue q[FV_MAX_QUEUES];
	unsigned int opens;
	struct vub_owner_info owner;	/* VUB_SET_OWNER_INFO's last */
	unsigned int owner_sets;
	/* fault injection: the @fail_nth next call of @fail_req fails */
	unsigned long fail_req;
	unsigned int fail_nth;
	int fail_errno;
	/* what was issued */
	unsigned int nlog;
	char log[FV_LOG_LINES][FV_LOG_LEN];
	unsigned int calls;		/* every ioctl, reads included */
	/* what the control queue set (reset with the device) */
	uint16_t cvq_pairs;		/* queue pairs in use */
	uint8_t cvq_promisc, cvq_allmulti;
	unsigned int cvq_commands;	/* answered since the last reset */
	uint8_t mac0[6];		/* the MAC a reset restores */
};

/* A device like vdpa_sim_net: @pairs queue pairs (MQ when more than one)
 * and a control queue that takes VQ_PAIRS_SET (with MQ), MAC_ADDR_SET
 * (CTRL_MAC_ADDR) and RX PROMISC/ALLMULTI (with CTRL_RX, which a test adds
 * to the features), run when the daemon kicks it (struct vub_sys.kick).
 * Like mlx5_vdpa, the fake refuses (VUB_SET_FEATURES: EINVAL) MQ, CTRL_RX,
 * CTRL_VLAN, GUEST_ANNOUNCE or CTRL_MAC_ADDR without CTRL_VQ: the virtio
 * spec's feature dependencies (5.1.3.1). */
void fake_vub_cfg_net(struct fake_vub_cfg *cfg, uint32_t pairs);
/* A device like vdpa_sim_blk: @queues request queues, config with
 * capacity, seg_max and num_queues. */
void fake_vub_cfg_blk(struct fake_vub_cfg *cfg, uint32_t queues);

void fake_vub_init(struct fake_vub *fv, const struct fake_vub_cfg *cfg);
/* Close what the fake holds (as the last close of the file would). */
void fake_vub_fini(struct fake_vub *fv);

/* Make the next @nth-th call (1 = the next one) of @req fail with @err. */
void fake_vub_fail(struct fake_vub *fv, unsigned long req, unsigned int nth,
		   int err);
/* The device consumes and uses @n available buffers of queue @idx (split:
 * the avail index advances; packed: both indices, wrapping at the size). */
void fake_vub_advance(struct fake_vub *fv, uint32_t idx, uint16_t n);

/* The recorded lines, and forgetting them. */
void fake_vub_log_clear(struct fake_vub *fv);
/* Line @i, or NULL past the end. */
const char *fake_vub_log_line(const struct fake_vub *fv, unsigned int i);
/* Name of a vubridge ioctl ("SET_STATUS"), or NULL if unknown. */
const char *fake_vub_ioctl_name(unsigned long req);
/* True if @fd (the caller's) is the same file as the queue's call fd. */
bool fake_vub_same_file(int a, int b);

#endif /* VUB_FAKE_VUB_H */
