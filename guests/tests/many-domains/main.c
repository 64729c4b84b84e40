/*
 * many-domains: dom0 runs many domUs at once.
 *
 * dom0 creates NR_DOMS domains (more than the seven domUs pvmm-hv once had room for), gives
 * each a frame, writes the domain's id into it through a foreign mapping, lists them
 * (getdomaininfolist), reads every frame back and destroys them all.  Asserted on both
 * hypervisors: every createdomain succeeds with a distinct id, each domain owns its one
 * frame (tot_pages 1) and holds what was written to it, the list has every domain, and
 * once all are destroyed free_pages is what it was.  pvmm-hv has room for 31 domUs (ids
 * 1..31; createdomain beyond is -ENOMEM); Xen 4.17 for many more.
 */
#include "guest.h"
#include "toolstack.h"
#include <xen/sched.h>

const char test_title[] = "many domUs at once: create, populate, list, destroy";

#define NR_DOMS 24

static long list_count(void)
{
    static struct xen_domctl_getdomaininfo infos[64];
    struct xen_sysctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_getdomaininfolist;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    op.u.getdomaininfolist.first_domain = 0;
    op.u.getdomaininfolist.max_domains = 64;
    op.u.getdomaininfolist.buffer = (uint64_t)(uintptr_t)infos;
    rc = hypercall_sysctl(&op);
    return rc ? rc : op.u.getdomaininfolist.num_domains;
}

int test_main(void)
{
    static long doms[NR_DOMS];
    static xen_pfn_t mfn[NR_DOMS];
    struct xen_sysctl_physinfo pi;
    struct xen_domctl_getdomaininfo info;
    unsigned long slot = alloc_map_slot();
    uint64_t free0, free1;
    unsigned int i, j, n = 0;
    long rc;

    if (sysctl_physinfo(&pi))
        return xtf_failure("physinfo refused");
    free0 = pi.free_pages;
    for (i = 0; i < NR_DOMS; i++) {
        doms[i] = domctl_create(0, 1, 0);
        if (doms[i] <= 0) {
            xtf_failure("createdomain #%u: %ld", i, doms[i]);
            break;
        }
        n++;
        for (j = 0; j < i; j++)
            if (doms[j] == doms[i])
                xtf_failure("domain id %ld handed out twice", doms[i]);
        if (domctl_max_vcpus((domid_t)doms[i], 1) || domctl_max_mem((domid_t)doms[i], 4) ||
            populate_foreign((domid_t)doms[i], 0, 1, &mfn[i]) != 1 ||
            map_foreign(slot, (domid_t)doms[i], mfn[i], PTE_FLAGS_RW)) {
            xtf_failure("giving domain %ld its frame", doms[i]);
            continue;
        }
        *(volatile uint64_t *)slot = 0xd0000UL + (uint64_t)doms[i];
        unmap_va(slot);
    }
    printk("created %u domains, ids %ld..%ld\n", n, n ? doms[0] : 0, n ? doms[n - 1] : 0);
    rc = list_count();
    printk("getdomaininfolist: %ld domains\n", rc);
    if (rc != (long)n + 1)
        xtf_failure("getdomaininfolist: %ld domains, expected %u", rc, n + 1);
    for (i = 0; i < n; i++) {
        if (domctl_getinfo((domid_t)doms[i], &info) || info.tot_pages != 1)
            xtf_failure("domain %ld: tot_pages %lu", doms[i], info.tot_pages);
        if (map_foreign(slot, (domid_t)doms[i], mfn[i], PTE_FLAGS_RO)) {
            xtf_failure("mapping domain %ld's frame again", doms[i]);
            continue;
        }
        if (*(volatile uint64_t *)slot != 0xd0000UL + (uint64_t)doms[i])
            xtf_failure("domain %ld's frame holds %#lx", doms[i], *(volatile uint64_t *)slot);
        unmap_va(slot);
    }
    for (i = 0; i < n; i++)
        if (domctl_destroy((domid_t)doms[i]))
            xtf_failure("destroying domain %ld", doms[i]);

    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", free0, free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
