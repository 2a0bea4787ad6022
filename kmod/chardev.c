// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: the character device: open/release, the ioctl dispatcher and
 * the two informational ioctls.
 */

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <uapi/linux/vhost_types.h>

#include "vub.h"

/**
 * vub_session_open() - prepare the device for a new owner
 * @v: device, lock held, not dead
 *
 * Return: 0 or -errno.
 */
static int vub_session_open(struct vub_dev *v)
{
	int ret;

	ret = vdpa_reset(v->vdpa, 0);
	if (ret)
		return ret;

	ret = vub_mem_open(v);
	if (ret)
		return ret;

	ret = vub_config_open(v);
	if (ret)
		goto err_mem;

	return 0;

err_mem:
	vub_mem_close(v);
	return ret;
}

/**
 * vub_session_close() - reset the device and release everything the owner
 *	set up: queues, eventfds, pinned memory, mappings
 * @v: device, lock held, device still present (@v->dead may already be set
 *	by vub_remove(), which calls this before it returns)
 */
void vub_session_close(struct vub_dev *v)
{
	vub_device_reset(v, true);
	vub_config_close(v);
	vub_mem_close(v);
}

static int vub_open(struct inode *inode, struct file *file)
{
	struct vub_dev *v = container_of(inode->i_cdev, struct vub_dev, cdev);
	int ret;

	mutex_lock(&v->lock);
	ret = -ENODEV;
	if (v->dead)
		goto out;
	ret = -EBUSY;
	if (v->opened)
		goto out;

	ret = vub_session_open(v);
	if (ret)
		goto out;

	v->opened = true;
	v->mapping = file->f_mapping;
	vub_owner_open(v);
	vub_event_owner(v, VUB_EVENT_OWNER_ATTACHED, v->owner);
	get_device(&v->dev);
	file->private_data = v;
	ret = 0;
out:
	mutex_unlock(&v->lock);
	if (!ret)
		ret = nonseekable_open(inode, file);
	return ret;
}

static int vub_release(struct inode *inode, struct file *file)
{
	struct vub_dev *v = file->private_data;

	mutex_lock(&v->lock);
	if (!v->dead) {
		vub_session_close(v);
		vub_owner_events_close(v);
	}
	v->opened = false;
	v->mapping = NULL;
	vub_owner_close(v);
	mutex_unlock(&v->lock);

	put_device(&v->dev);
	return 0;
}

static long vub_ioctl_api_version(struct vub_dev *v, u64 __user *argp)
{
	u64 version = VUB_API_VERSION;

	if (put_user(version, argp))
		return -EFAULT;
	return 0;
}

/**
 * vub_abilities() - the VUB_ABILITY_* mask of a device
 * @v: device, lock held, not dead
 *
 * Return: the mask.
 */
u64 vub_abilities(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	u64 a = 0;

	if (ops->suspend)
		a |= BIT_ULL(VUB_ABILITY_SUSPEND);
	if (ops->resume)
		a |= BIT_ULL(VUB_ABILITY_RESUME);
	if (vub_doorbell_usable(v, 0))
		a |= BIT_ULL(VUB_ABILITY_DOORBELL);
	if (ops->get_vq_irq)
		a |= BIT_ULL(VUB_ABILITY_VQ_IRQ);
	switch (v->path) {
	case VUB_MAP_SET_MAP:
		a |= BIT_ULL(VUB_ABILITY_SET_MAP);
		break;
	case VUB_MAP_DMA_MAP:
		a |= BIT_ULL(VUB_ABILITY_DMA_MAP);
		break;
	case VUB_MAP_IOMMU:
		a |= BIT_ULL(VUB_ABILITY_PLATFORM_IOMMU);
		break;
	}
	if (ops->get_vendor_vq_stats)
		a |= BIT_ULL(VUB_ABILITY_VENDOR_STATS);
	if (vub_enable_after_driver_ok(v))
		a |= BIT_ULL(VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
	if (ops->set_config)
		a |= BIT_ULL(VUB_ABILITY_CONFIG_WRITE);
	return a;
}

static long vub_ioctl_device_info(struct vub_dev *v,
				  struct vub_device_info __user *argp)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_device *vdpa = v->vdpa;
	struct vub_device_info info = {};

	info.device_id = ops->get_device_id(vdpa);
	info.vendor_id = ops->get_vendor_id(vdpa);
	info.num_queues = v->nvqs;
	info.config_size = ops->get_config_size(vdpa);
	info.max_queue_size = ops->get_vq_num_max(vdpa);
	info.min_queue_size = ops->get_vq_num_min ?
			      ops->get_vq_num_min(vdpa) : 1;
	info.queue_align = ops->get_vq_align(vdpa);
	info.generation = ops->get_generation ? ops->get_generation(vdpa) : 0;
	info.device_features = ops->get_device_features(vdpa);
	info.abilities = vub_abilities(v);
	info.iova_first = v->range.first;
	info.iova_last = v->range.last;

	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long vub_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vub_dev *v = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (mutex_lock_killable(&v->lock))
		return -EINTR;

	ret = -ENODEV;
	if (v->dead)
		goto out;

	switch (cmd) {
	case VUB_GET_API_VERSION:
		ret = vub_ioctl_api_version(v, argp);
		break;
	case VUB_GET_DEVICE_INFO:
		ret = vub_ioctl_device_info(v, argp);
		break;
	case VUB_READ_CONFIG:
		ret = vub_ioctl_read_config(v, argp);
		break;
	case VUB_WRITE_CONFIG:
		ret = vub_ioctl_write_config(v, argp);
		break;
	case VUB_GET_FEATURES:
		ret = vub_ioctl_get_features(v, argp);
		break;
	case VUB_SET_FEATURES:
		ret = vub_ioctl_set_features(v, argp);
		break;
	case VUB_GET_STATUS:
		ret = vub_ioctl_get_status(v, argp);
		break;
	case VUB_SET_STATUS:
		ret = vub_ioctl_set_status(v, argp);
		break;
	case VUB_SET_CONFIG_EVENTFD:
		ret = vub_ioctl_set_config_eventfd(v, argp);
		break;
	case VUB_SET_OWNER_INFO:
		ret = vub_ioctl_set_owner_info(v, argp);
		break;
	case VUB_SET_MEM_TABLE:
		ret = vub_ioctl_set_mem_table(v, argp);
		break;
	case VUB_ADD_MEM_REGION:
		ret = vub_ioctl_add_mem_region(v, argp);
		break;
	case VUB_DEL_MEM_REGION:
		ret = vub_ioctl_del_mem_region(v, argp);
		break;
	case VUB_GET_MEM_TABLE:
		ret = vub_ioctl_get_mem_table(v, argp);
		break;
	case VUB_START_QUEUE:
		ret = vub_ioctl_start_queue(v, argp);
		break;
	case VUB_STOP_QUEUE:
		ret = vub_ioctl_stop_queue(v, argp);
		break;
	case VUB_GET_QUEUE_STATE:
		ret = vub_ioctl_get_queue_state(v, argp);
		break;
	case VUB_SET_QUEUE_STATE:
		ret = vub_ioctl_set_queue_state(v, argp);
		break;
	case VUB_ENABLE_QUEUE:
		ret = vub_ioctl_enable_queue(v, argp);
		break;
	case VUB_GET_QUEUE_INFO:
		ret = vub_ioctl_get_queue_info(v, argp);
		break;
	case VUB_GET_QUEUE_STATS:
		ret = vub_ioctl_get_queue_stats(v, argp);
		break;
	case VUB_SET_QUEUE_CALL:
		ret = vub_ioctl_set_queue_call(v, argp);
		break;
	case VUB_SET_QUEUE_ERR:
		ret = vub_ioctl_set_queue_err(v, argp);
		break;
	case VUB_GET_DOORBELL_FD:
		ret = vub_ioctl_get_doorbell_fd(v, argp);
		break;
	case VUB_GET_QUEUE_CONFIG:
		ret = vub_ioctl_get_queue_config(v, argp);
		break;
	case VUB_SUSPEND:
		ret = vub_ioctl_suspend(v);
		break;
	case VUB_RESUME:
		ret = vub_ioctl_resume(v);
		break;
	case VUB_RESET:
		ret = vub_ioctl_reset(v);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out:
	mutex_unlock(&v->lock);
	return ret;
}

const struct file_operations vub_fops = {
	.owner		= THIS_MODULE,
	.open		= vub_open,
	.release	= vub_release,
	.unlocked_ioctl	= vub_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= vub_mmap,
	.llseek		= noop_llseek,
};
