// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input: every rejection with the exact errno the UAPI header
 * (uapi/linux/vubridge.h) promises, and each time a valid call right after
 * to prove the rejection was for the bad field and left the device usable.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vub_test.h"

#define PG	4096u

FIXTURE(bad) {
	char name[32];
	int fd;
	struct vubt_watch watch;
	struct vub_device_info info;
	struct guest_mem gm;
	struct virtq vq;
	bool have_vq;
	int pipefd[2];
};

FIXTURE_VARIANT(bad) {
	const char *mgmtdev;
	const char *kind;
};

FIXTURE_VARIANT_ADD(bad, net) {
	.mgmtdev = "vdpasim_net",
	.kind = "net",
};

FIXTURE_VARIANT_ADD(bad, blk) {
	.mgmtdev = "vdpasim_blk",
	.kind = "blk",
};

FIXTURE_SETUP(bad)
{
	int ret;

	self->fd = -1;
	self->gm.memfd = -1;
	self->have_vq = false;
	self->pipefd[0] = self->pipefd[1] = -1;
	snprintf(self->name, sizeof(self->name), "vubt-bad-%s", variant->kind);
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, variant->mgmtdev, NULL));
	self->fd = vub_open(self->name);
	ret = self->fd < 0 ? self->fd : vub_get_info(self->fd, &self->info);
	if (!ret)
		ret = guest_mem_init(&self->gm, 1 << 20, 1 << 20, 0);
	if (!ret) {
		ret = virtq_init(&self->vq, &self->gm, 0, 64);
		self->have_vq = true;
	}
	if (!ret && pipe2(self->pipefd, O_CLOEXEC))
		ret = -errno;
	if (ret) {
		if (self->fd >= 0)
			close(self->fd);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_EQ(0, ret) TH_LOG("setup: %s (%s)", strerror(-ret),
				 vub_env_err());
}

FIXTURE_TEARDOWN(bad)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->have_vq)
		virtq_destroy(&self->vq);
	guest_mem_destroy(&self->gm);
	if (self->pipefd[0] >= 0) {
		close(self->pipefd[0]);
		close(self->pipefd[1]);
	}
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

static int negotiate(FIXTURE_DATA(bad) *self)
{
	return vub_negotiate(self->fd, VF_VERSION_1 | VF_ACCESS_PLATFORM, NULL);
}

static int map(FIXTURE_DATA(bad) *self)
{
	return vub_map_mem(self->fd, &self->gm, VUB_PERM_RW);
}

static int set_table(int fd, struct vub_mem_region *r, uint32_t n)
{
	int ret = vub_set_mem_table(fd, r, n);

	errno = -ret;
	return ret ? -1 : 0;
}

static int start(int fd, struct vub_queue_start *qs)
{
	return ioctl(fd, VUB_START_QUEUE, qs);
}

TEST_F(bad, unknown_ioctl_enotty)
{
	struct { char b[8]; } small;
	struct { char b[sizeof(struct vub_device_info) + 8]; } big;
	__u64 v;

	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(VUB_IOCTL_MAGIC, 0x7f)));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(VUB_IOCTL_MAGIC, 0x13, __u64), &v));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR('x', 0x00, __u64), &v));
	/* the size is part of the command: too short or too long a struct */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(VUB_IOCTL_MAGIC, 0x01, small), &small));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(VUB_IOCTL_MAGIC, 0x01, big), &big));
	/* and the direction: a getter spelled _IOW */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOW(VUB_IOCTL_MAGIC, 0x00, __u64), &v));
	EXPECT_EQ(0, ioctl(self->fd, VUB_GET_API_VERSION, &v));
}

TEST_F(bad, null_pointer_efault)
{
	struct vub_config_access ca = { .offset = 0, .length = 1, .data = 0 };
	struct vub_mem_region r;

	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_API_VERSION, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_DEVICE_INFO, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_FEATURES, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_STATUS, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_READ_CONFIG, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_SET_MEM_TABLE, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_ADD_MEM_REGION, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_START_QUEUE, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_QUEUE_INFO, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_QUEUE_STATS, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, NULL));
	/* a pointer into unmapped memory */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_GET_DEVICE_INFO, (void *)8));
	/* the region's own uaddr not mapped in the caller */
	ASSERT_EQ(0, negotiate(self));
	vub_region_of(&r, &self->gm, VUB_PERM_RW);
	r.uaddr = 0x10000;	/* below mmap_min_addr: never mapped */
	EXPECT_ERRNO(EFAULT, set_table(self->fd, &r, 1));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VUB_ADD_MEM_REGION, &r));
}

TEST_F(bad, reserved_and_flags_einval)
{
	struct vub_config_access ca;
	struct vub_mem_region r;
	struct vub_queue_start qs;
	struct vub_queue_state st;
	struct vub_queue_info qi;
	struct vub_queue_stats *stats;
	uint8_t b;
	int i;

	ca = (struct vub_config_access){ .length = 1, .data = (uintptr_t)&b,
					 .reserved = 1 };
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	ca.reserved = 0;
	EXPECT_EQ(0, ioctl(self->fd, VUB_READ_CONFIG, &ca));

	ASSERT_EQ(0, negotiate(self));
	vub_region_of(&r, &self->gm, VUB_PERM_RW);
	r.reserved = 1;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, &r, 1));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_ADD_MEM_REGION, &r));
	r.reserved = 0;
	r.perm = 1u << 7;	/* undefined permission bit */
	EXPECT_ERRNO(EINVAL, set_table(self->fd, &r, 1));
	r.perm = VUB_PERM_RW | (1u << 2);
	EXPECT_ERRNO(EINVAL, set_table(self->fd, &r, 1));
	{
		struct { struct vub_mem_table t; struct vub_mem_region r; } tbl;

		memset(&tbl, 0, sizeof(tbl));
		tbl.t.nregions = 1;
		tbl.t.reserved = 1;
		vub_region_of(&tbl.r, &self->gm, VUB_PERM_RW);
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_MEM_TABLE, &tbl));
	}
	ASSERT_EQ(0, map(self));

	for (i = 0; i < 2; i++) {
		vub_queue_start_of(&qs, &self->vq, 0);
		qs.reserved[i] = 1;
		EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	}
	vub_queue_start_of(&qs, &self->vq, 0);
	qs.flags = 1u << 20;	/* undefined flag */
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));

	memset(&qi, 0, sizeof(qi));
	qi.reserved[1] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_GET_QUEUE_INFO, &qi));
	stats = calloc(1, sizeof(*stats));
	ASSERT_NE(NULL, stats);
	stats->reserved[0] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_GET_QUEUE_STATS, stats));
	free(stats);

	/* the valid call still works, and the queue then stops cleanly */
	vub_queue_start_of(&qs, &self->vq, 0);
	ASSERT_EQ(0, start(self->fd, &qs)) TH_LOG("%s", strerror(errno));
	memset(&st, 0, sizeof(st));
	st.index = 0;
	st.reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_STOP_QUEUE, &st));
	st.reserved = 0;
	st.flags = VUB_QUEUE_F_PACKED;	/* flags are output only */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_STOP_QUEUE, &st));
	st.flags = 0;
	EXPECT_EQ(0, ioctl(self->fd, VUB_STOP_QUEUE, &st));
}

/*
 * The caller's input fields of VUB_GET_QUEUE_STATE / VUB_STOP_QUEUE are
 * never echoed: a split ring has no wrap counters nor used index, so they
 * come back 0 whatever the caller left in them.
 */
TEST_F(bad, queue_state_not_echoed)
{
	struct vub_queue_start qs;
	struct vub_queue_state st;

	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));
	vub_queue_start_of(&qs, &self->vq, 7);
	ASSERT_EQ(0, start(self->fd, &qs)) TH_LOG("%s", strerror(errno));

	memset(&st, 0, sizeof(st));
	st.avail_idx = 0x1234;
	st.avail_wrap = 1;
	st.used_idx = 0x55;
	st.used_wrap = 1;
	ASSERT_EQ(0, ioctl(self->fd, VUB_GET_QUEUE_STATE, &st));
	EXPECT_EQ(0u, st.index);
	EXPECT_EQ(0u, st.flags);
	EXPECT_EQ(7, st.avail_idx);
	EXPECT_EQ(0, st.avail_wrap);
	EXPECT_EQ(0, st.used_idx);
	EXPECT_EQ(0, st.used_wrap);

	memset(&st, 0, sizeof(st));
	st.avail_idx = 0x4321;
	st.avail_wrap = 1;
	st.used_idx = 0x66;
	st.used_wrap = 1;
	ASSERT_EQ(0, ioctl(self->fd, VUB_STOP_QUEUE, &st));
	EXPECT_EQ(0u, st.flags);
	EXPECT_EQ(7, st.avail_idx);
	EXPECT_EQ(0, st.avail_wrap);
	EXPECT_EQ(0, st.used_idx);
	EXPECT_EQ(0, st.used_wrap);
}

TEST_F(bad, config_out_of_range_einval)
{
	uint32_t cs = self->info.config_size;
	uint8_t *buf = calloc(1, cs + 16);
	struct vub_config_access ca = { .data = (uintptr_t)buf };

	ASSERT_NE(NULL, buf);
	ca.offset = cs;
	ca.length = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	ca.offset = 0;
	ca.length = cs + 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	ca.offset = 1;
	ca.length = cs;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	ca.offset = 0;
	ca.length = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	/* offset + length wraps 32 bits */
	ca.offset = 0xffffffffu;
	ca.length = 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	ca.offset = 2;
	ca.length = 0xffffffffu;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_READ_CONFIG, &ca));

	if (self->info.abilities & (1ULL << VUB_ABILITY_CONFIG_WRITE)) {
		ca.offset = cs;
		ca.length = 1;
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_WRITE_CONFIG, &ca));
		ca.offset = 0;
		ca.length = 0;
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_WRITE_CONFIG, &ca));
	} else {
		ca.offset = 0;
		ca.length = 1;
		EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, VUB_WRITE_CONFIG, &ca));
	}
	ca.offset = cs - 1;
	ca.length = 1;
	EXPECT_EQ(0, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	free(buf);
}

TEST_F(bad, second_opener_ebusy)
{
	char path[256];
	pid_t pid;
	int st, fd2;

	vub_node_path(self->name, path, sizeof(path));
	EXPECT_ERRNO(EBUSY, open(path, O_RDWR));
	EXPECT_ERRNO(EBUSY, open(path, O_RDONLY));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(path, O_RDWR);

		_exit(fd < 0 && errno == EBUSY ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("another process could open the busy device");
	/* a dup of the owner's fd is the same file, not a second opener */
	fd2 = dup(self->fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, vub_get_info(fd2, &self->info));
	close(fd2);
	/* after the last close the device is free again */
	close(self->fd);
	self->fd = open(path, O_RDWR);
	EXPECT_LE(0, self->fd) TH_LOG("reopen: %s", strerror(errno));
}

TEST_F(bad, unprivileged_open_eacces)
{
	char path[256];
	pid_t pid;
	int st;

	close(self->fd);
	self->fd = -1;
	vub_node_path(self->name, path, sizeof(path));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(path, O_RDWR);
		if (fd >= 0)
			_exit(1);
		_exit(errno == EACCES ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st))
		TH_LOG("unprivileged open: %s", WEXITSTATUS(st) == 1 ?
		       "succeeded" : WEXITSTATUS(st) == 3 ? "wrong errno" :
		       "could not drop privileges");
}

static void expect_enodev_everywhere(struct __test_metadata *_metadata,
				     FIXTURE_DATA(bad) *self)
{
	struct vub_device_info info;
	struct vub_queue_start qs;
	struct vub_queue_state st = { .index = 0 };
	struct vub_mem_region r;
	__u64 v;
	__u8 s = VS_ACKNOWLEDGE;
	uint8_t b;
	struct vub_config_access ca = { .length = 1, .data = (uintptr_t)&b };
	int efd = eventfd(0, EFD_CLOEXEC);

	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_GET_API_VERSION, &v));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_GET_DEVICE_INFO, &info));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_READ_CONFIG, &ca));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_GET_FEATURES, &v));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_SET_STATUS, &s));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_GET_STATUS, &s));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &efd));
	vub_region_of(&r, &self->gm, VUB_PERM_RW);
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_ADD_MEM_REGION, &r));
	vub_queue_start_of(&qs, &self->vq, 0);
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_START_QUEUE, &qs));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_STOP_QUEUE, &st));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_SUSPEND));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_RESET));
	EXPECT_ERRNO(ENODEV, mmap(NULL, PG, PROT_WRITE, MAP_SHARED, self->fd, 0) ==
				     MAP_FAILED ? -1 : 0);
	close(efd);
}

TEST_F(bad, use_after_vdpa_dev_del_enodev)
{
	char path[256];
	long base = self->watch.pinned;

	/* a device in full use: memory pinned, queue started */
	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));
	ASSERT_EQ(0, vub_start_queue(self->fd, &self->vq, 0));
	VUBT_EXPECT_PINNED_DELTA(self->gm.size / PG, base);
	EXPECT_EQ((long)(self->gm.size / PG), pinned_module() - self->watch.module);

	ASSERT_OK(vub_vdpa_dev_del(self->name));
	vub_node_path(self->name, path, sizeof(path));
	EXPECT_OK(vub_wait_path(path, false, 2000));
	expect_enodev_everywhere(_metadata, self);
	/* the pages are released with the device, not at close */
	VUBT_EXPECT_PINS_BACK(&self->watch, 3000);
	EXPECT_EQ(0, close(self->fd));
	self->fd = -1;
}

TEST_F(bad, use_after_unbind_enodev)
{
	char path[256];
	int fd;

	vub_node_path(self->name, path, sizeof(path));
	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));
	ASSERT_OK(vub_vdpa_unbind(self->name));
	EXPECT_OK(vub_wait_path(path, false, 2000));
	expect_enodev_everywhere(_metadata, self);
	VUBT_EXPECT_PINS_BACK(&self->watch, 3000);
	/* bound again: a new node that opens while the old file is dead */
	ASSERT_OK(vub_vdpa_bind(self->name, VUB_DRIVER));
	ASSERT_OK(vub_wait_path(path, true, 2000));
	fd = open(path, O_RDWR);
	EXPECT_LE(0, fd) TH_LOG("open after rebind: %s", strerror(errno));
	if (fd >= 0) {
		struct vub_device_info info;

		EXPECT_EQ(0, vub_get_info(fd, &info));
		close(fd);
	}
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VUB_GET_DEVICE_INFO, &self->info));
}

TEST_F(bad, features_einval_ebusy)
{
	__u64 f, bad = 0;
	int bit;

	for (bit = 63; bit >= 0; bit--) {
		if (!(self->info.device_features & (1ULL << bit))) {
			bad = 1ULL << bit;
			break;
		}
	}
	ASSERT_NE(0, bad);
	ASSERT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE));
	ASSERT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER));
	f = VF_VERSION_1 | VF_ACCESS_PLATFORM | bad;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_FEATURES, &f));
	f = VF_VERSION_1 | VF_ACCESS_PLATFORM;
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_FEATURES, &f));
	EXPECT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER |
					      VS_FEATURES_OK));
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, VUB_SET_FEATURES, &f));
	f = VF_VERSION_1 | VF_ACCESS_PLATFORM | bad;
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, VUB_SET_FEATURES, &f));
}

TEST_F(bad, status_order_einval)
{
	__u8 st;

	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_DRIVER));
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_FEATURES_OK));
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_DRIVER_OK));
	ASSERT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE));
	/* skipping DRIVER */
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_FEATURES_OK));
	ASSERT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER));
	/* DRIVER_OK before FEATURES_OK */
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER |
						     VS_DRIVER_OK));
	/* taking a bit away */
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_ACKNOWLEDGE));
	EXPECT_EQ(0, vub_get_status(self->fd, &st));
	EXPECT_EQ(VS_ACKNOWLEDGE | VS_DRIVER, st);
	/* FEATURES_OK needs VUB_SET_FEATURES since the last reset */
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER |
						     VS_FEATURES_OK));
	/* NEEDS_RESET is the device's to set */
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER |
						     0x40));
	ASSERT_EQ(0, vub_set_features(self->fd, VF_VERSION_1 | VF_ACCESS_PLATFORM));
	/* DRIVER_OK in the same call as FEATURES_OK */
	EXPECT_EQ(-EINVAL, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER |
						     VS_FEATURES_OK | VS_DRIVER_OK));
	/* FAILED at any time, then 0 resets */
	EXPECT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER | VS_FAILED));
	EXPECT_EQ(0, vub_set_status(self->fd, 0));
	EXPECT_EQ(0, vub_get_status(self->fd, &st));
	EXPECT_EQ(0, st);
}

TEST_F(bad, start_queue_table)
{
	struct vub_queue_start qs;
	uint32_t max = self->info.max_queue_size;
	int notopen = 987;

	/* before features: EINVAL (features not negotiated) */
	vub_queue_start_of(&qs, &self->vq, 0);
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));

	qs.index = self->info.num_queues;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.index = 0xffffffffu;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.index = 0;

	qs.size = 0;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.size = 48;	/* not a power of two */
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.size = max * 2;	/* too large */
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	if (self->info.min_queue_size > 1) {
		qs.size = self->info.min_queue_size / 2;
		EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	}
	qs.size = 64;

	/* rings outside mapped memory */
	qs.desc_addr = self->gm.iova + self->gm.size;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.desc_addr = self->gm.iova - PG;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.desc_addr = self->gm.iova + self->gm.size - 16 * 64 + 16; /* straddles */
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.desc_addr = 0xfffffffffffff000ULL;	/* wraps */
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.desc_addr = self->vq.desc_iova;
	qs.driver_addr = self->gm.iova + self->gm.size - 4;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.driver_addr = self->vq.avail_iova;
	qs.device_addr = self->gm.iova + self->gm.size - 8;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.device_addr = self->vq.used_iova;

	/* kick and call must be eventfds */
	qs.kick_fd = self->pipefd[0];
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.kick_fd = notopen;
	EXPECT_ERRNO(EBADF, start(self->fd, &qs));
	qs.kick_fd = self->vq.kick_fd;
	qs.call_fd = self->pipefd[1];
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.call_fd = notopen;
	EXPECT_ERRNO(EBADF, start(self->fd, &qs));
	qs.call_fd = self->vq.call_fd;

	/* packed-only fields must be 0 on a split ring */
	qs.avail_wrap = 1;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.avail_wrap = 0;
	qs.used_idx = 1;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.used_idx = 0;
	qs.used_wrap = 1;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.used_wrap = 0;

	/* natural alignment: descriptors 16, avail 2, used 4 */
	qs.desc_addr = self->vq.desc_iova + 8;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.desc_addr = self->vq.desc_iova;
	qs.driver_addr = self->vq.avail_iova + 1;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.driver_addr = self->vq.avail_iova;
	qs.device_addr = self->vq.used_iova + 2;
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	qs.device_addr = self->vq.used_iova;

	/* all fields good: it starts; a second start is EBUSY */
	ASSERT_EQ(0, start(self->fd, &qs)) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EBUSY, start(self->fd, &qs));
}

TEST_F(bad, ring_access_follows_region_perm)
{
	struct vub_queue_start qs;

	ASSERT_EQ(0, negotiate(self));
	/* device may only read: the used ring cannot be written */
	ASSERT_EQ(0, vub_map_mem(self->fd, &self->gm, VUB_PERM_READ));
	vub_queue_start_of(&qs, &self->vq, 0);
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	/* device may only write: descriptors and avail ring cannot be read */
	ASSERT_EQ(0, vub_map_mem(self->fd, &self->gm, VUB_PERM_WRITE));
	EXPECT_ERRNO(EINVAL, start(self->fd, &qs));
	ASSERT_EQ(0, vub_map_mem(self->fd, &self->gm, VUB_PERM_RW));
	EXPECT_EQ(0, start(self->fd, &qs)) TH_LOG("%s", strerror(errno));
}

TEST_F(bad, stop_queue_einval)
{
	struct vub_queue_state st;

	EXPECT_EQ(-EINVAL, vub_stop_queue(self->fd, 0, &st));	/* not started */
	EXPECT_EQ(-EINVAL, vub_stop_queue(self->fd, self->info.num_queues, &st));
	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));
	EXPECT_EQ(-EINVAL, vub_stop_queue(self->fd, 0, &st));
	ASSERT_EQ(0, vub_start_queue(self->fd, &self->vq, 5));
	EXPECT_EQ(0, vub_stop_queue(self->fd, 0, &st));
	EXPECT_EQ(5, st.avail_idx);	/* nothing consumed: the base comes back */
	EXPECT_EQ(0u, st.flags);
	EXPECT_EQ(-EINVAL, vub_stop_queue(self->fd, 0, &st));	/* stopped */
	/* a stopped queue can start again */
	EXPECT_EQ(0, vub_start_queue(self->fd, &self->vq, 5));
}

TEST_F(bad, mem_regions_table)
{
	struct vub_mem_region r[2], one;
	struct vub_mem_region *many;
	uint8_t *hole;

	ASSERT_EQ(0, negotiate(self));
	vub_region_of(&one, &self->gm, VUB_PERM_RW);

	r[0] = one;
	r[0].size = 0;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 1));
	r[0] = one;
	r[0].iova += 1;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 1));
	r[0] = one;
	r[0].size -= 1;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 1));
	r[0] = one;
	r[0].uaddr += 1;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 1));
	r[0] = one;
	r[0].iova = 0ULL - 2 * PG;
	r[0].size = 4 * PG;	/* iova + size wraps */
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 1));
	r[0] = one;
	r[0].perm = 0;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 1));
	/* two regions overlapping in IOVA space */
	r[0] = one;
	r[0].size = 4 * PG;
	r[1] = one;
	r[1].iova += 2 * PG;
	r[1].uaddr += 8 * PG;
	r[1].size = 4 * PG;
	EXPECT_ERRNO(EINVAL, set_table(self->fd, r, 2));
	/* too many regions */
	many = calloc(VUB_MAX_MEM_REGIONS + 1, sizeof(*many));
	ASSERT_NE(NULL, many);
	for (int i = 0; i <= VUB_MAX_MEM_REGIONS; i++) {
		many[i] = one;
		many[i].size = PG;
		many[i].iova = one.iova + (uint64_t)i * PG * 2;
		many[i].uaddr = one.uaddr;
	}
	EXPECT_ERRNO(E2BIG, set_table(self->fd, many, VUB_MAX_MEM_REGIONS + 1));
	free(many);
	/* uaddr that was mapped and no longer is */
	hole = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, 4 * PG);
	r[0] = one;
	r[0].size = 4 * PG;
	r[0].uaddr = (uintptr_t)hole;
	EXPECT_ERRNO(EFAULT, set_table(self->fd, r, 1));

	/* the good table works; single-region add/del around it */
	r[0] = one;
	r[0].size = one.size / 2;
	ASSERT_EQ(0, set_table(self->fd, r, 1)) TH_LOG("%s", strerror(errno));
	r[1] = one;
	r[1].iova += PG;	/* overlaps the mapped one */
	r[1].uaddr += one.size / 2;
	r[1].size = one.size / 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_ADD_MEM_REGION, &r[1]));
	r[1].iova = one.iova + one.size / 2;
	EXPECT_EQ(0, ioctl(self->fd, VUB_ADD_MEM_REGION, &r[1]));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_ADD_MEM_REGION, &r[1]));
	r[1].size = PG;	/* no region of that exact extent */
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, VUB_DEL_MEM_REGION, &r[1]));
	r[1].size = one.size / 2;
	EXPECT_EQ(0, ioctl(self->fd, VUB_DEL_MEM_REGION, &r[1]));
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, VUB_DEL_MEM_REGION, &r[1]));

	/* regions holding a started ring cannot go away */
	ASSERT_EQ(0, map(self));
	ASSERT_EQ(0, vub_start_queue(self->fd, &self->vq, 0));
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, VUB_DEL_MEM_REGION, &one));
	EXPECT_ERRNO(EBUSY, set_table(self->fd, NULL, 0));
	r[0] = one;
	r[0].iova += PG * 64;	/* moves the rings' IOVAs out of the table */
	EXPECT_ERRNO(EBUSY, set_table(self->fd, r, 1));
}

TEST_F(bad, status_zero_keeps_memory_and_config_eventfd)
{
	__s32 efd = self->vq.call_fd;
	__s32 bad = self->pipefd[0];
	__u8 st;

	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &efd));
	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));
	ASSERT_EQ(0, vub_start_queue(self->fd, &self->vq, 0));
	ASSERT_EQ(0, vub_set_status(self->fd, 0));
	EXPECT_EQ(0, vub_get_status(self->fd, &st));
	EXPECT_EQ(0, st);
	/* queues stopped, memory kept: start again without a new table */
	ASSERT_EQ(0, negotiate(self));
	EXPECT_EQ(0, vub_start_queue(self->fd, &self->vq, 0));
	EXPECT_EQ((long)(self->gm.size / PG), pinned_module() - self->watch.module);
	/* unaffected: a bad config eventfd is still rejected, -1 accepted */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &bad));
	/* VUB_RESET drops the memory */
	ASSERT_EQ(0, ioctl(self->fd, VUB_RESET));
	EXPECT_EQ(self->watch.module, pinned_module_wait(self->watch.module, 3000));
}

TEST_F(bad, mmap_without_doorbell_eopnotsupp)
{
	long pg = sysconf(_SC_PAGESIZE);

	EXPECT_EQ(0, self->info.abilities & (1ULL << VUB_ABILITY_DOORBELL));
	EXPECT_ERRNO(EOPNOTSUPP, mmap(NULL, pg, PROT_WRITE, MAP_SHARED,
				      self->fd, 0) == MAP_FAILED ? -1 : 0);
}

TEST_F(bad, config_eventfd_checks)
{
	__s32 fd;

	fd = self->pipefd[0];
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &fd));
	fd = 987;
	EXPECT_ERRNO(EBADF, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &fd));
	fd = self->vq.call_fd;
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &fd));
	fd = -1;
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_CONFIG_EVENTFD, &fd));
}

TEST_F(bad, suspend_state_rules)
{
	struct vub_queue_state st;

	ASSERT_EQ(0, negotiate(self));
	ASSERT_EQ(0, map(self));
	ASSERT_EQ(0, vub_start_queue(self->fd, &self->vq, 3));
	ASSERT_EQ(0, vub_set_status(self->fd, VS_ACKNOWLEDGE | VS_DRIVER |
					      VS_FEATURES_OK | VS_DRIVER_OK));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_RESUME));	/* not suspended */
	EXPECT_EQ(-EBUSY, vub_get_queue_state(self->fd, 0, &st));
	memset(&st, 0, sizeof(st));
	st.avail_idx = 9;
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, VUB_SET_QUEUE_STATE, &st));
	ASSERT_EQ(0, ioctl(self->fd, VUB_SUSPEND)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, vub_get_queue_state(self->fd, 0, &st));
	EXPECT_EQ(3, st.avail_idx);
	st.index = self->info.num_queues;
	EXPECT_EQ(-EINVAL, vub_get_queue_state(self->fd, st.index, &st));
	EXPECT_EQ(0, ioctl(self->fd, VUB_RESUME));
}

TEST_HARNESS_MAIN
