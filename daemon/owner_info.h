/* SPDX-License-Identifier: GPL-2.0 */
/*
 * owner_info.h - tell operators who serves a device: the daemon's socket
 * (or the VMM socket it connects to) and the front-end connected to it,
 * registered with the module (VUB_SET_OWNER_INFO) so that "vubctl dev
 * show" and "vubctl monitor" display them.
 */
#ifndef VUB_OWNER_INFO_H
#define VUB_OWNER_INFO_H

#include "device.h"

/*
 * Register @label (a socket path; cut to what the module holds,
 * unprintable bytes shown as '?') and the front-end on @frontend_fd (its
 * pid and uid from SO_PEERCRED), or no front-end when @frontend_fd is -1.
 * Replaces what was registered before; the caller's process becomes the
 * device's owner in the module's reports. A successor daemon that
 * received the device file (and the front-end's connection) calls it once
 * to take over the registration. Returns 0 or -errno; a failure is
 * logged (once per device for a module without the ioctl) and harmless.
 */
int owner_info_register(struct vu_device *dev, const char *label,
			int frontend_fd);

#endif /* VUB_OWNER_INFO_H */
