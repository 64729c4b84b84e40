#!/bin/bash
# tests/sim/test-cli.sh - the pvmm command line: hostile input and Unix conventions (TAP).
#
#   PVMM=build/pvmm tests/sim/test-cli.sh
#
# Inputs that used to overflow build/pvmm's stack (30,000 parentheses, a 200,000-term sum,
# 200,000 unary minuses), a division that used to give 0 silently, a directory given as a
# scenario and a line number too large for an int: each must end with its own message and
# the documented exit status (1 a scenario failed, 2 a malformed file or command line).
# Then the conventions of man/pvmm.1: --help for every subcommand on stdout with exit 0,
# --version, "-" for standard input and output, the order of stdout and stderr kept in a
# pipe, bad arguments refused with exit 2, one result line per scenario and a closing
# count, --json that parses and says the rule, frame, counts and blocker, the pictures'
# title, legend and options, make install.
. "$(dirname "$0")/cli-lib.sh"

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

cat >"$tmp/fail.pvmm" <<'EOF'
domain d1 pages=1024
say before the failure
mmuext_op d1.v0 cmd=pin_l1_table mfn=mfn(d1, spare(d1, 0))
expect ok
EOF
ldt=$root/examples/ldt-writable.pvmm

# --help, --version, usage
for sub in run explain show dot html; do
    expect_out "pvmm $sub --help: usage on stdout, exit 0" 0 "^usage: pvmm $sub " \
        "$pvmm" $sub --help
done
expect_out "pvmm --help lists every subcommand" 0 "pvmm html .*SCENARIO" "$pvmm" --help
expect_out "pvmm --version" 0 "^pvmm [^ ]+$" "$pvmm" --version
expect "pvmm without a command: usage on stderr, exit 2" 2 "usage:" "$pvmm"
expect "an unknown option is refused" 2 "pvmm run: unknown option '--bogus'" \
    "$pvmm" run --bogus "$ldt"
expect_out "tools/hv-run --help: on stdout, exit 0" 0 "^Options:" "$root/tools/hv-run" --help

# "-" for standard input and standard output
stdin_run() { "$pvmm" run - <"$tmp/fail.pvmm" 2>&1 | grep "^<stdin>:4: error: expected ok"; }
check "pvmm run - reads a scenario from standard input" stdin_run
trace_stdout() {
    "$pvmm" run --trace - "$ldt" >"$tmp/trace" &&
        grep "^expect reason type-conflict" "$tmp/trace" &&
        "$pvmm" run -v - <"$tmp/trace" | grep "^PASSED <stdin>"
}
check "run --trace - writes the trace on stdout, and it replays from stdin" trace_stdout
expect_out "dot -o - writes the graph on stdout" 0 "^digraph" "$pvmm" dot -o - "$ldt:23"
dot_file() { "$pvmm" dot -o "$tmp/x.dot" "$ldt:23" >"$tmp/o" && grep "^digraph" "$tmp/x.dot" &&
                 ! [ -s "$tmp/o" ]; }
check "dot -o FILE writes FILE and nothing on stdout" dot_file
order() { "$pvmm" run "$tmp/fail.pvmm" 2>&1 | cat >"$tmp/both"; cat "$tmp/both";
          head -n 1 "$tmp/both" | grep "^before the failure"; }
check "stdout and stderr keep their order in a pipe" order

# bad arguments: exit 2 and a precise message
expect "dot of a domain that does not exist then" 2 \
    "there is no domain d5 at $ldt:16 (domains then: d1)" "$pvmm" dot "$ldt:16" d5
expect "show past the end of the scenario" 2 "line 999 is past the end of the scenario" \
    "$pvmm" show "$ldt:999"
expect "show of something that is not a domain" 2 "'x1' is not a domain (d0..d7)" \
    "$pvmm" show "$ldt" x1
expect "explain with two targets" 2 "give exactly one SCENARIO[:LINE]" \
    "$pvmm" explain "$ldt" "$ldt"
expect "dot -o without a FILE" 2 "-o needs a FILE" "$pvmm" dot "$ldt" -o

# several scenarios: one line each and a count
expect_out "run A B C: one result line per scenario" 1 "^FAILED $tmp/fail.pvmm:4: expected ok" \
    "$pvmm" run "$ldt" "$tmp/fail.pvmm" "$tmp/ok.pvmm"
passed_lines() { grep -x "PASSED $ldt" "$tmp/out" && grep -x "PASSED $tmp/ok.pvmm" "$tmp/out" &&
                     tail -n 1 "$tmp/out" | grep -x "2 passed, 1 failed"; }
check "run A B C: PASSED lines and the closing count" passed_lines
expect_out "a malformed scenario among others counts as failed, exit 2" 2 \
    "^1 passed, 1 failed$" "$pvmm" run "$tmp/ok.pvmm" "$tmp/parens.pvmm"

# --json
run_json() {
    "$pvmm" run --json "$ldt" "$tmp/fail.pvmm" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert (d["passed"], d["failed"]) == (1, 1), d
f = d["files"][1]
assert f["passed"] is False and f["line"] == 4, f
assert f["last_result"]["reason"]["rule"] == "type-conflict", f'
}
check "run --json: one document with the counts and the failing line" run_json
explain_json() {
    "$pvmm" explain --json "$ldt:23" | python3 -c '
import json, sys
r = json.load(sys.stdin)["result"]["reason"]
assert r["rule"] == "type-conflict" and r["errno"] == "EINVAL", r
assert r["frame"].startswith("0x") and r["owner"] == "d1", r
assert (r["type"], r["type_count"]) == ("writable", 1), r
assert r["counts_taken"] == "mid-operation", r
assert r["blocker"]["slot"] == 281 and r["blocker"]["va"] == "0x119000", r'
}
check "explain --json: rule, frame, counts (mid-operation) and blocker" explain_json
show_json() {
    "$pvmm" show --json "$ldt:23" | python3 -c '
import json, sys
t = json.load(sys.stdin)
l4 = [x for x in t["tables"] if x["level"] == 4]
assert l4 and l4[0]["pinned"] and l4[0]["root"] == "kernel base of v0", l4
assert any(e["kind"] == "child" for e in t["entries"]), t["entries"][:3]
assert t["reason"]["blocker"]["slot"] == 281, t["reason"]'
}
check "show --json: the tables, a pinned L4 loaded by v0 among them" show_json

# pictures: title, legend, options
dot_title() { "$pvmm" dot "$ldt:23" |
                  grep -F "label=\"$ldt:23: ldt_load d1.v0 sel=0x7\\n-> page fault"; }
check "dot: the title names file:line, the operation and its result" dot_title
dot_legend() { "$pvmm" dot "$ldt:23" >"$tmp/g.dot" &&
                   grep "legend \[shape=plaintext" "$tmp/g.dot" &&
                   [ "$(grep -o 'fontname="[^"]*"' "$tmp/g.dot" | sort -u | wc -l)" = 1 ]; }
check "dot: a legend, one font" dot_legend
dot_no_ro() { "$pvmm" dot "$ldt:23" | grep 'RO"' && ! "$pvmm" dot --no-ro "$ldt:23" | grep 'RO"'; }
check "dot --no-ro leaves out the read-only back-edges" dot_no_ro
dot_no_leaves() { [ "$("$pvmm" dot "$ldt:23" | grep -c 'label="L1 ')" = 2 ] &&
                      [ "$("$pvmm" dot --no-leaves "$ldt:23" | grep -c 'label="L1 ')" = 1 ]; }
check "dot --no-leaves keeps only the L1 the reason points at" dot_no_leaves

# messages that are true: each #GP for what it is, a domain too small says the minimum and
# why, counts say when they were taken, owners spelled d1, counts in decimal, and a #PF on a
# store says whether ptwr emulation was tried and why not.
cat >"$tmp/msg.pvmm" <<'EOF'
domain d1 pages=1024
write d1.v0 kernel va=0x8000000000000 val=1
expect gp
write d1.v0 kernel va=pt_base(d1) val=0
expect fault
vm_assist d1.v0 cmd=enable type=writable_pagetables
write d1.v0 kernel va=pt_base(d1) val=0
expect fault
write d1.v0 kernel va=pt_base(d1) + 1 val=0 bytes=2
expect fault
domain d2 pages=512
expect -ENOMEM
say pages {nr_pages(d1)}, count {count(l4(d1))}, L4 {l4(d1)}
EOF
demo=$root/examples/demo.pvmm
expect_out "#GP of a non-canonical address says so" 0 "0x8000000000000 is not canonical" \
    "$pvmm" explain "$tmp/msg.pvmm:2"
ldt_gp() { "$pvmm" explain "$ldt:29" >"$tmp/o" && cat "$tmp/o" &&
               grep "error code 0x1004: LDT entry 512 is beyond the LDT's limit" "$tmp/o" &&
               ! grep -i "canonical" "$tmp/o"; }
check "#GP of an LDT selector past the limit is not called non-canonical" ldt_gp
sealed=$root/tests/sim/sealed-launch.pvmm
expect_out "a refused sealed launch names who maps which frame" 0 \
    "sealed domain d2 cannot run while d1 maps its frame 0x[0-9a-f]+" \
    "$pvmm" explain "$sealed:15"
expect_out "a domain too small to build says the minimum" 0 \
    "needs at least 1024 pages \(4096 KiB\); this one has 512" "$pvmm" explain "$tmp/msg.pvmm:11"
expect_out "... and why (the builder's layout)" 0 \
    "refused it: the bootstrap region exceeds the domain's memory" \
    "$pvmm" explain "$tmp/msg.pvmm:11"
counts_when() { "$pvmm" explain "$demo:83" >"$tmp/o" && cat "$tmp/o" &&
                    grep "frame 0x[0-9a-f]* mid-operation: owner d1, count 5" "$tmp/o" &&
                    grep "counts taken mid-operation, when the rule was checked" "$tmp/o"; }
check "the counts of a reason say they were taken mid-operation" counts_when
owners() { "$pvmm" explain "$demo:83" >"$tmp/o" && grep "owner d1, type L1" "$tmp/o" &&
               ! grep -E "owner [0-9]" "$tmp/o"; }
check "owners are spelled d1 everywhere in explain" owners
decimal() { "$pvmm" run --trace - "$tmp/msg.pvmm" >"$tmp/o" && cat "$tmp/o" &&
                grep -xE "# pages 1024, count 4, L4 0x[0-9a-f]+" "$tmp/o" &&
                grep "^domain d1 pages=1024 vcpus=1 max=0 " "$tmp/o" &&
                grep "^machine frames=[0-9]* io=[0-9]* " "$tmp/o"; }
check "counts in decimal (say, trace), frames in hex" decimal
expect_out "#PF on a user store: ptwr not tried, user mode" 0 \
    "not tried: the write came from guest user mode" "$pvmm" explain "$demo:71"
expect_out "#PF on a kernel store without the assist: tried, no assist" 0 \
    "tried, but the domain has neither the" "$pvmm" explain "$tmp/msg.pvmm:4"
expect_out "#PF on a kernel store to an L4: tried, not an L1" 0 \
    "maps read-only, is an L4 page table owned by d1, not a validated L1" \
    "$pvmm" explain "$tmp/msg.pvmm:7"
expect_out "#PF on a misaligned kernel store: not tried, size" 0 \
    "not tried: only naturally aligned 1, 2, 4 or" "$pvmm" explain "$tmp/msg.pvmm:9"

marks() {
    local at=$root/examples/demo.pvmm:56
    local dot_l4='s/^  f\([0-9a-f]*\) \[label="L4 [^"]*\\n\(.*\)",.*/0x\1 \2/p'
    "$pvmm" show "$at" | sed -n 's/^L4 \(0x[0-9a-f]*\) (.*; \(.*\))$/\1 \2/p' >"$tmp/show" &&
        "$pvmm" dot "$at" | sed -n "$dot_l4" >"$tmp/dot" &&
        "$pvmm" show --json "$at" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tables"]:
    if t["level"] == 4: print(t["frame"], t["marks"])' >"$tmp/json" &&
        cat "$tmp/show" "$tmp/dot" "$tmp/json" &&
        [ "$(wc -l <"$tmp/show")" = 2 ] && grep -q "pinned, loaded by v0 (user)" "$tmp/show" &&
        cmp "$tmp/show" "$tmp/dot" && cmp "$tmp/show" "$tmp/json"
}
check "show, dot and show --json mark pinned and loaded tables in the same words" marks

# the man page and make install
man_page() {
    for w in run explain show dot html json trace no-ro no-leaves version; do
        sed 's/\\//g' "$root/man/pvmm.1" | grep -q -- "$w" ||
            { echo "man/pvmm.1 does not mention $w"; return 1; }
    done
}
check "man/pvmm.1 documents every subcommand and option" man_page
install_prefix() {
    # -o: install the pvmm under test as it is (never rebuild it, never build elsewhere).
    make -C "$root" --no-print-directory -s -o "$pvmm" install PREFIX="$tmp/inst" \
        BUILD="$(dirname "$pvmm")" && [ -x "$tmp/inst/bin/pvmm" ] &&
        [ -f "$tmp/inst/share/man/man1/pvmm.1" ] && "$tmp/inst/bin/pvmm" --version
}
if [ "$(basename "$pvmm")" = pvmm ] && [ -f "$(dirname "$pvmm")/libpvmm-sim.a" ]; then
    check "make install PREFIX=DIR installs pvmm and its man page" install_prefix
else
    skip "make install PREFIX=DIR installs pvmm and its man page" \
        "$pvmm is not in a build directory"
fi
echo "1..$n"
exit $status
