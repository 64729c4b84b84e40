/*
 * xsave-state: XSAVE for a PV guest as Xen 4.17 gives it - the CPUID view, XCR0 through the
 * emulated XSETBV, and the AVX registers of two vCPUs kept apart across context switches.
 *
 * A PV kernel runs in ring 3, where XSETBV is privileged: the hypervisor emulates it, and it
 * must switch XCR0 and the whole extended state (YMM upper halves included) with the vCPU.
 * Measured on Xen 4.17 under QEMU `-cpu max` (and `qemu64`, no XSAVE: every leaf 0xd
 * sub-leaf 0, CR4.OSXSAVE writes ignored, XSETBV and XGETBV #UD):
 *   1. CPUID (forced emulation, guest kernel): leaf 1 XSAVE and OSXSAVE set although the
 *      vCPU's virtual CR4.OSXSAVE is clear (Xen's leak for PV kernels); leaf 0xd.0 EAX 0x7
 *      (x87, SSE, AVX), EBX the size for the vCPU's XCR0 (576 for x87|SSE, 832 with AVX),
 *      ECX 832, EDX 0; 0xd.1 EAX without XSAVES; a sub-leaf per offered component only;
 *   2. a fresh vCPU's XCR0 (XGETBV, native) is x87|SSE; XSETBV is #UD until the kernel sets
 *      CR4.OSXSAVE (mov to CR4, read back set);
 *   3. XSETBV refuses with #GP(0), XCR0 unchanged: no x87 (0, 2, 6), AVX without SSE (5),
 *      features not offered (bit 3, PKRU bit 9, bit 63), XCR 1; it accepts 1, 3 and 7;
 *   4. two vCPUs on one CPU, handing it over with SCHEDOP_yield: vCPU 1 starts with XCR0
 *      x87|SSE while vCPU 0 runs with 7, each reads its own XCR0 after every switch; vCPU 1
 *      then enables AVX and finds its YMM upper halves in their initial state (zero), not
 *      vCPU 0's; each fills all 16 YMM registers with its own pattern, and both patterns
 *      survive every switch;
 *   5. CR0.TS (fpu_taskswitch): with TS set, across switches, an AVX instruction raises #NM,
 *      which clears TS; the YMM registers are then still vCPU 0's.
 * Run with --cpu max and dom0_max_vcpus=2 on one CPU (hv-run-args, xen-run-args); SKIP when
 * the CPU model has no XSAVE.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "XSAVE: CPUID, XSETBV, YMM state across vCPU switches";

#define BIT(n)           (1u << (n))
#define CPUID1_XSAVE     BIT(26)
#define CPUID1_OSXSAVE   BIT(27)
#define CR4_OSXSAVE      (1UL << 18)
#define CR0_TS           (1UL << 3)
#define XCR0_X87         1UL
#define XCR0_SSE         2UL
#define XCR0_YMM         4UL
#define X86_EXC_NM       7
#define ROUNDS           20
#define WAIT_NS          20000000000ULL   /* 20 s of system time for the other vCPU */

typedef uint8_t ymm_regs[16][32];

static bool xgetbv(uint64_t *val)
{
    struct fault fb, *f = &fb;
    uint32_t lo = 0, hi = 0;
    bool t = PROBE("xgetbv", : "=a"(lo), "=d"(hi) : "c"(0));

    *val = ((uint64_t)hi << 32) | lo;
    return t;
}

/* XSETBV; the vector it raised, or -1. */
static int xsetbv(uint32_t idx, uint64_t val)
{
    struct fault fb, *f = &fb;

    if (!PROBE("xsetbv", : : "c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))))
        return -1;
    if (fb.vector == X86_EXC_GP && fb.error_code != 0)
        return 100 + (int)fb.error_code;
    return (int)fb.vector;
}

static uint64_t read_cr(int n)
{
    uint64_t v;

    if (n == 0)
        asm volatile("mov %%cr0, %0" : "=r"(v));
    else
        asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static void write_cr4(uint64_t v)
{
    asm volatile("mov %0, %%cr4" :: "r"(v));
}

static void ymm_load(const ymm_regs r)
{
    asm volatile("vmovdqu 0x000(%0), %%ymm0\n\t"  "vmovdqu 0x020(%0), %%ymm1\n\t"
                 "vmovdqu 0x040(%0), %%ymm2\n\t"  "vmovdqu 0x060(%0), %%ymm3\n\t"
                 "vmovdqu 0x080(%0), %%ymm4\n\t"  "vmovdqu 0x0a0(%0), %%ymm5\n\t"
                 "vmovdqu 0x0c0(%0), %%ymm6\n\t"  "vmovdqu 0x0e0(%0), %%ymm7\n\t"
                 "vmovdqu 0x100(%0), %%ymm8\n\t"  "vmovdqu 0x120(%0), %%ymm9\n\t"
                 "vmovdqu 0x140(%0), %%ymm10\n\t" "vmovdqu 0x160(%0), %%ymm11\n\t"
                 "vmovdqu 0x180(%0), %%ymm12\n\t" "vmovdqu 0x1a0(%0), %%ymm13\n\t"
                 "vmovdqu 0x1c0(%0), %%ymm14\n\t" "vmovdqu 0x1e0(%0), %%ymm15"
                 :: "r"(r) : "memory");
}

static void ymm_store(ymm_regs r)
{
    asm volatile("vmovdqu %%ymm0, 0x000(%0)\n\t"  "vmovdqu %%ymm1, 0x020(%0)\n\t"
                 "vmovdqu %%ymm2, 0x040(%0)\n\t"  "vmovdqu %%ymm3, 0x060(%0)\n\t"
                 "vmovdqu %%ymm4, 0x080(%0)\n\t"  "vmovdqu %%ymm5, 0x0a0(%0)\n\t"
                 "vmovdqu %%ymm6, 0x0c0(%0)\n\t"  "vmovdqu %%ymm7, 0x0e0(%0)\n\t"
                 "vmovdqu %%ymm8, 0x100(%0)\n\t"  "vmovdqu %%ymm9, 0x120(%0)\n\t"
                 "vmovdqu %%ymm10, 0x140(%0)\n\t" "vmovdqu %%ymm11, 0x160(%0)\n\t"
                 "vmovdqu %%ymm12, 0x180(%0)\n\t" "vmovdqu %%ymm13, 0x1a0(%0)\n\t"
                 "vmovdqu %%ymm14, 0x1c0(%0)\n\t" "vmovdqu %%ymm15, 0x1e0(%0)"
                 :: "r"(r) : "memory");
}

static void pattern(ymm_regs r, uint8_t seed)
{
    for (unsigned int i = 0; i < 16; i++)
        for (unsigned int j = 0; j < 32; j++)
            r[i][j] = (uint8_t)(seed ^ (i * 32 + j) * 7);
}

/* The first YMM register (0-15) whose bytes differ from want, or -1 (got: the calling
 * vCPU's own buffer, as the other vCPU may run in between). */
static int ymm_mismatch(const ymm_regs want, ymm_regs got)
{
    ymm_store(got);
    for (unsigned int i = 0; i < 16; i++)
        if (memcmp(got[i], want[i], 32))
            return (int)i;
    return -1;
}

/* ---- vCPU 1 ---- */
static ymm_regs pattern_a, pattern_b, zero_upper, seen0, seen1;
static volatile unsigned long rounds1;
static volatile int phase;               /* 0: XCR0 x87|SSE, 1: go to AVX, 2: stop */
static volatile const char *v1_error;
static volatile uint64_t v1_value;
static volatile int v1_done;

static void v1_fail(const char *what, uint64_t value)
{
    if (!v1_error) {
        v1_value = value;
        v1_error = what;
    }
}

static void secondary(void *arg)
{
    uint64_t x;
    int bad;

    (void)arg;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    if (xgetbv(&x) || x != (XCR0_X87 | XCR0_SSE))
        v1_fail("vCPU 1's first XCR0", x);
    if (read_cr(4) & CR4_OSXSAVE)
        v1_fail("vCPU 1's first CR4", read_cr(4));
    while (phase == 0) {
        if (xgetbv(&x) || x != (XCR0_X87 | XCR0_SSE))
            v1_fail("vCPU 1's XCR0 after a switch (x87|SSE)", x);
        rounds1++;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    write_cr4(read_cr(4) | CR4_OSXSAVE);
    if (xsetbv(0, XCR0_X87 | XCR0_SSE | XCR0_YMM) != -1)
        v1_fail("vCPU 1: XSETBV 7 faulted", 7);
    /* Its registers' upper halves start in the initial state; the lower halves are its
     * XMM registers, untouched since FNINIT state: zero too. */
    if ((bad = ymm_mismatch(zero_upper, seen1)) >= 0)
        v1_fail("vCPU 1 enabled AVX: a YMM register is not zero (number)", (uint64_t)bad);
    ymm_load(pattern_b);
    while (phase == 1) {
        if ((bad = ymm_mismatch(pattern_b, seen1)) >= 0)
            v1_fail("vCPU 1's YMM register changed across a switch (number)", (uint64_t)bad);
        if (xgetbv(&x) || x != 7)
            v1_fail("vCPU 1's XCR0 after a switch (7)", x);
        rounds1++;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    v1_done = 1;
    for (;;)
        hypercall_sched_op(SCHEDOP_block, NULL);
}

/* ---- vCPU 0 ---- */

/* Leaf 1 and 0xd as Xen's PV policy gives them (1). */
static int check_cpuid(uint32_t *features)
{
    uint32_t r[4], d0[4];

    pv_cpuid(1, 0, r);
    printk("cpuid 1 ecx %08x, cr4 %#lx\n", r[2], (unsigned long)read_cr(4));
    if (!(r[2] & CPUID1_OSXSAVE))
        return xtf_failure("leaf 1: XSAVE without OSXSAVE (ecx %#x)", r[2]);
    if (read_cr(4) & CR4_OSXSAVE)
        return xtf_failure("CR4.OSXSAVE set before the kernel set it: %#lx",
                           (unsigned long)read_cr(4));
    pv_cpuid(0xd, 0, d0);
    printk("cpuid d.0: %08x %08x %08x %08x\n", d0[0], d0[1], d0[2], d0[3]);
    if ((d0[0] & 3) != 3 || d0[1] != 576 || d0[2] < d0[1])
        return xtf_failure("leaf 0xd.0: features %#x, size %u for x87|SSE, max %u", d0[0],
                           d0[1], d0[2]);
    pv_cpuid(0xd, 1, r);
    printk("cpuid d.1: %08x %08x %08x %08x\n", r[0], r[1], r[2], r[3]);
    if (r[0] & ~7u)
        return xtf_failure("leaf 0xd.1 EAX %#x: more than XSAVEOPT/XSAVEC/XGETBV1", r[0]);
    for (unsigned int i = 2; i < 32; i++) {
        pv_cpuid(0xd, i, r);
        if (!(d0[0] & BIT(i)) && (r[0] | r[1] | r[2] | r[3]))
            return xtf_failure("leaf 0xd.%u describes a component not offered", i);
        if ((d0[0] & BIT(i)) && (!r[0] || r[0] + r[1] > d0[2]))
            return xtf_failure("leaf 0xd.%u: size %u at %u, max %u", i, r[0], r[1], d0[2]);
    }
    if ((d0[0] & XCR0_YMM) && (pv_cpuid(0xd, 2, r), r[0] != 256 || r[1] != 576))
        return xtf_failure("leaf 0xd.2 (AVX): %u bytes at %u, not 256 at 576", r[0], r[1]);
    *features = d0[0];
    return 0;
}

/* XSETBV's gate and its refusals (2, 3). */
static int check_xsetbv(uint32_t features)
{
    uint64_t refused[] = { 0, 2, 6, 5, 3, 0x203, 1UL << 63 | 3 };
    const uint64_t accepted[] = { 1, 3, features };
    uint32_t r[4];
    uint64_t x;
    int v;

    for (unsigned int i = 2; i < 32; i++) {
        if (!(features & BIT(i))) {
            refused[4] = 3 | BIT(i);           /* the lowest feature not offered */
            break;
        }
    }
    if (xgetbv(&x) || x != (XCR0_X87 | XCR0_SSE))
        return xtf_failure("first XCR0 %#lx, expected x87|SSE", (unsigned long)x);
    if ((v = xsetbv(0, 3)) != X86_EXC_UD)
        return xtf_failure("XSETBV before CR4.OSXSAVE: vector %d, expected #UD", v);
    write_cr4(read_cr(4) | CR4_OSXSAVE);
    if (!(read_cr(4) & CR4_OSXSAVE))
        return xtf_failure("CR4.OSXSAVE did not stick: %#lx", (unsigned long)read_cr(4));
    for (unsigned int i = 0; i < ARRAY_SIZE(refused); i++) {
        if ((v = xsetbv(0, refused[i])) != X86_EXC_GP)
            return xtf_failure("XSETBV %#lx: vector %d, expected #GP(0)",
                               (unsigned long)refused[i], v);
        if (xgetbv(&x) || x != (XCR0_X87 | XCR0_SSE))
            return xtf_failure("XCR0 %#lx after the refused %#lx", (unsigned long)x,
                               (unsigned long)refused[i]);
    }
    if ((v = xsetbv(1, 1)) != X86_EXC_GP)
        return xtf_failure("XSETBV of XCR 1: vector %d, expected #GP(0)", v);
    for (unsigned int i = 0; i < ARRAY_SIZE(accepted); i++) {
        if ((v = xsetbv(0, accepted[i])) != -1)
            return xtf_failure("XSETBV %#lx: vector %d", (unsigned long)accepted[i], v);
        pv_cpuid(0xd, 0, r);
        printk("XCR0 %#lx: leaf 0xd.0 EBX %u\n", (unsigned long)accepted[i], r[1]);
        if (xgetbv(&x) || x != accepted[i])
            return xtf_failure("XSETBV %#lx, XGETBV %#lx", (unsigned long)accepted[i],
                               (unsigned long)x);
        if (r[1] != (accepted[i] == features ? r[2] : 576))
            return xtf_failure("XCR0 %#lx: leaf 0xd.0 EBX %u (max %u)",
                               (unsigned long)accepted[i], r[1], r[2]);
    }
    return 0;
}

/* Yield until vCPU 1 has done `n` more rounds, checking vCPU 0's XCR0 each time and, unless
 * CR0.TS is set (`ts`), its YMM registers. */
static int run_with_v1(unsigned long n, const char *what, bool ts)
{
    unsigned long target = rounds1 + n;
    uint64_t t0 = pvclock_ns(), x;
    int bad;

    while (rounds1 < target && !v1_error) {
        hypercall_sched_op(SCHEDOP_yield, NULL);
        if (!ts && (bad = ymm_mismatch(pattern_a, seen0)) >= 0)
            return xtf_failure("%s: vCPU 0's ymm%d changed across a switch", what, bad);
        if (xgetbv(&x) || x != 7)
            return xtf_failure("%s: vCPU 0's XCR0 %#lx after a switch", what,
                               (unsigned long)x);
        if (pvclock_ns() - t0 > WAIT_NS)
            return xtf_error("%s: vCPU 1 did %lu of %lu rounds in 20 s", what,
                             n - (target - rounds1), n);
    }
    if (v1_error)
        return xtf_failure("%s: %s: %#lx", what, (const char *)v1_error,
                           (unsigned long)v1_value);
    return 0;
}

/* CR0.TS: #NM on AVX after switches, TS cleared by it, registers kept (5). */
static int check_ts(void)
{
    static ymm_regs scratch;
    struct fault fb, *f = &fb;
    int rc, bad;

    if (_hypercall1(__HYPERVISOR_fpu_taskswitch, 1) != 0 || !(read_cr(0) & CR0_TS))
        return xtf_failure("fpu_taskswitch(1): CR0 %#lx", (unsigned long)read_cr(0));
    if ((rc = run_with_v1(4, "CR0.TS set", true)) != 0)
        return rc;
    if (!(read_cr(0) & CR0_TS))
        return xtf_failure("CR0.TS lost across switches: CR0 %#lx", (unsigned long)read_cr(0));
    if (!PROBE("vmovdqu %%ymm3, (%0)", : : "r"(scratch)) || fb.vector != X86_EXC_NM)
        return xtf_failure("vmovdqu with CR0.TS set: no #NM");
    if (read_cr(0) & CR0_TS)
        return xtf_failure("CR0.TS still set after #NM: %#lx", (unsigned long)read_cr(0));
    if ((bad = ymm_mismatch(pattern_a, seen0)) >= 0)
        return xtf_failure("after #NM: vCPU 0's ymm%d is not its own", bad);
    return 0;
}

int test_main(void)
{
    uint32_t r[4], features = 0;
    uint64_t x;
    int rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %d", rc);
    pv_cpuid(1, 0, r);
    if (!(r[2] & CPUID1_XSAVE)) {
        pv_cpuid(0xd, 0, r);
        if (r[0] | r[1] | r[2] | r[3])
            return xtf_failure("no XSAVE, yet leaf 0xd.0 is %#x %#x %#x %#x", r[0], r[1],
                               r[2], r[3]);
        write_cr4(read_cr(4) | CR4_OSXSAVE);
        if (read_cr(4) & CR4_OSXSAVE)
            return xtf_failure("no XSAVE, yet CR4.OSXSAVE can be set");
        if (xsetbv(0, 3) != X86_EXC_UD || !xgetbv(&x))
            return xtf_failure("no XSAVE, yet XSETBV or XGETBV does not #UD");
        return xtf_skip("the CPU model has no XSAVE (QEMU's qemu64): run with --cpu max");
    }
    if ((rc = check_cpuid(&features)) != 0 || (rc = check_xsetbv(features)) != 0)
        return rc;
    if (!(features & XCR0_YMM))
        return xtf_skip("XSAVE without AVX: no YMM state to keep");
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 (hv-run-args, xen-run-args)");
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);

    /* 4. */
    if (xsetbv(0, 7) != -1)
        return xtf_failure("XSETBV 7 faulted");
    pattern(pattern_a, 0xa5);
    pattern(pattern_b, 0x3c);
    ymm_load(pattern_a);
    if ((rc = (int)vcpu_start(1, secondary, NULL)) != 0)
        return xtf_error("starting vCPU 1: %d", rc);
    if ((rc = run_with_v1(ROUNDS, "vCPU 1 at XCR0 x87|SSE", false)) != 0)
        return rc;
    phase = 1;
    if ((rc = run_with_v1(ROUNDS, "both at XCR0 7", false)) != 0)
        return rc;
    printk("vCPU 1: %lu rounds; both vCPUs' YMM registers and XCR0 kept\n", rounds1);

    /* 5. */
    if ((rc = check_ts()) != 0)
        return rc;
    phase = 2;
    while (!v1_done)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    if (v1_error)
        return xtf_failure("%s: %#lx", (const char *)v1_error, (unsigned long)v1_value);
    return xtf_success();
}
