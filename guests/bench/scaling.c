/*
 * scaling.c: how the entry paths scale (instructions under -icount; tools/bench-hv divides
 * them into per-unit costs and sets them against Xen's):
 *   mmu_update_contig_N    one mmu_update batch of N requests to entries 0..N-1 of one
 *                          pinned, empty L1 (N = 1, 8, 64, 512), per batch;
 *   mmu_update_scatter_N   one batch of N requests, entry 0 of each of N pinned, empty L1s;
 *   pin_NxK, unpin_NxK     MMUEXT_PIN_L4_TABLE and MMUEXT_UNPIN_TABLE of a tree of N L1s
 *                          (N = 1, 8, 64, 512, 2048) with K present writable entries each
 *                          (K = 0, 1, 64, 512), every entry of an L1 a different frame;
 *   uva_FLUSH              update_va_mapping of one VA alternating two frames, per call, for
 *                          each flush type (none, invlpg, tlb_flush, and both with UVMF_ALL).
 * Every batch maps distinct frames (the tree's target pool, tree.c).
 */
#include "bench.h"

static const unsigned int batch_sizes[] = { 1, 8, 64, 512 };
static const unsigned int pin_l1s[] = { 1, 8, 64, 512, 2048 };
static const unsigned int pin_entries[] = { 0, 1, 64, 512 };

/* Pin (pin true) or unpin L1s 0..n-1 of the tree, each as an L1 of its own. */
static long pin_l1s_each(unsigned int n, bool pin)
{
    unsigned int i;
    long rc = 0;

    for (i = 0; i < n && !rc; i++)
        rc = pin ? pt_pin(1, virt_to_mfn(bench_tree.l1[i])) :
                   pt_unpin(virt_to_mfn(bench_tree.l1[i]));
    return rc;
}

/* The mean of timed batches of n requests (scatter: entry 0 of L1s 0..n-1; else entries
 * 0..n-1 of L1 0), each followed by an untimed batch clearing them again. */
static int mmu_batch(unsigned int n, bool scatter)
{
    static struct mmu_update fill[PT_ENTRIES], clear[PT_ENTRIES];
    unsigned int i, done, round, rounds = n >= 64 ? 4 : 16;
    uint64_t total = 0, t0, t1;
    char name[48];
    long rc;

    for (i = 0; i < n; i++) {
        uint64_t *l1 = bench_tree.l1[scatter ? i : 0];
        unsigned int slot = scatter ? 0 : i;

        fill[i].ptr = (virt_to_maddr(l1) + 8 * slot) | MMU_NORMAL_PT_UPDATE;
        fill[i].val = tree_target_pte(i * 3);
        clear[i].ptr = fill[i].ptr;
        clear[i].val = 0;
    }
    for (round = 0; round <= rounds; round++) {
        t0 = bench_tsc();
        rc = hypercall_mmu_update(fill, n, &done, DOMID_SELF);
        t1 = bench_tsc();
        if (rc || done != n)
            return xtf_error("mmu_update of %u: %ld (%u done)", n, rc, done);
        if (round)                          /* round 0 is the warm-up */
            total += t1 - t0;
        rc = hypercall_mmu_update(clear, n, &done, DOMID_SELF);
        if (rc || done != n)
            return xtf_error("mmu_update clear of %u: %ld (%u done)", n, rc, done);
    }
    snprintf(name, sizeof(name), "mmu_update_%s_%u", scatter ? "scatter" : "contig", n);
    bench_report(name, total / rounds, "insns");
    return 0;
}

int bench_mmu_scaling(void)
{
    unsigned int i;
    int err = 0;
    long rc;

    tree_alloc();
    tree_fill(PT_ENTRIES, 0);
    rc = tree_set_ro(true);
    if (!rc)
        rc = pin_l1s_each(PT_ENTRIES, true);
    if (rc)
        return xtf_error("pinning 512 empty L1s: %ld", rc);
    for (i = 0; i < ARRAY_SIZE(batch_sizes) && !err; i++)
        err = mmu_batch(batch_sizes[i], false);
    for (i = 0; i < ARRAY_SIZE(batch_sizes) && !err; i++)
        err = mmu_batch(batch_sizes[i], true);
    rc = pin_l1s_each(PT_ENTRIES, false);
    if (!rc)
        rc = tree_set_ro(false);
    if (rc)
        return xtf_error("releasing the 512 L1s: %ld", rc);
    return err;
}

/* Pin and unpin the tree of n L1s with k entries each; report both. */
static int pin_one(unsigned int n, unsigned int k)
{
    unsigned long l4_mfn = virt_to_mfn(bench_tree.l4);
    unsigned int round, rounds = (uint64_t)n * k >= 32768 ? 1 : 2;
    uint64_t t0, t1, t2, pin = 0, unpin = 0;
    char name[48];
    long rc;

    tree_fill(n, k);
    rc = tree_set_ro(true);
    if (rc)
        return xtf_error("sealing the %ux%u tree: %ld", n, k, rc);
    for (round = 0; round < rounds; round++) {   /* the last round counts */
        t0 = bench_tsc();
        rc = pt_pin(4, l4_mfn);
        t1 = bench_tsc();
        if (rc)
            return xtf_error("pinning the %ux%u tree: %ld", n, k, rc);
        rc = pt_unpin(l4_mfn);
        t2 = bench_tsc();
        if (rc)
            return xtf_error("unpinning the %ux%u tree: %ld", n, k, rc);
        pin = t1 - t0;
        unpin = t2 - t1;
    }
    rc = tree_set_ro(false);
    if (rc)
        return xtf_error("unsealing the %ux%u tree: %ld", n, k, rc);
    snprintf(name, sizeof(name), "pin_%ux%u", n, k);
    bench_report(name, pin, "insns");
    snprintf(name, sizeof(name), "unpin_%ux%u", n, k);
    bench_report(name, unpin, "insns");
    return 0;
}

int bench_pin_scaling(void)
{
    unsigned int i, j;
    int err = 0;

    tree_alloc();
    for (j = 0; j < ARRAY_SIZE(pin_entries) && !err; j++)
        for (i = 0; i < ARRAY_SIZE(pin_l1s) && !err; i++)
            err = pin_one(pin_l1s[i], pin_entries[j]);
    return err;
}

int bench_uva_flush(void)
{
    static const struct {
        const char *name;
        unsigned long flags;
    } kinds[] = {
        { "uva_none", UVMF_NONE },
        { "uva_invlpg", UVMF_INVLPG | UVMF_LOCAL },
        { "uva_tlb_flush", UVMF_TLB_FLUSH | UVMF_LOCAL },
        { "uva_invlpg_all", UVMF_INVLPG | UVMF_ALL },
        { "uva_tlb_flush_all", UVMF_TLB_FLUSH | UVMF_ALL },
    };
    volatile uint64_t *page = alloc_page();
    unsigned long va = (unsigned long)page;
    uint64_t pte[2], t0, t1;
    unsigned int i, kind;
    long rc = 0;

    tree_alloc();
    pte[0] = ((uint64_t)virt_to_mfn(page) << PAGE_SHIFT) | PTE_FLAGS_RW;
    pte[1] = tree_target_pte(7);
    for (kind = 0; kind < ARRAY_SIZE(kinds); kind++) {
        for (i = 0; i < 10; i++)
            rc |= pt_update_va(va, pte[i & 1], kinds[kind].flags);
        t0 = bench_tsc();
        for (i = 0; i < 1000; i++)
            rc |= pt_update_va(va, pte[i & 1], kinds[kind].flags);
        t1 = bench_tsc();
        if (rc)
            return xtf_error("%s: %ld", kinds[kind].name, rc);
        bench_report(kinds[kind].name, (t1 - t0) / 1000, "insns");
    }
    rc = pt_update_va(va, pte[0], UVMF_INVLPG);
    return rc ? xtf_error("restoring the uva page: %ld", rc) : 0;
}
