/*
 * tree.c: the big page-table tree the scaling benchmarks share (see bench.h).
 *
 * Allocated once: 2048 L1 pages, 4 L2s, one L3 and one L4, and BENCH_TARGETS distinct
 * ordinary frames for the entries to map. tree_fill(n, k) writes L1s 0..n-1 with k present
 * writable entries each (entries 0..k-1; entry j of L1 i maps target (i * 512 + j) modulo
 * BENCH_TARGETS, so the 512 entries of one L1 map 512 different frames and the whole tree
 * cycles through the pool) and hooks them under the L2s, L3 and L4: n L1s map n * 2 MiB of
 * VA, 2048 full L1s 4 GiB. tree_set_ro() makes the pages of such a tree read-only (or
 * writable again) with one mmu_update batch per 512 pages on the guest's own L1 entries and one
 * TLB flush, so that re-sealing costs little next to what is timed.
 */
#include "bench.h"

struct bench_tree bench_tree;

void tree_alloc(void)
{
    struct bench_tree *t = &bench_tree;
    unsigned int i;

    if (t->l4)
        return;
    t->l4 = alloc_page();
    t->l3 = alloc_page();
    for (i = 0; i < BENCH_TREE_L2S; i++)
        t->l2[i] = alloc_page();
    for (i = 0; i < BENCH_TREE_L1S; i++)
        t->l1[i] = alloc_page();
    for (i = 0; i < BENCH_TARGETS; i++)
        t->target[i] = virt_to_mfn(alloc_page());
}

void tree_fill(unsigned int n, unsigned int k)
{
    struct bench_tree *t = &bench_tree;
    unsigned int i, j;

    memset(t->l4, 0, PAGE_SIZE);
    memset(t->l3, 0, PAGE_SIZE);
    for (i = 0; i < BENCH_TREE_L2S; i++)
        memset(t->l2[i], 0, PAGE_SIZE);
    for (i = 0; i < n; i++) {
        for (j = 0; j < PT_ENTRIES; j++)
            t->l1[i][j] = j < k ? tree_target_pte(i * PT_ENTRIES + j) : 0;
        t->l2[i / PT_ENTRIES][i % PT_ENTRIES] =
            ((uint64_t)virt_to_mfn(t->l1[i]) << PAGE_SHIFT) | PDE_FLAGS;
    }
    for (i = 0; i < (n + PT_ENTRIES - 1) / PT_ENTRIES; i++)
        t->l3[i] = ((uint64_t)virt_to_mfn(t->l2[i]) << PAGE_SHIFT) | PDE_FLAGS;
    t->l4[0] = ((uint64_t)virt_to_mfn(t->l3) << PAGE_SHIFT) | PDE_FLAGS;
    t->nr_l1 = n;
}

uint64_t tree_target_pte(unsigned int i)
{
    return ((uint64_t)bench_tree.target[i % BENCH_TARGETS] << PAGE_SHIFT) | PTE_FLAGS_RW;
}

/* Queue the guest's own L1 entry for the page at va as read-only or writable. */
static long queue_protect(struct mmu_update *req, const void *va, bool ro)
{
    uint64_t *e = pt_entry((unsigned long)va, 1);

    if (!e)
        return -1;
    req->ptr = virt_to_maddr(e) | MMU_NORMAL_PT_UPDATE;
    req->val = ro ? (*e & ~_PAGE_RW) : (*e | _PAGE_RW);
    return 0;
}

long pages_set_ro(void *const *pages, unsigned int nr, bool ro)
{
    static struct mmu_update reqs[PT_ENTRIES];
    unsigned int i, n = 0;
    long rc = 0;

    for (i = 0; i < nr && !rc; i++) {
        if (queue_protect(&reqs[n++], pages[i], ro))
            return -1;
        if (n == PT_ENTRIES || i + 1 == nr) {
            rc = hypercall_mmu_update(reqs, n, NULL, DOMID_SELF);
            n = 0;
        }
    }
    return rc ? rc : pt_flush_tlb();
}

long tree_set_ro(bool ro)
{
    struct bench_tree *t = &bench_tree;
    unsigned int nl2 = (t->nr_l1 + PT_ENTRIES - 1) / PT_ENTRIES;
    void *upper[2 + BENCH_TREE_L2S];
    unsigned int i;
    long rc;

    /* Read-only bottom-up (a table is validated only when its parent is), writable top-down. */
    upper[0] = t->l4;
    upper[1] = t->l3;
    for (i = 0; i < nl2; i++)
        upper[2 + i] = t->l2[i];
    if (ro) {
        rc = pages_set_ro((void *const *)t->l1, t->nr_l1, true);
        return rc ? rc : pages_set_ro(upper, 2 + nl2, true);
    }
    rc = pages_set_ro(upper, 2 + nl2, false);
    return rc ? rc : pages_set_ro((void *const *)t->l1, t->nr_l1, false);
}
