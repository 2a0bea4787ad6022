// SPDX-License-Identifier: GPL-2.0
/*
 * Config-change eventfd: changing the simulator's MAC through the kernel's
 * vdpa netlink family (what `vdpa dev set NAME mac ...` sends) makes the
 * module signal the eventfd set with VUB_SET_CONFIG_EVENTFD, and the new
 * MAC reads back from config space; after setting -1 nothing fires.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>

#include "net_frame.h"
#include "net_rig.h"
#include "vdpa_nl.h"
#include "vub_test.h"

FIXTURE(cfg) {
	char name[32];
	struct vubt_watch watch;
	struct net_rig r;
	int efd;
};

FIXTURE_SETUP(cfg)
{
	int ret;

	net_rig_init(&self->r);
	self->efd = -1;
	snprintf(self->name, sizeof(self->name), "vubt-cfg");
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, "vdpasim_net",
				     "02:5a:00:00:00:60"));
	ret = net_rig_open(&self->r, self->name);
	if (!ret)
		ret = net_rig_prepare(&self->r, 4 << 20, 64, NULL, true);
	if (!ret)
		ret = net_rig_start(&self->r);
	if (!ret)
		ret = self->efd = evfd_new();
	if (ret < 0) {
		net_rig_fini(&self->r);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_LE(0, ret) TH_LOG("%s", vub_env_err());
}

FIXTURE_TEARDOWN(cfg)
{
	net_rig_fini(&self->r);
	if (self->efd >= 0)
		close(self->efd);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

TEST_F(cfg, mac_change_fires_eventfd)
{
	const uint8_t mac2[6] = { 0x02, 0x5a, 0, 0, 0x06, 0x61 };
	const uint8_t mac3[6] = { 0x02, 0x5a, 0, 0, 0x06, 0x62 };
	__s32 fd = self->efd;
	uint8_t got[6];
	char s[18];

	ASSERT_EQ(0, ioctl(self->r.fd, VUB_SET_CONFIG_EVENTFD, &fd));
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(self->efd, 100));	/* quiet so far */

	ASSERT_OK(vdpa_nl_dev_set_mac(self->name, mac2));
	ASSERT_EQ(0, vub_read_config(self->r.fd, 0, got, 6));
	mac_format(got, s);
	EXPECT_EQ(0, memcmp(mac2, got, 6)) TH_LOG("config mac %s", s);
	EXPECT_LT(0, evfd_wait(self->efd, 3000))
		TH_LOG("config-change eventfd did not fire within 3 s");

	/* -1 disconnects it */
	fd = -1;
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_SET_CONFIG_EVENTFD, &fd));
	evfd_drain(self->efd);
	ASSERT_OK(vdpa_nl_dev_set_mac(self->name, mac3));
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(self->efd, 300));

	/* traffic follows the new address */
	memcpy(self->r.nl.dst, mac3, 6);
	EXPECT_EQ(0, net_loop_run(&self->r.nl, 200, 5000)) TH_LOG("%s", self->r.nl.err);
}

TEST_HARNESS_MAIN
