// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: virtqueues: start/stop/enable, ring state, and the two data-path
 * hooks that never leave the kernel:
 *
 *  - kick: a wait-queue entry on the kick eventfd. Its wake-up runs inside
 *    eventfd_signal()/write() with the eventfd's wait-queue spinlock held
 *    and interrupts off, and calls ->kick_vq() right there, with no work item
 *    in between. That is safe for the parents that exist: vdpa_sim queues
 *    kthread work, vp_vdpa, ifcvf, mlx5, octeon_ep and pds write a doorbell
 *    register (mlx5 queues work for its control queue), and VDUSE sees
 *    !eventfd_signal_allowed() and defers to its own work item.
 *  - call: the device's vq callback signals the call eventfd. Parents call it
 *    from hard irq (vp_vdpa), from a kthread with their lock held and bottom
 *    halves off (vdpa_sim), or from a work item (VDUSE); it only touches RCU
 *    and atomics. vdpa_callback.trigger is left unset so that every
 *    interrupt passes through us and is counted.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/log2.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <uapi/linux/virtio_config.h>

#include "vub.h"

#define VUB_QUEUE_START_FLAGS	(VUB_QUEUE_F_PACKED | VUB_QUEUE_F_NO_CALL | \
				 VUB_QUEUE_F_DISABLED)

/* Packed ring indices are 15 bits, plus a wrap counter. */
#define VUB_PACKED_IDX_MAX	0x7fff

/**
 * struct vub_ring_area - one of the three areas of a ring
 * @addr: IOVA
 * @len: bytes
 * @align: required alignment
 * @perm: access the device needs
 */
struct vub_ring_area {
	u64 addr;
	u64 len;
	u64 align;
	u32 perm;
};

/* Virtio 1.2, 2.7 (split) and 2.8 (packed): sizes and alignments. */
static void vub_ring_areas(bool packed, u32 size, u64 desc, u64 driver,
			   u64 device, struct vub_ring_area a[3])
{
	a[0].addr = desc;
	a[0].len = 16ULL * size;
	a[0].align = 16;
	a[1].addr = driver;
	a[2].addr = device;
	if (packed) {
		/* Descriptors are written back; event suppression areas. */
		a[0].perm = VUB_PERM_RW;
		a[1].len = 4;
		a[1].align = 4;
		a[1].perm = VUB_PERM_READ;
		a[2].len = 4;
		a[2].align = 4;
		a[2].perm = VUB_PERM_WRITE;
	} else {
		/* flags, idx, ring[size], used_event; flags, idx, ring, avail_event */
		a[0].perm = VUB_PERM_READ;
		a[1].len = 6 + 2ULL * size;
		a[1].align = 2;
		a[1].perm = VUB_PERM_READ;
		a[2].len = 6 + 8ULL * size;
		a[2].align = 4;
		a[2].perm = VUB_PERM_WRITE;
	}
}

static void vub_vq_areas(const struct vub_vq *vq, struct vub_ring_area a[3])
{
	vub_ring_areas(vq->packed, vq->size, vq->desc_addr, vq->driver_addr,
		       vq->device_addr, a);
}

/* Kick wake-up: eventfd wait-queue lock held, interrupts off. */
static int vub_kick_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vub_vq *vq = container_of(wait, struct vub_vq, kick_wait);
	struct vub_dev *v = vq->vub;
	u64 cnt;

	if (!(key_to_poll(key) & EPOLLIN))
		return 0;

	eventfd_ctx_do_read(vq->kick_ctx, &cnt);
	atomic64_inc(&vq->kicks);
	vub_ops(v)->kick_vq(v->vdpa, vq->index);
	return 0;
}

static void vub_kick_queue_proc(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct vub_vq *vq = container_of(pt, struct vub_vq, kick_pt);

	if (vq->kick_wqh)
		return;
	vq->kick_wqh = wqh;
	add_wait_queue(wqh, &vq->kick_wait);
}

/* Start polling the kick eventfd; forward a kick that is already pending. */
static void vub_vq_poll(struct vub_vq *vq)
{
	struct vub_dev *v = vq->vub;
	unsigned long flags;
	__poll_t mask;
	u64 cnt = 0;

	init_waitqueue_func_entry(&vq->kick_wait, vub_kick_wakeup);
	init_poll_funcptr(&vq->kick_pt, vub_kick_queue_proc);
	mask = vfs_poll(vq->kick_file, &vq->kick_pt);
	if (!(mask & EPOLLIN) || !vq->kick_wqh)
		return;

	/* The eventfd's wait-queue lock is the one its reads need. */
	spin_lock_irqsave(&vq->kick_wqh->lock, flags);
	eventfd_ctx_do_read(vq->kick_ctx, &cnt);
	spin_unlock_irqrestore(&vq->kick_wqh->lock, flags);
	if (cnt) {
		atomic64_inc(&vq->kicks);
		vub_ops(v)->kick_vq(v->vdpa, vq->index);
	}
}

/* After this returns no kick wake-up runs for @vq. */
static void vub_vq_unpoll(struct vub_vq *vq)
{
	if (!vq->kick_wqh)
		return;
	remove_wait_queue(vq->kick_wqh, &vq->kick_wait);
	vq->kick_wqh = NULL;
}

static void vub_vq_call_work_fn(struct work_struct *work)
{
	struct vub_vq *vq = container_of(work, struct vub_vq, call_work);

	vub_evslot_signal(&vq->call);
}

/* Used-buffer notification from the device: any context. */
static irqreturn_t vub_vq_cb(void *private)
{
	struct vub_vq *vq = private;

	/*
	 * Parents store vdpa_callback with a plain struct copy; an interrupt
	 * racing set_vq_cb() may see our function with a NULL private.
	 */
	if (unlikely(!vq))
		return IRQ_HANDLED;

	/* The RCU section lets vub_config_close() wait for us. */
	rcu_read_lock();
	atomic64_inc(&vq->interrupts);
	/*
	 * Called from inside an eventfd wake-up: signal from a work item
	 * (this also keeps the slot's lock out of eventfd wake-ups).
	 */
	if (eventfd_signal_allowed())
		vub_evslot_signal(&vq->call);
	else
		schedule_work(&vq->call_work);
	rcu_read_unlock();
	return IRQ_HANDLED;
}

/**
 * vub_vq_init() - initialize a queue of a new device
 * @v: device being probed
 * @vq: the queue
 * @index: its index
 */
void vub_vq_init(struct vub_dev *v, struct vub_vq *vq, u16 index)
{
	vq->vub = v;
	vq->index = index;
	INIT_WORK(&vq->call_work, vub_vq_call_work_fn);
	vub_evslot_init(&vq->call);
	vub_evslot_init(&vq->err);
	atomic64_set(&vq->kicks, 0);
	atomic64_set(&vq->interrupts, 0);
}

/* Put the kick eventfd; its wake-up was removed (or never added). */
static void vub_vq_put_kick(struct vub_vq *vq)
{
	if (vq->kick_ctx) {
		eventfd_ctx_put(vq->kick_ctx);
		vq->kick_ctx = NULL;
	}
	if (vq->kick_file) {
		fput(vq->kick_file);
		vq->kick_file = NULL;
	}
}

/*
 * Put all of a queue's eventfds, @vq's callback cleared in the device. Once
 * the slots are empty nothing signals their old eventfds (evslot.c), so no
 * grace period is waited for. A callback still in flight may queue the
 * call work again after the cancel below: the work then finds the slot
 * empty, or holding the eventfd of the queue's next start (a spurious
 * notification, which is harmless). The session's close cancels it for
 * good once no callback runs (vub_vqs_cancel_work()), before the queue can
 * go away.
 */
static void vub_vq_put_eventfds(struct vub_vq *vq)
{
	vub_evslot_set(&vq->call, NULL);
	vub_evslot_set(&vq->err, NULL);
	cancel_work_sync(&vq->call_work);
	vub_vq_put_kick(vq);
}

/**
 * vub_vqs_unpoll_all() - stop forwarding kicks of every queue
 * @v: device, lock held
 */
void vub_vqs_unpoll_all(struct vub_dev *v)
{
	u32 i;

	for (i = 0; i < v->nvqs; i++)
		vub_vq_unpoll(&v->vqs[i]);
}

/**
 * vub_vqs_detach_all() - disconnect every queue from its eventfds
 * @v: device, lock held, device present and reset
 *
 * Like VUB_STOP_QUEUE, this waits for no grace period: nothing signals the
 * eventfds once they are put. The reset before quiesces the callbacks on
 * the parents at hand (vdpa_sim takes its worker's mutex, vp_vdpa frees its
 * interrupts); on any other, a late callback finds empty slots (or a
 * restarted queue's new eventfd: one spurious notification), and the
 * session's close (vub_config_close()) waits for it before the device can
 * go away.
 */
void vub_vqs_detach_all(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_callback cb = {};
	u32 i;

	vub_vqs_unpoll_all(v);
	for (i = 0; i < v->nvqs; i++) {
		if (v->vqs[i].cb_on)
			ops->set_vq_cb(v->vdpa, i, &cb);
		v->vqs[i].cb_on = false;
		vub_vq_put_eventfds(&v->vqs[i]);
		v->vqs[i].started = false;
		v->vqs[i].enabled = false;
	}
}

/**
 * vub_vqs_cancel_work() - cancel every queue's call work for good
 * @v: device, lock held; no queue's callback is installed and a grace
 *	period passed since they were cleared, so none can queue it again
 */
void vub_vqs_cancel_work(struct vub_dev *v)
{
	u32 i;

	for (i = 0; i < v->nvqs; i++)
		cancel_work_sync(&v->vqs[i].call_work);
}

/**
 * vub_vqs_kick_running() - kick every started, enabled queue once, for
 *	kicks a device may have dropped (before DRIVER_OK, while suspended)
 * @v: device, lock held
 */
void vub_vqs_kick_running(struct vub_dev *v)
{
	u32 i;

	for (i = 0; i < v->nvqs; i++)
		if (v->vqs[i].started && v->vqs[i].enabled)
			vub_ops(v)->kick_vq(v->vdpa, i);
}

/**
 * vub_vqs_rings_covered() - would every started queue's rings stay mapped?
 * @v: device, lock held
 * @regions: candidate memory table
 *
 * Return: true if @regions cover all rings of all started queues.
 */
bool vub_vqs_rings_covered(struct vub_dev *v, struct list_head *regions)
{
	struct vub_ring_area a[3];
	u32 i, j;

	for (i = 0; i < v->nvqs; i++) {
		if (!v->vqs[i].started)
			continue;
		vub_vq_areas(&v->vqs[i], a);
		for (j = 0; j < 3; j++)
			if (!vub_mem_covers(regions, a[j].addr, a[j].len,
					    a[j].perm))
				return false;
	}
	return true;
}

/**
 * vub_vqs_rings_touch() - does a started queue have a ring in a range?
 * @v: device, lock held
 * @iova: start of the range
 * @size: its length, non-zero
 *
 * Return: true if some ring area of a started queue intersects the range.
 */
bool vub_vqs_rings_touch(struct vub_dev *v, u64 iova, u64 size)
{
	struct vub_ring_area a[3];
	u32 i, j;

	for (i = 0; i < v->nvqs; i++) {
		if (!v->vqs[i].started)
			continue;
		vub_vq_areas(&v->vqs[i], a);
		for (j = 0; j < 3; j++)
			if (a[j].addr - iova < size || iova - a[j].addr < a[j].len)
				return true;
	}
	return false;
}

/**
 * vub_vqs_signal_err() - signal the error eventfd of every queue
 * @v: device; any context that may signal an eventfd
 */
void vub_vqs_signal_err(struct vub_dev *v)
{
	u32 i;

	for (i = 0; i < v->nvqs; i++)
		vub_evslot_signal(&v->vqs[i].err);
}

static bool vub_packed_negotiated(struct vub_dev *v)
{
	return vub_ops(v)->get_driver_features(v->vdpa) &
	       BIT_ULL(VIRTIO_F_RING_PACKED);
}

/* Ring position from userspace into the device's form. */
static int vub_state_from_user(bool packed, u16 avail_idx, u16 avail_wrap,
			       u16 used_idx, u16 used_wrap,
			       struct vdpa_vq_state *st)
{
	memset(st, 0, sizeof(*st));
	if (!packed) {
		if (avail_wrap || used_idx || used_wrap)
			return -EINVAL;
		st->split.avail_index = avail_idx;
		return 0;
	}
	if (avail_idx > VUB_PACKED_IDX_MAX || used_idx > VUB_PACKED_IDX_MAX ||
	    avail_wrap > 1 || used_wrap > 1)
		return -EINVAL;
	st->packed.last_avail_idx = avail_idx;
	st->packed.last_avail_counter = avail_wrap;
	st->packed.last_used_idx = used_idx;
	st->packed.last_used_counter = used_wrap;
	return 0;
}

/*
 * Fill @qs from scratch: only @qs->index is kept from the caller, so no
 * input field is ever echoed back as if the device had reported it.
 */
static void vub_state_to_user(bool packed, const struct vdpa_vq_state *st,
			      struct vub_queue_state *qs)
{
	u32 index = qs->index;

	memset(qs, 0, sizeof(*qs));
	qs->index = index;
	if (!packed) {
		qs->avail_idx = st->split.avail_index;
		return;
	}
	qs->flags |= VUB_QUEUE_F_PACKED;
	qs->avail_idx = st->packed.last_avail_idx;
	qs->avail_wrap = st->packed.last_avail_counter;
	qs->used_idx = st->packed.last_used_idx;
	qs->used_wrap = st->packed.last_used_counter;
}

/*
 * Take the eventfds named by @qs. The kick eventfd goes into @vq (nothing
 * polls it yet); the call and error eventfds into @call and @err, to be
 * published once the queue is programmed. On error nothing is held.
 */
static int vub_vq_get_fds(struct vub_vq *vq, const struct vub_queue_start *qs,
			  struct eventfd_ctx **call, struct eventfd_ctx **err)
{
	struct eventfd_ctx *ctx;
	int ret;

	*call = NULL;
	*err = NULL;
	vq->kick_file = fget(qs->kick_fd);
	if (!vq->kick_file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(vq->kick_file);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto err;
	}
	vq->kick_ctx = ctx;

	if (!(qs->flags & VUB_QUEUE_F_NO_CALL)) {
		ctx = eventfd_ctx_fdget(qs->call_fd);
		if (IS_ERR(ctx)) {
			ret = PTR_ERR(ctx);
			goto err;
		}
		*call = ctx;
	}

	if (qs->err_fd != -1) {
		ctx = eventfd_ctx_fdget(qs->err_fd);
		if (IS_ERR(ctx)) {
			ret = PTR_ERR(ctx);
			goto err;
		}
		*err = ctx;
	}
	return 0;

err:
	if (*call)
		eventfd_ctx_put(*call);
	*call = NULL;
	vub_vq_put_kick(vq);
	return ret;
}

static int vub_start_check(struct vub_dev *v, const struct vub_queue_start *qs,
			   bool packed)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vub_ring_area a[3];
	u32 max, min;
	int i;

	if (!!(qs->flags & VUB_QUEUE_F_PACKED) != packed)
		return -EINVAL;

	max = ops->get_vq_num_max(v->vdpa);
	min = ops->get_vq_num_min ? ops->get_vq_num_min(v->vdpa) : 1;
	if (!qs->size || !is_power_of_2(qs->size) || qs->size > max ||
	    qs->size < min)
		return -EINVAL;

	vub_ring_areas(packed, qs->size, qs->desc_addr, qs->driver_addr,
		       qs->device_addr, a);
	for (i = 0; i < 3; i++) {
		if (a[i].addr & (a[i].align - 1))
			return -EINVAL;
		if (!vub_mem_covers(&v->regions, a[i].addr, a[i].len,
				    a[i].perm))
			return -EINVAL;
	}
	return 0;
}

long vub_ioctl_start_queue(struct vub_dev *v, void __user *argp)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct eventfd_ctx *call, *err;
	struct vdpa_callback cb = {};
	struct vub_queue_start qs;
	struct vdpa_vq_state st;
	struct vub_vq *vq;
	bool packed;
	u8 status;
	long ret;
	u16 idx;

	ret = -EFAULT;
	if (copy_from_user(&qs, argp, sizeof(qs)))
		return ret;
	ret = -EINVAL;
	if ((qs.flags & ~VUB_QUEUE_START_FLAGS) || qs.reserved[0] ||
	    qs.reserved[1])
		return ret;
	if (qs.index >= v->nvqs)
		return ret;
	idx = array_index_nospec(qs.index, v->nvqs);
	vq = &v->vqs[idx];

	status = vub_status(v);
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK))
		return ret;
	ret = -EBUSY;
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !vub_enable_after_driver_ok(v))
		return ret;
	if (vq->started)
		return ret;

	packed = vub_packed_negotiated(v);
	ret = vub_start_check(v, &qs, packed);
	if (ret)
		return ret;
	ret = vub_state_from_user(packed, qs.avail_idx, qs.avail_wrap,
				  qs.used_idx, qs.used_wrap, &st);
	if (ret)
		return ret;

	ret = vub_vq_get_fds(vq, &qs, &call, &err);
	if (ret)
		return ret;

	ops->set_vq_num(v->vdpa, idx, qs.size);
	ret = ops->set_vq_address(v->vdpa, idx, qs.desc_addr, qs.driver_addr,
				  qs.device_addr);
	if (ret)
		goto err_fds;
	ret = ops->set_vq_state(v->vdpa, idx, &st);
	if (ret)
		goto err_fds;

	/* The slots own them from here on (both were empty). */
	vub_evslot_set(&vq->call, call);
	vub_evslot_set(&vq->err, err);
	call = NULL;
	err = NULL;

	vq->packed = packed;
	vq->size = qs.size;
	vq->desc_addr = qs.desc_addr;
	vq->driver_addr = qs.driver_addr;
	vq->device_addr = qs.device_addr;
	vq->start_avail_idx = qs.avail_idx;
	vq->start_avail_wrap = qs.avail_wrap;
	vq->start_used_idx = qs.used_idx;
	vq->start_used_wrap = qs.used_wrap;
	atomic64_set(&vq->kicks, 0);
	atomic64_set(&vq->interrupts, 0);

	if (vub_evslot_armed(&vq->call)) {
		cb.callback = vub_vq_cb;
		cb.private = vq;
		vq->cb_on = true;
	}
	ops->set_vq_cb(v->vdpa, idx, &cb);
	vq->started = true;

	if (!(qs.flags & VUB_QUEUE_F_DISABLED)) {
		ops->set_vq_ready(v->vdpa, idx, true);
		if (ops->get_vq_ready && !ops->get_vq_ready(v->vdpa, idx)) {
			ret = -EIO;
			goto err_cb;
		}
		vq->enabled = true;
	}

	/* Ready first: a kick that is already pending must not be lost. */
	vub_vq_poll(vq);
	return 0;

err_cb:
	memset(&cb, 0, sizeof(cb));
	ops->set_vq_cb(v->vdpa, idx, &cb);
	vq->cb_on = false;
	ops->set_vq_ready(v->vdpa, idx, false);
	vq->started = false;
err_fds:
	if (call)
		eventfd_ctx_put(call);
	if (err)
		eventfd_ctx_put(err);
	vub_vq_put_eventfds(vq);
	return ret;
}

/*
 * Make the device stop processing @vq and read its ring position. A device
 * that can suspend and resume is paused around the read, so the position is
 * exact; other queues are resumed and kicked afterwards. Without both, the
 * queue is made not-ready first and the position read after that.
 */
static int vub_vq_halt(struct vub_dev *v, struct vub_vq *vq,
		       struct vdpa_vq_state *st)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	bool running = (vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK) &&
		       !v->suspended;
	int ret;

	memset(st, 0, sizeof(*st));
	if (running && ops->suspend && ops->resume &&
	    !ops->suspend(v->vdpa)) {
		ret = ops->get_vq_state(v->vdpa, vq->index, st);
		ops->set_vq_ready(v->vdpa, vq->index, false);
		vq->enabled = false;
		if (ops->resume(v->vdpa))
			dev_warn(&v->dev, "resume after stopping queue %u failed\n",
				 vq->index);
		vub_vqs_kick_running(v);
		return ret;
	}

	ops->set_vq_ready(v->vdpa, vq->index, false);
	vq->enabled = false;
	return ops->get_vq_state(v->vdpa, vq->index, st);
}

static int vub_queue_state_copy_in(struct vub_dev *v, void __user *argp,
				   struct vub_queue_state *qs, u16 *idx)
{
	if (copy_from_user(qs, argp, sizeof(*qs)))
		return -EFAULT;
	if (qs->flags || qs->reserved)
		return -EINVAL;
	if (qs->index >= v->nvqs)
		return -EINVAL;
	*idx = array_index_nospec(qs->index, v->nvqs);
	return 0;
}

long vub_ioctl_stop_queue(struct vub_dev *v, void __user *argp)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_callback cb = {};
	struct vub_queue_state qs;
	struct vdpa_vq_state st;
	struct vub_vq *vq;
	long ret;
	u16 idx;

	ret = vub_queue_state_copy_in(v, argp, &qs, &idx);
	if (ret)
		return ret;
	vq = &v->vqs[idx];
	ret = -EINVAL;
	if (!vq->started)
		return ret;

	vub_vq_unpoll(vq);
	ret = vub_vq_halt(v, vq, &st);
	ops->set_vq_cb(v->vdpa, idx, &cb);
	vq->cb_on = false;
	/* Nothing signals the call and error eventfds once this returned. */
	vub_vq_put_eventfds(vq);
	vq->started = false;

	if (ret) {
		/* Stopped, but the device cannot tell where it was: zeros. */
		memset(&qs, 0, sizeof(qs));
		qs.index = idx;
		qs.flags = VUB_QUEUE_F_NO_STATE;
		if (vq->packed)
			qs.flags |= VUB_QUEUE_F_PACKED;
	} else {
		vub_state_to_user(vq->packed, &st, &qs);
	}
	if (copy_to_user(argp, &qs, sizeof(qs)))
		return -EFAULT;
	return 0;
}

long vub_ioctl_get_queue_state(struct vub_dev *v, void __user *argp)
{
	struct vub_queue_state qs;
	struct vdpa_vq_state st;
	struct vub_vq *vq;
	long ret;
	u16 idx;

	ret = vub_queue_state_copy_in(v, argp, &qs, &idx);
	if (ret)
		return ret;
	vq = &v->vqs[idx];

	ret = -EBUSY;
	if (vq->started && vq->enabled && !v->suspended &&
	    (vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK))
		return ret;

	memset(&st, 0, sizeof(st));
	ret = vub_ops(v)->get_vq_state(v->vdpa, idx, &st);
	if (ret)
		return ret;
	vub_state_to_user(vub_packed_negotiated(v), &st, &qs);
	if (copy_to_user(argp, &qs, sizeof(qs)))
		return -EFAULT;
	return 0;
}

long vub_ioctl_set_queue_state(struct vub_dev *v, void __user *argp)
{
	struct vub_queue_state qs;
	struct vdpa_vq_state st;
	long ret;
	u16 idx;

	ret = vub_queue_state_copy_in(v, argp, &qs, &idx);
	if (ret)
		return ret;
	ret = vub_state_from_user(vub_packed_negotiated(v), qs.avail_idx,
				  qs.avail_wrap, qs.used_idx, qs.used_wrap,
				  &st);
	if (ret)
		return ret;
	ret = -EBUSY;
	if (!v->suspended && (vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK))
		return ret;

	return vub_ops(v)->set_vq_state(v->vdpa, idx, &st);
}

long vub_ioctl_enable_queue(struct vub_dev *v, void __user *argp)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vub_queue_enable qe;
	struct vub_vq *vq;
	long ret;
	u16 idx;

	ret = -EFAULT;
	if (copy_from_user(&qe, argp, sizeof(qe)))
		return ret;
	ret = -EINVAL;
	if (qe.enable > 1 || qe.index >= v->nvqs)
		return ret;
	idx = array_index_nospec(qe.index, v->nvqs);
	vq = &v->vqs[idx];
	if (!vq->started)
		return ret;

	ret = -EBUSY;
	if (qe.enable && (vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !vub_enable_after_driver_ok(v))
		return ret;

	if (qe.enable == vq->enabled)
		return 0;

	ops->set_vq_ready(v->vdpa, idx, qe.enable);
	if (qe.enable && ops->get_vq_ready && !ops->get_vq_ready(v->vdpa, idx))
		return -EIO;
	vq->enabled = qe.enable;
	/* Buffers made available while disabled were never announced. */
	if (qe.enable)
		ops->kick_vq(v->vdpa, idx);
	return 0;
}

/*
 * Copy in a struct vub_queue_fd naming a started queue and take the
 * eventfd it names (NULL for -1). Return: 0 or -errno, nothing held.
 */
static int vub_queue_fd_copy_in(struct vub_dev *v, void __user *argp,
				struct vub_vq **vqp, struct eventfd_ctx **newp)
{
	struct vub_queue_fd qf;
	struct eventfd_ctx *ctx = NULL;
	struct vub_vq *vq;

	if (copy_from_user(&qf, argp, sizeof(qf)))
		return -EFAULT;
	if (qf.index >= v->nvqs)
		return -EINVAL;
	vq = &v->vqs[array_index_nospec(qf.index, v->nvqs)];
	if (!vq->started)
		return -EINVAL;
	if (qf.fd != -1) {
		ctx = eventfd_ctx_fdget(qf.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	*vqp = vq;
	*newp = ctx;
	return 0;
}

long vub_ioctl_set_queue_call(struct vub_dev *v, void __user *argp)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct eventfd_ctx *ctx;
	struct vub_vq *vq;
	long ret;

	ret = vub_queue_fd_copy_in(v, argp, &vq, &ctx);
	if (ret)
		return ret;

	/* Nothing signals the old eventfd once this returned (evslot.c). */
	vub_evslot_set(&vq->call, ctx);
	/*
	 * A queue started without a call eventfd gets our callback now. It
	 * stays installed when the eventfd is removed again: the callback then
	 * only counts, and the device is never left with a half-written
	 * callback while it runs.
	 */
	if (ctx && !vq->cb_on) {
		struct vdpa_callback cb = {
			.callback = vub_vq_cb,
			.private = vq,
		};

		ops->set_vq_cb(v->vdpa, vq->index, &cb);
		vq->cb_on = true;
	}
	/*
	 * A notification the old eventfd took while the caller was switching
	 * may never be seen: announce one on the new eventfd. A spurious
	 * notification is harmless; a lost one stalls the driver. The slot
	 * keeps @ctx alive: only a writer under our lock could replace it.
	 */
	if (ctx && vq->enabled)
		eventfd_signal(ctx);
	return 0;
}

long vub_ioctl_set_queue_err(struct vub_dev *v, void __user *argp)
{
	struct eventfd_ctx *ctx;
	struct vub_vq *vq;
	long ret;

	ret = vub_queue_fd_copy_in(v, argp, &vq, &ctx);
	if (ret)
		return ret;

	/* Nothing signals the old eventfd once this returned (evslot.c). */
	vub_evslot_set(&vq->err, ctx);
	return 0;
}

/*
 * A started queue's set-up, for a successor that inherited the file. The
 * flags describe the queue now: NO_CALL when it has no call eventfd (also
 * after VUB_SET_QUEUE_CALL -1), DISABLED when it is not enabled.
 */
long vub_ioctl_get_queue_config(struct vub_dev *v, void __user *argp)
{
	static const struct vub_queue_start zero = {};
	struct vub_queue_start qs;
	struct vub_vq *vq;
	u32 index;

	if (copy_from_user(&qs, argp, sizeof(qs)))
		return -EFAULT;
	index = qs.index;
	qs.index = 0;
	if (memcmp(&qs, &zero, sizeof(qs)))
		return -EINVAL;
	if (index >= v->nvqs)
		return -EINVAL;
	vq = &v->vqs[array_index_nospec(index, v->nvqs)];
	if (!vq->started)
		return -EINVAL;

	qs.index = index;
	qs.size = vq->size;
	if (vq->packed)
		qs.flags |= VUB_QUEUE_F_PACKED;
	if (!vub_evslot_armed(&vq->call))
		qs.flags |= VUB_QUEUE_F_NO_CALL;
	if (!vq->enabled)
		qs.flags |= VUB_QUEUE_F_DISABLED;
	qs.kick_fd = -1;
	qs.call_fd = -1;
	qs.err_fd = -1;
	qs.desc_addr = vq->desc_addr;
	qs.driver_addr = vq->driver_addr;
	qs.device_addr = vq->device_addr;
	qs.avail_idx = vq->start_avail_idx;
	qs.avail_wrap = vq->start_avail_wrap;
	qs.used_idx = vq->start_used_idx;
	qs.used_wrap = vq->start_used_wrap;

	if (copy_to_user(argp, &qs, sizeof(qs)))
		return -EFAULT;
	return 0;
}
