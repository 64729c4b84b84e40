/*
 * tests/stress/stress-ops.h - the vCPU workers of the concurrency stress test:
 * the shared frames, the random hypercalls, and the return codes Xen gives
 * for each of them.
 */
#ifndef PVMM_TESTS_STRESS_OPS_H
#define PVMM_TESTS_STRESS_OPS_H

#include <pthread.h>

#include <xen/memory.h>

#include "stress-platform.h"

#define MAX_VCPUS   STRESS_MAX_VCPUS
#define NR_DATA     8
#define NR_GDT      2

/* Entry flags: leaf read-only / writable, upper-level link, read-only (linear) link. */
#define RO          (_PAGE_PRESENT | _PAGE_ACCESSED)
#define RW          (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define UPPER       (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define UPPER_RO    (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_USER)

/* The shared frames: tables per level (lv[1..4]), data and descriptor frames. */
struct frames {
    mfn_t lv[5][3];
    unsigned int nr[5];
    mfn_t data[NR_DATA];
    mfn_t gdt[NR_GDT];
    /*
     * One ballooned frame per vCPU: its vCPU gives it back with
     * decrease_reservation and takes a fresh one with increase_reservation;
     * the others map and use whatever frame the slot names at the time
     * (read and written with atomics).
     */
    mfn_t balloon[MAX_VCPUS];
};

enum op_kind {
    OP_PIN, OP_UNPIN, OP_MMU_UPDATE, OP_UPDATE_VA, OP_NEW_BASEPTR, OP_NEW_USER_BASEPTR,
    OP_FLUSH, OP_SET_GDT, OP_UPDATE_DESC, OP_CLEAR_PAGE, OP_MMUEXT_BATCH, OP_BALLOON, OP_NR
};

extern const char *const op_names[OP_NR];

struct worker {
    struct stress_machine *m;
    const struct frames *f;
    mfn_t *balloon_slot;             /* this vCPU's entry of f->balloon */
    struct vcpu *v;
    struct stress_vcpu sv;
    pthread_barrier_t *start;        /* all workers begin together (and pause for audits) */
    unsigned long audit_every;       /* ops between mid-run audits, 0 = none */
    unsigned int *audit_failures;    /* mid-run audits that found violations */
    uint64_t rng;
    unsigned long nr_ops;
    unsigned long progress;          /* ops + continuations, read by the watchdog */
    bool finished;                   /* read by the watchdog */
    unsigned long nr_conts;
    unsigned long nr_ok[OP_NR], nr_refused[OP_NR];
    bool failed;
    char failure[2048];
    char desc[160];                  /* the operation in progress */

    /* Guest memory of this vCPU: hypercall arguments. */
    struct mmu_update reqs[4];
    struct mmuext_op xops[4];
    unsigned int done;
    uint64_t vcpumask;
    uint64_t gdt_list[NR_GDT];
    struct xen_memory_reservation res;
    uint64_t extent;
};

/* Record the first failure of w (with its vCPU's last reason appended). */
void stress_fail(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Issue w->xops[0 .. count) as one mmuext_op, re-issuing continuations. */
long stress_mmuext(struct worker *w, unsigned int count);
/* Thread body: w->nr_ops random operations on w->v. */
void *stress_worker_main(void *arg);

#endif /* PVMM_TESTS_STRESS_OPS_H */
