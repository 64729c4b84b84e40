/*
 * pin-lifecycle: pin, unpin and NEW_BASEPTR, as Xen 4.17 really behaves.
 *
 * Pinning (MMUEXT_PIN_Ln_TABLE) gives a page-table frame a type reference of its own, so it
 * stays validated even when nothing else references it; UNPIN drops that reference. The L4 in
 * CR3 holds a type reference too, independently of the pin (model.md §2.4, §10). That has
 * consequences a re-implementation must match:
 *   - a second pin of a pinned table fails with -EINVAL, and so does unpinning a table that is
 *     not pinned;
 *   - unpinning the L4 that is loaded in CR3 succeeds: CR3's own reference keeps it alive;
 *   - NEW_BASEPTR to an unpinned L4 validates it on the fly;
 *   - once an L4 is neither pinned nor loaded it loses its type, so it may then be mapped
 *     writable; while it is mapped writable, NEW_BASEPTR to it fails;
 *   - made read-only again, it can be loaded and re-pinned.
 * The test walks the bootstrap L4 and a copy of it through that whole life cycle and ends
 * with the bootstrap L4 pinned and loaded, as the builder left it.
 */
#include "guest.h"

const char test_title[] = "pin / unpin / NEW_BASEPTR lifecycle";

static uint64_t read_cr3(void)
{
    uint64_t cr3;

    asm volatile ("mov %%cr3, %0" : "=r" (cr3));
    return cr3;
}

#define EXPECT(expr, want, what)                                                    \
    do {                                                                            \
        long rc_ = (expr);                                                          \
        printk("%-46s -> %ld\n", what, rc_);                                        \
        if (rc_ != (want))                                                          \
            return xtf_failure("%s gave %ld, expected %ld", what, rc_, (long)(want)); \
    } while (0)

int test_main(void)
{
    uint64_t *boot_l4 = (uint64_t *)(uintptr_t)start_info->pt_base;
    unsigned long boot_mfn = virt_to_mfn(boot_l4), new_mfn, data_mfn;
    uint64_t *new_l4 = alloc_page();
    long rc;

    /* A second L4 with the same guest mappings; Xen fills slots 256-271 itself. */
    pt_copy_l4_guest_slots(new_l4, boot_l4);
    rc = pt_make_ro(new_l4);
    if (rc)
        return xtf_error("cannot make the new L4 read-only: %ld", rc);
    new_mfn = virt_to_mfn(new_l4);
    data_mfn = virt_to_mfn(alloc_page());

    EXPECT(pt_pin(4, new_mfn), 0, "pin the new L4");
    EXPECT(pt_pin(4, new_mfn), -XEN_EINVAL, "pin it again");
    EXPECT(pt_unpin(new_mfn), 0, "unpin it");
    EXPECT(pt_unpin(new_mfn), -XEN_EINVAL, "unpin it again");
    EXPECT(pt_unpin(data_mfn), -XEN_EINVAL, "unpin an ordinary page");

    EXPECT(pt_unpin(boot_mfn), 0, "unpin the bootstrap L4 while in CR3");
    EXPECT(pt_unpin(boot_mfn), -XEN_EINVAL, "unpin it again");
    EXPECT(pt_make_rw(boot_l4), -XEN_EBUSY, "map the loaded (unpinned) L4 writable");

    EXPECT(pt_new_baseptr(new_mfn), 0, "NEW_BASEPTR to the unpinned new L4");
    if (read_cr3() != (uint64_t)new_mfn << PAGE_SHIFT)
        return xtf_failure("cr3 reads %#lx after NEW_BASEPTR to mfn %#lx",
                           (unsigned long)read_cr3(), new_mfn);
    EXPECT(pt_make_rw(new_l4), -XEN_EBUSY, "map the now loaded new L4 writable");

    /* The bootstrap L4 is neither pinned nor loaded now: an ordinary page. */
    EXPECT(pt_make_rw(boot_l4), 0, "map the old (unloaded, unpinned) L4 writable");
    EXPECT(pt_new_baseptr(boot_mfn), -XEN_EINVAL, "NEW_BASEPTR to it while mapped writable");
    EXPECT(pt_make_ro(boot_l4), 0, "make it read-only again");
    EXPECT(pt_new_baseptr(boot_mfn), 0, "NEW_BASEPTR back to the bootstrap L4");
    if (read_cr3() != (uint64_t)boot_mfn << PAGE_SHIFT)
        return xtf_failure("cr3 reads %#lx after NEW_BASEPTR to mfn %#lx",
                           (unsigned long)read_cr3(), boot_mfn);
    EXPECT(pt_pin(4, boot_mfn), 0, "pin the bootstrap L4 again");

    /* The copy lost its type when it was unloaded. */
    EXPECT(pt_make_rw(new_l4), 0, "map the unloaded copy writable");
    EXPECT(pt_pin(4, new_mfn), -XEN_EINVAL, "pin the copy while mapped writable");

    return xtf_success();
}
