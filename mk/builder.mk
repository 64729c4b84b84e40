# The PV domain builder (builder/): the guest-ELF and Xen-note parser, the bootstrap layout,
# and the population of a new domain through the core's API.  pvmm-hv builds dom0 with it
# (mk/hv.mk compiles it with the hypervisor's flags) and the simulator builds every domain
# with it; this fragment, included by mk/sim.mk, builds it into each variant of the
# simulator (hosted library, libFuzzer, bench, coverage), compiles it with clang, and
# compiles it freestanding with both compilers, as the core is.

BUILDER_SRCS  := $(sort $(wildcard builder/*.c))
BUILDER_SIM   := $(BUILDER_SRCS:builder/%.c=$(BUILD)/builder/%.o)
BUILDER_CLANG := $(BUILDER_SRCS:builder/%.c=$(BUILD)/builder-clang/%.o)
BUILDER_FREE  := $(BUILDER_SRCS:builder/%.c=$(BUILD)/builder-free/%.o) \
                 $(BUILDER_SRCS:builder/%.c=$(BUILD)/builder-free/%-clang.o)
BUILDER_FUZZ  := $(BUILDER_SRCS:builder/%.c=$(BUILD)/fuzz/builder/%.o)
BUILDER_BENCH := $(BUILDER_SRCS:builder/%.c=$(BUILD)/bench/builder/%.o)
BUILDER_COV   := $(BUILDER_SRCS:builder/%.c=$(BUILD)/cov/builder/%.o)

$(BUILD)/builder/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SIM_CFLAGS) -c $< -o $@
$(BUILD)/builder-clang/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(CSTD) $(WARN) -O1 $(CORE_INC) -MMD -MP -c $< -o $@
$(BUILD)/builder-free/%-clang.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(subst -fcf-protection=none,,$(subst -isystem $(shell $(CC) -print-file-name=include),-isystem $(shell $(CLANG) -print-file-name=include),$(FREE_CFLAGS))) -c $< -o $@
$(BUILD)/builder-free/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(FREE_CFLAGS) -c $< -o $@
$(BUILD)/fuzz/builder/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/bench/builder/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -c $< -o $@
$(BUILD)/cov/builder/%.o: builder/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COV_CFLAGS) -c $< -o $@

# Extra prerequisites of the simulator's archives and programs: their recipes use $^.
$(BUILD)/libpvmm-sim.a: $(BUILDER_SIM)
$(BUILD)/pvmm-fuzz: $(BUILDER_FUZZ)
$(BUILD)/pvmm-bench: $(BUILDER_BENCH)
$(BUILD)/cov/pvmm $(BUILD)/cov/replay $(SIM_TEST_SRCS:tests/sim/%.c=$(BUILD)/cov/sim-tests/%): \
        $(BUILDER_COV)

ALL_TARGETS += $(BUILDER_CLANG) $(BUILDER_FREE)

-include $(BUILDER_SIM:.o=.d) $(BUILDER_CLANG:.o=.d) $(BUILDER_FREE:.o=.d) \
         $(BUILDER_FUZZ:.o=.d) $(BUILDER_BENCH:.o=.d) $(BUILDER_COV:.o=.d)
