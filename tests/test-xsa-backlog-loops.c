/*
 * tests/test-xsa-backlog-loops.c - regression tests for the XSAs of model.md
 * §9 whose area exists in the core but had no test of their own: software
 * page walks, preemptible loops and the frame-table layout (docs/xsa.md has
 * the whole catalogue; test-xsa-backlog.c has the rest).  Each test is
 * named after its advisory and says what it probes and which invariant; the
 * auditor runs after every state change.
 */
#include "hc-helpers.h"

#define VA(slot) ((uint64_t)(slot) << PAGE_SHIFT)

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
    f->d->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
}

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

/* Re-issue pending continuations as the embedder would. */
static long finish(struct vcpu *v, long rc)
{
    for (unsigned int n = 0; v->cont.pending; n++) {
        struct pvmm_continuation c = v->cont;

        assert_true(n < 100000);
        v->cont.pending = false;
        if (c.op == __HYPERVISOR_mmu_update)
            rc = do_mmu_update(v, c.args[0], (unsigned int)c.args[1], c.args[2],
                               (unsigned int)c.args[3]);
        else if (c.op == __HYPERVISOR_mmuext_op)
            rc = do_mmuext_op(v, c.args[0], (unsigned int)c.args[1], c.args[2],
                              (unsigned int)c.args[3]);
        else if (c.op == __HYPERVISOR_memory_op)
            rc = do_memory_op(v, c.args[0], c.args[1]);
        else
            fail_msg("unexpected continuation of hypercall %u", c.op);
    }
    return rc;
}

/* Set PS in *pe behind the core's back; every software walk through it must stop. */
static void probe_walks_stop_at_ps(struct hc_fixture *f, intpte_t *pe)
{
    const intpte_t saved = *pe, l1e = harness_pt(f->h, f->as.l1)[5];
    const intpte_t ne = pte_from_mfn(f->as.data[0], HC_RO);

    *pe = saved | _PAGE_PSE;
    assert_int_equal(do_update_va_mapping(f->v, VA(5), ne, 0), -XEN_EINVAL);
    assert_reason(f->v, PVMM_RULE_NO_L1_FOR_VA);
    assert_int_equal(pvmm_ptwr_emulate(f->v, hc_pt_va(3) + 8 * 5, ne, 8, false, 0, NULL),
                     PVMM_PTWR_NOT_PT);
    assert_int_equal(pv_map_ldt_shadow_page(f->v, 0), -XEN_EFAULT);
    assert_reason(f->v, PVMM_RULE_LDT_ACCESS);
    assert_int_equal(harness_pt(f->h, f->as.l1)[5], l1e);
    assert_int_equal(f->v->ldt_shadow[0], INVALID_MFN);
    *pe = saved;
    harness_audit(f->h);
}

/*
 * xsa176: software page walks ignored the PS bit (reserved at L4, a
 * superpage at L3/L2).  Invariant: a guest can never store PS at L4, L3 or
 * L2, and each of the core's walkers (update_va_mapping, ptwr, lazy LDT)
 * stops at a PS entry instead of reading the frame as the next table; a
 * walk that lands on a frame of the wrong level (via a linear L4 entry)
 * never edits it as an L1.
 */
static void xsa176_walks_honour_ps(void **state)
{
    struct hc_fixture f;
    intpte_t *l4, *l3, *l2;
    mfn_t ldt, t, c;
    const uint64_t lin_va = (1UL << 39) | VA(7);

    (void)state;
    setup_domu(&f);
    l4 = harness_pt(f.h, f.as.l4);
    l3 = harness_pt(f.h, f.as.l3);
    l2 = harness_pt(f.h, f.as.l2);
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 0, l4[0] | _PAGE_PSE), -XEN_EINVAL);
    assert_int_equal(harness_pt_update(f.v, f.as.l3, 0, l3[0] | _PAGE_PSE), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_SUPERPAGE);
    assert_int_equal(harness_pt_update(f.v, f.as.l2, 0, l2[0] | _PAGE_PSE), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_SUPERPAGE);
    assert_false((l4[0] | l3[0] | l2[0]) & _PAGE_PSE);
    t = harness_alloc(f.h, f.d);
    c = harness_alloc(f.h, f.d);
    harness_pt(f.h, t)[0] = pte_from_mfn(c, HC_UPPER | _PAGE_PSE);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, t, 0), -XEN_EINVAL);
    assert_int_equal(harness_type_count(f.h, t) + harness_type_count(f.h, c), 0);
    harness_audit(f.h);

    /* An LDT page mapped read-only at VA 20, inside the probed 2 MiB. */
    ldt = harness_alloc(f.h, f.d);
    assert_int_equal(do_update_va_mapping(f.v, VA(20), pte_from_mfn(ldt, HC_RO), 0), 0);
    assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_SET_LDT, VA(20), 512, DOMID_SELF, NULL), 0);
    probe_walks_stop_at_ps(&f, &l3[0]);
    probe_walks_stop_at_ps(&f, &l2[0]);
    /* Without PS the same three walks reach the L1. */
    assert_int_equal(do_update_va_mapping(f.v, VA(5), pte_from_mfn(f.as.data[0], HC_RO), 0), 0);
    assert_int_equal(pvmm_ptwr_emulate(f.v, hc_pt_va(3) + 8 * 6,
                                       pte_from_mfn(f.as.data[1], HC_RO), 8, false, 0, NULL), 0);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), 0);
    assert_int_equal(f.v->ldt_shadow[0], ldt);
    harness_audit(f.h);

    /* Through a linear L4 entry the walk ends on the L2: refused, not edited. */
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 1, pte_from_mfn(f.as.l4, HC_RO)), 0);
    assert_int_equal(do_update_va_mapping(f.v, lin_va, pte_from_mfn(f.as.data[0], HC_RO), 0),
                     -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_NOT_PAGETABLE);
    assert_int_equal(l2[7], 0);
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 1, 0), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* One batch of two under preempt_every: exactly one request done, then a continuation. */
static void one_then_continue(struct hc_fixture *f, unsigned int op, void *reqs)
{
    unsigned int done = 99;
    uint64_t h = (uint64_t)(uintptr_t)reqs, pd = (uint64_t)(uintptr_t)&done;
    long rc;

    f->h->preempt_every = true;
    rc = op == __HYPERVISOR_mmu_update ? do_mmu_update(f->v, h, 2, pd, DOMID_SELF)
                                       : do_mmuext_op(f->v, h, 2, pd, DOMID_SELF);
    f->h->preempt_every = false;
    assert_int_equal(rc, 0);
    assert_true(f->v->cont.pending);
    assert_int_equal(done, 1);
    harness_audit(f->h);
    assert_int_equal(finish(f->v, rc), 0);
    assert_int_equal(done, 2);
    harness_audit(f->h);
}

/*
 * xsa264: rarely taken paths of the MM hypercall loops skipped the
 * preemption check.  Invariant: every batched loop checks for preemption
 * before each request after the first, whatever the request does (entry
 * updates at L1/L2, PRESERVE_AD, plain writes, M2P updates, flushes, page
 * clears and copies, LDT, pins, reservation extents).
 */
static void xsa264_every_loop_iteration_preemptible(void **state)
{
    struct hc_fixture f;
    struct mmu_update u[2];
    struct mmuext_op op[2];
    struct xen_memory_reservation r;
    xen_pfn_t list[2] = { 0, 0 };
    mfn_t w, l1b, l1c, pt;

    (void)state;
    setup_domu(&f);
    w = harness_alloc(f.h, f.d);
    l1b = harness_alloc(f.h, f.d);
    l1c = harness_alloc(f.h, f.d);
    pt = harness_alloc(f.h, f.d);
    for (unsigned int k = 0; k < 5; k++) {
        for (unsigned int i = 0; i < 2; i++) {
            static const unsigned int cmd[5] = { MMU_NORMAL_PT_UPDATE,
                MMU_PT_UPDATE_PRESERVE_AD, MMU_NORMAL_PT_UPDATE, MMU_MACHPHYS_UPDATE,
                MMU_NORMAL_PT_UPDATE };
            const mfn_t table[5] = { f.as.l1, f.as.l1, w, f.as.data[i], f.as.l2 };
            const intpte_t val[5] = { pte_from_mfn(f.as.data[i], HC_RO),
                pte_from_mfn(f.as.data[2 + i], HC_RO), 0x1234 + i, 77 + i,
                pte_from_mfn(i ? l1c : l1b, HC_UPPER) };

            u[i] = hc_req(table[k], 50 + i, cmd[k], val[k]);
        }
        one_then_continue(&f, __HYPERVISOR_mmu_update, u);
    }
    assert_int_equal(harness_pt(f.h, w)[51], 0x1235);
    assert_int_equal(f.h->m2p[f.as.data[1]], 78);
    for (unsigned int k = 0; k < 6; k++) {
        static const unsigned int cmd[6][2] = {
            { MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_INVLPG_LOCAL },
            { MMUEXT_TLB_FLUSH_ALL, MMUEXT_INVLPG_ALL },
            { MMUEXT_CLEAR_PAGE, MMUEXT_COPY_PAGE },
            { MMUEXT_SET_LDT, MMUEXT_SET_LDT },
            { MMUEXT_PIN_L1_TABLE, MMUEXT_UNPIN_TABLE },
            { MMUEXT_NEW_BASEPTR, MMUEXT_NEW_BASEPTR },
        };

        memset(op, 0, sizeof(op));
        for (unsigned int i = 0; i < 2; i++) {
            op[i].cmd = cmd[k][i];
            op[i].arg1.mfn = k == 2 ? w : k == 4 ? pt : k == 5 ? f.as.l4 : VA(5);
            op[i].arg2.src_mfn = k == 2 ? f.as.data[3] : 0;
            if (k == 3)
                op[i].arg2.nr_ents = 16;
        }
        one_then_continue(&f, __HYPERVISOR_mmuext_op, op);
    }
    /* Reservation extents: each op stops after its first extent. */
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = 2;
    r.domid = DOMID_SELF;
    for (unsigned int k = 0; k < 2; k++) {
        unsigned long cmd = k ? XENMEM_decrease_reservation : XENMEM_increase_reservation;

        f.h->preempt_every = true;
        assert_int_equal(do_memory_op(f.v, cmd, (uint64_t)(uintptr_t)&r), 0);
        f.h->preempt_every = false;
        assert_true(f.v->cont.pending);
        assert_int_equal(f.v->cont.args[0], cmd | (1UL << MEMOP_EXTENT_SHIFT));
        harness_audit(f.h);
        assert_int_equal(finish(f.v, 0), 2);
        harness_audit(f.h);
    }
    assert_int_equal(f.h->ft[list[0]].owner, PVMM_OWNER_NONE);
    hc_teardown(&f);
}

/*
 * xsa280: shadow flags shared storage with linear_pt_count.  Invariant: no
 * two page_info fields overlap, and a table whose linear count, partial
 * progress, type word and flush stamp are all live at once keeps each of
 * them exact through preempted validation and devalidation, free and reuse.
 */
static void xsa280_page_info_fields_do_not_alias(void **state)
{
#define FIELD(n) { #n, offsetof(struct page_info, n), sizeof(((struct page_info *)0)->n) }
    static const struct { const char *name; size_t off, size; } fields[] = {
        FIELD(count_info), FIELD(type_info), FIELD(next_free), FIELD(owner),
        FIELD(linear_pt_count), FIELD(nr_validated_ptes), FIELD(partial_flags),
        FIELD(tlbflush_timestamp),
    };
#undef FIELD
    struct hc_fixture f;
    struct mmuext_op op;
    struct page_info *tp;
    mfn_t t;

    (void)state;
    memset(&op, 0, sizeof(op));
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        unsigned char b[sizeof(struct page_info)];

        memset(b, 0, sizeof(b));
        memset(b + fields[i].off, 0xff, fields[i].size);
        for (size_t j = 0; j < ARRAY_SIZE(fields); j++)
            for (size_t k = 0; j != i && k < fields[j].size; k++)
                if (b[fields[j].off + k])
                    fail_msg("%s overlaps %s", fields[i].name, fields[j].name);
    }

    setup_domu(&f);
    t = harness_alloc(f.h, f.d);
    tp = &f.h->ft[t];
    harness_pt(f.h, t)[0] = pte_from_mfn(f.as.l2, HC_RO);       /* linear */
    harness_pt(f.h, t)[1] = pte_from_mfn(f.as.l1, HC_UPPER);
    /* Validation preempted after the linear entry: partial, linear count live. */
    op.cmd = MMUEXT_PIN_L2_TABLE;
    op.arg1.mfn = t;
    f.h->preempt_at = f.h->nr_preempt_checks + 1;
    assert_int_equal(do_mmuext_op(f.v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF), 0);
    f.h->preempt_at = 0;
    assert_true(f.v->cont.pending);
    assert_true(tp->type_info & PGT_partial);
    assert_int_equal(tp->nr_validated_ptes, 1);
    assert_int_equal(tp->linear_pt_count, 1);
    assert_int_equal(f.h->ft[f.as.l2].linear_pt_count, -1);
    harness_audit(f.h);
    assert_int_equal(finish(f.v, 0), 0);
    assert_true(tp->type_info & PGT_pinned);
    assert_int_equal(tp->linear_pt_count, 1);
    assert_int_equal(tp->nr_validated_ptes, L1_PAGETABLE_ENTRIES);
    harness_audit(f.h);

    /* Devalidation preempted after the first present entry from the top (entry 1): partial,
     * both counts intact. */
    f.h->preempt_at = f.h->nr_preempt_checks + 1;
    op.cmd = MMUEXT_UNPIN_TABLE;
    assert_int_equal(do_mmuext_op(f.v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF), 0);
    f.h->preempt_at = 0;
    assert_true(f.v->cont.pending);
    assert_true(tp->type_info & PGT_partial);
    assert_int_equal(tp->nr_validated_ptes, 1);       /* entry 0, the linear one, held */
    assert_int_equal(tp->linear_pt_count, 1);
    assert_int_equal(tp->next_free, ~(uint32_t)0);
    harness_audit(f.h);
    assert_int_equal(finish(f.v, 0), 0);
    assert_int_equal(tp->type_info & (PGT_count_mask | PGT_partial | PGT_validated), 0);
    assert_int_equal(tp->linear_pt_count, 0);
    assert_int_equal(f.h->ft[f.as.l2].linear_pt_count, 0);
    assert_int_equal(tp->tlbflush_timestamp, f.h->s.tlbflush_clock);
    harness_audit(f.h);

    /* Freed and reused: every field starts afresh. */
    assert_int_equal(decrease(f.v, t), 1);
    assert_int_equal(tp->owner, PVMM_OWNER_NONE);
    assert_int_equal(f.h->s.free_head, t);
    harness_audit(f.h);
    assert_int_equal(harness_alloc(f.h, f.d), t);
    assert_int_equal(tp->type_info | tp->nr_validated_ptes | tp->partial_flags, 0);
    assert_int_equal(tp->linear_pt_count, 0);
    assert_int_equal(tp->count_info, PGC_allocated | 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xsa176_walks_honour_ps),
        cmocka_unit_test(xsa264_every_loop_iteration_preemptible),
        cmocka_unit_test(xsa280_page_info_fields_do_not_alias),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
