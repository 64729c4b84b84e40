#!/bin/sh
# tests/planted-core-bug.sh - every test harness fails on a core bug
# (docs/model.md §11).
#
# Builds the core with PVMM_PLANT_CORE_BUG - a CORE_BUG at the top of
# _get_page_type, which every harness reaches - into BUILD/planted, runs one
# program of each harness (unit, sim, fuzz, stress) and expects each to
# fail, naming the core bug.  TAP output; exit status 1 if any harness
# passed.  Run by `make check-planted-bug` (a separate build: not part of
# `make check`).
#
#   tests/planted-core-bug.sh [BUILD]
set -u
build=${1:-build}
b=$build/planted
if ! make -s BUILD="$b" CSTD="-std=gnu11 -DPVMM_PLANT_CORE_BUG" \
        "$b/tests/test-pin" "$b/pvmm" "$b/pvmm-fuzz" "$b/stress/test-concurrency" \
        >"$b.build.log" 2>&1; then
    echo "Bail out! the planted build failed (see $b.build.log)"
    exit 1
fi
mkdir -p "$b/fuzz-corpus"
status=0
n=0

# expect_failure NAME COMMAND...: the command must fail and its output name the core bug.
expect_failure() {
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$b/$name.log" 2>&1; then
        echo "not ok $n - $name passed with a core bug planted"
        status=1
    elif ! grep -qi "core.bug" "$b/$name.log"; then
        echo "not ok $n - $name failed, but not on the core bug (see $b/$name.log)"
        status=1
    else
        echo "ok $n - $name fails on the planted core bug"
    fi
}

echo "1..4"
expect_failure unit "$b/tests/test-pin"
expect_failure sim "$b/pvmm" run examples/pt-construction.pvmm
expect_failure fuzz "$b/pvmm-fuzz" -runs=20 -max_len=256 -artifact_prefix="$b/" "$b/fuzz-corpus"
expect_failure stress env TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
    "$b/stress/test-concurrency"
exit $status
