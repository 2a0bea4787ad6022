#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM part of "make bench": load the simulator and vubridge, then run
# the net loopback benchmark for varied, small and large frames. It prints
# numbers (frames/s), it does not pass or fail on them: TCG timing varies
# between runs, so compare figures from one run only.
set -eu

build=${VUB_BUILD:?run me in the test VM (make bench)}
root=${VUB_ROOT:?}

modprobe -a vdpa vhost_iotlb
for m in vringh vdpa_sim vdpa_sim_net; do
	[ -e "/sys/module/$m" ] || insmod "$build/sims/$m.ko"
done
[ -e /sys/module/vubridge ] || insmod "$root/kmod/vubridge.ko"

for size in 0 60 1514; do
	"$build/bench/net-bench" -n "${VUB_BENCH_FRAMES:-50000}" -s "$size"
done
