/* SPDX-License-Identifier: GPL-2.0 */
/*
 * endpoint.h - one served device: the device, its vhost-user socket
 * (listening, or connected to a VMM in client mode) and its one session.
 */
#ifndef VUB_ENDPOINT_H
#define VUB_ENDPOINT_H

#include "device.h"
#include "session.h"

struct endpoint;

/*
 * Serve @dev (taken). Server mode: listen on @sock_dir/<name>.sock (mode
 * 0660 or --socket-mode, group --socket-group: sock_perm.h). Client mode (@client_path set): connect there, reconnecting with
 * back-off. NULL on failure (the device is destroyed).
 */
struct endpoint *endpoint_new(struct vu_device *dev, struct vu_loop *loop,
			      const char *sock_dir, const char *client_path);
/* Build a session on the endpoint being adopted (@end, @end_arg are its
 * end callback); NULL when there is none or it failed. */
typedef struct vu_session *(*endpoint_session_fn)(void *ctx,
						  vu_session_end_fn end,
						  void *end_arg);
/*
 * Serve @dev (taken) with what a predecessor left: server mode adopts
 * @listen_fd (taken; bound on @sock_dir/<name>.sock), client mode
 * (@client_path) reconnects only when no session is made. @make (may be
 * NULL) builds the session. NULL on failure (everything destroyed: the
 * device reset).
 */
struct endpoint *endpoint_adopt(struct vu_device *dev, struct vu_loop *loop,
				const char *sock_dir, const char *client_path,
				int listen_fd, endpoint_session_fn make,
				void *ctx);
struct vu_device *endpoint_device(const struct endpoint *ep);
struct vu_session *endpoint_session(const struct endpoint *ep);
int endpoint_listen_fd(const struct endpoint *ep);
/* End the session (the front-end sees the socket close), reset the
 * device, remove the socket, free. */
void endpoint_free(struct endpoint *ep);
const char *endpoint_name(const struct endpoint *ep);
/*
 * Register with the module who serves the device: the socket path (client
 * mode: the VMM's) and the front-end on @frontend_fd, or none (-1). Done
 * on start, on each connect and disconnect; a successor daemon that
 * adopted the device and the connection calls it once.
 */
int endpoint_owner_register(struct endpoint *ep, int frontend_fd);
/* The device disappeared underneath (ENODEV seen). */
bool endpoint_device_gone(const struct endpoint *ep);

#endif /* VUB_ENDPOINT_H */
