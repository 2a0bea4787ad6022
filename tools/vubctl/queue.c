// SPDX-License-Identifier: GPL-2.0
/*
 * queue.c - "vubctl queue show" (each queue's set-up and position) and
 * "vubctl stats" (the device's and each queue's counters).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "out.h"
#include "vubctl.h"

static void queue_usage(FILE *f)
{
	fputs("Usage: vubctl [ -j [ -p ] ] queue show NAME [ qidx N ]\n", f);
}

static void stats_usage(FILE *f)
{
	fputs("Usage: vubctl [ -j [ -p ] ] stats [ show ] NAME\n", f);
}

static const enum mnl_attr_data_type stat_policy[VUB_ATTR_MAX + 1] = {
	[VUB_ATTR_VENDOR_STAT_NAME] = MNL_TYPE_NUL_STRING,
	[VUB_ATTR_VENDOR_STAT_VALUE] = MNL_TYPE_U64,
};

/* The device's own counters: JSON "vendor_stats": {name: value}; text
 * "name value ..." after @text_prefix and a newline. Returns whether
 * there was any. */
static bool print_vendor(const struct nlattr *stats, const char *text_prefix)
{
	const struct nlattr *st;
	bool any = false;

	if (!stats)
		return false;
	out_open_object("vendor_stats");
	mnl_attr_for_each_nested(st, stats) {
		const struct nlattr *tb[VUB_ATTR_MAX + 1];

		if (mnl_attr_get_type(st) != VUB_ATTR_VENDOR_STAT ||
		    mnl_attr_validate(st, MNL_TYPE_NESTED) < 0)
			continue;
		nl_parse_nested(st, stat_policy, VUB_ATTR_MAX, tb);
		if (!tb[VUB_ATTR_VENDOR_STAT_NAME] ||
		    !tb[VUB_ATTR_VENDOR_STAT_VALUE])
			continue;
		/* Device names may hold spaces ("rx packets"): "name: value",
		 * comma-separated. */
		out_text("%s", any ? "," : text_prefix);
		any = true;
		out_u64(nl_str(tb[VUB_ATTR_VENDOR_STAT_NAME], ""), NULL,
			nl_u64(tb[VUB_ATTR_VENDOR_STAT_VALUE], 0));
		out_text(" %s: %" PRIu64, nl_str(tb[VUB_ATTR_VENDOR_STAT_NAME], ""),
			 nl_u64(tb[VUB_ATTR_VENDOR_STAT_VALUE], 0));
	}
	out_close_object();
	if (any)
		out_text("\n");
	return any;
}

#define QUEUE_HEADER \
	"QUEUE  STATE     SIZE   MAX    RING    DESC            DRIVER          DEVICE          AVAIL   USED    KICKS        INTERRUPTS   FLAGS\n"

/* An IOVA or index column: the value, or "-" when the device has none. */
static void addr_col(const char *key, const struct nlattr *a)
{
	char buf[24];

	if (!a) {
		out_text("%-16s", "-");
		return;
	}
	snprintf(buf, sizeof(buf), "0x%" PRIx64, mnl_attr_get_u64(a));
	out_u64(key, NULL, mnl_attr_get_u64(a));
	out_text("%-16s", buf);
}

static void idx_col(const char *key, const struct nlattr *a)
{
	if (a)
		out_u64(key, "%-8" PRIu64, mnl_attr_get_u32(a));
	else
		out_text("%-8s", "-");
}

static int queue_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VUB_ATTR_MAX + 1];
	uint32_t flags;
	const char *state;

	(void)data;
	nl_parse(nlh, vub_policy, VUB_ATTR_MAX, tb);
	if (!tb[VUB_ATTR_QUEUE_INDEX])
		return MNL_CB_OK;
	flags = nl_u32(tb[VUB_ATTR_QUEUE_FLAGS], 0);
	if (!(flags & VUB_QUEUE_INFO_F_STARTED))
		state = "stopped";
	else if (flags & VUB_QUEUE_INFO_F_ENABLED)
		state = "enabled";
	else
		state = "disabled";

	out_open_object(NULL);
	out_u64("index", "%-7" PRIu64, nl_u32(tb[VUB_ATTR_QUEUE_INDEX], 0));
	out_str("state", "%-10s", state);
	out_bool("started", NULL, flags & VUB_QUEUE_INFO_F_STARTED);
	out_bool("enabled", NULL, flags & VUB_QUEUE_INFO_F_ENABLED);
	out_u64("size", "%-7" PRIu64, nl_u32(tb[VUB_ATTR_QUEUE_SIZE], 0));
	out_u64("max_size", "%-7" PRIu64, nl_u32(tb[VUB_ATTR_QUEUE_MAX_SIZE], 0));
	if (flags & VUB_QUEUE_INFO_F_STARTED)
		out_str("ring", "%-8s", nl_u8(tb[VUB_ATTR_QUEUE_PACKED], 0) ?
			"packed" : "split");
	else
		out_text("%-8s", "-");
	addr_col("desc_addr", tb[VUB_ATTR_QUEUE_DESC_ADDR]);
	addr_col("driver_addr", tb[VUB_ATTR_QUEUE_DRIVER_ADDR]);
	addr_col("device_addr", tb[VUB_ATTR_QUEUE_DEVICE_ADDR]);
	idx_col("avail_idx", tb[VUB_ATTR_QUEUE_AVAIL_IDX]);
	idx_col("used_idx", tb[VUB_ATTR_QUEUE_USED_IDX]);
	out_u64("kicks", "%-13" PRIu64, nl_u64(tb[VUB_ATTR_QUEUE_KICKS], 0));
	out_u64("interrupts", "%-13" PRIu64,
		nl_u64(tb[VUB_ATTR_QUEUE_INTERRUPTS], 0));
	out_bool("doorbell", NULL, flags & VUB_QUEUE_INFO_F_DOORBELL);
	out_bool("irq", NULL, flags & VUB_QUEUE_INFO_F_IRQ);
	out_text("%s%s%s\n", flags & VUB_QUEUE_INFO_F_DOORBELL ? "doorbell" : "",
		 (flags & VUB_QUEUE_INFO_F_DOORBELL) &&
		 (flags & VUB_QUEUE_INFO_F_IRQ) ? "," : "",
		 flags & VUB_QUEUE_INFO_F_IRQ ? "irq" :
		 (flags & VUB_QUEUE_INFO_F_DOORBELL) ? "" : "-");
	print_vendor(tb[VUB_ATTR_VENDOR_STATS], "       vendor:");
	out_close_object();
	return MNL_CB_OK;
}

/* The error a queue command about @name got, in words. */
static int queue_fail(struct vubctl *c, int err, const char *what,
		      const char *name, const char *qidx)
{
	int exists;

	if (err == -ERANGE && qidx)
		return fail_msg(c, "device \"%s\" has no queue %s", name, qidx);
	if (err == -ENODEV) {
		exists = vdpa_dev_exists(c, name);
		if (exists == 0)
			return fail_msg(c, "device \"%s\" not found", name);
		if (exists > 0)
			return fail_msg(c, "device \"%s\" is not bound to vubridge (vubctl dev bind %s)",
					name, name);
	}
	return fail(c, err, "%s %s", what, name);
}

static const char *name_arg(struct args *a, const char *what)
{
	const char *name = arg_next(a);

	if (!name)
		usage_error("%s: a device NAME is needed", what);
	if (check_dev_name(name))
		usage_error("\"%s\" is not a device name", name);
	return name;
}

static int queue_show(struct vubctl *c, struct args *a)
{
	const char *name = name_arg(a, "queue show");
	const char *kw, *qidx = NULL;
	struct nlmsghdr *nlh;
	uint32_t idx = 0;
	int ret;

	while ((kw = arg_next(a))) {
		if (arg_is(kw, "qidx")) {
			qidx = arg_value(a, kw);
			if (parse_u32(qidx, 0, UINT32_MAX, &idx))
				usage_error("qidx \"%s\": not a queue index",
					    qidx);
		} else {
			usage_error("queue show: unknown argument \"%s\" (vubctl queue help)",
				    kw);
		}
	}
	if (ctl_vub(c))
		return EXIT_FAIL;
	nlh = nl_req(&c->nl, c->vub_family, VUB_CMD_QUEUE_GET,
		     VUB_GENL_VERSION, !qidx);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, name);
	if (qidx)
		mnl_attr_put_u32(nlh, VUB_ATTR_QUEUE_INDEX, idx);
	out_open_object("queue");
	out_open_array(name);
	out_text("dev %s\n" QUEUE_HEADER, name);
	ret = nl_talk(&c->nl, nlh, queue_print_cb, NULL);
	out_close_array();
	out_close_object();
	if (ret)
		return queue_fail(c, ret, "queue show", name, qidx);
	return 0;
}

int cmd_queue(struct vubctl *c, struct args *a)
{
	const char *cmd = arg_next(a);

	if (!cmd || arg_is_help(cmd) || arg_is_help(arg_peek(a))) {
		queue_usage(cmd ? stdout : stderr);
		return cmd ? 0 : EXIT_USAGE;
	}
	if (arg_is(cmd, "show") || arg_is(cmd, "list"))
		return queue_show(c, a);
	fprintf(stderr, "vubctl: unknown command \"%s\" for \"queue\"; try \"vubctl queue help\"\n",
		cmd);
	return EXIT_USAGE;
}

static int stats_dev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VUB_ATTR_MAX + 1];

	(void)data;
	nl_parse(nlh, vub_policy, VUB_ATTR_MAX, tb);
	out_u64("kicks", "kicks %" PRIu64, nl_u64(tb[VUB_ATTR_KICKS], 0));
	out_u64("interrupts", " interrupts %" PRIu64,
		nl_u64(tb[VUB_ATTR_INTERRUPTS], 0));
	out_u64("pinned_pages", " pinned_pages %" PRIu64,
		nl_u64(tb[VUB_ATTR_PINNED_PAGES], 0));
	out_u64("mem_regions", " mem_regions %" PRIu64 "\n",
		nl_u32(tb[VUB_ATTR_MEM_REGIONS], 0));
	return MNL_CB_OK;
}

static int stats_queue_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VUB_ATTR_MAX + 1];

	(void)data;
	nl_parse(nlh, vub_policy, VUB_ATTR_MAX, tb);
	if (!tb[VUB_ATTR_QUEUE_INDEX])
		return MNL_CB_OK;
	out_open_object(NULL);
	out_u64("index", "%-7" PRIu64, nl_u32(tb[VUB_ATTR_QUEUE_INDEX], 0));
	out_u64("kicks", "%-13" PRIu64, nl_u64(tb[VUB_ATTR_QUEUE_KICKS], 0));
	out_u64("interrupts", "%-13" PRIu64,
		nl_u64(tb[VUB_ATTR_QUEUE_INTERRUPTS], 0));
	if (!print_vendor(tb[VUB_ATTR_VENDOR_STATS], ""))
		out_text("-\n");
	out_close_object();
	return MNL_CB_OK;
}

int cmd_stats(struct vubctl *c, struct args *a)
{
	const char *name = arg_peek(a);
	struct nlmsghdr *nlh;
	int ret;

	if (!name || arg_is_help(name)) {
		stats_usage(name ? stdout : stderr);
		return name ? 0 : EXIT_USAGE;
	}
	if (arg_is(name, "show"))
		arg_next(a);
	if (arg_is_help(arg_peek(a))) {
		stats_usage(stdout);
		return 0;
	}
	name = name_arg(a, "stats");
	if (arg_peek(a))
		usage_error("stats: unexpected argument \"%s\"", arg_peek(a));
	if (ctl_vub(c))
		return EXIT_FAIL;

	out_open_object("stats");
	out_open_object(name);
	out_text("dev %s: ", name);
	nlh = nl_req(&c->nl, c->vub_family, VUB_CMD_DEV_GET, VUB_GENL_VERSION,
		     false);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, name);
	ret = nl_talk(&c->nl, nlh, stats_dev_cb, NULL);
	if (ret)
		return queue_fail(c, ret, "stats", name, NULL);
	nlh = nl_req(&c->nl, c->vub_family, VUB_CMD_QUEUE_GET,
		     VUB_GENL_VERSION, true);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, name);
	out_open_array("queues");
	out_text("QUEUE  KICKS        INTERRUPTS   VENDOR\n");
	ret = nl_talk(&c->nl, nlh, stats_queue_cb, NULL);
	out_close_array();
	out_close_object();
	out_close_object();
	if (ret)
		return queue_fail(c, ret, "stats", name, NULL);
	return 0;
}
