#!/bin/bash
# tests/hv/test-nmi.sh - no NMI stops pvmm-hv (TAP).
#
#   tests/hv/test-nmi.sh HV_ELF GUEST_ELF [TIMEOUT_S]
#
# GUEST_ELF is the registers-survive-interrupts guest (a long busy loop in kernel mode).
#   1. nmi-test=hv: the hypervisor sends itself an NMI at boot; it is logged and survived, and
#      the guest then runs to SUCCESS.
#   2. nmi-test=guest: an NMI arrives while the guest runs; the domain is crashed with a log
#      line naming vector 2, torn down, and the machine powered off: verdict CRASH, never
#      HV_PANIC.
set -u
hv=$1 guest=$2 timeout_s=${3:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/hv/tap.sh"

echo "1..2"
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" --hv-args nmi-test=hv --show-hv \
    "$guest" >"$tmp/out1" 2>"$tmp/err1"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^hv-run: verdict=SUCCESS' "$tmp/out1" &&
    grep -aq '^pvmm: NMI self-test: the hypervisor survived an NMI' "$tmp/out1"
tap_result 1 "an NMI in the hypervisor is logged and survived" $? "$tmp/out1" "$tmp/err1"
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" --hv-args nmi-test=guest --show-hv \
    "$guest" >"$tmp/out2" 2>"$tmp/err2"
grep -q '^hv-run: verdict=CRASH' "$tmp/out2" &&
    grep -aq '^pvmm: domain 0 crashed: vCPU 0, vector 2, .*NMI while the domain ran' "$tmp/out2" &&
    grep -aq '^pvmm: domain 0 torn down (0)' "$tmp/out2"
tap_result 2 "an NMI while the guest runs crashes the domain, not the hypervisor" $? \
    "$tmp/out2" "$tmp/err2"
exit $status
