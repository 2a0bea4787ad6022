// SPDX-License-Identifier: GPL-2.0
/*
 * handover_record_test.c - the handover record: a full record survives
 * encode/decode field for field; every truncation, every flipped byte,
 * another version, an unknown must-understand section and out-of-range
 * values are refused with a reason; an unknown optional section is
 * skipped. The daemon's control queue (CVQ section) likewise, and a record
 * without it (an older writer) still reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handover_record.h"
#include "net_cvq.h"
#include "state.h"
#include "kselftest_harness.h"

static struct ho_record *sample(void)
{
	struct ho_record *r = calloc(1, sizeof(*r));
	uint32_t i;

	strcpy(r->name, "vdpa0");
	r->device_id = 1;
	r->num_queues = 3;
	r->dev_fd = 0;
	r->listen_fd = 1;
	r->has_session = true;
	r->conn_fd = 2;
	r->breq_fd = 3;
	r->sflags = HO_S_OWNER | HO_S_FEATURES_SET | HO_S_MEM_SET;
	r->features = 0x140000000ull | (1ull << 32);
	r->offered_pf = 0xffff;
	r->pf = 0x1234;
	r->life_state = 3;
	r->fe_status = 0xf;
	r->negotiated = r->features;
	r->nregions = 2;
	for (i = 0; i < 2; i++) {
		r->regions[i].gpa = 0x100000000ull * i;
		r->regions[i].size = 0x40000000;
		r->regions[i].vmm_va = 0x7f0000000000ull + i * 0x40000000;
		r->regions[i].mmap_offset = i * 0x40000000;
		r->regions[i].fd = 4;	/* one memfd, two regions (QEMU) */
	}
	r->nrings = 2;
	for (i = 0; i < 2; i++) {
		struct ho_ring *q = &r->rings[i];

		q->index = i;
		q->num = 256;
		q->flags = HO_RING_NUM_SET | HO_RING_ADDR_SET |
			   HO_RING_ENABLED | HO_RING_STARTED;
		q->desc_gpa = 0x1000 + i * 0x10000;
		q->avail_gpa = 0x2000 + i * 0x10000;
		q->used_gpa = 0x3000 + i * 0x10000;
		q->base.avail_idx = (uint16_t)(1000 + i);
		q->base.used_idx = 7;
		q->kick_fd = 5 + 3 * i;
		q->call_fd = 6 + 3 * i;
		q->err_fd = i ? HO_NOFD : 7;
	}
	r->partial_len = 15;	/* a header and 3 payload bytes */
	memcpy(r->partial, "\x05\0\0\0\x01\0\0\0\x08\0\0\0abc", 15);
	r->partial_nfds = 1;
	r->partial_fds[0] = 11;
	r->out_len = 20;
	memset(r->out, 0xa5, 20);
	/* the shadow control queue, started, 3 commands sent */
	r->cvq.present = true;
	memcpy(r->cvq.want, "NCVQ\x01\x01\x01\x00\x01\x00\x02\x00\x00\x00\xd0\x41",
	       16);
	r->cvq.flags = HO_CVQ_MAPPED | HO_CVQ_STARTED;
	r->cvq.index = 2;
	r->cvq.negotiated = 0x140020000ull;
	r->cvq.iova = 0xffffffffc000ull;
	r->cvq.num = 64;
	r->cvq.next = 3;
	r->cvq.dev_pairs = 1;
	r->cvq.status = 0xf;
	memcpy(r->cvq.op_mac, "\x02\x00\x00\x00\xd0\x40", 6);
	r->cvq.sent = 3;
	r->cvq.memfd = 12;
	r->cvq.kick_fd = 13;
	return r;
}

static bool same(const struct ho_record *a, const struct ho_record *b)
{
	uint32_t i;

	if (strcmp(a->name, b->name) || a->device_id != b->device_id ||
	    a->num_queues != b->num_queues || a->dev_fd != b->dev_fd ||
	    a->listen_fd != b->listen_fd || a->has_session != b->has_session ||
	    a->conn_fd != b->conn_fd || a->breq_fd != b->breq_fd ||
	    a->sflags != b->sflags || a->features != b->features ||
	    a->offered_pf != b->offered_pf || a->pf != b->pf ||
	    a->life_state != b->life_state || a->fe_status != b->fe_status ||
	    a->negotiated != b->negotiated || a->nregions != b->nregions ||
	    a->nrings != b->nrings || a->partial_len != b->partial_len ||
	    a->partial_nfds != b->partial_nfds || a->out_len != b->out_len)
		return false;
	for (i = 0; i < a->nregions; i++)
		if (memcmp(&a->regions[i], &b->regions[i],
			   offsetof(struct ho_region, fd) + 4))
			return false;
	for (i = 0; i < a->nrings; i++) {
		const struct ho_ring *p = &a->rings[i], *q = &b->rings[i];

		if (p->index != q->index || p->num != q->num ||
		    p->flags != q->flags || p->desc_gpa != q->desc_gpa ||
		    p->avail_gpa != q->avail_gpa || p->used_gpa != q->used_gpa ||
		    memcmp(&p->base, &q->base, sizeof(p->base)) ||
		    p->kick_fd != q->kick_fd || p->call_fd != q->call_fd ||
		    p->err_fd != q->err_fd)
			return false;
	}
	if (a->cvq.present != b->cvq.present ||
	    (a->cvq.present &&
	     (memcmp(a->cvq.want, b->cvq.want, sizeof(a->cvq.want)) ||
	      a->cvq.flags != b->cvq.flags || a->cvq.index != b->cvq.index ||
	      a->cvq.negotiated != b->cvq.negotiated ||
	      a->cvq.iova != b->cvq.iova || a->cvq.num != b->cvq.num ||
	      a->cvq.next != b->cvq.next ||
	      a->cvq.dev_pairs != b->cvq.dev_pairs ||
	      a->cvq.status != b->cvq.status ||
	      memcmp(a->cvq.op_mac, b->cvq.op_mac, 6) ||
	      a->cvq.sent != b->cvq.sent || a->cvq.memfd != b->cvq.memfd ||
	      a->cvq.kick_fd != b->cvq.kick_fd)))
		return false;
	return !memcmp(a->partial, b->partial, a->partial_len) &&
	       !memcmp(a->partial_fds, b->partial_fds, 4 * a->partial_nfds) &&
	       !memcmp(a->out, b->out, a->out_len);
}

static void set_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Recompute the CRC after an edit, so that the check behind it runs. */
static void reseal(uint8_t *buf, size_t len)
{
	set_u32(buf + len - 4, vu_crc32(buf, len - 4));
}

FIXTURE(rec) {
	struct ho_record *in, *out;
	uint8_t *buf;
	size_t len;
	char why[200];
};

FIXTURE_SETUP(rec)
{
	self->in = sample();
	self->out = calloc(1, sizeof(*self->out));
	ASSERT_NE(NULL, self->in);
	ASSERT_NE(NULL, self->out);
	ASSERT_EQ(0, ho_record_encode(self->in, &self->buf, &self->len));
}

FIXTURE_TEARDOWN(rec)
{
	free(self->in);
	free(self->out);
	free(self->buf);
}

TEST_F(rec, round_trip)
{
	ASSERT_EQ(0, ho_record_decode(self->buf, self->len, self->out,
				      self->why, sizeof(self->why))) {
		TH_LOG("%s", self->why);
	}
	EXPECT_TRUE(same(self->in, self->out));
	EXPECT_EQ(0u, self->len % 4);
}

TEST_F(rec, without_session)
{
	free(self->buf);
	self->in->has_session = false;
	ASSERT_EQ(0, ho_record_encode(self->in, &self->buf, &self->len));
	ASSERT_EQ(0, ho_record_decode(self->buf, self->len, self->out,
				      self->why, sizeof(self->why)));
	EXPECT_FALSE(self->out->has_session);
	EXPECT_EQ(0u, self->out->nrings);
	EXPECT_EQ(0u, self->out->nregions);
	EXPECT_STREQ("vdpa0", self->out->name);
}

/* The section is read where the snapshot code put it: a restore of the
 * carried bytes into a control queue gives the sample's. */
TEST_F(rec, cvq_want_is_a_snapshot)
{
	struct net_cvq c;

	ASSERT_EQ(0, ho_record_decode(self->buf, self->len, self->out,
				      self->why, sizeof(self->why)));
	memset(&c, 0, sizeof(c));
	c.capable = true;
	c.max_pairs = 1;
	c.name = "t";
	ASSERT_EQ(0, ncvq_restore(&c, self->out->cvq.want,
				  sizeof(self->out->cvq.want)));
	EXPECT_EQ(1, c.want.pairs);
	EXPECT_EQ(NCVQ_RX_PROMISC, c.want.rx);
	EXPECT_EQ(0x41, c.want.mac[5]);
	ASSERT_EQ(NCVQ_SNAP_LEN, ncvq_snapshot(&c, self->out->cvq.want,
					       sizeof(self->out->cvq.want)));
	EXPECT_EQ(0, memcmp(self->in->cvq.want + 6, self->out->cvq.want + 6,
			    10));
}

/* A writer without the section (an older build): read, nothing of it. */
TEST_F(rec, without_cvq)
{
	free(self->buf);
	self->in->cvq.present = false;
	ASSERT_EQ(0, ho_record_encode(self->in, &self->buf, &self->len));
	ASSERT_EQ(0, ho_record_decode(self->buf, self->len, self->out,
				      self->why, sizeof(self->why)));
	EXPECT_FALSE(self->out->cvq.present);
	EXPECT_TRUE(same(self->in, self->out));
}

/* The section is optional: with its type unknown it would be skipped. */
TEST_F(rec, cvq_section_optional)
{
	size_t off = 16;

	while (off < self->len - 4) {
		uint32_t n = self->buf[off + 4] | self->buf[off + 5] << 8;

		if (self->buf[off] == HO_SEC_CVQ)
			break;
		off += 8 + n + (n % 8 ? 8 - n % 8 : 0);
	}
	ASSERT_GT(self->len - 4, off);
	EXPECT_EQ(0, self->buf[off + 2] & HO_SEC_F_REQUIRED);
	self->buf[off] = 98;	/* a type this reader does not know */
	reseal(self->buf, self->len);
	ASSERT_EQ(0, ho_record_decode(self->buf, self->len, self->out,
				      self->why, sizeof(self->why))) {
		TH_LOG("%s", self->why);
	}
	EXPECT_FALSE(self->out->cvq.present);
}

TEST_F(rec, every_truncation_refused)
{
	size_t n;

	for (n = 0; n < self->len; n++) {
		int ret = ho_record_decode(self->buf, n, self->out, self->why,
					   sizeof(self->why));

		ASSERT_EQ(-EINVAL, ret) {
			TH_LOG("%zu of %zu bytes accepted", n, self->len);
		}
	}
}

TEST_F(rec, every_flipped_byte_refused)
{
	size_t i;

	for (i = 0; i < self->len; i++) {
		int ret;

		self->buf[i] ^= 0x10;
		ret = ho_record_decode(self->buf, self->len, self->out,
				       self->why, sizeof(self->why));
		self->buf[i] ^= 0x10;
		/* The version field gives its own error. */
		ASSERT_TRUE(ret == -EINVAL || (ret == -EPROTO && (i == 4 || i == 5))) {
			TH_LOG("byte %zu flipped: %d", i, ret);
		}
	}
}

TEST_F(rec, other_version_refused)
{
	self->buf[4] = 2;
	reseal(self->buf, self->len);
	EXPECT_EQ(-EPROTO, ho_record_decode(self->buf, self->len, self->out,
					    self->why, sizeof(self->why)));
	EXPECT_STREQ("record version 2, this daemon reads 1", self->why);
}

/* A section appended before the trailer: @required decides. */
static uint8_t *with_extra_section(const uint8_t *buf, size_t len,
				   uint16_t flags, size_t *nlen)
{
	uint8_t *p = malloc(len + 16);

	memcpy(p, buf, len - 4);
	p[len - 4] = 99;
	p[len - 3] = 0;
	p[len - 2] = (uint8_t)flags;
	p[len - 1] = 0;
	set_u32(p + len, 8);
	memset(p + len + 4, 0x77, 8);
	*nlen = len + 16;
	set_u32(p + 8, (uint32_t)*nlen);
	reseal(p, *nlen);
	return p;
}

TEST_F(rec, unknown_optional_section_skipped)
{
	size_t n;
	uint8_t *p = with_extra_section(self->buf, self->len, 0, &n);

	EXPECT_EQ(0, ho_record_decode(p, n, self->out, self->why,
				      sizeof(self->why))) {
		TH_LOG("%s", self->why);
	}
	EXPECT_TRUE(same(self->in, self->out));
	free(p);
}

TEST_F(rec, unknown_required_section_refused)
{
	size_t n;
	uint8_t *p = with_extra_section(self->buf, self->len,
					HO_SEC_F_REQUIRED, &n);

	EXPECT_EQ(-EINVAL, ho_record_decode(p, n, self->out, self->why,
					    sizeof(self->why)));
	EXPECT_STREQ("section 99 must be understood, and is not", self->why);
	free(p);
}

/* Values a writer never produces: refused even with a good CRC. */
static const char *edit_case(struct ho_record *r, unsigned int i)
{
	switch (i) {
	case 0:
		r->rings[1].index = 3;
		return "ring 3 out of range (3 queues)";
	case 1:
		r->rings[1].index = 0;
		return "ring 0 twice";
	case 2:
		r->life_state = 4;
		return "life-cycle state 4";
	case 3:
		r->pf = 0x10000;
		return "protocol features 0x10000 beyond the offer 0xffff";
	case 4:
		r->rings[0].kick_fd = HO_NOFD;
		return "ring 0 started without size, addresses or kick fd";
	case 5:
		r->conn_fd = HO_NOFD;
		return "session without a connection";
	case 6:
		r->regions[1].size = 0;
		return "region 1: size 0x0 at gpa 0x100000000";
	case 7:
		r->num_queues = 0;
		r->nrings = 0;
		return "0 queues (1..1024)";
	case 8:
		r->partial[8] = 2;
		return "partial message: 15 bytes of a 2-byte payload";
	case 9:
		r->sflags = 0x10;
		return "unknown session flags 0x10";
	case 10:
		r->rings[0].flags |= 0x100;
		return "ring 0: unknown flags 0x117";
	case 11:
		r->cvq.want[5] = 3;
		return "control queue: what it sets: mode";
	case 12:
		r->cvq.index = 3;
		return "control queue 3 out of range (3 queues)";
	case 13:
		r->cvq.flags |= 0x40;
		return "control queue: unknown flags 0x43";
	case 14:
		r->cvq.kick_fd = HO_NOFD;
		return "control queue started without a mode, its ring region or its kick fd";
	case 15:
		r->cvq.memfd = HO_NOFD;
		return "control queue: ring region mapped, its memfd not given";
	case 16:
		r->cvq.num = 48;
		return "control queue: ring size 48";
	case 17:
		r->cvq.flags |= HO_CVQ_WRAP;
		return "control queue: layout flags 0xb, next 3, features 0x140020000";
	case 18:
		r->cvq.iova = 0x1234;
		return "control queue: ring at IOVA 0x1234";
	case 19:
		r->device_id = 2;
		return "control queue on virtio device 2";
	case 20:
		r->cvq.dev_pairs = 2;
		return "control queue: 2/1 queue pairs with 3 queues";
	case 21:
		r->cvq.flags &= ~HO_CVQ_STARTED;
		return "control queue: a kick fd for a stopped queue";
	case 22:
		r->cvq.want[4] = 2;
		return "control queue: what it sets: version";
	case 23:
		r->cvq.want[5] = NCVQ_MODE_NONE;
		return "control queue started without a mode, its ring region or its kick fd";
	case 24:
		r->cvq.flags |= HO_CVQ_FE_RING;
		return "control queue: the front-end's, yet not in passthrough mode";
	default:
		return NULL;
	}
}

TEST_F(rec, values_out_of_range_refused)
{
	const char *want;
	unsigned int i;

	for (i = 0;; i++) {
		struct ho_record *r = sample();
		uint8_t *buf;
		size_t len;

		want = edit_case(r, i);
		if (!want) {
			free(r);
			break;
		}
		ASSERT_EQ(0, ho_record_encode(r, &buf, &len));
		EXPECT_EQ(-EINVAL, ho_record_decode(buf, len, self->out,
						    self->why,
						    sizeof(self->why))) {
			TH_LOG("case %u accepted", i);
		}
		EXPECT_STREQ(want, self->why) {
			TH_LOG("case %u", i);
		}
		free(buf);
		free(r);
	}
	EXPECT_EQ(25u, i);
}

struct ids {
	uint32_t seen[64];
	unsigned int n;
};

static void note_id(void *arg, uint32_t id)
{
	struct ids *ids = arg;

	if (ids->n < 64)
		ids->seen[ids->n++] = id;
}

TEST_F(rec, every_fd_listed)
{
	struct ids ids = { .n = 0 };
	bool have[14] = { false };
	unsigned int i;

	ho_record_for_each_fd(self->in, note_id, &ids);
	/* device, listener, conn, breq, 2 regions, 2x3 rings minus one err,
	 * one partial fd, the control queue's memfd and kick eventfd */
	EXPECT_EQ(14u, ids.n);
	for (i = 0; i < ids.n; i++) {
		ASSERT_GT(14u, ids.seen[i]);
		have[ids.seen[i]] = true;
	}
	for (i = 0; i < 14; i++)
		if (i != 10)
			EXPECT_TRUE(have[i]) TH_LOG("fd id %u not listed", i);
}

TEST_HARNESS_MAIN
