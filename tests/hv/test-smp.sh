#!/bin/bash
# tests/hv/test-smp.sh - pvmm-hv starts every CPU QEMU gives it (TAP).
#
#   tests/hv/test-smp.sh HV_ELF GUEST_ELF [TIMEOUT_S]
#
# For 2 and 4 CPUs (hv-run --smp N, multi-threaded TCG): the boot line names N CPUs online,
# the boot self-test of the TLB shootdown (hv/flush.c) passes on all of them - a stale
# translation seen on every CPU before the flush IPI, none after, for INVLPG and a full
# flush - and the guest still gives SUCCESS.  Then, with 2 CPUs and ipi-test=unknown, every
# CPU is sent an IPI with a vector nobody uses: each logs it as unexpected and goes on.
set -u
hv=$1 guest=$2 timeout_s=${3:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/hv/tap.sh"

i=0
echo "1..3"
for n in 2 4; do
    i=$((i + 1))
    what="$n CPUs start and pass the TLB shootdown self-test; the guest passes"
    "$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" --smp "$n" --show-hv "$guest" \
        >"$tmp/out$n" 2>"$tmp/err$n"
    rc=$?
    [ "$rc" -eq 0 ] && grep -q '^hv-run: verdict=SUCCESS' "$tmp/out$n" &&
        grep -aq "^pvmm-hv: $n CPUs online: CPU 0 " "$tmp/out$n" &&
        grep -aq "^pvmm-hv: TLB shootdown self-test on $n CPUs: .*none after" "$tmp/out$n"
    tap_result "$i" "$what" $? "$tmp/out$n" "$tmp/err$n"
done
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" --smp 2 --hv-args ipi-test=unknown \
    --show-hv "$guest" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^hv-run: verdict=SUCCESS' "$tmp/out" &&
    [ "$(grep -ac '^pvmm: unexpected interrupt vector 0xe0 in ' "$tmp/out")" -eq 2 ] &&
    grep -aq '^pvmm-hv: IPI self-test: an unknown vector (0xe0) on each of 2 CPUs' "$tmp/out"
tap_result 3 "an unknown IPI vector on each CPU is logged and survived" $? "$tmp/out" "$tmp/err"
exit $status
