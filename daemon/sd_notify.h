/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sd_notify.h - tell the service manager (systemd, Type=notify) how the
 * daemon is doing. Without NOTIFY_SOCKET in the environment these do
 * nothing.
 */
#ifndef VUB_SD_NOTIFY_H
#define VUB_SD_NOTIFY_H

/* Every socket of the devices present at start listens. */
void notify_ready(unsigned int devices);
void notify_stopping(void);

#endif /* VUB_SD_NOTIFY_H */
