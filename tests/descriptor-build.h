/*
 * tests/descriptor-build.h - building segment descriptors and common helpers
 * for test-descriptors.c and test-gdt.c.
 */
#ifndef PVMM_TESTS_DESCRIPTOR_BUILD_H
#define PVMM_TESTS_DESCRIPTOR_BUILD_H

#include <string.h>
#include "harness.h"

#define NR_FRAMES 256

/*
 * A flat code/data (s = 1) or system (s = 0) descriptor with base 0, limit
 * 0xfffff: type (4 bits), DPL, present, L, D/B, G.
 */
#define SEG(type, s, dpl, p, l, db, g) \
    ((((uint64_t)(((uint32_t)(type) << 8) | ((uint32_t)(s) << 12) | ((uint32_t)(dpl) << 13) | \
                  ((uint32_t)(p) << 15) | (0xfU << 16) | ((uint32_t)(l) << 21) | \
                  ((uint32_t)(db) << 22) | ((uint32_t)(g) << 23))) << 32) | 0xffffULL)
#define seg(...) SEG(__VA_ARGS__)

/* A gate (lower 8 bytes): target selector, offset 31:0, type, DPL, present, bits 0-7. */
#define GATE(sel, off, type, dpl, p, low_bits) \
    ((((uint64_t)(((uint32_t)(off) & 0xffff0000U) | ((uint32_t)(type) << 8) | \
                  ((uint32_t)(dpl) << 13) | ((uint32_t)(p) << 15) | (uint32_t)(low_bits))) << 32) | \
     (uint64_t)(((uint32_t)(off) & 0xffffU) | ((uint32_t)(sel) << 16)))
#define gate(...) GATE(__VA_ARGS__)

#define CODE   0xaU   /* execute/read, code (with S) */
#define DATA   0x2U   /* read/write data (with S) */
#define CALLG  0xcU   /* 64-bit call gate */
#define OFF    0x12345678U

static inline long set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
    return do_set_gdt(v, (uint64_t)(uintptr_t)frames, entries);
}

/* True if the formatted reason of v's last failure contains needle (prints it if not). */
static inline bool text_contains(const struct vcpu *v, const char *needle)
{
    char buf[2048];

    pvmm_reason_format(pvmm_last_reason(v), buf, sizeof(buf));
    if (strstr(buf, needle))
        return true;
    print_error("reason text:\n%s\nlacks: %s\n", buf, needle);
    return false;
}

#endif /* PVMM_TESTS_DESCRIPTOR_BUILD_H */
