/*
 * tests/test-xsa-hypercalls.c - regression tests for the XSAs of model.md §9
 * that concern the hypercall layer (mmu_update, mmuext_op,
 * update_va_mapping, ptwr, memory_op).  Each test is named after its
 * advisory and says what it probes.
 */
#include "hc-helpers.h"

#define VA(slot) ((uint64_t)(slot) << PAGE_SHIFT)

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
    f->d->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
}

static long pt_update(struct hc_fixture *f, mfn_t table, unsigned int index, intpte_t val)
{
    return harness_pt_update(f->v, table, index, val);
}

/*
 * xsa109_113: error paths must release every reference they took (XSA-113:
 * MMU_MACHPHYS_UPDATE leaked one on an error path).  A snapshot of all
 * counts must be unchanged after each failing request.
 */
static void xsa109_113_error_paths_release_refs(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    struct hc_counts c;
    mfn_t bad_l2, x2;
    struct mmu_update u;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    x2 = harness_alloc(f.h, d2);
    bad_l2 = harness_alloc(f.h, f.d);
    /* Entries 0..9 fine (read-only linear-free L1 targets), entry 10 a superpage. */
    for (unsigned int i = 0; i < 10; i++)
        harness_pt(f.h, bad_l2)[i] = pte_from_mfn(f.as.l1, HC_UPPER);
    harness_pt(f.h, bad_l2)[10] = pte_from_mfn(f.as.data[0], HC_UPPER | _PAGE_PSE);
    harness_audit(f.h);

    hc_counts_take(f.h, &c);
    u = hc_req(x2, 0, MMU_MACHPHYS_UPDATE, 1);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, 2), -XEN_EPERM);
    u = hc_req(f.as.data[0], 0, MMU_MACHPHYS_UPDATE, 1);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, (2 + 1) << 16 | 2), -XEN_EPERM);
    u = hc_req(f.as.l3, 3, MMU_NORMAL_PT_UPDATE, pte_from_mfn(bad_l2, HC_UPPER));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, bad_l2, 0), -XEN_EINVAL);
    hc_counts_same(f.h, &c);
    harness_audit(f.h);

    /* A second pin of a pinned L4 drops its references through a deferred put. */
    hc_counts_take(f.h, &c);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, f.as.l4, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, f.as.l1, f.as.data[0]),
                     -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, f.as.data[0], x2), -XEN_EINVAL);
    assert_int_equal(do_update_va_mapping(f.v, VA(107), pte_from_mfn(x2, HC_RW), 0),
                     -XEN_EBUSY);
    assert_int_equal(pvmm_ptwr_emulate(f.v, hc_pt_va(3) + 8 * 107, pte_from_mfn(x2, HC_RO), 8,
                                       false, 0, NULL), -XEN_EBUSY);
    hc_counts_same(f.h, &c);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* xsa167: MMUEXT_[UN]MARK_SUPER must not index per-frame data with an unchecked MFN. */
static void xsa167_mark_super_eopnotsupp(void **state)
{
    struct hc_fixture f;
    const uint64_t mfns[] = { ~0UL, 1UL << 52, HC_NR_FRAMES, 0 };

    (void)state;
    setup_domu(&f);
    for (size_t i = 0; i < ARRAY_SIZE(mfns); i++) {
        assert_int_equal(harness_mmuext(f.v, MMUEXT_MARK_SUPER, mfns[i], 0), -XEN_EOPNOTSUPP);
        assert_rc_reason(f.v, -XEN_EOPNOTSUPP, PVMM_RULE_REMOVED_FEATURE);
        assert_int_equal(harness_mmuext(f.v, MMUEXT_UNMARK_SUPER, mfns[i], 0),
                         -XEN_EOPNOTSUPP);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * xsa212: every guest array element is range-checked, not just the array
 * base.  A huge start extent (as a forged continuation would carry) must
 * not reach memory outside the guest's range.
 */
static void xsa212_populate_huge_start_extent(void **state)
{
    struct hc_fixture f;
    struct xen_memory_reservation r;
    uint64_t tot;
    const uint64_t start = 1UL << 20;

    (void)state;
    setup_domu(&f);
    tot = f.d->tot_pages;
    memset(&r, 0, sizeof(r));
    r.nr_extents = 1UL << 25;
    r.domid = DOMID_SELF;
    /* Element `start` lands in the hypervisor's range: refused up front. */
    r.extent_start = HYPERVISOR_VIRT_START - start * sizeof(xen_pfn_t) + 64;
    for (unsigned int op = 0; op < 3; op++) {
        unsigned long cmd = op == 2 ? XENMEM_populate_physmap : op;

        assert_int_equal(do_memory_op(f.v, cmd | (start << MEMOP_EXTENT_SHIFT),
                                      (uint64_t)(uintptr_t)&r), (long)start);
    }
    /* Element `start` lands on an address that faults: stops there. */
    r.extent_start = HARNESS_BAD_GVA - start * sizeof(xen_pfn_t);
    for (unsigned int op = 0; op < 3; op++) {
        unsigned long cmd = op == 2 ? XENMEM_populate_physmap : op;

        assert_int_equal(do_memory_op(f.v, cmd | (start << MEMOP_EXTENT_SHIFT),
                                      (uint64_t)(uintptr_t)&r), (long)start);
        assert_false(f.v->cont.pending);
    }
    /*
     * increase_reservation allocates before it writes the MFN back; as in
     * Xen the frame stays with the domain, uncounted in the result.
     */
    assert_int_equal(f.d->tot_pages, tot + 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * xsa213 (an iret inside a multicall must end the multicall) is not tested
 * here: multicalls and iret are dispatched by pvmm-hv, not by the core, so
 * its regression test belongs with the hypervisor's tests.
 */

/*
 * xsa251: the M2P is guest-controlled (MMU_MACHPHYS_UPDATE writes any
 * value, including SHARED_M2P_ENTRY), so no path that reads it may assert
 * on its contents.
 */
static void xsa251_shared_m2p_entry(void **state)
{
    struct hc_fixture f;
    const uint64_t vals[] = { SHARED_M2P_ENTRY, INVALID_M2P_ENTRY, ~0UL - 2, 1UL << 63 };
    struct xen_memory_reservation r;
    xen_pfn_t list[1];

    (void)state;
    setup_domu(&f);
    for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
        struct mmu_update u[4];

        for (unsigned int k = 0; k < 4; k++)
            u[k] = hc_req(k < 2 ? f.as.data[k] : (k == 2 ? f.as.l1 : f.as.l4), 0,
                          MMU_MACHPHYS_UPDATE, vals[i]);
        assert_int_equal(harness_mmu_update(f.v, u, 4, NULL, DOMID_SELF), 0);
        assert_int_equal(f.h->m2p[f.as.l4], vals[i]);
        harness_audit(f.h);
        /* Paths that touch M2P-bearing frames. */
        assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, f.as.l4, 0), 0);
        assert_int_equal(do_update_va_mapping(f.v, VA(108), pte_from_mfn(f.as.data[0], HC_RO),
                                              0), 0);
        assert_int_equal(pvmm_ptwr_emulate(f.v, hc_pt_va(3) + 8 * 108, 0, 8, false, 0, NULL),
                         0);
        harness_audit(f.h);
    }
    /* Free a frame whose M2P entry the guest set: it becomes invalid. */
    list[0] = f.as.data[1];
    assert_int_equal(do_update_va_mapping(f.v, VA(1), 0, 0), 0);
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    assert_int_equal(do_memory_op(f.v, XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 1);
    assert_int_equal(f.h->m2p[list[0]], INVALID_M2P_ENTRY);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* xsa252: decrease_reservation must not implicitly unpin. */
static void xsa252_decrease_does_not_unpin(void **state)
{
    struct hc_fixture f;
    struct xen_memory_reservation r;
    xen_pfn_t list[1];
    uint64_t tot;
    mfn_t t;

    (void)state;
    setup_domu(&f);
    t = harness_alloc(f.h, f.d);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, t, 0), 0);
    list[0] = t;
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    tot = f.d->tot_pages;
    assert_int_equal(do_memory_op(f.v, XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 1);
    assert_true(f.h->ft[t].type_info & PGT_pinned);
    assert_int_equal(harness_type(f.h, t), PGT_l2_page_table);
    assert_int_equal(harness_type_count(f.h, t), 1);
    assert_int_equal(harness_count(f.h, t), 1);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);
    /* Only the guest's own unpin lets it go. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, t, 0), 0);
    assert_int_equal(f.h->ft[t].owner, PVMM_OWNER_NONE);
    assert_int_equal(f.d->tot_pages, tot - 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * xsa279: a failed update_va_mapping must not flush (Xen issued INVPCID on
 * a non-canonical address after the failure and crashed).
 */
static void xsa279_no_flush_on_failed_update_va_mapping(void **state)
{
    struct hc_fixture f;
    const uint64_t vas[] = { 1UL << 47, 0x8000000000000000UL, HYPERVISOR_VIRT_START, ~0UL };
    unsigned long n;

    (void)state;
    setup_domu(&f);
    n = f.h->nr_flushes;
    for (size_t i = 0; i < ARRAY_SIZE(vas); i++) {
        assert_int_equal(do_update_va_mapping(f.v, vas[i], 0, UVMF_INVLPG | UVMF_ALL),
                         -XEN_EINVAL);
        assert_int_equal(do_update_va_mapping(f.v, vas[i], 0, UVMF_INVLPG | UVMF_LOCAL),
                         -XEN_EINVAL);
    }
    /* A valid address whose new entry is refused: no flush either. */
    assert_int_equal(do_update_va_mapping(f.v, VA(2), pte_from_mfn(f.as.l2, HC_RW),
                                          UVMF_TLB_FLUSH | UVMF_ALL), -XEN_EBUSY);
    assert_int_equal(f.h->nr_flushes, n);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * xsa286: after an L3 swap through mmu_update, update_va_mapping must edit
 * the L1 of the *new* tree.  Xen used its linear page tables, whose stale
 * TLB entries could still lead to the old L1; in pvmm the walk reads the
 * tables as they are, and the swap flushes every vCPU of the domain.
 */
static void xsa286_l3_swap_then_update_va_mapping(void **state)
{
    struct hc_fixture f;
    struct harness_as b;
    unsigned long n;

    (void)state;
    setup_domu(&f);
    harness_build_as(f.h, f.d, &b, 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L3_TABLE, b.l3, 0), 0);
    /* Before: VA 5 is in the old tree. */
    assert_int_equal(do_update_va_mapping(f.v, VA(5), pte_from_mfn(f.as.data[0], HC_RO), 0), 0);
    assert_true(harness_pt(f.h, f.as.l1)[5] & _PAGE_PRESENT);
    harness_audit(f.h);

    n = f.h->nr_flushes;
    assert_int_equal(pt_update(&f, f.as.l4, 0, pte_from_mfn(b.l3, HC_UPPER)), 0);
    assert_true(f.h->nr_flushes > n);
    assert_int_equal(f.h->last_flush_mask, domain_vcpu_mask(f.d));
    assert_int_equal(f.h->last_flush_va, PVMM_FLUSH_ALL_VA);
    harness_audit(f.h);

    assert_int_equal(do_update_va_mapping(f.v, VA(6), pte_from_mfn(f.as.data[1], HC_RO), 0), 0);
    assert_true(harness_pt(f.h, b.l1)[6] & _PAGE_PRESENT);
    assert_int_equal(harness_pt(f.h, f.as.l1)[6], 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xsa109_113_error_paths_release_refs),
        cmocka_unit_test(xsa167_mark_super_eopnotsupp),
        cmocka_unit_test(xsa212_populate_huge_start_extent),
        cmocka_unit_test(xsa251_shared_m2p_entry),
        cmocka_unit_test(xsa252_decrease_does_not_unpin),
        cmocka_unit_test(xsa279_no_flush_on_failed_update_va_mapping),
        cmocka_unit_test(xsa286_l3_swap_then_update_va_mapping),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
