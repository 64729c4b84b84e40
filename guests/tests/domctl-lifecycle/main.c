/*
 * domctl-lifecycle: a privileged guest creates a domain, gives it memory and vCPUs, looks at
 * it, builds and pins a page table in it on its behalf, sets and reads its vCPU context, and
 * destroys it - every frame coming back - with Xen 4.17's domctl and sysctl (interface
 * version 0x15).
 *
 * Measured on Xen 4.17 (and the same on pvmm-hv), asserted here:
 *   - a domctl or sysctl of another interface version is -EACCES, before anything else; an
 *     unknown command -ENOSYS; getdomaininfo of DOMID_SELF -EINVAL, of a free id -ESRCH;
 *   - createdomain picks a free domid (asking for domid 0 means "any"); asking for one in
 *     use is -EEXIST; 0 vCPUs, an unknown flag or a grant version limit of 0 or 3 is -EINVAL;
 *   - a new domain is paused once, owns nothing, has max_pages 0 and max_vcpu_id ~0 until
 *     max_vcpus; its flags carry the shutdown code ~0 (0xffff0000); unpausing it twice is
 *     -EINVAL the second time; pausing the caller itself -EINVAL;
 *   - memory for it comes from populate_physmap / increase_reservation naming it (up to
 *     max_mem) and goes back with decrease_reservation;
 *   - naming its frame as the caller's own in an L1 entry is -EBUSY, with foreigndom = it
 *     the mapping is made; update_va_mapping_otherdomain maps it too; MMU_MACHPHYS_UPDATE
 *     of its frame needs foreigndom = it (-EINVAL as ours);
 *   - getpageframeinfo3 replaces each mfn by its type word alone: L1..L4, the pin bit, XTAB
 *     for a frame not the domain's; MMUEXT_PIN_L4_TABLE with foreigndom pins its table (as
 *     ours: -EINVAL), after which its L1 can be mapped read-only only (writable: -EBUSY);
 *   - getvcpucontext before any context is -ENODATA; setvcpucontext checks the vCPU id, the
 *     L4 (ours: -EINVAL) and canonical addresses, and gives back flags in_kernel|online;
 *   - destroydomain while the caller still maps one of its frames returns 0 and leaves a
 *     dying domain (flags dying|paused, tot_pages 1) that can still be mapped; once the
 *     last mapping goes it is gone (-ESRCH) and physinfo's free_pages is what it was.
 */
#include "guest.h"
#include "toolstack.h"
#include <xen/memory.h>
#include <xen/sched.h>

const char test_title[] = "domctl: create, populate, map, pin, context, destroy";

#define NR_FRAMES 8

static void expect(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
    else
        printk("  %-52s %ld\n", what, rc);
}

/* One-extent reservation op `cmd` for dom on *mfn (in for decrease, out for increase). */
static long reservation(unsigned int cmd, domid_t dom, xen_pfn_t *mfn)
{
    struct xen_memory_reservation r;

    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)mfn;
    r.nr_extents = 1;
    r.domid = dom;
    return hypercall_memory_op(cmd, &r);
}

static void version_checks(void)
{
    struct xen_domctl op;
    struct xen_sysctl sop;

    domctl_init(&op, XEN_DOMCTL_getdomaininfo, 0);
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    expect("domctl of interface version 0x14", hypercall_domctl(&op), -XEN_EACCES);
    domctl_init(&op, XEN_DOMCTL_getdomaininfo, 0);
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION + 1;
    expect("domctl of interface version 0x16", hypercall_domctl(&op), -XEN_EACCES);
    domctl_init(&op, XEN_DOMCTL_getdomaininfo, 0);
    expect("domctl getdomaininfo of dom0", hypercall_domctl(&op), 0);
    memset(&sop, 0, sizeof(sop));
    sop.cmd = XEN_SYSCTL_physinfo;
    sop.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1;
    expect("sysctl of interface version 0x14", hypercall_sysctl(&sop), -XEN_EACCES);
    domctl_init(&op, 0x7fff, 0);
    expect("domctl of an unknown command", hypercall_domctl(&op), -XEN_ENOSYS);
    domctl_init(&op, XEN_DOMCTL_getdomaininfo, 0x7fe0);
    expect("getdomaininfo of domain 0x7fe0 (none)", hypercall_domctl(&op), -XEN_ESRCH);
    domctl_init(&op, XEN_DOMCTL_getdomaininfo, DOMID_SELF);
    expect("getdomaininfo of DOMID_SELF", hypercall_domctl(&op), -XEN_EINVAL);
    domctl_init(&op, XEN_DOMCTL_pausedomain, 0x7fe0);
    expect("pausedomain of domain 0x7fe0 (none)", hypercall_domctl(&op), -XEN_ESRCH);
}

/* Build L4 -> L3 -> L2 -> L1 -> data in frames m[0..4] of dom: write them through a
 * writable foreign mapping, unmap, then pin the L4 for dom. */
static void build_tree(domid_t dom, const xen_pfn_t *m, unsigned long slot)
{
    uint64_t *t = (uint64_t *)slot;
    unsigned int i;

    for (i = 0; i < 4; i++) {
        if (map_foreign(slot, dom, m[i], PTE_FLAGS_RW)) {
            xtf_error("mapping frame %u of the new domain", i);
            return;
        }
        memset(t, 0, PAGE_SIZE);
        t[0] = ((uint64_t)m[i + 1] << PAGE_SHIFT) | (i < 3 ? PDE_FLAGS : PTE_FLAGS_RW);
        unmap_va(slot);
    }
}

static void frame_types(domid_t dom, const xen_pfn_t *m, const char *when,
                        const uint32_t *want)
{
    xen_pfn_t arr[6];
    unsigned int i;
    long rc;

    for (i = 0; i < 5; i++)
        arr[i] = m[i];
    arr[5] = pfn_to_mfn(0);                       /* ours, not dom's */
    rc = domctl_pageframeinfo3(dom, arr, 6);
    if (rc) {
        xtf_failure("getpageframeinfo3 %s: %ld", when, rc);
        return;
    }
    for (i = 0; i < 6; i++) {
        uint32_t type = (uint32_t)(arr[i] & XEN_DOMCTL_PFINFO_LTAB_MASK);

        if (arr[i] != type || type != want[i])
            xtf_failure("getpageframeinfo3 %s: frame %u gave %#lx, expected type %#x",
                        when, i, arr[i], want[i]);
    }
    printk("  getpageframeinfo3 %s: %#lx %#lx %#lx %#lx %#lx %#lx\n", when,
           arr[0] >> 28, arr[1] >> 28, arr[2] >> 28, arr[3] >> 28, arr[4] >> 28, arr[5] >> 28);
}

static void vcpu_context(domid_t dom, const xen_pfn_t *m)
{
    static struct vcpu_guest_context c, back;

    memset(&c, 0, sizeof(c));
    expect("getvcpucontext before any context", domctl_vcpucontext(
           XEN_DOMCTL_getvcpucontext, dom, 0, &back), -XEN_ENODATA);
    c.flags = VGCF_IN_KERNEL | VGCF_online;
    c.user_regs.rip = 0x400000;
    c.user_regs.rsp = 0x401000;
    c.user_regs.rsi = 0x402000;
    c.user_regs.rflags = 0x202;
    c.user_regs.cs = FLAT_KERNEL_CS;
    c.user_regs.ss = FLAT_KERNEL_SS;
    c.kernel_ss = FLAT_KERNEL_SS;
    c.kernel_sp = 0x401000;
    c.ctrlreg[3] = (uint64_t)m[0] << PAGE_SHIFT;
    expect("setvcpucontext on vCPU 1 (of 1)", domctl_vcpucontext(
           XEN_DOMCTL_setvcpucontext, dom, 1, &c), -XEN_EINVAL);
    c.ctrlreg[3] = (uint64_t)pfn_to_mfn(0) << PAGE_SHIFT;
    expect("setvcpucontext with our frame as its L4", domctl_vcpucontext(
           XEN_DOMCTL_setvcpucontext, dom, 0, &c), -XEN_EINVAL);
    c.user_regs.rip = 0x800000000000UL;
    c.ctrlreg[3] = (uint64_t)m[0] << PAGE_SHIFT;
    expect("setvcpucontext with a non-canonical rip", domctl_vcpucontext(
           XEN_DOMCTL_setvcpucontext, dom, 0, &c), -XEN_EINVAL);
    c.user_regs.rip = 0x400000;
    expect("setvcpucontext with its pinned L4", domctl_vcpucontext(
           XEN_DOMCTL_setvcpucontext, dom, 0, &c), 0);
    memset(&back, 0, sizeof(back));
    expect("getvcpucontext", domctl_vcpucontext(XEN_DOMCTL_getvcpucontext, dom, 0, &back), 0);
    if (back.ctrlreg[3] != c.ctrlreg[3] || back.user_regs.rip != c.user_regs.rip ||
        back.user_regs.rsi != c.user_regs.rsi || back.kernel_sp != c.kernel_sp)
        xtf_failure("getvcpucontext: cr3 %#lx rip %#lx rsi %#lx kernel_sp %#lx", back.ctrlreg[3],
                    back.user_regs.rip, back.user_regs.rsi, back.kernel_sp);
    printk("  context back: flags %#lx cs %#x ss %#x rflags %#lx\n", back.flags,
           back.user_regs.cs, back.user_regs.ss, back.user_regs.rflags);
    if (back.flags != (VGCF_IN_KERNEL | VGCF_online))
        xtf_failure("getvcpucontext: flags %#lx, expected in_kernel|online", back.flags);
}

int test_main(void)
{
    static xen_pfn_t m[NR_FRAMES];
    struct xen_domctl_getdomaininfo info;
    struct xen_sysctl_physinfo pi;
    uint64_t free0, free1;
    unsigned long slot = alloc_map_slot(), slot2 = alloc_map_slot();
    long dom, rc;
    int tries;

    printk("interface versions and lookups:\n");
    version_checks();
    if (sysctl_physinfo(&pi))
        return xtf_failure("sysctl physinfo refused");
    free0 = pi.free_pages;
    printk("  physinfo: %u CPUs, %lu pages, %lu free, cpu_khz %u, caps %#x\n", pi.nr_cpus,
           pi.total_pages, pi.free_pages, pi.cpu_khz, pi.capabilities);
    if (!(pi.capabilities & XEN_SYSCTL_PHYSCAP_pv) || pi.nr_cpus < 1)
        xtf_failure("physinfo: capabilities %#x, %u CPUs", pi.capabilities, pi.nr_cpus);

    printk("createdomain:\n");
    expect("createdomain with 0 vCPUs", domctl_create(0, 0, 0), -XEN_EINVAL);
    expect("createdomain with an unknown flag", domctl_create(0, 1, 1U << 20), -XEN_EINVAL);
    domctl_set_grant_version(0);
    expect("createdomain with grant version 0", domctl_create(0, 1, 0), -XEN_EINVAL);
    domctl_set_grant_version(3);
    expect("createdomain with grant version 3", domctl_create(0, 1, 0), -XEN_EINVAL);
    domctl_set_grant_version(1);
    dom = domctl_create(0, 1, 0);
    if (dom <= 0)
        return xtf_failure("createdomain: %ld", dom);
    printk("  created domain %ld\n", dom);
    expect("createdomain of the same domid", domctl_create((domid_t)dom, 1, 0), -XEN_EEXIST);
    expect("getdomaininfo", domctl_getinfo((domid_t)dom, &info), 0);
    printk("  info: flags %#x tot %lu max %lu vcpus %u max_vcpu_id %#x\n", info.flags,
           info.tot_pages, info.max_pages, info.nr_online_vcpus, info.max_vcpu_id);
    if (info.domain != dom || info.flags != 0xffff0000U + XEN_DOMINF_paused || info.tot_pages ||
        info.max_pages || info.nr_online_vcpus || info.max_vcpu_id != XEN_INVALID_MAX_VCPU_ID)
        xtf_failure("a new domain: domain %u flags %#x tot_pages %lu", info.domain,
                    info.flags, info.tot_pages);
    expect("max_vcpus 1", domctl_max_vcpus((domid_t)dom, 1), 0);
    expect("max_mem 64 KiB", domctl_max_mem((domid_t)dom, 64), 0);
    expect("unpausedomain (the creation's pause)", domctl_simple(XEN_DOMCTL_unpausedomain,
           (domid_t)dom), 0);
    expect("unpausedomain again", domctl_simple(XEN_DOMCTL_unpausedomain, (domid_t)dom),
           -XEN_EINVAL);
    expect("pausedomain", domctl_simple(XEN_DOMCTL_pausedomain, (domid_t)dom), 0);
    expect("getdomaininfo", domctl_getinfo((domid_t)dom, &info), 0);
    if (info.max_pages != 16 || info.max_vcpu_id != 0 || info.nr_online_vcpus != 0)
        xtf_failure("after max_mem/max_vcpus: max_pages %lu max_vcpu_id %u online %u",
                    info.max_pages, info.max_vcpu_id, info.nr_online_vcpus);

    printk("memory for it:\n");
    rc = populate_foreign((domid_t)dom, 0, NR_FRAMES, m);
    expect("populate_physmap of 8 frames for it", rc, NR_FRAMES);
    if (rc != NR_FRAMES)
        return xtf_failure("no memory for the new domain");
    expect("getdomaininfo", domctl_getinfo((domid_t)dom, &info), 0);
    if (info.tot_pages != NR_FRAMES)
        xtf_failure("tot_pages %lu after populating 8", info.tot_pages);
    expect("mapping its frame as our own", map_foreign(slot, DOMID_SELF, m[0], PTE_FLAGS_RW),
           -XEN_EBUSY);
    expect("mapping its frame, foreigndom = it", map_foreign(slot, (domid_t)dom, m[0],
           PTE_FLAGS_RW), 0);
    unmap_va(slot);
    {
        struct mmu_update u = { ((uint64_t)m[5] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 5 };

        expect("MMU_MACHPHYS_UPDATE for it", hypercall_mmu_update(&u, 1, NULL,
               (unsigned int)dom), 0);
        if (mfn_to_pfn(m[5]) != 5)
            xtf_failure("the M2P entry of its frame is %#lx", mfn_to_pfn(m[5]));
        u.val = 6;
        expect("MMU_MACHPHYS_UPDATE of its frame as ours", hypercall_mmu_update(&u, 1, NULL,
               DOMID_SELF), -XEN_EINVAL);
    }

    expect("update_va_mapping_otherdomain of its frame", hypercall_update_va_mapping_otherdomain(
           slot, ((uint64_t)m[6] << PAGE_SHIFT) | PTE_FLAGS_RW, UVMF_INVLPG, (domid_t)dom), 0);
    *(volatile uint64_t *)slot = 0x5678;
    unmap_va(slot);
    expect("decrease_reservation of one of its frames", reservation(XENMEM_decrease_reservation,
           (domid_t)dom, &m[7]), 1);
    expect("getdomaininfo", domctl_getinfo((domid_t)dom, &info), 0);
    if (info.tot_pages != NR_FRAMES - 1)
        xtf_failure("tot_pages %lu after giving one back", info.tot_pages);
    expect("increase_reservation of one frame for it", reservation(
           XENMEM_increase_reservation, (domid_t)dom, &m[7]), 1);
    expect("getdomaininfo", domctl_getinfo((domid_t)dom, &info), 0);
    if (info.tot_pages != NR_FRAMES)
        xtf_failure("tot_pages %lu after increase_reservation", info.tot_pages);

    printk("page tables for it:\n");
    build_tree((domid_t)dom, m, slot);
    {
        static const uint32_t none[6] = { 0, 0, 0, 0, 0, XEN_DOMCTL_PFINFO_XTAB };
        static const uint32_t pinned[6] = {
            XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB, XEN_DOMCTL_PFINFO_L3TAB,
            XEN_DOMCTL_PFINFO_L2TAB, XEN_DOMCTL_PFINFO_L1TAB, 0, XEN_DOMCTL_PFINFO_XTAB,
        };
        struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = m[0] };

        frame_types((domid_t)dom, m, "before the pin", none);
        expect("PIN_L4_TABLE of its L4 as ours", hypercall_mmuext_op(&op, 1, NULL,
               DOMID_SELF), -XEN_EINVAL);
        expect("PIN_L4_TABLE of its L4, foreigndom = it", hypercall_mmuext_op(&op, 1, NULL,
               (unsigned int)dom), 0);
        frame_types((domid_t)dom, m, "after the pin", pinned);
        expect("mapping its L1 writable", map_foreign(slot, (domid_t)dom, m[3], PTE_FLAGS_RW),
               -XEN_EBUSY);
        expect("mapping its L1 read-only", map_foreign(slot, (domid_t)dom, m[3], PTE_FLAGS_RO),
               0);
        unmap_va(slot);
    }
    vcpu_context((domid_t)dom, m);

    printk("pause, unpause, destroy:\n");
    expect("pausedomain of ourselves", domctl_simple(XEN_DOMCTL_pausedomain, 0), -XEN_EINVAL);
    expect("pausedomain", domctl_simple(XEN_DOMCTL_pausedomain, (domid_t)dom), 0);
    expect("getdomaininfo", domctl_getinfo((domid_t)dom, &info), 0);
    printk("  info: flags %#x tot %lu online vcpus %u\n", info.flags, info.tot_pages,
           info.nr_online_vcpus);
    if (info.nr_online_vcpus != 1 || info.tot_pages != NR_FRAMES ||
        !(info.flags & XEN_DOMINF_paused))
        xtf_failure("paused: flags %#x, %u vCPUs online, tot_pages %lu", info.flags,
                    info.nr_online_vcpus, info.tot_pages);
    expect("mapping its data frame while it is destroyed", map_foreign(slot, (domid_t)dom,
           m[4], PTE_FLAGS_RW), 0);
    *(volatile uint64_t *)slot = 0x1234;
    expect("destroydomain", domctl_destroy((domid_t)dom), 0);
    rc = domctl_getinfo((domid_t)dom, &info);
    printk("  after destroy, still mapped: getdomaininfo %ld flags %#x tot %lu\n", rc,
           info.flags, info.tot_pages);
    expect("getdomaininfo of the dying domain", rc, 0);
    if (!(info.flags & XEN_DOMINF_dying) || info.tot_pages != 1)
        xtf_failure("a destroyed domain we still map: flags %#x tot_pages %lu", info.flags,
                    info.tot_pages);
    expect("a second mapping of the dying domain's frame", map_foreign(slot2, (domid_t)dom,
           m[4], PTE_FLAGS_RW), 0);
    if (*(volatile uint64_t *)slot2 != 0x1234)
        xtf_failure("the frame still mapped changed");
    unmap_va(slot);
    expect("getdomaininfo with one mapping left", domctl_getinfo((domid_t)dom, &info), 0);
    unmap_va(slot2);
    expect("destroydomain again", domctl_destroy((domid_t)dom), -XEN_ESRCH);
    expect("getdomaininfo after the last unmap", domctl_getinfo((domid_t)dom, &info),
           -XEN_ESRCH);
    for (tries = 0; tries < 100; tries++) {
        if (sysctl_physinfo(&pi))
            return xtf_failure("sysctl physinfo refused");
        free1 = pi.free_pages;
        if (free1 >= free0)
            break;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    printk("  free pages: %lu before, %lu after (%d yields)\n", free0, free1, tries);
    if (free1 < free0)
        xtf_failure("destroydomain left %lu frames missing", free0 - free1);
    return xtf_success();
}
