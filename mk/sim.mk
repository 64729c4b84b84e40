# The hosted tool pvmm: the simulated machine (sim/), the CLI (tools/pvmm/),
# its unit tests (tests/sim/test-*.c), the example scenarios (examples/) and
# the hosted demonstration.
#
#   $(BUILD)/pvmm          the CLI: pvmm run | explain | show | dot (man/pvmm.1)
#   make install PREFIX=D  pvmm in D/bin, man/pvmm.1 in D/share/man/man1
#   make check-sim         the machine's unit tests (walker, TLB, builder, scenarios)
#   make check-examples    every examples/*.pvmm must run clean
#   make demo              the narrated hosted demonstration
#
# sim/ builds hosted with ASan+UBSan like the tests; every file is also
# compiled with clang (warnings only).  The PV domain builder the machine
# shares with pvmm-hv (builder/) is built by mk/builder.mk, included below.

SIM_SRCS   := $(sort $(wildcard sim/*.c))
SIM_OBJS   := $(SIM_SRCS:sim/%.c=$(BUILD)/sim/%.o)
SIM_CLANG  := $(SIM_SRCS:sim/%.c=$(BUILD)/sim-clang/%.o)
PVMM_SRCS  := $(sort $(wildcard tools/pvmm/*.c))
PVMM_OBJS  := $(PVMM_SRCS:tools/pvmm/%.c=$(BUILD)/pvmm-cli/%.o)
PVMM_CLANG := $(PVMM_SRCS:tools/pvmm/%.c=$(BUILD)/pvmm-cli-clang/%.o)
SIM_TEST_SRCS := $(sort $(wildcard tests/sim/test-*.c))
SIM_TEST_BINS := $(SIM_TEST_SRCS:tests/sim/%.c=$(BUILD)/sim-tests/%)
SIM_CFLAGS := $(HOSTED_CFLAGS) $(SAN_FLAGS) -Isim
SIM_LIBS   := -lm

$(BUILD)/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-clang/%.o: sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(CSTD) $(WARN) -O1 $(CORE_INC) -Isim -MMD -MP -c $< -o $@

# The shared PV domain builder: part of every variant of the machine below.
include mk/builder.mk

$(BUILD)/libpvmm-sim.a: $(SIM_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/pvmm-cli/%.o: tools/pvmm/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/pvmm-cli-clang/%.o: tools/pvmm/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(CSTD) $(WARN) -O1 $(CORE_INC) -Isim -MMD -MP -c $< -o $@

# pvmm --version: the commit it was built from (git describe), or "unknown" outside git.
PVMM_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/pvmm-cli/main.o: SIM_CFLAGS += -DPVMM_VERSION='"$(PVMM_VERSION)"'

# make install PREFIX=DIR: the pvmm command in DIR/bin, its man page in DIR/share/man/man1.
PREFIX ?= /usr/local
.PHONY: install
install: $(BUILD)/pvmm
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/pvmm $(DESTDIR)$(PREFIX)/bin/pvmm
	install -m 644 man/pvmm.1 $(DESTDIR)$(PREFIX)/share/man/man1/pvmm.1

$(BUILD)/pvmm: $(PVMM_OBJS) $(BUILD)/libpvmm-sim.a $(BUILD)/libpvmm-hosted.a
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(SIM_LIBS)

$(BUILD)/sim-tests/%.o: tests/sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-tests/test-%: $(BUILD)/sim-tests/test-%.o $(BUILD)/libpvmm-sim.a $(BUILD)/libpvmm-hosted.a
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(SIM_LIBS)

# The fuzz input format's test links the harness and codec (hosted build, fuzzing section below).
$(BUILD)/sim-tests/test-fuzz-codec: $(BUILD)/sim-tests/test-fuzz-codec.o $(BUILD)/fuzz-host/fuzz-codec.o \
        $(BUILD)/fuzz-host/fuzz-ops.o $(BUILD)/fuzz-host/fuzz-grant.o \
        $(BUILD)/libpvmm-sim.a $(BUILD)/libpvmm-hosted.a
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(SIM_LIBS)

ALL_TARGETS += $(SIM_TEST_BINS) $(SIM_CLANG) $(PVMM_CLANG) $(if $(PVMM_SRCS),$(BUILD)/pvmm)

.SECONDARY: $(SIM_TEST_BINS:%=%.o)

.PHONY: sim-tests check-sim
sim-tests: $(SIM_TEST_BINS)

CHECK_STEPS += sim examples

# The machine's cmocka tests, the pvmm command line against hostile input and its conventions
# (test-cli.sh), and pvmm html's page in headless Chromium (test-html.sh; SKIP without it).
check-sim: $(SIM_TEST_BINS) $(BUILD)/pvmm
	$(Q)PVMM=$(BUILD)/pvmm RESULTS=$(BUILD)/results tools/check-step --time "90 s" sim \
	    tools/run-unit-tests $(SIM_TEST_BINS) tests/sim/test-cli.sh tests/sim/test-html.sh

# Every example and every regression scenario (tests/sim/*.pvmm) must run
# clean (one check each: its output is kept in $(BUILD)/examples/NAME.out and shown only on
# failure), its trace must replay, and, when Graphviz is installed, a picture must render.
EXAMPLES := $(sort $(wildcard examples/*.pvmm))
SIM_SCENARIOS := $(sort $(wildcard tests/sim/*.pvmm))
check-examples: $(BUILD)/pvmm
	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "10 s" examples sh -c '\
	    status=0; mkdir -p $(BUILD)/examples; \
	    for f in $(EXAMPLES) $(SIM_SCENARIOS); do \
	        o=$(BUILD)/examples/$$(echo $${f%.pvmm} | tr / -); \
	        if $(BUILD)/pvmm run --trace $$o.trace $$f >$$o.out 2>&1 && \
	           $(BUILD)/pvmm run $$o.trace >>$$o.out 2>&1; then \
	            echo "ok $$f"; else echo "not ok $$f"; tail -n 20 $$o.out; status=1; fi; \
	    done; \
	    if command -v dot >/dev/null; then \
	        if $(BUILD)/pvmm dot examples/ldt-writable.pvmm:23 | dot -Tsvg -o $(BUILD)/examples/ldt-writable.svg \
	           && grep -q "<svg" $(BUILD)/examples/ldt-writable.svg; then \
	            echo "ok dot renders $(BUILD)/examples/ldt-writable.svg"; \
	        else echo "not ok dot renders an SVG"; status=1; fi; \
	    else echo "ok dot renders an SVG # SKIP Graphviz (dot) is not installed"; \
	    fi; exit $$status'

# The narrated hosted demonstration: the first half of `make demo`.
.PHONY: demo-hosted
demo-hosted: $(BUILD)/pvmm
	$(Q)$(BUILD)/pvmm run examples/demo.pvmm

# ---- fuzzing (clang libFuzzer; sim/fuzz/, input format in sim/fuzz/fuzz-input.h) ----
#   make fuzz [FUZZ_TIME=seconds]   run the harness from the seed corpus; new inputs go to
#                                   $(BUILD)/fuzz-corpus/run, findings to $(BUILD)/fuzz-findings/
#   make check-fuzz                 a bounded run (FUZZ_CHECK_TIME, default 60 s); fails on a finding
#   make fuzz-seeds                 the seed corpus: every scenario (examples/, tests/sim/) as a
#                                   fuzz input in $(BUILD)/fuzz-corpus/seed/ (pvmm-seed checks that
#                                   each one replays its scenario exactly)
# A finding replays as a scenario: PVMM_FUZZ_TRACE=x.pvmm $(BUILD)/pvmm-fuzz FINDING; pvmm run x.pvmm
# (check-fuzz does this itself, next to the finding; docs/coverage.md has the whole recipe).
FUZZ_TIME ?= 300
FUZZ_CHECK_TIME ?= 60
FUZZ_MAX_LEN ?= 4096
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := $(CSTD) $(WARN) -g -O1 $(CORE_INC) -Isim -MMD -MP $(FUZZ_SAN)
FUZZ_LIB_SRCS := sim/fuzz/fuzz-ops.c sim/fuzz/fuzz-codec.c sim/fuzz/fuzz-grant.c
FUZZ_OBJS := $(CORE_SRCS:core/%.c=$(BUILD)/fuzz/core/%.o) \
             $(SIM_SRCS:sim/%.c=$(BUILD)/fuzz/sim/%.o) $(FUZZ_LIB_SRCS:sim/fuzz/%.c=$(BUILD)/fuzz/%.o)
SEED_SCENARIOS := $(EXAMPLES) $(SIM_SCENARIOS)
SEED_DIR := $(BUILD)/fuzz-corpus/seed
FUZZ_RUN_DIR := $(BUILD)/fuzz-corpus/run

$(BUILD)/fuzz/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/fuzz/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
# The auditor is the oracle, not the target: without coverage feedback (and
# comparison tracing, which made it three quarters of the run time) it is
# still under ASan/UBSan but no longer steers the fuzzer or slows it down.
FUZZ_ORACLE := $(patsubst core/%.c,$(BUILD)/fuzz/core/%.o,$(wildcard core/audit*.c))
$(FUZZ_ORACLE): $(BUILD)/fuzz/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(filter-out $(FUZZ_SAN),$(FUZZ_CFLAGS)) -fsanitize=address,undefined \
	    -fno-sanitize-recover=undefined -c $< -o $@
$(BUILD)/fuzz/%.o: sim/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/pvmm-fuzz: $(FUZZ_OBJS)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^

# The seed converter: hosted gcc build (ASan+UBSan) over the same harness code.
$(BUILD)/fuzz-host/%.o: sim/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SIM_CFLAGS) -c $< -o $@
$(BUILD)/pvmm-seed: $(BUILD)/fuzz-host/seed.o $(FUZZ_LIB_SRCS:sim/fuzz/%.c=$(BUILD)/fuzz-host/%.o) \
                    $(BUILD)/libpvmm-sim.a $(BUILD)/libpvmm-hosted.a
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(SIM_LIBS)

$(SEED_DIR)/.stamp: $(BUILD)/pvmm-seed $(SEED_SCENARIOS)
	$(Q)rm -rf $(SEED_DIR) && mkdir -p $(SEED_DIR)
	$(Q)$(BUILD)/pvmm-seed -q -o $(SEED_DIR) $(SEED_SCENARIOS)
	$(Q)touch $@

.PHONY: fuzz check-fuzz fuzz-seeds
fuzz-seeds: $(SEED_DIR)/.stamp

# Inputs from before the seed corpus (files directly in fuzz-corpus/) used an older format.
FUZZ_DIRS = @mkdir -p $(FUZZ_RUN_DIR) $(BUILD)/fuzz-findings && \
	find $(BUILD)/fuzz-corpus -maxdepth 1 -type f -delete

fuzz: $(BUILD)/pvmm-fuzz $(SEED_DIR)/.stamp
	$(FUZZ_DIRS)
	$(BUILD)/pvmm-fuzz -max_total_time=$(FUZZ_TIME) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
	    -artifact_prefix=$(BUILD)/fuzz-findings/ $(FUZZ_RUN_DIR) $(SEED_DIR)

CHECK_STEPS += fuzz
SLOW_CHECK_STEPS += fuzz
# The seeds are made inside the step, so a scenario that no longer converts
# (or no longer replays exactly) is a "not ok" line of the step, not a make error.
check-fuzz: $(BUILD)/pvmm-fuzz $(BUILD)/pvmm-seed
	$(FUZZ_DIRS)
	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "$(FUZZ_CHECK_TIME) s" fuzz \
	    sim/fuzz/check-fuzz.sh \
	    $(BUILD)/pvmm-fuzz $(BUILD)/pvmm-seed $(SEED_DIR) $(FUZZ_RUN_DIR) $(BUILD)/fuzz-findings \
	    $(FUZZ_CHECK_TIME) $(FUZZ_MAX_LEN) $(BUILD)/fuzz-check.log $(SEED_SCENARIOS)

ALL_TARGETS += $(BUILD)/pvmm-fuzz $(BUILD)/pvmm-seed

# ---- benchmark: tlb_hit_per_s, walk_per_s, fuzz_ops_per_s (-O2, no sanitizers) ----
BENCH_CFLAGS := $(CSTD) $(WARN) -O2 -g $(CORE_INC) -Isim -MMD -MP
BENCH_OBJS := $(CORE_SRCS:core/%.c=$(BUILD)/bench/core/%.o) \
              $(SIM_SRCS:sim/%.c=$(BUILD)/bench/sim/%.o) \
              $(BUILD)/bench/fuzz-ops.o $(BUILD)/bench/fuzz-grant.o $(BUILD)/bench/fuzz-codec.o \
              $(BUILD)/bench/bench.o \
              $(BUILD)/bench/bench-core.o
$(BUILD)/bench/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -c $< -o $@
$(BUILD)/bench/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -c $< -o $@
$(BUILD)/bench/%.o: sim/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -c $< -o $@
$(BUILD)/pvmm-bench: $(BENCH_OBJS)
	$(Q)$(CC) -o $@ $^

BENCH_STEPS += sim
.PHONY: bench-sim
bench-sim: $(BUILD)/pvmm-bench
	$(Q)$(BUILD)/pvmm-bench

-include $(BENCH_OBJS:.o=.d)

# ---- coverage of core/ (gcc --coverage; report: sim/fuzz/coverage-report.sh) ----
#   make coverage       the cmocka unit tests (tests/test-*.c), the sim tests (tests/sim/test-*.c),
#                       every scenario (examples/, tests/sim/) and the fuzz corpus (seeds and
#                       $(BUILD)/fuzz-corpus/run): per-file and total line and branch coverage of
#                       core/*.c, ending with core_line_coverage / core_branch_coverage (docs/coverage.md)
#   make coverage-sim   the same from the scenarios and the fuzz corpus alone
# -fkeep-inline-functions: the inline fast paths (core/fast-paths.h) are measured too.
# -MMD -MP: a changed header rebuilds the instrumented objects that include it.
COV_CFLAGS := $(CSTD) $(WARN) -O0 -g $(CORE_INC) -Isim --coverage -fprofile-update=prefer-atomic \
              -fkeep-inline-functions -MMD -MP
COV_CORE := $(CORE_SRCS:core/%.c=$(BUILD)/cov/core/%.o)
COV_SIM  := $(SIM_SRCS:sim/%.c=$(BUILD)/cov/sim/%.o)
COV_UNIT := $(TEST_SRCS:tests/%.c=$(BUILD)/cov/tests/%)
COV_SIMT := $(SIM_TEST_SRCS:tests/sim/%.c=$(BUILD)/cov/sim-tests/%)
# Only the core is instrumented; the tests and the machine are built plainly.
COV_PLAIN := $(CSTD) $(WARN) -O1 -g $(CORE_INC) -Isim -Itests -MMD -MP
$(BUILD)/cov/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_CFLAGS) -c $< -o $@
$(BUILD)/cov/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_PLAIN) -c $< -o $@
$(BUILD)/cov/%.o: sim/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_PLAIN) -c $< -o $@
$(BUILD)/cov/cli/%.o: tools/pvmm/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_PLAIN) -c $< -o $@
$(BUILD)/cov/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_PLAIN) -c $< -o $@
$(BUILD)/cov/sim-tests/%.o: tests/sim/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_PLAIN) -c $< -o $@
$(BUILD)/cov/pvmm: $(PVMM_SRCS:tools/pvmm/%.c=$(BUILD)/cov/cli/%.o) $(COV_SIM) $(COV_CORE)
	$(Q)$(CC) --coverage -o $@ $^ $(SIM_LIBS)
$(BUILD)/cov/replay: $(BUILD)/cov/replay.o $(BUILD)/cov/fuzz-ops.o $(BUILD)/cov/fuzz-grant.o \
        $(BUILD)/cov/fuzz-codec.o $(COV_SIM) $(COV_CORE)
	$(Q)$(CC) --coverage -o $@ $^ $(SIM_LIBS)
$(BUILD)/cov/tests/test-%: $(BUILD)/cov/tests/test-%.o $(BUILD)/cov/tests/harness.o $(COV_CORE)
	$(Q)$(CC) --coverage -o $@ $^ $(TEST_LIBS)
$(BUILD)/cov/sim-tests/test-fuzz-codec: $(BUILD)/cov/sim-tests/test-fuzz-codec.o $(BUILD)/cov/fuzz-ops.o \
        $(BUILD)/cov/fuzz-grant.o $(BUILD)/cov/fuzz-codec.o $(COV_SIM) $(COV_CORE)
	$(Q)$(CC) --coverage -o $@ $^ -lcmocka $(SIM_LIBS)
$(BUILD)/cov/sim-tests/test-%: $(BUILD)/cov/sim-tests/test-%.o $(COV_SIM) $(COV_CORE)
	$(Q)$(CC) --coverage -o $@ $^ -lcmocka $(SIM_LIBS)
.SECONDARY: $(COV_UNIT:%=%.o) $(COV_SIMT:%=%.o) $(BUILD)/cov/tests/harness.o

COV_REPORT = sim/fuzz/coverage-report.sh $(BUILD)/cov/core $(CORE_SRCS:core/%.c=%.o)
# Scenarios (each must pass) and the fuzz corpus; $(1) is a label for failures.
COV_SCENARIOS = for f in $(EXAMPLES) $(SIM_SCENARIOS); do \
	    $(BUILD)/cov/pvmm run $$f >/dev/null 2>&1 || { echo "coverage: scenario $$f failed"; fail=1; }; done; \
	$(BUILD)/cov/replay $(SEED_DIR) $(wildcard $(FUZZ_RUN_DIR)) >/dev/null

.PHONY: coverage coverage-sim
coverage: $(COV_UNIT) $(COV_SIMT) $(BUILD)/cov/pvmm $(BUILD)/cov/replay $(SEED_DIR)/.stamp
	$(Q)rm -f $(BUILD)/cov/core/*.gcda
	$(Q)fail=0; for t in $(COV_UNIT) $(COV_SIMT); do \
	    timeout -k 5 600 $$t >/dev/null 2>&1 || { echo "coverage: $$t failed"; fail=1; }; done; \
	$(COV_SCENARIOS); \
	$(COV_REPORT); exit $$fail

coverage-sim: $(BUILD)/cov/pvmm $(BUILD)/cov/replay $(SEED_DIR)/.stamp
	$(Q)rm -f $(BUILD)/cov/core/*.gcda
	$(Q)fail=0; $(COV_SCENARIOS); $(COV_REPORT); exit $$fail

-include $(FUZZ_OBJS:.o=.d) $(BUILD)/fuzz-host/seed.d $(FUZZ_LIB_SRCS:sim/fuzz/%.c=$(BUILD)/fuzz-host/%.d)
-include $(wildcard $(BUILD)/cov/*.d $(BUILD)/cov/*/*.d)
-include $(SIM_OBJS:.o=.d) $(SIM_CLANG:.o=.d) $(PVMM_OBJS:.o=.d) $(PVMM_CLANG:.o=.d) $(SIM_TEST_BINS:%=%.d)
