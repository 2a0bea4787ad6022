// SPDX-License-Identifier: GPL-2.0
/*
 * Host-only tests of the test "guest" library: a software device thread
 * plays the device side of the split rings (reads them through IOVAs like
 * a DMA engine would, waits on kick eventfds, signals call eventfds), so
 * the virtqueue driver, the frame builder and the net traffic engine are
 * proven before they meet the module.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "kselftest_harness.h"

#include "blk_req.h"
#include "evwait.h"
#include "guest_mem.h"
#include "net_frame.h"
#include "net_loop.h"
#include "virtq.h"

/* Device side of one split ring. */
struct dev_ring {
	struct guest_mem *gm;
	uint64_t desc, avail, used;
	uint16_t size, last_avail, used_idx;
};

static void dev_ring_of(struct dev_ring *r, struct virtq *vq)
{
	r->gm = vq->gm;
	r->desc = vq->desc_iova;
	r->avail = vq->avail_iova;
	r->used = vq->used_iova;
	r->size = vq->size;
	r->last_avail = 0;
	r->used_idx = 0;
}

static int dev_ring_pop(struct dev_ring *r, uint16_t *head)
{
	struct vring_avail *a = guest_mem_ptr(r->gm, r->avail, 4 + 2u * r->size);
	uint16_t idx = le16toh(__atomic_load_n(&a->idx, __ATOMIC_ACQUIRE));

	if (idx == r->last_avail)
		return 0;
	*head = le16toh(a->ring[r->last_avail++ & (r->size - 1)]);
	return 1;
}

static struct vring_desc *dev_desc(struct dev_ring *r, uint16_t i)
{
	struct vring_desc *d = guest_mem_ptr(r->gm, r->desc, 16u * r->size);

	return &d[i];
}

static void dev_ring_push(struct dev_ring *r, uint16_t head, uint32_t len)
{
	struct vring_used *u = guest_mem_ptr(r->gm, r->used, 4 + 8u * r->size);

	u->ring[r->used_idx & (r->size - 1)].id = htole32(head);
	u->ring[r->used_idx & (r->size - 1)].len = htole32(len);
	r->used_idx++;
	__atomic_store_n(&u->idx, htole16(r->used_idx), __ATOMIC_RELEASE);
}

/* A loopback "NIC": TX frames go to RX; dropped when RX is empty. */
struct soft_nic {
	struct dev_ring rx, tx;
	int rx_kick, tx_kick, rx_call, tx_call, stop_fd;
	int drop_every;		/* corrupt: drop frame n when n % drop_every == 7 */
	uint64_t frames, drops;
	pthread_t thr;
};

static void *soft_nic_run(void *arg)
{
	struct soft_nic *n = arg;
	struct pollfd p[3] = {
		{ .fd = n->tx_kick, .events = POLLIN },
		{ .fd = n->rx_kick, .events = POLLIN },
		{ .fd = n->stop_fd, .events = POLLIN },
	};

	for (;;) {
		uint16_t th, rh;

		if (poll(p, 3, -1) < 0)
			continue;
		if (p[2].revents)
			return NULL;
		evfd_drain(n->tx_kick);
		evfd_drain(n->rx_kick);
		while (dev_ring_pop(&n->tx, &th)) {
			struct vring_desc *td = dev_desc(&n->tx, th);
			uint32_t len = le32toh(td->len);
			void *src = guest_mem_ptr(n->tx.gm, le64toh(td->addr), len);

			n->frames++;
			if (n->drop_every && n->frames % n->drop_every == 7) {
				dev_ring_push(&n->tx, th, 0);
				continue;
			}
			if (!dev_ring_pop(&n->rx, &rh)) {
				n->drops++;
				dev_ring_push(&n->tx, th, 0);
				continue;
			}
			struct vring_desc *rd = dev_desc(&n->rx, rh);
			void *dst = guest_mem_ptr(n->rx.gm, le64toh(rd->addr),
						  le32toh(rd->len));

			if (len > le32toh(rd->len))
				len = le32toh(rd->len);
			memcpy(dst, src, len);
			dev_ring_push(&n->rx, rh, len);
			dev_ring_push(&n->tx, th, 0);
			evfd_signal(n->rx_call);
			evfd_signal(n->tx_call);
		}
		evfd_signal(n->tx_call);
	}
}

FIXTURE(guestlib) {
	struct guest_mem gm;
	struct virtq rx, tx;
	struct soft_nic nic;
	struct net_loop nl;
	bool started;
};

FIXTURE_SETUP(guestlib)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };

	self->started = false;
	ASSERT_EQ(0, guest_mem_init(&self->gm, 8 << 20, 0x100000, 0));
	ASSERT_EQ(0, virtq_init(&self->rx, &self->gm, 0, 64));
	ASSERT_EQ(0, virtq_init(&self->tx, &self->gm, 1, 128));
	ASSERT_EQ(0, net_loop_init(&self->nl, &self->rx, &self->tx, mac, mac,
				   true));
	memset(&self->nic, 0, sizeof(self->nic));
	dev_ring_of(&self->nic.rx, &self->rx);
	dev_ring_of(&self->nic.tx, &self->tx);
	self->nic.rx_kick = self->rx.kick_fd;
	self->nic.tx_kick = self->tx.kick_fd;
	self->nic.rx_call = self->rx.call_fd;
	self->nic.tx_call = self->tx.call_fd;
	self->nic.stop_fd = evfd_new();
	ASSERT_LE(0, self->nic.stop_fd);
}

FIXTURE_TEARDOWN(guestlib)
{
	if (self->started) {
		evfd_signal(self->nic.stop_fd);
		pthread_join(self->nic.thr, NULL);
	}
	net_loop_destroy(&self->nl);
	virtq_destroy(&self->rx);
	virtq_destroy(&self->tx);
	guest_mem_destroy(&self->gm);
}

static void start_nic(struct __test_metadata *_metadata,
		      FIXTURE_DATA(guestlib) *self)
{
	ASSERT_EQ(0, pthread_create(&self->nic.thr, NULL, soft_nic_run,
				    &self->nic));
	self->started = true;
}

TEST_F(guestlib, loopback_in_order)
{
	start_nic(_metadata, self);
	ASSERT_EQ(0, net_loop_post_rx(&self->nl));
	ASSERT_EQ(0, net_loop_run(&self->nl, 20000, 2000)) {
		TH_LOG("%s", self->nl.err);
	}
	EXPECT_EQ(20000u, self->nl.rx_seq);
	/* Flow control never let the device run out of RX buffers. */
	EXPECT_EQ(0u, self->nic.drops);
	/* It slept on eventfds instead of spinning. */
	EXPECT_LT(0u, self->nl.waits);
}

TEST_F(guestlib, lost_frame_detected)
{
	self->nic.drop_every = 1000;
	start_nic(_metadata, self);
	ASSERT_EQ(0, net_loop_post_rx(&self->nl));
	EXPECT_NE(0, net_loop_run(&self->nl, 2000, 500));
	EXPECT_NE(0, self->nl.err[0]);
	TH_LOG("expected failure seen: %s", self->nl.err);
}

TEST_F(guestlib, timeout_without_device)
{
	int64_t t0 = now_ms();

	ASSERT_EQ(0, net_loop_post_rx(&self->nl));
	EXPECT_EQ(-ETIMEDOUT, net_loop_run(&self->nl, 10, 200));
	EXPECT_LE(190, now_ms() - t0);
	EXPECT_EQ(10u, self->nl.tx_seq);
	EXPECT_EQ(0u, self->nl.rx_seq);
}

TEST(frames_vary_and_parse)
{
	uint8_t buf[NET_BUF_LEN];
	const uint8_t a[6] = { 2, 0, 0, 0, 0, 1 }, b[6] = { 2, 0, 0, 0, 0, 2 };
	size_t minl = 99999, maxl = 0;
	uint32_t s;

	for (s = 0; s < 10000; s++) {
		size_t l = net_frame_len(s);

		ASSERT_LE(NET_FRAME_MIN, l);
		ASSERT_GE(NET_FRAME_MAX, l);
		minl = l < minl ? l : minl;
		maxl = l > maxl ? l : maxl;
		ASSERT_EQ(VNET_HDR_LEN + l,
			  net_frame_build(buf, sizeof(buf), a, b, s, l));
		ASSERT_EQ(s, net_frame_seq(buf + VNET_HDR_LEN, l));
	}
	EXPECT_EQ(NET_FRAME_MIN, minl);
	EXPECT_EQ(NET_FRAME_MAX, maxl);
	EXPECT_EQ(0u, net_frame_build(buf, 100, a, b, 1, 1514));
	EXPECT_EQ(0u, net_frame_build(buf, sizeof(buf), a, b, 1, 59));
}

TEST(mac_parse_format)
{
	uint8_t m[6];
	char s[18];

	ASSERT_EQ(0, mac_parse("02:aa:00:10:fe:09", m));
	mac_format(m, s);
	EXPECT_STREQ("02:aa:00:10:fe:09", s);
	EXPECT_EQ(-EINVAL, mac_parse("02:aa:00:10:fe", m));
	EXPECT_EQ(-EINVAL, mac_parse("02:aa:00:10:fe:09:11", m));
}

TEST(guest_mem_iova_math)
{
	struct guest_mem gm = GUEST_MEM_INIT;
	uint8_t *p;

	EXPECT_EQ(-EINVAL, guest_mem_init(&gm, 4096, 0x1001, 0));
	ASSERT_EQ(0, guest_mem_init(&gm, 10000, 0x200000, 0));
	EXPECT_EQ(3u * 4096, gm.size);
	p = guest_mem_alloc(&gm, 100, 4096);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x200000u, guest_mem_iova(&gm, p));
	p = guest_mem_alloc(&gm, 10, 64);
	EXPECT_EQ(0x200080u, guest_mem_iova(&gm, p));
	EXPECT_EQ(p, guest_mem_ptr(&gm, 0x200080, 10));
	EXPECT_EQ(NULL, guest_mem_ptr(&gm, 0x1fffff, 1));
	EXPECT_EQ(NULL, guest_mem_ptr(&gm, 0x200000 + 3 * 4096 - 1, 2));
	EXPECT_EQ(NULL, guest_mem_alloc(&gm, 3 * 4096, 1));
	guest_mem_destroy(&gm);
	guest_mem_destroy(&gm);
}

TEST(virtq_chain_and_reclaim)
{
	struct guest_mem gm = GUEST_MEM_INIT;
	struct virtq vq;
	struct dev_ring r;
	struct blk_req *req;
	uint8_t *data;
	uint16_t head;
	uint32_t len;
	int h, i;

	ASSERT_EQ(0, guest_mem_init(&gm, 1 << 20, 0x10000, 0));
	ASSERT_EQ(0, virtq_init(&vq, &gm, 3, 8));
	dev_ring_of(&r, &vq);
	req = guest_mem_alloc(&gm, sizeof(*req), 16);
	data = guest_mem_alloc(&gm, 4096, 4096);
	/* Fill the ring with 3-descriptor chains: 2 fit, the third does not. */
	ASSERT_LE(0, blk_req_queue(&vq, req, VIRTIO_BLK_T_OUT, 8, data, 4096));
	ASSERT_LE(0, blk_req_queue(&vq, req + 0, VIRTIO_BLK_T_IN, 8, data, 512));
	EXPECT_EQ(-ENOSPC, blk_req_queue(&vq, req, VIRTIO_BLK_T_IN, 0, data, 1));
	EXPECT_EQ(2, virtq_inflight(&vq));
	ASSERT_EQ(1, dev_ring_pop(&r, &head));
	{
		struct vring_desc *d = dev_desc(&r, head);

		EXPECT_EQ(VRING_DESC_F_NEXT, le16toh(d->flags));
		EXPECT_EQ(16u, le32toh(d->len));
		d = dev_desc(&r, le16toh(d->next));
		EXPECT_EQ(VRING_DESC_F_NEXT, le16toh(d->flags));
		EXPECT_EQ(4096u, le32toh(d->len));
		/* three ring pages, then the request page */
		EXPECT_EQ(0x10000u + 4 * 4096, le64toh(d->addr));
		d = dev_desc(&r, le16toh(d->next));
		EXPECT_EQ(VRING_DESC_F_WRITE, le16toh(d->flags));
		EXPECT_EQ(1u, le32toh(d->len));
	}
	dev_ring_push(&r, head, 1);
	EXPECT_EQ(req, virtq_get_used(&vq, &len));
	EXPECT_EQ(1u, len);
	EXPECT_EQ(NULL, virtq_get_used(&vq, &len));
	/* Freed descriptors are reused: many more rounds fit. */
	ASSERT_EQ(1, dev_ring_pop(&r, &head));
	dev_ring_push(&r, head, 513);
	EXPECT_NE(NULL, virtq_get_used(&vq, &len));
	for (i = 0; i < 100; i++) {
		h = blk_req_queue(&vq, req, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
		ASSERT_LE(0, h);
		ASSERT_EQ(1, dev_ring_pop(&r, &head));
		EXPECT_EQ(h, head);
		dev_ring_push(&r, head, 1);
		ASSERT_EQ(req, virtq_get_used(&vq, &len));
	}
	EXPECT_EQ(8, vq.num_free);
	/* A bogus used id marks the queue broken instead of crashing. */
	dev_ring_push(&r, 7, 0);
	EXPECT_EQ(NULL, virtq_get_used(&vq, &len));
	EXPECT_TRUE(vq.broken);
	virtq_destroy(&vq);
	guest_mem_destroy(&gm);
}

TEST(evfd_wait_times_out_and_fires)
{
	struct evwait w;
	int a = evfd_new(), b = evfd_new();
	int64_t t0;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	t0 = now_ms();
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(a, 100));
	EXPECT_LE(95, now_ms() - t0);
	evfd_signal(a);
	evfd_signal(a);
	EXPECT_EQ(2, evfd_wait(a, 100));
	ASSERT_EQ(0, evwait_init(&w));
	EXPECT_EQ(0, evwait_add(&w, a));
	EXPECT_EQ(1, evwait_add(&w, b));
	evfd_signal(b);
	EXPECT_EQ(2, evwait_wait(&w, 100));
	EXPECT_EQ(-ETIMEDOUT, evwait_wait(&w, 50));
	evwait_destroy(&w);
	close(a);
	close(b);
}

TEST(blk_pattern_depends_on_offset_and_seed)
{
	uint8_t x[64], y[64];

	blk_pattern(x, 0, 64, 1);
	blk_pattern(y, 0, 64, 2);
	EXPECT_NE(0, memcmp(x, y, 64));
	blk_pattern(y, 32, 32, 1);
	EXPECT_EQ(0, memcmp(x + 32, y, 32));
}

TEST_HARNESS_MAIN
