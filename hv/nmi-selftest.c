/*
 * hv/nmi-selftest.c - showing that no NMI stops the hypervisor (hypervisor options).
 *
 * No guest can cause an NMI (dom0 cannot map the local APIC or the MSI window, and the
 * x2APIC MSRs give #GP), so the two paths are exercised by the hypervisor itself:
 *   nmi-test=hv     at boot, an NMI to itself through the ICR while the hypervisor runs; it
 *                   must be taken, logged and returned from ("survived" follows);
 *   nmi-test=guest  the local timer delivers an NMI shortly after the guest starts; one that
 *                   lands in the hypervisor (a hypercall, an exit) is logged and re-armed,
 *                   the first one in guest context crashes the domain (domain_crash), and
 *                   the run ends with the verdict CRASH.
 * tests/hv/test-nmi.sh runs both as part of make check-hv.
 */
#include "events.h"

#define NMI_TIMER_TICKS  200000   /* about 200 us at the 1 GHz QEMU gives the APIC timer */

static bool want_guest_nmi(void)
{
    static int want = -1;

    if (want < 0)
        want = hv_option("nmi-test=guest");
    return want;
}

void nmi_selftest_boot(void)
{
    unsigned long before = hv_nmi_count;

    if (!hv_option("nmi-test=hv"))
        return;
    printk("pvmm: NMI self-test: sending this CPU an NMI from the hypervisor\n");
    apic_self_nmi();
    for (unsigned int i = 0; i < 1000000 && hv_nmi_count == before; i++)
        __asm__ volatile("pause");
    if (hv_nmi_count == before)
        panic("NMI self-test: the NMI never arrived");
    printk("pvmm: NMI self-test: the hypervisor survived an NMI\n");
}

void nmi_selftest_arm(void)
{
    if (want_guest_nmi())
        apic_nmi_after(NMI_TIMER_TICKS);
}
