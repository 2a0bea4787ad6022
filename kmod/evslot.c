// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: an eventfd the module signals on the device's behalf (a queue's
 * call and error eventfds, the config eventfd), and the promise that goes
 * with replacing one: once vub_evslot_set() returned, nothing signals the
 * eventfd it replaced.
 *
 * Every signal happens under the slot's spinlock, and a replacement swaps
 * the pointer under it. A signaller that read the old pointer is done with
 * it before the swap can take the lock; one that comes later reads the new
 * pointer. So the old context can be put right after the swap: the caller
 * waits at most for one eventfd_signal() on another CPU, never for an RCU
 * grace period (tens of milliseconds under TCG, one per ring on a VMM's
 * stop/restart).
 *
 * The lock is taken in any context (hard irq from vp_vdpa, a kthread with
 * bottom halves off from vdpa_sim, work items) and nests only the
 * eventfd's wait-queue lock and what its waiters' wake-ups take. It is
 * never taken inside an eventfd wake-up: a device callback that runs in one
 * (!eventfd_signal_allowed()) defers to a work item, so one of our kick
 * wake-ups that makes the device call back cannot come back to a slot lock
 * held further up.
 */

#include <linux/eventfd.h>
#include <linux/spinlock.h>

#include "vub.h"

/**
 * vub_evslot_init() - an empty slot
 * @s: the slot
 */
void vub_evslot_init(struct vub_evslot *s)
{
	spin_lock_init(&s->lock);
	s->ctx = NULL;
}

/**
 * vub_evslot_set() - replace the eventfd of a slot and release the old one
 * @s: the slot; the caller holds the lock that serializes its writers
 *	(vub_dev.lock)
 * @ctx: the new eventfd, or NULL; its reference passes to the slot
 *
 * When this returns, nobody signals the previous eventfd any more and the
 * slot's reference to it is dropped.
 */
void vub_evslot_set(struct vub_evslot *s, struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	old = s->ctx;
	s->ctx = ctx;
	spin_unlock_irqrestore(&s->lock, flags);
	if (old)
		eventfd_ctx_put(old);
}

/**
 * vub_evslot_signal() - signal the slot's eventfd, if it has one
 * @s: the slot; any context in which eventfd_signal_allowed() is true
 */
void vub_evslot_signal(struct vub_evslot *s)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	if (s->ctx)
		eventfd_signal(s->ctx);
	spin_unlock_irqrestore(&s->lock, flags);
}
