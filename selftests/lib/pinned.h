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
 * vubridge's total over all devices (module parameter pinned_pages), or
 * -ENOENT when the module is not loaded. Exact, unlike the kernel-wide
 * count, which other pinning users (9p, block I/O) move by a few pages.
 */
long pinned_module(void);

/* Slack allowed on the kernel-wide count for other users' short pins. */
#define PIN_NOISE	16

/*
 * Wait up to @timeout_ms for pinned_vmstat() to come within @slack of
 * @baseline (unpin may finish after the last fput). Returns the last value.
 */
long pinned_wait_near(long baseline, long slack, int timeout_ms);
/* pinned_wait_near(baseline, 0, timeout_ms) */
long pinned_wait_baseline(long baseline, int timeout_ms);
/* Wait for pinned_module() to equal @baseline; returns the last value. */
long pinned_module_wait(long baseline, int timeout_ms);

#endif
