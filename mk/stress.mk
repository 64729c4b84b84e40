# The concurrency stress test (tests/stress/): several vCPU threads racing
# hypercalls on shared frames, built with clang -fsanitize=thread and linked
# with the ThreadSanitizer build of the core ($(BUILD)/libpvmm-tsan.a, mk/core.mk).
#
#   $(BUILD)/stress/test-concurrency   the cmocka program
#   make check-stress                  run it; any ThreadSanitizer report fails the step
#
# Nothing here uses tests/harness.c: that platform is single-threaded and
# built with ASan.  tests/stress/stress-platform.c is a thread-safe one.

STRESS_SRCS   := $(sort $(wildcard tests/stress/*.c))
STRESS_OBJS   := $(STRESS_SRCS:tests/stress/%.c=$(BUILD)/stress/%.o)
STRESS_BIN    := $(BUILD)/stress/test-concurrency
STRESS_CFLAGS := $(CSTD) $(WARN) -g -O1 $(CORE_INC) -Itests/stress -MMD -MP \
                 -fsanitize=thread -fno-omit-frame-pointer
# halt_on_error: the first data race ends the run with exit status 66, which
# tools/run-unit-tests reports as a failure.
STRESS_TSAN_OPTIONS := halt_on_error=1 exitcode=66 second_deadlock_stack=1

$(BUILD)/stress/%.o: tests/stress/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(STRESS_CFLAGS) -c $< -o $@

$(STRESS_BIN): $(STRESS_OBJS) $(BUILD)/libpvmm-tsan.a
	$(Q)$(CLANG) -fsanitize=thread -o $@ $^ -lcmocka -lpthread

ALL_TARGETS += $(STRESS_BIN)

.PHONY: stress check-stress
stress: $(STRESS_BIN)

CHECK_STEPS += stress
SLOW_CHECK_STEPS += stress

check-stress: $(STRESS_BIN)
	$(Q)TSAN_OPTIONS="$(STRESS_TSAN_OPTIONS)" RESULTS=$(BUILD)/results \
	    tools/check-step --time "15 s" stress tools/run-unit-tests $(STRESS_BIN)

-include $(STRESS_OBJS:.o=.d)
