# tests/sim/cli-lib.sh - what the pvmm command-line test scripts share (sourced, TAP).
#
# Sets root (the source tree), pvmm (absolute path of $PVMM, default build/pvmm), tmp (a
# directory removed on exit), n (checks so far) and status (1 once a check failed), and
# defines the checks; each prints one "ok N - NAME" or "not ok N - NAME" line with what
# went wrong as "#" comments.  The script ends with `echo "1..$n"; exit $status`.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
pvmm=${PVMM:-build/pvmm}
case $pvmm in /*) ;; *) pvmm=$PWD/$pvmm ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 status=0

# report NAME OK FILE...: one TAP line; on failure the head of each FILE as comments.
report() {
    local name=$1 good=$2
    shift 2
    n=$((n + 1))
    if [ "$good" = 1 ]; then
        echo "ok $n - $name"
        return
    fi
    echo "not ok $n - $name"
    head -n 8 "$@" | cut -c1-200 | sed 's/^/#   /'
    status=1
}

# run_cmd STREAM STATUS PATTERN GREP-FLAG CMD...: 1 if CMD exits with STATUS and STREAM
# (out or err) matches PATTERN under grep's GREP-FLAG (-F fixed, -E regular expression).
run_cmd() {
    local stream=$1 want=$2 pat=$3 flag=$4 rc
    shift 4
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    echo "exit status $rc, want $want" >"$tmp/rc"
    [ "$rc" -eq "$want" ] && grep -q "$flag" -- "$pat" "$tmp/$stream" && echo 1 || echo 0
}

# expect NAME STATUS MESSAGE CMD...: CMD exits with STATUS and its stderr contains MESSAGE.
expect() {
    local name=$1 r
    r=$(run_cmd err "$2" "$3" -F "${@:4}")
    report "$name" "$r" "$tmp/rc" "$tmp/err"
}

# expect_out NAME STATUS PATTERN CMD...: CMD exits with STATUS and its stdout matches the ERE.
expect_out() {
    local name=$1 r
    r=$(run_cmd out "$2" "$3" -E "${@:4}")
    report "$name" "$r" "$tmp/rc" "$tmp/out" "$tmp/err"
}

# check NAME FUNCTION: the shell function succeeds (its output is shown if it does not).
check() {
    local r=0
    "$2" >"$tmp/check" 2>&1 && r=1
    report "$1" "$r" "$tmp/check"
}

# skip NAME WHY: a check that cannot run here.
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}
