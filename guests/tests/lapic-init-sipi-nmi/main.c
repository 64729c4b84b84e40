/*
 * lapic-init-sipi-nmi: the hardware domain cannot send the hypervisor's CPU an NMI, INIT
 * or SIPI, nor reprogram its local APIC, by any route.
 *
 * The story. The local APIC's interrupt command register (ICR) sends inter-processor
 * interrupts: an NMI, an INIT (which resets the CPU), a SIPI (which starts it at a chosen
 * real-mode address). A guest that can write it - or move the APIC, or flip it to x2APIC
 * mode, or reset the machine through the chipset - takes the hypervisor's CPU away from it.
 * pvmm-hv once let dom0 map the APIC page and send itself an NMI, and panicked. The routes:
 *   1. map the APIC page (0xfee00) or any frame of the MSI window, read-only or writable,
 *      through mmu_update, update_va_mapping or FD = DOMID_IO: -EPERM on Xen 4.17;
 *   2. the x2APIC ICR (MSR 0x830) with an NMI, INIT and SIPI to itself, and an EOI (0x80b),
 *      the TPR (0x808) and the spurious-vector register (0x80f): #GP (x2APIC is off);
 *   3. MSR APIC_BASE (0x1b): moved to another base, x2APIC enabled, or disabled - a write
 *      either faults or changes nothing (Xen ignores writes to MSRs it can read);
 *   4. the reset and INIT ports: 0xcf9 (reset control) and 0x92 (fast INIT/A20): #GP (dom0
 *      has no I/O privilege unless it asks for it).
 * Had any of them reached the hardware, the machine would have reset, or an NMI would have
 * crashed the domain, and no result line would follow: reaching the end is the proof.
 */
#include "guest.h"

const char test_title[] = "no NMI, INIT or SIPI to the hypervisor's CPU from dom0";

static bool probe_outb(uint16_t port, uint8_t val, struct fault *f)
{
    return PROBE("outb %b0, %w1", : : "a" (val), "Nd" (port));
}

#define APIC_MFN          0xfee00UL
#define MSR_APIC_BASE     0x1b
#define MSR_X2APIC_TPR    0x808
#define MSR_X2APIC_EOI    0x80b
#define MSR_X2APIC_SIVR   0x80f
#define MSR_X2APIC_ICR    0x830
#define ICR_SELF          (1UL << 18)       /* destination shorthand: self */
#define ICR_ALL_BUT_SELF  (3UL << 18)
#define ICR_NMI           (4UL << 8)
#define ICR_INIT          (5UL << 8)
#define ICR_SIPI          (6UL << 8)

/* Route 1: every way of asking for a mapping of frame mfn is refused with -EPERM. */
static bool mapping_refused(uint64_t *l1e, unsigned long va, unsigned long mfn)
{
    static const unsigned int fds[] = { DOMID_SELF, DOMID_IO };
    unsigned int i, rw;

    for (rw = 0; rw < 2; rw++) {
        uint64_t pte = ((uint64_t)mfn << PAGE_SHIFT) | (rw ? PTE_FLAGS_RW : PTE_FLAGS_RO);
        long rc = pt_update_va(va, pte, UVMF_INVLPG);

        if (rc != -XEN_EPERM)
            return xtf_failure("update_va_mapping of frame %#lx (%s): %ld, expected %d",
                               mfn, rw ? "rw" : "ro", rc, -XEN_EPERM), false;
        for (i = 0; i < ARRAY_SIZE(fds); i++) {
            struct mmu_update req = { .ptr = virt_to_maddr(l1e), .val = pte };

            rc = hypercall_mmu_update(&req, 1, NULL, fds[i]);
            if (rc != -XEN_EPERM)
                return xtf_failure("mmu_update of frame %#lx (%s, FD %#x): %ld, expected %d",
                                   mfn, rw ? "rw" : "ro", fds[i], rc, -XEN_EPERM), false;
        }
    }
    return true;
}

int test_main(void)
{
    static const struct { const char *what; uint32_t msr; uint64_t val; } x2apic[] = {
        { "x2APIC ICR: NMI to self", MSR_X2APIC_ICR, ICR_SELF | ICR_NMI },
        { "x2APIC ICR: INIT to all but self", MSR_X2APIC_ICR, ICR_ALL_BUT_SELF | ICR_INIT },
        { "x2APIC ICR: INIT to self", MSR_X2APIC_ICR, ICR_SELF | ICR_INIT },
        { "x2APIC ICR: SIPI to self, vector 0x10", MSR_X2APIC_ICR, ICR_SELF | ICR_SIPI | 0x10 },
        { "x2APIC EOI", MSR_X2APIC_EOI, 0 },
        { "x2APIC TPR", MSR_X2APIC_TPR, 0xff },
        { "x2APIC spurious vector: APIC off", MSR_X2APIC_SIVR, 0xff },
    };
    unsigned long va = (unsigned long)alloc_page(), own = virt_to_mfn((void *)va);
    uint64_t *l1e = pt_entry(va, 1), base, now, tries[3];
    unsigned long mfn;
    struct fault f;
    unsigned int i;

    if (!l1e)
        return xtf_error("no L1 entry for the scratch page");

    for (mfn = APIC_MFN; mfn <= APIC_MFN + 0xff; mfn += 0x11)
        if (!mapping_refused(l1e, va, mfn))
            return 0;
    if (pte_mfn(*l1e) != own)
        return xtf_failure("a refused mapping changed the scratch entry");
    printk("1. the APIC page and the MSI window do not map (-EPERM)\n");

    for (i = 0; i < ARRAY_SIZE(x2apic); i++) {
        bool faulted = probe_wrmsr(x2apic[i].msr, x2apic[i].val, &f);

        printk("2. %-38s %s\n", x2apic[i].what, faulted ? exception_name(f.vector) :
               "no fault");
        if (faulted && f.vector != X86_EXC_GP)
            return xtf_failure("%s: %s, expected #GP", x2apic[i].what,
                               exception_name(f.vector));
    }

    if (probe_rdmsr(MSR_APIC_BASE, &base, &f))
        return xtf_failure("rdmsr APIC_BASE faulted (%s)", exception_name(f.vector));
    tries[0] = (base & ~0xfffff000UL) | 0x10000000UL;     /* another base */
    tries[1] = base | (1UL << 10);                        /* x2APIC on */
    tries[2] = base & ~(1UL << 11);                       /* APIC off */
    for (i = 0; i < ARRAY_SIZE(tries); i++) {
        bool faulted = probe_wrmsr(MSR_APIC_BASE, tries[i], &f);

        if (probe_rdmsr(MSR_APIC_BASE, &now, &f))
            return xtf_failure("rdmsr APIC_BASE faulted after a write");
        printk("3. APIC_BASE %#lx -> %#lx: %s, reads %#lx\n", (unsigned long)base,
               (unsigned long)tries[i], faulted ? "faulted" : "no fault",
               (unsigned long)now);
        if (now != base)
            return xtf_failure("APIC_BASE changed to %#lx", (unsigned long)now);
    }

    if (!probe_outb(0xcf9, 0x0e, &f) || f.vector != X86_EXC_GP)
        return xtf_failure("outb to 0xcf9 (reset control) did not #GP");
    if (!probe_outb(0x92, 0x01, &f) || f.vector != X86_EXC_GP)
        return xtf_failure("outb to 0x92 (fast INIT) did not #GP");
    printk("4. outb to 0xcf9 and 0x92: #GP\n");
    return xtf_success();
}
