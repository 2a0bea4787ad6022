// SPDX-License-Identifier: GPL-2.0
/*
 * endpoint.c - the socket side of one device.
 *
 * One front-end at a time owns a device: a second connection is refused
 * with a log line. When a session ends for whatever reason the session
 * resets the device, so the next front-end starts from a clean device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

struct endpoint {
	struct vu_device *dev;
	struct vu_loop *loop;
	struct vu_session *session;
	int listen_fd;
	char sock_path[PATH_MAX];
	char *client_path;
	int timer_fd;
	unsigned int backoff_ms;
};

static void arm_reconnect(struct endpoint *ep);

static void on_session_end(struct vu_session *s, void *arg)
{
	struct endpoint *ep = arg;
	const char *why = vu_session_error(s);

	if (*why)
		log_info(ep->dev->name, "session ended (%s); resetting the device",
			 why);
	else
		log_info(ep->dev->name, "session ended; resetting the device");
	vu_session_destroy(s);
	ep->session = NULL;
	if (ep->client_path && !ep->dev->gone) {
		ep->backoff_ms = BACKOFF_MIN_MS;
		arm_reconnect(ep);
	}
}

static int start_session(struct endpoint *ep, int fd)
{
	ep->session = vu_session_new(ep->dev, fd, ep->loop, on_session_end, ep);
	if (!ep->session) {
		log_err(ep->dev->name, "cannot start a session");
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

static void on_accept(void *arg, int fd, uint32_t events)
{
	struct endpoint *ep = arg;
	int c;

	(void)events;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (ep->session) {
		log_warn(ep->dev->name, "refusing a second front-end: the device is in use");
		close(c);
		return;
	}
	if (ep->dev->gone) {
		close(c);
		return;
	}
	start_session(ep, c);
}

static int try_connect(struct endpoint *ep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ep->client_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	log_info(ep->dev->name, "connected to %s", ep->client_path);
	return start_session(ep, fd);
}

static void on_timer(void *arg, int fd, uint32_t events)
{
	struct endpoint *ep = arg;
	uint64_t n;
	int ret;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (ep->session || ep->dev->gone)
		return;
	ret = try_connect(ep);
	if (ret == 0)
		return;
	log_debug(ep->dev->name, "connecting to %s: %s; retry in %u ms",
		  ep->client_path, strerror(-ret), ep->backoff_ms);
	arm_reconnect(ep);
	ep->backoff_ms = ep->backoff_ms * 2 > BACKOFF_MAX_MS ?
			 BACKOFF_MAX_MS : ep->backoff_ms * 2;
}

static void arm_reconnect(struct endpoint *ep)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = ep->backoff_ms / 1000;
	its.it_value.tv_nsec = (long)(ep->backoff_ms % 1000) * 1000000L;
	timerfd_settime(ep->timer_fd, 0, &its, NULL);
}

static int listen_on(struct endpoint *ep, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, n;

	n = snprintf(ep->sock_path, sizeof(ep->sock_path), "%s/%s.sock", dir,
		     ep->dev->name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		log_err(ep->dev->name, "socket path %s/%s.sock too long", dir,
			ep->dev->name);
		ep->sock_path[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, ep->sock_path, (size_t)n + 1);
	if (lstat(ep->sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(ep->sock_path);	/* stale, from a killed daemon */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(ep->sock_path, 0660) < 0 || listen(fd, 4) < 0) {
		int err = -errno;

		log_err(ep->dev->name, "cannot listen on %s: %s",
			ep->sock_path, strerror(-err));
		close(fd);
		ep->sock_path[0] = '\0';
		return err;
	}
	ep->listen_fd = fd;
	log_info(ep->dev->name, "listening on %s", ep->sock_path);
	return ep->loop->watch(ep->loop, fd, VU_EV_IN, on_accept, ep);
}

struct endpoint *endpoint_new(struct vu_device *dev, struct vu_loop *loop,
			      const char *sock_dir, const char *client_path)
{
	struct endpoint *ep = calloc(1, sizeof(*ep));

	if (!ep) {
		dev->ops->destroy(dev);
		return NULL;
	}
	ep->dev = dev;
	ep->loop = loop;
	ep->listen_fd = -1;
	ep->timer_fd = -1;
	if (client_path) {
		ep->client_path = strdup(client_path);
		ep->timer_fd = timerfd_create(CLOCK_MONOTONIC,
					      TFD_NONBLOCK | TFD_CLOEXEC);
		if (!ep->client_path || ep->timer_fd < 0 ||
		    loop->watch(loop, ep->timer_fd, VU_EV_IN, on_timer, ep))
			goto err;
		ep->backoff_ms = BACKOFF_MIN_MS;
		if (try_connect(ep) < 0) {
			log_info(dev->name, "%s not reachable yet; retrying",
				 client_path);
			arm_reconnect(ep);
		}
	} else if (!sock_dir || listen_on(ep, sock_dir) < 0) {
		goto err;
	}
	return ep;
err:
	endpoint_free(ep);
	return NULL;
}

void endpoint_free(struct endpoint *ep)
{
	if (!ep)
		return;
	if (ep->session)
		vu_session_destroy(ep->session);
	if (ep->listen_fd >= 0) {
		ep->loop->unwatch(ep->loop, ep->listen_fd);
		close(ep->listen_fd);
	}
	if (ep->sock_path[0])
		unlink(ep->sock_path);
	if (ep->timer_fd >= 0) {
		ep->loop->unwatch(ep->loop, ep->timer_fd);
		close(ep->timer_fd);
	}
	free(ep->client_path);
	log_info(ep->dev->name, "no longer served");
	ep->dev->ops->destroy(ep->dev);
	free(ep);
}

const char *endpoint_name(const struct endpoint *ep)
{
	return ep->dev->name;
}

bool endpoint_device_gone(const struct endpoint *ep)
{
	return ep->dev->gone;
}
