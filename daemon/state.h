/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h - device state snapshots (SET_DEVICE_STATE_FD/CHECK_DEVICE_STATE).
 *
 * Format, all little-endian, version 1:
 *   header  magic "VUBS" (u32 0x53425556), version u16, header size u16 (16),
 *           total size u32 (header + sections + trailer), section count u32
 *   section type u16, flags u16 (bit 0: a reader must understand it),
 *           length u32, value, zero padding to a multiple of 8
 *   trailer CRC-32 (IEEE) of everything before it, u32
 * Sections: DEVICE (device id, queue count), FEATURES (virtio, protocol),
 * STATUS, CONFIG (config space bytes), QUEUE (one per queue: index, size,
 * flags, ring position), DEVICE_DATA (opaque bytes of the device).
 * Unknown sections without the must-understand flag are skipped, so a
 * newer writer stays readable as long as it adds only optional sections.
 */
#ifndef VUB_STATE_H
#define VUB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "vhost_user.h"

#define VU_STATE_MAGIC		0x53425556u
#define VU_STATE_VERSION	1u
#define VU_STATE_MAX_QUEUES	1024u
#define VU_STATE_MAX_DEVDATA	4096u

enum vu_state_section {
	VU_SEC_DEVICE = 1,
	VU_SEC_FEATURES = 2,
	VU_SEC_STATUS = 3,
	VU_SEC_CONFIG = 4,
	VU_SEC_QUEUE = 5,
	VU_SEC_DEVICE_DATA = 6,
};
#define VU_SEC_F_REQUIRED	1u

#define VU_QSTATE_F_ENABLED	(1u << 0)
#define VU_QSTATE_F_PACKED	(1u << 1)
#define VU_QSTATE_F_CONFIGURED	(1u << 2)

struct vu_state_queue {
	uint32_t index;
	uint32_t size;
	uint32_t flags;
	struct vu_queue_state pos;
};

struct vu_state {
	uint32_t device_id;
	uint32_t num_queues;
	uint64_t features;
	uint64_t protocol_features;
	uint8_t status;
	uint32_t config_len;
	uint8_t config[VU_MAX_CONFIG_SIZE];
	uint32_t nqueues;
	struct vu_state_queue queues[VU_STATE_MAX_QUEUES];
	uint32_t devdata_len;
	uint8_t devdata[VU_STATE_MAX_DEVDATA];
};

uint32_t vu_crc32(const void *buf, size_t len);
/* Serialize @st into a malloc'ed buffer. */
int vu_state_encode(const struct vu_state *st, uint8_t **out, size_t *len);
/* Parse and check a blob; -EINVAL with @why on any defect. */
int vu_state_decode(const uint8_t *buf, size_t len, struct vu_state *st,
		    char *why, size_t whylen);

/* Session side (state.c, needs session_priv.h). */
struct vu_session;
int vu_xfer_start(struct vu_session *s, uint32_t direction, int fd);
/* CHECK_DEVICE_STATE: complete the transfer; load: apply the state. */
int vu_xfer_finish(struct vu_session *s, char *why, size_t whylen);
void vu_xfer_abort(struct vu_session *s);
void vu_session_restore_queue(struct vu_session *s, uint32_t idx,
			      const struct vu_queue_state *st);

#endif /* VUB_STATE_H */
