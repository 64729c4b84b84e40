/*
 * tests/test-continuations.c - preemption and continuations of the batched
 * hypercalls (core/mmu-update.c, core/mmuext-op.c; model.md §2.5, §4.3, §4.4).
 *
 * The harness's preemption script forces preempt_check() to say "yes" at a
 * chosen check, or at every check; each test then re-issues continuations
 * as the embedder would and checks that the batch ends exactly as an
 * unpreempted one, with *pdone the total and the auditor clean.
 */
#include "hc-helpers.h"

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
}

/*
 * Forced preemption between requests: the call returns 0 with a
 * continuation (handle advanced, count | MMU_UPDATE_PREEMPTED) and pdone
 * so far; re-issuing completes the batch and pdone ends at the total.
 */
static void preemption_continues_batch(void **state)
{
    struct hc_fixture f;
    struct mmu_update u[5];
    unsigned int done = 1000;
    long rc;

    (void)state;
    setup_domu(&f);
    for (unsigned int i = 0; i < 5; i++)
        u[i] = hc_req(f.as.l1, 30 + i, MMU_NORMAL_PT_UPDATE,
                      pte_from_mfn(f.as.data[i % 4], HC_RO));

    f.h->preempt_every = true;
    rc = do_mmu_update(f.v, (uint64_t)(uintptr_t)u, 5, (uint64_t)(uintptr_t)&done, DOMID_SELF);
    assert_int_equal(rc, 0);
    assert_true(f.v->cont.pending);
    assert_int_equal(f.v->cont.op, __HYPERVISOR_mmu_update);
    assert_int_equal(f.v->cont.args[0], (uint64_t)(uintptr_t)&u[1]);
    assert_int_equal(f.v->cont.args[1], 4 | MMU_UPDATE_PREEMPTED);
    assert_int_equal(f.v->cont.args[2], (uint64_t)(uintptr_t)&done);
    assert_int_equal(f.v->cont.args[3], DOMID_SELF);
    assert_int_equal(done, 1);
    assert_true(harness_pt(f.h, f.as.l1)[30] & _PAGE_PRESENT);
    assert_int_equal(harness_pt(f.h, f.as.l1)[31], 0);
    harness_audit(f.h);

    /* Re-issue until done, one request per call. */
    {
        unsigned long before = harness_continuations();
        struct pvmm_continuation c = f.v->cont;

        f.v->cont.pending = false;
        rc = do_mmu_update(f.v, c.args[0], (unsigned int)c.args[1], c.args[2],
                           (unsigned int)c.args[3]);
        assert_int_equal(rc, 0);
        assert_int_equal(done, 2);
        f.h->preempt_every = false;
        c = f.v->cont;
        f.v->cont.pending = false;
        rc = do_mmu_update(f.v, c.args[0], (unsigned int)c.args[1], c.args[2],
                           (unsigned int)c.args[3]);
        assert_int_equal(rc, 0);
        assert_false(f.v->cont.pending);
        assert_int_equal(done, 5);
        assert_int_equal(harness_continuations(), before);
    }
    for (unsigned int i = 0; i < 5; i++)
        assert_true(harness_pt(f.h, f.as.l1)[30 + i] & _PAGE_PRESENT);
    harness_audit(f.h);

    /* Preempted at every check, through the harness: same final state. */
    f.h->preempt_every = true;
    for (unsigned int i = 0; i < 5; i++)
        u[i].val = 0;
    done = 1000;
    assert_int_equal(harness_mmu_update(f.v, u, 5, &done, DOMID_SELF), 0);
    assert_int_equal(done, 5);
    for (unsigned int i = 0; i < 5; i++)
        assert_int_equal(harness_pt(f.h, f.as.l1)[30 + i], 0);
    f.h->preempt_every = false;
    harness_audit(f.h);

    /* A failure after a continuation still reports the total done. */
    f.h->preempt_every = true;
    u[0] = hc_req(f.as.l1, 40, MMU_NORMAL_PT_UPDATE, pte_from_mfn(f.as.data[0], HC_RO));
    u[1] = hc_req(f.as.l1, 41, MMU_NORMAL_PT_UPDATE, pte_from_mfn(f.as.data[1], HC_RO));
    u[2] = hc_req(f.as.l1, 42, 5, 0);
    done = 1000;
    assert_int_equal(harness_mmu_update(f.v, u, 3, &done, DOMID_SELF), -XEN_ENOSYS);
    assert_int_equal(done, 2);
    assert_int_equal(pvmm_last_reason(f.v)->op_index, 2);
    f.h->preempt_every = false;
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * A deferred put left after the last request is finished by a continuation
 * with a NULL handle that carries the batch's return code; the reason of
 * the failure survives it.
 */
static void deferred_put_carries_final_rc(void **state)
{
    struct hc_fixture f;
    struct mmu_update u[2];
    unsigned int done = 1000;
    unsigned long conts;
    mfn_t l1b;

    (void)state;
    setup_domu(&f);
    l1b = harness_alloc(f.h, f.d);
    u[0] = hc_req(f.as.l2, 1, MMU_NORMAL_PT_UPDATE, pte_from_mfn(l1b, HC_UPPER));
    assert_int_equal(harness_mmu_update(f.v, u, 1, NULL, DOMID_SELF), 0);
    harness_audit(f.h);

    u[0] = hc_req(f.as.l2, 1, MMU_NORMAL_PT_UPDATE, 0);
    u[1] = hc_req(f.as.l1, 60, 6, 0);
    conts = harness_continuations();
    assert_int_equal(harness_mmu_update(f.v, u, 2, &done, DOMID_SELF), -XEN_ENOSYS);
    /* The old L1's put was deferred: one continuation finished it. */
    assert_int_equal(harness_continuations(), conts + 1);
    assert_int_equal(done, 1);
    assert_rc_reason(f.v, -XEN_ENOSYS, PVMM_RULE_BAD_COMMAND);
    assert_int_equal(pvmm_last_reason(f.v)->op_index, 1);
    assert_null(f.v->old_guest_table);
    assert_int_equal(harness_type_count(f.h, l1b), 0);
    harness_audit(f.h);

    /* The NULL-handle continuation on its own returns the smuggled code. */
    assert_int_equal(do_mmu_update(f.v, 0, MMU_UPDATE_PREEMPTED, 0,
                                   (unsigned int)-XEN_EBUSY), -XEN_EBUSY);
    hc_teardown(&f);
}

/*
 * -ERESTART from a preemptible entry update (mod_l3_entry validating a new
 * L2 with several L1s) becomes a continuation that retries the same
 * request; so does the preemptible devalidation when the entry is removed.
 * Preemption is forced at each check in turn.
 */
static void entry_update_preempted_everywhere(void **state)
{
    unsigned long conts = harness_continuations();

    (void)state;
    for (unsigned long k = 1; k <= 30; k++) {
        struct hc_fixture f;
        struct mmu_update u[2];
        unsigned int done = 1000;
        mfn_t l2b, data;

        setup_domu(&f);
        l2b = harness_alloc(f.h, f.d);
        data = harness_alloc(f.h, f.d);
        for (unsigned int i = 0; i < 6; i++) {
            mfn_t l1 = harness_alloc(f.h, f.d);

            harness_pt(f.h, l1)[i] = pte_from_mfn(data, HC_RW);
            harness_pt(f.h, l2b)[i] = pte_from_mfn(l1, HC_UPPER);
        }
        u[0] = hc_req(f.as.l1, 70, MMU_NORMAL_PT_UPDATE, pte_from_mfn(data, HC_RO));
        u[1] = hc_req(f.as.l3, 1, MMU_NORMAL_PT_UPDATE, pte_from_mfn(l2b, HC_UPPER));
        f.h->nr_preempt_checks = 0;
        f.h->preempt_at = k;
        assert_int_equal(harness_mmu_update(f.v, u, 2, &done, DOMID_SELF), 0);
        assert_int_equal(done, 2);
        assert_int_equal(harness_type(f.h, l2b), PGT_l2_page_table);
        assert_true(f.h->ft[l2b].type_info & PGT_validated);
        assert_int_equal(harness_type_count(f.h, l2b), 1);
        assert_int_equal(harness_count(f.h, data), 1 + 6 + 1);
        harness_audit(f.h);

        u[0] = hc_req(f.as.l3, 1, MMU_NORMAL_PT_UPDATE, 0);
        f.h->nr_preempt_checks = 0;
        f.h->preempt_at = k;
        assert_int_equal(harness_mmu_update(f.v, u, 1, &done, DOMID_SELF), 0);
        assert_int_equal(done, 1);
        assert_int_equal(harness_type_count(f.h, l2b), 0);
        assert_int_equal(harness_count(f.h, data), 1 + 1);
        assert_null(f.v->old_guest_table);
        harness_audit(f.h);
        hc_teardown(&f);
    }
    assert_true(harness_continuations() > conts + 10);
}

/*
 * Build a tree: L4 -> L3 -> L2 -> n L1s, each L1 mapping a data frame.
 * Returns the L4 (unpinned, unvalidated).
 */
static mfn_t build_tree(struct hc_fixture *f, unsigned int n)
{
    mfn_t l4 = harness_alloc(f->h, f->d);
    mfn_t l3 = harness_alloc(f->h, f->d);
    mfn_t l2 = harness_alloc(f->h, f->d);
    mfn_t data = harness_alloc(f->h, f->d);

    harness_pt(f->h, l4)[1] = pte_from_mfn(l3, HC_UPPER);
    harness_pt(f->h, l3)[0] = pte_from_mfn(l2, HC_UPPER);
    for (unsigned int i = 0; i < n; i++) {
        mfn_t l1 = harness_alloc(f->h, f->d);

        harness_pt(f->h, l1)[i] = pte_from_mfn(data, HC_RW);
        harness_pt(f->h, l2)[i] = pte_from_mfn(l1, HC_UPPER);
    }
    return l4;
}

/*
 * Pinning and unpinning a tree with preemption forced at each possible
 * check in turn: every run ends in the same state and the auditor stays
 * clean after each one.
 */
static void pin_unpin_preempted_everywhere(void **state)
{
    unsigned long conts = harness_continuations();

    (void)state;
    for (unsigned long k = 1; k <= 40; k++) {
        struct hc_fixture f;
        mfn_t l4;
        unsigned int done = 1000;

        setup_domu(&f);
        l4 = build_tree(&f, 13);
        f.h->nr_preempt_checks = 0;
        f.h->preempt_at = k;
        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_PIN_L4_TABLE, l4, 0, DOMID_SELF, &done), 0);
        assert_int_equal(done, 1);
        assert_true(f.h->ft[l4].type_info & PGT_pinned);
        assert_true(f.h->ft[l4].type_info & PGT_validated);
        harness_audit(f.h);

        f.h->nr_preempt_checks = 0;
        f.h->preempt_at = k;
        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_UNPIN_TABLE, l4, 0, DOMID_SELF, &done), 0);
        assert_int_equal(done, 1);
        assert_int_equal(harness_type_count(f.h, l4), 0);
        assert_null(f.v->old_guest_table);
        harness_audit(f.h);
        hc_teardown(&f);
    }
    /* The 13 L1s give 12 checks in the pin and 12 in the unpin (one before each present L2
     * entry after the first): each of the first twelve runs was preempted in both. */
    assert_true(harness_continuations() >= conts + 12);
}

/* Preempted at every check: a batch still completes, with continuations. */
static void batch_preempted_every_time(void **state)
{
    struct hc_fixture f;
    struct mmuext_op ops[6];
    unsigned int done = 1000;
    unsigned long conts;
    mfn_t l4;

    (void)state;
    setup_domu(&f);
    l4 = build_tree(&f, 3);
    memset(ops, 0, sizeof(ops));
    ops[0].cmd = MMUEXT_PIN_L4_TABLE;
    ops[0].arg1.mfn = l4;
    ops[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
    ops[2].cmd = MMUEXT_NEW_BASEPTR;
    ops[2].arg1.mfn = l4;
    ops[3].cmd = MMUEXT_NEW_BASEPTR;
    ops[3].arg1.mfn = f.as.l4;
    ops[4].cmd = MMUEXT_UNPIN_TABLE;
    ops[4].arg1.mfn = l4;
    ops[5].cmd = MMUEXT_TLB_FLUSH_ALL;
    conts = harness_continuations();
    f.h->preempt_every = true;
    assert_int_equal(harness_mmuext_op(f.v, ops, 6, &done, DOMID_SELF), 0);
    f.h->preempt_every = false;
    assert_int_equal(done, 6);
    assert_true(harness_continuations() >= conts + 5);
    assert_int_equal(f.v->guest_table, f.as.l4);
    assert_int_equal(harness_type_count(f.h, l4), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(preemption_continues_batch),
        cmocka_unit_test(deferred_put_carries_final_rc),
        cmocka_unit_test(entry_update_preempted_everywhere),
        cmocka_unit_test(pin_unpin_preempted_everywhere),
        cmocka_unit_test(batch_preempted_every_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
