/*
 * tests/test-validate-undo.c - validation that fails or is preempted part
 * way (core/validate-l1.c, core/validate-l234.c, page-type.c; model.md §2.2,
 * §2.5): a failure releases every reference taken so far, and preemption at
 * every possible point, or at every check, still ends in the right state
 * with the auditor clean between continuations.
 */
#include "validate-helpers.h"

/* ---- failures undo everything ---- */

/* An L1 whose 11th entry is bad: the first ten mappings are released again. */
static void l1_failure_undoes(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct domain *other = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t l1 = harness_alloc(h, d), data[10];
    mfn_t theirs = harness_alloc(h, other);
    const struct pvmm_reason *r = pvmm_last_reason(v);
    (void)state;

    for (int i = 0; i < 10; i++) {
        data[i] = harness_alloc(h, d);
        harness_pt(h, l1)[i] = pte_from_mfn(data[i], P | _PAGE_RW);
    }
    harness_pt(h, l1)[10] = pte_from_mfn(theirs, P);
    assert_int_equal(pin(v, l1, 1), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(r->frame, theirs);
    assert_true(r->path_len >= 1);
    assert_int_equal(r->path[r->path_len - 1].table, l1);
    assert_int_equal(r->path[r->path_len - 1].index, 10);
    harness_audit(h);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(harness_count(h, data[i]), 1);
        assert_int_equal(harness_type_count(h, data[i]), 0);
    }
    assert_int_equal(h->ft[l1].type_info & (PGT_count_mask | PGT_validated), 0);
    harness_free(h);
}

/*
 * A tree L4 -> 2 L3 -> 2 L2 each -> 2 L1 each -> one data frame each.
 * With `bad`, the last L1's second entry maps a page table writable.
 */
struct tree {
    mfn_t l4, l3[2], l2[4], l1[8], data[8];
};

static void build_tree(struct harness *h, struct domain *d, struct tree *t, bool bad)
{
    t->l4 = harness_alloc(h, d);
    for (int i = 0; i < 2; i++) {
        t->l3[i] = harness_alloc(h, d);
        harness_pt(h, t->l4)[i] = pte_from_mfn(t->l3[i], UPPER);
    }
    for (int i = 0; i < 4; i++) {
        t->l2[i] = harness_alloc(h, d);
        harness_pt(h, t->l3[i / 2])[i % 2 + 3] = pte_from_mfn(t->l2[i], UPPER);
    }
    for (int i = 0; i < 8; i++) {
        t->l1[i] = harness_alloc(h, d);
        t->data[i] = harness_alloc(h, d);
        harness_pt(h, t->l2[i / 2])[(i % 2) * 200 + 7] = pte_from_mfn(t->l1[i], UPPER);
        harness_pt(h, t->l1[i])[i] = pte_from_mfn(t->data[i], P | _PAGE_RW);
        harness_pt(h, t->l1[i])[511] = pte_from_mfn(t->l2[i / 2], P);  /* read-only view */
    }
    if (bad)
        harness_pt(h, t->l1[7])[100] = pte_from_mfn(t->l1[0], P | _PAGE_RW);
}

/* Everything of the tree back to "allocated, untyped". */
static void assert_tree_released(struct harness *h, const struct tree *t)
{
    const mfn_t *all = &t->l4;

    for (size_t i = 0; i < sizeof(*t) / sizeof(mfn_t); i++) {
        assert_int_equal(harness_count(h, all[i]), 1);
        assert_int_equal(harness_type_count(h, all[i]), 0);
        assert_int_equal(h->ft[all[i]].type_info & PGT_partial, 0);
        /* Tables lose validation; data frames may stay "writable, validated". */
        if (&all[i] < t->data)
            assert_int_equal(h->ft[all[i]].type_info & PGT_validated, 0);
        assert_int_equal(h->ft[all[i]].linear_pt_count, 0);
    }
}

static void tree_failure_undoes(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct tree t;
    (void)state;

    build_tree(h, d, &t, true);
    assert_int_equal(pin(v, t.l4, 4), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_WRITABLE_PAGETABLE);
    /* The path leads from the L4 down to the L1 slot. */
    assert_int_equal(pvmm_last_reason(v)->path_len, 4);
    assert_int_equal(pvmm_last_reason(v)->path[0].table, t.l4);
    assert_int_equal(pvmm_last_reason(v)->path[3].table, t.l1[7]);
    assert_int_equal(pvmm_last_reason(v)->path[3].index, 100);
    harness_audit(h);
    assert_tree_released(h, &t);
    assert_int_equal(d->nr_l4_pages, 0);
    harness_free(h);
}

/*
 * Preemption at every possible point (model.md §2.5): pin and unpin of a tree
 * stopped at the k-th preemption check, for every k, each time continued to
 * completion.  With a bad entry the validation must still fail with the same
 * error and release everything, wherever it was interrupted.
 */
static void preempt_every_point(void **state)
{
    (void)state;
    for (int bad = 0; bad <= 1; bad++) {
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct vcpu *v = &d->vcpu[0];
        struct tree t;
        unsigned long k, conts = 0;

        build_tree(h, d, &t, bad);
        for (k = 1;; k++) {
            unsigned long before = harness_continuations();
            unsigned long pin_checks, unpin_checks = 0;
            long rc;

            h->nr_preempt_checks = 0;
            h->preempt_at = k;
            rc = pin(v, t.l4, 4);
            pin_checks = h->nr_preempt_checks;
            harness_audit(h);
            if (bad) {
                assert_int_equal(rc, -XEN_EBUSY);
                assert_reason(v, PVMM_RULE_WRITABLE_PAGETABLE);
                assert_tree_released(h, &t);
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(d->nr_l4_pages, 1);
                h->nr_preempt_checks = 0;
                assert_int_equal(unpin(v, t.l4), 0);
                unpin_checks = h->nr_preempt_checks;
                harness_audit(h);
                assert_tree_released(h, &t);
                assert_int_equal(d->nr_l4_pages, 0);
            }
            conts += harness_continuations() - before;
            if (pin_checks < k && unpin_checks < k)
                break;
        }
        h->preempt_at = 0;
        /* Some of those runs really were interrupted and continued. */
        assert_true(conts > 0);
        /* One check before each present entry after the first of every L2 and L3: six. */
        assert_true(k > 6);
        harness_free(h);
    }
}

/*
 * Constant preemption: every check says "stop".  Each continuation must
 * still make progress (XSA-58), so the pin finishes.
 */
static void preempt_always_progresses(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct tree t;
    unsigned long before;
    (void)state;

    build_tree(h, d, &t, false);
    h->preempt_every = true;
    /* Continue by hand, with a bound, so that a livelock fails instead of hanging. */
    {
        struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = t.l4 };
        long rc = do_mmuext_op(v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF);

        for (before = 0; v->cont.pending && before < 100000; before++) {
            struct pvmm_continuation c = v->cont;

            v->cont.pending = false;
            assert_int_equal(c.op, __HYPERVISOR_mmuext_op);
            rc = do_mmuext_op(v, c.args[0], (unsigned int)c.args[1], c.args[2],
                              (unsigned int)c.args[3]);
        }
        assert_false(v->cont.pending);
        assert_int_equal(rc, 0);
        assert_true(before > 8);
    }
    harness_audit(h);
    assert_int_equal(unpin(v, t.l4), 0);
    h->preempt_every = false;
    harness_audit(h);
    assert_tree_released(h, &t);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(l1_failure_undoes),
        cmocka_unit_test(tree_failure_undoes),
        cmocka_unit_test(preempt_every_point),
        cmocka_unit_test(preempt_always_progresses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
