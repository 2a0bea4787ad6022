/* SPDX-License-Identifier: GPL-2.0 */
/*
 * discovery.h - find vubridge device nodes with libudev, and follow them
 * appearing and disappearing.
 */
#ifndef VUB_DISCOVERY_H
#define VUB_DISCOVERY_H

#include "session.h"

/* The class the module registers; nodes live in /dev/vubridge/. */
#define VUB_SUBSYSTEM	"vubridge"

typedef void (*discovery_add_fn)(void *arg, const char *name,
				 const char *devnode);
typedef void (*discovery_remove_fn)(void *arg, const char *name);

struct discovery;

/*
 * Report every device present now through @add, then watch for changes
 * through @loop. Returns NULL (and logs why) when udev is unavailable; the
 * daemon then serves only devices named on the command line.
 */
struct discovery *discovery_start(struct vu_loop *loop, discovery_add_fn add,
				  discovery_remove_fn remove, void *arg);
void discovery_stop(struct discovery *d);

#endif /* VUB_DISCOVERY_H */
