/*
 * pt-writable-refused: no writable mapping of a page-table frame, ever.
 *
 * The whole PV memory model rests on one invariant: a frame that is in use as a page table
 * (or descriptor table) has no writable mapping anywhere, so the guest can change its tables
 * only through the hypervisor, which validates every entry. Xen enforces it with page types:
 * a writable mapping holds a "writable" type reference, a page-table use holds a "page
 * table" type reference, and a frame can only have one type at a time.
 *
 * This test attacks the invariant from both sides:
 *   - mapping each live bootstrap page-table frame (L4, L3, L2, L1) writable, through
 *     update_va_mapping and through mmu_update, must fail with -EBUSY (-16);
 *   - mapping the same frames read-only must work, and show the real table contents;
 *   - pinning a page as a page table while it still has a writable mapping must fail with
 *     -EINVAL (-22), and must work once the page is read-only.
 */
#include "guest.h"

const char test_title[] = "writable mappings of page-table frames are refused";

int test_main(void)
{
    unsigned long va = (unsigned long)alloc_page(), own_mfn = virt_to_mfn((void *)va);
    uint64_t *l1e = pt_entry(va, 1);
    uint64_t *page;
    unsigned int level;
    long rc;

    if (!l1e)
        return xtf_error("no L1 entry for the scratch page %#lx", va);

    for (level = 4; level >= 1; level--) {
        uint64_t *table = level == 4 ? (uint64_t *)(uintptr_t)start_info->pt_base
                                     : mfn_to_virt(pte_mfn(*pt_entry(va, level + 1)));
        unsigned long mfn = virt_to_mfn(table);

        rc = pt_update_va(va, ((uint64_t)mfn << PAGE_SHIFT) | PTE_FLAGS_RW, UVMF_INVLPG);
        printk("L%u frame %#lx: update_va_mapping writable -> %ld\n", level, mfn, rc);
        if (rc != -XEN_EBUSY)
            return xtf_failure("writable update_va_mapping of an L%u frame gave %ld, "
                               "expected %d", level, rc, -XEN_EBUSY);

        rc = pt_write_entry(l1e, ((uint64_t)mfn << PAGE_SHIFT) | PTE_FLAGS_RW);
        printk("L%u frame %#lx: mmu_update writable      -> %ld\n", level, mfn, rc);
        if (rc != -XEN_EBUSY)
            return xtf_failure("writable mmu_update of an L%u frame gave %ld, expected %d",
                               level, rc, -XEN_EBUSY);

        if (pte_mfn(*l1e) != own_mfn)
            return xtf_failure("a refused update changed the entry to %#lx",
                               (unsigned long)*l1e);

        rc = pt_update_va(va, ((uint64_t)mfn << PAGE_SHIFT) | PTE_FLAGS_RO, UVMF_INVLPG);
        printk("L%u frame %#lx: update_va_mapping read-only -> %ld\n", level, mfn, rc);
        if (rc)
            return xtf_failure("read-only mapping of an L%u frame gave %ld", level, rc);
        if (memcmp((void *)va, table, PAGE_SIZE) != 0)
            return xtf_failure("the read-only view of the L%u frame differs from the table",
                               level);

        rc = pt_map_mfn(va, own_mfn, PTE_FLAGS_RW);
        if (rc)
            return xtf_error("cannot restore the scratch mapping: %ld", rc);
    }

    /* A page with a writable mapping cannot become a page table. */
    page = alloc_page();
    for (level = 1; level <= 4; level++) {
        rc = pt_pin(level, virt_to_mfn(page));
        printk("pin as L%u while mapped writable -> %ld\n", level, rc);
        if (rc != -XEN_EINVAL)
            return xtf_failure("pinning a writable page as L%u gave %ld, expected %d", level,
                               rc, -XEN_EINVAL);
    }

    rc = pt_make_ro(page);
    if (rc)
        return xtf_error("cannot make the page read-only: %ld", rc);
    rc = pt_pin(1, virt_to_mfn(page));
    printk("pin as L1 once read-only -> %ld\n", rc);
    if (rc)
        return xtf_failure("pinning a read-only empty page as L1 gave %ld", rc);

    rc = pt_make_rw(page);
    printk("make the pinned L1 writable again -> %ld\n", rc);
    if (rc != -XEN_EBUSY)
        return xtf_failure("writable mapping of a pinned L1 gave %ld, expected %d", rc,
                           -XEN_EBUSY);

    rc = pt_unpin(virt_to_mfn(page));
    if (rc)
        return xtf_failure("unpinning the L1 gave %ld", rc);
    rc = pt_make_rw(page);
    printk("unpinned, make it writable -> %ld\n", rc);
    if (rc)
        return xtf_failure("writable mapping of an unpinned, unused page gave %ld", rc);

    return xtf_success();
}
