# SPDX-License-Identifier: GPL-2.0
#
# Usage: awk -v name=NAME -v start=N -v rc=STATUS -v counts=FILE -f tap.awk LOG
#
# Re-emit the kselftest TAP results found in LOG (lines "ok N ..." and
# "not ok N ..." at the start of a line; "# SKIP" marks a skip) as one
# stream numbered from start+1, each prefixed with NAME. Adds a failure for
# a plan ("1..N") with results missing, for a log without any result, and
# for a non-zero STATUS (other than 4, KSFT_SKIP) without a "not ok" line.
# Writes "LAST PASSED FAILED SKIPPED" to FILE. A line "# run_vm: start PROG"
# (from selftests/run_vm.sh) names the results that follow NAME/PROG.

function result(ok, desc) {
	n++
	if (desc ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) {
		skipped++
		ok = 1
	} else if (ok) {
		passed++
	} else {
		failed++
	}
	print (ok ? "ok " : "not ok ") n " " name ": " desc
}

function close_plan() {
	if (plan > 0 && seen < plan) {
		result(0, (plan - seen) " of " plan " planned results missing (exit status " rc ")")
		nots++
	}
	if (plan == 0 && seen == 0)
		result(1, "# SKIP empty plan")
	plan = -1
	seen = 0
}

BEGIN {
	base = name
	n = start + 0
	passed = failed = skipped = nots = seen = 0
	plan = -1
	any = 0
}

{ sub(/\r$/, "") }

# selftests/run_vm.sh announces each program: name its results after it.
/^# run_vm: start [^ ]+$/ {
	close_plan()
	name = base "/" $4
	next
}

/^1\.\.[0-9]+/ {
	close_plan()
	plan = substr($0, 4) + 0
	any = 1
	next
}

/^(not )?ok [0-9]+/ {
	desc = $0
	sub(/^(not )?ok [0-9]+[ \t]*(-[ \t]*)?/, "", desc)
	if ($0 ~ /^not/ && desc !~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
		nots++
	result($0 !~ /^not/, desc)
	seen++
	any = 1
}

END {
	close_plan()
	if (!any)
		result(0, "no TAP output (exit status " rc ")")
	else if (rc != 0 && rc != 4 && nots == 0)
		result(0, "exited with status " rc " without a failing result")
	printf "%d %d %d %d\n", n, passed, failed, skipped > counts
}
