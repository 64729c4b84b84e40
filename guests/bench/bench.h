/*
 * bench.h: the benchmark guest's shared pieces (see main.c).
 *
 * Under `-icount shift=0,align=off,sleep=off` the TSC advances by one per retired instruction,
 * so the difference of two `lfence; rdtsc; lfence` readings is an exact, reproducible
 * instruction count of everything in between: guest and hypervisor alike.
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include "guest.h"

/* The 512 ordinary pages the mapping benchmarks point their entries at. */
#define BENCH_FRAMES 512
extern unsigned long bench_frame_mfn[BENCH_FRAMES];

/*
 * The big tree of the scaling benchmarks (tree.c): BENCH_TREE_L1S L1 pages under BENCH_TREE_L2S
 * L2s, one L3 and one L4, and BENCH_TARGETS distinct frames for their entries to map.
 */
#define BENCH_TREE_L1S 2048
#define BENCH_TREE_L2S (BENCH_TREE_L1S / PT_ENTRIES)
#define BENCH_TARGETS  4096
struct bench_tree {
    uint64_t *l4, *l3, *l2[BENCH_TREE_L2S], *l1[BENCH_TREE_L1S];
    unsigned long target[BENCH_TARGETS];
    unsigned int nr_l1;                     /* L1s hooked in by the last tree_fill */
};
extern struct bench_tree bench_tree;

/* Allocate the tree's pages and targets (once; later calls do nothing). */
void tree_alloc(void);
/* Write the tree (its pages must be writable): n L1s with k present entries each. */
void tree_fill(unsigned int n, unsigned int k);
/* The writable entry for target i (modulo BENCH_TARGETS). */
uint64_t tree_target_pte(unsigned int i);
/* Make the filled tree's pages read-only (L1s first) or writable again. 0 or an error. */
long tree_set_ro(bool ro);
/* Make nr pages read-only or writable (mmu_update on the guest's own L1 entries, then one
 * local TLB flush). 0 or an error. */
long pages_set_ro(void *const *pages, unsigned int nr, bool ro);

/* multicall(calls, nr). */
static inline long hypercall_multicall(struct multicall_entry *calls, unsigned int nr)
{
    return _hypercall2(__HYPERVISOR_multicall, calls, nr);
}

/* Read the TSC, with fences so that nothing moves across the reading. */
static inline uint64_t bench_tsc(void)
{
    uint32_t lo, hi;

    asm volatile ("lfence; rdtsc; lfence" : "=a" (lo), "=d" (hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Print one result line, "bench: NAME VALUE UNIT", which tools/bench-hv collects. */
void bench_report(const char *name, uint64_t value, const char *unit);

/*
 * The benchmarks. Each returns 0 after reporting its figure(s), or the xtf status of a failed
 * set-up or operation (the run then ends without a figure for it).
 */
int bench_null_hypercall(void);
int bench_mmu_update_512(void);
int bench_pin_1g(void);
int bench_update_va_mapping(void);
int bench_syscall_bounce(void);
int bench_event_upcall(void);       /* event_upcall and timer_virq */
int bench_preempt_gap(void);        /* preempt_gap_pin1g */
int bench_ptwr(void);               /* ptwr_store and ptwr_lock_btr */
int bench_mmu_scaling(void);        /* mmu_update_{contig,scatter}_N (scaling.c) */
int bench_pin_scaling(void);        /* pin_NxK, unpin_NxK (scaling.c) */
int bench_uva_flush(void);          /* uva_<flush type> (scaling.c) */
int bench_fork_exec(void);          /* fork_exec_exit and its phases (fork.c) */
int bench_preempt_gap_4g(void);     /* preempt_gap_pin4g, preempt_gap_unpin4g (events.c) */
int bench_destroy_state(void);      /* a pinned 4 GiB tree left for the teardown (events.c) */
int bench_smp(void);                /* the two-vCPU figures, wall time (smp.c) */

#endif /* GUEST_BENCH_H */
