// SPDX-License-Identifier: GPL-2.0
/*
 * Net loopback benchmark through vubridge (not a pass/fail test): frames/s
 * of numbered frames sent on TX of a vdpa_sim_net device and received,
 * checked, on RX, driven by eventfds. Run inside the test VM:
 *   scripts/vm/run.sh --cmd 'build/bench/net-bench [-n FRAMES] [-s SIZE] [-q QSIZE]'
 * SIZE 0 (default) varies frames over 60..1514 bytes as the tests do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_frame.h"
#include "net_rig.h"
#include "vdpa_env.h"
#include "vub_dev.h"

#define DEV	"vubt-bench"

int main(int argc, char **argv)
{
	unsigned long frames = 50000, qsize = 256, size = 0;
	struct net_rig r;
	int64_t t0, ms;
	char what[24];
	int opt, ret;

	while ((opt = getopt(argc, argv, "n:s:q:h")) != -1) {
		switch (opt) {
		case 'n': frames = strtoul(optarg, NULL, 0); break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'q': qsize = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-n FRAMES] [-s SIZE 60..1514, 0 varied] [-q QSIZE]\n",
				argv[0]);
			return 2;
		}
	}
	if (size && (size < NET_FRAME_MIN || size > NET_FRAME_MAX)) {
		fprintf(stderr, "size must be 0 or 60..1514\n");
		return 2;
	}
	if (vub_modules_load_all() ||
	    vub_sim_dev_create(DEV, "vdpasim_net", "02:5a:00:00:00:b0")) {
		fprintf(stderr, "net-bench: %s\n", vub_env_err());
		return 1;
	}
	net_rig_init(&r);
	ret = net_rig_open(&r, DEV);
	if (!ret)
		ret = net_rig_prepare(&r, 16 << 20, (uint16_t)qsize, NULL, true);
	if (!ret)
		ret = net_rig_start(&r);
	if (ret) {
		fprintf(stderr, "net-bench: %s\n", vub_env_err());
		goto out;
	}
	r.nl.fixed_len = (uint32_t)size;
	/* warm-up */
	ret = net_loop_run(&r.nl, 1000, 10000);
	t0 = now_ms();
	if (!ret)
		ret = net_loop_run(&r.nl, (uint32_t)frames, 10000);
	ms = now_ms() - t0;
	if (ret) {
		fprintf(stderr, "net-bench: %s\n", r.nl.err);
		goto out;
	}
	snprintf(what, sizeof(what), "%lu", size);
	printf("net-bench: %lu frames (%s B, every one checked) in %lld ms: %.0f frames/s, %.1f Mbit/s, %llu waits, queue size %lu\n",
	       frames, size ? what : "60..1514", (long long)ms, ms ? frames * 1000.0 / ms : 0.0,
	       ms ? (double)r.nl.rx_bytes * 8 / 1000.0 / ms : 0.0,
	       (unsigned long long)r.nl.waits, qsize);
out:
	net_rig_fini(&r);
	vub_vdpa_dev_del(DEV);
	return ret ? 1 : 0;
}
