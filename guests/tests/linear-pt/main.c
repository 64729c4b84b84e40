/*
 * linear-pt: the rules for linear ("recursive") page tables.
 *
 * Xen lets an entry at level N point at a page-table page of the same level N (model.md §3.4).
 * The classic use is a self-referencing L4 slot, which makes every page-table page of the
 * address space appear in a 512 GiB window, so a kernel can read its PTEs by address. Three
 * rules keep that safe:
 *   1. the entry must be read-only, or the guest could write its own PTEs through the window;
 *   2. a same-level entry to another table only targets a table that is already validated;
 *   3. (XSA-240) a table may contain same-level entries or be the target of them, never both,
 *      so chains L2 -> L2 -> L2 (which could nest validation without bound) are impossible.
 *
 * We check:
 *   - a read-only self-referencing L4 entry is accepted; through it the guest reads its own
 *     L1 entries and its L4, and writing the L4 through the window faults (#PF P|W);
 *   - the same entry with _PAGE_RW is refused with -EINVAL;
 *   - with three pinned L2s A, B, C: A -> B (read-only) is accepted, B -> C is refused
 *     (B is a target), C -> A is refused (A contains one), A -> C works, a writable A -> C is
 *     refused; once A -> B is gone, B -> C is accepted.
 */
#include "guest.h"

const char test_title[] = "linear page-table rules";

#define SELF_SLOT 300UL

/* The VA, inside the window of the self-referencing slot, of the level-`level` entry that
 * maps va (level 1: its L1 entry ... level 4: its L4 entry). */
static unsigned long linear_va(unsigned int level, unsigned long va)
{
    unsigned long base = SELF_SLOT << L4_SHIFT, idx = (va & ((1UL << 48) - 1)) >> 12;
    unsigned int l;

    for (l = 1; l < level; l++)
        idx = (idx >> 9) | (SELF_SLOT << 27);
    return canonical(base | (idx << 3));
}

#define EXPECT(expr, want, what)                                                    \
    do {                                                                            \
        long rc_ = (expr);                                                          \
        printk("%-44s -> %ld\n", what, rc_);                                        \
        if (rc_ != (want))                                                          \
            return xtf_failure("%s gave %ld, expected %ld", what, rc_, (long)(want)); \
    } while (0)

int test_main(void)
{
    unsigned long l4_mfn = pt_current_l4_mfn(), probe_va = (unsigned long)__image_start;
    uint64_t *l4 = mfn_to_virt(l4_mfn), *t[3], *a, *b, *c, v;
    uint64_t self_ro = ((uint64_t)l4_mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED |
                       _PAGE_USER;
    struct fault f;
    unsigned int i;

    EXPECT(pt_write_entry(&l4[SELF_SLOT], self_ro | _PAGE_RW), -XEN_EINVAL,
           "writable self-referencing L4 entry");
    EXPECT(pt_write_entry(&l4[SELF_SLOT], self_ro), 0, "read-only self-referencing L4 entry");
    pt_flush_tlb();

    if (probe_read64((void *)linear_va(1, probe_va), &v, &f)) {
        print_fault("", &f);
        return xtf_failure("reading an L1 entry through the linear map faulted");
    }
    printk("L1 entry of %#lx via the window at %#lx: %#lx\n", probe_va,
           linear_va(1, probe_va), (unsigned long)v);
    if (v != pt_l1e(probe_va))
        return xtf_failure("the window shows %#lx, the walk finds %#lx", (unsigned long)v,
                           (unsigned long)pt_l1e(probe_va));
    if (probe_read64((void *)linear_va(4, 0), &v, &f) || v != l4[0])
        return xtf_failure("the L4 through the window does not match slot 0");
    if (!probe_write64((void *)linear_va(4, 0), v, &f))
        return xtf_failure("writing the L4 through the read-only window worked");
    print_fault("write the L4 through the window: ", &f);
    if (f.vector != X86_EXC_PF || f.error_code != (PFEC_PRESENT | PFEC_WRITE))
        return xtf_failure("got %s ec %#x, expected #PF(P|W)", exception_name(f.vector),
                           f.error_code);

    EXPECT(pt_write_entry(&l4[SELF_SLOT], 0), 0, "remove the self-referencing entry");
    pt_flush_tlb();

    /* XSA-240: one level of same-level references only. */
    for (i = 0; i < 3; i++) {
        t[i] = alloc_page();
        if (pt_make_ro(t[i]) || pt_pin(2, virt_to_mfn(t[i])))
            return xtf_error("cannot make L2 %u", i);
    }
    a = t[0];
    b = t[1];
    c = t[2];
#define L2_RO(p) (((uint64_t)virt_to_mfn(p) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED)
    EXPECT(pt_write_entry(&a[0], L2_RO(b)), 0, "A[0] -> B (read-only L2 -> L2)");
    EXPECT(pt_write_entry(&b[0], L2_RO(c)), -XEN_EINVAL, "B[0] -> C (B is already a target)");
    EXPECT(pt_write_entry(&c[0], L2_RO(a)), -XEN_EINVAL, "C[0] -> A (A already contains one)");
    EXPECT(pt_write_entry(&a[1], L2_RO(c)), 0, "A[1] -> C");
    EXPECT(pt_write_entry(&a[2], L2_RO(c) | _PAGE_RW), -XEN_EINVAL, "A[2] -> C writable");
    EXPECT(pt_write_entry(&a[0], 0), 0, "clear A[0]");
    EXPECT(pt_write_entry(&b[0], L2_RO(c)), 0, "B[0] -> C (B no longer a target)");
    EXPECT(pt_write_entry(&a[1], 0), 0, "clear A[1]");
    EXPECT(pt_write_entry(&b[0], 0), 0, "clear B[0]");
    for (i = 0; i < 3; i++) {
        if (pt_unpin(virt_to_mfn(t[i])))
            return xtf_error("cannot unpin L2 %u", i);
    }

    return xtf_success();
}
