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
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"

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
	EXPECT_IOCTLS("SET_STATUS 0x01", "SET_STATUS 0x03",
		      "SET_FEATURES 0x300000020", "SET_STATUS 0x0b",
		      "SET_MEM_TABLE 1", "START_QUEUE 0 size=64 base=0",
		      "START_QUEUE 1 size=64 base=0", "SET_STATUS 0x0f");
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

TEST_HARNESS_MAIN
