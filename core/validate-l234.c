/*
 * core/validate-l234.c - L2, L3 and L4 entries and tables.
 *
 * An entry above L1 maps a page table of the next level down, which must
 * belong to the domain that owns the table containing the entry and becomes
 * (or already is) a validated table of that level: L2e -> L1, L3e -> L2,
 * L4e -> L3 (model.md §3.3).  Superpages are refused (PSE at L2/L3, XSA-148).
 * The one exception is the linear rule (model.md §3.4, linear-pt.c): a
 * read-only entry may point at a table of its own level.
 *
 * Validating an L2..L4 table (promote_lN_table) can recurse through a whole
 * tree, so it is preemptible (model.md §2.5): L2 and L3 check for preemption
 * before every present entry after the first (XSA-58; an empty entry is one
 * load and test, with no call and no check), L4 only through its L3
 * children.  Progress lives in the page (nr_validated_ptes, partial_flags
 * with PTF_partial_set when the entry at nr_validated_ptes is itself a
 * partially validated child holding a general reference) and is reported as
 * -XEN_ERESTART, or -XEN_EINTR when nothing was done.  A hard failure
 * releases everything the table took, newest first, and returns the error.
 * Devalidation (demote_lN_table) walks downwards and is preemptible at L2
 * and L3 after every present entry (XSA-290).
 */
#include "mm.h"

/* PTF flags an entry get/put may be passed from a table walk. */
#define PTF_walk_mask  (PTF_partial_set | PTF_preemptible | PTF_retain_ref_on_restart)

/*
 * Xen's get_page_and_type_from_mfn: a general reference (unless the entry
 * already holds one, PTF_partial_set) and a type reference of `type` on
 * mfn, which must belong to d.  On failure the general reference is kept
 * only where Xen keeps it: the entry already held it, a preempted child
 * whose caller asked to retain it, or the page became curr's
 * old_guest_table.
 */
static int get_page_and_type_from_mfn(struct vcpu *curr, mfn_t mfn, unsigned long type,
                                      struct domain *d, unsigned int flags, intpte_t e,
                                      mfn_t pfn, int level)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct page_info *pg = mfn_to_page(s, mfn);
    bool partial_set = flags & PTF_partial_set;
    int rc;

    if (!partial_set && !get_page(s, pg, d)) {
        const struct domain *o = page_get_owner(s, pg);
        enum pvmm_rule rule = !o ? PVMM_RULE_FREE_FRAME
                              : o != d ? PVMM_RULE_NOT_OWNER : PVMM_RULE_COUNT_OVERFLOW;

        return REJECT_RC(curr, -XEN_EINVAL, rule, .frame = mfn, .table = pfn, .level = level,
                         .entry = e, .want_type = type);
    }

    rc = _get_page_type(curr, pg, type, flags & PTF_preemptible);
    if (rc == 0 || partial_set)
        return rc;
    if (pg == curr->old_guest_table ||
        ((flags & PTF_retain_ref_on_restart) && rc == -XEN_ERESTART))
        return rc;
    put_page(s, pg);
    return rc;
}

/*
 * Common part of get_page_from_l{2,3,4}e for a present entry e at `level`
 * of table pfn (owner d).  Returns 0 with the references taken, or an
 * error with a reason.
 */
static int get_page_from_upper(struct vcpu *curr, intpte_t e, mfn_t pfn, struct domain *d,
                               unsigned int flags, int level)
{
    struct pvmm_state *s = vcpu_state(curr);
    uint32_t bad = get_pte_flags(e) & BASE_DISALLOW_MASK;
    mfn_t mfn = pte_mfn(e);
    int rc;

    if (!(e & _PAGE_PRESENT))
        return 0;
    if (level < 4 && (e & _PAGE_PSE))
        return REJECT(curr, EINVAL, SUPERPAGE, .frame = mfn, .table = pfn, .level = level,
                      .entry = e);
    if (bad)
        return REJECT(curr, EINVAL, DISALLOWED_FLAGS, .frame = mfn, .table = pfn, .level = level,
                      .entry = e);
    if (!mfn_valid(s, mfn))
        return REJECT(curr, EINVAL, BAD_MFN, .frame = mfn, .table = pfn, .level = level, .entry = e,
                      .want_type = PGT_level_type(level - 1));

    if (is_linear_candidate(s, mfn, pfn, level))
        return get_linear_pagetable(curr, e, pfn, d, level, flags);

    rc = get_page_and_type_from_mfn(curr, mfn, PGT_level_type(level - 1), d, flags, e, pfn,
                                    level);
    if (rc == -XEN_EINVAL) {
        if (linear_fallback(curr, e, pfn, d, level, flags))
            return 0;
        REJECT(curr, EINVAL, WRONG_LEVEL, .frame = mfn, .table = pfn, .level = level, .entry = e,
               .want_type = PGT_level_type(level - 1));
    }
    return rc;
}

int get_page_from_l2e(struct vcpu *curr, intpte_t l2e, mfn_t pfn, struct domain *d,
                      unsigned int flags)
{
    /* Getting an L1 is never preemptible: its validation is one bounded loop. */
    return get_page_from_upper(curr, l2e, pfn, d, flags & PTF_partial_set, 2);
}

int get_page_from_l3e(struct vcpu *curr, intpte_t l3e, mfn_t pfn, struct domain *d,
                      unsigned int flags)
{
    return get_page_from_upper(curr, l3e, pfn, d, flags & PTF_walk_mask, 3);
}

int get_page_from_l4e(struct vcpu *curr, intpte_t l4e, mfn_t pfn, struct domain *d,
                      unsigned int flags)
{
    return get_page_from_upper(curr, l4e, pfn, d, flags & PTF_walk_mask, 4);
}

/*
 * Release what a present entry e of table pfn holds (nothing for a
 * self-reference).  PTF_defer hands the type reference to
 * curr->old_guest_table, to be dropped preemptibly later (model.md §2.5); if
 * that slot is taken the put happens now, non-preemptibly.  Otherwise the
 * type reference goes (with linear accounting against pfn, see mm.h) and,
 * if that completed, the general reference.  Returns 0, or -XEN_EINTR /
 * -XEN_ERESTART from a preemptible put, in which case the entry still holds
 * its general reference.
 */
static int put_page_from_upper(struct vcpu *curr, intpte_t e, mfn_t pfn, unsigned int flags)
{
    struct pvmm_state *s = vcpu_state(curr);
    mfn_t mfn = pte_mfn(e);
    struct page_info *pg, *ptpg;
    int rc;

    if (!(e & _PAGE_PRESENT) || mfn == pfn || !mfn_valid(s, mfn))
        return 0;
    pg = mfn_to_page(s, mfn);
    ptpg = mfn_to_page(s, pfn);

    if (flags & PTF_defer) {
        if (!curr->old_guest_table) {
            curr->old_guest_ptpg = ptpg;
            curr->old_guest_table = pg;
            curr->old_guest_table_partial = false;
            return 0;
        }
        flags &= ~(PTF_defer | PTF_preemptible);
    }

    rc = _put_page_type(curr, pg, flags & (PTF_partial_set | PTF_preemptible), ptpg);
    if (rc == 0)
        put_page(s, pg);
    return rc;
}

int put_page_from_l2e(struct vcpu *curr, intpte_t l2e, mfn_t pfn, unsigned int flags)
{
    return put_page_from_upper(curr, l2e, pfn, flags);
}

int put_page_from_l3e(struct vcpu *curr, intpte_t l3e, mfn_t pfn, unsigned int flags)
{
    return put_page_from_upper(curr, l3e, pfn, flags);
}

int put_page_from_l4e(struct vcpu *curr, intpte_t l4e, mfn_t pfn, unsigned int flags)
{
    return put_page_from_upper(curr, l4e, pfn, flags);
}

static inline bool is_guest_slot(int level, unsigned int i)
{
    return level != 4 || is_guest_l4_slot(i);
}

intpte_t adjust_guest_upper(intpte_t e, const struct domain *d, int level)
{
    (void)d;
    if (!(e & _PAGE_PRESENT))
        return e;
    /* ACCESSED is forced at L4: Xen may run on private copies of the L4 (XPTI). */
    if (level == 4)
        return e | _PAGE_ACCESSED | _PAGE_USER;
    return e | _PAGE_USER;
}
/*
 * Release, newest first, what entries [0, i) of table pt (frame mfn) hold,
 * plus entry i's general reference if `partial` (PTF_partial_set) - the
 * undo of a failed validation.  Not preemptible.
 */
static void undo_upper(struct vcpu *curr, const intpte_t *pt, mfn_t mfn, int level,
                       unsigned int i, unsigned int partial)
{
    if (partial && i < L1_PAGETABLE_ENTRIES && is_guest_slot(level, i))
        put_page_from_upper(curr, read_atomic64(&pt[i]), mfn, PTF_partial_set);
    while (i-- > 0)
        if (is_guest_slot(level, i))
            put_page_from_upper(curr, read_atomic64(&pt[i]), mfn, 0);
}

/*
 * Validate L2..L4 table pg from entry nr_validated_ptes on (model.md §2.5,
 * §3.3).  Returns 0 (all entries hold their references, fixed up), or
 * -XEN_ERESTART with the progress recorded in pg, or -XEN_EINTR when
 * nothing was done, or a negative errno after undoing everything.
 */
static int promote_upper(struct vcpu *curr, struct page_info *pg, int level, bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = page_get_owner(s, pg);
    mfn_t mfn = page_to_mfn(s, pg);
    unsigned int start = pg->nr_validated_ptes;
    unsigned int partial_flags = pg->partial_flags & PTF_partial_set;
    unsigned int child_flags = 0;
    unsigned int i;
    intpte_t *pt;
    int rc = 0;

    if (!d)
        return REJECT(curr, EINVAL, FREE_FRAME, .frame = mfn, .table = mfn, .level = level,
                      .want_type = PGT_level_type(level));
    if (start > L1_PAGETABLE_ENTRIES)
        start = L1_PAGETABLE_ENTRIES;
    if (preemptible && level > 2)
        child_flags = PTF_preemptible | PTF_retain_ref_on_restart;

    pt = map_domain_page(s, mfn);
    for (i = start; i < L1_PAGETABLE_ENTRIES; i++, partial_flags = 0) {
        intpte_t e = 0;

        if (!is_guest_slot(level, i))
            continue;
        /* An empty entry is a load and a test: preemption is checked before work only. */
        e = read_atomic64(&pt[i]);
        if (!(e & _PAGE_PRESENT) && !partial_flags) {
            i = next_present_entry(pt, i + 1) - 1;      /* the run of empty ones at once */
            continue;
        }
        if (preemptible && level < 4 && i > start && hypercall_preempt_check(curr))
            rc = -XEN_EINTR;
        else
            rc = get_page_from_upper(curr, e, mfn, d, partial_flags | child_flags, level);

        if (rc == -XEN_ERESTART && level == 2) {
            /* An L1 child cannot be preempted; treat it as the bug it would be. */
            rc = REJECT(curr, EINVAL, VALIDATION_FAILED, .frame = pte_mfn(e), .table = mfn,
                        .level = level, .index = (int)i, .entry = e,
                        .want_type = PGT_l1_page_table);
        }
        if (rc == -XEN_ERESTART) {
            /* The child is partial and entry i keeps a general reference on it. */
            pg->nr_validated_ptes = (uint16_t)i;
            pg->partial_flags = PTF_partial_set;
            break;
        }
        if (rc == -XEN_EINTR) {
            /*
             * Nothing done at entry i.  With progress before it (or a
             * partial state inherited at it) record where to resume;
             * otherwise the caller just retries.
             */
            if (i > 0 || partial_flags) {
                pg->nr_validated_ptes = (uint16_t)i;
                pg->partial_flags = (uint8_t)partial_flags;
                rc = -XEN_ERESTART;
            }
            break;
        }
        if (rc < 0) {
            reason_add_path(curr, mfn, level, (int)i);
            undo_upper(curr, pt, mfn, level, i, partial_flags);
            pg->nr_validated_ptes = 0;
            pg->partial_flags = 0;
            break;
        }
        if (adjust_guest_upper(e, d, level) != e)
            write_atomic64(&pt[i], adjust_guest_upper(e, d, level));
    }

    if (rc == 0) {
        pg->nr_validated_ptes = L1_PAGETABLE_ENTRIES;
        pg->partial_flags = 0;
        if (level == 4) {
            init_xen_l4_slots(s, pt, mfn, d,
                              d->vm_assist & (1UL << VMASST_TYPE_m2p_strict));
            __atomic_fetch_add(&d->nr_l4_pages, 1, __ATOMIC_RELAXED);
        }
    }
    unmap_domain_page(s, pt);
    return rc;
}

int promote_l2_table(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    return promote_upper(curr, pg, 2, preemptible);
}

int promote_l3_table(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    return promote_upper(curr, pg, 3, preemptible);
}

int promote_l4_table(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    return promote_upper(curr, pg, 4, preemptible);
}

/*
 * Devalidate L2..L4 table pg: release its entries from the last validated
 * one downwards (the partial entry first, if any).  Returns 0 when done,
 * -XEN_ERESTART with the progress recorded, or -XEN_EINTR if a fully
 * validated table was left exactly as it was.
 */
static int demote_upper(struct vcpu *curr, struct page_info *pg, int level, bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = page_get_owner(s, pg);
    mfn_t mfn = page_to_mfn(s, pg);
    unsigned int n = pg->nr_validated_ptes;
    unsigned int partial_flags = pg->partial_flags & PTF_partial_set;
    unsigned int put_flags = preemptible ? PTF_preemptible : 0;
    bool from_full, progress = false;
    unsigned int i;
    intpte_t *pt;
    int rc = 0;

    if (n > L1_PAGETABLE_ENTRIES)
        n = L1_PAGETABLE_ENTRIES;
    if (n == L1_PAGETABLE_ENTRIES)
        partial_flags = 0;
    from_full = n == L1_PAGETABLE_ENTRIES;
    if (n == 0 && !partial_flags)
        return 0;
    i = n - !partial_flags;

    /* A fully validated L4 stops counting as soon as its demotion starts. */
    if (level == 4 && from_full && d)
        __atomic_fetch_sub(&d->nr_l4_pages, 1, __ATOMIC_RELAXED);

    pt = map_domain_page(s, mfn);
    for (;;) {
        bool worked = false;

        if (is_guest_slot(level, i)) {
            intpte_t e = read_atomic64(&pt[i]);

            /* An empty entry holds nothing: no call, and no preemption check after it. */
            if ((e & _PAGE_PRESENT) || partial_flags) {
                rc = put_page_from_upper(curr, e, mfn, partial_flags | put_flags);
                worked = true;
            }
            if (rc < 0)
                break;
        }
        /* Nothing held here: pass the run of empty entries below at once (each would be
         * progress and no work: no call, no preemption check). */
        if (!worked && !partial_flags && i > 0)
            i = (unsigned int)(prev_present_entry(pt, (int)i - 1) + 1);
        partial_flags = 0;
        progress = true;
        if (i-- == 0)
            break;
        if (worked && preemptible && level < 4 && hypercall_preempt_check(curr)) {
            rc = -XEN_EINTR;
            break;
        }
    }
    unmap_domain_page(s, pt);

    if (rc == -XEN_ERESTART) {
        /* Entry i's child is partly devalidated; the entry keeps its general reference. */
        pg->nr_validated_ptes = (uint16_t)i;
        pg->partial_flags = PTF_partial_set;
    } else if (rc == -XEN_EINTR && (progress || !from_full)) {
        /* Entries [0, i) and entry i (fully, or partially) are still held. */
        pg->nr_validated_ptes = (uint16_t)(i + !partial_flags);
        pg->partial_flags = (uint8_t)partial_flags;
        rc = -XEN_ERESTART;
    } else if (rc == -XEN_EINTR && level == 4 && d) {
        /* Nothing was done: the L4 is validated again. */
        __atomic_fetch_add(&d->nr_l4_pages, 1, __ATOMIC_RELAXED);
    }
    if (rc == 0) {
        pg->nr_validated_ptes = 0;
        pg->partial_flags = 0;
    }
    return rc;
}

int demote_l2_table(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    return demote_upper(curr, pg, 2, preemptible);
}

int demote_l3_table(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    return demote_upper(curr, pg, 3, preemptible);
}

int demote_l4_table(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    return demote_upper(curr, pg, 4, preemptible);
}
