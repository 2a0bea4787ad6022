// SPDX-License-Identifier: GPL-2.0
/*
 * Device info of simulator devices bound to vubridge, compared with what
 * the kernel's vdpa tool reports for the same device; config space reads.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "net_frame.h"
#include "vub_test.h"

FIXTURE(dev) {
	char name[32];
	int fd;
	struct vubt_watch watch;
	struct vub_device_info info;
};

FIXTURE_VARIANT(dev) {
	const char *mgmtdev;
	const char *mac;	/* given to `vdpa dev add` */
	uint32_t device_id;
	const char *type;	/* `vdpa dev show` type */
};

FIXTURE_VARIANT_ADD(dev, net) {
	.mgmtdev = "vdpasim_net",
	.mac = "02:5a:00:12:34:56",
	.device_id = 1,
	.type = "network",
};

FIXTURE_VARIANT_ADD(dev, blk) {
	.mgmtdev = "vdpasim_blk",
	.device_id = 2,
	.type = "block",
};

FIXTURE_SETUP(dev)
{
	int ret;

	self->fd = -1;
	snprintf(self->name, sizeof(self->name), "vubt-info-%s",
		 variant->device_id == 1 ? "net" : "blk");
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, variant->mgmtdev,
				     variant->mac));
	self->fd = vub_open(self->name);
	ret = self->fd < 0 ? self->fd : vub_get_info(self->fd, &self->info);
	if (ret) {
		/* teardown does not run after a failed setup: undo here */
		if (self->fd >= 0)
			close(self->fd);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_EQ(0, ret) TH_LOG("open/info: %s (%s)", strerror(-ret),
				 vub_env_err());
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

/* `vdpa -j dev show NAME` field @key as a number (or string into @s). */
static long vdpa_field(const char *name, const char *what, const char *key,
		       char *s, size_t cap)
{
	char buf[256];

	if (vub_sh_out(buf, sizeof(buf),
		       "vdpa -j %s show %s | jq -r '.[\"%s\"][\"%s\"][\"%s\"]'",
		       what, name, !strcmp(what, "dev") ? "dev" :
		       !strcmp(what, "mgmtdev") ? "mgmtdev" : "config",
		       name, key))
		return -1;
	if (s)
		snprintf(s, cap, "%.*s", (int)cap - 1, buf);
	if (!strcmp(buf, "null"))
		return -1;
	return strtol(buf, NULL, 0);
}

TEST_F(dev, api_version)
{
	__u64 v = 0;

	ASSERT_EQ(0, ioctl(self->fd, VUB_GET_API_VERSION, &v));
	EXPECT_EQ(VUB_API_VERSION, v);
	EXPECT_EQ(1, VUB_API_VERSION);
}

TEST_F(dev, info_matches_vdpa_tool)
{
	struct vub_device_info *in = &self->info;
	char type[64];
	long v;
	int i;

	EXPECT_EQ(variant->device_id, in->device_id);
	vdpa_field(self->name, "dev", "type", type, sizeof(type));
	EXPECT_STREQ(variant->type, type);

	v = vdpa_field(self->name, "dev", "max_vqs", NULL, 0);
	EXPECT_EQ(v, (long)in->num_queues);
	v = vdpa_field(self->name, "dev", "max_vq_size", NULL, 0);
	EXPECT_EQ(v, (long)in->max_queue_size);
	v = vdpa_field(self->name, "dev", "vendor_id", NULL, 0);
	EXPECT_EQ(v, (long)in->vendor_id);
	v = vdpa_field(variant->mgmtdev, "mgmtdev", "max_supported_vqs",
		       NULL, 0);
	if (v > 0)	/* vdpasim_blk reports 0 here */
		EXPECT_EQ(v, (long)in->num_queues);

	EXPECT_LE(1u, in->min_queue_size);
	EXPECT_LE(in->min_queue_size, in->max_queue_size);
	/* the simulators: 256 entries, 3 net queues (rx, tx, ctrl), 1 blk */
	EXPECT_EQ(256u, in->max_queue_size);
	EXPECT_EQ(variant->device_id == 1 ? 3u : 1u, in->num_queues);
	EXPECT_LT(0u, in->config_size);
	EXPECT_LT(0u, in->queue_align);
	EXPECT_EQ(0u, in->queue_align & (in->queue_align - 1));
	EXPECT_LE(in->iova_first, in->iova_last);
	EXPECT_NE(0, in->device_features & VF_VERSION_1);
	EXPECT_NE(0, in->device_features & VF_ACCESS_PLATFORM);
	/* vdpa_sim: suspend and resume, batched set_map by default */
	EXPECT_NE(0, in->abilities & (1ULL << VUB_ABILITY_SUSPEND));
	EXPECT_NE(0, in->abilities & (1ULL << VUB_ABILITY_RESUME));
	if (vub_module_param("vdpa_sim", "batch_mapping") == 1) {
		EXPECT_NE(0, in->abilities & (1ULL << VUB_ABILITY_SET_MAP));
		EXPECT_EQ(0, in->abilities & (1ULL << VUB_ABILITY_DMA_MAP));
	}
	EXPECT_EQ(0, in->abilities & (1ULL << VUB_ABILITY_PLATFORM_IOMMU));
	EXPECT_EQ(0, in->abilities & (1ULL << VUB_ABILITY_DOORBELL));
	EXPECT_EQ(0, in->abilities & (1ULL << VUB_ABILITY_VQ_IRQ));
	EXPECT_NE(0, in->abilities &
		  (1ULL << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK));
	/* no undefined ability bit */
	EXPECT_EQ(0, in->abilities >> (VUB_ABILITY_CONFIG_WRITE + 1));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, in->reserved[i]);
}

TEST_F(dev, features_match_info)
{
	__u64 f = 0;

	ASSERT_EQ(0, ioctl(self->fd, VUB_GET_FEATURES, &f));
	EXPECT_EQ(self->info.device_features, f);
}

TEST_F(dev, status_starts_at_zero)
{
	__u8 st = 0xff;

	ASSERT_EQ(0, ioctl(self->fd, VUB_GET_STATUS, &st));
	EXPECT_EQ(0, st);
}

TEST_F(dev, mac_from_config)
{
	uint8_t got[6], want[6];
	char s[18];

	if (variant->device_id != 1)
		SKIP(return, "no MAC on a block device");
	ASSERT_EQ(0, mac_parse(variant->mac, want));
	ASSERT_EQ(0, vub_read_config(self->fd, 0, got, 6));
	mac_format(got, s);
	EXPECT_EQ(0, memcmp(want, got, 6)) TH_LOG("config mac %s, given %s",
						 s, variant->mac);
	/* byte by byte, at every offset */
	for (int i = 0; i < 6; i++) {
		uint8_t b = 0;

		ASSERT_EQ(0, vub_read_config(self->fd, (uint32_t)i, &b, 1));
		EXPECT_EQ(want[i], b);
	}
}

TEST_F(dev, whole_config_readable)
{
	uint8_t *buf = calloc(1, self->info.config_size + 1);
	uint8_t tail = 0;

	ASSERT_NE(NULL, buf);
	buf[self->info.config_size] = 0xa5;
	EXPECT_EQ(0, vub_read_config(self->fd, 0, buf, self->info.config_size));
	/* nothing past length is written */
	EXPECT_EQ(0xa5, buf[self->info.config_size]);
	EXPECT_EQ(0, vub_read_config(self->fd, self->info.config_size - 1,
				     &tail, 1));
	EXPECT_EQ(buf[self->info.config_size - 1], tail);
	if (variant->device_id == 2) {
		uint64_t cap;

		/* virtio_blk_config.capacity (sectors) at offset 0 */
		memcpy(&cap, buf, 8);
		EXPECT_LT(0u, cap);
	}
	free(buf);
}

TEST_F(dev, node_is_root_only)
{
	char path[256];
	struct stat st;

	vub_node_path(self->name, path, sizeof(path));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0u, st.st_uid);
	EXPECT_EQ(0, st.st_mode & 077) TH_LOG("mode %o", st.st_mode & 0777);
}

TEST_HARNESS_MAIN
