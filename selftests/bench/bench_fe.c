// SPDX-License-Identifier: GPL-2.0
/*
 * The measurements with the project's own front-end (it sleeps on the call
 * eventfds, so its interrupts are the device's real ones): frame rate and
 * interrupts per frame, bring-up, memory registration, ring stop/restart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>

#include "bench.h"
#include "evwait.h"
#include "pinned.h"
#include "vdpa_env.h"

#define LOOP_TIMEOUT_MS	10000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int up_both(const struct bench_args *a, struct bnet b[2], size_t mem)
{
	char target[256];
	int s, ret;

	for (s = 0; s < 2; s++) {
		bnet_init(&b[s], (enum bside)s);
		ret = bench_target((enum bside)s, a->dev[s], target,
				   sizeof(target));
		if (ret) {
			fprintf(stderr, "vub-bench: no vhost-vdpa node for %s\n",
				a->dev[s]);
			return ret;
		}
		ret = bnet_up(&b[s], target, mem, 0);
		if (!ret)
			ret = net_loop_run(&b[s].n.nl, 1000, LOOP_TIMEOUT_MS);
		if (ret) {
			fprintf(stderr, "vub-bench: %s %s: %s %s\n", bside_name[s],
				a->dev[s], b[s].err, b[s].n.nl.err);
			return ret;
		}
	}
	return 0;
}

/* (1) and (7): frames/s, interrupts and kicks per frame. */
int bench_fe_rate(const struct bench_args *a)
{
	char m[3][48];
	struct bnet b[2];
	int p, i, ret;

	snprintf(m[0], sizeof(m[0]), "fe_fps_%u", a->size);
	snprintf(m[1], sizeof(m[1]), "fe_irqs_per_frame_%u", a->size);
	snprintf(m[2], sizeof(m[2]), "fe_kicks_per_frame_%u", a->size);
	ret = up_both(a, b, MEMSIZE);
	for (p = 0; !ret && p < a->pairs; p++) {
		for (i = 0; !ret && i < 2; i++) {
			int s = bench_side_at(p, i);
			struct net_loop *nl = &b[s].n.nl;
			uint64_t irq0, kick0;
			double t0, dt;

			nl->fixed_len = a->size;
			irq0 = bnet_irqs(&b[s]);
			kick0 = bnet_kicks(&b[s]);
			t0 = now_s();
			ret = net_loop_run(nl, a->frames, LOOP_TIMEOUT_MS);
			dt = now_s() - t0;
			if (ret) {
				fprintf(stderr, "vub-bench fe-rate: %s: %s\n",
					bside_name[s], nl->err);
				break;
			}
			bench_emit(m[0], bside_name[s], p, a->frames / dt,
				   "frames/s");
			bench_emit(m[1], bside_name[s], p,
				   (double)(bnet_irqs(&b[s]) - irq0) / a->frames,
				   "interrupts/frame");
			bench_emit(m[2], bside_name[s], p,
				   (double)(bnet_kicks(&b[s]) - kick0) / a->frames,
				   "kicks/frame");
		}
	}
	bnet_down(&b[0]);
	bnet_down(&b[1]);
	return ret ? 1 : 0;
}

/* Wait for the pins of the last run to go (the daemon resets the device
 * after the connection closed), so that they do not cost the next run. */
static void settle_pins(long baseline)
{
	if (baseline >= 0)
		pinned_wait_near(baseline, PIN_NOISE, 20000);
}

/* (3): connect -> first frame looped back. */
int bench_bringup(const struct bench_args *a)
{
	char target[2][256];
	long base = pinned_vmstat();
	int p, i, s, ret = 0;

	for (s = 0; s < 2 && !ret; s++)
		ret = bench_target((enum bside)s, a->dev[s], target[s],
				   sizeof(target[s]));
	for (p = 0; !ret && p < a->pairs; p++) {
		for (i = 0; !ret && i < 2; i++) {
			struct bnet b;
			double t0, dt;

			s = bench_side_at(p, i);
			bnet_init(&b, (enum bside)s);
			t0 = now_s();
			ret = bnet_up(&b, target[s], MEMSIZE, 0);
			if (!ret)
				ret = net_loop_run(&b.n.nl, 1, LOOP_TIMEOUT_MS);
			dt = now_s() - t0;
			if (ret)
				fprintf(stderr, "vub-bench bringup: %s: %s %s\n",
					bside_name[s], b.err, b.n.nl.err);
			else
				bench_emit("bringup_ms", bside_name[s], p,
					   dt * 1000, "ms");
			bnet_down(&b);
			settle_pins(base);
		}
	}
	return ret ? 1 : 0;
}

/* (4): the whole of @gm registered: SET_MEM_TABLE (acknowledged) vs the
 * IOTLB update batch. Pages pinned by it in @pinned. */
static int memreg_once(enum bside s, const char *target, struct guest_mem *gm,
		       double *dt, long *pinned)
{
	long before = pinned_vmstat();
	struct guest_mem *gms[1] = { gm };
	struct vdpa_fe vd;
	struct vu_fe fe;
	double t0;
	int ret;

	if (s == SIDE_VUB) {
		vu_fe_init(&fe, -1);
		ret = vu_fe_connect(&fe, target, 10000);
		if (!ret)
			ret = vu_fe_negotiate(&fe, 1ull << VIRTIO_F_VERSION_1,
					      BENCH_PF);
		t0 = now_s();
		if (!ret)
			ret = vu_fe_set_mem_table(&fe, gms, 1);
		*dt = now_s() - t0;
		*pinned = pinned_vmstat() - before;
		if (ret)
			fprintf(stderr, "vub-bench memreg: vubridge: %s\n",
				strerror(-ret));
		vu_fe_close(&fe);
		return ret;
	}
	vdpa_fe_init(&vd);
	ret = vdpa_fe_open(&vd, target, 1ull << VIRTIO_F_VERSION_1 |
			    1ull << VIRTIO_F_ACCESS_PLATFORM);
	t0 = now_s();
	if (!ret)
		ret = vdpa_fe_map(&vd, gm);
	*dt = now_s() - t0;
	*pinned = pinned_vmstat() - before;
	if (ret)
		fprintf(stderr, "vub-bench memreg: direct: %s\n", vd.err);
	vdpa_fe_close(&vd);
	return ret;
}

int bench_memreg(const struct bench_args *a)
{
	const size_t size = 1ul << 30;
	char target[2][256], m[2][48];
	long base = pinned_vmstat();
	struct guest_mem gm;
	int p, i, s, ret = 0;

	snprintf(m[0], sizeof(m[0]), "memreg_1g_%s_ms", a->huge ? "2m" : "4k");
	snprintf(m[1], sizeof(m[1]), "memreg_1g_%s_pinned_pages",
		 a->huge ? "2m" : "4k");
	for (s = 0; s < 2 && !ret; s++)
		ret = bench_target((enum bside)s, a->dev[s], target[s],
				   sizeof(target[s]));
	if (ret)
		return 1;
	/* One guest memory for both sides, faulted in once. */
	ret = a->huge ? guest_mem_init_huge(&gm, size, 1ul << 30) :
			guest_mem_init(&gm, size, 1ul << 30, 1);
	if (ret) {
		fprintf(stderr, "vub-bench memreg: 1 GiB of %s guest memory: %s\n",
			a->huge ? "hugepage" : "memfd", strerror(-ret));
		return 1;
	}
	for (p = 0; !ret && p < a->pairs; p++) {
		for (i = 0; !ret && i < 2; i++) {
			double dt;
			long pinned;

			s = bench_side_at(p, i);
			ret = memreg_once((enum bside)s, target[s], &gm, &dt,
					  &pinned);
			if (!ret) {
				bench_emit(m[0], bside_name[s], p, dt * 1000, "ms");
				bench_emit(m[1], bside_name[s], p, (double)pinned,
					   "pages");
			}
			settle_pins(base);
		}
	}
	guest_mem_destroy(&gm);
	return ret ? 1 : 0;
}

/* (5): GET_VRING_BASE -> started again. */
int bench_restart(const struct bench_args *a)
{
	struct bnet b[2];
	int p, i, ret;

	ret = up_both(a, b, MEMSIZE);
	for (p = 0; !ret && p < a->pairs; p++) {
		for (i = 0; !ret && i < 2; i++) {
			int s = bench_side_at(p, i);
			double t0, dt;

			t0 = now_s();
			ret = bnet_stop_restart(&b[s]);
			dt = now_s() - t0;
			/* Frames loop again (not timed): it really started. */
			if (!ret)
				ret = net_loop_run(&b[s].n.nl, 64, LOOP_TIMEOUT_MS);
			if (ret) {
				fprintf(stderr, "vub-bench restart: %s: %s %s\n",
					bside_name[s], b[s].err, b[s].n.nl.err);
				break;
			}
			bench_emit("restart_ms", bside_name[s], p, dt * 1000, "ms");
		}
	}
	bnet_down(&b[0]);
	bnet_down(&b[1]);
	return ret ? 1 : 0;
}

long bench_rss_kib(pid_t pid, const char *field)
{
	char path[64], buf[4096], *p;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ret = vub_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -ENOENT;
}
