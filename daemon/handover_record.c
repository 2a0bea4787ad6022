// SPDX-License-Identifier: GPL-2.0
/*
 * handover_record.c - the handover record (handover_record.h): encoder
 * and decoder.
 *
 * The reader is the successor daemon, which may be a newer or older build,
 * and in the fd-store path the record may have been torn by a crash: every
 * length is checked against what is left before anything is read, the CRC
 * before any section is interpreted, and every value against its range,
 * so a record is taken whole or refused with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "handover_record.h"
#include "lifecycle.h"
#include "net_cvq.h"
#include "state.h"	/* vu_crc32 */
#include "wbuf.h"

#define HDR_SIZE	16u
#define SEC_HDR		8u
#define DEVICE_SIZE	84u
#define SESSION_SIZE	48u
#define REGION_SIZE	40u
#define RING_SIZE	56u
#define CVQ_SIZE	72u

#define put_u8(b, v)	wbuf_put_le(b, v, 1)
#define put_u16(b, v)	wbuf_put_le(b, v, 2)
#define put_u32(b, v)	wbuf_put_le(b, v, 4)
#define put_u64(b, v)	wbuf_put_le(b, v, 8)

/* Section header; returns the offset of its length field. */
static size_t sec_begin(struct wbuf *b, uint16_t type, bool required)
{
	size_t at;

	put_u16(b, type);
	put_u16(b, required ? HO_SEC_F_REQUIRED : 0);
	at = b->len;
	put_u32(b, 0);
	return at;
}

static void sec_end(struct wbuf *b, size_t at)
{
	size_t n = b->len - at - 4;

	if (b->err)
		return;
	b->p[at] = (uint8_t)n;
	b->p[at + 1] = (uint8_t)(n >> 8);
	b->p[at + 2] = (uint8_t)(n >> 16);
	b->p[at + 3] = (uint8_t)(n >> 24);
	if (n % 8)
		wbuf_put(b, NULL, 8 - n % 8);
}

static void put_ring(struct wbuf *b, const struct ho_ring *q)
{
	size_t at = sec_begin(b, HO_SEC_RING, true);

	put_u32(b, q->index);
	put_u32(b, q->num);
	put_u32(b, q->flags);
	put_u64(b, q->desc_gpa);
	put_u64(b, q->avail_gpa);
	put_u64(b, q->used_gpa);
	put_u16(b, q->base.avail_idx);
	put_u16(b, q->base.avail_wrap);
	put_u16(b, q->base.used_idx);
	put_u16(b, q->base.used_wrap);
	put_u32(b, q->kick_fd);
	put_u32(b, q->call_fd);
	put_u32(b, q->err_fd);
	sec_end(b, at);
}

static void put_session(struct wbuf *b, const struct ho_record *r)
{
	size_t at = sec_begin(b, HO_SEC_SESSION, true);
	uint32_t i;

	put_u32(b, r->conn_fd);
	put_u32(b, r->breq_fd);
	put_u32(b, r->sflags);
	put_u8(b, r->life_state);
	put_u8(b, r->fe_status);
	put_u16(b, 0);
	put_u64(b, r->features);
	put_u64(b, r->offered_pf);
	put_u64(b, r->pf);
	put_u64(b, r->negotiated);
	sec_end(b, at);
	for (i = 0; i < r->nregions; i++) {
		const struct ho_region *m = &r->regions[i];

		at = sec_begin(b, HO_SEC_REGION, true);
		put_u64(b, m->gpa);
		put_u64(b, m->size);
		put_u64(b, m->vmm_va);
		put_u64(b, m->mmap_offset);
		put_u32(b, m->fd);
		put_u32(b, 0);
		sec_end(b, at);
	}
	for (i = 0; i < r->nrings; i++)
		put_ring(b, &r->rings[i]);
	if (r->partial_len) {
		at = sec_begin(b, HO_SEC_PARTIAL, true);
		put_u32(b, r->partial_len);
		put_u32(b, r->partial_nfds);
		for (i = 0; i < r->partial_nfds; i++)
			put_u32(b, r->partial_fds[i]);
		wbuf_put(b, r->partial, r->partial_len);
		sec_end(b, at);
	}
	if (r->out_len) {
		at = sec_begin(b, HO_SEC_OUTPUT, true);
		wbuf_put(b, r->out, r->out_len);
		sec_end(b, at);
	}
}

/* Optional: a reader without it does what it did before (header). */
static void put_cvq(struct wbuf *b, const struct ho_cvq *q)
{
	size_t at = sec_begin(b, HO_SEC_CVQ, false);

	wbuf_put(b, q->want, HO_CVQ_WANT_LEN);
	put_u32(b, q->flags);
	put_u32(b, q->index);
	put_u64(b, q->negotiated);
	put_u64(b, q->iova);
	put_u16(b, q->num);
	put_u16(b, q->next);
	put_u16(b, q->dev_pairs);
	put_u8(b, q->status);
	put_u8(b, 0);
	wbuf_put(b, q->op_mac, 6);
	put_u16(b, 0);
	put_u32(b, q->sent);
	put_u32(b, q->memfd);
	put_u32(b, q->kick_fd);
	put_u32(b, 0);
	sec_end(b, at);
}

int ho_record_encode(const struct ho_record *r, uint8_t **out, size_t *len)
{
	struct wbuf b = { 0 };
	size_t at;
	uint32_t crc;

	if (r->nregions > HO_MAX_REGIONS || r->nrings > HO_MAX_QUEUES ||
	    r->partial_len > HO_MAX_PARTIAL ||
	    r->partial_nfds > VU_MAX_FDS || r->out_len > HO_MAX_OUT)
		return -EINVAL;
	put_u32(&b, HO_MAGIC);
	put_u16(&b, HO_VERSION);
	put_u16(&b, HDR_SIZE);
	put_u32(&b, 0);		/* total size, below */
	put_u32(&b, 0);		/* flags */

	at = sec_begin(&b, HO_SEC_DEVICE, true);
	wbuf_put(&b, NULL, 64);
	if (!b.err)
		memcpy(b.p + b.len - 64, r->name, strnlen(r->name, 63));
	put_u32(&b, r->device_id);
	put_u32(&b, r->num_queues);
	put_u32(&b, r->dev_fd);
	put_u32(&b, r->listen_fd);
	put_u32(&b, r->has_session);
	sec_end(&b, at);
	if (r->has_session)
		put_session(&b, r);
	if (r->cvq.present)
		put_cvq(&b, &r->cvq);

	if (!b.err) {
		uint32_t total = (uint32_t)b.len + 4;

		b.p[8] = (uint8_t)total;
		b.p[9] = (uint8_t)(total >> 8);
		b.p[10] = (uint8_t)(total >> 16);
		b.p[11] = (uint8_t)(total >> 24);
	}
	crc = b.err ? 0 : vu_crc32(b.p, b.len);
	put_u32(&b, crc);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* ---- decoding ---- */

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define G16(p)	((uint16_t)get_le(p, 2))
#define G32(p)	((uint32_t)get_le(p, 4))
#define G64(p)	get_le(p, 8)

#define BAD(...)	do {						\
		snprintf(why, whylen, __VA_ARGS__);			\
		return -EINVAL;						\
	} while (0)

static int dec_device(const uint8_t *v, uint32_t n, struct ho_record *r,
		      char *why, size_t whylen)
{
	uint32_t has;

	if (n != DEVICE_SIZE)
		BAD("DEVICE section of %u bytes, not %u", n, DEVICE_SIZE);
	if (!memchr(v, 0, 64) || !v[0])
		BAD("device name empty or not terminated");
	memcpy(r->name, v, 64);
	r->device_id = G32(v + 64);
	r->num_queues = G32(v + 68);
	r->dev_fd = G32(v + 72);
	r->listen_fd = G32(v + 76);
	has = G32(v + 80);
	if (!r->num_queues || r->num_queues > HO_MAX_QUEUES)
		BAD("%u queues (1..%u)", r->num_queues, HO_MAX_QUEUES);
	if (r->dev_fd == HO_NOFD)
		BAD("no device file");
	if (has > 1)
		BAD("session flag %u", has);
	r->has_session = has;
	return 0;
}

static int dec_session(const uint8_t *v, uint32_t n, struct ho_record *r,
		       char *why, size_t whylen)
{
	if (n != SESSION_SIZE)
		BAD("SESSION section of %u bytes, not %u", n, SESSION_SIZE);
	r->conn_fd = G32(v);
	r->breq_fd = G32(v + 4);
	r->sflags = G32(v + 8);
	r->life_state = v[12];
	r->fe_status = v[13];
	r->features = G64(v + 16);
	r->offered_pf = G64(v + 24);
	r->pf = G64(v + 32);
	r->negotiated = G64(v + 40);
	if (r->conn_fd == HO_NOFD)
		BAD("session without a connection");
	if (r->sflags & ~HO_S_ALL)
		BAD("unknown session flags 0x%x", r->sflags);
	if (r->life_state > VU_LIFE_RUNNING)
		BAD("life-cycle state %u", r->life_state);
	if (r->pf & ~r->offered_pf)
		BAD("protocol features 0x%llx beyond the offer 0x%llx",
		    (unsigned long long)r->pf,
		    (unsigned long long)r->offered_pf);
	return 0;
}

static int dec_region(const uint8_t *v, uint32_t n, struct ho_record *r,
		      char *why, size_t whylen)
{
	struct ho_region *m;

	if (n != REGION_SIZE)
		BAD("REGION section of %u bytes, not %u", n, REGION_SIZE);
	if (r->nregions == HO_MAX_REGIONS)
		BAD("more than %u regions", HO_MAX_REGIONS);
	m = &r->regions[r->nregions++];
	m->gpa = G64(v);
	m->size = G64(v + 8);
	m->vmm_va = G64(v + 16);
	m->mmap_offset = G64(v + 24);
	m->fd = G32(v + 32);
	if (!m->size || m->gpa + m->size - 1 < m->gpa ||
	    m->mmap_offset + m->size - 1 < m->mmap_offset)
		BAD("region %u: size 0x%llx at gpa 0x%llx", r->nregions - 1,
		    (unsigned long long)m->size, (unsigned long long)m->gpa);
	if (m->fd == HO_NOFD)
		BAD("region %u without its fd", r->nregions - 1);
	return 0;
}

static int dec_ring(const uint8_t *v, uint32_t n, struct ho_record *r,
		    char *why, size_t whylen)
{
	struct ho_ring *q;
	uint32_t i;

	if (n != RING_SIZE)
		BAD("RING section of %u bytes, not %u", n, RING_SIZE);
	if (r->nrings == r->num_queues)
		BAD("more rings than the device's %u queues", r->num_queues);
	q = &r->rings[r->nrings];
	q->index = G32(v);
	q->num = G32(v + 4);
	q->flags = G32(v + 8);
	q->desc_gpa = G64(v + 12);
	q->avail_gpa = G64(v + 20);
	q->used_gpa = G64(v + 28);
	q->base.avail_idx = G16(v + 36);
	q->base.avail_wrap = G16(v + 38);
	q->base.used_idx = G16(v + 40);
	q->base.used_wrap = G16(v + 42);
	q->kick_fd = G32(v + 44);
	q->call_fd = G32(v + 48);
	q->err_fd = G32(v + 52);
	if (q->index >= r->num_queues)
		BAD("ring %u out of range (%u queues)", q->index,
		    r->num_queues);
	for (i = 0; i < r->nrings; i++)
		if (r->rings[i].index == q->index)
			BAD("ring %u twice", q->index);
	if (q->flags & ~HO_RING_ALL)
		BAD("ring %u: unknown flags 0x%x", q->index, q->flags);
	if (q->num > VU_MAX_RING_SIZE)
		BAD("ring %u: size %u", q->index, q->num);
	if ((q->flags & HO_RING_STARTED) &&
	    (!q->num || !(q->flags & HO_RING_ADDR_SET) || q->kick_fd == HO_NOFD))
		BAD("ring %u started without size, addresses or kick fd",
		    q->index);
	r->nrings++;
	return 0;
}

static int dec_partial(const uint8_t *v, uint32_t n, struct ho_record *r,
		       char *why, size_t whylen)
{
	uint32_t i, len, nfds, hsize;

	if (n < 8)
		BAD("PARTIAL section of %u bytes", n);
	len = G32(v);
	nfds = G32(v + 4);
	if (nfds > VU_MAX_FDS)
		BAD("partial message with %u fds", nfds);
	if (!len || len > HO_MAX_PARTIAL || n != 8 + 4 * nfds + len)
		BAD("partial message of %u bytes in %u", len, n);
	if (len >= VU_HDR_SIZE) {
		hsize = G32(v + 8 + 4 * nfds + 8);	/* vu_hdr.size */
		if (hsize > VU_PAYLOAD_MAX || len > VU_HDR_SIZE + hsize)
			BAD("partial message: %u bytes of a %u-byte payload",
			    len, hsize);
	}
	for (i = 0; i < nfds; i++)
		r->partial_fds[i] = G32(v + 8 + 4 * i);
	r->partial_nfds = nfds;
	r->partial_len = len;
	memcpy(r->partial, v + 8 + 4 * nfds, len);
	return 0;
}

static int dec_output(const uint8_t *v, uint32_t n, struct ho_record *r,
		      char *why, size_t whylen)
{
	if (!n || n > HO_MAX_OUT)
		BAD("OUTPUT section of %u bytes", n);
	memcpy(r->out, v, n);
	r->out_len = n;
	return 0;
}

static int dec_cvq(const uint8_t *v, uint32_t n, struct ho_record *r,
		   char *why, size_t whylen)
{
	struct ho_cvq *q = &r->cvq;
	const char *defect;
	uint8_t mode;
	bool packed;

	if (q->present)
		BAD("two CVQ sections");
	if (n != CVQ_SIZE)
		BAD("CVQ section of %u bytes, not %u", n, CVQ_SIZE);
	defect = ncvq_snap_defect(v, HO_CVQ_WANT_LEN);
	if (defect)
		BAD("control queue: what it sets: %s", defect);
	memcpy(q->want, v, HO_CVQ_WANT_LEN);
	mode = v[5];
	q->flags = G32(v + 16);
	q->index = G32(v + 20);
	q->negotiated = G64(v + 24);
	q->iova = G64(v + 32);
	q->num = G16(v + 40);
	q->next = G16(v + 42);
	q->dev_pairs = G16(v + 44);
	q->status = v[46];
	memcpy(q->op_mac, v + 48, 6);
	q->sent = G32(v + 56);
	q->memfd = G32(v + 60);
	q->kick_fd = G32(v + 64);
	packed = q->flags & HO_CVQ_PACKED;
	if (v[47] || G16(v + 54) || G32(v + 68))
		BAD("control queue: reserved bytes set");
	if (q->flags & ~HO_CVQ_ALL)
		BAD("control queue: unknown flags 0x%x", q->flags);
	if (r->device_id != VIRTIO_ID_NET)
		BAD("control queue on virtio device %u", r->device_id);
	if (mode != NCVQ_MODE_NONE && q->index >= r->num_queues)
		BAD("control queue %u out of range (%u queues)", q->index,
		    r->num_queues);
	if (!q->dev_pairs || 2u * q->dev_pairs + 1 > r->num_queues ||
	    2u * G16(v + 8) + 1 > r->num_queues)
		BAD("control queue: %u/%u queue pairs with %u queues",
		    q->dev_pairs, G16(v + 8), r->num_queues);
	if (q->num < 4 || q->num > 256 || (q->num & (q->num - 1)))
		BAD("control queue: ring size %u", q->num);
	if (!q->iova || (q->iova & 0xfff) || q->iova + NCVQ_SIZE - 1 < q->iova)
		BAD("control queue: ring at IOVA 0x%llx",
		    (unsigned long long)q->iova);
	if (packed != !!(q->negotiated & (1ull << VIRTIO_F_RING_PACKED)) ||
	    ((q->flags & HO_CVQ_WRAP) && !packed) ||
	    (packed && q->next >= q->num))
		BAD("control queue: layout flags 0x%x, next %u, features 0x%llx",
		    q->flags, q->next, (unsigned long long)q->negotiated);
	if ((q->flags & HO_CVQ_STARTED) &&
	    (mode == NCVQ_MODE_NONE || !(q->flags & HO_CVQ_MAPPED) ||
	     q->kick_fd == HO_NOFD))
		BAD("control queue started without a mode, its ring region or its kick fd");
	if ((q->flags & HO_CVQ_MAPPED) != (q->memfd != HO_NOFD))
		BAD("control queue: ring region %s, its memfd %s",
		    q->flags & HO_CVQ_MAPPED ? "mapped" : "not mapped",
		    q->memfd != HO_NOFD ? "given" : "not given");
	if (!(q->flags & HO_CVQ_STARTED) && q->kick_fd != HO_NOFD)
		BAD("control queue: a kick fd for a stopped queue");
	if ((q->flags & HO_CVQ_FE_RING) &&
	    (mode != NCVQ_MODE_PASSTHROUGH || (q->flags & HO_CVQ_STARTED)))
		BAD("control queue: the front-end's, yet %s",
		    mode != NCVQ_MODE_PASSTHROUGH ? "not in passthrough mode" :
		    "the daemon's ring runs");
	q->present = true;
	return 0;
}

int ho_record_decode(const uint8_t *buf, size_t len, struct ho_record *r,
		     char *why, size_t whylen)
{
	bool seen_dev = false, seen_session = false;
	uint32_t total, version, hsize;
	size_t off;
	int ret;

	memset(r, 0, sizeof(*r));
	if (len < HDR_SIZE + 4)
		BAD("%zu bytes: shorter than a header", len);
	if (G32(buf) != HO_MAGIC)
		BAD("not a handover record (magic 0x%08x)", G32(buf));
	version = G16(buf + 4);
	if (version != HO_VERSION) {
		snprintf(why, whylen, "record version %u, this daemon reads %u",
			 version, HO_VERSION);
		return -EPROTO;
	}
	hsize = G16(buf + 6);
	total = G32(buf + 8);
	if (hsize != HDR_SIZE)
		BAD("header of %u bytes", hsize);
	if (total != len || total > HO_MAX_RECORD)
		BAD("record says %u bytes, %zu present (truncated?)", total,
		    len);
	if (G32(buf + 12))
		BAD("unknown header flags 0x%x", G32(buf + 12));
	if (vu_crc32(buf, len - 4) != G32(buf + len - 4))
		BAD("CRC mismatch");

	for (off = HDR_SIZE; off < len - 4;) {
		uint16_t type, flags;
		uint32_t n;
		const uint8_t *v;

		if (len - 4 - off < SEC_HDR)
			BAD("section header cut at %zu", off);
		type = G16(buf + off);
		flags = G16(buf + off + 2);
		n = G32(buf + off + 4);
		v = buf + off + SEC_HDR;
		if (n > len - 4 - off - SEC_HDR)
			BAD("section %u of %u bytes at %zu overruns", type, n,
			    off);
		if (type != HO_SEC_DEVICE && !seen_dev)
			BAD("section %u before DEVICE", type);
		if (type > HO_SEC_SESSION && type <= HO_SEC_OUTPUT &&
		    !seen_session)
			BAD("section %u without a SESSION", type);
		switch (type) {
		case HO_SEC_DEVICE:
			if (seen_dev)
				BAD("two DEVICE sections");
			seen_dev = true;
			ret = dec_device(v, n, r, why, whylen);
			break;
		case HO_SEC_SESSION:
			if (seen_session || !r->has_session)
				BAD("SESSION section unexpected");
			seen_session = true;
			ret = dec_session(v, n, r, why, whylen);
			break;
		case HO_SEC_REGION:
			ret = dec_region(v, n, r, why, whylen);
			break;
		case HO_SEC_RING:
			ret = dec_ring(v, n, r, why, whylen);
			break;
		case HO_SEC_PARTIAL:
			ret = r->partial_len ? -1 :
			      dec_partial(v, n, r, why, whylen);
			if (ret == -1)
				BAD("two PARTIAL sections");
			break;
		case HO_SEC_OUTPUT:
			ret = r->out_len ? -1 : dec_output(v, n, r, why, whylen);
			if (ret == -1)
				BAD("two OUTPUT sections");
			break;
		case HO_SEC_CVQ:
			ret = dec_cvq(v, n, r, why, whylen);
			break;
		default:
			if (flags & HO_SEC_F_REQUIRED)
				BAD("section %u must be understood, and is not",
				    type);
			ret = 0;
		}
		if (ret)
			return ret;
		off += SEC_HDR + n;
		if (n % 8)
			off += 8 - n % 8;
		if (off > len - 4)
			BAD("padding of section %u overruns", type);
	}
	if (!seen_dev)
		BAD("no DEVICE section");
	if (r->has_session && !seen_session)
		BAD("no SESSION section");
	return 0;
}

void ho_record_for_each_fd(const struct ho_record *r,
			   void (*fn)(void *arg, uint32_t id), void *arg)
{
	uint32_t i;

#define ID(x)	do { if ((x) != HO_NOFD) fn(arg, (x)); } while (0)
	ID(r->dev_fd);
	ID(r->listen_fd);
	if (r->cvq.present) {
		ID(r->cvq.memfd);
		ID(r->cvq.kick_fd);
	}
	if (!r->has_session)
		return;
	ID(r->conn_fd);
	ID(r->breq_fd);
	for (i = 0; i < r->nregions; i++)
		ID(r->regions[i].fd);
	for (i = 0; i < r->nrings; i++) {
		ID(r->rings[i].kick_fd);
		ID(r->rings[i].call_fd);
		ID(r->rings[i].err_fd);
	}
	for (i = 0; i < r->partial_nfds; i++)
		ID(r->partial_fds[i]);
#undef ID
}
