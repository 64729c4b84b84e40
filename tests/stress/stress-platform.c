/*
 * tests/stress/stress-platform.c - the thread-safe hosted platform (see
 * stress-platform.h).
 */
#include "stress-platform.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The vCPU this thread plays (cpu_relax is not told which vCPU spins). */
__thread struct stress_vcpu *stress_current;

static void *s_map_frame(void *ctx, mfn_t mfn)
{
    struct stress_machine *m = ctx;

    if (mfn >= m->nr_frames)
        abort();   /* the core never maps a frame outside the table */
    return m->mem + (mfn << PAGE_SHIFT);
}

static void s_flush_tlb(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    struct stress_machine *m = ctx;

    (void)d; (void)mask; (void)va;
    __atomic_fetch_add(&m->nr_flushes, 1, __ATOMIC_RELAXED);
}

static void s_write_ptbase(void *ctx, struct vcpu *v)
{
    struct stress_machine *m = ctx;

    (void)v;
    __atomic_fetch_add(&m->nr_ptbase_writes, 1, __ATOMIC_RELAXED);
}

/* Errors from the core mean a broken invariant: count them and show them. */
static void s_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    struct stress_machine *m = ctx;

    if (lvl >= PVMM_LOG_ERROR) {
        __atomic_fetch_add(&m->nr_core_errors, 1, __ATOMIC_RELAXED);
        fprintf(stderr, "core error: %s\n", msg);
    } else if (lvl >= PVMM_LOG_WARN && getenv("PVMM_TEST_LOG")) {
        fprintf(stderr, "core: %s\n", msg);
    }
}

/* Each vCPU draws from its own PRNG: deterministic per thread, no sharing. */
static bool s_preempt_check(void *ctx, struct vcpu *v)
{
    struct stress_vcpu *sv = v->plat;

    (void)ctx;
    if (!sv)
        return false;
    stress_yield(sv);
    if (sv->preempt_one_in == 0)
        return false;
    if (stress_below(&sv->preempt_rng, sv->preempt_one_in) != 0)
        return false;
    sv->nr_preempts++;
    return true;
}

/*
 * Guest virtual addresses are host pointers into the calling thread's own
 * buffers, so plain copies are thread-safe.
 */
static int s_copy_from_guest(void *ctx, struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    (void)ctx; (void)v;
    if (gva == 0)
        return -XEN_EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

static int s_copy_to_guest(void *ctx, struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    (void)ctx; (void)v;
    if (gva == 0)
        return -XEN_EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

/*
 * A vCPU spinning on another: under the deterministic scheduler the other
 * must get the baton; free-running, let it have the core.
 */
static void s_cpu_relax(void *ctx)
{
    (void)ctx;
    if (stress_current && stress_current->sched)
        stress_yield(stress_current);
    else
        sched_yield();
}

void stress_sched_init(struct stress_sched *sc, unsigned int nr, uint64_t seed)
{
    memset(sc, 0, sizeof(*sc));
    sc->on = true;
    sc->nr = nr;
    sc->rng = seed | 1;
    pthread_mutex_init(&sc->mu, NULL);
    pthread_cond_init(&sc->cv, NULL);
}

void stress_sched_destroy(struct stress_sched *sc)
{
    pthread_cond_destroy(&sc->cv);
    pthread_mutex_destroy(&sc->mu);
}

/* Choose the next thread among those not finished (mutex held). */
static void sched_pick(struct stress_sched *sc)
{
    unsigned int live[STRESS_MAX_VCPUS], n = 0;

    for (unsigned int i = 0; i < sc->nr; i++)
        if (!sc->finished[i])
            live[n++] = i;
    if (n == 0)
        return;
    sc->current = live[stress_below(&sc->rng, n)];
    sc->nr_switches++;
    pthread_cond_broadcast(&sc->cv);
}

static void sched_wait(struct stress_sched *sc, unsigned int id)
{
    while (sc->current != id)
        pthread_cond_wait(&sc->cv, &sc->mu);
}

void stress_sched_enter(struct stress_vcpu *sv)
{
    struct stress_sched *sc = sv->sched;

    stress_current = sv;
    if (!sc)
        return;
    pthread_mutex_lock(&sc->mu);
    sched_wait(sc, sv->id);
    pthread_mutex_unlock(&sc->mu);
}

void stress_yield(struct stress_vcpu *sv)
{
    struct stress_sched *sc = sv->sched;

    if (!sc)
        return;
    pthread_mutex_lock(&sc->mu);
    sched_pick(sc);
    sched_wait(sc, sv->id);
    pthread_mutex_unlock(&sc->mu);
}

void stress_sched_exit(struct stress_vcpu *sv)
{
    struct stress_sched *sc = sv->sched;

    if (!sc)
        return;
    pthread_mutex_lock(&sc->mu);
    sc->finished[sv->id] = true;
    sched_pick(sc);
    pthread_mutex_unlock(&sc->mu);
}

struct stress_machine *stress_machine_new(uint64_t nr_frames)
{
    struct stress_machine *m = calloc(1, sizeof(*m));
    struct pvmm_config cfg;

    if (!m)
        return NULL;
    m->nr_frames = nr_frames;
    m->mem = aligned_alloc(PAGE_SIZE, nr_frames << PAGE_SHIFT);
    m->ft = calloc(nr_frames, sizeof(*m->ft));
    m->m2p = calloc(nr_frames, sizeof(*m->m2p));
    m->free_in_block = calloc(PVMM_HEAP_BLOCKS(nr_frames), sizeof(*m->free_in_block));
    if (!m->mem || !m->ft || !m->m2p || !m->free_in_block) {
        stress_machine_free(m);
        return NULL;
    }
    memset(m->mem, 0xa5, nr_frames << PAGE_SHIFT);

    m->plat = (struct pvmm_platform){
        .ctx = m,
        .map_frame = s_map_frame,
        .flush_tlb = s_flush_tlb,
        .write_ptbase = s_write_ptbase,
        .log = s_log,
        .preempt_check = s_preempt_check,
        .copy_from_guest = s_copy_from_guest,
        .copy_to_guest = s_copy_to_guest,
        .cpu_relax = s_cpu_relax,
    };

    memset(&cfg, 0, sizeof(cfg));
    cfg.plat = &m->plat;
    cfg.frame_table = m->ft;
    cfg.m2p = m->m2p;
    cfg.free_in_block = m->free_in_block;
    cfg.nr_frames = nr_frames;
    cfg.linear_pt = true;
    /* As tests/harness.c: the last two frames play the hypervisor's L3s. */
    cfg.xen_l4_slots[0] = pte_from_mfn(nr_frames - 2, _PAGE_PRESENT | _PAGE_USER | _PAGE_NX);
    cfg.xen_l4_slots[261 - 256] = pte_from_mfn(nr_frames - 1, _PAGE_PRESENT | _PAGE_RW |
                                               _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX);
    cfg.xen_l4_slots[262 - 256] = cfg.xen_l4_slots[261 - 256];
    pvmm_init(&m->s, &cfg);
    pvmm_add_ram(&m->s, STRESS_IO_FRAMES, nr_frames - STRESS_IO_FRAMES - 2);
    pvmm_reserve_frame(&m->s, nr_frames - 2);
    pvmm_reserve_frame(&m->s, nr_frames - 1);
    memset(m->mem + ((nr_frames - 2) << PAGE_SHIFT), 0, 2 * PAGE_SIZE);
    m->nr_free_at_start = m->s.nr_free;

    m->audit_scratch = malloc(pvmm_audit_scratch_size(&m->s));
    if (!m->audit_scratch) {
        stress_machine_free(m);
        return NULL;
    }
    return m;
}

void stress_machine_free(struct stress_machine *m)
{
    if (!m)
        return;
    free(m->audit_scratch);
    free(m->mem);
    free(m->ft);
    free(m->m2p);
    free(m->free_in_block);
    free(m);
}

mfn_t stress_alloc(struct stress_machine *m, struct domain *d)
{
    mfn_t mfn = INVALID_MFN;

    if (pvmm_alloc_domheap_page(d, &mfn) != 0)
        return INVALID_MFN;
    memset(m->mem + (mfn << PAGE_SHIFT), 0, PAGE_SIZE);
    return mfn;
}

intpte_t *stress_pt(struct stress_machine *m, mfn_t mfn)
{
    return (intpte_t *)(m->mem + (mfn << PAGE_SHIFT));
}

unsigned int stress_audit(struct stress_machine *m, const char *when)
{
    struct pvmm_audit_report r;
    unsigned int n = pvmm_audit(&m->s, m->audit_scratch, &r);
    char line[512];

    for (unsigned int i = 0; i < r.nr_recorded; i++) {
        pvmm_audit_format(&r.v[i], line, sizeof(line));
        fprintf(stderr, "audit (%s): %s\n", when, line);
    }
    return n;
}
