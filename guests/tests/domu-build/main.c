/*
 * domu-build: dom0 builds a domU from a PV64 guest ELF with the project's domain builder
 * (builder/, the same code that builds dom0 in pvmm-hv and every domain in the simulator),
 * driven through hypercalls (guests/lib/domu-builder.c), starts it, reads its verdict,
 * destroys it and checks that every frame came back.
 *
 * The domU is guests/domu/hello (the test runtime, embedded here as an ELF): it checks its
 * start_info, its p2m list against the M2P and its page allocator, and shuts down with
 * poweroff for SUCCESS (crash otherwise).  Asserted on Xen 4.17 and pvmm-hv:
 *   - the build succeeds: createdomain, max_vcpus, max_mem, populate_physmap of nr_pages
 *     frames for it, writable foreign mappings of its frames, MMU_MACHPHYS_UPDATE and
 *     MMUEXT_PIN_L4_TABLE with foreigndom = it, setvcpucontext;
 *   - while built and paused it holds nr_pages frames (getdomaininfo tot_pages) and runs
 *     nothing (no vCPU online until unpaused... flags paused);
 *   - getpageframeinfo3 sees its bootstrap L4 as a pinned L4;
 *   - unpaused, it shuts down with code poweroff (its verdict SUCCESS);
 *   - destroyed, it is gone (-ESRCH) and physinfo's free_pages is what it was before
 *     (after Xen's RCU grace period: a bounded number of yields).
 */
#include "guest.h"
#include "domu-builder.h"
#include "toolstack.h"
#include <xen/sched.h>

const char test_title[] = "dom0 builds a domU from an ELF with the shared domain builder";

#define DOMU_PAGES 1280

extern const char _binary_domu_hello_elf_start[], _binary_domu_hello_elf_end[];

static xen_pfn_t p2m[DOMU_PAGES];

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_hello_elf_end - _binary_domu_hello_elf_start);
    struct xen_domctl_getdomaininfo info;
    struct domu u;
    const char *why = "";
    xen_pfn_t l4;
    uint64_t free0, free1;
    long rc;
    int code;

    free0 = sysctl_free_pages();
    if (!free0)
        return xtf_failure("physinfo refused");
    printk("building a domU of %u pages from a %lu-byte ELF\n", DOMU_PAGES, (unsigned long)len);
    rc = domu_build(_binary_domu_hello_elf_start, len, DOMU_PAGES, 0, p2m, &u, &why);
    if (rc)
        return xtf_failure("building the domU: %ld (%s)", rc, why);
    printk("domain %u built: entry %#lx, start_info %#lx, L4 mfn %#lx\n", u.domid, u.entry,
           u.start_info_va, u.l4_mfn);
    if (domctl_getinfo(u.domid, &info))
        return xtf_failure("getdomaininfo of the new domain");
    printk("  tot_pages %lu, max_pages %lu, flags %#x\n", (unsigned long)info.tot_pages,
           (unsigned long)info.max_pages, info.flags);
    if (info.tot_pages != DOMU_PAGES || !(info.flags & XEN_DOMINF_paused))
        xtf_failure("the built domain: tot_pages %lu, flags %#x", (unsigned long)info.tot_pages,
                    info.flags);
    l4 = u.l4_mfn;
    if (domctl_pageframeinfo3(u.domid, &l4, 1) ||
        l4 != (XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB))
        xtf_failure("its L4's type word: %#lx", l4);

    if (domctl_simple(XEN_DOMCTL_unpausedomain, u.domid))
        return xtf_failure("unpausedomain refused");
    code = domu_wait_shutdown(&u, NULL, NULL);
    printk("domain %u shut down with code %d\n", u.domid, code);
    if (code != SHUTDOWN_poweroff)
        xtf_failure("the domU's verdict: shutdown code %d (poweroff is SUCCESS)", code);

    rc = domu_destroy(&u);
    if (rc)
        return xtf_failure("destroydomain: %ld", rc);
    rc = domctl_getinfo(u.domid, &info);
    if (rc != -XEN_ESRCH)
        xtf_failure("getdomaininfo after destroying it: %ld (flags %#x)", rc, info.flags);
    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", (unsigned long)free0, (unsigned long)free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
