// SPDX-License-Identifier: GPL-2.0
/*
 * test_loop.c - poll()-based event loop for tests and the fuzzer.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "test_loop.h"

static struct test_loop *to_tl(struct vu_loop *l)
{
	return (struct test_loop *)l;
}

static int tl_watch(struct vu_loop *base, int fd, uint32_t events,
		    vu_event_fn fn, void *arg)
{
	struct test_loop *l = to_tl(base);
	int i;

	for (i = 0; i < TL_MAX_WATCHES; i++) {
		if (l->w[i].used)
			continue;
		l->w[i] = (struct tl_watch){ true, fd, events, fn, arg };
		return 0;
	}
	return -ENOSPC;
}

static int tl_update(struct vu_loop *base, int fd, uint32_t events)
{
	struct test_loop *l = to_tl(base);
	int i;

	for (i = 0; i < TL_MAX_WATCHES; i++) {
		if (l->w[i].used && l->w[i].fd == fd) {
			l->w[i].events = events;
			return 0;
		}
	}
	return -ENOENT;
}

static void tl_unwatch(struct vu_loop *base, int fd)
{
	struct test_loop *l = to_tl(base);
	int i;

	for (i = 0; i < TL_MAX_WATCHES; i++)
		if (l->w[i].used && l->w[i].fd == fd)
			l->w[i].used = false;
}

void test_loop_init(struct test_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->base.watch = tl_watch;
	l->base.update = tl_update;
	l->base.unwatch = tl_unwatch;
}

int test_loop_pump(struct test_loop *l, int rounds)
{
	int total = 0;

	while (rounds-- > 0) {
		struct pollfd p[TL_MAX_WATCHES];
		struct tl_watch snap[TL_MAX_WATCHES];
		int idx[TL_MAX_WATCHES], n = 0, i, ran = 0;

		for (i = 0; i < TL_MAX_WATCHES; i++) {
			if (!l->w[i].used)
				continue;
			p[n].fd = l->w[i].fd;
			p[n].events = (short)l->w[i].events;
			p[n].revents = 0;
			snap[n] = l->w[i];
			idx[n++] = i;
		}
		if (!n || poll(p, (nfds_t)n, 0) <= 0)
			break;
		for (i = 0; i < n; i++) {
			struct tl_watch *w = &l->w[idx[i]];

			if (!p[i].revents)
				continue;
			/* Skip a watch a previous callback removed. */
			if (!w->used || w->fd != snap[i].fd ||
			    w->fn != snap[i].fn || w->arg != snap[i].arg)
				continue;
			w->fn(w->arg, w->fd, (uint32_t)p[i].revents);
			ran++;
		}
		if (!ran)
			break;
		total += ran;
	}
	return total;
}

void test_loop_idle(void *arg)
{
	test_loop_pump(arg, 16);
}

unsigned int test_loop_count(const struct test_loop *l)
{
	unsigned int i, n = 0;

	for (i = 0; i < TL_MAX_WATCHES; i++)
		n += l->w[i].used;
	return n;
}
