// SPDX-License-Identifier: GPL-2.0
/*
 * conn.c - vhost-user framing over a unix stream socket.
 *
 * A message is a 12-byte header and up to VU_PAYLOAD_MAX bytes of payload.
 * We read exactly what the current message still needs, never into the
 * next one, so the fds that arrive belong to the message being read. A
 * control buffer sized for VU_MAX_FDS fds and a check of MSG_CTRUNC make
 * sure a peer sending more fds cannot make us lose track of any: the
 * kernel closes what did not fit, we close what we received.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conn.h"

void vu_conn_init(struct vu_conn *c, int fd)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	for (i = 0; i < VU_MAX_FDS; i++)
		c->msg.fds[i] = -1;
}

static void close_msg_fds(struct vu_msg *m)
{
	unsigned int i;

	for (i = 0; i < VU_MAX_FDS; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}

void vu_conn_close(struct vu_conn *c)
{
	close_msg_fds(&c->msg);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->got = 0;
}

void vu_conn_msg_done(struct vu_conn *c)
{
	close_msg_fds(&c->msg);
	c->got = 0;
}

/* Take the fds of one recvmsg; returns -1 if there were too many. */
static int collect_fds(struct vu_msg *m, struct msghdr *mh)
{
	struct cmsghdr *cm;
	int too_many = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n, i;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (m->nfds < VU_MAX_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				too_many = 1;
			}
		}
	}
	return too_many ? -1 : 0;
}

int vu_conn_recv(struct vu_conn *c, char *why, size_t whylen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct iovec iov;
		struct msghdr mh;
		uint32_t want;
		ssize_t n;

		if (c->got < VU_HDR_SIZE) {
			want = VU_HDR_SIZE - c->got;
			iov.iov_base = (uint8_t *)&c->msg.hdr + c->got;
		} else {
			want = VU_HDR_SIZE + c->msg.hdr.size - c->got;
			iov.iov_base = c->msg.p.bytes + (c->got - VU_HDR_SIZE);
			if (!want)
				return VU_RECV_MSG;
		}
		iov.iov_len = want;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return VU_RECV_AGAIN;
			snprintf(why, whylen, "socket read failed: %s",
				 strerror(errno));
			return VU_RECV_ERROR;
		}
		if (collect_fds(&c->msg, &mh) < 0) {
			snprintf(why, whylen,
				 "message carries more than %u fds",
				 VU_MAX_FDS);
			return VU_RECV_ERROR;
		}
		if (mh.msg_flags & MSG_CTRUNC) {
			snprintf(why, whylen,
				 "ancillary data truncated: more than %u fds or foreign control data",
				 VU_MAX_FDS);
			return VU_RECV_ERROR;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			snprintf(why, whylen, "message truncated");
			return VU_RECV_ERROR;
		}
		if (n == 0) {
			if (c->got == 0 && c->msg.nfds == 0)
				return VU_RECV_EOF;
			snprintf(why, whylen,
				 "peer closed the connection mid-message (%u of %u bytes)",
				 c->got, c->got < VU_HDR_SIZE ? VU_HDR_SIZE :
				 VU_HDR_SIZE + c->msg.hdr.size);
			return VU_RECV_ERROR;
		}
		c->got += (uint32_t)n;
		if (c->got == VU_HDR_SIZE && c->msg.hdr.size > VU_PAYLOAD_MAX) {
			snprintf(why, whylen,
				 "request %u: payload size %u exceeds the maximum %u",
				 c->msg.hdr.request, c->msg.hdr.size,
				 VU_PAYLOAD_MAX);
			return VU_RECV_ERROR;
		}
	}
}

int vu_conn_flush(struct vu_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

int vu_conn_send(struct vu_conn *c, uint32_t request, uint32_t flags,
		 const void *payload, uint32_t len)
{
	struct vu_hdr hdr = { request, flags, len };
	size_t need = VU_HDR_SIZE + (size_t)len;
	size_t pending = c->out_len - c->out_off;
	uint8_t *buf;
	int ret;

	if (pending + need > VU_CONN_OUT_MAX)
		return -ENOBUFS;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_len = pending;
		c->out_off = 0;
	}
	buf = realloc(c->out, c->out_len + need);
	if (!buf)
		return -ENOMEM;
	c->out = buf;
	memcpy(buf + c->out_len, &hdr, VU_HDR_SIZE);
	if (len)
		memcpy(buf + c->out_len + VU_HDR_SIZE, payload, len);
	c->out_len += need;
	ret = vu_conn_flush(c);
	return ret < 0 ? ret : 0;
}

int vu_sock_send_msg(int fd, uint32_t request, uint32_t flags,
		     const void *payload, uint32_t len, const int *fds,
		     unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct vu_hdr hdr = { request, flags, len };
	struct iovec iov[2] = {
		{ &hdr, VU_HDR_SIZE },
		{ (void *)payload, len },
	};
	struct msghdr mh;
	ssize_t n;

	if (nfds > VU_MAX_FDS)
		return -EINVAL;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = len ? 2 : 1;
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
	do {
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN :
			-errno;
	if ((size_t)n != VU_HDR_SIZE + (size_t)len)
		return -EPIPE;
	return 0;
}
