# pvmm: top-level build (plain GNU make).
#
#   make          build everything that exists
#   make demo     the main job: a narrated demonstration
#   make check    build and run every test; ends with "N passed, N failed"
#   make bench    benchmarks (ratios against baselines measured in the same run)
#
# Each part of the tree has its own fragment in mk/; a fragment appends to
# ALL_TARGETS, CHECK_STEPS (names of check steps, see tools/check-step) and
# BENCH_STEPS.

ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
BUILD ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

WARN := -Wall -Wextra -Werror
CSTD := -std=gnu11

ALL_TARGETS :=
CHECK_STEPS :=
BENCH_STEPS :=

.PHONY: all check demo bench clean
all: all-targets

include mk/core.mk
-include mk/tests.mk
-include mk/sim.mk
-include mk/guests.mk
-include mk/hv.mk
-include mk/fuzz.mk
-include mk/stress.mk

all-targets: $(ALL_TARGETS)

# Every check step is a phony target check-<name> that records its counts in
# $(BUILD)/results/<name>.count via tools/check-step; the summary adds them up.
check:
	$(Q)rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	$(Q)status=0; for s in $(CHECK_STEPS); do \
	    $(MAKE) --no-print-directory check-$$s || status=1; done; \
	    tools/check-summary $(BUILD)/results || status=1; exit $$status

# The demonstration: the hosted narration (mk/sim.mk adds demo-hosted as a
# prerequisite), then the same story on pvmm-hv under QEMU.
demo:
	$(Q)$(MAKE) --no-print-directory demo-hv

# Benchmarks: each step prints "name: value unit" lines (ratios against a
# baseline measured in the same run).
bench:
	$(Q)status=0; for s in $(BENCH_STEPS); do \
	    $(MAKE) --no-print-directory bench-$$s || status=1; done; exit $$status

clean:
	rm -rf $(BUILD)
