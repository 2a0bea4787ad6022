#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM test 99-admin-guide: Documentation/admin-guide.rst never lies. Runs
# every ".. run: vm" block of the guide, in order, each with bash -e (one TAP
# result per block), on the packages selftests/pkg/debs.sh installed on the
# host, and compares every ".. file: PATH" block with the installed PATH.
# The VM has no systemd (busybox init and a chroot): "systemctl" here runs
# the installed unit's ExecStart as systemd would (unit-exec: user,
# capabilities, options file, READY=1) for start/enable --now/stop, and the
# host's systemd-udevd is started first, as on any host. Restores the tree's
# module for the tests that follow. Prints TAP.
set -u -o pipefail

root=${VUB_ROOT:?run me in the test VM (selftests/run_vm.sh)}
build=${VUB_BUILD:-$root/build}
helpers=$build/pkg
work=/tmp/guide
n=0 fails=0 udevd=0

echo "TAP version 13"
if [ ! -f "$build/debs/installed" ]; then
	echo "1..0 # SKIP the .debs are not installed on the host (make check installs them: selftests/pkg/debs.sh install)"
	exit 0
fi
rm -rf "$work"
python3 "$root/scripts/guide-blocks.py" "$root/Documentation/admin-guide.rst" vm "$work/vm"
python3 "$root/scripts/guide-blocks.py" "$root/Documentation/admin-guide.rst" file "$work/file"
# No /dev/fd in the VM: no process substitution.
find "$work/vm" -type f | sort > "$work/vm.list"
find "$work/file" -type f | sort > "$work/file.list"
mapfile -t vm < "$work/vm.list"
mapfile -t files < "$work/file.list"
if [ ${#vm[@]} = 0 ] || [ ${#files[@]} = 0 ]; then
	echo "not ok 1 admin-guide.rst has no '.. run: vm' or '.. file:' block"
	exit 1
fi
echo "1..$((${#vm[@]} + ${#files[@]}))"

export SYSTEMD_IGNORE_CHROOT=1	# udevadm ignores requests in a chroot
export VUB_PIDFILE=/tmp/guide-vubridged.pid
# shellcheck disable=SC2317 # called from the guide's blocks
systemctl() {
	local unit=/lib/systemd/system/vubridged.service pid
	case "$*" in
	"enable --now vubridged.service" | "start vubridged.service")
		"$VUB_HELPERS/unit-exec" "$unit" /run/guide-notify.sock "$VUB_PIDFILE" 2> /tmp/guide-vubridged.log
		;;
	"stop vubridged.service")
		pid=$(cat "$VUB_PIDFILE")
		kill -TERM "$pid"
		for _ in $(seq 100); do
			[ -d "/proc/$pid" ] || return 0
			sleep 0.1
		done
		echo "vubridged ($pid) did not stop" >&2
		return 1
		;;
	*)
		echo "systemctl $*: not available in the test VM" >&2
		return 1
		;;
	esac
}
export -f systemctl
export VUB_HELPERS=$helpers

cleanup() {
	local pid
	pid=$(cat "$VUB_PIDFILE" 2> /dev/null) && kill -KILL "$pid" 2> /dev/null
	for d in vdpa0 vdpa1; do vdpa dev del "$d" 2> /dev/null; done
	[ $udevd = 1 ] && udevadm control --exit 2> /dev/null
	rmmod vubridge 2> /dev/null
	insmod "$root/kmod/vubridge.ko" 2> /dev/null
	[ -s /tmp/guide-vubridged.log ] && sed 's/^/# vubridged: /' /tmp/guide-vubridged.log
	return 0
}
rc=0
trap 'rc=$?; cleanup; exit $rc' EXIT

# The host's state before the guide's first step: udev runs, vubridge.ko is
# not loaded (run_vm.sh loaded the tree's).
rmmod vubridge 2> /dev/null
mkdir -p /run/udev
/lib/systemd/systemd-udevd --daemon 2> /dev/null && udevd=1

for b in "${vm[@]}"; do
	n=$((n + 1))
	line=${b##*-l}
	sed 's/^/# $ /' "$b"
	if out=$(cd /tmp && bash -e "$b" 2>&1); then
		[ -n "$out" ] && printf '# %s\n' "${out//$'\n'/$'\n'# }"
		echo "ok $n admin-guide.rst:$line: $(head -n 1 "$b")"
	else
		printf '#   %s\n' "${out//$'\n'/$'\n'#   }"
		echo "not ok $n admin-guide.rst:$line: $(head -n 1 "$b")"
		fails=$((fails + 1))
	fi
done

for f in "${files[@]}"; do
	n=$((n + 1))
	line=${f##*-l}
	path=$(head -n 1 "$f")
	tail -n +2 "$f" > "$work/shown"
	if d=$(diff "$work/shown" "$path" 2>&1); then
		echo "ok $n admin-guide.rst:$line: shows $path as installed"
	else
		printf '#   %s\n' "${d//$'\n'/$'\n'#   }"
		echo "not ok $n admin-guide.rst:$line: shows $path as installed"
		fails=$((fails + 1))
	fi
done
[ $fails = 0 ]
