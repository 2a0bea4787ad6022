#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM part of "make demo" (scripts/demo.sh runs it in the test VM):
# load the vDPA core, the network simulator and vubridge, create a simulated
# network device for vubridge with vubctl (it takes the device from
# vhost_vdpa), serve it, run traffic, and end with what "vubctl dev show"
# and "vubctl queue show" said while the VMM was connected.
set -eu

build=${VUB_BUILD:?run me in the test VM (scripts/demo.sh)}
root=${VUB_ROOT:?}
dev=demo-net0
mac=02:00:00:00:00:01

step() { printf '\n=== %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
vubctl=$build/bin/vubctl
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

step "create a simulated network device for vubridge: one vubctl command"
# The kernel's vdpa family creates it and vhost_vdpa, loaded above, takes
# it first; vubctl then steers it to vubridge (driver_override, release,
# bind through vubridge's own generic-netlink family).
run "$vubctl" mgmtdev show
run "$vubctl" dev add "$dev" mgmtdev vdpasim_net mac "$mac"
sys=/sys/bus/vdpa/devices/$dev
echo "driver: $(basename "$(readlink "$sys/driver")")"

step "the device node and the device"
run ls -l /dev/vubridge/
run vdpa dev config show "$dev"
run "$vubctl" dev show "$dev"

step "follow vubridge's events (vubctl monitor, in the background)"
events=/tmp/vubctl-monitor.txt
echo "\$ $vubctl monitor > $events &"
"$vubctl" monitor > "$events" &
mpid=$!

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
# After the traffic, still connected, vu-demo runs VU_DEMO_AFTER: vubctl's
# view of the live device, printed at the end.
live=/tmp/vubctl-live.txt
export VU_DEMO_AFTER="{ echo '\$ vubctl dev show $dev'; $vubctl dev show $dev; echo; echo '\$ vubctl queue show $dev'; $vubctl queue show $dev; } > $live 2>&1"
run "$build/bin/vu-demo" "$sockdir/$dev.sock" 10000 "$dpid"
unset VU_DEMO_AFTER

step "stop vubridged (SIGTERM): it stops the queues and logs the module's counters"
kill -TERM "$dpid"
wait "$dpid" || true
cat "$log"

step "delete the device: its node goes away"
run "$vubctl" dev del "$dev"
echo "\$ ls /dev/vubridge/"
ls /dev/vubridge/ 2>/dev/null || echo "(gone)"

step "what vubctl monitor saw"
kill -INT "$mpid"
wait "$mpid" || true
cat "$events"
run rmmod vubridge

step "vubctl dev show and vubctl queue show, taken after the traffic while the VMM was connected"
cat "$live"
