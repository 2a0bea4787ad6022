// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - "vubctl dev": create and delete vDPA devices (the kernel's vdpa
 * family), bind and unbind them (vubridge's family), show bound devices.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "out.h"
#include "vubctl.h"

static void dev_usage(FILE *f)
{
	fputs("Usage: vubctl dev add NAME mgmtdev MGMTDEV [ mac MACADDR ] [ mtu MTU ] [ max_vqp N ]\n"
	      "       vubctl dev del NAME\n"
	      "       vubctl dev bind NAME\n"
	      "       vubctl dev unbind NAME\n"
	      "       vubctl [ -j [ -p ] ] dev show [ NAME ]\n"
	      "\n"
	      "add creates a vDPA device on MGMTDEV (see \"vubctl mgmtdev show\") and\n"
	      "binds it to vubridge; bind/unbind steer a device made elsewhere.\n", f);
}

/* Print one device of a DEV_GET reply. */
static int dev_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VUB_ATTR_MAX + 1];
	char buf[1024];
	const char *name, *type;
	uint32_t id, nregions;

	(void)data;
	nl_parse(nlh, vub_policy, VUB_ATTR_MAX, tb);
	name = nl_str(tb[VUB_ATTR_DEV_NAME], NULL);
	if (!name)
		return MNL_CB_OK;	/* nothing to name it by */
	id = nl_u32(tb[VUB_ATTR_DEVICE_ID], 0);
	type = device_type_name(id);

	out_open_object(name);
	out_text("%s\n", name);
	if (tb[VUB_ATTR_DEV_NODE])
		out_str("node", "  node                 %s\n",
			nl_str(tb[VUB_ATTR_DEV_NODE], ""));
	if (tb[VUB_ATTR_MGMTDEV_NAME])
		out_str("mgmtdev", "  mgmtdev              %s\n",
			nl_str(tb[VUB_ATTR_MGMTDEV_NAME], ""));
	out_str("type", "  type                 %s", type ? type : "unknown");
	out_u64("device_id", " (device id %" PRIu64, id);
	out_u64("vendor_id", ", vendor id 0x%" PRIx64 ")\n",
		nl_u32(tb[VUB_ATTR_VENDOR_ID], 0));
	out_u64("num_queues", "  queues               %" PRIu64,
		nl_u32(tb[VUB_ATTR_NUM_QUEUES], 0));
	out_u64("max_queue_size", ", max size %" PRIu64 "\n",
		nl_u32(tb[VUB_ATTR_MAX_QUEUE_SIZE], 0));
	if (tb[VUB_ATTR_STATUS]) {
		uint8_t st = nl_u8(tb[VUB_ATTR_STATUS], 0);

		out_u64("status", "  status               0x%02" PRIx64, st);
		out_names("status_names", " %s\n",
			  status_names(buf, sizeof(buf), st));
	}
	if (tb[VUB_ATTR_OWNER_PID]) {
		out_u64("owner_pid", "  owner                pid %" PRIu64,
			nl_u32(tb[VUB_ATTR_OWNER_PID], 0));
		out_str("owner_label", " label \"%s\"\n",
			nl_str(tb[VUB_ATTR_OWNER_LABEL], ""));
	} else {
		out_text("  owner                none (device file closed)\n");
	}
	if (tb[VUB_ATTR_FRONTEND_CONNECTED]) {
		bool on = nl_u8(tb[VUB_ATTR_FRONTEND_CONNECTED], 0);

		out_bool("frontend_connected", "  frontend connected   %s", on);
		if (on) {
			out_u64("frontend_pid", ", pid %" PRIu64,
				nl_u32(tb[VUB_ATTR_FRONTEND_PID], 0));
			out_u64("frontend_uid", " uid %" PRIu64,
				nl_u32(tb[VUB_ATTR_FRONTEND_UID], 0));
		}
		out_text("\n");
	}
	nregions = nl_u32(tb[VUB_ATTR_MEM_REGIONS], 0);
	out_u64("mem_regions", "  memory               %" PRIu64, nregions);
	out_text(nregions == 1 ? " region" : " regions");
	out_u64("pinned_pages", ", %" PRIu64 " pages pinned\n",
		nl_u64(tb[VUB_ATTR_PINNED_PAGES], 0));
	out_u64("kicks", "  counters             kicks %" PRIu64,
		nl_u64(tb[VUB_ATTR_KICKS], 0));
	out_u64("interrupts", " interrupts %" PRIu64 "\n",
		nl_u64(tb[VUB_ATTR_INTERRUPTS], 0));
	if (tb[VUB_ATTR_ABILITIES]) {
		uint64_t ab = nl_u64(tb[VUB_ATTR_ABILITIES], 0);

		out_hex64("abilities", NULL, ab);
		ability_names(buf, sizeof(buf), ab);
		if (out_json())
			out_names("ability_names", NULL, buf);
		else
			out_wrapped("abilities", buf);
	}
	if (tb[VUB_ATTR_DEVICE_FEATURES])
		out_features("device_features", "device features", id,
			     nl_u64(tb[VUB_ATTR_DEVICE_FEATURES], 0));
	if (tb[VUB_ATTR_NEGOTIATED_FEATURES])
		out_features("negotiated_features", "negotiated features", id,
			     nl_u64(tb[VUB_ATTR_NEGOTIATED_FEATURES], 0));
	out_close_object();
	return MNL_CB_OK;
}

/* The error a command about device @name got, in words. */
static int dev_fail(struct vubctl *c, int err, const char *what,
		    const char *name)
{
	int exists;

	switch (err) {
	case -EPERM:
		return fail_msg(c, "%s %s: %s (CAP_NET_ADMIN needed)", what,
				name, strerror(EPERM));
	case -ENODEV:
		/* The kernel says "not bound to vubridge"; tell apart a
		 * device that does not exist at all. */
		exists = vdpa_dev_exists(c, name);
		if (exists == 0)
			return fail_msg(c, "device \"%s\" not found", name);
		if (exists > 0)
			return fail_msg(c, "device \"%s\" is not bound to vubridge (vubctl dev bind %s)",
					name, name);
		break;
	case -EALREADY:
		return fail_msg(c, "device \"%s\" is already bound to vubridge",
				name);
	case -EBUSY:
		return fail_msg(c, "device \"%s\" is in use: its file /dev/vubridge/%s is open (vubctl dev show %s names the owner)",
				name, name, name);
	case -EEXIST:
		return fail_msg(c, "device \"%s\" already exists", name);
	}
	return fail(c, err, "%s %s", what, name);
}

static int dev_show(struct vubctl *c, struct args *a)
{
	const char *name = arg_next(a);
	struct nlmsghdr *nlh;
	int ret;

	if (arg_is_help(name)) {
		dev_usage(stdout);
		return 0;
	}
	if (name && check_dev_name(name))
		usage_error("\"%s\" is not a device name", name);
	if (arg_peek(a))
		usage_error("dev show: unexpected argument \"%s\"", arg_peek(a));
	if (ctl_vub(c))
		return EXIT_FAIL;
	nlh = nl_req(&c->nl, c->vub_family, VUB_CMD_DEV_GET, VUB_GENL_VERSION,
		     !name);
	if (name)
		mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, name);
	out_open_object("dev");
	ret = nl_talk(&c->nl, nlh, dev_print_cb, NULL);
	out_close_object();
	if (ret)
		return name ? dev_fail(c, ret, "dev show", name)
			    : fail(c, ret, "dev show");
	return 0;
}

/* One vubridge command that takes DEV_NAME and answers with an ack. */
static int vub_dev_cmd(struct vubctl *c, uint8_t cmd, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = nl_req(&c->nl, c->vub_family, cmd, VUB_GENL_VERSION, false);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, name);
	return nl_talk(&c->nl, nlh, NULL, NULL);
}

static const char *dev_name_arg(struct args *a, const char *what)
{
	const char *name = arg_next(a);

	if (!name)
		usage_error("dev %s: a device NAME is needed (vubctl dev help)",
			    what);
	if (check_dev_name(name))
		usage_error("\"%s\" is not a device name", name);
	return name;
}

static int dev_bind(struct vubctl *c, struct args *a, bool bind)
{
	const char *what = bind ? "bind" : "unbind";
	const char *name = dev_name_arg(a, what);
	int ret;

	if (arg_peek(a))
		usage_error("dev %s: unexpected argument \"%s\"", what,
			    arg_peek(a));
	if (ctl_vub(c))
		return EXIT_FAIL;
	ret = vub_dev_cmd(c, bind ? VUB_CMD_DEV_BIND : VUB_CMD_DEV_UNBIND,
			  name);
	if (ret) {
		char w[16];

		snprintf(w, sizeof(w), "dev %s", what);
		return dev_fail(c, ret, w, name);
	}
	return 0;
}

static int vdpa_del(struct vubctl *c, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = nl_req(&c->nl, c->vdpa_family, VDPA_CMD_DEV_DEL, VDPA_GENL_VERSION,
		     false);
	mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	return nl_talk(&c->nl, nlh, NULL, NULL);
}

static int dev_del(struct vubctl *c, struct args *a)
{
	const char *name = dev_name_arg(a, "del");
	int ret;

	if (arg_peek(a))
		usage_error("dev del: unexpected argument \"%s\"", arg_peek(a));
	if (ctl_vdpa(c))
		return EXIT_FAIL;
	ret = vdpa_del(c, name);
	if (ret == -ENODEV)
		return fail_msg(c, "device \"%s\" not found", name);
	if (ret)
		return dev_fail(c, ret, "dev del", name);
	return 0;
}

static int dev_add(struct vubctl *c, struct args *a)
{
	const char *name = dev_name_arg(a, "add");
	const char *mgmt = NULL, *kw, *slash;
	uint32_t mtu = 0, max_vqp = 0;
	bool have_mac = false;
	struct nlmsghdr *nlh;
	uint8_t mac[6];
	char bus[64];
	int ret;

	while ((kw = arg_next(a))) {
		const char *v = arg_value(a, kw);

		if (arg_is(kw, "mgmtdev")) {
			mgmt = v;
		} else if (arg_is(kw, "mac")) {
			if (parse_mac(v, mac))
				usage_error("mac \"%s\": not a MAC address like 02:00:00:00:00:01",
					    v);
			have_mac = true;
		} else if (arg_is(kw, "mtu")) {
			if (parse_u32(v, 68, 65535, &mtu))
				usage_error("mtu \"%s\": not a number in 68..65535",
					    v);
		} else if (arg_is(kw, "max_vqp")) {
			if (parse_u32(v, 1, 0x8000, &max_vqp))
				usage_error("max_vqp \"%s\": not a number in 1..32768",
					    v);
		} else {
			usage_error("dev add: unknown argument \"%s\" (vubctl dev help)",
				    kw);
		}
	}
	if (!mgmt)
		usage_error("dev add %s: \"mgmtdev MGMTDEV\" is needed (vubctl mgmtdev show lists them)",
			    name);
	/* Check both families first: fail before creating anything. */
	if (ctl_vub(c) || ctl_vdpa(c))
		return EXIT_FAIL;

	nlh = nl_req(&c->nl, c->vdpa_family, VDPA_CMD_DEV_NEW, VDPA_GENL_VERSION,
		     false);
	mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	/* "pci/0000:00:04.0" is bus "pci", device "0000:00:04.0". */
	slash = strchr(mgmt, '/');
	if (slash) {
		snprintf(bus, sizeof(bus), "%.*s", (int)(slash - mgmt), mgmt);
		mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_BUS_NAME, bus);
		mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_DEV_NAME, slash + 1);
	} else {
		mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmt);
	}
	if (have_mac)
		mnl_attr_put(nlh, VDPA_ATTR_DEV_NET_CFG_MACADDR, sizeof(mac), mac);
	if (mtu)
		mnl_attr_put_u16(nlh, VDPA_ATTR_DEV_NET_CFG_MTU, (uint16_t)mtu);
	if (max_vqp)
		mnl_attr_put_u16(nlh, VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
				 (uint16_t)max_vqp);
	ret = nl_talk(&c->nl, nlh, NULL, NULL);
	if (ret == -ENODEV)
		return fail_msg(c, "management device \"%s\" not found", mgmt);
	if (ret == -EEXIST)
		return fail_msg(c, "device \"%s\" already exists", name);
	if (ret)
		return dev_fail(c, ret, "dev add", name);

	/* Another driver (vhost_vdpa) may have taken it already: the bind
	 * releases it from there. */
	ret = vub_dev_cmd(c, VUB_CMD_DEV_BIND, name);
	if (ret) {
		int del;

		dev_fail(c, ret, "dev add: binding", name);
		del = vdpa_del(c, name);
		if (del)
			return fail(c, del, "dev add: deleting \"%s\" again",
				    name);
		fprintf(stderr, "vubctl: device \"%s\" deleted again\n", name);
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_dev(struct vubctl *c, struct args *a)
{
	const char *cmd = arg_next(a);

	if (!cmd || arg_is(cmd, "show") || arg_is(cmd, "list"))
		return dev_show(c, a);
	if (arg_is_help(cmd)) {
		dev_usage(stdout);
		return 0;
	}
	if (arg_is_help(arg_peek(a))) {
		dev_usage(stdout);
		return 0;
	}
	if (arg_is(cmd, "add"))
		return dev_add(c, a);
	if (arg_is(cmd, "del"))
		return dev_del(c, a);
	if (arg_is(cmd, "bind"))
		return dev_bind(c, a, true);
	if (arg_is(cmd, "unbind"))
		return dev_bind(c, a, false);
	fprintf(stderr, "vubctl: unknown command \"%s\" for \"dev\"; try \"vubctl dev help\"\n",
		cmd);
	return EXIT_USAGE;
}

/* Dump answers name each device; any reply to DEV_GET doit means yes. */
static int exists_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(bool *)data = true;
	return MNL_CB_OK;
}

int vdpa_dev_exists(struct vubctl *c, const char *name)
{
	char ext[sizeof(c->nl.ext_msg)];
	struct nlmsghdr *nlh;
	bool found = false;
	int ret;

	/* Keep the first error's kernel text for the message. */
	memcpy(ext, c->nl.ext_msg, sizeof(ext));
	if (c->vdpa_family == 0 &&
	    nl_family(&c->nl, VDPA_GENL_NAME, &c->vdpa_family, NULL, NULL))
		return -ENOENT;
	nlh = nl_req(&c->nl, c->vdpa_family, VDPA_CMD_DEV_GET, VDPA_GENL_VERSION,
		     false);
	mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	ret = nl_talk(&c->nl, nlh, exists_cb, &found);
	memcpy(c->nl.ext_msg, ext, sizeof(ext));
	if (ret == -ENODEV)
		return 0;
	if (ret)
		return ret;
	return found;
}
