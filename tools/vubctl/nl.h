/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl.h - generic netlink over libmnl: resolve a family, send a request,
 * run the replies (one, or a dump) through a callback, keep the kernel's
 * extack message, parse attributes against a policy table.
 */
#ifndef VUBCTL_NL_H
#define VUBCTL_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char *buf;			/* MNL_SOCKET_BUFFER_SIZE+ bytes */
	size_t buf_size;
	char ext_msg[256];		/* last error's extack text, or "" */
};

/* Open and bind a NETLINK_GENERIC socket with extended acks. -errno. */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/*
 * Resolve family @name: its id into @family; if @grp is set, the id of
 * its multicast group @grp into @grp_id. -ENOENT: no such family (or
 * group).
 */
int nl_family(struct nl *nl, const char *name, uint16_t *family,
	      const char *grp, uint32_t *grp_id);

/* Start a request in nl->buf: command @cmd of @family; @dump adds
 * NLM_F_DUMP. */
struct nlmsghdr *nl_req(struct nl *nl, uint16_t family, uint8_t cmd,
			uint8_t version, bool dump);

/*
 * Send @nlh and feed every reply message to @cb until the ack or the end
 * of the dump. Returns 0 or -errno (the kernel's, with nl->ext_msg set to
 * its extack message when it gave one).
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * Attributes after the genl header (or of a nest, nl_parse_nested) into
 * @tb[0..@max]. An attribute above @max (a newer kernel's) is skipped;
 * one failing its type's check in @policy is skipped too, so a kernel
 * that changed a type cannot make us read past the attribute.
 */
void nl_parse(const struct nlmsghdr *nlh, const enum mnl_attr_data_type *policy,
	      unsigned int max, const struct nlattr **tb);
void nl_parse_nested(const struct nlattr *nest,
		     const enum mnl_attr_data_type *policy, unsigned int max,
		     const struct nlattr **tb);

/* Read an attribute of @tb with a default when absent. */
uint64_t nl_u64(const struct nlattr *a, uint64_t def);
uint32_t nl_u32(const struct nlattr *a, uint32_t def);
uint8_t nl_u8(const struct nlattr *a, uint8_t def);
const char *nl_str(const struct nlattr *a, const char *def);

#endif /* VUBCTL_NL_H */
