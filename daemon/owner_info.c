// SPDX-License-Identifier: GPL-2.0
/*
 * owner_info.c - the owner facts a device's module keeps for operators
 * (see owner_info.h). Nothing here affects serving the device: a module
 * that cannot take them only makes "vubctl dev show" say less.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "owner_info.h"

int owner_info_register(struct vu_device *dev, const char *label,
			int frontend_fd)
{
	struct vu_owner_info oi = { 0 };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	size_t i;
	int ret;

	if (!dev->ops->set_owner_info)
		return -EOPNOTSUPP;
	/* The module takes printable ASCII only: a path with other bytes
	 * is still recognisable with '?' in their place. */
	snprintf(oi.label, sizeof(oi.label), "%s", label ? label : "");
	for (i = 0; oi.label[i]; i++)
		if (oi.label[i] < 0x20 || oi.label[i] > 0x7e)
			oi.label[i] = '?';
	if (frontend_fd >= 0) {
		if (getsockopt(frontend_fd, SOL_SOCKET, SO_PEERCRED, &cred,
			       &len) == 0) {
			oi.frontend = true;
			oi.frontend_pid = cred.pid;
			oi.frontend_uid = cred.uid;
		} else {
			log_debug(dev->name, "SO_PEERCRED: %s", strerror(errno));
			/* Connected all the same: say so without ids. */
			oi.frontend = true;
		}
	}
	ret = dev->ops->set_owner_info(dev, &oi);
	if (ret == -ENOTTY && !dev->owner_info_unsupported) {
		dev->owner_info_unsupported = true;
		log_info(dev->name, "the module does not take owner facts (VUB_SET_OWNER_INFO): vubctl will not show the socket and front-end");
	} else if (ret && ret != -ENOTTY && ret != -ENODEV) {
		log_warn(dev->name, "VUB_SET_OWNER_INFO: %s", strerror(-ret));
	} else if (!ret) {
		log_debug(dev->name, "owner facts: label \"%s\", front-end %s (pid %d uid %u)",
			  oi.label, oi.frontend ? "connected" : "none",
			  (int)oi.frontend_pid, (unsigned int)oi.frontend_uid);
	}
	return ret;
}
