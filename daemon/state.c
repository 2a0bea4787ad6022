// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - the snapshot format (see state.h): encoder and decoder.
 *
 * A blob comes from the front-end and is hostile: every length is checked
 * against what is left before anything is read, the CRC is checked
 * before any section is interpreted, and nothing in it is applied before
 * all of it was found consistent with this device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "wbuf.h"

#define HDR_SIZE	16u
#define SEC_HDR		8u
#define QUEUE_SIZE	24u

uint32_t vu_crc32(const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

#define put_u16(b, v)	wbuf_put_le(b, v, 2)
#define put_u32(b, v)	wbuf_put_le(b, v, 4)
#define put_u64(b, v)	wbuf_put_le(b, v, 8)

static void sec_begin(struct wbuf *b, uint16_t type, uint16_t flags,
		      uint32_t len)
{
	put_u16(b, type);
	put_u16(b, flags);
	put_u32(b, len);
}

static void sec_pad(struct wbuf *b, uint32_t len)
{
	wbuf_put(b, NULL, (8 - len % 8) % 8);
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return get_u16(p) | (uint32_t)get_u16(p + 2) << 16;
}

static uint64_t get_u64(const uint8_t *p)
{
	return get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

int vu_state_encode(const struct vu_state *st, uint8_t **out, size_t *len)
{
	struct wbuf b = { 0 };
	uint32_t i, crc;

	if (st->nqueues > VU_STATE_MAX_QUEUES ||
	    st->config_len > VU_MAX_CONFIG_SIZE ||
	    st->devdata_len > VU_STATE_MAX_DEVDATA)
		return -EINVAL;
	put_u32(&b, VU_STATE_MAGIC);
	put_u16(&b, VU_STATE_VERSION);
	put_u16(&b, HDR_SIZE);
	put_u32(&b, 0);			/* total size, patched below */
	put_u32(&b, 5 + st->nqueues);	/* section count */

	sec_begin(&b, VU_SEC_DEVICE, VU_SEC_F_REQUIRED, 8);
	put_u32(&b, st->device_id);
	put_u32(&b, st->num_queues);

	sec_begin(&b, VU_SEC_FEATURES, VU_SEC_F_REQUIRED, 16);
	put_u64(&b, st->features);
	put_u64(&b, st->protocol_features);

	sec_begin(&b, VU_SEC_STATUS, 0, 1);
	wbuf_put(&b, &st->status, 1);
	sec_pad(&b, 1);

	sec_begin(&b, VU_SEC_CONFIG, 0, st->config_len);
	wbuf_put(&b, st->config, st->config_len);
	sec_pad(&b, st->config_len);

	for (i = 0; i < st->nqueues; i++) {
		const struct vu_state_queue *q = &st->queues[i];

		sec_begin(&b, VU_SEC_QUEUE, VU_SEC_F_REQUIRED, QUEUE_SIZE);
		put_u32(&b, q->index);
		put_u32(&b, q->size);
		put_u32(&b, q->flags);
		put_u32(&b, 0);
		put_u16(&b, q->pos.avail_idx);
		put_u16(&b, q->pos.avail_wrap);
		put_u16(&b, q->pos.used_idx);
		put_u16(&b, q->pos.used_wrap);
	}

	sec_begin(&b, VU_SEC_DEVICE_DATA, VU_SEC_F_REQUIRED, st->devdata_len);
	wbuf_put(&b, st->devdata, st->devdata_len);
	sec_pad(&b, st->devdata_len);

	put_u32(&b, 0);			/* CRC, patched below */
	if (b.err) {
		free(b.p);
		return b.err;
	}
	b.p[8] = (uint8_t)b.len;
	b.p[9] = (uint8_t)(b.len >> 8);
	b.p[10] = (uint8_t)(b.len >> 16);
	b.p[11] = (uint8_t)(b.len >> 24);
	crc = vu_crc32(b.p, b.len - 4);
	b.p[b.len - 4] = (uint8_t)crc;
	b.p[b.len - 3] = (uint8_t)(crc >> 8);
	b.p[b.len - 2] = (uint8_t)(crc >> 16);
	b.p[b.len - 1] = (uint8_t)(crc >> 24);
	*out = b.p;
	*len = b.len;
	return 0;
}

#define BAD(...)	do {						\
		snprintf(why, whylen, __VA_ARGS__);			\
		return -EINVAL;						\
	} while (0)

int vu_state_decode(const uint8_t *buf, size_t len, struct vu_state *st,
		    char *why, size_t whylen)
{
	uint32_t version, hsize, total, count, i, crc;
	bool have_dev = false, have_feat = false;
	size_t off;

	memset(st, 0, sizeof(*st));
	if (len < HDR_SIZE + 4)
		BAD("truncated: %zu bytes, a state has at least %u", len,
		    HDR_SIZE + 4);
	if (get_u32(buf) != VU_STATE_MAGIC)
		BAD("not a vubridge device state (magic 0x%08x)", get_u32(buf));
	version = get_u16(buf + 4);
	if (version != VU_STATE_VERSION)
		BAD("unsupported state version %u (this daemon reads version %u)",
		    version, VU_STATE_VERSION);
	hsize = get_u16(buf + 6);
	total = get_u32(buf + 8);
	count = get_u32(buf + 12);
	if (hsize < HDR_SIZE || hsize > len - 4)
		BAD("bad header size %u", hsize);
	if (total != len)
		BAD("truncated or padded: header says %u bytes, got %zu", total,
		    len);
	crc = vu_crc32(buf, len - 4);
	if (crc != get_u32(buf + len - 4))
		BAD("checksum mismatch (stored 0x%08x, computed 0x%08x): corrupted",
		    get_u32(buf + len - 4), crc);
	off = hsize;
	for (i = 0; i < count; i++) {
		uint32_t type, flags, slen;
		const uint8_t *v;

		if (len - 4 - off < SEC_HDR)
			BAD("section %u: header truncated", i);
		type = get_u16(buf + off);
		flags = get_u16(buf + off + 2);
		slen = get_u32(buf + off + 4);
		off += SEC_HDR;
		if (slen > len - 4 - off)
			BAD("section %u (type %u): %u bytes, only %zu left", i,
			    type, slen, len - 4 - off);
		v = buf + off;
		switch (type) {
		case VU_SEC_DEVICE:
			if (slen != 8)
				BAD("DEVICE section of %u bytes", slen);
			st->device_id = get_u32(v);
			st->num_queues = get_u32(v + 4);
			have_dev = true;
			break;
		case VU_SEC_FEATURES:
			if (slen != 16)
				BAD("FEATURES section of %u bytes", slen);
			st->features = get_u64(v);
			st->protocol_features = get_u64(v + 8);
			have_feat = true;
			break;
		case VU_SEC_STATUS:
			if (slen != 1)
				BAD("STATUS section of %u bytes", slen);
			st->status = v[0];
			break;
		case VU_SEC_CONFIG:
			if (slen > VU_MAX_CONFIG_SIZE)
				BAD("CONFIG section of %u bytes, at most %u",
				    slen, VU_MAX_CONFIG_SIZE);
			memcpy(st->config, v, slen);
			st->config_len = slen;
			break;
		case VU_SEC_QUEUE: {
			struct vu_state_queue *q;

			if (slen != QUEUE_SIZE)
				BAD("QUEUE section of %u bytes", slen);
			if (st->nqueues >= VU_STATE_MAX_QUEUES)
				BAD("more than %u queues", VU_STATE_MAX_QUEUES);
			q = &st->queues[st->nqueues++];
			q->index = get_u32(v);
			q->size = get_u32(v + 4);
			q->flags = get_u32(v + 8);
			q->pos.avail_idx = get_u16(v + 16);
			q->pos.avail_wrap = get_u16(v + 18);
			q->pos.used_idx = get_u16(v + 20);
			q->pos.used_wrap = get_u16(v + 22);
			break;
		}
		case VU_SEC_DEVICE_DATA:
			if (slen > VU_STATE_MAX_DEVDATA)
				BAD("DEVICE_DATA section of %u bytes, at most %u",
				    slen, VU_STATE_MAX_DEVDATA);
			memcpy(st->devdata, v, slen);
			st->devdata_len = slen;
			break;
		default:
			if (flags & VU_SEC_F_REQUIRED)
				BAD("unknown required section type %u", type);
			break;
		}
		off += slen;
		off += (8 - slen % 8) % 8;
		if (off > len - 4)
			BAD("section %u (type %u): padding runs past the end",
			    i, type);
	}
	if (off != len - 4)
		BAD("%zu stray bytes after %u sections", len - 4 - off, count);
	if (!have_dev || !have_feat)
		BAD("DEVICE or FEATURES section missing");
	for (i = 0; i < st->nqueues; i++) {
		uint32_t j;

		if (st->queues[i].index >= st->num_queues)
			BAD("queue %u beyond the %u queues of the state",
			    st->queues[i].index, st->num_queues);
		for (j = 0; j < i; j++)
			if (st->queues[j].index == st->queues[i].index)
				BAD("queue %u appears twice",
				    st->queues[i].index);
	}
	return 0;
}
