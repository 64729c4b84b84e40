/*
 * tests/test-attacks.c - what a hostile PV guest tries through the
 * hypercalls and trapped writes (the XSA regression tests of the hypercall
 * layer are in test-xsa-hypercalls.c).
 *
 * Every attack must fail with Xen's error code, change no reference count
 * (checked against a snapshot of the whole frame table where it matters)
 * and leave the auditor clean.
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

/* Map each of the four tables writable with mmu_update: -EBUSY. */
static void writable_pagetable_direct(void **state)
{
    struct hc_fixture f;
    struct hc_counts c;

    (void)state;
    setup_domu(&f);
    {
        const mfn_t tables[] = { f.as.l4, f.as.l3, f.as.l2, f.as.l1 };

        hc_counts_take(f.h, &c);
        for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
            assert_int_equal(pt_update(&f, f.as.l1, 100, pte_from_mfn(tables[i], HC_RW)),
                             -XEN_EBUSY);
            assert_rc_reason(f.v, -XEN_EBUSY, PVMM_RULE_WRITABLE_PAGETABLE);
            /* Also by upgrading the existing read-only mapping in place. */
            assert_int_equal(pt_update(&f, f.as.l1, 256 + (unsigned int)i,
                                       pte_from_mfn(tables[i], HC_RW)), -XEN_EBUSY);
            assert_int_equal(do_update_va_mapping(f.v, VA(101), pte_from_mfn(tables[i], HC_RW),
                                                  UVMF_INVLPG), -XEN_EBUSY);
        }
        hc_counts_same(f.h, &c);
    }
    assert_false(harness_pt(f.h, f.as.l1)[256] & _PAGE_RW);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Smuggle a writable mapping in through a second L1 that is not validated yet. */
static void writable_pagetable_via_second_l1(void **state)
{
    struct hc_fixture f;
    struct hc_counts c;
    mfn_t evil;

    (void)state;
    setup_domu(&f);
    evil = harness_alloc(f.h, f.d);
    harness_pt(f.h, evil)[7] = pte_from_mfn(f.as.l2, HC_RW);
    hc_counts_take(f.h, &c);
    /* Hooked into the L2: validation of the new L1 fails. */
    assert_int_equal(pt_update(&f, f.as.l2, 1, pte_from_mfn(evil, HC_UPPER)), -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    assert_int_equal(harness_pt(f.h, f.as.l2)[1], 0);
    /* Pinned on its own: same. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, evil, 0), -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    hc_counts_same(f.h, &c);
    harness_audit(f.h);

    /* The reverse order: a writable mapping first, then make it an L1's target. */
    harness_pt(f.h, evil)[7] = 0;
    assert_int_equal(pt_update(&f, f.as.l2, 1, pte_from_mfn(evil, HC_UPPER)), 0);
    harness_audit(f.h);
    assert_int_equal(pt_update(&f, f.as.l1, 102, pte_from_mfn(evil, HC_RW)), -XEN_EBUSY);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * Linear (recursive) tables: allowed read-only only.  A read-only self
 * entry at L4 lets the guest *see* its tables at VA 512 GiB; writing them
 * through it faults (ptwr sees a writable leaf and declines, so the guest
 * gets #PF), and update_va_mapping finds no L1 there.  XSA-182: turning the
 * read-only linear entry writable afterwards is refused too.
 */
static void writable_pagetable_via_linear(void **state)
{
    struct hc_fixture f;
    const uint64_t lin = 1UL << 39;   /* L4 slot 1 -> the L4 itself */

    (void)state;
    setup_domu(&f);
    assert_int_equal(pt_update(&f, f.as.l4, 1, pte_from_mfn(f.as.l4, HC_UPPER)), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_LINEAR_RW);
    assert_int_equal(pt_update(&f, f.as.l2, 3, pte_from_mfn(f.as.l2, HC_UPPER)), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_LINEAR_RW);
    harness_audit(f.h);

    assert_int_equal(pt_update(&f, f.as.l4, 1, pte_from_mfn(f.as.l4, HC_RO | _PAGE_USER)), 0);
    harness_audit(f.h);
    /* xsa182: the RW flip of a linear entry takes the full path and fails. */
    assert_int_equal(pt_update(&f, f.as.l4, 1, pte_from_mfn(f.as.l4, HC_UPPER)), -XEN_EINVAL);
    assert_false(harness_pt(f.h, f.as.l4)[1] & _PAGE_RW);

    /* Through the linear window, VA lin maps the L1 frame (leaf = the L2's RW entry). */
    assert_int_equal(pvmm_ptwr_emulate(f.v, lin + 8 * 100, pte_from_mfn(f.as.l2, HC_RW), 8,
                                       false, 0, NULL), PVMM_PTWR_NOT_PT);
    assert_int_equal(harness_pt(f.h, f.as.l1)[100], 0);
    assert_int_equal(do_update_va_mapping(f.v, lin, pte_from_mfn(f.as.l2, HC_RW), 0),
                     -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_PAGETABLE);
    assert_int_not_equal(harness_pt(f.h, f.as.l2)[0], 0);
    harness_audit(f.h);

    assert_int_equal(pt_update(&f, f.as.l4, 1, 0), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* ptwr: a trapped store that would make a page table writable. */
static void writable_pagetable_via_ptwr(void **state)
{
    struct hc_fixture f;
    struct hc_counts c;

    (void)state;
    setup_domu(&f);
    hc_counts_take(f.h, &c);
    for (unsigned int k = 0; k < 4; k++) {
        intpte_t e = harness_pt(f.h, f.as.l1)[256 + k];

        assert_int_equal(pvmm_ptwr_emulate(f.v, hc_pt_va(3) + 8 * (256 + k), e | _PAGE_RW, 8,
                                           false, 0, NULL), -XEN_EBUSY);
        assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
        assert_int_equal(harness_pt(f.h, f.as.l1)[256 + k], e);
    }
    hc_counts_same(f.h, &c);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Xen's L4 slots 256..271 are never writable by the guest. */
static void xen_slots(void **state)
{
    struct hc_fixture f;
    intpte_t saved[16];
    unsigned int done = 9;

    (void)state;
    setup_domu(&f);
    memcpy(saved, &harness_pt(f.h, f.as.l4)[256], sizeof(saved));
    for (unsigned int slot = 256; slot <= 271; slot++) {
        struct mmu_update u = hc_req(f.as.l4, slot, MMU_NORMAL_PT_UPDATE, 0);

        assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_XEN_SLOT);
        assert_int_equal(done, 0);
        u.val = pte_from_mfn(f.as.l3, HC_UPPER);
        assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), -XEN_EINVAL);
    }
    assert_int_equal(memcmp(saved, &harness_pt(f.h, f.as.l4)[256], sizeof(saved)), 0);
    /* update_va_mapping and ptwr cannot reach the range at all. */
    assert_int_equal(do_update_va_mapping(f.v, HYPERVISOR_VIRT_START, 0, 0), -XEN_EINVAL);
    assert_int_equal(do_update_va_mapping(f.v, 0xFFFF830000000000UL, 0, 0), -XEN_EINVAL);
    assert_int_equal(pvmm_ptwr_emulate(f.v, 0xFFFF810000000000UL, 0, 8, false, 0, NULL),
                     PVMM_PTWR_NOT_PT);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Another domain's frames: not mappable, not pinnable, its tables not writable. */
static void another_domains_frames(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    struct harness_as a2;
    struct hc_counts c;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    harness_build_running_as(f.h, &d2->vcpu[0], &a2, 1);
    harness_audit(f.h);
    hc_counts_take(f.h, &c);
    assert_int_equal(pt_update(&f, f.as.l1, 103, pte_from_mfn(a2.data[0], HC_RO)), -XEN_EBUSY);
    assert_int_equal(pt_update(&f, f.as.l1, 103, pte_from_mfn(a2.l1, HC_RO)), -XEN_EBUSY);
    assert_int_equal(harness_pt(f.h, f.as.l1)[103], 0);
    {
        struct mmu_update u = hc_req(f.as.l1, 103, MMU_NORMAL_PT_UPDATE,
                                     pte_from_mfn(a2.data[0], HC_RO));

        assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, 2), -XEN_EPERM);
        u = hc_req(a2.l1, 5, MMU_NORMAL_PT_UPDATE, pte_from_mfn(a2.data[0], HC_RW));
        assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
        assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, (2 + 1) << 16 | 2), -XEN_EPERM);
    }
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, a2.data[0], 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, a2.l4, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, a2.l4, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_CLEAR_PAGE, a2.data[0], 0), -XEN_EINVAL);
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(104),
                                                      pte_from_mfn(a2.data[0], HC_RO), 0, 2),
                     -XEN_EPERM);
    hc_counts_same(f.h, &c);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Type confusion: tables used at the wrong level. */
static void type_confusion(void **state)
{
    struct hc_fixture f;
    struct hc_counts c;
    mfn_t l2b;

    (void)state;
    setup_domu(&f);
    l2b = harness_alloc(f.h, f.d);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, l2b, 0), 0);
    harness_audit(f.h);
    hc_counts_take(f.h, &c);
    /* An L2 used as an L1 from an L2 entry (writable: not even linear). */
    assert_int_equal(pt_update(&f, f.as.l2, 2, pte_from_mfn(l2b, HC_UPPER)), -XEN_EINVAL);
    /* An L1 used as an L2 from an L3 entry, an L2 as an L3 from the L4. */
    assert_int_equal(pt_update(&f, f.as.l3, 2, pte_from_mfn(f.as.l1, HC_UPPER)), -XEN_EINVAL);
    assert_int_equal(pt_update(&f, f.as.l4, 2, pte_from_mfn(l2b, HC_UPPER)), -XEN_EINVAL);
    /* Pins at the wrong level. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l2b, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L3_TABLE, f.as.l2, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, f.as.l3, 0), -XEN_EINVAL);
    hc_counts_same(f.h, &c);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* A frame with a writable mapping cannot be pinned; the reason names the mapping. */
static void pin_of_writably_mapped_page(void **state)
{
    struct hc_fixture f;
    struct hc_counts c;

    (void)state;
    setup_domu(&f);
    hc_counts_take(f.h, &c);
    for (unsigned int level = 1; level <= 4; level++) {
        const struct pvmm_reason *r;

        assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE + level - 1, f.as.data[2], 0),
                         -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_TYPE_CONFLICT);
        r = pvmm_last_reason(f.v);
        assert_true(r->have_blocker);
        assert_int_equal(r->blocker_l1, f.as.l1);
        assert_int_equal(r->blocker_slot, 2);
        assert_int_equal(r->blocker_va, VA(2));
    }
    hc_counts_same(f.h, &c);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Unpinning more often than pinning. */
static void unpin_underflow(void **state)
{
    struct hc_fixture f;
    struct hc_counts c;
    mfn_t t;

    (void)state;
    setup_domu(&f);
    t = harness_alloc(f.h, f.d);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, t, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, t, 0), 0);
    harness_audit(f.h);
    hc_counts_take(f.h, &c);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, t, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_PINNED);
    /* Tables in use but never pinned by the guest (reached only through entries). */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l2, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l1, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.data[0], 0), -XEN_EINVAL);
    hc_counts_same(f.h, &c);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * Reference counts at their ceiling: a new mapping must be refused rather
 * than wrap.  The counts are raised artificially, then restored before the
 * audit.
 */
static void reference_count_overflow(void **state)
{
    struct hc_fixture f;
    struct page_info *pg;
    uint64_t caf, taf;
    mfn_t x;

    (void)state;
    setup_domu(&f);
    x = f.as.data[3];
    pg = &f.h->ft[x];
    caf = pg->count_info;
    taf = pg->type_info;

    /* General count one below the ceiling: Xen's get refuses (model.md §2.1). */
    pg->count_info = (caf & ~PGC_count_mask) | (PGC_count_mask - 1);
    assert_int_equal(pt_update(&f, f.as.l1, 105, pte_from_mfn(x, HC_RO)), -XEN_EBUSY);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, x, 0), -XEN_EINVAL);
    assert_int_equal(pg->count_info & PGC_count_mask, PGC_count_mask - 1);
    pg->count_info = caf;

    /* Writable type count at its ceiling: a new writable mapping is refused. */
    pg->type_info = (taf & ~PGT_count_mask) | PGT_count_mask;
    assert_int_equal(pt_update(&f, f.as.l1, 105, pte_from_mfn(x, HC_RW)), -XEN_EBUSY);
    assert_int_equal(pg->type_info & PGT_count_mask, PGT_count_mask);
    pg->type_info = taf;
    assert_int_equal(pg->count_info, caf);
    assert_int_equal(harness_pt(f.h, f.as.l1)[105], 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * Freeing a frame still in use: decrease_reservation of the live L1
 * succeeds (model.md §10), the L1 keeps working, and it is freed only when
 * its last reference goes; then it can be neither mapped nor pinned.
 */
static void free_live_page_table(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[1];
    struct xen_memory_reservation r;
    struct harness_as b;
    uint64_t tot;
    mfn_t l1;

    (void)state;
    setup_domu(&f);
    l1 = f.as.l1;
    list[0] = l1;
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    tot = f.d->tot_pages;
    assert_int_equal(do_memory_op(f.v, XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 1);
    assert_int_equal(f.d->tot_pages, tot);
    assert_int_equal(f.h->ft[l1].owner, 1);
    assert_int_equal(harness_type(f.h, l1), PGT_l1_page_table);
    harness_audit(f.h);

    /* Still a working L1. */
    assert_int_equal(do_update_va_mapping(f.v, VA(106), pte_from_mfn(f.as.data[0], HC_RO),
                                          UVMF_INVLPG), 0);
    assert_true(harness_pt(f.h, l1)[106] & _PAGE_PRESENT);
    harness_audit(f.h);

    /* Move to another address space and drop the old one: now it goes. */
    harness_build_as(f.h, f.d, &b, 1);
    tot = f.d->tot_pages;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, b.l4, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l4, 0), 0);
    assert_int_equal(f.h->ft[l1].owner, PVMM_OWNER_NONE);
    assert_int_equal(f.d->tot_pages, tot - 1);
    assert_int_equal(f.h->m2p[l1], INVALID_M2P_ENTRY);
    harness_audit(f.h);
    assert_int_equal(do_update_va_mapping(f.v, VA(5), pte_from_mfn(l1, HC_RO), 0), -XEN_EBUSY);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l1, 0), -XEN_EINVAL);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writable_pagetable_direct),
        cmocka_unit_test(writable_pagetable_via_second_l1),
        cmocka_unit_test(writable_pagetable_via_linear),
        cmocka_unit_test(writable_pagetable_via_ptwr),
        cmocka_unit_test(xen_slots),
        cmocka_unit_test(another_domains_frames),
        cmocka_unit_test(type_confusion),
        cmocka_unit_test(pin_of_writably_mapped_page),
        cmocka_unit_test(unpin_underflow),
        cmocka_unit_test(reference_count_overflow),
        cmocka_unit_test(free_live_page_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
