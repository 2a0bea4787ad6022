// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: doorbell handles (VUB_GET_DOORBELL_FD).
 *
 * A vhost-user back-end hands a front-end a file it can mmap() to kick a
 * queue directly (a host notifier). Handing over the device file itself
 * would give the front-end every ioctl and keep the device open after the
 * back-end closed it. A handle is an anonymous file with an inode of its
 * own (so its mappings can be zapped without touching anyone else's) that
 * maps one queue's doorbell page and does nothing else.
 *
 * A handle references only struct vub_bells, which the device's session
 * shares with all of its handles. Revocation (every reset, the file's
 * release, the device's removal: all go through vub_device_reset()) marks
 * it revoked, waits for vub_srcu and zaps every handle's mappings; faults
 * and mmap() check the flag inside vub_srcu, so no page is mapped after
 * revocation. The device starts a new struct vub_bells for later handles.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "vub.h"

/**
 * struct vub_bell - one doorbell handle, its file's private data
 * @bells: shared with the device's session; referenced
 * @node: entry in @bells->handles
 * @mapping: the file's address space, where its mappings are
 * @index: queue index
 */
struct vub_bell {
	struct vub_bells *bells;
	struct list_head node;
	struct address_space *mapping;
	u16 index;
};

static void vub_bells_free(struct kref *ref)
{
	struct vub_bells *bells = container_of(ref, struct vub_bells, ref);

	mutex_destroy(&bells->lock);
	kfree(bells);
}

/*
 * Map the doorbell if the session is still on. The device is only touched
 * after seeing !revoked inside vub_srcu: revocation waits for us.
 */
static vm_fault_t vub_bell_fault(struct vm_fault *vmf)
{
	struct vub_bell *bell = vmf->vma->vm_file->private_data;
	struct vub_bells *bells = bell->bells;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int srcu;

	srcu = srcu_read_lock(&vub_srcu);
	if (!READ_ONCE(bells->revoked))
		ret = vub_doorbell_insert(vmf, bells->vub, bell->index);
	srcu_read_unlock(&vub_srcu, srcu);
	return ret;
}

static const struct vm_operations_struct vub_bell_vm_ops = {
	.fault = vub_bell_fault,
};

/* One page at offset 0, shared, never executable; ENODEV once revoked. */
static int vub_bell_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vub_bell *bell = file->private_data;
	int ret, srcu;

	ret = vub_doorbell_check_vma(vma, 1);
	if (ret)
		return ret;

	srcu = srcu_read_lock(&vub_srcu);
	ret = -ENODEV;
	if (READ_ONCE(bell->bells->revoked))
		goto out;
	/*
	 * The page itself is only looked up at fault time. A mapping made
	 * here is linked into @bell->mapping after we return, perhaps after
	 * a revocation zapped it: it has no page yet, and its first fault
	 * sees the flag.
	 */
	vub_doorbell_setup_vma(vma, &vub_bell_vm_ops);
	ret = 0;
out:
	srcu_read_unlock(&vub_srcu, srcu);
	return ret;
}

/* A handle can do nothing but be mapped. */
static long vub_bell_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return -ENOTTY;
}

static int vub_bell_release(struct inode *inode, struct file *file)
{
	struct vub_bell *bell = file->private_data;
	struct vub_bells *bells = bell->bells;

	mutex_lock(&bells->lock);
	list_del(&bell->node);
	mutex_unlock(&bells->lock);
	kref_put(&bells->ref, vub_bells_free);
	kfree(bell);
	return 0;
}

static const struct file_operations vub_bell_fops = {
	.owner		= THIS_MODULE,
	.release	= vub_bell_release,
	.mmap		= vub_bell_mmap,
	.unlocked_ioctl	= vub_bell_ioctl,
	.compat_ioctl	= vub_bell_ioctl,
};

/**
 * vub_bells_revoke() - end every doorbell handle of the session: zap their
 *	mappings; later faults get SIGBUS, later mmap() ENODEV
 * @v: device, lock held
 */
void vub_bells_revoke(struct vub_dev *v)
{
	struct vub_bells *bells = v->bells;
	struct vub_bell *bell;

	if (!bells)
		return;
	v->bells = NULL;

	WRITE_ONCE(bells->revoked, true);
	/* Faults and mmap() calls that saw !revoked are done after this. */
	synchronize_srcu(&vub_srcu);

	mutex_lock(&bells->lock);
	list_for_each_entry(bell, &bells->handles, node)
		unmap_mapping_range(bell->mapping, 0, 0, 1);
	mutex_unlock(&bells->lock);
	kref_put(&bells->ref, vub_bells_free);
}

static struct vub_bells *vub_bells_get(struct vub_dev *v)
{
	struct vub_bells *bells = v->bells;

	if (!bells) {
		bells = kzalloc(sizeof(*bells), GFP_KERNEL);
		if (!bells)
			return NULL;
		kref_init(&bells->ref);
		mutex_init(&bells->lock);
		INIT_LIST_HEAD(&bells->handles);
		bells->vub = v;
		v->bells = bells;
	}
	kref_get(&bells->ref);
	return bells;
}

long vub_ioctl_get_doorbell_fd(struct vub_dev *v, void __user *argp)
{
	struct vdpa_notification_area area;
	struct vub_doorbell_handle dh;
	struct vub_bell *bell;
	struct file *file;
	long ret;
	int fd;

	if (copy_from_user(&dh, argp, sizeof(dh)))
		return -EFAULT;
	if (dh.flags || dh.reserved[0] || dh.reserved[1])
		return -EINVAL;
	if (dh.index >= v->nvqs)
		return -EINVAL;
	dh.index = array_index_nospec(dh.index, v->nvqs);
	if (!vub_doorbell_area(v, dh.index, &area))
		return -EOPNOTSUPP;

	bell = kzalloc(sizeof(*bell), GFP_KERNEL);
	if (!bell)
		return -ENOMEM;
	bell->index = dh.index;
	bell->bells = vub_bells_get(v);
	if (!bell->bells) {
		kfree(bell);
		return -ENOMEM;
	}

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_bell;
	}
	/* An inode of its own: zapping it reaches this handle's mappings only. */
	file = anon_inode_create_getfile("[vubridge-doorbell]", &vub_bell_fops,
					 bell, O_RDWR, NULL);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}
	bell->mapping = file->f_mapping;
	mutex_lock(&bell->bells->lock);
	list_add(&bell->node, &bell->bells->handles);
	mutex_unlock(&bell->bells->lock);

	dh.fd = fd;
	dh.page_offset = offset_in_page(area.addr);
	dh.size = PAGE_SIZE;
	if (copy_to_user(argp, &dh, sizeof(dh))) {
		/* The release unlinks and frees the handle. */
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;

err_fd:
	put_unused_fd(fd);
err_bell:
	kref_put(&bell->bells->ref, vub_bells_free);
	kfree(bell);
	return ret;
}
