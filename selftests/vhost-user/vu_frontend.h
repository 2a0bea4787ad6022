/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vu_frontend.h - a minimal vhost-user front-end (a "VMM") for tests:
 * a real unix socket, SCM_RIGHTS fds, guest memory from memfds and
 * split virtqueues from selftests/lib, kicks and calls over eventfds.
 */
#ifndef VUBT_VU_FRONTEND_H
#define VUBT_VU_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "vhost_user.h"
#include "virtq.h"

struct vu_fe_msg {
	struct vu_hdr hdr;
	uint8_t payload[VU_PAYLOAD_MAX];
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

struct vu_fe {
	int sock;
	int breq;		/* our end of the back-end channel, or -1 */
	uint64_t offered;	/* GET_FEATURES */
	uint64_t features;	/* acknowledged */
	uint64_t offered_pf;
	uint64_t pf;		/* negotiated protocol features */
	int timeout_ms;		/* for replies */
	/* Called while waiting, for tests that run the back-end in the same
	 * thread; NULL when the back-end is another process. */
	void (*idle)(void *arg);
	void *idle_arg;
};

void vu_fe_init(struct vu_fe *fe, int sock);
/* Connect to @path, retrying until it exists or @timeout_ms passed. */
int vu_fe_connect(struct vu_fe *fe, const char *path, int timeout_ms);
void vu_fe_close(struct vu_fe *fe);

/* Raw message I/O. */
int vu_fe_send(struct vu_fe *fe, uint32_t req, uint32_t flags,
	       const void *payload, uint32_t len, const int *fds,
	       unsigned int nfds);
/* Receive one message from @fd (fe->sock or fe->breq): 0, -ETIMEDOUT, or
 * -EPIPE when the peer closed. Close m->fds yourself. */
int vu_fe_recv(struct vu_fe *fe, int fd, struct vu_fe_msg *m, int timeout_ms);
/* True if the peer closed @fe->sock (waits up to @timeout_ms). */
bool vu_fe_peer_closed(struct vu_fe *fe, int timeout_ms);

/*
 * Send a request and wait for its answer: the explicit reply of messages
 * that have one (copied to @reply, its size to @rlen), else, when
 * REPLY_ACK was negotiated, the ack (-EIO if the back-end reported
 * failure). 0 on success.
 */
int vu_fe_call(struct vu_fe *fe, uint32_t req, const void *payload,
	       uint32_t len, const int *fds, unsigned int nfds, void *reply,
	       uint32_t *rlen);
int vu_fe_get_u64(struct vu_fe *fe, uint32_t req, uint64_t *v);
int vu_fe_set_u64(struct vu_fe *fe, uint32_t req, uint64_t v);

/* GET_FEATURES, GET/SET_PROTOCOL_FEATURES, SET_OWNER, SET_FEATURES with
 * what was offered of @want (plus VHOST_USER_F_PROTOCOL_FEATURES). */
int vu_fe_negotiate(struct vu_fe *fe, uint64_t want, uint64_t want_pf);
int vu_fe_set_mem_table(struct vu_fe *fe, struct guest_mem *const *gms,
			unsigned int n);
int vu_fe_add_mem_reg(struct vu_fe *fe, const struct guest_mem *gm);
int vu_fe_rem_mem_reg(struct vu_fe *fe, const struct guest_mem *gm);
/* SET_VRING_NUM, _BASE (@base), _ADDR, _KICK, _CALL for @vq. */
int vu_fe_vring(struct vu_fe *fe, struct virtq *vq, uint16_t base);
int vu_fe_vring_fd(struct vu_fe *fe, uint32_t req, uint32_t idx, int fd);
int vu_fe_enable(struct vu_fe *fe, uint32_t idx, bool on);
int vu_fe_get_vring_base(struct vu_fe *fe, uint32_t idx, uint32_t *base);
int vu_fe_get_config(struct vu_fe *fe, uint32_t off, void *buf, uint32_t len);
/* socketpair, SET_BACKEND_REQ_FD; fe->breq is our end. */
int vu_fe_open_backend_channel(struct vu_fe *fe);
/* SET_DEVICE_STATE_FD + reading/writing the pipe + CHECK_DEVICE_STATE.
 * Return 0, -EIO when the back-end reported failure. */
int vu_fe_save_state(struct vu_fe *fe, uint8_t **blob, size_t *len);
int vu_fe_load_state(struct vu_fe *fe, const uint8_t *blob, size_t len);

#endif /* VUBT_VU_FRONTEND_H */
