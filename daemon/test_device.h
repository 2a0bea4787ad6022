/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_device.h - a software device behind the device interface, for the
 * host tests and the fuzzer: it records every call, keeps the state a
 * device would (features, status, config, queue positions), and can move
 * frames from a TX ring to an RX ring in guest memory (a loopback net
 * device in software), so the engine's translation and stop/start logic
 * can be checked byte for byte without the kernel module.
 */
#ifndef VUB_TEST_DEVICE_H
#define VUB_TEST_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define TD_MAX_QUEUES	8
#define TD_CONFIG_SIZE	32

enum td_op {
	TD_OP_SET_FEATURES,
	TD_OP_READ_CONFIG,
	TD_OP_WRITE_CONFIG,
	TD_OP_SET_MEM_TABLE,
	TD_OP_ADD_MEM_REGION,
	TD_OP_REMOVE_MEM_REGION,
	TD_OP_START_QUEUE,
	TD_OP_STOP_QUEUE,
	TD_OP_SET_STATUS,
	TD_OP_RESET,
	TD_OP_SNAPSHOT,
	TD_OP_RESTORE,
	TD_OP_SET_BACKEND_REQ,
	TD_OP_SET_MTU,
	TD_OP_SEND_RARP,
	TD_OP_SET_OWNER_INFO,
	TD_OP_MAX
};

struct td_queue {
	bool started;
	struct vu_queue_cfg cfg;
	uint16_t last_avail;	/* next avail entry to consume */
	uint16_t used_idx;	/* next used entry to write */
};

struct test_device {
	struct vu_device base;
	uint64_t features;		/* offered */
	uint64_t protocol_features;	/* offered */
	uint64_t acked;
	uint8_t status;
	uint8_t config[TD_CONFIG_SIZE];
	int config_efd;
	int doorbell_fd;		/* memfd, one page per queue, or -1 */
	const struct vu_mem *mem;
	unsigned int nregions;
	struct td_queue q[TD_MAX_QUEUES];
	struct vu_backend_req *breq;
	unsigned int calls[TD_OP_MAX];
	int fail_op;			/* op that fails once, or -1 */
	int fail_errno;
	bool suspended;			/* status 0 since the last start */
	bool after_driver_ok_start;	/* a queue started after DRIVER_OK */
	uint16_t mtu;
	uint8_t rarp_mac[6];
	uint32_t frames;		/* loopback frames; in snapshots */
	struct vu_owner_info owner;	/* the last owner facts registered */
	unsigned int mem_delay_ms;	/* memory hooks take this long, as
					 * pinning a large VM does */
};

/* A net-like device: @nqueues queues, max ring size @max_size. */
struct test_device *test_device_new(const char *name, uint32_t nqueues,
				    uint32_t max_size, bool doorbells);
void test_device_free(struct test_device *td);
static inline struct vu_device *td_dev(struct test_device *td)
{
	return &td->base;
}
/* Signal a config change (the config-change fd becomes readable). */
void test_device_config_change(struct test_device *td, uint32_t off,
			       uint8_t value);
/*
 * Move frames from TX queue @txq to RX queue @rxq: each TX buffer chain's
 * bytes go into the next RX buffer chain. Signals both call fds. Returns
 * the frames moved, or -errno for a malformed ring.
 */
int test_device_loopback(struct test_device *td, uint32_t rxq, uint32_t txq);

#endif /* VUB_TEST_DEVICE_H */
