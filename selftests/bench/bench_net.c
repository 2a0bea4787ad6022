// SPDX-License-Identifier: GPL-2.0
/* The test front-end on either side of a comparison (bench_net.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "bench_net.h"
#include "evwait.h"

const char *const bside_name[2] = { "vubridge", "direct" };

static int bfail(struct bnet *b, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bfail(struct bnet *b, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return ret;
}

void bnet_init(struct bnet *b, enum bside side)
{
	memset(b, 0, sizeof(*b));
	b->side = side;
	nfe_init(&b->n);
	vdpa_fe_init(&b->vd);
}

static int up_vub(struct bnet *b, const char *path, size_t memsize,
		  uint64_t want)
{
	struct guest_mem *gms[1] = { &b->n.gm };
	struct nfe *n = &b->n;
	int ret;

	ret = vu_fe_connect(&n->fe, path, 10000);
	if (ret)
		return bfail(b, ret, "connect %s: %s", path, strerror(-ret));
	ret = vu_fe_negotiate(&n->fe, want, BENCH_PF);
	if (!ret)
		ret = vu_fe_get_config(&n->fe, 0, n->mac, 6);
	if (ret)
		return bfail(b, ret, "negotiation: %s", strerror(-ret));
	ret = guest_mem_init(&n->gm, memsize, GPA_BASE, 1);
	if (!ret)
		ret = virtq_init(&n->rx, &n->gm, 0, QSIZE);
	if (!ret)
		ret = virtq_init(&n->tx, &n->gm, 1, QSIZE);
	if (ret)
		return bfail(b, ret, "guest memory: %s", strerror(-ret));
	n->up = true;
	n->rx.event_idx = n->tx.event_idx =
		n->fe.features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	ret = vu_fe_set_mem_table(&n->fe, gms, 1);
	if (ret)
		return bfail(b, ret, "SET_MEM_TABLE: %s", strerror(-ret));
	ret = nfe_rings(n, 0, 0);
	if (ret)
		return bfail(b, ret, "rings: %s", strerror(-ret));
	return 0;
}

static int up_direct(struct bnet *b, const char *node, size_t memsize,
		     uint64_t want)
{
	struct nfe *n = &b->n;
	int ret;

	ret = vdpa_fe_open(&b->vd, node, want | 1ull << VIRTIO_F_ACCESS_PLATFORM);
	if (ret)
		return bfail(b, ret, "%s", b->vd.err);
	memcpy(n->mac, b->vd.mac, 6);
	ret = guest_mem_init(&n->gm, memsize, GPA_BASE, 1);
	if (!ret)
		ret = virtq_init(&n->rx, &n->gm, 0, QSIZE);
	if (!ret)
		ret = virtq_init(&n->tx, &n->gm, 1, QSIZE);
	if (ret)
		return bfail(b, ret, "guest memory: %s", strerror(-ret));
	n->up = true;
	n->rx.event_idx = n->tx.event_idx =
		b->vd.features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	ret = vdpa_fe_map(&b->vd, &n->gm);
	if (!ret)
		ret = vdpa_fe_vring(&b->vd, &n->rx, 0);
	if (!ret)
		ret = vdpa_fe_vring(&b->vd, &n->tx, 0);
	if (!ret)
		ret = vdpa_fe_driver_ok(&b->vd);
	if (ret)
		return bfail(b, ret, "%s", b->vd.err);
	return 0;
}

int bnet_up(struct bnet *b, const char *target, size_t memsize,
	    unsigned int flags)
{
	uint64_t want = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC;
	struct nfe *n = &b->n;
	int ret;

	if (flags & BNET_EVENT_IDX)
		want |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	ret = b->side == SIDE_VUB ? up_vub(b, target, memsize, want) :
				    up_direct(b, target, memsize, want);
	if (ret || (flags & BNET_NO_LOOP))
		return ret;
	/* vdpa_sim_net hands back the sent buffer, header included. */
	ret = net_loop_init(&n->nl, &n->rx, &n->tx, n->mac, vu_net_src_mac,
			    true);
	if (ret)
		return bfail(b, ret, "frame buffers: %s", strerror(-ret));
	ret = net_loop_post_rx(&n->nl);
	if (ret)
		return bfail(b, ret, "posting RX buffers: %s", strerror(-ret));
	return 0;
}

int bnet_stop_restart(struct bnet *b)
{
	struct nfe *n = &b->n;
	uint32_t base[2];
	int ret;

	if (b->side == SIDE_DIRECT) {
		ret = vdpa_fe_suspend(&b->vd, 2, base);
		if (!ret)
			ret = vdpa_fe_resume(&b->vd);
		return ret ? bfail(b, ret, "%s", b->vd.err) : 0;
	}
	ret = nfe_stop(n, base);
	if (ret)
		return bfail(b, ret, "GET_VRING_BASE: %s", strerror(-ret));
	/* What a VMM sends to start a stopped ring: its whole set-up. */
	ret = vu_fe_vring(&n->fe, &n->rx, (uint16_t)base[0]);
	if (!ret)
		ret = vu_fe_vring(&n->fe, &n->tx, (uint16_t)base[1]);
	if (!ret)
		ret = vu_fe_enable(&n->fe, 0, true);
	if (!ret)
		ret = vu_fe_enable(&n->fe, 1, true);
	return ret ? bfail(b, ret, "ring restart: %s", strerror(-ret)) : 0;
}

uint64_t bnet_irqs(struct bnet *b)
{
	return net_loop_irqs(&b->n.nl);
}

uint64_t net_loop_irqs(struct net_loop *nl)
{
	struct evwait *w = &nl->w;
	uint64_t sum = 0;
	int i;

	/* Signals not yet waited for count too. */
	for (i = 0; i < w->nfds; i++) {
		w->counts[i] += evfd_drain(w->fds[i]);
		sum += w->counts[i];
	}
	return sum;
}

uint64_t bnet_kicks(const struct bnet *b)
{
	return b->n.rx.kicks + b->n.tx.kicks;
}

void bnet_down(struct bnet *b)
{
	/* The device stops using the memory before it goes. */
	vdpa_fe_close(&b->vd);
	nfe_fini(&b->n);
}
