#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the 6.12 kernel in QEMU (TCG) with the host root read-only over 9p and
# run a command in it (default: selftests/run_vm.sh), or an interactive shell.
# See "usage" below. The guest side is scripts/vm/init.
set -eu -o pipefail

usage() {
	cat <<USAGE
Usage: scripts/vm/run.sh [--shell | --cmd 'CMD'] [--timeout SEC] [--append 'ARGS'] [--mq-nics]
                        [--mq-blk]

  --cmd 'CMD'     run CMD with bash in the guest, in the repository root
                  (default: selftests/run_vm.sh)
  --shell         interactive shell in the guest (leave with exit or ^D;
                  QEMU's escape is Ctrl-A x)
  --timeout SEC   give the command SEC seconds (default 1200)
  --append ARGS   extra kernel command line arguments
  --mem SIZE      guest memory, as QEMU's -m takes it (default 2G)
  --save DIR      copy the results (output.txt, dmesg.txt, status, tainted)
                  to DIR before the next VM run of this tree may replace them
  --mq-nics       two more virtio-net-pci NICs with mq=on (4 queue pairs, a
                  control queue) at PCI 00:18.0 and 00:19.0, each backed by a
                  multi-queue tap; a host bridge joins the two taps (needs
                  root and /dev/net/tun; taps and bridge are removed when the
                  VM exits). The other devices keep their PCI addresses.
  --mq-blk        one more device: a virtio-blk-pci with num-queues=4 at PCI
                  00:1a.0 (vp_vdpa's multi-queue blk device), backed by a
                  64 MiB raw image in a temporary directory that is removed
                  when the VM exits. The other devices keep their addresses.

Inside the guest: VUB_ROOT (repository root), VUB_BUILD, VUB_RESULTS=/results
(host: build/vm/results), KVER. /tmp and /run are tmpfs; the rest of the host
root is read-only. The run fails if the command fails, the VM does not finish
in time, or the kernel log shows a warning, bug, oops or leak; the kernel log
is kept in build/vm/results/dmesg.txt.
USAGE
}

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=cmd
cmd=$top/selftests/run_vm.sh
default_cmd=1
timeout=1200
append=
mem=2G
save=
mq_nics=0
mq_blk=0
while [ $# -gt 0 ]; do
	case $1 in
	--shell) mode=shell ;;
	--cmd) cmd=${2:?--cmd needs an argument}; default_cmd=0; shift ;;
	--timeout) timeout=${2:?--timeout needs an argument}; shift ;;
	--append) append=${2:?--append needs an argument}; shift ;;
	--save) save=${2:?--save needs a directory}; shift ;;
	--mem) mem=${2:?--mem needs a size}; shift ;;
	--mq-nics) mq_nics=1 ;;
	--mq-blk) mq_blk=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
case $timeout in
'' | *[!0-9]*) echo "run.sh: --timeout wants seconds" >&2; exit 2 ;;
esac
case $mem in
'' | *[!0-9MG]* | [MG]*) echo "run.sh: --mem wants a size like 4G or 3072M" >&2; exit 2 ;;
esac
case $top in
*[!A-Za-z0-9_./+-]*) echo "run.sh: repository path '$top' has unusual characters" >&2; exit 2 ;;
esac
if [ "$mode" = cmd ] && [ "$default_cmd" = 1 ] && [ ! -x "$cmd" ]; then
	echo "run.sh: $cmd does not exist (yet); give --cmd or --shell" >&2
	exit 1
fi

kver=$("$top/scripts/kver.sh")
kernel=/boot/vmlinuz-$kver
if [ ! -f "$kernel" ] || [ ! -d "/lib/modules/$kver" ]; then
	echo "run.sh: $kernel or /lib/modules/$kver missing (run scripts/deps.sh)" >&2
	exit 1
fi
initrd=$("$top/scripts/vm/initramfs.sh" "$kver")

vm=$top/build/vm
results=$vm/results
mkdir -p "$vm"
# One VM at a time per tree: the results directory is shared.
exec 9>"$vm/lock"
if ! flock -n 9; then
	echo "run.sh: waiting for another VM run of this tree to finish" >&2
	flock 9
fi
rm -rf "$results"
mkdir -p "$results"

rows='' cols=''
if [ "$mode" = shell ] && [ -t 0 ]; then
	read -r rows cols < <(stty size) || true
fi
term=${TERM:-linux}
case $term in *[!A-Za-z0-9._-]*) term=linux ;; esac
cat > "$results/.vm-env" <<ENV
VUB_ROOT=$top
VUB_MODE=$mode
VUB_TIMEOUT=$timeout
VUB_TERM=$term
VUB_ROWS=$rows
VUB_COLS=$cols
ENV
printf '%s\n' "$cmd" > "$results/.vm-cmd"

# Heap checks the Debian kernel has built in but off: SLUB red zones,
# poisoning and owner tracking, and KFENCE sampling. Their reports say "BUG"
# and taint the kernel (B), which fails the run.
debug="slub_debug=FZPU kfence.sample_interval=100"
# shellcheck disable=SC2054 # commas separate QEMU sub-options
qemu=(qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m "$mem" -nographic -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 edd=off loglevel=4 log_buf_len=8M panic=-1 $debug rdinit=/init $append"
	-virtfs local,path=/,mount_tag=hostroot,readonly=on,multidevs=remap,security_model=none
	-virtfs "local,path=$results,mount_tag=results,security_model=none"
	-device virtio-iommu-pci -bios /usr/share/qemu/qboot.rom)
# The NICs for vp_vdpa. packed=on: a device that offers packed rings
# (front-ends that ask for them get them; the others do not).
for n in 1 2; do
	qemu+=(-netdev "hubport,id=h$n,hubid=0"
		-device "virtio-net-pci,netdev=h$n,iommu_platform=on,disable-legacy=on,page-per-vq=on,packed=on,romfile=,mac=52:54:00:12:34:0$n")
done

# The multi-queue NICs: a QEMU hub port has one queue, so a NIC behind it
# offers one pair whatever mq= says; a multi-queue tap gives QEMU one queue
# per pair. The taps exist before QEMU (persistent, multi_queue) so they are
# bridged and up before the guest sends; IPv6 is off on them and on the
# bridge, which then sends nothing of its own (no router solicitations, no
# MLD reports): every frame the NICs see comes from the other NIC.
mq_taps=()
mq_bridge=
mq_blk_dir=
# shellcheck disable=SC2317 # runs from the EXIT trap
mq_cleanup() {
	local t
	for t in "${mq_taps[@]}"; do ip link del "$t" 2>/dev/null || true; done
	[ -z "$mq_bridge" ] || ip link del "$mq_bridge" 2>/dev/null || true
	[ -z "$mq_blk_dir" ] || rm -rf "$mq_blk_dir"
}
if [ "$mq_nics" = 1 ] || [ "$mq_blk" = 1 ]; then
	trap mq_cleanup EXIT
	trap 'exit 130' INT TERM HUP
fi
if [ "$mq_nics" = 1 ]; then
	id=$(( $$ % 100000 ))
	mq_bridge=vubq${id}br
	ip link add "$mq_bridge" type bridge
	echo 1 > "/proc/sys/net/ipv6/conf/$mq_bridge/disable_ipv6"
	for n in 1 2; do
		tap=vubq${id}t$n
		ip tuntap add mode tap multi_queue name "$tap"
		mq_taps+=("$tap")
		echo 1 > "/proc/sys/net/ipv6/conf/$tap/disable_ipv6"
		ip link set "$tap" master "$mq_bridge"
		ip link set "$tap" up
		# shellcheck disable=SC2054 # commas separate QEMU sub-options
		qemu+=(-netdev "tap,id=mq$n,ifname=$tap,queues=4,script=no,downscript=no,vhost=off"
			-device "virtio-net-pci,netdev=mq$n,mq=on,iommu_platform=on,disable-legacy=on,page-per-vq=on,romfile=,addr=0x1$((7 + n)),mac=52:54:00:12:35:0$n")
	done
	ip link set "$mq_bridge" up
fi

# The multi-queue disk: QEMU's virtio-blk creates all num-queues queues at
# realize, so vp_vdpa counts 4 (unlike the NICs above). A real image, so
# what the tests write is read back from a file; QEMU owns it, this script
# removes it.
if [ "$mq_blk" = 1 ]; then
	mq_blk_dir=$(mktemp -d "${TMPDIR:-/tmp}/vub-mqblk.XXXXXX")
	truncate -s 64M "$mq_blk_dir/disk.img"
	# shellcheck disable=SC2054 # commas separate QEMU sub-options
	qemu+=(-drive "file=$mq_blk_dir/disk.img,if=none,id=mqblk,format=raw"
		-device "virtio-blk-pci,drive=mqblk,num-queues=4,iommu_platform=on,disable-legacy=on,page-per-vq=on,romfile=,addr=0x1a")
fi

start=$(date +%s)
rc=0
if [ "$mode" = shell ]; then
	"${qemu[@]}" || rc=$?
else
	# The serial console ends lines with CR LF; the console log gets LF
	# only. The two NICs' hub has no host side on purpose: drop QEMU's
	# warning about that.
	timeout -k 10 $((timeout + 120)) "${qemu[@]}" </dev/null 2>&1 |
		sed -u -e 's/\r$//' -e '/warning: hub 0 is not connected to host network$/d' |
		tee "$vm/console.log" || rc=$?
fi
elapsed=$(($(date +%s) - start))

fail=0
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm: FAIL: the VM did not finish within $((timeout + 120)) s (killed)"
	fail=1
elif [ "$rc" != 0 ]; then
	echo "vm: FAIL: qemu exited with status $rc"
	fail=1
fi
status=$(cat "$results/status" 2>/dev/null || echo missing)
if [ "$status" = missing ]; then
	echo "vm: FAIL: the guest reported no status (crash? see $vm/console.log)"
	fail=1
elif [ "$status" != 0 ] && [ "$mode" = cmd ]; then
	echo "vm: FAIL: the command exited with status $status"
	fail=1
fi
if ! "$top/scripts/vm/logcheck.sh" "$results" | sed 's/^/vm: kernel log: /'; then
	echo "vm: FAIL: the kernel log is not clean"
	fail=1
fi
if [ -n "$save" ]; then
	mkdir -p "$save"
	for f in output.txt dmesg.txt status tainted; do
		[ ! -f "$results/$f" ] || cp "$results/$f" "$save/$f"
	done
fi
if [ -f "$results/dmesg.txt" ]; then
	echo "vm: ${elapsed}s; kernel log: $results/dmesg.txt; output: $results/output.txt"
else
	echo "vm: ${elapsed}s; no kernel log saved: see the console log $vm/console.log"
fi
exit $fail
