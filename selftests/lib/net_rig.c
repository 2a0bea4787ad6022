// SPDX-License-Identifier: GPL-2.0
/* One vubridge net device with RX/TX queues and the traffic engine. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "net_rig.h"
#include "vdpa_env.h"
#include "vub_dev.h"

void net_rig_init(struct net_rig *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->gm.memfd = -1;
	r->rx.kick_fd = r->rx.call_fd = -1;
	r->tx.kick_fd = r->tx.call_fd = -1;
}

uint64_t net_rig_iova_base(const struct vub_device_info *info)
{
	uint64_t pg = guest_page_size();
	uint64_t base = info->iova_first < (1u << 20) ? (1u << 20) :
			info->iova_first;

	return (base + pg - 1) & ~(pg - 1);
}

int net_rig_open(struct net_rig *r, const char *name)
{
	int ret;

	r->fd = vub_open(name);
	if (r->fd < 0)
		return r->fd;
	ret = vub_get_info(r->fd, &r->info);
	if (ret) {
		vub_env_set_err("VUB_GET_DEVICE_INFO: %s", strerror(-ret));
		return ret;
	}
	ret = vub_read_config(r->fd, 0, r->mac, 6);
	if (ret)
		vub_env_set_err("VUB_READ_CONFIG mac: %s", strerror(-ret));
	return ret;
}

int net_rig_prepare_queues(struct net_rig *r, size_t memsize, uint16_t qsize)
{
	int ret;

	ret = guest_mem_init(&r->gm, memsize, net_rig_iova_base(&r->info), 0);
	if (ret) {
		vub_env_set_err("guest memory: %s", strerror(-ret));
		return ret;
	}
	r->gm.used = r->alloc_offset;
	r->have_vqs = true;
	ret = virtq_init(&r->rx, &r->gm, 0, qsize);
	if (!ret)
		ret = virtq_init(&r->tx, &r->gm, 1, qsize);
	if (ret)
		vub_env_set_err("virtqueues: %s", strerror(-ret));
	return ret;
}

int net_rig_prepare(struct net_rig *r, size_t memsize, uint16_t qsize,
		    const uint8_t *dst, bool hdr_echoed)
{
	int ret = net_rig_prepare_queues(r, memsize, qsize);

	if (ret)
		return ret;
	ret = net_loop_init(&r->nl, &r->rx, &r->tx, dst ? dst : r->mac,
			    r->mac, hdr_echoed);
	if (ret) {
		vub_env_set_err("%s", r->nl.err);
		return ret;
	}
	r->have_loop = true;
	return 0;
}

int net_rig_start(struct net_rig *r)
{
	struct virtq *vqs[2] = { &r->rx, &r->tx };
	int ret;

	ret = vub_bringup(r->fd, NET_RIG_FEATURES, &r->gm, vqs, 2);
	if (ret)
		return ret;
	r->features = NET_RIG_FEATURES & r->info.device_features;
	if (!r->have_loop)
		return 0;
	ret = net_loop_post_rx(&r->nl);
	if (ret)
		vub_env_set_err("posting RX buffers: %s", strerror(-ret));
	return ret;
}

void net_rig_fini(struct net_rig *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->have_loop)
		net_loop_destroy(&r->nl);
	if (r->have_vqs) {
		virtq_destroy(&r->rx);
		virtq_destroy(&r->tx);
	}
	r->have_loop = r->have_vqs = false;
	guest_mem_destroy(&r->gm);
}
