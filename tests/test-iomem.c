/*
 * tests/test-iomem.c - I/O memory rights as a per-domain set of frame ranges
 * (core/rangeset.c, the I/O path of core/validate-l1.c): the rangeset itself
 * (merging, splitting, capacity, failure without a trace), a privileged
 * domain's default rights and how an embedder narrows them (Xen's
 * dom0_setup_permissions: the frames the hypervisor uses are denied), rights
 * given to an unprivileged domain, and read-only MMIO frames (mmio_ro_ranges)
 * whose writable mappings are stored read-only.  The auditor runs after every
 * change.
 */
#include "validate-helpers.h"

static void assert_ranges(const struct rangeset *rs, unsigned int nr, const uint64_t *se)
{
    assert_int_equal(rs->nr, nr);
    for (unsigned int i = 0; i < nr; i++) {
        assert_int_equal(rs->r[i].s, se[2 * i]);
        assert_int_equal(rs->r[i].e, se[2 * i + 1]);
    }
}

/* Adding merges overlapping and touching ranges; removing splits; queries see it all. */
static void rangeset_add_remove(void **state)
{
    struct rangeset rs;
    (void)state;

    rangeset_init(&rs);
    assert_true(rangeset_is_empty(&rs));
    assert_int_equal(rangeset_add_range(&rs, 10, 19), 0);
    assert_int_equal(rangeset_add_range(&rs, 30, 39), 0);
    assert_int_equal(rangeset_add_range(&rs, 0, 4), 0);
    assert_ranges(&rs, 3, (const uint64_t[]){ 0, 4, 10, 19, 30, 39 });
    assert_int_equal(rangeset_add_range(&rs, 20, 29), 0);           /* touches both sides */
    assert_ranges(&rs, 2, (const uint64_t[]){ 0, 4, 10, 39 });
    assert_int_equal(rangeset_add_range(&rs, 3, 12), 0);            /* overlaps both */
    assert_ranges(&rs, 1, (const uint64_t[]){ 0, 39 });
    assert_true(rangeset_contains_range(&rs, 0, 39));
    assert_false(rangeset_contains_range(&rs, 0, 40));
    assert_false(rangeset_contains_range(&rs, 5, 4));

    assert_int_equal(rangeset_remove_range(&rs, 10, 19), 0);        /* split */
    assert_ranges(&rs, 2, (const uint64_t[]){ 0, 9, 20, 39 });
    assert_false(rangeset_contains_singleton(&rs, 15));
    assert_true(rangeset_overlaps_range(&rs, 15, 20));
    assert_false(rangeset_overlaps_range(&rs, 10, 19));
    assert_int_equal(rangeset_remove_range(&rs, 0, 0), 0);          /* trim the start */
    assert_int_equal(rangeset_remove_range(&rs, 35, 100), 0);       /* and the end */
    assert_ranges(&rs, 2, (const uint64_t[]){ 1, 9, 20, 34 });
    assert_int_equal(rangeset_remove_range(&rs, 0, 1000), 0);
    assert_true(rangeset_is_empty(&rs));

    /* The top of the value space. */
    assert_int_equal(rangeset_add_range(&rs, ~0UL - 1, ~0UL), 0);
    assert_int_equal(rangeset_add_range(&rs, 5, ~0UL - 2), 0);
    assert_ranges(&rs, 1, (const uint64_t[]){ 5, ~0UL });
    assert_int_equal(rangeset_add_range(&rs, ~0UL, ~0UL), 0);
    assert_ranges(&rs, 1, (const uint64_t[]){ 5, ~0UL });
    assert_int_equal(rangeset_remove_range(&rs, ~0UL, ~0UL), 0);
    assert_ranges(&rs, 1, (const uint64_t[]){ 5, ~0UL - 1 });

    assert_int_equal(rangeset_add_range(&rs, 9, 8), -XEN_EINVAL);
    assert_int_equal(rangeset_remove_range(&rs, 9, 8), -XEN_EINVAL);
    assert_ranges(&rs, 1, (const uint64_t[]){ 5, ~0UL - 1 });
}

/* A change that needs more than PVMM_RANGESET_MAX ranges fails and leaves the set as it was. */
static void rangeset_full_leaves_no_trace(void **state)
{
    struct rangeset rs, before;
    (void)state;

    rangeset_init(&rs);
    for (uint64_t i = 0; i < PVMM_RANGESET_MAX; i++)
        assert_int_equal(rangeset_add_range(&rs, 10 * i, 10 * i + 4), 0);
    before = rs;
    assert_int_equal(rangeset_add_range(&rs, 1000, 1001), -XEN_ENOMEM);
    assert_memory_equal(&rs, &before, sizeof(rs));
    assert_int_equal(rangeset_remove_range(&rs, 1, 2), -XEN_ENOMEM);   /* a split */
    assert_memory_equal(&rs, &before, sizeof(rs));
    /* Merging needs no room; removing a whole range neither. */
    assert_int_equal(rangeset_add_range(&rs, 5, 9), 0);
    assert_int_equal(rs.nr, PVMM_RANGESET_MAX - 1);
    assert_int_equal(rangeset_remove_range(&rs, 20, 24), 0);
    assert_int_equal(rs.nr, PVMM_RANGESET_MAX - 2);
}

/* Map frame mfn writable (flags) at slot 300 of l1 and return the rc; the entry is cleared. */
static long try_map(struct harness *h, struct vcpu *v, mfn_t l1, mfn_t mfn, intpte_t flags,
                    intpte_t *stored)
{
    long rc = harness_pt_update(v, l1, 300, pte_from_mfn(mfn, flags));

    harness_audit(h);
    *stored = harness_pt(h, l1)[300];
    if (rc == 0)
        assert_int_equal(harness_pt_update(v, l1, 300, 0), 0);
    else
        assert_int_equal(*stored, 0);
    harness_audit(h);
    return rc;
}

/*
 * A privileged domain may map every frame below 2^28 as I/O memory until the
 * embedder denies some (the local APIC, here); DOMID_IO names the caller's
 * own rights; permitting the frame again restores the mapping.
 */
static void privileged_rights_narrowed(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct vcpu *v = &priv->vcpu[0];
    struct harness_as as;
    const mfn_t lapic = 0xfee00;
    struct mmu_update u;
    intpte_t e;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    assert_true(iomem_access_permitted(priv, 0, PVMM_IOMEM_DEFAULT_LIMIT_MFN - 1));
    assert_false(iomem_access_permitted(priv, 0, PVMM_IOMEM_DEFAULT_LIMIT_MFN));
    assert_int_equal(try_map(h, v, as.l1, lapic, P | _PAGE_RW, &e), 0);
    assert_int_equal(e & _PAGE_RW, _PAGE_RW);

    assert_int_equal(iomem_deny_access(priv, lapic, lapic), 0);
    assert_int_equal(try_map(h, v, as.l1, lapic, P, &e), -XEN_EPERM);
    assert_reason(v, PVMM_RULE_IOMEM_DENIED);
    assert_int_equal(pvmm_last_reason(v)->frame, lapic);
    assert_int_equal(try_map(h, v, as.l1, lapic, P | _PAGE_RW, &e), -XEN_EPERM);
    u = (struct mmu_update){ .ptr = ((uint64_t)as.l1 << PAGE_SHIFT) + 300 * 8,
                             .val = pte_from_mfn(lapic, P) };
    assert_int_equal(harness_mmu_update(v, &u, 1, NULL, DOMID_IO), -XEN_EPERM);
    harness_audit(h);
    /* Its neighbours are untouched. */
    assert_int_equal(try_map(h, v, as.l1, lapic - 1, P, &e), 0);
    assert_int_equal(try_map(h, v, as.l1, lapic + 1, P, &e), 0);

    assert_int_equal(iomem_permit_access(priv, lapic, lapic), 0);
    assert_int_equal(try_map(h, v, as.l1, lapic, P, &e), 0);
    harness_free(h);
}

/* An unprivileged domain maps exactly the I/O frames it was given, and may set cache bits. */
static void unprivileged_rights_given(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    intpte_t e;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    assert_true(rangeset_is_empty(&d->iomem_caps));
    assert_int_equal(try_map(h, v, as.l1, 0xfe000, P, &e), -XEN_EPERM);
    assert_int_equal(try_map(h, v, as.l1, 0xfe000, P | _PAGE_PCD, &e), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_DISALLOWED_FLAGS);

    assert_int_equal(iomem_permit_access(d, 0xfe000, 0xfe0ff), 0);
    assert_int_equal(try_map(h, v, as.l1, 0xfe000, P | _PAGE_RW, &e), 0);
    assert_int_equal(e & UC_BITS, UC_BITS);
    assert_int_equal(try_map(h, v, as.l1, 0xfe0ff, P | _PAGE_PCD, &e), 0);
    assert_int_equal(try_map(h, v, as.l1, 0xfe100, P, &e), -XEN_EPERM);
    harness_free(h);
}

/* A writable mapping of a read-only MMIO frame is stored read-only; the audit agrees. */
static void mmio_ro_frames(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct vcpu *v = &priv->vcpu[0];
    struct harness_as as;
    const mfn_t ioapic = 0xfec00;
    intpte_t e;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    assert_int_equal(rangeset_add_range(&h->s.mmio_ro_ranges, ioapic, ioapic), 0);
    assert_int_equal(try_map(h, v, as.l1, ioapic, P | _PAGE_RW, &e), 0);
    assert_int_equal(e & _PAGE_RW, 0);
    assert_int_equal(e & UC_BITS, UC_BITS);
    assert_int_equal(try_map(h, v, as.l1, ioapic, P | _PAGE_RW | UC_BITS, &e), 0);
    assert_int_equal(e & (_PAGE_RW | UC_BITS), UC_BITS);
    assert_int_equal(try_map(h, v, as.l1, ioapic, P, &e), 0);
    assert_int_equal(e & _PAGE_RW, 0);
    assert_int_equal(try_map(h, v, as.l1, ioapic + 1, P | _PAGE_RW, &e), 0);
    assert_int_equal(e & _PAGE_RW, _PAGE_RW);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rangeset_add_remove),
        cmocka_unit_test(rangeset_full_leaves_no_trace),
        cmocka_unit_test(privileged_rights_narrowed),
        cmocka_unit_test(unprivileged_rights_given),
        cmocka_unit_test(mmio_ro_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
