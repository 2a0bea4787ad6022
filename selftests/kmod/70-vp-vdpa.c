// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware-only abilities on vp_vdpa over QEMU's two virtio-net-pci
 * devices (behind virtio-iommu, joined by a hub): memory mapped through
 * the platform IOMMU, a doorbell page mmap'ed from the device file and
 * kicked by a plain store, a dedicated irq per queue, and frames sent by
 * one device arriving at the other.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>

#include "net_frame.h"
#include "net_rig.h"
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
	/* vp_vdpa cannot read a queue's position back (virtio-pci cannot) */
	ASSERT_EQ(0, vub_stop_queue(self->r[0].fd, 1, &st));
	EXPECT_EQ(VUB_QUEUE_F_NO_STATE, st.flags);
	EXPECT_EQ(0, st.avail_idx);
	EXPECT_EQ(0, st.used_idx);
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

TEST_HARNESS_MAIN
