/*
 * tests/test-domain.c - the state, domains and teardown (core/domain.c;
 * model.md §1.5, §2.5 last bullet).  After pvmm_domain_destroy every frame of
 * the domain must be free, its tot_pages 0, and the auditor must find no
 * reference left - whatever the domain had: pins, linear entries, bases on
 * several vCPUs, a user base, GDT and LDT frames, a deferred put.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256
#define UPPER  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define LEAF_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define LEAF_RO (_PAGE_PRESENT | _PAGE_ACCESSED)

static long destroy(struct harness *h, struct domain *d)
{
    long rc;
    int n = 0;

    while ((rc = pvmm_domain_destroy(d)) == -XEN_ERESTART) {
        harness_audit(h);
        assert_true(++n < 100000);
    }
    return rc;
}

/* Every frame of domid is free, the count of free frames is back to nr_free. */
static void assert_all_released(struct harness *h, domid_t domid, uint64_t nr_free)
{
    for (mfn_t m = 0; m < h->nr_frames; m++)
        if (h->ft[m].owner == domid)
            fail_msg("frame %#lx still owned by d%u (caf %#lx taf %#lx)", (unsigned long)m,
                     domid, (unsigned long)h->ft[m].count_info,
                     (unsigned long)h->ft[m].type_info);
    assert_int_equal(h->s.nr_free, nr_free);
    assert_null(pvmm_domain_lookup(&h->s, domid));
    harness_audit(h);
}

/* pvmm_init: I/O memory for dom_io, RAM free, the hypervisor's frames for dom_xen. */
static void init_state(void **state)
{
    struct harness *h = harness_new(64);

    (void)state;
    for (mfn_t m = 0; m < 64; m++) {
        const struct page_info *pg = &h->ft[m];

        if (m < HARNESS_IO_FRAMES) {
            assert_int_equal(pg->owner, DOMID_IO);
            assert_int_equal(pg->count_info, PGC_allocated | 1);
            assert_int_equal(pg->type_info, PGT_writable_page | PGT_validated | 1);
        } else if (m < 62) {
            assert_int_equal(pg->owner, PVMM_OWNER_NONE);
            assert_int_equal(pg->count_info, 0);
            assert_int_equal(pg->type_info, 0);
        } else {
            assert_int_equal(pg->owner, DOMID_XEN);
            assert_int_equal(pg->count_info, PGC_allocated | 1);
            assert_int_equal(pg->type_info, 0);
        }
        assert_int_equal(h->m2p[m], INVALID_M2P_ENTRY);
    }
    assert_int_equal(h->s.nr_free, 62 - HARNESS_IO_FRAMES);
    /* Adding RAM twice, or reserving a frame in use, changes nothing. */
    pvmm_add_ram(&h->s, HARNESS_IO_FRAMES, 4);
    assert_int_equal(h->s.nr_free, 62 - HARNESS_IO_FRAMES);
    /* A free frame can be reserved. */
    pvmm_reserve_frame(&h->s, 40);
    assert_int_equal(h->ft[40].owner, DOMID_XEN);
    assert_int_equal(h->s.nr_free, 62 - HARNESS_IO_FRAMES - 1);
    harness_audit(h);
    harness_free(h);
}

/* Creation and lookup: ordinary ids only, one domain per id. */
static void create_and_lookup(void **state)
{
    struct harness *h = harness_new(64);
    struct pvmm_state *s = &h->s;
    struct domain *d;

    (void)state;
    assert_null(pvmm_domain_create(s, PVMM_MAX_DOMAINS, false, 10, 1));
    assert_null(pvmm_domain_create(s, DOMID_SELF, false, 10, 1));
    assert_null(pvmm_domain_create(s, 0, false, 10, 0));
    assert_null(pvmm_domain_create(s, 0, false, 10, PVMM_MAX_VCPUS + 1));
    d = pvmm_domain_create(s, 0, true, 10, 3);
    assert_non_null(d);
    assert_null(pvmm_domain_create(s, 0, false, 10, 1));
    assert_ptr_equal(pvmm_domain_lookup(s, 0), d);
    assert_null(pvmm_domain_lookup(s, 1));
    assert_null(pvmm_domain_lookup(s, DOMID_SELF));
    assert_null(pvmm_domain_lookup(s, DOMID_IO));
    assert_null(pvmm_domain_lookup(s, DOMID_XEN));
    assert_true(d->is_privileged);
    assert_int_equal(d->max_vcpus, 3);
    for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++) {
        const struct vcpu *v = &d->vcpu[i];

        assert_ptr_equal(v->domain, d);
        assert_int_equal(v->vcpu_id, i);
        assert_false(v->online);
        assert_true(v->kernel_mode);
        assert_int_equal(v->guest_table, INVALID_MFN);
        assert_int_equal(v->guest_table_user, INVALID_MFN);
        assert_null(v->old_guest_table);
        assert_int_equal(v->gdt_frames[0], INVALID_MFN);
        assert_int_equal(v->ldt_shadow[15], INVALID_MFN);
    }
    assert_int_equal(destroy(h, d), 0);
    assert_null(pvmm_domain_lookup(s, 0));
    assert_non_null(pvmm_domain_create(s, 0, false, 10, 1));
    /* The special domains cannot be destroyed. */
    assert_int_equal(pvmm_domain_destroy(&s->dom_io), 0);
    assert_true(s->dom_io.exists);
    harness_audit(h);
    harness_free(h);
}

/*
 * A domain with everything a guest can build: a running space pinned and
 * in CR3 on both vCPUs, a user base, an extra pinned L1 and L2, linear
 * entries at L2 and L4, an L4 that references the other read-only, a GDT,
 * an LDT shadow page, and a deferred put left in old_guest_table.
 */
static void teardown_releases_everything(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    uint64_t nr_free = h->s.nr_free;
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0], *v1 = &d->vcpu[1];
    struct harness_as as, user;
    mfn_t l2b, l2c, gdt, ldt;
    struct mmuext_op op;

    (void)state;
    harness_build_running_as(h, v, &as, 4);
    assert_int_equal(pvmm_new_baseptr(v1, as.l4), 0);
    harness_build_as(h, d, &user, 1);
    /* The user L4 holds a read-only linear entry to the kernel L4 (validated first). */
    harness_pt(h, user.l4)[300] = pte_from_mfn(as.l4, LEAF_RO);
    harness_pt(h, as.l4)[511] = pte_from_mfn(as.l4, LEAF_RO);   /* self-reference */
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_USER_BASEPTR, user.l4, 0), 0);
    assert_int_equal(h->ft[as.l4].linear_pt_count, -1);
    harness_audit(h);

    /* A second L2 in the kernel L3, with a linear entry to the first. */
    l2b = as.data[3];
    assert_int_equal(harness_pt_update(v, as.l1, 3, pte_from_mfn(l2b, LEAF_RO)), 0);
    memset(harness_pt(h, l2b), 0, PAGE_SIZE);
    harness_pt(h, l2b)[0] = pte_from_mfn(as.l2, LEAF_RO);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L2_TABLE, l2b, 0), 0);
    assert_int_equal(harness_pt_update(v, as.l3, 1, pte_from_mfn(l2b, UPPER)), 0);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L1_TABLE, as.l1, 0), 0);
    harness_audit(h);

    /* Descriptor tables: a GDT frame on vCPU 1, an LDT page shadowed on vCPU 0. */
    gdt = harness_alloc(h, d);
    assert_int_equal(do_set_gdt(v1, (uint64_t)(uintptr_t)&gdt, 512), 0);
    ldt = as.data[2];
    memset(harness_pt(h, ldt), 0, PAGE_SIZE);
    assert_int_equal(harness_pt_update(v, as.l1, 2, pte_from_mfn(ldt, LEAF_RO)), 0);
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_SET_LDT;
    op.arg1.linear_addr = HARNESS_DATA_VA + 2 * PAGE_SIZE;
    op.arg2.nr_ents = 512;
    assert_int_equal(harness_mmuext_op(v, &op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(pv_map_ldt_shadow_page(v, 0), 0);
    assert_int_equal(v->ldt_shadow[0], ldt);
    harness_audit(h);

    /*
     * A deferred put: a pinned L2 with two L1 children (data[0], made
     * read-only) is unpinned with preemption at once, and the continuation
     * is never issued - the domain dies with the put in old_guest_table.
     */
    l2c = as.data[0];
    assert_int_equal(harness_pt_update(v, as.l1, 0, pte_from_mfn(l2c, LEAF_RO)), 0);
    memset(harness_pt(h, l2c), 0, PAGE_SIZE);
    harness_pt(h, l2c)[0] = pte_from_mfn(harness_alloc(h, d), UPPER);
    harness_pt(h, l2c)[1] = pte_from_mfn(harness_alloc(h, d), UPPER);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L2_TABLE, l2c, 0), 0);
    h->preempt_every = true;
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_UNPIN_TABLE;
    op.arg1.mfn = l2c;
    assert_int_equal(do_mmuext_op(v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF), 0);
    h->preempt_every = false;
    assert_true(v->cont.pending);
    v->cont.pending = false;
    assert_ptr_equal(v->old_guest_table, &h->ft[l2c]);
    assert_true(h->ft[l2c].type_info & PGT_partial);
    harness_audit(h);

    assert_int_equal(destroy(h, d), 0);
    assert_int_equal(d->tot_pages, 0);
    assert_false(d->exists);
    assert_all_released(h, 1, nr_free);
    harness_free(h);
}

/* Destroying one domain leaves another exactly as it was. */
static void teardown_leaves_others_alone(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *a = harness_domain(h, 1, false);
    struct domain *b = harness_domain(h, 2, false);
    struct harness_as as_a, as_b;
    uint64_t nr_free;
    struct page_info before[NR_FRAMES];

    (void)state;
    nr_free = h->s.nr_free;
    harness_build_running_as(h, &b->vcpu[0], &as_b, 3);
    harness_build_running_as(h, &a->vcpu[0], &as_a, 3);
    memcpy(before, h->ft, sizeof(before));
    assert_int_equal(destroy(h, a), 0);
    for (mfn_t m = 0; m < NR_FRAMES; m++)
        if (before[m].owner == 2 && memcmp(&before[m], &h->ft[m], sizeof(before[m])))
            fail_msg("frame %#lx of the other domain changed", (unsigned long)m);
    assert_int_equal(b->tot_pages, 4 + 3);
    assert_int_equal(h->s.nr_free, nr_free - b->tot_pages);
    assert_null(pvmm_domain_lookup(&h->s, 1));
    harness_audit(h);
    assert_int_equal(destroy(h, b), 0);
    assert_all_released(h, 2, nr_free);
    harness_free(h);
}

/*
 * A frame another domain still maps (dom0 mapping a domU frame) keeps the
 * dying domain's slot: destroy returns -EBUSY, the frame stays owned and
 * counted; once the mapping goes the frame is freed and destroy finishes.
 */
static void foreign_reference_keeps_frame(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    uint64_t nr_free = h->s.nr_free;
    struct domain *dom0 = harness_domain(h, 0, true);
    struct domain *domu = harness_domain(h, 1, false);
    struct vcpu *v0 = &dom0->vcpu[0];
    struct harness_as as0, asu;
    struct mmu_update u;
    mfn_t shared;

    (void)state;
    harness_build_running_as(h, v0, &as0, 2);
    harness_build_running_as(h, &domu->vcpu[0], &asu, 2);
    shared = asu.data[1];
    u.ptr = ((uint64_t)as0.l1 << PAGE_SHIFT) + 5 * 8 + MMU_NORMAL_PT_UPDATE;
    u.val = pte_from_mfn(shared, LEAF_RW);
    assert_int_equal(harness_mmu_update(v0, &u, 1, NULL, 1), 0);
    assert_int_equal(harness_count(h, shared), 3);
    harness_audit(h);

    assert_int_equal(destroy(h, domu), -XEN_EBUSY);
    assert_reason(&domu->vcpu[0], PVMM_RULE_BUSY);
    assert_int_equal(pvmm_last_reason(&domu->vcpu[0])->rc, -XEN_EBUSY);
    assert_int_equal(pvmm_last_reason(&domu->vcpu[0])->frame, shared);
    assert_int_equal(pvmm_last_reason(&domu->vcpu[0])->owner, 1);
    assert_true(domu->exists);
    assert_true(domu->is_dying);
    assert_int_equal(domu->tot_pages, 1);
    assert_int_equal(h->ft[shared].owner, 1);
    assert_int_equal(harness_count(h, shared), 1);
    assert_int_equal(h->ft[shared].type_info, PGT_writable_page | PGT_validated | 1);
    /* A dying domain gets no new frames. */
    assert_int_equal(pvmm_alloc_domheap_page(domu, &(mfn_t){ 0 }), -XEN_ENOMEM);
    harness_audit(h);
    /* Its slot cannot be reused yet. */
    assert_null(pvmm_domain_create(&h->s, 1, false, 10, 1));

    assert_int_equal(harness_pt_update(v0, as0.l1, 5, 0), 0);
    assert_int_equal(domu->tot_pages, 0);
    assert_int_equal(h->ft[shared].owner, PVMM_OWNER_NONE);
    harness_audit(h);
    assert_int_equal(destroy(h, domu), 0);
    assert_false(domu->exists);
    assert_int_equal(destroy(h, dom0), 0);
    assert_all_released(h, 1, nr_free);
    assert_all_released(h, 0, nr_free);
    harness_free(h);
}

/*
 * Forced devalidation: a table whose type count does not drop to zero when
 * everything of the domain is released (here an extra holder outside the
 * domain's own structures, standing for a reference cycle) is devalidated
 * anyway, so its children go; the holder's later put of its now
 * unvalidated reference is accepted because the owner is dying.
 */
static void forced_devalidation(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    uint64_t nr_free = h->s.nr_free;
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    struct page_info *l3;

    (void)state;
    harness_build_running_as(h, v, &as, 2);
    l3 = &h->ft[as.l3];
    assert_true(get_page_and_type(v, l3, d, PGT_l3_page_table));   /* the extra holder */
    assert_int_equal(destroy(h, d), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_BUSY);
    assert_int_equal(pvmm_last_reason(v)->frame, as.l3);
    assert_int_equal(l3->type_info, PGT_l3_page_table | 1);   /* devalidated, still held */
    assert_int_equal(h->ft[as.l2].type_info & (PGT_count_mask | PGT_validated), 0);
    assert_int_equal(d->tot_pages, 1);
    /* The holder lets go: the frame is freed; destroy completes. */
    put_page_and_type(v, l3);
    assert_int_equal(d->tot_pages, 0);
    assert_int_equal(destroy(h, d), 0);
    assert_all_released(h, 1, nr_free);
    harness_free(h);
}

/*
 * XSA-252: dropping a frame's allocation reference (decrease_reservation)
 * must not unpin it: the pin keeps the frame, owned and counted, until the
 * guest unpins it.
 */
static void xsa252_decrease_reservation_does_not_unpin(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    struct xen_memory_reservation r;
    uint64_t mfn, tot;
    mfn_t l1;

    (void)state;
    harness_build_running_as(h, v, &as, 2);
    l1 = harness_alloc(h, d);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L1_TABLE, l1, 0), 0);
    tot = d->tot_pages;
    memset(&r, 0, sizeof(r));
    mfn = l1;
    r.extent_start = (uint64_t)(uintptr_t)&mfn;
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    assert_int_equal(do_memory_op(v, XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 1);
    assert_int_equal(h->ft[l1].type_info,
                     PGT_l1_page_table | PGT_validated | PGT_pinned | 1);
    assert_int_equal(h->ft[l1].count_info, 1);
    assert_int_equal(h->ft[l1].owner, 1);
    assert_int_equal(d->tot_pages, tot);
    harness_audit(h);
    assert_int_equal(harness_mmuext(v, MMUEXT_UNPIN_TABLE, l1, 0), 0);
    assert_int_equal(h->ft[l1].owner, PVMM_OWNER_NONE);
    assert_int_equal(d->tot_pages, tot - 1);
    harness_audit(h);
    assert_int_equal(destroy(h, d), 0);
    harness_free(h);
}

/*
 * XSA-287: teardown never leaves a frame with references but no owner, or
 * an allocation flag without a reference: the auditor runs after every
 * preempted step of a teardown.
 */
static void xsa287_teardown_keeps_owner_invariants(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    uint64_t nr_free = h->s.nr_free;
    struct domain *d = harness_domain(h, 1, false);
    struct harness_as as;
    long rc;
    int n = 0;

    (void)state;
    harness_build_running_as(h, &d->vcpu[0], &as, 8);
    h->preempt_every = true;
    while ((rc = pvmm_domain_destroy(d)) == -XEN_ERESTART) {
        for (mfn_t m = 0; m < NR_FRAMES; m++) {
            uint64_t ci = h->ft[m].count_info;

            if ((ci & PGC_count_mask) && h->ft[m].owner == PVMM_OWNER_NONE)
                fail_msg("frame %#lx referenced without an owner", (unsigned long)m);
            if ((ci & PGC_allocated) && !(ci & PGC_count_mask))
                fail_msg("frame %#lx allocated without a reference", (unsigned long)m);
        }
        harness_audit(h);
        n++;
    }
    h->preempt_every = false;
    assert_int_equal(rc, 0);
    assert_true(n > 0);
    assert_all_released(h, 1, nr_free);
    harness_free(h);
}

/*
 * A preempted teardown resumes where it stopped instead of rescanning the
 * frame table from frame 0: across calls its position (step, frame) never
 * goes back, every step is resumed part-way, and everything is released.
 */
static void teardown_resumes_where_it_stopped(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    uint64_t nr_free = h->s.nr_free;
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    uint64_t owned, calls = 0;
    unsigned int step = 0, seen_steps = 0;
    mfn_t next = 0;
    long rc;

    (void)state;
    harness_build_running_as(h, v, &as, 8);
    for (unsigned int i = 0; i < 100; i++)
        harness_alloc(h, d);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L1_TABLE, harness_alloc(h, d), 0), 0);
    owned = d->tot_pages;
    harness_audit(h);

    h->preempt_every = true;
    while ((rc = pvmm_domain_destroy(d)) == -XEN_ERESTART) {
        /* Never back (an interrupted frame, or the vCPUs of step 1, keep it in place). */
        assert_true(d->teardown_step > step ||
                    (d->teardown_step == step && d->teardown_next >= next));
        step = d->teardown_step;
        next = d->teardown_next;
        if (next > 0)
            seen_steps |= 1U << step;
        assert_true(next <= NR_FRAMES);
        harness_audit(h);
        calls++;
    }
    h->preempt_every = false;
    assert_int_equal(rc, 0);
    /*
     * The pins and allocation steps were each resumed part-way through the
     * frame table; the L3 and L2 steps find nothing to do (the tables went
     * with the pins' puts) but still stop at the end of their 256-frame scan
     * run; the L4 step is resumed there too, or earlier if a put left its L4
     * partial.
     */
    assert_true(calls > owned);
    assert_int_equal(seen_steps & ~(1U << 1), (1U << 0) | (1U << 2) | (1U << 3) | (1U << 4));
    assert_int_equal(d->teardown_step, 0);
    assert_all_released(h, 1, nr_free);
    harness_free(h);
}

/* do_vm_assist: enable/disable of the valid 64-bit types, -EINVAL / -ENOSYS otherwise. */
static void vm_assist(void **state)
{
    static const struct { unsigned int type; bool valid; } types[] = {
        { 0, true }, { 1, true }, { 2, true }, { 3, true }, { 4, true }, { 5, true },
        { 6, false }, { 7, false }, { 31, false }, { 32, true }, { 33, false },
        { 63, false }, { 64, false }, { 1000, false },
    };
    struct harness *h = harness_new(64);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        unsigned int t = types[i].type;

        if (types[i].valid) {
            assert_int_equal(do_vm_assist(v, VMASST_CMD_enable, t), 0);
            assert_true((d->vm_assist >> t) & 1);
            assert_int_equal(do_vm_assist(v, VMASST_CMD_disable, t), 0);
            assert_false((d->vm_assist >> t) & 1);
            assert_int_equal(do_vm_assist(v, 2, t), -XEN_ENOSYS);
            assert_reason(v, PVMM_RULE_BAD_COMMAND);
        } else {
            assert_int_equal(do_vm_assist(v, VMASST_CMD_enable, t), -XEN_EINVAL);
            assert_reason(v, PVMM_RULE_BAD_ARGUMENT);
            /* The type is checked before the command. */
            assert_int_equal(do_vm_assist(v, 7, t), -XEN_EINVAL);
        }
    }
    assert_int_equal(d->vm_assist, 0);
    harness_free(h);
}

/*
 * A frame the hypervisor holds (vcpu_info): counted by the auditor, refused for a page table,
 * another domain's frame or a frame past the last slot, released by release and by teardown
 * (each hold of a frame held several times once).
 */
static void held_frames_audited_and_released(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, true), *e = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0];
    uint64_t nr_free;
    mfn_t a = harness_alloc(h, d), b = harness_alloc(h, d), c = harness_alloc(h, d);
    mfn_t other = harness_alloc(h, e), l1 = harness_alloc(h, d);

    (void)state;
    assert_int_equal(pvmm_pin_table(v, l1, 1), 0);
    assert_int_equal(pvmm_hold_writable_frame(v, l1), -XEN_EINVAL);
    assert_int_equal(pvmm_hold_writable_frame(v, other), -XEN_EINVAL);
    assert_int_equal(pvmm_hold_writable_frame(v, a), 0);
    assert_int_equal(harness_count(h, a), 2);
    assert_int_equal(harness_type_count(h, a), 1);
    harness_audit(h);
    /* The other slots: b held again and again (a frame may be held more than once). */
    for (unsigned int i = 1; i < PVMM_HELD_FRAMES; i++)
        assert_int_equal(pvmm_hold_writable_frame(v, b), 0);
    assert_int_equal(harness_count(h, b), 1 + PVMM_HELD_FRAMES - 1);
    assert_int_equal(pvmm_hold_writable_frame(v, c), -XEN_ENOSPC);
    assert_int_equal(harness_count(h, c), 1);
    harness_audit(h);
    pvmm_release_held_frame(v, a);
    pvmm_release_held_frame(v, a);          /* not held any more: nothing */
    assert_int_equal(harness_count(h, a), 1);
    assert_int_equal(harness_type_count(h, a), 0);
    harness_audit(h);
    /* b is still held: teardown drops it with everything else. */
    nr_free = h->s.nr_free + d->tot_pages;
    assert_int_equal(destroy(h, d), 0);
    assert_all_released(h, 1, nr_free);
    harness_free(h);
}

/*
 * A teardown's scan stops for a preemption check at least every 256 frames, whoever owns
 * them: a domain owning a few frames of a large machine does not scan the free rest (and
 * the hypervisor's frames at the start of the next step) in one stretch.
 */
static void teardown_scan_of_others_frames_is_preemptible(void **state)
{
    struct harness *h = harness_new(4096);
    uint64_t nr_free = h->s.nr_free;
    struct domain *d = harness_domain(h, 1, false);
    unsigned int step = 0, calls = 0;
    mfn_t next = 0;
    long rc;

    (void)state;
    for (unsigned int i = 0; i < 8; i++)
        harness_alloc(h, d);
    h->preempt_every = true;
    while ((rc = pvmm_domain_destroy(d)) == -XEN_ERESTART) {
        if (d->teardown_step == step)
            assert_true(d->teardown_next <= next + 256);
        else
            assert_true(d->teardown_next <= 256);
        step = d->teardown_step;
        next = d->teardown_next;
        calls++;
    }
    h->preempt_every = false;
    assert_int_equal(rc, 0);
    /* Each of the five frame steps stopped at least every 256 frames, to the last. */
    assert_true(calls >= 5 * 4096 / 256);
    assert_all_released(h, 1, nr_free);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_state),
        cmocka_unit_test(create_and_lookup),
        cmocka_unit_test(teardown_releases_everything),
        cmocka_unit_test(teardown_leaves_others_alone),
        cmocka_unit_test(foreign_reference_keeps_frame),
        cmocka_unit_test(forced_devalidation),
        cmocka_unit_test(xsa252_decrease_reservation_does_not_unpin),
        cmocka_unit_test(xsa287_teardown_keeps_owner_invariants),
        cmocka_unit_test(teardown_resumes_where_it_stopped),
        cmocka_unit_test(teardown_scan_of_others_frames_is_preemptible),
        cmocka_unit_test(vm_assist),
        cmocka_unit_test(held_frames_audited_and_released),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
