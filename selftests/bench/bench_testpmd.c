// SPDX-License-Identifier: GPL-2.0
/*
 * (1) and (2) with DPDK's testpmd as the front-end (virtio-user, io-fwd,
 * the port looped to itself, frames addressed to its own MAC, 8 bursts of
 * 32 in flight: "start tx_first 8"), 64 B and 1500 B frames, on three
 * back-ends side by side in one VM run:
 *   vubridge    vubridged's socket -> vubridge.ko -> vdpa_sim_net
 *   direct      /dev/vhost-vdpa-N -> vdpa_sim_net (--iova-mode=va)
 *   dpdk-vhost  a second testpmd with DPDK's vhost-user back-end
 *               (net_vhost, io-fwd looping every frame back)
 * All testpmd processes start once and wait at their prompts; each run
 * starts forwarding on one side only, samples its port counters twice
 * WINDOW_MS apart, and stops. The back-end's CPU time (vubridged, or the
 * net_vhost testpmd) over the same window gives CPU per million frames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "dpdk_daemon.h"
#include "dpdk_testpmd.h"
#include "vdpa_env.h"

#define TP_SIDES	3
#define SIDE_DPDK	2
#define DPDK_SOCK	BENCH_SOCK_DIR "/dpdk-vhost.sock"
#define DPDK_MAC	"02:00:00:00:d0:99"
#define HUGEPAGES	300		/* four testpmd, -m 128 each */
#define TP_START_MS	240000		/* four EAL inits at once under TCG */
#define SETTLE_MS	500
#define WINDOW_MS	2000

static const char *const tp_side_name[TP_SIDES] = {
	"vubridge", "direct", "dpdk-vhost"
};

long bench_cpu_ms(pid_t pid)
{
	struct vubd d = { .pid = pid };

	return vd_cpu_ms(&d);
}

/* The simulator device's MAC ("vdpa dev config show"). */
static int sim_mac(const char *dev, char *mac, size_t cap)
{
	char out[1024], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev config show %s", dev))
		return -EIO;
	p = strstr(out, "mac ");
	if (!p || strlen(p + 4) < 17)
		return -ENOENT;
	snprintf(mac, cap, "%.17s", p + 4);
	return 0;
}

static int cmd(struct testpmd *tp, const char *c)
{
	int ret = tp_cmd(tp, c, 30000, NULL);

	if (ret)
		fprintf(stderr, "vub-bench testpmd: %s\n", tp->err);
	return ret;
}

/* One run of side @s with @size-byte frames. */
static int run(struct testpmd *front, struct testpmd *back, pid_t cpu_pid,
	       int s, int p, unsigned int size)
{
	struct tp_stats a, b;
	long c0 = -1, c1 = -1;
	char m[48], c[32];
	uint64_t frames;
	int64_t ms;
	int ret;

	snprintf(c, sizeof(c), "set txpkts %u", size);
	ret = back ? cmd(back, "start") : 0;
	if (!ret)
		ret = cmd(front, c);
	if (!ret)
		ret = cmd(front, "start tx_first 8");
	if (ret)
		return ret;
	usleep(SETTLE_MS * 1000);
	ret = tp_port_stats(front, &a, 1);
	if (cpu_pid > 0)
		c0 = bench_cpu_ms(cpu_pid);
	usleep(WINDOW_MS * 1000);
	if (!ret)
		ret = tp_port_stats(front, &b, 1);
	if (cpu_pid > 0)
		c1 = bench_cpu_ms(cpu_pid);
	if (ret)
		fprintf(stderr, "vub-bench testpmd: %s\n", front->err);
	if (!ret)
		ret = cmd(front, "stop");
	if (!ret && back)
		ret = cmd(back, "stop");
	if (ret)
		return ret;
	frames = b.rx - a.rx;
	ms = b.at_ms - a.at_ms;
	snprintf(m, sizeof(m), "tp_fps_%u", size);
	bench_emit(m, tp_side_name[s], p, ms > 0 ? frames * 1000.0 / ms : 0,
		   "frames/s");
	if (c0 >= 0 && c1 >= 0 && frames) {
		snprintf(m, sizeof(m), "tp_backend_cpu_ms_per_mframe_%u", size);
		bench_emit(m, tp_side_name[s], p,
			   (double)(c1 - c0) * 1e6 / (double)frames,
			   "CPU ms/Mframe");
	}
	return 0;
}

int bench_testpmd(const struct bench_args *a)
{
	static const unsigned int sizes[] = { 64, 1500 };
	struct testpmd tp[TP_SIDES], back;
	char target[2][256], mac[32], dmac[32];
	struct tp_opts o[TP_SIDES] = { { 0 } }, ob = { 0 };
	int s, p, i, k, ret = 0;

	for (s = 0; s < TP_SIDES; s++)
		tp_init(&tp[s]);
	tp_init(&back);
	if (vub_sh("command -v " TP_BIN " >/dev/null")) {
		fprintf(stderr, "vub-bench testpmd: no %s (scripts/deps.sh)\n",
			TP_BIN);
		return 1;
	}
	for (s = 0; s < 2 && !ret; s++)
		ret = bench_target((enum bside)s, a->dev[s], target[s],
				   sizeof(target[s]));
	if (!ret)
		ret = sim_mac(a->dev[SIDE_VUB], mac, sizeof(mac));
	if (ret) {
		fprintf(stderr, "vub-bench testpmd: devices %s/%s not ready\n",
			a->dev[0], a->dev[1]);
		return 1;
	}
	if (tp_hugepages(HUGEPAGES)) {
		fprintf(stderr, "vub-bench testpmd: cannot reserve %d hugepages\n",
			HUGEPAGES);
		return 1;
	}
	mkdir(BENCH_SOCK_DIR, 0755);
	unlink(DPDK_SOCK);
	o[SIDE_VUB] = (struct tp_opts){ .sock = target[SIDE_VUB], .mac = mac,
					.tag = "bench-vubridge" };
	/* Each port sends to its own device's MAC: the simulator loops
	 * only those frames back. */
	o[SIDE_DIRECT] = (struct tp_opts){ .sock = target[SIDE_DIRECT],
					   .mac = dmac, .iova_va = true,
					   .tag = "bench-direct" };
	o[SIDE_DPDK] = (struct tp_opts){ .sock = DPDK_SOCK, .mac = DPDK_MAC,
					 .tag = "bench-dpdk-virtio" };
	/* The back-end forwards on the core the front-end does not. */
	ob = (struct tp_opts){ .sock = DPDK_SOCK, .mac = DPDK_MAC, .vhost = true,
			       .main_lcore = "1", .tag = "bench-dpdk-vhost" };
	ret = sim_mac(a->dev[SIDE_DIRECT], dmac, sizeof(dmac));
	if (!ret)
		ret = tp_spawn(&back, &ob);
	for (s = 0; s < 2 && !ret; s++)
		ret = tp_spawn(&tp[s], &o[s]);
	if (!ret)
		ret = tp_wait_output(&back, TP_PROMPT, 0, TP_START_MS);
	if (!ret)
		ret = tp_spawn(&tp[SIDE_DPDK], &o[SIDE_DPDK]);
	for (s = 0; s < TP_SIDES && !ret; s++) {
		ret = tp_wait_output(&tp[s], TP_PROMPT, 0, TP_START_MS);
		if (ret)
			fprintf(stderr, "vub-bench testpmd: %s: %s; its output:\n%s\n",
				tp_side_name[s], tp[s].err,
				tp[s].buf ? tp[s].buf : "(none)");
	}
	for (p = 0; !ret && p < a->pairs; p++) {
		/* A B C, then C B A, ... */
		for (i = 0; !ret && i < TP_SIDES; i++) {
			s = (p & 1) ? TP_SIDES - 1 - i : i;
			for (k = 0; !ret && k < 2; k++)
				ret = run(&tp[s], s == SIDE_DPDK ? &back : NULL,
					  s == SIDE_VUB ? a->daemon_pid :
					  s == SIDE_DPDK ? back.pid : -1,
					  s, p, sizes[k]);
		}
	}
	for (s = 0; s < TP_SIDES; s++) {
		if (tp[s].pid > 0 && tp_quit(&tp[s], 30000))
			fprintf(stderr, "vub-bench testpmd: %s\n", tp[s].err);
		tp_fini(&tp[s]);
	}
	if (back.pid > 0)
		tp_quit(&back, 30000);
	tp_fini(&back);
	tp_hugepages(0);
	unlink(DPDK_SOCK);
	return ret ? 1 : 0;
}
