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

#endif /* GUEST_BENCH_H */
