/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vubridge's generic-netlink family from the tests: requests (DEV_GET,
 * QUEUE_GET, BIND, UNBIND, doit or dump), the kernel's extended-ack message
 * of a failure, and the "events" group. Every reply message is decoded into
 * a struct vub_nl_rec: which attributes were present and their values.
 */
#ifndef VUBT_VUB_NL_H
#define VUBT_VUB_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/vubridge.h>

struct vub_nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t events_grp;
	unsigned int seq;
	char ext[256];		/* extack message of the last failure, or "" */
};

#define VUB_NL_MAX_VENDOR 16

struct vub_nl_rec {
	uint8_t cmd;
	uint64_t present;	/* bit (1 << attribute type) */
	uint64_t val[VUB_ATTR_MAX + 1];	/* integer attributes */
	char name[64];
	char node[128];
	char mgmt[64];
	char label[VUB_OWNER_LABEL_LEN];
	int nvendor;
	char vname[VUB_NL_MAX_VENDOR][32];
	uint64_t vval[VUB_NL_MAX_VENDOR];
};

static inline bool vub_nl_has(const struct vub_nl_rec *r, int attr)
{
	return r->present & (1ULL << attr);
}

/* Resolve the family and its events group. 0 or -errno. */
int vub_nl_open(struct vub_nl *n);
void vub_nl_close(struct vub_nl *n);

/* A request header in @buf (MNL_SOCKET_BUFFER_SIZE); add attributes, then
 * vub_nl_talk(). @flags adds to NLM_F_REQUEST | NLM_F_ACK.
 */
struct nlmsghdr *vub_nl_req(struct vub_nl *n, char *buf, uint8_t cmd,
			    uint16_t flags);
/*
 * Send @nlh; decode up to @max reply messages into @recs (may be NULL),
 * their number in *@count (may be NULL). Returns 0 or the kernel's -errno
 * (its extack message in n->ext).
 */
int vub_nl_talk(struct vub_nl *n, struct nlmsghdr *nlh,
		struct vub_nl_rec *recs, int max, int *count);

/* Shorthands: @dev may be NULL (no attribute), @queue < 0 for none. */
int vub_nl_cmd(struct vub_nl *n, uint8_t cmd, bool dump, const char *dev,
	       long queue, struct vub_nl_rec *recs, int max, int *count);
int vub_nl_dev_get(struct vub_nl *n, const char *dev, struct vub_nl_rec *r);
int vub_nl_queue_get(struct vub_nl *n, const char *dev, uint32_t q,
		     struct vub_nl_rec *r);

/* Join the events group. 0 or -errno. */
int vub_nl_events_join(struct vub_nl *n);
/*
 * Next event about device @dev (others are skipped; NULL: any), within
 * @timeout_ms. 0, -ETIMEDOUT or -errno.
 */
int vub_nl_event_next(struct vub_nl *n, const char *dev,
		      struct vub_nl_rec *r, int timeout_ms);

#endif
