#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/kdir.sh [--product]
#
# Print the kernel build directory (KDIR) to build vubridge against:
#   1. $KDIR if set;
#   2. /lib/modules/$(uname -r)/build if its build directory has a Makefile
#      and the running kernel is a 6.12 one (the test bed's kernel) or
#      --product is given (the product builds for the host it runs on);
#   3. the newest /usr/src/linux-headers-6.12*-amd64 (bookworm-backports).
# Prints nothing and fails if none exists (run scripts/deps.sh, or set KDIR).
set -eu

if [ -n "${KDIR:-}" ]; then
	echo "$KDIR"
	exit 0
fi

run=/lib/modules/$(uname -r)/build
case ${1:-}:$(uname -r) in
--product:* | *:6.12.*)
	if [ -f "$run/Makefile" ]; then
		echo "$run"
		exit 0
	fi
	;;
esac

newest=$(printf '%s\n' /usr/src/linux-headers-6.12*-amd64 | sort -V | tail -n 1)
if [ -n "$newest" ] && [ -f "$newest/Makefile" ]; then
	echo "$newest"
	exit 0
fi

echo "kdir.sh: no 6.12 kernel headers found; run scripts/deps.sh or set KDIR" >&2
exit 1
