#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/deps.sh [--product]
#
# Install what vubridge needs on a Debian bookworm machine. Idempotent: a
# machine that has it all spends well under a second here. Installing needs
# root (CI and developer machines run as root).
#
#   --product   only what the product build (make, make install) and the
#               Debian packaging (dpkg-buildpackage) need: a compiler, the
#               libraries' -dev packages, debhelper and dkms. Never touches
#               apt sources, never installs a kernel, QEMU or kernel sources:
#               a production host brings its own kernel headers.
#   (default)   the test bed on top: make check, make demo, make bench. Adds
#               the bookworm-backports suite for the 6.12 kernel the VM
#               boots, its headers and source, QEMU, DPDK, the linters.
#
# Others append packages to the lists below; keep each list to its purpose.
set -eu

# The product build: vubridge.ko (against the host's own headers), vubridged
# (libudev, libsystemd), vubctl (libmnl), the man pages (docutils' rst2man).
# libudev-dev and libsystemd-dev are added below at the exact version of the
# installed libudev1 / libsystemd0, which may come from backports.
PRODUCT_PKGS="build-essential gcc make kmod pkg-config libnl-3-dev \
libnl-genl-3-dev libmnl-dev python3-docutils"
PRODUCT_PINNED="libudev1:libudev-dev libsystemd0:libsystemd-dev"
# Building the .debs (debian/): dpkg-buildpackage -us -uc -b.
PACKAGING_PKGS="debhelper dh-dkms dkms dpkg-dev fakeroot"

# The test bed. dpdk-dev has dpdk-testpmd (a real vhost-user front-end for
# the tests); its virtio-user driver is a plugin only recommended, so named
# here. systemd gives systemd-analyze and systemd-udevd to the package test;
# it is in KPKGS because the backports kernel brings backports' udev and
# libsystemd0, which bookworm's systemd does not install beside.
KPKGS="linux-image-amd64 linux-headers-amd64 linux-source-6.12 libudev-dev udev libudev1 systemd"
PKGS="bc flex bison libelf-dev xz-utils cpio \
qemu-system-x86 busybox-static iproute2 sparse clang llvm libclang-rt-14-dev \
jq python3 cppcheck shellcheck dpdk-dev librte-net-virtio23"

product=0
case ${1:-} in
--product) product=1 ;;
'') ;;
*) echo "usage: $0 [--product]" >&2; exit 2 ;;
esac

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'
}

# -dev packages that must match their library's installed version exactly.
pinned() {
	for pair in $PRODUCT_PINNED; do
		lib=${pair%%:*} dev=${pair#*:}
		ver=$(dpkg-query -W -f='${Version}' "$lib" 2>/dev/null || true)
		if [ -z "$ver" ]; then
			installed "$dev" || echo "$dev"
		elif [ "$(dpkg-query -W -f='${Version}' "$dev" 2>/dev/null || true)" != "$ver" ]; then
			echo "$dev=$ver"
		fi
	done
}

need=""
list="$PRODUCT_PKGS $PACKAGING_PKGS"
[ $product = 1 ] || list="$list $PKGS $KPKGS"
for p in $list; do
	installed "$p" || need="$need $p"
done

if [ $product = 0 ]; then
	# The kernel headers must be the backports 6.12 ones, and the VM boots
	# the image of the same release (an older bookworm 6.1 image does not
	# count).
	kdir=$(printf '%s\n' /usr/src/linux-headers-6.12*-amd64 | sort -V | tail -n 1)
	if [ -f "$kdir/include/config/kernel.release" ]; then
		rel=$(cat "$kdir/include/config/kernel.release")
		[ -f "/boot/vmlinuz-$rel" ] && [ -d "/lib/modules/$rel/kernel" ] ||
			need="$need linux-image-amd64"
	else
		need="$need linux-headers-amd64 linux-image-amd64"
	fi
	[ -f /usr/src/linux-source-6.12.tar.xz ] || need="$need linux-source-6.12"
fi

# QEMU 10.0 (bookworm-backports) beside the system's 7.2, for the QEMU
# front-end tests: unpacked into build/, not installed (scripts/qemu10.sh).
# Without it the tests' 10.0 variant skips, saying why; the rest is fine.
qemu10() {
	[ $product = 1 ] && return 0
	"$(dirname "$0")/qemu10.sh" ||
		echo "deps.sh: QEMU 10.0 not unpacked; 95-qemu skips its 10.0 variant" >&2
}

if [ -z "$need" ] && [ -z "$(pinned)" ]; then
	qemu10
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$need $(pinned | tr '\n' ' '); run as root to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ $product = 0 ]; then
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
fi
apt-get update -q
if [ $product = 0 ]; then
	# Kernel, headers and source from backports first: that upgrades udev
	# and libudev1, after which libudev-dev must come from backports too.
	# shellcheck disable=SC2086 # word lists
	apt-get install -y -q -t bookworm-backports --no-install-recommends $KPKGS
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $PKGS
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PRODUCT_PKGS $PACKAGING_PKGS
# After the libraries settled: their -dev packages at the same version.
# shellcheck disable=SC2046 # one word per package
apt-get install -y -q --no-install-recommends $(pinned)
qemu10
