/*
 * xsa234-grant-unmap-pte-flags: XSA-234 - unmapping a grant did not check that the PTE it
 * removed had the grant's permissions, so a read-only grant mapping the guest had made
 * writable lost a writable reference the hypervisor never took (or kept one it should drop).
 *
 * Measured on Xen 4.17 (and asserted here): a read-only host mapping whose PTE the guest
 * rewrote writable (an ordinary PTE now: mmu_update accepts it, the frame being ours) cannot
 * be unmapped as the grant (GNTST_general_error, the PTE left as it is); unmapping at an
 * address whose PTE maps another frame is refused the same way.  The writable PTE then goes
 * the ordinary way (update_va_mapping 0) and the frame can become a page table again, which
 * it could not if a writable reference had leaked.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "XSA-234: grant unmap checks the PTE's frame and permissions";

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    char *data = alloc_page(), *slot = alloc_page();
    unsigned long slot_va = (unsigned long)slot, dmfn = virt_to_mfn(data);
    grant_handle_t h;
    uint64_t pte;
    int16_t st;
    long rc;

    if (!gt)
        return xtf_error("no grant table");
    gnttab_grant(gt, 10, SELF_ID, dmfn, GTF_permit_access);
    if (gnttab_map(10, GNTMAP_host_map | GNTMAP_readonly, slot_va, &h, NULL) != GNTST_okay)
        return xtf_error("read-only map failed");
    st = gnttab_unmap(h, (uint64_t)(uintptr_t)gt, 0);
    if (st != GNTST_general_error)
        return xtf_failure("unmap at a PTE of another frame gave %d", st);
    pte = pt_l1e(slot_va);
    rc = pt_update_va(slot_va, pte | _PAGE_RW, UVMF_INVLPG);
    if (rc)
        return xtf_error("making the grant PTE writable gave %ld", rc);
    st = gnttab_unmap(h, slot_va, 0);
    if (st != GNTST_general_error)
        return xtf_failure("unmap of the writable PTE as the read-only grant gave %d", st);
    if (pt_l1e(slot_va) != (pte | _PAGE_RW))
        return xtf_failure("the PTE changed: %#lx", (unsigned long)pt_l1e(slot_va));
    if (pt_update_va(slot_va, 0, UVMF_INVLPG) || pt_update_va((unsigned long)data, 0,
                                                               UVMF_INVLPG))
        return xtf_error("cannot unmap the frame");
    /* No writable reference left behind: the frame can be pinned as an L1. */
    memset(data, 0, 0);
    rc = pt_pin(1, dmfn);
    if (rc)
        return xtf_failure("pinning the frame as an L1 gave %ld (a leaked writable ref?)", rc);
    if (pt_unpin(dmfn))
        return xtf_error("unpin failed");
    return xtf_success();
}
