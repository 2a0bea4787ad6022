// SPDX-License-Identifier: GPL-2.0
/* vubridge ioctl wrappers and device bring-up. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vdpa_env.h"
#include "vub_dev.h"

int vub_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int vub_open(const char *name)
{
	char path[256];
	int fd;

	vub_node_path(name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		vub_env_set_err("open %s: %s", path, strerror(errno));
	}
	return fd;
}

int vub_get_info(int fd, struct vub_device_info *info)
{
	memset(info, 0, sizeof(*info));
	return vub_ioctl(fd, VUB_GET_DEVICE_INFO, info);
}

int vub_read_config(int fd, uint32_t off, void *buf, uint32_t len)
{
	struct vub_config_access ca = {
		.offset = off, .length = len, .data = (uintptr_t)buf,
	};

	return vub_ioctl(fd, VUB_READ_CONFIG, &ca);
}

int vub_get_status(int fd, uint8_t *status)
{
	return vub_ioctl(fd, VUB_GET_STATUS, status);
}

int vub_set_status(int fd, uint8_t status)
{
	return vub_ioctl(fd, VUB_SET_STATUS, &status);
}

int vub_set_features(int fd, uint64_t features)
{
	return vub_ioctl(fd, VUB_SET_FEATURES, &features);
}

int vub_negotiate(int fd, uint64_t want, uint64_t *out)
{
	uint64_t dev;
	uint8_t st = 0;
	int ret;

	ret = vub_ioctl(fd, VUB_GET_FEATURES, &dev);
	if (ret)
		return ret;
	ret = vub_set_status(fd, VS_ACKNOWLEDGE);
	if (!ret)
		ret = vub_set_status(fd, VS_ACKNOWLEDGE | VS_DRIVER);
	if (!ret)
		ret = vub_set_features(fd, want & dev);
	if (!ret)
		ret = vub_set_status(fd, VS_ACKNOWLEDGE | VS_DRIVER |
					 VS_FEATURES_OK);
	if (!ret)
		ret = vub_get_status(fd, &st);
	if (ret)
		return ret;
	if (!(st & VS_FEATURES_OK))
		return -EIO;
	if (out)
		*out = want & dev;
	return 0;
}

void vub_region_of(struct vub_mem_region *r, const struct guest_mem *gm,
		   uint32_t perm)
{
	memset(r, 0, sizeof(*r));
	r->iova = gm->iova;
	r->size = gm->size;
	r->uaddr = (uintptr_t)gm->map;
	r->perm = perm;
}

int vub_set_mem_table(int fd, const struct vub_mem_region *r, uint32_t n)
{
	struct vub_mem_table *t;
	int ret;

	t = calloc(1, sizeof(*t) + n * sizeof(*r));
	if (!t)
		return -ENOMEM;
	t->nregions = n;
	if (n)
		memcpy(t->regions, r, n * sizeof(*r));
	ret = vub_ioctl(fd, VUB_SET_MEM_TABLE, t);
	free(t);
	return ret;
}

int vub_map_mem(int fd, const struct guest_mem *gm, uint32_t perm)
{
	struct vub_mem_region r;

	vub_region_of(&r, gm, perm);
	return vub_set_mem_table(fd, &r, 1);
}

void vub_queue_start_of(struct vub_queue_start *qs, const struct virtq *vq,
			uint16_t avail_idx)
{
	memset(qs, 0, sizeof(*qs));
	qs->index = vq->index;
	qs->size = vq->size;
	qs->kick_fd = vq->kick_fd;
	qs->call_fd = vq->call_fd;
	qs->err_fd = -1;
	qs->desc_addr = vq->desc_iova;
	qs->driver_addr = vq->avail_iova;
	qs->device_addr = vq->used_iova;
	qs->avail_idx = avail_idx;
}

int vub_start_queue(int fd, const struct virtq *vq, uint16_t avail_idx)
{
	struct vub_queue_start qs;

	vub_queue_start_of(&qs, vq, avail_idx);
	return vub_ioctl(fd, VUB_START_QUEUE, &qs);
}

int vub_stop_queue(int fd, uint32_t index, struct vub_queue_state *st)
{
	memset(st, 0, sizeof(*st));
	st->index = index;
	return vub_ioctl(fd, VUB_STOP_QUEUE, st);
}

int vub_get_queue_state(int fd, uint32_t index, struct vub_queue_state *st)
{
	memset(st, 0, sizeof(*st));
	st->index = index;
	return vub_ioctl(fd, VUB_GET_QUEUE_STATE, st);
}

int vub_get_queue_info(int fd, uint32_t index, struct vub_queue_info *qi)
{
	memset(qi, 0, sizeof(*qi));
	qi->index = index;
	return vub_ioctl(fd, VUB_GET_QUEUE_INFO, qi);
}

int vub_get_queue_stats(int fd, uint32_t index, struct vub_queue_stats *qs)
{
	memset(qs, 0, sizeof(*qs));
	qs->index = index;
	return vub_ioctl(fd, VUB_GET_QUEUE_STATS, qs);
}

int vub_bringup(int fd, uint64_t want, const struct guest_mem *gm,
		struct virtq *const *vqs, unsigned int n)
{
	unsigned int i;
	int ret;

	ret = vub_negotiate(fd, want, NULL);
	if (ret) {
		vub_env_set_err("feature negotiation: %s", strerror(-ret));
		return ret;
	}
	if (gm) {
		ret = vub_map_mem(fd, gm, VUB_PERM_RW);
		if (ret) {
			vub_env_set_err("VUB_SET_MEM_TABLE: %s", strerror(-ret));
			return ret;
		}
	}
	for (i = 0; i < n; i++) {
		ret = vub_start_queue(fd, vqs[i], 0);
		if (ret) {
			vub_env_set_err("VUB_START_QUEUE %u: %s", vqs[i]->index,
					strerror(-ret));
			return ret;
		}
	}
	ret = vub_set_status(fd, VS_ACKNOWLEDGE | VS_DRIVER | VS_FEATURES_OK |
				 VS_DRIVER_OK);
	if (ret)
		vub_env_set_err("DRIVER_OK: %s", strerror(-ret));
	return ret;
}
