// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: the generic-netlink family "vubridge": what is bound and how its
 * queues are set up (DEV_GET, QUEUE_GET; open to every user), binding and
 * unbinding (bind.c; CAP_NET_ADMIN), and the "events" group (events.c).
 *
 * Requests are validated strictly against a policy per command: an
 * attribute a command does not take is refused with EINVAL. Handlers run
 * concurrently (parallel_ops): a device is found in the registry with a
 * reference and read under its vub_dev.lock, after checking it was not
 * removed meanwhile. Dumps hold a reference on the module for as long as
 * they last (the netlink core takes it), and the family is unregistered
 * first on unload, which waits for every handler to return.
 */

#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/vdpa.h>
#include <net/genetlink.h>
#include <uapi/linux/virtio_config.h>

#include "vub.h"

/* vDPA device names are short; the vdpa tool limits nothing, we take 63. */
#define VUB_NL_NAME_MAX	63

static const struct nla_policy vub_nl_dev_policy[VUB_ATTR_MAX + 1] = {
	[VUB_ATTR_DEV_NAME] = { .type = NLA_STRING, .len = VUB_NL_NAME_MAX },
};

static const struct nla_policy vub_nl_queue_policy[VUB_ATTR_MAX + 1] = {
	[VUB_ATTR_DEV_NAME] = { .type = NLA_STRING, .len = VUB_NL_NAME_MAX },
	[VUB_ATTR_QUEUE_INDEX] = { .type = NLA_U32 },
};

/*
 * The device named by VUB_ATTR_DEV_NAME, with a reference, or NULL with
 * the extack set (EINVAL: missing; ENODEV: not bound to vubridge).
 */
static struct vub_dev *vub_nl_find(struct nlattr **attrs,
				   struct netlink_ext_ack *extack, int *err)
{
	char name[VUB_NL_NAME_MAX + 1];
	struct vub_dev *v;

	if (!attrs[VUB_ATTR_DEV_NAME]) {
		NL_SET_ERR_MSG_MOD(extack, "missing device name (VUB_ATTR_DEV_NAME)");
		*err = -EINVAL;
		return NULL;
	}
	nla_strscpy(name, attrs[VUB_ATTR_DEV_NAME], sizeof(name));
	v = vub_registry_find(name);
	if (!v) {
		NL_SET_BAD_ATTR(extack, attrs[VUB_ATTR_DEV_NAME]);
		NL_SET_ERR_MSG_FMT(extack, "%s: not bound to vubridge", name);
		*err = -ENODEV;
	}
	return v;
}

static int vub_nl_put_mgmtdev(struct sk_buff *msg, struct vdpa_device *vdpa)
{
	struct device *mdev = vdpa->mdev ? vdpa->mdev->device : NULL;
	char *name;
	int ret;

	if (!mdev)
		return 0;
	/* As the vdpa tool names it: "vdpasim_net", "pci/0000:00:04.0". */
	if (mdev->bus)
		name = kasprintf(GFP_KERNEL, "%s/%s", mdev->bus->name,
				 dev_name(mdev));
	else
		name = kasprintf(GFP_KERNEL, "%s", dev_name(mdev));
	if (!name)
		return -ENOMEM;
	ret = nla_put_string(msg, VUB_ATTR_MGMTDEV_NAME, name);
	kfree(name);
	return ret;
}

static int vub_nl_put_owner(struct sk_buff *msg, struct vub_dev *v)
{
	const struct vub_owner_info *oi = &v->owner_info;
	bool fe = oi->flags & VUB_OWNER_F_FRONTEND;

	if (!v->opened)
		return 0;
	/* The requester's pid namespace (0 where the owner is not seen). */
	if (nla_put_u32(msg, VUB_ATTR_OWNER_PID, pid_vnr(v->owner)) ||
	    nla_put_string(msg, VUB_ATTR_OWNER_LABEL, oi->label) ||
	    nla_put_u8(msg, VUB_ATTR_FRONTEND_CONNECTED, fe))
		return -EMSGSIZE;
	if (fe && (nla_put_u32(msg, VUB_ATTR_FRONTEND_PID, oi->frontend_pid) ||
		   nla_put_u32(msg, VUB_ATTR_FRONTEND_UID, oi->frontend_uid)))
		return -EMSGSIZE;
	return 0;
}

/* One DEV_GET message. @v: lock held, not dead. */
static int vub_nl_fill_dev(struct sk_buff *msg, struct vub_dev *v, u32 portid,
			   u32 seq, int flags)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_device *vdpa = v->vdpa;
	u64 kicks = 0, irqs = 0;
	char *node;
	void *hdr;
	int ret;
	u32 i;

	hdr = genlmsg_put(msg, portid, seq, &vub_genl_family, flags,
			  VUB_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;

	for (i = 0; i < v->nvqs; i++) {
		kicks += atomic64_read(&v->vqs[i].kicks);
		irqs += atomic64_read(&v->vqs[i].interrupts);
	}

	node = kasprintf(GFP_KERNEL, "/dev/vubridge/%s", dev_name(&v->dev));
	if (!node) {
		ret = -ENOMEM;
		goto err;
	}
	ret = nla_put_string(msg, VUB_ATTR_DEV_NAME, dev_name(&v->dev)) ?:
	      nla_put_string(msg, VUB_ATTR_DEV_NODE, node);
	kfree(node);
	if (ret)
		goto err;
	ret = vub_nl_put_mgmtdev(msg, vdpa);
	if (ret)
		goto err;

	ret = -EMSGSIZE;
	if (nla_put_u32(msg, VUB_ATTR_DEVICE_ID, ops->get_device_id(vdpa)) ||
	    nla_put_u32(msg, VUB_ATTR_VENDOR_ID, ops->get_vendor_id(vdpa)) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_DEVICE_FEATURES,
			      ops->get_device_features(vdpa), VUB_ATTR_PAD) ||
	    nla_put_u8(msg, VUB_ATTR_STATUS, vub_status(v)) ||
	    nla_put_u32(msg, VUB_ATTR_NUM_QUEUES, v->nvqs) ||
	    nla_put_u32(msg, VUB_ATTR_MAX_QUEUE_SIZE,
			ops->get_vq_num_max(vdpa)) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_ABILITIES, vub_abilities(v),
			      VUB_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_PINNED_PAGES,
			      atomic64_read(&v->pinned), VUB_ATTR_PAD) ||
	    nla_put_u32(msg, VUB_ATTR_MEM_REGIONS, v->nregions) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_KICKS, kicks, VUB_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_INTERRUPTS, irqs, VUB_ATTR_PAD))
		goto err;
	if (v->features_set &&
	    nla_put_u64_64bit(msg, VUB_ATTR_NEGOTIATED_FEATURES,
			      ops->get_driver_features(vdpa), VUB_ATTR_PAD))
		goto err;
	ret = vub_nl_put_owner(msg, v);
	if (ret)
		goto err;

	genlmsg_end(msg, hdr);
	return 0;
err:
	genlmsg_cancel(msg, hdr);
	return ret;
}

static int vub_nl_put_vendor(struct sk_buff *msg, struct vub_dev *v, u16 idx)
{
	struct vub_queue_stats *qs;
	struct nlattr *all, *one;
	int ret;
	u32 i;

	qs = kzalloc(sizeof(*qs), GFP_KERNEL);
	if (!qs)
		return -ENOMEM;
	ret = vub_vendor_stats(v, idx, qs);
	if (ret || !qs->num_vendor)
		goto out;

	ret = -EMSGSIZE;
	all = nla_nest_start(msg, VUB_ATTR_VENDOR_STATS);
	if (!all)
		goto out;
	for (i = 0; i < qs->num_vendor; i++) {
		one = nla_nest_start(msg, VUB_ATTR_VENDOR_STAT);
		if (!one ||
		    nla_put_string(msg, VUB_ATTR_VENDOR_STAT_NAME,
				   qs->vendor[i].name) ||
		    nla_put_u64_64bit(msg, VUB_ATTR_VENDOR_STAT_VALUE,
				      qs->vendor[i].value, VUB_ATTR_PAD))
			goto out;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, all);
	ret = 0;
out:
	kfree(qs);
	return ret;
}

/* Where the device is in a started ring, if it can tell. */
static int vub_nl_put_position(struct sk_buff *msg, struct vub_dev *v,
			       struct vub_vq *vq)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vdpa_vq_state st = {};
	u32 avail, used;

	if (ops->get_vq_state(v->vdpa, vq->index, &st))
		return 0;
	if (!vq->packed)
		return nla_put_u32(msg, VUB_ATTR_QUEUE_AVAIL_IDX,
				   st.split.avail_index);
	avail = st.packed.last_avail_idx |
		(u32)st.packed.last_avail_counter << 15;
	used = st.packed.last_used_idx |
	       (u32)st.packed.last_used_counter << 15;
	if (nla_put_u32(msg, VUB_ATTR_QUEUE_AVAIL_IDX, avail) ||
	    nla_put_u32(msg, VUB_ATTR_QUEUE_USED_IDX, used))
		return -EMSGSIZE;
	return 0;
}

/* One QUEUE_GET message. @v: lock held, not dead; @idx < nvqs. */
static int vub_nl_fill_queue(struct sk_buff *msg, struct vub_dev *v, u16 idx,
			     u32 portid, u32 seq, int flags)
{
	struct vub_vq *vq = &v->vqs[idx];
	struct vub_queue_info qi;
	void *hdr;
	int ret;

	hdr = genlmsg_put(msg, portid, seq, &vub_genl_family, flags,
			  VUB_CMD_QUEUE_GET);
	if (!hdr)
		return -EMSGSIZE;

	vub_queue_info_fill(v, idx, &qi);
	ret = -EMSGSIZE;
	if (nla_put_string(msg, VUB_ATTR_DEV_NAME, dev_name(&v->dev)) ||
	    nla_put_u32(msg, VUB_ATTR_QUEUE_INDEX, idx) ||
	    nla_put_u32(msg, VUB_ATTR_QUEUE_FLAGS, qi.flags) ||
	    nla_put_u32(msg, VUB_ATTR_QUEUE_SIZE, qi.size) ||
	    nla_put_u32(msg, VUB_ATTR_QUEUE_MAX_SIZE, qi.max_size) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_QUEUE_KICKS,
			      atomic64_read(&vq->kicks), VUB_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, VUB_ATTR_QUEUE_INTERRUPTS,
			      atomic64_read(&vq->interrupts), VUB_ATTR_PAD))
		goto err;
	if (vq->started) {
		if (nla_put_u8(msg, VUB_ATTR_QUEUE_PACKED, vq->packed) ||
		    nla_put_u64_64bit(msg, VUB_ATTR_QUEUE_DESC_ADDR,
				      vq->desc_addr, VUB_ATTR_PAD) ||
		    nla_put_u64_64bit(msg, VUB_ATTR_QUEUE_DRIVER_ADDR,
				      vq->driver_addr, VUB_ATTR_PAD) ||
		    nla_put_u64_64bit(msg, VUB_ATTR_QUEUE_DEVICE_ADDR,
				      vq->device_addr, VUB_ATTR_PAD))
			goto err;
		ret = vub_nl_put_position(msg, v, vq);
		if (ret)
			goto err;
	}
	ret = vub_nl_put_vendor(msg, v, idx);
	if (ret)
		goto err;

	genlmsg_end(msg, hdr);
	return 0;
err:
	genlmsg_cancel(msg, hdr);
	return ret;
}

/*
 * Lock a device found in the registry for reading; ENODEV (with the
 * extack) if it was removed since.
 */
static int vub_nl_lock(struct vub_dev *v, struct netlink_ext_ack *extack)
{
	if (mutex_lock_killable(&v->lock))
		return -EINTR;
	if (v->dead) {
		mutex_unlock(&v->lock);
		NL_SET_ERR_MSG_FMT(extack, "%s: the device was removed",
				   dev_name(&v->dev));
		return -ENODEV;
	}
	return 0;
}

static int vub_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct vub_dev *v;
	int ret;

	v = vub_nl_find(info->attrs, info->extack, &ret);
	if (!v)
		return ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put;
	}
	ret = vub_nl_lock(v, info->extack);
	if (ret)
		goto out_free;
	ret = vub_nl_fill_dev(msg, v, info->snd_portid, info->snd_seq, 0);
	mutex_unlock(&v->lock);
	if (ret)
		goto out_free;
	put_device(&v->dev);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out_put:
	put_device(&v->dev);
	return ret;
}

static int vub_nl_dev_get_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);

	if (info->attrs[VUB_ATTR_DEV_NAME]) {
		NL_SET_BAD_ATTR(cb->extack, info->attrs[VUB_ATTR_DEV_NAME]);
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "a device dump takes no device name (ask without NLM_F_DUMP for one device)");
		return -EINVAL;
	}
	return 0;
}

/* cb->args[0]: registry position of the next device to send. */
static int vub_nl_dev_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	unsigned long pos = cb->args[0];
	struct vub_dev *v;
	int ret = 0;

	while ((v = vub_registry_next(&pos))) {
		if (mutex_lock_killable(&v->lock)) {
			put_device(&v->dev);
			return -EINTR;
		}
		/* A device removed since it was found is left out. */
		if (!v->dead)
			ret = vub_nl_fill_dev(skb, v,
					      NETLINK_CB(cb->skb).portid,
					      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		mutex_unlock(&v->lock);
		put_device(&v->dev);
		if (ret)
			break;
		pos++;
	}
	cb->args[0] = pos;
	/* A full message ends this part; one too big for any part fails. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static int vub_nl_queue_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *qattr = info->attrs[VUB_ATTR_QUEUE_INDEX];
	struct sk_buff *msg;
	struct vub_dev *v;
	u32 idx;
	int ret;

	if (!qattr) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "missing queue index (VUB_ATTR_QUEUE_INDEX)");
		return -EINVAL;
	}
	v = vub_nl_find(info->attrs, info->extack, &ret);
	if (!v)
		return ret;

	idx = nla_get_u32(qattr);
	if (idx >= v->nvqs) {
		NL_SET_BAD_ATTR(info->extack, qattr);
		NL_SET_ERR_MSG_FMT(info->extack,
				   "%s: queue %u out of range (%u queues)",
				   dev_name(&v->dev), idx,
				   v->nvqs);
		ret = -ERANGE;
		goto out_put;
	}
	idx = array_index_nospec(idx, v->nvqs);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put;
	}
	ret = vub_nl_lock(v, info->extack);
	if (ret)
		goto out_free;
	ret = vub_nl_fill_queue(msg, v, idx, info->snd_portid, info->snd_seq,
				0);
	mutex_unlock(&v->lock);
	if (ret)
		goto out_free;
	put_device(&v->dev);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out_put:
	put_device(&v->dev);
	return ret;
}

/*
 * A queue dump is of one device: the device, found at the start, is kept
 * referenced in cb->args[1] until the dump is done; cb->args[0] is the next
 * queue to send.
 */
static int vub_nl_queue_get_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct vub_dev *v;
	int ret;

	if (info->attrs[VUB_ATTR_QUEUE_INDEX]) {
		NL_SET_BAD_ATTR(cb->extack, info->attrs[VUB_ATTR_QUEUE_INDEX]);
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "a queue dump takes no queue index (ask without NLM_F_DUMP for one queue)");
		return -EINVAL;
	}
	v = vub_nl_find(info->attrs, cb->extack, &ret);
	if (!v)
		return ret;
	cb->args[1] = (long)v;
	return 0;
}

static int vub_nl_queue_get_done(struct netlink_callback *cb)
{
	struct vub_dev *v = (struct vub_dev *)cb->args[1];

	if (v)
		put_device(&v->dev);
	return 0;
}

static int vub_nl_queue_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct vub_dev *v = (struct vub_dev *)cb->args[1];
	unsigned long idx = cb->args[0];
	int ret = 0;

	if (mutex_lock_killable(&v->lock))
		return -EINTR;
	/* Removed during the dump: what was sent stays, the rest is not. */
	for (; !v->dead && idx < v->nvqs; idx++) {
		ret = vub_nl_fill_queue(skb, v, idx,
					NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret)
			break;
	}
	mutex_unlock(&v->lock);
	cb->args[0] = idx;
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static const struct genl_ops vub_genl_ops[] = {
	{
		.cmd = VUB_CMD_DEV_GET,
		.doit = vub_nl_dev_get_doit,
		.start = vub_nl_dev_get_start,
		.dumpit = vub_nl_dev_get_dumpit,
		.policy = vub_nl_dev_policy,
		.maxattr = VUB_ATTR_MAX,
	},
	{
		.cmd = VUB_CMD_QUEUE_GET,
		.doit = vub_nl_queue_get_doit,
		.start = vub_nl_queue_get_start,
		.dumpit = vub_nl_queue_get_dumpit,
		.done = vub_nl_queue_get_done,
		.policy = vub_nl_queue_policy,
		.maxattr = VUB_ATTR_MAX,
	},
	{
		.cmd = VUB_CMD_DEV_BIND,
		.doit = vub_nl_dev_bind,
		.policy = vub_nl_dev_policy,
		.maxattr = VUB_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VUB_CMD_DEV_UNBIND,
		.doit = vub_nl_dev_unbind,
		.policy = vub_nl_dev_policy,
		.maxattr = VUB_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vub_genl_mcgrps[] = {
	{ .name = VUB_GENL_MCGRP_EVENTS, },
};

/* A new family: resv_start_op 0 makes every command strictly validated. */
struct genl_family vub_genl_family __ro_after_init = {
	.name = VUB_GENL_NAME,
	.version = VUB_GENL_VERSION,
	.maxattr = VUB_ATTR_MAX,
	.module = THIS_MODULE,
	.ops = vub_genl_ops,
	.n_ops = ARRAY_SIZE(vub_genl_ops),
	.mcgrps = vub_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vub_genl_mcgrps),
	.parallel_ops = true,
};

int __init vub_genl_init(void)
{
	return genl_register_family(&vub_genl_family);
}

/* Waits for every handler to return; no event may be sent after it. */
void vub_genl_exit(void)
{
	genl_unregister_family(&vub_genl_family);
}
