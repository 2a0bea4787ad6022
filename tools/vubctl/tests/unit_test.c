// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of vubctl's parts that need no kernel: argument parsing,
 * the JSON/text writer, feature and status names, attribute parsing that
 * skips what a newer module adds, and the command line's answers to
 * malformed arguments (exit code 2 and the message, before any netlink).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"

#include "decode.h"
#include "out.h"
#include "vubctl.h"

TEST(parse_numbers)
{
	uint32_t v = 7;

	EXPECT_EQ(0, parse_u32("0x10", 0, 100, &v));
	EXPECT_EQ(16, v);
	EXPECT_EQ(0, parse_u32("1500", 68, 65535, &v));
	EXPECT_EQ(1500, v);
	EXPECT_EQ(-EINVAL, parse_u32("67", 68, 65535, &v));
	EXPECT_EQ(-EINVAL, parse_u32("65536", 68, 65535, &v));
	EXPECT_EQ(-EINVAL, parse_u32("-1", 0, UINT32_MAX, &v));
	EXPECT_EQ(-EINVAL, parse_u32("12abc", 0, 100, &v));
	EXPECT_EQ(-EINVAL, parse_u32("", 0, 100, &v));
	EXPECT_EQ(-EINVAL, parse_u32(" 1", 0, 100, &v));
	EXPECT_EQ(-EINVAL, parse_u32("4294967296", 0, UINT32_MAX, &v));
	EXPECT_EQ(1500, v);	/* untouched by failures */
}

TEST(parse_mac_address)
{
	const uint8_t want[6] = { 0x02, 0x00, 0xab, 0xCD, 0x0e, 0xff };
	uint8_t mac[6];

	ASSERT_EQ(0, parse_mac("02:00:ab:CD:0e:ff", mac));
	EXPECT_EQ(0, memcmp(mac, want, 6));
	EXPECT_EQ(-EINVAL, parse_mac("02:00:ab:cd:0e", mac));
	EXPECT_EQ(-EINVAL, parse_mac("02:00:ab:cd:0e:ff:11", mac));
	EXPECT_EQ(-EINVAL, parse_mac("02-00-ab-cd-0e-ff", mac));
	EXPECT_EQ(-EINVAL, parse_mac("2:00:ab:cd:0e:ff", mac));
	EXPECT_EQ(-EINVAL, parse_mac("0g:00:ab:cd:0e:ff", mac));
	EXPECT_EQ(-EINVAL, parse_mac("", mac));
}

TEST(device_names)
{
	char long_name[300];

	EXPECT_EQ(0, check_dev_name("vdpa0"));
	EXPECT_EQ(-EINVAL, check_dev_name(""));
	EXPECT_EQ(-EINVAL, check_dev_name("a/b"));
	EXPECT_EQ(-EINVAL, check_dev_name("a b"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	EXPECT_EQ(-EINVAL, check_dev_name(long_name));
}

TEST(feature_names_net_blk)
{
	char buf[512];

	/* MAC(5) STATUS(16) VERSION_1(32) ACCESS_PLATFORM(33) */
	EXPECT_STREQ("MAC STATUS VERSION_1 ACCESS_PLATFORM",
		     feature_names(buf, sizeof(buf), VIRTIO_ID_NET_,
				   (1ULL << 5) | (1ULL << 16) | (1ULL << 32) |
				   (1ULL << 33)));
	/* The same bits mean other things on a block device. */
	EXPECT_STREQ("RO LIFETIME RING_PACKED",
		     feature_names(buf, sizeof(buf), VIRTIO_ID_BLK_,
				   (1ULL << 5) | (1ULL << 15) | (1ULL << 34)));
	EXPECT_STREQ("MQ", feature_names(buf, sizeof(buf), VIRTIO_ID_NET_,
					 1ULL << 22));
	EXPECT_STREQ("MQ", feature_names(buf, sizeof(buf), VIRTIO_ID_BLK_,
					 1ULL << 12));
	/* Bits without a name are shown by number, never dropped. */
	EXPECT_STREQ("bit_4 SPEED_DUPLEX",
		     feature_names(buf, sizeof(buf), VIRTIO_ID_NET_,
				   (1ULL << 4) | (1ULL << 63)));
	EXPECT_STREQ("bit_0 VERSION_1",
		     feature_names(buf, sizeof(buf), 99, 1 | (1ULL << 32)));
	EXPECT_STREQ("", feature_names(buf, sizeof(buf), VIRTIO_ID_NET_, 0));
	/* Too small a buffer: whole names only, and "..." */
	EXPECT_STREQ("CSUM...", feature_names(buf, 12, VIRTIO_ID_NET_, 3));
}

TEST(status_and_abilities)
{
	char buf[256];

	EXPECT_STREQ("ACKNOWLEDGE DRIVER DRIVER_OK FEATURES_OK",
		     status_names(buf, sizeof(buf), 0x0f));
	EXPECT_STREQ("NEEDS_RESET FAILED", status_names(buf, sizeof(buf), 0xc0));
	EXPECT_STREQ("bit_4", status_names(buf, sizeof(buf), 0x10));
	EXPECT_STREQ("SUSPEND SET_MAP CONFIG_WRITE bit_10",
		     ability_names(buf, sizeof(buf),
				   (1ULL << VUB_ABILITY_SUSPEND) |
				   (1ULL << VUB_ABILITY_SET_MAP) |
				   (1ULL << VUB_ABILITY_CONFIG_WRITE) |
				   (1ULL << 10)));
	EXPECT_STREQ("net", device_type_name(1));
	EXPECT_STREQ("block", device_type_name(2));
	EXPECT_EQ(NULL, device_type_name(1000));
	EXPECT_STREQ("config_changed", event_name(VUB_EVENT_CONFIG_CHANGED));
	EXPECT_EQ(NULL, event_name(VUB_EVENT_MAX + 1));
}

/* Run @fn with the writer on a memory stream; the text it produced. */
static char *capture(bool json, bool pretty, void (*fn)(void))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	out_init(f, json, pretty);
	fn();
	out_finish();
	fclose(f);
	return text;
}

static void sample_doc(void)
{
	out_open_object("dev");
	out_open_object("vdpa\"0");
	out_text("%s\n", "vdpa0");
	out_u64("num_queues", "  queues %" PRIu64 "\n", 2);
	out_str("label", "  label %s\n", "a\\b\n\x01");
	out_bool("frontend_connected", "  frontend %s\n", true);
	out_hex64("device_features", NULL, 0x8000000000000020ULL);
	out_names("device_features_names", NULL, "MAC SPEED_DUPLEX");
	out_open_array("empty");
	out_close_array();
	out_s64("pid", NULL, -1);
	out_close_object();
	out_close_object();
}

static void nothing(void)
{
}

TEST(json_writer)
{
	char *s;

	s = capture(true, false, sample_doc);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("{\"dev\":{\"vdpa\\\"0\":{\"num_queues\":2,"
		     "\"label\":\"a\\\\b\\n\\u0001\",\"frontend_connected\":true,"
		     "\"device_features\":\"0x8000000000000020\","
		     "\"device_features_names\":[\"MAC\",\"SPEED_DUPLEX\"],"
		     "\"empty\":[],\"pid\":-1}}}\n", s);
	free(s);

	s = capture(true, true, sample_doc);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("{\n"
		     "    \"dev\": {\n"
		     "        \"vdpa\\\"0\": {\n"
		     "            \"num_queues\": 2,\n"
		     "            \"label\": \"a\\\\b\\n\\u0001\",\n"
		     "            \"frontend_connected\": true,\n"
		     "            \"device_features\": \"0x8000000000000020\",\n"
		     "            \"device_features_names\": [\n"
		     "                \"MAC\",\n"
		     "                \"SPEED_DUPLEX\"\n"
		     "            ],\n"
		     "            \"empty\": [],\n"
		     "            \"pid\": -1\n"
		     "        }\n"
		     "    }\n"
		     "}\n", s);
	free(s);

	/* Text mode prints the formats, nothing of JSON-only values. */
	s = capture(false, false, sample_doc);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("vdpa0\n  queues 2\n  label a\\b\n\x01\n  frontend yes\n",
		     s);
	free(s);

	/* A command that shows nothing writes nothing, even in JSON. */
	s = capture(true, false, nothing);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("", s);
	free(s);
}

static void wrapped_doc(void)
{
	out_wrapped("device features",
		    "CSUM GUEST_CSUM CTRL_GUEST_OFFLOADS MTU MAC GUEST_TSO4 GUEST_TSO6 GUEST_ECN GUEST_UFO HOST_TSO4");
	out_wrapped("abilities", "");
}

TEST(text_wrapping)
{
	char *s = capture(false, false, wrapped_doc);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("  device features      CSUM GUEST_CSUM CTRL_GUEST_OFFLOADS MTU MAC GUEST_TSO4\n"
		     "                       GUEST_TSO6 GUEST_ECN GUEST_UFO HOST_TSO4\n"
		     "  abilities            -\n", s);
	free(s);
}

/*
 * A reply of a newer module: an attribute above VUB_ATTR_MAX and a known
 * one with the wrong size are skipped, the rest is read.
 */
TEST(parse_skips_unknown_attributes)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *tb[VUB_ATTR_MAX + 1];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = VUB_CMD_DEV_GET;
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, "vdpa0");
	mnl_attr_put_u64(nlh, VUB_ATTR_MAX + 7, 42);
	mnl_attr_put_u16(nlh, VUB_ATTR_NUM_QUEUES, 2);	/* u32 expected */
	mnl_attr_put_u32(nlh, VUB_ATTR_DEVICE_ID, 1);
	mnl_attr_put_u64(nlh, VUB_ATTR_KICKS, 1234567890123ULL);

	nl_parse(nlh, vub_policy, VUB_ATTR_MAX, tb);
	ASSERT_NE(NULL, tb[VUB_ATTR_DEV_NAME]);
	EXPECT_STREQ("vdpa0", nl_str(tb[VUB_ATTR_DEV_NAME], NULL));
	EXPECT_EQ(NULL, tb[VUB_ATTR_NUM_QUEUES]);
	EXPECT_EQ(1, nl_u32(tb[VUB_ATTR_DEVICE_ID], 0));
	EXPECT_EQ(1234567890123ULL, nl_u64(tb[VUB_ATTR_KICKS], 0));
	EXPECT_EQ(5, nl_u32(tb[VUB_ATTR_QUEUE_SIZE], 5));	/* default */
}

/* Run the tool; its exit status, stderr into @err. */
static int run_tool(char *err, size_t cap, const char *args)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/null", VUBCTL, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(err, 1, cap - 1, p);
	err[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(malformed_arguments)
{
	static const struct {
		const char *args;
		const char *msg;
	} cases[] = {
		{ "", "Usage: vubctl" },
		{ "frob", "vubctl: unknown object \"frob\"; try \"vubctl help\"\n" },
		{ "-x dev show", "vubctl: unknown option \"-x\"" },
		{ "dev frob", "vubctl: unknown command \"frob\" for \"dev\"; try \"vubctl dev help\"\n" },
		{ "dev add", "vubctl: dev add: a device NAME is needed (vubctl dev help)\n" },
		{ "dev add v0", "vubctl: dev add v0: \"mgmtdev MGMTDEV\" is needed (vubctl mgmtdev show lists them)\n" },
		{ "dev add v0 mgmtdev", "vubctl: \"mgmtdev\" needs a value\n" },
		{ "dev add v0 mgmtdev m mac 02:00:00:00:00",
		  "vubctl: mac \"02:00:00:00:00\": not a MAC address like 02:00:00:00:00:01\n" },
		{ "dev add v0 mgmtdev m mtu 10", "vubctl: mtu \"10\": not a number in 68..65535\n" },
		{ "dev add v0 mgmtdev m max_vqp 0", "vubctl: max_vqp \"0\": not a number in 1..32768\n" },
		{ "dev add v0 mgmtdev m speed 1", "vubctl: dev add: unknown argument \"speed\" (vubctl dev help)\n" },
		{ "dev add a/b mgmtdev m", "vubctl: \"a/b\" is not a device name\n" },
		{ "dev del", "vubctl: dev del: a device NAME is needed (vubctl dev help)\n" },
		{ "dev del v0 extra", "vubctl: dev del: unexpected argument \"extra\"\n" },
		{ "dev bind", "vubctl: dev bind: a device NAME is needed (vubctl dev help)\n" },
		{ "dev unbind v0 v1", "vubctl: dev unbind: unexpected argument \"v1\"\n" },
		{ "dev show v0 v1", "vubctl: dev show: unexpected argument \"v1\"\n" },
		{ "queue", "Usage: vubctl [ -j [ -p ] ] queue show" },
		{ "queue frob", "vubctl: unknown command \"frob\" for \"queue\"; try \"vubctl queue help\"\n" },
		{ "queue show", "vubctl: queue show: a device NAME is needed\n" },
		{ "queue show v0 qidx", "vubctl: \"qidx\" needs a value\n" },
		{ "queue show v0 qidx x", "vubctl: qidx \"x\": not a queue index\n" },
		{ "queue show v0 foo 1", "vubctl: queue show: unknown argument \"foo\" (vubctl queue help)\n" },
		{ "stats", "Usage: vubctl [ -j [ -p ] ] stats" },
		{ "stats v0 v1", "vubctl: stats: unexpected argument \"v1\"\n" },
		{ "mgmtdev frob", "vubctl: unknown command \"frob\" for \"mgmtdev\"; try \"vubctl mgmtdev help\"\n" },
		{ "mgmtdev show a b", "vubctl: mgmtdev show: unexpected argument \"b\"\n" },
		{ "monitor now", "vubctl: monitor: unexpected argument \"now\"\n" },
	};
	char err[1024];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(2, run_tool(err, sizeof(err), cases[i].args))
			TH_LOG("vubctl %s", cases[i].args);
		EXPECT_EQ(0, strncmp(err, cases[i].msg, strlen(cases[i].msg)))
			TH_LOG("vubctl %s: got \"%s\"", cases[i].args, err);
	}
}

TEST(help_at_every_level)
{
	static const char *const helps[] = {
		"help", "-h", "dev help", "dev add help", "dev show help",
		"queue help", "queue show help", "stats help", "mgmtdev help",
		"monitor help",
	};
	char err[1024];
	unsigned int i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		const char *h = helps[i];

		EXPECT_EQ(0, run_tool(err, sizeof(err), h))
			TH_LOG("vubctl %s: %s", h, err);
	}
}

TEST_HARNESS_MAIN
