#!/bin/sh
# sim/fuzz/check-fuzz.sh FUZZER SEEDER SEEDS CORPUS FINDINGS SECONDS MAX_LEN LOG SCENARIO...
#
# The bounded fuzz of `make check`, two checks.  First the seed corpus:
# SEEDER (pvmm-seed) turns every SCENARIO into a fuzz input in SEEDS and
# checks that each replays its scenario exactly (one check for all of them:
# the examples step already counts each scenario; its per-file lines are
# shown as comments).  Then the
# libFuzzer harness runs for SECONDS
# from a fixed seed, reading the seed corpus SEEDS (every scenario as an
# input) and the corpus CORPUS grown by earlier runs, adding new inputs to
# CORPUS.  Any finding (auditor violation, sanitizer report, crash,
# timeout) fails the step; the input is saved in FINDINGS and replayed once
# more to write FINDINGS/<name>.pvmm, the scenario that reproduces it
# (`pvmm run` it, `pvmm explain` it, then keep it under tests/sim/).
set -u
fuzzer=$1 seeder=$2 seeds=$3 corpus=$4 findings=$5 secs=$6 maxlen=$7 log=$8
shift 8
mkdir -p "$corpus" "$findings"
rm -rf "$seeds" && mkdir -p "$seeds"
seeds_ok=1
"$seeder" -o "$seeds" "$@" >"$log.seeds" 2>&1 || seeds_ok=0
sed 's/^/#   /' "$log.seeds"
if [ "$seeds_ok" -eq 0 ]; then
    echo "not ok fuzz seeds: a scenario does not convert to a fuzz input that replays it, or a grant seed no longer maps"
    rm -rf "$seeds"    # so that the next make fuzz/coverage builds it again
    exit 1
fi
echo "ok fuzz seeds: the $# scenarios convert to fuzz inputs that replay them exactly; the built-in grant seeds map"
touch "$seeds/.stamp"
before=$(ls "$findings" | grep -c -v '\.pvmm$')
if "$fuzzer" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 -seed=1 \
        -artifact_prefix="$findings/" "$corpus" "$seeds" >"$log" 2>&1; then
    echo "ok fuzz: $(grep -E '^#[0-9]+' "$log" | tail -1), no finding"
    echo "# fuzz corpus: $(ls "$seeds" | wc -l) seeds from scenarios, $(ls "$corpus" | wc -l) inputs kept"
    exit 0
fi
tail -40 "$log"
for f in $(ls -t "$findings" | grep -v '\.pvmm$' | head -n $(( $(ls "$findings" | grep -c -v '\.pvmm$') - before ))); do
    PVMM_FUZZ_TRACE="$findings/$f.pvmm" "$fuzzer" "$findings/$f" >/dev/null 2>&1
    echo "# finding $findings/$f, as a scenario: $findings/$f.pvmm"
done
echo "not ok fuzz: finding in $findings/ (see docs/coverage.md: turning a finding into a scenario)"
exit 1
