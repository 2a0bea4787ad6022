// SPDX-License-Identifier: GPL-2.0
/*
 * cvq_test.c - the daemon's own control queue on a NIC (net_cvq.c), through
 * the engine and vdpa_device.c on the simulated module, whose control queue
 * answers VQ_PAIRS_SET, MAC_ADDR_SET and RX PROMISC/ALLMULTI and which
 * refuses MQ, CTRL_RX or CTRL_MAC_ADDR without CTRL_VQ (as mlx5_vdpa does).
 * Also: an operator's MAC change reaches the device through the queue, and
 * a successor daemon goes on with the queue a handover record carries
 * (handover_cvq.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"

#include "fake_vub.h"
#include "guest_mem.h"
#include "handover.h"
#include "log.h"
#include "net_cvq.h"
#include "session.h"
#include "test_loop.h"
#include "vdpa_device.h"
#include "virtq.h"
#include "vu_frontend.h"

#define QSIZE		64
#define NRINGS		5
#define MEM_SIZE	(2u << 20)
#define MEM_IOVA	0x40000000ull
#define F(b)		(1ull << (b))
#define NET_F		(F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC) |	\
			 F(VIRTIO_NET_F_MQ))
#define PF		(VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |	\
			 VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_STATUS) |	\
			 VU_PF(VU_PF_DEVICE_STATE))

static const uint8_t other_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

FIXTURE(cvq) {
	struct test_loop loop;
	struct fake_vub *fv;
	struct vu_device *dev;
	struct vu_session *s;
	struct vu_fe fe;
	bool ended;
	struct guest_mem gm;
	struct virtq vq[NRINGS];
};

static void on_end(struct vu_session *s, void *arg)
{
	FIXTURE_DATA(cvq) *self = arg;

	self->ended = true;
	vu_session_destroy(s);
	self->s = NULL;
}

static int connect_fe(FIXTURE_DATA(cvq) *self)
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

static void disconnect_fe(FIXTURE_DATA(cvq) *self)
{
	if (self->s)
		vu_session_destroy(self->s);
	self->s = NULL;
	vu_fe_close(&self->fe);
}

/* A 2-pair NIC with CTRL_RX, like QEMU's virtio-net under vp_vdpa. */
static int open_dev(FIXTURE_DATA(cvq) *self, bool late, bool packed)
{
	struct fake_vub_cfg cfg;

	fake_vub_cfg_net(&cfg, 2);
	cfg.features |= F(VIRTIO_NET_F_CTRL_RX);
	if (!packed)
		cfg.features &= ~F(VIRTIO_F_RING_PACKED);
	if (!late)
		cfg.abilities &= ~(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
	fake_vub_init(self->fv, &cfg);
	self->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
					 &self->fv->sys);
	if (!self->dev)
		return -1;
	return connect_fe(self);
}

FIXTURE_SETUP(cvq)
{
	int i;

	vub_log_level = VUB_LOG_ERR - 1;
	ncvq_rx_mode = NCVQ_RX_PROMISC;
	ncvq_wait_ms = 5000;
	test_loop_init(&self->loop);
	self->fv = calloc(1, sizeof(*self->fv));
	ASSERT_NE(NULL, self->fv);
	self->gm.memfd = -1;
	ASSERT_EQ(0, guest_mem_init(&self->gm, MEM_SIZE, MEM_IOVA, 0));
	for (i = 0; i < NRINGS; i++)
		ASSERT_EQ(0, virtq_init(&self->vq[i], &self->gm, (uint16_t)i,
					QSIZE));
}

FIXTURE_TEARDOWN(cvq)
{
	int i;

	disconnect_fe(self);
	if (self->dev)
		self->dev->ops->destroy(self->dev);
	for (i = 0; i < NRINGS; i++)
		virtq_destroy(&self->vq[i]);
	guest_mem_destroy(&self->gm);
	fake_vub_fini(self->fv);
	free(self->fv);
}

/* The recorded lines that start with "CVQ", in order, are exactly @want. */
static int cvq_lines_are(struct __test_metadata *_metadata,
			 struct fake_vub *fv, const char *const *want)
{
	unsigned int i, n = 0;
	const char *l;
	int bad = 0;

	for (i = 0; (l = fake_vub_log_line(fv, i)); i++) {
		if (strncmp(l, "CVQ ", 4))
			continue;
		if (!want[n] || strcmp(l, want[n])) {
			TH_LOG("command %u: got \"%s\", want \"%s\"", n, l,
			       want[n] ? want[n] : "(none)");
			bad = 1;
		}
		if (want[n])
			n++;
	}
	if (want[n]) {
		TH_LOG("command %u: got none, want \"%s\"", n, want[n]);
		bad = 1;
	}
	fake_vub_log_clear(fv);
	return bad;
}

#define EXPECT_CVQ(...) do {						\
		static const char *const want_[] = { __VA_ARGS__, NULL }; \
		EXPECT_EQ(0, cvq_lines_are(_metadata, self->fv, want_)); \
	} while (0)

/* Memory, @n rings configured and enabled, DRIVER_OK. */
static int start(FIXTURE_DATA(cvq) *self, int n)
{
	struct guest_mem *gms[1] = { &self->gm };
	int i, ret = vu_fe_set_mem_table(&self->fe, gms, 1);

	for (i = 0; !ret && i < n; i++)
		ret = vu_fe_vring(&self->fe, &self->vq[i], 0);
	for (i = 0; !ret && i < n; i++)
		ret = vu_fe_enable(&self->fe, (uint32_t)i, true);
	if (!ret)
		ret = vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f);
	return ret;
}

static int set_config_mac(FIXTURE_DATA(cvq) *self, const uint8_t mac[6])
{
	struct vu_config c;

	memset(&c, 0, sizeof(c));
	c.offset = 0;
	c.size = 6;
	c.flags = VU_CONFIG_F_WRITABLE;
	memcpy(c.data, mac, 6);
	return vu_fe_call(&self->fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 6,
			  NULL, 0, NULL, NULL);
}

/*
 * The simulated device enforces the spec's dependencies as mlx5_vdpa does:
 * MQ without CTRL_VQ is refused. A front-end that keeps its control queue
 * (no CTRL_VQ acknowledged) still gets MQ on the device: the daemon adds
 * CTRL_VQ, CTRL_MAC_ADDR and CTRL_RX and runs the control queue (index 4).
 */
TEST_F(cvq, ctrl_vq_negotiated_for_mq)
{
	uint64_t f = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MQ);
	uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	int fd;

	ASSERT_EQ(0, open_dev(self, true, false));
	/* the rule, straight on the simulated module */
	disconnect_fe(self);
	self->dev->ops->destroy(self->dev);
	self->dev = NULL;
	fd = self->fv->sys.open(self->fv, "x");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, self->fv->sys.ioctl(self->fv, fd, VUB_SET_STATUS, &st));
	EXPECT_EQ(-EINVAL, self->fv->sys.ioctl(self->fv, fd, VUB_SET_FEATURES,
					       &f));
	f |= F(VIRTIO_NET_F_CTRL_VQ);
	EXPECT_EQ(0, self->fv->sys.ioctl(self->fv, fd, VUB_SET_FEATURES, &f));
	self->fv->sys.close(self->fv, fd);
	/* through the daemon */
	self->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
					 &self->fv->sys);
	ASSERT_NE(NULL, self->dev);
	ASSERT_EQ(0, connect_fe(self));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	EXPECT_EQ(0, self->fe.features & F(VIRTIO_NET_F_CTRL_VQ));
	ASSERT_EQ(0, start(self, 2));
	EXPECT_EQ(F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_MAC_ADDR) |
		  F(VIRTIO_NET_F_CTRL_RX) | F(VIRTIO_NET_F_MQ),
		  self->fv->driver_features &
		  (F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_MAC_ADDR) |
		   F(VIRTIO_NET_F_CTRL_RX) | F(VIRTIO_NET_F_MQ)));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_TRUE(self->fv->q[4].started);
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:00:00:00:00:01", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 1");
	EXPECT_EQ(1, self->fv->cvq_pairs);
	EXPECT_FALSE(self->ended);
}

/* SET_VRING_ENABLE on pair 1 becomes VQ_PAIRS_SET 2 once both rings run,
 * and VQ_PAIRS_SET 1 before its RX ring stops. */
TEST_F(cvq, pairs_follow_ring_enable)
{
	struct guest_mem *gms[1] = { &self->gm };
	int i;

	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->fe, gms, 1));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[i], 0));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 1, true));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:00:00:00:00:01", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 1");
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 2, true));
	EXPECT_EQ(1, self->fv->cvq_pairs);
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 3, true));
	EXPECT_EQ(2, self->fv->cvq_pairs);
	EXPECT_TRUE(self->fv->q[2].started);
	EXPECT_TRUE(self->fv->q[3].started);
	EXPECT_CVQ("CVQ VQ_PAIRS_SET 2");
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 2, false));
	EXPECT_EQ(1, self->fv->cvq_pairs);
	EXPECT_FALSE(self->fv->q[2].started);
	EXPECT_CVQ("CVQ VQ_PAIRS_SET 1");
	EXPECT_FALSE(self->ended);
}

/* On a device that cannot start queues after DRIVER_OK, the restart the
 * late pair causes sets the MAC, RX mode and pairs again. */
/*
 * A device that can neither suspend nor start a ring after DRIVER_OK
 * (vp_vdpa): stopping one ring there is the queue_enable 0 QEMU fails the
 * device for, and a late start restarts the device. So the rings of a pair
 * the device does not use start with the others and stay started when the
 * front-end disables them; only the pair count moves.
 */
TEST_F(cvq, no_suspend_device_keeps_rings_of_unused_pairs)
{
	struct guest_mem *gms[1] = { &self->gm };
	struct fake_vub_cfg cfg;
	int i;

	fake_vub_cfg_net(&cfg, 2);
	cfg.features &= ~F(VIRTIO_F_RING_PACKED);
	cfg.abilities &= ~(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK |
			   1ull << VUB_ABILITY_SUSPEND);
	fake_vub_init(self->fv, &cfg);
	self->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
					 &self->fv->sys);
	ASSERT_NE(NULL, self->dev);
	ASSERT_EQ(0, connect_fe(self));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->fe, gms, 1));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[i], 0));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 1, true));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_EQ(1, self->fv->cvq_pairs);
	EXPECT_TRUE(self->fv->q[2].started);	/* parked */
	EXPECT_TRUE(self->fv->q[3].started);
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 2, true));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 3, true));
	EXPECT_EQ(2, self->fv->cvq_pairs);
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 2, false));
	EXPECT_EQ(1, self->fv->cvq_pairs);
	EXPECT_TRUE(self->fv->q[2].started);	/* left to the pair count */
	/* a ring the device still uses is stopped as before */
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 0, false));
	EXPECT_FALSE(self->fv->q[0].started);
	EXPECT_FALSE(self->ended);
}

TEST_F(cvq, restart_reprograms_device)
{
	ASSERT_EQ(0, open_dev(self, false, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, set_config_mac(self, other_mac));
	ASSERT_EQ(0, start(self, 2));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 1");
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[2], 0));
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[3], 0));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 2, true));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 3, true));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 1",
		   "CVQ MAC_ADDR_SET 02:11:22:33:44:55", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 2");
	EXPECT_EQ(2, self->fv->cvq_pairs);
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, other_mac, 6));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_FALSE(self->ended);
}

/* The MAC a front-end writes (SET_CONFIG) goes through the control queue,
 * now and after every reset, for this session only: the next front-end
 * gets the operator's MAC. --rx-mode sets the receive mode. */
TEST_F(cvq, mac_from_set_config_and_rx_mode)
{
	static const uint8_t op_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t mac[6];

	ncvq_rx_mode = NCVQ_RX_ALLMULTI;
	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, start(self, 2));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:00:00:00:00:01", "CVQ RX_PROMISC 0",
		   "CVQ RX_ALLMULTI 1", "CVQ VQ_PAIRS_SET 1");
	ASSERT_EQ(0, set_config_mac(self, other_mac));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55");
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, other_mac, 6));
	ASSERT_EQ(0, vu_fe_get_config(&self->fe, 0, mac, 6));
	EXPECT_EQ(0, memcmp(mac, other_mac, 6));
	/* a reset: the device forgets, the daemon does not */
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0));
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, op_mac, 6));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_FEATURES,
				   self->fe.features));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55", "CVQ RX_PROMISC 0",
		   "CVQ RX_ALLMULTI 1", "CVQ VQ_PAIRS_SET 1");
	/* the next tenant: the device gets the operator's MAC back before
	 * the reset (a vdpa_sim reset keeps what MAC_ADDR_SET set), and the
	 * config space shows it before any DRIVER_OK */
	disconnect_fe(self);
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:00:00:00:00:01");
	self->fv->cfg.config[5] = 0x77;	/* as if the reset kept a MAC */
	ASSERT_EQ(0, connect_fe(self));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, vu_fe_get_config(&self->fe, 0, mac, 6));
	EXPECT_EQ(0, memcmp(mac, op_mac, 6));
	ASSERT_EQ(0, start(self, 2));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:00:00:00:00:01", "CVQ RX_PROMISC 0",
		   "CVQ RX_ALLMULTI 1", "CVQ VQ_PAIRS_SET 1");
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, op_mac, 6));
	/* bytes past the MAC stay read-only */
	{
		struct vu_config c = { .offset = 4, .size = 4,
				       .flags = VU_CONFIG_F_WRITABLE };

		EXPECT_EQ(-EIO, vu_fe_call(&self->fe, VU_SET_CONFIG, &c,
					   VU_CONFIG_HDR + 4, NULL, 0, NULL,
					   NULL));
	}
	EXPECT_FALSE(self->ended);
}

/* The snapshot carries the MAC, the RX mode and the pair count; a new
 * session that loads it gets them on the device at DRIVER_OK. */
TEST_F(cvq, snapshot_keeps_mac_and_pairs)
{
	uint8_t *blob = NULL;
	uint32_t base;
	size_t len = 0;
	int i;

	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, set_config_mac(self, other_mac));
	ASSERT_EQ(0, start(self, 4));
	EXPECT_EQ(2, self->fv->cvq_pairs);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_get_vring_base(&self->fe, (uint32_t)i,
						  &base));
	ASSERT_EQ(0, vu_fe_save_state(&self->fe, &blob, &len));
	disconnect_fe(self);
	EXPECT_EQ(0, self->fv->status);
	fake_vub_log_clear(self->fv);

	ASSERT_EQ(0, connect_fe(self));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, vu_fe_load_state(&self->fe, blob, len));
	free(blob);
	/* the front-end resumes the rings it had, pair 1's included */
	ASSERT_EQ(0, start(self, 4));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 2");
	EXPECT_EQ(2, self->fv->cvq_pairs);
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, other_mac, 6));
	EXPECT_FALSE(self->ended);
}

/* The operator changes the MAC (`vdpa dev set`: the config space changes,
 * the module signals the config eventfd). The front-end negotiated no
 * CONFIG and has no back-end channel (DPDK); the daemon still follows:
 * MAC_ADDR_SET with the new MAC, which a config read then shows. */
TEST_F(cvq, operator_mac_reaches_device)
{
	uint64_t one = 1;
	uint8_t mac[6];

	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F,
				     PF & ~VU_PF(VU_PF_CONFIG)));
	ASSERT_EQ(0, start(self, 2));
	fake_vub_log_clear(self->fv);
	memcpy(self->fv->cfg.config, other_mac, 6);
	ASSERT_EQ(8, write(self->fv->config_efd, &one, 8));
	test_loop_pump(&self->loop, 3);
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55");
	/* what a front-end reading the config would get */
	EXPECT_EQ(0, self->dev->ops->read_config(self->dev, 0, mac, 6));
	EXPECT_EQ(0, memcmp(mac, other_mac, 6));
	EXPECT_FALSE(self->ended);
}

/* Handover: fd ids are indexes into a table of dups. */
struct fdtab {
	int fd[8];
	unsigned int n;
};

static uint32_t tab_id(void *arg, int fd)
{
	struct fdtab *t = arg;

	t->fd[t->n] = dup(fd);
	return t->n++;
}

static int tab_fd(void *arg, uint32_t id)
{
	struct fdtab *t = arg;

	return id < t->n ? dup(t->fd[id]) : -1;
}

/*
 * A successor's control queue from a record of the running one (through
 * encode/decode): the same ring memfd and kick eventfd, the same position;
 * its next command is the next chain of the ring the device runs, with no
 * region mapped and no queue started again. A record one command ahead of
 * the ring is refused.
 */
TEST_F(cvq, successor_goes_on_with_the_queue)
{
	struct net_cvq *old, succ;
	struct ho_record *r = calloc(2, sizeof(*r));
	struct vub_device_info info;
	struct fdtab tab = { .n = 0 };
	char why[200] = "";
	unsigned int i, cmds;
	uint8_t *buf;
	size_t len;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, start(self, 2));
	old = vdpa_device_cvq(self->dev);
	ASSERT_TRUE(old->started);
	cmds = self->fv->cvq_commands;
	strcpy(r->name, "fake0");
	r->device_id = 1;
	r->num_queues = self->fv->cfg.num_queues;
	ho_cvq_export(old, &r->cvq, tab_id, &tab);
	ASSERT_EQ(2u, tab.n);	/* the memfd and the kick eventfd */
	ASSERT_EQ(0, ho_record_encode(r, &buf, &len));
	ASSERT_EQ(0, ho_record_decode(buf, len, &r[1], why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	free(buf);
	EXPECT_EQ(0, ho_cvq_check_files(&r[1], tab_fd, &tab, why,
					sizeof(why))) {
		TH_LOG("%s", why);
	}
	r[1].cvq.next++;
	EXPECT_EQ(-EINVAL, ho_cvq_check_files(&r[1], tab_fd, &tab, why,
					      sizeof(why)));
	EXPECT_STREQ("control queue: the ring has 4 chains offered and 4 used, the record says 5",
		     why);
	r[1].cvq.next--;

	ASSERT_EQ(0, self->fv->sys.ioctl(self->fv->sys.ctx, self->fv->fd,
					 VUB_GET_DEVICE_INFO, &info));
	ASSERT_EQ(0, ncvq_init(&succ, "succ", &self->fv->sys, self->fv->fd,
			       &info));
	ASSERT_EQ(0, ho_cvq_adopt(&succ, &r[1], tab_fd, &tab));
	EXPECT_TRUE(fake_vub_same_file(succ.kick_fd,
				       self->fv->q[succ.index].kick_fd));
	EXPECT_TRUE(fake_vub_same_file(succ.memfd, old->memfd));
	EXPECT_EQ(old->next, succ.next);
	EXPECT_EQ(old->sent, succ.sent);
	EXPECT_TRUE(succ.started && succ.mapped);
	fake_vub_log_clear(self->fv);
	ASSERT_EQ(0, ncvq_write_mac(&succ, 0, other_mac, 6));
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55");
	EXPECT_EQ(cmds + 1, self->fv->cvq_commands);
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, other_mac, 6));
	for (i = 0; fake_vub_log_line(self->fv, i); i++)
		TH_LOG("unexpected: %s", fake_vub_log_line(self->fv, i));
	EXPECT_EQ(0u, i);
	/* the old one must not close what the module holds: it exits
	 * without touching anything; here the files stay shared */
	ncvq_fini(&succ);
	for (i = 0; i < tab.n; i++)
		close(tab.fd[i]);
	free(r);
}

/* A front-end that acknowledges CTRL_VQ and enables the control queue
 * before DRIVER_OK runs it on the device: the daemon's standby ring gives
 * way before any command, and nothing of the daemon's stays mapped. */
TEST_F(cvq, passthrough_when_front_end_acks_ctrl_vq)
{
	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F | F(VIRTIO_NET_F_CTRL_VQ),
				     PF));
	ASSERT_NE(0, self->fe.features & F(VIRTIO_NET_F_CTRL_VQ));
	ASSERT_EQ(0, start(self, 5));
	EXPECT_TRUE(self->fv->q[4].started);
	EXPECT_EQ(self->vq[4].desc_iova, self->fv->q[4].desc);
	EXPECT_EQ(1, self->fv->nregions);
	EXPECT_EQ(0, self->fv->cvq_commands);
	EXPECT_CVQ(NULL);
	EXPECT_FALSE(self->ended);
}

/* cloud-hypervisor's order (vu_common_ctrl.rs setup_vhost_user): NEED_REPLY
 * on everything, SET_FEATURES with CTRL_VQ and MQ, the memory table, NUM
 * of every data ring, then ADDR, BASE, CALL, KICK per ring, ENABLE of
 * every ring, no STATUS. Its VMM answers the guest's control queue itself
 * (net_util ctrl_queue.rs) and never hands ring 4 over, so the daemon's
 * standby ring sets the pairs the front-end enabled: MQ pairs only, the
 * MAC and RX mode stay the guest's. */
TEST_F(cvq, cloud_hypervisor_pairs_from_enabled_rings)
{
	struct guest_mem *gms[1] = { &self->gm };
	int i;

	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F | F(VIRTIO_NET_F_CTRL_VQ),
				     PF & ~VU_PF(VU_PF_STATUS)));
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->fe, gms, 1));
	for (i = 0; i < 4; i++) {
		struct vu_vring_state st = { (uint32_t)i, QSIZE };

		ASSERT_EQ(0, vu_fe_call(&self->fe, VU_SET_VRING_NUM, &st,
					sizeof(st), NULL, 0, NULL, NULL));
	}
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[i], 0));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_enable(&self->fe, (uint32_t)i, true));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_TRUE(self->fv->q[4].started);
	EXPECT_NE(self->vq[4].desc_iova, self->fv->q[4].desc);
	EXPECT_CVQ("CVQ VQ_PAIRS_SET 1", "CVQ VQ_PAIRS_SET 2");
	EXPECT_EQ(2, self->fv->cvq_pairs);
	/* pause and resume (SET_VRING_ENABLE 0/1 on every ring): the device
	 * comes back with both pairs */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_enable(&self->fe, (uint32_t)i, false));
	EXPECT_EQ(0, self->fv->status);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vu_fe_enable(&self->fe, (uint32_t)i, true));
	EXPECT_EQ(2, self->fv->cvq_pairs);
	EXPECT_TRUE(self->fv->q[4].started);
	EXPECT_FALSE(self->ended);
}

/* crosvm's order (vhost_user_frontend/mod.rs activate): NUM, ADDR, BASE,
 * CALL, KICK, ENABLE ring after ring, the control queue last, no
 * NEED_REPLY, no STATUS. Until ring 4 comes the daemon's standby ring sets
 * the pairs; ring 4's ENABLE takes the queue over (the device has no
 * ENABLE_AFTER_DRIVER_OK, so every late ring restarts it), after which
 * the daemon sends nothing and the guest's own commands reach the device. */
TEST_F(cvq, crosvm_takes_the_control_queue_over)
{
	struct guest_mem *gms[1] = { &self->gm };
	int i;

	ASSERT_EQ(0, open_dev(self, false, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F | F(VIRTIO_NET_F_CTRL_VQ),
				     PF & ~VU_PF(VU_PF_STATUS)));
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->fe, gms, 1));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[i], 0));
		ASSERT_EQ(0, vu_fe_enable(&self->fe, (uint32_t)i, true));
	}
	EXPECT_EQ(2, self->fv->cvq_pairs);
	EXPECT_EQ(2, self->fv->nregions);
	fake_vub_log_clear(self->fv);
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[4], 0));
	ASSERT_EQ(0, vu_fe_enable(&self->fe, 4, true));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_TRUE(self->fv->q[4].started);
	EXPECT_EQ(self->vq[4].desc_iova, self->fv->q[4].desc);
	EXPECT_EQ(1, self->fv->nregions);
	EXPECT_CVQ(NULL);
	EXPECT_FALSE(self->ended);
}

/* The daemon's control queue is not the front-end's to start. */
TEST_F(cvq, front_end_cannot_take_the_daemons_queue)
{
	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, start(self, 2));
	ASSERT_EQ(0, vu_fe_vring(&self->fe, &self->vq[4], 0));
	EXPECT_EQ(-EIO, vu_fe_enable(&self->fe, 4, true));
	EXPECT_FALSE(self->ended);
	EXPECT_EQ(1, self->fv->cvq_pairs);
}

/* Packed rings: the control queue uses the layout every queue has. */
TEST_F(cvq, packed_ring)
{
	ASSERT_EQ(0, open_dev(self, true, true));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F |
				     F(VIRTIO_F_RING_PACKED), PF));
	ASSERT_NE(0, self->fe.features & F(VIRTIO_F_RING_PACKED));
	ASSERT_EQ(0, set_config_mac(self, other_mac));
	/* 3 descriptors a command: 30 commands wrap the 64-entry ring */
	ASSERT_EQ(0, start(self, 2));
	EXPECT_TRUE(self->fv->q[4].started);
	EXPECT_CVQ("CVQ MAC_ADDR_SET 02:11:22:33:44:55", "CVQ RX_PROMISC 1",
		   "CVQ RX_ALLMULTI 0", "CVQ VQ_PAIRS_SET 1");
	for (int i = 0; i < 26; i++)
		ASSERT_EQ(0, set_config_mac(self, i & 1 ? other_mac :
					    (const uint8_t *)"\x02\0\0\0\0\x09"));
	EXPECT_EQ(30, self->fv->cvq_commands);
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, other_mac, 6));
	EXPECT_FALSE(self->ended);
}

/* A device whose control queue never answers: the daemon gives up on it
 * after ncvq_wait_ms, logs it, and the data queues run anyway. */
/* A device that set NEEDS_RESET gets no command until its reset (QEMU's
 * virtio-pci after vp_vdpa cleared a ring's ready bit): no wait for an
 * answer that cannot come. */
TEST_F(cvq, needs_reset_device_gets_no_command)
{
	unsigned int sent;

	ASSERT_EQ(0, open_dev(self, true, false));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, start(self, 2));
	sent = self->fv->cvq_commands;
	ASSERT_LT(0, sent);
	self->fv->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	EXPECT_EQ(-EIO, set_config_mac(self, other_mac));
	EXPECT_EQ(sent, self->fv->cvq_commands);
	EXPECT_NE(0, memcmp(self->fv->cfg.config, other_mac, 6));
	/* after the reset (which clears the fake's counter) the queue works
	 * again and the MAC the front-end wrote reaches the device */
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_FEATURES,
				   self->fe.features));
	ASSERT_EQ(0, vu_fe_set_u64(&self->fe, VU_SET_STATUS, 0x0f));
	EXPECT_LT(0u, self->fv->cvq_commands);
	EXPECT_EQ(0, memcmp(self->fv->cfg.config, other_mac, 6));
	EXPECT_FALSE(self->ended);
}

TEST_F(cvq, silent_device_does_not_hang)
{
	struct fake_vub_cfg cfg;

	ncvq_wait_ms = 50;
	fake_vub_cfg_net(&cfg, 2);
	cfg.cvq_mute = true;
	fake_vub_init(self->fv, &cfg);
	self->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
					 &self->fv->sys);
	ASSERT_NE(NULL, self->dev);
	ASSERT_EQ(0, connect_fe(self));
	ASSERT_EQ(0, vu_fe_negotiate(&self->fe, NET_F, PF));
	ASSERT_EQ(0, start(self, 2));
	EXPECT_EQ(0x0f, self->fv->status);
	EXPECT_TRUE(self->fv->q[0].started);
	EXPECT_EQ(0, self->fv->cvq_commands);
	EXPECT_FALSE(self->ended);
}

TEST_HARNESS_MAIN
