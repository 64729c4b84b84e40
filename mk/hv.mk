# pvmm-hv: the bare-metal PV hypervisor (hv/), booted by QEMU as a multiboot kernel.
#
#   $(BUILD)/pvmm-hv.elf   the hypervisor (ELF64 with the multiboot a.out kludge)
#   make check-hv          boot every test guest on pvmm-hv (tools/hv-check); a `make check` step
#   make bench-hv          the benchmark guest (guests/bench/) on pvmm-hv and on the real Xen,
#                          instruction counts under -icount side by side (tools/bench-hv)
#   make demo-hv           boot the narrated demo guest (guests/tests/demo/) and show its console
#                          interleaved with the hypervisor's reasons for each refusal
#
# The hypervisor is linked in Xen's image slot (0xffff82d040000000, L4 slot 261), which is
# outside the top 2 GiB that -mcmodel=kernel needs, so it is compiled position-independent
# (-fpie, RIP-relative like Xen's -fpic) and linked statically with ld.  The core's sources
# are compiled again with the same flags into $(BUILD)/hv/core/ (the core's own freestanding
# library uses -mcmodel=kernel), and so are the PV domain builder's (builder/, shared with the
# simulator) into $(BUILD)/hv/builder/.  Every hv source is also compiled with clang (compile
# only) so both compilers stay warning-free.

HV_SRCS_C := $(filter-out hv/mm-core.c,$(sort $(wildcard hv/*.c)))
HV_SRCS_S := $(sort $(wildcard hv/*.S))
HV_BUILDER_SRC := $(sort $(wildcard builder/*.c))
HV_LDS    := hv/hv.ld

HV_MM_SRC   := hv/mm-core.c
HV_CORE_SRC := $(sort $(wildcard core/*.c))

hv_cflags = $(CSTD) $(WARN) -O2 -g -Iinclude -Ihv -MMD -MP \
    -ffreestanding -fno-builtin -nostdinc -isystem $(shell $(1) -print-file-name=include) \
    -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fpie -fvisibility=hidden \
    -mcmodel=small -fno-asynchronous-unwind-tables -fno-common -Wdeclaration-after-statement
HV_CFLAGS       := $(call hv_cflags,$(CC)) -fcf-protection=none -fno-tree-loop-distribute-patterns
HV_CLANG_CFLAGS := $(call hv_cflags,$(CLANG)) -fcf-protection=none
HV_LDFLAGS := -static -nostdlib -z max-page-size=0x1000 --build-id=none --no-warn-rwx-segments \
    -z noexecstack -T $(HV_LDS)

HV_OBJS := $(patsubst hv/%.c,$(BUILD)/hv/%.o,$(HV_SRCS_C) $(HV_MM_SRC)) \
           $(patsubst hv/%.S,$(BUILD)/hv/%.o,$(HV_SRCS_S)) \
           $(patsubst core/%.c,$(BUILD)/hv/core/%.o,$(HV_CORE_SRC)) \
           $(patsubst builder/%.c,$(BUILD)/hv/builder/%.o,$(HV_BUILDER_SRC))
HV_CLANG_OBJS := $(patsubst hv/%.c,$(BUILD)/hv-clang/%.o,$(HV_SRCS_C) $(HV_MM_SRC)) \
                 $(patsubst builder/%.c,$(BUILD)/hv-clang/builder/%.o,$(HV_BUILDER_SRC))

$(BUILD)/hv/%.o: hv/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@
$(BUILD)/hv/%.o: hv/%.S
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -I$(BUILD)/hv -D__ASSEMBLY__ -c $< -o $@
# The structure offsets entry.S reads: hv/gen/asm-offsets.c compiled to assembly only, its
# "->NAME VALUE" lines made #defines.
$(BUILD)/hv/asm-offsets.h: hv/gen/asm-offsets.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -MT $@ -MF $@.d -S $< -o $@.s
	$(Q)sed -n 's/.*->\([A-Za-z_]*\) \$$\{0,1\}\(-\{0,1\}[0-9][0-9]*\).*/#define \1 \2/p' $@.s >$@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/hv/entry.o: $(BUILD)/hv/asm-offsets.h
$(BUILD)/hv/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@
$(BUILD)/hv/builder/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@
$(BUILD)/hv-clang/%.o: hv/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(HV_CLANG_CFLAGS) -c $< -o $@
$(BUILD)/hv-clang/builder/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(HV_CLANG_CFLAGS) -c $< -o $@

$(BUILD)/pvmm-hv.elf: $(HV_OBJS) $(HV_LDS)
	$(Q)ld $(HV_LDFLAGS) -o $@ $(HV_OBJS)

# The bring-up guest (hv/selftest/): a tiny PV64 kernel independent of guests/lib.
HV_SELFTEST_SRCS := $(sort $(wildcard hv/selftest/*.c hv/selftest/*.S))
HV_SELFTEST_OBJS := $(patsubst hv/selftest/%,$(BUILD)/hv/selftest/%.o,$(HV_SELFTEST_SRCS))
HV_SELFTEST_CFLAGS := $(CSTD) $(WARN) -O2 -g -Iinclude -MMD -MP -ffreestanding -fno-builtin \
    -nostdinc -isystem $(shell $(CC) -print-file-name=include) -mno-red-zone \
    -mgeneral-regs-only -fno-stack-protector -fno-pie -fno-asynchronous-unwind-tables \
    -fcf-protection=none -mcmodel=small
$(BUILD)/hv/selftest/%.o: hv/selftest/%
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_SELFTEST_CFLAGS) -c $< -o $@
$(BUILD)/hv/selftest.elf: $(HV_SELFTEST_OBJS) hv/selftest/selftest.ld
	$(Q)ld -static -nostdlib -z max-page-size=0x1000 --build-id=none --no-warn-rwx-segments \
	    -T hv/selftest/selftest.ld -o $@ $(HV_SELFTEST_OBJS)

ALL_TARGETS += $(BUILD)/pvmm-hv.elf $(HV_CLANG_OBJS)
ifneq ($(HV_SELFTEST_SRCS),)
ALL_TARGETS += $(BUILD)/hv/selftest.elf
endif

.PHONY: hv check-hv demo-hv bench-hv
hv: $(BUILD)/pvmm-hv.elf

demo-hv: $(BUILD)/pvmm-hv.elf $(BUILD)/pvmm $(BUILD)/guests/test-demo.elf
	$(Q)tools/hv-run --show-hv --record $(BUILD)/demo-run.pvmm $(BUILD)/guests/test-demo.elf
	@echo
	@echo "The run was recorded: $(BUILD)/demo-run.pvmm replays it through the same core."
	@echo "Its first refusal, explained from the recording:"
	@echo
	$(Q)n=$$(awk '/^expect reason/ { print op; exit } !/^expect/ { op = NR }' 	    $(BUILD)/demo-run.pvmm); echo "\$$ build/pvmm explain $(BUILD)/demo-run.pvmm:$$n"; 	    $(BUILD)/pvmm explain $(BUILD)/demo-run.pvmm:$$n

# `make bench` step hv: prints "name: value unit" lines (pvmm-hv, Xen, and their ratio).
BENCH_STEPS += hv
bench-hv: $(BUILD)/pvmm-hv.elf $(BUILD)/guests/bench.elf $(BUILD)/guests/test-boot.elf
	$(Q)tools/bench-hv --hv $(BUILD)/pvmm-hv.elf --bench $(BUILD)/guests/bench.elf \
	    --boot $(BUILD)/guests/test-boot.elf

# `make check` step hv: boots the bring-up guest and every test guest on pvmm-hv, one check
# each; then the same guests built with clang, as ONE check (a compiler compatibility check:
# the guests are the same tests); then tests/hv/test-hv-run.sh checks hv-run's own judgement
# (a guest that forges hypervisor lines and fails is a FAILURE), tests/hv/test-nmi.sh that
# an NMI in either context stops nothing but the domain, tests/hv/test-smp.sh that 2 and
# 4 CPUs start and pass the boot TLB shootdown self-test and, on 2 CPUs, evtchn-ipi passes
# 10 runs in a row and timer-virq 5, and tests/hv/test-trace.sh that
# hv-run --trace shows hypercalls and trapped writes only when asked; last tests/hv/test-record.sh
# records every test guest's run and replays it in the simulator (one check each, about
# 2 s per guest).  tools/setup-qemu finds
# QEMU >= 8 or unpacks it privately (on CI, .ci/run has already installed it system-wide with
# --system); it runs once here, before any QEMU starts, so two parallel boots never race to
# install it.  tools/hv-check runs at most HV_CHECK_JOBS QEMUs at once (2; use 1 on a machine
# shared with other workers), each under HV_CHECK_TIMEOUT seconds, judges each guest by QEMU's
# exit code AND its result line, and stops booting new guests once HV_CHECK_BUDGET seconds
# are spent (for each of the two lists), which bounds the step even when every guest hangs.
CHECK_STEPS += hv
HV_CHECK_JOBS ?= 2
HV_CHECK_TIMEOUT ?= 20
HV_CHECK_BUDGET ?= 300
HV_CHECK_ARGS = --hv $(BUILD)/pvmm-hv.elf --jobs $(HV_CHECK_JOBS) --timeout $(HV_CHECK_TIMEOUT) \
    --budget $(HV_CHECK_BUDGET) --logs $(BUILD)/hv-logs
check-hv: $(BUILD)/pvmm-hv.elf $(BUILD)/pvmm $(BUILD)/hv/selftest.elf $(GUEST_ELFS) $(GUEST_CLANG_ELFS) \
          $(BUILD)/guests/test-console-forgery.elf \
          $(BUILD)/guests/test-registers-survive-interrupts.elf $(BUILD)/guests/test-boot.elf \
          $(BUILD)/guests/fuzz.elf \
          $(BUILD)/guests/test-pt-writable-refused.elf $(BUILD)/guests/test-ptwr-emulation.elf
	$(Q)RESULTS=$(BUILD)/results tools/check-step \
	    --time "about 1 s per boot: $$(($(words $(GUEST_ELFS)) * 2 + 9)) boots, 2 at a time" hv \
	    sh -c '\
	    if ! setup=$$(tools/setup-qemu); then echo "not ok hv: no QEMU >= 8 (tools/setup-qemu failed)"; exit 1; fi; \
	    eval "$$setup"; export QEMU QEMU_FW QEMU_MODULE_DIR; s=0; \
	    tools/hv-check $(HV_CHECK_ARGS) $(BUILD)/hv/selftest.elf $(GUEST_ELFS) || s=1; \
	    tools/hv-check $(HV_CHECK_ARGS) --as-one "clang builds of the guests" \
	        $(GUEST_CLANG_ELFS) || s=1; \
	    tests/hv/test-hv-run.sh $(BUILD)/pvmm-hv.elf $(BUILD)/guests/test-console-forgery.elf \
	        $(HV_CHECK_TIMEOUT) || s=1; \
	    tests/hv/test-nmi.sh $(BUILD)/pvmm-hv.elf \
	        $(BUILD)/guests/test-registers-survive-interrupts.elf $(HV_CHECK_TIMEOUT) || s=1; \
	    tests/hv/test-smp.sh $(BUILD)/pvmm-hv.elf $(BUILD)/guests/test-boot.elf \
	        $(HV_CHECK_TIMEOUT) || s=1; \
	    HV=$(BUILD)/pvmm-hv.elf tools/hv-fuzz --ops 300 --timeout 60 \
	        --findings $(BUILD)/fuzz-hv-findings $(FUZZ_HV_CHECK_SEEDS) || s=1; \
	    tests/hv/test-trace.sh $(BUILD)/pvmm-hv.elf $(BUILD)/guests/test-pt-writable-refused.elf \
	        $(BUILD)/guests/test-ptwr-emulation.elf $(HV_CHECK_TIMEOUT) || s=1; \
	    tests/hv/test-record.sh $(BUILD)/pvmm-hv.elf $(BUILD)/pvmm $(HV_CHECK_TIMEOUT) \
	        $(GUEST_ELFS) || s=1; exit $$s'

# The fuzzing guest (guests/fuzz, docs/fuzzing.md): a bounded run of fixed seeds is part of
# check-hv (above); `make fuzz-hv FUZZ_TIME=S` runs fresh seeds for S seconds (default 600)
# on pvmm-hv, `FUZZ_XEN=1` also on the real Xen 4.17 compared line by line; every finding is
# saved under $(BUILD)/fuzz-hv-findings/seed-N/ and replays with tools/hv-fuzz N.
FUZZ_HV_CHECK_SEEDS ?= 1 2
FUZZ_TIME ?= 600
FUZZ_XEN ?= 0
.PHONY: fuzz-hv
fuzz-hv: $(BUILD)/pvmm-hv.elf $(BUILD)/guests/fuzz.elf
	$(Q)HV=$(BUILD)/pvmm-hv.elf tools/hv-fuzz $(if $(filter 1,$(FUZZ_XEN)),--xen) \
	    --for $(FUZZ_TIME) --findings $(BUILD)/fuzz-hv-findings

-include $(HV_OBJS:.o=.d) $(HV_CLANG_OBJS:.o=.d) $(HV_SELFTEST_OBJS:.o=.d) $(BUILD)/hv/asm-offsets.h.d
