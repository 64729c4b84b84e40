#!/bin/sh
# sim/fuzz/coverage-report.sh OBJDIR OBJ...
#
# Line and branch coverage of core/*.c from the gcov data of a --coverage
# build (OBJDIR holds the objects and their .gcda files): one line per
# source file (lines and branches taken, covered/total), then the totals
# as "core_line_coverage: N %" and "core_branch_coverage: N %".  Headers
# (inline functions of core/mm.h and include/) are not counted.
set -u
dir=$1; shift
cd "$dir" || exit 1
gcov -b -n "$@" 2>/dev/null | awk '
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
