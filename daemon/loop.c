// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - epoll implementation of struct vu_loop.
 *
 * A callback may unwatch any fd, its own included; an unwatched entry is
 * kept (marked dead) until the current batch of events is dispatched, so
 * a pending event of it is skipped instead of touching freed memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

struct watch {
	struct watch *next;
	int fd;
	bool dead;
	vu_event_fn fn;
	void *arg;
};

struct ep_loop {
	struct vu_loop base;
	int epfd;
	struct watch *live;
	struct watch *dead;
};

static struct ep_loop *to_ep(struct vu_loop *l)
{
	return (struct ep_loop *)l;
}

static struct watch *find(struct ep_loop *l, int fd)
{
	struct watch *w;

	for (w = l->live; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

static int ep_watch(struct vu_loop *base, int fd, uint32_t events,
		    vu_event_fn fn, void *arg)
{
	struct ep_loop *l = to_ep(base);
	struct epoll_event ev = { .events = events };
	struct watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	w->next = l->live;
	l->live = w;
	return 0;
}

static int ep_update(struct vu_loop *base, int fd, uint32_t events)
{
	struct ep_loop *l = to_ep(base);
	struct watch *w = find(l, fd);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOENT;
	ev.data.ptr = w;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

static void ep_unwatch(struct vu_loop *base, int fd)
{
	struct ep_loop *l = to_ep(base);
	struct watch **pp, *w;

	for (pp = &l->live; (w = *pp); pp = &w->next) {
		if (w->fd != fd)
			continue;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		*pp = w->next;
		w->dead = true;
		w->next = l->dead;
		l->dead = w;
		return;
	}
}

struct ep_loop *ep_loop_new(void)
{
	struct ep_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->base.watch = ep_watch;
	l->base.update = ep_update;
	l->base.unwatch = ep_unwatch;
	return l;
}

static void free_list(struct watch *w)
{
	while (w) {
		struct watch *next = w->next;

		free(w);
		w = next;
	}
}

void ep_loop_free(struct ep_loop *l)
{
	if (!l)
		return;
	free_list(l->live);
	free_list(l->dead);
	close(l->epfd);
	free(l);
}

struct vu_loop *ep_loop_base(struct ep_loop *l)
{
	return &l->base;
}

int ep_loop_run_once(struct ep_loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n, i;

	n = epoll_wait(l->epfd, evs, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct watch *w = evs[i].data.ptr;

		if (!w->dead)
			w->fn(w->arg, w->fd, evs[i].events);
	}
	free_list(l->dead);
	l->dead = NULL;
	return n;
}
