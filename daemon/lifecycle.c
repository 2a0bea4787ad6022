// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c - when features, FEATURES_OK, DRIVER_OK, queue starts and
 * stops and eventfd swaps reach the device (lifecycle.h).
 *
 * vhost-user and virtio order a device's life differently. vhost-user
 * starts rings one at a time whenever the front-end likes, may stop and
 * restart them without a reset, and sends a status only with the STATUS
 * protocol feature. A virtio (vDPA) device wants its features written
 * between DRIVER and FEATURES_OK, its queues programmed before DRIVER_OK,
 * and, unless it has ENABLE_AFTER_DRIVER_OK, no queue started after it.
 * The state machine (Documentation/design.rst draws it):
 *
 *   RESET --(a ring can start, or FEATURES_OK)--> FEATURES_OK
 *     ^       negotiate: status 0 if needed, ACK, DRIVER, features,
 *     |       FEATURES_OK, read back
 *     |   FEATURES_OK --(first ring starts)--> STARTING
 *     |   STARTING --(DRIVER_OK wanted)--> RUNNING
 *     |       wanted: the front-end set DRIVER_OK (STATUS), or, without
 *     |       STATUS, every enabled ring that was configured runs
 *     |   RUNNING --(another ring starts)--> RUNNING
 *     |       directly with ENABLE_AFTER_DRIVER_OK; otherwise every running
 *     |       ring is stopped where it is, the device reset and
 *     |       renegotiated, all rings started again and DRIVER_OK set
 *     +--(last ring stopped, SET_STATUS 0, RESET_DEVICE)-- any state
 *             status 0: no DMA, no interrupts, memory kept ("suspended")
 *
 * Negotiation is lazy: after a stop or SET_STATUS 0 the device stays at
 * status 0 until something needs FEATURES_OK again, so a front-end that
 * stops and restarts without a reset (QEMU's stop/cont) costs one
 * negotiation, and one that re-sends the same features costs nothing.
 *
 * Ring positions: a stop returns where the device stands, which becomes
 * the ring's base for the next start. A device that cannot tell (vp_vdpa)
 * has, being stopped and in order, used everything it took: the used
 * index in guest memory is the position (split rings).
 *
 * Errors of the device are returned to the handler, which reports them to
 * the front-end (REPLY_ACK) or logs them; a ring that could not start has
 * its error eventfd signalled, the one channel vhost-user has for it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_config.h>

#include "lifecycle.h"
#include "log.h"
#include "session_priv.h"

#define NAME(s)		((s)->dev->name)
#define S_ACK		VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER	VIRTIO_CONFIG_S_DRIVER
#define S_FEATURES_OK	VIRTIO_CONFIG_S_FEATURES_OK
#define S_DRIVER_OK	VIRTIO_CONFIG_S_DRIVER_OK

static const char *const state_names[] = {
	[VU_LIFE_RESET] = "RESET",
	[VU_LIFE_FEATURES_OK] = "FEATURES_OK",
	[VU_LIFE_STARTING] = "STARTING",
	[VU_LIFE_RUNNING] = "RUNNING",
};

const char *vu_life_state_name(enum vu_life_state st)
{
	return st <= VU_LIFE_RUNNING ? state_names[st] : "?";
}

static void enter(struct vu_session *s, enum vu_life_state st)
{
	if (s->life.state != st)
		log_debug(NAME(s), "life cycle: %s -> %s",
			  vu_life_state_name(s->life.state),
			  vu_life_state_name(st));
	s->life.state = st;
}

bool vu_life_any_started(const struct vu_session *s)
{
	uint32_t i;

	for (i = 0; i < s->nvrings; i++)
		if (s->vrings[i].started)
			return true;
	return false;
}

static void signal_err(struct vu_session *s, uint32_t idx)
{
	uint64_t one = 1;
	int fd = s->vrings[idx].err_fd;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		log_debug(NAME(s), "queue %u: error eventfd not signalled", idx);
}

/* Device to status 0: queues stopped, memory kept. */
static int device_zero(struct vu_session *s)
{
	int ret = s->ops->set_status(s->dev, 0);

	enter(s, VU_LIFE_RESET);
	if (ret < 0)
		log_warn(NAME(s), "resetting the device failed: %s",
			 strerror(-ret));
	return ret;
}

/* Write the acknowledged features and reach FEATURES_OK. */
static int negotiate(struct vu_session *s)
{
	uint64_t f = s->features & ~(1ull << VU_F_PROTOCOL_FEATURES);
	int ret;

	if (s->life.state != VU_LIFE_RESET) {
		ret = device_zero(s);
		if (ret < 0)
			return ret;
	}
	s->life.refused = false;
	ret = s->ops->set_status(s->dev, S_ACK);
	if (!ret)
		ret = s->ops->set_status(s->dev, S_ACK | S_DRIVER);
	if (!ret)
		ret = s->ops->set_features(s->dev, f);
	if (!ret)
		ret = s->ops->set_status(s->dev, S_ACK | S_DRIVER |
					 S_FEATURES_OK);
	if (!ret && !(s->ops->get_status(s->dev) & S_FEATURES_OK))
		ret = -EIO;
	if (ret == -EIO || ret == -EINVAL) {
		log_err(NAME(s), "the device refused features 0x%llx",
			(unsigned long long)f);
		s->life.refused = true;
	} else if (ret < 0) {
		log_err(NAME(s), "feature negotiation failed: %s",
			strerror(-ret));
	}
	if (ret < 0) {
		s->ops->set_status(s->dev, 0);
		return ret;
	}
	s->life.negotiated = s->features;
	enter(s, VU_LIFE_FEATURES_OK);
	return 0;
}

static int need_features_ok(struct vu_session *s)
{
	if (s->life.state != VU_LIFE_RESET)
		return 0;
	if (!s->features_set)
		return -EINVAL;
	return negotiate(s);
}

static bool ring_complete(const struct vu_session *s, const struct vu_vring *r)
{
	return r->enabled && r->num_set && r->addr_set && r->kick_fd >= 0 &&
	       s->mem_set && s->features_set;
}

/* Does the front-end want DRIVER_OK? With STATUS it says so; without it,
 * once every enabled ring runs (counting, for front-ends without
 * VHOST_USER_F_PROTOCOL_FEATURES, whose rings are all enabled implicitly,
 * only the rings they configured). */
static bool driver_ok_wanted(const struct vu_session *s)
{
	uint32_t i;

	if (vu_has_pf(s, VU_PF_STATUS))
		return s->life.fe_status & S_DRIVER_OK;
	for (i = 0; i < s->nvrings; i++) {
		const struct vu_vring *r = &s->vrings[i];

		if (r->enabled && (r->addr_set || r->enable_sent) &&
		    !r->started)
			return false;
	}
	return vu_life_any_started(s);
}

static int maybe_driver_ok(struct vu_session *s)
{
	int ret;

	if (s->life.state != VU_LIFE_STARTING || !driver_ok_wanted(s))
		return 0;
	ret = s->ops->set_status(s->dev, S_ACK | S_DRIVER | S_FEATURES_OK |
				 S_DRIVER_OK);
	if (ret < 0) {
		log_err(NAME(s), "the device did not accept DRIVER_OK: %s",
			strerror(-ret));
		return ret;
	}
	enter(s, VU_LIFE_RUNNING);
	return 0;
}

/*
 * The position of a stopped ring whose device could not tell it: the used
 * index in guest memory. Read with pread() on the region's fd, never
 * through a mapping: a front-end that truncated its memfd would raise
 * SIGBUS in the daemon and take every device down with it.
 */
static int position_from_memory(struct vu_session *s, uint32_t idx)
{
	struct vu_vring *r = &s->vrings[idx];
	uint8_t le[2];
	int ret;

	memset(&r->base, 0, sizeof(r->base));
	if (r->packed) {
		log_warn(NAME(s), "queue %u: the device has no ring state; a packed ring restarts at 0",
			 idx);
		r->base.avail_wrap = r->base.used_wrap = 1;
		return 0;
	}
	ret = s->mem_set ? vu_mem_read(&s->mem, r->used_gpa + 2, le, 2) :
	      -EFAULT;
	if (ret) {
		log_err(NAME(s), "queue %u: cannot read the used index at gpa 0x%llx: %s",
			idx, (unsigned long long)(r->used_gpa + 2),
			ret == -EIO ? "the memory fd ends before it (truncated by the front-end?)" :
			strerror(-ret));
		return ret;
	}
	r->base.avail_idx = (uint16_t)(le[0] | le[1] << 8);
	log_info(NAME(s), "queue %u: the device has no ring state; resuming at the used index %u",
		 idx, r->base.avail_idx);
	return 0;
}

/* Stop one started ring on the device and keep its position. */
static int ring_halt(struct vu_session *s, uint32_t idx)
{
	struct vu_vring *r = &s->vrings[idx];
	struct vu_queue_state st;
	int ret;

	memset(&st, 0, sizeof(st));
	vu_session_ring_stopping(s, idx);
	ret = s->ops->stop_queue(s->dev, idx, &st);
	r->started = false;
	if (ret < 0) {
		log_err(NAME(s), "stopping queue %u failed: %s", idx,
			strerror(-ret));
		return ret;
	}
	if (ret > 0) {
		ret = position_from_memory(s, idx);
		if (ret < 0)
			return ret;
	} else {
		r->base = st;
	}
	log_debug(NAME(s), "queue %u stopped at avail %u", idx,
		  r->base.avail_idx);
	return 0;
}

/*
 * A split ring the front-end starts at 0 while its used index in guest
 * memory says otherwise: DPDK's virtio-user, reconnecting to a restarted
 * back-end, sends base 0 for rings that stand at thousands. Starting at 0
 * would make the device walk stale entries and overwrite the used ring;
 * the used index is where an in-order device stands (DPDK's own vhost
 * back-end and libvhost-user resume there too). A fresh ring reads 0.
 */
static void position_from_used(struct vu_session *s, uint32_t idx)
{
	struct vu_vring *r = &s->vrings[idx];
	uint8_t le[2];
	uint16_t used;

	if (r->packed || r->base.avail_idx || !s->mem_set ||
	    vu_mem_read(&s->mem, r->used_gpa + 2, le, 2))
		return;
	used = (uint16_t)(le[0] | le[1] << 8);
	if (!used)
		return;
	log_info(NAME(s), "queue %u: the front-end starts at 0 but its used index is %u: starting there",
		 idx, used);
	r->base.avail_idx = used;
}

static int ring_program(struct vu_session *s, uint32_t idx)
{
	struct vu_vring *r = &s->vrings[idx];
	struct vu_queue_cfg cfg;
	int ret;

	position_from_used(s, idx);

	memset(&cfg, 0, sizeof(cfg));
	cfg.size = r->num;
	cfg.packed = r->packed;
	cfg.desc_gpa = r->desc_gpa;
	cfg.avail_gpa = r->avail_gpa;
	cfg.used_gpa = r->used_gpa;
	cfg.base = r->base;
	cfg.kick_fd = r->kick_fd;
	cfg.call_fd = r->call_fd;
	cfg.err_fd = r->err_fd;
	ret = s->ops->start_queue(s->dev, idx, &cfg, &s->mem);
	if (ret < 0) {
		log_err(NAME(s), "starting queue %u failed: %s", idx,
			strerror(-ret));
		signal_err(s, idx);
		return ret;
	}
	r->started = true;
	if (s->life.state == VU_LIFE_FEATURES_OK)
		enter(s, VU_LIFE_STARTING);
	log_debug(NAME(s), "queue %u started: size %u avail %u", idx, r->num,
		  r->base.avail_idx);
	vu_session_ring_started(s, idx);
	return 0;
}

/*
 * A ring starts after DRIVER_OK on a device that cannot take that: stop the
 * running rings where they are, reset and renegotiate, start them all
 * again with @idx, set DRIVER_OK. The front-end notices nothing.
 */
static int restart_all(struct vu_session *s, uint32_t idx)
{
	bool *again = calloc(s->nvrings, sizeof(*again));
	uint32_t i;
	int ret = 0;

	if (!again)
		return -ENOMEM;
	log_info(NAME(s), "queue %u starts after DRIVER_OK: restarting the device's queues",
		 idx);
	for (i = 0; i < s->nvrings && !ret; i++) {
		if (!s->vrings[i].started)
			continue;
		again[i] = true;
		ret = ring_halt(s, i);
	}
	again[idx] = true;
	if (!ret)
		ret = negotiate(s);
	for (i = 0; i < s->nvrings && !ret; i++)
		if (again[i])
			ret = ring_program(s, i);
	free(again);
	if (!ret)
		ret = maybe_driver_ok(s);
	return ret;
}

static int ring_start(struct vu_session *s, uint32_t idx)
{
	int ret;

	ret = need_features_ok(s);
	if (ret < 0) {
		signal_err(s, idx);
		return ret;
	}
	if (s->life.state == VU_LIFE_RUNNING && !s->dev->late_start)
		return restart_all(s, idx);
	return ring_program(s, idx);
}

/* A disabled ring set up before DRIVER_OK that the device will leave
 * alone (device.h ring_parkable): it starts parked with the others. */
static bool ring_parks(const struct vu_session *s, uint32_t idx)
{
	const struct vu_vring *r = &s->vrings[idx];

	return !r->enabled && r->num_set && r->addr_set && r->kick_fd >= 0 &&
	       s->mem_set && s->features_set &&
	       (s->life.state == VU_LIFE_FEATURES_OK ||
		s->life.state == VU_LIFE_STARTING) &&
	       s->ops->ring_parkable && s->ops->ring_parkable(s->dev, idx);
}

int vu_life_update(struct vu_session *s)
{
	uint32_t i;
	int ret, err = 0;

	for (i = 0; i < s->nvrings; i++) {
		struct vu_vring *r = &s->vrings[i];
		bool park;

		/* A set-up the device refused is not tried again until the
		 * front-end changes something of the ring. */
		if (r->started || r->start_failed)
			continue;
		park = ring_parks(s, i);
		if (!park && !ring_complete(s, r))
			continue;
		ret = ring_start(s, i);
		r->start_failed = ret < 0;
		if (ret < 0 && !err)
			err = ret;
	}
	ret = maybe_driver_ok(s);
	return err ? err : ret;
}

/* No ring runs: no DMA, no interrupts (the spec's suspended device). */
static void after_stop(struct vu_session *s)
{
	if (vu_life_any_started(s) || s->life.state == VU_LIFE_RESET)
		return;
	device_zero(s);
}

int vu_life_stop(struct vu_session *s, uint32_t idx)
{
	int ret = 0;

	if (s->vrings[idx].started)
		ret = ring_halt(s, idx);
	after_stop(s);
	return ret;
}

int vu_life_features(struct vu_session *s)
{
	int ret;

	/* The features the device has: nothing to do (QEMU re-sends them
	 * on every start). Otherwise negotiate now (the engine refused a
	 * change while rings run), so a refusal is known before the
	 * front-end asks for FEATURES_OK. */
	if (s->life.state == VU_LIFE_RESET ||
	    s->life.negotiated != s->features) {
		ret = negotiate(s);
		if (ret < 0)
			return ret;
	}
	return vu_life_update(s);
}

int vu_life_set_status(struct vu_session *s, uint8_t status)
{
	uint8_t added = status & ~s->life.fe_status;
	uint32_t i;
	int ret;

	if (!status) {
		for (i = 0; i < s->nvrings; i++)
			if (s->vrings[i].started)
				ring_halt(s, i);
		s->life.fe_status = 0;
		s->life.refused = false;
		if (s->life.state != VU_LIFE_RESET)
			device_zero(s);
		return 0;
	}
	s->life.fe_status = status & ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if (added & VIRTIO_CONFIG_S_FAILED) {
		log_warn(NAME(s), "the front-end set FAILED");
		if (s->life.state != VU_LIFE_RESET)
			return s->ops->set_status(s->dev,
					s->ops->get_status(s->dev) |
					VIRTIO_CONFIG_S_FAILED);
		return 0;
	}
	if (status & S_FEATURES_OK) {
		ret = need_features_ok(s);
		if (ret < 0)
			return ret;
	}
	if (added & S_DRIVER_OK)
		return vu_life_update(s);
	return 0;
}

uint8_t vu_life_get_status(struct vu_session *s)
{
	uint8_t st = s->life.fe_status;

	if (s->life.refused)
		st &= (uint8_t)~S_FEATURES_OK;
	if (s->life.state != VU_LIFE_RESET)
		st |= s->ops->get_status(s->dev) &
		      (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED);
	return st;
}

int vu_life_set_fd(struct vu_session *s, uint32_t idx, enum vu_life_fd which,
		   int fd)
{
	struct vu_vring *r = &s->vrings[idx];
	int *slot = which == VU_LIFE_KICK ? &r->kick_fd :
		    which == VU_LIFE_CALL ? &r->call_fd : &r->err_fd;
	int old = *slot, ret = -EOPNOTSUPP;

	/* The slot always takes the front-end's newest fd. */
	*slot = fd;
	r->start_failed = false;
	if (old >= 0)
		close(old);
	if (!r->started)
		return vu_life_update(s);
	if (which != VU_LIFE_KICK && s->ops->set_queue_fd) {
		/* In place: the ring keeps running (QEMU sends a new call
		 * fd after every kick and on each vector mask/unmask). */
		ret = s->ops->set_queue_fd(s->dev, idx, which == VU_LIFE_CALL,
					   fd);
		if (ret != -EOPNOTSUPP && ret != -ENOTTY)
			return ret;
	}
	/* The device takes this fd only at a start: restart the ring where
	 * it stands. */
	ret = ring_halt(s, idx);
	if (ret < 0)
		return ret;
	return vu_life_update(s);
}

void vu_life_reset(struct vu_session *s)
{
	uint32_t i;

	for (i = 0; i < s->nvrings; i++)
		if (s->vrings[i].started)
			ring_halt(s, i);
	if (s->life.state != VU_LIFE_RESET)
		device_zero(s);
	s->life.fe_status = 0;
	s->life.refused = false;
}

void vu_life_end(struct vu_session *s)
{
	uint32_t i;

	for (i = 0; i < s->nvrings; i++)
		if (s->vrings[i].started)
			ring_halt(s, i);
	s->ops->reset(s->dev);
	enter(s, VU_LIFE_RESET);
	s->life.fe_status = 0;
	s->life.refused = false;
}
