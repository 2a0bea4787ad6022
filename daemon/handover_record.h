/* SPDX-License-Identifier: GPL-2.0 */
/*
 * handover_record.h - the state record one daemon leaves its successor for
 * each served device (vubridged --takeover, or systemd's fd store).
 *
 * The record holds what the module cannot tell: the vhost-user session's
 * protocol state (negotiated features, protocol features, the memory table
 * as the front-end sees it, every ring's set-up, the life-cycle state, a
 * message half read and replies not yet written). Files are not in it:
 * every fd is named by an id, and the transport (a unix socket's SCM_RIGHTS
 * or the fd store's names) gives the successor the file of each id.
 *
 * Format, all little-endian (Documentation/handover.rst):
 *   header  magic "VUBH" (u32 0x48425556), version u16, header size u16
 *           (16), total size u32 (header + sections + trailer), flags u32 (0)
 *   section type u16, flags u16 (bit 0: a reader must understand it),
 *           length u32, value, zero padding to a multiple of 8
 *   trailer CRC-32 (IEEE) of everything before it, u32
 * A reader refuses another version, a bad CRC or size, a section it must
 * understand and does not, a missing DEVICE section, a value out of range.
 * Optional sections it does not know are skipped.
 *
 * The version changes only when a section's layout does; what a newer
 * writer adds comes as a new section, required when an older reader would
 * act wrongly without it, optional when it would only do less. CVQ is
 * optional: a reader without it adopts the data path and leaves the
 * daemon's control queue as the build before it did (handover.rst).
 */
#ifndef VUB_HANDOVER_RECORD_H
#define VUB_HANDOVER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "vhost_user.h"

#define HO_MAGIC		0x48425556u
#define HO_VERSION		1u
#define HO_MAX_QUEUES		1024u
#define HO_MAX_REGIONS		((unsigned int)VU_MAX_MEM_SLOTS)
#define HO_MAX_PARTIAL		(VU_HDR_SIZE + VU_PAYLOAD_MAX)
#define HO_MAX_OUT		(64u * 1024u)
#define HO_MAX_RECORD		(1u << 20)
#define HO_NOFD			0xffffffffu	/* no fd in this slot */

enum ho_section {
	HO_SEC_DEVICE = 1,	/* name, device id, queues, fds, mode */
	HO_SEC_SESSION = 2,	/* protocol state of the front-end's session */
	HO_SEC_REGION = 3,	/* one memory region */
	HO_SEC_RING = 4,	/* one ring */
	HO_SEC_PARTIAL = 5,	/* bytes and fds of a message half read */
	HO_SEC_OUTPUT = 6,	/* replies not yet written */
	HO_SEC_CVQ = 7,		/* the daemon's control queue (net_cvq.c) */
};
#define HO_SEC_F_REQUIRED	1u

/* struct ho_ring.flags */
#define HO_RING_NUM_SET		(1u << 0)
#define HO_RING_ADDR_SET	(1u << 1)
#define HO_RING_ENABLED		(1u << 2)
#define HO_RING_ENABLE_SENT	(1u << 3)
#define HO_RING_STARTED		(1u << 4)
#define HO_RING_START_FAILED	(1u << 5)
#define HO_RING_PACKED		(1u << 6)
#define HO_RING_NOTIFIER_SENT	(1u << 7)
#define HO_RING_ALL		0xffu

/* struct ho_record.sflags */
#define HO_S_OWNER		(1u << 0)
#define HO_S_FEATURES_SET	(1u << 1)
#define HO_S_MEM_SET		(1u << 2)
#define HO_S_LIFE_REFUSED	(1u << 3)
#define HO_S_ALL		0xfu

/* struct ho_cvq.flags */
#define HO_CVQ_MAPPED		(1u << 0)	/* its ring region is mapped */
#define HO_CVQ_STARTED		(1u << 1)	/* the queue runs on the device */
#define HO_CVQ_PACKED		(1u << 2)
#define HO_CVQ_WRAP		(1u << 3)	/* packed: driver wrap counter */
#define HO_CVQ_BROKEN		(1u << 4)	/* a command timed out */
#define HO_CVQ_FE_RING		(1u << 5)	/* passthrough: the front-end
						 * runs the control queue */
#define HO_CVQ_ALL		0x3fu
#define HO_CVQ_WANT_LEN		16u		/* NCVQ_SNAP_LEN */

/* A net device's control queue as the daemon runs it (net_cvq.h). */
struct ho_cvq {
	bool present;		/* the device has one for the daemon */
	/* ncvq_snapshot() bytes: mode, RX mode, pairs, MAC */
	uint8_t want[HO_CVQ_WANT_LEN];
	uint32_t flags;		/* HO_CVQ_* */
	uint32_t index;		/* the device's control queue */
	uint64_t negotiated;	/* features written to the device */
	uint64_t iova;		/* the ring region */
	uint16_t num;		/* ring size */
	uint16_t next;		/* split: avail index; packed: slot */
	uint16_t dev_pairs;	/* pairs the device has */
	uint8_t status;		/* last status the device took */
	uint8_t op_mac[6];	/* the operator's MAC */
	uint32_t sent;		/* commands acknowledged */
	uint32_t memfd;		/* the ring's memfd (while mapped) */
	uint32_t kick_fd;	/* the queue's kick eventfd (while started) */
};

struct ho_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t vmm_va;
	uint64_t mmap_offset;
	uint32_t fd;
};

struct ho_ring {
	uint32_t index;
	uint32_t num;
	uint32_t flags;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	struct vu_queue_state base;
	uint32_t kick_fd;
	uint32_t call_fd;
	uint32_t err_fd;
};

struct ho_record {
	/* DEVICE */
	char name[64];
	uint32_t device_id;
	uint32_t num_queues;
	uint32_t dev_fd;		/* the device file */
	uint32_t listen_fd;		/* server mode: the listener */
	bool has_session;
	/* SESSION */
	uint32_t conn_fd;
	uint32_t breq_fd;		/* back-end channel */
	uint32_t sflags;		/* HO_S_* */
	uint64_t features;
	uint64_t offered_pf;
	uint64_t pf;
	uint8_t life_state;		/* enum vu_life_state */
	uint8_t fe_status;
	uint64_t negotiated;
	uint32_t nregions;
	struct ho_region regions[HO_MAX_REGIONS];
	uint32_t nrings;
	struct ho_ring rings[HO_MAX_QUEUES];
	/* PARTIAL */
	uint32_t partial_len;
	uint8_t partial[HO_MAX_PARTIAL];
	uint32_t partial_nfds;
	uint32_t partial_fds[VU_MAX_FDS];
	/* OUTPUT */
	uint32_t out_len;
	uint8_t out[HO_MAX_OUT];
	/* CVQ */
	struct ho_cvq cvq;
};

/* Serialize @r into a malloc'ed buffer. 0 or -errno. */
int ho_record_encode(const struct ho_record *r, uint8_t **out, size_t *len);
/* Parse and check @buf; -EINVAL (or -EPROTO for another version) with
 * @why on any defect. */
int ho_record_decode(const uint8_t *buf, size_t len, struct ho_record *r,
		     char *why, size_t whylen);
/* Call @fn for every fd id @r uses (the same id may come more than once). */
void ho_record_for_each_fd(const struct ho_record *r,
			   void (*fn)(void *arg, uint32_t id), void *arg);

#endif /* VUB_HANDOVER_RECORD_H */
