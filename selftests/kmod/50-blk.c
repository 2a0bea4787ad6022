// SPDX-License-Identifier: GPL-2.0
/*
 * Block traffic through vubridge on vdpa_sim_blk, on both mapping paths:
 * 4 MiB of patterned data written in requests of varied sizes, several in
 * flight, read back in other sizes and compared; FLUSH and GET_ID answered.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>

#include "blk_req.h"
#include "net_rig.h"
#include "vub_test.h"

#define TOTAL		(4u << 20)
#define MAX_REQ		(128u << 10)	/* vdpa_sim_blk: size_max * seg_max */
#define INFLIGHT	32
#define WAIT_MS		5000

FIXTURE(blk) {
	char name[32];
	struct vubt_watch watch;
	int fd;
	struct vub_device_info info;
	struct guest_mem gm;
	struct virtq vq;
	bool have_vq;
	struct blk_req *req;		/* INFLIGHT request headers */
	uint8_t *data;			/* TOTAL bytes of transfer buffer */
	uint8_t *pattern;		/* what the disk should hold */
	struct evwait w;
};

FIXTURE_VARIANT(blk) {
	int batch_mapping;
};

FIXTURE_VARIANT_ADD(blk, set_map) {
	.batch_mapping = 1,
};

FIXTURE_VARIANT_ADD(blk, dma_map) {
	.batch_mapping = 0,
};

FIXTURE_SETUP(blk)
{
	struct virtq *vqs[1];
	char params[32];
	int ret;

	self->fd = -1;
	self->gm.memfd = -1;
	self->have_vq = false;
	self->pattern = NULL;
	self->w.epfd = -1;
	snprintf(self->name, sizeof(self->name), "vubt-blk");
	VUBT_REQUIRE_ENV();
	if (vub_module_param("vdpa_sim", "batch_mapping") != variant->batch_mapping) {
		snprintf(params, sizeof(params), "batch_mapping=%d",
			 variant->batch_mapping);
		ASSERT_OK(vub_sims_reload(params));
	}
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, "vdpasim_blk", NULL));
	self->fd = vub_open(self->name);
	ret = self->fd < 0 ? self->fd : vub_get_info(self->fd, &self->info);
	if (!ret)
		ret = guest_mem_init(&self->gm, TOTAL + (1 << 20),
				     net_rig_iova_base(&self->info), 0);
	if (!ret) {
		self->have_vq = true;
		ret = virtq_init(&self->vq, &self->gm, 0, 128);
	}
	if (!ret) {
		self->req = guest_mem_alloc(&self->gm, INFLIGHT * sizeof(*self->req), 64);
		self->data = guest_mem_alloc(&self->gm, TOTAL, 4096);
		self->pattern = malloc(TOTAL);
		ret = self->req && self->data && self->pattern ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = evwait_init(&self->w);
	if (!ret)
		ret = evwait_add(&self->w, self->vq.call_fd) < 0 ? -EINVAL : 0;
	if (!ret) {
		vqs[0] = &self->vq;
		ret = vub_bringup(self->fd, VF_VERSION_1 | VF_ACCESS_PLATFORM |
				  VBF_FLUSH, &self->gm, vqs, 1);
	}
	if (ret) {
		if (self->fd >= 0)
			close(self->fd);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_EQ(0, ret) TH_LOG("setup: %s (%s)", strerror(-ret), vub_env_err());
}

FIXTURE_TEARDOWN(blk)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->w.epfd > 0)
		evwait_destroy(&self->w);
	if (self->have_vq)
		virtq_destroy(&self->vq);
	guest_mem_destroy(&self->gm);
	free(self->pattern);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

/* Request sizes: 512 B .. 128 KiB, sector multiples, varied. */
static uint32_t req_size(uint32_t i, uint32_t salt)
{
	static const uint32_t sizes[] = { 512, 4096, 131072, 1536, 65536,
					  8192, 3584, 32768, 12288, 512 * 37 };

	return sizes[(i * 7 + salt) % (sizeof(sizes) / sizeof(sizes[0]))];
}

/*
 * Move the whole TOTAL bytes as @type requests, up to INFLIGHT at once,
 * each request's data at the same offset in self->data as on disk.
 * Returns 0 or a message in @err.
 */
static int transfer(FIXTURE_DATA(blk) *self, uint32_t type, uint32_t salt,
		    char *err, size_t cap)
{
	uint32_t off = 0, i = 0, done = 0, issued = 0, len;
	bool slot_busy[INFLIGHT] = { false };

	while (done < issued || off < TOTAL) {
		bool added = false;
		void *t;

		while (off < TOTAL) {
			uint32_t s, n = req_size(i, salt);
			int ret;

			for (s = 0; s < INFLIGHT && slot_busy[s]; s++)
				;
			if (s == INFLIGHT)
				break;
			if (n > TOTAL - off)
				n = TOTAL - off;
			ret = blk_req_queue(&self->vq, &self->req[s], type,
					    off / BLK_SECTOR, self->data + off, n);
			if (ret == -ENOSPC)
				break;
			if (ret < 0) {
				snprintf(err, cap, "queue request: %s", strerror(-ret));
				return -1;
			}
			slot_busy[s] = true;
			off += n;
			i++;
			issued++;
			added = true;
		}
		if (added)
			virtq_kick_if_needed(&self->vq);
		while ((t = virtq_get_used(&self->vq, &len))) {
			struct blk_req *r = t;

			if (r->status != VIRTIO_BLK_S_OK) {
				snprintf(err, cap, "request at sector %llu: status %u",
					 (unsigned long long)le64toh(r->hdr.sector),
					 r->status);
				return -1;
			}
			slot_busy[r - self->req] = false;
			done++;
		}
		if (self->vq.broken) {
			snprintf(err, cap, "used ring holds an unknown head");
			return -1;
		}
		if (done < issued && !added &&
		    evwait_wait(&self->w, WAIT_MS) == -ETIMEDOUT &&
		    virtq_device_used_idx(&self->vq) == self->vq.last_used) {
			snprintf(err, cap, "no completion for %d ms (%u of %u done)",
				 WAIT_MS, done, issued);
			return -1;
		}
	}
	return 0;
}

/* One synchronous request; returns its status or -1. */
static int one_req(FIXTURE_DATA(blk) *self, uint32_t type, void *data,
		   uint32_t len, uint32_t *used_len)
{
	uint32_t l = 0;
	void *t;

	if (blk_req_queue(&self->vq, &self->req[0], type, 0, data, len) < 0)
		return -1;
	virtq_kick(&self->vq);
	while (!(t = virtq_get_used(&self->vq, &l)))
		if (evwait_wait(&self->w, WAIT_MS) == -ETIMEDOUT &&
		    virtq_device_used_idx(&self->vq) == self->vq.last_used)
			return -1;
	if (used_len)
		*used_len = l;
	return self->req[0].status;
}

TEST_F_TIMEOUT(blk, write_read_4mib, 300)
{
	char err[256];
	size_t i;

	EXPECT_EQ(2u, self->info.device_id);
	blk_pattern(self->pattern, 0, TOTAL, 0x5eed0000u + variant->batch_mapping);
	memcpy(self->data, self->pattern, TOTAL);
	ASSERT_EQ(0, transfer(self, VIRTIO_BLK_T_OUT, 0, err, sizeof(err)))
		TH_LOG("write: %s", err);
	memset(self->data, 0xee, TOTAL);
	ASSERT_EQ(0, transfer(self, VIRTIO_BLK_T_IN, 3, err, sizeof(err)))
		TH_LOG("read: %s", err);
	for (i = 0; i < TOTAL && self->data[i] == self->pattern[i]; i++)
		;
	EXPECT_EQ(TOTAL, i) TH_LOG("first difference at byte %zu (sector %zu)",
				   i, i / BLK_SECTOR);
	/* overwrite part of it and read back again */
	blk_pattern(self->pattern, 0, TOTAL / 2, 0xabcdu);
	memcpy(self->data, self->pattern, TOTAL);
	ASSERT_EQ(0, transfer(self, VIRTIO_BLK_T_OUT, 5, err, sizeof(err)))
		TH_LOG("rewrite: %s", err);
	memset(self->data, 0, TOTAL);
	ASSERT_EQ(0, transfer(self, VIRTIO_BLK_T_IN, 1, err, sizeof(err)))
		TH_LOG("reread: %s", err);
	EXPECT_EQ(0, memcmp(self->data, self->pattern, TOTAL));
}

TEST_F(blk, flush_and_get_id)
{
	uint8_t *id = guest_mem_alloc(&self->gm, VIRTIO_BLK_ID_BYTES, 64);
	uint32_t len = 0;

	ASSERT_NE(NULL, id);
	EXPECT_EQ(VIRTIO_BLK_S_OK, one_req(self, VIRTIO_BLK_T_FLUSH, NULL, 0, &len));
	EXPECT_EQ(1u, len);	/* just the status byte */
	memset(id, 0xff, VIRTIO_BLK_ID_BYTES);
	EXPECT_EQ(VIRTIO_BLK_S_OK, one_req(self, VIRTIO_BLK_T_GET_ID, id,
					   VIRTIO_BLK_ID_BYTES, &len));
	EXPECT_LT(1u, len);
	EXPECT_NE(0, id[0]);
	EXPECT_NE(0xff, id[0]);
	TH_LOG("device id: '%.*s'", VIRTIO_BLK_ID_BYTES, (char *)id);
}

TEST_HARNESS_MAIN
