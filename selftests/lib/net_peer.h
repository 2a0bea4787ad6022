/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The far end of a NIC test in the VM: a vDPA NIC bound to virtio_vdpa,
 * i.e. a kernel virtio_net netdev, sending raw frames through an AF_PACKET
 * socket. With scripts/vm/run.sh --mq-nics the two multi-queue NICs share
 * a host bridge, so what one sends reaches the other. Frames are IPv4/UDP,
 * one flow (source address and port) each, so a multi-queue tap on the
 * host spreads them over the queue pairs it has attached.
 */
#ifndef VUBT_NET_PEER_H
#define VUBT_NET_PEER_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct net_peer {
	char vdpa[32];		/* the vDPA device's name */
	char ifname[IF_NAMESIZE];
	uint8_t mac[6];
	int sock;		/* AF_PACKET bound to ifname, or -1 */
};

void net_peer_init(struct net_peer *p);
/* Create vDPA device @name on @mgmtdev, bind it to virtio_vdpa, bring its
 * netdev up quietly (no IPv6) and open the socket. -ENODEV (the reason in
 * vub_env_err()) when the NIC lacks the queues its config asks for. */
int net_peer_up(struct net_peer *p, const char *name, const char *mgmtdev);
/* Close the socket, delete the vDPA device. */
void net_peer_fini(struct net_peer *p);
/* Send @count frames to @dst, flows @first .. @first + @count - 1. */
int net_peer_send_flows(struct net_peer *p, const uint8_t dst[6],
			uint32_t first, unsigned int count);
/* A flow frame (no virtio-net header): its length (at least 60). */
size_t net_flow_frame(uint8_t *buf, size_t cap, const uint8_t dst[6],
		      const uint8_t src[6], uint32_t flow);
/* Is @f (@len bytes, no virtio-net header) a flow frame? */
int net_flow_frame_is(const uint8_t *f, size_t len);

#endif
