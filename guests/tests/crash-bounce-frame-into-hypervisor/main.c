/*
 * crash-bounce-frame-into-hypervisor: an exception taken with the kernel stack pointer just
 * above the hypervisor's slots crashes the domain; the hypervisor writes nothing below
 * HYPERVISOR_VIRT_END.
 *
 * The story. A bounce frame goes below the guest's rsp (rounded down to 16 bytes). With rsp
 * at 0xffff880000000020 - guest space, the first address past the hypervisor's slots plus
 * 32 - the seven or eight words of the frame would start inside the slots. Xen checks the
 * frame's address before it writes (the guest could otherwise have the hypervisor write its
 * own memory for it) and crashes the domain; so must pvmm-hv. Nothing a guest does here may
 * reach the hypervisor's own data.
 *
 * The guest moves rsp there and executes ud2, with its #UD handler registered. The expected
 * verdict is CRASH on both hypervisors (guests/tests/crash-bounce-frame-into-hypervisor/
 * expect); a hypervisor that delivers the #UD somehow reaches the FAILURE line below.
 */
#include "guest.h"

const char test_title[] = "a bounce frame that would run into the hypervisor's slots crashes "
                          "the domain";

int test_main(void)
{
    printk("ud2 with rsp 0xffff880000000020\n");
    asm volatile ("mov %%rsp, %%r12\n\t"
                  "mov $0xffff880000000020, %%rsp\n\t"
                  "1: ud2\n\t"
                  "2: mov %%r12, %%rsp\n\t"
                  ASM_EXTABLE(1b, 2b)
                  ::: "r12", "memory");
    return xtf_failure("the #UD was delivered with its frame in the hypervisor's slots");
}
