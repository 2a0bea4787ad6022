// SPDX-License-Identifier: GPL-2.0
/*
 * engine_test.c - the vhost-user protocol engine against the software
 * test device, over real socketpairs with real fds (memfds, eventfds,
 * pipes): feature negotiation, every implemented message, REPLY_ACK,
 * reconnect, snapshot/restore, and the bad-input table. Every bad input
 * must end that session with a clear error, close its socket, reset its
 * device, and leave a second session working.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include <linux/virtio_ids.h>

#include "kselftest_harness.h"

#include "evwait.h"
#include "guest_mem.h"
#include "log.h"
#include "session.h"
#include "state.h"
#include "test_device.h"
#include "test_loop.h"
#include "virtq.h"
#include "vu_frontend.h"

#define QSIZE		64
#define MEM_SIZE	(2u << 20)
#define MEM_IOVA	0x40000000ull
#define ALL_PF		(~0ull)

struct peer {
	struct test_device *td;
	struct vu_session *s;
	struct vu_fe fe;
	bool ended;
	char error[256];
};

static void on_end(struct vu_session *s, void *arg)
{
	struct peer *p = arg;

	p->ended = true;
	snprintf(p->error, sizeof(p->error), "%s", vu_session_error(s));
	vu_session_destroy(s);
	p->s = NULL;
}

static int peer_open(struct peer *p, struct test_loop *loop,
		     struct test_device *td)
{
	int sv[2];

	memset(p, 0, sizeof(*p));
	p->td = td;
	if (!td || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	p->s = vu_session_new(td_dev(td), sv[1], &loop->base, on_end, p);
	if (!p->s)
		return -1;
	vu_fe_init(&p->fe, sv[0]);
	p->fe.idle = test_loop_idle;
	p->fe.idle_arg = loop;
	p->fe.timeout_ms = 2000;
	return 0;
}

/* End the session (as a disconnect would), keep the device. */
static void peer_disconnect(struct peer *p)
{
	if (p->s)
		vu_session_destroy(p->s);
	p->s = NULL;
	vu_fe_close(&p->fe);
}

static void peer_close(struct peer *p)
{
	peer_disconnect(p);
	test_device_free(p->td);
	p->td = NULL;
}

FIXTURE(engine) {
	struct test_loop loop;
	struct peer a, b;
	struct guest_mem gm;
	struct virtq rx, tx;
	uint8_t *txb, *rxb;	/* 8 frame buffers each */
	int nfds;		/* open fds after set-up */
};

/* The last warning or error the daemon logged, with its device. */
static char last_log[1200];

static void log_sink(int level, const char *dev, const char *line, void *arg)
{
	(void)arg;
	if (level <= VUB_LOG_WARN)
		snprintf(last_log, sizeof(last_log), "%s: %s", dev, line);
}

static int count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

FIXTURE_SETUP(engine)
{
	vub_log_level = VUB_LOG_ERR - 1;	/* tests print what matters */
	vub_log_set_sink(log_sink, NULL, 1);
	last_log[0] = '\0';
	test_loop_init(&self->loop);
	ASSERT_EQ(0, peer_open(&self->a, &self->loop,
			       test_device_new("dev-a", 4, 256, true)));
	ASSERT_EQ(0, peer_open(&self->b, &self->loop,
			       test_device_new("dev-b", 4, 256, false)));
	ASSERT_EQ(0, vu_fe_negotiate(&self->b.fe, ~0ull, ALL_PF));
	self->gm.memfd = -1;
	ASSERT_EQ(0, guest_mem_init(&self->gm, MEM_SIZE, MEM_IOVA, 0));
	ASSERT_EQ(0, virtq_init(&self->rx, &self->gm, 0, QSIZE));
	ASSERT_EQ(0, virtq_init(&self->tx, &self->gm, 1, QSIZE));
	self->txb = guest_mem_alloc(&self->gm, 2048 * 8, 64);
	self->rxb = guest_mem_alloc(&self->gm, 2048 * 8, 64);
	ASSERT_NE(NULL, self->txb);
	ASSERT_NE(NULL, self->rxb);
	self->nfds = count_fds();
}

FIXTURE_TEARDOWN(engine)
{
	virtq_destroy(&self->rx);
	virtq_destroy(&self->tx);
	guest_mem_destroy(&self->gm);
	peer_close(&self->a);
	peer_close(&self->b);
}

/* The other session must be untouched by whatever happened to @a. */
static void expect_b_alive(struct __test_metadata *_metadata,
			   FIXTURE_DATA(engine) *self)
{
	uint64_t f = 0;

	ASSERT_FALSE(self->b.ended);
	ASSERT_EQ(0, vu_fe_get_u64(&self->b.fe, VU_GET_FEATURES, &f));
	ASSERT_NE(0, f & (1ull << VU_F_PROTOCOL_FEATURES));
}

/* @a ended with an error containing @what, its socket closed, its
 * device reset; @b still works. */
#define EXPECT_VIOLATION(what) do {					\
		test_loop_pump(&self->loop, 64);			\
		ASSERT_TRUE(self->a.ended);				\
		if (!strstr(self->a.error, what))			\
			TH_LOG("error was: %s", self->a.error);		\
		ASSERT_NE(NULL, strstr(self->a.error, what));		\
		ASSERT_TRUE(vu_fe_peer_closed(&self->a.fe, 1000));	\
		ASSERT_GE(self->a.td->calls[TD_OP_RESET], 1);		\
		/* nothing leaked: the session's fds are all closed */	\
		ASSERT_GE(self->nfds - 1, count_fds());			\
		expect_b_alive(_metadata, self);			\
	} while (0)

/* @a's last message failed, the reason (containing @what) logged with the
 * device's name; the session lives on, and so does @b. */
#define EXPECT_REFUSED(what) do {					\
		uint64_t f_;						\
		test_loop_pump(&self->loop, 64);			\
		ASSERT_FALSE(self->a.ended);				\
		if (!strstr(last_log, what))				\
			TH_LOG("last log line: %s", last_log);		\
		ASSERT_NE(NULL, strstr(last_log, what));		\
		ASSERT_EQ(0, strncmp(last_log, "dev-a: ", 7));		\
		ASSERT_EQ(0, vu_fe_get_u64(&self->a.fe, VU_GET_FEATURES, &f_)); \
		expect_b_alive(_metadata, self);			\
	} while (0)

static int bring_up(FIXTURE_DATA(engine) *self, uint64_t pf)
{
	struct guest_mem *gms[1] = { &self->gm };
	struct vu_fe *fe = &self->a.fe;
	int ret;

	ret = vu_fe_negotiate(fe, ~0ull, pf);
	if (!ret)
		ret = vu_fe_set_mem_table(fe, gms, 1);
	if (!ret)
		ret = vu_fe_vring(fe, &self->rx, 0);
	if (!ret)
		ret = vu_fe_vring(fe, &self->tx, 0);
	if (!ret)
		ret = vu_fe_enable(fe, 0, true);
	if (!ret)
		ret = vu_fe_enable(fe, 1, true);
	return ret;
}

static void fill_frame(uint8_t *p, uint32_t len, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i * 7);
}

/* Send @n frames through the test device's loopback and check each comes
 * back byte for byte and in order. */
static int run_frames(FIXTURE_DATA(engine) *self, uint32_t first, uint32_t n)
{
	uint8_t *txb = self->txb, *rxb = self->rxb;
	uint32_t seq;

	for (seq = first; seq < first + n; seq++) {
		uint32_t slot = seq % 8, len = 60 + (seq * 37) % 1455, rlen;
		struct virtq_buf tb = { txb + slot * 2048, len, false };
		struct virtq_buf rb = { rxb + slot * 2048, 2048, true };
		void *tok;

		fill_frame(tb.addr, len, seq);
		memset(rb.addr, 0, 2048);
		if (virtq_add(&self->rx, &rb, 1, rb.addr) ||
		    virtq_add(&self->tx, &tb, 1, tb.addr))
			return -1;
		virtq_kick(&self->rx);
		virtq_kick(&self->tx);
		if (test_device_loopback(self->a.td, 0, 1) != 1)
			return -2;
		if (!evfd_drain(self->rx.call_fd))
			return -3;
		tok = virtq_get_used(&self->rx, &rlen);
		if (tok != rb.addr || rlen != len)
			return -4;
		if (virtq_get_used(&self->tx, &rlen) != tb.addr)
			return -5;
		fill_frame(tb.addr, len, seq);
		if (memcmp(tb.addr, rb.addr, len))
			return -6;
	}
	return 0;
}

/* ---- negotiation and every message ---- */

TEST_F(engine, negotiation)
{
	struct vu_fe *fe = &self->a.fe;
	uint64_t v;

	ASSERT_EQ(0, vu_fe_get_u64(fe, VU_GET_FEATURES, &v));
	EXPECT_EQ(self->a.td->features | 1ull << VU_F_PROTOCOL_FEATURES, v);
	ASSERT_EQ(0, vu_fe_get_u64(fe, VU_GET_PROTOCOL_FEATURES, &v));
	EXPECT_EQ(VU_PF_ENGINE_SUPPORTED, v);
	ASSERT_EQ(0, vu_fe_set_u64(fe, VU_SET_PROTOCOL_FEATURES,
				   VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK)));
	fe->pf = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK);
	ASSERT_EQ(0, vu_fe_get_u64(fe, VU_GET_QUEUE_NUM, &v));
	EXPECT_EQ(4, v);
	ASSERT_EQ(0, vu_fe_call(fe, VU_SET_OWNER, NULL, 0, NULL, 0, NULL,
				NULL));
	ASSERT_EQ(0, vu_fe_set_u64(fe, VU_SET_FEATURES,
				   1ull << VIRTIO_F_VERSION_1 |
				   1ull << VU_F_PROTOCOL_FEATURES));
	EXPECT_EQ(1ull << VIRTIO_F_VERSION_1, self->a.td->acked);
	EXPECT_EQ(1, self->a.td->calls[TD_OP_SET_FEATURES]);
	/* A message of a feature that was not negotiated. */
	ASSERT_EQ(-EPIPE, vu_fe_get_u64(fe, VU_GET_STATUS, &v));
	EXPECT_VIOLATION("needs protocol feature STATUS");
}

TEST_F(engine, datapath_loopback)
{
	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(2, self->a.td->calls[TD_OP_START_QUEUE]);
	EXPECT_EQ(self->rx.desc_iova, self->a.td->q[0].cfg.desc_gpa);
	EXPECT_EQ(self->rx.avail_iova, self->a.td->q[0].cfg.avail_gpa);
	EXPECT_EQ(self->tx.used_iova, self->a.td->q[1].cfg.used_gpa);
	EXPECT_EQ(QSIZE, self->a.td->q[1].cfg.size);
	ASSERT_EQ(0, run_frames(self, 0, 1000));
	EXPECT_EQ(1000, self->a.td->frames);
}

TEST_F(engine, stop_start_keeps_position)
{
	uint32_t b0, b1;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(0, run_frames(self, 0, 300));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 0, &b0));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 1, &b1));
	EXPECT_EQ(300, b0);
	EXPECT_EQ(300, b1);
	EXPECT_FALSE(self->a.td->q[0].started);
	EXPECT_TRUE(self->a.td->suspended);
	/* The rings' fds were handed back: start again with new ones. */
	ASSERT_EQ(0, vu_fe_vring(&self->a.fe, &self->rx, (uint16_t)b0));
	ASSERT_EQ(0, vu_fe_vring(&self->a.fe, &self->tx, (uint16_t)b1));
	ASSERT_TRUE(self->a.td->q[0].started);
	EXPECT_EQ(300, self->a.td->q[0].cfg.base.avail_idx);
	ASSERT_EQ(0, run_frames(self, 300, 300));
	/* Disable/enable keeps the position too. */
	ASSERT_EQ(0, vu_fe_enable(&self->a.fe, 1, false));
	ASSERT_FALSE(self->a.td->q[1].started);
	ASSERT_EQ(0, vu_fe_enable(&self->a.fe, 1, true));
	EXPECT_EQ(600, self->a.td->q[1].cfg.base.avail_idx);
	ASSERT_EQ(0, run_frames(self, 600, 100));
}

TEST_F(engine, status_protocol)
{
	uint64_t st;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	/* With STATUS the engine does not invent DRIVER_OK. */
	EXPECT_EQ(0, self->a.td->status & VIRTIO_CONFIG_S_DRIVER_OK);
	ASSERT_EQ(0, vu_fe_set_u64(&self->a.fe, VU_SET_STATUS, 0xf));
	EXPECT_EQ(0xf, self->a.td->status);
	ASSERT_EQ(0, vu_fe_get_u64(&self->a.fe, VU_GET_STATUS, &st));
	EXPECT_EQ(0xf, st);
	ASSERT_EQ(0, vu_fe_set_u64(&self->a.fe, VU_SET_STATUS, 0));
	EXPECT_FALSE(self->a.td->q[0].started);
	EXPECT_EQ(0, self->a.td->status);
	/* A bad value with REPLY_ACK: failure ack, the session lives. */
	ASSERT_EQ(-EIO, vu_fe_set_u64(&self->a.fe, VU_SET_STATUS, 0x100));
	EXPECT_REFUSED("not a virtio status byte");
	/* Without REPLY_ACK the front-end cannot be told: the close. */
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_STATUS, VU_VERSION,
				&(uint64_t){ 0x100 }, 8, NULL, 0));
	EXPECT_VIOLATION("not a virtio status byte");
}

TEST_F(engine, driver_ok_without_status)
{
	struct vu_fe *fe = &self->a.fe;
	struct guest_mem *gms[1] = { &self->gm };

	/* Both rings enabled before their kicks: DRIVER_OK once both run. */
	ASSERT_EQ(0, vu_fe_negotiate(fe, ~0ull, ALL_PF & ~VU_PF(VU_PF_STATUS)));
	ASSERT_EQ(0, vu_fe_set_mem_table(fe, gms, 1));
	ASSERT_EQ(0, vu_fe_enable(fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(fe, 1, true));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->rx, 0));
	EXPECT_FALSE(self->a.td->status & VIRTIO_CONFIG_S_DRIVER_OK);
	ASSERT_EQ(0, vu_fe_vring(fe, &self->tx, 0));
	EXPECT_TRUE(self->a.td->status & VIRTIO_CONFIG_S_DRIVER_OK);
	EXPECT_FALSE(self->a.td->after_driver_ok_start);
	ASSERT_EQ(0, run_frames(self, 0, 50));
}

TEST_F(engine, queue_enabled_after_driver_ok)
{
	struct vu_fe *fe = &self->a.fe;
	struct guest_mem *gms[1] = { &self->gm };

	ASSERT_EQ(0, vu_fe_negotiate(fe, ~0ull, ALL_PF));
	ASSERT_EQ(0, vu_fe_set_mem_table(fe, gms, 1));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->rx, 0));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->tx, 0));
	ASSERT_EQ(0, vu_fe_set_u64(fe, VU_SET_STATUS, 0xf));
	ASSERT_EQ(0, vu_fe_enable(fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(fe, 1, true));
	EXPECT_TRUE(self->a.td->after_driver_ok_start);
	ASSERT_EQ(0, run_frames(self, 0, 50));
}

TEST_F(engine, config_space)
{
	struct vu_fe *fe = &self->a.fe;
	struct vu_config c = { .offset = 0, .size = 2, .flags = 0 };
	uint8_t mac[6];

	/* An input device: select and subsel are driver-writable. */
	self->a.td->base.device_id = VIRTIO_ID_INPUT;
	ASSERT_EQ(0, vu_fe_negotiate(fe, ~0ull, ALL_PF));
	ASSERT_EQ(0, vu_fe_get_config(fe, 0, mac, 6));
	EXPECT_EQ(0x02, mac[0]);
	EXPECT_EQ(0x01, mac[5]);
	c.data[0] = 0xaa;
	c.data[1] = 0xbb;
	ASSERT_EQ(0, vu_fe_call(fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 2, NULL,
				0, NULL, NULL));
	EXPECT_EQ(0xaa, self->a.td->config[0]);
	/* Out of range: an empty reply, the session goes on. */
	ASSERT_EQ(-EIO, vu_fe_get_config(fe, 200, mac, 6));
	/* A device refusal with REPLY_ACK: failure ack, session goes on. */
	self->a.td->fail_op = TD_OP_WRITE_CONFIG;
	self->a.td->fail_errno = EPERM;
	c.data[1] = 0xcc;
	ASSERT_EQ(-EIO, vu_fe_call(fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 2,
				   NULL, 0, NULL, NULL));
	ASSERT_FALSE(self->a.ended);
	ASSERT_EQ(0, vu_fe_get_config(fe, 0, mac, 2));
	EXPECT_EQ(0xbb, mac[1]);
}

/*
 * One tenant must not configure the next: a net device's MAC (and every
 * other field a virtio 1.x driver may not write) is refused, with a
 * failure ack, and the session goes on; rewriting the same bytes is not
 * a change and passes; without REPLY_ACK the write is dropped (as on PCI)
 * and the session goes on too.
 */
/*
 * A session over its fd cap: memory regions and eventfds beyond it are
 * refused with a failure ack, the session and what it holds go on, and
 * the other session is untouched.
 */
TEST_F(engine, fd_cap_per_session)
{
	struct vu_single_region reg;
	int fds[8], i, ret = 0, efd;

	peer_close(&self->a);
	vu_session_fd_cap = 6;	/* socket + 5 */
	ret = peer_open(&self->a, &self->loop,
			test_device_new("dev-a", 4, 256, true));
	vu_session_fd_cap = 0;
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, ALL_PF));
	for (i = 0; i < 8; i++) {
		fds[i] = memfd_create("vubt-slot", MFD_CLOEXEC);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, ftruncate(fds[i], 4096));
		memset(&reg, 0, sizeof(reg));
		reg.region.gpa = 0x100000ull * (i + 1);
		reg.region.size = 4096;
		reg.region.uaddr = 0x7f0000000000ull + 0x100000ull * i;
		ret = vu_fe_call(&self->a.fe, VU_ADD_MEM_REG, &reg, sizeof(reg),
				 &fds[i], 1, NULL, NULL);
		close(fds[i]);
		if (ret)
			break;
	}
	EXPECT_EQ(5, i);
	EXPECT_EQ(-EIO, ret);
	ASSERT_FALSE(self->a.ended);
	/* an eventfd into an empty slot is over the cap too */
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EIO, vu_fe_vring_fd(&self->a.fe, VU_SET_VRING_CALL, 0, efd));
	close(efd);
	ASSERT_FALSE(self->a.ended);
	/* a region given back frees a place */
	memset(&reg, 0, sizeof(reg));
	reg.region.gpa = 0x100000ull;
	reg.region.size = 4096;
	reg.region.uaddr = 0x7f0000000000ull;
	ASSERT_EQ(0, vu_fe_call(&self->a.fe, VU_REM_MEM_REG, &reg, sizeof(reg),
				NULL, 0, NULL, NULL));
	efd = eventfd(0, EFD_CLOEXEC);
	EXPECT_EQ(0, vu_fe_vring_fd(&self->a.fe, VU_SET_VRING_CALL, 0, efd));
	close(efd);
	expect_b_alive(_metadata, self);
}

/* Guest memory over the device's limit: refused with a failure ack, the
 * session and its current table go on. */
TEST_F(engine, pin_limit_per_device)
{
	struct guest_mem *gms[1] = { &self->gm };
	struct guest_mem more;

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, ALL_PF));
	vu_pin_limit = MEM_SIZE - 4096;
	EXPECT_EQ(-EIO, vu_fe_set_mem_table(&self->a.fe, gms, 1));
	EXPECT_EQ(0, self->a.td->calls[TD_OP_SET_MEM_TABLE]);
	ASSERT_FALSE(self->a.ended);
	vu_pin_limit = MEM_SIZE + (1 << 20) - 4096;
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->a.fe, gms, 1));
	/* one more MiB would be over it */
	more.memfd = -1;
	ASSERT_EQ(0, guest_mem_init(&more, 1 << 20, MEM_IOVA + MEM_SIZE, 0));
	EXPECT_EQ(-EIO, vu_fe_add_mem_reg(&self->a.fe, &more));
	EXPECT_EQ(0, self->a.td->calls[TD_OP_ADD_MEM_REGION]);
	vu_pin_limit = 0;
	ASSERT_FALSE(self->a.ended);
	ASSERT_EQ(0, vu_fe_add_mem_reg(&self->a.fe, &more));
	guest_mem_destroy(&more);
	expect_b_alive(_metadata, self);
}

/* Send SET_MEM_TABLE of @gm with NEED_REPLY, do not wait for the ack. */
static void send_table_async(struct vu_fe *fe, struct guest_mem *gm)
{
	struct vu_mem_table t = { .nregions = 1 };

	t.regions[0].gpa = gm->iova;
	t.regions[0].size = gm->size;
	t.regions[0].uaddr = (uintptr_t)gm->map;
	t.regions[0].mmap_offset = 0;
	vu_fe_send(fe, VU_SET_MEM_TABLE, VU_VERSION | VU_FLAG_NEED_REPLY, &t,
		   VU_MEM_TABLE_HDR + sizeof(t.regions[0]), &gm->memfd, 1);
}

/*
 * A device whose memory hooks take long (pinning): while one session's
 * SET_MEM_TABLE runs, the other session is answered at once; the ack
 * follows when the pinning is done; nothing of the first session is read
 * meanwhile.
 */
TEST_F(engine, pinning_does_not_stall_other_sessions)
{
	struct vu_fe_msg m;
	int64_t t0, worst = 0, pin_ms;
	uint64_t f, v;
	int i;

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, ALL_PF));
	self->a.td->base.pin_async = true;
	self->a.td->mem_delay_ms = 600;
	t0 = now_ms();
	send_table_async(&self->a.fe, &self->gm);
	/* a message behind it waits until the table is done */
	vu_fe_send(&self->a.fe, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0);
	for (i = 0; i < 5; i++) {
		int64_t t1 = now_ms();

		ASSERT_EQ(0, vu_fe_get_u64(&self->b.fe, VU_GET_FEATURES, &f));
		if (now_ms() - t1 > worst)
			worst = now_ms() - t1;
	}
	EXPECT_GT(200, worst);
	ASSERT_EQ(0, vu_fe_recv(&self->a.fe, self->a.fe.sock, &m, 3000));
	pin_ms = now_ms() - t0;
	EXPECT_EQ(VU_SET_MEM_TABLE, m.hdr.request);
	memcpy(&v, m.payload, sizeof(v));
	EXPECT_EQ(0, v);
	EXPECT_LE(550, pin_ms);
	TH_LOG("other session's worst reply %lld ms while one pinned for %lld ms",
	       (long long)worst, (long long)pin_ms);
	ASSERT_EQ(0, vu_fe_recv(&self->a.fe, self->a.fe.sock, &m, 3000));
	EXPECT_EQ(VU_GET_FEATURES, m.hdr.request);
	EXPECT_EQ(1, self->a.td->calls[TD_OP_SET_MEM_TABLE]);
	self->a.td->mem_delay_ms = 0;
	/* and the session goes on with that table */
	ASSERT_EQ(0, vu_fe_vring(&self->a.fe, &self->rx, 0));
	ASSERT_EQ(0, vu_fe_enable(&self->a.fe, 0, true));
	EXPECT_TRUE(self->a.td->q[0].started);
}

/* A front-end that leaves mid-pin: its session is cleaned up once the
 * pinning returned (device reset, fds closed), the other one goes on. */
TEST_F(engine, disconnect_mid_pin_cleaned_up)
{
	int64_t end;

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, ALL_PF));
	self->a.td->base.pin_async = true;
	self->a.td->mem_delay_ms = 300;
	send_table_async(&self->a.fe, &self->gm);
	test_loop_pump(&self->loop, 4);
	vu_fe_close(&self->a.fe);
	end = now_ms() + 3000;
	while (!self->a.ended && now_ms() < end) {
		test_loop_pump(&self->loop, 4);
		usleep(10000);
	}
	ASSERT_TRUE(self->a.ended);
	EXPECT_EQ(1, self->a.td->calls[TD_OP_SET_MEM_TABLE]);
	EXPECT_LE(1, self->a.td->calls[TD_OP_RESET]);
	EXPECT_EQ(0, self->a.td->nregions);
	expect_b_alive(_metadata, self);
}

TEST_F(engine, set_config_refuses_read_only_fields)
{
	struct vu_fe *fe = &self->a.fe;
	struct vu_config c = { .offset = 0, .size = 6, .flags = 0 };
	uint8_t mac[6];

	ASSERT_EQ(0, vu_fe_negotiate(fe, ~0ull, ALL_PF));
	memcpy(c.data, "\x02\xee\xee\xee\xee\xee", 6);
	ASSERT_EQ(-EIO, vu_fe_call(fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 6,
				   NULL, 0, NULL, NULL));
	EXPECT_EQ(0, self->a.td->calls[TD_OP_WRITE_CONFIG]);
	ASSERT_FALSE(self->a.ended);
	ASSERT_EQ(0, vu_fe_get_config(fe, 0, mac, 6));
	EXPECT_EQ(0, memcmp(mac, "\x02\0\0\0\0\x01", 6));
	/* the MTU field, one byte of it */
	c.offset = 10;
	c.size = 1;
	c.data[0] = 0x00;
	ASSERT_EQ(-EIO, vu_fe_call(fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 1,
				   NULL, 0, NULL, NULL));
	/* the same MAC again: nothing changes, accepted */
	c.offset = 0;
	c.size = 6;
	memcpy(c.data, mac, 6);
	ASSERT_EQ(0, vu_fe_call(fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 6,
				NULL, 0, NULL, NULL));
	/* no ack asked: dropped, the session goes on */
	c.data[5] = 0x77;
	ASSERT_EQ(0, vu_fe_send(fe, VU_SET_CONFIG, VU_VERSION, &c,
				VU_CONFIG_HDR + 6, NULL, 0));
	test_loop_pump(&self->loop, 8);
	ASSERT_FALSE(self->a.ended);
	EXPECT_EQ(0, self->a.td->calls[TD_OP_WRITE_CONFIG]);
	EXPECT_EQ(0x01, self->a.td->config[5]);
}

TEST_F(engine, config_change_message)
{
	struct vu_fe_msg m;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(0, vu_fe_open_backend_channel(&self->a.fe));
	EXPECT_EQ(1, self->a.td->calls[TD_OP_SET_BACKEND_REQ]);
	test_device_config_change(self->a.td, 5, 0x42);
	ASSERT_EQ(0, vu_fe_recv(&self->a.fe, self->a.fe.breq, &m, 1000));
	EXPECT_EQ(VU_BACKEND_CONFIG_CHANGE_MSG, m.hdr.request);
	EXPECT_EQ(0, m.hdr.size);
}

TEST_F(engine, host_notifier)
{
	struct vu_fe *fe = &self->a.fe;
	struct guest_mem *gms[1] = { &self->gm };
	struct vu_vring_area area;
	struct vu_fe_msg m;
	long pg = sysconf(_SC_PAGESIZE);
	volatile uint16_t *db;
	uint32_t base;

	ASSERT_EQ(0, vu_fe_negotiate(fe, ~0ull, ALL_PF));
	ASSERT_EQ(0, vu_fe_open_backend_channel(fe));
	ASSERT_EQ(0, vu_fe_set_mem_table(fe, gms, 1));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->tx, 0));
	ASSERT_EQ(0, vu_fe_enable(fe, 1, true));
	ASSERT_EQ(0, vu_fe_recv(fe, fe->breq, &m, 1000));
	ASSERT_EQ(VU_BACKEND_VRING_HOST_NOTIFIER_MSG, m.hdr.request);
	ASSERT_EQ(sizeof(area), m.hdr.size);
	ASSERT_EQ(1, m.nfds);
	memcpy(&area, m.payload, sizeof(area));
	EXPECT_EQ(1, area.u64);
	EXPECT_EQ((uint64_t)pg, area.size);
	EXPECT_EQ((uint64_t)pg, area.offset);
	db = mmap(NULL, area.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  m.fds[0], (off_t)area.offset);
	ASSERT_NE(MAP_FAILED, db);
	*db = 1;	/* a kick through the doorbell page */
	munmap((void *)db, area.size);
	close(m.fds[0]);
	/* The ring stops: the doorbell is withdrawn before the device
	 * could revoke it. */
	ASSERT_EQ(0, vu_fe_get_vring_base(fe, 1, &base));
	ASSERT_EQ(0, vu_fe_recv(fe, fe->breq, &m, 1000));
	ASSERT_EQ(VU_BACKEND_VRING_HOST_NOTIFIER_MSG, m.hdr.request);
	ASSERT_EQ(sizeof(area), m.hdr.size);
	EXPECT_EQ(0, m.nfds);
	memcpy(&area, m.payload, sizeof(area));
	EXPECT_EQ(1 | VU_VRING_NOFD, area.u64);
	/* Without HOST_NOTIFIER offered, nothing is sent. */
	EXPECT_EQ(0, self->b.fe.offered_pf & VU_PF(VU_PF_HOST_NOTIFIER));
}

TEST_F(engine, memory_slots)
{
	struct guest_mem more = GUEST_MEM_INIT;
	struct vu_fe *fe = &self->a.fe;
	uint64_t v;

	ASSERT_EQ(0, guest_mem_init(&more, 1 << 20, MEM_IOVA + MEM_SIZE, 0));
	ASSERT_EQ(0, vu_fe_negotiate(fe, ~0ull, ALL_PF));
	ASSERT_EQ(0, vu_fe_get_u64(fe, VU_GET_MAX_MEM_SLOTS, &v));
	EXPECT_EQ(VU_MAX_MEM_SLOTS, v);
	ASSERT_EQ(0, vu_fe_add_mem_reg(fe, &self->gm));
	ASSERT_EQ(0, vu_fe_add_mem_reg(fe, &more));
	EXPECT_EQ(2, self->a.td->nregions);
	ASSERT_EQ(0, vu_fe_vring(fe, &self->rx, 0));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->tx, 0));
	ASSERT_EQ(0, vu_fe_enable(fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(fe, 1, true));
	ASSERT_EQ(0, run_frames(self, 0, 20));
	/* The rings live in the first region: it cannot go while they run. */
	ASSERT_EQ(-EIO, vu_fe_rem_mem_reg(fe, &self->gm));
	ASSERT_EQ(0, vu_fe_rem_mem_reg(fe, &more));
	EXPECT_EQ(1, self->a.td->nregions);
	ASSERT_EQ(-EIO, vu_fe_rem_mem_reg(fe, &more));
	guest_mem_destroy(&more);
	EXPECT_VIOLATION("no region");
}

TEST_F(engine, reset_device)
{
	uint32_t b0;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(0, run_frames(self, 0, 20));
	ASSERT_EQ(0, vu_fe_call(&self->a.fe, VU_RESET_DEVICE, NULL, 0, NULL, 0,
				NULL, NULL));
	/* A virtio reset, not the end of the session: the memory stays. */
	EXPECT_EQ(0, self->a.td->calls[TD_OP_RESET]);
	EXPECT_EQ(1, self->a.td->nregions);
	EXPECT_FALSE(self->a.td->q[0].started);
	EXPECT_EQ(0, self->a.td->status);
	/* QEMU >= 9.1 starts again without sending the memory (it sent it
	 * with ADD_MEM_REG already): features, rings, enable. */
	virtq_reset(&self->rx);
	virtq_reset(&self->tx);
	ASSERT_EQ(0, vu_fe_set_u64(&self->a.fe, VU_SET_FEATURES,
				   self->a.fe.features));
	ASSERT_EQ(0, vu_fe_vring(&self->a.fe, &self->rx, 0));
	ASSERT_EQ(0, vu_fe_vring(&self->a.fe, &self->tx, 0));
	ASSERT_EQ(0, vu_fe_enable(&self->a.fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(&self->a.fe, 1, true));
	ASSERT_TRUE(self->a.td->q[0].started);
	ASSERT_EQ(0, run_frames(self, 0, 20));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 0, &b0));
	EXPECT_EQ(20, b0);
	EXPECT_FALSE(self->a.ended);
}

TEST_F(engine, net_mtu_and_rarp)
{
	uint8_t mac[8] = { 0x02, 1, 2, 3, 4, 5 };
	uint64_t m;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(0, vu_fe_set_u64(&self->a.fe, VU_NET_SET_MTU, 9000));
	EXPECT_EQ(9000, self->a.td->mtu);
	memcpy(&m, mac, sizeof(m));
	ASSERT_EQ(0, vu_fe_set_u64(&self->a.fe, VU_SEND_RARP, m));
	EXPECT_EQ(0, memcmp(mac, self->a.td->rarp_mac, 6));
	ASSERT_EQ(-EIO, vu_fe_set_u64(&self->a.fe, VU_NET_SET_MTU, 20));
	EXPECT_REFUSED("MTU 20 out of range");
}

TEST_F(engine, reconnect)
{
	struct test_device *td = self->a.td;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(0, run_frames(self, 0, 10));
	close(self->a.fe.sock);
	self->a.fe.sock = -1;
	test_loop_pump(&self->loop, 16);
	ASSERT_TRUE(self->a.ended);
	EXPECT_STREQ("", self->a.error);
	EXPECT_EQ(1, td->calls[TD_OP_RESET]);
	EXPECT_FALSE(td->q[0].started);
	vu_fe_close(&self->a.fe);
	/* The same device, a new connection: a clean session. */
	ASSERT_EQ(0, peer_open(&self->a, &self->loop, td));
	virtq_reset(&self->rx);
	virtq_reset(&self->tx);
	ASSERT_EQ(0, bring_up(self, ALL_PF));
	td->q[0].used_idx = td->q[1].used_idx = 0;
	ASSERT_EQ(0, run_frames(self, 0, 10));
	expect_b_alive(_metadata, self);
}

TEST_F(engine, snapshot_restore)
{
	struct peer c;
	uint8_t *blob = NULL;
	size_t len = 0;
	uint32_t b0, b1;

	ASSERT_EQ(0, bring_up(self, ALL_PF));
	ASSERT_EQ(0, run_frames(self, 0, 123));
	/* Saving needs the device suspended. */
	ASSERT_EQ(-EIO, vu_fe_save_state(&self->a.fe, &blob, &len));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 0, &b0));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 1, &b1));
	ASSERT_EQ(0, vu_fe_save_state(&self->a.fe, &blob, &len));
	ASSERT_GT(len, 64);
	EXPECT_EQ(1, self->a.td->calls[TD_OP_SNAPSHOT]);

	/* A fresh device takes the state: positions and device data. */
	ASSERT_EQ(0, peer_open(&c, &self->loop,
			       test_device_new("dev-c", 4, 256, false)));
	ASSERT_EQ(0, vu_fe_negotiate(&c.fe, ~0ull, ALL_PF));
	ASSERT_EQ(0, vu_fe_load_state(&c.fe, blob, len));
	EXPECT_EQ(123, c.td->frames);
	ASSERT_EQ(0, vu_fe_get_vring_base(&c.fe, 0, &b0));
	ASSERT_EQ(0, vu_fe_get_vring_base(&c.fe, 1, &b1));
	EXPECT_EQ(123, b0);
	EXPECT_EQ(123, b1);
	free(blob);
	peer_close(&c);
}

/* ---- the bad-input table ---- */

static int send_raw(struct peer *p, const void *buf, size_t len)
{
	return send(p->fe.sock, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 :
	       -errno;
}

TEST_F(engine, bad_short_header)
{
	uint8_t h[6] = { 1, 0, 0, 0, 1, 0 };

	ASSERT_EQ(0, send_raw(&self->a, h, sizeof(h)));
	shutdown(self->a.fe.sock, SHUT_WR);
	EXPECT_VIOLATION("mid-message");
}

TEST_F(engine, bad_vanish_mid_payload)
{
	struct { struct vu_hdr h; uint32_t half; } __attribute__((packed)) m = {
		{ VU_SET_FEATURES, VU_VERSION, 8 }, 0 };

	ASSERT_EQ(0, send_raw(&self->a, &m, sizeof(m)));
	shutdown(self->a.fe.sock, SHUT_WR);
	EXPECT_VIOLATION("mid-message (16 of 20 bytes)");
}

TEST_F(engine, bad_oversized_payload)
{
	struct vu_hdr h = { VU_SET_FEATURES, VU_VERSION, VU_PAYLOAD_MAX + 1 };

	ASSERT_EQ(0, send_raw(&self->a, &h, sizeof(h)));
	EXPECT_VIOLATION("exceeds the maximum");
}

TEST_F(engine, bad_size_for_type)
{
	uint32_t v = 1;

	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_PROTOCOL_FEATURES,
				VU_VERSION, &v, sizeof(v), NULL, 0));
	EXPECT_VIOLATION("SET_PROTOCOL_FEATURES: payload size 4, expected 8");
}

TEST_F(engine, bad_unknown_type)
{
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, 99, VU_VERSION, NULL, 0, NULL, 0));
	EXPECT_VIOLATION("unknown request 99");
}

TEST_F(engine, bad_unsupported_message_acked)
{
	struct vu_fe_msg m;
	uint64_t v = 0;

	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_LOG_BASE,
				VU_VERSION | VU_FLAG_NEED_REPLY, &v, sizeof(v),
				NULL, 0));
	ASSERT_EQ(0, vu_fe_recv(&self->a.fe, self->a.fe.sock, &m, 1000));
	EXPECT_EQ(VU_SET_LOG_BASE, m.hdr.request);
	memcpy(&v, m.payload, sizeof(v));
	EXPECT_EQ(1, v);
	EXPECT_VIOLATION("SET_LOG_BASE: not supported");
}

TEST_F(engine, bad_header_version)
{
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_GET_FEATURES, 2, NULL, 0, NULL,
				0));
	EXPECT_VIOLATION("protocol version 2");
}

TEST_F(engine, bad_reply_flag)
{
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_GET_FEATURES,
				VU_VERSION | VU_FLAG_REPLY, NULL, 0, NULL, 0));
	EXPECT_VIOLATION("reply flag");
}

TEST_F(engine, bad_too_many_fds)
{
	int fds[10], i;

	for (i = 0; i < 10; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_OWNER, VU_VERSION, NULL, 0,
				fds, 10));
	for (i = 0; i < 10; i++)
		close(fds[i]);
	EXPECT_VIOLATION("fds");
}

TEST_F(engine, bad_fds_on_fdless_message)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_OWNER, VU_VERSION, NULL, 0,
				&fd, 1));
	close(fd);
	EXPECT_VIOLATION("SET_OWNER: 1 fds on a message that takes none");
}

TEST_F(engine, bad_missing_fd)
{
	uint64_t v = 0;

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, 0));
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_VRING_KICK, VU_VERSION, &v,
				sizeof(v), NULL, 0));
	EXPECT_VIOLATION("no fd and no invalid-fd flag");
}

TEST_F(engine, bad_queue_index)
{
	struct vu_vring_state st = { 99, 64 };

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, 0));
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_VRING_NUM, VU_VERSION, &st,
				sizeof(st), NULL, 0));
	EXPECT_VIOLATION("queue index 99 out of range (device has 4 queues)");
}

static void send_num(FIXTURE_DATA(engine) *self, uint32_t num)
{
	struct vu_vring_state st = { 0, num };

	vu_fe_negotiate(&self->a.fe, ~0ull, 0);
	vu_fe_send(&self->a.fe, VU_SET_VRING_NUM, VU_VERSION, &st, sizeof(st),
		   NULL, 0);
}

TEST_F(engine, bad_ring_size_zero)
{
	send_num(self, 0);
	EXPECT_VIOLATION("ring size 0");
}

TEST_F(engine, bad_ring_size_not_power_of_two)
{
	send_num(self, 48);
	EXPECT_VIOLATION("ring size 48 is not a power of two");
}

TEST_F(engine, bad_ring_size_too_large)
{
	send_num(self, 512);
	EXPECT_VIOLATION("ring size 512 is larger than the device's maximum 256");
}

TEST_F(engine, bad_ring_outside_memory)
{
	struct guest_mem *gms[1] = { &self->gm };
	struct vu_vring_state st = { 0, QSIZE };
	struct vu_vring_addr a = { .index = 0,
		.desc = (uintptr_t)self->gm.map + MEM_SIZE - 512,
		.used = (uintptr_t)self->rx.used,
		.avail = (uintptr_t)self->rx.avail };

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, 0));
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->a.fe, gms, 1));
	ASSERT_EQ(0, vu_fe_call(&self->a.fe, VU_SET_VRING_NUM, &st, sizeof(st),
				NULL, 0, NULL, NULL));
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_VRING_ADDR, VU_VERSION, &a,
				sizeof(a), NULL, 0));
	EXPECT_VIOLATION("descriptor table at");
	EXPECT_NE(NULL, strstr(self->a.error, "outside every memory region"));
}

static void send_table(FIXTURE_DATA(engine) *self, struct vu_region *r,
		       int *fds, uint32_t n)
{
	struct vu_mem_table t = { .nregions = n };

	memcpy(t.regions, r, n * sizeof(*r));
	vu_fe_negotiate(&self->a.fe, ~0ull, 0);
	vu_fe_send(&self->a.fe, VU_SET_MEM_TABLE, VU_VERSION, &t,
		   VU_MEM_TABLE_HDR + n * sizeof(*r), fds, n);
}

TEST_F(engine, bad_overlapping_regions)
{
	struct vu_region r[2] = {
		{ 0, 1 << 20, (uintptr_t)self->gm.map, 0 },
		{ 1 << 19, 1 << 20, (uintptr_t)self->gm.map + (4 << 20), 0 },
	};
	int fds[2] = { self->gm.memfd, self->gm.memfd };

	send_table(self, r, fds, 2);
	EXPECT_VIOLATION("overlaps");
}

TEST_F(engine, bad_zero_sized_region)
{
	struct vu_region r = { 0, 0, (uintptr_t)self->gm.map, 0 };

	send_table(self, &r, &self->gm.memfd, 1);
	EXPECT_VIOLATION("has size 0");
}

TEST_F(engine, bad_region_fd_not_mappable)
{
	struct vu_region r = { 0, 1 << 20, (uintptr_t)self->gm.map, 0 };
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	send_table(self, &r, &p[0], 1);
	close(p[0]);
	close(p[1]);
	EXPECT_VIOLATION("region fd is not a memfd or a file");
}

/* A memfd sealed against writes: the device could not write to it. */
TEST_F(engine, bad_region_sealed_against_writes)
{
	struct vu_region r = { 0, 1 << 20, (uintptr_t)self->gm.map, 0 };
	int fd = memfd_create("vubt-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	send_table(self, &r, &fd, 1);
	close(fd);
	EXPECT_VIOLATION("sealed against writes");
}

/* A region the fd does not cover (a front-end lying about its memfd):
 * neither mapped nor pinned. */
TEST_F(engine, bad_region_beyond_its_fd)
{
	struct vu_region r = { 0, 4 << 20, (uintptr_t)self->gm.map, 0 };

	send_table(self, &r, &self->gm.memfd, 1);
	EXPECT_VIOLATION("ends beyond its fd");
}

TEST_F(engine, bad_kick_not_eventfd)
{
	int p[2];

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, 0));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	vu_fe_vring_fd(&self->a.fe, VU_SET_VRING_KICK, 0, p[0]);
	close(p[0]);
	close(p[1]);
	EXPECT_VIOLATION("the kick fd is not an eventfd");
}

/* DPDK's virtio-user in server mode never sends SET_OWNER again after the
 * back-end reconnected: a connection is its own owner. */
TEST_F(engine, no_set_owner_needed)
{
	struct guest_mem *gms[1] = { &self->gm };
	struct vu_fe *fe = &self->a.fe;
	uint64_t f;

	ASSERT_EQ(0, vu_fe_get_u64(fe, VU_GET_FEATURES, &f));
	ASSERT_EQ(0, vu_fe_set_u64(fe, VU_SET_PROTOCOL_FEATURES,
				   VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK)));
	fe->pf = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK);
	ASSERT_EQ(0, vu_fe_set_u64(fe, VU_SET_FEATURES, f));
	ASSERT_EQ(0, vu_fe_set_mem_table(fe, gms, 1));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->rx, 0));
	ASSERT_EQ(0, vu_fe_vring(fe, &self->tx, 0));
	ASSERT_EQ(0, vu_fe_enable(fe, 0, true));
	ASSERT_EQ(0, vu_fe_enable(fe, 1, true));
	ASSERT_EQ(0, run_frames(self, 0, 10));
	/* A second SET_OWNER is refused, the session goes on. */
	ASSERT_EQ(0, vu_fe_call(fe, VU_SET_OWNER, NULL, 0, NULL, 0, NULL,
				NULL));
	ASSERT_EQ(-EIO, vu_fe_call(fe, VU_SET_OWNER, NULL, 0, NULL, 0, NULL,
				   NULL));
	EXPECT_REFUSED("already has an owner");
}

TEST_F(engine, bad_features_not_offered)
{
	ASSERT_EQ(0, vu_fe_call(&self->a.fe, VU_SET_OWNER, NULL, 0, NULL, 0,
				NULL, NULL));
	ASSERT_EQ(0, vu_fe_send(&self->a.fe, VU_SET_FEATURES, VU_VERSION,
				&(uint64_t){ 1ull << 63 }, 8, NULL, 0));
	EXPECT_VIOLATION("were not offered");
}

TEST_F(engine, bad_peer_never_reads_replies)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION, 0 };
	int i, fl = fcntl(self->a.fe.sock, F_GETFL);

	fcntl(self->a.fe.sock, F_SETFL, fl | O_NONBLOCK);
	for (i = 0; i < 200000 && !self->a.ended; i++) {
		if (send(self->a.fe.sock, &h, sizeof(h), MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN)
			break;
		if (i % 64 == 0)
			test_loop_pump(&self->loop, 4);
	}
	fcntl(self->a.fe.sock, F_SETFL, fl);
	EXPECT_VIOLATION("does not read its replies");
}

static void load_blob(FIXTURE_DATA(engine) *self, const uint8_t *blob,
		      size_t len, const char *what,
		      struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, ALL_PF));
	/* A bad state is the answer 1 to CHECK_DEVICE_STATE; the
	 * front-end decides what a failed migration means. */
	ASSERT_EQ(-EIO, vu_fe_load_state(&self->a.fe, blob, len));
	EXPECT_REFUSED(what);
}

static size_t good_blob(uint8_t **blob)
{
	struct vu_state *st = calloc(1, sizeof(*st));
	size_t len = 0;

	st->device_id = 1;
	st->num_queues = 4;
	st->nqueues = 2;
	st->queues[1].index = 1;
	st->devdata_len = 4;
	vu_state_encode(st, blob, &len);
	free(st);
	return len;
}

TEST_F(engine, bad_state_truncated)
{
	uint8_t *b;
	size_t len = good_blob(&b);

	load_blob(self, b, len - 9, "truncated", _metadata);
	free(b);
}

TEST_F(engine, bad_state_corrupted)
{
	uint8_t *b;
	size_t len = good_blob(&b);

	b[40] ^= 0x10;
	load_blob(self, b, len, "checksum mismatch", _metadata);
	free(b);
}

TEST_F(engine, bad_state_wrong_version)
{
	uint8_t *b;
	size_t len = good_blob(&b);

	b[4] = 7;
	load_blob(self, b, len, "unsupported state version 7", _metadata);
	free(b);
}

TEST_F(engine, good_state_loads)
{
	uint8_t *b;
	size_t len = good_blob(&b);

	ASSERT_EQ(0, vu_fe_negotiate(&self->a.fe, ~0ull, ALL_PF));
	ASSERT_EQ(0, vu_fe_load_state(&self->a.fe, b, len));
	free(b);
	ASSERT_FALSE(self->a.ended);
}

/* ---- the state codec on its own ---- */

TEST(state_codec)
{
	struct vu_state *st = calloc(1, sizeof(*st)), *out;
	uint8_t *b = NULL;
	char why[160];
	size_t len = 0, i;
	int bit;

	out = calloc(1, sizeof(*out));
	st->device_id = 2;
	st->num_queues = 3;
	st->features = 0x123456789ull;
	st->protocol_features = 0x7;
	st->status = 0xf;
	st->config_len = 13;
	memset(st->config, 0x5a, 13);
	st->nqueues = 3;
	for (i = 0; i < 3; i++) {
		st->queues[i].index = (uint32_t)i;
		st->queues[i].size = 256;
		st->queues[i].pos.avail_idx = (uint16_t)(1000 + i);
	}
	ASSERT_EQ(0, vu_state_encode(st, &b, &len));
	ASSERT_EQ(0, vu_state_decode(b, len, out, why, sizeof(why)));
	EXPECT_EQ(st->features, out->features);
	EXPECT_EQ(3, out->nqueues);
	EXPECT_EQ(1002, out->queues[2].pos.avail_idx);
	EXPECT_EQ(0, memcmp(st->config, out->config, 13));
	for (i = 0; i < len; i++)
		ASSERT_EQ(-EINVAL, vu_state_decode(b, i, out, why, sizeof(why)));
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1 << bit);
			ASSERT_EQ(-EINVAL, vu_state_decode(b, len, out, why,
							   sizeof(why)));
			b[i] ^= (uint8_t)(1 << bit);
		}
	}
	free(b);
	free(st);
	free(out);
}

TEST_HARNESS_MAIN
