// SPDX-License-Identifier: GPL-2.0
/* Pinned-page counters. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pinned.h"
#include "vdpa_env.h"

long pinned_vmstat(void)
{
	long acq = -1, rel = -1, v;
	char key[64];
	FILE *f;

	/*
	 * The node counters keep per-CPU deltas that /proc/vmstat does not
	 * show until they pass a threshold: fold them first (root only).
	 */
	f = fopen("/proc/sys/vm/stat_refresh", "we");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	f = fopen("/proc/vmstat", "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(key, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	if (acq < 0 || rel < 0)
		return -ENOENT;
	return acq - rel;
}

long pinned_dev(const char *name)
{
	char path[256];
	long v;
	int ret;

	snprintf(path, sizeof(path), VUB_CLASS_DIR "/%s/pinned_pages", name);
	ret = vub_read_long(path, &v);
	return ret ? ret : v;
}

long pinned_module(void)
{
	long v;
	int ret = vub_read_long("/sys/module/vubridge/parameters/pinned_pages",
				&v);

	return ret ? ret : v;
}

long pinned_wait_near(long baseline, long slack, int timeout_ms)
{
	struct timespec ts = { 0, 20 * 1000000L };
	long v = pinned_vmstat();
	int waited = 0;

	while ((v > baseline + slack || v < baseline - slack) &&
	       waited < timeout_ms) {
		nanosleep(&ts, NULL);
		waited += 20;
		v = pinned_vmstat();
	}
	return v;
}

long pinned_wait_baseline(long baseline, int timeout_ms)
{
	return pinned_wait_near(baseline, 0, timeout_ms);
}

long pinned_module_wait(long baseline, int timeout_ms)
{
	struct timespec ts = { 0, 20 * 1000000L };
	long v = pinned_module();
	int waited = 0;

	while (v != baseline && v != -ENOENT && waited < timeout_ms) {
		nanosleep(&ts, NULL);
		waited += 20;
		v = pinned_module();
	}
	return v;
}
