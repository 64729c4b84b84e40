# Hosted unit tests (cmocka) over the real core files, under ASan+UBSan.
# Every tests/test-*.c is one test program linked with the harness and the core.

TEST_SRCS := $(sort $(wildcard tests/test-*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_CFLAGS := $(HOSTED_CFLAGS) $(SAN_FLAGS) -Itests
TEST_LIBS := -lcmocka -lpthread

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@

$(BUILD)/tests/test-%: $(BUILD)/tests/test-%.o $(BUILD)/tests/harness.o $(BUILD)/libpvmm-hosted.a
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(TEST_LIBS)

# The ABI layout pins compile with both compilers, hosted and freestanding.
$(BUILD)/tests/abi-layout.stamp: tests/abi-layout.c $(wildcard include/xen/*.h)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(WARN) -Iinclude -c $< -o /dev/null
	$(Q)$(CC) $(CSTD) $(WARN) -Iinclude -ffreestanding -c $< -o /dev/null
	$(Q)$(CLANG) $(CSTD) $(WARN) -Iinclude -c $< -o /dev/null
	$(Q)$(CLANG) $(CSTD) $(WARN) -Iinclude -ffreestanding -c $< -o /dev/null
	$(Q)touch $@

ALL_TARGETS += $(TEST_BINS) $(BUILD)/tests/abi-layout.stamp

.PHONY: tests check-unit check-build check-abi-doc
tests: $(TEST_BINS)

CHECK_STEPS += build unit abi-doc

# Everything builds, warning-free, with both compilers (one check: a failure shows the
# compiler's messages).  From a clean tree this is where the time goes; later, seconds.
check-build:
	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "2-5 min from clean" build \
	    $(MAKE) -s --no-print-directory all-targets

# docs/abi.md and tests/test-abi-doc.c name each other (one check; the unit step runs the
# tests themselves).
check-abi-doc:
	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "1 s" abi-doc tools/check-abi-doc

check-unit: $(TEST_BINS)
	$(Q)RESULTS=$(BUILD)/results tools/check-step --time "30 s" unit tools/run-unit-tests \
	    $(TEST_BINS)

-include $(TEST_BINS:%=%.d) $(BUILD)/tests/harness.d

# The trapped-write decoder (hv/ptwr-decode.c, hv/ptwr-exec.c) is pure logic, tested hosted.
PTWR_INSN_HOSTED := $(BUILD)/tests/hv/ptwr-decode.o $(BUILD)/tests/hv/ptwr-exec.o
$(BUILD)/tests/hv/%.o: hv/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@
$(BUILD)/tests/test-ptwr-insn: $(PTWR_INSN_HOSTED)
# ... and so does its coverage build, with plain objects (make coverage measures core/ only).
PTWR_INSN_COV := $(BUILD)/cov/hv/ptwr-decode.o $(BUILD)/cov/hv/ptwr-exec.o
$(BUILD)/cov/hv/%.o: hv/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOSTED_CFLAGS) -Itests -c $< -o $@
$(BUILD)/cov/tests/test-ptwr-insn: $(PTWR_INSN_COV)
-include $(PTWR_INSN_HOSTED:.o=.d)

# A core bug planted in a separate build fails the unit, sim, fuzz and stress
# harnesses (tests/planted-core-bug.sh; a full rebuild, so not a step of make check).
.PHONY: check-planted-bug
check-planted-bug:
	$(Q)tests/planted-core-bug.sh $(BUILD)
