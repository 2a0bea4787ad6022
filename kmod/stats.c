// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: per-queue counters: kicks forwarded, interrupts signalled and
 * the device's own ("vendor") statistics.
 *
 * Parents report vendor statistics the way the vdpa netlink family needs
 * them: ->get_vendor_vq_stats() appends pairs of VDPA_ATTR_DEV_VENDOR_ATTR_NAME
 * (string) and VDPA_ATTR_DEV_VENDOR_ATTR_VALUE (u64) attributes to an skb.
 * We hand it a scratch skb and turn the pairs into a fixed array.
 */

#include <linux/nospec.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <net/netlink.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_config.h>

#include "vub.h"

/**
 * vub_vendor_stats() - fill @qs->vendor and @qs->num_vendor from the device
 * @v: device, lock held, not dead
 * @idx: queue index, < @v->nvqs
 * @qs: counters of the queue
 *
 * Devices without vendor statistics, or before FEATURES_OK (the vdpa core
 * asks the same), report none.
 *
 * Return: 0, or the device's error.
 */
int vub_vendor_stats(struct vub_dev *v, u16 idx, struct vub_queue_stats *qs)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_device *vdpa = v->vdpa;
	struct netlink_ext_ack extack = {};
	bool have_name = false;
	struct sk_buff *skb;
	struct nlattr *nla;
	u32 n = 0;
	int ret, rem;

	if (!ops->get_vendor_vq_stats ||
	    !(vub_status(v) & VIRTIO_CONFIG_S_FEATURES_OK))
		return 0;

	skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;

	down_read(&vdpa->cf_lock);
	ret = ops->get_vendor_vq_stats(vdpa, idx, skb, &extack);
	up_read(&vdpa->cf_lock);
	if (ret == -EOPNOTSUPP) {
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;

	nla_for_each_attr(nla, (struct nlattr *)skb->data, skb->len, rem) {
		if (n == VUB_MAX_VENDOR_STATS)
			break;
		switch (nla_type(nla)) {
		case VDPA_ATTR_DEV_VENDOR_ATTR_NAME:
			nla_strscpy(qs->vendor[n].name, nla,
				    sizeof(qs->vendor[n].name));
			have_name = true;
			break;
		case VDPA_ATTR_DEV_VENDOR_ATTR_VALUE:
			if (!have_name || nla_len(nla) < sizeof(u64))
				break;
			qs->vendor[n].value = nla_get_u64(nla);
			have_name = false;
			n++;
			break;
		default:
			/* VDPA_ATTR_PAD and anything newer */
			break;
		}
	}
	/* A name without its value is dropped. */
	if (have_name)
		memset(&qs->vendor[n], 0, sizeof(qs->vendor[n]));
	qs->num_vendor = n;
out:
	kfree_skb(skb);
	return ret;
}

long vub_ioctl_get_queue_stats(struct vub_dev *v, void __user *argp)
{
	struct vub_queue_stats *qs;
	struct vub_vq *vq;
	long ret;
	u16 idx;

	qs = kzalloc(sizeof(*qs), GFP_KERNEL);
	if (!qs)
		return -ENOMEM;

	ret = -EFAULT;
	if (copy_from_user(qs, argp, sizeof(*qs)))
		goto out;
	ret = -EINVAL;
	if (qs->reserved[0] || qs->reserved[1])
		goto out;
	if (qs->index >= v->nvqs)
		goto out;
	idx = array_index_nospec(qs->index, v->nvqs);
	vq = &v->vqs[idx];

	/* Everything but the index is output. */
	memset(qs, 0, sizeof(*qs));
	qs->index = idx;
	qs->kicks = atomic64_read(&vq->kicks);
	qs->interrupts = atomic64_read(&vq->interrupts);
	ret = vub_vendor_stats(v, idx, qs);
	if (ret)
		goto out;

	ret = 0;
	if (copy_to_user(argp, qs, sizeof(*qs)))
		ret = -EFAULT;
out:
	kfree(qs);
	return ret;
}
