/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lifecycle.h - the device life cycle of one session: the one place that
 * decides when features, FEATURES_OK, DRIVER_OK, queue starts and stops
 * and eventfd swaps reach the device. Drawn in Documentation/design.rst.
 *
 * The protocol handlers (session.c) record what the front-end configured
 * (struct vu_vring, the memory table, the acknowledged features) and then
 * tell the life cycle what happened; it calls the device's primitives
 * (struct vu_device_ops) in the order a virtio device needs them.
 *
 * Every function returns 0 or a negative errno from the device; a
 * protocol violation is never decided here.
 */
#ifndef VUB_LIFECYCLE_H
#define VUB_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

struct vu_session;

enum vu_life_state {
	VU_LIFE_RESET,		/* device status 0: nothing negotiated on it */
	VU_LIFE_FEATURES_OK,	/* features accepted, no queue on the device */
	VU_LIFE_STARTING,	/* queues started, DRIVER_OK held back */
	VU_LIFE_RUNNING,	/* DRIVER_OK set */
};

enum vu_life_fd {
	VU_LIFE_KICK,
	VU_LIFE_CALL,
	VU_LIFE_ERR,
};

struct vu_life {
	enum vu_life_state state;
	uint8_t fe_status;	/* the status the front-end set (STATUS) */
	uint64_t negotiated;	/* features on the device (not in RESET) */
	bool refused;		/* the device refused the features */
};

const char *vu_life_state_name(enum vu_life_state st);

/* SET_FEATURES (already checked against the offer and stored). */
int vu_life_features(struct vu_session *s);
/* SET_STATUS from the front-end. */
int vu_life_set_status(struct vu_session *s, uint8_t status);
/* GET_STATUS: what the front-end set, as far as the device accepted it. */
uint8_t vu_life_get_status(struct vu_session *s);
/* Something a ring or the memory table needs changed: start every ring
 * that is now complete. */
int vu_life_update(struct vu_session *s);
/* Stop ring @idx (GET_VRING_BASE, SET_VRING_ENABLE 0); its position
 * becomes the ring's base. */
int vu_life_stop(struct vu_session *s, uint32_t idx);
/* A new kick, call or error eventfd (or -1) for ring @idx; the ring's slot
 * takes @fd. A running ring keeps running. */
int vu_life_set_fd(struct vu_session *s, uint32_t idx, enum vu_life_fd which,
		   int fd);
/* RESET_DEVICE, RESET_OWNER: every ring stopped and forgotten, the device
 * back to status 0; the memory table and the connection's settings stay. */
void vu_life_reset(struct vu_session *s);
/* The session ends: the device is reset and its memory dropped. */
void vu_life_end(struct vu_session *s);
bool vu_life_any_started(const struct vu_session *s);

#endif /* VUB_LIFECYCLE_H */
