/*
 * pin.c: pin + unpin of a page-table tree mapping 1 GiB.
 *
 * The tree is built by the construction recipe: an L4 whose slot 0 points at one L3, whose
 * entry 0 points at one L2, whose 512 entries point at 512 L1s, each mapping the 512 bench
 * frames writable (262144 entries, 1 GiB of VA; the frames repeat, the guest has only 64 MiB).
 * Every table page is then made read-only and the timed part is MMUEXT_PIN_L4_TABLE, which
 * validates the whole tree (taking a type reference on every table and a writable reference
 * per entry), followed by MMUEXT_UNPIN_TABLE, which drops it all again. The tree is never
 * loaded, so it is torn down completely by the unpin.
 */
#include "bench.h"

#define PIN_ROUNDS 2

static uint64_t *l1s[PT_ENTRIES];

/* Allocate and fill the tree; returns the L4 (NULL after reporting an error). */
static uint64_t *build_tree(uint64_t **l3, uint64_t **l2)
{
    uint64_t *l4 = alloc_page();
    unsigned int i, j;

    *l3 = alloc_page();
    *l2 = alloc_page();
    for (i = 0; i < PT_ENTRIES; i++) {
        l1s[i] = alloc_page();
        for (j = 0; j < PT_ENTRIES; j++)
            l1s[i][j] = ((uint64_t)bench_frame_mfn[j] << PAGE_SHIFT) | PTE_FLAGS_RW;
        (*l2)[i] = ((uint64_t)virt_to_mfn(l1s[i]) << PAGE_SHIFT) | PDE_FLAGS;
    }
    (*l3)[0] = ((uint64_t)virt_to_mfn(*l2) << PAGE_SHIFT) | PDE_FLAGS;
    l4[0] = ((uint64_t)virt_to_mfn(*l3) << PAGE_SHIFT) | PDE_FLAGS;
    return l4;
}

/* Map every table page read-only (rw false) or writable again, L1s first. */
static long set_tables_rw(uint64_t *l4, uint64_t *l3, uint64_t *l2, bool rw)
{
    long (*set)(const volatile void *) = rw ? pt_make_rw : pt_make_ro;
    unsigned int i;
    long rc = 0;

    for (i = 0; i < PT_ENTRIES && !rc; i++)
        rc = set(l1s[i]);
    if (!rc)
        rc = set(l2);
    if (!rc)
        rc = set(l3);
    if (!rc)
        rc = set(l4);
    return rc;
}

int bench_pin_1g(void)
{
    uint64_t *l4, *l3, *l2, t0, t1, t2, pin = 0, unpin = 0;
    unsigned long l4_mfn;
    unsigned int round;
    long rc;

    l4 = build_tree(&l3, &l2);
    l4_mfn = virt_to_mfn(l4);
    rc = set_tables_rw(l4, l3, l2, false);
    if (rc)
        return xtf_error("making the 1 GiB tree read-only: %ld", rc);
    for (round = 0; round < PIN_ROUNDS; round++) {
        t0 = bench_tsc();
        rc = pt_pin(4, l4_mfn);
        t1 = bench_tsc();
        if (rc)
            return xtf_error("pinning the 1 GiB tree: %ld", rc);
        rc = pt_unpin(l4_mfn);
        t2 = bench_tsc();
        if (rc)
            return xtf_error("unpinning the 1 GiB tree: %ld", rc);
        pin += t1 - t0;
        unpin += t2 - t1;
    }
    rc = set_tables_rw(l4, l3, l2, true);
    if (rc)
        return xtf_error("making the 1 GiB tree writable again: %ld", rc);
    printk("pin_1g: pin %lu, unpin %lu insns\n", (unsigned long)(pin / PIN_ROUNDS),
           (unsigned long)(unpin / PIN_ROUNDS));
    bench_report("pin_1g", (pin + unpin) / PIN_ROUNDS, "insns");
    return 0;
}
