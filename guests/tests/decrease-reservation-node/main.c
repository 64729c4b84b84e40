/*
 * decrease-reservation-node: decrease_reservation does not look at the NUMA node.
 *
 * mem_flags' node field says where increase_reservation and populate_physmap allocate; a
 * privileged caller naming a node beyond the machine's (>= MAX_NUMNODES) gets -EINVAL there.
 * decrease_reservation allocates nothing, and Xen 4.17 does not check the node for it: with
 * the node 126 (mem_flags 0x7ff0) or 254 (0xff00) it processes the list as with no node (a
 * frame that is not the caller's stops it: 0 extents done). Found by the fuzzing guest
 * (docs/fuzzing.md): pvmm-hv answered -EINVAL.
 */
#include <xen/memory.h>

#include "guest.h"

const char test_title[] = "decrease_reservation ignores the NUMA node";

int test_main(void)
{
    static const uint64_t nobodys[2] = { ~0UL, ~0UL };
    static const unsigned int flags[] = { 0, 0x7ff0, 0xff00, XENMEMF_node(63) };
    unsigned int i, order;

    for (i = 0; i < ARRAY_SIZE(flags); i++) {
        for (order = 0; order < 2; order++) {
            struct xen_memory_reservation r = {
                .extent_start = (uint64_t)(uintptr_t)nobodys, .nr_extents = 1 + order,
                .extent_order = order, .mem_flags = flags[i], .domid = DOMID_SELF,
            };
            long rc = hypercall_memory_op(XENMEM_decrease_reservation, &r);

            printk("decrease_reservation, mem_flags %#x, order %u: %ld\n", flags[i], order, rc);
            if (rc != 0)
                return xtf_failure("decrease_reservation with mem_flags %#x: %ld, expected 0",
                                   flags[i], rc);
        }
    }
    return xtf_success();
}
