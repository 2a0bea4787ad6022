// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: VUB_CMD_DEV_BIND and VUB_CMD_DEV_UNBIND: steer a vDPA device to
 * vubridge (driver_override, release from its driver, attach) and back.
 *
 * Releasing a device runs its driver's remove callback, and vhost_vdpa's
 * waits until its /dev/vhost-vdpa-N is closed: a netlink request must not
 * hang on a file some process keeps open. We refuse (EBUSY) to take a
 * device from a driver whose module is in use, which an open file of that
 * driver makes it (the file's f_op->owner reference). The check and the
 * release are two steps: an open in between makes the request wait for
 * that file, as a write to sysfs "unbind" would. Our own remove never waits
 * for our file (it leaves a dead shell), so UNBIND cannot hang.
 *
 * Locking: vub_bind_lock serializes BIND, UNBIND and the start of module
 * unload (vub_bind_shutdown()). Under it, the driver core's device_lock()
 * is taken (by the driver-core calls, and by us to read dev->driver), and
 * under that vub_dev.lock (as our probe and remove do).
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vdpa.h>
#include <net/genetlink.h>

#include "vub.h"

#define VUB_NL_NAME_MAX	63

static DEFINE_MUTEX(vub_bind_lock);
static bool vub_bind_down;	/* [vub_bind_lock] module unload started */

/**
 * vub_bind_shutdown() - refuse further binds; the module is going away
 */
void vub_bind_shutdown(void)
{
	mutex_lock(&vub_bind_lock);
	vub_bind_down = true;
	mutex_unlock(&vub_bind_lock);
}

static int vub_bind_name(struct genl_info *info, char *name, size_t size)
{
	if (GENL_REQ_ATTR_CHECK(info, VUB_ATTR_DEV_NAME)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "missing device name (VUB_ATTR_DEV_NAME)");
		return -EINVAL;
	}
	nla_strscpy(name, info->attrs[VUB_ATTR_DEV_NAME], size);
	return 0;
}

/*
 * Whether @dev may be taken from its current driver without waiting (see
 * the top of this file). device_lock() held: the driver cannot go away.
 */
static bool vub_driver_in_use(struct device *dev)
{
	const struct device_driver *drv = dev->driver;

	return drv && drv->owner && module_refcount(drv->owner) > 0;
}

int vub_nl_dev_bind(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	char name[VUB_NL_NAME_MAX + 1];
	struct vdpa_device *vdpa;
	char *old = NULL;
	struct device *dev;
	struct vub_dev *v;
	int ret;

	ret = vub_bind_name(info, name, sizeof(name));
	if (ret)
		return ret;

	mutex_lock(&vub_bind_lock);
	ret = -ESHUTDOWN;
	if (vub_bind_down) {
		NL_SET_ERR_MSG_MOD(extack, "vubridge is being unloaded");
		goto out_unlock;
	}
	dev = bus_find_device_by_name(vub_driver.driver.bus, NULL, name);
	if (!dev) {
		NL_SET_BAD_ATTR(extack, info->attrs[VUB_ATTR_DEV_NAME]);
		NL_SET_ERR_MSG_FMT(extack, "%s: no such vDPA device", name);
		ret = -ENODEV;
		goto out_unlock;
	}
	vdpa = dev_to_vdpa(dev);

	device_lock(dev);
	if (dev->driver == &vub_driver.driver) {
		v = vdpa_get_drvdata(vdpa);
		mutex_lock(&v->lock);
		if (v->opened) {
			NL_SET_ERR_MSG_FMT(extack,
					   "%s: bound to vubridge, its file is open",
					   name);
			ret = -EBUSY;
		} else {
			NL_SET_ERR_MSG_FMT(extack,
					   "%s: already bound to vubridge",
					   name);
			ret = -EALREADY;
		}
		mutex_unlock(&v->lock);
		device_unlock(dev);
		goto out_put;
	}
	if (vub_driver_in_use(dev)) {
		NL_SET_ERR_MSG_FMT(extack, "%s: driver %s has open files", name,
				   dev->driver->name);
		device_unlock(dev);
		ret = -EBUSY;
		goto out_put;
	}
	if (vdpa->driver_override) {
		old = kstrdup(vdpa->driver_override, GFP_KERNEL);
		if (!old) {
			device_unlock(dev);
			ret = -ENOMEM;
			goto out_put;
		}
	}
	device_unlock(dev);

	/* From now on no other driver probes it. */
	ret = driver_set_override(dev, &vdpa->driver_override, "vubridge",
				  strlen("vubridge"));
	if (ret)
		goto out_free;
	device_release_driver(dev);
	ret = device_driver_attach(&vub_driver.driver, dev);
	if (ret) {
		NL_SET_ERR_MSG_FMT(extack, "%s: vubridge probe failed (%d)",
				   name, ret);
		/* Give it back as it was. */
		driver_set_override(dev, &vdpa->driver_override, old ?: "",
				    old ? strlen(old) : 0);
		if (device_attach(dev) < 0)
			dev_warn(dev, "could not probe again after a failed bind\n");
	}

out_free:
	kfree(old);
out_put:
	put_device(dev);
out_unlock:
	mutex_unlock(&vub_bind_lock);
	return ret;
}

int vub_nl_dev_unbind(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	char name[VUB_NL_NAME_MAX + 1];
	struct vdpa_device *vdpa;
	struct device *dev;
	struct vub_dev *v;
	int ret;

	ret = vub_bind_name(info, name, sizeof(name));
	if (ret)
		return ret;

	mutex_lock(&vub_bind_lock);
	ret = -ESHUTDOWN;
	if (vub_bind_down) {
		NL_SET_ERR_MSG_MOD(extack, "vubridge is being unloaded");
		goto out_unlock;
	}
	v = vub_registry_find(name);
	if (!v) {
		NL_SET_BAD_ATTR(extack, info->attrs[VUB_ATTR_DEV_NAME]);
		NL_SET_ERR_MSG_FMT(extack, "%s: not bound to vubridge", name);
		ret = -ENODEV;
		goto out_unlock;
	}

	ret = 0;
	mutex_lock(&v->lock);
	if (v->dead) {
		NL_SET_ERR_MSG_FMT(extack, "%s: the device was removed", name);
		ret = -ENODEV;
	} else if (v->opened) {
		NL_SET_ERR_MSG_FMT(extack,
				   "%s: its file is open (owner pid %d)",
				   name, pid_vnr(v->owner));
		ret = -EBUSY;
	} else {
		/* The vDPA device outlives our reference on it. */
		vdpa = v->vdpa;
		get_device(&vdpa->dev);
	}
	mutex_unlock(&v->lock);
	put_device(&v->dev);
	if (ret)
		goto out_unlock;

	dev = &vdpa->dev;
	driver_set_override(dev, &vdpa->driver_override, "", 0);
	device_release_driver(dev);
	/* Whoever wants it now: vhost_vdpa, virtio_vdpa, or none. */
	if (device_attach(dev) < 0)
		dev_warn(dev, "no driver probed after unbinding from vubridge\n");
	put_device(dev);

out_unlock:
	mutex_unlock(&vub_bind_lock);
	return ret;
}
