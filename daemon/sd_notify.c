// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify.c - readiness for systemd through libsystemd's sd_notify():
 * units that order themselves after vubridged.service (a VMM's) start once
 * the sockets exist, not merely once the process does.
 */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "sd_notify.h"

void notify_ready(unsigned int devices)
{
	char msg[96];
	int ret;

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=serving %u device%s",
		 devices, devices == 1 ? "" : "s");
	ret = sd_notify(0, msg);
	if (ret < 0)
		log_warn("-", "cannot notify the service manager: %s",
			 strerror(-ret));
	else if (ret > 0)
		log_info("-", "ready: told the service manager (%u device%s)",
			 devices, devices == 1 ? "" : "s");
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
