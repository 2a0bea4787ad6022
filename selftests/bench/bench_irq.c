// SPDX-License-Identifier: GPL-2.0
/*
 * (7) The interrupt path with and without event-idx. vdpa_sim_net does
 * not offer VIRTIO_RING_F_EVENT_IDX; the VM's two virtio-net-pci NICs do
 * (QEMU), as vDPA devices through vp_vdpa. The test front-end sends on
 * the first and receives on the second (QEMU's hub joins them), sleeping
 * on the call eventfds; frames/s, interrupts and kicks per frame.
 *
 * Only one side can own the two NICs at a time: each run creates both
 * vDPA devices bound to its side (vubridge, served by a vubridged of its
 * own, or vhost_vdpa), measures without and with event-idx, and deletes
 * them. Runs alternate A B, B A, ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "bench.h"
#include "dpdk_daemon.h"
#include "vdpa_env.h"

#define IRQ_MEM		(8u << 20)
#define LOOP_TIMEOUT_MS	10000

static const char *const names[2] = { "benchvp0", "benchvp1" };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int devs_up(char mgmt[][VUB_MGMT_LEN], enum bside s)
{
	char node[64];
	int k, t, ret = 0;

	for (k = 0; k < 2 && !ret; k++) {
		if (s == SIDE_VUB) {
			ret = vub_sim_dev_create(names[k], mgmt[k], NULL);
			continue;
		}
		ret = vub_vdpa_dev_del(names[k]);
		if (!ret)
			ret = vub_vdpa_dev_add(names[k], mgmt[k], NULL);
		if (!ret)
			ret = vub_vdpa_bind(names[k], "vhost_vdpa");
		for (t = 0; !ret && t < 50 &&
		     vdpa_fe_node(names[k], node, sizeof(node)); t++)
			usleep(100000);
		if (!ret)
			ret = vdpa_fe_node(names[k], node, sizeof(node));
		if (!ret)
			ret = vub_wait_path(node, true, 5000);
	}
	if (ret)
		fprintf(stderr, "vub-bench irq: devices for %s: %s\n",
			bside_name[s], vub_env_err());
	return ret;
}

static int target_of(enum bside s, int k, char *buf, size_t cap)
{
	if (s == SIDE_VUB) {
		snprintf(buf, cap, VD_SOCK_DIR "/%s.sock", names[k]);
		return 0;
	}
	return vdpa_fe_node(names[k], buf, cap);
}

/* One measurement on the devices of side @s. */
static int measure(const struct bench_args *a, enum bside s, int p, bool ev)
{
	struct bnet b[2];
	struct net_loop nl;
	bool have_nl = false;
	char target[256], m[64];
	const char *tag = ev ? "evidx" : "noevidx";
	uint64_t irq0, kick0;
	double t0, dt;
	int k, ret = 0;

	for (k = 0; k < 2; k++)
		bnet_init(&b[k], s);
	for (k = 0; k < 2 && !ret; k++) {
		ret = target_of(s, k, target, sizeof(target));
		if (!ret)
			ret = bnet_up(&b[k], target, IRQ_MEM,
				      BNET_NO_LOOP | (ev ? BNET_EVENT_IDX : 0));
		if (ret)
			fprintf(stderr, "vub-bench irq: %s %s: %s\n",
				bside_name[s], names[k], b[k].err);
	}
	if (!ret && ev && !b[0].n.tx.event_idx) {
		fprintf(stderr, "vub-bench irq: %s: EVENT_IDX not negotiated\n",
			bside_name[s]);
		ret = -EOPNOTSUPP;
	}
	/* QEMU writes its own header: compare the frames only. */
	if (!ret)
		ret = net_loop_init(&nl, &b[1].n.rx, &b[0].n.tx, b[1].n.mac,
				    b[0].n.mac, false);
	have_nl = !ret;
	if (!ret) {
		nl.fixed_len = a->size;
		ret = net_loop_post_rx(&nl);
	}
	if (!ret)
		ret = net_loop_run(&nl, 500, LOOP_TIMEOUT_MS);
	if (!ret) {
		irq0 = net_loop_irqs(&nl);
		kick0 = b[0].n.tx.kicks + b[1].n.rx.kicks;
		t0 = now_s();
		ret = net_loop_run(&nl, a->frames, LOOP_TIMEOUT_MS);
		dt = now_s() - t0;
		if (ret) {
			fprintf(stderr, "vub-bench irq: %s: %s\n", bside_name[s],
				nl.err);
		} else {
			snprintf(m, sizeof(m), "irq_fps_%s_%u", tag, a->size);
			bench_emit(m, bside_name[s], p, a->frames / dt, "frames/s");
			snprintf(m, sizeof(m), "irq_irqs_per_frame_%s_%u", tag,
				 a->size);
			bench_emit(m, bside_name[s], p,
				   (double)(net_loop_irqs(&nl) - irq0) / a->frames,
				   "interrupts/frame");
			snprintf(m, sizeof(m), "irq_kicks_per_frame_%s_%u", tag,
				 a->size);
			bench_emit(m, bside_name[s], p,
				   (double)(b[0].n.tx.kicks + b[1].n.rx.kicks -
					    kick0) / a->frames, "kicks/frame");
		}
	}
	if (have_nl)
		net_loop_destroy(&nl);
	for (k = 0; k < 2; k++)
		bnet_down(&b[k]);
	return ret;
}

int bench_irq(const struct bench_args *a)
{
	char mgmt[2][VUB_MGMT_LEN];
	int p, i, n, ret = 0;

	if (vub_modules_load_all() || vub_module_load("vhost_vdpa", NULL)) {
		fprintf(stderr, "vub-bench irq: %s\n", vub_env_err());
		return 1;
	}
	n = vub_vp_vdpa_mgmtdevs(mgmt, 2);
	if (n < 2) {
		fprintf(stderr, "vub-bench irq: need two virtio-net-pci NICs on vp_vdpa, found %d (%s)\n",
			n, n < 0 ? vub_env_err() : "");
		return 1;
	}
	mkdir(VD_SOCK_DIR, 0755);
	for (p = 0; !ret && p < a->pairs; p++) {
		for (i = 0; !ret && i < 2; i++) {
			enum bside s = (enum bside)bench_side_at(p, i);
			struct vubd d = { .pid = -1 };

			ret = devs_up(mgmt, s);
			if (!ret && s == SIDE_VUB) {
				ret = vd_start_devs(&d, names, 2, NULL, "bench-irq");
				if (ret)
					fprintf(stderr, "vub-bench irq: %s\n", d.err);
			}
			if (!ret)
				ret = measure(a, s, p, false);
			if (!ret)
				ret = measure(a, s, p, true);
			if (d.pid > 0)
				vd_stop(&d, SIGTERM);
			vub_vdpa_dev_del(names[0]);
			vub_vdpa_dev_del(names[1]);
		}
	}
	return ret ? 1 : 0;
}
