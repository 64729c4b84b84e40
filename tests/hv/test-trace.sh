#!/bin/bash
# tests/hv/test-trace.sh - tools/hv-run --trace: one line per hypercall and trapped write, only
# when asked (TAP).
#
#   tests/hv/test-trace.sh HV_ELF PT_WRITABLE_REFUSED_ELF PTWR_EMULATION_ELF [TIMEOUT_S]
#
# pt-writable-refused makes an L4, L3, L2 and L1 writable with update_va_mapping and
# mmu_update and is refused each time: its trace must show those calls with their decoded
# arguments, -16 (EBUSY) and the core's rule, and its console and verdict must be those of a
# run without --trace.  ptwr-emulation stores into its page tables: the trapped writes are
# traced.  A run without --trace asks the hypervisor for nothing (no trace option).
set -u
hv=$1 refused=$2 ptwr=$3 timeout_s=${4:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
check() {   # check N DESCRIPTION COMMAND...
    local n=$1 what=$2
    shift 2
    if "$@"; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        status=1
    fi
}
echo "1..4"
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" "$refused" >"$tmp/plain" 2>&1
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" --trace="$tmp/trace" "$refused" \
    >"$tmp/traced" 2>&1
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" --trace "$ptwr" >"$tmp/ptwr" 2>&1
x='0x[0-9a-f]*'
refusals() {
    grep "mmu_update(req=$x, count=0x1, pdone=0x0, foreigndom=0x7ff0) = -16 (EBUSY)" "$tmp/trace" |
        grep -c "\[writable-pagetable: frame $x is in use as an L[1-4] page table" | grep -qx 4 &&
    grep -q "update_va_mapping(va=$x, val=$x, flags=0x2) = -16 (EBUSY) \[writable-pagetable:" \
        "$tmp/trace"
}
check 1 "the trace shows each refused mmu_update with its arguments, errno and the core's rule" \
    refusals
same() {
    diff <(grep -v '^hv-run: verdict' "$tmp/plain") <(grep -v '^hv-run: verdict' "$tmp/traced") &&
    grep -q 'verdict=SUCCESS' "$tmp/traced"
}
check 2 "tracing changes neither the guest's console nor its verdict" same
check 3 "trapped page-table writes are traced with their result" \
    grep -q "d0v0 trapped write va=$x val=$x bytes=8 = 0\$" "$tmp/ptwr"
check 4 "without --trace nothing is traced" \
    bash -c "! grep -q ' d0v0 ' '$tmp/plain'"
[ "$status" -eq 0 ] || sed 's/^/#   /' "$tmp/trace" | tail -n 20
exit $status
