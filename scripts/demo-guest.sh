#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM part of "make demo" (scripts/demo.sh runs it in the test VM):
# load the vDPA core, the network simulator and vubridge, create a simulated
# network device, steer it from vhost_vdpa to vubridge, and show the result.
set -eu

build=${VUB_BUILD:?run me in the test VM (scripts/demo.sh)}
root=${VUB_ROOT:?}
dev=demo-net0
mac=02:00:00:00:00:01

step() { printf '\n=== %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
write() { echo "\$ echo $1 > $2"; echo "$1" > "$2"; }

if [ ! -f "$root/kmod/vubridge.ko" ]; then
	echo "demo: $root/kmod/vubridge.ko is missing: run 'make' first" >&2
	exit 1
fi

step "load the vDPA core, vhost_vdpa, the simulator and vubridge"
run modprobe -a vdpa vhost_iotlb vhost_vdpa
run insmod "$build/sims/vringh.ko"
run insmod "$build/sims/vdpa_sim.ko"
run insmod "$build/sims/vdpa_sim_net.ko"
run insmod "$root/kmod/vubridge.ko"
run vdpa mgmtdev show

step "create a simulated network device: by default vhost_vdpa takes it"
run vdpa dev add name "$dev" mgmtdev vdpasim_net mac "$mac"
sys=/sys/bus/vdpa/devices/$dev
echo "driver: $(basename "$(readlink "$sys/driver")")"

step "steer it to vubridge: driver_override, unbind, bind"
write vubridge "$sys/driver_override"
if [ -e "$sys/driver" ]; then
	write "$dev" "$sys/driver/unbind"
fi
write "$dev" /sys/bus/vdpa/drivers/vubridge/bind
echo "driver: $(basename "$(readlink "$sys/driver")")"

step "the device node and the device"
run ls -l /dev/vubridge/
run vdpa dev show -jp
run vdpa dev config show "$dev"

step "start vubridged: one vhost-user socket per bound device"
sockdir=/run/vubridge
log=/tmp/vubridged.log
echo "\$ $build/daemon/vubridged --foreground --socket-dir $sockdir --device $dev 2>$log &"
"$build/daemon/vubridged" --foreground --socket-dir "$sockdir" \
	--device "$dev" 2>"$log" &
dpid=$!
for _ in $(seq 100); do
	[ -S "$sockdir/$dev.sock" ] && break
	sleep 0.1
done
run ls -l "$sockdir"

step "a VMM (the test front-end) sends 10000 frames through the socket"
# The front-end hands over memory, rings and eventfds; after that the
# frames go guest ring -> kick eventfd -> vubridge.ko -> simulator ->
# call eventfd, and the daemon is not involved.
run "$build/bin/vu-demo" "$sockdir/$dev.sock" 10000 "$dpid"

step "stop vubridged (SIGTERM): it stops the queues and logs the module's counters"
kill -TERM "$dpid"
wait "$dpid" || true
cat "$log"

step "delete the device: its node goes away"
run vdpa dev del "$dev"
echo "\$ ls /dev/vubridge/"
ls /dev/vubridge/ 2>/dev/null || echo "(gone)"
run rmmod vubridge
