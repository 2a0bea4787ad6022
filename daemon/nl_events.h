/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_events.h - follow vubridge's generic-netlink "events" group (libnl-3)
 * in the daemon's event loop, beside libudev discovery.
 */
#ifndef VUB_NL_EVENTS_H
#define VUB_NL_EVENTS_H

#include <stdint.h>

#include "session.h"

/* One event: VUB_EVENT_* of device @name; @queue is the queue an ERROR
 * names, or -1. */
typedef void (*nl_event_fn)(void *arg, uint32_t event, const char *name,
			    int64_t queue);

struct nl_events;

/* A follower that has not joined yet; NULL only without memory. */
struct nl_events *nl_events_new(struct vu_loop *loop, nl_event_fn fn,
				void *arg);
/*
 * Join the group if not joined yet. Without the module (or with a module
 * that has no family) the daemon runs on without events: that is logged
 * once, and a later call (when a device appears, so the module is
 * loaded) tries again quietly. Returns 0 when joined, else -errno.
 */
int nl_events_join(struct nl_events *ev);
void nl_events_free(struct nl_events *ev);
/* The log line an event deserves (config change, error; others at debug). */
void nl_events_log(uint32_t event, const char *name, int64_t queue);

#endif /* VUB_NL_EVENTS_H */
