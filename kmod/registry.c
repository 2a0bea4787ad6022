// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: the devices bound to vubridge, for the generic-netlink family's
 * lookups by name and its dumps.
 *
 * An xarray indexed by a bind sequence number, allocated cyclically: a dump
 * lists the devices in the order they were bound and resumes after the last
 * index it sent, whatever was added or removed in between.
 *
 * Locking and lifetime: the xarray's own lock protects the entries. The
 * registry holds no reference of its own: a device is in it from the end of
 * its probe to the start of its removal, and probe's reference on vub_dev.dev
 * keeps it alive all that time. Lookups take a reference (get_device())
 * under the xarray lock, so a device found here stays allocated until the
 * caller's put_device(), even if it is removed meanwhile (vub_dev.dead then
 * tells, under vub_dev.lock). Nothing else is taken under the xarray lock.
 */

#include <linux/device.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "vub.h"

static DEFINE_XARRAY_ALLOC(vub_registry);
static u32 vub_registry_seq;

/**
 * vub_registry_add() - list a newly bound device
 * @v: device at the end of its probe
 *
 * Return: 0 or -errno.
 */
int vub_registry_add(struct vub_dev *v)
{
	int ret;

	ret = xa_alloc_cyclic(&vub_registry, &v->reg_id, v, xa_limit_31b,
			      &vub_registry_seq, GFP_KERNEL);
	return ret < 0 ? ret : 0;
}

/**
 * vub_registry_del() - unlist a device being removed
 * @v: device at the start of its removal
 */
void vub_registry_del(struct vub_dev *v)
{
	xa_erase(&vub_registry, v->reg_id);
}

/**
 * vub_registry_find() - a bound device by name
 * @name: vDPA device name
 *
 * Return: the device with a reference the caller puts, or NULL.
 */
struct vub_dev *vub_registry_find(const char *name)
{
	struct vub_dev *v, *found = NULL;
	unsigned long i;

	xa_lock(&vub_registry);
	xa_for_each(&vub_registry, i, v) {
		if (!strcmp(dev_name(&v->dev), name)) {
			found = v;
			get_device(&found->dev);
			break;
		}
	}
	xa_unlock(&vub_registry);
	return found;
}

/**
 * vub_registry_next() - the first device at or after a position
 * @pos: in: where to start; out: the device's position (resume at @pos + 1)
 *
 * Return: the device with a reference the caller puts, or NULL at the end.
 */
struct vub_dev *vub_registry_next(unsigned long *pos)
{
	struct vub_dev *v;

	xa_lock(&vub_registry);
	v = xa_find(&vub_registry, pos, ULONG_MAX, XA_PRESENT);
	if (v)
		get_device(&v->dev);
	xa_unlock(&vub_registry);
	return v;
}
