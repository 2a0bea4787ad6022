// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: a vDPA bus driver that hands each bound device to userspace as
 * /dev/vubridge/<vdpa-device-name>, so a vhost-user back-end can program the
 * device's queues while kicks and interrupts stay in the kernel.
 *
 * This file: module parameters, the class, probe/remove and module init.
 */

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/sysfs.h>
#include <linux/vdpa.h>

#include "vub.h"

#define VUB_DRV_NAME	"vubridge"
#define VUB_MAX_MINORS	BIT(MINORBITS)

unsigned int vub_config_poll_ms = 100;
module_param_named(config_poll_ms, vub_config_poll_ms, uint, 0444);
MODULE_PARM_DESC(config_poll_ms,
		 "Compare the config space every N ms once FEATURES_OK is set and signal the config eventfd on a change, for devices without config interrupts; 0 disables (default: 100)");

static bool vub_bind_all;
module_param_named(bind_all, vub_bind_all, bool, 0444);
MODULE_PARM_DESC(bind_all,
		 "Bind every vDPA device, not only those whose driver_override is \"vubridge\" (default: false)");

/* Pages pinned by all devices; read-only module parameter pinned_pages. */
static atomic64_t vub_pinned_total = ATOMIC64_INIT(0);

static int vub_pinned_param_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int vub_pinned_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&vub_pinned_total));
}

static const struct kernel_param_ops vub_pinned_param_ops = {
	.set = vub_pinned_param_set,
	.get = vub_pinned_param_get,
};

module_param_cb(pinned_pages, &vub_pinned_param_ops, NULL, 0444);
MODULE_PARM_DESC(pinned_pages,
		 "Read only: pages all vubridge devices currently pin");

DEFINE_SRCU(vub_srcu);

static dev_t vub_devt;
static DEFINE_IDA(vub_minor_ida);

/**
 * vub_pinned_add() - account pinned pages to a device and to the module
 * @v: device
 * @npages: pages newly pinned (negative when unpinned)
 */
void vub_pinned_add(struct vub_dev *v, long npages)
{
	atomic64_add(npages, &v->pinned);
	atomic64_add(npages, &vub_pinned_total);
}

static ssize_t pinned_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vub_dev *v = dev_to_vub(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&v->pinned));
}
static DEVICE_ATTR_RO(pinned_pages);

static struct attribute *vub_dev_attrs[] = {
	&dev_attr_pinned_pages.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vub_dev);

static char *vub_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, VUB_DRV_NAME "/%s", dev_name(dev));
}

static const struct class vub_class = {
	.name = VUB_DRV_NAME,
	.devnode = vub_devnode,
	.dev_groups = vub_dev_groups,
};

static void vub_dev_release(struct device *dev)
{
	struct vub_dev *v = dev_to_vub(dev);

	ida_free(&vub_minor_ida, v->minor);
	kvfree(v->cfg_snap);
	kfree(v->vqs);
	mutex_destroy(&v->lock);
	kfree(v);
}

static bool vub_wanted(struct vdpa_device *vdpa)
{
	/* device_lock(&vdpa->dev) is held by the driver core here. */
	return vub_bind_all ||
	       (vdpa->driver_override &&
		!strcmp(vdpa->driver_override, VUB_DRV_NAME));
}

static int vub_probe(struct vdpa_device *vdpa)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vub_dev *v;
	int minor, ret;
	u32 i;

	if (!vub_wanted(vdpa))
		return -ENODEV;

	/* One address space is all we program: a platform IOMMU has one. */
	if (!ops->set_map && !ops->dma_map &&
	    (vdpa->ngroups > 1 || vdpa->nas > 1))
		return -EOPNOTSUPP;
	if (!vdpa->nvqs || vdpa->nvqs > U16_MAX + 1)
		return -EOPNOTSUPP;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;

	v->vqs = kcalloc(vdpa->nvqs, sizeof(*v->vqs), GFP_KERNEL);
	if (!v->vqs) {
		ret = -ENOMEM;
		goto err_free;
	}

	minor = ida_alloc_max(&vub_minor_ida, VUB_MAX_MINORS - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto err_free;
	}

	v->minor = minor;
	v->vdpa = vdpa;
	v->nvqs = vdpa->nvqs;
	if (ops->set_map)
		v->path = VUB_MAP_SET_MAP;
	else if (ops->dma_map)
		v->path = VUB_MAP_DMA_MAP;
	else
		v->path = VUB_MAP_IOMMU;
	mutex_init(&v->lock);
	INIT_LIST_HEAD(&v->regions);
	INIT_LIST_HEAD(&v->stranded);
	atomic64_set(&v->pinned, 0);
	for (i = 0; i < v->nvqs; i++)
		vub_vq_init(v, &v->vqs[i], i);
	vub_config_init(v);

	/* From here on, put_device() frees everything. */
	device_initialize(&v->dev);
	v->dev.class = &vub_class;
	v->dev.parent = &vdpa->dev;
	v->dev.devt = MKDEV(MAJOR(vub_devt), minor);
	v->dev.release = vub_dev_release;
	ret = dev_set_name(&v->dev, "%s", dev_name(&vdpa->dev));
	if (ret)
		goto err_put;

	cdev_init(&v->cdev, &vub_fops);
	v->cdev.owner = THIS_MODULE;

	vdpa_set_drvdata(vdpa, v);
	/* Listed first: once the node exists, it can be opened and reported. */
	ret = vub_registry_add(v);
	if (ret)
		goto err_drvdata;
	ret = cdev_device_add(&v->cdev, &v->dev);
	if (ret)
		goto err_registry;

	vub_event(v, VUB_EVENT_BOUND);
	return 0;

err_registry:
	vub_registry_del(v);
	/* A netlink lookup that found it meanwhile must not use the device. */
	mutex_lock(&v->lock);
	WRITE_ONCE(v->dead, true);
	mutex_unlock(&v->lock);
err_drvdata:
	vdpa_set_drvdata(vdpa, NULL);
err_put:
	put_device(&v->dev);
	return ret;
err_free:
	kfree(v->vqs);
	kfree(v);
	return ret;
}

/*
 * The device goes away, maybe under an open file. Do not wait for the file:
 * detach from the device now and leave a dead shell that fails every call.
 */
static void vub_remove(struct vdpa_device *vdpa)
{
	struct vub_dev *v = vdpa_get_drvdata(vdpa);

	/* Netlink no longer finds it; lookups in flight see @dead below. */
	vub_registry_del(v);
	/* No new opens; the sysfs attributes are gone after this. */
	cdev_device_del(&v->cdev, &v->dev);

	mutex_lock(&v->lock);
	WRITE_ONCE(v->dead, true);
	/* Doorbell faults that saw !dead are finished after this... */
	synchronize_srcu(&vub_srcu);
	if (v->opened) {
		/* ...so zapping now leaves no doorbell mapped. */
		if (v->mapping)
			unmap_mapping_range(v->mapping, 0, 0, 1);
		vub_session_close(v);
	}
	/* The device is going away, and its translations with it. */
	vub_mem_release_stranded(v);
	mutex_unlock(&v->lock);

	/* The last event about it: a dead file sends none. */
	vub_event(v, VUB_EVENT_UNBOUND);
	vdpa_set_drvdata(vdpa, NULL);
	put_device(&v->dev);
}

struct vdpa_driver vub_driver = {
	.driver = {
		.name = VUB_DRV_NAME,
	},
	.probe = vub_probe,
	.remove = vub_remove,
};

static void vub_check_uapi(void)
{
	BUILD_BUG_ON(sizeof(struct vub_device_info) != 96);
	BUILD_BUG_ON(sizeof(struct vub_config_access) != 24);
	BUILD_BUG_ON(sizeof(struct vub_mem_region) != 32);
	BUILD_BUG_ON(sizeof(struct vub_mem_table) != 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_start) != 72);
	BUILD_BUG_ON(sizeof(struct vub_queue_state) != 24);
	BUILD_BUG_ON(sizeof(struct vub_queue_enable) != 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_info) != 56);
	BUILD_BUG_ON(sizeof(struct vub_vendor_stat) != 40);
	BUILD_BUG_ON(sizeof(struct vub_queue_stats) !=
		     40 + VUB_MAX_VENDOR_STATS * 40);
	BUILD_BUG_ON(sizeof(struct vub_queue_fd) != 8);
	BUILD_BUG_ON(sizeof(struct vub_doorbell_handle) != 40);
	BUILD_BUG_ON(sizeof(struct vub_owner_info) != 144);
	BUILD_BUG_ON(sizeof(struct vub_device_info) % 8);
	BUILD_BUG_ON(sizeof(struct vub_config_access) % 8);
	BUILD_BUG_ON(sizeof(struct vub_mem_region) % 8);
	BUILD_BUG_ON(sizeof(struct vub_mem_table) % 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_start) % 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_state) % 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_enable) % 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_info) % 8);
	BUILD_BUG_ON(sizeof(struct vub_vendor_stat) % 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_stats) % 8);
	BUILD_BUG_ON(sizeof(struct vub_queue_fd) % 8);
	BUILD_BUG_ON(sizeof(struct vub_doorbell_handle) % 8);
	BUILD_BUG_ON(sizeof(struct vub_owner_info) % 8);
	BUILD_BUG_ON(offsetof(struct vub_mem_table, regions) != 8);
	BUILD_BUG_ON(offsetof(struct vub_queue_stats, vendor) != 40);
}

static int __init vub_init(void)
{
	int ret;

	vub_check_uapi();

	ret = alloc_chrdev_region(&vub_devt, 0, VUB_MAX_MINORS, VUB_DRV_NAME);
	if (ret)
		return ret;

	ret = class_register(&vub_class);
	if (ret)
		goto err_chrdev;

	/* The family first: probe sends VUB_EVENT_BOUND. */
	ret = vub_genl_init();
	if (ret)
		goto err_class;

	ret = vdpa_register_driver(&vub_driver);
	if (ret)
		goto err_genl;

	return 0;

err_genl:
	vub_genl_exit();
err_class:
	class_unregister(&vub_class);
err_chrdev:
	unregister_chrdev_region(vub_devt, VUB_MAX_MINORS);
	return ret;
}
module_init(vub_init);

static void __exit vub_exit(void)
{
	/*
	 * No bind may attach a device to the driver being unregistered; the
	 * devices go (sending VUB_EVENT_UNBOUND) while the family exists;
	 * unregistering the family then waits for the handlers in flight.
	 */
	vub_bind_shutdown();
	vdpa_unregister_driver(&vub_driver);
	vub_genl_exit();
	class_unregister(&vub_class);
	unregister_chrdev_region(vub_devt, VUB_MAX_MINORS);
	ida_destroy(&vub_minor_ida);
}
module_exit(vub_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vubridge: vDPA devices for vhost-user back-ends, kicks and interrupts kept in the kernel");
MODULE_SOFTDEP("pre: vhost_iotlb");
