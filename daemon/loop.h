/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loop.h - the daemon's event loop: struct vu_loop over epoll.
 */
#ifndef VUB_LOOP_H
#define VUB_LOOP_H

#include "session.h"

struct ep_loop;

struct ep_loop *ep_loop_new(void);
void ep_loop_free(struct ep_loop *l);
struct vu_loop *ep_loop_base(struct ep_loop *l);
/* Wait for events (up to @timeout_ms, -1 forever) and run callbacks. */
int ep_loop_run_once(struct ep_loop *l, int timeout_ms);

#endif /* VUB_LOOP_H */
