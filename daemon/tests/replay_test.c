// SPDX-License-Identifier: GPL-2.0
/*
 * replay_test.c - replays what real front-ends send (tests/transcripts/
 * *.txt, read from their sources) through the engine, over a real
 * socketpair with real fds, to vdpa_device.c on the simulated module, and
 * checks every reply, every ioctl each message causes, and how it ends.
 *
 * Transcript format (one item per line, '#' starts a comment):
 *   device net PAIRS [OPTION...]   a fake like vdpa_sim_net (2*PAIRS+1 queues)
 *   device blk QUEUES [OPTION...]  a fake like vdpa_sim_blk
 *     options: no-late-start (no ENABLE_AFTER_DRIVER_OK), no-state (like
 *     vp_vdpa), no-fd-swap (a module without VUB_SET_QUEUE_CALL),
 *     doorbell, max=N (largest ring), ctrl-rx (offers VIRTIO_NET_F_CTRL_RX,
 *     as QEMU's virtio-net under vp_vdpa does)
 *   memory NAME GPA SIZE           a memfd the front-end will send
 *   connect / disconnect           a new connection (session) / its end
 *   advance Q N                    the device consumes N buffers of queue Q
 *   used Q N                       the used index in queue Q's ring (guest
 *                                  memory) is N
 *   started Q...                   exactly these queues run on the device
 *   status 0xNN                    the device's status byte
 *   alive                          the session was not ended
 *   signalled FD                   the eventfd FD was signalled (and reset)
 *   MESSAGE[!] ARGS [-> ANSWER]    one message; '!' sets NEED_REPLY
 *   = IOCTL ...                    the ioctls the message above caused, in
 *                                  order (none listed: none caused)
 * Arguments: numbers, feature names joined with '|' (VERSION_1|MAC|
 * PROTOCOL_FEATURES, or protocol feature names for *_PROTOCOL_FEATURES),
 * ring indices; eventfds by name (kick0, call1; "none" = invalid-fd flag),
 * memory regions by name. Ring addresses are laid out by the runner (queue
 * Q at GPA 0x10000 * (Q + 1) of the first region). Answers: a number or
 * feature expression (replies and acks), "*" (any reply), "fail" (an empty
 * GET_CONFIG reply), "closed" (the back-end ended the session).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"

#include "fake_vub.h"
#include "log.h"
#include "session.h"
#include "test_loop.h"
#include "vdpa_device.h"
#include "vu_frontend.h"

#ifndef TRANSCRIPTS
#define TRANSCRIPTS "tests/transcripts"
#endif

#define MAX_LINES	1024
#define MAX_NAMED	64
#define VMM_VA(gpa)	(0x7f0000000000ull + (gpa))

struct named_fd {
	char name[32];
	int fd;
};

struct region {
	char name[32];
	uint64_t gpa, size;
	int fd;
};

struct replay {
	struct test_loop loop;
	struct fake_vub *fv;
	struct vu_device *dev;
	struct vu_session *s;
	struct vu_fe fe;
	bool ended;
	char error[256];
	struct named_fd efd[MAX_NAMED];
	unsigned int nefd;
	struct region reg[VU_MEM_TABLE_REGIONS];
	unsigned int nreg;
	int state_pipe;			/* our end of a state transfer */
	char *lines[MAX_LINES];
	unsigned int nlines;
	unsigned int lineno;		/* current line, for messages */
	const char *file;
	char why[512];
};

static const struct {
	const char *name;
	int bit;
} fnames[] = {
	{ "CSUM", 0 }, { "GUEST_CSUM", 1 }, { "MTU", 3 }, { "MAC", 5 },
	{ "GUEST_TSO4", 7 }, { "HOST_TSO4", 11 }, { "MRG_RXBUF", 15 },
	{ "STATUS", 16 }, { "CTRL_VQ", 17 }, { "CTRL_RX", 18 },
	{ "MQ", 22 }, { "CTRL_MAC_ADDR", 23 },
	{ "SIZE_MAX", 1 }, { "SEG_MAX", 2 }, { "BLK_SIZE", 6 },
	{ "FLUSH", 9 }, { "BLK_MQ", 12 },
	{ "NOTIFY_ON_EMPTY", 24 }, { "ANY_LAYOUT", 27 },
	{ "INDIRECT_DESC", 28 }, { "EVENT_IDX", 29 },
	{ "PROTOCOL_FEATURES", 30 }, { "VERSION_1", 32 },
	{ "ACCESS_PLATFORM", 33 }, { "RING_PACKED", 34 },
	{ "IN_ORDER", 35 },
}, pfnames[] = {
	{ "MQ", 0 }, { "LOG_SHMFD", 1 }, { "RARP", 2 }, { "REPLY_ACK", 3 },
	{ "NET_MTU", 4 }, { "BACKEND_REQ", 5 }, { "CROSS_ENDIAN", 6 },
	{ "CRYPTO_SESSION", 7 }, { "PAGEFAULT", 8 }, { "CONFIG", 9 },
	{ "BACKEND_SEND_FD", 10 }, { "HOST_NOTIFIER", 11 },
	{ "INFLIGHT_SHMFD", 12 }, { "RESET_DEVICE", 13 },
	{ "INBAND_NOTIFICATIONS", 14 }, { "CONFIGURE_MEM_SLOTS", 15 },
	{ "STATUS", 16 }, { "XEN_MMAP", 17 }, { "SHARED_OBJECT", 18 },
	{ "DEVICE_STATE", 19 }, { "GET_VRING_BASE_INFLIGHT", 20 },
	{ "GPA_ADDRESSES", 21 }, { "SHMEM", 22 },
};

static const struct {
	const char *name;
	uint32_t req;
} mnames[] = {
	{ "GET_FEATURES", VU_GET_FEATURES },
	{ "SET_FEATURES", VU_SET_FEATURES },
	{ "SET_OWNER", VU_SET_OWNER },
	{ "RESET_OWNER", VU_RESET_OWNER },
	{ "SET_MEM_TABLE", VU_SET_MEM_TABLE },
	{ "SET_VRING_NUM", VU_SET_VRING_NUM },
	{ "SET_VRING_ADDR", VU_SET_VRING_ADDR },
	{ "SET_VRING_BASE", VU_SET_VRING_BASE },
	{ "GET_VRING_BASE", VU_GET_VRING_BASE },
	{ "SET_VRING_KICK", VU_SET_VRING_KICK },
	{ "SET_VRING_CALL", VU_SET_VRING_CALL },
	{ "SET_VRING_ERR", VU_SET_VRING_ERR },
	{ "GET_PROTOCOL_FEATURES", VU_GET_PROTOCOL_FEATURES },
	{ "SET_PROTOCOL_FEATURES", VU_SET_PROTOCOL_FEATURES },
	{ "GET_QUEUE_NUM", VU_GET_QUEUE_NUM },
	{ "SET_VRING_ENABLE", VU_SET_VRING_ENABLE },
	{ "NET_SET_MTU", VU_NET_SET_MTU },
	{ "SET_BACKEND_REQ_FD", VU_SET_BACKEND_REQ_FD },
	{ "GET_CONFIG", VU_GET_CONFIG },
	{ "SET_CONFIG", VU_SET_CONFIG },
	{ "RESET_DEVICE", VU_RESET_DEVICE },
	{ "GET_MAX_MEM_SLOTS", VU_GET_MAX_MEM_SLOTS },
	{ "ADD_MEM_REG", VU_ADD_MEM_REG },
	{ "REM_MEM_REG", VU_REM_MEM_REG },
	{ "SET_STATUS", VU_SET_STATUS },
	{ "GET_STATUS", VU_GET_STATUS },
	{ "SET_DEVICE_STATE_FD", VU_SET_DEVICE_STATE_FD },
	{ "CHECK_DEVICE_STATE", VU_CHECK_DEVICE_STATE },
};

#define FAIL(r, ...) do {						\
		snprintf((r)->why, sizeof((r)->why), __VA_ARGS__);	\
		return -1;						\
	} while (0)

static int parse_bits(const char *s, bool proto, uint64_t *out)
{
	char buf[512], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		char *end;
		uint64_t v = strtoull(tok, &end, 0);

		if (end != tok && !*end) {
			*out |= v;
			continue;
		}
		for (i = 0; i < (proto ? sizeof(pfnames) : sizeof(fnames)) /
			    sizeof(fnames[0]); i++) {
			const char *n = proto ? pfnames[i].name : fnames[i].name;

			if (!strcmp(n, tok)) {
				*out |= 1ull << (proto ? pfnames[i].bit :
						 fnames[i].bit);
				break;
			}
		}
		if (i == (proto ? sizeof(pfnames) : sizeof(fnames)) /
			 sizeof(fnames[0]))
			return -1;
	}
	return 0;
}

static int named_efd(struct replay *r, const char *name)
{
	unsigned int i;

	if (!strcmp(name, "none"))
		return -1;
	for (i = 0; i < r->nefd; i++)
		if (!strcmp(r->efd[i].name, name))
			return r->efd[i].fd;
	if (r->nefd == MAX_NAMED)
		return -2;
	snprintf(r->efd[r->nefd].name, sizeof(r->efd[0].name), "%s", name);
	r->efd[r->nefd].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return r->efd[r->nefd++].fd;
}

static struct region *named_region(struct replay *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->nreg; i++)
		if (!strcmp(r->reg[i].name, name))
			return &r->reg[i];
	return NULL;
}

static void fill_region(struct vu_region *out, const struct region *g)
{
	out->gpa = g->gpa;
	out->size = g->size;
	out->uaddr = VMM_VA(g->gpa);
	out->mmap_offset = 0;
}

static void on_end(struct vu_session *s, void *arg)
{
	struct replay *r = arg;

	r->ended = true;
	snprintf(r->error, sizeof(r->error), "%s", vu_session_error(s));
	vu_session_destroy(s);
	r->s = NULL;
}

static int do_connect(struct replay *r)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		FAIL(r, "socketpair: %s", strerror(errno));
	r->ended = false;
	r->s = vu_session_new(r->dev, sv[1], &r->loop.base, on_end, r);
	if (!r->s)
		FAIL(r, "vu_session_new failed");
	vu_fe_init(&r->fe, sv[0]);
	r->fe.idle = test_loop_idle;
	r->fe.idle_arg = &r->loop;
	r->fe.timeout_ms = 2000;
	return 0;
}

static void do_disconnect(struct replay *r)
{
	vu_fe_close(&r->fe);
	test_loop_pump(&r->loop, 16);
	if (r->s)
		vu_session_destroy(r->s);
	r->s = NULL;
}

static int do_device(struct replay *r, char **tok, int n)
{
	struct fake_vub_cfg cfg;
	int i;

	if (n < 3)
		FAIL(r, "device: TYPE COUNT [OPTION...]");
	if (!strcmp(tok[1], "net"))
		fake_vub_cfg_net(&cfg, (uint32_t)strtoul(tok[2], NULL, 0));
	else if (!strcmp(tok[1], "blk"))
		fake_vub_cfg_blk(&cfg, (uint32_t)strtoul(tok[2], NULL, 0));
	else
		FAIL(r, "device type %s", tok[1]);
	for (i = 3; i < n; i++) {
		if (!strcmp(tok[i], "no-late-start"))
			cfg.abilities &= ~(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
		else if (!strcmp(tok[i], "no-state"))
			cfg.no_state = true;
		else if (!strcmp(tok[i], "doorbell"))
			cfg.abilities |= 1ull << VUB_ABILITY_DOORBELL;
		else if (!strncmp(tok[i], "max=", 4))
			cfg.max_queue_size = (uint32_t)strtoul(tok[i] + 4, NULL, 0);
		else if (!strcmp(tok[i], "no-fd-swap"))
			cfg.no_fd_swap = true;
		else if (!strcmp(tok[i], "ctrl-rx"))
			cfg.features |= 1ull << VIRTIO_NET_F_CTRL_RX;
		else
			FAIL(r, "device option %s", tok[i]);
	}
	fake_vub_init(r->fv, &cfg);
	r->dev = vdpa_device_open_sys("fake0", "/dev/vubridge/fake0",
				      &r->fv->sys);
	if (!r->dev)
		FAIL(r, "opening the device failed");
	fake_vub_log_clear(r->fv);
	return do_connect(r);
}

/* Build the payload of @req from the arguments. */
static int build(struct replay *r, uint32_t req, char **a, int n,
		 void *p, uint32_t *len, int *fds, unsigned int *nfds)
{
	struct vu_vring_state *st = p;
	struct vu_vring_addr *ad = p;
	struct vu_config *cf = p;
	uint64_t *u = p;
	struct region *g;
	int i, fd;

	*len = 0;
	*nfds = 0;
	switch (req) {
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_STATUS:
	case VU_NET_SET_MTU:
		if (n < 1 || parse_bits(a[0], req == VU_SET_PROTOCOL_FEATURES, u))
			FAIL(r, "bad value");
		*len = 8;
		return 0;
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
	case VU_GET_VRING_BASE:
		st->index = n > 0 ? (uint32_t)strtoul(a[0], NULL, 0) : 0;
		st->num = n > 1 ? (uint32_t)strtoul(a[1], NULL, 0) : 0;
		*len = sizeof(*st);
		return 0;
	case VU_SET_VRING_ADDR:
		if (n < 1 || !r->nreg)
			FAIL(r, "SET_VRING_ADDR Q (needs a memory region)");
		memset(ad, 0, sizeof(*ad));
		ad->index = (uint32_t)strtoul(a[0], NULL, 0);
		ad->desc = VMM_VA(r->reg[0].gpa + 0x10000ull * (ad->index + 1));
		ad->avail = ad->desc + 0x4000;
		ad->used = ad->desc + 0x8000;
		*len = sizeof(*ad);
		return 0;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (n < 2)
			FAIL(r, "%s Q FD", "SET_VRING_*");
		*u = strtoull(a[0], NULL, 0);
		fd = named_efd(r, a[1]);
		if (fd == -1) {
			*u |= VU_VRING_NOFD;
		} else {
			fds[0] = fd;
			*nfds = 1;
		}
		*len = 8;
		return 0;
	case VU_SET_MEM_TABLE: {
		struct vu_mem_table *t = p;

		memset(t, 0, VU_MEM_TABLE_HDR);
		for (i = 0; i < n; i++) {
			g = named_region(r, a[i]);
			if (!g)
				FAIL(r, "no region %s", a[i]);
			fill_region(&t->regions[i], g);
			fds[i] = g->fd;
		}
		t->nregions = (uint32_t)n;
		*nfds = (unsigned int)n;
		*len = VU_MEM_TABLE_HDR + (uint32_t)n * sizeof(struct vu_region);
		return 0;
	}
	case VU_ADD_MEM_REG:
	case VU_REM_MEM_REG: {
		struct vu_single_region *sr = p;

		g = n > 0 ? named_region(r, a[0]) : NULL;
		if (!g)
			FAIL(r, "no region");
		memset(sr, 0, sizeof(*sr));
		fill_region(&sr->region, g);
		fds[0] = g->fd;
		*nfds = 1;
		*len = sizeof(*sr);
		return 0;
	}
	case VU_SET_BACKEND_REQ_FD: {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			FAIL(r, "socketpair");
		if (r->fe.breq >= 0)
			close(r->fe.breq);
		r->fe.breq = sv[0];
		fds[0] = sv[1];
		*nfds = 1;
		return 0;
	}
	case VU_GET_CONFIG:
	case VU_SET_CONFIG:
		if (n < 2)
			FAIL(r, "CONFIG OFFSET SIZE [BYTE...]");
		memset(cf, 0, sizeof(*cf));
		cf->offset = (uint32_t)strtoul(a[0], NULL, 0);
		cf->size = (uint32_t)strtoul(a[1], NULL, 0);
		for (i = 2; i < n && i - 2 < (int)VU_MAX_CONFIG_SIZE; i++)
			cf->data[i - 2] = (uint8_t)strtoul(a[i], NULL, 0);
		*len = VU_CONFIG_HDR + cf->size;
		return 0;
	case VU_SET_DEVICE_STATE_FD: {
		struct vu_state_xfer *x = p;
		int pp[2];

		if (n < 1 || pipe2(pp, O_CLOEXEC))
			FAIL(r, "SET_DEVICE_STATE_FD save|load");
		x->direction = strcmp(a[0], "save") ? VU_STATE_DIR_LOAD :
			       VU_STATE_DIR_SAVE;
		x->phase = VU_STATE_PHASE_STOPPED;
		if (r->state_pipe >= 0)
			close(r->state_pipe);
		if (x->direction == VU_STATE_DIR_SAVE) {
			r->state_pipe = pp[0];
			fds[0] = pp[1];
		} else {
			r->state_pipe = pp[1];
			fds[0] = pp[0];
		}
		*nfds = 1;
		*len = sizeof(*x);
		return 0;
	}
	default:
		return 0;
	}
}

static bool has_reply(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES: case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM: case VU_GET_VRING_BASE: case VU_GET_CONFIG:
	case VU_GET_MAX_MEM_SLOTS: case VU_GET_STATUS:
	case VU_SET_DEVICE_STATE_FD: case VU_CHECK_DEVICE_STATE:
		return true;
	default:
		return false;
	}
}

/* A save transfer: read everything the back-end writes, until EOF. */
static void drain_state(struct replay *r)
{
	char buf[4096];
	int i;

	if (r->state_pipe < 0)
		return;
	fcntl(r->state_pipe, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 2000; i++) {
		ssize_t n = read(r->state_pipe, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0 && errno != EAGAIN)
			break;
		test_loop_pump(&r->loop, 4);
		if (n < 0)
			usleep(100);
	}
	close(r->state_pipe);
	r->state_pipe = -1;
}

static int check_ioctls(struct replay *r, unsigned int *ln)
{
	unsigned int i = 0;
	const char *got;

	/* REPLAY_PRINT=1: show what each line causes (writing transcripts) */
	if (getenv("REPLAY_PRINT")) {
		for (i = 0; fake_vub_log_line(r->fv, i); i++)
			fprintf(stderr, "= %s\n", fake_vub_log_line(r->fv, i));
		while (*ln + 1 < r->nlines && r->lines[*ln + 1][0] == '=')
			(*ln)++;
		fake_vub_log_clear(r->fv);
		return 0;
	}

	while (*ln + 1 < r->nlines && r->lines[*ln + 1][0] == '=') {
		const char *want = r->lines[*ln + 1] + 1;

		while (*want == ' ')
			want++;
		got = fake_vub_log_line(r->fv, i);
		if (!got || strcmp(got, want))
			FAIL(r, "line %u: ioctl %u is \"%s\", expected \"%s\"",
			     *ln + 2, i + 1, got ? got : "(none)", want);
		i++;
		(*ln)++;
	}
	got = fake_vub_log_line(r->fv, i);
	if (got)
		FAIL(r, "line %u: unexpected ioctl \"%s\" (after %u expected)",
		     r->lineno + 1, got, i);
	fake_vub_log_clear(r->fv);
	return 0;
}

static int do_message(struct replay *r, char **tok, int n, unsigned int *ln)
{
	static union {
		uint8_t bytes[VU_PAYLOAD_MAX];
		uint64_t align;
	} pl;
	char name[64], *bang;
	const char *expect = NULL;
	struct vu_fe_msg m;
	unsigned int nfds, i;
	uint32_t req = 0, len, flags = VU_VERSION;
	int fds[VU_MAX_FDS], nargs = n - 1, ret;
	uint64_t got = 0, want;

	snprintf(name, sizeof(name), "%s", tok[0]);
	bang = strchr(name, '!');
	if (bang) {
		*bang = '\0';
		flags |= VU_FLAG_NEED_REPLY;
	}
	for (i = 0; i < sizeof(mnames) / sizeof(mnames[0]); i++)
		if (!strcmp(mnames[i].name, name))
			req = mnames[i].req;
	if (!req)
		FAIL(r, "line %u: unknown message %s", r->lineno + 1, name);
	for (i = 1; i < (unsigned int)n; i++)
		if (!strcmp(tok[i], "->")) {
			expect = i + 1 < (unsigned int)n ? tok[i + 1] : "";
			nargs = (int)i - 1;
		}
	memset(&pl, 0, sizeof(pl));
	if (build(r, req, tok + 1, nargs, pl.bytes, &len, fds, &nfds))
		return -1;
	if (req == VU_CHECK_DEVICE_STATE)
		drain_state(r);
	ret = vu_fe_send(&r->fe, req, flags, pl.bytes, len, fds, nfds);
	if (req == VU_SET_BACKEND_REQ_FD || req == VU_SET_DEVICE_STATE_FD)
		close(fds[0]);
	if (ret)
		FAIL(r, "line %u: sending %s: %s", r->lineno + 1, name,
		     strerror(-ret));
	test_loop_pump(&r->loop, 64);
	if (expect && !strcmp(expect, "closed")) {
		if (!r->ended)
			FAIL(r, "line %u: %s: the session goes on", r->lineno + 1,
			     name);
		return check_ioctls(r, ln);
	}
	if (r->ended)
		FAIL(r, "line %u: %s ended the session: %s", r->lineno + 1,
		     name, r->error);
	if (has_reply(req) || (flags & VU_FLAG_NEED_REPLY)) {
		ret = vu_fe_recv(&r->fe, r->fe.sock, &m, 2000);
		if (ret)
			FAIL(r, "line %u: %s: no reply (%s)", r->lineno + 1,
			     name, strerror(-ret));
		for (i = 0; i < m.nfds; i++)
			close(m.fds[i]);
		if (m.hdr.request != req)
			FAIL(r, "line %u: reply to %u, sent %s", r->lineno + 1,
			     m.hdr.request, name);
		if (req == VU_GET_VRING_BASE)
			got = ((struct vu_vring_state *)m.payload)->num;
		else if (req == VU_GET_CONFIG)
			got = m.hdr.size;
		else if (m.hdr.size >= 8)
			memcpy(&got, m.payload, 8);
		if (!expect || !strcmp(expect, "*")) {
			/* any answer */
		} else if (req == VU_GET_CONFIG) {
			if (!strcmp(expect, "fail") != !got)
				FAIL(r, "line %u: GET_CONFIG answered %llu bytes",
				     r->lineno + 1, (unsigned long long)got);
		} else {
			if (parse_bits(expect, req == VU_GET_PROTOCOL_FEATURES,
				       &want))
				FAIL(r, "line %u: bad answer %s", r->lineno + 1,
				     expect);
			if (got != want)
				FAIL(r, "line %u: %s answered 0x%llx, expected 0x%llx",
				     r->lineno + 1, name,
				     (unsigned long long)got,
				     (unsigned long long)want);
		}
	} else if (expect) {
		FAIL(r, "line %u: %s has no answer", r->lineno + 1, name);
	}
	if (req == VU_SET_DEVICE_STATE_FD && r->state_pipe >= 0 &&
	    strcmp(tok[1], "save"))
		close(r->state_pipe), r->state_pipe = -1;
	return check_ioctls(r, ln);
}

static int do_memory(struct replay *r, char **tok, int n)
{
	struct region *g = &r->reg[r->nreg];

	if (n < 4 || r->nreg == VU_MEM_TABLE_REGIONS)
		FAIL(r, "memory NAME GPA SIZE");
	snprintf(g->name, sizeof(g->name), "%s", tok[1]);
	g->gpa = strtoull(tok[2], NULL, 0);
	g->size = strtoull(tok[3], NULL, 0);
	g->fd = memfd_create(g->name, MFD_CLOEXEC);
	if (g->fd < 0 || ftruncate(g->fd, (off_t)g->size))
		FAIL(r, "memfd: %s", strerror(errno));
	r->nreg++;
	return 0;
}

static int do_started(struct replay *r, char **tok, int n)
{
	bool want[FV_MAX_QUEUES] = { false };
	uint32_t q;
	int i;

	for (i = 1; i < n; i++) {
		q = (uint32_t)strtoul(tok[i], NULL, 0);
		if (q < FV_MAX_QUEUES)
			want[q] = true;
	}
	if (getenv("REPLAY_PRINT")) {
		/* regen.sh: the queues that run now */
		fprintf(stderr, "started");
		for (q = 0; q < r->fv->cfg.num_queues; q++)
			if (r->fv->q[q].started)
				fprintf(stderr, " %u", q);
		fprintf(stderr, "\n");
		return 0;
	}
	for (q = 0; q < r->fv->cfg.num_queues; q++)
		if (r->fv->q[q].started != want[q])
			FAIL(r, "line %u: queue %u %s", r->lineno + 1, q,
			     r->fv->q[q].started ? "runs" : "does not run");
	return 0;
}

static int run(struct replay *r)
{
	char *tok[80], *save, *p, buf[1024];
	unsigned int ln;
	int n;

	for (ln = 0; ln < r->nlines; ln++) {
		r->lineno = ln;
		if (getenv("REPLAY_PRINT") && r->lines[ln][0] != '=' &&
		    strncmp(r->lines[ln], "started", 7))
			fprintf(stderr, "%s\n", r->lines[ln]);
		snprintf(buf, sizeof(buf), "%s", r->lines[ln]);
		if (strchr(buf, '#'))
			*strchr(buf, '#') = '\0';
		n = 0;
		save = NULL;
		for (p = strtok_r(buf, " \t\n", &save); p && n < 79;
		     p = strtok_r(NULL, " \t\n", &save))
			tok[n++] = p;
		tok[n] = NULL;
		if (!n)
			continue;
		if (tok[0][0] == '=')
			FAIL(r, "line %u: ioctl line without a message", ln + 1);
		if (!strcmp(tok[0], "device")) {
			if (do_device(r, tok, n))
				return -1;
		} else if (!strcmp(tok[0], "memory")) {
			if (do_memory(r, tok, n))
				return -1;
		} else if (!strcmp(tok[0], "connect")) {
			if (do_connect(r))
				return -1;
		} else if (!strcmp(tok[0], "disconnect")) {
			do_disconnect(r);
			if (check_ioctls(r, &ln))
				return -1;
		} else if (!strcmp(tok[0], "advance")) {
			if (n < 3)
				FAIL(r, "advance Q N");
			fake_vub_advance(r->fv, (uint32_t)strtoul(tok[1], NULL, 0),
					 (uint16_t)strtoul(tok[2], NULL, 0));
		} else if (!strcmp(tok[0], "used")) {
			uint16_t v;
			uint64_t q;

			if (n < 3 || !r->nreg)
				FAIL(r, "used Q N (needs a memory region)");
			q = strtoull(tok[1], NULL, 0);
			v = (uint16_t)strtoul(tok[2], NULL, 0);
			if (pwrite(r->reg[0].fd, &v, 2,
				   (off_t)(0x10000 * (q + 1) + 0x8000 + 2)) != 2)
				FAIL(r, "line %u: pwrite: %s", ln + 1,
				     strerror(errno));
		} else if (!strcmp(tok[0], "started")) {
			if (do_started(r, tok, n))
				return -1;
		} else if (!strcmp(tok[0], "status")) {
			if (n < 2 || r->fv->status != strtoul(tok[1], NULL, 0))
				FAIL(r, "line %u: device status is 0x%02x",
				     ln + 1, r->fv->status);
		} else if (!strcmp(tok[0], "signalled")) {
			uint64_t v = 0;
			int fd = n > 1 ? named_efd(r, tok[1]) : -1;

			if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v) || !v)
				FAIL(r, "line %u: %s was not signalled", ln + 1,
				     n > 1 ? tok[1] : "?");
		} else if (!strcmp(tok[0], "alive")) {
			if (r->ended)
				FAIL(r, "line %u: the session ended: %s", ln + 1,
				     r->error);
		} else if (do_message(r, tok, n, &ln)) {
			return -1;
		}
	}
	return 0;
}

static int load(struct replay *r, const char *file)
{
	char path[512], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TRANSCRIPTS, file);
	f = fopen(path, "re");
	if (!f)
		FAIL(r, "%.400s: %s", path, strerror(errno));
	while (r->nlines < MAX_LINES && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		r->lines[r->nlines++] = strdup(line);
	}
	fclose(f);
	return 0;
}

FIXTURE(replay) {
	struct replay r;
};

FIXTURE_VARIANT(replay) {
	const char *file;
};

FIXTURE_SETUP(replay)
{
	vub_log_level = getenv("REPLAY_LOG") ? VUB_LOG_DEBUG : VUB_LOG_ERR - 1;
	memset(&self->r, 0, sizeof(self->r));
	test_loop_init(&self->r.loop);
	self->r.state_pipe = -1;
	self->r.fe.sock = self->r.fe.breq = -1;
	self->r.fv = calloc(1, sizeof(*self->r.fv));
	ASSERT_NE(NULL, self->r.fv);
	self->r.file = variant->file;
}

FIXTURE_TEARDOWN(replay)
{
	struct replay *r = &self->r;
	unsigned int i;

	if (r->s || r->fe.sock >= 0)
		do_disconnect(r);
	if (r->dev)
		r->dev->ops->destroy(r->dev);
	fake_vub_fini(r->fv);
	free(r->fv);
	for (i = 0; i < r->nefd; i++)
		close(r->efd[i].fd);
	for (i = 0; i < r->nreg; i++)
		close(r->reg[i].fd);
	if (r->state_pipe >= 0)
		close(r->state_pipe);
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i]);
}

TEST_F(replay, transcript)
{
	const char *only = getenv("REPLAY_ONLY");
	int ret;

	if (only && strcmp(only, variant->file))
		SKIP(return, "REPLAY_ONLY=%s", only);
	ret = load(&self->r, variant->file);

	if (!ret)
		ret = run(&self->r);
	if (ret)
		TH_LOG("%s: %s", variant->file, self->r.why);
	ASSERT_EQ(0, ret);
}

#include "transcripts.inc"

TEST_HARNESS_MAIN
