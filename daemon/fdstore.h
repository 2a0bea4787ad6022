/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdstore.h - systemd's file descriptor store as the home of every served
 * device's files and a current record of its session, so that a daemon
 * started again (systemctl restart, an upgrade, or after a crash) takes
 * the devices over where the last one left them.
 *
 * Names (FDNAME): <device>.dev the device file, <device>.lis the listener,
 * <device>.rec a memfd holding the record, <device>.<id> every other file
 * the record names by id. The record memfd has two slots written in turn;
 * a reader takes the newest whole one, so a crash mid-write leaves the
 * previous one, whose files are removed from the store only after the new
 * one is written.
 */
#ifndef VUB_FDSTORE_H
#define VUB_FDSTORE_H

#include <stdbool.h>

#include "endpoint.h"
#include "session.h"

/* Use the store (NOTIFY_SOCKET must be set). @force: --fd-store; else
 * only when the service manager says it keeps fds ($FDSTORE > 0). */
bool fdstore_enable(bool force);
bool fdstore_enabled(void);

/* Bring the store up to date with @ep (the vu_session_changed_hook). */
void fdstore_sync(void *ep);
/* @ep stops being served for good: its files leave the store. */
void fdstore_forget(struct endpoint *ep);

/* The devices a predecessor left in the store (LISTEN_FDS): adopted when
 * their record agrees with the module, else reset and served afresh. */
typedef void (*fdstore_adopt_fn)(void *arg, struct endpoint *ep);
unsigned int fdstore_restore(struct vu_loop *loop, const char *sock_dir,
			     const char *client_path, fdstore_adopt_fn adopt,
			     void *arg);

#endif /* VUB_FDSTORE_H */
