#!/bin/bash
# tests/sim/test-cli.sh - the pvmm command line against hostile input (TAP).
#
#   PVMM=build/pvmm tests/sim/test-cli.sh
#
# Inputs that used to overflow build/pvmm's stack (30,000 parentheses, a 200,000-term sum,
# 200,000 unary minuses), a division that used to give 0 silently, a directory given as a
# scenario and a line number too large for an int: each must end with its own message and
# the documented exit status (1 a scenario failed, 2 a malformed file or command line).
set -u
pvmm=${PVMM:-build/pvmm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 status=0

# expect NAME STATUS MESSAGE CMD...: CMD exits with STATUS and its stderr contains MESSAGE.
expect() {
    local name=$1 want=$2 msg=$3 rc
    shift 3
    n=$((n + 1))
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ] && grep -qF -- "$msg" "$tmp/err"; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name (exit status $rc, want $want; stderr:)"
        head -n 8 "$tmp/err" | cut -c1-200 | sed 's/^/#   /'
        status=1
    fi
}

python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
def w(name, text): open(f"{d}/{name}.pvmm", "w").write(text)
w("parens", "let x = " + "(" * 30000 + "1" + ")" * 30000 + "\n")
w("sum", "let x = " + "+".join(["1"] * 200000) + "\n")
w("minus", "let x = " + "-" * 200000 + "1\n")
w("div", "let x = 0x8000000000000000 / -1\n")
w("ok", "let x = 1\n")
PY

echo "1..7"
expect "30,000 nested parentheses" 2 "parens.pvmm:1:265: error: expression nested too deeply" \
    "$pvmm" run "$tmp/parens.pvmm"
expect "a 200,000-term sum" 2 "sum.pvmm:1:520: error: expression too deep" \
    "$pvmm" run "$tmp/sum.pvmm"
expect "200,000 unary minuses" 2 "minus.pvmm:1:265: error: expression nested too deeply" \
    "$pvmm" run "$tmp/minus.pvmm"
expect "INT64_MIN / -1 is an error, not 0" 1 "division by 0xffffffffffffffff (-1 as a signed" \
    "$pvmm" run "$tmp/div.pvmm"
expect "a directory is not a scenario" 2 "error: cannot read: Is a directory" \
    "$pvmm" run "$tmp"
expect "LINE past INT_MAX is named as such" 2 "the line number is larger than 2147483647" \
    "$pvmm" explain "$tmp/ok.pvmm:4294967297"
expect "LINE past LONG_MAX is named as such" 2 "the line number is larger than 2147483647" \
    "$pvmm" explain "$tmp/ok.pvmm:99999999999999999999"
exit $status
