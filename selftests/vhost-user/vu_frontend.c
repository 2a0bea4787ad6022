// SPDX-License-Identifier: GPL-2.0
/*
 * vu_frontend.c - a minimal vhost-user front-end for tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "evwait.h"
#include "vu_frontend.h"

void vu_fe_init(struct vu_fe *fe, int sock)
{
	memset(fe, 0, sizeof(*fe));
	fe->sock = sock;
	fe->breq = -1;
	fe->timeout_ms = 10000;
}

int vu_fe_connect(struct vu_fe *fe, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t end = now_ms() + timeout_ms;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(20000);
	}
	vu_fe_init(fe, fd);
	return 0;
}

void vu_fe_close(struct vu_fe *fe)
{
	if (fe->sock >= 0)
		close(fe->sock);
	if (fe->breq >= 0)
		close(fe->breq);
	fe->sock = fe->breq = -1;
}

int vu_fe_send(struct vu_fe *fe, uint32_t req, uint32_t flags,
	       const void *payload, uint32_t len, const int *fds,
	       unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} ctl;
	struct vu_hdr hdr = { req, flags, len };
	struct iovec iov[2] = {
		{ &hdr, sizeof(hdr) }, { (void *)payload, len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	/* more than a back-end takes (VU_MAX_FDS), for the bad-input tests */
	if (nfds > 64)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	n = sendmsg(fe->sock, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(hdr) + len ? 0 : -EPIPE;
}

/* Wait until @fd is readable, running the idle hook meanwhile. */
static int wait_readable(struct vu_fe *fe, int fd, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n;

		if (fe->idle)
			fe->idle(fe->idle_arg);
		n = poll(&p, 1, fe->idle ? 0 : 50);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (now_ms() > end)
			return -ETIMEDOUT;
		if (fe->idle)
			usleep(200);
	}
}

static int read_full(struct vu_fe *fe, int fd, void *buf, size_t len,
		     struct vu_fe_msg *m, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { (uint8_t *)buf + got, len - got };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *cm;
		ssize_t n;
		int ret;

		ret = wait_readable(fe, fd, timeout_ms);
		if (ret)
			return ret;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno == ECONNRESET ? -EPIPE : -errno;
		}
		if (n == 0)
			return -EPIPE;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t i, k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(f));
				if (m->nfds < VU_MAX_FDS)
					m->fds[m->nfds++] = f;
				else
					close(f);
			}
		}
		got += (size_t)n;
	}
	return 0;
}

int vu_fe_recv(struct vu_fe *fe, int fd, struct vu_fe_msg *m, int timeout_ms)
{
	int ret;

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->nfds = 0;
	ret = read_full(fe, fd, &m->hdr, sizeof(m->hdr), m, timeout_ms);
	if (ret)
		return ret;
	if (m->hdr.size > VU_PAYLOAD_MAX)
		return -EPROTO;
	return read_full(fe, fd, m->payload, m->hdr.size, m, timeout_ms);
}

bool vu_fe_peer_closed(struct vu_fe *fe, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	char c;

	for (;;) {
		ssize_t n = recv(fe->sock, &c, 1, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EAGAIN)
			return true;
		if (now_ms() > end)
			return false;
		if (fe->idle)
			fe->idle(fe->idle_arg);
		else
			usleep(10000);
	}
}

static bool has_reply(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_VRING_BASE:
	case VU_GET_QUEUE_NUM:
	case VU_GET_CONFIG:
	case VU_GET_MAX_MEM_SLOTS:
	case VU_GET_STATUS:
	case VU_SET_DEVICE_STATE_FD:
	case VU_CHECK_DEVICE_STATE:
		return true;
	default:
		return false;
	}
}

int vu_fe_call(struct vu_fe *fe, uint32_t req, const void *payload,
	       uint32_t len, const int *fds, unsigned int nfds, void *reply,
	       uint32_t *rlen)
{
	bool explicit = has_reply(req);
	bool ack = !explicit && (fe->pf & VU_PF(VU_PF_REPLY_ACK));
	struct vu_fe_msg *m;
	uint64_t v;
	int ret;

	ret = vu_fe_send(fe, req, VU_VERSION | (ack ? VU_FLAG_NEED_REPLY : 0),
			 payload, len, fds, nfds);
	if (ret || (!explicit && !ack))
		return ret;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = vu_fe_recv(fe, fe->sock, m, fe->timeout_ms);
	while (!ret && m->nfds)
		close(m->fds[--m->nfds]);
	if (!ret && (m->hdr.request != req || !(m->hdr.flags & VU_FLAG_REPLY)))
		ret = -EPROTO;
	if (!ret && explicit) {
		if (reply)
			memcpy(reply, m->payload, m->hdr.size);
		if (rlen)
			*rlen = m->hdr.size;
	} else if (!ret) {
		if (m->hdr.size != sizeof(v)) {
			ret = -EPROTO;
		} else {
			memcpy(&v, m->payload, sizeof(v));
			ret = v ? -EIO : 0;
		}
	}
	free(m);
	return ret;
}

int vu_fe_get_u64(struct vu_fe *fe, uint32_t req, uint64_t *v)
{
	uint8_t buf[VU_PAYLOAD_MAX];
	uint32_t len = 0;
	int ret = vu_fe_call(fe, req, NULL, 0, NULL, 0, buf, &len);

	if (ret)
		return ret;
	if (len != sizeof(*v))
		return -EPROTO;
	memcpy(v, buf, sizeof(*v));
	return 0;
}

int vu_fe_set_u64(struct vu_fe *fe, uint32_t req, uint64_t v)
{
	return vu_fe_call(fe, req, &v, sizeof(v), NULL, 0, NULL, NULL);
}

int vu_fe_negotiate(struct vu_fe *fe, uint64_t want, uint64_t want_pf)
{
	int ret;

	ret = vu_fe_get_u64(fe, VU_GET_FEATURES, &fe->offered);
	if (ret)
		return ret;
	if (fe->offered & (1ull << VU_F_PROTOCOL_FEATURES)) {
		ret = vu_fe_get_u64(fe, VU_GET_PROTOCOL_FEATURES,
				    &fe->offered_pf);
		if (ret)
			return ret;
		ret = vu_fe_set_u64(fe, VU_SET_PROTOCOL_FEATURES,
				    fe->offered_pf & want_pf);
		if (ret)
			return ret;
		fe->pf = fe->offered_pf & want_pf;
	}
	ret = vu_fe_call(fe, VU_SET_OWNER, NULL, 0, NULL, 0, NULL, NULL);
	if (ret)
		return ret;
	fe->features = (fe->offered & want) |
		       (fe->offered & (1ull << VU_F_PROTOCOL_FEATURES));
	return vu_fe_set_u64(fe, VU_SET_FEATURES, fe->features);
}

static void fill_region(struct vu_region *r, const struct guest_mem *gm)
{
	r->gpa = gm->iova;
	r->size = gm->size;
	r->uaddr = (uint64_t)(uintptr_t)gm->map;
	r->mmap_offset = 0;
}

int vu_fe_set_mem_table(struct vu_fe *fe, struct guest_mem *const *gms,
			unsigned int n)
{
	struct vu_mem_table t;
	int fds[VU_MEM_TABLE_REGIONS];
	unsigned int i;

	if (n > VU_MEM_TABLE_REGIONS)
		return -E2BIG;
	memset(&t, 0, sizeof(t));
	t.nregions = n;
	for (i = 0; i < n; i++) {
		fill_region(&t.regions[i], gms[i]);
		fds[i] = gms[i]->memfd;
	}
	return vu_fe_call(fe, VU_SET_MEM_TABLE, &t,
			  VU_MEM_TABLE_HDR + n * sizeof(struct vu_region), fds,
			  n, NULL, NULL);
}

int vu_fe_add_mem_reg(struct vu_fe *fe, const struct guest_mem *gm)
{
	struct vu_single_region r = { 0 };

	fill_region(&r.region, gm);
	return vu_fe_call(fe, VU_ADD_MEM_REG, &r, sizeof(r), &gm->memfd, 1,
			  NULL, NULL);
}

int vu_fe_rem_mem_reg(struct vu_fe *fe, const struct guest_mem *gm)
{
	struct vu_single_region r = { 0 };

	fill_region(&r.region, gm);
	return vu_fe_call(fe, VU_REM_MEM_REG, &r, sizeof(r), NULL, 0, NULL,
			  NULL);
}

int vu_fe_vring_fd(struct vu_fe *fe, uint32_t req, uint32_t idx, int fd)
{
	uint64_t v = idx | (fd < 0 ? VU_VRING_NOFD : 0);

	return vu_fe_call(fe, req, &v, sizeof(v), fd < 0 ? NULL : &fd,
			  fd < 0 ? 0 : 1, NULL, NULL);
}

int vu_fe_vring(struct vu_fe *fe, struct virtq *vq, uint16_t base)
{
	struct vu_vring_state st = { vq->index, vq->size };
	struct vu_vring_addr a = {
		.index = vq->index,
		.desc = (uint64_t)(uintptr_t)vq->desc,
		.used = (uint64_t)(uintptr_t)vq->used,
		.avail = (uint64_t)(uintptr_t)vq->avail,
	};
	int ret;

	ret = vu_fe_call(fe, VU_SET_VRING_NUM, &st, sizeof(st), NULL, 0, NULL,
			 NULL);
	st.num = base;
	if (!ret)
		ret = vu_fe_call(fe, VU_SET_VRING_BASE, &st, sizeof(st), NULL,
				 0, NULL, NULL);
	if (!ret)
		ret = vu_fe_call(fe, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
				 NULL, NULL);
	if (!ret)
		ret = vu_fe_vring_fd(fe, VU_SET_VRING_CALL, vq->index,
				     vq->call_fd);
	if (!ret)
		ret = vu_fe_vring_fd(fe, VU_SET_VRING_KICK, vq->index,
				     vq->kick_fd);
	return ret;
}

int vu_fe_enable(struct vu_fe *fe, uint32_t idx, bool on)
{
	struct vu_vring_state st = { idx, on };

	return vu_fe_call(fe, VU_SET_VRING_ENABLE, &st, sizeof(st), NULL, 0,
			  NULL, NULL);
}

int vu_fe_get_vring_base(struct vu_fe *fe, uint32_t idx, uint32_t *base)
{
	struct vu_vring_state st = { idx, 0 }, out;
	uint32_t len = 0;
	int ret;

	ret = vu_fe_call(fe, VU_GET_VRING_BASE, &st, sizeof(st), NULL, 0, &out,
			 &len);
	if (ret)
		return ret;
	if (len != sizeof(out) || out.index != idx)
		return -EPROTO;
	*base = out.num;
	return 0;
}

int vu_fe_get_config(struct vu_fe *fe, uint32_t off, void *buf, uint32_t len)
{
	struct vu_config c = { .offset = off, .size = len };
	uint32_t rlen = 0;
	int ret;

	if (len > VU_MAX_CONFIG_SIZE)
		return -EINVAL;
	ret = vu_fe_call(fe, VU_GET_CONFIG, &c, VU_CONFIG_HDR + len, NULL, 0,
			 &c, &rlen);
	if (ret)
		return ret;
	if (rlen != VU_CONFIG_HDR + len)
		return -EIO;
	memcpy(buf, c.data, len);
	return 0;
}

int vu_fe_open_backend_channel(struct vu_fe *fe)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ret = vu_fe_call(fe, VU_SET_BACKEND_REQ_FD, NULL, 0, &sv[1], 1, NULL,
			 NULL);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	if (fe->breq >= 0)
		close(fe->breq);
	fe->breq = sv[0];
	return 0;
}

static int state_fd(struct vu_fe *fe, uint32_t dir, int fd)
{
	struct vu_state_xfer x = { dir, VU_STATE_PHASE_STOPPED };
	uint64_t r = 0;
	uint32_t len = 0;
	int ret;

	ret = vu_fe_call(fe, VU_SET_DEVICE_STATE_FD, &x, sizeof(x), &fd, 1,
			 &r, &len);
	if (ret)
		return ret;
	if (len != sizeof(r))
		return -EPROTO;
	return (r & 0xff) ? -EIO : 0;
}

static int check_state(struct vu_fe *fe)
{
	uint64_t r;
	int ret = vu_fe_get_u64(fe, VU_CHECK_DEVICE_STATE, &r);

	return ret ? ret : r ? -EIO : 0;
}

int vu_fe_save_state(struct vu_fe *fe, uint8_t **blob, size_t *len)
{
	size_t cap = 4096, got = 0;
	uint8_t *buf = malloc(cap);
	int p[2], ret;

	if (!buf)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	ret = state_fd(fe, VU_STATE_DIR_SAVE, p[1]);
	close(p[1]);
	while (!ret) {
		ssize_t n;

		ret = wait_readable(fe, p[0], fe->timeout_ms);
		if (ret)
			break;
		if (got == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(p[0], buf + got, cap - got);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			ret = -errno;
		else if (n == 0)
			break;
		else if (n > 0)
			got += (size_t)n;
	}
	close(p[0]);
	if (!ret)
		ret = check_state(fe);
	if (ret) {
		free(buf);
		return ret;
	}
	*blob = buf;
	*len = got;
	return 0;
}

int vu_fe_load_state(struct vu_fe *fe, const uint8_t *blob, size_t len)
{
	size_t off = 0;
	int p[2], ret;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	ret = state_fd(fe, VU_STATE_DIR_LOAD, p[0]);
	close(p[0]);
	while (!ret && off < len) {
		ssize_t n = write(p[1], blob + off, len - off);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			ret = -errno;
		} else if (fe->idle) {
			fe->idle(fe->idle_arg);
		} else {
			usleep(1000);
		}
	}
	close(p[1]);
	if (!ret)
		ret = check_state(fe);
	return ret;
}
