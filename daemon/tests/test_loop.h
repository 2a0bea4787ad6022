/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_loop.h - a poll()-based struct vu_loop the tests drive by hand:
 * test_loop_pump() runs every ready callback until nothing is ready.
 */
#ifndef VUB_TEST_LOOP_H
#define VUB_TEST_LOOP_H

#include <stdbool.h>

#include "session.h"

#define TL_MAX_WATCHES	64

struct tl_watch {
	bool used;
	int fd;
	uint32_t events;
	vu_event_fn fn;
	void *arg;
};

struct test_loop {
	struct vu_loop base;
	struct tl_watch w[TL_MAX_WATCHES];
};

void test_loop_init(struct test_loop *l);
/* Run callbacks of ready fds, at most @rounds rounds; returns callbacks run. */
int test_loop_pump(struct test_loop *l, int rounds);
/* Idle hook for struct vu_fe. */
void test_loop_idle(void *arg);
unsigned int test_loop_count(const struct test_loop *l);

#endif /* VUB_TEST_LOOP_H */
