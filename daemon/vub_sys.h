/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vub_sys.h - the one way the vDPA device layer reaches vubridge.ko.
 *
 * vdpa_device.c opens, drives and closes /dev/vubridge/<name> only through
 * these three calls, so the host tests and the fuzzer can run it against a
 * simulated module (tests/fake_vub.c) instead of the kernel's. The real
 * implementation is vub_sys_kernel: open(2), ioctl(2), close(2).
 *
 * It also carries the UAPI additions of this release until the header in
 * uapi/ has them (compiled out as soon as it does).
 */
#ifndef VUB_SYS_H
#define VUB_SYS_H

#include <linux/vubridge.h>

struct vub_sys {
	/* Open the device node: an fd, or -errno. */
	int (*open)(void *ctx, const char *path);
	/* One ioctl: 0 (or the ioctl's non-negative result), or -errno. */
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
	void (*close)(void *ctx, int fd);
	/* Kick queue @idx of the device file @fd through its kick eventfd
	 * @kick_fd (the daemon's own control queue). Optional: NULL writes
	 * the eventfd, which the module polls; a simulated module runs its
	 * device here instead. */
	int (*kick)(void *ctx, int fd, unsigned int idx, int kick_fd);
	void *ctx;
};

extern const struct vub_sys vub_sys_kernel;

#ifndef VUB_SET_QUEUE_CALL
/* Replace one eventfd of a started queue in place (see the UAPI page). */
struct vub_queue_fd {
	__u32 index;
	__s32 fd;
};

#define VUB_SET_QUEUE_CALL	_IOW(VUB_IOCTL_MAGIC, 0x27, struct vub_queue_fd)
#define VUB_SET_QUEUE_ERR	_IOW(VUB_IOCTL_MAGIC, 0x28, struct vub_queue_fd)
#endif

#endif /* VUB_SYS_H */
