// SPDX-License-Identifier: GPL-2.0
/*
 * vub-bench: the measurements of "make bench", run in the test VM by
 * scripts/bench-guest.sh. Each measurement sets both sides up once and
 * then runs them as A/B pairs, alternating (A B, B A, ...), printing one
 * JSON line per raw run (bench_out.h). It reports, it never judges.
 *
 *   vub-bench devs PREFIX COUNT DRIVER    create PREFIX0.. on vdpa_sim_net,
 *                                         bound to vubridge or vhost_vdpa
 *   vub-bench sims PARAMS                 reload vdpa_sim with PARAMS
 *   vub-bench MEASURE -u DEV -d DEV [-p PAIRS] [options]
 *
 * -u names a device bound to vubridge and served by vubridged on
 * BENCH_SOCK_DIR/DEV.sock; -d one bound to vhost_vdpa (the baseline).
 * MEASURE: fe-rate, bringup, memreg, restart (bench_fe.c), scale
 * (bench_scale.c), testpmd (bench_testpmd.c), irq (bench_irq.c: the VM's
 * NICs through vp_vdpa, no -u/-d).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "vdpa_env.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: vub-bench devs PREFIX COUNT vubridge|vhost_vdpa\n"
		"       vub-bench sims PARAMS\n"
		"       vub-bench fe-rate|bringup|memreg|restart|testpmd -u DEV -d DEV [-p PAIRS]\n"
		"                 [-s SIZE] [-n FRAMES] [-H (hugepages)] [-P DAEMON_PID]\n"
		"                 [-t TAG (suffix of the measure names)]\n"
		"       vub-bench scale -u PREFIX -d PREFIX -c COUNT [-p PAIRS] [-P DAEMON_PID]\n"
		"       vub-bench irq [-p PAIRS] [-s SIZE] [-n FRAMES]\n");
	return 2;
}

static void dev_mac(char *buf, size_t cap, const char *prefix, unsigned int i)
{
	/* Locally administered, one per device; the prefix's first bytes
	 * keep two sets apart. */
	snprintf(buf, cap, "02:b0:%02x:%02x:%02x:%02x",
		 (unsigned char)prefix[0], (unsigned char)prefix[1],
		 (i >> 8) & 0xff, i & 0xff);
}

static int cmd_devs(const char *prefix, unsigned int count, const char *driver)
{
	char name[64], mac[32], node[64];
	unsigned int i;
	int ret;

	if (strlen(prefix) < 2)
		return usage();
	ret = vub_modules_load_all();
	if (!ret)
		ret = vub_module_load("vhost_vdpa", NULL);
	for (i = 0; !ret && i < count; i++) {
		snprintf(name, sizeof(name), "%s%u", prefix, i);
		dev_mac(mac, sizeof(mac), prefix, i);
		if (!strcmp(driver, "vubridge")) {
			ret = vub_sim_dev_create(name, "vdpasim_net", mac);
			continue;
		}
		ret = vub_vdpa_dev_del(name);
		if (!ret)
			ret = vub_vdpa_dev_add(name, "vdpasim_net", mac);
		if (!ret)
			ret = vub_vdpa_bind(name, driver);
		if (!ret) {
			int t;

			for (t = 0; t < 50 && vdpa_fe_node(name, node, sizeof(node)); t++)
				usleep(100000);
			ret = vdpa_fe_node(name, node, sizeof(node));
			if (!ret)
				ret = vub_wait_path(node, true, 5000);
		}
	}
	if (ret)
		fprintf(stderr, "vub-bench devs: %s: %s\n", strerror(-ret),
			vub_env_err());
	return ret ? 1 : 0;
}

int bench_target(enum bside side, const char *dev, char *buf, size_t cap)
{
	if (side == SIDE_VUB) {
		snprintf(buf, cap, BENCH_SOCK_DIR "/%s.sock", dev);
		return 0;
	}
	return vdpa_fe_node(dev, buf, cap);
}

int main(int argc, char **argv)
{
	struct bench_args a = { .pairs = 5, .size = 64, .frames = 20000,
				.daemon_pid = -1 };
	const char *cmd;
	int opt;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "devs"))
		return argc == 5 ? cmd_devs(argv[2], (unsigned int)atoi(argv[3]),
					    argv[4]) : usage();
	if (!strcmp(cmd, "sims")) {
		if (argc != 3)
			return usage();
		if (vub_sims_reload(argv[2][0] ? argv[2] : NULL)) {
			fprintf(stderr, "vub-bench sims: %s\n", vub_env_err());
			return 1;
		}
		return 0;
	}
	/*
	 * vhost-vdpa checks every pin against RLIMIT_MEMLOCK, even for root
	 * (and its write() turns the ENOMEM into EFAULT): lift it, as a VMM
	 * using vhost-vdpa must (libvirt does for QEMU).
	 */
	{
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			perror("vub-bench: RLIMIT_MEMLOCK");
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "u:d:p:s:n:c:P:Ht:")) != -1) {
		switch (opt) {
		case 'u': a.dev[SIDE_VUB] = optarg; break;
		case 'd': a.dev[SIDE_DIRECT] = optarg; break;
		case 'p': a.pairs = atoi(optarg); break;
		case 's': a.size = (unsigned int)atoi(optarg); break;
		case 'n': a.frames = (unsigned int)atoi(optarg); break;
		case 'c': a.count = (unsigned int)atoi(optarg); break;
		case 'P': a.daemon_pid = atoi(optarg); break;
		case 'H': a.huge = true; break;
		case 't': bench_set_tag(optarg); break;
		default: return usage();
		}
	}
	if (a.pairs < 1)
		return usage();
	/* The VM's two NICs through vp_vdpa, devices of its own. */
	if (!strcmp(cmd, "irq"))
		return bench_irq(&a);
	if (!a.dev[SIDE_VUB] || !a.dev[SIDE_DIRECT])
		return usage();
	if (!strcmp(cmd, "fe-rate"))
		return bench_fe_rate(&a);
	if (!strcmp(cmd, "bringup"))
		return bench_bringup(&a);
	if (!strcmp(cmd, "memreg"))
		return bench_memreg(&a);
	if (!strcmp(cmd, "restart"))
		return bench_restart(&a);
	if (!strcmp(cmd, "scale"))
		return a.count ? bench_scale(&a) : usage();
	if (!strcmp(cmd, "testpmd"))
		return bench_testpmd(&a);
	return usage();
}
