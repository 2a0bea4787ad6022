#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release that KDIR (scripts/kdir.sh) builds for; the VM
# boots /boot/vmlinuz-<release> with modules from /lib/modules/<release>.
set -eu

kdir=$(KDIR="${KDIR:-}" "$(dirname "$0")/kdir.sh")
rel=$kdir/include/config/kernel.release
if [ ! -s "$rel" ]; then
	echo "kver.sh: $rel missing; is $kdir a prepared kernel build directory?" >&2
	exit 1
fi
cat "$rel"
