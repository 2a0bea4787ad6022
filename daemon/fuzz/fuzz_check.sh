#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the vhost-user fuzzer for FUZZ_SECONDS on the generated seeds plus
# what earlier runs found, and print one TAP line. Exit 1 on a crash.
set -u
b=${BUILD:?}/fuzz
secs=${FUZZ_SECONDS:-60}
mkdir -p "$b/corpus" "$b/artifacts"
cp "$b"/seeds/[0-9]* "$b/corpus/" 2>/dev/null
log=$b/fuzz.log
"$b/fuzz_vhost_user" -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
	-artifact_prefix="$b/artifacts/" "$b/corpus" > "$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
if [ "$rc" = 0 ]; then
	echo "ok 1 fuzz_vhost_user: ${secs} s, ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-cov ?}, 0 crashes"
	exit 0
fi
echo "not ok 1 fuzz_vhost_user: exit $rc after ${execs:-?} executions; see ${log}"
grep -E 'ERROR|SUMMARY|runtime error|artifact' "$log" | head -n 20 | sed 's/^/#   /'
exit 1
