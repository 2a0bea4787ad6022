// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: the device file's owner, as operators see it through the
 * generic-netlink family: the owning process (the opener, or whoever last
 * registered itself with VUB_SET_OWNER_INFO: a successor daemon that
 * received the file reports itself) and the facts it registered (its
 * vhost-user socket path, its front-end's credentials).
 *
 * All of it is [lock] state of struct vub_dev, set up on open and cleared on
 * the last close.
 */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vub.h"

/**
 * vub_owner_open() - the opener becomes the owner
 * @v: device, lock held, being opened
 */
void vub_owner_open(struct vub_dev *v)
{
	v->owner = get_pid(task_tgid(current));
	memset(&v->owner_info, 0, sizeof(v->owner_info));
}

/**
 * vub_owner_close() - forget the owner and what it registered
 * @v: device, lock held, last reference of the file closed
 */
void vub_owner_close(struct vub_dev *v)
{
	put_pid(v->owner);
	v->owner = NULL;
	memset(&v->owner_info, 0, sizeof(v->owner_info));
}

/**
 * vub_owner_events_close() - announce that the owner let go: its front-end
 *	(if it registered one) is gone, then the owner itself
 * @v: device, lock held, last reference of the file closed, not dead
 */
void vub_owner_events_close(struct vub_dev *v)
{
	struct vub_owner_info none = {};

	if (v->owner_info.flags & VUB_OWNER_F_FRONTEND)
		vub_event_frontend(v, &none);
	vub_event_owner(v, VUB_EVENT_OWNER_RELEASED, v->owner);
}

/* Printable ASCII, NUL-terminated inside the array. */
static bool vub_label_ok(const char *label, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		if (!label[i])
			return true;
		if (label[i] < 0x20 || label[i] > 0x7e)
			return false;
	}
	return false;
}

long vub_ioctl_set_owner_info(struct vub_dev *v, void __user *argp)
{
	struct vub_owner_info in;
	bool fe_changed;
	struct pid *pid;

	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	if (in.reserved0 || in.reserved[0] || in.reserved[1])
		return -EINVAL;
	if (in.flags & ~VUB_OWNER_F_FRONTEND)
		return -EINVAL;
	if (!(in.flags & VUB_OWNER_F_FRONTEND) &&
	    (in.frontend_pid || in.frontend_uid))
		return -EINVAL;
	if (!vub_label_ok(in.label, sizeof(in.label)))
		return -EINVAL;

	/* Bytes after the NUL are not part of the label: keep them zero. */
	memset(in.label + strlen(in.label), 0,
	       sizeof(in.label) - strlen(in.label));

	pid = task_tgid(current);
	if (pid != v->owner) {
		put_pid(v->owner);
		v->owner = get_pid(pid);
		vub_event_owner(v, VUB_EVENT_OWNER_ATTACHED, v->owner);
	}
	/* The caller holds the pinned pages now: it is charged for them. */
	vub_mem_adopt(v);
	fe_changed = (in.flags ^ v->owner_info.flags) & VUB_OWNER_F_FRONTEND;
	v->owner_info = in;
	if (fe_changed)
		vub_event_frontend(v, &v->owner_info);
	return 0;
}
