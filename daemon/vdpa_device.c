// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa_device.c - the device interface over vubridge.ko's ioctls.
 *
 * Each operation is one plain step on the device (lifecycle.c decides
 * their order); what this file adds is the translation between what a
 * vhost-user front-end sees and what the vDPA device has:
 *  - features: VIRTIO_F_ACCESS_PLATFORM is always negotiated toward the
 *    device when it offers it (the module maps guest-physical addresses
 *    as IOVAs, so the device must use them), and hidden from the front-end,
 *    which would otherwise send IOTLB messages; bits that need a data path
 *    through the daemon (notification data, admin queues, ...) are hidden.
 *  - GET_QUEUE_NUM counts every virtqueue of the device (see
 *    vd_max_queue_num()).
 *  - ring positions the device cannot report (VUB_QUEUE_F_NO_STATE) are
 *    reported as such; lifecycle.c knows where the ring stands.
 * The module is reached through struct vub_sys only, so the host tests run
 * this file against a simulated module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/vubridge.h>

#include "log.h"
#include "net_cvq.h"
#include "vdpa_device.h"
#include "vhost_user.h"
#include "vub_sys.h"

/* Feature bits a front-end must not see. */
#define VD_HIDDEN_FEATURES	(1ull << VIRTIO_F_ACCESS_PLATFORM |	\
				 1ull << VIRTIO_F_NOTIFICATION_DATA |	\
				 1ull << VIRTIO_F_SR_IOV |		\
				 1ull << 39 /* NOTIF_CONFIG_DATA */ |	\
				 1ull << 40 /* RING_RESET */ |		\
				 1ull << 41 /* ADMIN_VQ */ |		\
				 1ull << VU_F_PROTOCOL_FEATURES |	\
				 1ull << VU_F_LOG_ALL)

struct vdpa_dev {
	struct vu_device base;
	const struct vub_sys *sys;	/* the module, or a simulation */
	int fd;
	struct vub_device_info info;
	int config_efd;
	struct vu_backend_req *breq;
	struct net_cvq cvq;		/* net: the device's control queue */
};

static struct vdpa_dev *to_vd(struct vu_device *dev)
{
	return (struct vdpa_dev *)dev;
}

static bool has_ability(const struct vdpa_dev *vd, int bit)
{
	return vd->info.abilities & (1ull << bit);
}

/* One ioctl; -errno on failure, ENODEV marks the device gone. */
static int vd_ioctl(struct vdpa_dev *vd, unsigned long req, void *arg,
		    const char *what)
{
	int ret = vd->sys->ioctl(vd->sys->ctx, vd->fd, req, arg);

	if (ret >= 0)
		return 0;
	if (ret == -ENODEV && !vd->base.gone) {
		vd->base.gone = true;
		log_err(vd->base.name, "the device was removed (%s: ENODEV)",
			what);
	} else if (ret != -ENODEV) {
		log_debug(vd->base.name, "%s: %s", what, strerror(-ret));
	}
	return ret;
}

static int set_config_eventfd(struct vdpa_dev *vd)
{
	int32_t fd = vd->config_efd;

	return vd_ioctl(vd, VUB_SET_CONFIG_EVENTFD, &fd,
			"VUB_SET_CONFIG_EVENTFD");
}

/* The module's counters of a queue, logged when it stops. */
static void log_queue_stats(struct vdpa_dev *vd, uint32_t idx)
{
	struct vub_queue_stats *st = calloc(1, sizeof(*st));

	if (!st)
		return;
	st->index = idx;
	if (!vd_ioctl(vd, VUB_GET_QUEUE_STATS, st, "VUB_GET_QUEUE_STATS"))
		log_info(vd->base.name, "queue %u: %llu kicks forwarded, %llu interrupts signalled",
			 idx, (unsigned long long)st->kicks,
			 (unsigned long long)st->interrupts);
	free(st);
}

/* ---- the ops ---- */

/*
 * GET_QUEUE_NUM: every virtqueue of the device, the control queue
 * included. The spec defines the answer as a number of queues, and the
 * front-ends read it so: cloud-hypervisor refuses a NIC whose data queues
 * outnumber it, crosvm creates exactly that many queues (the control queue
 * among them), QEMU's vhost-user-blk compares it to num-queues and prints
 * "The maximum number of queues supported by the backend is N". QEMU's net
 * compares its queue pairs to it, which a count of queues always
 * satisfies; DPDK does not ask.
 */
static uint32_t vd_max_queue_num(struct vu_device *dev)
{
	return to_vd(dev)->info.num_queues;
}

static uint64_t vd_features(struct vu_device *dev)
{
	return to_vd(dev)->info.device_features & ~VD_HIDDEN_FEATURES;
}

static uint64_t vd_protocol_features(struct vu_device *dev)
{
	struct vdpa_dev *vd = to_vd(dev);
	uint64_t pf = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |
		      VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_BACKEND_REQ) |
		      VU_PF(VU_PF_BACKEND_SEND_FD) |
		      VU_PF(VU_PF_RESET_DEVICE) |
		      VU_PF(VU_PF_CONFIGURE_MEM_SLOTS) | VU_PF(VU_PF_STATUS) |
		      VU_PF(VU_PF_DEVICE_STATE);

	if (has_ability(vd, VUB_ABILITY_DOORBELL))
		pf |= VU_PF(VU_PF_HOST_NOTIFIER);
	if (vd->info.device_id == VIRTIO_ID_NET)
		pf |= VU_PF(VU_PF_NET_MTU);
	return pf;
}

static int vd_set_features(struct vu_device *dev, uint64_t f)
{
	struct vdpa_dev *vd = to_vd(dev);
	uint64_t hw = f;

	if (vd->info.device_features & (1ull << VIRTIO_F_ACCESS_PLATFORM))
		hw |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
	hw = ncvq_device_features(&vd->cvq, hw);
	return vd_ioctl(vd, VUB_SET_FEATURES, &hw, "VUB_SET_FEATURES");
}

static int vd_config_access(struct vdpa_dev *vd, unsigned long req,
			    uint32_t off, void *buf, uint32_t len,
			    const char *what)
{
	struct vub_config_access ca;

	memset(&ca, 0, sizeof(ca));
	ca.offset = off;
	ca.length = len;
	ca.data = (uint64_t)(uintptr_t)buf;
	return vd_ioctl(vd, req, &ca, what);
}

static int vd_read_config(struct vu_device *dev, uint32_t off, void *buf,
			  uint32_t len)
{
	int ret = vd_config_access(to_vd(dev), VUB_READ_CONFIG, off, buf, len,
				   "VUB_READ_CONFIG");

	if (!ret)
		ncvq_overlay_config(&to_vd(dev)->cvq, off, buf, len);
	return ret;
}

static int vd_write_config(struct vu_device *dev, uint32_t off,
			   const void *buf, uint32_t len)
{
	struct vdpa_dev *vd = to_vd(dev);

	/* The MAC goes through the control queue (net_cvq.c). */
	if (vd->cvq.capable && off < 6)
		return ncvq_write_mac(&vd->cvq, off, buf, len);
	if (!has_ability(vd, VUB_ABILITY_CONFIG_WRITE))
		return -EOPNOTSUPP;
	return vd_config_access(vd, VUB_WRITE_CONFIG, off, (void *)buf, len,
				"VUB_WRITE_CONFIG");
}

static void fill_region(struct vub_mem_region *out,
			const struct vu_mem_region *r)
{
	memset(out, 0, sizeof(*out));
	out->iova = r->gpa;
	out->size = r->size;
	out->uaddr = (uint64_t)(uintptr_t)r->host;
	out->perm = VUB_PERM_RW;
}

static int vd_set_mem_table(struct vu_device *dev, const struct vu_mem *mem)
{
	struct vdpa_dev *vd = to_vd(dev);
	struct vub_mem_table *t;
	unsigned int i;
	int ret;

	uint64_t lo = UINT64_MAX, hi = 0;

	t = calloc(1, sizeof(*t) + (mem->nregions + 1) * sizeof(t->regions[0]));
	if (!t)
		return -ENOMEM;
	t->nregions = mem->nregions;
	for (i = 0; i < mem->nregions; i++) {
		fill_region(&t->regions[i], &mem->regions[i]);
		if (t->regions[i].iova < lo)
			lo = t->regions[i].iova;
		if (t->regions[i].iova + t->regions[i].size - 1 > hi)
			hi = t->regions[i].iova + t->regions[i].size - 1;
	}
	/* The daemon's control queue keeps its mapping. */
	t->nregions += ncvq_region(&vd->cvq, lo, hi, &t->regions[i]);
	ret = vd_ioctl(vd, VUB_SET_MEM_TABLE, t, "VUB_SET_MEM_TABLE");
	free(t);
	if (ret)
		log_err(dev->name, "mapping %u memory regions failed: %s",
			mem->nregions, strerror(-ret));
	return ret;
}

static int vd_add_mem_region(struct vu_device *dev, const struct vu_mem *mem,
			     const struct vu_mem_region *r)
{
	struct vub_mem_region reg;

	(void)mem;
	fill_region(&reg, r);
	return vd_ioctl(to_vd(dev), VUB_ADD_MEM_REGION, &reg,
			"VUB_ADD_MEM_REGION");
}

static int vd_remove_mem_region(struct vu_device *dev,
				const struct vu_mem *mem,
				const struct vu_mem_region *r)
{
	struct vub_mem_region reg;

	(void)mem;
	fill_region(&reg, r);
	return vd_ioctl(to_vd(dev), VUB_DEL_MEM_REGION, &reg,
			"VUB_DEL_MEM_REGION");
}

static int vd_start_queue(struct vu_device *dev, uint32_t idx,
			  const struct vu_queue_cfg *c,
			  const struct vu_mem *mem)
{
	struct vdpa_dev *vd = to_vd(dev);
	struct vub_queue_start qs;
	int ret;

	(void)mem;
	if (ncvq_owns(&vd->cvq, idx)) {
		log_warn(dev->name, "queue %u is the device's control queue, which the daemon runs (the front-end did not negotiate CTRL_VQ)",
			 idx);
		return -EBUSY;
	}
	/* A front-end without SET_VRING_ENABLE starts its control queue
	 * without enabling it first. */
	ncvq_fe_ring(&vd->cvq, idx, true);
	memset(&qs, 0, sizeof(qs));
	qs.index = idx;
	qs.size = c->size;
	qs.flags = (c->packed ? VUB_QUEUE_F_PACKED : 0) |
		   (c->call_fd < 0 ? VUB_QUEUE_F_NO_CALL : 0);
	qs.kick_fd = c->kick_fd;
	qs.call_fd = c->call_fd;
	qs.err_fd = c->err_fd;
	qs.desc_addr = c->desc_gpa;
	qs.driver_addr = c->avail_gpa;
	qs.device_addr = c->used_gpa;
	qs.avail_idx = c->base.avail_idx;
	qs.avail_wrap = c->packed ? c->base.avail_wrap : 0;
	qs.used_idx = c->packed ? c->base.used_idx : 0;
	qs.used_wrap = c->packed ? c->base.used_wrap : 0;
	ret = vd_ioctl(vd, VUB_START_QUEUE, &qs, "VUB_START_QUEUE");
	if (!ret)
		ncvq_ring_started(&vd->cvq, idx, true);
	if (ret == -EOPNOTSUPP && (qs.avail_idx || qs.used_idx))
		log_err(dev->name, "queue %u: the device cannot resume a ring at index %u (it has no way to set a ring position): the front-end must reset the ring",
			idx, qs.avail_idx);
	return ret;
}

static int vd_stop_queue(struct vu_device *dev, uint32_t idx,
			 struct vu_queue_state *out)
{
	struct vdpa_dev *vd = to_vd(dev);
	struct vub_queue_state qs;
	int ret;

	log_queue_stats(vd, idx);
	memset(&qs, 0, sizeof(qs));
	qs.index = idx;
	ret = vd_ioctl(vd, VUB_STOP_QUEUE, &qs, "VUB_STOP_QUEUE");
	ncvq_ring_started(&vd->cvq, idx, false);
	if (ret)
		return ret;
	if (qs.flags & VUB_QUEUE_F_NO_STATE)
		return 1;
	out->avail_idx = qs.avail_idx;
	out->avail_wrap = qs.avail_wrap;
	out->used_idx = qs.used_idx;
	out->used_wrap = qs.used_wrap;
	return 0;
}

static int vd_set_queue_fd(struct vu_device *dev, uint32_t idx, bool call,
			   int fd)
{
	struct vub_queue_fd qf = { .index = idx, .fd = fd };

	return vd_ioctl(to_vd(dev), call ? VUB_SET_QUEUE_CALL :
			VUB_SET_QUEUE_ERR, &qf, call ? "VUB_SET_QUEUE_CALL" :
			"VUB_SET_QUEUE_ERR");
}

static int vd_set_status(struct vu_device *dev, uint8_t st)
{
	struct vdpa_dev *vd = to_vd(dev);
	int ret = vd_ioctl(vd, VUB_SET_STATUS, &st, "VUB_SET_STATUS");

	if (!ret)
		ncvq_status(&vd->cvq, st);
	return ret;
}

static uint8_t vd_get_status(struct vu_device *dev)
{
	uint8_t st = 0;

	if (vd_ioctl(to_vd(dev), VUB_GET_STATUS, &st, "VUB_GET_STATUS"))
		return VIRTIO_CONFIG_S_NEEDS_RESET;
	return st;
}

static void vd_reset(struct vu_device *dev)
{
	struct vdpa_dev *vd = to_vd(dev);

	ncvq_session_end(&vd->cvq);
	vd_ioctl(vd, VUB_RESET, NULL, "VUB_RESET");
	ncvq_device_reset(&vd->cvq);
	/* VUB_RESET dropped the config eventfd with the memory. */
	if (!dev->gone)
		set_config_eventfd(vd);
}

static int vd_snapshot(struct vu_device *dev, void *buf, size_t cap,
		       size_t *len)
{
	/* Features, config and queue positions are in the engine's part;
	 * what the control queue set is the device's. */
	*len = ncvq_snapshot(&to_vd(dev)->cvq, buf, cap);
	return 0;
}

static int vd_restore(struct vu_device *dev, const void *buf, size_t len)
{
	return ncvq_restore(&to_vd(dev)->cvq, buf, len);
}

/*
 * A device that cannot suspend stops one ring only by clearing its ready
 * bit, and vp_vdpa writes that as queue_enable 0, which virtio 1.x forbids
 * a driver: QEMU's virtio-pci answers with NEEDS_RESET and stops the whole
 * device. So on such a device a ring whose pair the control queue already
 * took away stays started, and the device leaves it alone by the pair
 * count; a ring it still uses is stopped as before.
 */
static bool vd_ring_enabled(struct vu_device *dev, uint32_t idx, bool on)
{
	struct vdpa_dev *vd = to_vd(dev);
	bool unused = ncvq_ring_enable(&vd->cvq, idx, on);

	return unused && !has_ability(vd, VUB_ABILITY_SUSPEND);
}

/* Only where a ring cannot start after DRIVER_OK otherwise than by a
 * device restart, which loses the positions of a device without ring
 * state (vp_vdpa): QEMU sets up every pair's rings at DRIVER_OK and
 * enables pairs 1.. when the guest asks for them. */
static bool vd_ring_parkable(struct vu_device *dev, uint32_t idx)
{
	struct vdpa_dev *vd = to_vd(dev);

	return !dev->late_start && !has_ability(vd, VUB_ABILITY_SUSPEND) &&
	       ncvq_ring_idle(&vd->cvq, idx);
}

static int vd_get_shared_memory_region(struct vu_device *dev,
				       struct vu_shmem_region *r)
{
	(void)dev;
	(void)r;
	return -ENOENT;
}

static void vd_set_backend_req_connection(struct vu_device *dev,
					  struct vu_backend_req *req)
{
	to_vd(dev)->breq = req;
}

static int vd_get_host_notifier(struct vu_device *dev, uint32_t idx,
				struct vu_host_notifier *hn)
{
	struct vdpa_dev *vd = to_vd(dev);
	struct vub_doorbell_handle h;
	int ret;

	if (!has_ability(vd, VUB_ABILITY_DOORBELL))
		return -ENOENT;
	memset(&h, 0, sizeof(h));
	h.index = idx;
	ret = vd_ioctl(vd, VUB_GET_DOORBELL_FD, &h, "VUB_GET_DOORBELL_FD");
	if (ret)
		return ret == -EOPNOTSUPP ? -ENOENT : ret;
	if (h.page_offset) {
		/* The front-end maps the page as the queue's notify area:
		 * the register must be at its start. */
		log_debug(dev->name, "queue %u: doorbell at page offset %u, not handed out",
			  idx, h.page_offset);
		close(h.fd);
		return -ENOENT;
	}
	hn->fd = h.fd;
	hn->offset = 0;
	hn->size = h.size;
	return 0;
}

static int vd_config_event_fd(struct vu_device *dev)
{
	return to_vd(dev)->config_efd;
}

static void vd_config_event_ack(struct vu_device *dev)
{
	uint64_t v;

	if (read(to_vd(dev)->config_efd, &v, sizeof(v)) < 0)
		return;
	ncvq_config_changed(&to_vd(dev)->cvq);
}

static int vd_set_mtu(struct vu_device *dev, uint16_t mtu)
{
	struct vdpa_dev *vd = to_vd(dev);
	uint8_t b[2];
	uint16_t cur;
	int ret;

	/* The MTU of a vDPA device is fixed by its administrator: accept
	 * the front-end's value only if it is the device's. */
	if (!(vd->info.device_features & (1ull << VIRTIO_NET_F_MTU)))
		return -EOPNOTSUPP;
	ret = vd_read_config(dev, 10, b, sizeof(b));	/* mtu, le16 */
	if (ret)
		return ret;
	cur = (uint16_t)(b[0] | b[1] << 8);
	if (cur != mtu) {
		log_warn(dev->name, "NET_SET_MTU %u: the device's MTU is %u",
			 mtu, cur);
		return -EINVAL;
	}
	return 0;
}

static int vd_set_owner_info(struct vu_device *dev,
			     const struct vu_owner_info *oi)
{
	struct vub_owner_info info = { 0 };

	_Static_assert(sizeof(info.label) == sizeof(oi->label),
		       "owner label sizes differ");
	memcpy(info.label, oi->label, sizeof(info.label));
	info.label[sizeof(info.label) - 1] = '\0';
	if (oi->frontend) {
		info.flags = VUB_OWNER_F_FRONTEND;
		info.frontend_pid = oi->frontend_pid;
		info.frontend_uid = oi->frontend_uid;
	}
	return vd_ioctl(to_vd(dev), VUB_SET_OWNER_INFO, &info,
			"VUB_SET_OWNER_INFO");
}

static void vd_destroy(struct vu_device *dev)
{
	struct vdpa_dev *vd = to_vd(dev);

	ncvq_fini(&vd->cvq);
	if (vd->fd >= 0)
		vd->sys->close(vd->sys->ctx, vd->fd);
	if (vd->config_efd >= 0)
		close(vd->config_efd);
	free(vd);
}

static const struct vu_device_ops vdpa_ops = {
	.max_queue_num = vd_max_queue_num,
	.features = vd_features,
	.protocol_features = vd_protocol_features,
	.set_features = vd_set_features,
	.read_config = vd_read_config,
	.write_config = vd_write_config,
	.set_mem_table = vd_set_mem_table,
	.add_mem_region = vd_add_mem_region,
	.remove_mem_region = vd_remove_mem_region,
	.start_queue = vd_start_queue,
	.stop_queue = vd_stop_queue,
	.set_queue_fd = vd_set_queue_fd,
	.set_status = vd_set_status,
	.get_status = vd_get_status,
	.reset = vd_reset,
	.snapshot = vd_snapshot,
	.restore = vd_restore,
	.get_shared_memory_region = vd_get_shared_memory_region,
	.set_backend_req_connection = vd_set_backend_req_connection,
	.get_host_notifier = vd_get_host_notifier,
	.config_event_fd = vd_config_event_fd,
	.config_event_ack = vd_config_event_ack,
	.set_mtu = vd_set_mtu,
	.ring_enabled = vd_ring_enabled,
	.ring_parkable = vd_ring_parkable,
	.send_rarp = NULL,	/* a vDPA device sends its own announcements */
	.set_owner_info = vd_set_owner_info,
	.destroy = vd_destroy,
};

struct vu_device *vdpa_device_open(const char *name, const char *path)
{
	struct vu_device *dev = vdpa_device_open_sys(name, path,
						     &vub_sys_kernel);

	/* The module pins guest memory inside VUB_SET_MEM_TABLE and
	 * VUB_ADD_MEM_REGION: seconds for a large VM. */
	if (dev)
		dev->pin_async = true;
	return dev;
}

/* @fd: the device file a predecessor left (taken), or -1 to open @path. */
static struct vu_device *vd_new(const char *name, const char *path, int fd,
				const struct vub_sys *sys)
{
	struct vdpa_dev *vd = calloc(1, sizeof(*vd));
	uint64_t version = 0;
	int err;

	if (!vd) {
		if (fd >= 0)
			sys->close(sys->ctx, fd);
		errno = ENOMEM;
		return NULL;
	}
	vd->base.ops = &vdpa_ops;
	vd->sys = sys;
	snprintf(vd->base.name, sizeof(vd->base.name), "%s", name);
	vd->config_efd = -1;
	vd->cvq.memfd = vd->cvq.kick_fd = -1;
	vd->fd = fd >= 0 ? fd : sys->open(sys->ctx, path);
	if (vd->fd < 0) {
		err = -vd->fd;
		log_err(name, "cannot open %s: %s", path, strerror(err));
		goto err;
	}
	err = -sys->ioctl(sys->ctx, vd->fd, VUB_GET_API_VERSION, &version);
	if (err || version != VUB_API_VERSION) {
		err = err ? err : EPROTO;
		log_err(name, "%s speaks UAPI version %llu, this daemon %u",
			path, (unsigned long long)version, VUB_API_VERSION);
		goto err;
	}
	err = -sys->ioctl(sys->ctx, vd->fd, VUB_GET_DEVICE_INFO, &vd->info);
	if (err) {
		log_err(name, "VUB_GET_DEVICE_INFO: %s", strerror(err));
		goto err;
	}
	if (getenv("VUBRIDGED_TEST_NO_LATE_START")) {
		/* Tests only: take the stop/reprogram/restart path that
		 * devices without this ability need. */
		vd->info.abilities &= ~(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
		log_info(name, "VUBRIDGED_TEST_NO_LATE_START: queues started after DRIVER_OK restart the device");
	}
	vd->base.device_id = vd->info.device_id;
	vd->base.num_queues = vd->info.num_queues;
	vd->base.config_size = vd->info.config_size;
	vd->base.max_queue_size = vd->info.max_queue_size;
	vd->base.min_queue_size = vd->info.min_queue_size;
	vd->base.late_start = has_ability(vd, VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
	err = -ncvq_init(&vd->cvq, vd->base.name, sys, vd->fd, &vd->info);
	if (err)
		goto err;
	/* An operator's MAC reaches the device through the daemon's control
	 * queue, whether or not the front-end hears of config changes. */
	vd->base.config_events = vd->cvq.capable;
	vd->base.mac_writable = vd->cvq.capable &&
		(vd->info.device_features & (1ull << VIRTIO_NET_F_CTRL_MAC_ADDR));
	vd->config_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vd->config_efd < 0) {
		err = ENOMEM;
		goto err;
	}
	if (set_config_eventfd(vd)) {
		err = EIO;
		goto err;
	}
	log_info(name, "virtio device %u, %u queues (max size %u), features 0x%llx, abilities 0x%llx",
		 vd->info.device_id, vd->info.num_queues,
		 vd->info.max_queue_size,
		 (unsigned long long)vd->info.device_features,
		 (unsigned long long)vd->info.abilities);
	return &vd->base;
err:
	vd_destroy(&vd->base);
	errno = err;
	return NULL;
}

struct vu_device *vdpa_device_open_sys(const char *name, const char *path,
				       const struct vub_sys *sys)
{
	return vd_new(name, path, -1, sys);
}

struct vu_device *vdpa_device_adopt(const char *name, int fd)
{
	struct vu_device *dev = vd_new(name, "(handed over)", fd,
				       &vub_sys_kernel);

	if (dev)
		dev->pin_async = true;
	return dev;
}

int vdpa_device_fd(const struct vu_device *dev)
{
	return ((const struct vdpa_dev *)dev)->fd;
}

struct net_cvq *vdpa_device_cvq(struct vu_device *dev)
{
	return &to_vd(dev)->cvq;
}
