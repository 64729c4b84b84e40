/*
 * tests/stress/test-concurrency.c - concurrent hypercalls from several vCPUs,
 * under ThreadSanitizer.
 *
 * The story: a PV guest's vCPUs enter the hypervisor at the same time and
 * work on the same page tables.  The core promises that this is safe: counts
 * change only by compare-and-swap, entry updates hold the table's page lock,
 * one CPU at a time owns a (de)validation (docs/concurrency.md).  This
 * program checks the promise.  One domain gets a small set of shared
 * frames - three L4s, two L3s, two L2s, three L1s wired into trees, eight
 * data frames, two descriptor frames and one balloon frame per vCPU - and
 * one thread per online vCPU then issues random hypercalls on them
 * (tests/stress/stress-ops.c): pin and unpin at every level, mmu_update of
 * L1..L4 entries (data frames read-only or writable, tables read-only,
 * links, linear links, type confusion, Xen slots), update_va_mapping
 * through the vCPU's current tables with every flush kind, NEW_BASEPTR /
 * NEW_USER_BASEPTR switching between the L4s, the mmuext flushes, set_gdt
 * and update_descriptor on shared frames, CLEAR_PAGE / COPY_PAGE, mixed
 * mmuext batches, and decrease/increase_reservation of the balloon frames
 * while the others map and link them.  Each thread draws from its own
 * seeded PRNG, so the operation streams are fixed; free-running, only
 * their interleaving varies; under the deterministic scheduler
 * (stress-platform.h) the interleaving is fixed by the seed too.
 *
 * Oracles: every return code must be one Xen gives for that operation (the
 * guest never sees -ERESTART or -EINTR), *pdone must match, continuations
 * are re-issued by the thread until done, and the core must log no error.
 * ThreadSanitizer must report no data race (make check runs this with
 * halt_on_error=1).  After the threads are joined everything they hold is
 * dropped (user bases, GDTs, pins) and the auditor must find the state
 * clean; after the domain is destroyed it must find zero references left
 * and every frame back on the free list.  A watchdog aborts on a deadlock.
 *
 * PVMM_STRESS_OPS and PVMM_STRESS_SEED override the operation count per
 * thread and the base seed; PVMM_STRESS_TEST runs only the tests matching
 * that pattern.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stress-ops.h"

#define NR_FRAMES   128

/* ---- set-up, the run, and the checks after it ---- */

struct run {
    struct stress_machine *m;
    struct domain *d;
    struct frames f;
    unsigned int nr_vcpus;
    struct worker w[MAX_VCPUS];
    pthread_barrier_t start;
    struct stress_sched sched;       /* used when the run is interleaved */
    unsigned int audit_failures;     /* mid-run audits with violations */
};

static mfn_t alloc_frame(struct run *r)
{
    mfn_t mfn = stress_alloc(r->m, r->d);

    assert_true(mfn != INVALID_MFN);
    return mfn;
}

/*
 * The shared frames, wired into trees: L4[i] -> L3s -> L2s -> L1s -> data
 * (read-only, plus one writable mapping of data[0] that keeps it writable).
 * L4[0] is pinned and every vCPU starts on one of the L4s.
 */
static void build(struct run *r)
{
    static const unsigned int nr_per_level[5] = { 0, 3, 2, 2, 3 };
    struct frames *f = &r->f;

    for (int level = 1; level <= 4; level++) {
        f->nr[level] = nr_per_level[level];
        for (unsigned int i = 0; i < f->nr[level]; i++)
            f->lv[level][i] = alloc_frame(r);
    }
    for (unsigned int i = 0; i < NR_DATA; i++)
        f->data[i] = alloc_frame(r);
    for (unsigned int i = 0; i < NR_GDT; i++)
        f->gdt[i] = alloc_frame(r);
    for (unsigned int i = 0; i < r->nr_vcpus; i++)
        f->balloon[i] = alloc_frame(r);

    for (unsigned int i = 0; i < 3; i++) {
        intpte_t *l4 = stress_pt(r->m, f->lv[4][i]);

        l4[0] = pte_from_mfn(f->lv[3][i % 2], UPPER);
        l4[1] = pte_from_mfn(f->lv[3][(i + 1) % 2], UPPER);
    }
    for (unsigned int i = 0; i < 2; i++) {
        intpte_t *l3 = stress_pt(r->m, f->lv[3][i]);
        intpte_t *l2 = stress_pt(r->m, f->lv[2][i]);

        l3[0] = pte_from_mfn(f->lv[2][i], UPPER);
        l3[1] = pte_from_mfn(f->lv[2][1 - i], UPPER);
        l2[0] = pte_from_mfn(f->lv[1][i], UPPER);
        l2[1] = pte_from_mfn(f->lv[1][2], UPPER);
    }
    for (unsigned int i = 0; i < 3; i++) {
        intpte_t *l1 = stress_pt(r->m, f->lv[1][i]);

        for (unsigned int s = 0; s < 8; s++)
            l1[s] = pte_from_mfn(f->data[(i + s) % 6], RO);
    }
    stress_pt(r->m, f->lv[1][0])[8] = pte_from_mfn(f->data[0], RW);

    assert_int_equal(pvmm_pin_table(&r->d->vcpu[0], f->lv[4][0], 4), 0);
    for (unsigned int i = 0; i < r->nr_vcpus; i++)
        assert_int_equal(pvmm_new_baseptr(&r->d->vcpu[i], f->lv[4][i % 3]), 0);
    assert_int_equal(stress_audit(r->m, "after set-up"), 0);
}

static void setup_run(struct run *r, unsigned int nr_vcpus, unsigned long nr_ops,
                      unsigned int preempt_one_in, bool interleaved, uint64_t seed)
{
    const char *env_ops = getenv("PVMM_STRESS_OPS");
    const char *env_seed = getenv("PVMM_STRESS_SEED");

    if (env_ops)
        nr_ops = strtoul(env_ops, NULL, 0);
    if (env_seed)
        seed ^= strtoull(env_seed, NULL, 0);

    memset(r, 0, sizeof(*r));
    r->nr_vcpus = nr_vcpus;
    r->m = stress_machine_new(NR_FRAMES);
    assert_non_null(r->m);
    r->d = pvmm_domain_create(&r->m->s, 1, false, NR_FRAMES, nr_vcpus);
    assert_non_null(r->d);
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct worker *w = &r->w[i];

        w->m = r->m;
        w->f = &r->f;
        w->balloon_slot = &r->f.balloon[i];
        /* Mid-run audits need every thread at a barrier: free-running only. */
        w->audit_every = interleaved ? 0 : 10000;
        w->audit_failures = &r->audit_failures;
        w->v = &r->d->vcpu[i];
        w->v->online = true;
        w->v->plat = &w->sv;
        w->nr_ops = nr_ops;
        w->rng = (seed + 0x9E3779B97F4A7C15ULL * (i + 1)) | 1;
        w->sv.preempt_rng = (seed ^ (0xD1B54A32D192ED03ULL * (i + 1))) | 1;
        w->sv.id = i;
    }
    build(r);
    if (interleaved) {
        stress_sched_init(&r->sched, nr_vcpus, seed * 0x9E3779B97F4A7C15ULL);
        for (unsigned int i = 0; i < nr_vcpus; i++)
            r->w[i].sv.sched = &r->sched;
    }
    /* Preemption only once the set-up is done. */
    for (unsigned int i = 0; i < nr_vcpus; i++)
        r->w[i].sv.preempt_one_in = preempt_one_in;
}

/* Frame state for a deadlock report (atomic reads: the workers are still running). */
static void dump_frames(struct run *r)
{
    for (mfn_t m = STRESS_IO_FRAMES; m < NR_FRAMES - 2; m++) {
        struct page_info *pg = &r->m->ft[m];
        uint64_t caf = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);
        uint64_t taf = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

        if (caf)
            fprintf(stderr, "  mfn %#lx caf %#lx taf %#lx\n", (unsigned long)m,
                    (unsigned long)caf, (unsigned long)taf);
    }
}

/* Run the workers to the end; abort if none makes progress for a minute (deadlock). */
static double run_workers(struct run *r)
{
    pthread_t tid[MAX_VCPUS];
    struct timespec t0, t1, nap = { 0, 50 * 1000 * 1000 };
    unsigned long last = ~0UL;
    unsigned int stalled = 0;

    assert_int_equal(pthread_barrier_init(&r->start, NULL, r->nr_vcpus), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned int i = 0; i < r->nr_vcpus; i++) {
        r->w[i].start = &r->start;
        assert_int_equal(pthread_create(&tid[i], NULL, stress_worker_main, &r->w[i]), 0);
    }
    for (;;) {
        unsigned long progress = 0;
        bool all = true;

        nanosleep(&nap, NULL);
        for (unsigned int i = 0; i < r->nr_vcpus; i++) {
            progress += __atomic_load_n(&r->w[i].progress, __ATOMIC_RELAXED);
            all &= __atomic_load_n(&r->w[i].finished, __ATOMIC_ACQUIRE);
        }
        if (all)
            break;
        stalled = progress == last ? stalled + 1 : 0;
        last = progress;
        if (stalled == 20 * 60) {
            fprintf(stderr, "no progress for 60 s: deadlock?\n");
            dump_frames(r);
            abort();
        }
    }
    for (unsigned int i = 0; i < r->nr_vcpus; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    pthread_barrier_destroy(&r->start);
    /* From here on the main thread drives the vCPUs itself. */
    for (unsigned int i = 0; i < r->nr_vcpus; i++)
        r->w[i].sv.sched = NULL;
    if (r->sched.on)
        stress_sched_destroy(&r->sched);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void report(struct run *r, double secs)
{
    unsigned long ok[OP_NR] = { 0 }, refused[OP_NR] = { 0 }, conts = 0, preempts = 0;

    for (unsigned int i = 0; i < r->nr_vcpus; i++) {
        struct worker *w = &r->w[i];

        conts += w->nr_conts;
        preempts += w->sv.nr_preempts;
        for (int k = 0; k < OP_NR; k++) {
            ok[k] += w->nr_ok[k];
            refused[k] += w->nr_refused[k];
        }
    }
    printf("# %u vCPUs x %lu ops in %.2f s: %lu continuations, %lu preemptions, "
           "%lu flushes\n", r->nr_vcpus, r->w[0].nr_ops, secs, conts, preempts,
           __atomic_load_n(&r->m->nr_flushes, __ATOMIC_RELAXED));
    for (int k = 0; k < OP_NR; k++)
        printf("#   %-18s %6lu done %6lu refused\n", op_names[k], ok[k], refused[k]);
}

/* After the join: drop user bases, GDTs and pins (kernel bases stay: no ABI drops them). */
static void drop_everything(struct run *r)
{
    struct worker *w0 = &r->w[0];

    for (unsigned int i = 0; i < r->nr_vcpus; i++) {
        struct worker *w = &r->w[i];

        w->sv.preempt_one_in = 0;
        assert_int_equal(do_set_gdt(w->v, 0, 0), 0);
        memset(&w->xops[0], 0, sizeof(w->xops[0]));
        w->xops[0].cmd = MMUEXT_NEW_USER_BASEPTR;
        snprintf(w->desc, sizeof(w->desc), "final NEW_USER_BASEPTR 0");
        assert_int_equal(stress_mmuext(w, 1), 0);
        assert_null(w->v->old_guest_table);
    }
    for (int level = 1; level <= 4; level++) {
        for (unsigned int i = 0; i < r->f.nr[level]; i++) {
            long rc;

            memset(&w0->xops[0], 0, sizeof(w0->xops[0]));
            w0->xops[0].cmd = MMUEXT_UNPIN_TABLE;
            w0->xops[0].arg1.mfn = r->f.lv[level][i];
            rc = stress_mmuext(w0, 1);
            assert_true(rc == 0 || rc == -XEN_EINVAL);
            assert_false(r->m->ft[r->f.lv[level][i]].type_info & PGT_pinned);
        }
    }
    assert_false(w0->failed);
}

static void check_workers(struct run *r)
{
    for (unsigned int i = 0; i < r->nr_vcpus; i++)
        if (r->w[i].failed)
            fail_msg("vCPU %u: %s", i, r->w[i].failure);
}

/* Destroy the domain (re-issuing while preempted): zero references, every frame free. */
static void destroy_and_check(struct run *r)
{
    unsigned int rounds = 0;
    int rc;

    r->w[0].sv.preempt_one_in = 4;
    while ((rc = pvmm_domain_destroy(r->d)) == -XEN_ERESTART)
        assert_true(++rounds < 100000);
    assert_int_equal(rc, 0);
    assert_int_equal(stress_audit(r->m, "after destroy"), 0);
    for (mfn_t m = STRESS_IO_FRAMES; m < NR_FRAMES - 2; m++) {
        struct page_info *pg = &r->m->ft[m];

        if (pg->count_info || pg->type_info || pg->owner != PVMM_OWNER_NONE)
            fail_msg("mfn %#lx left with caf %#lx taf %#lx owner %#x", (unsigned long)m,
                     (unsigned long)pg->count_info, (unsigned long)pg->type_info, pg->owner);
    }
    assert_int_equal(r->m->s.nr_free, r->m->nr_free_at_start);
}

static void stress(unsigned int nr_vcpus, unsigned long nr_ops, unsigned int preempt_one_in,
                   bool interleaved, uint64_t seed)
{
    struct run *r = calloc(1, sizeof(*r));
    double secs;

    assert_non_null(r);
    setup_run(r, nr_vcpus, nr_ops, preempt_one_in, interleaved, seed);
    secs = run_workers(r);
    report(r, secs);
    check_workers(r);
    assert_int_equal(r->audit_failures, 0);
    assert_int_equal(__atomic_load_n(&r->m->nr_core_errors, __ATOMIC_RELAXED), 0);

    drop_everything(r);
    assert_int_equal(stress_audit(r->m, "after dropping everything"), 0);
    assert_int_equal(r->m->nr_core_errors, 0);

    destroy_and_check(r);
    assert_int_equal(r->m->nr_core_errors, 0);
    stress_machine_free(r->m);
    free(r);
}

/* Two vCPUs, no preemption: the most direct races on counts and entries. */
static void two_vcpus_race(void **state)
{
    (void)state;
    stress(2, 100000, 0, false, 0x5eed0001);
}

/*
 * Two vCPUs with random preemption: partial (de)validations taken over by
 * the other vCPU, deferred puts, continuations racing with everything.
 */
static void two_vcpus_race_preempted(void **state)
{
    (void)state;
    stress(2, 100000, 6, false, 0x5eed0002);
}

/* Three vCPUs on two cores, with preemption: more interleavings per op. */
static void three_vcpus_race_preempted(void **state)
{
    (void)state;
    stress(3, 50000, 8, false, 0x5eed0003);
}

/*
 * Two vCPUs under the deterministic scheduler, switching at every yield
 * point (hypercall starts, continuations, preemption checks, spin-waits):
 * the same seed always gives the same interleaving.
 */
static void two_vcpus_interleaved(void **state)
{
    (void)state;
    stress(2, 30000, 6, true, 0x5eed0004);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_vcpus_interleaved),
        cmocka_unit_test(two_vcpus_race),
        cmocka_unit_test(two_vcpus_race_preempted),
        cmocka_unit_test(three_vcpus_race_preempted),
    };

    /* Worker output and cmocka's must not interleave mid-line. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getenv("PVMM_STRESS_TEST"))
        cmocka_set_test_filter(getenv("PVMM_STRESS_TEST"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
