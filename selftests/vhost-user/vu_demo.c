// SPDX-License-Identifier: GPL-2.0
/*
 * vu_demo.c - the demo's "VMM": connect to vubridged's socket for a
 * vdpa_sim_net device, send frames that the simulator loops back, check
 * each byte for byte, and tell what happened, including how much CPU the
 * daemon used while the traffic flowed (it should be ~0: kicks and
 * interrupts go between the eventfds and the device in the kernel).
 *
 * Usage: vu-demo SOCKET [FRAMES [DAEMON_PID]]
 * With VU_DEMO_AFTER set, that shell command runs after the traffic while
 * the front-end is still connected (the demo shows vubctl's view then).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evwait.h"
#include "vu_net.h"

/* utime + stime of @pid in seconds, or -1. */
static double cpu_seconds(long pid, double *user, double *sys)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return -1;
	*user = (double)ut / (double)sysconf(_SC_CLK_TCK);
	*sys = (double)st / (double)sysconf(_SC_CLK_TCK);
	return *user + *sys;
}

int main(int argc, char **argv)
{
	uint64_t pf = VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |
		      VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_STATUS) |
		      VU_PF(VU_PF_RESET_DEVICE);
	double u0 = 0, s0 = 0, u1 = 0, s1 = 0, c0 = -1, c1 = -1;
	uint32_t frames = argc > 2 ? (uint32_t)atoi(argv[2]) : 10000;
	long dpid = argc > 3 ? atol(argv[3]) : 0;
	struct nfe n;
	uint32_t b[2];
	int64_t t0, t1;
	int ret;

	if (argc < 2 || !frames) {
		fprintf(stderr, "usage: %s SOCKET [FRAMES [DAEMON_PID]]\n",
			argv[0]);
		return 2;
	}
	nfe_init(&n);
	ret = nfe_start(&n, argv[1], pf);
	if (ret) {
		fprintf(stderr, "vu-demo: setting up %s failed: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	printf("vu-demo: connected to %s: device MAC %02x:%02x:%02x:%02x:%02x:%02x, features 0x%llx, protocol features 0x%llx\n",
	       argv[1], n.mac[0], n.mac[1], n.mac[2], n.mac[3], n.mac[4],
	       n.mac[5], (unsigned long long)n.fe.features,
	       (unsigned long long)n.fe.pf);
	printf("vu-demo: 2 queues of %u entries in %u MiB of memfd guest memory; sending %u frames of 60..1514 bytes\n",
	       QSIZE, MEMSIZE >> 20, frames);
	if (dpid)
		c0 = cpu_seconds(dpid, &u0, &s0);
	t0 = now_ms();
	ret = net_loop_run(&n.nl, frames, 5000);
	t1 = now_ms();
	if (dpid)
		c1 = cpu_seconds(dpid, &u1, &s1);
	if (ret) {
		fprintf(stderr, "vu-demo: traffic failed: %s\n", n.nl.err);
		nfe_fini(&n);
		return 1;
	}
	printf("vu-demo: sent %u frames, received %u back byte for byte, in order, in %lld ms (%.0f frames/s, %llu bytes)\n",
	       n.nl.tx_seq, n.nl.rx_seq, (long long)(t1 - t0),
	       t1 > t0 ? 1000.0 * n.nl.rx_seq / (double)(t1 - t0) : 0.0,
	       (unsigned long long)n.nl.rx_bytes);
	printf("vu-demo: the front-end kicked TX %llu times and RX %llu times; it slept %llu times waiting for interrupts\n",
	       (unsigned long long)n.tx.kicks, (unsigned long long)n.rx.kicks,
	       (unsigned long long)n.nl.waits);
	if (c0 >= 0 && c1 >= 0)
		printf("vu-demo: vubridged (pid %ld) CPU time during the traffic: %.2f s (user %.2f s, system %.2f s)\n",
		       dpid, c1 - c0, u1 - u0, s1 - s0);
	if (getenv("VU_DEMO_AFTER")) {
		fflush(stdout);
		if (system(getenv("VU_DEMO_AFTER")))
			fprintf(stderr, "vu-demo: VU_DEMO_AFTER failed\n");
	}
	ret = nfe_stop(&n, b);
	if (!ret)
		printf("vu-demo: queues stopped (GET_VRING_BASE): RX at %u, TX at %u; the daemon logged the module's per-queue kick and interrupt counters\n",
		       b[0], b[1]);
	nfe_fini(&n);
	return ret ? 1 : 0;
}
