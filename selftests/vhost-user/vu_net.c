// SPDX-License-Identifier: GPL-2.0
/*
 * vu_net.c - a test front-end driving one virtio-net device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "vu_net.h"

const uint8_t vu_net_src_mac[6] = { 0x02, 0, 0, 0, 0, 0xee };

void nfe_init(struct nfe *n)
{
	memset(n, 0, sizeof(*n));
	n->fe.sock = n->fe.breq = -1;
	n->gm.memfd = -1;
}

void nfe_fini(struct nfe *n)
{
	if (n->up) {
		net_loop_destroy(&n->nl);
		virtq_destroy(&n->rx);
		virtq_destroy(&n->tx);
	}
	guest_mem_destroy(&n->gm);
	vu_fe_close(&n->fe);
	n->up = false;
}

int nfe_connect(struct nfe *n, const char *dev, uint64_t pf)
{
	char path[256];
	int ret;

	if (strchr(dev, '/'))
		snprintf(path, sizeof(path), "%s", dev);
	else
		snprintf(path, sizeof(path), VU_NET_SOCK_DIR "/%s.sock", dev);
	ret = vu_fe_connect(&n->fe, path, 10000);
	if (!ret)
		ret = vu_fe_negotiate(&n->fe, 1ull << VIRTIO_F_VERSION_1 |
				      1ull << VIRTIO_NET_F_MAC, pf);
	if (!ret)
		ret = vu_fe_get_config(&n->fe, 0, n->mac, 6);
	return ret;
}

/* Rings at @b0/@b1, DRIVER_OK. */
int nfe_rings(struct nfe *n, uint16_t b0, uint16_t b1)
{
	int ret;

	ret = vu_fe_vring(&n->fe, &n->rx, b0);
	if (!ret)
		ret = vu_fe_vring(&n->fe, &n->tx, b1);
	if (!ret)
		ret = vu_fe_enable(&n->fe, 0, true);
	if (!ret)
		ret = vu_fe_enable(&n->fe, 1, true);
	if (!ret && (n->fe.pf & VU_PF(VU_PF_STATUS)))
		ret = vu_fe_set_u64(&n->fe, VU_SET_STATUS,
				    VIRTIO_CONFIG_S_ACKNOWLEDGE |
				    VIRTIO_CONFIG_S_DRIVER |
				    VIRTIO_CONFIG_S_FEATURES_OK |
				    VIRTIO_CONFIG_S_DRIVER_OK);
	return ret;
}

int nfe_start(struct nfe *n, const char *dev, uint64_t pf)
{
	struct guest_mem *gms[1] = { &n->gm };
	int ret;

	ret = nfe_connect(n, dev, pf);
	if (!ret)
		ret = guest_mem_init(&n->gm, MEMSIZE, GPA_BASE, 1);
	if (!ret)
		ret = virtq_init(&n->rx, &n->gm, 0, QSIZE);
	if (!ret)
		ret = virtq_init(&n->tx, &n->gm, 1, QSIZE);
	if (!ret)
		ret = net_loop_init(&n->nl, &n->rx, &n->tx, n->mac, vu_net_src_mac,
				    true);
	if (ret)
		return ret;
	n->up = true;
	ret = vu_fe_set_mem_table(&n->fe, gms, 1);
	if (!ret)
		ret = nfe_rings(n, 0, 0);
	if (!ret)
		ret = net_loop_post_rx(&n->nl);
	return ret;
}

/* Stop both rings; their positions in @b. */
int nfe_stop(struct nfe *n, uint32_t b[2])
{
	int ret = vu_fe_get_vring_base(&n->fe, 0, &b[0]);

	if (!ret)
		ret = vu_fe_get_vring_base(&n->fe, 1, &b[1]);
	return ret;
}

