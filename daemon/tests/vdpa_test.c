// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa_test.c - the engine and the vDPA device layer (vdpa_device.c, the
 * code vubridged runs) against the simulated module (fake_vub.c), over a
 * real socketpair: which ioctls each vhost-user sequence causes, in order,
 * and that the device ends where the front-end expects it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"

#include "owner_info.h"

#include "fake_vub.h"
#include "guest_mem.h"
#include "log.h"
#include "session.h"
#include "test_loop.h"
#include "vdpa_device.h"
#include "virtq.h"
#include "vu_frontend.h"

#define QSIZE		64
#define MEM_SIZE	(2u << 20)
#define MEM_IOVA	0x40000000ull
#define NET_F		(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC)
#define ALL_PF		(~0ull)

FIXTURE(vdpa) {
	struct test_loop loop;
	struct fake_vub *fv;
	struct vu_device *dev;
	struct vu_session *s;
	struct vu_fe fe;
	bool ended;
	char error[256];
	struct guest_mem gm;
	struct virtq rx, tx;
};

static void on_end(struct vu_session *s, void *arg)
{
	FIXTURE_DATA(vdpa) *self = arg;

	self->ended = true;
	snprintf(self->error, sizeof(self->error), "%s", vu_session_error(s));
	vu_session_destroy(s);
	self->s = NULL;
}

static int connect_fe(FIXTURE_DATA(vdpa) *self)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	self->ended = false;
	self->s = vu_session_new(self->dev, sv[1], &self->loop.base, on_end,
				 self);
	if (!self->s)
		return -1;
	vu_fe_init(&self->fe, sv[0]);
	self->fe.idle = test_loop_idle;
	self->fe.idle_arg = &self->loop;
	self->fe.timeout_ms = 2000;
	return 0;
}

static void disconnect_fe(FIXTURE_DATA(vdpa) *self)
{
	if (self->s)
		vu_session_destroy(self->s);
	self->s = NULL;
	vu_fe_close(&self->fe);
}

FIXTURE_SETUP(vdpa)
{
	struct fake_vub_cfg cfg;

	vub_log_level = VUB_LOG_ERR - 1;
	test_loop_init(&self->loop);
	self->fv = calloc(1, sizeof(*self->fv));
	ASSERT_NE(NULL, self->fv);
	fake_vub_cfg_net(&cfg, 1);
	fake_vub_init(self->fv, &cfg);
	self->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
					 &self->fv->sys);
	ASSERT_NE(NULL, self->dev);
	ASSERT_EQ(0, connect_fe(self));
	self->gm.memfd = -1;
	ASSERT_EQ(0, guest_mem_init(&self->gm, MEM_SIZE, MEM_IOVA, 0));
	ASSERT_EQ(0, virtq_init(&self->rx, &self->gm, 0, QSIZE));
	ASSERT_EQ(0, virtq_init(&self->tx, &self->gm, 1, QSIZE));
	fake_vub_log_clear(self->fv);
}

FIXTURE_TEARDOWN(vdpa)
{
	disconnect_fe(self);
	if (self->dev)
		self->dev->ops->destroy(self->dev);
	virtq_destroy(&self->rx);
	virtq_destroy(&self->tx);
	guest_mem_destroy(&self->gm);
	fake_vub_fini(self->fv);
	free(self->fv);
}

/* The ioctls recorded since the last check are exactly @want (NULL-ended). */
static int log_is(struct __test_metadata *_metadata, struct fake_vub *fv,
		  const char *const *want)
{
	unsigned int i, nwant = 0;
	int bad = 0;

	while (want[nwant])
		nwant++;
	for (i = 0; i < nwant || fake_vub_log_line(fv, i); i++) {
		const char *got = fake_vub_log_line(fv, i);
		const char *w = i < nwant ? want[i] : NULL;

		if (!got || !w || strcmp(got, w)) {
			TH_LOG("ioctl %u: got \"%s\", want \"%s\"", i,
			       got ? got : "(none)", w ? w : "(none)");
			bad = 1;
		}
	}
	fake_vub_log_clear(fv);
	return bad;
}

#define EXPECT_IOCTLS(...) do {						\
		static const char *const want_[] = { __VA_ARGS__, NULL }; \
		EXPECT_EQ(0, log_is(_metadata, self->fv, want_));	\
	} while (0)

static int rings(FIXTURE_DATA(vdpa) *self)
{
	struct guest_mem *gms[1] = { &self->gm };
	int ret = vu_fe_set_mem_table(&self->fe, gms, 1);

	if (!ret)
		ret = vu_fe_vring(&self->fe, &self->rx, 0);
	if (!ret)
		ret = vu_fe_vring(&self->fe, &self->tx, 0);
	if (!ret)
		ret = vu_fe_enable(&self->fe, 0, true);
	if (!ret)
		ret = vu_fe_enable(&self->fe, 1, true);
	return ret;
}

TEST_F(vdpa, open_programs_config_eventfd)
{
	/* the open in the set-up */
	EXPECT_EQ(1, self->fv->opens);
	EXPECT_LE(0, self->fv->config_efd);
	EXPECT_EQ(3, self->dev->num_queues);
}

TEST_F(vdpa, start_with_status_protocol)
{
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, rings(self));
	EXPECT_TRUE(self->fv->q[0].started);
	EXPECT_TRUE(self->fv->q[1].started);
	EXPECT_EQ(0, self->fv->status & VIRTIO_CONFIG_S_DRIVER_OK);
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_FALSE(self->ended);
	/* The front-end keeps its control queue: the daemon negotiates
	 * CTRL_VQ and CTRL_MAC_ADDR, maps and starts the device's control
	 * queue at FEATURES_OK (before the guest's memory, which arrived
	 * later here) and programs the MAC at DRIVER_OK. */
	EXPECT_IOCTLS("SET_STATUS 0x01", "SET_STATUS 0x03",
		      "SET_FEATURES 0x300820020", "SET_STATUS 0x0b",
		      "ADD_MEM_REGION 0xffffffffc000+0x4000",
		      "START_QUEUE 2 size=64 base=0 nocall",
		      "SET_MEM_TABLE 2", "START_QUEUE 0 size=64 base=0",
		      "START_QUEUE 1 size=64 base=0", "SET_STATUS 0x0f",
		      "CVQ MAC_ADDR_SET 02:00:00:00:00:01");
}

static char logbuf[4096];

static void log_sink(int level, const char *dev, const char *line, void *arg)
{
	size_t n = strlen(logbuf);

	(void)level;
	(void)arg;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s: %s\n", dev, line);
}

/* Replace the fixture's device by one built from @cfg. */
static int reopen(FIXTURE_DATA(vdpa) *self, const struct fake_vub_cfg *cfg)
{
	disconnect_fe(self);
	self->dev->ops->destroy(self->dev);
	fake_vub_fini(self->fv);
	fake_vub_init(self->fv, cfg);
	self->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
					 &self->fv->sys);
	if (!self->dev)
		return -1;
	return connect_fe(self);
}

/*
 * A device without ring state (vp_vdpa): the daemon reads the used index
 * from guest memory when a queue stops. A front-end that truncated its
 * memfd first must get a clear failure of its own session, not a SIGBUS
 * that kills the daemon (this test process) and every device with it.
 */
TEST_F(vdpa, no_state_stop_after_truncate_fails_cleanly)
{
	struct fake_vub_cfg cfg;
	uint32_t base;

	fake_vub_cfg_net(&cfg, 1);
	cfg.no_state = true;
	ASSERT_EQ(0, reopen(self, &cfg));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, rings(self));
	ASSERT_TRUE(self->fv->q[0].started);
	/* The used index is readable: the stop resumes where it stands. */
	*(volatile uint16_t *)((uint8_t *)self->gm.map +
			       (self->rx.used_iova - MEM_IOVA) + 2) = 7;
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->fe, 0, &base));
	EXPECT_EQ(7, base);
	/* Now the front-end shrinks its memory under the running queue 1. */
	ASSERT_EQ(0, ftruncate(self->gm.memfd, 0));
	logbuf[0] = '\0';
	vub_log_set_sink(log_sink, NULL, 1);
	EXPECT_NE(0, vu_fe_get_vring_base(&self->fe, 1, &base));
	test_loop_pump(&self->loop, 16);
	vub_log_set_sink(NULL, NULL, 0);
	EXPECT_TRUE(self->ended);
	EXPECT_NE(NULL, strstr(self->error, "did not stop")) {
		TH_LOG("error: %s", self->error);
	}
	EXPECT_NE(NULL, strstr(logbuf, "truncated")) {
		TH_LOG("log: %s", logbuf);
	}
	/* Back to its size, so the teardown may touch it. */
	ASSERT_EQ(0, ftruncate(self->gm.memfd, MEM_SIZE));
}

/*
 * Doorbells: each queue's notifier is a file of its own (not the device
 * file), withdrawn (invalid-fd flag) before its ring stops; a device
 * without late starts restarts every ring when one starts after
 * DRIVER_OK: the running ring's doorbell is withdrawn before the reset
 * and handed out again after it.
 */
TEST_F(vdpa, host_notifiers_withdrawn_and_renewed)
{
	struct fake_vub_cfg cfg;
	struct vu_vring_area area;
	struct vu_fe_msg m;
	struct guest_mem *gms[1] = { &self->gm };
	struct stat dst, nst;
	uint64_t seen[8];
	unsigned int n = 0, i;
	uint32_t base;

	fake_vub_cfg_net(&cfg, 1);
	cfg.abilities |= 1ull << VUB_ABILITY_DOORBELL;
	cfg.abilities &= ~(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
	ASSERT_EQ(0, reopen(self, &cfg));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_NE(0, self->fe.pf & VU_PF(VU_PF_HOST_NOTIFIER));
	ASSERT_EQ(0, vu_fe_open_backend_channel(&self->fe));
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->fe, gms, 1));
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->rx, 0));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 0, true));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	ASSERT_EQ(0, vu_fe_recv(&self->fe, self->fe.breq, &m, 1000));
	ASSERT_EQ(VU_BACKEND_VRING_HOST_NOTIFIER_MSG, m.hdr.request);
	ASSERT_EQ(1, m.nfds);
	memcpy(&area, m.payload, sizeof(area));
	EXPECT_EQ(0, area.u64);
	EXPECT_EQ(0, area.offset);
	ASSERT_EQ(0, fstat(m.fds[0], &nst));
	ASSERT_EQ(0, fstat(self->fv->fd, &dst));
	EXPECT_NE(dst.st_ino, nst.st_ino);	/* not the device file */
	close(m.fds[0]);
	/* queue 1 after DRIVER_OK: restart; queue 0's doorbell goes and
	 * comes back, queue 1 gets one */
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->tx, 0));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 1, true));
	while (n < 8 && !vu_fe_recv(&self->fe, self->fe.breq, &m, 300)) {
		memcpy(&area, m.payload, sizeof(area));
		seen[n++] = area.u64 | (m.nfds ? 1ull << 32 : 0);
		for (i = 0; i < m.nfds; i++)
			close(m.fds[i]);
	}
	ASSERT_EQ(3, n);
	EXPECT_EQ(0 | VU_VRING_NOFD, seen[0]);	/* withdrawn first */
	EXPECT_NE(0, seen[1] & 1ull << 32);
	EXPECT_NE(0, seen[2] & 1ull << 32);
	EXPECT_EQ(1, (seen[1] & 0xff) + (seen[2] & 0xff));
	/* a ring stops: its doorbell is withdrawn */
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->fe, 1, &base));
	ASSERT_EQ(0, vu_fe_recv(&self->fe, self->fe.breq, &m, 1000));
	EXPECT_EQ(0, m.nfds);
	memcpy(&area, m.payload, sizeof(area));
	EXPECT_EQ(1 | VU_VRING_NOFD, area.u64);
	EXPECT_FALSE(self->ended);
}

/* Issue 15 item 6: a new call fd for a running queue is swapped in place
 * (VUB_SET_QUEUE_CALL): the queue keeps running, the module holds the new
 * eventfd; the error fd likewise. */
TEST_F(vdpa, call_and_err_fd_swapped_in_place)
{
	int call = eventfd(0, EFD_CLOEXEC), err = eventfd(0, EFD_CLOEXEC);

	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, rings(self));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	fake_vub_advance(self->fv, 0, 9);
	fake_vub_log_clear(self->fv);
	ASSERT_EQ(0, vu_fe_vring_fd(&self->fe, VU_SET_VRING_CALL, 0, call));
	ASSERT_EQ(0, vu_fe_vring_fd(&self->fe, VU_SET_VRING_ERR, 0, err));
	EXPECT_IOCTLS("SET_QUEUE_CALL 0 fd", "SET_QUEUE_ERR 0 fd");
	EXPECT_TRUE(self->fv->q[0].started);
	EXPECT_TRUE(fake_vub_same_file(self->fv->q[0].call_fd, call));
	EXPECT_TRUE(fake_vub_same_file(self->fv->q[0].err_fd, err));
	EXPECT_EQ(9, self->fv->q[0].st.avail_idx);
	/* No call notifications: the invalid-fd flag. */
	ASSERT_EQ(0, vu_fe_vring_fd(&self->fe, VU_SET_VRING_CALL, 1, -1));
	EXPECT_IOCTLS("SET_QUEUE_CALL 1 none");
	EXPECT_EQ(-1, self->fv->q[1].call_fd);
	EXPECT_EQ(0x0f, self->fv->status);
	close(call);
	close(err);
}

/* The module refuses the swap (a transient error): the front-end asked
 * for a reply and gets a failure; the session and the queue go on. */
TEST_F(vdpa, fd_swap_failure_is_reported_not_fatal)
{
	int call = eventfd(0, EFD_CLOEXEC);

	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, rings(self));
	fake_vub_fail(self->fv, VUB_SET_QUEUE_CALL, 1, EIO);
	EXPECT_EQ(-EIO, vu_fe_vring_fd(&self->fe, VU_SET_VRING_CALL, 0, call));
	test_loop_pump(&self->loop, 16);
	EXPECT_FALSE(self->ended);
	EXPECT_TRUE(self->fv->q[0].started);
	/* the next one works */
	EXPECT_EQ(0, vu_fe_vring_fd(&self->fe, VU_SET_VRING_CALL, 0, call));
	EXPECT_TRUE(fake_vub_same_file(self->fv->q[0].call_fd, call));
	close(call);
}

/* Issue 15 item 7: a device error without REPLY_ACK does not end the
 * session; the ring's error eventfd tells the front-end, and a later
 * change of the ring starts it. */
TEST_F(vdpa, device_error_keeps_session)
{
	int err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t v = 0;

	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F,
				     VU_PF(VU_PF_MQ) | VU_PF(VU_PF_STATUS)));
	ASSERT_EQ(0, vu_fe_vring_fd(&self->fe, VU_SET_VRING_ERR, 0, err));
	/* The first start is the daemon's control queue (net_cvq.c). */
	fake_vub_fail(self->fv, VUB_START_QUEUE, 2, EIO);
	ASSERT_EQ(0, rings(self));
	test_loop_pump(&self->loop, 16);
	EXPECT_FALSE(self->ended);
	EXPECT_FALSE(self->fv->q[0].started);
	EXPECT_TRUE(self->fv->q[1].started);
	EXPECT_EQ(8, read(err, &v, sizeof(v)));
	EXPECT_EQ(1, v);
	/* re-enabling the ring tries again */
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 0, true));
	test_loop_pump(&self->loop, 16);
	EXPECT_TRUE(self->fv->q[0].started);
	EXPECT_FALSE(self->ended);
	close(err);
}

/* Issue 15 item 8: the error fd survives GET_VRING_BASE (QEMU sends it once,
 * at connect): the next start hands the module the same eventfd. */
TEST_F(vdpa, err_fd_kept_across_get_vring_base)
{
	int err = eventfd(0, EFD_CLOEXEC);
	uint32_t base;

	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, vu_fe_vring_fd(&self->fe, VU_SET_VRING_ERR, 0, err));
	ASSERT_EQ(0, rings(self));
	ASSERT_TRUE(fake_vub_same_file(self->fv->q[0].err_fd, err));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->fe, 0, &base));
	EXPECT_FALSE(self->fv->q[0].started);
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->rx, (uint16_t)base));
	ASSERT_TRUE(self->fv->q[0].started);
	EXPECT_TRUE(fake_vub_same_file(self->fv->q[0].err_fd, err));
	close(err);
}

/* Issue 15 item 8: rust-vmm front-ends send up to 32 regions in one
 * SET_MEM_TABLE; all reach the module. */
TEST_F(vdpa, mem_table_of_32_regions)
{
	struct guest_mem gm[32], *gms[32];
	unsigned int i;

	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	fake_vub_log_clear(self->fv);
	for (i = 0; i < 32; i++) {
		gm[i].memfd = -1;
		ASSERT_EQ(0, guest_mem_init(&gm[i], 1 << 16,
					    0x100000000ull + i * 0x100000ull,
					    0));
		gms[i] = &gm[i];
	}
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->fe, gms, 32));
	/* and the daemon's control queue keeps its region */
	EXPECT_IOCTLS("SET_MEM_TABLE 33");
	EXPECT_EQ(33, self->fv->nregions);
	EXPECT_FALSE(self->ended);
	for (i = 0; i < 32; i++)
		guest_mem_destroy(&gm[i]);
}

/* Issue 15 item 3: GET_QUEUE_NUM counts every virtqueue (cloud-hypervisor
 * and crosvm read it so; QEMU's net compares pairs against it). */
TEST_F(vdpa, queue_num_counts_every_queue)
{
	struct fake_vub_cfg cfg;
	uint64_t n;

	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, vu_fe_get_u64(&self->fe, VU_GET_QUEUE_NUM, &n));
	EXPECT_EQ(3, n);
	fake_vub_cfg_net(&cfg, 4);
	ASSERT_EQ(0, reopen(self, &cfg));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, vu_fe_get_u64(&self->fe, VU_GET_QUEUE_NUM, &n));
	EXPECT_EQ(9, n);
	fake_vub_cfg_blk(&cfg, 1);
	ASSERT_EQ(0, reopen(self, &cfg));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, ALL_PF));
	ASSERT_EQ(0, vu_fe_get_u64(&self->fe, VU_GET_QUEUE_NUM, &n));
	EXPECT_EQ(1, n);
}

/* The owner facts reach the module as VUB_SET_OWNER_INFO wants them. */
TEST_F(vdpa, owner_facts_reach_the_module)
{
	int sv[2];

	ASSERT_EQ(0, owner_info_register(self->dev, "/run/vubridge/fake0.sock",
					 -1));
	EXPECT_EQ(1, self->fv->owner_sets);
	EXPECT_STREQ("/run/vubridge/fake0.sock", self->fv->owner.label);
	EXPECT_EQ(0, self->fv->owner.flags);
	EXPECT_EQ(0, self->fv->owner.frontend_pid);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, owner_info_register(self->dev, "/x\n\x80y", sv[0]));
	EXPECT_EQ(VUB_OWNER_F_FRONTEND, self->fv->owner.flags);
	EXPECT_EQ(getpid(), self->fv->owner.frontend_pid);
	EXPECT_EQ(getuid(), self->fv->owner.frontend_uid);
	/* Bytes the module refuses are shown as '?'. */
	EXPECT_STREQ("/x??y", self->fv->owner.label);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
