// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: per-queue facts and the doorbell mapping.
 *
 * Where a device reports a notification area for a queue that starts on a
 * page boundary and fills at least a page, the file can be mmap()ed at
 * offset index * PAGE_SIZE, one page, shared, to write that queue's doorbell
 * directly (vhost-user host notifiers). Pages are inserted at fault time;
 * the fault handler runs under mmap_lock, so it does not take vub_dev.lock
 * but an SRCU read lock of vub_srcu plus the dead flag, and asks the device
 * again where the doorbell is. vub_remove() sets dead, waits for vub_srcu
 * and zaps the file's mappings, so no doorbell stays mapped once the device
 * is gone; later faults get SIGBUS. Every reset zaps them too, so a page is
 * only ever mapped after a check made since the last reset.
 *
 * The doorbell handles of bell.c share the checks and the VMA setup.
 */

#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>

#include "vub.h"

/**
 * vub_doorbell_area() - where is queue @index's doorbell, if it can be
 *	mapped alone?
 * @v: device, not dead (lock or vub_srcu held)
 * @index: queue index, < nvqs
 * @area: filled with the notification area
 *
 * Return: true if the notification area is page aligned and page sized.
 */
bool vub_doorbell_area(struct vub_dev *v, u16 index,
		       struct vdpa_notification_area *area)
{
	const struct vdpa_config_ops *ops = vub_ops(v);

	if (!ops->get_vq_notification)
		return false;
	*area = ops->get_vq_notification(v->vdpa, index);
	return area->addr && PAGE_ALIGNED(area->addr) &&
	       area->size >= PAGE_SIZE;
}

/**
 * vub_doorbell_usable() - can queue @index's doorbell be mapped alone?
 * @v: device, not dead (lock or vub_srcu held)
 * @index: queue index, < nvqs
 *
 * Return: true if the notification area is page aligned and page sized.
 */
bool vub_doorbell_usable(struct vub_dev *v, u16 index)
{
	struct vdpa_notification_area area;

	return vub_doorbell_area(v, index, &area);
}

/**
 * vub_doorbell_insert() - map queue @index's doorbell where @vmf faulted
 * @vmf: the fault
 * @v: the device (vub_srcu held)
 * @index: queue index, < nvqs
 *
 * What the device answers now is checked again, not trusted from mmap
 * time: the device may be gone or its notification area may have moved.
 *
 * Return: the result of inserting the page; VM_FAULT_SIGBUS if the device
 * is gone or the doorbell cannot be mapped alone.
 */
vm_fault_t vub_doorbell_insert(struct vm_fault *vmf, struct vub_dev *v,
			       u16 index)
{
	struct vdpa_notification_area area;

	if (READ_ONCE(v->dead) || !vub_doorbell_area(v, index, &area))
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vmf->vma, vmf->address & PAGE_MASK,
			      PHYS_PFN(area.addr));
}

static vm_fault_t vub_doorbell_fault(struct vm_fault *vmf)
{
	struct vub_dev *v = vmf->vma->vm_file->private_data;
	vm_fault_t ret;
	int srcu;

	/* vm_pgoff was checked against nvqs and fenced at mmap time. */
	srcu = srcu_read_lock(&vub_srcu);
	ret = vub_doorbell_insert(vmf, v, vmf->vma->vm_pgoff);
	srcu_read_unlock(&vub_srcu, srcu);
	return ret;
}

static const struct vm_operations_struct vub_doorbell_vm_ops = {
	.fault = vub_doorbell_fault,
};

/**
 * vub_doorbell_check_vma() - is @vma a mapping a doorbell may get?
 * @vma: the new mapping
 * @max_pgoff: the page offset must be below this
 *
 * Return: 0; -EINVAL for a bad size, sharing or offset; -EPERM for an
 * executable mapping.
 */
int vub_doorbell_check_vma(struct vm_area_struct *vma, unsigned long max_pgoff)
{
	if (vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= max_pgoff)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	return 0;
}

/**
 * vub_doorbell_setup_vma() - make @vma an uncached, never executable I/O
 *	mapping that is not copied into core dumps nor grown by mremap()
 * @vma: checked by vub_doorbell_check_vma()
 * @ops: its fault handler
 */
void vub_doorbell_setup_vma(struct vm_area_struct *vma,
			    const struct vm_operations_struct *ops)
{
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_ops = ops;
}

/**
 * vub_doorbell_zap() - unmap every doorbell page mapped from the device
 *	file; the next touch faults and is checked again
 * @v: device, lock held
 */
void vub_doorbell_zap(struct vub_dev *v)
{
	if (v->mapping)
		unmap_mapping_range(v->mapping, 0, 0, 1);
}

/**
 * vub_mmap() - map the doorbell page of queue vm_pgoff
 * @file: the device file
 * @vma: one page, shared, not executable
 *
 * Return: 0; -EINVAL for a bad size, offset or sharing; -EPERM for an
 * executable mapping; -ENODEV once the device is gone; -EOPNOTSUPP if the
 * queue has no mappable doorbell.
 */
int vub_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vub_dev *v = file->private_data;
	int ret, srcu;

	ret = vub_doorbell_check_vma(vma, v->nvqs);
	if (ret)
		return ret;
	vma->vm_pgoff = array_index_nospec(vma->vm_pgoff, v->nvqs);

	srcu = srcu_read_lock(&vub_srcu);
	ret = -ENODEV;
	if (READ_ONCE(v->dead))
		goto out;
	ret = -EOPNOTSUPP;
	if (!vub_doorbell_usable(v, vma->vm_pgoff))
		goto out;

	vub_doorbell_setup_vma(vma, &vub_doorbell_vm_ops);
	ret = 0;
out:
	srcu_read_unlock(&vub_srcu, srcu);
	return ret;
}

/**
 * vub_queue_info_fill() - facts about one queue, for the ioctl and netlink
 * @v: device, lock held, not dead
 * @idx: queue index, < @v->nvqs
 * @qi: filled completely
 */
void vub_queue_info_fill(struct vub_dev *v, u16 idx, struct vub_queue_info *qi)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_notification_area area;
	struct vub_vq *vq = &v->vqs[idx];

	memset(qi, 0, sizeof(*qi));
	qi->index = idx;

	if (vub_doorbell_area(v, idx, &area)) {
		qi->flags |= VUB_QUEUE_INFO_F_DOORBELL;
		qi->doorbell_offset = (u64)idx << PAGE_SHIFT;
		qi->doorbell_size = PAGE_SIZE;
		qi->doorbell_page_offset = offset_in_page(area.addr);
	}
	qi->irq = -1;
	if (ops->get_vq_irq) {
		int irq = ops->get_vq_irq(v->vdpa, idx);

		if (irq >= 0) {
			qi->flags |= VUB_QUEUE_INFO_F_IRQ;
			qi->irq = irq;
		}
	}
	if (vq->started) {
		qi->flags |= VUB_QUEUE_INFO_F_STARTED;
		qi->size = vq->size;
	}
	if (vq->enabled)
		qi->flags |= VUB_QUEUE_INFO_F_ENABLED;
	qi->max_size = ops->get_vq_num_max(v->vdpa);
}

long vub_ioctl_get_queue_info(struct vub_dev *v, void __user *argp)
{
	struct vub_queue_info qi;

	if (copy_from_user(&qi, argp, sizeof(qi)))
		return -EFAULT;
	if (qi.reserved[0] || qi.reserved[1])
		return -EINVAL;
	if (qi.index >= v->nvqs)
		return -EINVAL;

	/* Everything but the index is output. */
	vub_queue_info_fill(v, array_index_nospec(qi.index, v->nvqs), &qi);

	if (copy_to_user(argp, &qi, sizeof(qi)))
		return -EFAULT;
	return 0;
}
