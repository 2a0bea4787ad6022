// SPDX-License-Identifier: GPL-2.0
/* The far end of a NIC test in the VM (see net_peer.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_frame.h"
#include "net_peer.h"
#include "vdpa_env.h"

#define FLOW_MAGIC	"vubflow"
#define HDRS		(14 + 20 + 8)

void net_peer_init(struct net_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->sock = -1;
}

/* The netdev virtio_vdpa made of @p->vdpa: the virtio device hangs under
 * the vDPA device's DMA device, the PCI function "pci/BDF" for vp_vdpa. */
static int find_netdev(struct net_peer *p, const char *mgmtdev)
{
	char pat[160];
	glob_t g;
	int i;

	snprintf(pat, sizeof(pat), "/sys/bus/pci/devices/%s/virtio*/net/*",
		 mgmtdev + 4);
	for (i = 0; i < 100; i++) {
		if (!glob(pat, 0, NULL, &g)) {
			snprintf(p->ifname, sizeof(p->ifname), "%s",
				 strrchr(g.gl_pathv[0], '/') + 1);
			globfree(&g);
			return 0;
		}
		usleep(100000);
	}
	vub_env_set_err("no netdev at %s", pat);
	return -ENOENT;
}

int net_peer_up(struct net_peer *p, const char *name, const char *mgmtdev)
{
	struct sockaddr_ll sll;
	char path[256], mac[32];
	int ret;

	snprintf(p->vdpa, sizeof(p->vdpa), "%s", name);
	ret = vub_module_load("virtio_vdpa", NULL);
	/* the VM has no udev to load the netdev's driver */
	if (!ret)
		ret = vub_module_load("virtio_net", NULL);
	if (!ret)
		ret = vub_mq_nic_create(name, mgmtdev);
	if (!ret)
		ret = vub_vdpa_bind(name, "virtio_vdpa");
	if (!ret)
		ret = find_netdev(p, mgmtdev);
	if (ret)
		return ret;
	/* nothing of its own on the wire (router solicitations, DAD) */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 p->ifname);
	vub_write_file(path, "1");
	if (vub_sh("ip link set %s up", p->ifname)) {
		vub_env_set_err("ip link set %s up failed", p->ifname);
		return -EIO;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", p->ifname);
	if (vub_read_file(path, mac, sizeof(mac)) || mac_parse(mac, p->mac)) {
		vub_env_set_err("no MAC for %s", p->ifname);
		return -EIO;
	}
	p->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (p->sock < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(p->ifname);
	if (bind(p->sock, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	return 0;
}

void net_peer_fini(struct net_peer *p)
{
	if (p->sock >= 0)
		close(p->sock);
	p->sock = -1;
	if (p->vdpa[0])
		vub_vdpa_dev_del(p->vdpa);
	p->vdpa[0] = 0;
}

size_t net_flow_frame(uint8_t *f, size_t cap, const uint8_t dst[6],
		      const uint8_t src[6], uint32_t flow)
{
	size_t len = HDRS + sizeof(FLOW_MAGIC) + 4;
	uint32_t sum = 0;
	int i;

	if (cap < NET_FRAME_MIN)
		return 0;
	memset(f, 0, NET_FRAME_MIN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;				/* IPv4 */
	f[14] = 0x45;				/* version 4, 20 bytes */
	f[17] = (uint8_t)(len - 14);		/* total length */
	f[22] = 64;				/* TTL */
	f[23] = 17;				/* UDP */
	f[26] = 192;				/* 192.168.f.f -> 192.168.200.1 */
	f[27] = 168;
	f[28] = (uint8_t)(flow >> 8);
	f[29] = (uint8_t)flow;
	f[30] = 192;
	f[31] = 168;
	f[32] = 200;
	f[33] = 1;
	for (i = 14; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8);
	f[25] = (uint8_t)~sum;
	f[34] = (uint8_t)((2000 + flow) >> 8);	/* source port: the flow */
	f[35] = (uint8_t)(2000 + flow);
	f[36] = 0x17;				/* destination port 6000 */
	f[37] = 0x70;
	f[39] = (uint8_t)(len - 34);		/* UDP length, no checksum */
	memcpy(f + HDRS, FLOW_MAGIC, sizeof(FLOW_MAGIC));
	memcpy(f + HDRS + sizeof(FLOW_MAGIC), &flow, 4);
	return len < NET_FRAME_MIN ? NET_FRAME_MIN : len;
}

int net_flow_frame_is(const uint8_t *f, size_t len)
{
	return len >= HDRS + sizeof(FLOW_MAGIC) &&
	       !memcmp(f + HDRS, FLOW_MAGIC, sizeof(FLOW_MAGIC));
}

int net_peer_send_flows(struct net_peer *p, const uint8_t dst[6],
			uint32_t first, unsigned int count)
{
	uint8_t f[128];
	unsigned int i;
	size_t len;

	for (i = 0; i < count; i++) {
		len = net_flow_frame(f, sizeof(f), dst, p->mac, first + i);
		if (send(p->sock, f, len, 0) != (ssize_t)len)
			return -errno;
		usleep(2000);
	}
	return 0;
}
