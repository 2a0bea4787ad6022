/* SPDX-License-Identifier: GPL-2.0 */
/* The measurements of vub-bench (see vub-bench.c). Each returns an exit
 * status: 0, or 1 after saying on stderr what failed. */
#ifndef VUBB_BENCH_H
#define VUBB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bench_net.h"
#include "bench_out.h"

#define BENCH_SOCK_DIR	"/run/vubench"	/* where scripts/bench-guest.sh's
					 * vubridged listens */

struct bench_args {
	const char *dev[2];	/* [SIDE_VUB], [SIDE_DIRECT]: device or prefix */
	int pairs;
	unsigned int size;	/* frame bytes */
	unsigned int frames;	/* per run */
	unsigned int count;	/* scale: devices per side */
	pid_t daemon_pid;	/* vubridged, for CPU time and RSS */
	bool huge;		/* memreg: 2 MiB hugepages */
};

/* Socket path (vubridge) or /dev/vhost-vdpa-N (direct) of @dev. */
int bench_target(enum bside side, const char *dev, char *buf, size_t cap);

int bench_fe_rate(const struct bench_args *a);
int bench_bringup(const struct bench_args *a);
int bench_memreg(const struct bench_args *a);
int bench_restart(const struct bench_args *a);
int bench_scale(const struct bench_args *a);
int bench_testpmd(const struct bench_args *a);
int bench_irq(const struct bench_args *a);

/* /proc/@pid/stat user + system time in ms, or -errno. */
long bench_cpu_ms(pid_t pid);
/* @field ("VmRSS:", "RssAnon:") of /proc/@pid/status in KiB, or -errno. */
long bench_rss_kib(pid_t pid, const char *field);

#endif
