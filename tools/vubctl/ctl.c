// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the netlink socket and the two generic-netlink families vubctl
 * talks to, resolved on first use with a message that says what to load.
 */
#include <errno.h>

#include "vubctl.h"

int ctl_open(struct vubctl *c)
{
	int ret;

	if (c->nl_open)
		return 0;
	ret = nl_open(&c->nl);
	if (ret)
		return fail(c, ret, "cannot open a generic netlink socket"), ret;
	c->nl_open = true;
	return 0;
}

int ctl_vub(struct vubctl *c)
{
	int ret;

	if (c->vub_family)
		return 0;
	ret = ctl_open(c);
	if (ret)
		return ret;
	ret = nl_family(&c->nl, VUB_GENL_NAME, &c->vub_family,
			VUB_GENL_MCGRP_EVENTS, &c->vub_events);
	if (ret == -ENOENT) {
		fail_msg(c, "generic netlink family \"%s\" not found: is vubridge.ko loaded? (modprobe vubridge)",
			 VUB_GENL_NAME);
		return ret;
	}
	if (ret)
		fail(c, ret, "generic netlink family \"%s\"", VUB_GENL_NAME);
	return ret;
}

int ctl_vdpa(struct vubctl *c)
{
	int ret;

	if (c->vdpa_family)
		return 0;
	ret = ctl_open(c);
	if (ret)
		return ret;
	ret = nl_family(&c->nl, VDPA_GENL_NAME, &c->vdpa_family, NULL, NULL);
	if (ret == -ENOENT) {
		fail_msg(c, "generic netlink family \"%s\" not found: is the vdpa module loaded? (modprobe vdpa)",
			 VDPA_GENL_NAME);
		return ret;
	}
	if (ret)
		fail(c, ret, "generic netlink family \"%s\"", VDPA_GENL_NAME);
	return ret;
}
