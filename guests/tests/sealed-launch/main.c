/*
 * sealed-launch: a domain created sealed (pvmm's createdomain flag XEN_DOMCTL_CDF_pvmm_sealed,
 * not in Xen's ABI) cannot be unpaused while another domain maps its memory, and once it has
 * been unpaused no other domain can map it again.
 *
 * dom0 creates a sealed domain, gives it frames, maps one of them writable (mmu_update with
 * foreigndom) and another read-only (update_va_mapping_otherdomain), and asserts:
 *   - unpausedomain is -EBUSY while either mapping is there, and the domain stays paused
 *     (pvmm-hv's log names the mapping: "sealed domain dN cannot run while d0 maps ...");
 *   - with both gone, unpausedomain is 0 and the domain is no longer paused;
 *   - after that every foreign mapping of its frames is -EPERM (mmu_update writable or
 *     read-only, update_va_mapping_otherdomain), leaving our slot empty;
 *   - pausing and unpausing it again is 0 (nothing maps it);
 *   - a domain created without the flag is unpaused while we map it, and stays mappable;
 *   - destroyed, every frame comes back (physinfo's free_pages).
 * Xen 4.17 rejects the unknown flag bit 31 with -EINVAL, as every unknown createdomain flag:
 * there the guest says SKIP (guests/tests/sealed-launch/expect-xen), on pvmm-hv SUCCESS
 * (expect-hv).
 */
#include "guest.h"
#include "toolstack.h"
#include <xen/memory.h>
#include <xen/sched.h>

const char test_title[] = "sealed launch: no unpause while mapped, no foreign mapping after";

#define NR_FRAMES 2

static void expect(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
    else
        printk("  %-56s %ld\n", what, rc);
}

/* Whether dom is paused by its controller (getdomaininfo), or -1 if it cannot be read. */
static int is_paused(domid_t dom)
{
    struct xen_domctl_getdomaininfo info;

    if (domctl_getinfo(dom, &info))
        return -1;
    return !!(info.flags & XEN_DOMINF_paused);
}

/* A new domain with NR_FRAMES frames (m[]); its id or a negated errno. */
static long new_domain(uint32_t flags, xen_pfn_t *m)
{
    long dom = domctl_create(0, 1, flags);

    if (dom <= 0)
        return dom ? dom : -XEN_EINVAL;
    if (domctl_max_vcpus((domid_t)dom, 1) || domctl_max_mem((domid_t)dom, NR_FRAMES * 4) ||
        populate_foreign((domid_t)dom, 0, NR_FRAMES, m) != NR_FRAMES) {
        domctl_destroy((domid_t)dom);
        return -XEN_ENOMEM;
    }
    return dom;
}

static void sealed(unsigned long slot, unsigned long slot2)
{
    static xen_pfn_t m[NR_FRAMES];
    domid_t dom;
    long rc = new_domain(XEN_DOMCTL_CDF_pvmm_sealed, m);

    if (rc <= 0) {
        xtf_error("creating a sealed domain with frames: %ld", rc);
        return;
    }
    dom = (domid_t)rc;
    printk("sealed domain %u, frames %#lx %#lx:\n", dom, m[0], m[1]);
    expect("mapping its frame 0 writable (foreigndom)", map_foreign(slot, dom, m[0],
           PTE_FLAGS_RW), 0);
    *(volatile uint64_t *)slot = 0x5ea1ed;
    expect("update_va_mapping_otherdomain of its frame 1", hypercall_update_va_mapping_otherdomain(
           slot2, ((uint64_t)m[1] << PAGE_SHIFT) | PTE_FLAGS_RO, UVMF_INVLPG, dom), 0);
    expect("unpausedomain while both are mapped", domctl_simple(XEN_DOMCTL_unpausedomain, dom),
           -XEN_EBUSY);
    expect("paused", is_paused(dom), 1);
    unmap_va(slot);
    expect("unpausedomain while frame 1 is mapped", domctl_simple(XEN_DOMCTL_unpausedomain,
           dom), -XEN_EBUSY);
    expect("paused", is_paused(dom), 1);
    unmap_va(slot2);
    expect("unpausedomain with nothing mapped", domctl_simple(XEN_DOMCTL_unpausedomain, dom), 0);
    expect("paused", is_paused(dom), 0);

    expect("mapping its frame 0 writable after it ran", map_foreign(slot, dom, m[0],
           PTE_FLAGS_RW), -XEN_EPERM);
    expect("mapping its frame 0 read-only after it ran", map_foreign(slot, dom, m[0],
           PTE_FLAGS_RO), -XEN_EPERM);
    expect("update_va_mapping_otherdomain after it ran", hypercall_update_va_mapping_otherdomain(
           slot2, ((uint64_t)m[1] << PAGE_SHIFT) | PTE_FLAGS_RO, UVMF_INVLPG, dom), -XEN_EPERM);
    if (pt_entry(slot, 1) && *pt_entry(slot, 1))
        xtf_failure("a refused mapping left our entry %#lx", *pt_entry(slot, 1));
    expect("pausedomain", domctl_simple(XEN_DOMCTL_pausedomain, dom), 0);
    expect("unpausedomain again", domctl_simple(XEN_DOMCTL_unpausedomain, dom), 0);
    expect("destroydomain", domctl_destroy(dom), 0);
}

static void unsealed(unsigned long slot)
{
    static xen_pfn_t m[NR_FRAMES];
    domid_t dom;
    long rc = new_domain(0, m);

    if (rc <= 0) {
        xtf_error("creating a domain with frames: %ld", rc);
        return;
    }
    dom = (domid_t)rc;
    printk("domain %u, not sealed:\n", dom);
    expect("mapping its frame 0", map_foreign(slot, dom, m[0], PTE_FLAGS_RW), 0);
    expect("unpausedomain while it is mapped", domctl_simple(XEN_DOMCTL_unpausedomain, dom), 0);
    unmap_va(slot);
    expect("mapping its frame 0 after it ran", map_foreign(slot, dom, m[0], PTE_FLAGS_RO), 0);
    unmap_va(slot);
    expect("destroydomain", domctl_destroy(dom), 0);
}

int test_main(void)
{
    struct xen_sysctl_physinfo pi;
    unsigned long slot = alloc_map_slot(), slot2 = alloc_map_slot();
    uint64_t free0, free1;
    long rc;

    if (sysctl_physinfo(&pi))
        return xtf_failure("physinfo refused");
    free0 = pi.free_pages;
    rc = domctl_create(0, 1, XEN_DOMCTL_CDF_pvmm_sealed);
    if (rc == -XEN_EINVAL)
        return xtf_skip("createdomain refuses the sealed flag (-EINVAL): not pvmm-hv");
    if (rc <= 0)
        return xtf_error("createdomain with the sealed flag: %ld", rc);
    if (domctl_destroy((domid_t)rc))
        return xtf_error("destroying the probe domain");

    sealed(slot, slot2);
    unsealed(slot);

    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", free0, free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
