// SPDX-License-Identifier: GPL-2.0
/* The test front-end on /dev/vhost-vdpa-N (the benchmarks' baseline). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "vdpa_fe.h"

static int fail(struct vdpa_fe *vf, const char *what)
{
	int ret = -errno;

	snprintf(vf->err, sizeof(vf->err), "%s: %s", what, strerror(errno));
	return ret;
}

void vdpa_fe_init(struct vdpa_fe *vf)
{
	memset(vf, 0, sizeof(*vf));
	vf->fd = -1;
}

int vdpa_fe_node(const char *name, char *buf, size_t cap)
{
	char dir[256];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	snprintf(dir, sizeof(dir), "/sys/bus/vdpa/devices/%s", name);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vhost-vdpa-", 11)) {
			snprintf(buf, cap, "/dev/%s", e->d_name);
			ret = 0;
			break;
		}
	closedir(d);
	return ret;
}

static int set_status(struct vdpa_fe *vf, uint8_t status)
{
	if (ioctl(vf->fd, VHOST_VDPA_SET_STATUS, &status))
		return fail(vf, "VHOST_VDPA_SET_STATUS");
	vf->status = status;
	return 0;
}

int vdpa_fe_open(struct vdpa_fe *vf, const char *node, uint64_t want)
{
	/* What QEMU asks for: v2 messages, batches, suspend and resume. */
	uint64_t bwant = 1ull << VHOST_BACKEND_F_IOTLB_MSG_V2 |
			 1ull << VHOST_BACKEND_F_IOTLB_BATCH |
			 1ull << VHOST_BACKEND_F_SUSPEND |
			 1ull << VHOST_BACKEND_F_RESUME;
	struct {
		struct vhost_vdpa_config c;
		uint8_t mac[6];
	} cfg = { .c = { .off = 0, .len = 6 } };
	uint64_t offered;
	int ret;

	vf->fd = open(node, O_RDWR | O_CLOEXEC);
	if (vf->fd < 0)
		return fail(vf, node);
	if (ioctl(vf->fd, VHOST_SET_OWNER))
		return fail(vf, "VHOST_SET_OWNER");
	if (ioctl(vf->fd, VHOST_GET_BACKEND_FEATURES, &offered))
		return fail(vf, "VHOST_GET_BACKEND_FEATURES");
	vf->backend = offered & bwant;
	if (ioctl(vf->fd, VHOST_SET_BACKEND_FEATURES, &vf->backend))
		return fail(vf, "VHOST_SET_BACKEND_FEATURES");
	ret = set_status(vf, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	if (ret)
		return ret;
	if (ioctl(vf->fd, VHOST_GET_FEATURES, &offered))
		return fail(vf, "VHOST_GET_FEATURES");
	vf->features = offered & want;
	if (ioctl(vf->fd, VHOST_SET_FEATURES, &vf->features))
		return fail(vf, "VHOST_SET_FEATURES");
	ret = set_status(vf, vf->status | VIRTIO_CONFIG_S_FEATURES_OK);
	if (ret)
		return ret;
	if (ioctl(vf->fd, VHOST_VDPA_GET_CONFIG, &cfg))
		return fail(vf, "VHOST_VDPA_GET_CONFIG");
	memcpy(vf->mac, cfg.mac, 6);
	return 0;
}

static int iotlb(struct vdpa_fe *vf, uint8_t type, uint64_t iova,
		 uint64_t size, uint64_t uaddr)
{
	struct vhost_msg_v2 m = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = iova,
			.size = size,
			.uaddr = uaddr,
			.perm = VHOST_ACCESS_RW,
			.type = type,
		},
	};

	if (write(vf->fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		return fail(vf, type == VHOST_IOTLB_UPDATE ? "IOTLB update" :
				type == VHOST_IOTLB_INVALIDATE ? "IOTLB invalidate" :
				"IOTLB batch");
	return 0;
}

static int map_op(struct vdpa_fe *vf, const struct guest_mem *gm, uint8_t type)
{
	bool batch = vf->backend & (1ull << VHOST_BACKEND_F_IOTLB_BATCH);
	int ret = 0;

	if (batch)
		ret = iotlb(vf, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0);
	if (!ret)
		ret = iotlb(vf, type, gm->iova, gm->size,
			    (uint64_t)(uintptr_t)gm->map);
	if (!ret && batch)
		ret = iotlb(vf, VHOST_IOTLB_BATCH_END, 0, 0, 0);
	return ret;
}

int vdpa_fe_map(struct vdpa_fe *vf, const struct guest_mem *gm)
{
	return map_op(vf, gm, VHOST_IOTLB_UPDATE);
}

int vdpa_fe_unmap(struct vdpa_fe *vf, const struct guest_mem *gm)
{
	return map_op(vf, gm, VHOST_IOTLB_INVALIDATE);
}

int vdpa_fe_vring(struct vdpa_fe *vf, struct virtq *vq, uint16_t base)
{
	struct vhost_vring_state num = { vq->index, vq->size };
	struct vhost_vring_state b = { vq->index, base };
	struct vhost_vring_addr a = {
		.index = vq->index,
		.desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->avail_iova,
		.used_user_addr = vq->used_iova,
	};
	struct vhost_vring_file kick = { vq->index, vq->kick_fd };
	struct vhost_vring_file call = { vq->index, vq->call_fd };
	struct vhost_vring_state on = { vq->index, 1 };

	if (ioctl(vf->fd, VHOST_SET_VRING_NUM, &num))
		return fail(vf, "VHOST_SET_VRING_NUM");
	if (ioctl(vf->fd, VHOST_SET_VRING_BASE, &b))
		return fail(vf, "VHOST_SET_VRING_BASE");
	if (ioctl(vf->fd, VHOST_SET_VRING_ADDR, &a))
		return fail(vf, "VHOST_SET_VRING_ADDR");
	if (ioctl(vf->fd, VHOST_SET_VRING_KICK, &kick))
		return fail(vf, "VHOST_SET_VRING_KICK");
	if (ioctl(vf->fd, VHOST_SET_VRING_CALL, &call))
		return fail(vf, "VHOST_SET_VRING_CALL");
	if (ioctl(vf->fd, VHOST_VDPA_SET_VRING_ENABLE, &on))
		return fail(vf, "VHOST_VDPA_SET_VRING_ENABLE");
	return 0;
}

int vdpa_fe_driver_ok(struct vdpa_fe *vf)
{
	return set_status(vf, vf->status | VIRTIO_CONFIG_S_DRIVER_OK);
}

int vdpa_fe_suspend(struct vdpa_fe *vf, unsigned int n, uint32_t *bases)
{
	unsigned int i;

	if (!(vf->backend & (1ull << VHOST_BACKEND_F_SUSPEND))) {
		snprintf(vf->err, sizeof(vf->err), "the device cannot suspend");
		return -EOPNOTSUPP;
	}
	if (ioctl(vf->fd, VHOST_VDPA_SUSPEND))
		return fail(vf, "VHOST_VDPA_SUSPEND");
	for (i = 0; i < n; i++) {
		struct vhost_vring_state s = { i, 0 };

		if (ioctl(vf->fd, VHOST_GET_VRING_BASE, &s))
			return fail(vf, "VHOST_GET_VRING_BASE");
		bases[i] = s.num;
	}
	return 0;
}

int vdpa_fe_resume(struct vdpa_fe *vf)
{
	if (ioctl(vf->fd, VHOST_VDPA_RESUME))
		return fail(vf, "VHOST_VDPA_RESUME");
	return 0;
}

void vdpa_fe_close(struct vdpa_fe *vf)
{
	if (vf->fd >= 0)
		close(vf->fd);
	vf->fd = -1;
}
