// SPDX-License-Identifier: GPL-2.0
/*
 * test_device.c - software implementation of the device interface.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "test_device.h"
#include "vhost_user.h"

static struct test_device *to_td(struct vu_device *dev)
{
	return (struct test_device *)dev;
}

/* Count the call; fail if this op was chosen to fail. */
static int td_call(struct test_device *td, enum td_op op)
{
	td->calls[op]++;
	if (td->fail_op == (int)op) {
		td->fail_op = -1;
		return -td->fail_errno;
	}
	return 0;
}

/* Every virtqueue, as the vDPA device answers (see design.rst). */
static uint32_t td_max_queue_num(struct vu_device *dev)
{
	return dev->num_queues;
}

static uint64_t td_features(struct vu_device *dev)
{
	return to_td(dev)->features;
}

static uint64_t td_protocol_features(struct vu_device *dev)
{
	return to_td(dev)->protocol_features;
}

static int td_set_features(struct vu_device *dev, uint64_t f)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SET_FEATURES);

	if (!ret)
		td->acked = f;
	return ret;
}

static int td_read_config(struct vu_device *dev, uint32_t off, void *buf,
			  uint32_t len)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_READ_CONFIG);

	if (ret)
		return ret;
	if (off > TD_CONFIG_SIZE || len > TD_CONFIG_SIZE - off)
		return -EINVAL;
	memcpy(buf, td->config + off, len);
	return 0;
}

static int td_write_config(struct vu_device *dev, uint32_t off,
			   const void *buf, uint32_t len)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_WRITE_CONFIG);

	if (ret)
		return ret;
	if (off > TD_CONFIG_SIZE || len > TD_CONFIG_SIZE - off)
		return -EINVAL;
	memcpy(td->config + off, buf, len);
	return 0;
}

static int td_set_mem_table(struct vu_device *dev, const struct vu_mem *mem)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SET_MEM_TABLE);

	if (td->mem_delay_ms)
		usleep(td->mem_delay_ms * 1000);
	/* @mem lives only during the call; start_queue() gets the table
	 * that stays valid while queues run. */
	if (!ret)
		td->nregions = mem->nregions;
	return ret;
}

static int td_add_mem_region(struct vu_device *dev, const struct vu_mem *mem,
			     const struct vu_mem_region *r)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_ADD_MEM_REGION);

	if (td->mem_delay_ms)
		usleep(td->mem_delay_ms * 1000);
	(void)r;
	if (!ret)
		td->nregions = mem->nregions;
	return ret;
}

static int td_remove_mem_region(struct vu_device *dev,
				const struct vu_mem *mem,
				const struct vu_mem_region *r)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_REMOVE_MEM_REGION);

	(void)r;
	if (!ret)
		td->nregions = mem->nregions - 1;
	return ret;
}

static int td_start_queue(struct vu_device *dev, uint32_t idx,
			  const struct vu_queue_cfg *q,
			  const struct vu_mem *mem)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_START_QUEUE);

	if (ret)
		return ret;
	if (idx >= TD_MAX_QUEUES || td->q[idx].started)
		return -EINVAL;
	if (!vu_mem_gpa_to_ptr(mem, q->desc_gpa, 16ull * q->size))
		return -EFAULT;
	if (td->status & VIRTIO_CONFIG_S_DRIVER_OK)
		td->after_driver_ok_start = true;
	td->mem = mem;
	td->q[idx].cfg = *q;
	td->q[idx].last_avail = q->base.avail_idx;
	td->q[idx].started = true;
	td->suspended = false;
	return 0;
}

static int td_stop_queue(struct vu_device *dev, uint32_t idx,
			 struct vu_queue_state *st)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_STOP_QUEUE);

	if (ret)
		return ret;
	if (idx >= TD_MAX_QUEUES || !td->q[idx].started)
		return -EINVAL;
	td->q[idx].started = false;
	memset(st, 0, sizeof(*st));
	st->avail_idx = td->q[idx].last_avail;
	return 0;
}

static int td_set_status(struct vu_device *dev, uint8_t status)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SET_STATUS);
	unsigned int i;

	if (ret)
		return ret;
	td->status = status;
	if (!status) {
		/* as a virtio reset: queues stopped, memory kept */
		for (i = 0; i < TD_MAX_QUEUES; i++)
			td->q[i].started = false;
		td->suspended = true;
	}
	return 0;
}

static uint8_t td_get_status(struct vu_device *dev)
{
	return to_td(dev)->status;
}

static void td_reset(struct vu_device *dev)
{
	struct test_device *td = to_td(dev);
	unsigned int i;

	td_call(td, TD_OP_RESET);
	for (i = 0; i < TD_MAX_QUEUES; i++)
		td->q[i].started = false;
	td->status = 0;
	td->acked = 0;
	td->mem = NULL;
	td->nregions = 0;
}

static int td_snapshot(struct vu_device *dev, void *buf, size_t cap,
		       size_t *len)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SNAPSHOT);

	if (ret)
		return ret;
	if (cap < sizeof(td->frames))
		return -ENOSPC;
	memcpy(buf, &td->frames, sizeof(td->frames));
	*len = sizeof(td->frames);
	return 0;
}

static int td_restore(struct vu_device *dev, const void *buf, size_t len)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_RESTORE);

	if (ret)
		return ret;
	if (len != sizeof(td->frames))
		return -EINVAL;
	memcpy(&td->frames, buf, sizeof(td->frames));
	return 0;
}

static int td_get_shared_memory_region(struct vu_device *dev,
				       struct vu_shmem_region *r)
{
	(void)dev;
	(void)r;
	return -ENOENT;
}

static void td_set_backend_req_connection(struct vu_device *dev,
					  struct vu_backend_req *req)
{
	struct test_device *td = to_td(dev);

	td_call(td, TD_OP_SET_BACKEND_REQ);
	td->breq = req;
}

static int td_get_host_notifier(struct vu_device *dev, uint32_t idx,
				struct vu_host_notifier *hn)
{
	struct test_device *td = to_td(dev);

	if (td->doorbell_fd < 0 || idx >= dev->num_queues)
		return -ENOENT;
	hn->fd = dup(td->doorbell_fd);
	if (hn->fd < 0)
		return -errno;
	hn->offset = (uint64_t)idx * (uint64_t)sysconf(_SC_PAGESIZE);
	hn->size = (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

static int td_config_event_fd(struct vu_device *dev)
{
	return to_td(dev)->config_efd;
}

static void td_config_event_ack(struct vu_device *dev)
{
	uint64_t v;

	if (read(to_td(dev)->config_efd, &v, sizeof(v)) < 0)
		return;
}

static int td_set_mtu(struct vu_device *dev, uint16_t mtu)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SET_MTU);

	if (!ret)
		td->mtu = mtu;
	return ret;
}

static int td_send_rarp(struct vu_device *dev, const uint8_t mac[6])
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SEND_RARP);

	if (!ret)
		memcpy(td->rarp_mac, mac, 6);
	return ret;
}

static int td_set_owner_info(struct vu_device *dev,
			     const struct vu_owner_info *oi)
{
	struct test_device *td = to_td(dev);
	int ret = td_call(td, TD_OP_SET_OWNER_INFO);

	if (!ret)
		td->owner = *oi;
	return ret;
}

static void td_destroy(struct vu_device *dev)
{
	test_device_free(to_td(dev));
}

static const struct vu_device_ops td_ops = {
	.max_queue_num = td_max_queue_num,
	.features = td_features,
	.protocol_features = td_protocol_features,
	.set_features = td_set_features,
	.read_config = td_read_config,
	.write_config = td_write_config,
	.set_mem_table = td_set_mem_table,
	.add_mem_region = td_add_mem_region,
	.remove_mem_region = td_remove_mem_region,
	.start_queue = td_start_queue,
	.stop_queue = td_stop_queue,
	.set_status = td_set_status,
	.get_status = td_get_status,
	.reset = td_reset,
	.snapshot = td_snapshot,
	.restore = td_restore,
	.get_shared_memory_region = td_get_shared_memory_region,
	.set_backend_req_connection = td_set_backend_req_connection,
	.get_host_notifier = td_get_host_notifier,
	.config_event_fd = td_config_event_fd,
	.config_event_ack = td_config_event_ack,
	.set_mtu = td_set_mtu,
	.send_rarp = td_send_rarp,
	.set_owner_info = td_set_owner_info,
	.destroy = td_destroy,
};

struct test_device *test_device_new(const char *name, uint32_t nqueues,
				    uint32_t max_size, bool doorbells)
{
	struct test_device *td = calloc(1, sizeof(*td));
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	if (!td || nqueues > TD_MAX_QUEUES || !nqueues) {
		free(td);
		return NULL;
	}
	td->base.ops = &td_ops;
	snprintf(td->base.name, sizeof(td->base.name), "%s", name);
	td->base.device_id = VIRTIO_ID_NET;
	td->base.num_queues = nqueues;
	td->base.config_size = TD_CONFIG_SIZE;
	td->base.max_queue_size = max_size;
	td->base.min_queue_size = 1;
	td->base.late_start = true;
	td->features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
		       1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MQ |
		       1ull << VIRTIO_RING_F_EVENT_IDX;
	td->protocol_features = VU_PF_ENGINE_SUPPORTED;
	if (!doorbells)
		td->protocol_features &= ~VU_PF(VU_PF_HOST_NOTIFIER);
	memcpy(td->config, mac, sizeof(mac));
	td->config[10] = 0xdc;	/* mtu 1500, little-endian */
	td->config[11] = 0x05;
	td->fail_op = -1;
	td->doorbell_fd = -1;
	td->config_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (td->config_efd < 0)
		goto err;
	if (doorbells) {
		td->doorbell_fd = memfd_create("td-doorbells", MFD_CLOEXEC);
		if (td->doorbell_fd < 0 ||
		    ftruncate(td->doorbell_fd,
			      (off_t)nqueues * sysconf(_SC_PAGESIZE)) < 0)
			goto err;
	}
	return td;
err:
	test_device_free(td);
	return NULL;
}

void test_device_free(struct test_device *td)
{
	if (!td)
		return;
	if (td->config_efd >= 0)
		close(td->config_efd);
	if (td->doorbell_fd >= 0)
		close(td->doorbell_fd);
	free(td);
}

void test_device_config_change(struct test_device *td, uint32_t off,
			       uint8_t value)
{
	uint64_t one = 1;

	if (off < TD_CONFIG_SIZE)
		td->config[off] = value;
	if (write(td->config_efd, &one, sizeof(one)) < 0)
		return;
}

/* ---- software loopback over split rings in guest memory ---- */

struct td_ring {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint32_t num;
};

static int td_ring(struct test_device *td, uint32_t idx, struct td_ring *r)
{
	const struct vu_queue_cfg *c = &td->q[idx].cfg;

	r->num = c->size;
	r->desc = vu_mem_gpa_to_ptr(td->mem, c->desc_gpa, 16ull * c->size);
	r->avail = vu_mem_gpa_to_ptr(td->mem, c->avail_gpa,
				     4 + 2ull * c->size);
	r->used = vu_mem_gpa_to_ptr(td->mem, c->used_gpa, 4 + 8ull * c->size);
	return r->desc && r->avail && r->used ? 0 : -EFAULT;
}

/* Copy a chain out of (@out) or into (!@out) guest memory. */
static int td_chain(struct test_device *td, struct td_ring *r, uint16_t head,
		    uint8_t *buf, uint32_t *len, bool out)
{
	uint32_t done = 0, n = 0, cap = *len;
	uint16_t i = head;

	for (;;) {
		struct vring_desc *d;
		uint8_t *p;
		uint32_t l;

		if (i >= r->num || ++n > r->num)
			return -EINVAL;
		d = &r->desc[i];
		l = d->len;
		if (out)
			l = l < cap - done ? l : cap - done;
		else
			l = l < *len - done ? l : *len - done;
		p = vu_mem_gpa_to_ptr(td->mem, d->addr, l ? l : 1);
		if (!p)
			return -EFAULT;
		if (out)
			memcpy(buf + done, p, l);
		else
			memcpy(p, buf + done, l);
		done += l;
		if (!(d->flags & VRING_DESC_F_NEXT))
			break;
		i = d->next;
	}
	*len = done;
	return 0;
}

static void td_signal(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return;
}

int test_device_loopback(struct test_device *td, uint32_t rxq, uint32_t txq)
{
	static uint8_t frame[65536];
	struct td_queue *rq = &td->q[rxq], *tq = &td->q[txq];
	struct td_ring rx, tx;
	int moved = 0;

	if (rxq >= TD_MAX_QUEUES || txq >= TD_MAX_QUEUES || !rq->started ||
	    !tq->started)
		return 0;
	if (td_ring(td, rxq, &rx) || td_ring(td, txq, &tx))
		return -EFAULT;
	for (;;) {
		uint16_t tx_avail = __atomic_load_n(&tx.avail->idx,
						    __ATOMIC_ACQUIRE);
		uint16_t rx_avail = __atomic_load_n(&rx.avail->idx,
						    __ATOMIC_ACQUIRE);
		uint16_t th, rh;
		uint32_t len = sizeof(frame), rlen;
		int ret;

		if (tq->last_avail == tx_avail || rq->last_avail == rx_avail)
			break;
		th = tx.avail->ring[tq->last_avail % tx.num];
		rh = rx.avail->ring[rq->last_avail % rx.num];
		ret = td_chain(td, &tx, th, frame, &len, true);
		if (ret)
			return ret;
		rlen = len;
		ret = td_chain(td, &rx, rh, frame, &rlen, false);
		if (ret)
			return ret;
		tq->last_avail++;
		rq->last_avail++;
		tx.used->ring[tx.used->idx % tx.num].id = th;
		tx.used->ring[tx.used->idx % tx.num].len = 0;
		__atomic_store_n(&tx.used->idx, (uint16_t)(tx.used->idx + 1),
				 __ATOMIC_RELEASE);
		rx.used->ring[rx.used->idx % rx.num].id = rh;
		rx.used->ring[rx.used->idx % rx.num].len = rlen;
		__atomic_store_n(&rx.used->idx, (uint16_t)(rx.used->idx + 1),
				 __ATOMIC_RELEASE);
		moved++;
		td->frames++;
	}
	if (moved) {
		td_signal(tq->cfg.call_fd);
		td_signal(rq->cfg.call_fd);
	}
	return moved;
}
