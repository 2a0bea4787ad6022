/* SPDX-License-Identifier: GPL-2.0 */
/*
 * takeover.h - vubridged --takeover: a new daemon takes every served
 * device from the running one over its control socket (a unix seqpacket
 * socket, mode 0600, default <socket-dir>/vubridged.ctl).
 *
 * The running daemon stops reading between two loop iterations (so at a
 * message boundary of every front-end; bytes of a message half read travel
 * in the record, the rest stays in the socket), sends every fd and one
 * record per device, and waits for the successor's verdict: ACK, and it
 * exits without touching any device; NACK, silence or the successor's
 * death, and it serves on as if nothing happened.
 */
#ifndef VUB_TAKEOVER_H
#define VUB_TAKEOVER_H

#include <stdbool.h>

#include "endpoint.h"
#include "session.h"

#define TAKEOVER_SOCK_NAME	"vubridged.ctl"

/* The served endpoints, at most @cap; returns how many. */
typedef unsigned int (*takeover_list_fn)(void *arg, struct endpoint **eps,
					 unsigned int cap);
/* A successor acknowledged: exit now, closing nothing explicitly. */
typedef void (*takeover_done_fn)(void *arg);
/* The successor took @ep over: serve it. */
typedef void (*takeover_adopt_fn)(void *arg, struct endpoint *ep);

struct takeover;

/* Listen on @path (@fd >= 0: the listener a predecessor handed over). */
struct takeover *takeover_listen(struct vu_loop *loop, const char *path,
				 int fd, takeover_list_fn list,
				 takeover_done_fn done, void *arg);
/* Stop listening and remove the socket (a daemon that stops for good). */
void takeover_close(struct takeover *t);

/*
 * Take every device from the daemon listening on @path. Returns 0 with
 * each device given to @adopt and *@ctl_fd the control listener to serve
 * on, or -errno after one log line saying why (the old daemon then serves
 * on: nothing was taken).
 */
int takeover_receive(const char *path, struct vu_loop *loop,
		     const char *sock_dir, const char *client_path,
		     takeover_adopt_fn adopt, void *arg, int *ctl_fd);

#endif /* VUB_TAKEOVER_H */
