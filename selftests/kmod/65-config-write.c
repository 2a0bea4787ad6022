// SPDX-License-Identifier: GPL-2.0
/*
 * One session does not configure the next (issue 11 item 5, module half):
 * VUB_WRITE_CONFIG writes only what a virtio driver may write (net: the
 * MAC, and only while VERSION_1 is not negotiated; blk: the writeback byte
 * with VIRTIO_BLK_F_CONFIG_WCE), EPERM for the rest; what a session wrote
 * is replaced by the provisioned value (`vdpa dev add ... mac`) at the
 * last close, at VUB_RESET and at VUB_SET_STATUS 0.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/ioctl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_net.h>

#include "net_frame.h"
#include "vub_test.h"

#define DEV		"vubt-cfgw"
#define DEV_BLK		"vubt-cfgw-blk"

static const uint8_t prov[6] = { 0x02, 0x5a, 0, 0, 0, 0x65 };
static const uint8_t other[6] = { 0x02, 0x66, 0x66, 0x66, 0x66, 0x66 };

FIXTURE(cfgw) {
	struct vubt_watch watch;
	int fd;
};

FIXTURE_SETUP(cfgw)
{
	self->fd = -1;
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(DEV, "vdpasim_net", "02:5a:00:00:00:65"));
	self->fd = vub_open(DEV);
	ASSERT_LE(0, self->fd) TH_LOG("%s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(cfgw)
{
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_OK(vub_vdpa_dev_del(DEV));
	VUBT_WATCH_CHECK(&self->watch);
}

static int write_cfg(int fd, uint32_t off, const void *buf, uint32_t len)
{
	struct vub_config_access ca = {
		.offset = off, .length = len, .data = (uintptr_t)buf,
	};

	return ioctl(fd, VUB_WRITE_CONFIG, &ca);
}

#define EXPECT_MAC(fd, want) do {					\
	uint8_t __got[6];						\
	char __s[18];							\
	ASSERT_EQ(0, vub_read_config((fd), 0, __got, 6));		\
	mac_format(__got, __s);						\
	EXPECT_EQ(0, memcmp((want), __got, 6)) TH_LOG("config mac %s", __s); \
} while (0)

TEST_F(cfgw, legacy_mac_write_undone_by_close)
{
	EXPECT_MAC(self->fd, prov);
	/* no VERSION_1 negotiated: a legacy driver may write the MAC */
	ASSERT_EQ(0, write_cfg(self->fd, 0, other, 6)) TH_LOG("%s", strerror(errno));
	EXPECT_MAC(self->fd, other);
	close(self->fd);
	self->fd = vub_open(DEV);
	ASSERT_LE(0, self->fd);
	EXPECT_MAC(self->fd, prov);
}

TEST_F(cfgw, legacy_mac_write_undone_by_reset)
{
	uint8_t zero = 0;

	ASSERT_EQ(0, write_cfg(self->fd, 2, other + 2, 4));
	EXPECT_MAC(self->fd, ((uint8_t[6]){ 0x02, 0x5a, 0x66, 0x66, 0x66, 0x66 }));
	ASSERT_EQ(0, ioctl(self->fd, VUB_RESET));
	EXPECT_MAC(self->fd, prov);

	ASSERT_EQ(0, write_cfg(self->fd, 0, other, 6));
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_STATUS, &zero));
	EXPECT_MAC(self->fd, prov);
}

TEST_F(cfgw, version_1_driver_writes_nothing)
{
	uint16_t status = 0;
	uint8_t b = 0;

	ASSERT_OK(vub_negotiate(self->fd, VF_VERSION_1 | VF_ACCESS_PLATFORM |
				VNF_MAC, NULL));
	EXPECT_ERRNO(EPERM, write_cfg(self->fd, 0, other, 6));
	EXPECT_ERRNO(EPERM, write_cfg(self->fd, 5, &b, 1));
	EXPECT_ERRNO(EPERM, write_cfg(self->fd,
				      offsetof(struct virtio_net_config, status),
				      &status, 2));
	EXPECT_MAC(self->fd, prov);
}

TEST_F(cfgw, only_the_mac_ever)
{
	uint16_t v = 0xffff;

	/* status, max_virtqueue_pairs, mtu: device-only even for legacy */
	EXPECT_ERRNO(EPERM, write_cfg(self->fd,
				      offsetof(struct virtio_net_config, status),
				      &v, 2));
	EXPECT_ERRNO(EPERM, write_cfg(self->fd,
				      offsetof(struct virtio_net_config, mtu),
				      &v, 2));
	/* straddling the end of the MAC */
	EXPECT_ERRNO(EPERM, write_cfg(self->fd, 4, &v, 2 + 2));
	/* range errors still come first */
	EXPECT_ERRNO(EINVAL, write_cfg(self->fd, 0, &v, 0));
	EXPECT_MAC(self->fd, prov);
}

TEST(blk_writes_only_writeback_with_wce)
{
	struct vubt_watch watch;
	struct vub_device_info info;
	uint8_t wce = 1;
	uint64_t cap = 1;
	int fd;

	VUBT_REQUIRE_ENV();
	vubt_watch_start(&watch);
	ASSERT_OK(vub_sim_dev_create(DEV_BLK, "vdpasim_blk", NULL));
	fd = vub_open(DEV_BLK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vub_get_info(fd, &info));
	EXPECT_ERRNO(EPERM, write_cfg(fd, offsetof(struct virtio_blk_config,
						   capacity), &cap, 8));
	/* vdpa_sim_blk does not offer VIRTIO_BLK_F_CONFIG_WCE */
	ASSERT_EQ(0, info.device_features & (1ULL << VIRTIO_BLK_F_CONFIG_WCE));
	EXPECT_ERRNO(EPERM, write_cfg(fd, offsetof(struct virtio_blk_config,
						   wce), &wce, 1));
	ASSERT_OK(vub_negotiate(fd, VF_VERSION_1 | VF_ACCESS_PLATFORM, NULL));
	EXPECT_ERRNO(EPERM, write_cfg(fd, offsetof(struct virtio_blk_config,
						   wce), &wce, 1));
	close(fd);
	EXPECT_OK(vub_vdpa_dev_del(DEV_BLK));
	VUBT_WATCH_CHECK(&watch);
}

TEST_HARNESS_MAIN
