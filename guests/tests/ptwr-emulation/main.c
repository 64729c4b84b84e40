/*
 * ptwr-emulation: a guest-kernel store to its own (read-only) L1 is trapped and emulated.
 *
 * Page tables are mapped read-only, so a plain `mov` into an L1 entry faults. With
 * VMASST_TYPE_writable_pagetables (and, on Xen, always for the hardware domain), Xen does not
 * bounce that #PF: it decodes the store, validates the new entry exactly as mmu_update would,
 * applies it with its usual adjustments and resumes the guest after the instruction ("ptwr",
 * model.md §3.10). An entry that fails validation is not written, and the #PF is delivered to
 * the guest as if nothing had been emulated.
 *
 * We check:
 *   - a valid 8-byte store lands, with Xen's fix-ups visible on read-back (model.md §3.8): an
 *     entry without _PAGE_USER gets _PAGE_USER plus the guest-kernel marker (bit 52); an entry
 *     with _PAGE_USER keeps bit 52 clear (and may be made GLOBAL);
 *   - a 4-byte store to the upper half that clears bit 52 is merged into the full entry
 *     (model.md §10: it becomes a user mapping);
 *   - after INVLPG the VA really reaches the new frame;
 *   - malicious stores (the L1 itself, or the L2 above it, mapped writable) are refused: the
 *     entry is unchanged and the guest gets #PF with error code P|W (U clear: guest kernel
 *     mode) and CR2 = the entry's address.
 * Whether the store is emulated before the assist is enabled is printed as information only.
 */
#include "guest.h"

const char test_title[] = "ptwr: guest-kernel writes to its own L1";

#define MARK_A 0xaaaaaaaa11111111UL
#define MARK_B 0xbbbbbbbb22222222UL

static void show(const char *what, uint64_t e)
{
    printk("%-34s %#018lx%s%s%s%s\n", what, (unsigned long)e, e & _PAGE_USER ? " USER" : "",
           e & _PAGE_GUEST_KERNEL ? " GUEST_KERNEL" : "", e & _PAGE_GLOBAL ? " GLOBAL" : "",
           e & _PAGE_RW ? " RW" : "");
}

/* A store of `val` into *l1e must be refused with #PF(P|W) at the entry's address. */
static int expect_refused(const char *what, volatile uint64_t *l1e, uint64_t val)
{
    uint64_t before = *l1e;
    struct fault f;

    if (!probe_write64(l1e, val, &f))
        return xtf_failure("%s: the store was accepted (entry now %#lx)", what,
                           (unsigned long)*l1e);
    print_fault("  refused: ", &f);
    if (f.vector != X86_EXC_PF)
        return xtf_failure("%s: got %s, expected #PF", what, exception_name(f.vector));
    if (f.cr2 != (uintptr_t)l1e)
        return xtf_failure("%s: cr2 %#lx, expected the entry address %p", what,
                           (unsigned long)f.cr2, (void *)l1e);
    if (f.error_code != (PFEC_PRESENT | PFEC_WRITE))
        return xtf_failure("%s: error code %#x, expected %#x", what, f.error_code,
                           PFEC_PRESENT | PFEC_WRITE);
    if (*l1e != before)
        return xtf_failure("%s: the entry changed to %#lx", what, (unsigned long)*l1e);
    return 0;
}

int test_main(void)
{
    volatile uint64_t *a = alloc_page(), *b = alloc_page();
    unsigned long va = (unsigned long)a, mfn_a = virt_to_mfn(a), mfn_b = virt_to_mfn(b);
    volatile uint64_t *l1e = pt_entry(va, 1);
    uint64_t *l2e = pt_entry(va, 2);
    unsigned long l1_mfn, l2_mfn;
    struct fault f;
    uint64_t e;
    long rc;

    if (!l1e || !l2e)
        return xtf_error("cannot find the tables mapping %#lx", va);
    l1_mfn = virt_to_mfn(l1e);
    l2_mfn = pte_mfn(*l2e);
    *a = MARK_A;
    *b = MARK_B;
    show("entry for page A at start:", *l1e);

    /* Information only: is the store emulated before the assist is turned on? */
    if (probe_write64(l1e, *l1e, &f))
        print_fault("without VMASST writable_pagetables: store faulted: ", &f);
    else
        printk("without VMASST writable_pagetables: store emulated\n");

    rc = hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    if (rc)
        return xtf_failure("vm_assist(enable, writable_pagetables) gave %ld", rc);

    /* 1. A valid kernel entry: B read-write, without _PAGE_USER. */
    if (probe_write64(l1e, ((uint64_t)mfn_b << PAGE_SHIFT) | PTE_FLAGS_RW, &f)) {
        print_fault("", &f);
        return xtf_failure("a valid store to the L1 was not emulated");
    }
    e = *l1e;
    show("after storing B without USER:", e);
    if (pte_mfn(e) != mfn_b || !(e & _PAGE_RW))
        return xtf_failure("the stored entry did not land: %#lx", (unsigned long)e);
    if (!(e & _PAGE_USER) || !(e & _PAGE_GUEST_KERNEL))
        return xtf_failure("Xen's fix-up (USER | bit 52) is missing: %#lx", (unsigned long)e);
    pt_invlpg(va);
    if (*a != MARK_B)
        return xtf_failure("after INVLPG the VA shows %#lx, not page B", (unsigned long)*a);

    /* 2. A 4-byte store to the upper half clearing bit 52: a user mapping now. */
    if (probe_write32((volatile uint32_t *)l1e + 1,
                      (uint32_t)((e & ~_PAGE_GUEST_KERNEL) >> 32), &f)) {
        print_fault("", &f);
        return xtf_failure("a valid 4-byte store to the L1 was not emulated");
    }
    e = *l1e;
    show("after clearing bit 52 (4 bytes):", e);
    if (pte_mfn(e) != mfn_b || (e & _PAGE_GUEST_KERNEL) || !(e & _PAGE_USER))
        return xtf_failure("the 4-byte store was not merged as expected: %#lx",
                           (unsigned long)e);
    if (!(e & _PAGE_GLOBAL))
        printk("note: the user mapping was not made GLOBAL\n");

    /* 3. A valid user entry written whole: A again, with _PAGE_USER. */
    if (probe_write64(l1e, ((uint64_t)mfn_a << PAGE_SHIFT) | PTE_FLAGS_RW | _PAGE_USER, &f)) {
        print_fault("", &f);
        return xtf_failure("a valid user entry store was not emulated");
    }
    e = *l1e;
    show("after storing A with USER:", e);
    if (pte_mfn(e) != mfn_a || (e & _PAGE_GUEST_KERNEL) || !(e & _PAGE_USER))
        return xtf_failure("unexpected user entry %#lx", (unsigned long)e);
    pt_invlpg(va);
    if (*a != MARK_A)
        return xtf_failure("after INVLPG the VA shows %#lx, not page A", (unsigned long)*a);

    /* 4. Malicious stores: a page table mapped writable. */
    if (expect_refused("L1 mapping itself writable", l1e,
                       ((uint64_t)l1_mfn << PAGE_SHIFT) | PTE_FLAGS_RW))
        return XTF_FAILURE;
    if (expect_refused("L1 mapping its L2 writable", l1e,
                       ((uint64_t)l2_mfn << PAGE_SHIFT) | PTE_FLAGS_RW))
        return XTF_FAILURE;
    if (expect_refused("L1 mapping the L4 writable", l1e,
                       ((uint64_t)pt_current_l4_mfn() << PAGE_SHIFT) | PTE_FLAGS_RW))
        return XTF_FAILURE;

    /* A read-only mapping of the same L1 is fine. */
    if (probe_write64(l1e, ((uint64_t)l1_mfn << PAGE_SHIFT) | PTE_FLAGS_RO, &f)) {
        print_fault("", &f);
        return xtf_failure("a read-only mapping of the L1 through ptwr was refused");
    }
    show("after mapping the L1 read-only:", *l1e);
    pt_invlpg(va);
    if (memcmp((const void *)a, (const void *)((uintptr_t)l1e & PAGE_MASK), PAGE_SIZE))
        return xtf_failure("the read-only view of the L1 differs from the L1");

    rc = pt_map_mfn(va, mfn_a, PTE_FLAGS_RW);
    if (rc)
        return xtf_error("cannot restore page A: %ld", rc);
    return xtf_success();
}
