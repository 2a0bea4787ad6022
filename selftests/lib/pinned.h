/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinned-page counters: the kernel-wide FOLL_PIN balance from /proc/vmstat
 * and vubridge's own per-device counter in sysfs.
 */
#ifndef VUBT_PINNED_H
#define VUBT_PINNED_H

/* nr_foll_pin_acquired - nr_foll_pin_released (per-CPU deltas folded in
 * through /proc/sys/vm/stat_refresh), or -errno.
 */
long pinned_vmstat(void);
/* /sys/class/vubridge/<name>/pinned_pages, or -ENOENT if absent. */
long pinned_dev(const char *name);
/*
 * Wait up to @timeout_ms for pinned_vmstat() to drop to @baseline (unpin
 * may finish after the last fput). Returns the last value read.
 */
long pinned_wait_baseline(long baseline, int timeout_ms);

#endif
