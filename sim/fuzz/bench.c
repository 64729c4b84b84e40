/*
 * sim/fuzz/bench.c - hosted figures for `make bench`.
 *
 * Measured in one run, built -O2 without sanitizers, printed as
 * "name: value unit":
 *   tlb_hit_per_s   guest reads through the vCPU's TLB (hit)
 *   walk_per_s      full 4-level walks (TLB miss path: walk + rights + A/D)
 *   fuzz_ops_per_s  operations of the fuzz harness per second, auditor after each,
 *                   machine power-cycle and domain builds included
 * and then the core's own figures (bench-core.c: frame_bytes, pin_vs_refcount_floor,
 * pin_random_ns_per_entry, mmu_update_per_s, audit_ms_per_gib).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../access.h"

int bench_core(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern unsigned long pvmm_fuzz_ops_total;

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(void)
{
    struct sim_machine_config cfg;
    struct sim_machine *m;
    struct pvmm_build_params p = { .domid = 1, .nr_pages = 1024, .nr_vcpus = 1,
                                   .kernel_start = 0x100000, .kernel_end = 0x110000 };
    struct sim_access_result r;
    struct sim_walk_result w;
    struct vcpu *v;
    struct sim_vcpu *sv;
    uint64_t val, sink = 0, seed = 42;
    unsigned long n;
    double t0, t;
    uint8_t buf[4096];

    sim_machine_default_config(&cfg);
    m = sim_machine_new(&cfg);
    if (!m || sim_build_domain(m, &p))
        return 1;
    v = sim_vcpu_lookup(m, 1, 0);
    sv = sim_vcpu_of(m, v);

    n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 100000; i++, n++) {
            sim_guest_access(m, v, true, SIM_READ, 0x100000 + ((uint64_t)(i & 63) << 12), &val,
                             8, &r);
            sink += val;
        }
        t = now() - t0;
    } while (t < 0.5);
    printf("tlb_hit_per_s: %.0f accesses/s\n", (double)n / t);

    n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 100000; i++, n++) {
            sim_walk(&m->phys, &sv->cpu.p, 0x100000 + ((uint64_t)(i & 511) << 12), SIM_READ,
                     true, &w);
            sink += w.t.pa_page;
        }
        t = now() - t0;
    } while (t < 0.5);
    printf("walk_per_s: %.0f walks/s\n", (double)n / t);
    sim_machine_free(m);

    n = 0;
    t0 = now();
    do {
        for (size_t i = 0; i < sizeof(buf); i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = (uint8_t)(seed >> 56);
        }
        LLVMFuzzerTestOneInput(buf, sizeof(buf));
        n++;
        t = now() - t0;
    } while (t < 2.0);
    printf("fuzz_ops_per_s: %.0f ops/s (auditor after every op; %lu inputs, %.1f ops each)\n",
           (double)pvmm_fuzz_ops_total / t, n, (double)pvmm_fuzz_ops_total / (double)n);
    if (bench_core())
        return 1;
    return sink == 1;   /* keep the loops */
}
