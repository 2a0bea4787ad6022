// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: config space access and config-change events.
 *
 * A config change reaches the config eventfd two ways: the device's config
 * callback (devices with a config interrupt), and, for devices that change
 * their config without one (vdpa_sim does: `vdpa dev set ... mac`), a
 * periodic comparison of the config space once FEATURES_OK is set
 * (module parameter config_poll_ms). A change seen both ways may be
 * signalled twice; eventfd counts merge them for a reader that is behind.
 *
 * One session must not configure the next. VUB_WRITE_CONFIG only writes the
 * one field of the config space a driver may write (virtio 1.2: a
 * virtio-blk driver the writeback byte with VIRTIO_BLK_F_CONFIG_WCE; a
 * virtio-net driver only the legacy MAC, while VERSION_1 is not
 * negotiated; nothing for other device types). That field's value at bind
 * time - what the operator provisioned - is kept and written back by every
 * reset after a session wrote it, including the one of the last close.
 */

#include <linux/eventfd.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#include "vub.h"

/*
 * Largest config prefix the poller compares. Device-specific config is small
 * (virtio-net 40 bytes, virtio-blk 60); vp_vdpa reports its whole BAR window
 * (4 KiB), read byte by byte.
 */
#define VUB_CFGPOLL_MAX	256

/* The driver-writable config field of each device type that has one. */
static const struct vub_cfg_field vub_cfg_fields[] = {
	{
		.device_id = VIRTIO_ID_NET,
		.offset = offsetof(struct virtio_net_config, mac),
		.len = sizeof_field(struct virtio_net_config, mac),
		.feature = -1,
		.legacy_only = true,
	},
	{
		.device_id = VIRTIO_ID_BLOCK,
		.offset = offsetof(struct virtio_blk_config, wce),
		.len = sizeof_field(struct virtio_blk_config, wce),
		.feature = VIRTIO_BLK_F_CONFIG_WCE,
	},
};

static void vub_signal_config(struct vub_dev *v)
{
	vub_evslot_signal(&v->config_ev);
}

static void vub_check_needs_reset(struct vub_dev *v)
{
	if (!(vub_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	if (!atomic_xchg(&v->needs_reset, 1)) {
		vub_vqs_signal_err(v);
		vub_event(v, VUB_EVENT_ERROR);
	}
}

/*
 * Runs after a config interrupt, in process context: eventfd_signal() is
 * always allowed here, and ->get_status() may sleep on some parents.
 * Cancelled by vub_config_close() before the device can go away.
 */
static void vub_status_work_fn(struct work_struct *work)
{
	struct vub_dev *v = container_of(work, struct vub_dev, status_work);

	vub_signal_config(v);
	vub_event(v, VUB_EVENT_CONFIG_CHANGED);
	vub_check_needs_reset(v);
}

static irqreturn_t vub_config_cb(void *private)
{
	struct vub_dev *v = private;

	/* The RCU section lets vub_config_close() wait for us. */
	rcu_read_lock();
	schedule_work(&v->status_work);
	rcu_read_unlock();
	return IRQ_HANDLED;
}

/* Read the compared prefix of the config space and its generation. */
static void vub_config_snapshot(struct vub_dev *v, u8 *buf, u32 *gen)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_device *vdpa = v->vdpa;

	/*
	 * Called only once FEATURES_OK is set, so the ops are used directly:
	 * vdpa_get_config() would first force legacy features on a device
	 * whose features were never written.
	 */
	down_read(&vdpa->cf_lock);
	*gen = ops->get_generation ? ops->get_generation(vdpa) : 0;
	ops->get_config(vdpa, 0, buf, v->cfg_size);
	up_read(&vdpa->cf_lock);
}

/* The snapshot buffer is ours alone while the work is armed. */
static void vub_cfgpoll_fn(struct work_struct *work)
{
	struct vub_dev *v = container_of(to_delayed_work(work), struct vub_dev,
					 cfgpoll_work);
	u8 *now = v->cfg_snap + v->cfg_size;
	u32 gen;

	vub_config_snapshot(v, now, &gen);
	if (gen != v->cfg_gen || memcmp(now, v->cfg_snap, v->cfg_size)) {
		memcpy(v->cfg_snap, now, v->cfg_size);
		v->cfg_gen = gen;
		vub_signal_config(v);
		vub_event(v, VUB_EVENT_CONFIG_CHANGED);
	}
	vub_check_needs_reset(v);

	schedule_delayed_work(&v->cfgpoll_work,
			      msecs_to_jiffies(vub_config_poll_ms));
}

/**
 * vub_cfgpoll_start() - start comparing the config space periodically
 * @v: device, lock held, not dead, FEATURES_OK set
 */
void vub_cfgpoll_start(struct vub_dev *v)
{
	if (!vub_config_poll_ms || v->cfgpoll_on || !v->cfg_snap)
		return;

	vub_config_snapshot(v, v->cfg_snap, &v->cfg_gen);
	v->cfgpoll_on = true;
	schedule_delayed_work(&v->cfgpoll_work,
			      msecs_to_jiffies(vub_config_poll_ms));
}

/**
 * vub_cfgpoll_stop() - stop the periodic comparison and wait for it
 * @v: device, lock held
 */
void vub_cfgpoll_stop(struct vub_dev *v)
{
	if (!v->cfgpoll_on)
		return;
	cancel_delayed_work_sync(&v->cfgpoll_work);
	v->cfgpoll_on = false;
}

/**
 * vub_config_set_cb() - install or clear our config callback in the device
 * @v: device, lock held, device present
 * @on: install (true) or clear (false)
 */
void vub_config_set_cb(struct vub_dev *v, bool on)
{
	struct vdpa_callback cb = {};

	if (on) {
		cb.callback = vub_config_cb;
		cb.private = v;
	}
	vub_ops(v)->set_config_cb(v->vdpa, &cb);
}

/**
 * vub_config_init() - initialize the config state of a new device and keep
 *	the provisioned value of its driver-writable config field
 * @v: device being probed
 */
void vub_config_init(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_device *vdpa = v->vdpa;
	u32 id = ops->get_device_id(vdpa);
	size_t i;

	INIT_WORK(&v->status_work, vub_status_work_fn);
	vub_evslot_init(&v->config_ev);
	INIT_DELAYED_WORK(&v->cfgpoll_work, vub_cfgpoll_fn);
	atomic_set(&v->needs_reset, 0);

	for (i = 0; i < ARRAY_SIZE(vub_cfg_fields); i++) {
		const struct vub_cfg_field *f = &vub_cfg_fields[i];

		if (f->device_id != id ||
		    f->offset + f->len > ops->get_config_size(vdpa))
			continue;
		BUILD_BUG_ON(sizeof(v->cfg_prov) < 6);
		/* The ops directly: vdpa_get_config() would set features. */
		down_read(&vdpa->cf_lock);
		ops->get_config(vdpa, f->offset, v->cfg_prov, f->len);
		up_read(&vdpa->cf_lock);
		v->cfg_field = f;
		break;
	}
}

/**
 * vub_config_restore() - write back the provisioned value of the
 *	driver-writable field if the session wrote it
 * @v: device, lock held, device present and reset
 */
void vub_config_restore(struct vub_dev *v)
{
	const struct vub_cfg_field *f = v->cfg_field;

	if (!v->cfg_dirty || !f)
		return;
	vdpa_set_config(v->vdpa, f->offset, v->cfg_prov, f->len);
	v->cfg_dirty = false;
}

/*
 * May a driver write [offset, offset + len) now? Only inside the device's
 * writable field, with the features that make it writable negotiated.
 */
static bool vub_config_writable(struct vub_dev *v, u32 offset, u32 len)
{
	const struct vub_cfg_field *f = v->cfg_field;
	u64 features;

	if (!f || offset < f->offset || offset + len > f->offset + f->len)
		return false;
	features = vub_ops(v)->get_driver_features(v->vdpa);
	if (f->legacy_only && (features & BIT_ULL(VIRTIO_F_VERSION_1)))
		return false;
	if (f->feature >= 0 && !(features & BIT_ULL(f->feature)))
		return false;
	return true;
}

/**
 * vub_config_open() - set up config events for a new owner
 * @v: device, lock held, not dead
 *
 * Return: 0 or -ENOMEM.
 */
int vub_config_open(struct vub_dev *v)
{
	size_t size = vub_ops(v)->get_config_size(v->vdpa);

	v->cfg_size = min_t(size_t, size, VUB_CFGPOLL_MAX);
	if (v->cfg_size) {
		/* The snapshot, then scratch space for the next read. */
		v->cfg_snap = kvzalloc(2 * v->cfg_size, GFP_KERNEL);
		if (!v->cfg_snap)
			return -ENOMEM;
	}
	atomic_set(&v->needs_reset, 0);
	vub_config_set_cb(v, true);
	return 0;
}

/**
 * vub_config_put_eventfd() - forget the config eventfd
 * @v: device, lock held
 */
void vub_config_put_eventfd(struct vub_dev *v)
{
	vub_evslot_set(&v->config_ev, NULL);
}

/**
 * vub_config_close() - tear down config events; no callback or work runs
 *	after this returns, the queues' included
 * @v: device, lock held, device present and reset (vub_device_reset())
 */
void vub_config_close(struct vub_dev *v)
{
	vub_cfgpoll_stop(v);
	vub_config_set_cb(v, false);
	/*
	 * The config callback and the queues' callbacks (cleared by the reset
	 * before) still in flight are done after this: none queues work again.
	 */
	synchronize_rcu();
	cancel_work_sync(&v->status_work);
	vub_vqs_cancel_work(v);
	vub_config_put_eventfd(v);
	kvfree(v->cfg_snap);
	v->cfg_snap = NULL;
	v->cfg_size = 0;
}

/* Copy in a config access and check it against the config space size. */
static int vub_config_copy_in(struct vub_dev *v, void __user *argp,
			      struct vub_config_access *ca)
{
	size_t size = vub_ops(v)->get_config_size(v->vdpa);

	if (copy_from_user(ca, argp, sizeof(*ca)))
		return -EFAULT;
	if (ca->reserved)
		return -EINVAL;
	if (!ca->length || ca->offset > size || ca->length > size - ca->offset)
		return -EINVAL;
	return 0;
}

long vub_ioctl_read_config(struct vub_dev *v, void __user *argp)
{
	struct vub_config_access ca;
	long ret;
	u8 *buf;

	ret = vub_config_copy_in(v, argp, &ca);
	if (ret)
		return ret;

	buf = kvzalloc(ca.length, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	vdpa_get_config(v->vdpa, ca.offset, buf, ca.length);

	ret = 0;
	if (copy_to_user(u64_to_user_ptr(ca.data), buf, ca.length))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

long vub_ioctl_write_config(struct vub_dev *v, void __user *argp)
{
	struct vub_config_access ca;
	bool polling = v->cfgpoll_on;
	long ret;
	u8 *buf;

	ret = vub_config_copy_in(v, argp, &ca);
	if (ret)
		return ret;
	ret = -EOPNOTSUPP;
	if (!vub_ops(v)->set_config)
		return ret;
	ret = -EPERM;
	if (!vub_config_writable(v, ca.offset, ca.length))
		return ret;

	buf = vmemdup_user(u64_to_user_ptr(ca.data), ca.length);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	/* Our own write is no config change event: re-take the snapshot. */
	vub_cfgpoll_stop(v);
	v->cfg_dirty = true;
	vdpa_set_config(v->vdpa, ca.offset, buf, ca.length);
	if (polling)
		vub_cfgpoll_start(v);

	kvfree(buf);
	return 0;
}

long vub_ioctl_set_config_eventfd(struct vub_dev *v, s32 __user *argp)
{
	struct eventfd_ctx *ctx = NULL;
	s32 fd;

	if (get_user(fd, argp))
		return -EFAULT;

	if (fd != -1) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}

	/* Nothing signals the old eventfd once this returned (evslot.c). */
	vub_evslot_set(&v->config_ev, ctx);
	return 0;
}
