// SPDX-License-Identifier: GPL-2.0
/*
 * (6) Scale: COUNT devices per side, vubridge ones all served by one
 * vubridged. Bring-up of all (one after the other, each until its first
 * frame looped back), the daemon's RSS per device while all are up, and
 * frames/s summed over all devices looping at once (one thread each).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "pinned.h"

#define SCALE_MEM	(4u << 20)	/* rings and buffers fit in 1 MiB */
#define SCALE_FRAMES	2000		/* per device per run */
#define LOOP_TIMEOUT_MS	20000

struct runner {
	pthread_t th;
	struct bnet *b;
	bool started;
	int ret;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run_one(void *arg)
{
	struct runner *r = arg;

	r->ret = net_loop_run(&r->b->n.nl, SCALE_FRAMES, LOOP_TIMEOUT_MS);
	return NULL;
}

static int one_run(const struct bench_args *a, enum bside s, int p,
		   struct bnet *b, struct runner *r)
{
	char target[256], name[64], m[48];
	unsigned int i, n = a->count;
	double t0, dt;
	int ret = 0;

	t0 = now_s();
	for (i = 0; i < n && !ret; i++) {
		snprintf(name, sizeof(name), "%s%u", a->dev[s], i);
		bnet_init(&b[i], s);
		ret = bench_target(s, name, target, sizeof(target));
		if (!ret)
			ret = bnet_up(&b[i], target, SCALE_MEM, 0);
		if (!ret)
			ret = net_loop_run(&b[i].n.nl, 1, LOOP_TIMEOUT_MS);
		if (ret)
			fprintf(stderr, "vub-bench scale: %s %s: %s %s\n",
				bside_name[s], name, b[i].err, b[i].n.nl.err);
	}
	dt = now_s() - t0;
	if (ret) {
		n = i;
		goto out;
	}
	snprintf(m, sizeof(m), "scale_%u_bringup_ms", n);
	bench_emit(m, bside_name[s], p, dt * 1000, "ms");
	if (s == SIDE_VUB && a->daemon_pid > 0) {
		/* All of it (guest memory it mapped included), and its own. */
		long rss = bench_rss_kib(a->daemon_pid, "VmRSS:");
		long anon = bench_rss_kib(a->daemon_pid, "RssAnon:");

		snprintf(m, sizeof(m), "scale_%u_daemon_rss_kib_per_dev", n);
		if (rss > 0)
			bench_emit(m, bside_name[s], p, (double)rss / n, "KiB");
		snprintf(m, sizeof(m), "scale_%u_daemon_anon_kib_per_dev", n);
		if (anon > 0)
			bench_emit(m, bside_name[s], p, (double)anon / n, "KiB");
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		r[i].b = &b[i];
		r[i].started = !pthread_create(&r[i].th, NULL, run_one, &r[i]);
		if (!r[i].started)
			run_one(&r[i]);
	}
	for (i = 0; i < n; i++) {
		if (r[i].started)
			pthread_join(r[i].th, NULL);
		if (r[i].ret && !ret) {
			ret = r[i].ret;
			fprintf(stderr, "vub-bench scale: %s device %u: %s\n",
				bside_name[s], i, b[i].n.nl.err);
		}
	}
	dt = now_s() - t0;
	snprintf(m, sizeof(m), "scale_%u_fps_all", a->count);
	if (!ret)
		bench_emit(m, bside_name[s], p, (double)n * SCALE_FRAMES / dt,
			   "frames/s");
out:
	for (i = 0; i < n; i++)
		bnet_down(&b[i]);
	return ret;
}

int bench_scale(const struct bench_args *a)
{
	struct bnet *b = calloc(a->count, sizeof(*b));
	struct runner *r = calloc(a->count, sizeof(*r));
	long base = pinned_vmstat();
	int p, i, ret = 0;

	if (!b || !r) {
		free(b);
		free(r);
		return 1;
	}
	for (p = 0; !ret && p < a->pairs; p++) {
		for (i = 0; !ret && i < 2; i++) {
			ret = one_run(a, (enum bside)bench_side_at(p, i), p, b, r);
			if (base >= 0)
				pinned_wait_near(base, PIN_NOISE, 30000);
		}
	}
	free(b);
	free(r);
	return ret ? 1 : 0;
}
