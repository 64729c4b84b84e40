#!/bin/bash
# tests/hv/test-record.sh - record every test guest's run on pvmm-hv and replay it through the
# simulator (TAP): tools/hv-run --record, then pvmm run on the recording.
#
#   tests/hv/test-record.sh HV_ELF PVMM TIMEOUT_S GUEST_ELF...
#
# One check per guest: the recording replays with every result the hypervisor's core gave
# (each recorded operation carries `expect RC` and the core's rule for a refusal; the
# auditor runs after every step); a guest that makes no memory-management call still replays
# the machine and dom0 as built.  A guest's own options come from
# guests/tests/NAME/hv-run-args, as in tools/hv-check.  Two guests at a time.  Left out (a
# SKIP): pin-preempted, whose 2578 operations over a 1 GiB tree replay correctly but take
# minutes with the auditor after each step; domctl-lifecycle, the domu-* guests,
# sealed-launch, remote-shutdown and many-domains, whose
# second domain is created by domctl, outside the recording (its foreign calls cannot
# replay); and guests run with --smp (several CPUs at once: the recorder is not per-CPU).
set -u
hv=$1 pvmm=$2 timeout_s=$3
shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() {     # one GUEST_ELF: prints the TAP line
    local g=$1 n args=()
    n=$(basename "$g" .elf)
    n=${n#test-}
    case $n in
    pin-preempted)
        echo "ok record-replay $n # SKIP 2578 operations: minutes of auditing after each step"
        return ;;
    stale-tlb-own-pin)
        echo "ok record-replay $n # SKIP vCPU 1 pins, and its VCPUOP_initialise is not recorded"
        return ;;
    domctl-lifecycle|domu-*|sealed-launch|remote-shutdown|many-domains)
        echo "ok record-replay $n # SKIP its domU comes from domctl, which is not recorded"
        return ;;
    esac
    [ -f "$root/guests/tests/$n/hv-run-args" ] && read -ra args <"$root/guests/tests/$n/hv-run-args"
    case " ${args[*]} " in
    *" --smp"*)
        echo "ok record-replay $n # SKIP runs on several CPUs at once (the recording is one CPU's)"
        return ;;
    esac
    "$root/tools/hv-run" --hv "$hv" --quiet --timeout "$timeout_s" --record "$tmp/$n.pvmm" \
        "${args[@]}" "$g" >"$tmp/$n.hv" 2>&1 </dev/null
    if ! grep -q '^domain d0 ' "$tmp/$n.pvmm" 2>/dev/null; then
        echo "not ok record-replay $n - nothing recorded ($(tail -n 1 "$tmp/$n.hv"))"
    elif timeout "$((timeout_s * 3))" "$pvmm" run "$tmp/$n.pvmm" >"$tmp/$n.out" 2>&1 </dev/null
    then
        echo "ok record-replay $n ($(grep -c '^expect [-0-9]' "$tmp/$n.pvmm") results replayed)"
    else
        echo "not ok record-replay $n - the replay differs from the hypervisor's run"
        sed 's/^/#   /' "$tmp/$n.out" | head -n 20
    fi
}

for g in "$@"; do
    one "$g" >"$tmp/$(basename "$g").tap" &
    [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
done
wait
cat "$tmp"/*.tap
! grep -q '^not ok' "$tmp"/*.tap
