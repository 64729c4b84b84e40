/*
 * tests/test-abi-doc.c - one test per statement of docs/abi.md.
 *
 * docs/abi.md writes down the PV page-table-entry ABI; each statement there
 * carries a tag [abi-x-y] and here is the test abi_x_y that fails if the code
 * disagrees with the sentence.  tools/check-abi-doc keeps the two in step.
 *
 * Fixture: domain 1 (unprivileged) with the harness address space loaded on
 * vCPU 0: L4 -> L3 -> L2 -> L1, data frames at L1 slots 0..3, the four
 * tables mapped read-only at L1 slots 256..259.  Domain 0 is privileged and
 * gets the same layout when a test needs I/O rights.
 */
#include "hc-helpers.h"

struct fx {
    struct harness *h;
    struct domain *d;
    struct vcpu *v;
    struct harness_as as;
};

static struct fx fx_new(bool privileged)
{
    struct fx f;

    f.h = harness_new(HC_NR_FRAMES);
    f.d = harness_domain(f.h, privileged ? 0 : 1, privileged);
    f.v = &f.d->vcpu[0];
    harness_build_running_as(f.h, f.v, &f.as, 4);
    harness_audit(f.h);
    return f;
}

/* Write entry `slot` of the fixture's table `table` via mmu_update. */
static long upd(struct fx *f, mfn_t table, unsigned int slot, intpte_t val)
{
    return harness_pt_update(f->v, table, slot, val);
}

static intpte_t entry(struct fx *f, mfn_t table, unsigned int slot)
{
    return harness_pt(f->h, table)[slot];
}

/* A fresh frame of f's domain holding nothing (type none). */
static mfn_t fresh(struct fx *f)
{
    return harness_alloc(f->h, f->d);
}

/* ---- §1 all levels ---- */

static void abi_any_not_present(void **state)
{
    struct fx f = fx_new(false);
    /* Junk in every bit but P: stored verbatim, no references taken. */
    intpte_t junk = 0x7ff0000deadbeef0UL & ~_PAGE_PRESENT;
    uint64_t before = harness_count(f.h, f.as.data[0]);

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 100, junk), 0);
    assert_true(entry(&f, f.as.l1, 100) == junk);
    assert_int_equal(upd(&f, f.as.l2, 100, junk | pte_from_mfn(f.as.l2, 0)), 0);
    assert_int_equal(harness_count(f.h, f.as.data[0]), before);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_any_update_only_by_hypercall(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    /* Every level's table frame refuses a writable mapping. */
    assert_int_equal(upd(&f, f.as.l1, 300, pte_from_mfn(f.as.l4, HC_RW)), -XEN_EBUSY);
    assert_int_equal(upd(&f, f.as.l1, 300, pte_from_mfn(f.as.l3, HC_RW)), -XEN_EBUSY);
    assert_int_equal(upd(&f, f.as.l1, 300, pte_from_mfn(f.as.l2, HC_RW)), -XEN_EBUSY);
    assert_int_equal(upd(&f, f.as.l1, 300, pte_from_mfn(f.as.l1, HC_RW)), -XEN_EBUSY);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_any_frame_owned(void **state)
{
    struct fx f = fx_new(false);
    struct domain *other = harness_domain(f.h, 2, false);
    mfn_t theirs = harness_alloc(f.h, other);

    (void)state;
    assert_int_equal(upd(&f, f.as.l2, 5, pte_from_mfn(theirs, HC_UPPER)), -XEN_EINVAL);
    assert_int_equal(upd(&f, f.as.l3, 5, pte_from_mfn(theirs, HC_UPPER)), -XEN_EINVAL);
    assert_int_equal(upd(&f, f.as.l4, 5, pte_from_mfn(theirs, HC_UPPER)), -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_any_readback(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l1 = fresh(&f);

    (void)state;
    /* Written without US at L1 and L2: read back with the hypervisor's bits. */
    assert_int_equal(upd(&f, f.as.l1, 10, pte_from_mfn(f.as.data[1], HC_RW)), 0);
    assert_true(entry(&f, f.as.l1, 10) != pte_from_mfn(f.as.data[1], HC_RW));
    assert_int_equal(upd(&f, f.as.l2, 7, pte_from_mfn(l1, HC_RO)), 0);
    assert_true(entry(&f, f.as.l2, 7) & _PAGE_USER);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- §2 L1 ---- */

static void abi_l1_cache_bits_unprivileged(void **state)
{
    static const intpte_t bits[] = { _PAGE_PWT, _PAGE_PCD, _PAGE_PAT };
    struct fx f = fx_new(false);

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++) {
        assert_int_equal(upd(&f, f.as.l1, 20, pte_from_mfn(f.as.data[1], HC_RO | bits[i])),
                         -XEN_EINVAL);
        assert_reason(f.v, PVMM_RULE_DISALLOWED_FLAGS);
    }
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_cache_bits_privileged(void **state)
{
    static const intpte_t bits[] = { _PAGE_PWT, _PAGE_PCD, _PAGE_PAT };
    struct fx f = fx_new(true);

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++)
        assert_int_equal(upd(&f, f.as.l1, 20 + i, pte_from_mfn(f.as.data[1], HC_RO | bits[i])),
                         0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_free_bits(void **state)
{
    static const intpte_t bits[] = {
        _PAGE_GLOBAL, 1UL << 9, 1UL << 10, 1UL << 11, 1UL << 52, 1UL << 53, 1UL << 58,
        1UL << 62, _PAGE_NX, 0x7FF0000000000E00UL | _PAGE_NX | _PAGE_GLOBAL,
    };
    struct fx f = fx_new(false);

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++) {
        intpte_t e = pte_from_mfn(f.as.data[2], HC_RO | bits[i]);

        assert_int_equal(upd(&f, f.as.l1, 30 + i, e), 0);
        /* The bits survive (the hypervisor only adds bits). */
        assert_true((entry(&f, f.as.l1, 30 + i) & bits[i]) == bits[i]);
    }
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_foreign_frame(void **state)
{
    struct fx f = fx_new(false);
    struct domain *other = harness_domain(f.h, 2, false);
    mfn_t theirs = harness_alloc(f.h, other);
    mfn_t free_frame = HC_NR_FRAMES - 3;   /* never allocated by this fixture */

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 40, pte_from_mfn(theirs, HC_RO)), -XEN_EBUSY);
    assert_int_equal(harness_count(f.h, free_frame), 0);
    assert_int_equal(upd(&f, f.as.l1, 41, pte_from_mfn(free_frame, HC_RO)), -XEN_EBUSY);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_rw_pagetable(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 50, pte_from_mfn(f.as.l2, HC_RW)), -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_ro_pagetable(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 51, pte_from_mfn(f.as.l2, HC_RO)), 0);
    assert_int_equal(harness_type(f.h, f.as.l2), PGT_l2_page_table);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_rw_makes_writable(void **state)
{
    struct fx f = fx_new(false);
    mfn_t page = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 60, pte_from_mfn(page, HC_RW)), 0);
    assert_int_equal(harness_type(f.h, page), PGT_writable_page);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, page, 0), -XEN_EINVAL);
    assert_int_equal(upd(&f, f.as.l2, 60, pte_from_mfn(page, HC_UPPER)), -XEN_EINVAL);
    /* Once the writable mapping goes, the frame can become a table. */
    assert_int_equal(upd(&f, f.as.l1, 60, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, page, 0), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_io_unprivileged(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 70, pte_from_mfn(1, HC_RO)), -XEN_EPERM);
    assert_int_equal(upd(&f, f.as.l1, 70, pte_from_mfn(HC_NR_FRAMES + 10, HC_RO)),
                     -XEN_EPERM);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_io_privileged_uc(void **state)
{
    struct fx f = fx_new(true);

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 70, pte_from_mfn(1, HC_RO)), 0);
    assert_true((entry(&f, f.as.l1, 70) & (_PAGE_PCD | _PAGE_PWT)) == (_PAGE_PCD | _PAGE_PWT));
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_kernel_fixup(void **state)
{
    struct fx f = fx_new(false);
    intpte_t e;

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 80, pte_from_mfn(f.as.data[1], HC_RW)), 0);
    e = entry(&f, f.as.l1, 80);
    assert_true(e & _PAGE_USER);
    assert_true(e & _PAGE_GUEST_KERNEL);
    assert_false(e & _PAGE_GLOBAL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_user_global(void **state)
{
    struct fx f = fx_new(false);
    intpte_t e;

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 81, pte_from_mfn(f.as.data[1], HC_RW | _PAGE_USER)), 0);
    e = entry(&f, f.as.l1, 81);
    assert_true(e & _PAGE_GLOBAL);
    assert_false(e & _PAGE_GUEST_KERNEL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l1_fast_path(void **state)
{
    struct fx f = fx_new(false);
    uint64_t c, t;

    (void)state;
    assert_int_equal(upd(&f, f.as.l1, 90, pte_from_mfn(f.as.data[1], HC_RW | _PAGE_USER)), 0);
    c = harness_count(f.h, f.as.data[1]);
    t = harness_type_count(f.h, f.as.data[1]);
    assert_int_equal(upd(&f, f.as.l1, 90, pte_from_mfn(f.as.data[1], HC_RW | _PAGE_USER |
                                                       _PAGE_NX | (1UL << 55) | (1UL << 10))),
                     0);
    assert_int_equal(harness_count(f.h, f.as.data[1]), c);
    assert_int_equal(harness_type_count(f.h, f.as.data[1]), t);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- §3 L2 ---- */

static void abi_l2_pse(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l1 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l2, 3, pte_from_mfn(l1, HC_UPPER | _PAGE_PSE)), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_SUPERPAGE);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l2_disallowed(void **state)
{
    static const intpte_t bits[] = { _PAGE_PWT, _PAGE_PCD, _PAGE_GLOBAL };
    struct fx f = fx_new(false);
    mfn_t l1 = fresh(&f);

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++) {
        assert_int_equal(upd(&f, f.as.l2, 3, pte_from_mfn(l1, HC_UPPER | bits[i])), -XEN_EINVAL);
        assert_reason(f.v, PVMM_RULE_DISALLOWED_FLAGS);
    }
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l2_target_l1(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l1 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l2, 3, pte_from_mfn(l1, HC_UPPER)), 0);
    assert_int_equal(harness_type(f.h, l1), PGT_l1_page_table);
    /* The L3 frame is in use as an L3: refused as an L1. */
    assert_int_equal(upd(&f, f.as.l2, 4, pte_from_mfn(f.as.l3, HC_UPPER)), -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l2_user_fixup(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l1 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l2, 3, pte_from_mfn(l1, _PAGE_PRESENT | _PAGE_RW)), 0);
    assert_true(entry(&f, f.as.l2, 3) & _PAGE_USER);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- §4 L3 ---- */

static void abi_l3_pse(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l2 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l3, 3, pte_from_mfn(l2, HC_UPPER | _PAGE_PSE)), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_SUPERPAGE);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l3_target_l2(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l2 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l3, 3, pte_from_mfn(l2, HC_UPPER)), 0);
    assert_int_equal(harness_type(f.h, l2), PGT_l2_page_table);
    assert_int_equal(upd(&f, f.as.l3, 4, pte_from_mfn(f.as.l1, HC_UPPER)), -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l3_user_fixup(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l2 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l3, 3, pte_from_mfn(l2, _PAGE_PRESENT | _PAGE_RW)), 0);
    assert_true(entry(&f, f.as.l3, 3) & _PAGE_USER);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- §5 L4 ---- */

static void abi_l4_target_l3(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l3 = fresh(&f);

    (void)state;
    assert_int_equal(upd(&f, f.as.l4, 3, pte_from_mfn(l3, HC_UPPER)), 0);
    assert_int_equal(harness_type(f.h, l3), PGT_l3_page_table);
    assert_int_equal(upd(&f, f.as.l4, 4, pte_from_mfn(f.as.l2, HC_UPPER)), -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l4_fixup(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l3 = fresh(&f);
    intpte_t e;

    (void)state;
    assert_int_equal(upd(&f, f.as.l4, 3, pte_from_mfn(l3, _PAGE_PRESENT | _PAGE_RW)), 0);
    e = entry(&f, f.as.l4, 3);
    assert_true(e & _PAGE_USER);
    assert_true(e & _PAGE_ACCESSED);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l4_xen_slots_refused(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    for (unsigned int slot = 256; slot <= 271; slot++) {
        intpte_t before = entry(&f, f.as.l4, slot);

        assert_int_equal(upd(&f, f.as.l4, slot, 0), -XEN_EINVAL);
        assert_reason(f.v, PVMM_RULE_XEN_SLOT);
        assert_true(entry(&f, f.as.l4, slot) == before);
    }
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l4_xen_slots_filled(void **state)
{
    struct fx f = fx_new(false);
    struct harness_as as2;
    intpte_t *l4;

    (void)state;
    harness_build_as(f.h, f.d, &as2, 1);
    l4 = harness_pt(f.h, as2.l4);
    for (unsigned int slot = 256; slot <= 271; slot++)
        l4[slot] = 0x1234000UL | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER;   /* guest junk */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, as2.l4, 0), 0);
    for (unsigned int slot = 257; slot <= 271; slot++) {
        if (slot == 258)
            continue;
        assert_true(l4[slot] == f.h->s.xen_l4_slots[slot - 256]);
    }
    assert_true(pte_mfn(l4[258]) == as2.l4);
    assert_false(l4[258] & _PAGE_USER);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l4_m2p(void **state)
{
    struct fx f = fx_new(false);
    struct harness_as as2;

    (void)state;
    /* The loaded kernel base has the RO M2P in slot 256, read-only. */
    assert_true(entry(&f, f.as.l4, 256) == f.h->s.xen_l4_slots[0]);
    assert_false(entry(&f, f.as.l4, 256) & _PAGE_RW);
    /* A merely pinned L4 does not (m2p_strict off). */
    harness_build_as(f.h, f.d, &as2, 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, as2.l4, 0), 0);
    assert_true(entry(&f, as2.l4, 256) == 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_l4_no_xen_access(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    for (unsigned int slot = 257; slot <= 271; slot++)
        assert_false(entry(&f, f.as.l4, slot) & _PAGE_USER);
    harness_free(f.h);
}

/* ---- §6 linear page tables ---- */

static void abi_linear_self_ro(void **state)
{
    struct fx f = fx_new(false);
    uint64_t c = harness_count(f.h, f.as.l4), t = harness_type_count(f.h, f.as.l4);

    (void)state;
    assert_int_equal(upd(&f, f.as.l4, 510, pte_from_mfn(f.as.l4, _PAGE_PRESENT)), 0);
    assert_int_equal(harness_count(f.h, f.as.l4), c);
    assert_int_equal(harness_type_count(f.h, f.as.l4), t);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_linear_rw_refused(void **state)
{
    struct fx f = fx_new(false);

    (void)state;
    assert_int_equal(upd(&f, f.as.l4, 510, pte_from_mfn(f.as.l4, _PAGE_PRESENT | _PAGE_RW)),
                     -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_linear_validated_only(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l2b = fresh(&f);

    (void)state;
    /*
     * l2b holds an entry that is valid in an L2 but not in an L1 (it would
     * map the L1 table writable), so l2b can be neither an L1 nor, until it
     * is validated as one, the target of a same-level entry.  The refusal
     * carries the error of the failed L1 validation (-EBUSY).
     */
    harness_pt(f.h, l2b)[0] = pte_from_mfn(f.as.l1, HC_UPPER);
    assert_int_equal(upd(&f, f.as.l2, 9, pte_from_mfn(l2b, _PAGE_PRESENT)), -XEN_EBUSY);
    assert_int_equal(harness_type_count(f.h, l2b), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, l2b, 0), 0);
    assert_int_equal(upd(&f, f.as.l2, 9, pte_from_mfn(l2b, _PAGE_PRESENT)), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_linear_one_level(void **state)
{
    struct fx f = fx_new(false);
    mfn_t b = fresh(&f), c = fresh(&f);

    (void)state;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, b, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, c, 0), 0);
    /* A -> B is fine; B -> C would make B both target and container. */
    assert_int_equal(upd(&f, f.as.l2, 9, pte_from_mfn(b, _PAGE_PRESENT)), 0);
    assert_int_equal(upd(&f, b, 9, pte_from_mfn(c, _PAGE_PRESENT)), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_LINEAR_BOTH_WAYS);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- §7 trapped writes ---- */

static void abi_ptwr_valid(void **state)
{
    struct fx f = fx_new(false);
    uint64_t l1va = HARNESS_PT_VA + 3 * PAGE_SIZE;   /* the L1, mapped read-only */
    intpte_t want = pte_from_mfn(f.as.data[2], HC_RW);

    (void)state;
    /* Without the assist a domU's write is not emulated (its fault stands). */
    assert_int_equal(pvmm_ptwr_emulate(f.v, l1va + 8 * 20, want, 8, false, 0, NULL),
                     PVMM_PTWR_NOT_PT);
    assert_int_equal(do_vm_assist(f.v, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
    assert_int_equal(pvmm_ptwr_emulate(f.v, l1va + 8 * 20, want, 8, false, 0, NULL), 0);
    assert_true(entry(&f, f.as.l1, 20) == hc_adjusted_l1e(want));
    /* A 4-byte write of the low half is merged into the entry. */
    assert_int_equal(pvmm_ptwr_emulate(f.v, l1va + 8 * 20, (uint32_t)(want & ~_PAGE_RW), 4,
                                       false, 0, NULL), 0);
    assert_false(entry(&f, f.as.l1, 20) & _PAGE_RW);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_ptwr_invalid(void **state)
{
    struct fx f = fx_new(false);
    uint64_t l1va = HARNESS_PT_VA + 3 * PAGE_SIZE;
    intpte_t before = entry(&f, f.as.l1, 21);
    int rc;

    (void)state;
    assert_int_equal(do_vm_assist(f.v, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
    rc = pvmm_ptwr_emulate(f.v, l1va + 8 * 21, pte_from_mfn(f.as.l3, HC_RW), 8, false, 0, NULL);
    assert_true(rc < 0);
    assert_true(entry(&f, f.as.l1, 21) == before);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- §8 pins and bases ---- */

static void abi_pin_not_nested(void **state)
{
    struct fx f = fx_new(false);
    mfn_t l1 = fresh(&f);

    (void)state;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l1, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l1, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_ALREADY_PINNED);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l1, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l1, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_NOT_PINNED);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_unpin_loaded_l4(void **state)
{
    struct fx f = fx_new(false);
    struct harness_as as2;

    (void)state;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l4, 0), 0);
    assert_true(f.h->ft[f.as.l4].type_info & PGT_validated);
    assert_int_equal(harness_type(f.h, f.as.l4), PGT_l4_page_table);
    harness_audit(f.h);
    /* Once the base moves, the old L4 loses its type. */
    harness_build_as(f.h, f.d, &as2, 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, as2.l4, 0), 0);
    assert_int_equal(harness_type_count(f.h, f.as.l4), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void abi_baseptr_validates(void **state)
{
    struct fx f = fx_new(false);
    struct harness_as as2, as3;

    (void)state;
    harness_build_as(f.h, f.d, &as2, 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, as2.l4, 0), 0);
    assert_int_equal(harness_type(f.h, as2.l4), PGT_l4_page_table);
    assert_true(f.h->ft[as2.l4].type_info & PGT_validated);
    harness_audit(f.h);
    /* An L4 with an invalid entry (PSE in its L3) is refused. */
    harness_build_as(f.h, f.d, &as3, 1);
    harness_pt(f.h, as3.l3)[1] = pte_from_mfn(as3.data[0], HC_UPPER | _PAGE_PSE);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, as3.l4, 0), -XEN_EINVAL);
    assert_true(f.v->guest_table == as2.l4);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abi_any_not_present),
        cmocka_unit_test(abi_any_update_only_by_hypercall),
        cmocka_unit_test(abi_any_frame_owned),
        cmocka_unit_test(abi_any_readback),
        cmocka_unit_test(abi_l1_cache_bits_unprivileged),
        cmocka_unit_test(abi_l1_cache_bits_privileged),
        cmocka_unit_test(abi_l1_free_bits),
        cmocka_unit_test(abi_l1_foreign_frame),
        cmocka_unit_test(abi_l1_rw_pagetable),
        cmocka_unit_test(abi_l1_ro_pagetable),
        cmocka_unit_test(abi_l1_rw_makes_writable),
        cmocka_unit_test(abi_l1_io_unprivileged),
        cmocka_unit_test(abi_l1_io_privileged_uc),
        cmocka_unit_test(abi_l1_kernel_fixup),
        cmocka_unit_test(abi_l1_user_global),
        cmocka_unit_test(abi_l1_fast_path),
        cmocka_unit_test(abi_l2_pse),
        cmocka_unit_test(abi_l2_disallowed),
        cmocka_unit_test(abi_l2_target_l1),
        cmocka_unit_test(abi_l2_user_fixup),
        cmocka_unit_test(abi_l3_pse),
        cmocka_unit_test(abi_l3_target_l2),
        cmocka_unit_test(abi_l3_user_fixup),
        cmocka_unit_test(abi_l4_target_l3),
        cmocka_unit_test(abi_l4_fixup),
        cmocka_unit_test(abi_l4_xen_slots_refused),
        cmocka_unit_test(abi_l4_xen_slots_filled),
        cmocka_unit_test(abi_l4_m2p),
        cmocka_unit_test(abi_l4_no_xen_access),
        cmocka_unit_test(abi_linear_self_ro),
        cmocka_unit_test(abi_linear_rw_refused),
        cmocka_unit_test(abi_linear_validated_only),
        cmocka_unit_test(abi_linear_one_level),
        cmocka_unit_test(abi_ptwr_valid),
        cmocka_unit_test(abi_ptwr_invalid),
        cmocka_unit_test(abi_pin_not_nested),
        cmocka_unit_test(abi_unpin_loaded_l4),
        cmocka_unit_test(abi_baseptr_validates),
    };

    return cmocka_run_group_tests_name("abi-doc", tests, NULL, NULL);
}
