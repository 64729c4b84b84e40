/*
 * core/page-type.c - the type state machine: get/put_page_type, page_lock.
 *
 * THEORY OF OPERATION
 *
 * type_info holds a frame's type (none, L1..L4, seg_desc, writable), the
 * flags PGT_validated / PGT_partial / PGT_pinned / PGT_locked, and a type
 * reference count (model.md §1.4, §2.2-§2.6).  The states that matter:
 *
 *   T, count 0, not validated   untyped, or a devalidated page table:
 *                               any type may be taken (type change)
 *   T, count 0, validated       idle writable or seg_desc page: the same
 *                               type is taken without revalidation
 *   T, count 1, not validated   one CPU is validating ("validate-locked"):
 *                               same type spins, other types fail
 *   T, count >= 1, validated    in use: same type counts up, others fail
 *   T, count 1, PGT_partial     (de)validation was preempted; the partial
 *                               state owns that type reference and one
 *                               general reference; the next taker of the
 *                               same type resumes it
 *
 * A type can change only at count 0.  The first reference of a page-table
 * or seg_desc type validates the contents (validate_page); the last
 * reference of a page-table type devalidates them (devalidate_page), so a
 * page table's child references exist exactly while it is in use.  When the
 * type changes, the owner's vCPUs are flushed *after* the new reference is
 * visible (XSA-401), decided on the *old* type (XSA-408): nothing may keep
 * a writable TLB entry for a frame that is becoming a page table.
 *
 * Validation and devalidation may be preempted: -XEN_EINTR means nothing
 * changed (retry), -XEN_ERESTART means progress is recorded in the page
 * (nr_validated_ptes, partial_flags, PGT_partial) and must be continued.
 *
 * page_lock() serialises entry updates of one validated page; it carries a
 * type reference, and _put_page_type never lets page_unlock() be the one
 * to drop the last reference (XSA-242).
 *
 * All type_info changes by more than one party are compare-and-swap loops.
 * Once a CPU owns validation (the validate-locked or devalidating state),
 * nobody else changes type_info, and it finishes with single atomic
 * read-modify-writes.
 */
#include "mm.h"

static inline bool type_equal(uint64_t a, uint64_t b)
{
    return ((a ^ b) & PGT_type_mask) == 0;
}

static void relax(struct pvmm_state *s)
{
    if (s->plat->cpu_relax)
        s->plat->cpu_relax(s->plat->ctx);
    else
        cpu_relax();
}

static void stamp_tlbflush(struct pvmm_state *s, struct page_info *pg)
{
    __atomic_store_n(&pg->tlbflush_timestamp,
                     __atomic_load_n(&s->tlbflush_clock, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}

static bool owner_is_dying(struct pvmm_state *s, const struct page_info *pg)
{
    const struct domain *d = page_get_owner(s, pg);

    return d && d->is_dying;
}

int validate_page(struct vcpu *curr, struct page_info *pg, unsigned long type,
                  bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    mfn_t mfn = page_to_mfn(s, pg);
    int rc;

    switch (type & PGT_type_mask) {
    case PGT_l1_page_table:
        rc = promote_l1_table(curr, pg);
        break;
    case PGT_l2_page_table:
        rc = promote_l2_table(curr, pg, preemptible);
        break;
    case PGT_l3_page_table:
        rc = promote_l3_table(curr, pg, preemptible);
        break;
    case PGT_l4_page_table:
        rc = promote_l4_table(curr, pg, preemptible);
        break;
    case PGT_seg_desc_page:
        rc = validate_segdesc_page(curr, pg);
        break;
    default:
        CORE_BUG(s, "validate_page: bad type %lx for mfn %lx",
                 (unsigned long)type, (unsigned long)mfn);
        rc = -XEN_EINVAL;
        break;
    }

    /* We own the validate-locked state: nobody else changes type_info now. */
    switch (rc) {
    case 0:
        __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
        break;
    case -XEN_EINTR:
        /* No progress: give the type reference back; the type bits stay. */
        __atomic_fetch_and(&pg->type_info, ~PGT_count_mask, __ATOMIC_RELEASE);
        break;
    case -XEN_ERESTART:
        get_page_light(pg);
        __atomic_fetch_or(&pg->type_info, PGT_partial, __ATOMIC_RELEASE);
        break;
    default:
        if (pg == curr->old_guest_table) {
            /*
             * A half-validated tree that must be torn down preemptibly:
             * keep it partial; old_guest_table will finish the job.
             */
            get_page_light(pg);
            __atomic_fetch_or(&pg->type_info, PGT_partial, __ATOMIC_RELEASE);
        } else {
            write_atomic64(&pg->type_info, 0);
        }
        REJECT_RC(curr, rc, PVMM_RULE_VALIDATION_FAILED, .frame = mfn,
                  .level = PGT_type_level(type), .want_type = type);
        break;
    }
    return rc;
}

int devalidate_page(struct vcpu *curr, struct page_info *pg, unsigned long type,
                    bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);

    /* A full devalidation walks down from the last entry. */
    if (!(type & PGT_partial)) {
        pg->nr_validated_ptes = L1_PAGETABLE_ENTRIES;
        pg->partial_flags = 0;
    }

    switch (type & PGT_type_mask) {
    case PGT_l1_page_table:
        return demote_l1_table(curr, pg);
    case PGT_l2_page_table:
        return demote_l2_table(curr, pg, preemptible);
    case PGT_l3_page_table:
        return demote_l3_table(curr, pg, preemptible);
    case PGT_l4_page_table:
        return demote_l4_table(curr, pg, preemptible);
    default:
        /* seg_desc and writable pages are never devalidated. */
        ASSERT_UNREACHABLE_RET(s, 0, "devalidate_page: bad type %lx for mfn %lx",
                               (unsigned long)type, (unsigned long)page_to_mfn(s, pg));
    }
}

int _get_page_type(struct vcpu *curr, struct page_info *pg, unsigned long type,
                   bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    mfn_t mfn = page_to_mfn(s, pg);
    uint64_t x = read_atomic64(&pg->type_info);
    uint64_t nx;
    int rc = 0;

#ifdef PVMM_PLANT_CORE_BUG
    /* Only in the build of tests/planted-core-bug.sh: every harness must fail on it. */
    CORE_BUG(s, "planted by tests/planted-core-bug.sh");
#endif
    if ((type & ~PGT_type_mask) != 0 || type == PGT_none) {
        CORE_BUG(s, "get_page_type: bad type %lx", (unsigned long)type);
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .frame = mfn, .want_type = type);
    }
    /* Hypervisor frames never take a type (Xen's hold a permanent PGT_none ref: XSA-248). */
    if (page_get_owner(s, pg) == &s->dom_xen)
        return REJECT(curr, EINVAL, TYPE_CONFLICT, .frame = mfn, .want_type = type);
    for ( ;; ) {
        nx = x + 1;
        if ((nx & PGT_count_mask) == 0) {
            return REJECT(curr, EINVAL, TYPE_OVERFLOW, .frame = mfn, .want_type = type);
        } else if ((x & PGT_count_mask) == 0) {
            /* 0 -> 1: the type may change; a changed type must be revalidated. */
            if ((x & PGT_type_mask) != type) {
                nx &= ~(PGT_type_mask | PGT_validated);
                nx |= type;
                if (type == PGT_writable_page || type == PGT_shared_page)
                    nx |= PGT_validated;
            }
        } else if ((x & PGT_type_mask) != type) {
            /*
             * In use with another type.  Lower-level requests on a table of
             * the next level up may be linear-table attempts that the caller
             * retries differently, so they record no reason here.
             */
            if (maybe_linear_attempt(x, type))
                return -XEN_EINVAL;
            return REJECT(curr, EINVAL, TYPE_CONFLICT, .frame = mfn, .want_type = type);
        } else if (!(x & PGT_validated)) {
            if (!(x & PGT_partial)) {
                /* Someone else is validating or devalidating it: wait. */
                uint64_t y;

                for ( ;; ) {
                    if (preemptible && hypercall_preempt_check(curr))
                        return -XEN_EINTR;
                    relax(s);
                    y = read_atomic64(&pg->type_info);
                    if (y != x)
                        break;
                }
                x = y;
                continue;
            }
            /* Take over the preempted state and its type reference. */
            nx = x & ~PGT_partial;
        }

        if (cmpxchg64(&pg->type_info, &x, nx))
            break;
        if (preemptible && hypercall_preempt_check(curr))
            return -XEN_EINTR;
    }

    /*
     * The type reference is now globally visible; either the page is
     * validated or we own its validation.  On a type change, flush the
     * owner's vCPUs now (XSA-401: not before the cmpxchg) - judged on the
     * old type (XSA-408).  A frame whose old type is none has had no
     * mapping that could be writable since it was allocated (allocation
     * already flushed stale ones), so it needs none.
     */
    if ((x & PGT_count_mask) == 0 && (x & PGT_type_mask) != type &&
        (x & PGT_type_mask) != PGT_none) {
        struct domain *d = page_get_owner(s, pg);

        if (d)
            flush_tlb_mask(d, domain_vcpu_mask(d), PVMM_FLUSH_ALL_VA);
    }

    if (!(nx & PGT_validated)) {
        if (type == PGT_writable_page || type == PGT_shared_page) {
            __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
        } else {
            if (!(x & PGT_partial)) {
                /* A fresh validation; a resumed one keeps its accounting (XSA-309). */
                pg->nr_validated_ptes = 0;
                pg->partial_flags = 0;
                __atomic_store_n(&pg->linear_pt_count, 0, __ATOMIC_RELEASE);
            }
            rc = validate_page(curr, pg, type, preemptible);
        }
    }

    /* We inherited the partial state's type reference; drop its general one. */
    if ((x & PGT_partial) && !(nx & PGT_partial))
        put_page(s, pg);

    return rc;
}

/*
 * The last type reference of a validated or partial page table is going;
 * the caller has cleared PGT_validated/PGT_partial (count still 1, so
 * everyone else spins or fails).  Devalidate and then drop the count, or
 * record how far we got.  x is the type word before the caller's change.
 */
static int put_final_page_type(struct vcpu *curr, struct page_info *pg, uint64_t x,
                               bool preemptible, struct page_info *ptpg)
{
    struct pvmm_state *s = vcpu_state(curr);
    int rc = devalidate_page(curr, pg, x, preemptible);

    if (ptpg && type_equal(x, read_atomic64(&ptpg->type_info)) &&
        (x & PGT_validated) && rc != -XEN_EINTR)
        put_linear_counts(pg, ptpg);

    switch (rc) {
    case 0:
        stamp_tlbflush(s, pg);
        __atomic_fetch_sub(&pg->type_info, 1, __ATOMIC_RELEASE);
        break;
    case -XEN_EINTR:
        /* Nothing was done: the caller still owns its (full) reference. */
        __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
        break;
    case -XEN_ERESTART:
        get_page_light(pg);
        __atomic_fetch_or(&pg->type_info, PGT_partial, __ATOMIC_RELEASE);
        break;
    default:
        CORE_BUG(s, "devalidation of mfn %lx failed (%d)",
                 (unsigned long)page_to_mfn(s, pg), rc);
        stamp_tlbflush(s, pg);
        __atomic_fetch_sub(&pg->type_info, 1, __ATOMIC_RELEASE);
        rc = 0;
        break;
    }
    return rc;
}

int _put_page_type(struct vcpu *curr, struct page_info *pg, unsigned int flags,
                   struct page_info *ptpg)
{
    struct pvmm_state *s = vcpu_state(curr);
    bool preemptible = flags & PTF_preemptible;
    uint64_t x = read_atomic64(&pg->type_info);
    uint64_t nx;

    for ( ;; ) {
        nx = x - 1;

        /*
         * A full put needs a full reference: a validated page (or any page
         * of a dying domain, whose tables are force-devalidated).  A
         * partial put only finishes a PGT_partial state, if still there.
         */
        if (!(flags & PTF_partial_set)) {
            if ((x & PGT_partial) || !((x & PGT_validated) || owner_is_dying(s, pg))) {
                ASSERT_UNREACHABLE_RET(s, 0, "put_page_type: mfn %lx taf %lx: no full ref",
                                       (unsigned long)page_to_mfn(s, pg), (unsigned long)x);
            }
        } else if (!(x & PGT_partial)) {
            return 0;
        } else if ((x & PGT_count_mask) != 1) {
            ASSERT_UNREACHABLE_RET(s, 0, "put_page_type: partial mfn %lx taf %lx",
                                   (unsigned long)page_to_mfn(s, pg), (unsigned long)x);
        }
        if ((x & PGT_count_mask) == 0) {
            ASSERT_UNREACHABLE_RET(s, 0, "put_page_type: mfn %lx type count 0",
                                   (unsigned long)page_to_mfn(s, pg));
        }

        switch (nx & (PGT_locked | PGT_count_mask)) {
        case 0:
            if (PGT_is_pagetable(nx) && (x & (PGT_validated | PGT_partial))) {
                /*
                 * Last reference of a page table: clear validated while
                 * keeping the count at 1, which locks out everyone else,
                 * then devalidate.
                 */
                uint64_t locked = x & ~(PGT_validated | PGT_partial);
                int rc;

                if (!cmpxchg64(&pg->type_info, &x, locked))
                    goto retry;
                rc = put_final_page_type(curr, pg, x, preemptible, ptpg);
                if (x & PGT_partial)
                    put_page(s, pg);
                return rc;
            }
            if (!ptpg || !type_equal(x, read_atomic64(&ptpg->type_info)))
                stamp_tlbflush(s, pg);
            /* fall through */
        default:
            if (!cmpxchg64(&pg->type_info, &x, nx))
                goto retry;
            if (ptpg && type_equal(x, read_atomic64(&ptpg->type_info)))
                put_linear_counts(pg, ptpg);
            return 0;
        case PGT_locked:
            /* The lock holder's own reference cannot be put here. */
            ASSERT_UNREACHABLE_RET(s, -XEN_EILSEQ,
                                   "put_page_type: mfn %lx would drop the lock's ref",
                                   (unsigned long)page_to_mfn(s, pg));
        case PGT_locked | 1:
            /*
             * Dropping the second-to-last reference of a locked page:
             * page_unlock() must never be left holding the last one,
             * because it does no devalidation (XSA-242).  Wait.
             */
            relax(s);
            x = read_atomic64(&pg->type_info);
            break;
        }
    retry:
        if (preemptible && hypercall_preempt_check(curr))
            return -XEN_EINTR;
    }
}

void put_page_type(struct vcpu *curr, struct page_info *pg)
{
    int rc = put_page_type_fast(vcpu_state(curr), pg) ? 0 : _put_page_type(curr, pg, 0, NULL);

    if (rc)
        CORE_BUG(vcpu_state(curr), "put_page_type: rc %d", rc);
}

int put_page_type_preemptible(struct vcpu *curr, struct page_info *pg)
{
    return _put_page_type(curr, pg, PTF_preemptible, NULL);
}

/* Record why get_page(pg, d) failed. */
static int reject_get_page(struct vcpu *curr, struct page_info *pg, const struct domain *d,
                           unsigned long type)
{
    struct pvmm_state *s = vcpu_state(curr);
    uint64_t caf = read_atomic64(&pg->count_info);
    enum pvmm_rule rule = PVMM_RULE_NOT_OWNER;

    if ((caf & PGC_count_mask) == 0)
        rule = PVMM_RULE_FREE_FRAME;
    else if (((caf + 2) & PGC_count_mask) <= 2)
        rule = PVMM_RULE_COUNT_OVERFLOW;
    else if (page_get_owner(s, pg) != d)
        rule = PVMM_RULE_NOT_OWNER;
    return REJECT_RC(curr, -XEN_EINVAL, rule, .frame = page_to_mfn(s, pg), .want_type = type);
}

bool get_page_and_type(struct vcpu *curr, struct page_info *pg, const struct domain *d,
                       unsigned long type)
{
    struct pvmm_state *s = vcpu_state(curr);

    if (!get_page(s, pg, d)) {
        reject_get_page(curr, pg, d, type);
        return false;
    }
    if (!get_page_type(curr, pg, type)) {
        put_page(s, pg);
        return false;
    }
    return true;
}

void put_page_and_type(struct vcpu *curr, struct page_info *pg)
{
    put_page_type(curr, pg);
    put_page(vcpu_state(curr), pg);
}

int put_page_and_type_preemptible(struct vcpu *curr, struct page_info *pg)
{
    int rc = put_page_type_preemptible(curr, pg);

    if (rc == 0)
        put_page(vcpu_state(curr), pg);
    return rc;
}

/* page_lock and page_unlock try their common case inline first (fast-paths.h). */
bool page_lock_slow(struct vcpu *curr, struct page_info *pg)
{
    uint64_t x, nx;

    do {
        while ((x = read_atomic64(&pg->type_info)) & PGT_locked)
            relax(vcpu_state(curr));
        nx = x + (1 | PGT_locked);
        if (!(x & PGT_validated) || !(x & PGT_count_mask) || !(nx & PGT_count_mask))
            return false;
    } while (!cmpxchg64(&pg->type_info, &x, nx));
    return true;
}

void page_unlock_slow(struct vcpu *curr, struct page_info *pg)
{
    struct pvmm_state *s = vcpu_state(curr);
    uint64_t x = read_atomic64(&pg->type_info);
    uint64_t nx;

    do {
        if (!(x & PGT_locked) || (x & PGT_count_mask) < 2) {
            /*
             * Unlock never drops the last type reference (XSA-242);
             * _put_page_type waits while a locked page has two.  Getting
             * here is a core bug: keep the reference, release the lock.
             */
            CORE_BUG(s, "page_unlock: mfn %lx taf %lx",
                     (unsigned long)page_to_mfn(s, pg), (unsigned long)x);
            __atomic_fetch_and(&pg->type_info, ~PGT_locked, __ATOMIC_RELEASE);
            return;
        }
        nx = x - (1 | PGT_locked);
    } while (!cmpxchg64(&pg->type_info, &x, nx));
}
