// SPDX-License-Identifier: GPL-2.0
/* Eventfd helpers and epoll waits with deadlines. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "evwait.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int evfd_new(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int evfd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

uint64_t evfd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int64_t evfd_wait(int fd, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v;

	for (;;) {
		int64_t left = deadline - now_ms();
		int ret;

		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, (int)left);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (ret == 0)
			return -ETIMEDOUT;
		v = evfd_drain(fd);
		if (v)
			return (int64_t)v;
		/* Someone else drained it: sleep again until the deadline. */
	}
}

int evwait_init(struct evwait *w)
{
	memset(w, 0, sizeof(*w));
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	return w->epfd < 0 ? -errno : 0;
}

int evwait_add(struct evwait *w, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (w->nfds >= EVWAIT_MAX_FDS)
		return -ENOSPC;
	ev.data.u32 = (uint32_t)w->nfds;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	w->fds[w->nfds] = fd;
	return w->nfds++;
}

int evwait_wait(struct evwait *w, int timeout_ms)
{
	struct epoll_event evs[EVWAIT_MAX_FDS];
	int64_t deadline = now_ms() + timeout_ms;
	int mask = 0;

	for (;;) {
		int64_t left = timeout_ms < 0 ? -1 : deadline - now_ms();
		int n, i;

		if (timeout_ms >= 0 && left < 0)
			left = 0;
		n = epoll_wait(w->epfd, evs, EVWAIT_MAX_FDS, (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ETIMEDOUT;
		for (i = 0; i < n; i++) {
			uint32_t slot = evs[i].data.u32;
			uint64_t v = slot < (uint32_t)w->nfds ?
				     evfd_drain(w->fds[slot]) : 0;

			if (v) {
				w->counts[slot] += v;
				mask |= 1 << slot;
			}
		}
		if (mask)
			return mask;
	}
}

void evwait_destroy(struct evwait *w)
{
	if (w->epfd > 0)
		close(w->epfd);
	memset(w, 0, sizeof(*w));
}
