// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned memory: a 1 GiB region maps, carries traffic and is unpinned on
 * close; a process holding a device with 1 GiB mapped and queues running is
 * SIGKILLed and every page comes back; RLIMIT_MEMLOCK is enforced (ENOMEM
 * past it, EPERM with a zero limit, for a caller without CAP_IPC_LOCK), also
 * for two devices pinning at once in one process; a device deleted under
 * running queues releases its pages before the close.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "net_rig.h"
#include "vub_test.h"

#define DEV	"vubt-leak"
#define MAC	"02:5a:00:00:00:80"
#define GIB	(1ULL << 30)
#define PG	4096u

FIXTURE(leak) {
	struct vubt_watch watch;
	struct net_rig r;
	pid_t child;
};

FIXTURE_SETUP(leak)
{
	net_rig_init(&self->r);
	self->child = -1;
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(DEV, "vdpasim_net", MAC));
}

FIXTURE_TEARDOWN(leak)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	net_rig_fini(&self->r);
	EXPECT_OK(vub_vdpa_dev_del(DEV));
	VUBT_WATCH_CHECK(&self->watch);
}

static int rig_up(struct net_rig *r, size_t size)
{
	int ret = net_rig_open(r, DEV);

	if (!ret)
		ret = net_rig_prepare(r, size, 256, NULL, true);
	if (!ret)
		ret = net_rig_start(r);
	return ret;
}

/* Frames queued without waiting for them. */
static uint32_t burst_helper(struct net_rig *r)
{
	int n = net_loop_send(&r->nl, 200);

	return n > 0 ? (uint32_t)n : 0;
}

TEST_F_TIMEOUT(leak, map_1gib_region, 600)
{
	long base = self->watch.pinned, pins;
	int64_t t0 = now_ms();

	/* rings and buffers at the far end of the region */
	self->r.alloc_offset = GIB - (8u << 20);
	ASSERT_OK(rig_up(&self->r, GIB));
	TH_LOG("1 GiB mapped in %lld ms", (long long)(now_ms() - t0));
	VUBT_EXPECT_PINNED_DELTA(GIB / PG, base);
	EXPECT_EQ((long)(GIB / PG), pinned_module() - self->watch.module);
	pins = pinned_dev(DEV);
	if (pins != -ENOENT)
		EXPECT_EQ((long)(GIB / PG), pins);
	ASSERT_EQ(0, net_loop_run(&self->r.nl, 1000, 10000)) TH_LOG("%s", self->r.nl.err);
	net_rig_fini(&self->r);
	VUBT_EXPECT_PINS_BACK(&self->watch, 10000);
	pins = pinned_dev(DEV);
	if (pins != -ENOENT)
		EXPECT_EQ(0, pins);
}

TEST_F_TIMEOUT(leak, sigkill_holder_of_1gib, 600)
{
	long base = self->watch.pinned, after;
	struct pollfd pfd;
	int p[2], st, ret;
	char c;

	ASSERT_EQ(0, pipe(p));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct net_rig r;

		close(p[0]);
		net_rig_init(&r);
		if (rig_up(&r, GIB) || net_loop_run(&r.nl, 500, 10000))
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		/* traffic until killed */
		for (;;)
			if (net_loop_run(&r.nl, 256, 10000))
				_exit(2);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	ret = poll(&pfd, 1, 300000);
	ASSERT_EQ(1, ret);
	ASSERT_EQ(1, read(p[0], &c, 1)) TH_LOG("the child failed to bring the device up");
	close(p[0]);
	VUBT_EXPECT_PINNED_DELTA(GIB / PG, base);
	EXPECT_EQ((long)(GIB / PG), pinned_module() - self->watch.module);

	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(self->child, waitpid(self->child, &st, 0));
	self->child = -1;
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		TH_LOG("the child ended before the kill (status 0x%x)", st);
	after = pinned_module_wait(self->watch.module, 20000);
	EXPECT_EQ(self->watch.module, after)
		TH_LOG("vubridge still pins %ld pages", after - self->watch.module);
	VUBT_EXPECT_PINS_BACK(&self->watch, 20000);
	if (pinned_dev(DEV) != -ENOENT)
		EXPECT_EQ(0, pinned_dev(DEV));

	/* the device is free and works again */
	ASSERT_OK(rig_up(&self->r, 4 << 20));
	EXPECT_EQ(0, net_loop_run(&self->r.nl, 500, 10000)) TH_LOG("%s", self->r.nl.err);
}

/* Drop CAP_IPC_LOCK from this process (effective and permitted). */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	d[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
	d[CAP_IPC_LOCK / 32].inheritable &= ~(1u << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

struct memlock_result {
	int setup;		/* 0, or the step that failed */
	int over;		/* -errno of 4 MiB with a 1 MiB limit */
	int within;		/* -errno of 512 KiB with a 1 MiB limit */
	int zero;		/* -errno of 4 MiB with a 0 limit */
	long pinned_over;	/* vmstat delta after the failed call */
};

TEST_F_TIMEOUT(leak, rlimit_memlock, 120)
{
	struct memlock_result *res;
	long base = self->watch.module;
	int st;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	memset(res, 0, sizeof(*res));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct rlimit rl = { 1 << 20, 1 << 20 };
		struct guest_mem big = GUEST_MEM_INIT, small = GUEST_MEM_INIT;
		int fd;

		if (drop_ipc_lock())
			res->setup = 1;
		else if (setrlimit(RLIMIT_MEMLOCK, &rl))
			res->setup = 2;
		else if ((fd = vub_open(DEV)) < 0)
			res->setup = 3;
		else if (vub_negotiate(fd, VF_VERSION_1 | VF_ACCESS_PLATFORM, NULL))
			res->setup = 4;
		else if (guest_mem_init(&big, 4 << 20, 1 << 20, 1) ||
			 guest_mem_init(&small, 512 << 10, 1 << 20, 1))
			res->setup = 5;
		if (res->setup)
			_exit(0);
		res->over = vub_map_mem(fd, &big, VUB_PERM_RW);
		res->pinned_over = pinned_module() - base;
		res->within = vub_map_mem(fd, &small, VUB_PERM_RW);
		vub_set_mem_table(fd, NULL, 0);
		rl.rlim_cur = rl.rlim_max = 0;
		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			res->setup = 6;
		res->zero = vub_map_mem(fd, &big, VUB_PERM_RW);
		_exit(0);
	}
	ASSERT_EQ(self->child, waitpid(self->child, &st, 0));
	self->child = -1;
	ASSERT_EQ(0, res->setup) TH_LOG("child set-up step %d failed", res->setup);
	EXPECT_EQ(-ENOMEM, res->over) TH_LOG("4 MiB over a 1 MiB limit: %s",
					     strerror(-res->over));
	EXPECT_EQ(0, res->pinned_over) TH_LOG("a refused table left pages pinned");
	EXPECT_EQ(0, res->within) TH_LOG("512 KiB within a 1 MiB limit: %s",
					 strerror(-res->within));
	EXPECT_EQ(-EPERM, res->zero) TH_LOG("4 MiB with a zero limit: %s",
					    strerror(-res->zero));
	munmap(res, sizeof(*res));
}

#define DEV2		"vubt-leak2"
#define RACE_ROUNDS	40

struct racer {
	int fd;
	struct guest_mem gm;
	pthread_barrier_t *go;
	int ret;
};

static void *race_map(void *arg)
{
	struct racer *rc = arg;

	pthread_barrier_wait(rc->go);
	rc->ret = vub_map_mem(rc->fd, &rc->gm, VUB_PERM_RW);
	return NULL;
}

struct race_result {
	int setup;		/* 0, or the step that failed */
	int both;		/* rounds where both tables were accepted */
	int none;		/* rounds where neither was */
	int other;		/* an errno other than ENOMEM, or 0 */
};

/*
 * Two devices pin for one process at once, each 8 MiB under a 12 MiB
 * limit: in every round exactly one of them may get its memory.
 */
TEST_F_TIMEOUT(leak, rlimit_memlock_two_devices, 300)
{
	struct race_result *res;
	int st;

	ASSERT_OK(vub_sim_dev_create(DEV2, "vdpasim_net", NULL));
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	memset(res, 0, sizeof(*res));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct rlimit rl = { 12 << 20, 12 << 20 };
		struct racer rc[2] = {
			{ .fd = -1, .gm = GUEST_MEM_INIT },
			{ .fd = -1, .gm = GUEST_MEM_INIT },
		};
		pthread_barrier_t go;
		pthread_t t[2];
		int i, round;

		pthread_barrier_init(&go, NULL, 3);
		for (i = 0; i < 2 && !res->setup; i++) {
			rc[i].go = &go;
			rc[i].fd = vub_open(i ? DEV2 : DEV);
			if (rc[i].fd < 0)
				res->setup = 1;
			else if (vub_negotiate(rc[i].fd,
					       VF_VERSION_1 | VF_ACCESS_PLATFORM,
					       NULL))
				res->setup = 2;
			else if (guest_mem_init(&rc[i].gm, 8 << 20, 1 << 20, 1))
				res->setup = 3;
		}
		if (!res->setup && drop_ipc_lock())
			res->setup = 4;
		if (!res->setup && setrlimit(RLIMIT_MEMLOCK, &rl))
			res->setup = 5;
		for (round = 0; round < RACE_ROUNDS && !res->setup; round++) {
			for (i = 0; i < 2; i++)
				if (pthread_create(&t[i], NULL, race_map, &rc[i]))
					res->setup = 6;
			if (res->setup)
				break;
			pthread_barrier_wait(&go);
			for (i = 0; i < 2; i++)
				pthread_join(t[i], NULL);
			if (!rc[0].ret && !rc[1].ret)
				res->both++;
			if (rc[0].ret && rc[1].ret)
				res->none++;
			for (i = 0; i < 2; i++)
				if (rc[i].ret && rc[i].ret != -ENOMEM)
					res->other = rc[i].ret;
			for (i = 0; i < 2; i++)
				vub_set_mem_table(rc[i].fd, NULL, 0);
		}
		_exit(0);
	}
	ASSERT_EQ(self->child, waitpid(self->child, &st, 0));
	self->child = -1;
	EXPECT_OK(vub_vdpa_dev_del(DEV2));
	ASSERT_EQ(0, res->setup) TH_LOG("child set-up step %d failed", res->setup);
	EXPECT_EQ(0, res->both) TH_LOG("%d of %d rounds pinned 16 MiB under a 12 MiB limit",
				       res->both, RACE_ROUNDS);
	EXPECT_EQ(0, res->none);
	EXPECT_EQ(0, res->other) TH_LOG("%s", strerror(-res->other));
	munmap(res, sizeof(*res));
}

TEST_F_TIMEOUT(leak, device_deleted_under_running_queues, 300)
{
	struct vub_device_info info;

	ASSERT_OK(rig_up(&self->r, 64 << 20));
	ASSERT_EQ(0, net_loop_run(&self->r.nl, 500, 10000)) TH_LOG("%s", self->r.nl.err);
	ASSERT_LT(0u, burst_helper(&self->r));
	ASSERT_OK(vub_vdpa_dev_del(DEV));
	VUBT_EXPECT_PINS_BACK(&self->watch, 10000);
	EXPECT_EQ(-ENODEV, vub_get_info(self->r.fd, &info));
	/* kicks into a dead device are harmless and answered by nothing */
	evfd_drain(self->r.rx.call_fd);
	evfd_drain(self->r.tx.call_fd);
	EXPECT_EQ(0, virtq_kick(&self->r.tx));
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(self->r.tx.call_fd, 200));
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(self->r.rx.call_fd, 200));
}

TEST_HARNESS_MAIN
