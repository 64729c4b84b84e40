#!/bin/bash
# tests/hv/test-smp.sh - pvmm-hv starts every CPU QEMU gives it (TAP).
#
#   tests/hv/test-smp.sh HV_ELF GUEST_ELF [TIMEOUT_S]
#
# For 2 and 4 CPUs (hv-run --smp N, multi-threaded TCG): the boot line names N CPUs online,
# the boot self-test of the TLB shootdown (hv/flush.c) passes on all of them - a stale
# translation seen on every CPU before the flush IPI, none after, for INVLPG and a full
# flush - and the guest (which runs on CPU 0) still gives SUCCESS.
set -u
hv=$1 guest=$2 timeout_s=${3:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/hv/tap.sh"

i=0
echo "1..2"
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
exit $status
