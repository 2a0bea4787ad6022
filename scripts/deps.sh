#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install everything vubridge needs to build, test and demo on a Debian
# bookworm machine. Idempotent: a machine that has it all spends seconds here.
# Must run as root (CI and developer machines run as root).
set -eu

# dpdk-dev has dpdk-testpmd (a real vhost-user front-end for the tests);
# its virtio-user driver is a plugin only recommended, so named here.
KPKGS="linux-image-amd64 linux-headers-amd64 linux-source-6.12 libudev-dev udev libudev1"
PKGS="build-essential gcc make bc flex bison libelf-dev kmod xz-utils cpio \
qemu-system-x86 busybox-static iproute2 sparse clang llvm libclang-rt-14-dev \
libnl-3-dev libnl-genl-3-dev libmnl-dev pkg-config jq python3 python3-docutils \
cppcheck shellcheck dpdk-dev librte-net-virtio23"

need=""
for p in $PKGS $KPKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		need="$need $p"
done
# The kernel headers must be the backports 6.12 ones, and the VM boots the
# image of the same release (an older bookworm 6.1 image does not count).
kdir=$(printf '%s\n' /usr/src/linux-headers-6.12*-amd64 | sort -V | tail -n 1)
if [ -f "$kdir/include/config/kernel.release" ]; then
	rel=$(cat "$kdir/include/config/kernel.release")
	[ -f "/boot/vmlinuz-$rel" ] && [ -d "/lib/modules/$rel/kernel" ] ||
		need="$need linux-image-amd64"
else
	need="$need linux-headers-amd64 linux-image-amd64"
fi
[ -f /usr/src/linux-source-6.12.tar.xz ] || need="$need linux-source-6.12"

# QEMU 10.0 (bookworm-backports) beside the system's 7.2, for the QEMU
# front-end tests: unpacked into build/, not installed (scripts/qemu10.sh).
# Without it the tests' 10.0 variant skips, saying why; the rest is fine.
qemu10() {
	"$(dirname "$0")/qemu10.sh" ||
		echo "deps.sh: QEMU 10.0 not unpacked; 95-qemu skips its 10.0 variant" >&2
}

if [ -z "$need" ]; then
	qemu10
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$need; run as root to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
src=/etc/apt/sources.list.d/vubridge-backports.sources
if ! grep -Eqs '^[^#]*bookworm-backports' /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
	cat > "$src" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -q
# Kernel, headers and source from backports first: that upgrades udev and
# libudev1, after which libudev-dev must come from backports as well.
# shellcheck disable=SC2086 # word lists
apt-get install -y -q -t bookworm-backports --no-install-recommends $KPKGS
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PKGS
qemu10
