// SPDX-License-Identifier: GPL-2.0
/*
 * handover.c - one served device into a handover record, and back: the
 * device file, the listener and the session (handover_session.c), checked
 * against the module (handover_check.c) before anything is taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover.h"
#include "log.h"
#include "vdpa_device.h"

int ho_export(struct endpoint *ep, struct ho_record *r, ho_id_fn id,
	      void *ctx)
{
	struct vu_device *dev = endpoint_device(ep);
	struct vu_session *s = endpoint_session(ep);
	int lfd = endpoint_listen_fd(ep);

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", dev->name);
	r->device_id = dev->device_id;
	r->num_queues = dev->num_queues;
	r->dev_fd = id(ctx, vdpa_device_fd(dev));
	r->listen_fd = lfd >= 0 ? id(ctx, lfd) : HO_NOFD;
	r->conn_fd = r->breq_fd = HO_NOFD;
	ho_cvq_export(vdpa_device_cvq(dev), &r->cvq, id, ctx);
	if (!s || vu_session_ended(s))
		return 0;
	return ho_session_export(s, r, id, ctx);
}

static bool sock_opt(int fd, int opt, int want)
{
	socklen_t len = sizeof(int);
	int v = -1;

	return getsockopt(fd, SOL_SOCKET, opt, &v, &len) == 0 && v == want;
}

struct fd_probe {
	ho_fd_fn fd_of;
	void *ctx;
	uint32_t missing;
};

static void probe_id(void *arg, uint32_t id)
{
	struct fd_probe *p = arg;
	int fd = p->fd_of(p->ctx, id);

	if (fd < 0)
		p->missing = id;
	else
		close(fd);
}

int ho_check(const struct ho_record *r, bool client, ho_fd_fn fd_of,
	     void *ctx, char *why, size_t whylen)
{
	struct fd_probe p = { fd_of, ctx, HO_NOFD };
	struct stat st;
	int fd, ret;

	if (client != (r->listen_fd == HO_NOFD)) {
		snprintf(why, whylen, "the predecessor %s, this daemon %s",
			 client ? "listened" : "connected to the front-end",
			 client ? "connects" : "listens");
		return -EINVAL;
	}
	ho_record_for_each_fd(r, probe_id, &p);
	if (p.missing != HO_NOFD) {
		snprintf(why, whylen, "the file of fd id %u is missing",
			 p.missing);
		return -EBADF;
	}
	fd = fd_of(ctx, r->dev_fd);
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "the device file is not a device");
		return -EINVAL;
	}
	ret = ho_check_module(fd, r, why, whylen);
	close(fd);
	if (!ret)
		ret = ho_cvq_check_files(r, fd_of, ctx, why, whylen);
	if (ret)
		return ret;
	if (r->listen_fd != HO_NOFD) {
		fd = fd_of(ctx, r->listen_fd);
		ret = sock_opt(fd, SO_ACCEPTCONN, 1) ? 0 : -EINVAL;
		close(fd);
		if (ret) {
			snprintf(why, whylen, "the listener is not a listening socket");
			return ret;
		}
	}
	if (r->has_session) {
		fd = fd_of(ctx, r->conn_fd);
		ret = sock_opt(fd, SO_TYPE, SOCK_STREAM) &&
		      sock_opt(fd, SO_DOMAIN, AF_UNIX) ? 0 : -EINVAL;
		close(fd);
		if (ret) {
			snprintf(why, whylen, "the front-end connection is not a unix stream socket");
			return ret;
		}
	}
	return 0;
}

struct adopt_ctx {
	const struct ho_record *r;
	struct vu_device *dev;
	struct vu_loop *loop;
	ho_fd_fn fd_of;
	void *ctx;
};

static struct vu_session *make_session(void *arg, vu_session_end_fn end,
				       void *end_arg)
{
	struct adopt_ctx *a = arg;
	char why[256] = "";

	return ho_session_adopt(a->dev, a->loop, end, end_arg, a->r, a->fd_of,
				a->ctx, why, sizeof(why));
}

struct endpoint *ho_adopt(const struct ho_record *r, struct vu_loop *loop,
			  const char *sock_dir, const char *client_path,
			  ho_fd_fn fd_of, void *ctx)
{
	struct adopt_ctx a = { r, NULL, loop, fd_of, ctx };
	struct endpoint *ep;
	int lfd = -1;

	a.dev = vdpa_device_adopt(r->name, fd_of(ctx, r->dev_fd));
	if (!a.dev)
		return NULL;
	if (ho_cvq_adopt(vdpa_device_cvq(a.dev), r, fd_of, ctx)) {
		/* Checked before, so a lack of memory or files: the device
		 * resets when its file closes, a clean start. */
		log_err(r->name, "cannot take the control queue over: resetting the device");
		a.dev->ops->destroy(a.dev);
		return NULL;
	}
	if (r->listen_fd != HO_NOFD)
		lfd = fd_of(ctx, r->listen_fd);
	ep = endpoint_adopt(a.dev, loop, sock_dir, client_path, lfd,
			    r->has_session ? make_session : NULL, &a);
	if (ep)
		log_info(r->name, "taken over: %s", r->has_session ?
			 "the front-end stays connected" : "no front-end");
	return ep;
}

static const char *spoil_mode(void)
{
	return getenv("VUBRIDGED_TEST_BAD_RECORD");
}

void ho_test_spoil_bytes(uint8_t *buf, size_t *len)
{
	const char *how = spoil_mode();

	if (how && !strcmp(how, "truncate"))
		*len /= 2;
	else if (how && !strcmp(how, "version"))
		buf[4] = 0x7f;	/* a version nobody reads */
	else
		return;
	log_warn("-", "VUBRIDGED_TEST_BAD_RECORD=%s: the record is spoilt on purpose",
		 how);
}

void ho_test_spoil_record(struct ho_record *r)
{
	const char *how = spoil_mode();

	if (how && !strcmp(how, "cvq") && (r->cvq.flags & HO_CVQ_STARTED)) {
		/* One control command more than the ring holds. */
		r->cvq.next++;
		log_warn(r->name, "VUBRIDGED_TEST_BAD_RECORD=%s: the record is spoilt on purpose",
			 how);
		return;
	}
	if (!how || strcmp(how, "disagree") || !r->has_session)
		return;
	/* What the device runs is not what the record says. */
	r->life_state = r->life_state == 3 ? 1 : 3;
	if (r->nrings)
		r->rings[0].num *= 2;
	log_warn(r->name, "VUBRIDGED_TEST_BAD_RECORD=%s: the record is spoilt on purpose",
		 how);
}
