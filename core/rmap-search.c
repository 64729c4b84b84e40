/*
 * core/rmap-search.c - finding the writable mapping that blocks a type change.
 *
 * Xen keeps no reverse map from a frame to the entries that map it, and
 * neither does pvmm: the frame table only says *how many* writable mappings
 * a frame has.  When a type change fails because a frame is still writable,
 * the guest developer wants to know *where* that mapping is.  This file
 * finds it by brute force, on the failure path only: scan the domain's
 * validated L1 tables for a present RW entry to the frame, then climb
 * upwards (L2 entries that point at that L1, L3 entries that point at that
 * L2, L4 entries that point at that L3) to a virtual address, preferring the
 * vCPUs' current base tables.  The climb is bounded: a few candidate parents
 * per level, one frame-table scan per candidate.  Each table is read under
 * its page lock, only tried (see table_trylock).
 *
 * The search runs on every failing request that hits a writable frame, and
 * it cannot be preempted, so its cost must not grow with the guest: each
 * search has a fixed work budget of RMAP_SEARCH_BUDGET units (core/mm.h),
 * one per frame-table entry examined and one per table entry read (a table
 * is charged its 512 entries when it is mapped).  When the budget runs out
 * the search stops and says so (pvmm_reason.blocker_search_exhausted).
 */
#include "mm.h"

/* Candidate parents examined per level while climbing towards an L4. */
#define RMAP_MAX_PARENTS 4

/* One search: what it looks in and the work it may still do. */
struct rmap_search {
    struct pvmm_state *s;
    const struct domain *d;
    uint64_t budget;          /* units left */
    bool exhausted;           /* a charge was refused: the search is over */
};

/*
 * Charge `units` of work to the search.  False (and the search is over) if
 * the budget does not cover them.
 */
static bool charge(struct rmap_search *rs, uint64_t units)
{
    if (rs->exhausted || rs->budget < units) {
        rs->exhausted = true;
        return false;
    }
    rs->budget -= units;
    return true;
}

/* Read an entry of a table that may be updated concurrently. */
static inline intpte_t read_pte(const intpte_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* True if pg is a table of level `level` owned by d whose entries are live. */
static bool is_validated_table(const struct page_info *pg, const struct domain *d, int level)
{
    uint64_t t = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

    return __atomic_load_n(&pg->owner, __ATOMIC_RELAXED) == d->domain_id &&
           (t & PGT_type_mask) == PGT_level_type(level) && (t & PGT_validated);
}

/*
 * Reading another table's entries on a failure path: the table may be
 * devalidated, retyped and rewritten (COPY_PAGE, scrubbing) concurrently.
 * So the search holds the table's page lock while it reads, taken with the
 * protocol of page_lock() (page-type.c) but only *tried*, never waited for:
 * the caller of reject() may already hold a page lock or be validating a
 * frame another lock holder waits on.  A table that cannot be locked right
 * now is skipped.  While locked, the type reference the lock carries keeps
 * the table validated (_put_page_type waits rather than drop the
 * second-to-last reference of a locked page), and unlocking never drops
 * the last one.
 */
static bool table_trylock(struct page_info *pg, int level)
{
    uint64_t x = __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);

    for (int tries = 0; tries < 8; tries++) {
        uint64_t nx = x + (1 | PGT_locked);

        if ((x & (PGT_type_mask | PGT_validated | PGT_locked)) !=
                (PGT_level_type(level) | PGT_validated) ||
            !(x & PGT_count_mask) || !(nx & PGT_count_mask))
            return false;
        if (cmpxchg64(&pg->type_info, &x, nx))
            break;
        if (tries == 7)
            return false;
    }
    return true;
}

static void table_unlock(struct page_info *pg)
{
    uint64_t x = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

    while (!cmpxchg64(&pg->type_info, &x, x - (1 | PGT_locked)))
        ;
}

/* Lock table m (level `level`, owner d) for reading and map it; NULL if not possible. */
static const intpte_t *map_table(struct pvmm_state *s, const struct domain *d, mfn_t m,
                                 int level)
{
    struct page_info *pg = mfn_to_page(s, m);

    if (!is_validated_table(pg, d, level) || !table_trylock(pg, level))
        return NULL;
    /* The owner cannot change while a type reference is held. */
    if (__atomic_load_n(&pg->owner, __ATOMIC_RELAXED) != d->domain_id) {
        table_unlock(pg);
        return NULL;
    }
    return map_domain_page(s, m);
}

static void unmap_table(struct pvmm_state *s, mfn_t m, const intpte_t *t)
{
    unmap_domain_page(s, (void *)t);
    table_unlock(mfn_to_page(s, m));
}

/*
 * True if m is some vCPU's kernel or user base.  Other vCPUs change their
 * bases while we search (pin.c stores them atomically), so read atomically.
 */
static bool is_vcpu_base(const struct domain *d, mfn_t m)
{
    for (unsigned int i = 0; i < d->max_vcpus && i < PVMM_MAX_VCPUS; i++)
        if (__atomic_load_n(&d->vcpu[i].guest_table, __ATOMIC_RELAXED) == m ||
            __atomic_load_n(&d->vcpu[i].guest_table_user, __ATOMIC_RELAXED) == m)
            return true;
    return false;
}

/*
 * Collect up to `max` (table, slot) pairs of validated level-`level` tables
 * of rs->d whose present entries point at `child`.  L4 tables that are a
 * vCPU's current base are listed first.  Returns the number found (those
 * found before the budget ran out, if it did).
 */
static unsigned int find_parents(struct rmap_search *rs, int level, mfn_t child,
                                 mfn_t *tables, unsigned int *slots, unsigned int max)
{
    struct pvmm_state *s = rs->s;
    const struct domain *d = rs->d;
    unsigned int n = 0;

    for (int pass = 0; pass < (level == 4 ? 2 : 1); pass++) {
        for (mfn_t m = 0; m < s->nr_frames && n < max; m++) {
            const struct page_info *pg = mfn_to_page(s, m);
            bool is_base = false;
            const intpte_t *t;

            if (!charge(rs, 1))
                return n;
            if (!is_validated_table(pg, d, level))
                continue;
            if (level == 4) {
                is_base = is_vcpu_base(d, m);
                /* Pass 0 takes the base tables, pass 1 the others. */
                if (is_base != (pass == 0))
                    continue;
            }
            if (!charge(rs, L1_PAGETABLE_ENTRIES))
                return n;
            t = map_table(s, d, m, level);
            if (!t)
                continue;
            for (unsigned int i = 0; i < L1_PAGETABLE_ENTRIES && n < max; i++) {
                intpte_t e = read_pte(&t[i]);

                if (level == 4 && !is_guest_l4_slot(i))
                    continue;
                if ((e & _PAGE_PRESENT) && !(e & _PAGE_PSE) && pte_mfn(e) == child) {
                    tables[n] = m;
                    slots[n] = i;
                    n++;
                }
            }
            unmap_table(s, m, t);
        }
    }
    return n;
}

/* Sign-extend a 48-bit linear address to canonical form. */
static uint64_t canonical(uint64_t va)
{
    return (uint64_t)(((int64_t)(va << 16)) >> 16);
}

/*
 * Climb from table `m` of level `level` (reached at virtual address bits
 * `va_low` below it) to an L4.  Returns true and *va if some path was found
 * within the budget; *is_base says whether it went through a vCPU's base
 * table.
 */
static bool climb(struct rmap_search *rs, mfn_t m, int level, uint64_t va_low,
                  uint64_t *va, bool *is_base)
{
    mfn_t tables[RMAP_MAX_PARENTS];
    unsigned int slots[RMAP_MAX_PARENTS];
    unsigned int n;
    bool found = false;

    if (level == 4) {
        *va = canonical(va_low);
        *is_base = is_vcpu_base(rs->d, m);
        return true;
    }

    n = find_parents(rs, level + 1, m, tables, slots, RMAP_MAX_PARENTS);
    for (unsigned int i = 0; i < n; i++) {
        uint64_t cand;
        bool base;

        if (!climb(rs, tables[i], level + 1,
                   va_low | ((uint64_t)slots[i] << (PAGE_SHIFT + 9 * level)), &cand, &base))
            continue;
        if (!found || (base && !*is_base)) {
            *va = cand;
            *is_base = base;
            found = true;
        }
        if (base)
            break;
    }
    return found;
}

bool find_writable_mapping(struct pvmm_state *s, const struct domain *d, mfn_t mfn,
                           struct pvmm_reason *r)
{
    struct rmap_search rs = { .s = s, .d = d, .budget = RMAP_SEARCH_BUDGET };

    if (!d)
        return false;
    for (mfn_t m = 0; m < s->nr_frames; m++) {
        const intpte_t *t;
        int slot = -1;

        if (!charge(&rs, 1))
            break;
        if (!is_validated_table(mfn_to_page(s, m), d, 1))
            continue;
        if (!charge(&rs, L1_PAGETABLE_ENTRIES))
            break;
        t = map_table(s, d, m, 1);
        if (!t)
            continue;
        for (unsigned int i = 0; i < L1_PAGETABLE_ENTRIES; i++) {
            intpte_t e = read_pte(&t[i]);

            if ((e & (_PAGE_PRESENT | _PAGE_RW)) == (_PAGE_PRESENT | _PAGE_RW) &&
                pte_mfn(e) == mfn) {
                slot = (int)i;
                break;
            }
        }
        unmap_table(s, m, t);
        if (slot < 0)
            continue;

        r->have_blocker = true;
        r->blocker_l1 = m;
        r->blocker_slot = slot;
        r->blocker_va = ~(uint64_t)0;
        {
            uint64_t va;
            bool is_base;

            if (climb(&rs, m, 1, (uint64_t)slot << PAGE_SHIFT, &va, &is_base))
                r->blocker_va = va;
        }
        r->blocker_search_exhausted = rs.exhausted;
        return true;
    }
    r->blocker_search_exhausted = rs.exhausted;
    return false;
}
