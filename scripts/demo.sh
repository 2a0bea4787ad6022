#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# "make demo": boot the test VM and run scripts/demo-guest.sh in it (it
# binds a simulated vDPA network device to vubridge, serves it with
# vubridged and runs traffic through it from the test front-end).
# Expects "make" to have built kmod/vubridge.ko and build/sims/.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/vm/run.sh" --timeout 300 --cmd "$top/scripts/demo-guest.sh"
