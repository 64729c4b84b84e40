/*
 * hv/xstate.c - a vCPU's FPU and extended state: its save area, its XCR0, the XSETBV it
 * cannot execute itself, and the CPUID leaf 0xd that describes them.
 *
 * When the CPU has XSAVE, every CPU runs with CR4.OSXSAVE set (the guest's native CPUID then
 * reads OSXSAVE, as on Xen) and the hypervisor offers the guests the XCR0 features Xen 4.17's
 * PV policy offers: x87, SSE, AVX and, when the CPU has AVX-512 Foundation, its three
 * components (MPX and PKRU go with their CPUID bits, hidden from PV guests).  Measured on Xen
 * 4.17 under QEMU `-cpu max` (guests/tests/xsave-state): features 0x7, 832 bytes.
 *
 * The model of Xen's PV vCPU:
 *   - a fresh vCPU's XCR0 is x87|SSE; its virtual CR4.OSXSAVE is clear, and XSETBV is #UD
 *     until the guest kernel sets it (mov to CR4, emul-priv.c);
 *   - XSETBV is privileged, so the guest's traps here (#GP(0)); XCR 0 only, x87 always,
 *     AVX only with SSE, the AVX-512 components all together and with AVX, nothing beyond
 *     what is offered: anything else is #GP(0) with XCR0 unchanged;
 *   - XGETBV, XSAVE, XSAVEOPT, XRSTOR are not privileged: the guest runs them natively on
 *     the XCR0 the hypervisor loaded for it;
 *   - XSAVES is not offered (it is CPL 0 only); XSAVEOPT, XSAVEC and XGETBV1 follow the CPU.
 *
 * Switching (eager, as the rest of pvmm-hv's context switch): the outgoing vCPU's whole state
 * is saved with XCR0 set to everything offered, and the incoming one's restored the same way
 * before its own XCR0 is loaded; so a component a vCPU has disabled keeps its values in its
 * own area and never shows another vCPU's, and a component it enables for the first time
 * starts in its initial state (the area's XSTATE_BV bit is clear), as on Xen.  Each CPU
 * remembers the XCR0 it holds and XSETBV runs only when it changes (not at all for a guest
 * whose XCR0 is everything offered, as Linux's).  XSAVEOPT is not used: nothing was measured
 * that it would speed up (each switch saves a vCPU whose state was just loaded and changed).
 * Without XSAVE the area is FXSAVE's 512 bytes.
 *
 * The areas (one per possible vCPU of each domain slot, 64-byte aligned) are taken from the
 * boot allocator at start-up, each as large as CPUID leaf 0xd says the offered features need.
 */
#include "events.h"

#define XSTATE_X87        (1UL << 0)
#define XSTATE_SSE        (1UL << 1)
#define XSTATE_YMM        (1UL << 2)
#define XSTATE_OPMASK     (1UL << 5)
#define XSTATE_ZMM_HI256  (1UL << 6)
#define XSTATE_HI16_ZMM   (1UL << 7)
#define XSTATE_AVX512     (XSTATE_OPMASK | XSTATE_ZMM_HI256 | XSTATE_HI16_ZMM)

#define XSAVE_LEGACY_SIZE 512          /* the FXSAVE image */
#define XSAVE_HDR_SIZE    64           /* XSTATE_BV, XCOMP_BV, reserved */
#define XSAVE_SUB1_OFFERED 0x7u        /* leaf 0xd.1 EAX: XSAVEOPT, XSAVEC, XGETBV1 */

uint64_t xstate_max;                   /* XCR0 features offered; 0: no XSAVE */
static unsigned int area_size = XSAVE_LEGACY_SIZE;
static uint8_t *areas;
static uint32_t mxcsr_mask = 0xffbf;

static inline void xsetbv(uint32_t idx, uint64_t val)
{
    __asm__ volatile("xsetbv" :: "c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

/* Make this CPU's XCR0 val (XSETBV only when it changes). */
static void load_xcr0(uint64_t val)
{
    struct percpu *pc = this_cpu();

    if (pc->xcr0 != val) {
        xsetbv(0, val);
        pc->xcr0 = val;
    }
}

/*
 * The XSAVE area size for the features in mask: the standard layout's end of the highest
 * component, or (compacted) the components packed in order, with the 64-byte alignment
 * leaf 0xd asks for.  At least the legacy image and the header.
 */
static uint32_t xstate_size(uint64_t mask, bool compacted)
{
    uint32_t size = XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE;

    for (unsigned int i = 2; i < 63; i++) {
        uint32_t a, b, c, d;

        if (!((mask >> i) & 1))
            continue;
        cpuid_count(0xd, i, &a, &b, &c, &d);
        if (!compacted) {
            if (b + a > size)
                size = b + a;
        } else {
            if (c & 2)
                size = (size + 63) & ~63u;
            size += a;
        }
    }
    return size;
}

/*
 * Every CPU, after its CR4 has OSXSAVE (cpu_init_registers, when cpu_has_xsave): the boot
 * CPU decides what is offered; each CPU starts with that XCR0.
 */
void xstate_init_cpu(void)
{
    uint32_t a, b, c, d;

    if (!xstate_max) {
        uint64_t host, offered = XSTATE_X87 | XSTATE_SSE | XSTATE_YMM;

        cpuid_count(0xd, 0, &a, &b, &c, &d);
        host = ((uint64_t)d << 32) | a;
        cpuid_count(7, 0, &a, &b, &c, &d);
        if ((b & (1u << 16)) && (host & XSTATE_AVX512) == XSTATE_AVX512)
            offered |= XSTATE_AVX512;                  /* AVX-512 Foundation */
        xstate_max = host & offered;
        if (!(xstate_max & XSTATE_SSE))
            xstate_max &= ~XSTATE_YMM;
    }
    xsetbv(0, xstate_max);
    this_cpu()->xcr0 = xstate_max;
}

/*
 * The boot CPU, once the boot allocator works: learn MXCSR_MASK (FXSAVE's bytes 28-31, 0
 * meaning 0xffbf) and take the vCPUs' areas.
 */
void xstate_init(void)
{
    static uint8_t img[XSAVE_LEGACY_SIZE] __attribute__((aligned(16)));
    unsigned int nr = PVMM_MAX_DOMAINS * PVMM_MAX_VCPUS;
    uint64_t mfn;
    uint32_t m;

    write_cr0(read_cr0() & ~CR0_TS);
    __asm__ volatile("fxsaveq %0" : "=m"(img));
    memcpy(&m, &img[28], 4);
    if (m)
        mxcsr_mask = m;
    if (xstate_max)
        area_size = (xstate_size(xstate_max, false) + 63) & ~63u;
    areas = alloc_boot_pages((nr * area_size + PAGE_SIZE - 1) >> PAGE_SHIFT, &mfn);
    if (xstate_max)
        printk("pvmm-hv: XSAVE: XCR0 features %lx offered, %u-byte areas\n", xstate_max,
               area_size);
    else
        printk("pvmm-hv: no XSAVE: FXSAVE areas\n");
}

/*
 * A vCPU's FPU state: FNINIT's (FCW 0x37f, MXCSR 0x1f80) or the FXSAVE image `img` of a
 * VCPUOP_initialise context (VGCF_I387_VALID), its MXCSR bits the CPU does not have cleared
 * so the restore cannot fault; every extended component in its initial state.  The vCPU's
 * XCR0 is left as it is.
 */
void vcpu_fpu_init(struct hv_vcpu *h, const void *img)
{
    uint8_t *area = h->fpu_area;
    uint64_t bv = XSTATE_X87 | XSTATE_SSE;
    uint32_t mxcsr;

    memset(area, 0, area_size);
    if (img) {
        memcpy(area, img, XSAVE_LEGACY_SIZE);
    } else {
        area[0] = 0x7f;                       /* FCW 0x037f */
        area[1] = 0x03;
        mxcsr = 0x1f80;
        memcpy(&area[24], &mxcsr, 4);
    }
    memcpy(&mxcsr, &area[24], 4);
    mxcsr &= mxcsr_mask;
    memcpy(&area[24], &mxcsr, 4);
    if (xstate_max)
        memcpy(&area[XSAVE_LEGACY_SIZE], &bv, 8);    /* XSTATE_BV; XCOMP_BV 0: standard */
}

/* A new vCPU v (hv_vcpu_setup): its area (by domain slot and vCPU id), FNINIT state, XCR0
 * x87|SSE as Xen's. */
void vcpu_xstate_setup(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    unsigned int slot = (v->domain->domain_id % PVMM_MAX_DOMAINS) * PVMM_MAX_VCPUS +
                        v->vcpu_id % PVMM_MAX_VCPUS;

    h->fpu_area = areas + (size_t)slot * area_size;
    h->xcr0 = xstate_max ? XSTATE_X87 | XSTATE_SSE : 0;
    vcpu_fpu_init(h, NULL);
}

/* Save the loaded vCPU's FPU and extended state into its area (CR0.TS is left clear). */
void vcpu_fpu_save(struct hv_vcpu *h)
{
    write_cr0(read_cr0() & ~CR0_TS);
    if (xstate_max) {
        load_xcr0(xstate_max);
        __asm__ volatile("xsave64 (%0)" :: "r"(h->fpu_area), "a"((uint32_t)xstate_max),
                         "d"((uint32_t)(xstate_max >> 32)) : "memory");
    } else {
        __asm__ volatile("fxsave64 (%0)" :: "r"(h->fpu_area) : "memory");
    }
}

/* Load a vCPU's FPU and extended state, its XCR0 and its virtual CR0.TS. */
void vcpu_fpu_restore(struct hv_vcpu *h)
{
    write_cr0(read_cr0() & ~CR0_TS);
    if (xstate_max) {
        load_xcr0(xstate_max);
        __asm__ volatile("xrstor64 (%0)" :: "r"(h->fpu_area), "a"((uint32_t)xstate_max),
                         "d"((uint32_t)(xstate_max >> 32)) : "memory");
        load_xcr0(h->xcr0);
    } else {
        __asm__ volatile("fxrstor64 (%0)" :: "r"(h->fpu_area) : "memory");
    }
    if (h->fpu_ts)
        write_cr0(read_cr0() | CR0_TS);
}

/* Xen's rules for a PV guest's XCR0 (see the header). */
static bool xcr0_valid(uint64_t val)
{
    if ((val & ~xstate_max) || !(val & XSTATE_X87))
        return false;
    if ((val & XSTATE_YMM) && !(val & XSTATE_SSE))
        return false;
    if ((val & XSTATE_AVX512) &&
        ((val & XSTATE_AVX512) != XSTATE_AVX512 || !(val & XSTATE_YMM)))
        return false;
    return true;
}

/*
 * The guest kernel's XSETBV (XCR idx := val) on the current vCPU: XSETBV_UD while its
 * virtual CR4.OSXSAVE is clear, XSETBV_GP for a refused value (nothing changed), else
 * XSETBV_OK with the new XCR0 in the vCPU and in the CPU.
 */
int guest_xsetbv(uint32_t idx, uint64_t val)
{
    struct hv_vcpu *h = hvv(current);

    if (!xstate_max || !(h->cr4 & CR4_OSXSAVE))
        return XSETBV_UD;
    if (idx != 0 || !xcr0_valid(val))
        return XSETBV_GP;
    h->xcr0 = val;
    load_xcr0(val);
    return XSETBV_OK;
}

/*
 * CPUID leaf 0xd, sub-leaf sub, for a vCPU whose XCR0 is xcr0: as Xen's PV policy, only the
 * offered features; sub-leaf 0 EBX (and sub-leaf 1 EBX with XSAVEC) the size for that XCR0.
 * All zero without XSAVE.
 */
void xstate_cpuid(uint32_t sub, uint64_t xcr0, uint32_t out[4])
{
    uint32_t a, b, c, d;

    out[0] = out[1] = out[2] = out[3] = 0;
    if (!xstate_max)
        return;
    if (sub == 0) {
        out[0] = (uint32_t)xstate_max;
        out[1] = xstate_size(xcr0, false);
        out[2] = xstate_size(xstate_max, false);
        out[3] = (uint32_t)(xstate_max >> 32);
    } else if (sub == 1) {
        cpuid_count(0xd, 1, &a, &b, &c, &d);
        out[0] = a & XSAVE_SUB1_OFFERED;
        if (out[0] & 2)
            out[1] = xstate_size(xcr0, true);
    } else if (sub < 63 && ((xstate_max >> sub) & 1)) {
        cpuid_count(0xd, sub, &a, &b, &c, &d);
        out[0] = a;
        out[1] = b;
        out[2] = c & 2;                       /* aligned when compacted; never supervisor */
    }
}
