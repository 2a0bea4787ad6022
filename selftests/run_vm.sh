#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (started by scripts/vm/run.sh): loads the base
# modules, then runs every executable in $VUB_BUILD/vmtests/ in sorted
# order, each under a timeout, printing its kselftest TAP as it goes.
#
# Usage: selftests/run_vm.sh [NAME...]   (default: every test; NAME may be a
#        glob matched against the file names in vmtests/)
# Env:   VUB_TEST_TIMEOUT  seconds per test program (default 600)
#
# Exit status: non-zero if any test program failed, timed out, crashed or
# printed "not ok", or if the kernel logged a problem while it ran. A
# program that failed without a "not ok" line of its own gets one here, so
# counting TAP lines never misses it.
set -u

root=${VUB_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${VUB_BUILD:-$root/build}
results=${VUB_RESULTS:-/tmp}
limit=${VUB_TEST_TIMEOUT:-600}
export VUB_ROOT=$root VUB_BUILD=$build

problems='WARNING:|BUG:|Oops|general protection|refcount_t|kmemleak|UBSAN|KASAN'

log() { echo "# run_vm: $*"; }

load() {	# load NAME [PATH]: insmod PATH, else modprobe NAME
	local name=$1 path=${2:-}
	[ -e "/sys/module/$name" ] && return 0
	if [ -n "$path" ]; then
		if [ ! -f "$path" ]; then
			log "$path missing: $name not loaded (tests needing it will SKIP)"
			return 1
		fi
		insmod "$path" || { log "insmod $path failed"; return 1; }
	else
		modprobe "$name" || { log "modprobe $name failed"; return 1; }
	fi
}

log "kernel $(uname -r), $(nproc) CPUs, root $root"
load vhost_iotlb
load vdpa
load vringh "$build/sims/vringh.ko"
load vdpa_sim "$build/sims/vdpa_sim.ko"
load vdpa_sim_net "$build/sims/vdpa_sim_net.ko"
load vdpa_sim_blk "$build/sims/vdpa_sim_blk.ko"
load vubridge "$root/kmod/vubridge.ko"
# vp_vdpa is loaded by the tests that steer the PCI devices to it.

if [ ! -d "$build/vmtests" ]; then
	echo "not ok 1 run_vm # no $build/vmtests: run 'make -C selftests' first"
	exit 1
fi

tests=()
for t in "$build"/vmtests/*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
	n=${t##*/}
	if [ $# -gt 0 ]; then
		match=0
		for pat in "$@"; do
			# shellcheck disable=SC2053 # NAME may be a glob
			[[ $n == $pat ]] && match=1
		done
		[ $match = 1 ] || continue
	fi
	tests+=("$t")
done
if [ ${#tests[@]} = 0 ]; then
	echo "not ok 1 run_vm # no test program matched: ${*:-(all)}"
	exit 1
fi

failed=0
summary=()
for t in "${tests[@]}"; do
	n=${t##*/}
	out=/tmp/vmtest-$n.tap
	before=$(dmesg | grep -cE "$problems")
	start=$(date +%s%N)
	log "start $n"
	# Own session, output to a file that is streamed: a process the test
	# leaves behind can neither hold up the runner nor outlive the test.
	# The file exists before tail opens it, however late the test starts.
	: > "$out"
	setsid timeout -k 10 "$limit" "$t" > "$out" 2>&1 < /dev/null &
	pid=$!
	tail -n +1 --pid=$pid -f "$out"
	wait $pid
	rc=$?
	if pgrep -s $pid > /dev/null 2>&1; then
		log "$n left processes behind (killed):"
		pgrep -a -s $pid | sed 's/^/#   /'
		pkill -KILL -s $pid
	fi
	cp "$out" "$results/" 2>/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	verdict=ok
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "not ok 1 $n # timed out after ${limit}s"
		verdict="TIMEOUT"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && ! grep -q '^not ok' "$out"; then
		# 4 is KSFT_SKIP: every test skipped.
		echo "not ok 1 $n # exited with status $rc without a failing TAP line"
		verdict="exit $rc"
	elif grep -q '^not ok' "$out"; then
		verdict=FAIL
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		verdict="exit $rc"
	fi
	after=$(dmesg | grep -cE "$problems")
	if [ "$after" -gt "$before" ]; then
		echo "not ok 1 $n-kernel-log # the kernel logged a problem:"
		dmesg | grep -E "$problems" | tail -n $((after - before)) | sed 's/^/#   /'
		verdict="$verdict, kernel log"
	fi
	[ "$verdict" = ok ] || failed=$((failed + 1))
	summary+=("$(printf '%-28s %8ss  %s' "$n" "$secs" "$verdict")")
done

log "summary:"
for s in "${summary[@]}"; do
	echo "#   $s"
done
log "$failed of ${#tests[@]} test programs failed"
[ $failed = 0 ]
