// SPDX-License-Identifier: GPL-2.0
/*
 * What a process that inherits a device file (a successor daemon) reads
 * back, and what an owner registers: VUB_GET_MEM_TABLE (regions in IOVA
 * order, no user address, E2BIG with the count written back),
 * VUB_GET_QUEUE_CONFIG (the set-up given to VUB_START_QUEUE, the flags as
 * they are now) and VUB_SET_OWNER_INFO's refusals, on vdpa_sim_net.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "evwait.h"
#include "vub_test.h"

#define NREG 3

FIXTURE(inh) {
	char name[32];
	int fd;
	struct vubt_watch watch;
	struct guest_mem gm;
	size_t page;
};

FIXTURE_SETUP(inh)
{
	int ret;

	self->fd = -1;
	self->gm = (struct guest_mem)GUEST_MEM_INIT;
	self->page = guest_page_size();
	snprintf(self->name, sizeof(self->name), "vubt-inherit");
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, "vdpasim_net",
				     "02:5a:00:00:00:15"));
	self->fd = vub_open(self->name);
	ret = self->fd < 0 ? self->fd : 0;
	if (!ret)
		ret = guest_mem_init(&self->gm, 1 << 20, 0x100000, 1);
	if (!ret)
		ret = vub_negotiate(self->fd, VF_VERSION_1 | VF_ACCESS_PLATFORM,
				    NULL);
	if (ret) {
		if (self->fd >= 0)
			close(self->fd);
		guest_mem_destroy(&self->gm);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_EQ(0, ret) TH_LOG("%s (%s)", strerror(-ret), vub_env_err());
}

FIXTURE_TEARDOWN(inh)
{
	if (self->fd >= 0)
		close(self->fd);
	guest_mem_destroy(&self->gm);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

struct table {
	struct vub_mem_table t;
	struct vub_mem_region r[8];
};

/* GET_MEM_TABLE with capacity @cap into @tb (regions pre-filled 0xa5). */
static int get_table(int fd, struct table *tb, uint32_t cap)
{
	memset(tb, 0xa5, sizeof(*tb));
	tb->t.nregions = cap;
	tb->t.reserved = 0;
	return ioctl(fd, VUB_GET_MEM_TABLE, tb) ? -errno : 0;
}

static bool untouched(const struct vub_mem_region *r)
{
	const unsigned char *p = (const void *)r;
	size_t i;

	for (i = 0; i < sizeof(*r); i++)
		if (p[i] != 0xa5)
			return false;
	return true;
}

TEST_F(inh, mem_table)
{
	size_t pg = self->page;
	struct vub_mem_region in[NREG], one;
	struct table tb;
	uint32_t i;

	/* three regions given out of IOVA order, each with its own perm */
	memset(in, 0, sizeof(in));
	in[0] = (struct vub_mem_region){ .iova = 0x900000, .size = 4 * pg,
		.uaddr = (uintptr_t)self->gm.map, .perm = VUB_PERM_READ };
	in[1] = (struct vub_mem_region){ .iova = 0x100000, .size = 8 * pg,
		.uaddr = (uintptr_t)self->gm.map + 4 * pg, .perm = VUB_PERM_RW };
	in[2] = (struct vub_mem_region){ .iova = 0x400000, .size = 2 * pg,
		.uaddr = (uintptr_t)self->gm.map + 12 * pg,
		.perm = VUB_PERM_WRITE };

	ASSERT_EQ(0, get_table(self->fd, &tb, 0));
	EXPECT_EQ(0u, tb.t.nregions);
	EXPECT_TRUE(untouched(&tb.r[0]));

	ASSERT_OK(vub_set_mem_table(self->fd, in, NREG));

	/* too small: the count comes back, nothing else is written */
	EXPECT_EQ(-E2BIG, get_table(self->fd, &tb, 0));
	EXPECT_EQ((uint32_t)NREG, tb.t.nregions);
	EXPECT_TRUE(untouched(&tb.r[0]));
	EXPECT_EQ(-E2BIG, get_table(self->fd, &tb, NREG - 1));
	EXPECT_EQ((uint32_t)NREG, tb.t.nregions);
	EXPECT_TRUE(untouched(&tb.r[0]));
	EXPECT_TRUE(untouched(&tb.r[1]));

	/* exact and larger capacities: IOVA order, no user address */
	ASSERT_EQ(0, get_table(self->fd, &tb, NREG));
	ASSERT_EQ((uint32_t)NREG, tb.t.nregions);
	EXPECT_EQ(0x100000u, tb.r[0].iova);
	EXPECT_EQ(8 * pg, tb.r[0].size);
	EXPECT_EQ(VUB_PERM_RW, tb.r[0].perm);
	EXPECT_EQ(0x400000u, tb.r[1].iova);
	EXPECT_EQ(2 * pg, tb.r[1].size);
	EXPECT_EQ(VUB_PERM_WRITE, tb.r[1].perm);
	EXPECT_EQ(0x900000u, tb.r[2].iova);
	EXPECT_EQ(4 * pg, tb.r[2].size);
	EXPECT_EQ(VUB_PERM_READ, tb.r[2].perm);
	for (i = 0; i < NREG; i++) {
		EXPECT_EQ(0u, tb.r[i].uaddr);
		EXPECT_EQ(0u, tb.r[i].reserved);
	}
	ASSERT_EQ(0, get_table(self->fd, &tb, 8));
	EXPECT_EQ((uint32_t)NREG, tb.t.nregions);
	EXPECT_TRUE(untouched(&tb.r[NREG]));

	/* reserved header field */
	memset(&tb, 0, sizeof(tb));
	tb.t.nregions = 8;
	tb.t.reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_GET_MEM_TABLE, &tb));

	/* the table follows ADD and DEL */
	one = (struct vub_mem_region){ .iova = 0x200000, .size = pg,
		.uaddr = (uintptr_t)self->gm.map + 20 * pg,
		.perm = VUB_PERM_READ };
	ASSERT_EQ(0, ioctl(self->fd, VUB_ADD_MEM_REGION, &one));
	ASSERT_EQ(0, get_table(self->fd, &tb, 8));
	ASSERT_EQ(4u, tb.t.nregions);
	EXPECT_EQ(0x200000u, tb.r[1].iova);
	EXPECT_EQ(pg, tb.r[1].size);
	ASSERT_EQ(0, ioctl(self->fd, VUB_DEL_MEM_REGION, &in[1]));
	ASSERT_EQ(0, get_table(self->fd, &tb, 8));
	ASSERT_EQ(3u, tb.t.nregions);
	EXPECT_EQ(0x200000u, tb.r[0].iova);
	EXPECT_EQ(0x400000u, tb.r[1].iova);
	EXPECT_EQ(0x900000u, tb.r[2].iova);

	/* a reset drops every region */
	ASSERT_EQ(0, ioctl(self->fd, VUB_RESET));
	ASSERT_EQ(0, get_table(self->fd, &tb, 8));
	EXPECT_EQ(0u, tb.t.nregions);
}

static int get_qcfg(int fd, uint32_t index, struct vub_queue_start *qs)
{
	memset(qs, 0, sizeof(*qs));
	qs->index = index;
	return ioctl(fd, VUB_GET_QUEUE_CONFIG, qs) ? -errno : 0;
}

TEST_F(inh, queue_config)
{
	struct vub_queue_start qs, want, bad;
	struct vub_queue_state st;
	struct vub_device_info info;
	struct vub_queue_fd qf;
	struct virtq vq;
	size_t off;

	ASSERT_OK(vub_get_info(self->fd, &info));
	ASSERT_OK(vub_map_mem(self->fd, &self->gm, VUB_PERM_RW));
	ASSERT_EQ(0, virtq_init(&vq, &self->gm, 1, 64));

	/* not started, out of range */
	EXPECT_EQ(-EINVAL, get_qcfg(self->fd, 1, &qs));
	EXPECT_EQ(-EINVAL, get_qcfg(self->fd, info.num_queues, &qs));
	EXPECT_EQ(-EINVAL, get_qcfg(self->fd, ~0u, &qs));

	/* started disabled, from index 7 */
	vub_queue_start_of(&want, &vq, 7);
	want.flags = VUB_QUEUE_F_DISABLED;
	ASSERT_EQ(0, ioctl(self->fd, VUB_START_QUEUE, &want));

	ASSERT_EQ(0, get_qcfg(self->fd, 1, &qs));
	EXPECT_EQ(1u, qs.index);
	EXPECT_EQ(64u, qs.size);
	EXPECT_EQ(VUB_QUEUE_F_DISABLED, qs.flags);
	EXPECT_EQ(-1, qs.kick_fd);
	EXPECT_EQ(-1, qs.call_fd);
	EXPECT_EQ(-1, qs.err_fd);
	EXPECT_EQ(vq.desc_iova, qs.desc_addr);
	EXPECT_EQ(vq.avail_iova, qs.driver_addr);
	EXPECT_EQ(vq.used_iova, qs.device_addr);
	EXPECT_EQ(7, qs.avail_idx);
	EXPECT_EQ(0, qs.avail_wrap);
	EXPECT_EQ(0, qs.used_idx);
	EXPECT_EQ(0, qs.used_wrap);
	EXPECT_EQ(0u, qs.reserved[0]);
	EXPECT_EQ(0u, qs.reserved[1]);
	/* queue 0 was never started */
	EXPECT_EQ(-EINVAL, get_qcfg(self->fd, 0, &qs));

	/* every input field but the index must be zero */
	for (off = sizeof(qs.index); off < sizeof(qs); off++) {
		memset(&bad, 0, sizeof(bad));
		bad.index = 1;
		((unsigned char *)&bad)[off] = 1;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, VUB_GET_QUEUE_CONFIG, &bad))
			TH_LOG("byte %zu accepted", off);
		EXPECT_EQ(EINVAL, errno) TH_LOG("byte %zu", off);
	}

	/* flags follow the queue: enabled, then without call eventfd */
	{
		struct vub_queue_enable en = { .index = 1, .enable = 1 };

		ASSERT_EQ(0, ioctl(self->fd, VUB_ENABLE_QUEUE, &en));
	}
	ASSERT_EQ(0, get_qcfg(self->fd, 1, &qs));
	EXPECT_EQ(0u, qs.flags);
	qf = (struct vub_queue_fd){ .index = 1, .fd = -1 };
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_QUEUE_CALL, &qf));
	ASSERT_EQ(0, get_qcfg(self->fd, 1, &qs));
	EXPECT_EQ(VUB_QUEUE_F_NO_CALL, qs.flags);
	qf.fd = vq.call_fd;
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_QUEUE_CALL, &qf));
	ASSERT_EQ(0, get_qcfg(self->fd, 1, &qs));
	EXPECT_EQ(0u, qs.flags);

	/* stopped: no longer started */
	ASSERT_OK(vub_stop_queue(self->fd, 1, &st));
	EXPECT_EQ(-EINVAL, get_qcfg(self->fd, 1, &qs));

	/* started with NO_CALL from 0 */
	vub_queue_start_of(&want, &vq, 0);
	want.flags = VUB_QUEUE_F_NO_CALL;
	want.call_fd = -1;
	ASSERT_EQ(0, ioctl(self->fd, VUB_START_QUEUE, &want));
	ASSERT_EQ(0, get_qcfg(self->fd, 1, &qs));
	EXPECT_EQ(VUB_QUEUE_F_NO_CALL, qs.flags);
	EXPECT_EQ(0, qs.avail_idx);

	/* a reset stops every queue */
	ASSERT_EQ(0, ioctl(self->fd, VUB_RESET));
	EXPECT_EQ(-EINVAL, get_qcfg(self->fd, 1, &qs));
	virtq_destroy(&vq);
}

static void label_fill(struct vub_owner_info *oi, const char *s)
{
	memset(oi, 0, sizeof(*oi));
	snprintf(oi->label, sizeof(oi->label), "%s", s);
}

TEST_F(inh, owner_info_checks)
{
	struct vub_owner_info oi;
	static const unsigned char badc[] = { 0x01, 0x09, 0x0a, 0x1b, 0x7f,
					      0x80, 0xc3, 0xff };
	size_t i;

	label_fill(&oi, "");
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "/run/vubridge/vdpa0.sock");
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	oi.flags = VUB_OWNER_F_FRONTEND;
	oi.frontend_pid = 1234;
	oi.frontend_uid = 1000;
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	/* the longest label: 111 printable bytes and the NUL */
	memset(oi.label, '~', sizeof(oi.label) - 1);
	oi.label[sizeof(oi.label) - 1] = 0;
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	/* bytes after the NUL do not matter */
	label_fill(&oi, "x");
	memset(oi.label + 2, 0x01, sizeof(oi.label) - 2);
	EXPECT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));

	label_fill(&oi, "sock");
	oi.reserved0 = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "sock");
	oi.reserved[0] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "sock");
	oi.reserved[1] = 1ULL << 63;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "sock");
	oi.flags = 1U << 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	oi.flags = VUB_OWNER_F_FRONTEND | (1U << 31);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "sock");
	oi.frontend_pid = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "sock");
	oi.frontend_uid = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	label_fill(&oi, "sock");
	memset(oi.label, 'a', sizeof(oi.label));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	for (i = 0; i < sizeof(badc); i++) {
		label_fill(&oi, "sock");
		oi.label[2] = (char)badc[i];
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi))
			TH_LOG("byte 0x%02x accepted", badc[i]);
		EXPECT_EQ(EINVAL, errno);
	}
}

/* VmPin of process @pid in kB, or -1. */
static long vmpin_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * A successor that received the file (here: a forked child, another address
 * space) and registers itself is charged for the pages its predecessor
 * pinned; the predecessor no longer is.
 */
TEST_F(inh, owner_takes_the_pin_charge)
{
	long kb = (long)(self->gm.size / 1024), before;
	struct vub_owner_info oi = {};
	int to_child[2], to_parent[2];
	char c = 0;
	pid_t pid;
	int status;

	before = vmpin_kb(getpid());
	ASSERT_LE(0, before);
	ASSERT_OK(vub_map_mem(self->fd, &self->gm, VUB_PERM_RW));
	ASSERT_EQ(before + kb, vmpin_kb(getpid()));

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long mine = vmpin_kb(getpid());

		if (ioctl(self->fd, VUB_SET_OWNER_INFO, &oi))
			_exit(1);
		if (vmpin_kb(getpid()) != mine + kb)
			_exit(2);
		/* let the parent look, then exit holding the charge */
		if (write(to_parent[1], "x", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(before, vmpin_kb(getpid()));
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* the parent takes it back; the pages stayed pinned all along */
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	EXPECT_EQ(before + kb, vmpin_kb(getpid()));
	ASSERT_EQ(0, ioctl(self->fd, VUB_RESET));
	EXPECT_EQ(before, vmpin_kb(getpid()));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

TEST_HARNESS_MAIN
