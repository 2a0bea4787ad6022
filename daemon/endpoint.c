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
#include <fcntl.h>
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
#include "sock_perm.h"
#include "log.h"
#include "owner_info.h"

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
#define CONNECT_TIMEOUT_MS	2000	/* client mode: one connect() attempt */
#define ACCEPT_PAUSE_MS		250	/* listener paused on EMFILE/ENFILE */

/* What the one timer of an endpoint is armed for. */
enum ep_timer {
	EP_TIMER_IDLE,
	EP_TIMER_RECONNECT,	/* client: next connect() attempt */
	EP_TIMER_CONNECTING,	/* client: the attempt in progress times out */
	EP_TIMER_LISTEN_PAUSED,	/* server: watch the listener again */
};

struct endpoint {
	struct vu_device *dev;
	struct vu_loop *loop;
	struct vu_session *session;
	int listen_fd;
	int dir_fd;		/* the socket directory, opened once */
	char sock_name[NAME_MAX + 1];	/* <name>.sock in @dir_fd */
	char sock_path[PATH_MAX];	/* for logs */
	dev_t sock_dev;		/* the socket file we created, so that */
	ino_t sock_ino;		/* shutdown removes that one only */
	char *client_path;
	int conn_fd;		/* client: connect() in progress, or -1 */
	int timer_fd;
	enum ep_timer timer;
	unsigned int backoff_ms;
};

static void arm_timer(struct endpoint *ep, enum ep_timer what,
		      unsigned int ms);
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
	if (!ep->dev->gone)
		endpoint_owner_register(ep, -1);
	if (ep->client_path && !ep->dev->gone) {
		ep->backoff_ms = BACKOFF_MIN_MS;
		arm_reconnect(ep);
	}
	if (vu_session_changed_hook)
		vu_session_changed_hook(ep);
}

static int start_session(struct endpoint *ep, int fd)
{
	ep->session = vu_session_new(ep->dev, fd, ep->loop, on_session_end, ep);
	if (!ep->session) {
		log_err(ep->dev->name, "cannot start a session");
		close(fd);
		return -ENOMEM;
	}
	endpoint_owner_register(ep, fd);
	if (vu_session_changed_hook)
		vu_session_changed_hook(ep);
	return 0;
}

/*
 * Out of fds (EMFILE/ENFILE): the pending connection stays in the backlog
 * and the listener would stay readable, so a level-triggered loop would
 * spin. Stop watching it for a while instead; the front-end is served
 * once fds are free again.
 */
static void pause_listener(struct endpoint *ep, int err)
{
	log_warn(ep->dev->name, "cannot accept a front-end: %s; trying again in %u ms",
		 strerror(err), ACCEPT_PAUSE_MS);
	ep->loop->unwatch(ep->loop, ep->listen_fd);
	arm_timer(ep, EP_TIMER_LISTEN_PAUSED, ACCEPT_PAUSE_MS);
}

static void on_accept(void *arg, int fd, uint32_t events);

static void resume_listener(struct endpoint *ep)
{
	if (ep->loop->watch(ep->loop, ep->listen_fd, VU_EV_IN, on_accept,
			    ep) < 0)
		arm_timer(ep, EP_TIMER_LISTEN_PAUSED, ACCEPT_PAUSE_MS);
}

static void on_accept(void *arg, int fd, uint32_t events)
{
	struct endpoint *ep = arg;
	int c;

	(void)events;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			pause_listener(ep, errno);
		return;
	}
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

static void connect_failed(struct endpoint *ep, int err)
{
	log_debug(ep->dev->name, "connecting to %s: %s; retry in %u ms",
		  ep->client_path, strerror(err), ep->backoff_ms);
	arm_reconnect(ep);
	ep->backoff_ms = ep->backoff_ms * 2 > BACKOFF_MAX_MS ?
			 BACKOFF_MAX_MS : ep->backoff_ms * 2;
}

static void connected(struct endpoint *ep, int fd)
{
	log_info(ep->dev->name, "connected to %s", ep->client_path);
	arm_timer(ep, EP_TIMER_IDLE, 0);
	start_session(ep, fd);
}

static void drop_connect(struct endpoint *ep)
{
	if (ep->conn_fd < 0)
		return;
	ep->loop->unwatch(ep->loop, ep->conn_fd);
	close(ep->conn_fd);
	ep->conn_fd = -1;
}

/* The connect() in progress finished, one way or the other. */
static void on_connect_done(void *arg, int fd, uint32_t events)
{
	struct endpoint *ep = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	ep->loop->unwatch(ep->loop, fd);
	ep->conn_fd = -1;
	if (err) {
		close(fd);
		connect_failed(ep, err);
		return;
	}
	connected(ep, fd);
}

/*
 * One non-blocking connect(): a VMM whose backlog is full (EAGAIN on a
 * unix socket) or that never accepts must not hold the loop, which serves
 * every other device too.
 */
static int try_connect(struct endpoint *ep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(ep->client_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, ep->client_path, strlen(ep->client_path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		connected(ep, fd);
		return 0;
	}
	err = errno;
	if (err == EINPROGRESS &&
	    ep->loop->watch(ep->loop, fd, VU_EV_OUT, on_connect_done, ep) == 0) {
		ep->conn_fd = fd;
		arm_timer(ep, EP_TIMER_CONNECTING, CONNECT_TIMEOUT_MS);
		return 0;
	}
	close(fd);
	return -err;
}

static void on_timer(void *arg, int fd, uint32_t events)
{
	struct endpoint *ep = arg;
	enum ep_timer what = ep->timer;
	uint64_t n;
	int ret;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	ep->timer = EP_TIMER_IDLE;
	switch (what) {
	case EP_TIMER_LISTEN_PAUSED:
		resume_listener(ep);
		return;
	case EP_TIMER_CONNECTING:
		drop_connect(ep);
		log_warn(ep->dev->name, "connecting to %s: no answer in %u ms",
			 ep->client_path, CONNECT_TIMEOUT_MS);
		connect_failed(ep, ETIMEDOUT);
		return;
	case EP_TIMER_RECONNECT:
		if (ep->session || ep->dev->gone || ep->conn_fd >= 0)
			return;
		ret = try_connect(ep);
		if (ret < 0)
			connect_failed(ep, -ret);
		return;
	case EP_TIMER_IDLE:
		return;
	}
}

static void arm_timer(struct endpoint *ep, enum ep_timer what,
		      unsigned int ms)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	ep->timer = what;
	timerfd_settime(ep->timer_fd, 0, &its, NULL);
}

static void arm_reconnect(struct endpoint *ep)
{
	arm_timer(ep, EP_TIMER_RECONNECT, ep->backoff_ms);
}

/*
 * The socket directory: not a symlink itself, owned by us or root, and
 * not writable by everybody (unless sticky), so nobody else can plant or
 * swap names in it.
 */
static int open_sock_dir(struct endpoint *ep, const char *dir)
{
	struct stat st;
	int fd, err;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		log_err(ep->dev->name, "socket directory %s: %s", dir,
			err == ELOOP || err == ENOTDIR ?
			"not a directory (a symlink?): refusing it" :
			strerror(err));
		return -err;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		log_err(ep->dev->name, "socket directory %s belongs to uid %u: refusing it",
			dir, (unsigned int)st.st_uid);
		close(fd);
		return -EPERM;
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		log_err(ep->dev->name, "socket directory %s is writable by everybody: refusing it",
			dir);
		close(fd);
		return -EPERM;
	}
	ep->dir_fd = fd;
	return 0;
}

/*
 * Create <dir>/<name>.sock. A name that exists and is not a socket (a
 * symlink planted there, a file) is refused, never followed or removed;
 * a socket is a leftover of a killed daemon and is replaced. bind()
 * creates the file with the umask's mode, so no chmod() by path can be
 * redirected to another file after the bind.
 */
static int listen_on(struct endpoint *ep, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, n, ret;

	n = snprintf(ep->sock_path, sizeof(ep->sock_path), "%s/%s.sock", dir,
		     ep->dev->name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		log_err(ep->dev->name, "socket path %s/%s.sock too long", dir,
			ep->dev->name);
		return -ENAMETOOLONG;
	}
	snprintf(ep->sock_name, sizeof(ep->sock_name), "%s.sock",
		 ep->dev->name);
	memcpy(sa.sun_path, ep->sock_path, (size_t)n + 1);
	ret = open_sock_dir(ep, dir);
	if (ret)
		return ret;
	if (fstatat(ep->dir_fd, ep->sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err(ep->dev->name, "%s exists and is %s, not a socket of ours: refusing to use or remove it",
				ep->sock_path, S_ISLNK(st.st_mode) ?
				"a symlink" : "another kind of file");
			return -EEXIST;
		}
		unlinkat(ep->dir_fd, ep->sock_name, 0);	/* stale */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(sock_perm_umask());	/* --socket-mode, default 0660 */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret == 0 &&
	    fstatat(ep->dir_fd, ep->sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		ep->sock_dev = st.st_dev;
		ep->sock_ino = st.st_ino;
		ret = sock_perm_apply(ep->dir_fd, ep->sock_name, st.st_ino,
				      ep->dev->name);
		if (ret < 0) {
			close(fd);
			return ret;
		}
		ret = listen(fd, 4);
	} else if (ret == 0) {
		errno = EEXIST;	/* replaced between bind and check */
		ret = -1;
	}
	if (ret < 0) {
		int err = -errno;

		log_err(ep->dev->name, "cannot listen on %s: %s",
			ep->sock_path, strerror(-err));
		close(fd);
		return err;
	}
	ep->listen_fd = fd;
	log_info(ep->dev->name, "listening on %s", ep->sock_path);
	return ep->loop->watch(ep->loop, fd, VU_EV_IN, on_accept, ep);
}

/* A listener a predecessor bound on <dir>/<name>.sock: serve it as is. */
static int listen_adopt(struct endpoint *ep, const char *dir, int fd)
{
	struct stat st;
	int ret;

	snprintf(ep->sock_path, sizeof(ep->sock_path), "%s/%s.sock", dir,
		 ep->dev->name);
	snprintf(ep->sock_name, sizeof(ep->sock_name), "%s.sock",
		 ep->dev->name);
	ret = open_sock_dir(ep, dir);
	if (ret) {
		close(fd);
		return ret;
	}
	ep->listen_fd = fd;
	if (fstatat(ep->dir_fd, ep->sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		ep->sock_dev = st.st_dev;
		ep->sock_ino = st.st_ino;
	} else {
		log_warn(ep->dev->name, "%s is gone: front-ends cannot connect until the device is served again",
			 ep->sock_path);
	}
	return ep->loop->watch(ep->loop, fd, VU_EV_IN, on_accept, ep);
}

/* Remove our socket file, and only ours. */
static void remove_socket(struct endpoint *ep)
{
	struct stat st;

	if (ep->dir_fd < 0 || !ep->sock_ino ||
	    fstatat(ep->dir_fd, ep->sock_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISSOCK(st.st_mode) && st.st_dev == ep->sock_dev &&
	    st.st_ino == ep->sock_ino)
		unlinkat(ep->dir_fd, ep->sock_name, 0);
	else
		log_warn(ep->dev->name, "%s is no longer our socket: left alone",
			 ep->sock_path);
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
	ep->dir_fd = -1;
	ep->conn_fd = -1;
	ep->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep->timer_fd < 0 ||
	    loop->watch(loop, ep->timer_fd, VU_EV_IN, on_timer, ep)) {
		if (ep->timer_fd >= 0)
			close(ep->timer_fd);
		ep->timer_fd = -1;
		goto err;
	}
	if (client_path) {
		int ret;

		ep->client_path = strdup(client_path);
		if (!ep->client_path)
			goto err;
		ep->backoff_ms = BACKOFF_MIN_MS;
		ret = try_connect(ep);
		if (ret < 0) {
			log_info(dev->name, "%s not reachable yet (%s); retrying",
				 client_path, strerror(-ret));
			connect_failed(ep, -ret);
		}
	} else if (!sock_dir || listen_on(ep, sock_dir) < 0) {
		goto err;
	}
	if (!ep->session)
		endpoint_owner_register(ep, -1);
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
	drop_connect(ep);
	if (ep->listen_fd >= 0) {
		ep->loop->unwatch(ep->loop, ep->listen_fd);
		close(ep->listen_fd);
	}
	remove_socket(ep);
	if (ep->dir_fd >= 0)
		close(ep->dir_fd);
	if (ep->timer_fd >= 0) {
		ep->loop->unwatch(ep->loop, ep->timer_fd);
		close(ep->timer_fd);
	}
	free(ep->client_path);
	log_info(ep->dev->name, "no longer served");
	ep->dev->ops->destroy(ep->dev);
	free(ep);
}

int endpoint_owner_register(struct endpoint *ep, int frontend_fd)
{
	return owner_info_register(ep->dev, ep->client_path ? ep->client_path
							    : ep->sock_path,
				   frontend_fd);
}

struct endpoint *endpoint_adopt(struct vu_device *dev, struct vu_loop *loop,
				const char *sock_dir, const char *client_path,
				int listen_fd, endpoint_session_fn make,
				void *ctx)
{
	struct endpoint *ep = calloc(1, sizeof(*ep));

	if (!ep) {
		if (listen_fd >= 0)
			close(listen_fd);
		dev->ops->destroy(dev);
		return NULL;
	}
	ep->dev = dev;
	ep->loop = loop;
	ep->listen_fd = -1;
	ep->dir_fd = -1;
	ep->conn_fd = -1;
	ep->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep->timer_fd < 0 ||
	    loop->watch(loop, ep->timer_fd, VU_EV_IN, on_timer, ep)) {
		if (ep->timer_fd >= 0)
			close(ep->timer_fd);
		ep->timer_fd = -1;
		if (listen_fd >= 0)
			close(listen_fd);
		goto err;
	}
	if (client_path) {
		ep->client_path = strdup(client_path);
		if (!ep->client_path)
			goto err;
		ep->backoff_ms = BACKOFF_MIN_MS;
	} else if (listen_adopt(ep, sock_dir, listen_fd) < 0) {
		goto err;
	}
	if (make) {
		ep->session = make(ctx, on_session_end, ep);
		if (!ep->session)
			goto err;
	}
	if (!ep->session && ep->client_path)
		arm_reconnect(ep);
	/* The owner is this process now: tell the module who we are. */
	endpoint_owner_register(ep, ep->session ?
				vu_session_conn_fd(ep->session) : -1);
	return ep;
err:
	endpoint_free(ep);
	return NULL;
}

struct vu_device *endpoint_device(const struct endpoint *ep)
{
	return ep->dev;
}

struct vu_session *endpoint_session(const struct endpoint *ep)
{
	return ep->session;
}

int endpoint_listen_fd(const struct endpoint *ep)
{
	return ep->listen_fd;
}

const char *endpoint_name(const struct endpoint *ep)
{
	return ep->dev->name;
}

bool endpoint_device_gone(const struct endpoint *ep)
{
	return ep->dev->gone;
}
