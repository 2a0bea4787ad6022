/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Eventfds and waiting on them: every wait sleeps in epoll_wait() with a
 * deadline, never spins.
 */
#ifndef VUBT_EVWAIT_H
#define VUBT_EVWAIT_H

#include <stdint.h>

/* Non-blocking, close-on-exec eventfd; returns the fd or -errno. */
int evfd_new(void);
/* Add 1 to the counter. Returns 0 or -errno. */
int evfd_signal(int fd);
/* Read and clear the counter; 0 when nothing was pending. */
uint64_t evfd_drain(int fd);
/*
 * Sleep until @fd is readable or @timeout_ms passes, then drain it.
 * Returns the drained count (> 0) or -ETIMEDOUT / -errno.
 */
int64_t evfd_wait(int fd, int timeout_ms);

#define EVWAIT_MAX_FDS 8

/* A set of eventfds waited on together. */
struct evwait {
	int epfd;
	int nfds;
	int fds[EVWAIT_MAX_FDS];
	/* Signals drained per slot: each eventfd write (an interrupt, for a
	 * call fd) adds 1, however many coalesced before the wake-up. */
	uint64_t counts[EVWAIT_MAX_FDS];
};

int evwait_init(struct evwait *w);
/* Watch @fd; returns its slot (>= 0) or -errno. */
int evwait_add(struct evwait *w, int fd);
/*
 * Sleep until one watched fd is readable or @timeout_ms passes (< 0: no
 * limit). Drains every readable fd; bit n of the result says slot n fired.
 * Returns the mask (> 0), -ETIMEDOUT, or -errno.
 */
int evwait_wait(struct evwait *w, int timeout_ms);
void evwait_destroy(struct evwait *w);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t now_ms(void);

#endif
