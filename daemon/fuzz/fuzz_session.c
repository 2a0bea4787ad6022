// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_session.c - drive one session of the engine, over a real socketpair
 * with real fds, from a fuzz input (the chunk format of fuzz_input.h); the
 * device behind it is the caller's (the test device, or the vDPA device
 * layer over the simulated module).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_input.h"
#include "fuzz_session.h"
#include "session.h"
#include "test_loop.h"
#include "vhost_user.h"

struct fz {
	struct test_loop loop;
	struct vu_session *s;
	int fe;
	int keep[FZ_MAX_FDS];	/* pipe write ends we read from */
	unsigned int nkeep;
};

static void on_end(struct vu_session *s, void *arg)
{
	struct fz *f = arg;

	vu_session_destroy(s);
	f->s = NULL;
}

static void drain(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void drain_pipe(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int make_fd(struct fz *f, unsigned int kind, const uint8_t *pdata,
		   size_t plen)
{
	int p[2], fd;

	switch (kind) {
	case FZ_FD_EVENTFD:
		return eventfd(0, EFD_CLOEXEC);
	case FZ_FD_MEMFD:
		fd = memfd_create("fz", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, FZ_MEMFD_SIZE) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	case FZ_FD_PIPE:
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
			return -1;
		if (plen && write(p[1], pdata, plen) < 0) {
			/* a full pipe is fine: the rest is lost */
		}
		close(p[1]);
		return p[0];
	case FZ_FD_SOCKET:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
			return -1;
		close(p[0]);
		return p[1];
	case FZ_FD_PIPE_W:
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
			return -1;
		if (f->nkeep < FZ_MAX_FDS)
			f->keep[f->nkeep++] = p[0];
		else
			close(p[0]);
		return p[1];
	default:
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
}

static void send_chunk(struct fz *f, const uint8_t *data, size_t len,
		       unsigned int kind, unsigned int nfds,
		       const uint8_t *pdata, size_t plen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FZ_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[FZ_MAX_FDS];
	unsigned int i, n = 0;

	for (i = 0; i < nfds; i++) {
		int fd = make_fd(f, kind, pdata, plen);

		if (fd >= 0)
			fds[n++] = fd;
	}
	if (n) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	if (len || n)
		sendmsg(f->fe, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

void fz_drive(struct vu_device *dev, const uint8_t *data, size_t size)
{
	struct fz f;
	int sv[2];
	size_t off = 0;
	unsigned int i;

	memset(&f, 0, sizeof(f));
	test_loop_init(&f.loop);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		       sv) < 0)
		return;
	f.fe = sv[0];
	f.s = vu_session_new(dev, sv[1], &f.loop.base, on_end, &f);
	if (!f.s) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	while (f.s && size - off >= 3) {
		unsigned int spec = data[off];
		size_t len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		const uint8_t *pdata = NULL;
		size_t plen = 0;

		off += 3;
		if (spec >> 4 == FZ_FD_PIPE && size - off >= 2) {
			plen = (size_t)data[off] | (size_t)data[off + 1] << 8;
			off += 2;
			if (plen > size - off)
				plen = size - off;
			pdata = data + off;
			off += plen;
		}
		if (len > size - off)
			len = size - off;
		send_chunk(&f, data + off, len, spec >> 4,
			   (spec & 0xf) > FZ_MAX_FDS ? FZ_MAX_FDS : spec & 0xf,
			   pdata, plen);
		off += len;
		test_loop_pump(&f.loop, 32);
		drain(f.fe);
		for (i = 0; i < f.nkeep; i++)
			drain_pipe(f.keep[i]);
		test_loop_pump(&f.loop, 8);
	}
	close(f.fe);
	test_loop_pump(&f.loop, 8);
	if (f.s)
		vu_session_destroy(f.s);
	for (i = 0; i < f.nkeep; i++)
		close(f.keep[i]);
}
