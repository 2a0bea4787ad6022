// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c - generic netlink plumbing for vubctl (see nl.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

/* Large enough for one dump batch of the kernel (it fills up to 32 KiB). */
#define NL_BUF_SIZE	(64 * 1024)

int nl_open(struct nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->buf_size = NL_BUF_SIZE;
	nl->buf = malloc(nl->buf_size);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		goto err;
	/* The kernel's error text, and no copy of our request in errors. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return 0;
err:
	one = -errno;
	nl_close(nl);
	return one;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

struct nlmsghdr *nl_req(struct nl *nl, uint16_t family, uint8_t cmd,
			uint8_t version, bool dump)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* The extack TLVs after an error (or a dump's final status). */
static void read_extack(struct nl *nl, const struct nlmsghdr *nlh,
			size_t offset)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, offset) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
				 mnl_attr_get_str(a));
			/* The kernel's messages may end in a newline. */
			nl->ext_msg[strcspn(nl->ext_msg, "\n")] = '\0';
		}
	}
}

static struct nl *cur_nl;	/* the socket nl_talk() is reading for */

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset;

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	/* Attributes follow the error and (uncapped) the original request. */
	offset = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	read_extack(cur_nl, nlh, offset);
	errno = -e->error;
	return MNL_CB_ERROR;
}

/* A dump's end carries its status: an error from the first batch. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = 0;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		read_extack(cur_nl, nlh, sizeof(int));
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nl->ext_msg[0] = '\0';
	cur_nl = nl;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_size);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, cb, data,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	if (ret < 0)
		return errno ? -errno : -EIO;
	return 0;
}

struct family_q {
	const char *grp;
	uint16_t id;
	uint32_t grp_id;
	bool grp_found;
};

static void family_groups(const struct nlattr *groups, struct family_q *q)
{
	const struct nlattr *g, *a;

	mnl_attr_for_each_nested(g, groups) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && q->grp && !strcmp(name, q->grp)) {
			q->grp_id = id;
			q->grp_found = true;
		}
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_q *q = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				q->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			family_groups(a, q);
			break;
		}
	}
	return MNL_CB_OK;
}

int nl_family(struct nl *nl, const char *name, uint16_t *family,
	      const char *grp, uint32_t *grp_id)
{
	struct family_q q = { .grp = grp };
	struct nlmsghdr *nlh;
	int ret;

	nlh = nl_req(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, false);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	ret = nl_talk(nl, nlh, family_cb, &q);
	if (ret)
		return ret;
	if (!q.id || (grp && !q.grp_found))
		return -ENOENT;
	*family = q.id;
	if (grp_id)
		*grp_id = q.grp_id;
	return 0;
}

struct parse_ctx {
	const enum mnl_attr_data_type *policy;
	unsigned int max;
	const struct nlattr **tb;
};

static int parse_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type > c->max)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, c->policy[type]) < 0)
		return MNL_CB_OK;
	c->tb[type] = a;
	return MNL_CB_OK;
}

void nl_parse(const struct nlmsghdr *nlh, const enum mnl_attr_data_type *policy,
	      unsigned int max, const struct nlattr **tb)
{
	struct parse_ctx c = { policy, max, tb };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_cb, &c);
}

void nl_parse_nested(const struct nlattr *nest,
		     const enum mnl_attr_data_type *policy, unsigned int max,
		     const struct nlattr **tb)
{
	struct parse_ctx c = { policy, max, tb };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_parse_nested(nest, parse_cb, &c);
}

uint64_t nl_u64(const struct nlattr *a, uint64_t def)
{
	return a ? mnl_attr_get_u64(a) : def;
}

uint32_t nl_u32(const struct nlattr *a, uint32_t def)
{
	return a ? mnl_attr_get_u32(a) : def;
}

uint8_t nl_u8(const struct nlattr *a, uint8_t def)
{
	return a ? mnl_attr_get_u8(a) : def;
}

const char *nl_str(const struct nlattr *a, const char *def)
{
	return a ? mnl_attr_get_str(a) : def;
}
