/*
 * tests/test-grant-transfer.c - GNTTABOP_transfer (core/grant-transfer.c) and the theft
 * of a frame it shares with XENMEM_exchange (core/steal-page.c): a frame given to the
 * sender itself and to another domain (v1 and v2 entries), each refusal with its status
 * and reason, Xen's loss of the frame when the receiver refuses it, and the advisories of
 * stolen frames (XSA-214, 217, 287).  The auditor runs after every step.
 */
#include "grant-helpers.h"

#include <string.h>

struct counts {
    uint64_t tot1, tot2;
};

static struct counts counts_of(struct gfx *g, struct domain *d2)
{
    return (struct counts){ g->f.d->tot_pages, d2 ? d2->tot_pages : 0 };
}

/* One transfer by v: its status (the hypercall itself must succeed). */
static int16_t transfer(struct vcpu *v, mfn_t mfn, domid_t to, grant_ref_t ref)
{
    struct gnttab_transfer t = { .mfn = mfn, .domid = to, .ref = ref, .status = 0x55 };

    assert_int_equal(gop(v, GNTTABOP_transfer, &t, 1), 0);
    return t.status;
}

/* The frame went back to the free list: no owner, no count, M2P invalid. */
static void assert_freed(struct gfx *g, mfn_t mfn)
{
    assert_int_equal(harness_page(&g->f, mfn)->owner, PVMM_OWNER_NONE);
    assert_int_equal(harness_page(&g->f, mfn)->count_info, 0);
    assert_int_equal(g->f.h->m2p[mfn], INVALID_M2P_ENTRY);
}

static void test_transfer_to_self_v1(void **state)
{
    struct gfx g = gfx_new();
    mfn_t m = harness_alloc(g.f.h, g.f.d);
    struct counts c0 = counts_of(&g, NULL);
    unsigned long flushes = g.f.h->nr_flushes;

    (void)state;
    harness_pt(g.f.h, m)[0] = 0x1234;
    grant(&g, 20, 1, 0x3333, GTF_accept_transfer);
    assert_int_equal(transfer(g.f.v, m, 1, 20), GNTST_okay);
    assert_int_equal(g.e1[20].flags,
                     GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed);
    assert_int_equal(g.e1[20].frame, m);
    assert_int_equal(g.f.h->m2p[m], 0x3333);
    assert_int_equal(harness_page(&g.f, m)->owner, 1);
    assert_int_equal(harness_page(&g.f, m)->count_info, PGC_allocated | 1);
    assert_int_equal(harness_pt(g.f.h, m)[0], 0x1234);
    assert_int_equal(g.f.d->tot_pages, c0.tot1);
    /* XSA-217: the sender's TLBs were flushed before the frame changed hands. */
    assert_true(g.f.h->nr_flushes > flushes);
    harness_audit(g.f.h);
    /* The entry is used: a second transfer into it is refused. */
    m = harness_alloc(g.f.h, g.f.d);
    assert_int_equal(transfer(g.f.v, m, 1, 20), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_NOT_ACCEPTING);
    assert_freed(&g, m);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* d2 gives a frame to d1, whose table is v2: full_page.frame gets the mfn. */
static void test_transfer_cross_domain_v2(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    mfn_t m = harness_alloc(g.f.h, d2);
    struct gnttab_set_version sv = { .version = 2 };
    union grant_entry_v2 *e2 = (union grant_entry_v2 *)g.e1;
    struct counts c0;

    (void)state;
    assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), 0);
    c0 = counts_of(&g, d2);
    e2[30].hdr.domid = 2;
    e2[30].full_page.frame = 0x5555;
    e2[30].hdr.flags = GTF_accept_transfer;
    assert_int_equal(transfer(&d2->vcpu[0], m, 1, 30), GNTST_okay);
    assert_int_equal(e2[30].hdr.flags,
                     GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed);
    assert_int_equal(e2[30].full_page.frame, m);
    assert_int_equal(g.f.h->m2p[m], 0x5555);
    assert_int_equal(harness_page(&g.f, m)->owner, 1);
    assert_int_equal(g.f.d->tot_pages, c0.tot1 + 1);
    assert_int_equal(d2->tot_pages, c0.tot2 - 1);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* Frames that cannot be given up: bad_page, nothing changed. */
static void test_transfer_bad_page(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    mfn_t theirs = harness_alloc(g.f.h, d2);
    const mfn_t frames[] = { NR_FRAMES + 7, theirs, g.as.data[0], g.as.l4, g.gt, 3 };
    const enum pvmm_rule rules[] = { PVMM_RULE_BAD_MFN, PVMM_RULE_NOT_OWNER,
                                     PVMM_RULE_IN_USE, PVMM_RULE_IN_USE,
                                     PVMM_RULE_NOT_OWNER, PVMM_RULE_NOT_OWNER };
    struct counts c0 = counts_of(&g, d2);
    char text[1024];

    (void)state;
    grant(&g, 20, 1, 0x3333, GTF_accept_transfer);
    for (unsigned int i = 0; i < ARRAY_SIZE(frames); i++) {
        uint64_t ci = frames[i] < NR_FRAMES ? harness_page(&g.f, frames[i])->count_info : 0;

        assert_int_equal(transfer(g.f.v, frames[i], 1, 20), GNTST_bad_page);
        assert_reason(g.f.v, rules[i]);
        assert_int_equal(pvmm_last_reason(g.f.v)->rc, GNTST_bad_page);
        if (frames[i] < NR_FRAMES)
            assert_int_equal(harness_page(&g.f, frames[i])->count_info, ci);
        assert_int_equal(g.e1[20].flags, GTF_accept_transfer);
        harness_audit(g.f.h);
    }
    pvmm_reason_format(pvmm_last_reason(g.f.v), text, sizeof(text));
    assert_non_null(strstr(text, "transfer failed: GNTST_bad_page (not-owner)"));
    assert_int_equal(g.f.d->tot_pages, c0.tot1);
    assert_int_equal(d2->tot_pages, c0.tot2);
    harness_free(g.f.h);
}

/*
 * A refused receiver costs the sender its frame (Xen 4.17 frees the stolen frame): bad
 * domain, a reference beyond the table, an entry that does not accept, a table never set
 * up, a receiver at its limit or dying.
 */
static void test_transfer_refused_frame_lost(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    struct {
        domid_t to;
        grant_ref_t ref;
        int16_t status;
        enum pvmm_rule rule;
    } cases[] = {
        { 7, 20, GNTST_bad_domain, PVMM_RULE_BAD_DOMID },
        { DOMID_SELF, 20, GNTST_bad_domain, PVMM_RULE_BAD_DOMID },
        { 1, 100000, GNTST_general_error, PVMM_RULE_GRANT_BAD_REF },
        { 1, 21, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING },
        { 1, 22, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING },
        { 1, 23, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING },
        { 1, 24, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING },
        { 2, 20, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING },
    };

    (void)state;
    grant(&g, 20, 1, 0x3333, GTF_accept_transfer);
    grant(&g, 22, 5, 0x3333, GTF_accept_transfer);
    grant(&g, 23, 1, 0x3333, GTF_accept_transfer | GTF_transfer_committed);
    grant(&g, 24, 1, 0x3333, GTF_permit_access);
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
        mfn_t m = harness_alloc(g.f.h, g.f.d);
        struct counts c0 = counts_of(&g, d2);

        assert_int_equal(transfer(g.f.v, m, cases[i].to, cases[i].ref), cases[i].status);
        assert_reason(g.f.v, cases[i].rule);
        assert_freed(&g, m);
        assert_int_equal(g.f.d->tot_pages, c0.tot1 - 1);
        assert_int_equal(d2->tot_pages, c0.tot2);
        harness_audit(g.f.h);
    }
    assert_int_equal(g.e1[22].flags, GTF_accept_transfer);
    assert_int_equal(g.e1[23].flags, GTF_accept_transfer | GTF_transfer_committed);

    /* A receiver at its limit, then a dying one: d2's frames are lost. */
    grant(&g, 25, 2, 0x3333, GTF_accept_transfer);
    g.f.d->max_pages = g.f.d->tot_pages;
    assert_int_equal(transfer(&d2->vcpu[0], harness_alloc(g.f.h, d2), 1, 25),
                     GNTST_general_error);
    assert_reason(&d2->vcpu[0], PVMM_RULE_NO_MEMORY);
    g.f.d->max_pages = NR_FRAMES;
    g.f.d->is_dying = true;
    assert_int_equal(transfer(&d2->vcpu[0], harness_alloc(g.f.h, d2), 1, 25),
                     GNTST_general_error);
    assert_reason(&d2->vcpu[0], PVMM_RULE_DOMAIN_DYING);
    g.f.d->is_dying = false;
    assert_int_equal(g.e1[25].flags, GTF_accept_transfer);
    /* A table never set up reads as invalid entries. */
    assert_int_equal(transfer(g.f.v, harness_alloc(g.f.h, g.f.d), 2, 5), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_NOT_ACCEPTING);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* n transfers of fresh frames of d1 to itself, into entries ref0.. (frame fields 0x100..). */
static void self_batch(struct gfx *g, struct gnttab_transfer *t, unsigned int n,
                       grant_ref_t ref0)
{
    memset(t, 0, n * sizeof(*t));
    for (unsigned int i = 0; i < n; i++) {
        t[i].mfn = harness_alloc(g->f.h, g->f.d);
        t[i].domid = 1;
        t[i].ref = ref0 + i;
        grant(g, ref0 + i, 1, 0x100 + i, GTF_accept_transfer);
    }
}

/* A batch: each element its status, preemption continues with the rest. */
static void test_transfer_batch(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_transfer t[3];

    (void)state;
    self_batch(&g, t, 3, 40);
    t[1].mfn = NR_FRAMES + 1;
    g.f.h->nr_preempt_checks = 0;
    g.f.h->preempt_at = 2;
    assert_int_equal(gop(g.f.v, GNTTABOP_transfer, t, 3), 0);
    g.f.h->preempt_at = 0;
    assert_int_equal(t[0].status, GNTST_okay);
    assert_int_equal(t[1].status, GNTST_bad_page);
    assert_int_equal(t[2].status, GNTST_okay);
    assert_int_equal(g.f.h->m2p[t[2].mfn], 0x102);
    assert_int_equal(gop(g.f.v, GNTTABOP_transfer, (void *)0xffff830000000000UL, 0),
                     -XEN_EFAULT);
    assert_int_equal(gop(g.f.v, GNTTABOP_transfer, (void *)HARNESS_BAD_GVA, 1), -XEN_EFAULT);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* The failing element of a batch is the one explained (its index, its rule). */
static void test_transfer_batch_reason_index(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_transfer t[2];

    (void)state;
    self_batch(&g, t, 2, 50);
    t[1].mfn = g.as.data[0];
    assert_int_equal(gop(g.f.v, GNTTABOP_transfer, t, 2), 0);
    assert_int_equal(t[1].status, GNTST_bad_page);
    assert_int_equal(pvmm_last_reason(g.f.v)->op_index, 1);
    assert_reason(g.f.v, PVMM_RULE_IN_USE);
    /* A later failure does not rewrite the first one's code. */
    t[0].mfn = NR_FRAMES + 3;
    t[1].mfn = NR_FRAMES + 4;
    assert_int_equal(gop(g.f.v, GNTTABOP_transfer, t, 2), 0);
    assert_int_equal(pvmm_last_reason(g.f.v)->op_index, 0);
    assert_int_equal(pvmm_last_reason(g.f.v)->rc, GNTST_bad_page);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-214: a descriptor page (validated at type count 0) arrives untyped. */
static void test_xsa214_transfer_zaps_type(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    mfn_t m = harness_alloc(g.f.h, d2);

    (void)state;
    harness_page(&g.f, m)->type_info = PGT_seg_desc_page | PGT_validated;
    harness_audit(g.f.h);
    grant(&g, 60, 2, 0x60, GTF_accept_transfer);
    assert_int_equal(transfer(&d2->vcpu[0], m, 1, 60), GNTST_okay);
    assert_int_equal(harness_page(&g.f, m)->type_info, 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/*
 * XSA-287: a stolen frame is never left with references but no owner, or allocated with
 * no reference - neither when the transfer completes nor when it is refused (the auditor
 * checks both invariants); and XENMEM_exchange, which steals with the same rule, still
 * refuses a frame in use.
 */
static void test_xsa287_stolen_frame_states(void **state)
{
    struct gfx g = gfx_new();
    mfn_t m = harness_alloc(g.f.h, g.f.d);
    xen_pfn_t in = g.as.data[1], out = 5;
    struct xen_memory_exchange x;
    uint64_t a[6] = { XENMEM_exchange, (uint64_t)(uintptr_t)&x };

    (void)state;
    grant(&g, 70, 1, 0x70, GTF_accept_transfer);
    assert_int_equal(transfer(g.f.v, m, 1, 70), GNTST_okay);
    assert_int_equal(harness_page(&g.f, m)->count_info, PGC_allocated | 1);
    harness_audit(g.f.h);
    m = harness_alloc(g.f.h, g.f.d);
    assert_int_equal(transfer(g.f.v, m, 9, 70), GNTST_bad_domain);
    assert_freed(&g, m);
    harness_audit(g.f.h);

    memset(&x, 0, sizeof(x));
    x.in.extent_start = (uint64_t)(uintptr_t)&in;
    x.in.nr_extents = 1;
    x.in.domid = DOMID_SELF;
    x.out.extent_start = (uint64_t)(uintptr_t)&out;
    x.out.nr_extents = 1;
    x.out.domid = DOMID_SELF;
    assert_int_equal(harness_hypercall(g.f.v, __HYPERVISOR_memory_op, a), -XEN_EINVAL);
    assert_reason(g.f.v, PVMM_RULE_IN_USE);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_to_self_v1),
        cmocka_unit_test(test_transfer_cross_domain_v2),
        cmocka_unit_test(test_transfer_bad_page),
        cmocka_unit_test(test_transfer_refused_frame_lost),
        cmocka_unit_test(test_transfer_batch),
        cmocka_unit_test(test_transfer_batch_reason_index),
        cmocka_unit_test(test_xsa214_transfer_zaps_type),
        cmocka_unit_test(test_xsa287_stolen_frame_states),
    };
    return cmocka_run_group_tests_name("grant-transfer", tests, NULL, NULL);
}
