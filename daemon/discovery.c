// SPDX-License-Identifier: GPL-2.0
/*
 * discovery.c - libudev enumeration and monitor of the "vubridge" class.
 *
 * With udevd running we listen to its (post-rule) events; without it (a
 * minimal system, the test VM) to the kernel's uevents directly: devtmpfs
 * created the node before the kernel sent the event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>

#include "discovery.h"
#include "log.h"

struct discovery {
	struct udev *udev;
	struct udev_monitor *mon;
	struct vu_loop *loop;
	discovery_add_fn add;
	discovery_remove_fn remove;
	void *arg;
};

static void report(struct discovery *d, struct udev_device *ud,
		   const char *action)
{
	const char *name = udev_device_get_sysname(ud);
	const char *node = udev_device_get_devnode(ud);

	if (!name)
		return;
	if (!action || !strcmp(action, "add")) {
		if (node)
			d->add(d->arg, name, node);
	} else if (!strcmp(action, "remove")) {
		d->remove(d->arg, name);
	}
}

static void on_monitor(void *arg, int fd, uint32_t events)
{
	struct discovery *d = arg;
	struct udev_device *ud;

	(void)fd;
	(void)events;
	while ((ud = udev_monitor_receive_device(d->mon))) {
		report(d, ud, udev_device_get_action(ud));
		udev_device_unref(ud);
	}
}

struct discovery *discovery_start(struct vu_loop *loop, discovery_add_fn add,
				  discovery_remove_fn remove, void *arg)
{
	struct udev_list_entry *e;
	struct udev_enumerate *en;
	struct discovery *d;
	const char *source;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->loop = loop;
	d->add = add;
	d->remove = remove;
	d->arg = arg;
	d->udev = udev_new();
	if (!d->udev) {
		log_warn("-", "libudev unavailable: no device discovery");
		goto err;
	}
	source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	d->mon = udev_monitor_new_from_netlink(d->udev, source);
	if (!d->mon ||
	    udev_monitor_filter_add_match_subsystem_devtype(d->mon,
							    VUB_SUBSYSTEM,
							    NULL) < 0 ||
	    udev_monitor_enable_receiving(d->mon) < 0) {
		log_warn("-", "cannot monitor %s uevents: no hot-plug discovery",
			 source);
		if (d->mon)
			udev_monitor_unref(d->mon);
		d->mon = NULL;
	} else if (loop->watch(loop, udev_monitor_get_fd(d->mon), VU_EV_IN,
			       on_monitor, d) < 0) {
		udev_monitor_unref(d->mon);
		d->mon = NULL;
	} else {
		log_debug("-", "watching %s events of subsystem %s", source,
			  VUB_SUBSYSTEM);
	}

	en = udev_enumerate_new(d->udev);
	if (en && udev_enumerate_add_match_subsystem(en, VUB_SUBSYSTEM) >= 0 &&
	    udev_enumerate_scan_devices(en) >= 0) {
		udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
			struct udev_device *ud;

			ud = udev_device_new_from_syspath(d->udev,
					udev_list_entry_get_name(e));
			if (ud) {
				report(d, ud, NULL);
				udev_device_unref(ud);
			}
		}
	}
	if (en)
		udev_enumerate_unref(en);
	return d;
err:
	free(d);
	return NULL;
}

void discovery_stop(struct discovery *d)
{
	if (!d)
		return;
	if (d->mon) {
		d->loop->unwatch(d->loop, udev_monitor_get_fd(d->mon));
		udev_monitor_unref(d->mon);
	}
	udev_unref(d->udev);
	free(d);
}
