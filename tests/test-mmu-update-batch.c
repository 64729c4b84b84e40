/*
 * tests/test-mmu-update-batch.c - mmu_update batches that write one L1 many
 * times (core/mmu-update.c keeps the L1's reference, page lock and mapping
 * from one request to the next while they name the same table).
 *
 * Whatever the order of tables in a batch, where it stops or is preempted,
 * every request must behave as if it had taken and dropped them itself: the
 * same results and pdone, no reference or lock left behind (the auditor and
 * the exact counts say so), and the table lockable again afterwards.
 */
#include "hc-helpers.h"

/* No type word of the first n frames has PGT_locked left set. */
static void assert_no_page_locked(struct harness *h)
{
    for (mfn_t m = 0; m < HC_NR_FRAMES; m++)
        assert_false(h->ft[m].type_info & PGT_locked);
}

/* A second running L1 (l1b) hooked into L2 slot 1 of the fixture. */
static mfn_t add_second_l1(struct hc_fixture *f)
{
    mfn_t l1b = harness_alloc(f->h, f->d);

    assert_int_equal(harness_pt_update(f->v, f->as.l2, 1, pte_from_mfn(l1b, HC_UPPER)), 0);
    assert_int_equal(harness_type(f->h, l1b), PGT_l1_page_table);
    harness_audit(f->h);
    return l1b;
}

/*
 * Requests alternate between two L1s, with an M2P update and an L2 entry in
 * between, and the batch stops at a refused request of the first L1: the
 * requests before it are applied, every count is as a one-by-one run leaves
 * it, and no lock is left.
 */
static void alternating_tables_then_failure(void **state)
{
    struct hc_fixture f;
    struct mmu_update u[8];
    unsigned int done = 1000;
    uint64_t l1_count, l1_type_count;
    mfn_t l1b, x;

    (void)state;
    hc_setup(&f, 1, false);
    l1b = add_second_l1(&f);
    x = harness_alloc(f.h, f.d);
    l1_count = harness_count(f.h, f.as.l1);
    l1_type_count = harness_type_count(f.h, f.as.l1);

    u[0] = hc_req(f.as.l1, 30, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RW));
    u[1] = hc_req(f.as.l1, 31, MMU_PT_UPDATE_PRESERVE_AD, pte_from_mfn(x, HC_RO));
    u[2] = (struct mmu_update){ .ptr = (x << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, .val = 7 };
    u[3] = hc_req(f.as.l1, 32, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RW));
    u[4] = hc_req(l1b, 0, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RW));
    u[5] = hc_req(f.as.l2, 2, MMU_NORMAL_PT_UPDATE, 0);
    u[6] = hc_req(f.as.l1, 33, MMU_NORMAL_PT_UPDATE, pte_from_mfn(f.as.l2, HC_RW));
    u[7] = hc_req(f.as.l1, 34, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RW));
    assert_int_equal(harness_mmu_update(f.v, u, 8, &done, DOMID_SELF), -XEN_EBUSY);
    assert_int_equal(done, 6);
    assert_rc_reason(f.v, -XEN_EBUSY, PVMM_RULE_WRITABLE_PAGETABLE);
    assert_int_equal(pvmm_last_reason(f.v)->op_index, 6);
    assert_int_equal(f.h->m2p[x], 7);
    assert_int_equal(harness_type_count(f.h, x), 3);
    assert_int_equal(harness_count(f.h, x), 5);
    assert_int_equal(harness_pt(f.h, f.as.l1)[33], 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[34], 0);
    assert_int_equal(harness_count(f.h, f.as.l1), l1_count);
    assert_int_equal(harness_type_count(f.h, f.as.l1), l1_type_count);
    assert_no_page_locked(f.h);
    harness_audit(f.h);

    /* The tables take further updates (their locks are free), and undo it all. */
    u[0].val = u[1].val = u[3].val = u[4].val = 0;
    assert_int_equal(harness_mmu_update(f.v, u, 5, &done, DOMID_SELF), 0);
    assert_int_equal(done, 5);
    assert_int_equal(harness_type_count(f.h, x), 0);
    assert_int_equal(harness_count(f.h, x), 1);
    assert_no_page_locked(f.h);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * A batch on one L1 preempted before every request but the first: each
 * continuation starts afresh, the result is the same as in one go.
 */
static void one_table_preempted_at_every_request(void **state)
{
    struct hc_fixture f;
    struct mmu_update u[6];
    unsigned int done = 0;
    unsigned long conts;
    mfn_t x;

    (void)state;
    hc_setup(&f, 1, false);
    x = harness_alloc(f.h, f.d);
    for (unsigned int i = 0; i < 6; i++)
        u[i] = hc_req(f.as.l1, 40 + i, MMU_NORMAL_PT_UPDATE,
                      pte_from_mfn(x, i & 1 ? HC_RO : HC_RW));
    conts = harness_continuations();
    f.h->preempt_every = true;
    assert_int_equal(harness_mmu_update(f.v, u, 6, &done, DOMID_SELF), 0);
    f.h->preempt_every = false;
    assert_int_equal(done, 6);
    assert_int_equal(harness_continuations() - conts, 5);
    assert_int_equal(harness_type_count(f.h, x), 3);
    assert_int_equal(harness_count(f.h, x), 7);
    for (unsigned int i = 0; i < 6; i++)
        assert_int_equal(harness_pt(f.h, f.as.l1)[40 + i], hc_adjusted_l1e(u[i].val));
    assert_no_page_locked(f.h);
    harness_audit(f.h);

    /* Unhooking the L1 afterwards devalidates it: nothing holds its lock or a reference. */
    for (unsigned int i = 0; i < 6; i++)
        u[i].val = 0;
    assert_int_equal(harness_mmu_update(f.v, u, 6, &done, DOMID_SELF), 0);
    assert_int_equal(harness_count(f.h, x), 1);
    assert_int_equal(harness_pt_update(f.v, f.as.l2, 0, 0), 0);
    assert_null(f.v->old_guest_table);
    assert_int_equal(harness_type_count(f.h, f.as.l1), 0);
    assert_no_page_locked(f.h);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alternating_tables_then_failure),
        cmocka_unit_test(one_table_preempted_at_every_request),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
