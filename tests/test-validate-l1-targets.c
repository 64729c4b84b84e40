/*
 * tests/test-validate-l1-targets.c - what a present L1 entry may map
 * (core/validate-l1.c; model.md §3.2, §10): page tables and descriptor
 * pages only read-only, other domains' and free frames not at all, I/O
 * frames only with I/O rights (cacheable ones forced uncacheable), and
 * hypervisor-shared pages only write-back.  The auditor runs after every
 * change.
 */
#include "validate-helpers.h"

/* ---- what an L1 entry may map ---- */

/* A writable L1e to a page table or descriptor page is refused; a read-only one is not. */
static void writable_mapping_of_tables_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t gdt;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    gdt = harness_alloc(h, d);
    assert_int_equal(do_set_gdt(v, (uint64_t)(uintptr_t)&gdt, 16), 0);
    harness_audit(h);
    assert_int_equal(harness_type(h, gdt), PGT_seg_desc_page);

    const mfn_t targets[] = { as.l1, as.l2, as.l3, as.l4, gdt };
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        mfn_t t = targets[i];
        uint64_t count = harness_count(h, t), tcount = harness_type_count(h, t);
        uint64_t type = harness_type(h, t);

        assert_int_equal(harness_pt_update(v, as.l1, 300,
                                           pte_from_mfn(t, _PAGE_PRESENT | _PAGE_RW)),
                         -XEN_EBUSY);
        assert_reason(v, PVMM_RULE_WRITABLE_PAGETABLE);
        assert_int_equal(pvmm_last_reason(v)->frame, t);
        harness_audit(h);
        assert_int_equal(harness_pt(h, as.l1)[300], 0);
        assert_int_equal(harness_count(h, t), count);
        assert_int_equal(harness_type_count(h, t), tcount);
        assert_int_equal(harness_type(h, t), type);

        /* Read-only: allowed, one more general reference and no type change. */
        assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(t, _PAGE_PRESENT)), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, t), count + 1);
        assert_int_equal(harness_type_count(h, t), tcount);
        assert_int_equal(harness_pt_update(v, as.l1, 300, 0), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, t), count);
    }
    harness_free(h);
}

/* Frames the domain does not own: another domain's, a free one. */
static void foreign_and_free_frames(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    struct domain *other = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0], *pv = &priv->vcpu[0];
    struct harness_as as, pas;
    mfn_t theirs = harness_alloc(h, other);
    mfn_t nobody;
    struct mmu_update u;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    harness_build_running_as(h, pv, &pas, 1);
    nobody = find_free_frame(h);
    harness_audit(h);

    /* Unprivileged: another domain's frame, read-only or writable. */
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(theirs, _PAGE_PRESENT)),
                     -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(harness_pt_update(v, as.l1, 300,
                                       pte_from_mfn(theirs, _PAGE_PRESENT | _PAGE_RW)),
                     -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    /* A free frame has no owner: -EBUSY as well. */
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(nobody, _PAGE_PRESENT)),
                     -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FREE_FRAME);
    harness_audit(h);
    assert_int_equal(harness_count(h, theirs), 1);
    assert_int_equal(h->ft[nobody].count_info, 0);

    /* Privileged, but naming itself as the frames' owner: still refused. */
    assert_int_equal(harness_pt_update(pv, pas.l1, 300, pte_from_mfn(theirs, _PAGE_PRESENT)),
                     -XEN_EBUSY);
    assert_reason(pv, PVMM_RULE_FOREIGN_DENIED);
    /* Privileged, naming the owner (FD = 2): mapped, read-only and writable. */
    u.ptr = (pas.l1 << PAGE_SHIFT) + 300 * 8;
    u.val = pte_from_mfn(theirs, _PAGE_PRESENT | _PAGE_RW);
    assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, 2), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, theirs), 2);
    assert_int_equal(harness_type(h, theirs), PGT_writable_page);
    assert_int_equal(harness_type_count(h, theirs), 1);
    assert_int_equal(harness_pt_update(pv, pas.l1, 300, 0), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, theirs), 1);
    assert_int_equal(harness_type_count(h, theirs), 0);

    /*
     * The hypervisor's own frames (DOMID_XEN): one only reserved (page
     * tables, stacks, the frame table) cannot be mapped at all, as in Xen
     * where such frames have no owner.
     */
    {
        mfn_t xen = NR_FRAMES - 1;
        uint64_t count = harness_count(h, xen);

        for (unsigned int rw = 0; rw < 2; rw++) {
            u.val = pte_from_mfn(xen, _PAGE_PRESENT | (rw ? _PAGE_RW : 0));
            assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, DOMID_XEN), -XEN_EBUSY);
            assert_reason(pv, PVMM_RULE_NOT_OWNER);
            assert_int_equal(pvmm_last_reason(pv)->owner, DOMID_XEN);
            harness_audit(h);
            assert_int_equal(harness_count(h, xen), count);
            assert_int_equal(harness_type_count(h, xen), 0);
            assert_int_equal(harness_pt(h, pas.l1)[300], 0);
        }
    }
    /*
     * One shared with privileged guests (as Xen shares the M2P): read-only
     * only, and only by a privileged domain naming DOMID_XEN.
     */
    {
        mfn_t xen = find_free_frame(h);
        uint64_t count;

        pvmm_reserve_frame(&h->s, xen);
        pvmm_share_xen_page_with_privileged_guests(&h->s, xen);
        harness_audit(h);
        assert_int_equal(h->ft[xen].owner, DOMID_XEN);
        assert_int_equal(harness_type(h, xen), PGT_none);
        assert_int_equal(harness_type_count(h, xen), 1);
        count = harness_count(h, xen);
        u.val = pte_from_mfn(xen, _PAGE_PRESENT | _PAGE_RW);
        assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, DOMID_XEN), -XEN_EBUSY);
        assert_reason(pv, PVMM_RULE_TYPE_CONFLICT);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count);
        u.val = pte_from_mfn(xen, _PAGE_PRESENT);
        assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, DOMID_XEN), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count + 1);
        assert_int_equal(harness_type_count(h, xen), 1);
        assert_int_equal(harness_pt_update(pv, pas.l1, 300, 0), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count);
        /* Naming itself, or unprivileged: refused. */
        assert_int_equal(harness_pt_update(pv, pas.l1, 300, pte_from_mfn(xen, _PAGE_PRESENT)),
                         -XEN_EBUSY);
        assert_reason(pv, PVMM_RULE_FOREIGN_DENIED);
        assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(xen, _PAGE_PRESENT)),
                         -XEN_EBUSY);
        assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
        /* Only an unused reserved frame can be shared: a second call changes nothing. */
        pvmm_share_xen_page_with_privileged_guests(&h->s, xen);
        pvmm_share_xen_page_with_privileged_guests(&h->s, as.data[0]);
        assert_int_equal(harness_type(h, as.data[0]), PGT_writable_page);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count);
    }
    harness_free(h);
}

/* I/O frames (model.md §3.2 I/O path, model.md §10). */
struct io_row {
    const char *name;
    bool priv;
    mfn_t mfn;           /* ~0 - 1: beyond RAM, resolved at run time */
    intpte_t flags;
    int rc;
    enum pvmm_rule rule;
    intpte_t cache;      /* cache bits stored on success */
};

#define BEYOND_RAM  (INVALID_MFN - 1)
#define ALL_ONES    (PADDR_MASK >> PAGE_SHIFT)
#define IO_LIMIT    (1UL << (40 - PAGE_SHIFT))

static const struct io_row io_rows[] = {
    { "unprivileged dom_io frame", false, 5, P, -XEN_EPERM, PVMM_RULE_IOMEM_DENIED, 0 },
    { "unprivileged frame 0 writable", false, 0, P | _PAGE_RW, -XEN_EPERM,
      PVMM_RULE_IOMEM_DENIED, 0 },
    { "unprivileged beyond RAM", false, BEYOND_RAM, P, -XEN_EPERM, PVMM_RULE_IOMEM_DENIED, 0 },
    { "unprivileged all-ones frame", false, ALL_ONES, P, -XEN_EINVAL, PVMM_RULE_BAD_MFN, 0 },
    { "unprivileged UC (mask first)", false, 5, P | UC_BITS, -XEN_EINVAL,
      PVMM_RULE_DISALLOWED_FLAGS, 0 },
    { "WB forced to UC", true, 5, P, 0, PVMM_RULE_NONE, UC_BITS },
    { "frame 0 writable, WB forced to UC", true, 0, P | _PAGE_RW, 0, PVMM_RULE_NONE, UC_BITS },
    { "WT forced to UC", true, 5, P | _PAGE_PWT, 0, PVMM_RULE_NONE, UC_BITS },
    { "WP forced to UC", true, 5, P | _PAGE_PAT | _PAGE_PWT, 0, PVMM_RULE_NONE, UC_BITS },
    { "UC- kept", true, 5, P | _PAGE_PCD, 0, PVMM_RULE_NONE, _PAGE_PCD },
    { "UC kept", true, 5, P | UC_BITS, 0, PVMM_RULE_NONE, UC_BITS },
    { "WC kept", true, 5, P | _PAGE_PAT, 0, PVMM_RULE_NONE, _PAGE_PAT },
    { "PAT|PCD (UC) kept", true, 5, P | _PAGE_PAT | _PAGE_PCD, 0, PVMM_RULE_NONE,
      _PAGE_PAT | _PAGE_PCD },
    { "beyond RAM, forced to UC", true, BEYOND_RAM, P, 0, PVMM_RULE_NONE, UC_BITS },
    { "last frame of the address width", true, IO_LIMIT - 1, P, 0, PVMM_RULE_NONE, UC_BITS },
    { "beyond the address width", true, IO_LIMIT, P, -XEN_EPERM, PVMM_RULE_IOMEM_DENIED, 0 },
    { "privileged all-ones frame", true, ALL_ONES, P, -XEN_EINVAL, PVMM_RULE_BAD_MFN, 0 },
};

static void io_frames(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    struct harness_as as[2];
    (void)state;

    harness_build_running_as(h, &priv->vcpu[0], &as[0], 1);
    harness_build_running_as(h, &d->vcpu[0], &as[1], 1);
    harness_audit(h);

    for (size_t i = 0; i < ARRAY_SIZE(io_rows); i++) {
        const struct io_row *r = &io_rows[i];
        struct vcpu *v = r->priv ? &priv->vcpu[0] : &d->vcpu[0];
        mfn_t l1 = as[r->priv ? 0 : 1].l1;
        mfn_t mfn = r->mfn == BEYOND_RAM ? NR_FRAMES + 100 : r->mfn;
        intpte_t e = pte_from_mfn(mfn, r->flags);
        uint64_t io_count = h->ft[5].count_info;
        long rc = harness_pt_update(v, l1, 300, e);

        harness_audit(h);
        if (rc != r->rc)
            fail_msg("%s: rc %ld, expected %d", r->name, rc, r->rc);
        /* I/O mappings hold no references. */
        assert_int_equal(h->ft[5].count_info, io_count);
        if (rc) {
            assert_reason(v, r->rule);
            assert_int_equal(harness_pt(h, l1)[300], 0);
            continue;
        }
        if ((harness_pt(h, l1)[300] & CACHE_BITS) != r->cache)
            fail_msg("%s: stored %#llx, expected cache bits %#llx", r->name,
                     (unsigned long long)harness_pt(h, l1)[300], (unsigned long long)r->cache);
        assert_int_equal(pte_mfn(harness_pt(h, l1)[300]), mfn);
        assert_int_equal(harness_pt(h, l1)[300] & _PAGE_RW, r->flags & _PAGE_RW);
        assert_int_equal(harness_pt_update(v, l1, 300, 0), 0);
        harness_audit(h);
    }
    harness_free(h);
}

/* Hypervisor-shared pages: write-back only (-EACCES), and never writable if shared read-only. */
static void xen_heap_pages(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *pv = &priv->vcpu[0], *v = &d->vcpu[0];
    struct harness_as pas, as;
    mfn_t rw_page, ro_page;
    (void)state;

    harness_build_running_as(h, pv, &pas, 1);
    harness_build_running_as(h, v, &as, 1);
    rw_page = find_free_frame(h);
    pvmm_reserve_frame(&h->s, rw_page);
    pvmm_share_xen_page(&h->s, rw_page, priv, true);
    ro_page = find_free_frame(h);
    pvmm_reserve_frame(&h->s, ro_page);
    pvmm_share_xen_page(&h->s, ro_page, d, false);
    harness_audit(h);

    /* Cache bits are allowed for the privileged domain, but not on a Xen-heap page. */
    assert_int_equal(harness_pt_update(pv, pas.l1, 300,
                                       pte_from_mfn(rw_page, P | _PAGE_RW | _PAGE_PCD)),
                     -XEN_EACCES);
    assert_reason(pv, PVMM_RULE_SPECIAL_PAGE_CACHE);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, rw_page), 1);
    assert_int_equal(harness_pt_update(pv, pas.l1, 300,
                                       pte_from_mfn(rw_page, P | _PAGE_RW)), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, rw_page), 2);
    assert_int_equal(harness_pt_update(pv, pas.l1, 300, 0), 0);
    harness_audit(h);

    /* A page shared read-only keeps its type count pinned at 1: no writable mapping. */
    assert_int_equal(harness_pt_update(v, as.l1, 300,
                                       pte_from_mfn(ro_page, P | _PAGE_RW)), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(ro_page, P)), 0);
    harness_audit(h);
    assert_int_equal(harness_pt_update(v, as.l1, 300, 0), 0);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writable_mapping_of_tables_refused),
        cmocka_unit_test(foreign_and_free_frames),
        cmocka_unit_test(io_frames),
        cmocka_unit_test(xen_heap_pages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
