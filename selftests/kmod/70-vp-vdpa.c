// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware-only abilities on vp_vdpa over QEMU's two virtio-net-pci
 * devices (behind virtio-iommu, joined by a hub): memory mapped through
 * the platform IOMMU, a doorbell page mmap'ed from the device file and
 * kicked by a plain store, doorbell handles (VUB_GET_DOORBELL_FD: a file
 * that maps one doorbell and does nothing else, revoked with the session),
 * a dedicated irq per queue, frames sent by one device arriving at the
 * other, and IOVAs in the IOMMU's MSI window refused.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <termios.h>

#include "net_frame.h"
#include "net_rig.h"
#include "vub_nl.h"
#include "vub_test.h"

#define NDEV	2
#define WAIT_MS	5000

FIXTURE(vp) {
	char name[NDEV][32];
	struct vubt_watch watch;
	struct net_rig r[NDEV];
	struct net_loop ab, ba;		/* A -> B and B -> A */
	bool have_ab, have_ba;
	void *bell;
	size_t bell_size;
};

FIXTURE_SETUP(vp)
{
	char mgmt[4][VUB_MGMT_LEN];
	int n, i, ret = 0;

	for (i = 0; i < NDEV; i++) {
		net_rig_init(&self->r[i]);
		snprintf(self->name[i], sizeof(self->name[i]), "vubt-vp%d", i);
	}
	self->have_ab = self->have_ba = false;
	self->bell = MAP_FAILED;
	VUBT_REQUIRE_ENV();
	n = vub_vp_vdpa_mgmtdevs(mgmt, 4);
	if (n == -ENOENT || n == -EIO)
		SKIP(return, "vp_vdpa not loadable (%s): scripts/ksrc.sh builds build/sims/vp_vdpa.ko",
		     vub_env_err());
	ASSERT_LE(0, n) TH_LOG("%s", vub_env_err());
	if (n < NDEV)
		SKIP(return, "%d virtio-net-pci (1af4:1041) devices, need 2: run in the VM of scripts/vm/run.sh",
		     n);
	vubt_watch_start(&self->watch);
	for (i = 0; i < NDEV && !ret; i++) {
		ret = vub_sim_dev_create(self->name[i], mgmt[i], NULL);
		if (!ret)
			ret = net_rig_open(&self->r[i], self->name[i]);
		if (!ret) {
			uint32_t q = self->r[i].info.max_queue_size;

			ret = net_rig_prepare_queues(&self->r[i], 8 << 20,
						     q < 256 ? (uint16_t)q : 256);
		}
	}
	if (!ret)
		ret = net_loop_init(&self->ab, &self->r[1].rx, &self->r[0].tx,
				    self->r[1].mac, self->r[0].mac, false);
	self->have_ab = !ret;
	if (!ret)
		ret = net_loop_init(&self->ba, &self->r[0].rx, &self->r[1].tx,
				    self->r[0].mac, self->r[1].mac, false);
	self->have_ba = !ret;
	for (i = 0; i < NDEV && !ret; i++)
		ret = net_rig_start(&self->r[i]);
	if (!ret)
		ret = net_loop_post_rx(&self->ab);
	if (!ret)
		ret = net_loop_post_rx(&self->ba);
	if (ret) {
		if (self->have_ab)
			net_loop_destroy(&self->ab);
		if (self->have_ba)
			net_loop_destroy(&self->ba);
		for (i = 0; i < NDEV; i++) {
			net_rig_fini(&self->r[i]);
			vub_vdpa_dev_del(self->name[i]);
		}
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", vub_env_err());
}

FIXTURE_TEARDOWN(vp)
{
	int i;

	if (self->bell != MAP_FAILED)
		munmap(self->bell, self->bell_size);
	if (self->have_ab)
		net_loop_destroy(&self->ab);
	if (self->have_ba)
		net_loop_destroy(&self->ba);
	for (i = 0; i < NDEV; i++) {
		net_rig_fini(&self->r[i]);
		EXPECT_OK(vub_vdpa_dev_del(self->name[i]));
	}
	VUBT_WATCH_CHECK(&self->watch);
}

/* Sum of the per-CPU counts of @irq in /proc/interrupts, -1 if absent. */
static long irq_count(int irq)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char line[1024];
	long sum = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		long v;

		if (strtol(p, &end, 10) != irq || end == p || *end != ':')
			continue;
		sum = 0;
		p = end + 1;
		for (;;) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			sum += v;
			p = end;
		}
		break;
	}
	fclose(f);
	return sum;
}

TEST_F(vp, abilities_platform_iommu)
{
	int i;

	for (i = 0; i < NDEV; i++) {
		uint64_t ab = self->r[i].info.abilities;

		EXPECT_EQ(1u, self->r[i].info.device_id);
		EXPECT_NE(0, ab & (1ULL << VUB_ABILITY_PLATFORM_IOMMU));
		EXPECT_EQ(0, ab & (1ULL << VUB_ABILITY_SET_MAP));
		EXPECT_EQ(0, ab & (1ULL << VUB_ABILITY_DMA_MAP));
		EXPECT_NE(0, ab & (1ULL << VUB_ABILITY_DOORBELL));
		EXPECT_NE(0, ab & (1ULL << VUB_ABILITY_VQ_IRQ));
	}
	/* QEMU gave them different MACs */
	EXPECT_NE(0, memcmp(self->r[0].mac, self->r[1].mac, 6));
}

TEST_F_TIMEOUT(vp, frames_cross_the_hub, 300)
{
	int ret = net_loop_run(&self->ab, 1000, WAIT_MS);

	ASSERT_EQ(0, ret) TH_LOG("A->B: %s", self->ab.err);
	ret = net_loop_run(&self->ba, 1000, WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("B->A: %s", self->ba.err);
	EXPECT_EQ(1000u, self->ab.rx_seq);
	EXPECT_EQ(1000u, self->ba.rx_seq);
}

TEST_F_TIMEOUT(vp, doorbell_kick, 300)
{
	struct vub_queue_info qi;
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	long pg = sysconf(_SC_PAGESIZE);
	int fd = self->r[0].fd, ret;

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, vub_get_queue_info(fd, 1, &qi));
	ASSERT_NE(0, qi.flags & VUB_QUEUE_INFO_F_DOORBELL);
	EXPECT_EQ((uint64_t)pg, qi.doorbell_offset);	/* index * page size */
	EXPECT_EQ((uint64_t)pg, qi.doorbell_size);
	EXPECT_GT((uint32_t)pg, qi.doorbell_page_offset);
	self->bell_size = qi.doorbell_size;
	self->bell = mmap(NULL, qi.doorbell_size, PROT_WRITE, MAP_SHARED, fd,
			  (off_t)qi.doorbell_offset);
	ASSERT_NE(MAP_FAILED, self->bell) TH_LOG("mmap doorbell: %s", strerror(errno));
	self->r[0].tx.doorbell = (uint8_t *)self->bell + qi.doorbell_page_offset;

	ret = net_loop_run(&self->ab, 2000, WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("A->B with doorbell kicks: %s", self->ab.err);
	EXPECT_LT(0u, self->r[0].tx.kicks);
	/* the kick eventfd was never used: nothing went through the module */
	ASSERT_EQ(0, vub_get_queue_stats(fd, 1, st));
	EXPECT_EQ(0u, st->kicks);
	free(st);
}

TEST_F_TIMEOUT(vp, stop_reports_no_state, 300)
{
	struct vub_queue_state st;
	int ret = net_loop_run(&self->ab, 200, WAIT_MS);

	ASSERT_EQ(0, ret) TH_LOG("%s", self->ab.err);
	/*
	 * vp_vdpa cannot read a queue's position back (virtio-pci cannot):
	 * the documented zeros, not what the caller left in the struct.
	 */
	memset(&st, 0, sizeof(st));
	st.index = 1;
	st.avail_idx = 0x1234;
	st.avail_wrap = 1;
	st.used_idx = 0x55;
	st.used_wrap = 1;
	ASSERT_EQ(0, ioctl(self->r[0].fd, VUB_STOP_QUEUE, &st));
	EXPECT_EQ(1u, st.index);
	EXPECT_EQ(VUB_QUEUE_F_NO_STATE, st.flags);
	EXPECT_EQ(0, st.avail_idx);
	EXPECT_EQ(0, st.avail_wrap);
	EXPECT_EQ(0, st.used_idx);
	EXPECT_EQ(0, st.used_wrap);
	EXPECT_EQ(0u, st.reserved);
}

TEST_F(vp, doorbell_gone_with_device)
{
	struct vub_queue_info qi;
	int fd = self->r[0].fd, st;
	pid_t pid;

	ASSERT_EQ(0, vub_get_queue_info(fd, 1, &qi));
	ASSERT_NE(0, qi.flags & VUB_QUEUE_INFO_F_DOORBELL);
	/* never executable */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, qi.doorbell_size, PROT_READ | PROT_EXEC,
				   MAP_SHARED, fd, (off_t)qi.doorbell_offset));
	/* a queue that does not exist has no page */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, qi.doorbell_size, PROT_WRITE, MAP_SHARED,
				   fd, (off_t)(qi.doorbell_size *
					       self->r[0].info.num_queues)));
	self->bell_size = qi.doorbell_size;
	self->bell = mmap(NULL, qi.doorbell_size, PROT_WRITE, MAP_SHARED, fd,
			  (off_t)qi.doorbell_offset);
	ASSERT_NE(MAP_FAILED, self->bell) TH_LOG("%s", strerror(errno));
	/* mapped and working before: only the zap can make the store fail */
	*(volatile uint16_t *)((uint8_t *)self->bell + qi.doorbell_page_offset) = 1;
	ASSERT_OK(vub_vdpa_dev_del(self->name[0]));
	/* the page was zapped: a store now raises SIGBUS */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		*(volatile uint16_t *)((uint8_t *)self->bell +
				       qi.doorbell_page_offset) = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
		TH_LOG("store to a removed device's doorbell: status 0x%x", st);
}

/* A store to @addr in a child: 0 if it went through, else the signal. */
static int store_in_child(volatile void *addr)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		*(volatile uint16_t *)addr = 1;
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A doorbell handle for queue @index of @fd; returns the handle fd. */
static int get_bell_fd(int fd, uint32_t index, struct vub_doorbell_handle *dh)
{
	memset(dh, 0, sizeof(*dh));
	dh->index = index;
	dh->fd = -1;
	if (ioctl(fd, VUB_GET_DOORBELL_FD, dh))
		return -errno;
	return dh->fd;
}

TEST_F_TIMEOUT(vp, doorbell_fd_kick, 300)
{
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	struct vub_doorbell_handle dh;
	struct vub_queue_info qi;
	long pg = sysconf(_SC_PAGESIZE);
	int fd = self->r[0].fd, h, ret;

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, vub_get_queue_info(fd, 1, &qi));
	h = get_bell_fd(fd, 1, &dh);
	ASSERT_LE(0, h) TH_LOG("VUB_GET_DOORBELL_FD: %s", strerror(-h));
	EXPECT_EQ((uint64_t)pg, dh.size);
	EXPECT_EQ(qi.doorbell_page_offset, dh.page_offset);
	EXPECT_EQ(FD_CLOEXEC, fcntl(h, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(h, F_GETFL) & O_ACCMODE);
	self->bell_size = dh.size;
	self->bell = mmap(NULL, dh.size, PROT_WRITE, MAP_SHARED, h, 0);
	ASSERT_NE(MAP_FAILED, self->bell) TH_LOG("mmap handle: %s", strerror(errno));
	/* the mapping keeps working without the descriptor */
	close(h);
	self->r[0].tx.doorbell = (uint8_t *)self->bell + dh.page_offset;

	ret = net_loop_run(&self->ab, 2000, WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("A->B with kicks through the handle: %s", self->ab.err);
	EXPECT_LT(0u, self->r[0].tx.kicks);
	ASSERT_EQ(0, vub_get_queue_stats(fd, 1, st));
	EXPECT_EQ(0u, st->kicks);
	free(st);
}

TEST_F(vp, doorbell_fd_maps_only)
{
	const unsigned long reqs[] = {
		VUB_GET_API_VERSION, VUB_GET_DEVICE_INFO, VUB_SET_STATUS,
		VUB_SET_MEM_TABLE, VUB_START_QUEUE, VUB_GET_QUEUE_INFO,
		VUB_GET_DOORBELL_FD, VUB_SET_QUEUE_CALL, VUB_RESET, 0,
		_IO(VUB_IOCTL_MAGIC, 0xff), TCGETS, FIONREAD,
	};
	struct vub_doorbell_handle dh;
	long pg = sysconf(_SC_PAGESIZE);
	char buf[64] = {};
	unsigned int i;
	void *m;
	int h;

	h = get_bell_fd(self->r[0].fd, 0, &dh);
	ASSERT_LE(0, h) TH_LOG("%s", strerror(-h));
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		EXPECT_ERRNO(ENOTTY, ioctl(h, reqs[i], buf));
	EXPECT_ERRNO(EINVAL, read(h, buf, sizeof(buf)));
	EXPECT_ERRNO(EINVAL, write(h, buf, sizeof(buf)));

	/* one page, offset 0, shared, never executable */
	EXPECT_ERRNO(EINVAL, mmap(NULL, 2 * pg, PROT_WRITE, MAP_SHARED, h, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, pg, PROT_WRITE, MAP_SHARED, h, pg));
	EXPECT_ERRNO(EINVAL, mmap(NULL, pg, PROT_WRITE, MAP_PRIVATE, h, 0));
	EXPECT_ERRNO(EPERM, mmap(NULL, pg, PROT_WRITE | PROT_EXEC, MAP_SHARED,
				 h, 0));
	m = mmap(NULL, pg, PROT_WRITE, MAP_SHARED, h, 0);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EACCES, mprotect(m, pg, PROT_WRITE | PROT_EXEC));
	/* the device file's own ioctls are unaffected */
	EXPECT_EQ(0, vub_get_queue_info(self->r[0].fd, 0,
					&(struct vub_queue_info){ 0 }));
	munmap(m, pg);
	close(h);

	/* argument checks */
	memset(&dh, 0, sizeof(dh));
	dh.index = self->r[0].info.num_queues;
	EXPECT_ERRNO(EINVAL, ioctl(self->r[0].fd, VUB_GET_DOORBELL_FD, &dh));
	dh.index = 0;
	dh.flags = 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->r[0].fd, VUB_GET_DOORBELL_FD, &dh));
	dh.flags = 0;
	dh.reserved[0] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->r[0].fd, VUB_GET_DOORBELL_FD, &dh));
}

enum revoke_by { BY_RESET, BY_STATUS_0, BY_CLOSE, BY_DEV_DEL };

/*
 * Map a handle of queue 1 of device A, store to it (it works: a kick with
 * nothing new to send), end the session by @how, then a store raises
 * SIGBUS and a new mmap() fails with ENODEV.
 */
static void revoke_case(struct __test_metadata *_metadata,
			FIXTURE_DATA(vp) *self, enum revoke_by how)
{
	struct vub_doorbell_handle dh;
	volatile uint8_t *bell;
	long pg = sysconf(_SC_PAGESIZE);
	int h, h2, fd = self->r[0].fd;
	uint8_t zero = 0;

	h = get_bell_fd(fd, 1, &dh);
	ASSERT_LE(0, h) TH_LOG("%s", strerror(-h));
	h2 = get_bell_fd(fd, 0, &dh);
	ASSERT_LE(0, h2) TH_LOG("%s", strerror(-h2));
	self->bell_size = pg;
	self->bell = mmap(NULL, pg, PROT_WRITE, MAP_SHARED, h, 0);
	ASSERT_NE(MAP_FAILED, self->bell) TH_LOG("%s", strerror(errno));
	bell = (volatile uint8_t *)self->bell + dh.page_offset;
	/* mapped and working: only the revocation can make it fail */
	*(volatile uint16_t *)bell = 1;
	EXPECT_EQ(0, store_in_child(bell));

	switch (how) {
	case BY_RESET:
		ASSERT_EQ(0, ioctl(fd, VUB_RESET));
		break;
	case BY_STATUS_0:
		ASSERT_EQ(0, ioctl(fd, VUB_SET_STATUS, &zero));
		break;
	case BY_CLOSE:
		close(fd);
		self->r[0].fd = -1;
		/* the handles do not hold the device: it opens again */
		fd = vub_open(self->name[0]);
		ASSERT_LE(0, fd) TH_LOG("reopen: %s", strerror(-fd));
		self->r[0].fd = fd;
		break;
	case BY_DEV_DEL:
		ASSERT_OK(vub_vdpa_dev_del(self->name[0]));
		break;
	}

	EXPECT_EQ(SIGBUS, store_in_child(bell));
	EXPECT_ERRNO(ENODEV, mmap(NULL, pg, PROT_WRITE, MAP_SHARED, h, 0));
	EXPECT_ERRNO(ENODEV, mmap(NULL, pg, PROT_WRITE, MAP_SHARED, h2, 0));
	EXPECT_ERRNO(ENOTTY, ioctl(h, VUB_RESET));
	if (how != BY_DEV_DEL) {
		/* a new handle belongs to the new session and works */
		int h3 = get_bell_fd(fd, 1, &dh);
		void *m;

		ASSERT_LE(0, h3) TH_LOG("%s", strerror(-h3));
		m = mmap(NULL, pg, PROT_WRITE, MAP_SHARED, h3, 0);
		ASSERT_NE(MAP_FAILED, m) TH_LOG("%s", strerror(errno));
		EXPECT_EQ(0, store_in_child((uint8_t *)m + dh.page_offset));
		munmap(m, pg);
		close(h3);
	}
	close(h);
	close(h2);
}

TEST_F(vp, doorbell_fd_revoked_by_reset)
{
	revoke_case(_metadata, self, BY_RESET);
}

TEST_F(vp, doorbell_fd_revoked_by_status_0)
{
	revoke_case(_metadata, self, BY_STATUS_0);
}

TEST_F(vp, doorbell_fd_revoked_by_close)
{
	revoke_case(_metadata, self, BY_CLOSE);
}

TEST_F(vp, doorbell_fd_revoked_by_dev_del)
{
	revoke_case(_metadata, self, BY_DEV_DEL);
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt;
}

/*
 * The device file's own doorbell mapping is zapped by a reset: the next
 * store faults again (and is checked again) instead of reusing the page
 * mapped before.
 */
TEST_F(vp, doorbell_mmap_zapped_by_reset)
{
	struct vub_queue_info qi;
	volatile uint16_t *bell;
	int fd = self->r[0].fd;
	long f0, f1, f2;

	ASSERT_EQ(0, vub_get_queue_info(fd, 1, &qi));
	self->bell_size = qi.doorbell_size;
	self->bell = mmap(NULL, qi.doorbell_size, PROT_WRITE, MAP_SHARED, fd,
			  (off_t)qi.doorbell_offset);
	ASSERT_NE(MAP_FAILED, self->bell) TH_LOG("%s", strerror(errno));
	bell = (volatile uint16_t *)((uint8_t *)self->bell +
				     qi.doorbell_page_offset);
	*bell = 1;		/* faults the page in */
	f0 = minflt();
	*bell = 1;		/* mapped: no fault */
	f1 = minflt();
	EXPECT_EQ(f0, f1);
	ASSERT_EQ(0, ioctl(fd, VUB_RESET));
	f1 = minflt();
	*bell = 1;		/* zapped: faults again, and works */
	f2 = minflt();
	EXPECT_LT(f1, f2);
}

/*
 * The MSI window of the IOMMU group of vDPA device @name, from
 * /sys/kernel/iommu_groups/N/reserved_regions. Returns 0 or -errno.
 */
static int msi_window(const char *name, uint64_t *start, uint64_t *last)
{
	char path[PATH_MAX + 64], real[PATH_MAX], line[256], type[64];
	unsigned long long s, e;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", name);
	if (!realpath(path, real))
		return -errno;
	/* the vDPA device's parent is the PCI function */
	snprintf(path, sizeof(path), "%s/../iommu_group/reserved_regions", real);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %llx %63s", &s, &e, type) == 3 &&
		    !strcmp(type, "msi")) {
			*start = s;
			*last = e;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

TEST_F(vp, iova_in_msi_window_refused)
{
	struct guest_mem gm = GUEST_MEM_INIT;
	struct vub_mem_region r;
	uint64_t start, last, pg = (uint64_t)sysconf(_SC_PAGESIZE);
	int fd = self->r[0].fd, ret;

	ret = msi_window(self->name[0], &start, &last);
	ASSERT_EQ(0, ret) TH_LOG("no msi line in the group's reserved_regions: %s",
				 strerror(-ret));
	TH_LOG("MSI window %#llx-%#llx", (unsigned long long)start,
	       (unsigned long long)last);
	ASSERT_LE(self->r[0].info.iova_first, start - 2 * pg);
	ASSERT_GE(self->r[0].info.iova_last, last);
	ASSERT_OK(guest_mem_init(&gm, 2 * pg, start - pg, 1));

	/* straddling the start, inside, at the last page: refused */
	vub_region_of(&r, &gm, VUB_PERM_RW);
	EXPECT_ERRNO(EADDRNOTAVAIL, ioctl(fd, VUB_ADD_MEM_REGION, &r));
	r.iova = start;
	r.size = pg;
	EXPECT_ERRNO(EADDRNOTAVAIL, ioctl(fd, VUB_ADD_MEM_REGION, &r));
	r.iova = (last & ~(pg - 1));
	EXPECT_ERRNO(EADDRNOTAVAIL, ioctl(fd, VUB_ADD_MEM_REGION, &r));
	/* the table the queues use plus one in the window: whole call refused */
	{
		struct vub_mem_region two[2];

		vub_region_of(&two[0], &self->r[0].gm, VUB_PERM_RW);
		two[1] = r;
		EXPECT_EQ(-EADDRNOTAVAIL, vub_set_mem_table(fd, two, 2));
	}
	/* right below the window is fine */
	r.iova = start - pg;
	ASSERT_EQ(0, ioctl(fd, VUB_ADD_MEM_REGION, &r)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, ioctl(fd, VUB_DEL_MEM_REGION, &r));
	/* and the queues still run */
	ret = net_loop_run(&self->ab, 200, WAIT_MS);
	EXPECT_EQ(0, ret) TH_LOG("%s", self->ab.err);
	guest_mem_destroy(&gm);
}

TEST_F_TIMEOUT(vp, per_queue_irq, 300)
{
	struct vub_queue_info qi;
	long before, after;
	int ret;

	ASSERT_EQ(0, vub_get_queue_info(self->r[1].fd, 0, &qi));
	ASSERT_NE(0, qi.flags & VUB_QUEUE_INFO_F_IRQ);
	EXPECT_LT(0, qi.irq);
	before = irq_count(qi.irq);
	EXPECT_LE(0, before) TH_LOG("irq %d not in /proc/interrupts", qi.irq);
	ret = net_loop_run(&self->ab, 500, WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->ab.err);
	after = irq_count(qi.irq);
	EXPECT_LT(before, after) TH_LOG("RX irq %d count %ld -> %ld", qi.irq,
				       before, after);
	/* each queue its own irq */
	{
		struct vub_queue_info q1;

		ASSERT_EQ(0, vub_get_queue_info(self->r[1].fd, 1, &q1));
		if (q1.flags & VUB_QUEUE_INFO_F_IRQ)
			EXPECT_NE(qi.irq, q1.irq);
	}
}

/*
 * The generic-netlink view of a PCI device: its management device, the
 * platform-IOMMU and doorbell abilities, per-queue doorbell and irq flags,
 * no ring position (vp_vdpa cannot tell one), counters as the ioctls see
 * them once traffic has crossed.
 */
TEST_F_TIMEOUT(vp, netlink_matches_ioctls, 300)
{
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	uint64_t kicks = 0, irqs = 0;
	struct vub_queue_info qi;
	struct vub_queue_start qc;
	struct vub_nl_rec r;
	struct vub_nl n;
	uint32_t q;
	int ret;

	ASSERT_NE(NULL, st);
	ret = net_loop_run(&self->ab, 200, WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->ab.err);
	ASSERT_EQ(0, vub_nl_open(&n));

	for (q = 0; q < self->r[1].info.num_queues; q++) {
		ASSERT_EQ(0, vub_get_queue_stats(self->r[1].fd, q, st));
		kicks += st->kicks;
		irqs += st->interrupts;
		ASSERT_EQ(0, vub_get_queue_info(self->r[1].fd, q, &qi));
		ret = vub_nl_queue_get(&n, self->name[1], q, &r);
		ASSERT_EQ(0, ret) TH_LOG("queue %u: %s", q, n.ext);
		EXPECT_EQ(qi.flags, r.val[VUB_ATTR_QUEUE_FLAGS]);
		EXPECT_EQ(qi.size, r.val[VUB_ATTR_QUEUE_SIZE]);
		EXPECT_EQ(qi.max_size, r.val[VUB_ATTR_QUEUE_MAX_SIZE]);
		EXPECT_EQ(st->kicks, r.val[VUB_ATTR_QUEUE_KICKS]);
		EXPECT_EQ(st->interrupts, r.val[VUB_ATTR_QUEUE_INTERRUPTS]);
		EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_QUEUE_AVAIL_IDX));
		EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_QUEUE_USED_IDX));
		if (!(qi.flags & VUB_QUEUE_INFO_F_STARTED))
			continue;
		EXPECT_NE(0, qi.flags & VUB_QUEUE_INFO_F_DOORBELL);
		memset(&qc, 0, sizeof(qc));
		qc.index = q;
		ASSERT_EQ(0, ioctl(self->r[1].fd, VUB_GET_QUEUE_CONFIG, &qc));
		EXPECT_EQ(qc.desc_addr, r.val[VUB_ATTR_QUEUE_DESC_ADDR]);
		EXPECT_EQ(qc.driver_addr, r.val[VUB_ATTR_QUEUE_DRIVER_ADDR]);
		EXPECT_EQ(qc.device_addr, r.val[VUB_ATTR_QUEUE_DEVICE_ADDR]);
	}
	ASSERT_EQ(0, vub_nl_dev_get(&n, self->name[1], &r)) TH_LOG("%s", n.ext);
	EXPECT_EQ(0, strncmp(r.mgmt, "pci/0000:", 9)) TH_LOG("mgmtdev %s", r.mgmt);
	EXPECT_EQ(1u, r.val[VUB_ATTR_DEVICE_ID]);
	EXPECT_EQ(self->r[1].info.abilities, r.val[VUB_ATTR_ABILITIES]);
	EXPECT_EQ(self->r[1].info.device_features, r.val[VUB_ATTR_DEVICE_FEATURES]);
	EXPECT_EQ(self->r[1].features, r.val[VUB_ATTR_NEGOTIATED_FEATURES]);
	EXPECT_EQ((uint64_t)getpid(), r.val[VUB_ATTR_OWNER_PID]);
	EXPECT_EQ(kicks, r.val[VUB_ATTR_KICKS]);
	EXPECT_EQ(irqs, r.val[VUB_ATTR_INTERRUPTS]);
	EXPECT_LT(0u, r.val[VUB_ATTR_INTERRUPTS]);
	EXPECT_LT(0u, r.val[VUB_ATTR_PINNED_PAGES]);
	vub_nl_close(&n);
	free(st);
}

TEST_HARNESS_MAIN
