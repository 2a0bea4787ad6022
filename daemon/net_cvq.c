// SPDX-License-Identifier: GPL-2.0
/*
 * net_cvq.c - the daemon's own control virtqueue on a vDPA NIC (see
 * net_cvq.h for when and why).
 *
 * The ring lives in one memfd of NCVQ_SIZE bytes: descriptor table,
 * driver area, device area, then the command buffers (header, data, ack).
 * It is mapped for the device like guest memory (VUB_ADD_MEM_REGION, and
 * inside every VUB_SET_MEM_TABLE while mapped) at the top of the device's
 * IOVA range, below 2^48: far above any guest RAM, and an address every
 * IOMMU and DMA engine of a NIC reaches. Split and packed layouts are both
 * driven, because the device uses the layout negotiated for every queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "log.h"
#include "net_cvq.h"

#define OFF_DESC	NCVQ_OFF_DESC
#define OFF_DRIVER	NCVQ_OFF_DRIVER
#define OFF_DEVICE	NCVQ_OFF_DEVICE
#define OFF_HDR		0x3000u
#define OFF_DATA	0x3040u
#define OFF_ACK		0x3800u
#define DATA_MAX	(OFF_ACK - OFF_DATA)
#define RING_WANT	64u
#define RING_MAX	256u		/* what the layout holds */
#define IOVA_TOP	((1ull << 48) - 1)
/* How long a command may take: TCG VMs are slow (QEMU waits too). */
int ncvq_wait_ms = 5000;

#define F(bit)		(1ull << (bit))
/* What the daemon adds toward the device in shadow mode, if offered. */
#define SHADOW_BITS	(F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
			 F(VIRTIO_NET_F_CTRL_RX))

unsigned int ncvq_rx_mode = NCVQ_RX_PROMISC;

int ncvq_parse_rx_mode(const char *s)
{
	if (!strcmp(s, "promisc"))
		return NCVQ_RX_PROMISC;
	if (!strcmp(s, "allmulti"))
		return NCVQ_RX_ALLMULTI;
	if (!strcmp(s, "filter"))
		return 0;
	return -1;
}

static int cvq_ioctl(struct net_cvq *c, unsigned long req, void *arg,
		     const char *what)
{
	int ret = c->sys->ioctl(c->sys->ctx, c->fd, req, arg);

	if (ret < 0)
		log_warn(c->name, "control queue: %s: %s", what, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t ring_size(const struct vub_device_info *info)
{
	uint32_t n = RING_WANT;

	if (info->max_queue_size && n > info->max_queue_size)
		n = info->max_queue_size;
	if (n < info->min_queue_size)
		n = info->min_queue_size;
	if (n < 4 || n > RING_MAX || (n & (n - 1)))
		return 0;
	return (uint16_t)n;
}

uint64_t ncvq_ring_iova(const struct vub_device_info *info)
{
	uint64_t top = info->iova_last < IOVA_TOP ? info->iova_last : IOVA_TOP;

	return top < NCVQ_SIZE ? 0 : (top + 1 - NCVQ_SIZE) & ~0xfffull;
}

int ncvq_init(struct net_cvq *c, const char *name, const struct vub_sys *sys,
	      int fd, const struct vub_device_info *info)
{
	struct vub_config_access ca;
	uint8_t cfg[10];
	uint64_t top;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->sys = sys;
	c->fd = fd;
	c->memfd = c->kick_fd = -1;
	if (info->device_id != VIRTIO_ID_NET ||
	    !(info->device_features & F(VIRTIO_NET_F_CTRL_VQ)))
		return 0;
	c->dev_features = info->device_features;
	c->num_queues = info->num_queues;
	c->late_start = info->abilities &
			(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
	memset(cfg, 0, sizeof(cfg));
	memset(&ca, 0, sizeof(ca));
	ca.length = info->config_size < sizeof(cfg) ? info->config_size :
		    sizeof(cfg);
	ca.data = (uint64_t)(uintptr_t)cfg;
	if (ca.length && cvq_ioctl(c, VUB_READ_CONFIG, &ca, "VUB_READ_CONFIG"))
		return 0;
	memcpy(c->op_mac, cfg, 6);
	c->max_pairs = 1;
	if (c->dev_features & F(VIRTIO_NET_F_MQ))
		c->max_pairs = le16(cfg + 8);
	if (!c->max_pairs || 2u * c->max_pairs + 1 > c->num_queues) {
		log_warn(name, "control queue: %u queue pairs in the config space, %u queues: not used",
			 c->max_pairs, c->num_queues);
		return 0;
	}
	c->num = ring_size(info);
	top = info->iova_last < IOVA_TOP ? info->iova_last : IOVA_TOP;
	if (!c->num || top < NCVQ_SIZE) {
		log_warn(name, "control queue: no ring size or IOVA range for it: not used");
		return 0;
	}
	c->iova = ncvq_ring_iova(info);
	if (c->iova < info->iova_first) {
		log_warn(name, "control queue: the IOVA range is too small: not used");
		return 0;
	}
	c->ring_on = calloc(c->num_queues, 1);
	c->ring_run = calloc(c->num_queues, 1);
	c->memfd = memfd_create("vubridged-cvq", MFD_CLOEXEC);
	if (!c->ring_on || !c->ring_run || c->memfd < 0 || ftruncate(c->memfd, NCVQ_SIZE))
		goto nomem;
	c->mem = mmap(NULL, NCVQ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->memfd, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		goto nomem;
	}
	c->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->kick_fd < 0)
		goto nomem;
	c->capable = true;
	memcpy(c->want.mac, c->op_mac, 6);
	c->want.rx = (uint8_t)ncvq_rx_mode;
	c->want.pairs = 1;
	c->dev_pairs = 1;
	log_info(name, "control queue: %u queue pairs; the daemon runs the device's control queue for front-ends that keep their own (ring of %u at IOVA 0x%llx)",
		 c->max_pairs, c->num, (unsigned long long)c->iova);
	return 0;
nomem:
	ncvq_fini(c);
	return -ENOMEM;
}

void ncvq_fini(struct net_cvq *c)
{
	if (c->mem)
		munmap(c->mem, NCVQ_SIZE);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->kick_fd >= 0)
		close(c->kick_fd);
	free(c->ring_on);
	free(c->ring_run);
	c->mem = NULL;
	c->ring_on = c->ring_run = NULL;
	c->memfd = c->kick_fd = -1;
	c->capable = false;
}

uint64_t ncvq_device_features(struct net_cvq *c, uint64_t acked)
{
	c->mode = NCVQ_MODE_NONE;
	c->negotiated = acked;
	if (!c->capable)
		return acked;
	if (acked & F(VIRTIO_NET_F_CTRL_VQ)) {
		c->mode = NCVQ_MODE_PASSTHROUGH;
	} else {
		c->mode = NCVQ_MODE_SHADOW;
		c->negotiated |= c->dev_features & SHADOW_BITS;
	}
	c->packed = c->negotiated & F(VIRTIO_F_RING_PACKED);
	/* Without MQ the control queue follows the first pair (spec 5.1.2). */
	c->index = (c->negotiated & F(VIRTIO_NET_F_MQ)) ? 2u * c->max_pairs :
		   2u;
	return c->negotiated;
}

bool ncvq_owns(const struct net_cvq *c, uint32_t idx)
{
	return c->mode == NCVQ_MODE_SHADOW && idx == c->index;
}

static void fill_region(const struct net_cvq *c, struct vub_mem_region *out)
{
	memset(out, 0, sizeof(*out));
	out->iova = c->iova;
	out->size = NCVQ_SIZE;
	out->uaddr = (uint64_t)(uintptr_t)c->mem;
	out->perm = VUB_PERM_RW;
}

static void ring_unmap(struct net_cvq *c)
{
	struct vub_mem_region r;

	fill_region(c, &r);
	if (c->mapped && !cvq_ioctl(c, VUB_DEL_MEM_REGION, &r,
				    "VUB_DEL_MEM_REGION"))
		c->mapped = false;
}

int ncvq_region(const struct net_cvq *c, uint64_t guest_lo, uint64_t guest_hi,
		struct vub_mem_region *out)
{
	if (!c->mapped)
		return 0;
	if (guest_lo <= guest_hi && guest_lo < c->iova + NCVQ_SIZE &&
	    c->iova <= guest_hi)
		log_err(c->name, "control queue: guest memory reaches IOVA 0x%llx, where the daemon's control queue lies",
			(unsigned long long)c->iova);
	fill_region(c, out);
	return 1;
}

/* Map the ring for the device and start it (after FEATURES_OK). */
static int ring_start(struct net_cvq *c)
{
	struct vub_queue_start qs;
	struct vub_mem_region r;
	int ret;

	if (!c->mapped) {
		fill_region(c, &r);
		/* A predecessor daemon that handed the device over may have
		 * left its ring mapped there: replace it. */
		ret = c->sys->ioctl(c->sys->ctx, c->fd, VUB_ADD_MEM_REGION, &r);
		if (ret && ret != -ENODEV &&
		    !c->sys->ioctl(c->sys->ctx, c->fd, VUB_DEL_MEM_REGION, &r)) {
			log_info(c->name, "control queue: replacing the ring region a previous daemon left at IOVA 0x%llx",
				 (unsigned long long)c->iova);
			ret = c->sys->ioctl(c->sys->ctx, c->fd,
					    VUB_ADD_MEM_REGION, &r);
		}
		if (ret) {
			log_warn(c->name, "control queue: VUB_ADD_MEM_REGION: %s",
				 strerror(-ret));
			return ret;
		}
		c->mapped = true;
	}
	memset(c->mem, 0, NCVQ_SIZE);
	c->next = 0;
	c->wrap = true;
	memset(&qs, 0, sizeof(qs));
	qs.index = c->index;
	qs.size = c->num;
	qs.flags = VUB_QUEUE_F_NO_CALL | (c->packed ? VUB_QUEUE_F_PACKED : 0);
	qs.kick_fd = c->kick_fd;
	qs.call_fd = -1;
	qs.err_fd = -1;
	qs.desc_addr = c->iova + OFF_DESC;
	qs.driver_addr = c->iova + OFF_DRIVER;
	qs.device_addr = c->iova + OFF_DEVICE;
	if (c->packed) {
		qs.avail_wrap = qs.used_wrap = 1;
		/* We poll: no used-buffer notifications, please. */
		put16(c->mem + OFF_DRIVER + 2, VRING_PACKED_EVENT_FLAG_DISABLE);
	} else {
		put16(c->mem + OFF_DRIVER, VRING_AVAIL_F_NO_INTERRUPT);
	}
	ret = cvq_ioctl(c, VUB_START_QUEUE, &qs, "VUB_START_QUEUE");
	if (ret)
		return ret;
	c->started = true;
	c->broken = false;
	log_debug(c->name, "control queue %u started", c->index);
	return 0;
}

static void desc_write(struct net_cvq *c, uint16_t slot, uint64_t off,
		       uint32_t len, uint16_t flags)
{
	uint8_t *d = c->mem + OFF_DESC + 16u * slot;

	put64(d, c->iova + off);
	put32(d + 8, len);
	if (c->packed) {
		put16(d + 12, 0);	/* buffer id */
		put16(d + 14, flags);
	} else {
		put16(d + 12, flags);
		put16(d + 14, (uint16_t)(slot + 1));	/* next */
	}
}

static uint16_t packed_flags(bool wrap, uint16_t f)
{
	return (uint16_t)(f | (wrap ? 1u << VRING_PACKED_DESC_F_AVAIL :
			      1u << VRING_PACKED_DESC_F_USED));
}

/* Make the 3-descriptor chain available; the position to wait at. */
static void post(struct net_cvq *c, uint32_t len)
{
	static const uint32_t offs[3] = { OFF_HDR, OFF_DATA, OFF_ACK };
	uint32_t lens[3] = { 2, len, 1 };
	uint16_t slot[3], fl[3];
	bool wrap[3];
	int i;

	if (!c->packed) {
		for (i = 0; i < 3; i++)
			desc_write(c, (uint16_t)i, offs[i], lens[i],
				   i < 2 ? VRING_DESC_F_NEXT : VRING_DESC_F_WRITE);
		put16(c->mem + OFF_DRIVER + 4 + 2u * (c->next % c->num), 0);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		c->next++;
		__atomic_store_n((uint16_t *)(c->mem + OFF_DRIVER + 2),
				 htole16(c->next), __ATOMIC_RELEASE);
		return;
	}
	for (i = 0; i < 3; i++) {
		slot[i] = c->next;
		wrap[i] = c->wrap;
		fl[i] = i < 2 ? VRING_DESC_F_NEXT : VRING_DESC_F_WRITE;
		if (++c->next == c->num) {
			c->next = 0;
			c->wrap = !c->wrap;
		}
	}
	/* The head's flags last: they hand the whole chain over. */
	for (i = 2; i >= 0; i--) {
		if (!i)
			__atomic_thread_fence(__ATOMIC_RELEASE);
		desc_write(c, slot[i], offs[i], lens[i],
			   packed_flags(wrap[i], fl[i]));
	}
}

static bool done(struct net_cvq *c, uint16_t head, bool head_wrap)
{
	uint16_t v;

	if (!c->packed) {
		v = __atomic_load_n((uint16_t *)(c->mem + OFF_DEVICE + 2),
				    __ATOMIC_ACQUIRE);
		return le16toh(v) == c->next;
	}
	v = le16toh(__atomic_load_n((uint16_t *)(c->mem + OFF_DESC + 16u * head +
						 14), __ATOMIC_ACQUIRE));
	return !!(v & 1u << VRING_PACKED_DESC_F_AVAIL) == head_wrap &&
	       !!(v & 1u << VRING_PACKED_DESC_F_USED) == head_wrap;
}

static int kick(struct net_cvq *c)
{
	uint64_t one = 1;

	if (c->sys->kick)
		return c->sys->kick(c->sys->ctx, c->fd, c->index, c->kick_fd);
	return write(c->kick_fd, &one, sizeof(one)) == sizeof(one) ? 0 :
	       -errno;
}

/* One command, waited for. 0 when the device answered VIRTIO_NET_OK. */
static int command(struct net_cvq *c, uint8_t class, uint8_t cmd,
		   const void *data, uint32_t len, const char *what)
{
	struct timespec ts = { 0, 20000 };
	uint16_t head = c->next;
	bool head_wrap = c->wrap;
	long waited = 0;
	uint8_t status;
	int ret;

	if (!c->started || c->broken || len > DATA_MAX)
		return -ENOTCONN;
	/* A device that set NEEDS_RESET answers nothing until its reset
	 * (QEMU's virtio-pci after vp_vdpa stopped a ring): do not wait
	 * ncvq_wait_ms for it. */
	if (!cvq_ioctl(c, VUB_GET_STATUS, &status, "VUB_GET_STATUS") &&
	    (status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		log_warn(c->name, "control queue: the device needs a reset: %s not sent",
			 what);
		c->broken = true;
		return -EIO;
	}
	c->mem[OFF_HDR] = class;
	c->mem[OFF_HDR + 1] = cmd;
	memcpy(c->mem + OFF_DATA, data, len);
	c->mem[OFF_ACK] = 0xff;
	post(c, len);
	ret = kick(c);
	if (ret) {
		log_err(c->name, "control queue: kick failed: %s", strerror(-ret));
		c->broken = true;
		return ret;
	}
	while (!done(c, head, head_wrap)) {
		if (waited >= ncvq_wait_ms * 1000000l) {
			log_err(c->name, "control queue: %s not answered within %d ms: no more commands until the device is reset",
				what, ncvq_wait_ms);
			c->broken = true;
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
		waited += ts.tv_nsec;
		if (ts.tv_nsec < 5000000)
			ts.tv_nsec *= 2;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (c->mem[OFF_ACK] != VIRTIO_NET_OK) {
		log_warn(c->name, "control queue: the device refused %s (ack %u)",
			 what, c->mem[OFF_ACK]);
		return -EIO;
	}
	c->sent++;
	log_info(c->name, "control queue: %s", what);
	return 0;
}

static int send_pairs(struct net_cvq *c)
{
	uint8_t v[2];
	char what[48];
	int ret;

	put16(v, c->want.pairs);
	snprintf(what, sizeof(what), "VQ_PAIRS_SET %u", c->want.pairs);
	ret = command(c, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, v,
		      2, what);
	if (!ret)
		c->dev_pairs = c->want.pairs;
	return ret;
}

static int send_mac(struct net_cvq *c)
{
	const uint8_t *m = c->want.mac;
	char what[48];

	snprintf(what, sizeof(what), "MAC_ADDR_SET %02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return command(c, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, m,
		       6, what);
}

static int send_rx(struct net_cvq *c, uint8_t cmd, bool on)
{
	uint8_t v = on;

	return command(c, VIRTIO_NET_CTRL_RX, cmd, &v, 1,
		       cmd == VIRTIO_NET_CTRL_RX_PROMISC ?
		       (on ? "RX_PROMISC on" : "RX_PROMISC off") :
		       (on ? "RX_ALLMULTI on" : "RX_ALLMULTI off"));
}

/* The daemon's ring runs the device's control queue: always in shadow
 * mode; in passthrough mode while the front-end has not enabled that queue
 * itself and there are pairs to set (standby, see net_cvq.h). */
static bool daemon_runs(const struct net_cvq *c)
{
	if (c->mode == NCVQ_MODE_SHADOW)
		return true;
	return c->mode == NCVQ_MODE_PASSTHROUGH && !c->fe_ring &&
	       (c->negotiated & F(VIRTIO_NET_F_MQ));
}

static bool running(const struct net_cvq *c)
{
	return daemon_runs(c) && c->started &&
	       (c->status & VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Everything the daemon sets, after DRIVER_OK (the device was reset). On
 * standby only the pair count: MAC and RX mode are the guest's. */
static void program(struct net_cvq *c)
{
	if (c->mode == NCVQ_MODE_SHADOW &&
	    (c->negotiated & F(VIRTIO_NET_F_CTRL_MAC_ADDR)))
		send_mac(c);
	if (c->mode == NCVQ_MODE_SHADOW &&
	    (c->negotiated & F(VIRTIO_NET_F_CTRL_RX))) {
		send_rx(c, VIRTIO_NET_CTRL_RX_PROMISC,
			c->want.rx & NCVQ_RX_PROMISC);
		send_rx(c, VIRTIO_NET_CTRL_RX_ALLMULTI,
			c->want.rx & NCVQ_RX_ALLMULTI);
	}
	if (c->negotiated & F(VIRTIO_NET_F_MQ))
		send_pairs(c);
}

void ncvq_status(struct net_cvq *c, uint8_t st)
{
	uint8_t added = st & ~c->status;

	c->status = st;
	if (!c->capable)
		return;
	if (!st) {
		c->started = false;
		c->broken = false;
		c->dev_pairs = 1;
		memset(c->ring_run, 0, c->num_queues);
		if (c->fe_ring)
			ring_unmap(c);
		return;
	}
	if (!daemon_runs(c))
		return;
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && ring_start(c))
		log_err(c->name, "control queue: not started: the device keeps its reset values (one queue pair)");
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && c->started)
		program(c);
}

void ncvq_device_reset(struct net_cvq *c)
{
	c->status = 0;
	c->mode = NCVQ_MODE_NONE;
	c->started = c->mapped = c->broken = c->fe_ring = false;
	if (!c->capable)
		return;
	memcpy(c->want.mac, c->op_mac, 6);
	c->want.rx = (uint8_t)ncvq_rx_mode;
	c->want.pairs = c->dev_pairs = 1;
	memset(c->ring_on, 0, c->num_queues);
	memset(c->ring_run, 0, c->num_queues);
}

/* The device gets the front-end's pair count once every ring of those
 * pairs that the front-end enabled runs. */
static void sync_pairs(struct net_cvq *c)
{
	uint32_t i;

	if (!running(c) || !(c->negotiated & F(VIRTIO_NET_F_MQ)) ||
	    c->dev_pairs == c->want.pairs)
		return;
	for (i = 0; i < 2u * c->want.pairs; i++)
		if (c->ring_on[i] && !c->ring_run[i])
			return;
	send_pairs(c);
}

void ncvq_fe_ring(struct net_cvq *c, uint32_t idx, bool on)
{
	struct vub_queue_state qs;

	if (!c->capable || c->mode != NCVQ_MODE_PASSTHROUGH ||
	    idx != c->index || c->fe_ring == on)
		return;
	c->fe_ring = on;
	if (!on || (!c->started && !c->mapped))
		return;
	log_info(c->name, "control queue: the front-end runs it now (passthrough); the daemon's ring is off");
	/* On a running device that cannot start a ring after DRIVER_OK the
	 * front-end's ring restarts the device (lifecycle.c), which ends
	 * ours: stopping one ring there is the queue_enable 0 the spec
	 * forbids (QEMU's virtio-pci then fails the device). The region goes
	 * at that reset (ncvq_status). */
	if (c->started && (c->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !c->late_start) {
		c->started = false;
		return;
	}
	/* The standby ring gives the queue up; the device keeps the pair
	 * count until the guest sets its own. */
	if (c->started) {
		memset(&qs, 0, sizeof(qs));
		qs.index = c->index;
		cvq_ioctl(c, VUB_STOP_QUEUE, &qs, "VUB_STOP_QUEUE");
		c->started = false;
	}
	ring_unmap(c);
}

bool ncvq_ring_idle(const struct net_cvq *c, uint32_t idx)
{
	return c->capable && idx < 2u * c->max_pairs && daemon_runs(c) &&
	       (c->negotiated & F(VIRTIO_NET_F_MQ)) && idx / 2 >= c->dev_pairs;
}

/* Does the device leave data ring @idx alone by the pair count it took? */
static bool beyond_pairs(const struct net_cvq *c, uint32_t idx)
{
	return running(c) && (c->negotiated & F(VIRTIO_NET_F_MQ)) &&
	       idx / 2 >= c->dev_pairs;
}

bool ncvq_ring_enable(struct net_cvq *c, uint32_t idx, bool on)
{
	uint32_t i, top = 0;
	uint8_t any = 0;

	ncvq_fe_ring(c, idx, on);
	if (!c->capable || idx >= 2u * c->max_pairs)
		return false;
	c->ring_on[idx] = on;
	/* A pair counts when both its rings are enabled: QEMU and DPDK
	 * enable RX then TX and disable RX first, so the device never
	 * uses a pair one of whose rings is stopped. */
	for (i = 0; i < c->max_pairs; i++) {
		if (c->ring_on[2 * i] && c->ring_on[2 * i + 1])
			top = i + 1;
		any |= c->ring_on[2 * i] | c->ring_on[2 * i + 1];
	}
	/* Every ring disabled is a pause (cloud-hypervisor, crosvm), not
	 * a guest going down to no pairs: the count stays. */
	if (!any)
		return false;
	if (!top)
		top = 1;
	if (top != c->want.pairs) {
		c->want.pairs = (uint16_t)top;
		if (c->want.pairs < c->dev_pairs && running(c) &&
		    (c->negotiated & F(VIRTIO_NET_F_MQ)))
			send_pairs(c);	/* before the ring stops */
		else
			sync_pairs(c);
	}
	return !on && beyond_pairs(c, idx);
}

void ncvq_ring_started(struct net_cvq *c, uint32_t idx, bool on)
{
	if (!c->capable || idx >= 2u * c->max_pairs)
		return;
	c->ring_run[idx] = on;
	if (on)
		sync_pairs(c);
}

int ncvq_write_mac(struct net_cvq *c, uint32_t off, const void *buf,
		   uint32_t len)
{
	if (!c->capable || !(c->dev_features & F(VIRTIO_NET_F_CTRL_MAC_ADDR)) ||
	    off >= 6 || len > 6 - off)
		return -EPERM;
	memcpy(c->want.mac + off, buf, len);
	if (running(c) && (c->negotiated & F(VIRTIO_NET_F_CTRL_MAC_ADDR)))
		return send_mac(c) == -EIO ? -EIO : 0;
	return 0;
}

void ncvq_overlay_config(const struct net_cvq *c, uint32_t off, void *buf,
			 uint32_t len)
{
	uint32_t i;

	if (!c->capable || c->mode == NCVQ_MODE_PASSTHROUGH ||
	    !(c->dev_features & F(VIRTIO_NET_F_CTRL_MAC_ADDR)))
		return;
	for (i = off; i < 6 && i - off < len; i++)
		((uint8_t *)buf)[i - off] = c->want.mac[i];
}

void ncvq_config_changed(struct net_cvq *c)
{
	struct vub_config_access ca;
	uint8_t mac[6];

	if (!c->capable)
		return;
	memset(&ca, 0, sizeof(ca));
	ca.length = sizeof(mac);
	ca.data = (uint64_t)(uintptr_t)mac;
	if (cvq_ioctl(c, VUB_READ_CONFIG, &ca, "VUB_READ_CONFIG"))
		return;
	/* The device's own MAC, or the one the daemon set: nothing new. */
	if (!memcmp(mac, c->op_mac, 6) || !memcmp(mac, c->want.mac, 6))
		return;
	/* The operator changed it (vdpa dev set ... mac): the session keeps a
	 * MAC its front-end chose, and otherwise follows the operator. */
	if (!memcmp(c->want.mac, c->op_mac, 6))
		memcpy(c->want.mac, mac, 6);
	memcpy(c->op_mac, mac, 6);
	log_info(c->name, "control queue: the operator's MAC is now %02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	/* The device's filter follows the MAC the daemon keeps: the
	 * operator's, or back to the front-end's. */
	if (running(c) && (c->negotiated & F(VIRTIO_NET_F_CTRL_MAC_ADDR)))
		send_mac(c);
}

void ncvq_session_end(struct net_cvq *c)
{
	if (!running(c) || !(c->negotiated & F(VIRTIO_NET_F_CTRL_MAC_ADDR)) ||
	    !memcmp(c->want.mac, c->op_mac, 6))
		return;
	memcpy(c->want.mac, c->op_mac, 6);
	send_mac(c);
}

size_t ncvq_snapshot(const struct net_cvq *c, void *buf, size_t cap)
{
	uint8_t *b = buf;

	if (!c->capable || cap < NCVQ_SNAP_LEN)
		return 0;
	memset(b, 0, NCVQ_SNAP_LEN);
	put32(b, NCVQ_SNAP_MAGIC);
	b[4] = 1;
	b[5] = (uint8_t)c->mode;
	b[6] = c->want.rx;
	put16(b + 8, c->want.pairs);
	memcpy(b + 10, c->want.mac, 6);
	return NCVQ_SNAP_LEN;
}

int ncvq_restore(struct net_cvq *c, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint16_t pairs;

	if (!len)
		return 0;	/* a snapshot of a daemon without this */
	if (!c->capable || ncvq_snap_defect(b, len))
		return -EINVAL;
	pairs = le16(b + 8);
	if (pairs > c->max_pairs)
		return -EINVAL;
	c->want.rx = b[6];
	c->want.pairs = pairs;
	memcpy(c->want.mac, b + 10, 6);
	log_info(c->name, "control queue: restored %u queue pairs, MAC %02x:%02x:%02x:%02x:%02x:%02x",
		 pairs, b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}
