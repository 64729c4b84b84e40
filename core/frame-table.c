/*
 * core/frame-table.c - general references and freeing of frames (allocation: heap.c).
 *
 * THEORY OF OPERATION
 *
 * Every machine frame has one struct page_info (include/pvmm/page.h).  Its
 * count_info holds the *general* reference count: how many things (the
 * allocation itself, mappings, table entries, pins, vCPU bases, partial
 * validation states, deferred puts) may still point at the frame.  A frame
 * with a non-zero count always has an owner; a frame whose count reaches
 * zero is returned to the free list and has no owner.
 *
 *  - Allocation (pvmm_alloc_domheap_page) sets the owner first and then
 *    count_info = PGC_allocated | 1: the PGC_allocated flag owns that one
 *    reference (the "allocation reference").  The type word starts at 0.
 *  - get_page() takes a reference only on a frame whose count is already
 *    non-zero (a free frame is never resurrected) and only if the owner is
 *    the expected domain.  The last two count values are never reached by
 *    an ordinary get: the very last one is reserved for get_page_light(),
 *    which adds a reference to a frame already known to be referenced
 *    (when a validation state becomes PGT_partial) and so cannot wrap.
 *  - put_page() drops a reference; the one that reaches zero clears a
 *    leftover writable type and frees the frame: owner none, M2P entry
 *    invalid, contents scrubbed, the owner's tot_pages decremented.  A
 *    frame whose *type* count is still non-zero at that point is a bug in
 *    the core; it is leaked with an error message rather than freed.
 *  - Frames that were freed may still sit in some vCPU's TLB (a guest need
 *    not flush after removing a mapping).  Freed frames are therefore
 *    stamped with an epoch (s->tlbflush_clock): a frame freed since the
 *    last *completed* global flush (s->tlbflush_clean) is only handed out
 *    after flushing every domain's vCPUs (model.md §8, rule 7).  The flush runs
 *    outside the heap lock.
 *
 * Special owners: dom_io owns I/O memory (every frame that is not RAM, with
 * a permanent writable type) and dom_xen owns the hypervisor's own frames
 * (pvmm_reserve_frame), which no guest may map.  pvmm_share_xen_page lends
 * a dom_xen frame to a domain with a permanent type reference; when the
 * domain lets go of it, the frame returns to dom_xen instead of the free
 * list.  pvmm_share_xen_page_with_privileged_guests keeps a frame dom_xen's
 * but lets privileged domains map it read-only (naming DOMID_XEN).
 *
 * All count changes are compare-and-swap loops; the free list is protected
 * by s->heap_lock; tot_pages changes atomically.
 */
#include "mm.h"

#define FREE_LIST_END  (~(uint32_t)0)

/*
 * page_get_owner, page_get_owner_and_reference, get_page and the common
 * case of put_page are inline (fast-paths.h); this is what they call when
 * the common case does not apply.
 */
void drop_unowned_reference(struct pvmm_state *s, struct page_info *pg)
{
    /* A referenced frame without an owner breaks XSA-287's invariant. */
    CORE_BUG(s, "mfn %lx has references but no owner",
             (unsigned long)page_to_mfn(s, pg));
    __atomic_fetch_sub(&pg->count_info, 1, __ATOMIC_ACQ_REL);
}

void get_page_light(struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->count_info);
    uint64_t nx;

    do {
        nx = x + 1;
        /*
         * The caller already holds a reference, so the count cannot be 0,
         * and ordinary gets stop two short of the ceiling, so this cannot
         * wrap.  Both are core invariants, not guest-reachable states.
         */
        if ((x & PGC_count_mask) == 0 || (nx & PGC_count_mask) == 0)
            __builtin_trap();
    } while (!cmpxchg64(&pg->count_info, &x, nx));
}

/*
 * What happens when the last general reference goes (Xen's
 * cleanup_page_mappings): a writable type with no type references left is
 * cleared, recording that every writable mapping is gone.
 */
static void cleanup_page_mappings(struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->type_info);

    while ((x & PGT_type_mask) == PGT_writable_page && (x & PGT_count_mask) == 0)
        if (cmpxchg64(&pg->type_info, &x, x & ~(PGT_type_mask | PGT_count_mask | PGT_validated)))
            break;
}

/* The general put_page: any count, including the last reference and (logged) zero. */
void put_page_slow(struct pvmm_state *s, struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->count_info);
    uint64_t nx;

    do {
        if ((x & PGC_count_mask) == 0) {
            CORE_BUG(s, "put_page: mfn %lx has count 0 (caf %lx)",
                     (unsigned long)page_to_mfn(s, pg), (unsigned long)x);
            return;
        }
        nx = x - 1;
    } while (!cmpxchg64(&pg->count_info, &x, nx));

    if ((nx & PGC_count_mask) == 0) {
        cleanup_page_mappings(pg);
        free_domheap_page(s, pg);
    }
}

bool get_page_from_mfn(struct pvmm_state *s, mfn_t mfn, const struct domain *d)
{
    return mfn_valid(s, mfn) && get_page(s, mfn_to_page(s, mfn), d);
}

/*
 * A hypervisor frame lent to a domain (PGC_xen_heap) goes back to dom_xen
 * when its last general reference goes; its permanent type reference goes
 * with it.  It was never counted in the domain's tot_pages.
 */
static void return_xen_page(struct pvmm_state *s, struct page_info *pg)
{
    write_atomic64(&pg->type_info, 0);
    __atomic_store_n(&pg->owner, (domid_t)DOMID_XEN, __ATOMIC_RELEASE);
    s->m2p[page_to_mfn(s, pg)] = INVALID_M2P_ENTRY;
    write_atomic64(&pg->count_info, PGC_allocated | 1);
}

void free_domheap_page(struct pvmm_state *s, struct page_info *pg)
{
    mfn_t mfn = page_to_mfn(s, pg);
    uint64_t caf = read_atomic64(&pg->count_info);
    uint64_t taf = read_atomic64(&pg->type_info);
    struct domain *owner = page_get_owner(s, pg);
    void *va;

    if (caf & PGC_xen_heap) {
        return_xen_page(s, pg);
        return;
    }
    if ((taf & PGT_count_mask) != 0 || (taf & (PGT_partial | PGT_locked))) {
        /* A type reference without a general reference: a core bug.  Leak. */
        CORE_BUG(s, "freeing mfn %lx with type_info %lx: leaked",
                 (unsigned long)mfn, (unsigned long)taf);
        return;
    }

    /*
     * Scrub: the next owner must not see this owner's data.  Another vCPU
     * may still be reading this frame without a reference (the blocker
     * search or a software walk that saw it as a table a moment ago), so
     * the scrub is made of atomic stores (clear_frame), not memset.
     */
    va = map_domain_page(s, mfn);
    clear_frame(va);
    unmap_domain_page(s, va);

    write_atomic64(&pg->type_info, 0);
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    __atomic_store_n(&pg->linear_pt_count, 0, __ATOMIC_RELAXED);
    s->m2p[mfn] = INVALID_M2P_ENTRY;
    write_atomic64(&pg->count_info, 0);
    if (owner && owner != &s->dom_xen && owner != &s->dom_io)
        tot_pages_add(owner, -1);
    heap_free_frame(s, mfn);
}


/* The reserved, unshared hypervisor frame mfn, or NULL (logged as `who`'s error). */
static struct page_info *unused_xen_page(struct pvmm_state *s, mfn_t mfn, const char *who)
{
    struct page_info *pg;

    if (!mfn_valid(s, mfn))
        return NULL;
    pg = mfn_to_page(s, mfn);
    if (pg->owner != DOMID_XEN || pg->count_info != (PGC_allocated | 1) ||
        pg->type_info != 0) {
        pvmm_log(s, PVMM_LOG_ERROR, "%s: mfn %lx is not an unused hypervisor frame", who,
                 (unsigned long)mfn);
        return NULL;
    }
    return pg;
}

void pvmm_share_xen_page(struct pvmm_state *s, mfn_t mfn, struct domain *d, bool writable)
{
    struct page_info *pg = unused_xen_page(s, mfn, "pvmm_share_xen_page");

    if (!pg)
        return;
    /*
     * The type reference is permanent: a read-only shared page (type none,
     * count 1) can never acquire a writable type, and a writable one can
     * never become a page table.
     */
    write_atomic64(&pg->type_info,
                   (writable ? PGT_writable_page : PGT_none) | PGT_validated | 1);
    __atomic_store_n(&pg->owner, d->domain_id, __ATOMIC_RELEASE);
    write_atomic64(&pg->count_info, PGC_xen_heap | PGC_allocated | 1);
}

void pvmm_share_xen_page_with_privileged_guests(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg = unused_xen_page(s, mfn, "pvmm_share_xen_page_with_privileged_guests");

    if (!pg)
        return;
    /* Owner stays dom_xen; the type-none reference keeps every mapping read-only. */
    write_atomic64(&pg->type_info, PGT_none | PGT_validated | 1);
    write_atomic64(&pg->count_info, PGC_xen_heap | PGC_allocated | 1);
}

void pvmm_set_m2p(struct pvmm_state *s, mfn_t mfn, uint64_t pfn)
{
    if (mfn_valid(s, mfn))
        s->m2p[mfn] = pfn;
}
