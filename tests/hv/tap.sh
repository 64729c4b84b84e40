# tests/hv/tap.sh - sourced by the tests/hv scripts: a scratch directory $tmp (removed at
# exit), status=0, and one TAP result line:
#
#   tap_result NUM DESCRIPTION PASSED LOG...
#
# Prints "ok NUM - DESCRIPTION" when PASSED is 0, else "not ok NUM - DESCRIPTION", the last
# 20 lines of the LOG files as comments, and sets status=1.
tap_result() {
    local num=$1 what=$2 passed=$3
    shift 3
    if [ "$passed" -eq 0 ]; then
        echo "ok $num - $what"
    else
        echo "not ok $num - $what"
        sed 's/^/#   /' "$@" | tail -n 20
        status=1
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
