/*
 * tests/test-frame-table.c - general references, allocation and freeing of
 * frames (core/frame-table.c, core/heap.c; model.md §1.5, §2.1, §8 rule 7).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256
#define WRT PGT_writable_page
#define L1T PGT_l1_page_table
#define VAL PGT_validated

/* A free frame (count 0) is never resurrected by a get. */
static void zero_count_not_resurrected(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);
    uint64_t tot = f.d->tot_pages;

    (void)state;
    /* Drop the allocation reference: the frame is freed. */
    pg->count_info &= ~PGC_allocated;
    put_page(f.s, pg);
    assert_int_equal(pg->count_info, 0);
    assert_int_equal(pg->owner, PVMM_OWNER_NONE);
    assert_int_equal(f.d->tot_pages, tot - 1);
    assert_int_equal(f.h->m2p[m], INVALID_M2P_ENTRY);
    harness_audit(f.h);

    assert_null(page_get_owner_and_reference(f.s, pg));
    assert_false(get_page(f.s, pg, f.d));
    assert_false(get_page_from_mfn(f.s, m, f.d));
    reason_clear(f.v, -1);
    assert_false(get_page_and_type(f.v, pg, f.d, WRT));
    assert_reason(f.v, PVMM_RULE_FREE_FRAME);
    assert_int_equal(pg->count_info, 0);
    assert_int_equal(pg->type_info, 0);
    /* Out-of-range frames are refused as well. */
    assert_false(get_page_from_mfn(f.s, NR_FRAMES, f.d));
    harness_audit(f.h);
    harness_free(f.h);
}

/* get_page checks the owner and gives the reference back on a mismatch. */
static void get_page_checks_owner(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct domain *e = harness_domain(f.h, 2, false);
    mfn_t m = harness_alloc(f.h, e);
    struct page_info *pg = harness_page(&f, m);

    (void)state;
    assert_false(get_page(f.s, pg, f.d));
    assert_int_equal(harness_count(f.h, m), 1);
    assert_true(get_page(f.s, pg, e));
    assert_int_equal(harness_count(f.h, m), 2);
    put_page(f.s, pg);
    reason_clear(f.v, -1);
    assert_false(get_page_and_type(f.v, pg, f.d, WRT));
    assert_reason(f.v, PVMM_RULE_NOT_OWNER);
    /* I/O and hypervisor frames belong to dom_io and dom_xen. */
    assert_ptr_equal(page_get_owner(f.s, harness_page(&f, 0)), &f.s->dom_io);
    assert_ptr_equal(page_get_owner(f.s, harness_page(&f, NR_FRAMES - 1)), &f.s->dom_xen);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Allocation: max_pages, out of memory, tot_pages, the allocation reference. */
static void allocation_limits(void **state)
{
    struct harness *h = harness_new(32);   /* RAM: frames 16..29 */
    struct domain *d = pvmm_domain_create(&h->s, 3, false, 4, 1);
    struct domain *e = pvmm_domain_create(&h->s, 4, false, 100, 1);
    mfn_t m[16];
    unsigned int n = 0;

    (void)state;
    assert_non_null(d);
    assert_non_null(e);
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(pvmm_alloc_domheap_page(d, &m[i]), 0);
        assert_int_equal(h->ft[m[i]].count_info, PGC_allocated | 1);
        assert_int_equal(h->ft[m[i]].type_info, 0);
        assert_int_equal(h->ft[m[i]].owner, 3);
        assert_int_equal(h->m2p[m[i]], INVALID_M2P_ENTRY);
    }
    assert_int_equal(m[0], HARNESS_IO_FRAMES);   /* one 2 MiB block: ascending within it */
    assert_int_equal(d->tot_pages, 4);
    assert_int_equal(pvmm_alloc_domheap_page(d, &m[4]), -XEN_ENOMEM);   /* max_pages */
    assert_int_equal(d->tot_pages, 4);
    while (pvmm_alloc_domheap_page(e, &m[n]) == 0)
        n++;
    assert_int_equal(n, 32 - HARNESS_IO_FRAMES - 2 - 4);
    assert_int_equal(h->s.nr_free, 0);
    assert_int_equal(e->tot_pages, n);
    harness_audit(h);
    harness_free(h);
}

/*
 * Placement (core/heap.c): memory comes from the top, 2 MiB block by block; a run below an
 * address limit is the highest free, aligned run there, so low memory stays free for it.
 */
static void placement_from_the_top(void **state)
{
    struct harness *h = harness_new(2048);   /* RAM: frames 16..2045, blocks of 512 */
    struct domain *d = pvmm_domain_create(&h->s, 3, false, 1000, 1);
    mfn_t m, first;
    uint64_t tot;

    (void)state;
    assert_non_null(d);
    for (unsigned int i = 0; i < 600; i++) {
        assert_int_equal(pvmm_alloc_domheap_page(d, &m), 0);
        if (i == 0)
            assert_int_equal(m, 1536);          /* the top block's first frame */
        if (i == 509)
            assert_int_equal(m, 2045);
        if (i == 510)
            assert_int_equal(m, 1024);          /* then the block below */
    }
    /* Below an address limit: the highest aligned free run there, size-aligned. */
    assert_int_equal(alloc_domheap_pages(d, 3, 64, &first), 0);
    assert_int_equal(first, 56);
    assert_int_equal(alloc_domheap_pages(d, 3, 64, &first), 0);
    assert_int_equal(first, 48);
    for (unsigned int i = 0; i < 8; i++)
        assert_int_equal(h->ft[48 + i].owner, 3);
    assert_int_equal(alloc_held_pages(&h->s, 0, 20, &first), 0);
    assert_int_equal(first, 19);
    assert_int_equal(h->ft[19].owner, DOMID_XEN);
    /* No limit, order 4: the highest free aligned run (frames 1536 up are taken). */
    assert_int_equal(alloc_domheap_pages(d, 4, h->s.nr_frames, &first), 0);
    assert_int_equal(first, 1520);
    /* Nothing below the limit; over max_pages: refused whole, tot_pages unchanged. */
    tot = d->tot_pages;
    assert_int_equal(alloc_domheap_pages(d, 3, 16, &first), -XEN_ENOMEM);
    d->max_pages = tot + 7;
    assert_int_equal(alloc_domheap_pages(d, 3, 64, &first), -XEN_ENOMEM);
    assert_int_equal(d->tot_pages, tot);
    harness_audit(h);
    harness_free(h);
}

/*
 * A boot module's frame (unused I/O memory) handed to a domain as it is: owned, counted,
 * contents kept; refused for anything else or over max_pages; free RAM once freed.
 */
static void boot_frame_handed_over(void **state)
{
    struct harness *h = harness_new(64);     /* frames 0..15: I/O memory */
    struct domain *d = pvmm_domain_create(&h->s, 3, false, 2, 1);
    uint64_t free_before = h->s.nr_free;
    mfn_t ram;

    (void)state;
    assert_non_null(d);
    h->mem[5 * PAGE_SIZE + 7] = 0x5a;
    assert_int_equal(pvmm_assign_boot_frame(d, 5), 0);
    assert_int_equal(h->ft[5].owner, 3);
    assert_int_equal(h->ft[5].count_info, PGC_allocated | 1);
    assert_int_equal(h->ft[5].type_info, 0);
    assert_int_equal(h->m2p[5], INVALID_M2P_ENTRY);
    assert_int_equal(h->mem[5 * PAGE_SIZE + 7], 0x5a);
    assert_int_equal(d->tot_pages, 1);
    assert_int_equal(h->s.nr_free, free_before);
    /* Not unused I/O memory: the same frame again, a RAM frame, beyond the machine. */
    assert_int_equal(pvmm_assign_boot_frame(d, 5), -XEN_EINVAL);
    assert_int_equal(pvmm_alloc_domheap_page(d, &ram), 0);
    assert_int_equal(pvmm_assign_boot_frame(d, ram), -XEN_EINVAL);
    assert_int_equal(pvmm_assign_boot_frame(d, 64), -XEN_EINVAL);
    /* max_pages: refused, the frame still dom_io's. */
    assert_int_equal(pvmm_assign_boot_frame(d, 6), -XEN_ENOMEM);
    assert_int_equal(h->ft[6].owner, DOMID_IO);
    assert_int_equal(d->tot_pages, 2);
    harness_audit(h);
    /* Freed by its domain, it becomes free RAM. */
    put_page(&h->s, &h->ft[5]);
    assert_int_equal(h->ft[5].owner, PVMM_OWNER_NONE);
    assert_int_equal(h->s.nr_free, free_before);
    assert_int_equal(h->s.free_head, 5);
    assert_int_equal(d->tot_pages, 1);
    harness_audit(h);
    harness_free(h);
}

/*
 * A frame freed while some vCPU may still hold a stale TLB entry for it is
 * handed out again only after a flush of every domain; a never-used frame
 * needs none, and one flush covers every frame freed before it.
 */
static void reallocation_flushes_stale_tlbs(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t a, b, c;
    unsigned long flushes;

    (void)state;
    flushes = f.h->nr_flushes;
    a = harness_alloc(f.h, f.d);
    b = harness_alloc(f.h, f.d);
    assert_int_equal(f.h->nr_flushes, flushes);
    harness_page(&f, a)->count_info &= ~PGC_allocated;
    put_page(f.s, harness_page(&f, a));
    harness_page(&f, b)->count_info &= ~PGC_allocated;
    put_page(f.s, harness_page(&f, b));
    harness_audit(f.h);
    c = harness_alloc(f.h, f.d);
    assert_int_equal(c, b);
    assert_int_equal(f.h->nr_flushes, flushes + 1);
    assert_int_equal(f.h->last_flush_va, PVMM_FLUSH_ALL_VA);
    c = harness_alloc(f.h, f.d);
    assert_int_equal(c, a);
    assert_int_equal(f.h->nr_flushes, flushes + 1);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Freed frames are scrubbed: the next owner never sees the last one's data. */
static void freed_frames_are_scrubbed(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    uint8_t *p = (uint8_t *)harness_pt(f.h, m);

    (void)state;
    memset(p, 0x5a, PAGE_SIZE);
    harness_page(&f, m)->count_info &= ~PGC_allocated;
    put_page(f.s, harness_page(&f, m));
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if (p[i] != 0)
            fail_msg("byte %u of a freed frame is %#x", i, p[i]);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Freeing a frame that still has a type reference is a core bug: it is leaked, not freed. */
static void free_with_type_refs_leaks(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);
    uint64_t nr_free = f.s->nr_free;

    (void)state;
    harness_expect_core_bugs(f.h, 1);
    assert_true(get_page_type(f.v, pg, WRT));
    pg->count_info &= ~PGC_allocated;
    put_page(f.s, pg);   /* the last general reference, with a type reference left */
    assert_int_equal(pg->owner, 1);
    assert_int_equal(pg->type_info, WRT | VAL | 1);
    assert_int_equal(f.s->nr_free, nr_free);
    assert_int_not_equal(harness_audit_count(f.h), 0);
    /* Repair by hand so the harness ends clean. */
    pg->count_info = PGC_allocated | 1;
    put_page_type(f.v, pg);
    harness_audit(f.h);
    harness_free(f.h);
}

/* A hypervisor page shared read-only can never become writable; a writable one can be mapped. */
static void shared_xen_pages(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t ro = HARNESS_IO_FRAMES, rw = HARNESS_IO_FRAMES + 1;
    uint64_t tot;

    (void)state;
    pvmm_reserve_frame(&h->s, ro);
    pvmm_reserve_frame(&h->s, rw);
    assert_int_equal(h->ft[ro].owner, DOMID_XEN);
    tot = d->tot_pages;
    pvmm_share_xen_page(&h->s, ro, d, false);
    pvmm_share_xen_page(&h->s, rw, d, true);
    assert_int_equal(d->tot_pages, tot);   /* Xen-heap pages are not counted */
    assert_int_equal(h->ft[ro].type_info, PGT_none | VAL | 1);
    assert_int_equal(h->ft[rw].count_info, PGC_xen_heap | PGC_allocated | 1);
    harness_audit(h);
    assert_false(get_page_and_type(v, &h->ft[ro], d, WRT));
    assert_true(get_page_and_type(v, &h->ft[rw], d, WRT));
    assert_false(get_page_and_type(v, &h->ft[rw], d, L1T));
    put_page_and_type(v, &h->ft[rw]);
    harness_audit(h);
    /* When the domain lets go, the frames return to the hypervisor. */
    while (pvmm_domain_destroy(d) == -XEN_ERESTART)
        ;
    assert_int_equal(h->ft[ro].owner, DOMID_XEN);
    assert_int_equal(h->ft[rw].owner, DOMID_XEN);
    assert_int_equal(h->ft[rw].count_info, PGC_allocated | 1);
    assert_int_equal(h->ft[rw].type_info, 0);
    harness_audit(h);
    harness_free(h);
}

/*
 * XSA-287: a frame with references always has an owner, and an allocated
 * frame always has a reference.  The auditor checks this after every
 * operation; here the allocation/free cycle is checked field by field.
 */
static void xsa287_refcount_implies_owner(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);

    (void)state;
    assert_int_equal(pg->owner, 1);
    assert_int_equal(pg->count_info, PGC_allocated | 1);
    assert_true(get_page(f.s, pg, f.d));
    pg->count_info &= ~PGC_allocated;   /* as decrease_reservation does */
    put_page(f.s, pg);
    /* Still referenced: still owned. */
    assert_int_equal(pg->owner, 1);
    assert_int_equal(pg->count_info, 1);
    put_page(f.s, pg);
    assert_int_equal(pg->owner, PVMM_OWNER_NONE);
    assert_int_equal(pg->count_info, 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/*
 * The general count stops two short of its ceiling; the last value is
 * reserved for get_page_light, which therefore cannot wrap.
 */
static void general_count_ceiling(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);

    (void)state;
    pg->count_info = PGC_allocated | (PGC_count_mask - 2);
    assert_true(get_page(f.s, pg, f.d));
    assert_int_equal(pg->count_info, PGC_allocated | (PGC_count_mask - 1));
    assert_false(get_page(f.s, pg, f.d));
    assert_null(page_get_owner_and_reference(f.s, pg));
    assert_int_equal(pg->count_info, PGC_allocated | (PGC_count_mask - 1));
    get_page_light(pg);
    assert_int_equal(pg->count_info, PGC_allocated | PGC_count_mask);
    assert_false(get_page(f.s, pg, f.d));
    reason_clear(f.v, -1);
    assert_false(get_page_and_type(f.v, pg, f.d, WRT));
    assert_reason(f.v, PVMM_RULE_COUNT_OVERFLOW);
    assert_int_equal(pg->type_info, 0);
    pg->count_info = PGC_allocated | 1;
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(general_count_ceiling),
        cmocka_unit_test(zero_count_not_resurrected),
        cmocka_unit_test(get_page_checks_owner),
        cmocka_unit_test(allocation_limits),
        cmocka_unit_test(placement_from_the_top),
        cmocka_unit_test(boot_frame_handed_over),
        cmocka_unit_test(reallocation_flushes_stale_tlbs),
        cmocka_unit_test(freed_frames_are_scrubbed),
        cmocka_unit_test(free_with_type_refs_leaks),
        cmocka_unit_test(shared_xen_pages),
        cmocka_unit_test(xsa287_refcount_implies_owner),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
