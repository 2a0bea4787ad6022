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
