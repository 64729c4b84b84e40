/*
 * tests/test-preempt.c - preemptible validation and devalidation, forced at
 * every possible point (model.md §2.2-§2.5; core/page-type.c, core/pin.c,
 * core/domain.c).
 *
 * A tree of 1 L4, 2 L3s, 4 L2s and 8 L1s (with a linear L2 entry and an L4
 * self-reference) is pinned, unpinned, loaded and unloaded as a base, and
 * torn down with its domain while the harness makes the k-th preemption
 * check succeed, for k = 1, 2, 3, ... until the operation makes fewer than
 * k checks.  Each preempted call is continued as a guest would (the
 * continuation is re-issued), the auditor runs between continuations and at
 * the end, and the end state must be exactly the unpreempted one.  With
 * every check succeeding the operations must still finish (XSA-58).
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
#define VAL PGT_validated
#define PIN PGT_pinned

struct tree {
    mfn_t l4, l3[2], l2[4], l1[8], data[8];
};

struct fx {
    struct harness *h;
    struct domain *d;
    struct vcpu *v;
    struct tree t;
    struct harness_as other;   /* a second, pinned address space */
    uint64_t nr_free;          /* free frames before the domain existed */
};

/*
 * Build the tree (nothing validated).  L3[i] slot 5*j -> L2[2i+j]; L2[k]
 * slot 3*m+1 -> L1[2k+m]; L1[n] maps data[n] RW at slot 0 and read-only at
 * slot 7.  L2[1] also holds a read-only linear entry to L2[0] (validated
 * earlier in the same walk) and the L4 a read-only self-reference.
 */
static void build_tree(struct harness *h, struct domain *d, struct tree *t)
{
    t->l4 = harness_alloc(h, d);
    for (int i = 0; i < 2; i++)
        t->l3[i] = harness_alloc(h, d);
    for (int i = 0; i < 4; i++)
        t->l2[i] = harness_alloc(h, d);
    for (int i = 0; i < 8; i++) {
        t->l1[i] = harness_alloc(h, d);
        t->data[i] = harness_alloc(h, d);
    }
    for (int i = 0; i < 2; i++) {
        harness_pt(h, t->l4)[i] = pte_from_mfn(t->l3[i], UPPER);
        for (int j = 0; j < 2; j++)
            harness_pt(h, t->l3[i])[5 * j] = pte_from_mfn(t->l2[2 * i + j], UPPER);
    }
    for (int k = 0; k < 4; k++)
        for (int m = 0; m < 2; m++)
            harness_pt(h, t->l2[k])[3 * m + 1] = pte_from_mfn(t->l1[2 * k + m], UPPER);
    for (int n = 0; n < 8; n++) {
        harness_pt(h, t->l1[n])[0] = pte_from_mfn(t->data[n], LEAF_RW);
        harness_pt(h, t->l1[n])[7] = pte_from_mfn(t->data[n], LEAF_RO);
    }
    harness_pt(h, t->l2[1])[100] = pte_from_mfn(t->l2[0], LEAF_RO);
    harness_pt(h, t->l4)[511] = pte_from_mfn(t->l4, LEAF_RO);
}

static struct fx fx_new(void)
{
    struct fx f;

    f.h = harness_new(NR_FRAMES);
    f.nr_free = f.h->s.nr_free;
    f.d = harness_domain(f.h, 1, false);
    f.v = &f.d->vcpu[0];
    build_tree(f.h, f.d, &f.t);
    harness_build_as(f.h, f.d, &f.other, 1);
    assert_int_equal(pvmm_pin_table(f.v, f.other.l4, 4), 0);
    harness_audit(f.h);
    return f;
}

/* Is the whole tree validated (each table exactly once referenced by its parent)? */
static void check_tree_validated(struct fx *f, uint64_t l4_flags_count)
{
    struct harness *h = f->h;
    const struct tree *t = &f->t;

    assert_int_equal(h->ft[t->l4].type_info, PGT_l4_page_table | VAL | l4_flags_count);
    for (int i = 0; i < 2; i++)
        assert_int_equal(h->ft[t->l3[i]].type_info, PGT_l3_page_table | VAL | 1);
    /* L2[0] is also the target of the linear entry in L2[1]. */
    assert_int_equal(h->ft[t->l2[0]].type_info, PGT_l2_page_table | VAL | 2);
    assert_int_equal(h->ft[t->l2[0]].linear_pt_count, -1);
    assert_int_equal(h->ft[t->l2[1]].linear_pt_count, 1);
    for (int i = 1; i < 4; i++)
        assert_int_equal(h->ft[t->l2[i]].type_info, PGT_l2_page_table | VAL | 1);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(h->ft[t->l1[i]].type_info, PGT_l1_page_table | VAL | 1);
        assert_int_equal(h->ft[t->data[i]].type_info, PGT_writable_page | VAL | 1);
        assert_int_equal(harness_count(h, t->data[i]), 3);
    }
}

/* Is nothing of the tree in use any more? */
static void check_tree_unused(struct fx *f)
{
    struct harness *h = f->h;
    const struct tree *t = &f->t;
    const mfn_t *all = &t->l4;

    for (size_t i = 0; i < sizeof(*t) / sizeof(mfn_t); i++) {
        uint64_t ti = h->ft[all[i]].type_info;

        assert_int_equal(ti & PGT_count_mask, 0);
        assert_false(ti & (PIN | PGT_partial));
        /* Tables lose their validation; idle writable data frames keep theirs. */
        if (PGT_is_pagetable(ti))
            assert_false(ti & VAL);
        assert_int_equal(harness_count(h, all[i]), 1);
    }
}

/*
 * Run one mmuext op, re-issuing continuations as the guest would and
 * auditing the state between them.  *nconts counts the continuations.
 */
static long run_mmuext(struct fx *f, unsigned int cmd, mfn_t mfn, unsigned int *nconts)
{
    struct mmuext_op op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = mfn;
    rc = do_mmuext_op(f->v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF);
    while (f->v->cont.pending) {
        struct pvmm_continuation c = f->v->cont;

        assert_int_equal(rc, 0);
        assert_int_equal(c.op, __HYPERVISOR_mmuext_op);
        harness_audit(f->h);
        (*nconts)++;
        assert_true(*nconts < 100000);
        f->v->cont.pending = false;
        rc = do_mmuext_op(f->v, c.args[0], (unsigned int)c.args[1], c.args[2],
                          (unsigned int)c.args[3]);
    }
    return rc;
}

/*
 * Sweep: for k = 1, 2, ... make the k-th preemption check of `op` succeed,
 * until op makes fewer than k checks.  setup/check/undo bring the state to
 * the start, check the end state and return to a clean base.
 */
struct sweep {
    const char *name;
    void (*setup)(struct fx *f);
    long (*op)(struct fx *f, unsigned int *nconts);
    void (*check)(struct fx *f);
    void (*undo)(struct fx *f);
};

static void run_sweep(struct fx *f, const struct sweep *sw)
{
    unsigned long total_conts = 0, k;

    for (k = 1; ; k++) {
        unsigned long before, made;
        unsigned int nconts = 0;
        long rc;

        if (sw->setup)
            sw->setup(f);
        harness_audit(f->h);
        before = f->h->nr_preempt_checks;
        f->h->preempt_at = before + k;
        rc = sw->op(f, &nconts);
        f->h->preempt_at = 0;
        made = f->h->nr_preempt_checks - before;
        if (rc != 0)
            fail_msg("%s: preempted at check %lu: rc %ld", sw->name, k, rc);
        sw->check(f);
        harness_audit(f->h);
        if (sw->undo)
            sw->undo(f);
        harness_audit(f->h);
        total_conts += nconts;
        if (made < k) {
            if (nconts != 0)
                fail_msg("%s: continued without a preemption", sw->name);
            break;
        }
        if (nconts == 0)
            fail_msg("%s: check %lu succeeded but nothing was continued", sw->name, k);
    }
    print_message("%s: %lu preemption points, %lu continuations\n", sw->name, k - 1,
                  total_conts);
    assert_true(k > 2);
}

/* The same operation with every preemption check succeeding must still finish (XSA-58). */
static void run_every(struct fx *f, const struct sweep *sw)
{
    unsigned int nconts = 0;
    long rc;

    if (sw->setup)
        sw->setup(f);
    f->h->preempt_every = true;
    rc = sw->op(f, &nconts);
    f->h->preempt_every = false;
    assert_int_equal(rc, 0);
    assert_true(nconts > 0);
    sw->check(f);
    harness_audit(f->h);
    if (sw->undo)
        sw->undo(f);
    harness_audit(f->h);
    print_message("%s with every check preempting: %u continuations\n", sw->name, nconts);
}

/* ---- the operations ---- */

static long op_pin(struct fx *f, unsigned int *n)
{
    return run_mmuext(f, MMUEXT_PIN_L4_TABLE, f->t.l4, n);
}
static void check_pinned(struct fx *f)
{
    check_tree_validated(f, PIN | 1);
}
static void undo_pin(struct fx *f)
{
    unsigned int n = 0;

    assert_int_equal(run_mmuext(f, MMUEXT_UNPIN_TABLE, f->t.l4, &n), 0);
    check_tree_unused(f);
}

static void setup_pinned(struct fx *f)
{
    assert_int_equal(pvmm_pin_table(f->v, f->t.l4, 4), 0);
}
static long op_unpin(struct fx *f, unsigned int *n)
{
    return run_mmuext(f, MMUEXT_UNPIN_TABLE, f->t.l4, n);
}
static void check_unused(struct fx *f)
{
    check_tree_unused(f);
    assert_null(f->v->old_guest_table);
}

static void setup_other_base(struct fx *f)
{
    assert_int_equal(pvmm_new_baseptr(f->v, f->other.l4), 0);
}
static long op_new_baseptr(struct fx *f, unsigned int *n)
{
    return run_mmuext(f, MMUEXT_NEW_BASEPTR, f->t.l4, n);
}
static void check_loaded(struct fx *f)
{
    assert_int_equal(f->v->guest_table, f->t.l4);
    check_tree_validated(f, 1);
    assert_int_equal(f->h->ft[f->other.l4].type_info, PGT_l4_page_table | VAL | PIN | 1);
}

static void setup_loaded(struct fx *f)
{
    assert_int_equal(pvmm_new_baseptr(f->v, f->t.l4), 0);
}
static long op_leave_base(struct fx *f, unsigned int *n)
{
    return run_mmuext(f, MMUEXT_NEW_BASEPTR, f->other.l4, n);
}
static void check_left(struct fx *f)
{
    assert_int_equal(f->v->guest_table, f->other.l4);
    check_unused(f);
}

static long op_user_base(struct fx *f, unsigned int *n)
{
    long rc = run_mmuext(f, MMUEXT_NEW_USER_BASEPTR, f->t.l4, n);

    if (rc == 0)
        rc = run_mmuext(f, MMUEXT_NEW_USER_BASEPTR, 0, n);
    return rc;
}
static void check_user_base_gone(struct fx *f)
{
    assert_int_equal(f->v->guest_table_user, INVALID_MFN);
    check_unused(f);
}

/*
 * XSA-45: validating and devalidating a whole tree is preemptible at every
 * L2/L3 entry and the counts come out exact whichever point it stopped at.
 * XSA-309: the linear entry in L2[1] keeps its linear_pt_count across a
 * resumed validation (checked by check_tree_validated and the auditor).
 */
static void xsa45_pin_preempted_everywhere(void **state)
{
    struct fx f = fx_new();
    const struct sweep sw = { "pin L4", NULL, op_pin, check_pinned, undo_pin };

    (void)state;
    run_sweep(&f, &sw);
    harness_free(f.h);
}

/* XSA-290: devalidation of a tree on unpin is preemptible at L2 and L3. */
static void xsa290_unpin_preempted_everywhere(void **state)
{
    struct fx f = fx_new();
    const struct sweep sw = { "unpin L4", setup_pinned, op_unpin, check_unused, NULL };

    (void)state;
    run_sweep(&f, &sw);
    harness_free(f.h);
}

/* NEW_BASEPTR validating an unpinned tree, and leaving it (the old base's puts deferred). */
static void new_baseptr_preempted_everywhere(void **state)
{
    struct fx f = fx_new();
    const struct sweep load = { "NEW_BASEPTR (validate)", setup_other_base, op_new_baseptr,
                                check_loaded, NULL };
    const struct sweep leave = { "NEW_BASEPTR (release old)", setup_loaded, op_leave_base,
                                 check_left, NULL };
    const struct sweep user = { "NEW_USER_BASEPTR on and off", setup_other_base, op_user_base,
                                check_user_base_gone, NULL };

    (void)state;
    run_sweep(&f, &load);
    run_sweep(&f, &leave);
    run_sweep(&f, &user);
    harness_free(f.h);
}

/* XSA-58: with every preemption check succeeding each operation still finishes. */
static void xsa58_preempt_every_makes_progress(void **state)
{
    struct fx f = fx_new();
    const struct sweep sws[] = {
        { "pin L4", NULL, op_pin, check_pinned, undo_pin },
        { "unpin L4", setup_pinned, op_unpin, check_unused, NULL },
        { "NEW_BASEPTR (validate)", setup_other_base, op_new_baseptr, check_loaded, NULL },
        { "NEW_BASEPTR (release old)", NULL, op_leave_base, check_left, NULL },
        { "NEW_USER_BASEPTR on and off", NULL, op_user_base, check_user_base_gone, NULL },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sws); i++)
        run_every(&f, &sws[i]);
    harness_free(f.h);
}

/*
 * XSA-299: a put with PTF_partial_set only finishes a PGT_partial state and
 * never drops a reference it does not own; the partial state owns exactly
 * one type and one general reference.
 */
static void xsa299_partial_put_owns_only_its_refs(void **state)
{
    struct fx f = fx_new();
    mfn_t l2 = harness_alloc(f.h, f.d);
    mfn_t l1a = harness_alloc(f.h, f.d);
    mfn_t l1b = harness_alloc(f.h, f.d);
    struct page_info *pg = &f.h->ft[l2];

    (void)state;
    harness_pt(f.h, l2)[0] = pte_from_mfn(l1a, _PAGE_PRESENT);
    harness_pt(f.h, l2)[1] = pte_from_mfn(l1b, _PAGE_PRESENT);
    assert_true(get_page_type(f.v, pg, PGT_l2_page_table));
    /* Not partial: a partial put is a no-op. */
    assert_int_equal(_put_page_type(f.v, pg, PTF_partial_set, NULL), 0);
    assert_int_equal(pg->type_info, PGT_l2_page_table | VAL | 1);
    /* Devalidation preempted after one entry: partial, with its own general ref. */
    f.h->preempt_at = f.h->nr_preempt_checks + 1;
    assert_int_equal(put_page_type_preemptible(f.v, pg), -XEN_ERESTART);
    f.h->preempt_at = 0;
    assert_int_equal(pg->type_info, PGT_l2_page_table | PGT_partial | 1);
    assert_int_equal(harness_count(f.h, l2), 2);
    harness_audit(f.h);
    /* Finishing it drops the partial's type and general references. */
    assert_int_equal(_put_page_type(f.v, pg, PTF_partial_set | PTF_preemptible, NULL), 0);
    assert_int_equal(pg->type_info, PGT_l2_page_table);
    assert_int_equal(harness_count(f.h, l2), 1);
    assert_int_equal(harness_type_count(f.h, l1a), 0);
    assert_int_equal(harness_type_count(f.h, l1b), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- domain teardown ---- */

/* A domain with everything: pinned tree in CR3, user base, an extra pin, a GDT. */
static void setup_full_domain(struct fx *f)
{
    uint64_t gdt;

    f->d = harness_domain(f->h, 1, false);
    f->v = &f->d->vcpu[0];
    build_tree(f->h, f->d, &f->t);
    harness_build_as(f->h, f->d, &f->other, 1);
    assert_int_equal(pvmm_pin_table(f->v, f->t.l4, 4), 0);
    assert_int_equal(pvmm_new_baseptr(f->v, f->t.l4), 0);
    assert_int_equal(harness_mmuext(f->v, MMUEXT_NEW_USER_BASEPTR, f->other.l4, 0), 0);
    assert_int_equal(harness_mmuext(f->v, MMUEXT_PIN_L1_TABLE, f->t.l1[3], 0), 0);
    assert_int_equal(harness_mmuext(f->v, MMUEXT_PIN_L2_TABLE, f->t.l2[2], 0), 0);
    gdt = harness_alloc(f->h, f->d);
    assert_int_equal(do_set_gdt(&f->d->vcpu[1], (uint64_t)(uintptr_t)&gdt, 512), 0);
    /* vCPU 1 also runs on the tree. */
    assert_int_equal(pvmm_new_baseptr(&f->d->vcpu[1], f->t.l4), 0);
}

static long op_destroy(struct fx *f, unsigned int *n)
{
    long rc;

    while ((rc = pvmm_domain_destroy(f->d)) == -XEN_ERESTART) {
        harness_audit(f->h);
        (*n)++;
        assert_true(*n < 100000);
    }
    return rc;
}

static void check_destroyed(struct fx *f)
{
    struct harness *h = f->h;

    assert_null(pvmm_domain_lookup(&h->s, 1));
    assert_int_equal(f->d->tot_pages, 0);
    assert_int_equal(h->s.nr_free, f->nr_free);
    for (mfn_t m = 0; m < NR_FRAMES; m++)
        if (h->ft[m].owner == 1)
            fail_msg("frame %#lx still owned by the destroyed domain", (unsigned long)m);
}

/*
 * XSA-310: teardown preempted at every point - unpinning, forced
 * devalidation of L4s/L3s/L2s (the partial states it creates own a type
 * reference), dropping allocations - always ends with every frame free.
 */
static void xsa310_destroy_preempted_everywhere(void **state)
{
    struct fx f = fx_new();
    const struct sweep sw = { "domain destroy", setup_full_domain, op_destroy,
                              check_destroyed, NULL };

    (void)state;
    /* Start from nothing: the sweep creates the domain each time. */
    assert_int_equal(op_destroy(&f, &(unsigned int){ 0 }), 0);
    run_sweep(&f, &sw);
    run_every(&f, &sw);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xsa45_pin_preempted_everywhere),
        cmocka_unit_test(xsa290_unpin_preempted_everywhere),
        cmocka_unit_test(new_baseptr_preempted_everywhere),
        cmocka_unit_test(xsa58_preempt_every_makes_progress),
        cmocka_unit_test(xsa299_partial_put_owns_only_its_refs),
        cmocka_unit_test(xsa310_destroy_preempted_everywhere),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
