// SPDX-License-Identifier: GPL-2.0
/*
 * wbuf.c - the growing byte buffer behind the daemon's records (wbuf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wbuf.h"

void wbuf_put(struct wbuf *b, const void *data, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

void wbuf_put_le(struct wbuf *b, uint64_t v, unsigned int bytes)
{
	uint8_t x[8];
	unsigned int i;

	for (i = 0; i < bytes && i < sizeof(x); i++)
		x[i] = (uint8_t)(v >> (8 * i));
	wbuf_put(b, x, i);
}
