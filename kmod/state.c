// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: device status, feature negotiation, suspend/resume and reset.
 */

#include <linux/bits.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <uapi/linux/vhost_types.h>
#include <uapi/linux/virtio_config.h>

#include "vub.h"

/* Status bits a driver may write; NEEDS_RESET belongs to the device. */
#define VUB_STATUS_WRITABLE (VIRTIO_CONFIG_S_ACKNOWLEDGE |		\
			     VIRTIO_CONFIG_S_DRIVER |			\
			     VIRTIO_CONFIG_S_FEATURES_OK |		\
			     VIRTIO_CONFIG_S_DRIVER_OK |		\
			     VIRTIO_CONFIG_S_FAILED)

/**
 * vub_status() - the device's virtio status byte
 * @v: device, lock held, not dead
 *
 * Return: the status.
 */
u8 vub_status(struct vub_dev *v)
{
	return vub_ops(v)->get_status(v->vdpa);
}

/**
 * vub_enable_after_driver_ok() - may queues be started after DRIVER_OK?
 * @v: device, not dead
 *
 * Return: true if the parent offers VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK.
 */
bool vub_enable_after_driver_ok(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);

	return ops->get_backend_features &&
	       (ops->get_backend_features(v->vdpa) &
		BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK));
}

/**
 * vub_device_reset() - reset the device and disconnect every queue
 * @v: device, lock held, device present
 * @drop_all: also drop the config eventfd and every memory region
 *
 * Doorbell handles are revoked and doorbell mappings zapped first. Kick
 * polling stops before the reset; callbacks are cleared and waited for
 * after it, so no eventfd is used once this returns. Pinned memory stays
 * mapped unless @drop_all.
 *
 * Return: 0, or the device's error from the reset (the software state is
 * reset regardless).
 */
int vub_device_reset(struct vub_dev *v, bool drop_all)
{
	int ret;

	/*
	 * Doorbells of this session are no longer the caller's: handles are
	 * revoked, and the device file's own mappings are checked again on
	 * their next touch.
	 */
	vub_bells_revoke(v);
	vub_doorbell_zap(v);
	vub_cfgpoll_stop(v);
	vub_vqs_unpoll_all(v);
	ret = vdpa_reset(v->vdpa, 0);
	if (ret)
		dev_warn(&v->dev, "device reset failed: %d\n", ret);
	vub_vqs_detach_all(v);
	/* Some parents forget the config callback on reset. */
	vub_config_set_cb(v, true);
	/* What one session wrote is not the next one's config. */
	vub_config_restore(v);

	v->features_set = false;
	v->suspended = false;
	atomic_set(&v->needs_reset, 0);

	if (drop_all) {
		vub_config_put_eventfd(v);
		vub_mem_release_all(v);
	} else {
		int err = vub_mem_remap(v);

		if (err && !ret)
			ret = err;
	}
	return ret;
}

long vub_ioctl_get_features(struct vub_dev *v, u64 __user *argp)
{
	u64 features = vub_ops(v)->get_device_features(v->vdpa);

	if (put_user(features, argp))
		return -EFAULT;
	return 0;
}

long vub_ioctl_set_features(struct vub_dev *v, u64 __user *argp)
{
	u64 features, offered;
	long ret;

	ret = -EFAULT;
	if (get_user(features, argp))
		return ret;

	ret = -EBUSY;
	if (vub_status(v) & VIRTIO_CONFIG_S_FEATURES_OK)
		return ret;

	ret = -EINVAL;
	offered = vub_ops(v)->get_device_features(v->vdpa);
	if (features & ~offered)
		return ret;
	if (vdpa_set_features(v->vdpa, features))
		return ret;

	v->features_set = true;
	return 0;
}

long vub_ioctl_get_status(struct vub_dev *v, u8 __user *argp)
{
	u8 status = vub_status(v);

	if (put_user(status, argp))
		return -EFAULT;
	return 0;
}

/*
 * Spec order (virtio 1.2, 3.1.1): ACKNOWLEDGE, DRIVER, FEATURES_OK after the
 * features were written and re-read, DRIVER_OK. Bits are only ever added;
 * writing 0 resets. A bit may arrive in the same write as its predecessor,
 * except DRIVER_OK: FEATURES_OK must have been accepted (read back) first.
 */
static int vub_status_check(struct vub_dev *v, u8 old, u8 status)
{
	if (status & ~VUB_STATUS_WRITABLE)
		return -EINVAL;
	if ((old & VUB_STATUS_WRITABLE) & ~status)
		return -EINVAL;
	if ((status & VIRTIO_CONFIG_S_DRIVER) &&
	    !(status & VIRTIO_CONFIG_S_ACKNOWLEDGE))
		return -EINVAL;
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(status & VIRTIO_CONFIG_S_DRIVER))
		return -EINVAL;
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK) && !v->features_set)
		return -EINVAL;
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EINVAL;
	return 0;
}

long vub_ioctl_set_status(struct vub_dev *v, u8 __user *argp)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	u8 status, old, added;
	long ret;

	ret = -EFAULT;
	if (get_user(status, argp))
		return ret;

	if (!status) {
		ret = vub_device_reset(v, false);
		vub_event(v, VUB_EVENT_RESET);
		return ret;
	}

	old = vub_status(v);
	ret = vub_status_check(v, old, status);
	if (ret)
		return ret;

	added = status & ~old;
	if (!added)
		return 0;

	vdpa_set_status(v->vdpa, status);

	if (added & VIRTIO_CONFIG_S_FEATURES_OK) {
		if (!(vub_status(v) & VIRTIO_CONFIG_S_FEATURES_OK))
			return -EIO;
		vub_cfgpoll_start(v);
	}

	if (added & VIRTIO_CONFIG_S_DRIVER_OK) {
		if (!(vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK))
			return -EIO;
		/*
		 * A device suspended before DRIVER_OK stays suspended;
		 * otherwise, kicks that came before DRIVER_OK may have been
		 * dropped by the device: repeat them.
		 */
		if (v->suspended && ops->suspend) {
			ret = ops->suspend(v->vdpa);
			if (ret)
				return ret;
		} else {
			vub_vqs_kick_running(v);
		}
	}
	return 0;
}

long vub_ioctl_suspend(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	long ret;

	ret = -EOPNOTSUPP;
	if (!ops->suspend)
		return ret;
	if (v->suspended)
		return 0;

	/* Before DRIVER_OK nothing runs; DRIVER_OK honours the flag. */
	if (vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK) {
		ret = ops->suspend(v->vdpa);
		if (ret)
			return ret;
	}
	v->suspended = true;
	return 0;
}

long vub_ioctl_resume(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	long ret;

	ret = -EOPNOTSUPP;
	if (!ops->resume)
		return ret;
	ret = -EINVAL;
	if (!v->suspended)
		return ret;

	if (vub_status(v) & VIRTIO_CONFIG_S_DRIVER_OK) {
		ret = ops->resume(v->vdpa);
		if (ret)
			return ret;
		v->suspended = false;
		vub_vqs_kick_running(v);
	}
	v->suspended = false;
	return 0;
}

long vub_ioctl_reset(struct vub_dev *v)
{
	int ret = vub_device_reset(v, true);

	vub_event(v, VUB_EVENT_RESET);
	return ret;
}
