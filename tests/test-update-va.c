/*
 * tests/test-update-va.c - update_va_mapping and update_va_mapping_otherdomain
 * (core/update-va-mapping.c; model.md §4.5).
 *
 * The harness address space maps data frame i at VA i * 4 KiB through one
 * L1; slots 4.. of that L1 are empty.
 */
#include "hc-helpers.h"

#define VA(slot) ((uint64_t)(slot) << PAGE_SHIFT)

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
}

/* The entry for va is replaced through mod_l1_entry (checks and fix-ups). */
static void updates_entry_of_va(void **state)
{
    struct hc_fixture f;
    mfn_t x;
    unsigned long n;

    (void)state;
    setup_domu(&f);
    x = harness_alloc(f.h, f.d);
    n = f.h->nr_flushes;
    assert_int_equal(do_update_va_mapping(f.v, VA(9), pte_from_mfn(x, HC_RW), UVMF_NONE), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[9], hc_adjusted_l1e(pte_from_mfn(x, HC_RW)));
    assert_int_equal(harness_count(f.h, x), 2);
    assert_int_equal(f.h->nr_flushes, n);
    harness_audit(f.h);

    /* The VA's offset within the page does not matter. */
    assert_int_equal(do_update_va_mapping(f.v, VA(9) + 0x123, 0, UVMF_NONE), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[9], 0);
    assert_int_equal(harness_count(f.h, x), 1);
    harness_audit(f.h);

    /* The new entry is checked: a page table cannot be mapped writable. */
    assert_int_equal(do_update_va_mapping(f.v, VA(9), pte_from_mfn(f.as.l3, HC_RW),
                                          UVMF_TLB_FLUSH | UVMF_ALL), -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    assert_int_equal(f.h->nr_flushes, n);
    assert_int_equal(harness_pt(f.h, f.as.l1)[9], 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Flush types and targets (UVMF_*). */
static void flush_flags(void **state)
{
    struct hc_fixture f;
    uint64_t bitmap = 0x2;
    const uint64_t ALL = PVMM_FLUSH_ALL_VA;
    const uint64_t bmap = (uint64_t)(uintptr_t)&bitmap;
    const struct {
        const char *what;
        uint64_t flags;
        bool flushed;
        uint64_t mask, va;
    } rows[] = {
        { "none", UVMF_NONE, false, 0, 0 },
        { "none, all", UVMF_NONE | UVMF_ALL, false, 0, 0 },
        { "tlb local", UVMF_TLB_FLUSH | UVMF_LOCAL, true, 0x1, ALL },
        { "invlpg local", UVMF_INVLPG | UVMF_LOCAL, true, 0x1, VA(10) },
        { "tlb all", UVMF_TLB_FLUSH | UVMF_ALL, true, 0x3, ALL },
        { "invlpg all", UVMF_INVLPG | UVMF_ALL, true, 0x3, VA(10) },
        { "tlb multi", UVMF_TLB_FLUSH | UVMF_MULTI | bmap, true, 0x2, ALL },
        { "invlpg multi", UVMF_INVLPG | UVMF_MULTI | bmap, true, 0x2, VA(10) },
        { "flush type 3 does nothing", UVMF_FLUSHTYPE_MASK | UVMF_ALL, false, 0, 0 },
    };

    (void)state;
    setup_domu(&f);
    assert_int_equal(bmap & UVMF_FLUSHTYPE_MASK, 0);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        unsigned long n = f.h->nr_flushes;
        intpte_t val = (i & 1) ? pte_from_mfn(f.as.data[1], HC_RO) : 0;

        print_message("%s\n", rows[i].what);
        assert_int_equal(do_update_va_mapping(f.v, VA(10), val, rows[i].flags), 0);
        assert_int_equal(harness_pt(f.h, f.as.l1)[10], hc_adjusted_l1e(val));
        assert_int_equal(f.h->nr_flushes, n + rows[i].flushed);
        if (rows[i].flushed) {
            assert_int_equal(f.h->last_flush_mask, rows[i].mask);
            assert_int_equal(f.h->last_flush_va, rows[i].va);
        }
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* An unreadable vCPU bitmap: -EFAULT *after* the update, and no flush. */
static void bad_bitmap_efault_after_update(void **state)
{
    struct hc_fixture f;
    unsigned long n;

    (void)state;
    setup_domu(&f);
    n = f.h->nr_flushes;
    assert_int_equal(do_update_va_mapping(f.v, VA(11), pte_from_mfn(f.as.data[2], HC_RO),
                                          UVMF_INVLPG | HARNESS_BAD_GVA), -XEN_EFAULT);
    assert_rc_reason(f.v, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT);
    assert_true(harness_pt(f.h, f.as.l1)[11] & _PAGE_PRESENT);
    assert_int_equal(f.h->nr_flushes, n);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Addresses that have no L1 entry the guest may edit: -EINVAL, no flush. */
static void no_l1_for_va(void **state)
{
    struct hc_fixture f;
    const struct {
        const char *what;
        uint64_t va;
        enum pvmm_rule rule;
    } rows[] = {
        { "non-canonical", 1UL << 47, PVMM_RULE_NOT_CANONICAL },
        { "hypervisor range (RO M2P)", HYPERVISOR_VIRT_START, PVMM_RULE_NOT_CANONICAL },
        { "hypervisor range end", HYPERVISOR_VIRT_END - PAGE_SIZE, PVMM_RULE_NOT_CANONICAL },
        { "no L4 entry", 1UL << 39, PVMM_RULE_NO_L1_FOR_VA },
        { "no L3 entry", 1UL << 30, PVMM_RULE_NO_L1_FOR_VA },
        { "no L2 entry", 1UL << 21, PVMM_RULE_NO_L1_FOR_VA },
        { "upper half, no L4 entry", 0xFFFF880000000000UL, PVMM_RULE_NO_L1_FOR_VA },
    };

    (void)state;
    setup_domu(&f);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        unsigned long n = f.h->nr_flushes;

        print_message("%s\n", rows[i].what);
        assert_int_equal(do_update_va_mapping(f.v, rows[i].va, 0, UVMF_INVLPG | UVMF_ALL),
                         -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, rows[i].rule);
        assert_int_equal(f.h->nr_flushes, n);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* The walk must reach a validated L1 of the caller, through non-PSE entries. */
static void walk_needs_validated_own_l1(void **state)
{
    struct hc_fixture f;
    struct mmu_update u;
    mfn_t l2b;

    (void)state;
    setup_domu(&f);
    /* L3 slot 1 -> an empty L2: the walk for VA 1 GiB stops at that L2. */
    l2b = harness_alloc(f.h, f.d);
    u = hc_req(f.as.l3, 1, MMU_NORMAL_PT_UPDATE, pte_from_mfn(l2b, HC_UPPER));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    harness_audit(f.h);
    assert_int_equal(do_update_va_mapping(f.v, 1UL << 30, 0, UVMF_NONE), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NO_L1_FOR_VA);
    assert_int_equal(pvmm_last_reason(f.v)->level, 2);
    assert_int_equal(pvmm_last_reason(f.v)->table, l2b);

    /*
     * A linear L2 entry (L2 slot 5 -> the L2 itself, read-only): VA 10 MiB
     * then "finds" the L2 frame as its L1, which is not an L1: -EINVAL.
     */
    u = hc_req(f.as.l2, 5, MMU_NORMAL_PT_UPDATE, pte_from_mfn(f.as.l2, HC_RO | _PAGE_USER));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    harness_audit(f.h);
    assert_int_equal(do_update_va_mapping(f.v, 5UL << 21, 0, UVMF_NONE), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_PAGETABLE);
    assert_int_not_equal(harness_pt(f.h, f.as.l2)[0], 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* No kernel base at all: -EINVAL. User mode walks the user base. */
static void walk_uses_current_mode_tables(void **state)
{
    struct hc_fixture f;
    struct harness_as ua;
    struct vcpu *v1;

    (void)state;
    setup_domu(&f);
    v1 = &f.d->vcpu[1];
    assert_int_equal(do_update_va_mapping(v1, VA(1), 0, UVMF_NONE), -XEN_EINVAL);
    assert_rc_reason(v1, -XEN_EINVAL, PVMM_RULE_NO_L1_FOR_VA);

    /* A second address space as vCPU 0's user tables. */
    harness_build_as(f.h, f.d, &ua, 2);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, ua.l4, 0), 0);
    harness_audit(f.h);
    f.v->kernel_mode = false;
    assert_int_equal(do_update_va_mapping(f.v, VA(12), pte_from_mfn(ua.data[0], HC_RO),
                                          UVMF_NONE), 0);
    f.v->kernel_mode = true;
    assert_true(harness_pt(f.h, ua.l1)[12] & _PAGE_PRESENT);
    assert_int_equal(harness_pt(f.h, f.as.l1)[12], 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* update_va_mapping_otherdomain: whose frames are mapped, and who may. */
static void otherdomain(void **state)
{
    struct hc_fixture f;
    struct domain *d2, *d0;
    struct harness_as a0;
    mfn_t x2;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    x2 = harness_alloc(f.h, d2);

    /* Unprivileged: a present entry of another domain's frame is -EPERM. */
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(13), pte_from_mfn(x2, HC_RO),
                                                      UVMF_NONE, 2), -XEN_EPERM);
    assert_rc_reason(f.v, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED);
    /* ... so is DOMID_IO here (unlike mmu_update). */
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(13), pte_from_mfn(2, HC_RO),
                                                      UVMF_NONE, DOMID_IO), -XEN_EPERM);
    /* A not-present entry needs no privilege. */
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(13), 0, UVMF_NONE, 2), 0);
    /* Own numeric id and unknown ids: -ESRCH. */
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(13), 0, UVMF_NONE, 1),
                     -XEN_ESRCH);
    assert_rc_reason(f.v, -XEN_ESRCH, PVMM_RULE_BAD_DOMID);
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(13), 0, UVMF_NONE, 7),
                     -XEN_ESRCH);
    assert_int_equal(do_update_va_mapping_otherdomain(f.v, VA(13),
                                                      pte_from_mfn(f.as.data[0], HC_RO),
                                                      UVMF_NONE, DOMID_SELF), 0);
    harness_audit(f.h);

    /* The privileged domain maps d2's frame into its own tables. */
    d0 = harness_domain(f.h, 0, true);
    harness_build_running_as(f.h, &d0->vcpu[0], &a0, 1);
    assert_int_equal(do_update_va_mapping_otherdomain(&d0->vcpu[0], VA(14),
                                                      pte_from_mfn(x2, HC_RW),
                                                      UVMF_INVLPG, 2), 0);
    assert_int_equal(harness_count(f.h, x2), 2);
    assert_int_equal(harness_type(f.h, x2), PGT_writable_page);
    assert_int_equal(f.h->last_flush_va, VA(14));
    harness_audit(f.h);
    /* Without naming d2, the same mapping is refused. */
    assert_int_equal(do_update_va_mapping(&d0->vcpu[0], VA(15), pte_from_mfn(x2, HC_RW),
                                          UVMF_NONE), -XEN_EBUSY);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(updates_entry_of_va),
        cmocka_unit_test(flush_flags),
        cmocka_unit_test(bad_bitmap_efault_after_update),
        cmocka_unit_test(no_l1_for_va),
        cmocka_unit_test(walk_needs_validated_own_l1),
        cmocka_unit_test(walk_uses_current_mode_tables),
        cmocka_unit_test(otherdomain),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
