#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the two fuzzers for FUZZ_SECONDS in all (half each) on the generated
# seeds plus what earlier runs found, and print one TAP line per fuzzer:
#   fuzz_vhost_user  the engine in front of the test device
#   fuzz_vdpa        the engine, the life cycle and the vDPA device layer
#                    in front of the simulated module; its seeds are the
#                    same sessions behind a few device headers (fuzz_vdpa.c)
# Exit 1 on a crash.
set -u
b=${BUILD:?}/fuzz
secs=${FUZZ_SECONDS:-60}
half=$((secs / 2))
[ "$half" -gt 0 ] || half=1
rc_all=0
n=0

# Device headers for the vDPA seeds (seeds-vdpa: sessions negotiating what
# every simulated device offers), as octal escapes for printf: net
# with late start, net without (restart path), net without ring state and
# with doorbells, blk with config writes, net with the worker thread.
vdpa_headers='\010\000\000 \000\000\000 \024\000\000 \042\000\000 \210\000\000'

mkdir -p "$b/corpus" "$b/corpus-vdpa" "$b/artifacts"
cp "$b"/seeds/[0-9]* "$b/corpus/" 2>/dev/null
i=0
for h in $vdpa_headers; do
	for s in "$b"/seeds-vdpa/[0-9]*; do
		[ -f "$s" ] || continue
		# shellcheck disable=SC2059 # $h is the format: octal escapes
		{ printf "$h"; cat "$s"; } > "$b/corpus-vdpa/h$i-${s##*/}"
	done
	i=$((i + 1))
done

run() {	# run NAME CORPUS SECONDS
	n=$((n + 1))
	log=$b/$1.log
	"$b/$1" -max_total_time="$3" -timeout=10 \
		-rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$b/artifacts/$1-" "$2" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		echo "ok $n $1: $3 s, ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-cov ?}, 0 crashes"
		return
	fi
	rc_all=1
	echo "not ok $n $1: exit $rc after ${execs:-?} executions; see ${log}"
	grep -E 'ERROR|SUMMARY|runtime error|artifact' "$log" | head -n 20 |
		sed 's/^/#   /'
}

run fuzz_vhost_user "$b/corpus" "$half"
run fuzz_vdpa "$b/corpus-vdpa" "$((secs - half))"
exit $rc_all
