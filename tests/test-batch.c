/*
 * tests/test-batch.c - the batch driver (core/batch.c): batch_run's contract, and multicall
 * with the multicall-continuation contract.
 *
 * batch_run: elements run in order; a failure stops at the failing element, BATCH_STOP after
 * the stopping one, -ERESTART (from an element, from preemption before any element but the
 * first, or from a pending deferred put) at the element to continue from; handle, count and
 * done always describe exactly that.
 *
 * multicall: an entry whose hypercall is continued (mmu_update clearing a present L2 or L3
 * entry, or anything preempted) gets the continuation's arguments written into its entry,
 * and the multicall - never the entry - is continued, from that entry; re-issuing the
 * multicall as an embedder does ends with every result exact, no entry run twice, and the
 * state clean, whether or not preemption also fires between and inside entries.
 */
#include "hc-helpers.h"
#include "../core/batch.h"

#define SENTINEL 0x5e9717e15e9717e1UL
#define OP_PROBE 17          /* __HYPERVISOR_xen_version: counts its runs, returns PROBE_RC */
#define OP_LEAVE 29          /* __HYPERVISOR_sched_op here: puts the vCPU in user mode */
#define PROBE_RC 0x40011

/* ---- batch_run ---- */

/* What the scripted element function does with element i, and what it saw. */
struct script {
    int rc[8];
    unsigned int runs[8];
    bool set_old_guest_table_at[8];
    struct page_info *fake_old;
    uint64_t base;            /* the array's guest address */
};

static int scripted_elem(struct batch *b, void *elem, uint64_t at)
{
    struct script *sc = b->ctx;
    unsigned int i = (unsigned int)((const struct mmu_update *)elem)->val;

    assert_int_equal(at, sc->base + i * sizeof(struct mmu_update));
    assert_true(i < 8);
    sc->runs[i]++;
    if (sc->set_old_guest_table_at[i])
        b->v->old_guest_table = sc->fake_old;
    return sc->rc[i];
}

static struct batch script_batch(struct harness_fx *fx, struct mmu_update *e, unsigned int n,
                                 struct script *sc)
{
    struct batch b = { .v = fx->v, .handle = (uint64_t)(uintptr_t)e, .count = n,
                       .size = sizeof(*e), .ctx = sc };

    for (unsigned int i = 0; i < n; i++)
        e[i] = (struct mmu_update){ .ptr = 0, .val = i };
    memset(sc, 0, sizeof(*sc));
    sc->base = (uint64_t)(uintptr_t)e;
    return b;
}

/* handle/count/done after a run that stopped with element `at` next. */
static void assert_at(const struct batch *b, const struct mmu_update *e, unsigned int n,
                      unsigned int at, unsigned int done)
{
    assert_int_equal(b->handle, (uint64_t)(uintptr_t)&e[at]);
    assert_int_equal(b->count, n - at);
    assert_int_equal(b->done, done);
}

static void batch_run_contract(void **state)
{
    struct harness_fx fx = harness_fx_new(64);
    struct mmu_update e[6];
    struct script sc;
    struct batch b;

    (void)state;
    /* All done. */
    b = script_batch(&fx, e, 6, &sc);
    assert_int_equal(batch_run(&b, scripted_elem, false), 0);
    assert_at(&b, e, 6, 6, 6);
    for (unsigned int i = 0; i < 6; i++)
        assert_int_equal(sc.runs[i], 1);

    /* A failure stops at the failing element, not counted. */
    b = script_batch(&fx, e, 6, &sc);
    sc.rc[2] = -XEN_EINVAL;
    assert_int_equal(batch_run(&b, scripted_elem, false), -XEN_EINVAL);
    assert_at(&b, e, 6, 2, 2);
    assert_int_equal(sc.runs[3], 0);

    /* An element's -ERESTART: continue from that element. */
    b = script_batch(&fx, e, 6, &sc);
    sc.rc[1] = -XEN_ERESTART;
    assert_int_equal(batch_run(&b, scripted_elem, false), -XEN_ERESTART);
    assert_at(&b, e, 6, 1, 1);

    /* BATCH_STOP: the element is done, nothing after it runs. */
    b = script_batch(&fx, e, 6, &sc);
    sc.rc[3] = BATCH_STOP;
    assert_int_equal(batch_run(&b, scripted_elem, false), BATCH_STOP);
    assert_at(&b, e, 6, 4, 4);
    assert_int_equal(sc.runs[4], 0);

    /* Preemption is never checked before the first element, then before every other. */
    b = script_batch(&fx, e, 6, &sc);
    fx.h->preempt_every = true;
    fx.h->nr_preempt_checks = 0;
    assert_int_equal(batch_run(&b, scripted_elem, false), -XEN_ERESTART);
    assert_at(&b, e, 6, 1, 1);
    assert_int_equal(fx.h->nr_preempt_checks, 1);
    fx.h->preempt_every = false;
    fx.h->nr_preempt_checks = 0;
    fx.h->preempt_at = 3;
    b = script_batch(&fx, e, 6, &sc);
    assert_int_equal(batch_run(&b, scripted_elem, false), -XEN_ERESTART);
    assert_at(&b, e, 6, 3, 3);
    fx.h->preempt_at = 0;

    /* A deferred put stops an mm batch before its next element (no preemption check). */
    b = script_batch(&fx, e, 6, &sc);
    sc.fake_old = harness_page(&fx, 20);
    sc.set_old_guest_table_at[1] = true;
    fx.h->nr_preempt_checks = 0;
    assert_int_equal(batch_run(&b, scripted_elem, true), -XEN_ERESTART);
    assert_at(&b, e, 6, 2, 2);
    assert_int_equal(fx.h->nr_preempt_checks, 1);   /* before element 1 only */
    /* ... but not a batch without the rule (multicall). */
    b = script_batch(&fx, e, 6, &sc);
    sc.fake_old = harness_page(&fx, 20);
    sc.set_old_guest_table_at[1] = true;
    assert_int_equal(batch_run(&b, scripted_elem, false), 0);
    fx.v->old_guest_table = NULL;

    /* An unreadable element: -EFAULT with a reason, handle at it. */
    b = script_batch(&fx, e, 6, &sc);
    b.handle = HARNESS_BAD_GVA;
    assert_int_equal(batch_run(&b, scripted_elem, false), -XEN_EFAULT);
    assert_reason(fx.v, PVMM_RULE_GUEST_FAULT);
    assert_int_equal(b.handle, HARNESS_BAD_GVA);
    assert_int_equal(b.done, 0);

    /* Nothing to do. */
    b = script_batch(&fx, e, 0, &sc);
    assert_int_equal(batch_run(&b, scripted_elem, false), 0);
    assert_int_equal(b.done, 0);
    harness_free(fx.h);
}

/* ---- multicall ---- */

static unsigned int probe_runs;

/* The embedder's side: run one entry's hypercall. */
static long subcall(void *ctx, struct vcpu *v, uint64_t op, const uint64_t a[6])
{
    (void)ctx;
    switch (op) {
    case OP_PROBE:
        probe_runs++;
        return PROBE_RC;
    case __HYPERVISOR_iret:
        return (long)a[0];
    case OP_LEAVE:
        v->kernel_mode = false;
        return 0;
    default:
        return harness_hypercall(v, op, a);
    }
}

/* Re-issue the multicall's continuations as an embedder does; returns the final result. */
static long finish_multicall(struct vcpu *v, long rc, unsigned int *nconts)
{
    *nconts = 0;
    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;

        /* Only the multicall is ever continued, with its own two arguments. */
        assert_int_equal(c.op, __HYPERVISOR_multicall);
        assert_int_equal(c.nargs, 2);
        assert_true(++*nconts < 10000);
        v->cont.pending = false;
        rc = do_multicall(v, c.args[0], (unsigned int)c.args[1], subcall, NULL);
    }
    return rc;
}

static long run_multicall(struct vcpu *v, struct multicall_entry *mc, unsigned int nr,
                          unsigned int *nconts)
{
    return finish_multicall(v, do_multicall(v, (uint64_t)(uintptr_t)mc, nr, subcall, NULL),
                            nconts);
}

/* Tables with present L2 and L3 entries whose overwrite defers a put. */
struct mc_fixture {
    struct hc_fixture f;
    mfn_t a1, b1, p2, q2, p3;
    struct mmu_update r1[2], r3[1], r5[2];
    unsigned int done1, done3, done5;
    struct multicall_entry mc[7];
};

static void mc_entry(struct multicall_entry *e, uint64_t op, uint64_t a0, uint64_t a1,
                     uint64_t a2, uint64_t a3)
{
    *e = (struct multicall_entry){ .op = op, .result = SENTINEL,
                                   .args = { a0, a1, a2, a3, 0x44, 0x55 } };
}

static void mc_setup(struct mc_fixture *m)
{
    struct hc_fixture *f = &m->f;

    hc_setup(f, 1, false);
    m->a1 = harness_alloc(f->h, f->d);
    m->b1 = harness_alloc(f->h, f->d);
    m->p2 = harness_alloc(f->h, f->d);
    m->q2 = harness_alloc(f->h, f->d);
    m->p3 = harness_alloc(f->h, f->d);
    assert_int_equal(harness_mmuext(f->v, MMUEXT_PIN_L2_TABLE, m->p2, 0), 0);
    assert_int_equal(harness_mmuext(f->v, MMUEXT_PIN_L3_TABLE, m->p3, 0), 0);
    assert_int_equal(harness_pt_update(f->v, m->p2, 0, pte_from_mfn(m->a1, HC_UPPER)), 0);
    assert_int_equal(harness_pt_update(f->v, m->p3, 0, pte_from_mfn(m->q2, HC_UPPER)), 0);
    harness_audit(f->h);

    m->r1[0] = hc_req(m->p2, 0, MMU_NORMAL_PT_UPDATE, 0);
    m->r1[1] = hc_req(m->p2, 1, MMU_NORMAL_PT_UPDATE, pte_from_mfn(m->b1, HC_UPPER));
    m->r3[0] = hc_req(m->p3, 0, MMU_NORMAL_PT_UPDATE, 0);
    m->r5[0] = hc_req(m->p2, 1, MMU_NORMAL_PT_UPDATE, 0);
    m->r5[1] = hc_req(m->p2, 2, 4, 0);   /* command 4: -ENOSYS */
    m->done1 = m->done3 = m->done5 = 0xdead;
    mc_entry(&m->mc[0], OP_PROBE, 0, 0, 0, 0);
    mc_entry(&m->mc[1], __HYPERVISOR_mmu_update, (uintptr_t)m->r1, 2, (uintptr_t)&m->done1,
             DOMID_SELF);
    mc_entry(&m->mc[2], OP_PROBE, 0, 0, 0, 0);
    mc_entry(&m->mc[3], __HYPERVISOR_mmu_update, (uintptr_t)m->r3, 1, (uintptr_t)&m->done3,
             DOMID_SELF);
    mc_entry(&m->mc[4], __HYPERVISOR_multicall, (uintptr_t)m->mc, 1, 0, 0);
    mc_entry(&m->mc[5], __HYPERVISOR_mmu_update, (uintptr_t)m->r5, 2, (uintptr_t)&m->done5,
             DOMID_SELF);
    mc_entry(&m->mc[6], OP_PROBE, 0, 0, 0, 0);
    probe_runs = 0;
}

/* The end state: exact results, no entry run twice, every reference dropped. */
static void mc_check_end(struct mc_fixture *m)
{
    struct hc_fixture *f = &m->f;
    intpte_t *p2 = harness_pt(f->h, m->p2), *p3 = harness_pt(f->h, m->p3);

    assert_int_equal(m->mc[0].result, PROBE_RC);
    assert_int_equal(m->mc[1].result, 0);
    assert_int_equal(m->done1, 2);
    assert_int_equal(m->mc[2].result, PROBE_RC);
    assert_int_equal(m->mc[3].result, 0);
    assert_int_equal(m->done3, 1);
    assert_int_equal(m->mc[4].result, (uint64_t)-XEN_EINVAL);
    assert_int_equal(m->mc[5].result, (uint64_t)-XEN_ENOSYS);
    assert_int_equal(m->done5, 1);
    assert_int_equal(m->mc[6].result, PROBE_RC);
    assert_int_equal(probe_runs, 3);
    assert_int_equal(p2[0], 0);
    assert_int_equal(p2[1], 0);
    assert_int_equal(p3[0], 0);
    assert_null(f->v->old_guest_table);
    for (unsigned int i = 0; i < 7; i++)
        assert_int_equal(m->mc[i].args[5], 0x55);
    harness_audit(f->h);
    assert_int_equal(harness_type_count(f->h, m->a1), 0);
    assert_int_equal(harness_type_count(f->h, m->b1), 0);
    assert_int_equal(harness_type_count(f->h, m->q2), 0);
}

/*
 * The first invocation stops at entry 1 (the cleared L2 entry's put is deferred): entry 1's
 * arguments are its continuation's, the multicall's continuation starts at entry 1, the
 * entries after it have not run.
 */
static void multicall_folds_entry_continuation(void **state)
{
    struct mc_fixture m;
    unsigned int nconts;
    long rc;

    (void)state;
    mc_setup(&m);
    rc = do_multicall(m.f.v, (uint64_t)(uintptr_t)m.mc, 7, subcall, NULL);
    assert_int_equal(rc, 0);
    assert_true(m.f.v->cont.pending);
    assert_int_equal(m.f.v->cont.op, __HYPERVISOR_multicall);
    assert_int_equal(m.f.v->cont.nargs, 2);
    assert_int_equal(m.f.v->cont.args[0], (uint64_t)(uintptr_t)&m.mc[1]);
    assert_int_equal(m.f.v->cont.args[1], 6);
    assert_int_equal(m.mc[0].result, PROBE_RC);
    assert_int_equal(m.mc[1].result, __HYPERVISOR_mmu_update);
    assert_int_equal(m.mc[1].args[0], (uint64_t)(uintptr_t)&m.r1[1]);
    assert_int_equal(m.mc[1].args[1], 1 | MMU_UPDATE_PREEMPTED);
    assert_int_equal(m.mc[1].args[2], (uint64_t)(uintptr_t)&m.done1);
    assert_int_equal(m.mc[1].args[3], DOMID_SELF);
    assert_int_equal(m.mc[1].args[4], 0x44);   /* mmu_update takes four: the rest is kept */
    assert_int_equal(m.done1, 1);
    assert_int_equal(m.mc[2].result, SENTINEL);
    assert_int_equal(probe_runs, 1);
    harness_audit(m.f.h);

    /*
     * Re-issue until done: entry 1 finishes, entry 3 needs its NULL-handle continuation,
     * entry 5 fails after its continuation: three continuations of the multicall in all.
     */
    rc = finish_multicall(m.f.v, rc, &nconts);
    assert_int_equal(rc, 0);
    assert_int_equal(nconts, 3);
    mc_check_end(&m);
    /* The finished entries hold their last continuation's arguments. */
    assert_int_equal(m.mc[3].args[0], 0);
    assert_int_equal(m.mc[3].args[1], MMU_UPDATE_PREEMPTED);
    assert_int_equal(m.mc[3].args[2], 0);
    assert_int_equal(m.mc[3].args[3], 0);
    assert_int_equal(m.mc[5].args[0], (uint64_t)(uintptr_t)&m.r5[1]);
    hc_teardown(&m.f);
}

/* Preempted at every check, between and inside entries: the same end, exactly. */
static void multicall_preempted_everywhere(void **state)
{
    struct mc_fixture m;
    unsigned int nconts;

    (void)state;
    mc_setup(&m);
    m.f.h->preempt_every = true;
    assert_int_equal(run_multicall(m.f.v, m.mc, 7, &nconts), 0);
    m.f.h->preempt_every = false;
    assert_true(nconts >= 6);   /* at least once before every entry but the first */
    mc_check_end(&m);
    hc_teardown(&m.f);

    /* Preempted at each single check in turn. */
    for (unsigned long at = 1; at < 40; at++) {
        mc_setup(&m);
        m.f.h->nr_preempt_checks = 0;
        m.f.h->preempt_at = at;
        assert_int_equal(run_multicall(m.f.v, m.mc, 7, &nconts), 0);
        mc_check_end(&m);
        hc_teardown(&m.f);
    }
}

/* iret ends the multicall with its result as an int; leaving kernel mode continues the rest. */
static void multicall_stop_rules(void **state)
{
    struct hc_fixture f;
    struct multicall_entry mc[3];
    long rc;

    (void)state;
    hc_setup(&f, 1, false);
    probe_runs = 0;
    mc_entry(&mc[0], OP_PROBE, 0, 0, 0, 0);
    mc_entry(&mc[1], __HYPERVISOR_iret, 0x1234567887654321UL, 0, 0, 0);
    mc_entry(&mc[2], OP_PROBE, 0, 0, 0, 0);
    rc = do_multicall(f.v, (uint64_t)(uintptr_t)mc, 3, subcall, NULL);
    assert_int_equal(rc, (long)(int)0x87654321);
    assert_false(f.v->cont.pending);
    assert_int_equal(mc[1].result, 0x1234567887654321UL);
    assert_int_equal(mc[2].result, SENTINEL);
    assert_int_equal(probe_runs, 1);

    mc_entry(&mc[1], OP_LEAVE, 0, 0, 0, 0);
    rc = do_multicall(f.v, (uint64_t)(uintptr_t)mc, 3, subcall, NULL);
    assert_int_equal(rc, 0);
    assert_true(f.v->cont.pending);
    assert_int_equal(f.v->cont.op, __HYPERVISOR_multicall);
    assert_int_equal(f.v->cont.args[0], (uint64_t)(uintptr_t)&mc[2]);
    assert_int_equal(f.v->cont.args[1], 1);
    assert_int_equal(mc[2].result, SENTINEL);
    f.v->kernel_mode = true;
    f.v->cont.pending = false;

    /* The last entry leaving kernel mode: nothing is left to continue. */
    rc = do_multicall(f.v, (uint64_t)(uintptr_t)&mc[1], 1, subcall, NULL);
    assert_int_equal(rc, 0);
    assert_false(f.v->cont.pending);
    f.v->kernel_mode = true;
    hc_teardown(&f);
}

/* A nested multicall, an unreadable list, and results that cannot be written. */
static void multicall_faults(void **state)
{
    struct mc_fixture m;
    struct multicall_entry one;
    long rc;

    (void)state;
    mc_setup(&m);
    assert_int_equal(do_multicall(m.f.v, HARNESS_BAD_GVA, 1, subcall, NULL), -XEN_EFAULT);
    assert_int_equal(do_multicall(m.f.v, 0xffff800000000000UL, 0, subcall, NULL),
                     -XEN_EFAULT);
    assert_int_equal(do_multicall(m.f.v, HARNESS_BAD_GVA, 0, subcall, NULL), 0);

    mc_entry(&one, __HYPERVISOR_multicall, (uintptr_t)&one, 1, 0, 0);
    assert_int_equal(do_multicall(m.f.v, (uint64_t)(uintptr_t)&one, 1, subcall, NULL), 0);
    assert_int_equal(one.result, (uint64_t)-XEN_EINVAL);

    /* Entry 1's result cannot be stored: -EFAULT, its continuation dropped (as Xen). */
    m.f.h->ro_gva = (uint64_t)(uintptr_t)&m.mc[1];
    m.f.h->ro_len = sizeof(m.mc[1]);
    rc = do_multicall(m.f.v, (uint64_t)(uintptr_t)m.mc, 7, subcall, NULL);
    assert_int_equal(rc, -XEN_EFAULT);
    assert_false(m.f.v->cont.pending);
    assert_int_equal(m.mc[2].result, SENTINEL);
    /* The deferred put is still owed and the next mm hypercall finishes it. */
    assert_non_null(m.f.v->old_guest_table);
    m.f.h->ro_len = 0;
    assert_int_equal(harness_mmuext(m.f.v, MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    assert_null(m.f.v->old_guest_table);
    harness_audit(m.f.h);

    hc_teardown(&m.f);

    /* Only the result field is writable: the continuation cannot be folded in. */
    mc_setup(&m);
    m.f.h->ro_gva = (uint64_t)(uintptr_t)&m.mc[1].args[0];
    m.f.h->ro_len = sizeof(m.mc[1].args);
    rc = do_multicall(m.f.v, (uint64_t)(uintptr_t)m.mc, 7, subcall, NULL);
    assert_int_equal(rc, -XEN_EFAULT);
    assert_false(m.f.v->cont.pending);
    m.f.h->ro_len = 0;
    assert_int_equal(harness_mmuext(m.f.v, MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    harness_audit(m.f.h);
    hc_teardown(&m.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_run_contract),
        cmocka_unit_test(multicall_folds_entry_continuation),
        cmocka_unit_test(multicall_preempted_everywhere),
        cmocka_unit_test(multicall_stop_rules),
        cmocka_unit_test(multicall_faults),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
