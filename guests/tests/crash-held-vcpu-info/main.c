/*
 * crash-held-vcpu-info: a domain that crashes while the hypervisor holds a frame of it (the
 * vcpu_info page it registered) is torn down with every reference given back exactly once.
 *
 * VCPUOP_register_vcpu_info makes the hypervisor keep a general and a writable type reference
 * on the guest's page for as long as it uses it. When the domain ends, those references must
 * be dropped once: a hypervisor that drops them twice underflows the frame's counts. The guest
 * registers a vcpu_info page, then clears its trap table and executes ud2, so the domain is
 * crashed (as in crash-unhandled-exception). The expected verdict is CRASH on both
 * hypervisors (guests/tests/crash-held-vcpu-info/expect); pvmm-hv runs its auditor after the
 * teardown, and any violation there turns the verdict into HV_PANIC.
 */
#include <xen/vcpu.h>
#include "guest.h"

const char test_title[] = "a crash while vcpu_info is registered: every reference dropped once";

int test_main(void)
{
    struct vcpu_register_vcpu_info info;
    uint8_t *page = alloc_page();
    long rc;

    info = (struct vcpu_register_vcpu_info){ .mfn = virt_to_mfn(page), .offset = 64 };
    events_mask();
    if ((rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info)) != 0)
        return xtf_error("register_vcpu_info: %ld", rc);
    vcpu0_info_ptr = (struct vcpu_info *)(page + 64);
    if ((rc = hypercall_set_trap_table(NULL)) != 0)
        return xtf_error("set_trap_table(NULL) gave %ld", rc);
    printk("vcpu_info registered; now ud2 with no #UD handler\n");
    asm volatile ("ud2" ::: "memory");
    return xtf_failure("the guest continued after an exception it has no handler for");
}
