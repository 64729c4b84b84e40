/*
 * tests/test-heap.c - the free list's structure (core/heap.c): doubly linked, with a count of
 * free frames per 2 MiB block, and the placement it must keep.
 *
 * A single frame with no limit is the head (last freed first); a run of 2^order frames below
 * an address limit is the highest free, size-aligned run there, found by skipping blocks by
 * their counts and unlinked from the middle of the list without disturbing the order of the
 * rest.  A request that finds nothing leaves the list as it was.  A frame taken off the list
 * but not yet given out (the allocator's flush) is not free to anyone else.  The auditor
 * checks the back links and the block counts: each test corrupts one and expects it found.
 */
#include "harness.h"

#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES   4096                 /* 8 blocks of 512 */
#define BLOCK       512
#define END         (~(uint32_t)0)

/* A machine whose RAM (frames 16..4093; the harness keeps the last two) is all domain 1's. */
static struct domain *full_machine(struct harness **hp)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    mfn_t m;

    while (pvmm_alloc_domheap_page(d, &m) == 0)
        ;
    assert_int_equal(h->s.nr_free, 0);
    assert_int_equal(h->s.free_head, END);
    *hp = h;
    return d;
}

/* Free frames [first, first + n) of their owner, lowest first (the highest ends at the head). */
static void free_frames(struct harness *h, mfn_t first, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        put_page(&h->s, &h->ft[first + i]);
}

/* The free list from the head, into list[] (at most max); returns its length. */
static unsigned int walk(struct harness *h, mfn_t *list, unsigned int max)
{
    unsigned int n = 0;

    for (uint32_t m = h->s.free_head; m != END && n < max; m = h->ft[m].next_free)
        list[n++] = m;
    return n;
}

/* A fresh machine hands out its highest block first, ascending within it; the list is
 * linked both ways and every block counts its frames. */
static void fresh_machine_top_block_first(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d;
    uint64_t used;

    (void)state;
    assert_int_equal(h->s.nr_free, NR_FRAMES - HARNESS_IO_FRAMES - 2);
    assert_int_equal(h->s.free_in_block[0], BLOCK - HARNESS_IO_FRAMES);
    for (unsigned int b = 1; b < NR_FRAMES / BLOCK - 1; b++)
        assert_int_equal(h->s.free_in_block[b], BLOCK);
    assert_int_equal(h->s.free_in_block[NR_FRAMES / BLOCK - 1], BLOCK - 2);
    assert_int_equal(h->s.free_head, NR_FRAMES - BLOCK);
    assert_int_equal(h->ft[h->s.free_head].prev_free, END);
    d = harness_domain(h, 1, false);     /* takes a few frames from the head itself */
    used = NR_FRAMES - HARNESS_IO_FRAMES - 2 - h->s.nr_free;
    for (mfn_t i = 0; i < 3; i++)
        assert_int_equal(harness_alloc(h, d), NR_FRAMES - BLOCK + used + i);
    assert_int_equal(h->s.free_in_block[NR_FRAMES / BLOCK - 1], BLOCK - 2 - used - 3);
    assert_int_equal(h->ft[h->s.free_head].prev_free, END);
    harness_audit(h);
    harness_free(h);
}

/* Frames freed come back last-freed-first; the back links follow. */
static void single_frames_last_freed_first(void **state)
{
    struct harness *h;
    struct domain *d = full_machine(&h);
    mfn_t got;

    (void)state;
    put_page(&h->s, &h->ft[100]);
    put_page(&h->s, &h->ft[3000]);
    put_page(&h->s, &h->ft[700]);
    assert_int_equal(h->s.free_head, 700);
    assert_int_equal(h->ft[700].next_free, 3000);
    assert_int_equal(h->ft[3000].prev_free, 700);
    assert_int_equal(h->ft[100].prev_free, 3000);
    assert_int_equal(h->s.free_in_block[0], 1);
    assert_int_equal(h->s.free_in_block[1], 1);
    assert_int_equal(h->s.free_in_block[5], 1);
    harness_audit(h);
    assert_int_equal(pvmm_alloc_domheap_page(d, &got), 0);
    assert_int_equal(got, 700);
    assert_int_equal(h->ft[3000].prev_free, END);
    assert_int_equal(pvmm_alloc_domheap_page(d, &got), 0);
    assert_int_equal(got, 3000);
    assert_int_equal(h->s.free_in_block[5], 0);
    harness_audit(h);
    harness_free(h);
}

/*
 * Below a limit: the highest free aligned run, a block with fewer free frames than the run
 * skipped; an order-0 request below a limit takes the highest free frame there; the frames
 * left keep their order on the list; nothing found leaves the list as it was.
 */
static void limited_requests_take_highest_run(void **state)
{
    struct harness *h;
    struct domain *d = full_machine(&h);
    mfn_t before[16], after[16], got;
    unsigned int n;

    (void)state;
    free_frames(h, 1100, 4);             /* block 2: an aligned run of 4 */
    free_frames(h, 2600, 4);             /* block 5: an aligned run of 4 ... */
    free_frames(h, 2700, 3);             /* ... and 3 frames, too few for one */
    free_frames(h, 3585, 4);             /* block 7: 4 frames, not aligned on 4 */
    harness_audit(h);
    assert_int_equal(walk(h, before, 16), 15);

    assert_int_equal(alloc_domheap_pages(d, 2, NR_FRAMES, &got), 0);
    assert_int_equal(got, 2600);
    for (mfn_t m = 2600; m < 2604; m++) {
        assert_int_equal(h->ft[m].owner, 1);
        assert_int_equal(h->ft[m].count_info, PGC_allocated | 1);
        assert_int_equal(h->ft[m].next_free, END);
    }
    /* The rest of the list, in the same order. */
    n = walk(h, after, 16);
    assert_int_equal(n, 11);
    for (unsigned int i = 0, j = 0; i < 15; i++)
        if (before[i] < 2600 || before[i] >= 2604)
            assert_int_equal(after[j++], before[i]);
    assert_int_equal(h->s.free_in_block[5], 3);
    harness_audit(h);

    /* Block 5 has 3 free frames and block 7's run is not aligned: block 2's run. */
    assert_int_equal(alloc_domheap_pages(d, 2, 3000, &got), 0);
    assert_int_equal(got, 1100);
    harness_audit(h);

    /* No aligned run of 4 below the top any more: refused, nothing moved. */
    n = walk(h, before, 16);
    assert_int_equal(alloc_domheap_pages(d, 2, NR_FRAMES, &got), -XEN_ENOMEM);
    assert_int_equal(walk(h, after, 16), n);
    assert_memory_equal(before, after, n * sizeof(mfn_t));
    assert_int_equal(h->s.nr_free, 7);
    harness_audit(h);

    /* Order 0 below a limit: the highest free frame under it, from the middle of the list. */
    assert_int_equal(alloc_domheap_pages(d, 0, 2702, &got), 0);
    assert_int_equal(got, 2701);
    assert_int_equal(alloc_domheap_pages(d, 0, 2701, &got), 0);
    assert_int_equal(got, 2700);
    assert_int_equal(alloc_domheap_pages(d, 0, 2700, &got), -XEN_ENOMEM);
    harness_audit(h);
    harness_free(h);
}

/* Runs of whole blocks are found by the block counts alone, aligned on their size. */
static void whole_block_runs(void **state)
{
    struct harness *h;
    struct domain *d = full_machine(&h);
    mfn_t got;

    (void)state;
    free_frames(h, 1 * BLOCK, 3 * BLOCK);    /* blocks 1, 2, 3 */
    free_frames(h, 5 * BLOCK + 1, BLOCK - 1); /* block 5 but its first frame */
    free_frames(h, 6 * BLOCK, BLOCK);         /* block 6 */
    harness_audit(h);
    /* Order 10 (two blocks): 3072 (6, 7) and 2048 (4, 5) are not free; 1024 (2, 3) is. */
    assert_int_equal(alloc_domheap_pages(d, 10, NR_FRAMES, &got), 0);
    assert_int_equal(got, 2 * BLOCK);
    assert_int_equal(h->s.free_in_block[2] + h->s.free_in_block[3], 0);
    /* Order 9: below 1024 only block 1; then the highest whole block, 6; then none. */
    assert_int_equal(alloc_domheap_pages(d, 9, 2 * BLOCK, &got), 0);
    assert_int_equal(got, BLOCK);
    assert_int_equal(alloc_domheap_pages(d, 9, NR_FRAMES, &got), 0);
    assert_int_equal(got, 6 * BLOCK);
    assert_int_equal(alloc_domheap_pages(d, 9, NR_FRAMES, &got), -XEN_ENOMEM);
    /* Block 5's frames still serve smaller runs: the highest aligned 256 is its top half. */
    assert_int_equal(alloc_domheap_pages(d, 8, NR_FRAMES, &got), 0);
    assert_int_equal(got, 5 * BLOCK + 256);
    assert_int_equal(h->s.free_in_block[5], 255);
    harness_audit(h);
    harness_free(h);
}

/* A free frame reserved from the middle of the list leaves a consistent list. */
static void reserve_from_the_middle(void **state)
{
    struct harness *h;
    struct domain *d = full_machine(&h);

    (void)state;
    (void)d;
    free_frames(h, 2000, 3);             /* list: 2002, 2001, 2000 */
    pvmm_reserve_frame(&h->s, 2001);
    assert_int_equal(h->ft[2001].owner, DOMID_XEN);
    assert_int_equal(h->ft[2001].count_info, PGC_allocated | 1);
    assert_int_equal(h->ft[2002].next_free, 2000);
    assert_int_equal(h->ft[2000].prev_free, 2002);
    assert_int_equal(h->s.nr_free, 2);
    assert_int_equal(h->s.free_in_block[2000 / BLOCK], 2);
    harness_audit(h);
    harness_free(h);
}

/* While the allocator flushes for a frame it took, another request does not get it. */
static struct {
    struct harness *h;
    struct domain *d;
    void (*orig)(void *ctx, struct domain *d, uint64_t mask, uint64_t va);
    mfn_t taken, got;
    domid_t owner;
    uint64_t count;
    int rc;
    bool done;
} nested;

static void nested_alloc_flush(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    if (!nested.done) {
        nested.done = true;
        nested.owner = nested.h->ft[nested.taken].owner;
        nested.count = nested.h->ft[nested.taken].count_info;
        nested.rc = alloc_domheap_pages(nested.d, 0, nested.taken + 1, &nested.got);
    }
    nested.orig(ctx, d, mask, va);
}

static void taken_frame_not_free_during_flush(void **state)
{
    struct harness *h;
    struct domain *d = full_machine(&h);
    mfn_t got;

    (void)state;
    free_frames(h, 1500, 2);             /* freed now: reusing them needs a flush */
    memset(&nested, 0, sizeof(nested));
    nested.h = h;
    nested.d = d;
    nested.taken = 1501;
    nested.orig = h->plat.flush_tlb;
    h->plat.flush_tlb = nested_alloc_flush;
    assert_int_equal(pvmm_alloc_domheap_page(d, &got), 0);
    h->plat.flush_tlb = nested.orig;
    assert_int_equal(got, 1501);
    assert_true(nested.done);
    /* During the flush: still no owner (XSA-217), marked taken, not handed out again. */
    assert_int_equal(nested.owner, PVMM_OWNER_NONE);
    assert_int_equal(nested.count, PGC_taken);
    assert_int_equal(nested.rc, 0);
    assert_int_equal(nested.got, 1500);
    assert_int_equal(h->ft[1501].count_info, PGC_allocated | 1);
    assert_int_equal(h->s.nr_free, 0);
    harness_audit(h);
    harness_free(h);
}

/* The auditor finds a broken back link and a wrong block count. */
static void auditor_checks_links_and_counts(void **state)
{
    struct harness *h;
    struct domain *d = full_machine(&h);
    uint32_t saved;

    (void)state;
    (void)d;
    free_frames(h, 600, 3);              /* list: 602, 601, 600 */
    harness_audit(h);
    saved = h->ft[601].prev_free;
    h->ft[601].prev_free = 600;
    assert_true(harness_audit_count(h) > 0);
    h->ft[601].prev_free = saved;
    h->ft[602].prev_free = 601;          /* the head must have none */
    assert_true(harness_audit_count(h) > 0);
    h->ft[602].prev_free = END;
    harness_audit(h);
    h->s.free_in_block[1]++;
    assert_true(harness_audit_count(h) > 0);
    h->s.free_in_block[1]--;
    h->s.free_in_block[0]++;             /* a count for a block with no free frame */
    assert_true(harness_audit_count(h) > 0);
    h->s.free_in_block[0]--;
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_machine_top_block_first),
        cmocka_unit_test(single_frames_last_freed_first),
        cmocka_unit_test(limited_requests_take_highest_run),
        cmocka_unit_test(whole_block_runs),
        cmocka_unit_test(reserve_from_the_middle),
        cmocka_unit_test(taken_frame_not_free_during_flush),
        cmocka_unit_test(auditor_checks_links_and_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
