/*
 * core/heap.c - the free list: where a domain's or the hypervisor's frames come from.
 *
 * Free frames (owner none, no reference, no type, M2P invalid) are on one doubly linked list
 * from s->free_head, threaded through page_info.next_free and prev_free (a free frame has no
 * validation state, whose bytes prev_free takes), under s->heap_lock.  A frame freed goes to
 * the head, so a single frame is handed out last-freed-first.  Under the heap lock a frame
 * is on the list exactly when its owner is PVMM_OWNER_NONE and its count_info zero: the
 * owner becomes none as the frame is linked, and a frame unlinked keeps no owner until the
 * flush it may need is done (XSA-217) but is marked PGC_taken until its owner gets it.
 * s->free_in_block counts the free frames of each aligned 2 MiB block
 * (PVMM_HEAP_BLOCK_ORDER).
 *
 * Placement follows Xen's heap, which serves every request from the highest memory zone
 * able to satisfy it: memory is handed out from the top down, and low memory stays free for
 * the requests that need it (an extent below an address limit: a guest's DMA buffers,
 * XENMEM_exchange with address_bits, the swiotlb of a Linux dom0).  pvmm_add_ram links the
 * RAM so that a fresh machine hands out its highest 2 MiB block first, ascending within a
 * block (a domain built frame by frame gets machine-contiguous 2 MiB runs, as Xen's builder
 * gets large chunks); a run of 2^order frames below an address limit is the highest free,
 * size-aligned run there (as a buddy allocator splits it off the highest zone).  A single
 * frame with no limit is the head, in constant time; a run below a limit is found by
 * walking the candidate runs down from the limit, skipping every block with too few free
 * frames by its count, and is unlinked frame by frame in constant time each.
 *
 * A frame freed since the last completed global flush may still be in a TLB: handing it
 * out flushes every domain first (model.md §8, rule 7), outside the heap lock.
 */
#include "mm.h"

#define FREE_LIST_END   (~(uint32_t)0)
#define BLOCK_ORDER     PVMM_HEAP_BLOCK_ORDER
#define BLOCK_FRAMES    (1UL << BLOCK_ORDER)

/* Flush every vCPU of every domain (a frame freed since the last such flush is reused). */
static void flush_all_domains(struct pvmm_state *s)
{
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++) {
        struct domain *d = &s->domains[i];

        if (d->exists)
            flush_tlb_mask(d, domain_vcpu_mask(d), PVMM_FLUSH_ALL_VA);
    }
}

/* Reserve n pages of d's allocation (tot_pages + n <= max_pages) atomically, all or none. */
bool tot_pages_reserve(struct domain *d, uint64_t n)
{
    uint64_t t = __atomic_load_n(&d->tot_pages, __ATOMIC_ACQUIRE);

    do {
        if (t >= d->max_pages || d->max_pages - t < n)
            return false;
    } while (!__atomic_compare_exchange_n(&d->tot_pages, &t, t + n, false,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return true;
}

/*
 * Called with the heap lock held for a frame just taken off the free list:
 * true if it was freed since the last completed global flush, in which case
 * the clock moves to a new epoch and *epoch is the one to flush for.
 */
static bool frame_needs_flush(struct pvmm_state *s, const struct page_info *pg,
                              uint32_t *epoch)
{
    uint32_t stamp = __atomic_load_n(&pg->tlbflush_timestamp, __ATOMIC_RELAXED);

    if ((int32_t)(stamp - s->tlbflush_clean) < 0)
        return false;
    /* Frames freed from now on belong to the next epoch. */
    *epoch = s->tlbflush_clock;
    __atomic_store_n(&s->tlbflush_clock, *epoch + 1, __ATOMIC_RELAXED);
    return true;
}

/*
 * Flush for frames freed up to epoch (heap lock not held).  Some vCPU may
 * still hold a stale mapping of them; this flush starts after every frame
 * stamped <= epoch was freed, so once it is done they are all clean.
 */
static void flush_freed_frames(struct pvmm_state *s, uint32_t epoch)
{
    flush_all_domains(s);
    spin_lock(&s->heap_lock);
    if ((int32_t)(epoch + 1 - s->tlbflush_clean) > 0)
        s->tlbflush_clean = epoch + 1;
    spin_unlock(&s->heap_lock);
}

/* A frame just off the free list, ready for its owner: no type, M2P invalid. */
static void reset_fresh_frame(struct pvmm_state *s, struct page_info *pg)
{
    write_atomic64(&pg->type_info, 0);
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    __atomic_store_n(&pg->linear_pt_count, 0, __ATOMIC_RELAXED);
    s->m2p[page_to_mfn(s, pg)] = INVALID_M2P_ENTRY;
}

/*
 * Put frame mfn (no reference, no type) at the head of the free list and make its owner
 * none (heap lock held).
 */
static void free_list_push(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(s, mfn);

    pg->prev_free = FREE_LIST_END;
    pg->next_free = s->free_head;
    if (s->free_head != FREE_LIST_END)
        s->frame_table[s->free_head].prev_free = (uint32_t)mfn;
    s->free_head = (uint32_t)mfn;
    s->nr_free++;
    s->free_in_block[mfn >> BLOCK_ORDER]++;
    __atomic_store_n(&pg->owner, (domid_t)PVMM_OWNER_NONE, __ATOMIC_RELEASE);
}

/*
 * Unlink free frame mfn from the list (heap lock held): still no owner, count_info
 * PGC_taken (no reference) until the caller gives it out, validation state zero.
 */
static void free_list_unlink(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(s, mfn);
    uint32_t next = pg->next_free, prev = pg->prev_free;

    if (prev == FREE_LIST_END)
        s->free_head = next;
    else
        s->frame_table[prev].next_free = next;
    if (next != FREE_LIST_END)
        s->frame_table[next].prev_free = prev;
    pg->next_free = FREE_LIST_END;
    pg->prev_free = 0;
    s->nr_free--;
    s->free_in_block[mfn >> BLOCK_ORDER]--;
    write_atomic64(&pg->count_info, PGC_taken);
}

/* True if frame mfn is on the free list (heap lock held). */
static bool frame_is_free(struct pvmm_state *s, mfn_t mfn)
{
    const struct page_info *pg = mfn_to_page(s, mfn);

    return __atomic_load_n(&pg->owner, __ATOMIC_RELAXED) == PVMM_OWNER_NONE &&
           read_atomic64(&pg->count_info) == 0;
}

/*
 * True if the 2^order frames from base on (aligned on their size) are all free (heap lock
 * held).  A run of whole blocks is free when each of its blocks counts all its frames; a
 * smaller run needs at least its size free in its block before its frames are looked at.
 */
static bool run_is_free(struct pvmm_state *s, mfn_t base, unsigned int order)
{
    uint64_t n = 1UL << order;

    if (order >= BLOCK_ORDER) {
        for (uint64_t b = base >> BLOCK_ORDER; b < (base + n) >> BLOCK_ORDER; b++)
            if (s->free_in_block[b] != BLOCK_FRAMES)
                return false;
        return true;
    }
    if (s->free_in_block[base >> BLOCK_ORDER] < n)
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (!frame_is_free(s, base + i))
            return false;
    return true;
}

/*
 * The next lower candidate after base for a run of 2^order (heap lock held): the run below,
 * or the highest one of the next lower block when base's block has fewer free frames than
 * the run needs.  INVALID_MFN below frame 0.
 */
static mfn_t next_candidate(struct pvmm_state *s, mfn_t base, unsigned int order)
{
    uint64_t n = 1UL << order;
    mfn_t block_start = base & ~(BLOCK_FRAMES - 1);

    if (order < BLOCK_ORDER && s->free_in_block[base >> BLOCK_ORDER] < n)
        base = block_start;
    return base < n ? INVALID_MFN : base - n;
}

/*
 * Take 2^order free frames below max_mfn, aligned on their size, off the free list (heap
 * lock held): the head for a single frame anywhere, else the highest such run.  Returns the
 * first frame, or INVALID_MFN if there is none.
 */
static mfn_t take_free_run(struct pvmm_state *s, unsigned int order, mfn_t max_mfn)
{
    uint64_t n = 1UL << order;
    mfn_t base;

    if (max_mfn > s->nr_frames)
        max_mfn = s->nr_frames;
    if (order == 0 && max_mfn == s->nr_frames) {
        base = s->free_head;
        if (base == FREE_LIST_END)
            return INVALID_MFN;
        free_list_unlink(s, base);
        return base;
    }
    if (n > max_mfn || s->nr_free < n)
        return INVALID_MFN;
    for (base = (max_mfn - n) & ~(n - 1); base != INVALID_MFN;
         base = next_candidate(s, base, order)) {
        if (run_is_free(s, base, order)) {
            for (uint64_t i = 0; i < n; i++)
                free_list_unlink(s, base + i);
            return base;
        }
    }
    return INVALID_MFN;
}

/*
 * Take a run (take_free_run) and give it to owner id with its allocation reference each,
 * after the flush its frames need.  INVALID_MFN if there is no such run.
 */
static mfn_t alloc_run(struct pvmm_state *s, unsigned int order, mfn_t max_mfn, domid_t id)
{
    uint64_t n = 1UL << order, i;
    uint32_t epoch = 0;
    bool need_flush = false;
    mfn_t base;

    spin_lock(&s->heap_lock);
    base = take_free_run(s, order, max_mfn);
    if (base == INVALID_MFN) {
        spin_unlock(&s->heap_lock);
        return INVALID_MFN;
    }
    for (i = 0; i < n; i++)
        need_flush |= frame_needs_flush(s, mfn_to_page(s, base + i), &epoch);
    spin_unlock(&s->heap_lock);

    if (need_flush)
        flush_freed_frames(s, epoch);
    for (i = 0; i < n; i++) {
        struct page_info *pg = mfn_to_page(s, base + i);

        reset_fresh_frame(s, pg);
        /* Owner first, then the allocation reference that makes it visible. */
        __atomic_store_n(&pg->owner, id, __ATOMIC_RELEASE);
        write_atomic64(&pg->count_info, PGC_allocated | 1);
    }
    return base;
}

int alloc_domheap_pages(struct domain *d, unsigned int order, mfn_t max_mfn, mfn_t *first)
{
    uint64_t n = 1UL << order;
    mfn_t base;

    if (!d->exists || d->is_dying || !tot_pages_reserve(d, n))
        return -XEN_ENOMEM;
    base = alloc_run(d->state, order, max_mfn, d->domain_id);
    if (base == INVALID_MFN) {
        tot_pages_add(d, -(int64_t)n);
        return -XEN_ENOMEM;
    }
    *first = base;
    return 0;
}

int pvmm_alloc_domheap_page(struct domain *d, mfn_t *mfn)
{
    return alloc_domheap_pages(d, 0, d->state->nr_frames, mfn);
}

int alloc_held_pages(struct pvmm_state *s, unsigned int order, mfn_t max_mfn, mfn_t *first)
{
    mfn_t base = alloc_run(s, order, max_mfn, DOMID_XEN);

    if (base == INVALID_MFN)
        return -XEN_ENOMEM;
    *first = base;
    return 0;
}

/* True if pg is unused I/O memory: dom_io's, its allocation and permanent writable refs only. */
static bool unused_io_frame(const struct page_info *pg)
{
    return pg->owner == DOMID_IO && pg->count_info == (PGC_allocated | 1) &&
           pg->type_info == (PGT_writable_page | PGT_validated | 1);
}

int pvmm_assign_boot_frame(struct domain *d, mfn_t mfn)
{
    struct pvmm_state *s = d->state;
    struct page_info *pg;

    if (!mfn_valid(s, mfn) || !unused_io_frame(mfn_to_page(s, mfn)))
        return -XEN_EINVAL;
    if (!d->exists || d->is_dying || !tot_pages_reserve(d, 1))
        return -XEN_ENOMEM;
    pg = mfn_to_page(s, mfn);
    write_atomic64(&pg->type_info, 0);
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    __atomic_store_n(&pg->linear_pt_count, 0, __ATOMIC_RELAXED);
    pg->tlbflush_timestamp = 0;   /* never mapped by a guest: older than any clock value */
    s->m2p[mfn] = INVALID_M2P_ENTRY;
    __atomic_store_n(&pg->owner, d->domain_id, __ATOMIC_RELEASE);
    write_atomic64(&pg->count_info, PGC_allocated | 1);
    return 0;
}

/* Make unused I/O frame mfn free RAM at the head of the list. */
static void add_ram_frame(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(s, mfn))
        return;
    pg = mfn_to_page(s, mfn);
    if (!unused_io_frame(pg)) {
        pvmm_log(s, PVMM_LOG_ERROR, "pvmm_add_ram: mfn %lx is not unused I/O memory",
                 (unsigned long)mfn);
        return;
    }
    pg->count_info = 0;
    pg->type_info = 0;
    pg->linear_pt_count = 0;
    pg->tlbflush_timestamp = 0;   /* never mapped: older than any clock value */
    s->m2p[mfn] = INVALID_M2P_ENTRY;
    spin_lock(&s->heap_lock);
    free_list_push(s, mfn);
    spin_unlock(&s->heap_lock);
}

void pvmm_add_ram(struct pvmm_state *s, mfn_t first, uint64_t nr)
{
    const uint64_t block = BLOCK_FRAMES;
    mfn_t end = first + nr, lo, hi;

    /* Blocks from the lowest up, each pushed top-down: the head is the top block's first. */
    for (lo = first; lo < end; lo = hi) {
        hi = (lo | (block - 1)) + 1;
        if (hi > end)
            hi = end;
        for (mfn_t m = hi; m-- > lo; )
            add_ram_frame(s, m);
    }
}

void pvmm_reserve_frame(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg;
    bool ok;

    if (!mfn_valid(s, mfn))
        return;
    pg = mfn_to_page(s, mfn);
    spin_lock(&s->heap_lock);
    ok = frame_is_free(s, mfn);
    if (ok)
        free_list_unlink(s, mfn);
    else
        ok = unused_io_frame(pg);
    spin_unlock(&s->heap_lock);
    if (!ok) {
        pvmm_log(s, PVMM_LOG_ERROR, "pvmm_reserve_frame: mfn %lx is in use",
                 (unsigned long)mfn);
        return;
    }
    pg->type_info = 0;
    pg->linear_pt_count = 0;
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    pg->pad = 0;
    s->m2p[mfn] = INVALID_M2P_ENTRY;
    __atomic_store_n(&pg->owner, (domid_t)DOMID_XEN, __ATOMIC_RELEASE);
    write_atomic64(&pg->count_info, PGC_allocated | 1);
}

void heap_free_frame(struct pvmm_state *s, mfn_t mfn)
{
    spin_lock(&s->heap_lock);
    __atomic_store_n(&mfn_to_page(s, mfn)->tlbflush_timestamp, s->tlbflush_clock,
                     __ATOMIC_RELAXED);
    free_list_push(s, mfn);
    spin_unlock(&s->heap_lock);
}
