#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM test 98-package: the installed .debs at work. selftests/pkg/debs.sh
# installed vubridge and vubridge-dkms on the host (make check does, before
# the VM boots); the VM sees the host's root, so here are the DKMS-built
# module, the udev rule, the user vubridge, the unit and its options file.
#  - modprobe loads the DKMS-built vubridge.ko (not the tree's);
#  - systemd-udevd applies 60-vubridge.rules: /dev/vubridge/NAME is group
#    vubridge, mode 0660; a user outside the group gets EACCES;
#  - the installed unit's ExecStart, run as systemd would (unit-exec: user
#    vubridge, CAP_IPC_LOCK only, no new privileges, the options file),
#    sends READY=1 once the socket listens; the socket is group kvm, 0660;
#  - the project's front-end (vu-demo) as another user in group kvm, the
#    way libvirt's libvirt-qemu is, passes traffic end to end through the
#    unprivileged daemon, whose memlock limit is below the pinned guest
#    memory (CAP_IPC_LOCK at work); a user outside kvm gets EACCES.
# Restores the tree's module for the tests that follow. Prints TAP.
set -u -o pipefail

root=${VUB_ROOT:?run me in the test VM (selftests/run_vm.sh)}
build=${VUB_BUILD:-$root/build}
helpers=$build/pkg
dev=pkg0
mac=02:00:00:00:00:0b
nobody=65534
log=/tmp/pkg-vubridged.log
n=0 fails=0 dpid='' udevd=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "#   $l"; done; }
expect() {	# DESC WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "expected '$2', got '$3'"; fi
}

echo "TAP version 13"
if [ ! -f "$build/debs/installed" ]; then
	echo "1..0 # SKIP the .debs are not installed on the host (make check installs them: selftests/pkg/debs.sh install)"
	exit 0
fi
read -r krel ver < "$build/debs/installed"
if [ "$krel" != "$(uname -r)" ]; then
	echo "1..0 # SKIP the packages were installed for $krel, this VM runs $(uname -r)"
	exit 0
fi
echo "1..12"

cleanup() {
	[ -n "$dpid" ] && kill -KILL "$dpid" 2> /dev/null
	vdpa dev del "$dev" 2> /dev/null
	[ $udevd = 1 ] && udevadm control --exit 2> /dev/null
	rmmod vubridge 2> /dev/null
	insmod "$root/kmod/vubridge.ko" 2> /dev/null
	[ -s "$log" ] && sed 's/^/# vubridged: /' "$log"
	return 0
}
rc=0
trap 'rc=$?; cleanup; exit $rc' EXIT

# 1. The DKMS-built module replaces the tree's: modules.dep knows only the
# DKMS one, so modprobe has no other file to load.
rmmod vubridge 2> /dev/null
dep=$(modprobe --show-depends vubridge 2>&1 | tail -n 1)
if [ "$dep" = "insmod /lib/modules/$krel/updates/dkms/vubridge.ko.xz " ] ||
	[ "$dep" = "insmod /lib/modules/$krel/updates/dkms/vubridge.ko " ]; then
	if modprobe vubridge && [ -d /sys/module/vubridge ]; then
		ok "modprobe vubridge loads the DKMS-built ${dep#insmod } (vubridge-dkms $ver)"
	else
		nok "modprobe vubridge loads the DKMS-built module" "modprobe failed"
	fi
else
	nok "modprobe vubridge resolves to the DKMS-built module" "$dep"
fi

# 2. Real udev: systemd-udevd with the host's rules, the package's included.
# The VM runs the tests in a chroot, where udevadm ignores requests unless
# told otherwise.
export SYSTEMD_IGNORE_CHROOT=1
udevd_bin=/lib/systemd/systemd-udevd
[ -x "$udevd_bin" ] || udevd_bin=/usr/lib/systemd/systemd-udevd
mkdir -p /run/udev
if "$udevd_bin" --daemon 2> /tmp/pkg-udevd.log; then
	udevd=1
	ok "systemd-udevd runs"
else
	nok "systemd-udevd runs" "$(cat /tmp/pkg-udevd.log)"
fi

# 3. A device steered to vubridge gets the rule's owner and mode.
vdpa dev add name "$dev" mgmtdev vdpasim_net mac "$mac"
sys=/sys/bus/vdpa/devices/$dev
echo vubridge > "$sys/driver_override"
[ -e "$sys/driver" ] && basename "$(readlink "$sys/driver")" | grep -qvx vubridge &&
	echo "$dev" > "$sys/driver/unbind"
[ -e "$sys/driver" ] || echo "$dev" > /sys/bus/vdpa/drivers/vubridge/bind
udevadm settle --timeout=30
# shellcheck disable=SC2012 # shown to the reader, not parsed
ls -l /dev/vubridge/ | sed 's/^/# /'
expect "udev: /dev/vubridge/$dev is root:vubridge 0660" "root vubridge 660" \
	"$(stat -c '%U %G %a' "/dev/vubridge/$dev" 2>&1)"

# 4, 5. Outside the group: EACCES. The group alone opens it.
expect "a user outside group vubridge is refused the device (EACCES)" EACCES \
	"$(setpriv --reuid=$nobody --regid=$nobody --clear-groups "$helpers/try-open" dev "/dev/vubridge/$dev")"
expect "user vubridge opens the device with no capability at all" ok \
	"$(setpriv --reuid=vubridge --regid=vubridge --init-groups --inh-caps=-all --bounding-set=-all "$helpers/try-open" dev "/dev/vubridge/$dev")"

# 6. The installed unit, started as systemd would; READY=1 once it listens.
unit=/lib/systemd/system/vubridged.service
notify=/run/pkg-notify.sock
if out=$("$helpers/unit-exec" "$unit" "$notify" /tmp/pkg-vubridged.pid 2> "$log"); then
	dpid=$(cat /tmp/pkg-vubridged.pid)
	printf '# %s\n' "${out//$'\n'/$'\n'# }"
	if echo "$out" | grep -qx 'notify: STATUS=serving 1 device' &&
		[ -S "/run/vubridge/$dev.sock" ]; then
		ok "the installed unit's ExecStart sends READY=1 once /run/vubridge/$dev.sock listens"
	else
		nok "the installed unit's ExecStart sends READY=1 once the socket listens" "$out"
	fi
else
	nok "the installed unit's ExecStart sends READY=1" "$out" "$(cat "$log")"
fi

# 7. What the process is: user vubridge, CAP_IPC_LOCK (bit 14) only.
if [ -n "$dpid" ]; then
	st=$(grep -E '^(Uid|CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs):' "/proc/$dpid/status" | tr -s '\t' ' ')
	uid=$(id -u vubridge)
	want="Uid: $uid $uid $uid $uid
CapPrm: 0000000000004000
CapEff: 0000000000004000
CapBnd: 0000000000004000
CapAmb: 0000000000004000
NoNewPrivs: 1"
	expect "vubridged runs as vubridge with CAP_IPC_LOCK only, no new privileges" "$want" "$st"
else
	nok "vubridged runs as vubridge with CAP_IPC_LOCK only" "not running"
fi

# 8. The socket: the options file's group and mode.
expect "the socket is vubridge:kvm 0660 (--socket-group kvm --socket-mode 0660)" \
	"vubridge kvm 660" "$(stat -c '%U %G %a' "/run/vubridge/$dev.sock" 2>&1)"

# 9. Pinning guest memory is not charged to the daemon's RLIMIT_MEMLOCK:
# lower it to 1 MiB (the front-end's guest has 8 MiB, all pinned by the
# module for DMA); only CAP_IPC_LOCK lets the traffic below pass.
if [ -n "$dpid" ] && prlimit --pid "$dpid" --memlock=1048576:1048576; then
	expect "vubridged's RLIMIT_MEMLOCK lowered to 1 MiB, below the guest's 8 MiB" \
		"1048576 1048576" "$(prlimit --pid "$dpid" --memlock --noheadings --raw -o SOFT,HARD | tr -s ' ' | sed 's/^ //')"
else
	nok "vubridged's RLIMIT_MEMLOCK lowered to 1 MiB"
fi

# 10, 11. A VMM of another user: in group kvm it connects and its frames
# come back; outside it, EACCES.
kvm=$(getent group kvm | cut -d: -f3)
expect "a user outside group kvm is refused the socket (EACCES)" EACCES \
	"$(setpriv --reuid=$nobody --regid=$nobody --clear-groups "$helpers/try-open" sock "/run/vubridge/$dev.sock")"
if out=$(setpriv --reuid=$nobody --regid=$nobody --groups="$kvm" \
	"$build/bin/vu-demo" "/run/vubridge/$dev.sock" 2000 "$dpid" 2>&1); then
	printf '# %s\n' "${out//$'\n'/$'\n'# }"
	ok "a VMM as another user in group kvm passes 2000 frames through the unprivileged daemon (8 MiB pinned under CAP_IPC_LOCK)"
else
	nok "a VMM as another user in group kvm passes traffic through the unprivileged daemon" "$out"
fi

# 12. SIGTERM (systemctl stop): the daemon stops and removes its socket.
if [ -n "$dpid" ]; then
	kill -TERM "$dpid"
	for _ in $(seq 100); do
		[ -d "/proc/$dpid" ] || break
		sleep 0.1
	done
	if [ ! -d "/proc/$dpid" ] && [ ! -e "/run/vubridge/$dev.sock" ]; then
		ok "SIGTERM stops vubridged and removes its socket"
		dpid=
	else
		nok "SIGTERM stops vubridged and removes its socket"
	fi
else
	nok "SIGTERM stops vubridged" "not running"
fi
[ $fails = 0 ]
