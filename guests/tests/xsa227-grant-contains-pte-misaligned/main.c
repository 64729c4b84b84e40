/*
 * xsa227-grant-contains-pte-misaligned: XSA-227 - GNTMAP_contains_pte with a PTE address
 * that is not 8-byte aligned wrote the new PTE across two entries of the L1.
 *
 * Measured on Xen 4.17 (and asserted here): the misaligned address (aligned + 4) is
 * GNTST_general_error and both neighbouring entries are unchanged; the aligned address maps
 * the grant there (PTE NX|bit 52|0x67) and unmaps with the same address.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "XSA-227: a misaligned contains_pte address is refused";

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    char *data = alloc_page(), *slot = alloc_page(), *next = alloc_page();
    unsigned long slot_va = (unsigned long)slot;
    uint64_t *pl1e = pt_entry(slot_va, 1);
    uint64_t maddr, before, before_next, want;
    grant_handle_t h;
    int16_t st;

    if (!gt || !pl1e)
        return xtf_error("no grant table or no L1 entry");
    (void)next;
    maddr = virt_to_maddr(pl1e);
    before = pl1e[0];
    before_next = pl1e[1];
    gnttab_grant(gt, 10, SELF_ID, virt_to_mfn(data), GTF_permit_access);
    st = gnttab_map(10, GNTMAP_host_map | GNTMAP_contains_pte, maddr + 4, &h, NULL);
    if (st != GNTST_general_error)
        return xtf_failure("misaligned contains_pte gave %d", st);
    if (pl1e[0] != before || pl1e[1] != before_next)
        return xtf_failure("entries changed: %#lx %#lx", (unsigned long)pl1e[0],
                           (unsigned long)pl1e[1]);
    st = gnttab_map(10, GNTMAP_host_map | GNTMAP_contains_pte, maddr, &h, NULL);
    if (st != GNTST_okay)
        return xtf_failure("aligned contains_pte gave %d", st);
    want = ((uint64_t)virt_to_mfn(data) << PAGE_SHIFT) | _PAGE_NX | (1UL << 52) | 0x67;
    if (pl1e[0] != want || pl1e[1] != before_next)
        return xtf_failure("PTE %#lx, expected %#lx", (unsigned long)pl1e[0],
                           (unsigned long)want);
    st = gnttab_unmap(h, maddr, 0);
    if (st != GNTST_okay || pl1e[0] != 0)
        return xtf_failure("unmap gave %d, PTE %#lx", st, (unsigned long)pl1e[0]);
    return xtf_success();
}
