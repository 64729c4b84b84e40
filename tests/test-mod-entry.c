/*
 * tests/test-mod-entry.c - single-entry updates of live tables
 * (core/mod-entry.c; model.md §3.5, §4.3, §2.5).
 *
 * Updates go through mmu_update (harness_pt_update), which locks the table
 * and calls mod_lN_entry; continuations (the deferred put of an old L2..L4
 * entry) are finished by the harness.  The auditor runs after every change.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES  256
#define P          _PAGE_PRESENT
#define UPPER      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define AD         (_PAGE_ACCESSED | _PAGE_DIRTY)

static long pt_update_cmd(struct vcpu *v, mfn_t table, unsigned int index, intpte_t val,
                          unsigned int cmd)
{
    struct mmu_update u = {
        .ptr = ((uint64_t)table << PAGE_SHIFT) + index * 8 + cmd,
        .val = val,
    };

    return harness_mmu_update(v, &u, 1, NULL, DOMID_SELF);
}

/* ---- fast path vs slow path ---- */

/*
 * The fast path writes without touching references.  To see which path an
 * update took, the data frame's general count is parked at the ceiling
 * where no new reference can be taken: a fast-path update still succeeds,
 * a slow-path one fails with -EBUSY (count overflow).
 */
struct path_row {
    const char *name;
    intpte_t old_flags;
    intpte_t new_flags;
    bool fast;
};

static const struct path_row path_rows[] = {
    { "NX set",              P | _PAGE_RW, P | _PAGE_RW | _PAGE_NX, true },
    { "bit 55 set",          P | _PAGE_RW, P | _PAGE_RW | (1UL << 55), true },
    { "bit 62 set",          P | _PAGE_RW, P | _PAGE_RW | (1UL << 62), true },
    { "AVAIL bit 9 set",     P | _PAGE_RW, P | _PAGE_RW | (1UL << 9), true },
    { "GLOBAL set",          P | _PAGE_RW | _PAGE_USER, P | _PAGE_RW | _PAGE_USER | _PAGE_GLOBAL,
      true },
    { "ACCESSED cleared",    P | _PAGE_RW | _PAGE_ACCESSED, P | _PAGE_RW, true },
    { "DIRTY set",           P | _PAGE_RW, P | _PAGE_RW | _PAGE_DIRTY, true },
    { "USER set",            P | _PAGE_RW, P | _PAGE_RW | _PAGE_USER, true },
    { "bit 52 cleared",      P | _PAGE_RW, P | _PAGE_RW | _PAGE_USER, true },
    { "same entry again",    P, P, true },
    { "RW cleared",          P | _PAGE_RW, P, false },
    { "RW set",              P, P | _PAGE_RW, false },
};

static void fast_and_slow_path(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(path_rows); i++) {
        const struct path_row *r = &path_rows[i];
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct vcpu *v = &d->vcpu[0];
        struct harness_as as;
        mfn_t data;
        uint64_t saved;
        long rc;

        harness_build_running_as(h, v, &as, 1);
        data = as.data[0];
        assert_int_equal(harness_pt_update(v, as.l1, 0, pte_from_mfn(data, r->old_flags)), 0);
        harness_audit(h);

        saved = h->ft[data].count_info;
        h->ft[data].count_info = (saved & ~PGC_count_mask) | (PGC_count_mask - 1);
        rc = harness_pt_update(v, as.l1, 0, pte_from_mfn(data, r->new_flags));
        h->ft[data].count_info = saved;
        harness_audit(h);

        if (r->fast) {
            if (rc != 0)
                fail_msg("%s: rc %ld on the fast path", r->name, rc);
            assert_int_equal(harness_pt(h, as.l1)[0] & ~(_PAGE_USER | _PAGE_GLOBAL |
                                                          (1UL << 52)),
                             pte_from_mfn(data, r->new_flags) &
                                 ~(_PAGE_USER | _PAGE_GLOBAL | (1UL << 52)));
        } else {
            if (rc != -XEN_EBUSY)
                fail_msg("%s: rc %ld, expected the slow path to fail", r->name, rc);
            assert_reason(v, PVMM_RULE_COUNT_OVERFLOW);
            assert_int_equal(pte_mfn(harness_pt(h, as.l1)[0]), data);
            assert_int_equal(harness_pt(h, as.l1)[0] & _PAGE_RW, r->old_flags & _PAGE_RW);
        }
        /* Without the trick, the slow path works and keeps the counts exact. */
        assert_int_equal(harness_pt_update(v, as.l1, 0, pte_from_mfn(data, r->new_flags)), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, data), 2);
        assert_int_equal(harness_type_count(h, data), (r->new_flags & _PAGE_RW) ? 1 : 0);
        harness_free(h);
    }
}

/* Cache bits never take the fast path, and are checked even when nothing else changes. */
static void cache_bits_not_fast(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    intpte_t l1e, l2e;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    l1e = harness_pt(h, as.l1)[0];
    l2e = harness_pt(h, as.l2)[0];
    assert_int_equal(harness_pt_update(v, as.l1, 0, l1e | _PAGE_PCD), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_DISALLOWED_FLAGS);
    assert_int_equal(harness_pt_update(v, as.l2, 0, l2e | _PAGE_PWT), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_DISALLOWED_FLAGS);
    assert_int_equal(harness_pt_update(v, as.l2, 0, l2e | _PAGE_GLOBAL), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_DISALLOWED_FLAGS);
    assert_int_equal(harness_pt(h, as.l1)[0], l1e);
    assert_int_equal(harness_pt(h, as.l2)[0], l2e);
    harness_audit(h);
    harness_free(h);
}

/* ---- PRESERVE_AD ---- */

static void preserve_ad(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    intpte_t *l1;
    (void)state;

    harness_build_running_as(h, v, &as, 2);
    l1 = harness_pt(h, as.l1);

    /* The "hardware" set A and D; a normal update overwrites them... */
    l1[0] |= AD;
    assert_int_equal(pt_update_cmd(v, as.l1, 0, pte_from_mfn(as.data[0], P | _PAGE_RW),
                                   MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(l1[0] & AD, 0);
    /* ...a PRESERVE_AD update keeps them (fast path). */
    l1[0] |= AD;
    assert_int_equal(pt_update_cmd(v, as.l1, 0, pte_from_mfn(as.data[0], P | _PAGE_RW),
                                   MMU_PT_UPDATE_PRESERVE_AD), 0);
    assert_int_equal(l1[0] & AD, AD);
    /* And on the slow path (new frame), as Xen does: A/D of the old entry are ORed in. */
    l1[0] = (l1[0] & ~AD) | _PAGE_DIRTY;
    assert_int_equal(pt_update_cmd(v, as.l1, 0, pte_from_mfn(as.data[1], P),
                                   MMU_PT_UPDATE_PRESERVE_AD), 0);
    assert_int_equal(pte_mfn(l1[0]), as.data[1]);
    assert_int_equal(l1[0] & AD, _PAGE_DIRTY);
    harness_audit(h);
    assert_int_equal(harness_count(h, as.data[0]), 1);
    assert_int_equal(harness_type_count(h, as.data[0]), 0);
    assert_int_equal(harness_count(h, as.data[1]), 3);

    /* Upper levels too. */
    harness_pt(h, as.l2)[0] |= AD;
    assert_int_equal(pt_update_cmd(v, as.l2, 0, pte_from_mfn(as.l1, P | _PAGE_RW),
                                   MMU_PT_UPDATE_PRESERVE_AD), 0);
    assert_int_equal(harness_pt(h, as.l2)[0] & AD, AD);
    harness_audit(h);

    /* update_intpte itself: A/D changed under our feet are kept, anything else is a failure. */
    {
        intpte_t e = pte_from_mfn(as.data[1], P);
        intpte_t cell = e | _PAGE_ACCESSED;

        assert_true(update_intpte(&cell, e, pte_from_mfn(as.data[0], P), true));
        assert_int_equal(cell, pte_from_mfn(as.data[0], P | _PAGE_ACCESSED));
        cell = e | _PAGE_RW;
        assert_false(update_intpte(&cell, e, pte_from_mfn(as.data[0], P), true));
        assert_int_equal(cell, e | _PAGE_RW);
        assert_true(update_intpte(&cell, e, 0, false));
        assert_int_equal(cell, 0);
    }
    harness_free(h);
}

/* ---- XSA-182 ---- */

/*
 * xsa182_rw_flip_revalidated: XSA-182 let the L2..L4 fast path flip RW (and
 * cache bits) without revalidation, turning a read-only linear entry into a
 * writable view of the guest's own page tables.  Create a read-only
 * self-referencing L4e (and L3e, L2e), then set RW on it: the update must
 * take the full path and be refused, leaving the entry read-only.
 */
static void xsa182_rw_flip_revalidated(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    const mfn_t tables[] = { as.l2, as.l3, as.l4 };
    for (int i = 0; i < 3; i++) {
        mfn_t t = tables[i];
        intpte_t ro = pte_from_mfn(t, P | _PAGE_USER | _PAGE_ACCESSED);

        assert_int_equal(harness_pt_update(v, t, 5, ro), 0);
        harness_audit(h);
        assert_int_equal(harness_pt_update(v, t, 5, ro | _PAGE_RW), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_RW);
        assert_int_equal(harness_pt(h, t)[5] & _PAGE_RW, 0);
        /* Nor may another whitelisted change sneak RW in with it. */
        assert_int_equal(harness_pt_update(v, t, 5, ro | _PAGE_RW | _PAGE_NX), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_RW);
        /* A harmless flag change on it stays on the fast path. */
        assert_int_equal(harness_pt_update(v, t, 5, ro | _PAGE_NX), 0);
        assert_int_equal(harness_pt(h, t)[5] & (_PAGE_RW | _PAGE_NX), _PAGE_NX);
        harness_audit(h);
        assert_int_equal(harness_pt_update(v, t, 5, 0), 0);
        harness_audit(h);
    }

    /* With linear page tables compiled out, RW is on the whitelist again. */
    h->s.linear_pt = false;
    {
        intpte_t e = harness_pt(h, as.l2)[0];

        assert_int_equal(harness_pt_update(v, as.l2, 0, e & ~_PAGE_RW), 0);
        assert_int_equal(harness_pt(h, as.l2)[0] & _PAGE_RW, 0);
        harness_audit(h);
    }
    harness_free(h);
}

/*
 * xsa286_flush_after_upper_update: Xen reads the guest's tables through
 * its own linear mappings, so after any L2..L4 change it must flush the
 * page-table owner's TLBs; L1 changes are the guest's job.
 */
static void xsa286_flush_after_upper_update(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t l2b;
    unsigned long before;
    (void)state;

    harness_build_running_as(h, v, &as, 2);
    l2b = harness_alloc(h, d);
    harness_pt(h, l2b)[0] = harness_pt(h, as.l2)[0];

    before = h->nr_flushes;
    assert_int_equal(harness_pt_update(v, as.l1, 1, 0), 0);
    assert_int_equal(h->nr_flushes, before);

    assert_int_equal(harness_pt_update(v, as.l3, 0, pte_from_mfn(l2b, UPPER)), 0);
    harness_audit(h);
    assert_true(h->nr_flushes > before);
    assert_int_equal(h->last_flush_va, PVMM_FLUSH_ALL_VA);
    assert_int_equal(h->last_flush_mask & 3, 3);
    harness_free(h);
}

/* ---- old references ---- */

static void old_references_released(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t l1b, l1c, l2b, l3b;
    (void)state;

    harness_build_running_as(h, v, &as, 2);
    l1b = harness_alloc(h, d);
    l1c = harness_alloc(h, d);
    l2b = harness_alloc(h, d);
    l3b = harness_alloc(h, d);
    harness_pt(h, l1b)[3] = pte_from_mfn(as.data[1], P | _PAGE_RW);
    harness_audit(h);

    /* L1: the old data mapping goes, the new one is taken. */
    assert_int_equal(harness_pt_update(v, as.l1, 0, pte_from_mfn(as.data[1], P)), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, as.data[0]), 1);
    assert_int_equal(harness_type_count(h, as.data[0]), 0);
    assert_int_equal(harness_count(h, as.data[1]), 3);

    /* L2: an unvalidated L1 is validated on the way in, and released on the way out. */
    assert_int_equal(harness_pt_update(v, as.l2, 1, pte_from_mfn(l1b, UPPER)), 0);
    harness_audit(h);
    assert_int_equal(harness_type(h, l1b), PGT_l1_page_table);
    assert_int_equal(harness_type_count(h, l1b), 1);
    assert_int_equal(harness_type_count(h, as.data[1]), 2);
    assert_int_equal(harness_pt_update(v, as.l2, 1, pte_from_mfn(l1c, UPPER)), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, l1b), 0);
    assert_int_equal(h->ft[l1b].type_info & PGT_validated, 0);
    assert_int_equal(harness_count(h, l1b), 1);
    assert_int_equal(harness_type_count(h, as.data[1]), 1);
    assert_int_equal(harness_type_count(h, l1c), 1);
    assert_true(v->old_guest_table == NULL);

    /* L3 and L4: the same through the deferred put. */
    assert_int_equal(harness_pt_update(v, as.l3, 1, pte_from_mfn(l2b, UPPER)), 0);
    assert_int_equal(harness_pt_update(v, as.l4, 1, pte_from_mfn(l3b, UPPER)), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, l2b), 1);
    assert_int_equal(harness_type_count(h, l3b), 1);
    assert_int_equal(harness_pt_update(v, as.l3, 1, 0), 0);
    assert_int_equal(harness_pt_update(v, as.l4, 1, 0), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, l2b), 0);
    assert_int_equal(harness_type_count(h, l3b), 0);
    assert_int_equal(harness_count(h, l2b), 1);
    assert_int_equal(harness_count(h, l3b), 1);
    assert_true(v->old_guest_table == NULL);
    harness_free(h);
}

/*
 * Overwriting a present L2..L4 entry defers the old child's put to
 * old_guest_table (model.md §2.5): the hypercall returns a continuation that
 * finishes it, and only then is the old child released.
 */
static void old_entry_put_is_deferred(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    const mfn_t tables[] = { as.l2, as.l3, as.l4 };
    for (int i = 0; i < 3; i++) {
        mfn_t t = tables[i], child = harness_alloc(h, d), old;
        struct mmu_update u = { .ptr = (t << PAGE_SHIFT) + 2 * 8, .val = 0 };
        long rc;

        assert_int_equal(harness_pt_update(v, t, 2, pte_from_mfn(child, UPPER)), 0);
        harness_audit(h);
        old = child;
        rc = do_mmu_update(v, (uint64_t)(uintptr_t)&u, 1, 0, DOMID_SELF);
        assert_int_equal(rc, 0);
        assert_true(v->cont.pending);
        assert_true(v->old_guest_table == &h->ft[old]);
        assert_int_equal(harness_pt(h, t)[2], 0);
        harness_audit(h);                       /* the deferred reference is accounted */
        assert_int_equal(harness_type_count(h, old), 1);
        v->cont.pending = false;
        assert_int_equal(do_mmu_update(v, v->cont.args[0], (unsigned int)v->cont.args[1],
                                       v->cont.args[2], (unsigned int)v->cont.args[3]), 0);
        assert_false(v->cont.pending);
        assert_true(v->old_guest_table == NULL);
        harness_audit(h);
        assert_int_equal(harness_type_count(h, old), 0);
        assert_int_equal(harness_count(h, old), 1);
    }
    harness_free(h);
}

/* A refused update leaves the old entry and every count as they were. */
static void refused_update_changes_nothing(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct domain *other = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t theirs = harness_alloc(h, other);
    intpte_t l1e, l2e, l3e;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    l1e = harness_pt(h, as.l1)[0];
    l2e = harness_pt(h, as.l2)[0];
    l3e = harness_pt(h, as.l3)[0];

    assert_int_equal(harness_pt_update(v, as.l1, 0, pte_from_mfn(theirs, P)), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(pvmm_last_reason(v)->path[0].table, as.l1);
    assert_int_equal(pvmm_last_reason(v)->path[0].index, 0);
    assert_int_equal(harness_pt_update(v, as.l2, 0, pte_from_mfn(theirs, UPPER)), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(harness_pt_update(v, as.l3, 0, pte_from_mfn(as.data[0], UPPER)),
                     -XEN_EINVAL);
    harness_audit(h);
    assert_int_equal(harness_pt(h, as.l1)[0], l1e);
    assert_int_equal(harness_pt(h, as.l2)[0], l2e);
    assert_int_equal(harness_pt(h, as.l3)[0], l3e);
    assert_int_equal(harness_count(h, as.data[0]), 2);
    assert_int_equal(harness_count(h, theirs), 1);
    assert_int_equal(harness_type_count(h, as.data[0]), 1);
    harness_free(h);
}

/* ---- the hypervisor's slots ---- */

static void xen_slots_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    intpte_t saved[16];
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    memcpy(saved, &harness_pt(h, as.l4)[256], sizeof(saved));
    for (unsigned int slot = 256; slot <= 271; slot++) {
        const intpte_t vals[] = { 0, pte_from_mfn(as.l3, UPPER), harness_pt(h, as.l4)[slot] };

        for (size_t j = 0; j < ARRAY_SIZE(vals); j++) {
            assert_int_equal(harness_pt_update(v, as.l4, slot, vals[j]), -XEN_EINVAL);
            assert_reason(v, PVMM_RULE_XEN_SLOT);
            assert_int_equal(pvmm_last_reason(v)->index, (int)slot);
        }
    }
    assert_memory_equal(saved, &harness_pt(h, as.l4)[256], sizeof(saved));
    harness_audit(h);
    /* The guest slots on either side are the guest's. */
    assert_int_equal(harness_pt_update(v, as.l4, 255, pte_from_mfn(as.l3, P)), 0);
    assert_int_equal(harness_pt_update(v, as.l4, 272, pte_from_mfn(as.l3, P)), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, as.l3), 3);
    assert_int_equal(harness_pt_update(v, as.l4, 255, 0), 0);
    assert_int_equal(harness_pt_update(v, as.l4, 272, 0), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, as.l3), 1);
    harness_free(h);
}

/*
 * An L3e whose new L2 needs a long validation: with preemption the update
 * returns a continuation; finished, the entry is written and counted once.
 */
static void preempted_child_validation(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t l2b, l1s[4];
    unsigned long before;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    l2b = harness_alloc(h, d);
    for (int i = 0; i < 4; i++) {
        l1s[i] = harness_alloc(h, d);
        harness_pt(h, l2b)[i * 100] = pte_from_mfn(l1s[i], UPPER);
    }
    before = harness_continuations();
    h->nr_preempt_checks = 0;
    h->preempt_at = 2;                  /* before entry 200: checks come before present ones */
    assert_int_equal(harness_pt_update(v, as.l3, 7, pte_from_mfn(l2b, UPPER)), 0);
    h->preempt_at = 0;
    assert_true(harness_continuations() > before);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, l2b), 1);
    assert_true(h->ft[l2b].type_info & PGT_validated);
    for (int i = 0; i < 4; i++)
        assert_int_equal(harness_type_count(h, l1s[i]), 1);
    assert_int_equal(harness_pt_update(v, as.l3, 7, 0), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, l2b), 0);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_and_slow_path),
        cmocka_unit_test(cache_bits_not_fast),
        cmocka_unit_test(preserve_ad),
        cmocka_unit_test(xsa182_rw_flip_revalidated),
        cmocka_unit_test(xsa286_flush_after_upper_update),
        cmocka_unit_test(old_references_released),
        cmocka_unit_test(old_entry_put_is_deferred),
        cmocka_unit_test(refused_update_changes_nothing),
        cmocka_unit_test(xen_slots_refused),
        cmocka_unit_test(preempted_child_validation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
