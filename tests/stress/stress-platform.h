/*
 * tests/stress/stress-platform.h - a thread-safe hosted platform for the
 * concurrency stress test.
 *
 * tests/harness.c is written for one thread (plain counters, a static
 * continuation counter, cmocka asserts inside callbacks), so the stress test
 * has its own platform: host memory plays machine memory, every recorded
 * platform call is an atomic counter, and each vCPU's v->plat points at a
 * struct stress_vcpu that holds its own preemption PRNG.  Nothing here calls
 * cmocka: worker threads must not longjmp, so they record failures instead.
 */
#ifndef PVMM_TESTS_STRESS_PLATFORM_H
#define PVMM_TESTS_STRESS_PLATFORM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>

#include <pvmm/pvmm.h>
#include <pvmm/audit.h>

#define STRESS_IO_FRAMES  16

#define STRESS_MAX_VCPUS  4

/*
 * The optional deterministic scheduler.  When on, exactly one vCPU thread
 * runs at a time: each passes the baton to a vCPU chosen by the scheduler's
 * seeded PRNG at every yield point - before each hypercall invocation, at
 * every preempt_check and at every cpu_relax (spin-wait) inside the core.
 * The interleaving then depends only on the seed, so a failure found this
 * way replays exactly; the baton also orders every access, so it finds
 * logic (atomicity) bugs, while free-running threads find data races.
 */
struct stress_sched {
    bool on;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned int nr;                /* threads taking part */
    unsigned int current;           /* the one that may run */
    bool finished[STRESS_MAX_VCPUS];
    uint64_t rng;
    unsigned long nr_switches;
};

/* Per-vCPU platform data (v->plat). */
struct stress_vcpu {
    unsigned int id;                /* index of the vCPU's thread */
    struct stress_sched *sched;     /* NULL or the deterministic scheduler */
    uint64_t preempt_rng;           /* xorshift state, only touched by the vCPU's thread */
    unsigned int preempt_one_in;    /* preempt_check is true 1 time in N; 0 = never */
    unsigned long nr_preempts;
};

struct stress_machine {
    struct pvmm_state s;
    struct pvmm_platform plat;
    uint8_t *mem;
    struct page_info *ft;
    uint16_t *free_in_block;         /* the heap's per-2 MiB free counts (pvmm_config) */
    uint64_t *m2p;
    uint64_t nr_frames;
    uint64_t nr_free_at_start;      /* free frames before any domain existed */
    void *audit_scratch;

    /* Recorded platform calls (atomic: any thread may make them). */
    unsigned long nr_flushes;
    unsigned long nr_ptbase_writes;
    unsigned long nr_core_errors;   /* PVMM_LOG_ERROR messages: core invariant breaks */
};

/* xorshift64*: a small deterministic PRNG; *state must be non-zero. */
static inline uint64_t stress_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n). */
static inline unsigned int stress_below(uint64_t *state, unsigned int n)
{
    return (unsigned int)((stress_rand(state) >> 33) % n);
}

/* Scheduler for nr threads starting with thread 0. */
void stress_sched_init(struct stress_sched *sc, unsigned int nr, uint64_t seed);
void stress_sched_destroy(struct stress_sched *sc);
/* The calling thread's vCPU, set by stress_sched_enter. */
extern __thread struct stress_vcpu *stress_current;
/* Thread start: record the thread's vCPU and wait for the baton. */
void stress_sched_enter(struct stress_vcpu *sv);
/* Hand the baton to a thread chosen at random (possibly this one). */
void stress_yield(struct stress_vcpu *sv);
/* This thread is done: hand the baton on for good. */
void stress_sched_exit(struct stress_vcpu *sv);

/* New machine with nr_frames frames (NULL on allocation failure). */
struct stress_machine *stress_machine_new(uint64_t nr_frames);
void stress_machine_free(struct stress_machine *m);
/* Allocate a zeroed frame to d; INVALID_MFN on failure. */
mfn_t stress_alloc(struct stress_machine *m, struct domain *d);
/* Frame mfn's contents as 512 entries. */
intpte_t *stress_pt(struct stress_machine *m, mfn_t mfn);
/*
 * Run the auditor; print every recorded violation to stderr prefixed with
 * `when`.  Returns the number of violations.
 */
unsigned int stress_audit(struct stress_machine *m, const char *when);

#endif /* PVMM_TESTS_STRESS_PLATFORM_H */
