/*
 * xsa255-grant-status-frame-mapped: XSA-255 - switching a grant table from v2 back to v1
 * freed the status frames while the guest still mapped them, so the guest kept a writable
 * mapping of a frame the hypervisor reused.
 *
 * Measured on Xen 4.17 (and asserted here): with a status frame mapped, set_version(1) is
 * -EBUSY and the table stays version 2 (the status frame stays mapped and usable); once the
 * guest unmaps it, set_version(1) succeeds.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "XSA-255: v2 -> v1 refused while a status frame is mapped";

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    uint16_t *st = alloc_page();
    uint64_t sframe = 0;
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)&sframe };
    unsigned int version;
    long rc;

    if (!gt)
        return xtf_error("no grant table");
    if (gnttab_set_version(2, &version) || version != 2)
        return xtf_error("set_version(2) failed");
    if (gnttab_op(GNTTABOP_get_status_frames, &gs, 1) || gs.status != GNTST_okay)
        return xtf_error("get_status_frames failed (%d)", gs.status);
    if (pt_map_mfn((unsigned long)st, sframe, PTE_FLAGS_RW))
        return xtf_error("cannot map the status frame");
    rc = gnttab_set_version(1, &version);
    if (rc != -XEN_EBUSY || version != 2)
        return xtf_failure("set_version(1) with the status frame mapped: %ld, version %u",
                           rc, version);
    if (gnttab_get_version() != 2)
        return xtf_failure("the table left version 2");
    st[100] = 0;
    if (pt_update_va((unsigned long)st, 0, UVMF_INVLPG))
        return xtf_error("cannot unmap the status frame");
    rc = gnttab_set_version(1, &version);
    if (rc || version != 1)
        return xtf_failure("set_version(1) after the unmap: %ld, version %u", rc, version);
    return xtf_success();
}
