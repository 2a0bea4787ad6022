// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - the snapshot format (see state.h) and the device-state
 * transfer of SET_DEVICE_STATE_FD / CHECK_DEVICE_STATE.
 *
 * A blob comes from the front-end and is hostile: every length is checked
 * against what is left before anything is read, the CRC is checked
 * before any section is interpreted, and nothing in it is applied before
 * all of it was found consistent with this device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "session_priv.h"
#include "state.h"

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

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err;
};

static void put(struct wbuf *b, const void *data, size_t n)
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

static void put_u16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(b, x, 2);
}

static void put_u32(struct wbuf *b, uint32_t v)
{
	put_u16(b, (uint16_t)v);
	put_u16(b, (uint16_t)(v >> 16));
}

static void put_u64(struct wbuf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void sec_begin(struct wbuf *b, uint16_t type, uint16_t flags,
		      uint32_t len)
{
	put_u16(b, type);
	put_u16(b, flags);
	put_u32(b, len);
}

static void sec_pad(struct wbuf *b, uint32_t len)
{
	put(b, NULL, (8 - len % 8) % 8);
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
	put(&b, &st->status, 1);
	sec_pad(&b, 1);

	sec_begin(&b, VU_SEC_CONFIG, 0, st->config_len);
	put(&b, st->config, st->config_len);
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
	put(&b, st->devdata, st->devdata_len);
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

/* ---- transfer ---- */

#define NAME(s)	((s)->dev->name)

void vu_xfer_abort(struct vu_session *s)
{
	struct vu_xfer *x = &s->xfer;

	if (x->fd >= 0) {
		s->loop->unwatch(s->loop, x->fd);
		close(x->fd);
	}
	free(x->buf);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

static void xfer_close_fd(struct vu_session *s)
{
	if (s->xfer.fd >= 0) {
		s->loop->unwatch(s->loop, s->xfer.fd);
		close(s->xfer.fd);
		s->xfer.fd = -1;
	}
}

/* Save: write what the pipe takes; 1 when all is written. */
static int xfer_write(struct vu_session *s)
{
	struct vu_xfer *x = &s->xfer;

	while (x->off < x->len) {
		ssize_t n = write(x->fd, x->buf + x->off, x->len - x->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_warn(NAME(s), "device state: write failed: %s",
				 strerror(errno));
			x->failed = true;
			xfer_close_fd(s);
			return -1;
		}
		x->off += (size_t)n;
	}
	x->done = true;
	xfer_close_fd(s);	/* EOF tells the reader it has everything */
	return 1;
}

/* Load: read what is there; 1 at end of file. */
static int xfer_read(struct vu_session *s)
{
	struct vu_xfer *x = &s->xfer;

	for (;;) {
		ssize_t n;

		if (x->len == VU_STATE_MAX_BLOB) {
			log_warn(NAME(s), "device state: larger than %u bytes",
				 VU_STATE_MAX_BLOB);
			x->failed = true;
			xfer_close_fd(s);
			return -1;
		}
		if (x->len == x->off) {
			size_t cap = x->off ? x->off * 2 : 4096;
			uint8_t *p;

			if (cap > VU_STATE_MAX_BLOB)
				cap = VU_STATE_MAX_BLOB;
			p = realloc(x->buf, cap);
			if (!p) {
				x->failed = true;
				xfer_close_fd(s);
				return -1;
			}
			x->buf = p;
			x->off = cap;	/* load: @off is the capacity */
		}
		n = read(x->fd, x->buf + x->len, x->off - x->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_warn(NAME(s), "device state: read failed: %s",
				 strerror(errno));
			x->failed = true;
			xfer_close_fd(s);
			return -1;
		}
		if (n == 0) {
			x->done = true;
			xfer_close_fd(s);
			return 1;
		}
		x->len += (size_t)n;
	}
}

static void on_xfer(void *arg, int fd, uint32_t events)
{
	struct vu_session *s = arg;

	(void)fd;
	(void)events;
	if (s->xfer.direction == VU_STATE_DIR_SAVE)
		xfer_write(s);
	else
		xfer_read(s);
}

static int build_state(struct vu_session *s, struct vu_state *st)
{
	size_t dlen = 0;
	uint32_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	st->device_id = s->dev->device_id;
	st->num_queues = s->nvrings;
	st->features = s->features;
	st->protocol_features = s->pf;
	st->status = s->ops->get_status(s->dev);
	st->config_len = s->dev->config_size < VU_MAX_CONFIG_SIZE ?
			 s->dev->config_size : VU_MAX_CONFIG_SIZE;
	if (st->config_len) {
		ret = s->ops->read_config(s->dev, 0, st->config,
					  st->config_len);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < s->nvrings && i < VU_STATE_MAX_QUEUES; i++) {
		const struct vu_vring *r = &s->vrings[i];
		struct vu_state_queue *q = &st->queues[st->nqueues++];

		q->index = i;
		q->size = r->num;
		q->flags = (r->enabled ? VU_QSTATE_F_ENABLED : 0) |
			   (r->packed ? VU_QSTATE_F_PACKED : 0) |
			   (r->addr_set ? VU_QSTATE_F_CONFIGURED : 0);
		q->pos = r->base;
	}
	ret = s->ops->snapshot(s->dev, st->devdata, sizeof(st->devdata),
			       &dlen);
	if (ret < 0)
		return ret;
	st->devdata_len = (uint32_t)dlen;
	return 0;
}

int vu_xfer_start(struct vu_session *s, uint32_t direction, int fd)
{
	struct vu_xfer *x = &s->xfer;
	struct vu_state *st;
	int fl, ret;

	vu_xfer_abort(s);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if ((fl & O_ACCMODE) == (direction == VU_STATE_DIR_SAVE ? O_RDONLY :
				 O_WRONLY))
		return -EBADF;
	x->direction = direction;
	if (direction == VU_STATE_DIR_SAVE) {
		st = malloc(sizeof(*st));
		if (!st)
			return -ENOMEM;
		ret = build_state(s, st);
		if (!ret)
			ret = vu_state_encode(st, &x->buf, &x->len);
		free(st);
		if (ret < 0)
			return ret;
	}
	x->fd = fd;
	if (s->loop->watch(s->loop, fd, direction == VU_STATE_DIR_SAVE ?
			   VU_EV_OUT : VU_EV_IN, on_xfer, s) < 0) {
		x->fd = -1;
		vu_xfer_abort(s);
		return -ENOMEM;
	}
	if (direction == VU_STATE_DIR_SAVE)
		xfer_write(s);
	log_info(NAME(s), "device state %s started",
		 direction == VU_STATE_DIR_SAVE ? "save" : "load");
	return 0;
}

static int apply_state(struct vu_session *s, const struct vu_state *st,
		       char *why, size_t whylen)
{
	uint64_t offered = s->ops->features(s->dev) |
			   1ull << VU_F_PROTOCOL_FEATURES;
	uint32_t i;
	int ret;

	if (st->device_id != s->dev->device_id)
		BAD("state of virtio device type %u, this device is type %u",
		    st->device_id, s->dev->device_id);
	if (st->num_queues != s->nvrings)
		BAD("state has %u queues, this device %u", st->num_queues,
		    s->nvrings);
	if (st->features & ~offered)
		BAD("state needs features 0x%llx this device lacks",
		    (unsigned long long)(st->features & ~offered));
	/* Protocol features belong to a connection, not to the device:
	 * recorded for information, not required. */
	ret = s->ops->restore(s->dev, st->devdata, st->devdata_len);
	if (ret < 0)
		BAD("the device refused its state: %s", strerror(-ret));
	for (i = 0; i < st->nqueues; i++)
		vu_session_restore_queue(s, st->queues[i].index,
					 &st->queues[i].pos);
	return 0;
}

int vu_xfer_finish(struct vu_session *s, char *why, size_t whylen)
{
	struct vu_xfer *x = &s->xfer;
	uint32_t dir = x->direction;
	struct vu_state *st;
	int ret;

	if (!x->buf && x->fd < 0 && !x->done)
		BAD("no state transfer in progress");
	if (!x->done && !x->failed && x->fd >= 0) {
		if (x->direction == VU_STATE_DIR_SAVE)
			xfer_write(s);
		else
			xfer_read(s);
	}
	if (x->failed) {
		vu_xfer_abort(s);
		BAD("the transfer failed");
	}
	if (!x->done) {
		vu_xfer_abort(s);
		if (dir == VU_STATE_DIR_SAVE)
			BAD("the front-end has not read the whole state");
		BAD("the transfer has not ended: the writer did not close its end");
	}
	if (dir == VU_STATE_DIR_SAVE) {
		vu_xfer_abort(s);
		log_info(NAME(s), "device state saved");
		return 0;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		vu_xfer_abort(s);
		BAD("out of memory");
	}
	ret = vu_state_decode(x->buf, x->len, st, why, whylen);
	if (!ret)
		ret = apply_state(s, st, why, whylen);
	free(st);
	vu_xfer_abort(s);
	if (!ret)
		log_info(NAME(s), "device state loaded");
	return ret;
}
