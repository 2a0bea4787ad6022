#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM part of "make bench" (Documentation/performance.rst): set up
# the simulated devices and vubridged for each measurement and run
# build/bench/vub-bench, which runs both sides of each comparison as
# alternating A/B pairs and prints one JSON line per raw run. Those lines
# go to $VUB_RESULTS/bench-raw.jsonl; scripts/bench-report.py turns them
# into the table and build/bench/results.json on the host. Nothing here
# passes or fails on a number: a step that cannot measure says why and the
# others still run (the exit status counts the steps that failed).
#
# VUB_BENCH_PAIRS (default 5) pairs per measurement; VUB_BENCH_SLOW_PAIRS
# (default 3) for testpmd, memory and scale (each run costs seconds under
# TCG). VUB_BENCH_ONLY: some of "data irq scale memory" (default all).
set -u

build=${VUB_BUILD:?run me in the test VM (make bench)}
root=${VUB_ROOT:?}
results=${VUB_RESULTS:?}
bench=$build/bench/vub-bench
raw=$results/bench-raw.jsonl
sockdir=/run/vubench
pairs=${VUB_BENCH_PAIRS:-5}
slow_pairs=${VUB_BENCH_SLOW_PAIRS:-3}
only=${VUB_BENCH_ONLY:-data irq scale memory}
failed=0
dpid=

: >"$raw"
want() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }
say() { printf '\n=== bench: %s (%s)\n' "$*" "$(date -u +%T)"; }

# One measurement: its JSON lines to the raw file (and the console).
measure() {
	local what=$1 rc
	shift
	say "$what"
	"$bench" "$@" | tee -a "$raw"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ]; then
		echo "bench: $what did not complete (status $rc)"
		failed=$((failed + 1))
	fi
}

# vubridged serving the given devices on $sockdir; its pid in $dpid.
daemon_start() {
	local dev last=
	local args=()

	for dev in "$@"; do
		args+=(--device "$dev")
		last=$dev
	done
	mkdir -p "$sockdir"
	rm -f "$sockdir"/*.sock
	"$build/daemon/vubridged" --foreground --log-level warn \
		--socket-dir "$sockdir" "${args[@]}" 2>>"$results/bench-vubridged.log" &
	dpid=$!
	for _ in $(seq 300); do
		[ -S "$sockdir/$last.sock" ] && return 0
		sleep 0.1
	done
	echo "bench: vubridged did not create $sockdir/$last.sock (see bench-vubridged.log)"
	return 1
}

daemon_stop() {
	if [ -n "$dpid" ]; then
		kill "$dpid" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$dpid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$dpid" 2>/dev/null; then
			echo "bench: vubridged did not exit within 10 s of SIGTERM: killed"
			kill -9 "$dpid"
		fi
		wait "$dpid" 2>/dev/null
	fi
	dpid=
}

devs() {
	echo "bench: creating devices $*"
	if ! "$bench" devs "$@"; then
		echo "bench: cannot create devices $*"
		failed=$((failed + 1))
		return 1
	fi
}

cat >"$results/bench-env.json" <<ENV
{"kernel": "$(uname -r)", "cpus": $(nproc), "mem_kib": $(awk '/MemTotal/ {print $2}' /proc/meminfo), "testpmd": "$(command -v dpdk-testpmd || echo none)", "pairs": $pairs, "slow_pairs": $slow_pairs}
ENV

modprobe -a vdpa vhost_iotlb vhost_vdpa
if [ ! -f "$root/kmod/vubridge.ko" ] || [ ! -x "$bench" ]; then
	echo "bench: build first (make all; make -C selftests bench)" >&2
	exit 1
fi

# ---- vdpa_sim as loaded by default (use_va=1: vhost-vdpa binds the
# process's addresses and pins nothing; vubridge always pins) ----
if want data && devs bv 1 vubridge && devs bd 1 vhost_vdpa &&
	daemon_start bv0; then
	for size in 64 1500; do
		measure "frames/s, interrupts and kicks per frame, own front-end, $size B" \
			fe-rate -u bv0 -d bd0 -p "$pairs" -s "$size" -n 20000
	done
	measure "bring-up: connect -> first frame looped back" \
		bringup -u bv0 -d bd0 -p "$pairs"
	measure "ring stop -> restart" restart -u bv0 -d bd0 -p "$pairs"
	measure "DPDK testpmd frames/s and back-end CPU (64 B, 1500 B)" \
		testpmd -u bv0 -d bd0 -p "$slow_pairs" -P "$dpid"
fi
daemon_stop

# ---- interrupt path with and without event-idx: the VM's two NICs
# through vp_vdpa (vdpa_sim_net offers no event-idx) ----
if want irq; then
	measure "interrupt path, vp_vdpa, without and with event-idx, 64 B" \
		irq -p "$slow_pairs" -s 64 -n 50000
fi

# ---- scale: 1, 8, 32 devices on one daemon ----
if want scale && devs sv 32 vubridge && devs sd 32 vhost_vdpa; then
	for n in 1 8 32; do
		names=()
		for ((i = 0; i < n; i++)); do names+=("sv$i"); done
		if daemon_start "${names[@]}"; then
			measure "scale: $n devices" scale -u sv -d sd -c "$n" \
				-p "$slow_pairs" -P "$dpid"
		fi
		daemon_stop
	done
fi

# ---- memory registration: use_va=0, so that both paths pin ----
if want memory && say "reload vdpa_sim with use_va=0" &&
	"$bench" sims use_va=0 && devs bv 1 vubridge && devs bd 1 vhost_vdpa &&
	daemon_start bv0; then
	measure "memory registration, 1 GiB, 4 KiB pages" \
		memreg -u bv0 -d bd0 -p "$slow_pairs"
	echo 520 >/proc/sys/vm/nr_hugepages
	measure "memory registration, 1 GiB, 2 MiB hugepages" \
		memreg -u bv0 -d bd0 -p "$slow_pairs" -H
	echo 0 >/proc/sys/vm/nr_hugepages
	measure "bring-up with use_va=0 (both paths pin)" \
		bringup -u bv0 -d bd0 -p "$pairs" -t use_va0
	measure "frames/s, own front-end, 64 B, use_va=0 (both through the IOTLB)" \
		fe-rate -u bv0 -d bd0 -p "$pairs" -s 64 -n 20000 -t use_va0
fi
daemon_stop

say "done; $failed step(s) did not complete"
exit "$failed"
