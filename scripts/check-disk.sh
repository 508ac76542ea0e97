#!/bin/sh
# Warn, before a long run, when the temp folder's disk has less room than the run needs at its peak (measured: the
# test suite ~2.1 GB, the package test ~1 GB), so a "No space left on device" halfway through is not a mystery.
#   sh scripts/check-disk.sh NEEDED_MB WHAT
set -eu
need=$1
what=$2
dir=${TMPDIR:-/tmp}
free=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
if [ -n "$free" ] && [ "$free" -lt "$need" ]; then
    echo "warning: only ${free} MB free under $dir; $what needs about ${need} MB at its peak." >&2
    echo "warning: tests that write big files will fail with 'No space left on device' (free some space first)." >&2
fi
exit 0
