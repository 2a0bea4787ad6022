/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.h - the vhost-user protocol engine: one front-end connection
 * driving one device.
 *
 * The engine does not own an event loop. It asks its owner to watch fds
 * through struct vu_loop, and is called back when they are ready; main.c
 * implements the loop with epoll, the tests with poll() or by calling
 * vu_session_on_socket() directly.
 */
#ifndef VUB_SESSION_H
#define VUB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

/* Event bits: the values of EPOLLIN/EPOLLOUT/... (and POLLIN/POLLOUT/...). */
#define VU_EV_IN	0x001u
#define VU_EV_OUT	0x004u
#define VU_EV_ERR	0x008u
#define VU_EV_HUP	0x010u

typedef void (*vu_event_fn)(void *arg, int fd, uint32_t events);

struct vu_loop {
	/* Call @fn(@arg, fd, revents) whenever @fd has one of @events. */
	int (*watch)(struct vu_loop *loop, int fd, uint32_t events,
		     vu_event_fn fn, void *arg);
	/* Change the events of a watched fd. */
	int (*update)(struct vu_loop *loop, int fd, uint32_t events);
	/* Forget @fd (before it is closed). */
	void (*unwatch)(struct vu_loop *loop, int fd);
};

struct vu_session;

/* fds one session may hold (memory regions, eventfds, channels); 0: what
 * a conforming front-end can make it hold (4 + memory slots + 3 per
 * queue). Set once at start (vubridged --max-session-fds). */
extern unsigned int vu_session_fd_cap;
/* The fd cap of a session on @dev. */
unsigned int vu_session_fd_cap_for(const struct vu_device *dev);
/* Guest memory (bytes) one device's session may have pinned, 0: no
 * limit. Set once at start (vubridged --max-pinned). */
extern uint64_t vu_pin_limit;

/* Called once when the session ended (peer gone or violation); the owner
 * then calls vu_session_destroy(), from the callback or later. */
typedef void (*vu_session_end_fn)(struct vu_session *s, void *arg);

/* Takes @fd (a connected unix stream socket). NULL on failure. */
struct vu_session *vu_session_new(struct vu_device *dev, int fd,
				  struct vu_loop *loop, vu_session_end_fn end,
				  void *arg);
/* Stop every queue, reset the device, close everything, free. */
void vu_session_destroy(struct vu_session *s);

/* The socket's event callback (registered through @loop). */
void vu_session_on_socket(void *arg, int fd, uint32_t events);

bool vu_session_ended(const struct vu_session *s);
/* The front-end's connection (owner facts of a session taken over). */
int vu_session_conn_fd(const struct vu_session *s);
/*
 * Called with the session's end argument (its endpoint) after its state may
 * have changed: messages handled, a pin finished, a session started or
 * ended. NULL: nobody listens. Set once at start (the fd store keeps its
 * record current through it).
 */
extern void (*vu_session_changed_hook)(void *end_arg);
/* Why the session ended ("" for a clean disconnect). */
const char *vu_session_error(const struct vu_session *s);

#endif /* VUB_SESSION_H */
