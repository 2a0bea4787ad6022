#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Usage: logcheck.sh RESULTS_DIR
# Fail (and print the offending lines) if the guest kernel log in
# RESULTS_DIR/dmesg.txt reports a warning, bug, oops, GPF, refcount or
# kmemleak problem, or if the kernel taint (RESULTS_DIR/tainted) has the
# W (warning, bit 9), D (died/oops, bit 7) or B (bad page or slab
# corruption, bit 5) flag. Out-of-tree and unsigned module taints are
# expected and ignored.
set -eu

dir=$1
if [ ! -f "$dir/dmesg.txt" ]; then
	echo "logcheck: no kernel log ($dir/dmesg.txt)"
	exit 1
fi
bad=0
if grep -nE 'WARNING:|BUG:|Oops|general protection|refcount_t|kmemleak' "$dir/dmesg.txt"; then
	bad=1
fi
taint=$(cat "$dir/tainted" 2>/dev/null || echo 0)
if [ $((taint & (1 << 9 | 1 << 7 | 1 << 5))) -ne 0 ]; then
	echo "logcheck: kernel taint $taint has W (warning), D (oops) or B (bad page/slab) set"
	bad=1
fi
exit $bad
