# pvmm: top-level build (plain GNU make).
#
#   make              build everything that exists
#   make demo         the main job: a narrated demonstration
#   make check        build and run every test; ends with "N passed, N failed, N skipped"
#   make check-quick  the same without the slow steps (fuzz, stress): the edit-test loop
#   make check-NAME   one step (make check prints each step's name in its header)
#   make bench        benchmarks (ratios against baselines measured in the same run; docs/perf.md;
#                     make bench-linux, the Linux figures, is separate: it takes minutes)
#
# Each part of the tree has its own fragment in mk/; a fragment appends to ALL_TARGETS,
# CHECK_STEPS (names of check steps: a phony target check-NAME whose recipe runs
# tools/check-step, which prints the step's header and counts its TAP lines),
# SLOW_CHECK_STEPS (the steps check-quick leaves out) and BENCH_STEPS.  A new step is
#
#   CHECK_STEPS += mine
#   check-mine: $(BUILD)/my-test
#   	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "5 s" mine $(BUILD)/my-test
#
# where my-test prints one "ok ..." / "not ok ..." line per check (TAP; "# SKIP why" for a
# check that cannot run here); a new guest (guests/tests/NAME/main.c) needs no change here.

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
SLOW_CHECK_STEPS :=
BENCH_STEPS :=

.PHONY: all check check-quick demo bench clean
all: all-targets

include mk/core.mk
-include mk/tests.mk
-include mk/sim.mk
-include mk/guests.mk
-include mk/hv.mk
-include mk/stress.mk
-include mk/linux.mk

all-targets: $(ALL_TARGETS)

# Every check step is a phony target check-<name> that records its counts in
# $(BUILD)/results/<name>.count via tools/check-step; tools/check-run runs the steps in order
# and adds them up.  A failing step does not stop the others.
check:
	+$(Q)MAKE="$(MAKE)" tools/check-run $(BUILD)/results $(CHECK_STEPS)
check-quick:
	$(Q)echo "# check-quick leaves out: $(SLOW_CHECK_STEPS) (make check runs them)"
	+$(Q)MAKE="$(MAKE)" tools/check-run $(BUILD)/results \
	    $(filter-out $(SLOW_CHECK_STEPS),$(CHECK_STEPS))

# No intermediate file is ever deleted (make would print "rm ..." lines and rebuild them).
.SECONDARY:

# The demonstration, in two halves: the hosted narration (demo-hosted, mk/sim.mk), then the
# demo guest on pvmm-hv under QEMU, recorded, and its first refusal explained from the
# recording (demo-hv, mk/hv.mk).
demo:
	@echo "==== Part 1: the simulator - the core on a modelled machine (examples/demo.pvmm) ===="
	$(Q)$(MAKE) --no-print-directory demo-hosted
	@echo
	@echo "==== Part 2: the real hypervisor - pvmm-hv runs the demo guest under QEMU ===="
	$(Q)$(MAKE) --no-print-directory demo-hv

# Benchmarks: each step prints "name: value unit" lines (ratios against a
# baseline measured in the same run).
bench:
	$(Q)status=0; for s in $(BENCH_STEPS); do \
	    $(MAKE) --no-print-directory bench-$$s || status=1; done; exit $$status

clean:
	rm -rf $(BUILD)
