/* SPDX-License-Identifier: GPL-2.0 */
/*
 * worker.h - run one slow call (pinning guest memory) on its own thread
 * and hear about its end in the event loop, so one device's pinning does
 * not stall every other device's session.
 */
#ifndef VUB_WORKER_H
#define VUB_WORKER_H

#include "session.h"

struct vu_worker;

/* Runs on the worker thread: only the data the caller handed over. */
typedef int (*vu_work_fn)(void *arg);
/* Runs in the loop once @fn returned @ret; the worker is gone by then. */
typedef void (*vu_work_done_fn)(void *arg, int ret);

/* Start @fn(@arg) on a new thread; @done(@arg, ret) follows in @loop.
 * NULL with errno set if no thread (or no eventfd) could be had. */
struct vu_worker *vu_worker_start(struct vu_loop *loop, vu_work_fn fn,
				  vu_work_done_fn done, void *arg);
/* Block until @fn returned, free the worker; @done is not called.
 * Returns @fn's result. For shutdown paths only. */
int vu_worker_wait(struct vu_worker *w);

#endif /* VUB_WORKER_H */
