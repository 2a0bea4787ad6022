#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/check.sh [--host | --vm]
#
# The whole test run behind "make check": install dependencies, build
# everything, run every host test (build/hosttests/*), the documentation
# checks, the quality gates (scripts/lint.sh), the daemon's fuzz check, and
# the VM tests (selftests/run_vm.sh in scripts/vm/run.sh). Prints one TAP
# stream on stdout and, as the last line, "N passed, N failed, N skipped";
# exits non-zero on any failure. Each program's own output is kept in
# build/logs/. --host runs only the host part, --vm only the VM part.
# Time limits: VUB_HOST_TIMEOUT (seconds per host test program, default
# 300), VUB_VM_TIMEOUT (the VM tests, default 2400).
set -eu -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/logs
host=1 vm=1
case ${1:-} in
--host) vm=0 ;;
--vm) host=0 ;;
'') ;;
*) echo "usage: $0 [--host | --vm]" >&2; exit 2 ;;
esac
host_timeout=${VUB_HOST_TIMEOUT:-300}
vm_timeout=${VUB_VM_TIMEOUT:-2400}

rm -rf "$logs"
mkdir -p "$logs"
last=0 passed=0 failed=0 skipped=0

# tap NAME STATUS LOG: fold the TAP results of LOG into the totals.
tap() {
	awk -v name="$1" -v rc="$2" -v start="$last" -v counts="$logs/.counts" \
		-f "$top/scripts/tap.awk" "$3"
	local p f s
	read -r last p f s < "$logs/.counts"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# step NAME STATUS [LOG]: one result for a step that is not a TAP program.
step() {
	last=$((last + 1))
	if [ "$2" = 0 ]; then
		echo "ok $last $1"
		passed=$((passed + 1))
	else
		echo "not ok $last $1${3:+ # see ${3#"$top"/}}"
		[ -n "${3:-}" ] && tail -n 20 "$3" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

finish() {
	echo "# wall time ${SECONDS}s"
	echo "1..$last"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && exit 0
	exit 1
}

echo "TAP version 13"
echo "# logs: ${logs#"$top"/}/"

rc=0
"$top/scripts/deps.sh" > "$logs/deps.log" 2>&1 || rc=$?
step "dependencies (scripts/deps.sh)" $rc "$logs/deps.log"
[ $rc = 0 ] || finish

rc=0
make -C "$top" all > "$logs/build.log" 2>&1 || rc=$?
step "build (make all)" $rc "$logs/build.log"
[ $rc = 0 ] || finish
# The compiler only warns about what it compiles: a fresh tree (CI) checks all.
if [ -f "$top/kmod/Kbuild" ]; then
	rc=0
	grep -E 'kmod/[^ :]+:[0-9]+:([0-9]+:)? warning:|WARNING: modpost' \
		"$logs/build.log" > "$logs/build-warnings.log" && rc=1
	step "module built without W=1 warnings" $rc "$logs/build-warnings.log"
fi

if [ $host = 1 ]; then
	rc=0
	make -C "$top" build-hosttests > "$logs/build-hosttests.log" 2>&1 || rc=$?
	step "build host tests" $rc "$logs/build-hosttests.log"
	found=0
	for t in "$top"/build/hosttests/*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then
			continue
		fi
		found=1
		n=${t##*/}
		echo "# host test $n"
		rc=0
		(cd "$top" && timeout -k 10 "$host_timeout" "$t") \
			> "$logs/hosttest-$n.log" 2>&1 </dev/null || rc=$?
		[ $rc = 124 ] && echo "not ok 1 $n # timed out after ${host_timeout}s" \
			>> "$logs/hosttest-$n.log"
		tap "hosttests/$n" $rc "$logs/hosttest-$n.log"
	done
	[ $found = 1 ] || echo "# no host tests in build/hosttests/"

	rc=0
	/usr/bin/python3 "$top/scripts/docs-check.py" "$top/Documentation" \
		"$top/build/docs" > "$logs/docs.log" 2>&1 || rc=$?
	step "documentation renders without warnings" $rc "$logs/docs.log"
	rc=0
	/usr/bin/python3 "$top/scripts/bench-report.py" --selftest \
		> "$logs/bench-report.log" 2>&1 || rc=$?
	step "make bench's report: medians, ratios, results.json (selftest)" $rc \
		"$logs/bench-report.log"
	if [ -x "$top/scripts/check-uapi-doc.sh" ]; then
		rc=0
		"$top/scripts/check-uapi-doc.sh" > "$logs/uapi-doc.log" 2>&1 || rc=$?
		step "UAPI reference agrees with the header" $rc "$logs/uapi-doc.log"
	fi

	rc=0
	"$top/scripts/lint.sh" > "$logs/lint.log" 2>&1 || rc=$?
	step "quality gates (checkpatch, W=1 + sparse, cppcheck, shellcheck)" \
		$rc "$logs/lint.log"

	if [ -f "$top/daemon/Makefile" ] &&
	   make -C "$top/daemon" -n fuzz-check > /dev/null 2>&1; then
		# Two fuzzers in the same 60 s (30 s each): the engine on
		# the test device, and the engine + vDPA device layer on the
		# simulated module.
		echo "# daemon fuzz-check (fuzz_vhost_user, fuzz_vdpa)"
		rc=0
		make -C "$top/daemon" fuzz-check > "$logs/fuzz-check.log" 2>&1 || rc=$?
		step "daemon fuzz-check (fuzz_vhost_user, fuzz_vdpa)" $rc \
			"$logs/fuzz-check.log"
	fi
fi

if [ $vm = 1 ]; then
	if [ ! -x "$top/selftests/run_vm.sh" ]; then
		step "VM tests: selftests/run_vm.sh does not exist" 1
		finish
	fi
	# The VM sees the host's root: the .debs installed here (DKMS builds
	# the module for the VM's kernel) are what 98-package runs there.
	rc=0
	"$top/selftests/pkg/debs.sh" install > "$logs/debs-install.log" 2>&1 || rc=$?
	step "packages: .debs built and installed on the host, DKMS built vubridge.ko, unit verified (selftests/pkg/debs.sh)" \
		$rc "$logs/debs-install.log"
	echo "# VM tests (scripts/vm/run.sh; console and results: ${logs#"$top"/}/vm-console.log, ${logs#"$top"/}/vm/)"
	# run.sh copies the results out before another VM run may start.
	res=$logs/vm
	for boot in 1 2; do
		rc=0
		"$top/scripts/vm/run.sh" --timeout "$vm_timeout" --save "$res" --mq-blk --mq-nics \
			> "$logs/vm-console.log" 2>&1 || rc=$?
		status=$(cat "$res/status" 2>/dev/null || echo missing)
		# TCG has been seen to oops in early boot (int3 left at a
		# patched call site) before anything of ours ran: boot once
		# more then, and say so. A crash during the tests counts.
		if [ "$status" != missing ] || [ $boot = 2 ] ||
			grep -qs '^# run_vm: start ' "$logs/vm-console.log"; then
			break
		fi
		cp "$logs/vm-console.log" "$logs/vm-console-boot$boot.log"
		echo "# the VM crashed before the first test (console: ${logs#"$top"/}/vm-console-boot$boot.log); booting it again"
	done
	[ -f "$res/output.txt" ] || : > "$res/output.txt"
	grep '^vm: ' "$logs/vm-console.log" | sed 's/^/# /' || true
	# A hang or a crash is a failure of its own, whatever the TAP says.
	case $status in
	124)
		step "VM tests finished within the time limit" 1 "$logs/vm-console.log"
		status=0
		;;
	missing)
		step "VM ran to the end (no crash, no host timeout)" 1 "$logs/vm-console.log"
		status=0
		;;
	esac
	tap "vm" "$status" "$res/output.txt"
	rc=0
	"$top/scripts/vm/logcheck.sh" "$res" > "$logs/vm-logcheck.log" 2>&1 || rc=$?
	step "kernel log clean" $rc "$logs/vm-logcheck.log"
	rc=0
	"$top/selftests/pkg/debs.sh" remove > "$logs/debs-remove.log" 2>&1 || rc=$?
	step "packages purged: no file, DKMS tree, module or user left on the host" \
		$rc "$logs/debs-remove.log"
fi

finish
