/*
 * xsa224-grant-host-device-unmap: XSA-224 - a grant mapped for host and device at once and
 * unmapped in two calls dropped one reference too many (and dev_bus_addr 0 still dropped
 * references).
 *
 * Measured on Xen 4.17 (and asserted here): one map_grant_ref with GNTMAP_host_map |
 * GNTMAP_device_map; an unmap with host_addr 0 and dev_bus_addr 0 is okay and changes
 * nothing (the entry stays GTF_reading|GTF_writing); the device part (dev_bus_addr only)
 * and then the host part (host_addr only) unmap separately, okay each; the flags clear only
 * after the second; a third unmap of the handle is GNTST_bad_handle.  Afterwards the frame
 * can be pinned as an L1 (no writable reference left) and is still ours to map (no
 * general reference dropped too many: mapping it read-only works).
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "XSA-224: host and device parts of a grant unmapped separately";

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    char *data = alloc_page(), *slot = alloc_page();
    unsigned long slot_va = (unsigned long)slot, dmfn = virt_to_mfn(data);
    const uint16_t busy = GTF_permit_access | GTF_reading | GTF_writing;
    grant_handle_t h;
    uint64_t bus;
    int16_t st;
    long rc;

    if (!gt)
        return xtf_error("no grant table");
    gnttab_grant(gt, 10, SELF_ID, dmfn, GTF_permit_access);
    st = gnttab_map(10, GNTMAP_host_map | GNTMAP_device_map, slot_va, &h, &bus);
    if (st != GNTST_okay)
        return xtf_error("host+device map gave %d", st);
    st = gnttab_unmap(h, 0, 0);
    if (st != GNTST_okay || gt[10].flags != busy)
        return xtf_failure("unmap of nothing: %d, flags %#x", st, gt[10].flags);
    st = gnttab_unmap(h, 0, bus);
    if (st != GNTST_okay || gt[10].flags != busy)
        return xtf_failure("device unmap: %d, flags %#x", st, gt[10].flags);
    st = gnttab_unmap(h, slot_va, 0);
    if (st != GNTST_okay || gt[10].flags != GTF_permit_access)
        return xtf_failure("host unmap: %d, flags %#x", st, gt[10].flags);
    st = gnttab_unmap(h, slot_va, bus);
    if (st != GNTST_bad_handle)
        return xtf_failure("third unmap gave %d", st);
    if (pt_update_va((unsigned long)data, 0, UVMF_INVLPG))
        return xtf_error("cannot unmap the frame");
    rc = pt_pin(1, dmfn);
    if (rc)
        return xtf_failure("pinning the frame as an L1 gave %ld (a leaked writable ref?)", rc);
    if (pt_unpin(dmfn))
        return xtf_error("unpin failed");
    rc = pt_map_mfn(slot_va, dmfn, PTE_FLAGS_RO);
    if (rc)
        return xtf_failure("mapping the frame again gave %ld", rc);
    return xtf_success();
}
