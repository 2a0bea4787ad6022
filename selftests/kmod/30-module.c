// SPDX-License-Identifier: GPL-2.0
/*
 * Module life cycle: unloading with no users leaves nothing behind, an
 * open file keeps the module, and load/bind/unbind/unload twenty times in a
 * row with no kernel warning and no pinned page left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>

#include "vub_test.h"

#define DEV	"vubt-mod0"
#define MAC	"02:5a:00:00:00:30"

FIXTURE(mod) {
	struct vubt_watch watch;
	int fd;
};

FIXTURE_SETUP(mod)
{
	self->fd = -1;
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_vdpa_dev_del(DEV));
}

FIXTURE_TEARDOWN(mod)
{
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_OK(vub_vdpa_dev_del(DEV));
	/* leave the module loaded for the programs that follow */
	EXPECT_OK(vub_module_load("vubridge", NULL));
	VUBT_WATCH_CHECK(&self->watch);
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Nothing of vubridge left in sysfs or /dev. */
static void expect_no_trace(struct __test_metadata *_metadata)
{
	EXPECT_FALSE(vub_module_loaded("vubridge"));
	EXPECT_NE(0, access("/sys/module/vubridge", F_OK));
	EXPECT_NE(0, access(VUB_CLASS_DIR, F_OK)) TH_LOG(VUB_CLASS_DIR " left behind");
	EXPECT_NE(0, access(VDPA_BUS_DIR "/drivers/" VUB_DRIVER, F_OK));
	EXPECT_EQ(0, dir_entries(VUB_DEV_DIR)) TH_LOG("nodes left in " VUB_DEV_DIR);
}

TEST_F(mod, unload_with_no_users_leaves_nothing)
{
	char drv[64], node[256];

	vub_node_path(DEV, node, sizeof(node));
	ASSERT_OK(vub_sim_dev_create(DEV, "vdpasim_net", MAC));
	self->fd = vub_open(DEV);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = -1;

	/* bound, no open file: unloads, unbinding the device */
	ASSERT_OK(vub_module_unload("vubridge"));
	expect_no_trace(_metadata);
	EXPECT_TRUE(vub_vdpa_dev_exists(DEV));
	ASSERT_EQ(0, vub_vdpa_dev_driver(DEV, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);

	/* loading again binds the device it was steered to */
	ASSERT_OK(vub_module_load("vubridge", NULL));
	EXPECT_OK(vub_wait_path(node, true, 5000));
	ASSERT_EQ(0, vub_vdpa_dev_driver(DEV, drv, sizeof(drv)));
	EXPECT_STREQ(VUB_DRIVER, drv);
	self->fd = vub_open(DEV);
	EXPECT_LE(0, self->fd);
}

TEST_F(mod, open_file_holds_module)
{
	struct vub_device_info info;

	ASSERT_OK(vub_sim_dev_create(DEV, "vdpasim_net", MAC));
	self->fd = vub_open(DEV);
	ASSERT_LE(0, self->fd);
	EXPECT_NE(0, vub_sh("rmmod vubridge 2>/dev/null"))
		TH_LOG("rmmod succeeded while a file was open");
	EXPECT_TRUE(vub_module_loaded("vubridge"));
	EXPECT_EQ(0, vub_get_info(self->fd, &info));
	close(self->fd);
	self->fd = -1;
	EXPECT_OK(vub_module_unload("vubridge"));
	expect_no_trace(_metadata);
}

TEST_F_TIMEOUT(mod, load_bind_unbind_unload_x20, 600)
{
	char node[256], drv[64], first[512];
	struct vub_device_info info;
	int i, n;

	vub_node_path(DEV, node, sizeof(node));
	ASSERT_OK(vub_module_unload("vubridge"));
	for (i = 0; i < 20; i++) {
		ASSERT_OK(vub_module_load("vubridge", NULL));
		ASSERT_OK(vub_vdpa_dev_add(DEV, i & 1 ? "vdpasim_blk" :
					   "vdpasim_net", i & 1 ? NULL : MAC));
		ASSERT_OK(vub_vdpa_bind(DEV, VUB_DRIVER));
		ASSERT_OK(vub_wait_path(node, true, 5000));
		self->fd = vub_open(DEV);
		ASSERT_LE(0, self->fd) TH_LOG("round %d: %s", i, vub_env_err());
		ASSERT_EQ(0, vub_get_info(self->fd, &info));
		EXPECT_EQ(i & 1 ? 2u : 1u, info.device_id);
		close(self->fd);
		self->fd = -1;
		ASSERT_OK(vub_vdpa_unbind(DEV));
		ASSERT_OK(vub_wait_path(node, false, 5000));
		ASSERT_EQ(0, vub_vdpa_dev_driver(DEV, drv, sizeof(drv)));
		EXPECT_STREQ("", drv);
		ASSERT_OK(vub_vdpa_dev_del(DEV));
		ASSERT_OK(vub_module_unload("vubridge"));
		expect_no_trace(_metadata);
		n = kmsg_problems(self->watch.kmsg, first, sizeof(first));
		ASSERT_EQ(0, n) TH_LOG("round %d: kernel log: %s", i, first);
	}
}

TEST_HARNESS_MAIN
