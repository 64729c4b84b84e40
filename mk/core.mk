# The core: identical sources built three ways.
#   hosted   - for tests and tools, with ASan+UBSan      ($(BUILD)/core-hosted/)
#   hosted, clang, -fsanitize=thread, for the concurrency test ($(BUILD)/core-tsan/)
#   freestanding - exactly as pvmm-hv links it           ($(BUILD)/core-free/)
# plus a compile-only pass with the other compiler so both gcc and clang stay clean.

CORE_SRCS := $(sort $(wildcard core/*.c))
CORE_INC  := -Iinclude -Icore

SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HOSTED_CFLAGS := $(CSTD) $(WARN) -g -O1 $(CORE_INC) -MMD -MP
FREE_CFLAGS := $(CSTD) $(WARN) -O2 $(CORE_INC) -MMD -MP -ffreestanding -fno-builtin \
    -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
    -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-pie \
    -fno-asynchronous-unwind-tables -fcf-protection=none -mcmodel=kernel

CORE_HOSTED_OBJS := $(CORE_SRCS:core/%.c=$(BUILD)/core-hosted/%.o)
CORE_FREE_OBJS   := $(CORE_SRCS:core/%.c=$(BUILD)/core-free/%.o)
CORE_TSAN_OBJS   := $(CORE_SRCS:core/%.c=$(BUILD)/core-tsan/%.o)
CORE_CLANG_OBJS  := $(CORE_SRCS:core/%.c=$(BUILD)/core-clang/%.o)

$(BUILD)/core-hosted/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOSTED_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/core-free/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(FREE_CFLAGS) -c $< -o $@

$(BUILD)/core-tsan/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(CSTD) $(WARN) -g -O1 $(CORE_INC) -MMD -MP -fsanitize=thread -c $< -o $@

# Compile-only with the other compiler, freestanding flags (catches both warning sets).
$(BUILD)/core-clang/%.o: core/%.c
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(subst -fcf-protection=none,,$(subst -isystem $(shell $(CC) -print-file-name=include),-isystem $(shell $(CLANG) -print-file-name=include),$(FREE_CFLAGS))) -c $< -o $@

$(BUILD)/libpvmm-hosted.a: $(CORE_HOSTED_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libpvmm-free.a: $(CORE_FREE_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libpvmm-tsan.a: $(CORE_TSAN_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(BUILD)/libpvmm-hosted.a $(BUILD)/libpvmm-free.a $(CORE_CLANG_OBJS)

-include $(CORE_HOSTED_OBJS:.o=.d) $(CORE_FREE_OBJS:.o=.d) $(CORE_TSAN_OBJS:.o=.d) $(CORE_CLANG_OBJS:.o=.d)
