#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# QEMU 10.0 from bookworm-backports next to bookworm's 7.2, for the QEMU
# front-end tests (selftests/frontends/). Both cannot be installed as
# packages (same names), so 7.2 stays the system's and 10.0's
# qemu-system-x86 package is unpacked into build/qemu-10.0/. It uses the
# system's libraries (the same set 7.2 pulls in) and is checked to start.
# Idempotent: done once, the next run only checks the stamp file.
#
# Usage: scripts/qemu10.sh [DIR]   (default: build/qemu-10.0 of this tree)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build/qemu-10.0}
suite=bookworm-backports
bin=$dir/usr/bin/qemu-system-x86_64

if [ -f "$dir/.done" ] && [ -x "$bin" ]; then
	exit 0
fi
ver=$(apt-cache madison qemu-system-x86 | awk -v s="$suite" '$0 ~ s"/main" { print $3; exit }')
case $ver in
1:10.0*) ;;
*)
	echo "qemu10.sh: no qemu-system-x86 10.0 in $suite (found '${ver:-none}'); run scripts/deps.sh as root" >&2
	exit 1 ;;
esac
rm -rf "$dir"
mkdir -p "$dir/debs"
# apt-get download writes into the current directory.
# (As root it warns that the _apt user cannot write there: harmless.)
(cd "$dir/debs" && apt-get download -q "qemu-system-x86=$ver") 2>&1 |
	grep -v 'Download is performed unsandboxed' || true
deb=
for f in "$dir"/debs/qemu-system-x86_*.deb; do
	[ -f "$f" ] && deb=$f
done
if [ -z "$deb" ]; then
	echo "qemu10.sh: apt-get download qemu-system-x86=$ver failed" >&2
	exit 1
fi
dpkg -x "$deb" "$dir"
rm -rf "$dir/debs"
missing=$(ldd "$bin" | awk '/not found/ { printf " %s", $1 }')
if [ -n "$missing" ]; then
	echo "qemu10.sh: $bin needs libraries this machine lacks:$missing" >&2
	exit 1
fi
"$bin" --version | head -n 1
echo "$ver" > "$dir/.done"
