#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Usage: initramfs.sh KVER
# Build (or reuse) the test VM's initramfs for kernel KVER and print its path:
# busybox-static, scripts/vm/init as /init, the modprobe forwarder, and the
# modules init loads (decompressed from /lib/modules/KVER). Rebuilt only when
# one of those inputs changes.
set -eu

kver=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/vm
mods="kernel/drivers/iommu/virtio-iommu kernel/fs/netfs/netfs kernel/net/9p/9pnet
kernel/net/9p/9pnet_virtio kernel/fs/9p/9p"
busybox=/bin/busybox

inputs="$busybox $here/init $here/modprobe $here/initramfs.sh"
for m in $mods; do
	inputs="$inputs /lib/modules/$kver/$m.ko.xz"
done
for f in $inputs; do
	[ -f "$f" ] || { echo "initramfs.sh: $f missing (run scripts/deps.sh)" >&2; exit 1; }
done
img=$out/initramfs-$kver.cpio
# shellcheck disable=SC2086 # plain paths without spaces
key=$(cat $inputs | sha256sum)
if [ -f "$img" ] && [ "$(cat "$img.key" 2>/dev/null)" = "$key" ]; then
	echo "$img"
	exit 0
fi

stage=$out/initramfs.d
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/sbin" "$stage/lib/modules" "$stage/dev" \
	"$stage/proc" "$stage/sys" "$stage/host" "$stage/newroot"
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || [ "$a" = modprobe ] || ln -s busybox "$stage/bin/$a"
done
install -m 0755 "$here/init" "$stage/init"
install -m 0755 "$here/modprobe" "$stage/sbin/modprobe"
for m in $mods; do
	xz -dc "/lib/modules/$kver/$m.ko.xz" > "$stage/lib/modules/${m##*/}.ko"
done
# Without CAP_MKNOD, init opens the console after mounting devtmpfs.
mknod "$stage/dev/console" c 5 1 2>/dev/null || true

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$img.tmp"
mv "$img.tmp" "$img"
printf '%s\n' "$key" > "$img.key"
rm -rf "$stage"
echo "$img"
