#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make lint": checkpatch --strict (from the kernel source tarball) on kmod/
# and uapi/, a module rebuild with W=1 and sparse (C=1 after removing the
# objects checks every file), cppcheck on the userspace code, shellcheck on the
# scripts. Runs every check, then fails if any reported a problem; the
# sparse/W=1 build log is kept in build/logs/lint-module.log.
set -eu -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kdir=$(scripts/kdir.sh)
checkpatch="build/ksrc/scripts/checkpatch.pl --strict --no-tree --show-types --terse"
rc=0

say() { printf '\n=== %s\n' "$*"; }

mapfile -t ksrcs < <(find kmod -maxdepth 1 -name '*.[ch]' ! -name '*.mod.c' 2>/dev/null | sort)
if [ ${#ksrcs[@]} -gt 0 ]; then
	say "checkpatch kmod/"
	$checkpatch -f "${ksrcs[@]}" || rc=1
fi
# BIT() does not exist for userspace: the UAPI header spells (1U << n).
say "checkpatch uapi/"
$checkpatch --ignore BIT_MACRO -f uapi/linux/*.h || rc=1

if [ -f kmod/Kbuild ]; then
	say "module: W=1, sparse"
	mkdir -p build/logs
	rm -f kmod/*.o kmod/*.ko
	make -C "$kdir" M="$top" W=1 C=1 modules 2>&1 | tee build/logs/lint-module.log || rc=1
	if grep -E '(warning|error):' build/logs/lint-module.log > /dev/null; then
		echo "lint: the module build or sparse reported warnings"
		rc=1
	fi
fi

mapfile -t udirs < <(for d in daemon tools/vubctl selftests; do [ -d "$d" ] && echo "$d"; done)
if [ ${#udirs[@]} -gt 0 ]; then
	say "cppcheck ${udirs[*]}"
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem --suppress='*:build/include/*' \
		-Iuapi -Ibuild/include -Idaemon -Iselftests/lib "${udirs[@]}" || rc=1
fi

say "shellcheck"
mapfile -t scripts < <({ git ls-files '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './build/*'; } | sort -u)
shellcheck "${scripts[@]}" scripts/vm/init scripts/vm/modprobe .ci/run || rc=1

if [ $rc = 0 ]; then
	say "lint: clean"
else
	say "lint: problems found"
fi
exit $rc
