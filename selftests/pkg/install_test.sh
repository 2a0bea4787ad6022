#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test (build/hosttests/pkg_install): the product build and "make
# install" / "make uninstall", in a copy of the committed tree:
#  - "make" builds vubridge.ko, vubridged and the man pages with the test
#    bed's installer and kernel-source extraction replaced by scripts that
#    fail: the product needs neither (nor QEMU, nor the simulators);
#  - "make install DESTDIR PREFIX" installs exactly the files dist/Makefile
#    lists, the unit's ExecStart names the installed daemon, dkms.conf and
#    the Debian changelog carry the version vubridged reports;
#  - "make uninstall" leaves no file behind.
# Prints TAP.
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$top/.git" ] || [ -f "$top/.git" ] || top=${VUB_ROOT:?}
work=$(mktemp -d /tmp/vub-pkginst-XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d" "failed: $*"; fi; }

echo "TAP version 13"
echo "1..9"

# The committed tree plus the working tree's changes, without build output.
src=$work/src
mkdir -p "$src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$src" 2>/dev/null)
for s in deps.sh ksrc.sh qemu10.sh; do
	printf '#!/bin/sh\necho "%s must not run in the product build" >&2\nexit 99\n' "$s" \
		> "$src/scripts/$s"
done

log=$work/build.log
if make -C "$src" > "$log" 2>&1; then
	ok "make: the product builds without the test bed's installer"
else
	mapfile -t tail < <(tail -n 8 "$log")
	nok "make: the product builds without the test bed's installer" "${tail[@]}"
fi
check "make built vubridge.ko, vubridged, vubctl and the man pages, no simulator" \
	test -f "$src/kmod/vubridge.ko" -a -x "$src/build/daemon/vubridged" \
	-a -x "$src/build/bin/vubctl" -a -f "$src/build/man/vubridged.8" \
	-a -f "$src/build/man/vubctl.8" -a ! -e "$src/build/sims"

dest=$work/root
make -C "$src" install DESTDIR="$dest" PREFIX=/usr > "$work/install.log" 2>&1
ver=$(cat "$src/VERSION")
expect=(
	etc/default/vubridged
	usr/include/linux/vubridge.h
	usr/lib/modules-load.d/vubridge.conf
	usr/lib/systemd/system/vubridged.service
	usr/lib/sysusers.d/vubridge.conf
	usr/lib/udev/rules.d/60-vubridge.rules
	usr/sbin/vubridged
	usr/share/doc/vubridge/examples/modprobe.d-vubridge.conf
)
for m in "$src"/build/man/*.8; do expect+=("usr/share/man/man8/${m##*/}"); done
for f in Kbuild dkms.conf kmod/Kbuild uapi/linux/vubridge.h; do
	expect+=("usr/src/vubridge-$ver/$f")
done
for f in "$src"/kmod/*.[ch]; do
	case $f in *.mod.c) continue ;; esac
	expect+=("usr/src/vubridge-$ver/kmod/${f##*/}")
done
[ -f "$src/tools/vubctl/Makefile" ] &&
	expect+=(usr/sbin/vubctl usr/share/bash-completion/completions/vubctl)
got=$(cd "$dest" 2>/dev/null && find . -type f | sed 's|^\./||' | sort)
want=$(printf '%s\n' "${expect[@]}" | sort)
if [ "$got" = "$want" ]; then
	ok "make install: the files dist/Makefile lists, nothing else"
else
	mapfile -t d < <(diff <(echo "$want") <(echo "$got"))
	nok "make install: the files dist/Makefile lists, nothing else" "${d[@]}"
fi

unit=$dest/usr/lib/systemd/system/vubridged.service
# shellcheck disable=SC2016 # the unit's own $VUBRIDGED_OPTS
check "the unit runs the installed daemon with the options file" \
	grep -qx 'ExecStart=/usr/sbin/vubridged --foreground $VUBRIDGED_OPTS' "$unit"
check "the unit reads /etc/default/vubridged" \
	grep -qx 'EnvironmentFile=-/etc/default/vubridged' "$unit"

dv=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$dest/usr/src/vubridge-$ver/dkms.conf")
cv=$(sed -n '1s/^vubridge (\([^)]*\)).*/\1/p' "$src/debian/changelog")
rv=$("$dest/usr/sbin/vubridged" --version)
if [ "$dv" = "$ver" ] && [ "$cv" = "$ver" ] && [ "$rv" = "vubridged $ver" ]; then
	ok "one version: VERSION, dkms.conf, debian/changelog, vubridged -V ($ver)"
else
	nok "one version: VERSION, dkms.conf, debian/changelog, vubridged -V" \
		"VERSION $ver, dkms.conf $dv, changelog $cv, vubridged '$rv'"
fi

make -C "$src" uninstall DESTDIR="$dest" PREFIX=/usr > "$work/uninstall.log" 2>&1
left=$(find "$dest" -type f 2>/dev/null)
if [ -z "$left" ]; then
	ok "make uninstall removes every installed file"
else
	mapfile -t l <<< "$left"
	nok "make uninstall removes every installed file" "${l[@]}"
fi
# The guide: every literal block is run by a test, and its "source" blocks
# (make, make install, make uninstall) work as shown, staged in DESTDIR.
guide=$src/Documentation/admin-guide.rst
if out=$(python3 "$src/scripts/guide-blocks.py" "$guide" --check 2>&1); then
	ok "admin-guide.rst: every literal block is marked for a test ($out)"
else
	mapfile -t l <<< "$out"
	nok "admin-guide.rst: every literal block is marked for a test" "${l[@]}"
fi
python3 "$src/scripts/guide-blocks.py" "$guide" source "$work/guide"
rc=0 ran=0
for b in "$work/guide"/*; do
	[ -f "$b" ] || continue
	ran=$((ran + 1))
	(cd "$src" && DESTDIR=$work/guide-root bash -e "$b") > "$work/guide.log" 2>&1 || rc=1
done
left=$(find "$work/guide-root" -type f 2>/dev/null)
if [ $rc = 0 ] && [ $ran -gt 0 ] && [ -x "$src/build/daemon/vubridged" ] && [ -z "$left" ]; then
	ok "admin-guide.rst: its $ran 'source' blocks (make, make install, make uninstall) run as shown"
else
	mapfile -t l < <(tail -n 8 "$work/guide.log"; echo "blocks: $ran; left: $left")
	nok "admin-guide.rst: its 'source' blocks run as shown" "${l[@]}"
fi
[ $fails = 0 ]
