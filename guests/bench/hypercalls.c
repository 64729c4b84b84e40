/*
 * hypercalls.c: the null hypercall, the 512-entry mmu_update batch and the update_va_mapping
 * loop.
 */
#include <xen/version.h>

#include "bench.h"

#define NULL_CALLS   1000
#define UVA_CALLS    1000
#define MMU_ROUNDS   4

/* xen_version(XENVER_version) through the hypercall page, NULL_CALLS times. */
int bench_null_hypercall(void)
{
    uint64_t t0, t1;
    unsigned int i;
    long v = 0;

    for (i = 0; i < 10; i++)                /* warm-up: first-time paths, TCG translation */
        v |= hypercall_xen_version(XENVER_version, NULL);
    t0 = bench_tsc();
    for (i = 0; i < NULL_CALLS; i++)
        v |= hypercall_xen_version(XENVER_version, NULL);
    t1 = bench_tsc();
    if (v <= 0)
        return xtf_error("xen_version gave %ld", v);
    bench_report("null_hypercall", (t1 - t0) / NULL_CALLS, "insns");
    return 0;
}

/*
 * One mmu_update batch of 512 MMU_NORMAL_PT_UPDATEs filling an empty, pinned L1 with
 * writable mappings of the 512 bench frames (timed), then one batch clearing it again
 * (untimed), MMU_ROUNDS times. Reports the mean fill batch.
 */
int bench_mmu_update_512(void)
{
    static struct mmu_update fill[PT_ENTRIES], clear[PT_ENTRIES];
    uint64_t *l1 = alloc_page(), total = 0, t0, t1;
    unsigned long l1_mfn = virt_to_mfn(l1);
    unsigned int i, done, round;
    long rc;

    rc = pt_make_ro(l1);
    if (!rc)
        rc = pt_pin(1, l1_mfn);
    if (rc)
        return xtf_error("cannot pin the L1: %ld", rc);
    for (i = 0; i < PT_ENTRIES; i++) {
        fill[i].ptr = (((uint64_t)l1_mfn << PAGE_SHIFT) + 8 * i) | MMU_NORMAL_PT_UPDATE;
        fill[i].val = ((uint64_t)bench_frame_mfn[i] << PAGE_SHIFT) | PTE_FLAGS_RW;
        clear[i].ptr = fill[i].ptr;
        clear[i].val = 0;
    }
    for (round = 0; round <= MMU_ROUNDS; round++) {
        t0 = bench_tsc();
        rc = hypercall_mmu_update(fill, PT_ENTRIES, &done, DOMID_SELF);
        t1 = bench_tsc();
        if (rc || done != PT_ENTRIES)
            return xtf_error("mmu_update fill: %ld (%u done)", rc, done);
        if (round)                          /* round 0 is the warm-up */
            total += t1 - t0;
        rc = hypercall_mmu_update(clear, PT_ENTRIES, &done, DOMID_SELF);
        if (rc || done != PT_ENTRIES)
            return xtf_error("mmu_update clear: %ld (%u done)", rc, done);
    }
    rc = pt_unpin(l1_mfn);
    if (!rc)
        rc = pt_make_rw(l1);
    if (rc)
        return xtf_error("cannot release the L1: %ld", rc);
    bench_report("mmu_update_512", total / MMU_ROUNDS, "insns");
    return 0;
}

/* update_va_mapping(UVMF_INVLPG) of one VA, alternating between two frames. */
int bench_update_va_mapping(void)
{
    volatile uint64_t *page = alloc_page();
    unsigned long va = (unsigned long)page;
    uint64_t pte[2], t0, t1;
    unsigned int i;
    long rc = 0;

    pte[0] = ((uint64_t)virt_to_mfn(page) << PAGE_SHIFT) | PTE_FLAGS_RW;
    pte[1] = ((uint64_t)bench_frame_mfn[0] << PAGE_SHIFT) | PTE_FLAGS_RW;
    for (i = 0; i < 10; i++)
        rc |= pt_update_va(va, pte[i & 1], UVMF_INVLPG);
    t0 = bench_tsc();
    for (i = 0; i < UVA_CALLS; i++)
        rc |= pt_update_va(va, pte[i & 1], UVMF_INVLPG);
    t1 = bench_tsc();
    rc |= pt_update_va(va, pte[0], UVMF_INVLPG);
    if (rc)
        return xtf_error("update_va_mapping: %ld", rc);
    bench_report("update_va_mapping", (t1 - t0) / UVA_CALLS, "insns");
    return 0;
}
