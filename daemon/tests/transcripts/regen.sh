#!/bin/sh
# Rewrite a transcript's "=" and "started" lines with what the daemon does now:
#   tests/transcripts/regen.sh FILE.txt
# Review the diff: the expected ioctls are the test.
set -eu
dir=$(dirname "$0")
f=$(basename "$1")
out=$(mktemp)
REPLAY_PRINT=1 REPLAY_ONLY="$f" "$dir/../../../build/hosttests/vubridged_replay" \
	2>&1 >/dev/null | grep -v "^#  *SKIP " >"$out" || true
mv "$out" "$dir/$f"
