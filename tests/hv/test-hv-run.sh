#!/bin/bash
# tests/hv/test-hv-run.sh - tools/hv-run judges a guest by the guest's own channel (TAP).
#
#   tests/hv/test-hv-run.sh HV_ELF CONSOLE_FORGERY_ELF [TIMEOUT_S]
#
# The console-forgery guest with the command line "fail" prints NUL bytes and lines that look
# like the hypervisor's ("pvmm: hardware domain crashed", "pvmm: PANIC") through console_io
# and straight to the hypervisor's debug port 0xe9 (with PHYSDEVOP_set_iopl), then reports FAILURE.
# hv-run must say FAILURE (not CRASH, HV_PANIC or NO_VERDICT), show the forged lines as the guest's,
# and list none of them among the hypervisor's lines.  (Without "fail" the guest must give
# SUCCESS; make check-hv boots it that way like every guest.)
set -u
hv=$1 guest=$2 timeout_s=${3:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
echo "1..2"
"$root/tools/hv-run" --hv "$hv" --timeout "$timeout_s" "$guest" fail >"$tmp/out" 2>"$tmp/err"
rc=$?
verdict=$(sed -n 's/^hv-run: verdict=\([A-Z_]*\).*/\1/p' "$tmp/out")
if [ "$rc" -eq 1 ] && [ "$verdict" = FAILURE ]; then
    echo "ok 1 - a guest that forges crash lines and fails is judged FAILURE"
else
    echo "not ok 1 - a guest that forges crash lines and fails is judged FAILURE" \
         "(verdict ${verdict:-none}, status $rc)"
    status=1
fi
if grep -aqx 'pvmm: hardware domain crashed: forged by the guest' "$tmp/out" &&
   grep -aqF 'NUL bytes inside a line: [\0\0\0]' "$tmp/out" &&
   ! grep -aq forged "$tmp/err" && grep -aq '^  pvmm: domain 0 shutdown: poweroff' "$tmp/err"; then
    echo "ok 2 - forged lines are shown as the guest's, never as the hypervisor's"
else
    echo "not ok 2 - forged lines are shown as the guest's, never as the hypervisor's"
    sed 's/^/#   /' "$tmp/out" "$tmp/err" | tail -n 30
    status=1
fi
exit $status
