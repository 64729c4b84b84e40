/*
 * tests/validate-helpers.h - small helpers shared by the entry-validation
 * tests (test-validate.c, test-validate-l1-targets.c, test-validate-undo.c).
 */
#ifndef PVMM_TESTS_VALIDATE_HELPERS_H
#define PVMM_TESTS_VALIDATE_HELPERS_H

#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES  1024
#define BIT52      (1UL << 52)
#define UC_BITS    (_PAGE_PCD | _PAGE_PWT)
#define CACHE_BITS (_PAGE_PAT | _PAGE_PCD | _PAGE_PWT)
#define UPPER      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define P          _PAGE_PRESENT

static inline long pin(struct vcpu *v, mfn_t m, int level)
{
    return harness_mmuext(v, MMUEXT_PIN_L1_TABLE + (unsigned int)level - 1, m, 0);
}

static inline long unpin(struct vcpu *v, mfn_t m)
{
    return harness_mmuext(v, MMUEXT_UNPIN_TABLE, m, 0);
}

/* A frame of nobody (on the free list). */
static inline mfn_t find_free_frame(struct harness *h)
{
    for (mfn_t m = NR_FRAMES - 3; m >= HARNESS_IO_FRAMES; m--)
        if (h->ft[m].owner == PVMM_OWNER_NONE)
            return m;
    fail_msg("no free frame");
    return INVALID_MFN;
}

#endif /* PVMM_TESTS_VALIDATE_HELPERS_H */
