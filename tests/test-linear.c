/*
 * tests/test-linear.c - linear (same-level, "recursive") page-table entries
 * (core/linear-pt.c, core/validate-l234.c; model.md §3.4, XSA-240).
 *
 * A read-only entry at level N may point at its own table (holding nothing)
 * or at another validated table of level N of the same domain (holding a
 * general and a type reference).  A table may contain such entries or be
 * their target, never both: linear_pt_count is positive for the first and
 * negative for the second.  The auditor recomputes those counters and runs
 * after every change.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES  256
#define P          _PAGE_PRESENT
#define RO         (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define UPPER      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

static long pin(struct vcpu *v, mfn_t m, int level)
{
    return harness_mmuext(v, MMUEXT_PIN_L1_TABLE + (unsigned int)level - 1, m, 0);
}

static long unpin(struct vcpu *v, mfn_t m)
{
    return harness_mmuext(v, MMUEXT_UNPIN_TABLE, m, 0);
}

static int16_t lin(struct harness *h, mfn_t m)
{
    return h->ft[m].linear_pt_count;
}

/* An empty table of `level`, pinned. */
static mfn_t pinned_table(struct harness *h, struct vcpu *v, int level)
{
    mfn_t m = harness_alloc(h, v->domain);

    assert_int_equal(pin(v, m, level), 0);
    return m;
}

/* Self-references at L2..L4: allowed read-only, hold nothing, count nothing. */
static void self_reference_holds_nothing(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    const mfn_t tables[] = { as.l2, as.l3, as.l4 };
    for (int i = 0; i < 3; i++) {
        mfn_t t = tables[i];
        uint64_t count = harness_count(h, t), tcount = harness_type_count(h, t);

        assert_int_equal(harness_pt_update(v, t, 9, pte_from_mfn(t, RO)), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, t), count);
        assert_int_equal(harness_type_count(h, t), tcount);
        assert_int_equal(lin(h, t), 0);
        /* Writable: refused, the read-only one stays. */
        assert_int_equal(harness_pt_update(v, t, 10, pte_from_mfn(t, UPPER)), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_RW);
        assert_int_equal(harness_pt(h, t)[10], 0);
        harness_audit(h);
    }

    /* A table validated with a self-reference in it: still nothing held. */
    {
        mfn_t l4 = harness_alloc(h, d);

        harness_pt(h, l4)[0] = pte_from_mfn(l4, RO);
        harness_pt(h, l4)[511] = pte_from_mfn(l4, RO);
        assert_int_equal(pin(v, l4, 4), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, l4), 2);        /* allocation + pin */
        assert_int_equal(harness_type_count(h, l4), 1);   /* pin */
        assert_int_equal(lin(h, l4), 0);
        assert_int_equal(unpin(v, l4), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, l4), 1);
        assert_int_equal(harness_type_count(h, l4), 0);

        /* Writable self-reference inside a table being validated: refused. */
        harness_pt(h, l4)[0] = pte_from_mfn(l4, UPPER);
        assert_int_equal(pin(v, l4, 4), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_RW);
        harness_audit(h);
        assert_int_equal(harness_type_count(h, l4), 0);
    }
    harness_free(h);
}

/*
 * xsa240_chain_refused: XSA-240 - unbounded chains of same-level linear
 * entries made teardown recurse without limit.  At each level build
 * A -> B (accepted), then try B -> C and C -> A: both would make a
 * table both container and target, and must fail.
 */
static void xsa240_chain_refused(void **state)
{
    (void)state;
    for (int level = 2; level <= 4; level++) {
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct vcpu *v = &d->vcpu[0];
        mfn_t a = pinned_table(h, v, level);
        mfn_t b = pinned_table(h, v, level);
        mfn_t c = pinned_table(h, v, level);

        harness_audit(h);
        assert_int_equal(harness_pt_update(v, a, 1, pte_from_mfn(b, RO)), 0);
        harness_audit(h);
        assert_int_equal(lin(h, a), 1);
        assert_int_equal(lin(h, b), -1);
        assert_int_equal(harness_type_count(h, b), 2);   /* pin + A's entry */
        assert_int_equal(harness_count(h, b), 3);        /* allocation + pin + A's entry */

        /* Second link of the chain A -> B -> C. */
        assert_int_equal(harness_pt_update(v, b, 1, pte_from_mfn(c, RO)), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_BOTH_WAYS);
        /* C -> A -> B. */
        assert_int_equal(harness_pt_update(v, c, 1, pte_from_mfn(a, RO)), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_BOTH_WAYS);
        harness_audit(h);
        assert_int_equal(lin(h, a), 1);
        assert_int_equal(lin(h, b), -1);
        assert_int_equal(lin(h, c), 0);

        /* A may contain several, C may be a target of several. */
        assert_int_equal(harness_pt_update(v, a, 2, pte_from_mfn(c, RO)), 0);
        assert_int_equal(harness_pt_update(v, b, 2, pte_from_mfn(c, RO)), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_BOTH_WAYS);
        assert_int_equal(harness_pt_update(v, a, 3, pte_from_mfn(c, RO)), 0);
        harness_audit(h);
        assert_int_equal(lin(h, a), 3);
        assert_int_equal(lin(h, c), -2);

        /* Removing the entries gives everything back. */
        for (unsigned int i = 1; i <= 3; i++) {
            assert_int_equal(harness_pt_update(v, a, i, 0), 0);
            harness_audit(h);
        }
        assert_int_equal(lin(h, a), 0);
        assert_int_equal(lin(h, b), 0);
        assert_int_equal(lin(h, c), 0);
        assert_int_equal(harness_type_count(h, b), 1);
        assert_int_equal(harness_type_count(h, c), 1);

        /* Now B may become a container. */
        assert_int_equal(harness_pt_update(v, b, 1, pte_from_mfn(c, RO)), 0);
        harness_audit(h);
        assert_int_equal(lin(h, b), 1);
        harness_free(h);
    }
}

/* A writable same-level entry to another table: refused. */
static void writable_linear_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t a = pinned_table(h, v, 3), b = pinned_table(h, v, 3);
    (void)state;

    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, UPPER)), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_LINEAR_RW);
    harness_audit(h);
    assert_int_equal(lin(h, a), 0);
    assert_int_equal(lin(h, b), 0);
    assert_int_equal(harness_type_count(h, b), 1);
    harness_free(h);
}

/*
 * The target must already be validated: a linear entry never triggers a
 * validation.  A partially validated L2 (its pin preempted) is refused;
 * once its validation is finished, the same entry is accepted.
 */
static void linear_to_unvalidated_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t a = pinned_table(h, v, 2);
    mfn_t b = harness_alloc(h, d);
    (void)state;

    for (int i = 0; i < 4; i++)
        harness_pt(h, b)[i * 10] = pte_from_mfn(harness_alloc(h, d), UPPER);
    h->nr_preempt_checks = 0;
    h->preempt_at = 2;                  /* before entry 20: checks come before present ones */
    assert_int_equal(pin_table(v, d, b, PGT_l2_page_table, true), -XEN_ERESTART);
    h->preempt_at = 0;
    harness_audit(h);
    assert_true(h->ft[b].type_info & PGT_partial);
    assert_false(h->ft[b].type_info & PGT_validated);

    reason_clear(v, -1);
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, RO)), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_LINEAR_NOT_VALIDATED);
    harness_audit(h);
    assert_int_equal(lin(h, a), 0);
    assert_int_equal(lin(h, b), 0);

    /* Finish the pin; the entry is fine now. */
    assert_int_equal(pin_table(v, d, b, PGT_l2_page_table, true), 0);
    harness_audit(h);
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, RO)), 0);
    harness_audit(h);
    assert_int_equal(lin(h, a), 1);
    assert_int_equal(lin(h, b), -1);
    harness_free(h);
}

/* Same-level entries stay within one domain (XSA-240 hardening). */
static void cross_domain_linear_refused(void **state)
{
    (void)state;
    for (int level = 2; level <= 4; level++) {
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct domain *other = harness_domain(h, 2, false);
        struct vcpu *v = &d->vcpu[0];
        mfn_t a = pinned_table(h, v, level);
        mfn_t theirs = pinned_table(h, &other->vcpu[0], level);

        assert_int_equal(harness_pt_update(v, a, 1, pte_from_mfn(theirs, RO)), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_LINEAR_FOREIGN);
        harness_audit(h);
        assert_int_equal(harness_count(h, theirs), 2);
        assert_int_equal(harness_type_count(h, theirs), 1);
        assert_int_equal(lin(h, a), 0);
        assert_int_equal(lin(h, theirs), 0);
        harness_free(h);
    }
}

/*
 * A linear entry holds a type reference of its target: unpinning the
 * target keeps it validated; removing the entry then devalidates it, and
 * all linear counters are back at zero.
 */
static void linear_entry_keeps_target_validated(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t a = pinned_table(h, v, 2);
    mfn_t b = harness_alloc(h, d), l1 = harness_alloc(h, d);
    (void)state;

    harness_pt(h, b)[0] = pte_from_mfn(l1, UPPER);
    assert_int_equal(pin(v, b, 2), 0);
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, RO)), 0);
    assert_int_equal(unpin(v, b), 0);
    harness_audit(h);
    assert_true(h->ft[b].type_info & PGT_validated);
    assert_int_equal(harness_type_count(h, b), 1);
    assert_int_equal(harness_type_count(h, l1), 1);
    assert_int_equal(lin(h, b), -1);

    assert_int_equal(harness_pt_update(v, a, 0, 0), 0);
    harness_audit(h);
    assert_false(h->ft[b].type_info & PGT_validated);
    assert_int_equal(harness_type_count(h, b), 0);
    assert_int_equal(harness_type_count(h, l1), 0);
    assert_int_equal(harness_count(h, b), 1);
    assert_int_equal(lin(h, a), 0);
    assert_int_equal(lin(h, b), 0);

    /* The same when the container loses validation instead. */
    assert_int_equal(pin(v, b, 2), 0);
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, RO)), 0);
    assert_int_equal(unpin(v, a), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, b), 1);
    assert_int_equal(lin(h, b), 0);
    assert_int_equal(harness_count(h, b), 2);
    harness_free(h);
}

/* Domain teardown with linear entries in place: nothing left behind. */
static void teardown_with_linear_entries(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t a, b;
    int rc = 0;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    a = pinned_table(h, v, 2);
    b = pinned_table(h, v, 2);
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, RO)), 0);
    assert_int_equal(harness_pt_update(v, as.l4, 7, pte_from_mfn(as.l4, RO)), 0);
    assert_int_equal(harness_pt_update(v, as.l3, 3, pte_from_mfn(a, UPPER)), 0);
    harness_audit(h);

    for (int i = 0; i < 1000 && (rc = pvmm_domain_destroy(d)) == -XEN_ERESTART; i++)
        ;
    assert_int_equal(rc, 0);
    harness_audit(h);
    const mfn_t frames[] = { as.l4, as.l3, as.l2, as.l1, a, b };
    for (size_t i = 0; i < ARRAY_SIZE(frames); i++) {
        assert_int_equal(h->ft[frames[i]].count_info & PGC_count_mask, 0);
        assert_int_equal(harness_type_count(h, frames[i]), 0);
    }
    harness_free(h);
}

/* With the feature off (Xen's pv-linear-pt=0) every same-level entry is refused. */
static void linear_disabled(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t a = pinned_table(h, v, 2), b = pinned_table(h, v, 2);
    (void)state;

    h->s.linear_pt = false;
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(a, RO)), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_WRONG_LEVEL);
    assert_int_equal(harness_pt_update(v, a, 0, pte_from_mfn(b, RO)), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_WRONG_LEVEL);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, b), 1);
    harness_free(h);
}

/*
 * A table can be the target of at most 32768 linear entries (Xen's s16
 * counter); the next one is refused and the counts stay exact.
 */
static void linear_uses_limit(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t target = pinned_table(h, v, 2);
    mfn_t tables[64], last;
    (void)state;

    for (int t = 0; t < 64; t++) {
        tables[t] = harness_alloc(h, d);
        for (int i = 0; i < 512; i++)
            harness_pt(h, tables[t])[i] = pte_from_mfn(target, RO);
        assert_int_equal(pin(v, tables[t], 2), 0);
    }
    harness_audit(h);
    assert_int_equal(lin(h, target), INT16_MIN);
    assert_int_equal(harness_type_count(h, target), 1 + 64 * 512);

    last = harness_alloc(h, d);
    harness_pt(h, last)[0] = pte_from_mfn(target, RO);
    assert_int_equal(pin(v, last, 2), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_OVERFLOW);
    harness_audit(h);
    assert_int_equal(lin(h, target), INT16_MIN);

    for (int t = 0; t < 64; t++)
        assert_int_equal(unpin(v, tables[t]), 0);
    harness_audit(h);
    assert_int_equal(lin(h, target), 0);
    assert_int_equal(harness_type_count(h, target), 1);
    assert_int_equal(harness_count(h, target), 2);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(self_reference_holds_nothing),
        cmocka_unit_test(xsa240_chain_refused),
        cmocka_unit_test(writable_linear_refused),
        cmocka_unit_test(linear_to_unvalidated_refused),
        cmocka_unit_test(cross_domain_linear_refused),
        cmocka_unit_test(linear_entry_keeps_target_validated),
        cmocka_unit_test(teardown_with_linear_entries),
        cmocka_unit_test(linear_disabled),
        cmocka_unit_test(linear_uses_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
