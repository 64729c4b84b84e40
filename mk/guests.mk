# XTF-style PV64 test guests (guests/).
#
#   make guests      build $(BUILD)/guests/test-<name>.elf for every guests/tests/<name>/main.c
#                    (gcc), plus the same guests built with clang in $(BUILD)/guests-clang/
#   make check-xen   boot every guest on the real Xen 4.17 with ../shared/tools/xen-run
#                    (2-5 s per guest; a `make check` step, skipped without xen-run)
#   $(BUILD)/guests/bench.elf   the benchmark guest (guests/bench/, run by make bench-hv)
#
# Each guest is the runtime in guests/lib/ plus one main.c, linked at 1 MiB with the Xen ELF
# notes, so that the dom0 builder (Xen's or pvmm-hv's) loads it with VA == pfn << 12.

GUEST_TESTS := $(sort $(patsubst guests/tests/%/main.c,%,$(wildcard guests/tests/*/main.c)))
GUEST_LIB_C := $(sort $(wildcard guests/lib/*.c))
# domUs (guests/domu/<name>/main.c, the same runtime) that toolstack test guests build: each
# ELF is embedded as a blob in $(2)/domus.a (symbols _binary_domu_<name>_elf_start/_end), so
# only a guest that names one links it.
GUEST_DOMUS := $(sort $(patsubst guests/domu/%/main.c,%,$(wildcard guests/domu/*/main.c)))
OBJCOPY ?= objcopy
GUEST_LIB_S := $(sort $(wildcard guests/lib/*.S))
# The domain builder (builder/) is part of the runtime: a toolstack guest builds domUs with
# it through hypercalls (guests/lib/domu-builder.c); the core's back end stays out.
GUEST_BUILDER_C := $(filter-out builder/core-backend.c,$(sort $(wildcard builder/*.c)))
GUEST_LDS   := guests/lib/link.ld
GUEST_LD    ?= ld

# $(call guest_cflags,compiler): freestanding flags; -isystem points at that compiler's own
# headers (stdint.h, stdarg.h ...), nothing else from the host.
guest_cflags = $(CSTD) $(WARN) -O2 -g -Iinclude -Iguests/lib -MMD -MP \
    -ffreestanding -fno-builtin -nostdinc -isystem $(shell $(1) -print-file-name=include) \
    -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-pie \
    -fno-asynchronous-unwind-tables -fcf-protection=none -mcmodel=small -fno-common
GUEST_LDFLAGS := -static -nostdlib -z max-page-size=0x1000 -z noexecstack --build-id=none \
    --no-warn-rwx-segments -T $(GUEST_LDS)

# gcc turns byte loops into memset/memcpy calls (even with -ffreestanding), which would make
# string.c call itself; clang does not, and does not know the flag.
GUEST_NO_LOOP_CALLS := $(shell $(CC) -Werror -fno-tree-loop-distribute-patterns -x c -c \
    -o /dev/null /dev/null 2>/dev/null && echo -fno-tree-loop-distribute-patterns)
GUEST_CFLAGS_gcc   := $(call guest_cflags,$(CC)) $(GUEST_NO_LOOP_CALLS)
GUEST_CFLAGS_clang := $(call guest_cflags,$(CLANG))

# One build per compiler: $(BUILD)/guests (gcc, the reference) and $(BUILD)/guests-clang.
# $(1) = compiler variable name, $(2) = output directory, $(3) = flags variable.
define guest_build
$(2)/lib/%.o: guests/lib/%.c
	@mkdir -p $$(@D)
	$(Q)$$($(1)) $$($(3)) -c $$< -o $$@
$(2)/lib/%.o: guests/lib/%.S
	@mkdir -p $$(@D)
	$(Q)$$($(1)) $$($(3)) -D__ASSEMBLY__ -c $$< -o $$@
$(2)/builder/%.o: builder/%.c
	@mkdir -p $$(@D)
	$(Q)$$($(1)) $$($(3)) -c $$< -o $$@
$(2)/tests/%.o: guests/tests/%/main.c
	@mkdir -p $$(@D)
	$(Q)$$($(1)) $$($(3)) -c $$< -o $$@
$(2)/domu/%.o: guests/domu/%/main.c
	@mkdir -p $$(@D)
	$(Q)$$($(1)) $$($(3)) -c $$< -o $$@
$(2)/domu-%.elf: $(2)/domu/%.o $(GUEST_LIB_C:guests/lib/%.c=$(2)/lib/%.o) \
                 $(GUEST_LIB_S:guests/lib/%.S=$(2)/lib/%.o) \
                 $(GUEST_BUILDER_C:builder/%.c=$(2)/builder/%.o) $(GUEST_LDS)
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
$(2)/domu-blob/%.o: $(2)/domu-%.elf
	@mkdir -p $$(@D)
	$(Q)cd $$(@D) && $(OBJCOPY) --strip-all ../domu-$$*.elf domu-$$*.elf && \
	    $(OBJCOPY) -I binary -O elf64-x86-64 -B i386:x86-64 \
	    --rename-section .data=.rodata.domu,alloc,load,readonly,data,contents \
	    domu-$$*.elf $$*.o
$(2)/domus.a: $(GUEST_DOMUS:%=$(2)/domu-blob/%.o)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
$(2)/test-%.elf: $(2)/tests/%.o $(GUEST_LIB_C:guests/lib/%.c=$(2)/lib/%.o) \
                 $(GUEST_LIB_S:guests/lib/%.S=$(2)/lib/%.o) \
                 $(GUEST_BUILDER_C:builder/%.c=$(2)/builder/%.o) $(GUEST_LDS) $(2)/domus.a
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(2)/domus.a
endef

$(eval $(call guest_build,CC,$(BUILD)/guests,GUEST_CFLAGS_gcc))
$(eval $(call guest_build,CLANG,$(BUILD)/guests-clang,GUEST_CFLAGS_clang))

GUEST_LIB_OBJS = $(GUEST_LIB_C:guests/lib/%.c=$(1)/lib/%.o) \
                 $(GUEST_LIB_S:guests/lib/%.S=$(1)/lib/%.o) \
                 $(GUEST_BUILDER_C:builder/%.c=$(1)/builder/%.o)
# Keep the objects: they are shared by every guest.
.SECONDARY: $(call GUEST_LIB_OBJS,$(BUILD)/guests) $(call GUEST_LIB_OBJS,$(BUILD)/guests-clang) \
            $(GUEST_TESTS:%=$(BUILD)/guests/tests/%.o) \
            $(GUEST_TESTS:%=$(BUILD)/guests-clang/tests/%.o) \
            $(GUEST_DOMUS:%=$(BUILD)/guests/domu/%.o) $(GUEST_DOMUS:%=$(BUILD)/guests-clang/domu/%.o) \
            $(GUEST_DOMUS:%=$(BUILD)/guests/domu-%.elf) \
            $(GUEST_DOMUS:%=$(BUILD)/guests-clang/domu-%.elf)

# The benchmark guest: every guests/bench/*.c and *.S plus the runtime, built with gcc.
BENCH_GUEST_SRCS := $(sort $(wildcard guests/bench/*.c guests/bench/*.S))
BENCH_GUEST_OBJS := $(patsubst guests/bench/%,$(BUILD)/guests/bench/%.o,$(BENCH_GUEST_SRCS))
$(BUILD)/guests/bench/%.c.o: guests/bench/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS_gcc) -c $< -o $@
$(BUILD)/guests/bench/%.S.o: guests/bench/%.S
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS_gcc) -D__ASSEMBLY__ -c $< -o $@
$(BUILD)/guests/bench.elf: $(BENCH_GUEST_OBJS) $(call GUEST_LIB_OBJS,$(BUILD)/guests) $(GUEST_LDS)
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

# The fuzzing guest: every guests/fuzz/*.c plus the runtime, built with gcc (tools/hv-fuzz,
# docs/fuzzing.md); the clang build of its objects is checked with the other guests.
FUZZ_GUEST_SRCS := $(sort $(wildcard guests/fuzz/*.c))
FUZZ_GUEST_OBJS := $(patsubst guests/fuzz/%.c,$(BUILD)/guests/fuzz/%.o,$(FUZZ_GUEST_SRCS))
FUZZ_GUEST_CLANG_OBJS := $(patsubst guests/fuzz/%.c,$(BUILD)/guests-clang/fuzz/%.o,\
                                    $(FUZZ_GUEST_SRCS))
$(BUILD)/guests/fuzz/%.o: guests/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS_gcc) -c $< -o $@
$(BUILD)/guests-clang/fuzz/%.o: guests/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(GUEST_CFLAGS_clang) -c $< -o $@
$(BUILD)/guests/fuzz.elf: $(FUZZ_GUEST_OBJS) $(call GUEST_LIB_OBJS,$(BUILD)/guests) $(GUEST_LDS)
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

GUEST_ELFS       := $(GUEST_TESTS:%=$(BUILD)/guests/test-%.elf)
GUEST_CLANG_ELFS := $(GUEST_TESTS:%=$(BUILD)/guests-clang/test-%.elf)

.PHONY: guests guests-gcc guests-clang check-xen
guests: guests-gcc guests-clang $(if $(BENCH_GUEST_SRCS),$(BUILD)/guests/bench.elf) \
        $(BUILD)/guests/fuzz.elf $(FUZZ_GUEST_CLANG_OBJS)
guests-gcc: $(GUEST_ELFS)
guests-clang: $(GUEST_CLANG_ELFS)

# Boots the bring-up guest and every gcc-built guest on the real Xen 4.17, one at a time
# (2-5 s each, mostly QEMU booting Xen), then Debian's Linux with the short workload
# (tools/linux-run, about 25 s; SKIP with the reason when the kernel cannot be fetched).
# Always a `make check` step: where ../shared/tools/xen-run (or XEN_RUN) does not exist, as on
# CI, or with CHECK_XEN=0, it is one skipped check that says why.
XEN_RUN ?= $(abspath ../shared/tools/xen-run)
CHECK_XEN ?= $(if $(wildcard $(XEN_RUN)),1,0)
CHECK_STEPS += xen
ifeq ($(CHECK_XEN),1)
check-xen: guests-gcc $(BUILD)/hv/selftest.elf
	$(Q)XEN_RUN=$(XEN_RUN) XEN_CHECK_TIMEOUT=60 XEN_CHECK_LOGDIR=$(BUILD)/xen-check \
	    BUILD=$(BUILD) RESULTS=$(BUILD)/results tools/check-step \
	    --time "$(words x $(GUEST_ELFS)) guests, 2-5 s each, Linux 25 s" xen sh -c '\
	    tools/xen-check $(BUILD)/hv/selftest.elf $(GUEST_ELFS); s=$$?; \
	    tools/linux-run --on xen --short --quiet --timeout 120 || s=1; exit $$s'
else
XEN_SKIP_WHY := $(if $(wildcard $(XEN_RUN)),CHECK_XEN=0,no xen-run at $(XEN_RUN))
check-xen:
	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "0 s" xen echo "ok xen # SKIP \
	$(XEN_SKIP_WHY): the guests are not booted on the real Xen 4.17 (XEN_RUN=PATH runs them)"
endif

ALL_TARGETS += guests

-include $(wildcard $(BUILD)/guests/builder/*.d $(BUILD)/guests-clang/builder/*.d \
                    $(BUILD)/guests/domu/*.d $(BUILD)/guests-clang/domu/*.d \
                    $(BUILD)/guests/lib/*.d $(BUILD)/guests/tests/*.d $(BUILD)/guests/bench/*.d \
                    $(BUILD)/guests/fuzz/*.d $(BUILD)/guests-clang/fuzz/*.d \
                    $(BUILD)/guests-clang/lib/*.d $(BUILD)/guests-clang/tests/*.d)
