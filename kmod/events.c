// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: events on the generic-netlink family's "events" group.
 *
 * Every event is sent from process context with GFP_KERNEL: the callers are
 * probe and remove, open and release, ioctls, and the work items that
 * handle a config interrupt (status_work) or the config comparison
 * (cfgpoll_work); the config callback itself, which may run in hard-irq
 * context, only queues status_work. None of this takes vub_dev.lock, so
 * events may be sent with it held or not (the work items run without it and
 * are cancelled under it).
 *
 * Pids are those of the initial pid namespace: a multicast message is the
 * same for every listener. The module sends nothing after the family is
 * unregistered: on unload, the driver (and with it every device) goes first.
 */

#include <linux/pid.h>
#include <net/genetlink.h>

#include "vub.h"

static struct sk_buff *vub_event_new(struct vub_dev *v, u32 event, void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&vub_genl_family, &init_net, 0))
		return NULL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &vub_genl_family, 0, VUB_CMD_EVENT);
	if (!*hdr ||
	    nla_put_u32(msg, VUB_ATTR_EVENT, event) ||
	    nla_put_string(msg, VUB_ATTR_DEV_NAME, dev_name(&v->dev))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* A listener that cannot take it (ENOBUFS) learns of the loss on recv(). */
static void vub_event_send(struct sk_buff *msg, void *hdr)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&vub_genl_family, msg, 0, 0, GFP_KERNEL);
}

/**
 * vub_event() - send an event that carries only the device name
 * @v: device
 * @event: VUB_EVENT_BOUND, _UNBOUND, _CONFIG_CHANGED, _RESET or _ERROR
 */
void vub_event(struct vub_dev *v, u32 event)
{
	struct sk_buff *msg;
	void *hdr;

	msg = vub_event_new(v, event, &hdr);
	if (msg)
		vub_event_send(msg, hdr);
}

/**
 * vub_event_owner() - send VUB_EVENT_OWNER_ATTACHED or _RELEASED
 * @v: device
 * @event: the event
 * @owner: the owner attached or released
 */
void vub_event_owner(struct vub_dev *v, u32 event, struct pid *owner)
{
	struct sk_buff *msg;
	void *hdr;

	msg = vub_event_new(v, event, &hdr);
	if (!msg)
		return;
	if (nla_put_u32(msg, VUB_ATTR_OWNER_PID, pid_nr(owner))) {
		nlmsg_free(msg);
		return;
	}
	vub_event_send(msg, hdr);
}

/**
 * vub_event_frontend() - send VUB_EVENT_FRONTEND_CONNECTED (with what the
 *	owner registered) or _DISCONNECTED, after @oi's VUB_OWNER_F_FRONTEND
 * @v: device
 * @oi: the owner's registration after the change
 */
void vub_event_frontend(struct vub_dev *v, const struct vub_owner_info *oi)
{
	bool on = oi->flags & VUB_OWNER_F_FRONTEND;
	struct sk_buff *msg;
	void *hdr;

	msg = vub_event_new(v, on ? VUB_EVENT_FRONTEND_CONNECTED :
			    VUB_EVENT_FRONTEND_DISCONNECTED, &hdr);
	if (!msg)
		return;
	if (on &&
	    (nla_put_u32(msg, VUB_ATTR_FRONTEND_PID, oi->frontend_pid) ||
	     nla_put_u32(msg, VUB_ATTR_FRONTEND_UID, oi->frontend_uid) ||
	     nla_put_string(msg, VUB_ATTR_OWNER_LABEL, oi->label))) {
		nlmsg_free(msg);
		return;
	}
	vub_event_send(msg, hdr);
}
