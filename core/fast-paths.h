/*
 * core/fast-paths.h - the common cases of the core's hot paths, inline.
 *
 * Every entry a guest writes or a table validation checks takes and drops a
 * handful of references and locks (model.md §2.1-§2.6), so these few
 * operations are the core's hot paths.  Their common case is one
 * compare-and-swap; it is done here, inline in the caller, and everything
 * else (the rare and the complicated cases: a frame's last reference, a
 * validation, waiting, an error to log) stays out of line in the file that
 * owns the rules, which the fast path calls whenever it does not apply.
 * Each fast path is the exact special case of its general version: the
 * same checks on the same word, so callers cannot tell which one ran.  A
 * fast path that loses a race falls back to the general version, which
 * reads the word again.
 *
 * Included at the end of mm.h (do not include directly).  Sections, each
 * named after the file with the out-of-line half and the rules: general
 * references (frame-table.c), get_page_from_gfn_pv (mmu-update.c), type
 * references and page locks (page-type.c), L1 entries (validate-l1.c: the
 * common case of get_page_from_l1e and three tiny helpers run for every
 * entry), TLB flushes (mmuext-flush.c) and reason_clear (reason.c), which
 * every hypercall starts with.
 */
#ifndef PVMM_CORE_FAST_PATHS_H
#define PVMM_CORE_FAST_PATHS_H

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* ---- general references (frame-table.c) ---- */

/* Domain owning pg (ordinary, dom_xen or dom_io), or NULL if free. */
static inline struct domain *page_get_owner(struct pvmm_state *s, const struct page_info *pg)
{
    domid_t owner = __atomic_load_n(&pg->owner, __ATOMIC_ACQUIRE);

    if (likely(owner < PVMM_MAX_DOMAINS))
        return &s->domains[owner];
    if (owner == DOMID_XEN)
        return &s->dom_xen;
    if (owner == DOMID_IO)
        return &s->dom_io;
    return NULL;
}

/*
 * The reference page_get_owner_and_reference just took on pg, which has no
 * owner (a core bug, XSA-287's invariant): record it (CORE_BUG) and drop it.
 * Defined in frame-table.c.
 */
void drop_unowned_reference(struct pvmm_state *s, struct page_info *pg);

/*
 * The counting half of page_get_owner_and_reference: +1 on pg's general
 * count unless it is 0 (free: never resurrect) or at the ceiling (an
 * ordinary get stops at PGC_count_mask - 1, the last value being reserved
 * for get_page_light).  True if the reference was taken.
 */
static inline bool page_get_reference(struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->count_info);

    do {
        if (unlikely(((x + 2) & PGC_count_mask) <= 2))
            return false;
    } while (unlikely(!cmpxchg64(&pg->count_info, &x, x + 1)));
    return true;
}

/*
 * Take a general reference on pg if its count is non-zero and below the
 * ceiling (never resurrects a free frame) and return its owner; NULL (no
 * reference taken) otherwise.
 */
static inline struct domain *page_get_owner_and_reference(struct pvmm_state *s,
                                                          struct page_info *pg)
{
    struct domain *owner;

    if (!page_get_reference(pg))
        return NULL;
    owner = page_get_owner(s, pg);
    if (unlikely(!owner))
        drop_unowned_reference(s, pg);
    return owner;
}

void put_page_slow(struct pvmm_state *s, struct page_info *pg);

/*
 * Drop a general reference; frees the frame when the count reaches zero.
 * A reference that is not the last one (count >= 2) is one decrement here;
 * put_page_slow (frame-table.c) is the general case: the last reference,
 * a count of zero (a core bug), or a lost race.
 */
static inline void put_page(struct pvmm_state *s, struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->count_info);

    if (likely((x & PGC_count_mask) >= 2) && likely(cmpxchg64(&pg->count_info, &x, x - 1)))
        return;
    put_page_slow(s, pg);
}

/*
 * A reference page_get_reference just took on pg, whose owner turned out
 * not to be the expected one, goes back: as page_get_owner_and_reference
 * followed by put_page would do (an owner-less frame is a core bug).
 */
static inline void put_unexpected_reference(struct pvmm_state *s, struct page_info *pg)
{
    if (page_get_owner(s, pg))
        put_page(s, pg);
    else
        drop_unowned_reference(s, pg);
}

/*
 * Take a general reference iff pg is owned by d.  pg's owner field holds
 * d's id exactly when page_get_owner would return d, so the ids are
 * compared (and while the reference is held the owner cannot change).
 */
static inline bool get_page(struct pvmm_state *s, struct page_info *pg, const struct domain *d)
{
    if (!page_get_reference(pg))
        return false;
    if (likely(d != NULL) &&
        likely(__atomic_load_n(&pg->owner, __ATOMIC_ACQUIRE) == d->domain_id))
        return true;
    put_unexpected_reference(s, pg);
    return false;
}

/*
 * get_page_from_gfn_pv (mm.h; mmu-update.c)'s common case: a valid frame
 * owned by d gets its general reference.  Anything else goes to the
 * general version, which tries again and records why it failed.
 */
static inline struct page_info *get_page_from_gfn_pv(struct vcpu *curr, struct domain *d,
                                                     mfn_t gfn)
{
    struct pvmm_state *s = vcpu_state(curr);

    if (likely(mfn_valid(s, gfn)) && likely(get_page(s, mfn_to_page(s, gfn), d)))
        return mfn_to_page(s, gfn);
    return get_page_from_gfn_pv_slow(curr, d, gfn);
}

/* ---- type references (page-type.c) ---- */

/*
 * get_page_type's common case: a reference of the type pg already has and
 * has validated (PGT_validated, not PGT_partial) is one increment - also
 * the first one (count 0 -> 1), which keeps the type and so needs neither
 * a flush nor a validation.  For such a type word _get_page_type
 * (page-type.c) does exactly that after refusing a malformed type and
 * hypervisor frames (owner dom_xen), so those are excluded here as well.
 * Anything else - another type, a validation under way, an overflow, a
 * lost race - returns false, and the caller runs the general version.
 *
 * get_page_type_fast_owned is the same for a caller that holds a general
 * reference on pg and has seen it owned by an ordinary domain: the owner
 * cannot change while the reference is held, so it is not dom_xen and is
 * not looked at again.
 */
static inline bool get_page_type_fast_owned(struct page_info *pg, unsigned long type)
{
    uint64_t x = read_atomic64(&pg->type_info);

    if ((type & ~PGT_type_mask) != 0 || type == PGT_none)
        return false;
    if ((x & (PGT_type_mask | PGT_validated | PGT_partial)) != (type | PGT_validated) ||
        ((x + 1) & PGT_count_mask) == 0)
        return false;
    return likely(cmpxchg64(&pg->type_info, &x, x + 1));
}
static inline bool get_page_type_fast(struct page_info *pg, unsigned long type)
{
    if (__atomic_load_n(&pg->owner, __ATOMIC_RELAXED) == DOMID_XEN)
        return false;
    return get_page_type_fast_owned(pg, type);
}

/*
 * put_page_type's common case, for a caller with a full reference and no
 * containing table to account (flags 0, ptpg NULL): a validated page with
 * no partial state and no page lock held loses one reference - what
 * _put_page_type does for such a word.  If it is the last one, the page
 * must not be a page table (those are devalidated) and gets its TLB stamp
 * first, as there.  A locked page (XSA-242's wait), anything unusual
 * (a core bug there) or a lost race returns false, and the caller runs the
 * general version.
 */
static inline bool put_page_type_fast(struct pvmm_state *s, struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->type_info);

    if ((x & (PGT_validated | PGT_partial | PGT_locked)) != PGT_validated ||
        (x & PGT_count_mask) == 0)
        return false;
    if ((x & PGT_count_mask) == 1) {
        if (PGT_is_pagetable(x))
            return false;
        __atomic_store_n(&pg->tlbflush_timestamp,
                         __atomic_load_n(&s->tlbflush_clock, __ATOMIC_RELAXED),
                         __ATOMIC_RELAXED);
    }
    return likely(cmpxchg64(&pg->type_info, &x, x - 1));
}

/* get_page_type / get_page_type_preemptible (mm.h): the fast path first. */
static inline bool get_page_type(struct vcpu *curr, struct page_info *pg, unsigned long type)
{
    return get_page_type_fast(pg, type) || _get_page_type(curr, pg, type, false) == 0;
}
static inline int get_page_type_preemptible(struct vcpu *curr, struct page_info *pg,
                                            unsigned long type)
{
    return get_page_type_fast(pg, type) ? 0 : _get_page_type(curr, pg, type, true);
}

/*
 * page_lock's common case: a validated page with a type reference, not
 * locked, is locked (+1 type reference, PGT_locked) with one
 * compare-and-swap.  page_lock_slow (page-type.c) is the general version:
 * it waits for another holder's lock and refuses a page that is not
 * validated or has no type reference (or a full count).
 */
bool page_lock_slow(struct vcpu *curr, struct page_info *pg);
static inline bool page_lock(struct vcpu *curr, struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->type_info);

    if (likely((x & (PGT_locked | PGT_validated)) == PGT_validated) &&
        likely((x & PGT_count_mask) != 0 && ((x + 1) & PGT_count_mask) != 0) &&
        likely(cmpxchg64(&pg->type_info, &x, x + (1 | PGT_locked))))
        return true;
    return page_lock_slow(curr, pg);
}

/*
 * page_unlock's common case: the lock and its type reference go in one
 * compare-and-swap while at least one other type reference remains (the
 * unlock never drops the last one, XSA-242).  Anything else is a core bug,
 * which page_unlock_slow (page-type.c) records (CORE_BUG).
 */
void page_unlock_slow(struct vcpu *curr, struct page_info *pg);
static inline void page_unlock(struct vcpu *curr, struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->type_info);

    if (likely((x & PGT_locked) && (x & PGT_count_mask) >= 2) &&
        likely(cmpxchg64(&pg->type_info, &x, x - (1 | PGT_locked))))
        return;
    page_unlock_slow(curr, pg);
}

/*
 * page_lock for a caller that goes on only if pg is of type `type` (PGT_*):
 * true with pg locked if it is, false with nothing held otherwise - what
 * page_lock, a type check and on a mismatch page_unlock do.  The type
 * cannot change while the lock (a type reference) is held, so the type in
 * the word the compare-and-swap locked is the page's type.
 */
static inline bool page_lock_type(struct vcpu *curr, struct page_info *pg, unsigned long type)
{
    uint64_t x = read_atomic64(&pg->type_info);

    if (likely((x & (PGT_type_mask | PGT_locked | PGT_validated)) == (type | PGT_validated)) &&
        likely((x & PGT_count_mask) != 0 && ((x + 1) & PGT_count_mask) != 0) &&
        likely(cmpxchg64(&pg->type_info, &x, x + (1 | PGT_locked))))
        return true;
    if (!page_lock_slow(curr, pg))
        return false;
    if ((read_atomic64(&pg->type_info) & PGT_type_mask) != type) {
        page_unlock(curr, pg);
        return false;
    }
    return true;
}

/* ---- L1 entries (validate-l1.c) ---- */

/* Cache-attribute bits of an L1e (PAT index): PAT | PCD | PWT. */
#define PAGE_CACHE_ATTRS   (_PAGE_PAT | _PAGE_PCD | _PAGE_PWT)
/*
 * L1 mask of a release build (no _PAGE_GNTTAB): the base mask without
 * GLOBAL, i.e. PWT, PCD and PAT are refused (model.md §3.1).
 */
#define L1_DISALLOW_MASK   (BASE_DISALLOW_MASK & ~(uint32_t)_PAGE_GLOBAL)

/* Flags (Xen's 24-bit flag space) a guest may not set in a present L1 entry of d. */
static inline uint32_t l1_disallow_mask(const struct domain *d)
{
    const struct pvmm_state *s = d->state;

    /*
     * dom_io and domains with I/O memory rights (cache_flush_permitted in
     * Xen) may choose cache attributes.  GLOBAL, NX and PTE bits 52..62 are
     * always allowed.  (The privilege flag is tested first: it is one load.)
     */
    if (d->is_privileged || (s && d == &s->dom_io) || !rangeset_is_empty(&d->iomem_caps))
        return L1_DISALLOW_MASK & ~(uint32_t)PAGE_CACHE_ATTRS;
    return L1_DISALLOW_MASK;
}

/* Xen's fix-up of a present L1 entry for 64-bit PV (model.md §3.8). */
static inline intpte_t adjust_guest_l1e(intpte_t e, const struct domain *d)
{
    (void)d;
    if (!(e & _PAGE_PRESENT))
        return e;
    /* A supervisor page becomes a guest-kernel page: ring 3 must reach it. */
    if (!(e & _PAGE_USER))
        e |= _PAGE_GUEST_KERNEL | _PAGE_USER;
    /* A user page is global, so kernel/user switches need not drop it. */
    if (!(e & _PAGE_GUEST_KERNEL))
        e |= _PAGE_GLOBAL | _PAGE_USER;
    return e;
}

/*
 * get_page_from_l1e (mm.h)'s common case: a write-back mapping, with
 * allowed flags, of a RAM frame that belongs to pg_owner itself (an
 * ordinary domain, not dom_io or dom_xen), read-only or - if the frame's
 * type is writable already - writable (get_page_type_fast).  The general
 * version, get_page_from_l1e_slow (validate-l1.c), takes the same
 * references for it after the same checks, and has nothing else to check:
 * no I/O path, no foreign or hypervisor owner, no cache attributes, and the
 * table is the frame owner's own (a foreign entry is counted there).
 * Anything else goes to the general version, which starts afresh after the
 * reference taken here is given back.
 *
 * get_allowed_page_from_l1e is the same for a caller that has just checked
 * the entry's flags against l1_disallow_mask(l1e_owner) itself (mod_l1_entry).
 */
static inline int get_allowed_page_from_l1e(struct pvmm_state *s, struct vcpu *curr,
                                            intpte_t l1e, struct domain *l1e_owner,
                                            struct domain *pg_owner)
{
    mfn_t mfn = pte_mfn(l1e);

    /* Ordinary domains are the ones with ids below PVMM_MAX_DOMAINS; foreign ones are counted. */
    if (likely((l1e & (_PAGE_PRESENT | PAGE_CACHE_ATTRS)) == _PAGE_PRESENT) &&
        likely(mfn_valid(s, mfn)) && likely(pg_owner == l1e_owner) &&
        likely(pg_owner->domain_id < PVMM_MAX_DOMAINS)) {
        struct page_info *pg = mfn_to_page(s, mfn);

        if (likely(get_page(s, pg, pg_owner))) {
            if (!(l1e & _PAGE_RW) || likely(get_page_type_fast_owned(pg, PGT_writable_page)))
                return 0;
            put_page(s, pg);
        }
    }
    return get_page_from_l1e_slow(curr, l1e, l1e_owner, pg_owner);
}
static inline int get_page_from_l1e(struct vcpu *curr, intpte_t l1e,
                                    struct domain *l1e_owner, struct domain *pg_owner)
{
    if (unlikely(get_pte_flags(l1e) & l1_disallow_mask(l1e_owner)))
        return get_page_from_l1e_slow(curr, l1e, l1e_owner, pg_owner);
    return get_allowed_page_from_l1e(vcpu_state(curr), curr, l1e, l1e_owner, pg_owner);
}

/*
 * Release what get_page_from_l1e (validate-l1.c) took for a present entry.
 * put_l1e_references is the same for a caller with s = vcpu_state(curr) at
 * hand (mod_l1_entry).
 */
static inline void put_l1e_references(struct pvmm_state *s, struct vcpu *curr, intpte_t l1e,
                                      const struct domain *l1e_owner)
{
    mfn_t mfn = pte_mfn(l1e);
    struct page_info *pg;
    domid_t owner;

    if (!(l1e & _PAGE_PRESENT) || !mfn_valid(s, mfn))
        return;
    pg = mfn_to_page(s, mfn);
    owner = __atomic_load_n(&pg->owner, __ATOMIC_ACQUIRE);
    /* I/O frames hold no references. */
    if (owner == DOMID_IO)
        return;
    /* A foreign mapping goes (sealed-launch.c). */
    if (unlikely(owner != l1e_owner->domain_id) && owner < PVMM_MAX_DOMAINS)
        __atomic_sub_fetch(&s->domains[owner].nr_foreign_maps, 1, __ATOMIC_SEQ_CST);
    /* put_page_and_type, with put_page_type's common case first. */
    if ((l1e & _PAGE_RW) && !put_page_type_fast(s, pg))
        put_page_type(curr, pg);
    put_page(s, pg);
}
static inline void put_page_from_l1e(struct vcpu *curr, intpte_t l1e,
                                     struct domain *l1e_owner)
{
    put_l1e_references(vcpu_state(curr), curr, l1e, l1e_owner);
}

/* ---- TLB flushes (mmuext-flush.c) ---- */

/* Flush the vCPUs in mask (va or PVMM_FLUSH_ALL_VA); nothing if mask is 0. */
static inline void flush_tlb_mask(struct domain *d, uint64_t mask, uint64_t va)
{
    const struct pvmm_platform *p = d->state->plat;

    if (mask && p->flush_tlb)
        p->flush_tlb(p->ctx, d, mask, va);
}
static inline void flush_tlb_local(struct vcpu *v, uint64_t va)
{
    flush_tlb_mask(v->domain, 1UL << v->vcpu_id, va);
}

/* ---- reasons (reason.c) ---- */

/*
 * reason_clear (mm.h): every hypercall starts here.  A record is only
 * ever written by reject() (which first sets a rule other than NONE),
 * reason_add_path() (path_len > 0), reason_set_op_index() and
 * reason_set_sub_op(); a record with rule NONE, an empty path and no op
 * index or sub-op is therefore still exactly what reason_reset() left,
 * apart from its hypercall, and only that is set: the same record as a
 * full reset, without clearing a few hundred bytes each time.
 */
static inline void reason_clear(struct vcpu *curr, int hypercall)
{
    struct pvmm_reason *r;

    if (!curr)
        return;
    /* No continuation (field by field: a handful of stores, no memset). */
    curr->cont.pending = false;
    curr->cont.op = 0;
    curr->cont.nargs = 0;
    for (unsigned int i = 0; i < ARRAY_SIZE(curr->cont.args); i++)
        curr->cont.args[i] = 0;
    r = &curr->reason;
    if (likely(r->rule == PVMM_RULE_NONE && r->path_len == 0 && r->op_index == -1 &&
               r->sub_op == -1))
        r->hypercall = hypercall;
    else
        reason_reset(r, hypercall);
}

#endif /* PVMM_CORE_FAST_PATHS_H */
