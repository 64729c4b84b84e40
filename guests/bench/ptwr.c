/*
 * ptwr.c: trapped page-table writes (ptwr), per instruction: a plain `mov` of a new L1 entry
 * alternating two frames (ptwr_store), and the write-protect Linux does for fork and
 * copy-on-write, `lock btr` of the RW bit, alternating with `lock bts` (ptwr_lock_btr).
 */
#include "bench.h"

#define PTWR_STORES 1000

int bench_ptwr(void)
{
    volatile uint64_t *page = alloc_page();
    volatile uint64_t *l1e = pt_entry((unsigned long)page, 1);
    unsigned long mfn = virt_to_mfn(page);
    uint64_t e[2], t0, t1;
    unsigned int i;

    if (!l1e)
        return xtf_error("no L1 entry for the ptwr page");
    e[0] = ((uint64_t)bench_frame_mfn[0] << PAGE_SHIFT) | PTE_FLAGS_RW;
    e[1] = ((uint64_t)bench_frame_mfn[1] << PAGE_SHIFT) | PTE_FLAGS_RW;
    for (i = 0; i < 10; i++)                /* warm-up: first-time paths, TCG translation */
        *l1e = e[i & 1];
    t0 = bench_tsc();
    for (i = 0; i < PTWR_STORES; i++)
        *l1e = e[i & 1];
    t1 = bench_tsc();
    if (pte_mfn(*l1e) != bench_frame_mfn[1])
        return xtf_error("the ptwr stores did not land: %#lx", (unsigned long)*l1e);
    bench_report("ptwr_store", (t1 - t0) / PTWR_STORES, "insns");

    for (i = 0; i < 10; i++)
        asm volatile ("lock btrq $1, %0; lock btsq $1, %0" : "+m" (*l1e));
    t0 = bench_tsc();
    for (i = 0; i < PTWR_STORES / 2; i++)
        asm volatile ("lock btrq $1, %0; lock btsq $1, %0" : "+m" (*l1e));
    t1 = bench_tsc();
    if (!(*l1e & _PAGE_RW))
        return xtf_error("lock bts did not land: %#lx", (unsigned long)*l1e);
    bench_report("ptwr_lock_btr", (t1 - t0) / PTWR_STORES, "insns");

    if (pt_map_mfn((unsigned long)page, mfn, PTE_FLAGS_RW))
        return xtf_error("cannot restore the ptwr page");
    return 0;
}
