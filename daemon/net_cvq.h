/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_cvq.h - the daemon's own control virtqueue on a vDPA NIC.
 *
 * A NIC that offers VIRTIO_NET_F_CTRL_VQ takes its queue-pair count, MAC
 * and receive mode through its control queue, and some (mlx5_vdpa,
 * octep_vdpa) refuse MQ without it. QEMU and DPDK keep the guest's control
 * queue for themselves: they never acknowledge CTRL_VQ and turn the
 * guest's pair changes into SET_VRING_ENABLE. For them the daemon
 * negotiates CTRL_VQ with the device itself ("shadow" mode), runs the
 * device's control queue from a small ring in its own memory (a memfd
 * mapped for the device at an IOVA above the guest's memory), and sends:
 *  - VQ_PAIRS_SET whenever the pairs the front-end enabled change,
 *  - MAC_ADDR_SET (the operator's MAC, or the one the front-end wrote with
 *    SET_CONFIG) and RX PROMISC/ALLMULTI (vubridged --rx-mode) at every
 *    DRIVER_OK, so a reset never loses them.
 * A front-end that acknowledges CTRL_VQ may pass the guest's control queue
 * through ("passthrough" mode): crosvm starts it on the device as any other
 * ring and the guest sets what it wants itself. cloud-hypervisor also
 * acknowledges CTRL_VQ but answers the guest's control queue in the VMM
 * and never hands that ring over, so the device would stay at one pair.
 * In passthrough mode the daemon therefore starts its own ring as well
 * ("standby") and follows SET_VRING_ENABLE for the pair count only, until
 * the front-end enables the device's control queue itself: then the
 * daemon's ring stops and the queue is the front-end's.
 *
 * One command at a time, synchronously: the daemon kicks and polls the used
 * ring (no call eventfd), as QEMU's vhost-vdpa does for its shadow control
 * queue. Commands are rare (start, a pair change, a MAC change).
 */
#ifndef VUB_NET_CVQ_H
#define VUB_NET_CVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vub_sys.h"

/* Receive mode bits (struct ncvq_want.rx, --rx-mode). */
#define NCVQ_RX_PROMISC		(1u << 0)
#define NCVQ_RX_ALLMULTI	(1u << 1)

/* --rx-mode: what the shadow control queue sets at every start. */
extern unsigned int ncvq_rx_mode;
/* How long one command may take before the queue is given up, in ms. */
extern int ncvq_wait_ms;
/* Parse "promisc", "allmulti" or "filter" into NCVQ_RX_*; -1 if unknown. */
int ncvq_parse_rx_mode(const char *s);

/* What the control queue sets, kept across device resets. */
struct ncvq_want {
	uint8_t mac[6];
	uint8_t rx;		/* NCVQ_RX_* */
	uint16_t pairs;		/* queue pairs the front-end enabled */
};

/* Snapshot bytes (little-endian): magic "NCVQ", version 1, mode, rx,
 * reserved, pairs (u16), mac[6]. */
#define NCVQ_SNAP_MAGIC		0x5156434eu
#define NCVQ_SNAP_LEN		16u
#define NCVQ_MODE_NONE		0	/* not negotiated since the reset */
#define NCVQ_MODE_SHADOW	1
#define NCVQ_MODE_PASSTHROUGH	2

/* Snapshot bytes no writer produces: what is wrong, or NULL. What needs no
 * device; ncvq_restore() adds the device's pair count. */
static inline const char *ncvq_snap_defect(const uint8_t *b, size_t len)
{
	if (len != NCVQ_SNAP_LEN)
		return "length";
	if ((b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24) !=
	    NCVQ_SNAP_MAGIC)
		return "magic";
	if (b[4] != 1)
		return "version";
	if (b[5] > NCVQ_MODE_PASSTHROUGH)
		return "mode";
	if (b[6] & ~(NCVQ_RX_PROMISC | NCVQ_RX_ALLMULTI))
		return "RX mode";
	if (b[7])
		return "reserved byte";
	if (!(b[8] | b[9] << 8))
		return "no queue pair";
	return NULL;
}

/* The ring's memfd: its size and where the ring's parts lie in it (the
 * command buffers follow, net_cvq.c); a successor daemon checks a ring it
 * takes over against them. */
#define NCVQ_SIZE		0x4000u
#define NCVQ_OFF_DESC		0x0000u
#define NCVQ_OFF_DRIVER		0x1000u
#define NCVQ_OFF_DEVICE		0x2000u

struct net_cvq {
	const char *name;		/* for logs */
	const struct vub_sys *sys;
	int fd;				/* the device file */
	bool capable;			/* net device offering CTRL_VQ */
	uint64_t dev_features;
	uint32_t num_queues;
	uint16_t max_pairs;		/* max_virtqueue_pairs, 1 without MQ */
	uint8_t op_mac[6];		/* the operator's: config space at open */
	/* the negotiation in force (since the last FEATURES_OK) */
	int mode;			/* NCVQ_MODE_* */
	uint64_t negotiated;		/* features written to the device */
	uint32_t index;			/* the device's control queue */
	uint8_t status;			/* last status the device took */
	/* the ring */
	int memfd;
	uint8_t *mem;
	uint64_t iova;
	bool mapped;
	int kick_fd;
	bool started;
	bool broken;			/* a command timed out: none until reset */
	bool late_start;		/* rings may start after DRIVER_OK */
	bool fe_ring;			/* passthrough: the front-end enabled
					 * the control queue (the daemon's
					 * standby ring stays off) */
	uint16_t num;
	uint16_t next;			/* split: avail index; packed: slot */
	bool wrap;			/* packed: driver wrap counter */
	bool packed;
	/* state */
	struct ncvq_want want;
	uint16_t dev_pairs;		/* what the device has now */
	uint8_t *ring_on;		/* rings the front-end enabled */
	uint8_t *ring_run;		/* rings started on the device */
	unsigned int sent;		/* commands the device acknowledged */
};

/*
 * Look at the device (@info, its config space) and prepare the ring if it
 * has a control queue. 0 also when it has none (@capable false); -errno
 * only when memory for the ring could not be had.
 */
/* IOVA of the daemon's control-queue ring on a device like @info (0: none);
 * a successor daemon recognises a predecessor's ring by it. */
uint64_t ncvq_ring_iova(const struct vub_device_info *info);
int ncvq_init(struct net_cvq *c, const char *name, const struct vub_sys *sys,
	      int fd, const struct vub_device_info *info);
void ncvq_fini(struct net_cvq *c);

/* The features to write to the device for the front-end's @acked; decides
 * the mode (shadow when @acked lacks CTRL_VQ). */
uint64_t ncvq_device_features(struct net_cvq *c, uint64_t acked);
/* The device accepted status @st (0: reset). Starts the ring at
 * FEATURES_OK, programs the device at DRIVER_OK. */
void ncvq_status(struct net_cvq *c, uint8_t st);
/* VUB_RESET: memory unmapped; the session is over, so what it set is too. */
void ncvq_device_reset(struct net_cvq *c);
/* The ring's region for a memory table replacing every region: 1 and @out
 * filled when it must be kept (mapped now), else 0. @guest_lo/@guest_hi:
 * the guest regions' lowest and highest byte, to refuse an overlap. */
int ncvq_region(const struct net_cvq *c, uint64_t guest_lo, uint64_t guest_hi,
		struct vub_mem_region *out);
/* True if queue @idx is the daemon's (a front-end must not start it). */
bool ncvq_owns(const struct net_cvq *c, uint32_t idx);
/* SET_VRING_ENABLE of ring @idx, before the ring starts or stops: a
 * lower pair count reaches the device now, a higher one once the new
 * pair's rings run (ncvq_ring_started) or at DRIVER_OK. True when the
 * ring was disabled and its pair lies beyond the count the device took:
 * the device no longer uses it. */
bool ncvq_ring_enable(struct net_cvq *c, uint32_t idx, bool on);
/* Before DRIVER_OK: the device will not use data ring @idx, its pair lying
 * beyond the count the daemon gives it (one pair until VQ_PAIRS_SET). */
bool ncvq_ring_idle(const struct net_cvq *c, uint32_t idx);
/* Passthrough mode: the front-end enables (@on) or disables its own
 * control queue, ring @idx; enabling it stops the daemon's standby ring.
 * Called from SET_VRING_ENABLE and before the front-end's ring starts. */
void ncvq_fe_ring(struct net_cvq *c, uint32_t idx, bool on);
/* Ring @idx started on the device, or stopped. */
void ncvq_ring_started(struct net_cvq *c, uint32_t idx, bool on);
/* SET_CONFIG of bytes inside the MAC: 0, -EPERM if the device cannot take
 * a MAC through its control queue. */
int ncvq_write_mac(struct net_cvq *c, uint32_t off, const void *buf,
		   uint32_t len);
/* Config-space read of [@off, @off + @len): the MAC bytes are the MAC the
 * daemon sets (the operator's, or the front-end's SET_CONFIG), not what a
 * previous session left in the device. Not in passthrough mode. */
void ncvq_overlay_config(const struct net_cvq *c, uint32_t off, void *buf,
			 uint32_t len);
/* The device raised a config change: a MAC the operator set meanwhile
 * (vdpa dev set) becomes the one the daemon keeps and reports. */
void ncvq_config_changed(struct net_cvq *c);
/* The session ends (before VUB_RESET): a device still running with a MAC
 * the session set gets the operator's back, since a reset of some devices
 * (vdpa_sim) keeps it. */
void ncvq_session_end(struct net_cvq *c);
/* Device-state snapshot bytes (0 bytes for a device without a control
 * queue) and their restore (-EINVAL for bytes of another kind). */
size_t ncvq_snapshot(const struct net_cvq *c, void *buf, size_t cap);
int ncvq_restore(struct net_cvq *c, const void *buf, size_t len);

#endif /* VUB_NET_CVQ_H */
