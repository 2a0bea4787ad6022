/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conn.h - one vhost-user connection: message framing over a non-blocking
 * unix stream socket, fds from SCM_RIGHTS, and a bounded reply queue.
 */
#ifndef VUB_CONN_H
#define VUB_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_user.h"

/* Replies queued for a peer that does not read, before it is dropped. */
#define VU_CONN_OUT_MAX		(64u * 1024u)

struct vu_conn {
	int fd;
	struct vu_msg msg;	/* the message being received */
	uint32_t got;		/* bytes of header + payload received */
	uint8_t *out;		/* replies not yet written */
	size_t out_len;
	size_t out_off;
};

enum vu_recv_result {
	VU_RECV_ERROR = -2,	/* broken framing or socket error: @why set */
	VU_RECV_EOF = -1,	/* peer closed between messages */
	VU_RECV_AGAIN = 0,	/* need more bytes */
	VU_RECV_MSG = 1,	/* c->msg holds one complete message */
};

void vu_conn_init(struct vu_conn *c, int fd);
/* Close the socket, any fds of a partial message, drop the queue. */
void vu_conn_close(struct vu_conn *c);

/* Receive until one message is complete or the socket would block. */
int vu_conn_recv(struct vu_conn *c, char *why, size_t whylen);
/* After VU_RECV_MSG: close fds the handler did not take, reset framing. */
void vu_conn_msg_done(struct vu_conn *c);

/*
 * Queue a message (header + payload) and write what the socket takes.
 * Returns 0, or -ENOBUFS when the peer left more than VU_CONN_OUT_MAX
 * unread, or another -errno from the socket.
 */
int vu_conn_send(struct vu_conn *c, uint32_t request, uint32_t flags,
		 const void *payload, uint32_t len);
/* Write queued bytes: 0 all written, 1 some left, -errno. */
int vu_conn_flush(struct vu_conn *c);
static inline bool vu_conn_pending(const struct vu_conn *c)
{
	return c->out_len > c->out_off;
}

/*
 * Send one complete message with fds on a socket we do not own the
 * blocking mode of (the back-end request channel): MSG_DONTWAIT, and a
 * message is sent whole or not at all (-EAGAIN), else the channel is
 * broken (-EPIPE).
 */
int vu_sock_send_msg(int fd, uint32_t request, uint32_t flags,
		     const void *payload, uint32_t len, const int *fds,
		     unsigned int nfds);

#endif /* VUB_CONN_H */
