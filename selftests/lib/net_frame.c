// SPDX-License-Identifier: GPL-2.0
/* virtio-net header and test-frame builder. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net_frame.h"

size_t net_frame_len(uint32_t seq)
{
	/* A spread hitting both ends: 60, 1514, and a walk in between. */
	switch (seq % 8) {
	case 0:
		return NET_FRAME_MIN;
	case 1:
		return NET_FRAME_MAX;
	default:
		return NET_FRAME_MIN +
		       (seq * 2654435761u) % (NET_FRAME_MAX - NET_FRAME_MIN + 1);
	}
}

size_t net_frame_build(uint8_t *buf, size_t cap, const uint8_t dst[6],
		       const uint8_t src[6], uint32_t seq, size_t frame_len)
{
	uint8_t *f = buf + VNET_HDR_LEN;
	uint32_t x = seq * 0x9e3779b9u + 1;
	size_t i;

	if (frame_len < NET_FRAME_MIN || frame_len > NET_FRAME_MAX ||
	    cap < VNET_HDR_LEN + frame_len)
		return 0;
	memset(buf, 0, VNET_HDR_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = NET_FRAME_ETHERTYPE >> 8;
	f[13] = NET_FRAME_ETHERTYPE & 0xff;
	f[14] = (uint8_t)(seq >> 24);
	f[15] = (uint8_t)(seq >> 16);
	f[16] = (uint8_t)(seq >> 8);
	f[17] = (uint8_t)seq;
	for (i = 18; i < frame_len; i++) {
		/* xorshift32: every byte depends on seq and position */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		f[i] = (uint8_t)x;
	}
	return VNET_HDR_LEN + frame_len;
}

uint32_t net_frame_seq(const uint8_t *frame, size_t len)
{
	if (len < 18)
		return UINT32_MAX;
	return (uint32_t)frame[14] << 24 | (uint32_t)frame[15] << 16 |
	       (uint32_t)frame[16] << 8 | frame[17];
}

int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

void mac_format(const uint8_t mac[6], char *out)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}
