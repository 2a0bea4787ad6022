// SPDX-License-Identifier: GPL-2.0
/*
 * vu_mq.c - a multi-queue virtio-net front-end replaying real VMMs'
 * vhost-user sequences (see vu_mq.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "evwait.h"
#include "net_frame.h"
#include "net_peer.h"
#include "vu_mq.h"

#define GPA		(1ull << 20)
#define MEM		(8u << 20)
#define F(b)		(1ull << (b))
#define RXBUF		NET_BUF_LEN
/* cloud-hypervisor's VirtioNetConfig (net_util/src/lib.rs): mac, status,
 * max_virtqueue_pairs, mtu, speed, duplex, packed. */
#define CH_CONFIG_LEN	17u

static int fail(struct vmq *m, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return ret ? ret : -EIO;
}

void vmq_init(struct vmq *m, enum vmq_vmm vmm)
{
	memset(m, 0, sizeof(*m));
	m->vmm = vmm;
	m->fe.sock = m->fe.breq = -1;
	m->gm.memfd = -1;
}

void vmq_fini(struct vmq *m)
{
	unsigned int i;

	if (m->up) {
		for (i = 0; i < VMQ_PAIRS; i++) {
			virtq_destroy(&m->rx[i]);
			virtq_destroy(&m->tx[i]);
		}
		virtq_destroy(&m->ctrl);
	}
	m->up = false;
	guest_mem_destroy(&m->gm);
	vu_fe_close(&m->fe);
}

static bool explicit_reply(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_VRING_BASE:
	case VU_GET_QUEUE_NUM:
	case VU_GET_CONFIG:
	case VU_GET_STATUS:
	case VU_SET_DEVICE_STATE_FD:
	case VU_CHECK_DEVICE_STATE:
		return true;
	default:
		return false;
	}
}

int vmq_call(struct vmq *m, uint32_t req, const void *payload, uint32_t len,
	     const int *fds, unsigned int nfds, void *reply, uint32_t *rlen)
{
	bool explicit = explicit_reply(req);
	struct vu_fe_msg *r;
	uint64_t v;
	int ret;

	ret = vu_fe_send(&m->fe, req, VU_VERSION |
			 (m->need_reply ? VU_FLAG_NEED_REPLY : 0), payload, len,
			 fds, nfds);
	if (ret)
		return fail(m, ret, "sending request %u: %s", req,
			    strerror(-ret));
	if (!explicit && !m->need_reply)
		return 0;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = vu_fe_recv(&m->fe, m->fe.sock, r, 20000);
	while (!ret && r->nfds)
		close(r->fds[--r->nfds]);
	if (!ret && (r->hdr.request != req || !(r->hdr.flags & VU_FLAG_REPLY)))
		ret = -EPROTO;
	if (!ret && explicit) {
		if (reply)
			memcpy(reply, r->payload, r->hdr.size);
		if (rlen)
			*rlen = r->hdr.size;
	} else if (!ret) {
		memcpy(&v, r->payload, sizeof(v));
		ret = r->hdr.size != sizeof(v) ? -EPROTO : v ? -EIO : 0;
	}
	free(r);
	if (ret)
		return fail(m, ret, "request %u: %s", req, strerror(-ret));
	return 0;
}

static int get_u64(struct vmq *m, uint32_t req, uint64_t *v)
{
	uint8_t buf[VU_PAYLOAD_MAX];
	uint32_t len = 0;
	int ret = vmq_call(m, req, NULL, 0, NULL, 0, buf, &len);

	if (ret)
		return ret;
	if (len != sizeof(*v))
		return fail(m, -EPROTO, "request %u: %u reply bytes", req, len);
	memcpy(v, buf, sizeof(*v));
	return 0;
}

static int set_u64(struct vmq *m, uint32_t req, uint64_t v)
{
	return vmq_call(m, req, &v, sizeof(v), NULL, 0, NULL, NULL);
}

/* GET_CONFIG with the VMM's flags (both ask for WRITABLE). */
static int get_config(struct vmq *m, uint32_t off, void *buf, uint32_t len)
{
	struct vu_config c = { .offset = off, .size = len,
			       .flags = VU_CONFIG_F_WRITABLE };
	uint32_t rlen = 0;
	int ret;

	ret = vmq_call(m, VU_GET_CONFIG, &c, VU_CONFIG_HDR + len, NULL, 0, &c,
		       &rlen);
	if (ret)
		return ret;
	if (rlen != VU_CONFIG_HDR + len)
		return fail(m, -EIO, "GET_CONFIG %u+%u: %u bytes back", off, len,
			    rlen);
	memcpy(buf, c.data, len);
	return 0;
}

static int backend_channel(struct vmq *m)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ret = vmq_call(m, VU_SET_BACKEND_REQ_FD, NULL, 0, &sv[1], 1, NULL,
		       NULL);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	m->fe.breq = sv[0];
	return 0;
}

int vmq_connect(struct vmq *m, const char *path, uint64_t want)
{
	uint64_t pf_want, pf;
	uint8_t cfg[CH_CONFIG_LEN];
	int ret;

	ret = vu_fe_connect(&m->fe, path, 10000);
	if (ret)
		return fail(m, ret, "connect %s: %s", path, strerror(-ret));
	m->fe.timeout_ms = 20000;
	m->need_reply = false;
	ret = vmq_call(m, VU_SET_OWNER, NULL, 0, NULL, 0, NULL, NULL);
	if (!ret)
		ret = get_u64(m, VU_GET_FEATURES, &m->fe.offered);
	if (ret)
		return ret;
	if (!(m->fe.offered & F(VU_F_PROTOCOL_FEATURES)))
		return fail(m, -EPROTO, "no PROTOCOL_FEATURES offered");
	ret = get_u64(m, VU_GET_PROTOCOL_FEATURES, &m->fe.offered_pf);
	if (ret)
		return ret;
	switch (m->vmm) {
	case VMQ_CROSVM:
		pf_want = VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_MQ) |
			  VU_PF(VU_PF_BACKEND_REQ) | VU_PF(VU_PF_DEVICE_STATE) |
			  VU_PF(VU_PF_SHMEM) | VU_PF(VU_PF_REPLY_ACK);
		break;
	case VMQ_CLOUD_HYPERVISOR:
		pf_want = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_CONFIGURE_MEM_SLOTS) |
			  VU_PF(VU_PF_REPLY_ACK) | VU_PF(VU_PF_INFLIGHT_SHMFD) |
			  VU_PF(VU_PF_LOG_SHMFD) | VU_PF(VU_PF_DEVICE_STATE) |
			  VU_PF(VU_PF_CONFIG);
		break;
	default:
		pf_want = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |
			  VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_STATUS) |
			  VU_PF(VU_PF_DEVICE_STATE) |
			  VU_PF(VU_PF_CONFIGURE_MEM_SLOTS);
		break;
	}
	pf = m->fe.offered_pf & pf_want;
	ret = set_u64(m, VU_SET_PROTOCOL_FEATURES, pf);
	if (ret)
		return ret;
	m->fe.pf = pf;
	m->acked = (m->fe.offered & want) | F(VU_F_PROTOCOL_FEATURES);
	/* crosvm negotiates REPLY_ACK but never asks for a reply; the
	 * others ask for one on every message from now on. */
	m->need_reply = m->vmm != VMQ_CROSVM &&
			(pf & VU_PF(VU_PF_REPLY_ACK));
	if (m->vmm == VMQ_CROSVM && (pf & VU_PF(VU_PF_BACKEND_REQ))) {
		ret = backend_channel(m);
		if (ret)
			return ret;
	}
	if (pf & VU_PF(VU_PF_MQ)) {
		ret = get_u64(m, VU_GET_QUEUE_NUM, &m->queue_num);
		if (ret)
			return ret;
	}
	/* the config: cloud-hypervisor reads it whole, once; crosvm forwards
	 * each of the guest driver's reads (MAC, max_virtqueue_pairs) */
	memset(cfg, 0, sizeof(cfg));
	if (m->vmm == VMQ_CLOUD_HYPERVISOR) {
		ret = get_config(m, 0, cfg, CH_CONFIG_LEN);
	} else {
		ret = get_config(m, 0, cfg, 6);
		if (!ret)
			ret = get_config(m, 8, cfg + 8, 2);
	}
	if (ret)
		return ret;
	memcpy(m->mac, cfg, 6);
	m->max_pairs = (uint16_t)(cfg[8] | cfg[9] << 8);
	return 0;
}

int vmq_rings(struct vmq *m, unsigned int pairs)
{
	unsigned int i;
	int ret;

	if (pairs > VMQ_PAIRS || pairs > m->max_pairs)
		return fail(m, -EINVAL, "%u pairs asked, %u possible", pairs,
			    m->max_pairs);
	ret = guest_mem_init(&m->gm, MEM, GPA, 1);
	if (ret)
		return fail(m, ret, "guest memory: %s", strerror(-ret));
	for (i = 0; !ret && i < pairs; i++) {
		ret = virtq_init(&m->rx[i], &m->gm, (uint16_t)(2 * i), VMQ_QSIZE);
		if (!ret)
			ret = virtq_init(&m->tx[i], &m->gm, (uint16_t)(2 * i + 1),
					 VMQ_QSIZE);
	}
	m->ctrl_up = (m->acked & F(VIRTIO_NET_F_CTRL_VQ)) &&
		     m->vmm == VMQ_CROSVM;
	if (!ret && m->ctrl_up)
		ret = virtq_init(&m->ctrl, &m->gm,
				 (uint16_t)(2 * m->max_pairs), VMQ_QSIZE);
	m->cmd = guest_mem_alloc(&m->gm, 4096, 64);
	if (!ret && !m->cmd)
		ret = -ENOMEM;
	m->pairs = pairs;
	m->up = true;
	return ret ? fail(m, ret, "rings: %s", strerror(-ret)) : 0;
}

/* All rings in index order: RX/TX of each pair, then the control queue. */
static struct virtq *ring_at(struct vmq *m, unsigned int i)
{
	if (i < 2 * m->pairs)
		return i & 1 ? &m->tx[i / 2] : &m->rx[i / 2];
	return i == 2 * m->pairs && m->ctrl_up ? &m->ctrl : NULL;
}

static int ring_msg(struct vmq *m, struct virtq *vq, uint32_t req)
{
	struct vu_vring_state st = { vq->index, vq->size };
	struct vu_vring_addr a = {
		.index = vq->index,
		.desc = (uint64_t)(uintptr_t)vq->desc,
		.used = (uint64_t)(uintptr_t)vq->used,
		.avail = (uint64_t)(uintptr_t)vq->avail,
	};
	uint64_t fdmsg = vq->index;
	int fd;

	switch (req) {
	case VU_SET_VRING_NUM:
		return vmq_call(m, req, &st, sizeof(st), NULL, 0, NULL, NULL);
	case VU_SET_VRING_BASE:
		st.num = 0;
		return vmq_call(m, req, &st, sizeof(st), NULL, 0, NULL, NULL);
	case VU_SET_VRING_ADDR:
		return vmq_call(m, req, &a, sizeof(a), NULL, 0, NULL, NULL);
	case VU_SET_VRING_ENABLE:
		st.num = 1;
		return vmq_call(m, req, &st, sizeof(st), NULL, 0, NULL, NULL);
	default:
		fd = req == VU_SET_VRING_CALL ? vq->call_fd : vq->kick_fd;
		return vmq_call(m, req, &fdmsg, sizeof(fdmsg), &fd, 1, NULL,
				NULL);
	}
}

static int mem_table(struct vmq *m)
{
	struct vu_mem_table t;

	memset(&t, 0, sizeof(t));
	t.nregions = 1;
	t.regions[0].gpa = m->gm.iova;
	t.regions[0].size = m->gm.size;
	t.regions[0].uaddr = (uint64_t)(uintptr_t)m->gm.map;
	return vmq_call(m, VU_SET_MEM_TABLE, &t,
			VU_MEM_TABLE_HDR + sizeof(struct vu_region),
			&m->gm.memfd, 1, NULL, NULL);
}

static int post_rx(struct virtq *vq, void *buf)
{
	struct virtq_buf b = { buf, RXBUF, true };

	return virtq_add(vq, &b, 1, buf) < 0 ? -ENOSPC : 0;
}

static int fill_rx(struct vmq *m)
{
	unsigned int i, k;
	int ret = 0;

	for (i = 0; i < m->pairs && !ret; i++) {
		for (k = 0; k < VMQ_QSIZE && !ret; k++) {
			void *buf = guest_mem_alloc(&m->gm, RXBUF, 64);

			ret = buf ? post_rx(&m->rx[i], buf) : -ENOMEM;
		}
		if (!ret)
			ret = virtq_kick(&m->rx[i]);
	}
	return ret ? fail(m, ret, "RX buffers: %s", strerror(-ret)) : 0;
}

int vmq_activate(struct vmq *m)
{
	static const uint32_t crosvm_order[] = {
		VU_SET_VRING_NUM, VU_SET_VRING_ADDR, VU_SET_VRING_BASE,
		VU_SET_VRING_CALL, VU_SET_VRING_KICK, VU_SET_VRING_ENABLE,
	};
	static const uint32_t ch_order[] = {
		VU_SET_VRING_ADDR, VU_SET_VRING_BASE, VU_SET_VRING_CALL,
		VU_SET_VRING_KICK,
	};
	static const uint32_t qemu_order[] = {
		VU_SET_VRING_NUM, VU_SET_VRING_BASE, VU_SET_VRING_ADDR,
		VU_SET_VRING_KICK, VU_SET_VRING_CALL,
	};
	struct virtq *vq;
	unsigned int i, k;
	int ret;

	/* the buffers first: the device may take frames as soon as a ring
	 * runs */
	ret = fill_rx(m);
	if (!ret)
		ret = set_u64(m, VU_SET_FEATURES, m->acked);
	if (!ret)
		ret = mem_table(m);
	if (ret)
		return ret;
	switch (m->vmm) {
	case VMQ_CROSVM:
		for (i = 0; (vq = ring_at(m, i)); i++)
			for (k = 0; k < 6 && !ret; k++)
				ret = ring_msg(m, vq, crosvm_order[k]);
		break;
	case VMQ_CLOUD_HYPERVISOR:
		for (i = 0; !ret && (vq = ring_at(m, i)); i++)
			ret = ring_msg(m, vq, VU_SET_VRING_NUM);
		for (i = 0; !ret && (vq = ring_at(m, i)); i++)
			for (k = 0; k < 4 && !ret; k++)
				ret = ring_msg(m, vq, ch_order[k]);
		for (i = 0; !ret && (vq = ring_at(m, i)); i++)
			ret = ring_msg(m, vq, VU_SET_VRING_ENABLE);
		break;
	case VMQ_QEMU:
		for (i = 0; !ret && (vq = ring_at(m, i)); i++)
			for (k = 0; k < 5 && !ret; k++)
				ret = ring_msg(m, vq, qemu_order[k]);
		for (i = 0; !ret && (vq = ring_at(m, i)); i++)
			ret = ring_msg(m, vq, VU_SET_VRING_ENABLE);
		if (!ret)
			ret = set_u64(m, VU_SET_STATUS,
				      VIRTIO_CONFIG_S_ACKNOWLEDGE |
				      VIRTIO_CONFIG_S_DRIVER |
				      VIRTIO_CONFIG_S_FEATURES_OK |
				      VIRTIO_CONFIG_S_DRIVER_OK);
		break;
	}
	return ret;
}

int vmq_stop(struct vmq *m)
{
	struct vu_vring_state st, out;
	struct virtq *vq;
	uint32_t len;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && (vq = ring_at(m, i)); i++) {
		st.index = vq->index;
		st.num = 0;
		if (m->vmm != VMQ_QEMU)
			ret = vmq_call(m, VU_SET_VRING_ENABLE, &st, sizeof(st),
				       NULL, 0, NULL, NULL);
		len = 0;
		if (!ret)
			ret = vmq_call(m, VU_GET_VRING_BASE, &st, sizeof(st),
				       NULL, 0, &out, &len);
		if (!ret && (len != sizeof(out) || out.index != vq->index))
			ret = fail(m, -EPROTO, "GET_VRING_BASE %u: bad reply",
				   vq->index);
	}
	return ret;
}

int vmq_ctrl(struct vmq *m, uint8_t class, uint8_t cmd, const void *data,
	     uint32_t len, uint8_t *ack)
{
	struct virtq_buf b[3];
	int64_t end;
	uint32_t got;
	int ret;

	if (!m->ctrl_up)
		return fail(m, -ENOTCONN, "no control queue handed over");
	if (len > 1024)
		return -EINVAL;
	m->cmd[0] = class;
	m->cmd[1] = cmd;
	memcpy(m->cmd + 64, data, len);
	m->cmd[2048] = 0xff;
	b[0] = (struct virtq_buf){ m->cmd, 2, false };
	b[1] = (struct virtq_buf){ m->cmd + 64, len, false };
	b[2] = (struct virtq_buf){ m->cmd + 2048, 1, true };
	ret = virtq_add(&m->ctrl, b, 3, m->cmd);
	if (ret < 0)
		return fail(m, ret, "control queue full");
	ret = virtq_kick(&m->ctrl);
	if (ret)
		return fail(m, ret, "kick: %s", strerror(-ret));
	end = now_ms() + 20000;
	while (!virtq_get_used(&m->ctrl, &got)) {
		if (now_ms() > end)
			return fail(m, -ETIMEDOUT,
				    "control command %u.%u not answered in 20 s",
				    class, cmd);
		usleep(1000);
	}
	*ack = m->cmd[2048];
	return 0;
}

int vmq_poll_rx(struct vmq *m)
{
	unsigned int i;
	uint32_t len;
	uint8_t *buf;
	int ret = 0;

	for (i = 0; i < m->pairs && !ret; i++) {
		bool any = false;

		while ((buf = virtq_get_used(&m->rx[i], &len))) {
			if (len > VNET_HDR_LEN &&
			    net_flow_frame_is(buf + VNET_HDR_LEN,
					      len - VNET_HDR_LEN))
				m->ours[i]++;
			else
				m->other[i]++;
			ret = post_rx(&m->rx[i], buf);
			if (ret)
				break;
			any = true;
		}
		if (!ret && any)
			ret = virtq_kick(&m->rx[i]);
	}
	return ret ? fail(m, ret, "RX repost: %s", strerror(-ret)) : 0;
}
