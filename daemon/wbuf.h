/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wbuf.h - a growing byte buffer for the daemon's little-endian records
 * (device-state snapshots, handover records). An allocation failure is
 * sticky: later writes do nothing and @err says why, so a writer checks
 * once at the end.
 */
#ifndef VUB_WBUF_H
#define VUB_WBUF_H

#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err;	/* 0 or -ENOMEM */
};

/* Append @n bytes of @data, or @n zero bytes when @data is NULL. */
void wbuf_put(struct wbuf *b, const void *data, size_t n);
/* Append the low @bytes bytes of @v, least significant first. */
void wbuf_put_le(struct wbuf *b, uint64_t v, unsigned int bytes);

#endif
