// SPDX-License-Identifier: GPL-2.0
/*
 * Net traffic through vubridge on vdpa_sim_net, on both mapping paths
 * (vdpa_sim batch_mapping=1: set_map; batch_mapping=0: dma_map/unmap):
 * >= 10,000 frames of 60..1514 bytes back byte-for-byte and in order, driven
 * by kick eventfds and call-eventfd waits only; stop/start, suspend/resume
 * and restore-into-a-reset-device mid-stream without loss or duplication.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "net_rig.h"
#include "vub_test.h"

#define PG		4096u
#define WAIT_MS		5000

FIXTURE(net) {
	char name[32];
	struct vubt_watch watch;
	struct net_rig r;
	long pinned_before_map;	/* vmstat right before the memory table */
};

FIXTURE_VARIANT(net) {
	int batch_mapping;
	int ability;	/* the mapping ability the device must report */
};

FIXTURE_VARIANT_ADD(net, set_map) {
	.batch_mapping = 1,
	.ability = VUB_ABILITY_SET_MAP,
};

FIXTURE_VARIANT_ADD(net, dma_map) {
	.batch_mapping = 0,
	.ability = VUB_ABILITY_DMA_MAP,
};

FIXTURE_SETUP(net)
{
	char params[32];
	int ret;

	net_rig_init(&self->r);
	snprintf(self->name, sizeof(self->name), "vubt-net");
	VUBT_REQUIRE_ENV();
	if (vub_module_param("vdpa_sim", "batch_mapping") != variant->batch_mapping) {
		snprintf(params, sizeof(params), "batch_mapping=%d",
			 variant->batch_mapping);
		ASSERT_OK(vub_sims_reload(params));
	}
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, "vdpasim_net",
				     "02:5a:00:00:00:40"));
	ret = net_rig_open(&self->r, self->name);
	if (!ret)
		ret = net_rig_prepare(&self->r, 16 << 20, 256, NULL, true);
	self->pinned_before_map = pinned_vmstat();
	if (!ret)
		ret = net_rig_start(&self->r);
	if (ret) {
		net_rig_fini(&self->r);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", vub_env_err());
}

FIXTURE_TEARDOWN(net)
{
	net_rig_fini(&self->r);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

#define RUN(self, n) do {						\
	int __r = net_loop_run(&(self)->r.nl, (n), WAIT_MS);		\
	ASSERT_EQ(0, __r) TH_LOG("%s", (self)->r.nl.err);		\
} while (0)
#define DRAIN(self) do {						\
	int __r = net_loop_drain(&(self)->r.nl, WAIT_MS);		\
	ASSERT_EQ(0, __r) TH_LOG("%s", (self)->r.nl.err);		\
} while (0)

/* Queue as many frames as flow control allows, no waiting. */
static uint32_t burst(FIXTURE_DATA(net) *self)
{
	int n = net_loop_send(&self->r.nl, 200);

	return n > 0 ? (uint32_t)n : 0;
}

/* No used buffer appears on either queue for @ms despite a kick. */
static void expect_frozen(struct __test_metadata *_metadata,
			  FIXTURE_DATA(net) *self, int ms)
{
	uint16_t rx, tx;

	/* calls signalled before the queue stopped are legitimate */
	evfd_drain(self->r.tx.call_fd);
	evfd_drain(self->r.rx.call_fd);
	rx = virtq_device_used_idx(&self->r.rx);
	tx = virtq_device_used_idx(&self->r.tx);
	evfd_signal(self->r.tx.kick_fd);
	evfd_signal(self->r.rx.kick_fd);
	/* sleeping in poll: a call now would be a bug too */
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(self->r.tx.call_fd, ms));
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(self->r.rx.call_fd, 1));
	EXPECT_EQ(rx, virtq_device_used_idx(&self->r.rx));
	EXPECT_EQ(tx, virtq_device_used_idx(&self->r.tx));
}

TEST_F_TIMEOUT(net, traffic_10k_frames, 300)
{
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	int64_t t0 = now_ms(), ms;
	long pins;

	ASSERT_NE(NULL, st);
	EXPECT_NE(0, self->r.info.abilities & (1ULL << variant->ability))
		TH_LOG("abilities 0x%llx lack bit %d",
		       (unsigned long long)self->r.info.abilities,
		       variant->ability);
	RUN(self, 10000);
	ms = now_ms() - t0;
	EXPECT_EQ(10000u, self->r.nl.rx_seq);
	/* it waited on call eventfds rather than spinning */
	EXPECT_LT(0u, self->r.nl.waits);
	TH_LOG("10000 frames, %llu bytes in %lld ms (%lld frames/s), %llu waits",
	       (unsigned long long)self->r.nl.rx_bytes, (long long)ms,
	       ms ? 10000LL * 1000 / ms : 0LL,
	       (unsigned long long)self->r.nl.waits);

	ASSERT_EQ(0, vub_get_queue_stats(self->r.fd, 1, st));
	EXPECT_LT(0u, st->kicks);
	EXPECT_GE(self->r.tx.kicks, st->kicks);
	EXPECT_LT(0u, st->interrupts);
	ASSERT_EQ(0, vub_get_queue_stats(self->r.fd, 0, st));
	EXPECT_LT(0u, st->interrupts);
	EXPECT_GE(VUB_MAX_VENDOR_STATS, st->num_vendor);
	for (uint32_t i = 0; i < st->num_vendor; i++)
		EXPECT_NE(NULL, memchr(st->vendor[i].name, 0,
				       VUB_VENDOR_STAT_NAME_LEN));
	free(st);

	pins = pinned_dev(self->name);
	if (pins == -ENOENT)
		TH_LOG("no %s/%s/pinned_pages counter yet", VUB_CLASS_DIR,
		       self->name);
	else
		EXPECT_EQ((long)(self->r.gm.size / PG), pins);
	EXPECT_EQ((long)(self->r.gm.size / PG),
		  pinned_module() - self->watch.module);
	VUBT_EXPECT_PINNED_DELTA(self->r.gm.size / PG, self->pinned_before_map);
}

TEST_F(net, queue_info)
{
	struct vub_queue_info qi;
	uint32_t q;

	for (q = 0; q < 2; q++) {
		ASSERT_EQ(0, vub_get_queue_info(self->r.fd, q, &qi));
		EXPECT_EQ(q, qi.index);
		EXPECT_EQ(VUB_QUEUE_INFO_F_STARTED | VUB_QUEUE_INFO_F_ENABLED,
			  qi.flags);
		EXPECT_EQ(256u, qi.size);
		EXPECT_EQ(self->r.info.max_queue_size, qi.max_size);
	}
	/* the control queue was not started */
	ASSERT_EQ(0, vub_get_queue_info(self->r.fd, 2, &qi));
	EXPECT_EQ(0u, qi.flags & VUB_QUEUE_INFO_F_STARTED);
	EXPECT_EQ(0u, qi.size);
	EXPECT_EQ(-EINVAL, vub_get_queue_info(self->r.fd, 3, &qi));
	/* no doorbell on the simulator: nothing to map */
	EXPECT_EQ(0u, self->r.info.abilities & (1ULL << VUB_ABILITY_DOORBELL));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PG, PROT_WRITE, MAP_SHARED,
				   self->r.fd, PG));
}

TEST_F_TIMEOUT(net, stop_start_midstream, 300)
{
	struct vub_queue_state tx, rx;
	uint32_t sent;

	RUN(self, 2000);
	sent = burst(self);
	ASSERT_LT(0u, sent);
	ASSERT_EQ(0, vub_stop_queue(self->r.fd, 1, &tx));
	ASSERT_EQ(0, vub_stop_queue(self->r.fd, 0, &rx));
	/* the device consumed no more than was made available */
	EXPECT_GE(0, (int16_t)(tx.avail_idx - self->r.tx.avail_idx));
	EXPECT_GE(0, (int16_t)(rx.avail_idx - self->r.rx.avail_idx));
	EXPECT_LE(0, (int16_t)(tx.avail_idx - virtq_device_used_idx(&self->r.tx)));
	TH_LOG("stopped with TX %u of %u consumed", tx.avail_idx,
	       self->r.tx.avail_idx);
	expect_frozen(_metadata, self, 200);

	ASSERT_EQ(0, vub_start_queue(self->r.fd, &self->r.rx, rx.avail_idx));
	ASSERT_EQ(0, vub_start_queue(self->r.fd, &self->r.tx, tx.avail_idx));
	ASSERT_EQ(0, virtq_kick(&self->r.rx));
	ASSERT_EQ(0, virtq_kick(&self->r.tx));
	DRAIN(self);
	RUN(self, 2000);
	EXPECT_EQ(self->r.nl.tx_seq, self->r.nl.rx_seq);
}

TEST_F_TIMEOUT(net, suspend_resume_midstream, 300)
{
	struct vub_queue_state tx, rx;

	RUN(self, 1000);
	ASSERT_LT(0u, burst(self));
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_SUSPEND)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, vub_get_queue_state(self->r.fd, 1, &tx));
	ASSERT_EQ(0, vub_get_queue_state(self->r.fd, 0, &rx));
	EXPECT_GE(0, (int16_t)(tx.avail_idx - self->r.tx.avail_idx));
	expect_frozen(_metadata, self, 200);
	/* state read twice while suspended is stable */
	{
		struct vub_queue_state again;

		ASSERT_EQ(0, vub_get_queue_state(self->r.fd, 1, &again));
		EXPECT_EQ(tx.avail_idx, again.avail_idx);
	}
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_RESUME)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, virtq_kick(&self->r.tx));
	DRAIN(self);
	RUN(self, 2000);
}

TEST_F_TIMEOUT(net, restore_into_reset_device, 300)
{
	struct vub_queue_state tx, rx;
	__u8 st = 0xff;

	RUN(self, 1000);
	ASSERT_LT(0u, burst(self));
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_SUSPEND)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, vub_get_queue_state(self->r.fd, 0, &rx));
	ASSERT_EQ(0, vub_get_queue_state(self->r.fd, 1, &tx));
	TH_LOG("saved RX %u/%u TX %u/%u", rx.avail_idx, self->r.rx.avail_idx,
	       tx.avail_idx, self->r.tx.avail_idx);

	ASSERT_EQ(0, ioctl(self->r.fd, VUB_RESET)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, vub_get_status(self->r.fd, &st));
	EXPECT_EQ(0, st);
	/* reset dropped every mapping */
	VUBT_EXPECT_PINS_BACK(&self->watch, 3000);

	/* a fresh device gets the saved state */
	ASSERT_EQ(0, vub_negotiate(self->r.fd, NET_RIG_FEATURES, NULL));
	ASSERT_EQ(0, vub_map_mem(self->r.fd, &self->r.gm, VUB_PERM_RW));
	ASSERT_EQ(0, vub_start_queue(self->r.fd, &self->r.rx, rx.avail_idx));
	ASSERT_EQ(0, vub_start_queue(self->r.fd, &self->r.tx, tx.avail_idx));
	ASSERT_EQ(0, vub_set_status(self->r.fd, VS_ACKNOWLEDGE | VS_DRIVER |
				    VS_FEATURES_OK | VS_DRIVER_OK));
	ASSERT_EQ(0, virtq_kick(&self->r.rx));
	ASSERT_EQ(0, virtq_kick(&self->r.tx));
	DRAIN(self);
	RUN(self, 2000);
}

TEST_F_TIMEOUT(net, suspend_before_driver_ok_is_kept, 300)
{
	RUN(self, 300);
	/* a fresh start from a reset device and empty rings */
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_RESET)) TH_LOG("%s", strerror(errno));
	virtq_reset(&self->r.rx);
	virtq_reset(&self->r.tx);
	net_loop_forget(&self->r.nl);
	ASSERT_EQ(0, vub_negotiate(self->r.fd, NET_RIG_FEATURES, NULL));
	ASSERT_EQ(0, vub_map_mem(self->r.fd, &self->r.gm, VUB_PERM_RW));
	ASSERT_EQ(0, vub_start_queue(self->r.fd, &self->r.rx, 0));
	ASSERT_EQ(0, vub_start_queue(self->r.fd, &self->r.tx, 0));
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_SUSPEND)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, vub_set_status(self->r.fd, VS_ACKNOWLEDGE | VS_DRIVER |
				    VS_FEATURES_OK | VS_DRIVER_OK));
	ASSERT_EQ(0, net_loop_post_rx(&self->r.nl));
	ASSERT_LT(0u, burst(self));
	/* DRIVER_OK left it suspended */
	expect_frozen(_metadata, self, 300);
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_RESUME)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, virtq_kick(&self->r.rx));
	ASSERT_EQ(0, virtq_kick(&self->r.tx));
	DRAIN(self);
	RUN(self, 500);
}

TEST_F_TIMEOUT(net, disable_enable_queue, 300)
{
	struct vub_queue_enable en = { .index = 1, .enable = 0 };
	struct vub_queue_info qi;

	RUN(self, 500);
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_ENABLE_QUEUE, &en)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, vub_get_queue_info(self->r.fd, 1, &qi));
	EXPECT_EQ(VUB_QUEUE_INFO_F_STARTED, qi.flags);
	ASSERT_LT(0u, burst(self));
	expect_frozen(_metadata, self, 200);
	en.enable = 1;
	ASSERT_EQ(0, ioctl(self->r.fd, VUB_ENABLE_QUEUE, &en)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, virtq_kick(&self->r.tx));
	DRAIN(self);
	RUN(self, 500);
	en.index = 2;	/* never started */
	EXPECT_ERRNO(EINVAL, ioctl(self->r.fd, VUB_ENABLE_QUEUE, &en));
}

TEST_HARNESS_MAIN
