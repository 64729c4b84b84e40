/*
 * crash-unhandled-exception: a guest that leaves the hypervisor no way to deliver an
 * exception ends itself, and nothing else.
 *
 * The story. When a PV guest faults, the hypervisor delivers the exception through the
 * guest's trap table (a bounce frame on the guest kernel stack). A guest that has cleared
 * its trap table and then faults has no handler to run: Xen cannot continue it, and crashes
 * the domain (domain_crash). It must not crash itself: a hypervisor that panics, hangs or
 * resets the machine because of what a guest did is a denial of service on every other
 * domain. Here the guest is the hardware domain, so on Xen the domain crash takes the
 * machine down in an orderly way ("Hardware Dom0 crashed"); pvmm-hv does the same: it logs
 * the domain, vCPU, vector and rip, tears the domain down through the core and powers off.
 *
 * The guest clears its trap table with set_trap_table(NULL) (measured on Xen 4.17: 0) and
 * executes ud2. The expected verdict is CRASH on both hypervisors (guests/tests/
 * crash-unhandled-exception/expect): no "Test result" line can follow, and a hypervisor
 * that lets the guest continue reaches the FAILURE line below instead.
 */
#include "guest.h"

const char test_title[] = "an exception with no handler crashes the domain, not the hypervisor";

int test_main(void)
{
    long rc = hypercall_set_trap_table(NULL);

    printk("set_trap_table(NULL) -> %ld; now ud2 with no #UD handler\n", rc);
    if (rc)
        return xtf_error("set_trap_table(NULL) gave %ld", rc);
    asm volatile ("ud2" ::: "memory");
    return xtf_failure("the guest continued after an exception it has no handler for");
}
