// SPDX-License-Identifier: GPL-2.0
/*
 * fake_vub.c - a simulated vubridge.ko behind struct vub_sys (see
 * fake_vub.h). The rules follow kmod/state.c, kmod/vq.c and kmod/mem.c and
 * the errnos of uapi/linux/vubridge.h; where the real module asks the vDPA
 * parent, the fake answers as vdpa_sim does (or vp_vdpa with @no_state).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "fake_vub.h"

#define PAGE		4096ull
#define WRITABLE	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
			 VIRTIO_CONFIG_S_FEATURES_OK |			\
			 VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FAILED)
/* Features that need VIRTIO_NET_F_CTRL_VQ (virtio 1.2, 5.1.3.1). */
#define NEED_CTRL_VQ	(1ull << VIRTIO_NET_F_MQ | 1ull << VIRTIO_NET_F_CTRL_RX | \
			 1ull << VIRTIO_NET_F_CTRL_VLAN |			\
			 1ull << VIRTIO_NET_F_GUEST_ANNOUNCE |		\
			 1ull << VIRTIO_NET_F_CTRL_MAC_ADDR)
#define START_FLAGS	(VUB_QUEUE_F_PACKED | VUB_QUEUE_F_NO_CALL |	\
			 VUB_QUEUE_F_DISABLED)

static const struct {
	unsigned long req;
	const char *name;
} names[] = {
	{ VUB_GET_API_VERSION, "GET_API_VERSION" },
	{ VUB_GET_DEVICE_INFO, "GET_DEVICE_INFO" },
	{ VUB_READ_CONFIG, "READ_CONFIG" },
	{ VUB_WRITE_CONFIG, "WRITE_CONFIG" },
	{ VUB_GET_FEATURES, "GET_FEATURES" },
	{ VUB_SET_FEATURES, "SET_FEATURES" },
	{ VUB_GET_STATUS, "GET_STATUS" },
	{ VUB_SET_STATUS, "SET_STATUS" },
	{ VUB_SET_CONFIG_EVENTFD, "SET_CONFIG_EVENTFD" },
	{ VUB_SET_MEM_TABLE, "SET_MEM_TABLE" },
	{ VUB_ADD_MEM_REGION, "ADD_MEM_REGION" },
	{ VUB_DEL_MEM_REGION, "DEL_MEM_REGION" },
	{ VUB_START_QUEUE, "START_QUEUE" },
	{ VUB_STOP_QUEUE, "STOP_QUEUE" },
	{ VUB_GET_QUEUE_STATE, "GET_QUEUE_STATE" },
	{ VUB_SET_QUEUE_STATE, "SET_QUEUE_STATE" },
	{ VUB_ENABLE_QUEUE, "ENABLE_QUEUE" },
	{ VUB_GET_QUEUE_INFO, "GET_QUEUE_INFO" },
	{ VUB_GET_QUEUE_STATS, "GET_QUEUE_STATS" },
	{ VUB_SET_QUEUE_CALL, "SET_QUEUE_CALL" },
	{ VUB_SET_QUEUE_ERR, "SET_QUEUE_ERR" },
	{ VUB_GET_DOORBELL_FD, "GET_DOORBELL_FD" },
	{ VUB_SUSPEND, "SUSPEND" },
	{ VUB_RESUME, "RESUME" },
	{ VUB_RESET, "RESET" },
};

const char *fake_vub_ioctl_name(unsigned long req)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].req == req)
			return names[i].name;
	return NULL;
}

static void fv_log(struct fake_vub *fv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fv_log(struct fake_vub *fv, const char *fmt, ...)
{
	va_list ap;

	if (fv->nlog >= FV_LOG_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(fv->log[fv->nlog++], FV_LOG_LEN, fmt, ap);
	va_end(ap);
}

void fake_vub_log_clear(struct fake_vub *fv)
{
	fv->nlog = 0;
}

const char *fake_vub_log_line(const struct fake_vub *fv, unsigned int i)
{
	return i < fv->nlog ? fv->log[i] : NULL;
}

bool fake_vub_same_file(int a, int b)
{
	struct stat sa, sb;

	if (a < 0 || b < 0)
		return a == b;
	if (fstat(a, &sa) || fstat(b, &sb))
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* 0, -EBADF (not open) or -EINVAL (not an eventfd), as eventfd_ctx_fdget. */
static int check_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -EBADF;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static void put_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Take a reference to @fd as the module does (fget). */
static int hold_fd(int fd, int *slot)
{
	int ret = check_eventfd(fd);

	if (ret)
		return ret;
	*slot = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return *slot < 0 ? -errno : 0;
}

static void queue_detach(struct fv_queue *q)
{
	put_fd(&q->kick_fd);
	put_fd(&q->call_fd);
	put_fd(&q->err_fd);
	q->started = false;
	q->enabled = false;
}

/* vub_device_reset(): queues detached, memory kept unless @drop_all. */
static void device_reset(struct fake_vub *fv, bool drop_all)
{
	uint32_t i;

	for (i = 0; i < fv->cfg.num_queues; i++) {
		queue_detach(&fv->q[i]);
		memset(&fv->q[i].st, 0, sizeof(fv->q[i].st));
	}
	fv->status = 0;
	fv->cvq_pairs = 1;
	fv->cvq_promisc = 1;	/* QEMU's virtio-net resets to promiscuous */
	fv->cvq_allmulti = 0;
	fv->cvq_commands = 0;
	if (fv->cfg.device_id == VIRTIO_ID_NET)
		memcpy(fv->cfg.config, fv->mac0, 6);
	fv->features_set = false;
	fv->driver_features = 0;
	fv->suspended = false;
	if (drop_all) {
		put_fd(&fv->config_efd);
		fv->nregions = 0;
	}
}

static bool packed_negotiated(const struct fake_vub *fv)
{
	return fv->driver_features & (1ull << VIRTIO_F_RING_PACKED);
}

static bool late_start(const struct fake_vub *fv)
{
	return fv->cfg.abilities & (1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
}

static bool covers(const struct fake_vub *fv, uint64_t a, uint64_t len,
		   uint32_t perm)
{
	unsigned int i;

	for (i = 0; i < fv->nregions; i++) {
		const struct fv_region *r = &fv->regions[i];

		if (a >= r->iova && len <= r->size && a - r->iova <= r->size - len)
			return (r->perm & perm) == perm;
	}
	return false;
}

/* The three ring areas of a queue: address, length, alignment, access. */
static bool rings_mapped(const struct fake_vub *fv, bool packed, uint32_t n,
			 uint64_t desc, uint64_t drv, uint64_t dev)
{
	uint64_t dl = 16ull * n, al = packed ? 4 : 6 + 2ull * n,
		 ul = packed ? 4 : 6 + 8ull * n;

	if (desc & 15 || drv & (packed ? 3 : 1) || dev & 3)
		return false;
	return covers(fv, desc, dl, VUB_PERM_READ) &&
	       covers(fv, drv, al, packed ? VUB_PERM_RW : VUB_PERM_READ) &&
	       covers(fv, dev, ul, VUB_PERM_WRITE);
}

static bool started_rings_mapped(const struct fake_vub *fv)
{
	uint32_t i;

	for (i = 0; i < fv->cfg.num_queues; i++) {
		const struct fv_queue *q = &fv->q[i];

		if (q->started &&
		    !rings_mapped(fv, q->flags & VUB_QUEUE_F_PACKED, q->size,
				  q->desc, q->driver, q->device))
			return false;
	}
	return true;
}

static int region_check(const struct fake_vub *fv,
			const struct vub_mem_region *r, unsigned int skip)
{
	unsigned int i;

	if (r->reserved || !r->perm || (r->perm & ~VUB_PERM_RW))
		return -EINVAL;
	if (!r->size || (r->iova | r->size | r->uaddr) & (PAGE - 1))
		return -EINVAL;
	if (r->iova + r->size < r->iova || r->uaddr + r->size < r->uaddr)
		return -EINVAL;
	for (i = 0; i < skip; i++) {
		const struct fv_region *o = &fv->regions[i];

		if (r->iova < o->iova + o->size && o->iova < r->iova + r->size)
			return -EINVAL;
	}
	return 0;
}

static int do_set_mem_table(struct fake_vub *fv, struct vub_mem_table *t)
{
	static struct fv_region saved[FV_MAX_REGIONS];
	unsigned int i, nsaved = fv->nregions;
	int ret;

	if (t->reserved)
		return -EINVAL;
	if (t->nregions > VUB_MAX_MEM_REGIONS)
		return -E2BIG;
	memcpy(saved, fv->regions, sizeof(saved[0]) * nsaved);
	fv->nregions = 0;
	for (i = 0; i < t->nregions; i++) {
		const struct vub_mem_region *r = &t->regions[i];

		ret = region_check(fv, r, i);
		if (ret)
			goto restore;
		fv->regions[i].iova = r->iova;
		fv->regions[i].size = r->size;
		fv->regions[i].uaddr = r->uaddr;
		fv->regions[i].perm = r->perm;
		fv->nregions = i + 1;
	}
	ret = -EBUSY;
	if (!started_rings_mapped(fv))
		goto restore;
	return 0;
restore:
	memcpy(fv->regions, saved, sizeof(saved[0]) * nsaved);
	fv->nregions = nsaved;
	return ret;
}

static int do_add_region(struct fake_vub *fv, const struct vub_mem_region *r)
{
	int ret;

	if (fv->nregions >= FV_MAX_REGIONS)
		return -E2BIG;
	fv->regions[fv->nregions].iova = 0;
	ret = region_check(fv, r, fv->nregions);
	if (ret)
		return ret;
	fv->regions[fv->nregions].iova = r->iova;
	fv->regions[fv->nregions].size = r->size;
	fv->regions[fv->nregions].uaddr = r->uaddr;
	fv->regions[fv->nregions].perm = r->perm;
	fv->nregions++;
	return 0;
}

static int do_del_region(struct fake_vub *fv, const struct vub_mem_region *r)
{
	struct fv_region keep;
	unsigned int i;

	if (r->reserved)
		return -EINVAL;
	for (i = 0; i < fv->nregions; i++)
		if (fv->regions[i].iova == r->iova &&
		    fv->regions[i].size == r->size)
			break;
	if (i == fv->nregions)
		return -ENOENT;
	keep = fv->regions[i];
	fv->regions[i] = fv->regions[fv->nregions - 1];
	fv->nregions--;
	if (!started_rings_mapped(fv)) {
		fv->regions[fv->nregions++] = fv->regions[i];
		fv->regions[i] = keep;
		return -EBUSY;
	}
	return 0;
}

static int status_check(const struct fake_vub *fv, uint8_t old, uint8_t st)
{
	if (st & ~WRITABLE)
		return -EINVAL;
	if ((old & WRITABLE) & ~st)
		return -EINVAL;
	if ((st & VIRTIO_CONFIG_S_DRIVER) && !(st & VIRTIO_CONFIG_S_ACKNOWLEDGE))
		return -EINVAL;
	if ((st & VIRTIO_CONFIG_S_FEATURES_OK) && !(st & VIRTIO_CONFIG_S_DRIVER))
		return -EINVAL;
	if ((st & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK) && !fv->features_set)
		return -EINVAL;
	if ((st & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EINVAL;
	return 0;
}

static int do_set_status(struct fake_vub *fv, uint8_t st)
{
	uint8_t added;
	int ret;

	if (!st) {
		device_reset(fv, false);
		return 0;
	}
	ret = status_check(fv, fv->status, st);
	if (ret)
		return ret;
	added = st & ~fv->status;
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (fv->driver_features & fv->cfg.refuse_features)) {
		fv->status = st & ~VIRTIO_CONFIG_S_FEATURES_OK;
		return -EIO;
	}
	fv->status = st;
	return 0;
}

static int state_from_user(bool packed, const struct vub_queue_start *qs)
{
	if (!packed)
		return qs->avail_wrap || qs->used_idx || qs->used_wrap ?
		       -EINVAL : 0;
	if (qs->avail_idx > 0x7fff || qs->used_idx > 0x7fff ||
	    qs->avail_wrap > 1 || qs->used_wrap > 1)
		return -EINVAL;
	return 0;
}

static int do_start(struct fake_vub *fv, const struct vub_queue_start *qs)
{
	bool packed = packed_negotiated(fv);
	struct fv_queue *q;
	uint32_t n = qs->size;
	int ret;

	if ((qs->flags & ~START_FLAGS) || qs->reserved[0] || qs->reserved[1])
		return -EINVAL;
	if (qs->index >= fv->cfg.num_queues)
		return -EINVAL;
	q = &fv->q[qs->index];
	if (!(fv->status & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EINVAL;
	if ((fv->status & VIRTIO_CONFIG_S_DRIVER_OK) && !late_start(fv))
		return -EBUSY;
	if (q->started)
		return -EBUSY;
	if (!!(qs->flags & VUB_QUEUE_F_PACKED) != packed)
		return -EINVAL;
	if (!n || (n & (n - 1)) || n > fv->cfg.max_queue_size ||
	    n < fv->cfg.min_queue_size)
		return -EINVAL;
	if (!rings_mapped(fv, packed, n, qs->desc_addr, qs->driver_addr,
			  qs->device_addr))
		return -EINVAL;
	ret = state_from_user(packed, qs);
	if (ret)
		return ret;
	ret = hold_fd(qs->kick_fd, &q->kick_fd);
	if (!ret && !(qs->flags & VUB_QUEUE_F_NO_CALL))
		ret = hold_fd(qs->call_fd, &q->call_fd);
	if (!ret && qs->err_fd != -1)
		ret = hold_fd(qs->err_fd, &q->err_fd);
	/* vp_vdpa: set_vq_state only accepts the initial state */
	if (!ret && fv->cfg.no_state &&
	    (qs->avail_idx || qs->used_idx || qs->avail_wrap != packed ||
	     qs->used_wrap != packed))
		ret = -EOPNOTSUPP;
	if (ret) {
		queue_detach(q);
		return ret;
	}
	q->size = n;
	q->flags = qs->flags & (VUB_QUEUE_F_PACKED | VUB_QUEUE_F_NO_CALL);
	q->desc = qs->desc_addr;
	q->driver = qs->driver_addr;
	q->device = qs->device_addr;
	memset(&q->st, 0, sizeof(q->st));
	q->st.avail_idx = qs->avail_idx;
	q->st.avail_wrap = qs->avail_wrap;
	q->st.used_idx = qs->used_idx;
	q->st.used_wrap = qs->used_wrap;
	q->started = true;
	q->enabled = !(qs->flags & VUB_QUEUE_F_DISABLED);
	return 0;
}

static int state_copy_in(const struct fake_vub *fv,
			 const struct vub_queue_state *qs)
{
	if (qs->flags || qs->reserved || qs->index >= fv->cfg.num_queues)
		return -EINVAL;
	return 0;
}

static void state_out(const struct fv_queue *q, struct vub_queue_state *qs,
		      bool packed)
{
	qs->flags = packed ? VUB_QUEUE_F_PACKED : 0;
	qs->avail_idx = q->st.avail_idx;
	qs->avail_wrap = packed ? q->st.avail_wrap : 0;
	qs->used_idx = packed ? q->st.used_idx : 0;
	qs->used_wrap = packed ? q->st.used_wrap : 0;
}

static int do_stop(struct fake_vub *fv, struct vub_queue_state *qs)
{
	struct fv_queue *q;
	bool packed;
	int ret = state_copy_in(fv, qs);

	if (ret)
		return ret;
	q = &fv->q[qs->index];
	if (!q->started)
		return -EINVAL;
	packed = q->flags & VUB_QUEUE_F_PACKED;
	queue_detach(q);
	if (fv->cfg.no_state) {
		qs->flags = VUB_QUEUE_F_NO_STATE |
			    (packed ? VUB_QUEUE_F_PACKED : 0);
		qs->avail_idx = qs->avail_wrap = 0;
		qs->used_idx = qs->used_wrap = 0;
		return 0;
	}
	state_out(q, qs, packed);
	return 0;
}

static int do_set_queue_fd(struct fake_vub *fv, const struct vub_queue_fd *a,
			   bool call)
{
	struct fv_queue *q;
	int fd = -1, ret;

	if (a->index >= fv->cfg.num_queues)
		return -EINVAL;
	q = &fv->q[a->index];
	if (!q->started)
		return -EINVAL;
	if (a->fd != -1) {
		ret = hold_fd(a->fd, &fd);
		if (ret)
			return ret;
	}
	if (call) {
		put_fd(&q->call_fd);
		q->call_fd = fd;
	} else {
		put_fd(&q->err_fd);
		q->err_fd = fd;
	}
	return 0;
}

static int config_access(struct fake_vub *fv, struct vub_config_access *ca,
			 bool write)
{
	if (ca->reserved)
		return -EINVAL;
	if (!ca->length || ca->offset > fv->cfg.config_size ||
	    ca->length > fv->cfg.config_size - ca->offset)
		return -EINVAL;
	if (write && !(fv->cfg.abilities & (1ull << VUB_ABILITY_CONFIG_WRITE)))
		return -EOPNOTSUPP;
	if (write)
		memcpy(fv->cfg.config + ca->offset,
		       (const void *)(uintptr_t)ca->data, ca->length);
	else
		memcpy((void *)(uintptr_t)ca->data,
		       fv->cfg.config + ca->offset, ca->length);
	return 0;
}

static int do_info(struct fake_vub *fv, struct vub_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->device_id = fv->cfg.device_id;
	info->vendor_id = 0x1af4;
	info->num_queues = fv->cfg.num_queues;
	info->config_size = fv->cfg.config_size;
	info->max_queue_size = fv->cfg.max_queue_size;
	info->min_queue_size = fv->cfg.min_queue_size;
	info->queue_align = (uint32_t)PAGE;
	info->device_features = fv->cfg.features;
	info->abilities = fv->cfg.abilities;
	info->iova_first = 0;
	info->iova_last = ~0ull;
	return 0;
}

static int do_queue_info(struct fake_vub *fv, struct vub_queue_info *qi)
{
	uint32_t idx = qi->index;

	if (idx >= fv->cfg.num_queues || qi->reserved[0] || qi->reserved[1])
		return -EINVAL;
	memset(qi, 0, sizeof(*qi));
	qi->index = idx;
	qi->irq = -1;
	if (fv->cfg.abilities & (1ull << VUB_ABILITY_DOORBELL)) {
		qi->flags |= VUB_QUEUE_INFO_F_DOORBELL;
		qi->doorbell_offset = idx * PAGE;
		qi->doorbell_size = PAGE;
	}
	if (fv->q[idx].started)
		qi->flags |= VUB_QUEUE_INFO_F_STARTED;
	if (fv->q[idx].enabled)
		qi->flags |= VUB_QUEUE_INFO_F_ENABLED;
	qi->size = fv->q[idx].started ? fv->q[idx].size : 0;
	qi->max_size = fv->cfg.max_queue_size;
	return 0;
}

/* Handle one ioctl; @line gets what is logged (empty: not logged). */

/* As the module checks it: flags known, pid/uid only with a front-end,
 * reserved zero, the label printable and NUL-terminated. Not logged: it
 * is not device state. */
static int set_owner_info(struct fake_vub *fv, const struct vub_owner_info *oi)
{
	size_t i;

	if ((oi->flags & ~VUB_OWNER_F_FRONTEND) || oi->reserved0 ||
	    oi->reserved[0] || oi->reserved[1] ||
	    (!(oi->flags & VUB_OWNER_F_FRONTEND) &&
	     (oi->frontend_pid || oi->frontend_uid)))
		return -EINVAL;
	for (i = 0; i < sizeof(oi->label) && oi->label[i]; i++)
		if (oi->label[i] < 0x20 || oi->label[i] > 0x7e)
			return -EINVAL;
	if (i == sizeof(oi->label))
		return -EINVAL;
	fv->owner = *oi;
	fv->owner_sets++;
	return 0;
}

static int dispatch(struct fake_vub *fv, unsigned long req, void *arg,
		    char *line, size_t len)
{
	const struct vub_mem_region *r = arg;
	const struct vub_queue_start *qs = arg;
	const struct vub_queue_fd *qf = arg;
	struct vub_queue_enable *qe = arg;
	struct vub_queue_state *st = arg;
	int ret;

	line[0] = '\0';
	switch (req) {
	case VUB_GET_API_VERSION:
		*(uint64_t *)arg = VUB_API_VERSION;
		return 0;
	case VUB_GET_DEVICE_INFO:
		return do_info(fv, arg);
	case VUB_READ_CONFIG:
		return config_access(fv, arg, false);
	case VUB_WRITE_CONFIG:
		snprintf(line, len, "WRITE_CONFIG %u+%u",
			 ((struct vub_config_access *)arg)->offset,
			 ((struct vub_config_access *)arg)->length);
		return config_access(fv, arg, true);
	case VUB_GET_FEATURES:
		*(uint64_t *)arg = fv->cfg.features;
		return 0;
	case VUB_SET_FEATURES:
		snprintf(line, len, "SET_FEATURES 0x%llx",
			 (unsigned long long)*(uint64_t *)arg);
		if (fv->status & VIRTIO_CONFIG_S_FEATURES_OK)
			return -EBUSY;
		if (*(uint64_t *)arg & ~fv->cfg.features)
			return -EINVAL;
		if (fv->cfg.device_id == VIRTIO_ID_NET &&
		    (*(uint64_t *)arg & NEED_CTRL_VQ) &&
		    !(*(uint64_t *)arg & 1ull << VIRTIO_NET_F_CTRL_VQ))
			return -EINVAL;
		fv->driver_features = *(uint64_t *)arg;
		fv->features_set = true;
		return 0;
	case VUB_GET_STATUS:
		*(uint8_t *)arg = fv->status;
		return 0;
	case VUB_SET_STATUS:
		snprintf(line, len, "SET_STATUS 0x%02x", *(uint8_t *)arg);
		return do_set_status(fv, *(uint8_t *)arg);
	case VUB_SET_CONFIG_EVENTFD: {
		int32_t fd = *(int32_t *)arg, nfd = -1;

		snprintf(line, len, "SET_CONFIG_EVENTFD %s",
			 fd < 0 ? "none" : "fd");
		if (fd != -1) {
			ret = hold_fd(fd, &nfd);
			if (ret)
				return ret;
		}
		put_fd(&fv->config_efd);
		fv->config_efd = nfd;
		return 0;
	}
	case VUB_SET_MEM_TABLE:
		snprintf(line, len, "SET_MEM_TABLE %u",
			 ((struct vub_mem_table *)arg)->nregions);
		return do_set_mem_table(fv, arg);
	case VUB_ADD_MEM_REGION:
		snprintf(line, len, "ADD_MEM_REGION 0x%llx+0x%llx",
			 (unsigned long long)r->iova,
			 (unsigned long long)r->size);
		return do_add_region(fv, r);
	case VUB_DEL_MEM_REGION:
		snprintf(line, len, "DEL_MEM_REGION 0x%llx+0x%llx",
			 (unsigned long long)r->iova,
			 (unsigned long long)r->size);
		return do_del_region(fv, r);
	case VUB_START_QUEUE:
		if (qs->flags & VUB_QUEUE_F_PACKED)
			snprintf(line, len, "START_QUEUE %u size=%u base=%u/%u used=%u/%u%s",
				 qs->index, qs->size, qs->avail_idx,
				 qs->avail_wrap, qs->used_idx, qs->used_wrap,
				 qs->flags & VUB_QUEUE_F_NO_CALL ? " nocall" : "");
		else
			snprintf(line, len, "START_QUEUE %u size=%u base=%u%s",
				 qs->index, qs->size, qs->avail_idx,
				 qs->flags & VUB_QUEUE_F_NO_CALL ? " nocall" : "");
		return do_start(fv, qs);
	case VUB_STOP_QUEUE:
		snprintf(line, len, "STOP_QUEUE %u", st->index);
		return do_stop(fv, st);
	case VUB_GET_QUEUE_STATE:
		ret = state_copy_in(fv, st);
		if (ret)
			return ret;
		if (fv->q[st->index].started && fv->q[st->index].enabled &&
		    !fv->suspended && (fv->status & VIRTIO_CONFIG_S_DRIVER_OK))
			return -EBUSY;
		state_out(&fv->q[st->index], st, packed_negotiated(fv));
		return 0;
	case VUB_SET_QUEUE_STATE:
		snprintf(line, len, "SET_QUEUE_STATE %u base=%u", st->index,
			 st->avail_idx);
		ret = state_copy_in(fv, st);
		if (ret)
			return ret;
		if (!fv->suspended && (fv->status & VIRTIO_CONFIG_S_DRIVER_OK))
			return -EBUSY;
		if (fv->cfg.no_state && (st->avail_idx || st->used_idx))
			return -EOPNOTSUPP;
		fv->q[st->index].st.avail_idx = st->avail_idx;
		fv->q[st->index].st.avail_wrap = st->avail_wrap;
		fv->q[st->index].st.used_idx = st->used_idx;
		fv->q[st->index].st.used_wrap = st->used_wrap;
		return 0;
	case VUB_ENABLE_QUEUE:
		snprintf(line, len, "ENABLE_QUEUE %u %u", qe->index, qe->enable);
		if (qe->enable > 1 || qe->index >= fv->cfg.num_queues ||
		    !fv->q[qe->index].started)
			return -EINVAL;
		if (qe->enable && (fv->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
		    !late_start(fv))
			return -EBUSY;
		fv->q[qe->index].enabled = qe->enable;
		return 0;
	case VUB_GET_QUEUE_INFO:
		return do_queue_info(fv, arg);
	case VUB_GET_DOORBELL_FD: {
		/* A file of its own that maps one page, never the device
		 * file (the module's answers every ioctl with ENOTTY). */
		struct vub_doorbell_handle *h = arg;

		if (h->index >= fv->cfg.num_queues || h->flags ||
		    h->reserved[0] || h->reserved[1])
			return -EINVAL;
		if (!(fv->cfg.abilities & (1ull << VUB_ABILITY_DOORBELL)))
			return -EOPNOTSUPP;
		h->fd = memfd_create("fake-doorbell", MFD_CLOEXEC);
		if (h->fd < 0)
			return -errno;
		if (ftruncate(h->fd, (off_t)PAGE)) {
			close(h->fd);
			return -ENOMEM;
		}
		h->page_offset = 0;
		h->size = PAGE;
		return 0;
	}
	case VUB_GET_QUEUE_STATS: {
		struct vub_queue_stats *s = arg;
		uint32_t idx = s->index;

		if (idx >= fv->cfg.num_queues)
			return -EINVAL;
		memset(s, 0, sizeof(*s));
		s->index = idx;
		return 0;
	}
	case VUB_SET_QUEUE_CALL:
	case VUB_SET_QUEUE_ERR:
		if (fv->cfg.no_fd_swap)
			return -ENOTTY;
		snprintf(line, len, "%s %u %s", req == VUB_SET_QUEUE_CALL ?
			 "SET_QUEUE_CALL" : "SET_QUEUE_ERR", qf->index,
			 qf->fd < 0 ? "none" : "fd");
		return do_set_queue_fd(fv, qf, req == VUB_SET_QUEUE_CALL);
	case VUB_SUSPEND:
		snprintf(line, len, "SUSPEND");
		if (!(fv->cfg.abilities & (1ull << VUB_ABILITY_SUSPEND)))
			return -EOPNOTSUPP;
		fv->suspended = true;
		return 0;
	case VUB_RESUME:
		snprintf(line, len, "RESUME");
		if (!(fv->cfg.abilities & (1ull << VUB_ABILITY_RESUME)))
			return -EOPNOTSUPP;
		if (!fv->suspended)
			return -EINVAL;
		fv->suspended = false;
		return 0;
	case VUB_RESET:
		snprintf(line, len, "RESET");
		device_reset(fv, true);
		return 0;
	case VUB_SET_OWNER_INFO:
		return set_owner_info(fv, arg);
	default:
		return -ENOTTY;
	}
}

static int fv_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fake_vub *fv = ctx;
	char line[FV_LOG_LEN];
	int ret;

	if (fd < 0 || fd != fv->fd)
		return -EBADF;
	fv->calls++;
	if (fv->gone) {
		ret = -ENODEV;
		line[0] = '\0';
		if (fake_vub_ioctl_name(req))
			snprintf(line, sizeof(line), "%s", fake_vub_ioctl_name(req));
	} else if (fv->fail_nth && fv->fail_req == req && !--fv->fail_nth) {
		snprintf(line, sizeof(line), "%s", fake_vub_ioctl_name(req) ?
			 fake_vub_ioctl_name(req) : "?");
		ret = -fv->fail_errno;
	} else {
		ret = dispatch(fv, req, arg, line, sizeof(line));
	}
	if (line[0] && ret)
		fv_log(fv, "%s -> %s", line, strerrorname_np(-ret));
	else if (line[0])
		fv_log(fv, "%s", line);
	return ret;
}

/* Where the device reads or writes @len bytes at @iova, or NULL. */
static uint8_t *fv_ptr(struct fake_vub *fv, uint64_t iova, uint64_t len,
		       uint32_t perm)
{
	unsigned int i;

	for (i = 0; i < fv->nregions; i++) {
		const struct fv_region *r = &fv->regions[i];

		if (iova >= r->iova && len <= r->size &&
		    iova - r->iova <= r->size - len)
			return (r->perm & perm) == perm ?
			       (uint8_t *)(uintptr_t)(r->uaddr + iova - r->iova) :
			       NULL;
	}
	return NULL;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* One control command: the ack (VIRTIO_NET_OK or _ERR), logged. */
static uint8_t cvq_apply(struct fake_vub *fv, const uint8_t *in, uint32_t len)
{
	uint64_t f = fv->driver_features;
	uint8_t cls = len > 0 ? in[0] : 0xff, cmd = len > 1 ? in[1] : 0xff;
	const uint8_t *d = in + 2;
	uint32_t dl = len >= 2 ? len - 2 : 0;
	uint16_t pairs;

	if (cls == VIRTIO_NET_CTRL_MQ && cmd == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
	    (f & 1ull << VIRTIO_NET_F_MQ) && dl == 2) {
		pairs = rd16(d);
		if (pairs >= 1 && pairs <= rd16(fv->cfg.config + 8)) {
			fv->cvq_pairs = pairs;
			fv_log(fv, "CVQ VQ_PAIRS_SET %u", pairs);
			return VIRTIO_NET_OK;
		}
	} else if (cls == VIRTIO_NET_CTRL_MAC &&
		   cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET &&
		   (f & 1ull << VIRTIO_NET_F_CTRL_MAC_ADDR) && dl == 6) {
		memcpy(fv->cfg.config, d, 6);
		fv_log(fv, "CVQ MAC_ADDR_SET %02x:%02x:%02x:%02x:%02x:%02x",
		       d[0], d[1], d[2], d[3], d[4], d[5]);
		return VIRTIO_NET_OK;
	} else if (cls == VIRTIO_NET_CTRL_RX &&
		   (cmd == VIRTIO_NET_CTRL_RX_PROMISC ||
		    cmd == VIRTIO_NET_CTRL_RX_ALLMULTI) &&
		   (f & 1ull << VIRTIO_NET_F_CTRL_RX) && dl == 1 && d[0] <= 1) {
		*(cmd ? &fv->cvq_allmulti : &fv->cvq_promisc) = d[0];
		fv_log(fv, "CVQ RX_%s %u", cmd ? "ALLMULTI" : "PROMISC", d[0]);
		return VIRTIO_NET_OK;
	}
	fv_log(fv, "CVQ %u/%u (%u bytes) -> ERR", cls, cmd, dl);
	return VIRTIO_NET_ERR;
}

/* Gather one descriptor's buffer: readable bytes into @in, the last
 * writable byte is the ack. 0, or -1 on a malformed chain. */
static int cvq_desc(struct fake_vub *fv, const uint8_t *d, uint8_t *in,
		    uint32_t *inlen, uint8_t **ack, bool packed)
{
	uint64_t addr = rd64(d);
	uint32_t len = (uint32_t)rd16(d + 8) | (uint32_t)rd16(d + 10) << 16;
	uint16_t flags = rd16(d + (packed ? 14 : 12));
	uint8_t *p;

	if (flags & VRING_DESC_F_WRITE) {
		p = fv_ptr(fv, addr, len, VUB_PERM_WRITE);
		if (!p || !len)
			return -1;
		*ack = p + len - 1;
		return 0;
	}
	p = fv_ptr(fv, addr, len, VUB_PERM_READ);
	if (!p || *ack || *inlen + len > 256)
		return -1;
	memcpy(in + *inlen, p, len);
	*inlen += len;
	return 0;
}

/* The device's control queue: every available command, in order. */
static int fv_kick(void *ctx, int fd, unsigned int idx, int kick_fd)
{
	struct fake_vub *fv = ctx;
	struct fv_queue *q;
	uint8_t in[256], *ack, *d, *avail, *used;
	uint32_t inlen, n;
	uint16_t i, head, next;
	bool mq = fv->driver_features & 1ull << VIRTIO_NET_F_MQ;

	if (fd != fv->fd || idx >= fv->cfg.num_queues ||
	    check_eventfd(kick_fd))
		return -EBADF;
	q = &fv->q[idx];
	if (fv->cfg.device_id != VIRTIO_ID_NET ||
	    !(fv->driver_features & 1ull << VIRTIO_NET_F_CTRL_VQ) ||
	    idx != (mq ? 2u * rd16(fv->cfg.config + 8) : 2u) || !q->started ||
	    !q->enabled || !(fv->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    fv->cfg.cvq_mute)
		return 0;	/* a kick nobody listens to */
	n = q->size;
	if (q->flags & VUB_QUEUE_F_PACKED) {
		for (;;) {
			d = fv_ptr(fv, q->desc + 16ull * q->st.avail_idx, 16,
				   VUB_PERM_READ);
			if (!d || !!(rd16(d + 14) & 1u << VRING_PACKED_DESC_F_AVAIL) !=
			    q->st.avail_wrap ||
			    !!(rd16(d + 14) & 1u << VRING_PACKED_DESC_F_USED) ==
			    q->st.avail_wrap)
				return 0;
			head = q->st.avail_idx;
			inlen = 0;
			ack = NULL;
			for (i = 0; i < n; i++) {
				d = fv_ptr(fv, q->desc + 16ull * q->st.avail_idx,
					   16, VUB_PERM_READ);
				if (!d || cvq_desc(fv, d, in, &inlen, &ack, true))
					return 0;
				next = rd16(d + 14);
				if (++q->st.avail_idx == n) {
					q->st.avail_idx = 0;
					q->st.avail_wrap ^= 1;
				}
				if (!(next & VRING_DESC_F_NEXT))
					break;
			}
			if (!ack)
				return 0;
			*ack = cvq_apply(fv, in, inlen);
			d = fv_ptr(fv, q->desc + 16ull * head, 16, VUB_PERM_WRITE);
			wr16(d + 8, 1);
			wr16(d + 10, 0);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			wr16(d + 14, (uint16_t)(q->st.used_wrap ?
				     1u << VRING_PACKED_DESC_F_AVAIL |
				     1u << VRING_PACKED_DESC_F_USED : 0));
			q->st.used_idx = q->st.avail_idx;
			q->st.used_wrap = q->st.avail_wrap;
			fv->cvq_commands++;
		}
	}
	avail = fv_ptr(fv, q->driver, 4 + 2ull * n, VUB_PERM_READ);
	used = fv_ptr(fv, q->device, 4 + 8ull * n, VUB_PERM_WRITE);
	if (!avail || !used)
		return 0;
	while (q->st.avail_idx != rd16(avail + 2)) {
		head = rd16(avail + 4 + 2u * (q->st.avail_idx % n));
		inlen = 0;
		ack = NULL;
		for (i = 0; i < n && head < n; i++) {
			d = fv_ptr(fv, q->desc + 16ull * head, 16, VUB_PERM_READ);
			if (!d || cvq_desc(fv, d, in, &inlen, &ack, false))
				return 0;
			if (!(rd16(d + 12) & VRING_DESC_F_NEXT))
				break;
			head = rd16(d + 14);
		}
		if (!ack)
			return 0;
		*ack = cvq_apply(fv, in, inlen);
		head = rd16(avail + 4 + 2u * (q->st.avail_idx % n));
		wr16(used + 4 + 8u * (rd16(used + 2) % n), head);
		wr16(used + 6 + 8u * (rd16(used + 2) % n), 0);
		wr16(used + 8 + 8u * (rd16(used + 2) % n), 1);
		wr16(used + 10 + 8u * (rd16(used + 2) % n), 0);
		q->st.avail_idx++;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		wr16(used + 2, q->st.avail_idx);
		fv->cvq_commands++;
	}
	return 0;
}

static int fv_open(void *ctx, const char *path)
{
	struct fake_vub *fv = ctx;

	(void)path;
	if (fv->gone)
		return -ENOENT;
	if (fv->fd >= 0)
		return -EBUSY;
	/* A real file, so the fd can be passed and mapped (doorbells). */
	fv->fd = memfd_create("fake-vubridge", MFD_CLOEXEC);
	if (fv->fd < 0)
		return -errno;
	if (ftruncate(fv->fd, (off_t)(PAGE * fv->cfg.num_queues))) {
		close(fv->fd);
		fv->fd = -1;
		return -ENOMEM;
	}
	fv->opens++;
	return fv->fd;
}

static void fv_close(void *ctx, int fd)
{
	struct fake_vub *fv = ctx;

	if (fd < 0 || fd != fv->fd)
		return;
	device_reset(fv, true);
	close(fv->fd);
	fv->fd = -1;
}

void fake_vub_init(struct fake_vub *fv, const struct fake_vub_cfg *cfg)
{
	uint32_t i;

	memset(fv, 0, sizeof(*fv));
	fv->cfg = *cfg;
	if (fv->cfg.num_queues > FV_MAX_QUEUES)
		fv->cfg.num_queues = FV_MAX_QUEUES;
	if (fv->cfg.config_size > FV_CONFIG_MAX)
		fv->cfg.config_size = FV_CONFIG_MAX;
	fv->fd = -1;
	fv->config_efd = -1;
	memcpy(fv->mac0, fv->cfg.config, 6);
	fv->cvq_pairs = 1;
	fv->cvq_promisc = 1;
	for (i = 0; i < FV_MAX_QUEUES; i++)
		fv->q[i].kick_fd = fv->q[i].call_fd = fv->q[i].err_fd = -1;
	fv->sys.open = fv_open;
	fv->sys.ioctl = fv_ioctl;
	fv->sys.close = fv_close;
	fv->sys.kick = fv_kick;
	fv->sys.ctx = fv;
}

void fake_vub_fini(struct fake_vub *fv)
{
	if (fv->fd >= 0)
		fv_close(fv, fv->fd);
	device_reset(fv, true);
}

void fake_vub_fail(struct fake_vub *fv, unsigned long req, unsigned int nth,
		   int err)
{
	fv->fail_req = req;
	fv->fail_nth = nth;
	fv->fail_errno = err;
}

void fake_vub_advance(struct fake_vub *fv, uint32_t idx, uint16_t n)
{
	struct fv_queue *q;
	uint32_t i;

	if (idx >= fv->cfg.num_queues || !fv->q[idx].started)
		return;
	q = &fv->q[idx];
	if (!(q->flags & VUB_QUEUE_F_PACKED)) {
		q->st.avail_idx = (uint16_t)(q->st.avail_idx + n);
		return;
	}
	/* in order: everything taken is used; indices wrap at the size */
	for (i = 0; i < n; i++) {
		if (++q->st.avail_idx == q->size) {
			q->st.avail_idx = 0;
			q->st.avail_wrap ^= 1;
		}
	}
	q->st.used_idx = q->st.avail_idx;
	q->st.used_wrap = q->st.avail_wrap;
}

/* Features vdpa_sim_net and vdpa_sim_blk offer (6.12). */
#define SIM_COMMON	(1ull << VIRTIO_F_VERSION_1 |			\
			 1ull << VIRTIO_F_ACCESS_PLATFORM |		\
			 1ull << VIRTIO_F_ANY_LAYOUT)

void fake_vub_cfg_net(struct fake_vub_cfg *cfg, uint32_t pairs)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_NET;
	cfg->num_queues = 2 * pairs + 1;
	cfg->max_queue_size = 256;
	cfg->min_queue_size = 1;
	cfg->features = SIM_COMMON | 1ull << VIRTIO_NET_F_MAC |
			1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_STATUS |
			1ull << VIRTIO_NET_F_CTRL_VQ |
			1ull << VIRTIO_NET_F_CTRL_MAC_ADDR |
			(pairs > 1 ? 1ull << VIRTIO_NET_F_MQ : 0) |
			1ull << VIRTIO_F_RING_PACKED;
	cfg->abilities = 1ull << VUB_ABILITY_SUSPEND |
			 1ull << VUB_ABILITY_RESUME |
			 1ull << VUB_ABILITY_SET_MAP |
			 1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK |
			 1ull << VUB_ABILITY_CONFIG_WRITE;
	cfg->config_size = sizeof(struct virtio_net_config);
	memcpy(cfg->config, mac, sizeof(mac));
	cfg->config[6] = VIRTIO_NET_S_LINK_UP;		/* status, le16 */
	cfg->config[8] = (uint8_t)pairs;		/* max_virtqueue_pairs */
	cfg->config[10] = 1500 & 0xff;			/* mtu, le16 */
	cfg->config[11] = 1500 >> 8;
}

void fake_vub_cfg_blk(struct fake_vub_cfg *cfg, uint32_t queues)
{
	struct virtio_blk_config bc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&bc, 0, sizeof(bc));
	cfg->device_id = VIRTIO_ID_BLOCK;
	cfg->num_queues = queues;
	cfg->max_queue_size = 256;
	cfg->min_queue_size = 1;
	cfg->features = SIM_COMMON | 1ull << VIRTIO_BLK_F_SIZE_MAX |
			1ull << VIRTIO_BLK_F_SEG_MAX |
			1ull << VIRTIO_BLK_F_BLK_SIZE |
			1ull << VIRTIO_BLK_F_FLUSH |
			(queues > 1 ? 1ull << VIRTIO_BLK_F_MQ : 0);
	cfg->abilities = 1ull << VUB_ABILITY_SUSPEND |
			 1ull << VUB_ABILITY_RESUME |
			 1ull << VUB_ABILITY_SET_MAP |
			 1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK;
	bc.capacity = 0x40000;			/* 128 MiB in sectors */
	bc.size_max = 4096;
	bc.seg_max = 126;
	bc.blk_size = 512;
	bc.num_queues = (__virtio16)queues;
	cfg->config_size = sizeof(bc);
	if (cfg->config_size > FV_CONFIG_MAX)
		cfg->config_size = FV_CONFIG_MAX;
	memcpy(cfg->config, &bc, cfg->config_size);
}
