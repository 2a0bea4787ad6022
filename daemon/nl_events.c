// SPDX-License-Identifier: GPL-2.0
/*
 * nl_events.c - vubridge's events through libnl-3 (see nl_events.h).
 *
 * The socket is non-blocking and watched by the daemon's epoll loop; each
 * readiness reads what is queued and hands every VUB_CMD_EVENT to the
 * callback. An overrun (ENOBUFS) loses events: logged, and udev and the
 * device file's own errors still tell the daemon what matters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/vubridge.h>

#include "log.h"
#include "nl_events.h"

struct nl_events {
	struct vu_loop *loop;
	nl_event_fn fn;
	void *arg;
	struct nl_sock *sk;	/* joined, or NULL */
	int family;
	bool said_missing;
};

static struct nla_policy event_policy[VUB_ATTR_MAX + 1] = {
	[VUB_ATTR_DEV_NAME] = { .type = NLA_STRING },
	[VUB_ATTR_EVENT] = { .type = NLA_U32 },
	[VUB_ATTR_QUEUE_INDEX] = { .type = NLA_U32 },
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct nl_events *ev = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[VUB_ATTR_MAX + 1];
	char name[64];
	int64_t queue = -1;

	if (nlh->nlmsg_type != ev->family || g->cmd != VUB_CMD_EVENT)
		return NL_OK;
	/* Attributes newer than ours are ignored by genlmsg_parse. */
	if (genlmsg_parse(nlh, 0, tb, VUB_ATTR_MAX, event_policy) < 0 ||
	    !tb[VUB_ATTR_EVENT] || !tb[VUB_ATTR_DEV_NAME])
		return NL_OK;
	nla_strlcpy(name, tb[VUB_ATTR_DEV_NAME], sizeof(name));
	if (tb[VUB_ATTR_QUEUE_INDEX])
		queue = nla_get_u32(tb[VUB_ATTR_QUEUE_INDEX]);
	ev->fn(ev->arg, nla_get_u32(tb[VUB_ATTR_EVENT]), name, queue);
	return NL_OK;
}

static void on_readable(void *arg, int fd, uint32_t events)
{
	struct nl_events *ev = arg;
	int ret;

	(void)fd;
	(void)events;
	ret = nl_recvmsgs_default(ev->sk);
	if (ret == -NLE_NOMEM)	/* libnl's ENOBUFS: the queue overflowed */
		log_warn("-", "vubridge events lost (receive queue full)");
	else if (ret < 0 && ret != -NLE_AGAIN)
		log_debug("-", "vubridge events: %s", nl_geterror(ret));
}

struct nl_events *nl_events_new(struct vu_loop *loop, nl_event_fn fn,
				void *arg)
{
	struct nl_events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->loop = loop;
	ev->fn = fn;
	ev->arg = arg;
	return ev;
}

int nl_events_join(struct nl_events *ev)
{
	struct nl_sock *sk;
	int grp, ret;

	if (!ev)
		return -ENOMEM;
	if (ev->sk)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret < 0)
		goto err;
	ev->family = genl_ctrl_resolve(sk, VUB_GENL_NAME);
	grp = genl_ctrl_resolve_grp(sk, VUB_GENL_NAME, VUB_GENL_MCGRP_EVENTS);
	if (ev->family < 0 || grp < 0) {
		if (!ev->said_missing)
			log_info("-", "no generic netlink family \"%s\" (vubridge.ko not loaded yet?): running without its events until a device appears",
				 VUB_GENL_NAME);
		ev->said_missing = true;
		goto err;
	}
	nl_socket_disable_seq_check(sk);
	ret = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, ev);
	if (ret >= 0)
		ret = nl_socket_add_membership(sk, grp);
	if (ret >= 0)
		ret = nl_socket_set_nonblocking(sk);
	if (ret < 0) {
		/* E.g. a group that needs a capability we were not given. */
		if (!ev->said_missing)
			log_warn("-", "cannot follow vubridge's events: %s; running without them",
				 nl_geterror(ret));
		ev->said_missing = true;
		goto err;
	}
	if (ev->loop->watch(ev->loop, nl_socket_get_fd(sk), VU_EV_IN,
			    on_readable, ev) < 0) {
		ret = -NLE_NOMEM;
		goto err;
	}
	ev->sk = sk;
	log_info("-", "following vubridge's generic netlink events");
	return 0;
err:
	nl_socket_free(sk);
	/* libnl's codes are its own: report them as "not there". */
	return -ENOENT;
}

void nl_events_log(uint32_t event, const char *name, int64_t queue)
{
	switch (event) {
	case VUB_EVENT_CONFIG_CHANGED:
		log_info(name, "the device's configuration changed");
		break;
	case VUB_EVENT_ERROR:
		if (queue >= 0)
			log_warn(name, "the device reported an error on queue %lld",
				 (long long)queue);
		else
			log_warn(name, "the device reported an error");
		break;
	default:
		log_debug(name, "vubridge event %u", event);
	}
}

void nl_events_free(struct nl_events *ev)
{
	if (!ev)
		return;
	if (ev->sk) {
		ev->loop->unwatch(ev->loop, nl_socket_get_fd(ev->sk));
		nl_socket_free(ev->sk);
	}
	free(ev);
}
