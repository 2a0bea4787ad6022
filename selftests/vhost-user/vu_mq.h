/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vu_mq.h - a multi-queue virtio-net front-end for the VM tests, replaying
 * the vhost-user messages of a real VMM in their order, flags included,
 * with the test acting as the guest's virtio_net driver: RX/TX rings of
 * several pairs, the guest's control queue when the VMM hands it to the
 * back-end, frames counted per RX queue.
 *
 * The sequences, from the VMMs' sources (Documentation/test-bed.rst):
 *  - crosvm (devices/src/virtio/vhost_user_frontend/mod.rs): SET_OWNER,
 *    GET_FEATURES, GET/SET_PROTOCOL_FEATURES, SET_BACKEND_REQ_FD,
 *    GET_QUEUE_NUM (the total queue count); the guest's config reads, each
 *    a GET_CONFIG; at activation SET_FEATURES, SET_MEM_TABLE, then ring
 *    after ring NUM, ADDR, BASE, CALL, KICK, ENABLE, the control queue
 *    among them; reset: ENABLE 0 and GET_VRING_BASE per ring. NEED_REPLY
 *    is never set.
 *  - cloud-hypervisor (virtio-devices/src/vhost_user/net.rs,
 *    vu_common_ctrl.rs): SET_OWNER, GET_FEATURES, GET/SET_PROTOCOL_FEATURES,
 *    then NEED_REPLY on every message: GET_QUEUE_NUM, GET_CONFIG of the
 *    whole config; at activation SET_FEATURES (CTRL_VQ and MQ included),
 *    SET_MEM_TABLE, NUM of every data ring, ADDR, BASE, CALL, KICK per
 *    ring, ENABLE of every ring. The control queue stays in the VMM, which
 *    answers VQ_PAIRS_SET itself (net_util ctrl_queue.rs): the back-end
 *    never sees it.
 *  - "qemu": QEMU's order with STATUS (hw/virtio/vhost-user.c, vhost.c):
 *    CTRL_VQ never acknowledged, pairs enabled with SET_VRING_ENABLE,
 *    SET_STATUS DRIVER_OK last.
 */
#ifndef VUBT_VU_MQ_H
#define VUBT_VU_MQ_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtq.h"
#include "vu_frontend.h"

#define VMQ_PAIRS	4
#define VMQ_QSIZE	64

enum vmq_vmm { VMQ_CROSVM, VMQ_CLOUD_HYPERVISOR, VMQ_QEMU };

struct vmq {
	enum vmq_vmm vmm;
	struct vu_fe fe;
	struct guest_mem gm;
	struct virtq rx[VMQ_PAIRS], tx[VMQ_PAIRS], ctrl;
	uint8_t *cmd;			/* control command buffers */
	unsigned int pairs;		/* pairs of rings set up */
	bool ctrl_up;			/* the control queue handed over */
	bool need_reply;		/* NEED_REPLY on every message */
	uint64_t acked;			/* what the guest acknowledged */
	uint64_t queue_num;		/* GET_QUEUE_NUM */
	uint16_t max_pairs;		/* the config space's */
	uint8_t mac[6];			/* the config space's */
	unsigned int ours[VMQ_PAIRS];	/* flow frames received per RX queue */
	unsigned int other[VMQ_PAIRS];
	bool up;
	char err[256];
};

void vmq_init(struct vmq *m, enum vmq_vmm vmm);
void vmq_fini(struct vmq *m);
/* Connect to @path and replay the VMM's connection; the guest's features
 * @want (acknowledged later). */
int vmq_connect(struct vmq *m, const char *path, uint64_t want);
/* Guest memory and rings of @pairs pairs (+ the control queue at index
 * 2 * max_pairs when the guest acknowledged CTRL_VQ). */
int vmq_rings(struct vmq *m, unsigned int pairs);
/* The VMM's activation (DRIVER_OK in the guest), RX buffers posted. */
int vmq_activate(struct vmq *m);
/* The VMM's reset: every ring stopped. */
int vmq_stop(struct vmq *m);
/* A command on the guest's control queue; its ack byte in @ack. */
int vmq_ctrl(struct vmq *m, uint8_t class, uint8_t cmd, const void *data,
	     uint32_t len, uint8_t *ack);
/* Take what arrived on every RX queue into ours[]/other[], repost. */
int vmq_poll_rx(struct vmq *m);
/* One message the VMM's way (NEED_REPLY as it does); explicit replies
 * into @reply. */
int vmq_call(struct vmq *m, uint32_t req, const void *payload, uint32_t len,
	     const int *fds, unsigned int nfds, void *reply, uint32_t *rlen);

#endif /* VUBT_VU_MQ_H */
