#!/bin/sh
# sim/fuzz/coverage-report.sh OBJDIR OBJ...
#
# Line and branch coverage of core/*.c from the gcov data of a --coverage
# build (OBJDIR holds the objects and their .gcda files): one line per
# source file (lines and branches taken, covered/total), then the totals
# as "core_line_coverage: N %" and "core_branch_coverage: N %".  The core's
# headers (core/*.h: the inline fast paths of fast-paths.h and mm.h) are
# counted by line: the build keeps every inline function
# (-fkeep-inline-functions) and a header line counts as covered if any
# object ran it.
set -u
dir=$1; shift
top=$(pwd)
cd "$dir" || exit 1
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT
# "FILE covered total" per core header, the union over all objects.
(objs=$(for o in "$@"; do printf '%s/%s ' "$(pwd)" "$o"; done); cd "$top" && gcov -t $objs) \
    2>/dev/null | awk '
    /^ *-: *0:Source:/ { f = $0; sub(/.*Source:/, "", f); keep = f ~ /(^|\/)core\/[^\/]*\.h$/; next }
    !keep { next }
    {
        split($0, p, ":"); c = p[1]; gsub(/[ *]/, "", c); l = p[2] + 0
        if (c == "-" || l == 0) next
        exec[f, l] = 1; files[f] = 1
        if (c != "#####" && c != "=====" && c + 0 > 0) hit[f, l] = 1
    }
    END {
        for (k in exec) { split(k, q, SUBSEP); n[q[1]]++; if (k in hit) h[q[1]]++ }
        for (f in files) print f, h[f] + 0, n[f] + 0
    }' >"$headers"
gcov -b -n "$@" 2>/dev/null | awk -v headers="$headers" '
    function count(pct, n) { sub("%", "", pct); return int(pct * n / 100 + 0.5) }
    # Per file: "File", "Lines executed", branch lines; a last "Lines
    # executed" without "File" is the whole object (headers included): skip.
    /^File / { f = $2; gsub("\047", "", f); keep = f ~ /(^|\/)core\/[^\/]*\.c$/; state = 1; next }
    !keep { next }
    /^Lines executed:/ && state == 1 {
        split($2, a, ":"); n = $4; c = count(a[2], n)
        lc[f] = c; ln[f] = n; L += c; LN += n; files[f] = 1; state = 2
    }
    /^Taken at least once:/ && state == 2 {
        split($4, a, ":"); n = $6; c = count(a[2], n)
        bc[f] = c; bn[f] = n; B += c; BN += n; state = 3
    }
    /^No branches/ && state == 2 { bc[f] = 0; bn[f] = 0; state = 3 }
    END {
        # Header lines (no branch data: gcov -t has none per line).
        while ((getline hl < headers) > 0) {
            split(hl, a, " "); f = a[1]
            lc[f] = a[2]; ln[f] = a[3]; L += a[2]; LN += a[3]; files[f] = 1; bn[f] = 0
        }
        printf "%-28s %21s   %21s\n", "file", "lines", "branches taken"
        nf = 0
        for (f in files) names[++nf] = f
        for (i = 1; i <= nf; i++)          # insertion sort: portable awk
            for (j = i; j > 1 && names[j] < names[j - 1]; j--) {
                t = names[j]; names[j] = names[j - 1]; names[j - 1] = t
            }
        for (i = 1; i <= nf; i++) {
            f = names[i]; sub(".*core/", "core/", f)
            printf "%-28s %6.1f%% %6d/%-6d   %6.1f%% %6d/%-6d\n", f,
                   ln[names[i]] ? 100 * lc[names[i]] / ln[names[i]] : 100, lc[names[i]], ln[names[i]],
                   bn[names[i]] ? 100 * bc[names[i]] / bn[names[i]] : 100, bc[names[i]], bn[names[i]]
        }
        printf "%-28s %6.1f%% %6d/%-6d   %6.1f%% %6d/%-6d\n", "total", 100 * L / LN, L, LN,
               100 * B / BN, B, BN
        printf "core_line_coverage: %.1f %%\ncore_branch_coverage: %.1f %%\n", 100 * L / LN, 100 * B / BN
    }'
