/*
 * pin.c: pin + unpin of a page-table tree mapping 1 GiB.
 *
 * The tree (pt_tree_1g_build: 512 L1s each mapping the 512 bench frames writable, 262144
 * entries, 1 GiB of VA; the frames repeat, the guest has only 64 MiB) is built by the
 * construction recipe.
 * Every table page is then made read-only and the timed part is MMUEXT_PIN_L4_TABLE, which
 * validates the whole tree (taking a type reference on every table and a writable reference
 * per entry), followed by MMUEXT_UNPIN_TABLE, which drops it all again. The tree is never
 * loaded, so it is torn down completely by the unpin.
 */
#include "bench.h"

#define PIN_ROUNDS 2

static struct pt_tree_1g tree;

int bench_pin_1g(void)
{
    uint64_t t0, t1, t2, pin = 0, unpin = 0;
    unsigned long l4_mfn;
    unsigned int round;
    long rc;

    pt_tree_1g_build(&tree, bench_frame_mfn);
    l4_mfn = virt_to_mfn(tree.l4);
    rc = pt_tree_1g_set_rw(&tree, false);
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
    rc = pt_tree_1g_set_rw(&tree, true);
    if (rc)
        return xtf_error("making the 1 GiB tree writable again: %ld", rc);
    printk("pin_1g: pin %lu, unpin %lu insns\n", (unsigned long)(pin / PIN_ROUNDS),
           (unsigned long)(unpin / PIN_ROUNDS));
    bench_report("pin_1g", (pin + unpin) / PIN_ROUNDS, "insns");
    return 0;
}
