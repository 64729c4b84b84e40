/*
 * physinfo: XEN_SYSCTL_physinfo describes the machine as Xen 4.17 does.
 *
 * Measured on Xen 4.17 under xen-run (one CPU): capabilities 0x303 (hvm, pv, gnttab_v1,
 * gnttab_v2), arch_capabilities 0, max_node_id 63 (MAX_NUMNODES - 1 whatever the machine),
 * one node, max_cpu_id = nr_cpus - 1, no pages to scrub or outstanding.  pvmm-hv reports
 * 0x302: it runs PV guests only, so the hvm bit is the one that honestly differs and is not
 * asserted here.  Asserted: pv and both grant-table versions, no bit beyond Xen 4.17's
 * (gnttab_v2, bit 9), and the figures above.
 */
#include "guest.h"
#include "toolstack.h"

const char test_title[] = "physinfo: capabilities and topology as Xen 4.17";

#define PHYSCAP_KNOWN   ((1U << 10) - 1)        /* hvm (0) .. gnttab_v2 (9) */

int test_main(void)
{
    struct xen_sysctl_physinfo pi;
    const uint32_t want = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1 |
                          XEN_SYSCTL_PHYSCAP_gnttab_v2;

    memset(&pi, 0xa5, sizeof(pi));
    if (sysctl_physinfo(&pi))
        return xtf_failure("sysctl physinfo refused");
    printk("capabilities %#x arch_capabilities %#x\n", pi.capabilities, pi.arch_capabilities);
    printk("%u CPUs (max id %u), %u threads/core, %u cores/socket, %u nodes (max id %u)\n",
           pi.nr_cpus, pi.max_cpu_id, pi.threads_per_core, pi.cores_per_socket, pi.nr_nodes,
           pi.max_node_id);
    printk("pages: %lu total, %lu free, %lu scrub, %lu outstanding, max_mfn %#lx\n",
           pi.total_pages, pi.free_pages, pi.scrub_pages, pi.outstanding_pages, pi.max_mfn);
    if ((pi.capabilities & want) != want)
        xtf_failure("capabilities %#x lack %#x", pi.capabilities, want & ~pi.capabilities);
    if (pi.capabilities & ~PHYSCAP_KNOWN)
        xtf_failure("capabilities %#x: bits Xen 4.17 does not define", pi.capabilities);
    if (pi.arch_capabilities)
        xtf_failure("arch_capabilities %#x", pi.arch_capabilities);
    if (pi.nr_cpus < 1 || pi.max_cpu_id != pi.nr_cpus - 1 || pi.threads_per_core < 1 ||
        pi.cores_per_socket < 1)
        xtf_failure("CPUs: %u, max id %u", pi.nr_cpus, pi.max_cpu_id);
    if (pi.nr_nodes != 1 || pi.max_node_id != 63)
        xtf_failure("nodes: %u, max id %u", pi.nr_nodes, pi.max_node_id);
    if (pi.free_pages > pi.total_pages || pi.max_mfn + 1 < pi.total_pages ||
        pi.scrub_pages || pi.outstanding_pages || !pi.cpu_khz)
        xtf_failure("pages: %lu free of %lu, max_mfn %#lx", pi.free_pages, pi.total_pages,
                    pi.max_mfn);
    return xtf_success();
}
