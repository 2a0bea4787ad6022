/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Setting up vDPA devices inside the test VM: modules (load, reload with
 * parameters, unload), `vdpa dev add/del`, steering a device to a driver
 * with driver_override, and waiting for /dev/vubridge/<name>.
 *
 * Every function returns 0 or -errno and, on failure, leaves a one-line
 * reason in vub_env_err().
 */
#ifndef VUBT_VDPA_ENV_H
#define VUBT_VDPA_ENV_H

#include <stdbool.h>
#include <stddef.h>

#define VUB_DRIVER		"vubridge"
#define VUB_DEV_DIR		"/dev/vubridge"
#define VUB_CLASS_DIR		"/sys/class/vubridge"
#define VDPA_BUS_DIR		"/sys/bus/vdpa"
#define VUB_MGMT_LEN		64

/* The reason the last failing call gave. */
const char *vub_env_err(void);
void vub_env_set_err(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Repository root and build directory ($VUB_ROOT, $VUB_BUILD, or derived
 * from this executable's path build/<dir>/<exe>).
 */
const char *vub_root_dir(void);
const char *vub_build_dir(void);

/* Run a shell command; its stdout goes to our stderr. Returns its exit
 * status (0 = success), or -errno if it could not run.
 */
int vub_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command and capture up to @cap - 1 bytes of its stdout
 * (trailing newlines removed). Returns its exit status or -errno.
 */
int vub_sh_out(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read/write a small sysfs-like file. */
int vub_write_file(const char *path, const char *val);
int vub_read_file(const char *path, char *buf, size_t cap);
int vub_read_long(const char *path, long *val);

/* Modules (names with underscores, as in /sys/module). */
bool vub_module_loaded(const char *name);
/* Path of our own build of @name (kmod/vubridge.ko, build/sims/...), or
 * NULL when the kernel's own module is meant.
 */
const char *vub_module_path(const char *name, char *buf, size_t cap);
/* Load @name with @params (may be NULL) unless loaded. */
int vub_module_load(const char *name, const char *params);
/* Unload @name if loaded; retries briefly while it is busy. */
int vub_module_unload(const char *name);
/* Unload (if loaded) and load again with @params. */
int vub_module_reload(const char *name, const char *params);
/* Integer module parameter, or -errno. */
long vub_module_param(const char *name, const char *param);

/*
 * Bring vdpa_sim back with @params ("batch_mapping=0", NULL for the
 * defaults): deletes every simulator device, unloads vdpa_sim_net,
 * vdpa_sim_blk and vdpa_sim, loads them again.
 */
int vub_sims_reload(const char *params);
/* Load vdpa, vhost_iotlb, vringh, the sims and vubridge if not loaded. */
int vub_modules_load_all(void);

/* vDPA devices. @mac may be NULL. */
bool vub_vdpa_dev_exists(const char *name);
int vub_vdpa_dev_add(const char *name, const char *mgmtdev, const char *mac);
/* Delete if it exists; waits until it is gone. */
int vub_vdpa_dev_del(const char *name);
/* Name of the driver @name is bound to into @buf ("" if none). */
int vub_vdpa_dev_driver(const char *name, char *buf, size_t cap);
/* driver_override = @driver, unbind from any other driver, bind. */
int vub_vdpa_bind(const char *name, const char *driver);
int vub_vdpa_unbind(const char *name);

/* /dev/vubridge/<name> */
void vub_node_path(const char *name, char *buf, size_t cap);
/* Wait until @path exists (@present) or is gone, up to @timeout_ms. */
int vub_wait_path(const char *path, bool present, int timeout_ms);

/*
 * Create a simulator device @name (mgmtdev "vdpasim_net"/"vdpasim_blk";
 * @mac for net, may be NULL), bind it to vubridge and wait for its node.
 * A leftover device of the same name is deleted first. On failure nothing
 * is left behind.
 */
int vub_sim_dev_create(const char *name, const char *mgmtdev,
		       const char *mac);

/*
 * PCI virtio-net devices (1af4:1041) for vp_vdpa: bind up to @max of
 * them to vp-vdpa and store "pci/<bdf>" management device names in
 * @mgmt. Returns the number found (0 if none) or -errno.
 */
int vub_vp_vdpa_mgmtdevs(char mgmt[][VUB_MGMT_LEN], int max);

/* PCI device ids of modern-only virtio devices (sysfs spelling). */
#define VUB_PCI_VIRTIO_NET	"0x1041"
#define VUB_PCI_VIRTIO_BLK	"0x1042"
/*
 * As vub_vp_vdpa_mgmtdevs(), for virtio-blk PCI devices (1af4:1042): the
 * 4-queue disk of scripts/vm/run.sh --mq-blk at VUB_MQ_BLK.
 */
#define VUB_MQ_BLK		"0000:00:1a.0"
int vub_vp_vdpa_blk_mgmtdevs(char mgmt[][VUB_MGMT_LEN], int max);

/* The two multi-queue NICs of scripts/vm/run.sh --mq-nics (mq=on, 4 queue
 * pairs over bridged multi-queue taps), left out of the call above. */
#define VUB_MQ_NIC_A	"0000:00:18.0"
#define VUB_MQ_NIC_B	"0000:00:19.0"
/* As vub_vp_vdpa_mgmtdevs(), for those two NICs only. */
int vub_vp_vdpa_mq_mgmtdevs(char mgmt[][VUB_MGMT_LEN], int max);
/*
 * vub_sim_dev_create() for a multi-queue NIC; -ENODEV (the reason in
 * vub_env_err()) when the vDPA device has fewer queues than its config
 * space's pairs need, as vp_vdpa over QEMU's virtio-net has.
 */
int vub_mq_nic_create(const char *name, const char *mgmtdev);

#endif
