// SPDX-License-Identifier: GPL-2.0
/* Net traffic engine: numbered frames out on TX, verified back on RX. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_frame.h"
#include "net_loop.h"

/* Tokens are slot + 1 so that slot 0 is not NULL. */
#define SLOT_TOKEN(s)	((void *)(uintptr_t)((s) + 1))
#define TOKEN_SLOT(t)	((uint16_t)((uintptr_t)(t) - 1))

static size_t frame_len(const struct net_loop *nl, uint32_t seq)
{
	return nl->fixed_len ? nl->fixed_len : net_frame_len(seq);
}

static int alloc_bufs(struct virtq *vq, uint8_t ***bufs, uint16_t **stack)
{
	uint16_t i;

	*bufs = calloc(vq->size, sizeof(**bufs));
	*stack = calloc(vq->size, sizeof(**stack));
	if (!*bufs || !*stack)
		return -ENOMEM;
	for (i = 0; i < vq->size; i++) {
		(*bufs)[i] = guest_mem_alloc(vq->gm, NET_BUF_LEN, 64);
		if (!(*bufs)[i])
			return -ENOMEM;
		(*stack)[i] = (uint16_t)(vq->size - 1 - i);
	}
	return 0;
}

int net_loop_init(struct net_loop *nl, struct virtq *rx, struct virtq *tx,
		  const uint8_t dst[6], const uint8_t src[6], bool hdr_echoed)
{
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->w.epfd = -1;
	nl->rx = rx;
	nl->tx = tx;
	memcpy(nl->dst, dst, 6);
	memcpy(nl->src, src, 6);
	nl->hdr_echoed = hdr_echoed;
	ret = alloc_bufs(rx, &nl->rxbuf, &nl->rx_free);
	if (!ret)
		ret = alloc_bufs(tx, &nl->txbuf, &nl->tx_free);
	if (ret)
		goto err;
	nl->rx_nfree = rx->size;
	nl->tx_nfree = tx->size;
	ret = evwait_init(&nl->w);
	if (ret)
		goto err;
	if (evwait_add(&nl->w, rx->call_fd) < 0 ||
	    evwait_add(&nl->w, tx->call_fd) < 0) {
		ret = -EINVAL;
		goto err;
	}
	return 0;
err:
	snprintf(nl->err, sizeof(nl->err), "net_loop_init: %s", strerror(-ret));
	net_loop_destroy(nl);
	return ret;
}

void net_loop_destroy(struct net_loop *nl)
{
	free(nl->rxbuf);
	free(nl->txbuf);
	free(nl->rx_free);
	free(nl->tx_free);
	nl->rxbuf = nl->txbuf = NULL;
	nl->rx_free = nl->tx_free = NULL;
	if (nl->w.epfd > 0)
		evwait_destroy(&nl->w);
}

void net_loop_forget(struct net_loop *nl)
{
	uint16_t i;

	for (i = 0; i < nl->rx->size; i++)
		nl->rx_free[i] = (uint16_t)(nl->rx->size - 1 - i);
	for (i = 0; i < nl->tx->size; i++)
		nl->tx_free[i] = (uint16_t)(nl->tx->size - 1 - i);
	nl->rx_nfree = nl->rx->size;
	nl->tx_nfree = nl->tx->size;
	nl->rx_posted = 0;
	nl->tx_seq = nl->rx_seq;
}

int net_loop_post_rx(struct net_loop *nl)
{
	int n = 0;

	while (nl->rx_nfree) {
		uint16_t slot = nl->rx_free[nl->rx_nfree - 1];
		struct virtq_buf b = { nl->rxbuf[slot], NET_BUF_LEN, true };
		int ret = virtq_add(nl->rx, &b, 1, SLOT_TOKEN(slot));

		if (ret == -ENOSPC)
			break;
		if (ret < 0)
			return ret;
		nl->rx_nfree--;
		nl->rx_posted++;
		n++;
	}
	if (n)
		return virtq_kick_if_needed(nl->rx);
	return 0;
}

int net_loop_send(struct net_loop *nl, uint32_t max)
{
	uint32_t sent = 0;
	int ret;

	while (sent < max && nl->tx_nfree) {
		uint32_t inflight = nl->tx_seq - nl->rx_seq;
		uint16_t slot;
		struct virtq_buf b;
		size_t len;

		if (inflight >= nl->rx_posted)
			break;
		if (nl->max_inflight && inflight >= nl->max_inflight)
			break;
		slot = nl->tx_free[nl->tx_nfree - 1];
		len = net_frame_build(nl->txbuf[slot], NET_BUF_LEN, nl->dst,
				      nl->src, nl->tx_seq,
				      frame_len(nl, nl->tx_seq));
		b = (struct virtq_buf){ nl->txbuf[slot], (uint32_t)len, false };
		ret = virtq_add(nl->tx, &b, 1, SLOT_TOKEN(slot));
		if (ret == -ENOSPC)
			break;
		if (ret < 0)
			return ret;
		nl->tx_nfree--;
		nl->tx_seq++;
		sent++;
	}
	if (sent) {
		ret = virtq_kick_if_needed(nl->tx);
		if (ret)
			return ret;
	}
	return (int)sent;
}

static int check_frame(struct net_loop *nl, const uint8_t *buf, uint32_t len)
{
	uint8_t want[NET_BUF_LEN];
	size_t wlen = net_frame_build(want, sizeof(want), nl->dst, nl->src,
				      nl->rx_seq, frame_len(nl, nl->rx_seq));
	size_t off = nl->hdr_echoed ? 0 : VNET_HDR_LEN;
	uint32_t got_seq;
	size_t i;

	if (len != wlen) {
		got_seq = len > VNET_HDR_LEN ?
			  net_frame_seq(buf + VNET_HDR_LEN, len - VNET_HDR_LEN) :
			  UINT32_MAX;
		snprintf(nl->err, sizeof(nl->err),
			 "frame %u: length %u, expected %zu (seq field %u)",
			 nl->rx_seq, len, wlen, got_seq);
		return -EIO;
	}
	for (i = off; i < wlen; i++) {
		if (buf[i] != want[i]) {
			got_seq = net_frame_seq(buf + VNET_HDR_LEN,
						len - VNET_HDR_LEN);
			snprintf(nl->err, sizeof(nl->err),
				 "frame %u (len %u): byte %zu is 0x%02x, expected 0x%02x%s (seq field %u)",
				 nl->rx_seq, len, i, buf[i], want[i],
				 got_seq != nl->rx_seq ? ": out of order, lost or duplicated" : "",
				 got_seq);
			return -EIO;
		}
	}
	return 0;
}

int net_loop_reap(struct net_loop *nl)
{
	int got = 0, ret;
	uint32_t len;
	void *t;

	while ((t = virtq_get_used(nl->tx, &len)))
		nl->tx_free[nl->tx_nfree++] = TOKEN_SLOT(t);
	if (nl->tx->broken) {
		snprintf(nl->err, sizeof(nl->err), "TX used ring holds an unknown head");
		return -EIO;
	}
	while ((t = virtq_get_used(nl->rx, &len))) {
		uint16_t slot = TOKEN_SLOT(t);

		nl->rx_posted--;
		nl->rx_free[nl->rx_nfree++] = slot;
		if (nl->rx_seq == nl->tx_seq) {
			snprintf(nl->err, sizeof(nl->err),
				 "received a frame (len %u) with none in flight (duplicate?)",
				 len);
			return -EIO;
		}
		ret = check_frame(nl, nl->rxbuf[slot], len);
		if (ret)
			return ret;
		nl->rx_bytes += len;
		nl->rx_seq++;
		got++;
	}
	if (nl->rx->broken) {
		snprintf(nl->err, sizeof(nl->err), "RX used ring holds an unknown head");
		return -EIO;
	}
	if (got) {
		ret = net_loop_post_rx(nl);
		if (ret)
			return ret;
	}
	return got;
}

static int net_loop_until(struct net_loop *nl, uint32_t target, int timeout_ms)
{
	while ((int32_t)(nl->rx_seq - target) < 0) {
		int ret, progress = 0;

		if ((int32_t)(nl->tx_seq - target) < 0) {
			ret = net_loop_send(nl, target - nl->tx_seq);
			if (ret < 0)
				return ret;
			progress += ret;
		}
		ret = net_loop_reap(nl);
		if (ret < 0)
			return ret;
		progress += ret;
		if (progress)
			continue;
		nl->waits++;
		ret = evwait_wait(&nl->w, timeout_ms);
		if (ret == -ETIMEDOUT) {
			snprintf(nl->err, sizeof(nl->err),
				 "no progress for %d ms: sent %u, received %u, RX posted %u, TX used idx %u/%u, RX used idx %u/%u",
				 timeout_ms, nl->tx_seq, nl->rx_seq, nl->rx_posted,
				 virtq_device_used_idx(nl->tx), nl->tx->avail_idx,
				 virtq_device_used_idx(nl->rx), nl->rx->avail_idx);
			return ret;
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

int net_loop_run(struct net_loop *nl, uint32_t nframes, int timeout_ms)
{
	return net_loop_until(nl, nl->tx_seq + nframes, timeout_ms);
}

int net_loop_drain(struct net_loop *nl, int timeout_ms)
{
	return net_loop_until(nl, nl->tx_seq, timeout_ms);
}
