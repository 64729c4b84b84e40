/*
 * core/validate-l1.c - L1 entries: what a guest may map, and how.
 *
 * An L1 entry is the only kind of entry that maps data.  A present L1e is
 * checked against the level's disallowed flags, then classified by the
 * frame it maps (model.md §3.2):
 *
 *  - I/O memory (not a RAM frame, or a frame owned by dom_io): needs I/O
 *    memory rights over the frame (the domain's iomem_caps), takes no
 *    references, is forced uncacheable unless it already asks for UC, UC- or
 *    WC, and read-only if the frame is in mmio_ro_ranges;
 *  - RAM: the frame must belong to the foreign domain the caller named (or
 *    to a domain a privileged foreign domain may map for), takes a general
 *    reference, and a writable mapping also takes a writable type
 *    reference - which is exactly what keeps page tables and descriptor
 *    pages from ever being mapped writable.
 *
 * Xen then rewrites the entry for 64-bit PV (adjust_guest_l1e): the guest
 * kernel runs in ring 3, so "supervisor" pages become user pages tagged
 * with _PAGE_GUEST_KERNEL (PTE bit 52), and user pages become global.
 * promote_l1_table / demote_l1_table apply all this to a whole table.
 */
#include "mm.h"

/* Uncacheable under Xen's PAT (model.md §3.2). */
#define _PAGE_UC           (_PAGE_PCD | _PAGE_PWT)

/* The all-ones frame number of an L1e (Xen's PADDR_MASK >> PAGE_SHIFT). */
#define ALL_ONES_MFN       (PADDR_MASK >> PAGE_SHIFT)

/*
 * l1_disallow_mask, adjust_guest_l1e and put_page_from_l1e run for every L1
 * entry written or validated: they are inline in fast-paths.h.
 */

/*
 * The I/O path of get_page_from_l1e: mfn is not RAM or is owned by dom_io.
 * No references are taken.  The domain's I/O memory rights (iomem_caps)
 * decide.  Returns the bits to flip: _PAGE_RW for a writable entry of a
 * read-only MMIO frame (mmio_ro_ranges), and the cache bits that make a
 * potentially cacheable mapping UC; or a negative errno.
 */
static int get_io_page_from_l1e(struct vcpu *curr, intpte_t l1e, mfn_t mfn,
                                struct domain *l1e_owner, struct domain *pg_owner)
{
    struct pvmm_state *s = vcpu_state(curr);
    int flip = 0;

    /* DOMID_IO stands for "the caller's own I/O rights". */
    if (pg_owner == &s->dom_io)
        pg_owner = curr->domain;

    if (!iomem_access_permitted(pg_owner, mfn, mfn)) {
        if (mfn == ALL_ONES_MFN)
            return REJECT(curr, EINVAL, BAD_MFN, .frame = mfn, .level = 1, .entry = l1e);
        return REJECT(curr, EPERM, IOMEM_DENIED, .frame = mfn, .level = 1, .entry = l1e);
    }
    if (pg_owner != l1e_owner && !iomem_access_permitted(l1e_owner, mfn, mfn))
        return REJECT(curr, EPERM, IOMEM_DENIED, .frame = mfn, .level = 1, .entry = l1e);

    if ((l1e & _PAGE_RW) && rangeset_contains_singleton(&s->mmio_ro_ranges, mfn))
        flip = (int)_PAGE_RW;

    /*
     * pvmm has no mmio-relax option: anything that might be cached (WB, WT,
     * WP) is forced to UC; UC, UC- and WC stay.
     */
    switch (l1e & PAGE_CACHE_ATTRS) {
    case 0:                                  /* WB */
        flip |= (int)_PAGE_UC;
        break;
    case _PAGE_PWT:                          /* WT */
    case _PAGE_PWT | _PAGE_PAT:              /* WP */
        flip |= (int)(_PAGE_PCD | (l1e & _PAGE_PAT));
        break;
    default:                                 /* UC-, UC, WC */
        break;
    }
    return flip;
}

/* Does a writable type reference on a page of type word ti have to fail? */
static bool writable_type_blocked(uint64_t ti)
{
    return (ti & PGT_count_mask) != 0 && (ti & PGT_type_mask) != PGT_writable_page;
}

/* True if none of the eight entries from pt[i] on is present (atomic loads, OR-ed). */
static inline bool eight_empty(const intpte_t *pt, unsigned int i)
{
    return !((read_atomic64(&pt[i]) | read_atomic64(&pt[i + 1]) | read_atomic64(&pt[i + 2]) |
              read_atomic64(&pt[i + 3]) | read_atomic64(&pt[i + 4]) | read_atomic64(&pt[i + 5]) |
              read_atomic64(&pt[i + 6]) | read_atomic64(&pt[i + 7])) & _PAGE_PRESENT);
}

/*
 * The first present entry of table pt from index i on (i <= 512), or 512 if there is none.
 * Aligned groups of eight empty entries are passed with one test.  The validation and
 * devalidation loops, which only ever act on present entries, call it at an empty entry, so
 * an empty table costs a few instructions per entry and a full one nothing more (out of
 * line, so that the loops over full tables keep their registers).
 */
unsigned int next_present_entry(const intpte_t *pt, unsigned int i)
{
    while (i < L1_PAGETABLE_ENTRIES) {
        if ((i & 7) == 0 && eight_empty(pt, i)) {
            i += 8;
            continue;
        }
        if (read_atomic64(&pt[i]) & _PAGE_PRESENT)
            return i;
        i++;
    }
    return L1_PAGETABLE_ENTRIES;
}

/* The last present entry of pt at index i or below (i < 512), or -1 if there is none. */
int prev_present_entry(const intpte_t *pt, int i)
{
    while (i >= 0) {
        if ((i & 7) == 7 && eight_empty(pt, (unsigned int)i - 7)) {
            i -= 8;
            continue;
        }
        if (read_atomic64(&pt[i]) & _PAGE_PRESENT)
            return i;
        i--;
    }
    return -1;
}

/*
 * The general get_page_from_l1e: every kind of entry, every rule, every
 * reason.  get_page_from_l1e (fast-paths.h) tries the common case first.
 */
int get_page_from_l1e_slow(struct vcpu *curr, intpte_t l1e, struct domain *l1e_owner,
                           struct domain *pg_owner)
{
    struct pvmm_state *s = vcpu_state(curr);
    uint32_t bad = get_pte_flags(l1e) & l1_disallow_mask(l1e_owner);
    mfn_t mfn = pte_mfn(l1e);
    struct page_info *pg;
    struct domain *real_owner;
    uint64_t ti;
    int rc;

    if (!(l1e & _PAGE_PRESENT))
        return 0;
    if (bad)
        return REJECT(curr, EINVAL, DISALLOWED_FLAGS, .frame = mfn, .level = 1, .entry = l1e);

    if (!mfn_valid(s, mfn))
        return get_io_page_from_l1e(curr, l1e, mfn, l1e_owner, pg_owner);

    pg = mfn_to_page(s, mfn);
    real_owner = page_get_owner_and_reference(s, pg);
    if (real_owner == &s->dom_io) {
        put_page(s, pg);
        return get_io_page_from_l1e(curr, l1e, mfn, l1e_owner, pg_owner);
    }

    /* RAM: the frame must be pg_owner's (model.md §3.2 step 3). */
    if (real_owner != pg_owner) {
        /*
         * A privileged foreign domain may hand on its right to map its
         * target's frames; the mapping then counts as the real owner's.
         */
        if (!real_owner) {
            struct domain *o = page_get_owner(s, pg);

            if (o && (read_atomic64(&pg->count_info) & PGC_count_mask) != 0)
                return REJECT(curr, EBUSY, COUNT_OVERFLOW, .frame = mfn, .level = 1, .entry = l1e);
            return REJECT(curr, EBUSY, FREE_FRAME, .frame = mfn, .level = 1, .entry = l1e);
        }
        if (pg_owner == l1e_owner || !xsm_target_permitted(pg_owner, real_owner)) {
            put_page(s, pg);
            return REJECT(curr, EBUSY, FOREIGN_DENIED, .frame = mfn, .level = 1, .entry = l1e);
        }
        pg_owner = real_owner;
    }

    /*
     * Hypervisor frames (owner dom_xen, reachable with DOMID_XEN): only
     * those shared on purpose with privileged guests (the M2P, through
     * pvmm_share_xen_page_with_privileged_guests: PGC_xen_heap) may be
     * mapped.  Xen's other frames have no owner at all, so its
     * get_page_from_l1e fails the owner check (-EBUSY); a frame that was
     * only reserved (page tables, stacks, the frame table) is refused the
     * same way.
     */
    if (pg_owner == &s->dom_xen && !(read_atomic64(&pg->count_info) & PGC_xen_heap)) {
        put_page(s, pg);
        return REJECT(curr, EBUSY, NOT_OWNER, .frame = mfn, .level = 1, .entry = l1e);
    }

    /*
     * Shared ones are read-only: Xen gives each a permanent type reference
     * of type none, and dom_xen frames never take a type here (page-type.c),
     * so refuse what that type reference would refuse.
     */
    if ((l1e & _PAGE_RW) && pg_owner == &s->dom_xen) {
        put_page(s, pg);
        return REJECT(curr, EBUSY, TYPE_CONFLICT, .frame = mfn, .level = 1, .entry = l1e,
                      .want_type = PGT_writable_page);
    }

    if (l1e & _PAGE_RW) {
        /*
         * Decide first, without side effects, whether the writable type can
         * be had; a concurrent change is still caught by get_page_type.
         */
        ti = read_atomic64(&pg->type_info);
        if (writable_type_blocked(ti) || !get_page_type(curr, pg, PGT_writable_page)) {
            enum pvmm_rule rule = PVMM_RULE_TYPE_CONFLICT;

            ti = read_atomic64(&pg->type_info);
            if (PGT_is_pagetable(ti) || (ti & PGT_type_mask) == PGT_seg_desc_page)
                rule = PVMM_RULE_WRITABLE_PAGETABLE;
            REJECT_RC(curr, -XEN_EBUSY, rule, .frame = mfn, .level = 1, .entry = l1e,
                      .want_type = PGT_writable_page);
            put_page(s, pg);
            return -XEN_EBUSY;
        }
    }

    /* Hypervisor-shared pages must stay write-back (model.md §3.2 step 6). */
    if ((l1e & PAGE_CACHE_ATTRS) && (read_atomic64(&pg->count_info) & PGC_xen_heap)) {
        rc = REJECT(curr, EACCES, SPECIAL_PAGE_CACHE, .frame = mfn, .level = 1, .entry = l1e);
        goto undo;
    }

    /* Another ordinary domain's frame: a foreign mapping, counted (sealed-launch.c). */
    if (pg_owner != l1e_owner && pg_owner->domain_id < PVMM_MAX_DOMAINS &&
        !foreign_map_take(curr, pg_owner, l1e)) {
        rc = -XEN_EPERM;
        goto undo;
    }
    return 0;

undo:
    if (l1e & _PAGE_RW)
        put_page_type(curr, pg);
    put_page(s, pg);
    return rc;
}

/*
 * Validate all 512 entries of L1 pg: take each present entry's references,
 * write back the flipped and adjusted entry.  On a failure everything taken
 * so far is released again and the error (with the failing slot on the
 * reason's path) is returned.  Not preemptible: one bounded loop.
 */
int promote_l1_table(struct vcpu *curr, struct page_info *pg)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = page_get_owner(s, pg);
    mfn_t mfn = page_to_mfn(s, pg);
    intpte_t *pl1e, *p, *pend;
    unsigned int i, end;
    int rc = 0;

    if (!d)
        return REJECT(curr, EINVAL, FREE_FRAME, .frame = mfn, .table = mfn, .level = 1,
                      .want_type = PGT_l1_page_table);

    pl1e = map_domain_page(s, mfn);
    /* Between the first and the last present entry (an empty table costs a few instructions
     * per entry; the loop keeps its shape for the full ones). */
    i = next_present_entry(pl1e, 0);
    end = i < L1_PAGETABLE_ENTRIES ?
          (unsigned int)(prev_present_entry(pl1e, L1_PAGETABLE_ENTRIES - 1) + 1) : 0;
    for (p = pl1e + i, pend = pl1e + end; p < pend; p++) {
        intpte_t e = read_atomic64(p);
        intpte_t ne;

        if (!(e & _PAGE_PRESENT))
            continue;
        rc = get_page_from_l1e(curr, e, d, d);
        if (rc < 0)
            break;
        ne = adjust_guest_l1e(e ^ (intpte_t)rc, d);
        if (ne != e)
            write_atomic64(p, ne);
        rc = 0;
    }

    if (rc < 0) {
        i = (unsigned int)(p - pl1e);
        reason_add_path(curr, mfn, 1, (int)i);
        while (i-- > 0)
            put_page_from_l1e(curr, read_atomic64(&pl1e[i]), d);
    } else {
        pg->nr_validated_ptes = L1_PAGETABLE_ENTRIES;
        pg->partial_flags = 0;
    }
    unmap_domain_page(s, pl1e);
    return rc;
}

/* Release every present entry's references of L1 pg.  Always completes. */
int demote_l1_table(struct vcpu *curr, struct page_info *pg)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = page_get_owner(s, pg);
    intpte_t *pl1e = map_domain_page(s, page_to_mfn(s, pg));
    unsigned int first = next_present_entry(pl1e, 0);

    /* Between the first and the last present entry (an empty table costs a few instructions
     * per entry; the loop keeps its shape for the full ones). */
    if (first < L1_PAGETABLE_ENTRIES) {
        const intpte_t *end = pl1e + prev_present_entry(pl1e, L1_PAGETABLE_ENTRIES - 1) + 1;

        for (const intpte_t *p = pl1e + first; p < end; p++)
            put_page_from_l1e(curr, read_atomic64(p), d);
    }
    unmap_domain_page(s, pl1e);
    return 0;
}
