/*
 * core/heap.c - the free list: where a domain's or the hypervisor's frames come from.
 *
 * Free frames (owner none, no reference, no type, M2P invalid) are linked through
 * page_info.next_free from s->free_head, under s->heap_lock.  A frame freed goes to the
 * head (frame-table.c), so a single frame is handed out last-freed-first.
 *
 * Placement follows Xen's heap, which serves every request from the highest memory zone
 * able to satisfy it: memory is handed out from the top down, and low memory stays free for
 * the requests that need it (an extent below an address limit: a guest's DMA buffers,
 * XENMEM_exchange with address_bits, the swiotlb of a Linux dom0).  pvmm_add_ram links the
 * RAM so that a fresh machine hands out its highest 2 MiB block first, ascending within a
 * block (a domain built frame by frame gets machine-contiguous 2 MiB runs, as Xen's builder
 * gets large chunks); a run of 2^order frames below an address limit is the highest free,
 * size-aligned run there (as a buddy allocator splits it off the highest zone).
 *
 * A frame freed since the last completed global flush may still be in a TLB: handing it
 * out flushes every domain first (model.md §8, rule 7), outside the heap lock.
 */
#include "mm.h"

#define FREE_LIST_END   (~(uint32_t)0)
#define RAM_BLOCK_ORDER 9               /* a fresh machine's list: 2 MiB blocks, top first */

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

/* Unlink mfn from the free list (heap lock held).  True if it was there. */
static bool free_list_remove(struct pvmm_state *s, uint32_t mfn)
{
    uint32_t *link = &s->free_head;

    while (*link != FREE_LIST_END) {
        if (*link == mfn) {
            *link = s->frame_table[mfn].next_free;
            s->frame_table[mfn].next_free = FREE_LIST_END;
            s->nr_free--;
            return true;
        }
        link = &s->frame_table[*link].next_free;
    }
    return false;
}

/* True if the n frames from first on all look free (no owner, no reference). */
static bool run_looks_free(struct pvmm_state *s, mfn_t first, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        const struct page_info *pg = mfn_to_page(s, first + i);

        if (__atomic_load_n(&pg->owner, __ATOMIC_RELAXED) != PVMM_OWNER_NONE ||
            read_atomic64(&pg->count_info) != 0)
            return false;
    }
    return true;
}

/*
 * Unlink the n frames from first on (heap lock held), all or none: one pass over the list
 * counts them (a frame being freed on another CPU has no owner before it is on the list),
 * a second one unlinks them.  False, the list untouched, if one is missing.
 */
static bool free_list_take_run(struct pvmm_state *s, mfn_t first, uint64_t n)
{
    uint32_t *link, m;
    uint64_t seen = 0;

    for (m = s->free_head; m != FREE_LIST_END && seen < n; m = s->frame_table[m].next_free)
        if (m >= first && m - first < n)
            seen++;
    if (seen < n)
        return false;
    for (link = &s->free_head; seen > 0; ) {
        m = *link;
        if (m >= first && m - first < n) {
            *link = s->frame_table[m].next_free;
            s->frame_table[m].next_free = FREE_LIST_END;
            seen--;
        } else {
            link = &s->frame_table[m].next_free;
        }
    }
    s->nr_free -= n;
    return true;
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
    uint32_t head = s->free_head;

    if (max_mfn > s->nr_frames)
        max_mfn = s->nr_frames;
    if (order == 0 && max_mfn == s->nr_frames) {
        if (head == FREE_LIST_END)
            return INVALID_MFN;
        s->free_head = s->frame_table[head].next_free;
        s->frame_table[head].next_free = FREE_LIST_END;
        s->nr_free--;
        return head;
    }
    if (n > max_mfn || s->nr_free < n)
        return INVALID_MFN;
    for (base = (max_mfn - n) & ~(n - 1); ; base -= n) {
        if (run_looks_free(s, base, n) && free_list_take_run(s, base, n))
            return base;
        if (base == 0)
            return INVALID_MFN;
    }
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
    pg->owner = PVMM_OWNER_NONE;
    pg->linear_pt_count = 0;
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    pg->tlbflush_timestamp = 0;   /* never mapped: older than any clock value */
    s->m2p[mfn] = INVALID_M2P_ENTRY;
    spin_lock(&s->heap_lock);
    pg->next_free = s->free_head;
    s->free_head = (uint32_t)mfn;
    s->nr_free++;
    spin_unlock(&s->heap_lock);
}

void pvmm_add_ram(struct pvmm_state *s, mfn_t first, uint64_t nr)
{
    const uint64_t block = 1UL << RAM_BLOCK_ORDER;
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
    if (pg->owner == PVMM_OWNER_NONE)
        ok = free_list_remove(s, (uint32_t)mfn);
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
    s->m2p[mfn] = INVALID_M2P_ENTRY;
    __atomic_store_n(&pg->owner, (domid_t)DOMID_XEN, __ATOMIC_RELEASE);
    write_atomic64(&pg->count_info, PGC_allocated | 1);
}
