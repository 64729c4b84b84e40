/*
 * core/linear-pt.c - linear ("recursive") page tables.
 *
 * A read-only entry at level N (2..4) may point at a table of the same
 * level N instead of the next level down (model.md §3.4).  Guests use this to
 * see their own page tables through a recursive slot.  The rules:
 *
 *  1. the entry must not be writable (else the guest could write its own
 *     page tables; XSA-182 is why RW changes never take a fast path);
 *  2. an entry pointing at its own table is always allowed and holds no
 *     references at all;
 *  3. otherwise both tables belong to the domain whose table is being
 *     changed, and the target is *already* a validated table of level N:
 *     this never triggers validation.  It takes a general reference and a
 *     type reference (by compare-and-swap, refusing at the maximum);
 *  4. one level only (XSA-240): a table may contain such entries or be the
 *     target of them, never both.  linear_pt_count counts the first
 *     positively and the second negatively (see mm.h); chains like
 *     L2 -> L2 -> L2 are impossible, so tearing one down cannot recurse.
 *
 * The counters are taken here; _put_page_type (page-type.c) gives them back
 * with put_linear_counts when it drops a type reference whose containing
 * table has the same type.  Which entries are linear at all
 * (is_linear_candidate, linear_fallback, maybe_linear_attempt) and when an
 * RW flip may skip revalidation (linear_rw_change_is_safe) are decided here
 * too, so the other files only ask.
 */
#include "mm.h"

/*
 * linear_pt_count is 16 bits wide: every change is a compare-and-swap on
 * it alone, so the counters of a table and its target are never torn.
 */
static bool cmpxchg_linear(struct page_info *pg, int16_t *old, int16_t new)
{
    return __atomic_compare_exchange_n(&pg->linear_pt_count, old, new, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* +1 "contains a linear entry" on ptpg; false if it is a target or at the maximum. */
static bool inc_linear_entries(struct page_info *ptpg)
{
    int16_t oc = __atomic_load_n(&ptpg->linear_pt_count, __ATOMIC_ACQUIRE);

    do {
        if (oc < 0 || oc == INT16_MAX)
            return false;
    } while (!cmpxchg_linear(ptpg, &oc, (int16_t)(oc + 1)));
    return true;
}

/*
 * -1 "is a linear target" on pg; false if it contains linear entries or is
 * at the minimum.  As in Xen a table can contain at most 32767 linear
 * entries (never reached: it has 512 slots) and be the target of 32768.
 */
static bool inc_linear_uses(struct page_info *pg)
{
    int16_t oc = __atomic_load_n(&pg->linear_pt_count, __ATOMIC_ACQUIRE);

    do {
        if (oc > 0 || oc == INT16_MIN)
            return false;
    } while (!cmpxchg_linear(pg, &oc, (int16_t)(oc - 1)));
    return true;
}

static void dec_linear_entries(struct page_info *ptpg)
{
    int16_t oc = __atomic_load_n(&ptpg->linear_pt_count, __ATOMIC_ACQUIRE);

    do {
        /* Only ever undoes an inc_linear_entries: never below zero. */
        if (oc <= 0)
            return;
    } while (!cmpxchg_linear(ptpg, &oc, (int16_t)(oc - 1)));
}

static void dec_linear_uses(struct page_info *pg)
{
    int16_t oc = __atomic_load_n(&pg->linear_pt_count, __ATOMIC_ACQUIRE);

    do {
        /* Only ever undoes an inc_linear_uses: never above zero. */
        if (oc >= 0)
            return;
    } while (!cmpxchg_linear(pg, &oc, (int16_t)(oc + 1)));
}

/* The rule to blame when a linear counter refuses: one level only, or its limit. */
static enum pvmm_rule linear_count_rule(const struct page_info *pg, bool as_container)
{
    int16_t c = __atomic_load_n(&pg->linear_pt_count, __ATOMIC_ACQUIRE);

    if (as_container ? c < 0 : c > 0)
        return PVMM_RULE_LINEAR_BOTH_WAYS;
    return PVMM_RULE_TYPE_OVERFLOW;
}

int get_linear_pagetable(struct vcpu *curr, intpte_t e, mfn_t pfn, struct domain *d,
                         int level, unsigned int flags)
{
    struct pvmm_state *s = vcpu_state(curr);
    unsigned long type = PGT_level_type(level);
    mfn_t mfn = pte_mfn(e);
    struct page_info *pg, *ptpg;
    enum pvmm_rule rule;
    uint64_t x;

    if (!s->linear_pt)
        return REJECT(curr, EINVAL, WRONG_LEVEL, .frame = mfn, .table = pfn, .level = level,
                      .entry = e, .want_type = PGT_level_type(level - 1));
    if (e & _PAGE_RW)
        return REJECT(curr, EINVAL, LINEAR_RW, .frame = mfn, .table = pfn, .level = level,
                      .entry = e, .want_type = type);
    if (mfn == pfn)
        return 0;

    ptpg = mfn_to_page(s, pfn);
    if (page_get_owner(s, ptpg) != d || !mfn_valid(s, mfn))
        return REJECT(curr, EINVAL, LINEAR_FOREIGN, .frame = mfn, .table = pfn, .level = level,
                      .entry = e, .want_type = type);
    pg = mfn_to_page(s, mfn);
    if (!get_page(s, pg, d))
        return REJECT_RC(curr, -XEN_EINVAL,
                         page_get_owner(s, pg) ? PVMM_RULE_LINEAR_FOREIGN : PVMM_RULE_FREE_FRAME,
                         .frame = mfn, .table = pfn, .level = level, .entry = e, .want_type = type);

    if (!inc_linear_entries(ptpg)) {
        rule = linear_count_rule(ptpg, true);
        goto fail;
    }
    if (!inc_linear_uses(pg)) {
        rule = linear_count_rule(pg, false);
        dec_linear_entries(ptpg);
        goto fail;
    }

    x = read_atomic64(&pg->type_info);
    do {
        if ((x & PGT_count_mask) == PGT_count_mask ||
            (x & (PGT_type_mask | PGT_validated)) != (type | PGT_validated)) {
            rule = (x & PGT_count_mask) == PGT_count_mask ? PVMM_RULE_TYPE_OVERFLOW
                                                          : PVMM_RULE_LINEAR_NOT_VALIDATED;
            dec_linear_uses(pg);
            dec_linear_entries(ptpg);
            goto fail;
        }
    } while (!cmpxchg64(&pg->type_info, &x, x + 1));

    /* An entry resumed with PTF_partial_set already held a general reference. */
    if (flags & PTF_partial_set)
        put_page(s, pg);
    return 0;

 fail:
    put_page(s, pg);
    return REJECT_RC(curr, -XEN_EINVAL, rule, .frame = mfn, .table = pfn, .level = level,
                     .entry = e, .want_type = type);
}

void put_linear_counts(struct page_info *pg, struct page_info *ptpg)
{
    dec_linear_uses(pg);
    dec_linear_entries(ptpg);
}

bool is_linear_candidate(struct pvmm_state *s, mfn_t mfn, mfn_t pfn, int level)
{
    uint64_t ti = read_atomic64(&mfn_to_page(s, mfn)->type_info);

    return mfn == pfn || ((ti & PGT_type_mask) == PGT_level_type(level) &&
                          (ti & (PGT_count_mask | PGT_partial)));
}

bool linear_fallback(struct vcpu *curr, intpte_t e, mfn_t pfn, struct domain *d, int level,
                     unsigned int flags)
{
    struct pvmm_state *s = vcpu_state(curr);
    uint64_t ti = read_atomic64(&mfn_to_page(s, pte_mfn(e))->type_info);

    return (ti & PGT_type_mask) == PGT_level_type(level) && (ti & PGT_count_mask) &&
           get_linear_pagetable(curr, e, pfn, d, level, flags) == 0;
}

bool maybe_linear_attempt(uint64_t x, unsigned long type)
{
    uint64_t have = x & PGT_type_mask;

    return (have == PGT_l2_page_table && type == PGT_l1_page_table) ||
           (have == PGT_l3_page_table && type == PGT_l2_page_table) ||
           (have == PGT_l4_page_table && type == PGT_l3_page_table);
}

bool linear_rw_change_is_safe(const struct pvmm_state *s)
{
    return !s->linear_pt;
}
