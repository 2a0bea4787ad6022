/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net header + Ethernet frame builder. A test frame carries a
 * sequence number and a payload derived from it, so a receiver can rebuild
 * the exact bytes it expects.
 */
#ifndef VUBT_NET_FRAME_H
#define VUBT_NET_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* With VIRTIO_F_VERSION_1 the header is struct virtio_net_hdr_v1. */
#define VNET_HDR_LEN		12
#define NET_FRAME_MIN		60
#define NET_FRAME_MAX		1514
#define NET_FRAME_ETHERTYPE	0x88b5	/* IEEE local experimental */
#define NET_BUF_LEN		(VNET_HDR_LEN + NET_FRAME_MAX)

/* Frame length (no header) for sequence number @seq: varies over 60..1514. */
size_t net_frame_len(uint32_t seq);

/*
 * Write a zeroed virtio-net header and then a frame of @frame_len bytes
 * (60..1514) from @src to @dst carrying @seq. Returns header + frame
 * length, or 0 if @cap is too small.
 */
size_t net_frame_build(uint8_t *buf, size_t cap, const uint8_t dst[6],
		       const uint8_t src[6], uint32_t seq, size_t frame_len);

/* Sequence number of a frame built above (@frame points past the header). */
uint32_t net_frame_seq(const uint8_t *frame, size_t len);

/* Parse "aa:bb:cc:dd:ee:ff". Returns 0 or -EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);
/* Format into @out (at least 18 bytes). */
void mac_format(const uint8_t mac[6], char *out);

#endif
