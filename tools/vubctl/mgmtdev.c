// SPDX-License-Identifier: GPL-2.0
/*
 * mgmtdev.c - "vubctl mgmtdev show": the vDPA management devices that
 * "vubctl dev add" can create devices on (the kernel's vdpa family).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "out.h"
#include "vubctl.h"

static void mgmtdev_usage(FILE *f)
{
	fputs("Usage: vubctl [ -j [ -p ] ] mgmtdev show [ MGMTDEV ]\n"
	      "MGMTDEV: \"vdpasim_net\", or BUS/DEVICE as \"pci/0000:00:04.0\"\n", f);
}

static int mgmtdev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VDPA_ATTR_MAX + 1];
	char name[256], classes[256];
	const char *bus, *dev;
	uint64_t cls;
	unsigned int bit;
	size_t len = 0;

	(void)data;
	nl_parse(nlh, vdpa_policy, VDPA_ATTR_MAX, tb);
	dev = nl_str(tb[VDPA_ATTR_MGMTDEV_DEV_NAME], NULL);
	if (!dev)
		return MNL_CB_OK;
	bus = nl_str(tb[VDPA_ATTR_MGMTDEV_BUS_NAME], NULL);
	if (bus)
		snprintf(name, sizeof(name), "%s/%s", bus, dev);
	else
		snprintf(name, sizeof(name), "%s", dev);

	out_open_object(name);
	out_text("%s\n", name);
	cls = nl_u64(tb[VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES], 0);
	classes[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		const char *n = device_type_name(bit);
		int w;

		if (!(cls & (1ULL << bit)))
			continue;
		w = snprintf(classes + len, sizeof(classes) - len, "%s%s",
			     len ? " " : "", n ? n : "unknown");
		if (w < 0 || (size_t)w >= sizeof(classes) - len)
			break;
		len += (size_t)w;
	}
	if (out_json())
		out_names("supported_classes", NULL, classes);
	else
		out_wrapped("supported classes", classes);
	if (tb[VDPA_ATTR_DEV_MGMTDEV_MAX_VQS])
		out_u64("max_supported_vqs", "  max queues           %" PRIu64 "\n",
			nl_u32(tb[VDPA_ATTR_DEV_MGMTDEV_MAX_VQS], 0));
	/* A management device of one class names its features by it. */
	if (tb[VDPA_ATTR_DEV_SUPPORTED_FEATURES])
		out_features("dev_features", "device features",
			     cls == (1ULL << VIRTIO_ID_BLK_) ? VIRTIO_ID_BLK_ :
			     cls == (1ULL << VIRTIO_ID_NET_) ? VIRTIO_ID_NET_ : 0,
			     nl_u64(tb[VDPA_ATTR_DEV_SUPPORTED_FEATURES], 0));
	out_close_object();
	return MNL_CB_OK;
}

static int mgmtdev_show(struct vubctl *c, struct args *a)
{
	const char *name = arg_next(a);
	struct nlmsghdr *nlh;
	const char *slash;
	char bus[64];
	int ret;

	if (arg_peek(a))
		usage_error("mgmtdev show: unexpected argument \"%s\"",
			    arg_peek(a));
	if (ctl_vdpa(c))
		return EXIT_FAIL;
	nlh = nl_req(&c->nl, c->vdpa_family, VDPA_CMD_MGMTDEV_GET,
		     VDPA_GENL_VERSION, !name);
	if (name) {
		slash = strchr(name, '/');
		if (slash) {
			snprintf(bus, sizeof(bus), "%.*s", (int)(slash - name),
				 name);
			mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_BUS_NAME, bus);
			mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_DEV_NAME,
					  slash + 1);
		} else {
			mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_DEV_NAME, name);
		}
	}
	out_open_object("mgmtdev");
	ret = nl_talk(&c->nl, nlh, mgmtdev_cb, NULL);
	out_close_object();
	if (ret == -ENODEV && name)
		return fail_msg(c, "management device \"%s\" not found", name);
	if (ret)
		return fail(c, ret, "mgmtdev show");
	return 0;
}

int cmd_mgmtdev(struct vubctl *c, struct args *a)
{
	const char *cmd = arg_next(a);

	if (arg_is_help(cmd) || arg_is_help(arg_peek(a))) {
		mgmtdev_usage(stdout);
		return 0;
	}
	if (!cmd || arg_is(cmd, "show") || arg_is(cmd, "list"))
		return mgmtdev_show(c, a);
	fprintf(stderr, "vubctl: unknown command \"%s\" for \"mgmtdev\"; try \"vubctl mgmtdev help\"\n",
		cmd);
	return EXIT_USAGE;
}
