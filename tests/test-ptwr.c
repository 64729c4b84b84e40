/*
 * tests/test-ptwr.c - writable page-table emulation (core/ptwr.c; model.md
 * §3.10, model.md §10).
 *
 * The harness address space maps its own L1 read-only at hc_pt_va(3), so a
 * store to hc_pt_va(3) + 8 * i is a trapped write to entry i of that L1.
 */
#include "hc-helpers.h"

#define L1_VA(i) (hc_pt_va(3) + 8 * (uint64_t)(i))

static void setup_assisted(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
    f->d->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
}

/* Only with VMASST_TYPE_writable_pagetables, or for the hardware domain. */
static void needs_assist_or_hardware_domain(void **state)
{
    struct hc_fixture f;
    intpte_t e;

    (void)state;
    hc_setup(&f, 1, false);
    e = pte_from_mfn(f.as.data[1], HC_RO);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(20), e, 8, false, 0, NULL),
                     PVMM_PTWR_NOT_PT);
    assert_int_equal(harness_pt(f.h, f.as.l1)[20], 0);
    f.d->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(20), e, 8, false, 0, NULL), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[20], hc_adjusted_l1e(e));
    harness_audit(f.h);
    hc_teardown(&f);

    hc_setup(&f, 0, true);
    e = pte_from_mfn(f.as.data[1], HC_RO);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(20), e, 8, false, 0, NULL), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[20], hc_adjusted_l1e(e));
    harness_audit(f.h);
    hc_teardown(&f);
}

/* 8-byte stores map and unmap, with references moving as for mmu_update. */
static void full_word_stores(void **state)
{
    struct hc_fixture f;
    mfn_t x;

    (void)state;
    setup_assisted(&f);
    x = harness_alloc(f.h, f.d);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(21), pte_from_mfn(x, HC_RW), 8, false, 0,
                                       NULL), 0);
    assert_int_equal(harness_count(f.h, x), 2);
    assert_int_equal(harness_type(f.h, x), PGT_writable_page);
    harness_audit(f.h);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(21), 0, 8, false, 0, NULL), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[21], 0);
    assert_int_equal(harness_count(f.h, x), 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * Sub-word stores are merged into the 8-byte entry.  model.md §10: a 4-byte
 * store that clears bit 52 of a guest-kernel entry makes it a user
 * mapping, which is then marked GLOBAL.
 */
static void sub_word_stores_merge(void **state)
{
    struct hc_fixture f;
    intpte_t *l1;
    intpte_t e;

    (void)state;
    setup_assisted(&f);
    l1 = harness_pt(f.h, f.as.l1);

    /* A kernel-only mapping: stored with GUEST_KERNEL | USER, no GLOBAL. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(22), pte_from_mfn(f.as.data[2], HC_RW), 8,
                                       false, 0, NULL), 0);
    e = l1[22];
    assert_true(e & _PAGE_GUEST_KERNEL);
    assert_false(e & _PAGE_GLOBAL);
    harness_audit(f.h);

    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(22) + 4,
                                       (e >> 32) & ~(_PAGE_GUEST_KERNEL >> 32), 4, false, 0,
                                       NULL), 0);
    assert_false(l1[22] & _PAGE_GUEST_KERNEL);
    assert_true(l1[22] & _PAGE_GLOBAL);
    assert_true(l1[22] & _PAGE_USER);
    assert_int_equal(pte_mfn(l1[22]), f.as.data[2]);
    harness_audit(f.h);

    /* A 1-byte store to the flags byte drops RW: the writable type ref goes. */
    assert_int_equal(harness_type_count(f.h, f.as.data[2]), 2);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(22), (l1[22] & 0xFF) & ~_PAGE_RW, 1, false,
                                       0, NULL), 0);
    assert_false(l1[22] & _PAGE_RW);
    assert_int_equal(harness_type_count(f.h, f.as.data[2]), 1);
    harness_audit(f.h);

    /* A 2-byte store to bits 16..31 moves the entry to another frame. */
    {
        mfn_t target;
        intpte_t want;

        /* A frame that differs from data[2] only in frame-number bits 4..19. */
        do
            target = harness_alloc(f.h, f.d);
        while ((target & 0xF) != (f.as.data[2] & 0xF));
        assert_int_equal(target >> 20, f.as.data[2] >> 20);
        want = (l1[22] & ~0xFFFF0000UL) | (pte_from_mfn(target, 0) & 0xFFFF0000UL);
        assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(22) + 2, (want >> 16) & 0xFFFF, 2,
                                           false, 0, NULL), 0);
        assert_int_equal(pte_mfn(l1[22]), target);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* Only naturally aligned 1/2/4/8-byte stores are emulated. */
static void misaligned_or_odd_sizes(void **state)
{
    struct hc_fixture f;
    const struct {
        uint64_t off;
        unsigned int bytes;
    } rows[] = { { 1, 2 }, { 2, 4 }, { 4, 8 }, { 0, 3 }, { 0, 16 }, { 0, 0 }, { 6, 4 } };

    (void)state;
    setup_assisted(&f);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(23) + rows[i].off, 0x1, rows[i].bytes,
                                           false, 0, NULL), -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT);
        assert_int_equal(harness_pt(f.h, f.as.l1)[23], 0);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* A store that would map a page table writable is refused; nothing changes. */
static void refuses_writable_page_table(void **state)
{
    struct hc_fixture f;
    intpte_t before;

    (void)state;
    setup_assisted(&f);
    before = harness_pt(f.h, f.as.l1)[256 + 2];
    /* Make the read-only mapping of the L2 writable. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(256 + 2), before | _PAGE_RW, 8, false, 0,
                                       NULL), -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    assert_int_equal(harness_pt(f.h, f.as.l1)[256 + 2], before);
    /* The same via a 1-byte store to the flags byte. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(256 + 2), (before | _PAGE_RW) & 0xFF, 1,
                                       false, 0, NULL), -XEN_EBUSY);
    assert_int_equal(harness_pt(f.h, f.as.l1)[256 + 2], before);
    /* Disallowed flags. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(24),
                                       pte_from_mfn(f.as.data[0], HC_RO | _PAGE_PCD), 8,
                                       false, 0, NULL), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_DISALLOWED_FLAGS);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Faults that are not writes to a validated L1 through a read-only mapping. */
static void not_page_table_writes(void **state)
{
    struct hc_fixture f;
    mfn_t plain, l1u;

    (void)state;
    setup_assisted(&f);
    plain = harness_alloc(f.h, f.d);
    l1u = harness_alloc(f.h, f.d);
    /* Read-only mappings of a plain frame and of an L1-typed, unvalidated frame. */
    assert_int_equal(do_update_va_mapping(f.v, 0x20000, pte_from_mfn(plain, HC_RO), 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l1u, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l1u, 0), 0);
    assert_int_equal(harness_type(f.h, l1u), PGT_l1_page_table);
    assert_int_equal(harness_type_count(f.h, l1u), 0);
    assert_int_equal(do_update_va_mapping(f.v, 0x21000, pte_from_mfn(l1u, HC_RO), 0), 0);
    harness_audit(f.h);

    {
        const struct {
            const char *what;
            uint64_t addr;
        } rows[] = {
            { "the L4 (not an L1)", hc_pt_va(0) },
            { "the L2 (not an L1)", hc_pt_va(2) + 8 },
            { "a read-write mapping", 0x0 },
            { "unmapped", 0x30000 },
            { "no L2 entry", 1UL << 30 },
            { "non-canonical", 1UL << 47 },
            { "hypervisor range", HYPERVISOR_VIRT_START },
            { "plain frame, read-only", 0x20000 },
            { "L1 type without validation", 0x21008 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
            print_message("%s\n", rows[i].what);
            assert_int_equal(pvmm_ptwr_emulate(f.v, rows[i].addr, 0, 8, false, 0, NULL),
                             PVMM_PTWR_NOT_PT);
            assert_int_equal(pvmm_ptwr_check(f.v, rows[i].addr), PVMM_PTWR_NOT_PT);
        }
    }
    assert_int_not_equal(harness_pt(f.h, f.as.l4)[0], 0);
    harness_audit(f.h);

    /* Another domain's L1, mapped read-only by the privileged domain: not ours. */
    {
        struct domain *d0 = harness_domain(f.h, 0, true);
        struct harness_as a0;
        struct vcpu *v0 = &d0->vcpu[0];

        harness_build_running_as(f.h, v0, &a0, 1);
        assert_int_equal(do_update_va_mapping_otherdomain(v0, 0x22000,
                                                          pte_from_mfn(f.as.l1, HC_RO), 0, 1),
                         0);
        assert_int_equal(pvmm_ptwr_emulate(v0, 0x22000, 0, 8, false, 0, NULL),
                         PVMM_PTWR_NOT_PT);
        assert_int_not_equal(harness_pt(f.h, f.as.l1)[0], 0);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* pvmm_ptwr_check: the same gate as a store, nothing written, nothing left held. */
static void check_without_store(void **state)
{
    struct hc_fixture f;
    intpte_t before, e;

    (void)state;
    hc_setup(&f, 1, false);
    before = harness_pt(f.h, f.as.l1)[20];
    assert_int_equal(pvmm_ptwr_check(f.v, L1_VA(20)), PVMM_PTWR_NOT_PT);
    f.d->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
    assert_int_equal(pvmm_ptwr_check(f.v, L1_VA(20)), 0);
    assert_int_equal(pvmm_ptwr_check(f.v, L1_VA(20) + 4), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[20], before);
    harness_audit(f.h);
    /* The page lock and reference were released: a store still goes through. */
    e = pte_from_mfn(f.as.data[1], HC_RO);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(20), e, 8, false, 0, NULL), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[20], hc_adjusted_l1e(e));
    harness_audit(f.h);
    hc_teardown(&f);
}

/* cmpxchg: applied only if the entry holds the expected value; reports what it found. */
static void cmpxchg(void **state)
{
    struct hc_fixture f;
    intpte_t *l1;
    intpte_t cur, e1, e2;
    uint64_t actual = 0;

    (void)state;
    setup_assisted(&f);
    l1 = harness_pt(f.h, f.as.l1);
    e1 = pte_from_mfn(f.as.data[1], HC_RO);
    e2 = pte_from_mfn(f.as.data[2], HC_RO);

    /* Expected 0, found 0: applied. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(25), e1, 8, true, 0, &actual), 0);
    assert_int_equal(actual, 0);
    cur = l1[25];
    assert_int_equal(cur, hc_adjusted_l1e(e1));
    harness_audit(f.h);

    /* Expected something else: nothing written, the found value reported. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(25), e2, 8, true, e1, &actual), 0);
    assert_int_equal(actual, cur);
    assert_int_equal(l1[25], cur);
    harness_audit(f.h);

    /* Expected the stored value: applied. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(25), e2, 8, true, cur, &actual), 0);
    assert_int_equal(l1[25], hc_adjusted_l1e(e2));
    harness_audit(f.h);

    /* 4-byte cmpxchg on the low half: compares and reports only that half. */
    cur = l1[25];
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(25), 0, 4, true, 0x1234, &actual), 0);
    assert_int_equal(actual, cur & 0xFFFFFFFFUL);
    assert_int_equal(l1[25], cur);
    assert_int_equal(pvmm_ptwr_emulate(f.v, L1_VA(25), (uint32_t)(cur & ~_PAGE_PRESENT), 4,
                                       true, (uint32_t)cur, &actual), 0);
    assert_false(l1[25] & _PAGE_PRESENT);
    assert_int_equal(harness_count(f.h, f.as.data[2]), 2);   /* allocation + data mapping */
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(needs_assist_or_hardware_domain),
        cmocka_unit_test(full_word_stores),
        cmocka_unit_test(sub_word_stores_merge),
        cmocka_unit_test(misaligned_or_odd_sizes),
        cmocka_unit_test(refuses_writable_page_table),
        cmocka_unit_test(not_page_table_writes),
        cmocka_unit_test(cmpxchg),
        cmocka_unit_test(check_without_store),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
