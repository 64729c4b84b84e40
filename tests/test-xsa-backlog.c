/*
 * tests/test-xsa-backlog.c - regression tests for the XSAs of model.md §9
 * whose area exists in the core but had no test of their own: frame
 * ownership, reuse and TLB flushing (docs/xsa.md has the whole catalogue;
 * test-xsa-backlog-loops.c has the rest).  Each test is named after its
 * advisory and says what it probes and which invariant; the auditor runs
 * after every state change.
 */
#include "hc-helpers.h"

#define VA(slot) ((uint64_t)(slot) << PAGE_SHIFT)

/*
 * A flush recorder layered over the harness's: every flush is logged with
 * the state of one watched frame at that moment, and a one-shot action can
 * run inside a flush (another CPU acting while the flush is in progress).
 */
#define FLOG_MAX 32
static struct {
    void (*orig)(void *ctx, struct domain *d, uint64_t mask, uint64_t va);
    unsigned int n;
    domid_t dom[FLOG_MAX];
    uint64_t mask[FLOG_MAX];
    uint64_t taf[FLOG_MAX];       /* watched frame's type_info */
    domid_t owner[FLOG_MAX];      /* watched frame's owner */
    mfn_t watched;
    struct vcpu *free_v;          /* action: decrease_reservation of free_mfn */
    mfn_t free_mfn;
    struct harness *h;
} flog;

static long decrease(struct vcpu *v, mfn_t mfn)
{
    xen_pfn_t list[1] = { mfn };
    struct xen_memory_reservation r;

    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    return do_memory_op(v, XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r);
}

static void flog_flush(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    if (flog.n < FLOG_MAX) {
        flog.dom[flog.n] = d->domain_id;
        flog.mask[flog.n] = mask;
        if (flog.watched != INVALID_MFN) {
            flog.taf[flog.n] = flog.h->ft[flog.watched].type_info;
            flog.owner[flog.n] = flog.h->ft[flog.watched].owner;
        }
        flog.n++;
    }
    flog.orig(ctx, d, mask, va);
    if (flog.free_v) {
        struct vcpu *v = flog.free_v;

        flog.free_v = NULL;
        assert_int_equal(decrease(v, flog.free_mfn), 1);
        flog.free_mfn = INVALID_MFN;
    }
}

static void flog_start(struct harness *h, mfn_t watched)
{
    memset(&flog, 0, sizeof(flog));
    flog.h = h;
    flog.watched = watched;
    flog.free_mfn = INVALID_MFN;
    flog.orig = h->plat.flush_tlb;
    h->plat.flush_tlb = flog_flush;
}

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
    f->d->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
}

/*
 * xsa217: a page changed owner while another domain could still hold a
 * stale TLB entry for it.  Invariant: a frame changes owner only by being
 * freed and reallocated; it is not freed while a foreign mapping exists,
 * and it is handed to its next owner only after every domain's vCPUs have
 * been flushed (while it still has no owner).
 */
static void xsa217_owner_change_after_flush(void **state)
{
    struct hc_fixture f;
    struct domain *du, *d2;
    struct mmu_update u;
    uint64_t tot, nr_free;
    bool seen = false;
    mfn_t x;

    (void)state;
    hc_setup(&f, 0, true);
    du = harness_domain(f.h, 1, false);
    x = harness_alloc(f.h, du);
    flog_start(f.h, x);
    u = hc_req(f.as.l1, 40, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RO));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, 1), 0);
    harness_audit(f.h);

    /* The owner releases it; dom0's mapping keeps it alive and owned. */
    tot = du->tot_pages;
    nr_free = f.h->s.nr_free;
    assert_int_equal(decrease(&du->vcpu[0], x), 1);
    assert_int_equal(f.h->ft[x].owner, 1);
    assert_false(f.h->ft[x].count_info & PGC_allocated);
    assert_int_equal(du->tot_pages, tot);
    assert_int_equal(f.h->s.nr_free, nr_free);
    harness_audit(f.h);

    /* dom0 unmaps it without any flush: now it is free. */
    u.val = 0;
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(f.h->ft[x].owner, PVMM_OWNER_NONE);
    assert_int_equal(du->tot_pages, tot - 1);
    harness_audit(f.h);

    d2 = harness_domain(f.h, 2, false);
    flog.n = 0;
    assert_int_equal(harness_alloc(f.h, d2), x);
    for (unsigned int i = 0; i < flog.n; i++)
        if (flog.dom[i] == 0 && flog.mask[i] == domain_vcpu_mask(f.d)) {
            assert_int_equal(flog.owner[i], PVMM_OWNER_NONE);
            seen = true;
        }
    assert_true(seen);
    assert_int_equal(f.h->ft[x].owner, 2);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * xsa241: a TLB-flush timestamp could be stored stale, racing the flush, so
 * a frame freed after a flush began counted as covered by it.  Invariant:
 * a frame freed while a reuse flush is in progress is stamped with the new
 * epoch and needs a flush of its own; frames freed before a *completed*
 * flush need none.
 */
static void xsa241_free_during_flush_is_stamped_current(void **state)
{
    struct hc_fixture f;
    unsigned long n;
    mfn_t a, z, b, c;

    (void)state;
    setup_domu(&f);
    a = harness_alloc(f.h, f.d);
    z = harness_alloc(f.h, f.d);
    flog_start(f.h, INVALID_MFN);
    assert_int_equal(decrease(f.v, a), 1);
    harness_audit(f.h);
    flog.free_v = f.v;
    flog.free_mfn = z;
    n = f.h->nr_flushes;
    assert_int_equal(harness_alloc(f.h, f.d), a);
    assert_true(f.h->nr_flushes > n);
    assert_int_equal(flog.free_mfn, INVALID_MFN);        /* z was freed mid-flush */
    assert_int_equal(f.h->ft[z].owner, PVMM_OWNER_NONE);
    harness_audit(f.h);
    n = f.h->nr_flushes;
    assert_int_equal(harness_alloc(f.h, f.d), z);
    assert_true(f.h->nr_flushes > n);
    harness_audit(f.h);

    b = harness_alloc(f.h, f.d);
    c = harness_alloc(f.h, f.d);
    assert_int_equal(decrease(f.v, b), 1);
    assert_int_equal(decrease(f.v, c), 1);
    n = f.h->nr_flushes;
    assert_int_equal(harness_alloc(f.h, f.d), c);
    assert_true(f.h->nr_flushes > n);
    n = f.h->nr_flushes;
    assert_int_equal(harness_alloc(f.h, f.d), b);
    assert_int_equal(f.h->nr_flushes, n);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * xsa248: Xen-internal pages had a guest as owner, so guests could map
 * them.  Invariant: the hypervisor's own frames stay owned by dom_xen with
 * no type: no domain may pin, write, clear, release or be allocated them,
 * an unprivileged one may not even map them, and the L4 slots pointing at
 * them hold no reference.  A privileged domain naming DOMID_XEN may at most
 * map them read-only (as Xen's permanent type-none reference allows).
 */
static void xsa248_hypervisor_frames_stay_dom_xen(void **state)
{
    struct hc_fixture f;
    struct domain *du, *d3;
    struct vcpu *vu;
    struct harness_as ua;
    const mfn_t xen[2] = { HC_NR_FRAMES - 2, HC_NR_FRAMES - 1 };
    struct mmu_update u;
    mfn_t m;

    (void)state;
    hc_setup(&f, 0, true);
    du = harness_domain(f.h, 1, false);
    vu = &du->vcpu[0];
    harness_build_running_as(f.h, vu, &ua, 1);
    for (unsigned int k = 0; k < 2; k++)
        memset(harness_pt(f.h, xen[k]), 0x5a + k, PAGE_SIZE);
    for (unsigned int k = 0; k < 2; k++) {
        mfn_t x = xen[k];

        u = hc_req(ua.l1, 40, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RO));
        assert_int_equal(harness_mmu_update(vu, &u, 1, NULL, DOMID_SELF), -XEN_EBUSY);
        assert_int_equal(harness_mmu_update(vu, &u, 1, NULL, DOMID_XEN), -XEN_EPERM);
        assert_int_equal(harness_mmuext(vu, MMUEXT_PIN_L1_TABLE, x, 0), -XEN_EINVAL);
        assert_int_equal(hc_mmuext_fd(vu, MMUEXT_PIN_L1_TABLE, x, 0, DOMID_XEN, NULL),
                         -XEN_EPERM);
        assert_int_equal(harness_mmuext(vu, MMUEXT_CLEAR_PAGE, x, 0), -XEN_EINVAL);
        u = hc_req(x, 0, MMU_MACHPHYS_UPDATE, 5);
        assert_int_equal(harness_mmu_update(vu, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
        assert_int_equal(decrease(vu, x), 0);
        /* The privileged domain, naming DOMID_XEN: no type, hence no write. */
        for (unsigned int cmd = MMUEXT_PIN_L1_TABLE; cmd <= MMUEXT_PIN_L4_TABLE; cmd++)
            assert_int_equal(hc_mmuext_fd(f.v, cmd, x, 0, DOMID_XEN, NULL), -XEN_EINVAL);
        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_CLEAR_PAGE, x, 0, DOMID_XEN, NULL),
                         -XEN_EINVAL);
        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_COPY_PAGE, x, xen[1 - k], DOMID_XEN, NULL),
                         -XEN_EINVAL);
        u = hc_req(f.as.l1, 41, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RW));
        assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_XEN), -XEN_EBUSY);
        assert_int_equal(f.h->ft[x].owner, DOMID_XEN);
        assert_int_equal(f.h->ft[x].count_info, PGC_allocated | 1);
        assert_int_equal(f.h->ft[x].type_info, 0);
        assert_int_equal(harness_pt(f.h, x)[7], 0x0101010101010101UL * (0x5a + k));
        harness_audit(f.h);
    }
    /* The allocator never hands them out, even when it runs dry. */
    d3 = harness_domain(f.h, 3, false);
    while (pvmm_alloc_domheap_page(d3, &m) == 0)
        assert_true(m != xen[0] && m != xen[1]);
    harness_audit(f.h);
    while (pvmm_domain_destroy(d3) == -XEN_ERESTART)
        ;
    while (pvmm_domain_destroy(du) == -XEN_ERESTART)
        ;
    for (unsigned int k = 0; k < 2; k++)
        assert_int_equal(f.h->ft[xen[k]].owner, DOMID_XEN);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Every flush logged since flog.n was reset saw m with type `type` and a reference. */
static void assert_flushed_holding(struct harness *h, unsigned long type)
{
    assert_true(flog.n > 0);
    for (unsigned int i = 0; i < flog.n; i++) {
        if ((flog.taf[i] & PGT_type_mask) != type || !(flog.taf[i] & PGT_count_mask))
            fail_msg("flush %u saw type_info %#lx, wanted type %#lx with a reference", i,
                     (unsigned long)flog.taf[i], type);
    }
    flog.n = 0;
    harness_audit(h);
}

/*
 * xsa401: _get_page_type flushed TLBs before the compare-and-swap that
 * took the new type reference, so a writable mapping could be created (or
 * survive) between the flush and the type change.  Invariant: the flush of
 * a type change (writable -> L1, L1 -> writable, writable -> seg_desc,
 * seg_desc -> writable) happens while the new type reference is already
 * held, so no writable mapping can appear after it.
 */
static void xsa401_flush_after_new_type_ref_held(void **state)
{
    struct hc_fixture f;
    const intpte_t rw = pte_from_mfn(0, HC_RW);
    uint64_t gdt;
    mfn_t m;

    (void)state;
    setup_domu(&f);
    m = harness_alloc(f.h, f.d);
    gdt = m;
    flog_start(f.h, m);
    /* none -> writable: never mapped, nothing to flush. */
    assert_int_equal(do_update_va_mapping(f.v, VA(20), rw | pte_from_mfn(m, 0), 0), 0);
    assert_int_equal(do_update_va_mapping(f.v, VA(20), 0, 0), 0);
    assert_int_equal(flog.n, 0);
    assert_int_equal(harness_type(f.h, m), PGT_writable_page);
    harness_audit(f.h);

    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, m, 0), 0);
    assert_flushed_holding(f.h, PGT_l1_page_table);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, m, 0), 0);
    assert_int_equal(flog.n, 0);
    assert_int_equal(do_update_va_mapping(f.v, VA(20), rw | pte_from_mfn(m, 0), 0), 0);
    assert_flushed_holding(f.h, PGT_writable_page);
    assert_int_equal(do_update_va_mapping(f.v, VA(20), 0, 0), 0);
    assert_int_equal(do_set_gdt(f.v, (uint64_t)(uintptr_t)&gdt, 512), 0);
    assert_flushed_holding(f.h, PGT_seg_desc_page);
    assert_int_equal(do_set_gdt(f.v, 0, 0), 0);
    flog.n = 0;
    assert_int_equal(do_update_va_mapping(f.v, VA(20), rw | pte_from_mfn(m, 0), 0), 0);
    assert_flushed_holding(f.h, PGT_writable_page);
    hc_teardown(&f);
}

/*
 * xsa494: imprecise tracking of which vCPU has which page tables loaded.
 * Invariant: every vCPU base (kernel or user) holds exactly one L4 type
 * reference of its own, so an L4 stays validated - and unmappable
 * writable - exactly as long as some vCPU has it loaded, whoever pinned or
 * unpinned it; and a change to its tree made by another vCPU flushes the
 * vCPU that runs on it.
 */
static void xsa494_loaded_tables_tracked_per_vcpu(void **state)
{
    struct hc_fixture f;
    struct harness_as b;
    struct vcpu *v1;
    unsigned long writes;
    const intpte_t rw = pte_from_mfn(0, HC_RW);

    (void)state;
    setup_domu(&f);
    v1 = &f.d->vcpu[1];
    harness_build_as(f.h, f.d, &b, 1);
    writes = f.h->nr_ptbase_writes;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, b.l4, 0), 0);
    assert_int_equal(harness_mmuext(v1, MMUEXT_NEW_BASEPTR, b.l4, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, b.l4, 0), 0);
    assert_int_equal(v1->guest_table, b.l4);
    assert_int_equal(f.v->guest_table_user, b.l4);
    assert_int_equal(f.v->guest_table, f.as.l4);
    /* v1's NEW_BASEPTR loads it; f.v's NEW_USER_BASEPTR in kernel mode loads nothing (as
     * Xen: the user L4 is loaded when the vCPU enters user mode). */
    assert_int_equal(f.h->nr_ptbase_writes, writes + 1);
    assert_int_equal(harness_type_count(f.h, b.l4), 3);
    harness_audit(f.h);

    /* Unpinned, B is still loaded twice: validated, never writable. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, b.l4, 0), 0);
    assert_int_equal(harness_type_count(f.h, b.l4), 2);
    assert_true(f.h->ft[b.l4].type_info & PGT_validated);
    assert_int_equal(do_update_va_mapping(f.v, VA(30), rw | pte_from_mfn(b.l4, 0), 0),
                     -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    harness_audit(f.h);

    /* vCPU 0 edits B's L2: vCPU 1, which runs on B, is flushed. */
    flog_start(f.h, INVALID_MFN);
    assert_int_equal(harness_pt_update(f.v, b.l2, 1, pte_from_mfn(b.l1, HC_RO)), 0);
    assert_true(flog.n > 0 && (flog.mask[flog.n - 1] & 2));
    assert_int_equal(harness_pt_update(f.v, b.l2, 1, 0), 0);
    harness_audit(f.h);

    assert_int_equal(harness_mmuext(v1, MMUEXT_NEW_BASEPTR, f.as.l4, 0), 0);
    assert_int_equal(harness_type_count(f.h, b.l4), 1);
    assert_int_equal(do_update_va_mapping(f.v, VA(30), rw | pte_from_mfn(b.l4, 0), 0),
                     -XEN_EBUSY);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    assert_int_equal(f.v->guest_table_user, INVALID_MFN);
    assert_int_equal(harness_type_count(f.h, b.l4), 0);
    assert_false(f.h->ft[b.l4].type_info & PGT_validated);
    assert_int_equal(harness_type_count(f.h, b.l3), 0);
    assert_int_equal(f.h->nr_ptbase_writes, writes + 2);   /* the two NEW_BASEPTRs */
    harness_audit(f.h);
    /* Loaded nowhere: now it is an ordinary page again. */
    assert_int_equal(do_update_va_mapping(f.v, VA(30), rw | pte_from_mfn(b.l4, 0), 0), 0);
    assert_int_equal(harness_type(f.h, b.l4), PGT_writable_page);
    assert_int_equal(do_update_va_mapping(f.v, VA(30), 0, 0), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xsa217_owner_change_after_flush),
        cmocka_unit_test(xsa241_free_during_flush_is_stamped_current),
        cmocka_unit_test(xsa248_hypervisor_frames_stay_dom_xen),
        cmocka_unit_test(xsa401_flush_after_new_type_ref_held),
        cmocka_unit_test(xsa494_loaded_tables_tracked_per_vcpu),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
