#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: selftests/pkg/debs.sh install | remove
#
# The host side of the package test ("make check" runs it around the VM
# tests; the VM sees the host's root read-only, so what is installed here is
# what 98-package uses there):
#   install  build the .debs from a copy of the tree and install them, with
#            the commands Documentation/admin-guide.rst shows (its ".. run:
#            debs-build", "debs-install" and "host" blocks), and check
#            what a package manager would: DKMS built and installed
#            vubridge.ko for the VM's kernel (the headers installed here),
#            the unit passes systemd-analyze verify, the user vubridge
#            exists in groups vubridge and kvm. Leaves build/debs/installed
#            ("<kernel release> <version>") for the VM test.
#   remove   purge both packages (the guide's "debs-remove" block) and
#            check that the host is as before:
#            no file of theirs, no DKMS tree, no module, no user vubridge.
# Prints one line per check; exits non-zero at the first failure.
set -eu -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/debs
ver=$(cat "$top/VERSION")
krel=$("$top/scripts/kver.sh")
export DEBIAN_FRONTEND=noninteractive

guide=$top/Documentation/admin-guide.rst

say() { echo "debs: $*"; }

# guide KIND DIR: run the admin guide's ".. run: KIND" blocks in DIR, as
# shown there (scripts/guide-blocks.py).
guide() {
	local kind=$1 dir=$2 b
	rm -rf "$out/guide-$kind"
	python3 "$top/scripts/guide-blocks.py" "$guide" "$kind" "$out/guide-$kind"
	for b in "$out/guide-$kind"/*; do
		[ -f "$b" ] || continue
		say "admin-guide.rst:${b##*-l} ($kind), in ${dir#"$top"/}:"
		sed 's/^/  $ /' "$b"
		(cd "$dir" && bash -e "$b") || fail "admin-guide.rst:${b##*-l}: the $kind commands failed"
	done
	ls "$out/guide-$kind"/* > /dev/null 2>&1 || fail "admin-guide.rst has no '.. run: $kind' block"
}
fail() { echo "debs: FAIL: $*" >&2; exit 1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

remove() {
	local pkgs=() f left=()

	for p in vubridge vubridge-dkms; do
		dpkg-query -W "$p" > /dev/null 2>&1 && pkgs+=("$p")
	done
	if [ ${#pkgs[@]} = 2 ]; then
		guide debs-remove "$out"
	elif [ ${#pkgs[@]} -gt 0 ]; then
		say "apt-get purge ${pkgs[*]}"
		apt-get purge -y -q "${pkgs[@]}"
	fi
	# Debian leaves system users behind on purge; this machine did not
	# have one before the test.
	if getent passwd vubridge > /dev/null; then
		userdel vubridge
	fi
	if getent group vubridge > /dev/null; then
		groupdel vubridge
	fi
	rm -f "$out/installed"
	if [ -f "$out/files" ]; then
		while read -r f; do
			[ -e "$f" ] && [ ! -d "$f" ] && left+=("$f")
		done < "$out/files"
	fi
	[ ${#left[@]} = 0 ] || fail "left behind: ${left[*]}"
	[ ! -e "/var/lib/dkms/vubridge" ] || fail "/var/lib/dkms/vubridge left behind"
	! ls /lib/modules/*/updates/dkms/vubridge.ko* > /dev/null 2>&1 ||
		fail "a DKMS-built vubridge.ko left behind"
	say "purged: no file, DKMS tree, module or user vubridge left"
}

install_debs() {
	local src=$out/src debs mod

	rm -rf "$out" && mkdir -p "$src"
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$src")
	say "building the .debs (log: build/debs/build.log)"
	guide debs-build "$src" > "$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log"; fail "dpkg-buildpackage"; }
	debs=("$out/vubridge_${ver}_"*.deb "$out/vubridge-dkms_${ver}_all.deb")
	ls -l "${debs[@]}"
	remove > /dev/null	# a previous run's leftovers
	guide debs-install "$out"
	dpkg -L vubridge vubridge-dkms | sort -u > "$out/files"

	dkms status vubridge | grep -q "^vubridge/$ver, $krel, [^:]*: installed" ||
		fail "dkms status: $(dkms status vubridge)"
	mod=$(ls /lib/modules/"$krel"/updates/dkms/vubridge.ko* 2>/dev/null || true)
	[ -n "$mod" ] || fail "no vubridge.ko in /lib/modules/$krel/updates/dkms/"
	modinfo "$mod" | grep -q '^depends: *vdpa' || fail "modinfo $mod"
	say "DKMS built and installed $mod for $krel"
	systemd-analyze verify /lib/systemd/system/vubridged.service ||
		fail "systemd-analyze verify vubridged.service"
	say "systemd-analyze verify vubridged.service: clean"
	id -nG vubridge | tr ' ' '\n' | grep -qx kvm || fail "vubridge not in group kvm"
	[ "$(id -gn vubridge)" = vubridge ] || fail "vubridge's group is $(id -gn vubridge)"
	say "user vubridge: $(id vubridge)"
	guide host "$out"
	echo "$krel $ver" > "$out/installed"
}

case ${1:-} in
install) install_debs ;;
remove) remove ;;
*) echo "usage: $0 install | remove" >&2; exit 2 ;;
esac
