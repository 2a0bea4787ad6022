// SPDX-License-Identifier: GPL-2.0
/*
 * worker.c - one slow call on its own thread, its end signalled through an
 * eventfd the loop watches. The thread touches nothing but what its
 * function was given; the caller keeps everything else of that session
 * still (it stops reading the session's socket) until @done runs.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "worker.h"

struct vu_worker {
	pthread_t thread;
	struct vu_loop *loop;
	int efd;
	vu_work_fn fn;
	vu_work_done_fn done;
	void *arg;
	int ret;
};

static void *run(void *p)
{
	struct vu_worker *w = p;
	uint64_t one = 1;

	w->ret = w->fn(w->arg);
	while (write(w->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

static void finish(struct vu_worker *w)
{
	pthread_join(w->thread, NULL);
	w->loop->unwatch(w->loop, w->efd);
	close(w->efd);
}

static void on_done(void *arg, int fd, uint32_t events)
{
	struct vu_worker *w = arg;
	vu_work_done_fn done = w->done;
	void *done_arg = w->arg;
	uint64_t v;
	int ret;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0)
		return;	/* not yet (EAGAIN) */
	ret = w->ret;
	finish(w);
	free(w);
	done(done_arg, ret);
}

struct vu_worker *vu_worker_start(struct vu_loop *loop, vu_work_fn fn,
				  vu_work_done_fn done, void *arg)
{
	struct vu_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	if (!w)
		return NULL;
	w->loop = loop;
	w->fn = fn;
	w->done = done;
	w->arg = arg;
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0)
		goto err_free;
	err = loop->watch(loop, w->efd, VU_EV_IN, on_done, w);
	if (err < 0) {
		errno = -err;
		goto err_close;
	}
	/* Signals stay with the main thread (its signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		loop->unwatch(loop, w->efd);
		goto err_close;
	}
	return w;
err_close:
	err = errno;
	close(w->efd);
	errno = err;
err_free:
	err = errno;
	free(w);
	errno = err;
	return NULL;
}

int vu_worker_wait(struct vu_worker *w)
{
	int ret;

	finish(w);
	ret = w->ret;
	free(w);
	return ret;
}
