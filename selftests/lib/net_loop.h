/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Net traffic engine: sends numbered test frames on a TX queue and checks
 * that they come back on an RX queue byte-for-byte and in order.
 *
 * Flow control keeps the frames in flight at most the RX buffers posted,
 * so a device that drops frames when RX is empty (vdpa_sim_net) never has
 * to. Waiting is on the call eventfds only (epoll with a deadline).
 * The TX and RX queues may live on different devices and memories.
 */
#ifndef VUBT_NET_LOOP_H
#define VUBT_NET_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "evwait.h"
#include "virtq.h"

struct net_loop {
	struct virtq *rx, *tx;
	uint8_t dst[6], src[6];
	/*
	 * true: the device hands back the sent buffer, header included
	 * (vdpa_sim_net); false: the receiver writes its own header, only
	 * the frame is compared (a real NIC, QEMU's virtio-net).
	 */
	bool hdr_echoed;
	uint8_t **rxbuf;	/* per RX slot */
	uint8_t **txbuf;	/* per TX slot */
	uint16_t *rx_free;	/* stack of free RX slots */
	uint16_t *tx_free;	/* stack of free TX slots */
	uint16_t rx_nfree, tx_nfree;
	uint32_t tx_seq;	/* next sequence number to send */
	uint32_t rx_seq;	/* next sequence number expected */
	uint32_t rx_posted;	/* RX buffers owned by the device */
	uint32_t max_inflight;	/* cap on frames in flight, 0 = no cap */
	uint32_t fixed_len;	/* frame length, 0 = net_frame_len(seq) */
	uint64_t rx_bytes;
	uint64_t waits;		/* epoll sleeps taken */
	struct evwait w;
	char err[256];		/* why the last call failed */
};

/* Allocate buffers in each queue's guest memory. Returns 0 or -errno. */
int net_loop_init(struct net_loop *nl, struct virtq *rx, struct virtq *tx,
		  const uint8_t dst[6], const uint8_t src[6], bool hdr_echoed);
void net_loop_destroy(struct net_loop *nl);

/* Post every free RX buffer and kick RX. Returns 0 or -errno. */
int net_loop_post_rx(struct net_loop *nl);
/*
 * Queue up to @max frames (flow control permitting) and kick TX once.
 * Returns the number queued or -errno.
 */
int net_loop_send(struct net_loop *nl, uint32_t max);
/*
 * Collect used TX and RX buffers, verify received frames, repost RX.
 * Returns the number of frames received or -EIO (mismatch; see @err).
 */
int net_loop_reap(struct net_loop *nl);
/*
 * Send @nframes more frames and wait until all of them are back, each
 * wait at most @timeout_ms without progress. Returns 0, -ETIMEDOUT or
 * -EIO with @err set.
 */
int net_loop_run(struct net_loop *nl, uint32_t nframes, int timeout_ms);
/*
 * Wait until every frame sent so far is back. Same returns as above.
 */
int net_loop_drain(struct net_loop *nl, int timeout_ms);

/* Forget all buffers after the rings were reset by the caller. */
void net_loop_forget(struct net_loop *nl);

#endif
