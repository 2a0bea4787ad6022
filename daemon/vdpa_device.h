/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdpa_device.h - the device interface implemented over /dev/vubridge/<name>.
 */
#ifndef VUB_VDPA_DEVICE_H
#define VUB_VDPA_DEVICE_H

#include "device.h"
#include "vub_sys.h"

/*
 * Open the device node @path (exclusive: EBUSY while another process holds
 * it) for the vDPA device @name. Returns NULL with errno set and one log
 * line on failure.
 */
struct vu_device *vdpa_device_open(const char *name, const char *path);
/* The same through @sys (tests: a simulated module, tests/fake_vub.h). */
struct vu_device *vdpa_device_open_sys(const char *name, const char *path,
				       const struct vub_sys *sys);
/*
 * The device file @fd of @name a predecessor daemon held (taken): nothing
 * of the device is changed but its config eventfd, which becomes ours.
 */
struct vu_device *vdpa_device_adopt(const char *name, int fd);
/* The device file of a vDPA device (for handover). */
int vdpa_device_fd(const struct vu_device *dev);
/* Its control queue as the daemon runs it (for handover). */
struct net_cvq *vdpa_device_cvq(struct vu_device *dev);

#endif /* VUB_VDPA_DEVICE_H */
