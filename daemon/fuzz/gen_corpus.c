// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus.c - write the fuzzer's seed corpus (fuzz_input.h format):
 * a well-formed session through every implemented message, the rejected
 * messages, state transfers with a valid blob, and malformed framing.
 * Usage: gen_corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../state.h"
#include "../vhost_user.h"
#include "fuzz_input.h"

static uint8_t buf[65536];
static size_t len;
static unsigned int nseeds;
static const char *dir;

static void put(const void *p, size_t n)
{
	if (len + n > sizeof(buf))
		exit(1);
	if (n)
		memcpy(buf + len, p, n);
	len += n;
}

/* One chunk carrying one message. */
static void msg_pipe(uint32_t req, uint32_t flags, const void *payload,
		     uint32_t size, unsigned int kind, unsigned int nfds,
		     const void *pdata, uint16_t plen)
{
	struct vu_hdr h = { req, flags ? flags : VU_VERSION, size };
	uint16_t l = (uint16_t)(sizeof(h) + size);
	uint8_t spec = (uint8_t)(kind << 4 | nfds);

	put(&spec, 1);
	put(&l, 2);
	if (kind == FZ_FD_PIPE) {
		put(&plen, 2);
		put(pdata, plen);
	}
	put(&h, sizeof(h));
	put(payload, size);
}

static void msg(uint32_t req, const void *payload, uint32_t size,
		unsigned int kind, unsigned int nfds)
{
	msg_pipe(req, 0, payload, size, kind, nfds, NULL, 0);
}

static void msg64(uint32_t req, uint64_t v)
{
	msg(req, &v, 8, 0, 0);
}

static void state(uint32_t req, uint32_t idx, uint32_t num)
{
	struct vu_vring_state st = { idx, num };

	msg(req, &st, sizeof(st), 0, 0);
}

static void seed(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%02u-%s", dir, nseeds++, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	len = 0;
}

#define UADDR	0x7f0000000000ull
#define RING(q)	(UADDR + 0x1000ull * 4 * (q))

/* What the seeds negotiate: everything the test device offers, or (for
 * fuzz_vdpa) what every simulated vDPA device offers. */
static uint64_t want_pf = VU_PF_ENGINE_SUPPORTED;
static uint64_t want_f = 1ull << 32 | 1ull << 3;

static void negotiate(void)
{
	msg(VU_GET_FEATURES, NULL, 0, 0, 0);
	msg(VU_GET_PROTOCOL_FEATURES, NULL, 0, 0, 0);
	msg64(VU_SET_PROTOCOL_FEATURES, want_pf);
	msg(VU_GET_QUEUE_NUM, NULL, 0, 0, 0);
	msg(VU_SET_OWNER, NULL, 0, 0, 0);
	msg64(VU_SET_FEATURES, want_f | 1ull << VU_F_PROTOCOL_FEATURES);
}

static void mem_table(void)
{
	struct vu_mem_table t = { .nregions = 1 };

	t.regions[0] = (struct vu_region){ 0, FZ_MEMFD_SIZE, UADDR, 0 };
	msg(VU_SET_MEM_TABLE, &t, VU_MEM_TABLE_HDR + sizeof(t.regions[0]),
	    FZ_FD_MEMFD, 1);
}

static void vring(uint32_t q)
{
	struct vu_vring_addr a = { .index = q, .desc = RING(q),
				   .avail = RING(q) + 0x1000,
				   .used = RING(q) + 0x2000 };

	state(VU_SET_VRING_NUM, q, 64);
	state(VU_SET_VRING_BASE, q, 0);
	msg(VU_SET_VRING_ADDR, &a, sizeof(a), 0, 0);
	msg(VU_SET_VRING_CALL, &(uint64_t){ q }, 8, FZ_FD_EVENTFD, 1);
	msg(VU_SET_VRING_KICK, &(uint64_t){ q }, 8, FZ_FD_EVENTFD, 1);
	msg(VU_SET_VRING_ERR, &(uint64_t){ q | VU_VRING_NOFD }, 8, 0, 0);
	state(VU_SET_VRING_ENABLE, q, 1);
}

int main(int argc, char **argv)
{
	struct vu_state *st = calloc(1, sizeof(*st));
	struct vu_config c = { .offset = 0, .size = 8 };
	struct vu_single_region r = { 0, { 1 << 20, FZ_MEMFD_SIZE,
					   UADDR + (1 << 20), 0 } };
	struct vu_state_xfer save = { VU_STATE_DIR_SAVE, 0 };
	struct vu_state_xfer load = { VU_STATE_DIR_LOAD, 0 };
	uint8_t *blob = NULL;
	size_t blen = 0;
	uint32_t req;

	if (argc < 2 || argc > 3 || !st ||
	    (argc == 3 && strcmp(argv[2], "vdpa"))) {
		fprintf(stderr, "usage: gen_corpus DIR [vdpa]\n");
		return 2;
	}
	dir = argv[1];
	if (argc == 3) {
		want_pf = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |
			  VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_BACKEND_REQ) |
			  VU_PF(VU_PF_BACKEND_SEND_FD) |
			  VU_PF(VU_PF_RESET_DEVICE) |
			  VU_PF(VU_PF_CONFIGURE_MEM_SLOTS) |
			  VU_PF(VU_PF_STATUS) | VU_PF(VU_PF_DEVICE_STATE);
		want_f = 1ull << 32;
	}

	negotiate();
	seed("negotiate");

	negotiate();
	mem_table();
	vring(0);
	vring(1);
	msg64(VU_SET_STATUS, 0xf);
	msg(VU_GET_STATUS, NULL, 0, 0, 0);
	msg(VU_GET_CONFIG, &c, VU_CONFIG_HDR + 8, 0, 0);
	msg(VU_SET_CONFIG, &c, VU_CONFIG_HDR + 8, 0, 0);
	msg(VU_SET_BACKEND_REQ_FD, NULL, 0, FZ_FD_SOCKET, 1);
	msg(VU_GET_MAX_MEM_SLOTS, NULL, 0, 0, 0);
	msg(VU_ADD_MEM_REG, &r, sizeof(r), FZ_FD_MEMFD, 1);
	msg(VU_REM_MEM_REG, &r, sizeof(r), 0, 0);
	msg64(VU_NET_SET_MTU, 1500);
	msg64(VU_SEND_RARP, 0x0504030201);
	state(VU_GET_VRING_BASE, 0, 0);
	state(VU_GET_VRING_BASE, 1, 0);
	msg(VU_SET_DEVICE_STATE_FD, &save, sizeof(save), FZ_FD_PIPE_W, 1);
	msg(VU_CHECK_DEVICE_STATE, NULL, 0, 0, 0);
	msg(VU_RESET_DEVICE, NULL, 0, 0, 0);
	msg(VU_RESET_OWNER, NULL, 0, 0, 0);
	seed("full-session");

	st->device_id = 1;
	st->num_queues = 4;
	st->features = 1ull << 32;
	st->nqueues = 2;
	st->queues[0].pos.avail_idx = 77;
	st->queues[1].index = 1;
	st->devdata_len = 4;
	if (vu_state_encode(st, &blob, &blen))
		return 1;
	negotiate();
	msg_pipe(VU_SET_DEVICE_STATE_FD, 0, &load, sizeof(load), FZ_FD_PIPE,
		 1, blob, (uint16_t)blen);
	msg(VU_CHECK_DEVICE_STATE, NULL, 0, 0, 0);
	state(VU_GET_VRING_BASE, 0, 0);
	seed("state-load");

	negotiate();
	blob[20] ^= 1;
	msg_pipe(VU_SET_DEVICE_STATE_FD, 0, &load, sizeof(load), FZ_FD_PIPE,
		 1, blob, (uint16_t)blen);
	msg(VU_CHECK_DEVICE_STATE, NULL, 0, 0, 0);
	seed("state-corrupt");

	for (req = 1; req <= VU_GET_SHMEM_CONFIG; req++) {
		negotiate();
		msg_pipe(req, VU_VERSION | VU_FLAG_NEED_REPLY, &(uint64_t){ 0 },
			 8, 0, 0, NULL, 0);
		seed("each-request");
	}

	/* framing */
	negotiate();
	msg(VU_SET_OWNER, NULL, 0, FZ_FD_EVENTFD, 10);
	seed("too-many-fds");
	msg(VU_SET_MEM_TABLE, &(struct vu_mem_table){ .nregions = 2 },
	    VU_MEM_TABLE_HDR + 64, FZ_FD_PIPE, 2);
	seed("unmappable");
	put(&(uint8_t){ 0 }, 1);
	put(&(uint16_t){ 8 }, 2);
	put(&(struct vu_hdr){ VU_GET_FEATURES, VU_VERSION, 5000 }, 8);
	seed("oversized");
	free(blob);
	free(st);
	printf("%u seeds in %s\n", nseeds, dir);
	return 0;
}
