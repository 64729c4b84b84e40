/*
 * tests/hc-helpers.h - small helpers shared by the hypercall tests
 * (test-mmu-update.c, test-mmuext.c, test-update-va.c, test-ptwr.c,
 * test-memory-op.c, test-attacks.c).
 */
#ifndef PVMM_TESTS_HC_HELPERS_H
#define PVMM_TESTS_HC_HELPERS_H

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define HC_NR_FRAMES 512

static const intpte_t HC_RO = _PAGE_PRESENT | _PAGE_ACCESSED;
static const intpte_t HC_RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
/* Flags the construction recipe uses in L2..L4 entries. */
static const intpte_t HC_UPPER = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
                                 _PAGE_USER;

/* A running domain: harness AS loaded on vCPU 0. */
struct hc_fixture {
    struct harness *h;
    struct domain *d;
    struct vcpu *v;
    struct harness_as as;
};

static inline void hc_setup(struct hc_fixture *f, domid_t domid, bool privileged)
{
    f->h = harness_new(HC_NR_FRAMES);
    f->d = harness_domain(f->h, domid, privileged);
    f->v = &f->d->vcpu[0];
    harness_build_running_as(f->h, f->v, &f->as, 4);
    harness_audit(f->h);
}

static inline void hc_teardown(struct hc_fixture *f)
{
    harness_free(f->h);
}

/* An mmu_update request for entry `index` of table frame `table`. */
static inline struct mmu_update hc_req(mfn_t table, unsigned int index, unsigned int cmd,
                                       intpte_t val)
{
    struct mmu_update u = {
        .ptr = ((uint64_t)table << PAGE_SHIFT) + index * 8 + cmd,
        .val = val,
    };
    return u;
}

/* What Xen stores for a present 64-bit PV L1 entry (model.md §3.8). */
static inline intpte_t hc_adjusted_l1e(intpte_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    if (!(e & _PAGE_USER))
        e |= _PAGE_GUEST_KERNEL | _PAGE_USER;
    if (!(e & _PAGE_GUEST_KERNEL))
        e |= _PAGE_GLOBAL | _PAGE_USER;
    return e;
}

/* The reason's rc must be rc as well as the rule. */
#define assert_rc_reason(v, rc_, rule_) do { \
        assert_reason(v, rule_); \
        assert_int_equal(pvmm_last_reason(v)->rc, (rc_)); \
    } while (0)

/* Snapshot of every frame's count_info and type_info (refcount-exactness checks). */
struct hc_counts {
    uint64_t n;
    uint64_t *caf;
    uint64_t *taf;
};

static inline void hc_counts_take(struct harness *h, struct hc_counts *c)
{
    c->n = h->nr_frames;
    c->caf = calloc(c->n, sizeof(uint64_t));
    c->taf = calloc(c->n, sizeof(uint64_t));
    assert_non_null(c->caf);
    assert_non_null(c->taf);
    for (uint64_t i = 0; i < c->n; i++) {
        c->caf[i] = h->ft[i].count_info;
        c->taf[i] = h->ft[i].type_info;
    }
}

/* Assert nothing changed since the snapshot, then free it. */
static inline void hc_counts_same(struct harness *h, struct hc_counts *c)
{
    for (uint64_t i = 0; i < c->n; i++) {
        if (c->caf[i] != h->ft[i].count_info || c->taf[i] != h->ft[i].type_info)
            fail_msg("frame %lx changed: caf %lx -> %lx, taf %lx -> %lx", (unsigned long)i,
                     (unsigned long)c->caf[i], (unsigned long)h->ft[i].count_info,
                     (unsigned long)c->taf[i], (unsigned long)h->ft[i].type_info);
    }
    free(c->caf);
    free(c->taf);
}

/* One mmuext op with foreigndom fd; *done (if given) receives pdone. */
static inline long hc_mmuext_fd(struct vcpu *v, unsigned int cmd, uint64_t arg1, uint64_t arg2,
                                unsigned int fd, unsigned int *done)
{
    struct mmuext_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return harness_mmuext_op(v, &op, 1, done, fd);
}

/* Linear address at which the harness AS maps table k (0 = L4 .. 3 = L1). */
static inline uint64_t hc_pt_va(unsigned int k)
{
    return HARNESS_PT_VA + k * PAGE_SIZE;
}

#endif /* PVMM_TESTS_HC_HELPERS_H */
