/*
 * multicall-count: the multicall's entry count is 32 bits wide.
 *
 * Xen declares multicall(list, nr_calls) with a 32-bit nr_calls: the upper half of the
 * register is ignored. A hypervisor that reads all 64 bits runs entries the guest never meant
 * to run (whatever follows the list in memory, until something faults). The guest checks,
 * with a list of three xen_version entries whose results start as a sentinel:
 *   - nr = 0x0800000000000001 runs exactly one entry and returns 0;
 *   - nr = 0x100000000 runs none and returns 0;
 *   - nr = 0xffffffff00000002 runs exactly two.
 */
#include <xen/version.h>

#include "guest.h"

const char test_title[] = "multicall: a 32-bit entry count";

#define SENTINEL 0x5e9717e15e9717e1UL

static struct multicall_entry mc[3];

/* Run multicall(mc, nr) and check it ran exactly `want` entries. */
static int run(unsigned long nr, unsigned int want, long version)
{
    long rc;
    unsigned int i;

    memset(mc, 0, sizeof(mc));
    for (i = 0; i < ARRAY_SIZE(mc); i++) {
        mc[i].op = __HYPERVISOR_xen_version;
        mc[i].args[0] = XENVER_version;
        mc[i].result = SENTINEL;
    }
    rc = _hypercall2(__HYPERVISOR_multicall, mc, nr);
    printk("multicall(list, %#lx) -> %ld; results %#lx %#lx %#lx\n", nr, rc,
           (unsigned long)mc[0].result, (unsigned long)mc[1].result,
           (unsigned long)mc[2].result);
    if (rc != 0)
        return xtf_failure("multicall(list, %#lx) returned %ld, expected 0", nr, rc);
    for (i = 0; i < ARRAY_SIZE(mc); i++) {
        unsigned long expect = i < want ? (unsigned long)version : SENTINEL;

        if (mc[i].result != expect)
            return xtf_failure("multicall(list, %#lx): entry %u result %#lx, expected %#lx",
                               nr, i, (unsigned long)mc[i].result, expect);
    }
    return 0;
}

int test_main(void)
{
    long version = hypercall_xen_version(XENVER_version, NULL);

    if (version <= 0)
        return xtf_error("xen_version gave %ld", version);
    if (run(0x0800000000000001UL, 1, version) || run(0x100000000UL, 0, version) ||
        run(0xffffffff00000002UL, 2, version))
        return XTF_FAILURE;
    return xtf_success();
}
