/*
 * m2p-update-xen-frames: dom0 cannot rewrite the M2P entries of the hypervisor's frames.
 *
 * The story. MMU_MACHPHYS_UPDATE sets the machine-to-physical entry of a frame the foreign
 * domain FD owns. With FD = DOMID_XEN the "owner" is the hypervisor: Xen accepts the
 * request only for the frames it shares with privileged guests on purpose (the M2P table
 * itself, which dom0 may also map read-only through DOMID_XEN); its private frames have no
 * owner, and the request fails with -EINVAL. A hypervisor that keeps its own frames under
 * an owner of its own must not let that owner stand in for "anything of the hypervisor's":
 * pvmm-hv once accepted the request for every frame it had reserved (its image, page
 * tables, frame table), so dom0 could rewrite their M2P entries at will.
 *
 * The guest tries every frame of the first 4 MiB (where pvmm-hv keeps its image, page
 * tables, frame table and M2P) and the first frames of each 2 MiB of the M2P that
 * XENMEM_machphys_mfn_list reports (where the hypervisor implements it), skipping its own
 * frames: MMU_MACHPHYS_UPDATE with FD = DOMID_XEN and the entry's current value (so nothing
 * changes when it is accepted). Every accepted frame must be one the hypervisor shares:
 * read-only mappable through DOMID_XEN, never writable; no more frames may be accepted
 * than the M2P has (8 bytes per frame, rounded up to its 2 MiB mapping), and at least one
 * (the M2P is shared on both). Both hypervisors log every refusal, so the whole machine is
 * not scanned. Measured on Xen 4.17.7 (512 MiB): the M2P frames are accepted
 * (XENMEM_machphys_mfn_list: 0x1f200..0x1f3ff), the low MiB and 0x100..0x3ff give -EINVAL;
 * dom0's own shared_info frame gives -EINVAL with DOMID_XEN too.
 */
#include "guest.h"
#include <xen/memory.h>

const char test_title[] = "MMU_MACHPHYS_UPDATE with DOMID_XEN only on frames Xen shares";

/* One MMU_MACHPHYS_UPDATE of frame mfn to val with FD fd. */
static long machphys(unsigned long mfn, uint64_t val, unsigned int fd)
{
    struct mmu_update req = { .ptr = ((uint64_t)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE,
                              .val = val };

    return hypercall_mmu_update(&req, 1, NULL, fd);
}

/* Map mfn at the scratch entry with FD = DOMID_XEN; the rc. */
static long map_xen(uint64_t *l1e, unsigned long mfn, uint64_t flags)
{
    struct mmu_update req = { .ptr = virt_to_maddr(l1e),
                              .val = ((uint64_t)mfn << PAGE_SHIFT) | flags };

    return hypercall_mmu_update(&req, 1, NULL, DOMID_XEN);
}

/*
 * Try MMU_MACHPHYS_UPDATE with DOMID_XEN on frame mfn (not ours) with its current M2P value;
 * 1 if accepted (and then it must be a shared frame), 0 if refused, -1 after a report.
 */
static int try_frame(uint64_t *l1e, unsigned long va, unsigned long own, unsigned long mfn)
{
    uint64_t old;
    long rc;

    if (probe_read64((uint64_t *)MACH2PHYS_VIRT_START + mfn, &old, NULL) || mfn_to_virt(mfn))
        return 0;                             /* no M2P entry to read, or our own frame */
    rc = machphys(mfn, old, DOMID_XEN);
    if (rc == -XEN_EINVAL)
        return 0;
    if (rc)
        return xtf_failure("frame %#lx: MACHPHYS_UPDATE with DOMID_XEN gave %ld", mfn, rc), -1;
    rc = map_xen(l1e, mfn, PTE_FLAGS_RO);
    if (rc)
        return xtf_failure("frame %#lx: M2P update accepted, but it does not map read-only "
                           "through DOMID_XEN (%ld): not a shared frame", mfn, rc), -1;
    rc = map_xen(l1e, mfn, PTE_FLAGS_RW);
    if (rc != -XEN_EBUSY)
        return xtf_failure("frame %#lx: writable mapping through DOMID_XEN gave %ld", mfn,
                           rc), -1;
    if (pt_map_mfn(va, own, PTE_FLAGS_RW))
        return xtf_error("cannot restore the scratch mapping"), -1;
    return 1;
}

int test_main(void)
{
    unsigned long va = (unsigned long)alloc_page(), own = virt_to_mfn((void *)va);
    uint64_t *l1e = pt_entry(va, 1);
    unsigned long shared_info = start_info->shared_info >> PAGE_SHIFT;
    long max_mfn = hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    static unsigned long ext[16];
    struct xen_machphys_mfn_list list = { .max_extents = ARRAY_SIZE(ext),
                                          .extent_start = (uint64_t)(uintptr_t)ext };
    unsigned long mfn, accepted = 0, limit, scan_end;
    unsigned int i, k;
    long rc, list_rc;
    int r;

    if (!l1e)
        return xtf_error("no L1 entry for the scratch page");
    if (max_mfn <= 0)
        return xtf_error("XENMEM_maximum_ram_page gave %ld", max_mfn);
    /* The M2P's frames, rounded up to the 2 MiB (512-frame) units it is mapped in. */
    limit = ((((unsigned long)max_mfn + 1) * 8 + (2UL << 20) - 1) >> 21) * 512;
    scan_end = (unsigned long)max_mfn < 0x400 ? (unsigned long)max_mfn : 0x400;
    list_rc = hypercall_memory_op(XENMEM_machphys_mfn_list, &list);
    printk("machine frames up to %#lx, at most %lu M2P frames; machphys_mfn_list: %ld "
           "(%u extents)\n", max_mfn, limit, list_rc, list_rc ? 0 : list.nr_extents);

    rc = machphys(shared_info, mfn_to_pfn(shared_info), DOMID_XEN);
    printk("shared_info frame %#lx (dom0's), FD DOMID_XEN: %ld\n", shared_info, rc);
    if (rc != -XEN_EINVAL)
        return xtf_failure("MACHPHYS_UPDATE of dom0's shared_info with DOMID_XEN gave %ld, "
                           "expected %d", rc, -XEN_EINVAL);

    for (mfn = 0; mfn < scan_end; mfn++) {
        r = try_frame(l1e, va, own, mfn);
        if (r < 0)
            return 0;
        accepted += (unsigned long)r;
    }
    printk("frames 0..%#lx: %lu accepted with DOMID_XEN\n", scan_end - 1, accepted);
    for (i = 0; list_rc == 0 && i < list.nr_extents && i < ARRAY_SIZE(ext); i++)
        for (k = 0; k < 4; k++) {
            if (ext[i] + k < scan_end)
                continue;
            r = try_frame(l1e, va, own, ext[i] + k);
            if (r < 0)
                return 0;
            if (!r)
                return xtf_failure("M2P frame %#lx: MACHPHYS_UPDATE with DOMID_XEN refused",
                                   ext[i] + k);
            accepted++;
        }
    printk("accepted with DOMID_XEN: %lu frames\n", accepted);
    if (accepted > limit)
        return xtf_failure("%lu frames accepted, more than the M2P's %lu", accepted, limit);
    if (!accepted)
        return xtf_failure("no frame accepted: not even the M2P's");
    return xtf_success();
}
