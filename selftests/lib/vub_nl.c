// SPDX-License-Identifier: GPL-2.0
/* vubridge's generic-netlink family: requests, extack, events (libmnl). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "evwait.h"
#include "vub_nl.h"

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vub_nl *n = data;
	struct nlattr *a, *grp, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			n->family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(grp, a) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(g, grp) {
				if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(g);
				if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(g);
			}
			if (name && !strcmp(name, VUB_GENL_MCGRP_EVENTS))
				n->events_grp = id;
		}
	}
	return MNL_CB_OK;
}

int vub_nl_open(struct vub_nl *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct timeval tmo = { .tv_sec = 20 };
	struct genlmsghdr *g;
	int one = 1, ret;

	memset(n, 0, sizeof(*n));
	n->seq = (unsigned int)time(NULL);
	n->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sock)
		return -errno;
	if (mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	if (mnl_socket_setsockopt(n->sock, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(n->sock, NETLINK_CAP_ACK, &one, sizeof(one)))
		goto err;
	/* a reply that never comes fails the call (EAGAIN), never hangs it */
	if (setsockopt(mnl_socket_get_fd(n->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &tmo, sizeof(tmo)))
		goto err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VUB_GENL_NAME);
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		goto err;
	do {
		ret = (int)mnl_socket_recvfrom(n->sock, buf, sizeof(buf));
		if (ret < 0)
			goto err;
		ret = mnl_cb_run(buf, (size_t)ret, n->seq,
				 mnl_socket_get_portid(n->sock), ctrl_cb, n);
	} while (ret > 0);
	if (ret < 0)
		goto err;
	if (!n->family || !n->events_grp) {
		errno = ENOENT;
		goto err;
	}
	return 0;
err:
	ret = -errno;
	mnl_socket_close(n->sock);
	n->sock = NULL;
	return ret;
}

void vub_nl_close(struct vub_nl *n)
{
	if (n->sock)
		mnl_socket_close(n->sock);
	n->sock = NULL;
}

struct nlmsghdr *vub_nl_req(struct vub_nl *n, char *buf, uint8_t cmd,
			    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = n->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = VUB_GENL_VERSION;
	return nlh;
}

static void copy_str(char *dst, size_t cap, const struct nlattr *a)
{
	snprintf(dst, cap, "%.*s", (int)mnl_attr_get_payload_len(a),
		 (const char *)mnl_attr_get_payload(a));
}

static void decode_vendor(struct vub_nl_rec *r, const struct nlattr *all)
{
	const struct nlattr *one, *a;

	mnl_attr_for_each_nested(one, all) {
		int i = r->nvendor;

		if (i >= VUB_NL_MAX_VENDOR)
			return;
		mnl_attr_for_each_nested(a, one) {
			if (mnl_attr_get_type(a) == VUB_ATTR_VENDOR_STAT_NAME)
				copy_str(r->vname[i], sizeof(r->vname[i]), a);
			if (mnl_attr_get_type(a) == VUB_ATTR_VENDOR_STAT_VALUE)
				r->vval[i] = mnl_attr_get_u64(a);
		}
		r->nvendor++;
	}
}

static void decode(const struct nlmsghdr *nlh, struct vub_nl_rec *r)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	memset(r, 0, sizeof(*r));
	r->cmd = g->cmd;
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		uint16_t t = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		if (t > VUB_ATTR_MAX)
			continue;
		r->present |= 1ULL << t;
		switch (t) {
		case VUB_ATTR_DEV_NAME:
			copy_str(r->name, sizeof(r->name), a);
			break;
		case VUB_ATTR_DEV_NODE:
			copy_str(r->node, sizeof(r->node), a);
			break;
		case VUB_ATTR_MGMTDEV_NAME:
			copy_str(r->mgmt, sizeof(r->mgmt), a);
			break;
		case VUB_ATTR_OWNER_LABEL:
			copy_str(r->label, sizeof(r->label), a);
			break;
		case VUB_ATTR_VENDOR_STATS:
			decode_vendor(r, a);
			break;
		default:
			if (len == 1)
				r->val[t] = mnl_attr_get_u8(a);
			else if (len == 2)
				r->val[t] = mnl_attr_get_u16(a);
			else if (len == 4)
				r->val[t] = mnl_attr_get_u32(a);
			else if (len == 8)
				r->val[t] = mnl_attr_get_u64(a);
			break;
		}
	}
}

/* The extack message of an error message, if any. */
static void extack_msg(struct vub_nl *n, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			copy_str(n->ext, sizeof(n->ext), a);
	}
}

int vub_nl_talk(struct vub_nl *n, struct nlmsghdr *nlh,
		struct vub_nl_rec *recs, int max, int *count)
{
	/* per thread: the race test queries from several */
	static __thread char buf[1 << 16];
	unsigned int seq = nlh->nlmsg_seq;
	int got = 0, done = 0, err = 0;

	n->ext[0] = 0;
	if (count)
		*count = 0;
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (!done) {
		ssize_t got_len = mnl_socket_recvfrom(n->sock, buf, sizeof(buf));
		const struct nlmsghdr *m = (const void *)buf;
		int len = (int)got_len;

		if (got_len < 0)
			return -errno;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;	/* an event or a stale reply */
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				err = e->error;
				if (err)
					extack_msg(n, m);
				done = 1;
				break;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(m);

				if (m->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					err = *e;
				if (err)
					extack_msg(n, m);
				done = 1;
				break;
			}
			if (recs && got < max)
				decode(m, &recs[got]);
			got++;
		}
	}
	if (count)
		*count = got;
	return err;
}

int vub_nl_cmd(struct vub_nl *n, uint8_t cmd, bool dump, const char *dev,
	       long queue, struct vub_nl_rec *recs, int max, int *count)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vub_nl_req(n, buf, cmd, dump ? NLM_F_DUMP : 0);

	if (dev)
		mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, dev);
	if (queue >= 0)
		mnl_attr_put_u32(nlh, VUB_ATTR_QUEUE_INDEX, (uint32_t)queue);
	return vub_nl_talk(n, nlh, recs, max, count);
}

int vub_nl_dev_get(struct vub_nl *n, const char *dev, struct vub_nl_rec *r)
{
	int count, ret;

	ret = vub_nl_cmd(n, VUB_CMD_DEV_GET, false, dev, -1, r, 1, &count);
	if (!ret && count != 1)
		ret = -EPROTO;
	return ret;
}

int vub_nl_queue_get(struct vub_nl *n, const char *dev, uint32_t q,
		     struct vub_nl_rec *r)
{
	int count, ret;

	ret = vub_nl_cmd(n, VUB_CMD_QUEUE_GET, false, dev, q, r, 1, &count);
	if (!ret && count != 1)
		ret = -EPROTO;
	return ret;
}

int vub_nl_events_join(struct vub_nl *n)
{
	int grp = (int)n->events_grp;

	if (mnl_socket_setsockopt(n->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)))
		return -errno;
	return 0;
}

int vub_nl_event_next(struct vub_nl *n, const char *dev,
		      struct vub_nl_rec *r, int timeout_ms)
{
	static __thread char buf[1 << 16];
	static __thread size_t have, at;
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		while (at < have) {
			const struct nlmsghdr *m = (const void *)(buf + at);

			if (!mnl_nlmsg_ok(m, (int)(have - at))) {
				at = have;
				break;
			}
			at += NLMSG_ALIGN(m->nlmsg_len);
			if (m->nlmsg_type != n->family || m->nlmsg_seq)
				continue;
			decode(m, r);
			if (r->cmd != VUB_CMD_EVENT)
				continue;
			if (!dev || !strcmp(dev, r->name))
				return 0;
		}

		struct pollfd p = { .fd = mnl_socket_get_fd(n->sock),
				    .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t len;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0)
			return -errno;
		if (!(p.revents & POLLIN))
			continue;
		len = mnl_socket_recvfrom(n->sock, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		have = (size_t)len;
		at = 0;
	}
}
