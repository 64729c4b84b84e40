/*
 * core/mod-entry.c - updating one page-table entry of a validated table.
 *
 * Every guest change to a live page table comes through here (from
 * mmu_update, update_va_mapping and writable page-table emulation), with
 * the table page-locked by the caller.  The order is Xen's (model.md §3.5,
 * §4.3): check the new entry and take its references, write it atomically,
 * and only then release what the old entry held - so at no instant does a
 * live entry hold less than it maps.
 *
 * A fast path skips the references when the entry keeps its frame and
 * changes only in flags that cannot widen access (NX, the available bits,
 * GLOBAL, DIRTY, ACCESSED, USER).  At L2..L4 an RW change is never such a
 * change (XSA-182): a read-only linear entry turned writable would hand the
 * guest a writable view of its page tables, so it is revalidated in full.
 * Old L2..L4 entries are released through curr->old_guest_table (a
 * deferred, preemptible put, model.md §2.5); L4 slots 256..271 belong to the
 * hypervisor and are refused.
 */
#include "mm.h"

/*
 * Flags (as PTE bits) an update may change on the fast path: NX, PTE bits
 * 52..62, AVAIL 9..11, GLOBAL, DIRTY, ACCESSED, USER.
 */
#define FASTPATH_FLAG_WHITELIST \
    (_PAGE_NX | (0x7FFUL << 52) | _PAGE_AVAIL | _PAGE_GLOBAL | _PAGE_DIRTY | \
     _PAGE_ACCESSED | _PAGE_USER)

static inline int entry_index(const intpte_t *p)
{
    return (int)(((uintptr_t)p & (PAGE_SIZE - 1)) / sizeof(intpte_t));
}

/* True if o and n differ anywhere but in the bits of `whitelist`. */
static inline bool entry_has_changed(intpte_t o, intpte_t n, intpte_t whitelist)
{
    return ((o ^ n) & ~whitelist) != 0;
}

bool update_intpte(intpte_t *p, intpte_t old, intpte_t new, bool preserve_ad)
{
    const intpte_t ad = _PAGE_ACCESSED | _PAGE_DIRTY;

    if (!preserve_ad) {
        write_atomic64(p, new);
        return true;
    }
    /*
     * Keep the A/D bits the hardware may have set since `old` was read.
     * Under the page lock nothing else may change the entry; if something
     * did, give up instead of overwriting it.
     */
    for (;;) {
        intpte_t cur = old;

        if (cmpxchg64(p, &cur, new | (old & ad)))
            return true;
        if ((cur ^ old) & ~ad)
            return false;
        old = cur;
    }
}

/* The entry's index is computed only where a reason needs it (this is a hot path). */
int mod_l1_entry(struct vcpu *curr, intpte_t *pl1e, intpte_t nl1e, mfn_t gl1mfn,
                 unsigned int cmd, struct domain *pg_dom)
{
    struct pvmm_state *s = vcpu_state(curr);
    bool preserve_ad = cmd == MMU_PT_UPDATE_PRESERVE_AD;
    struct domain *pt_dom = page_get_owner(s, mfn_to_page(s, gl1mfn));
    intpte_t ol1e = read_atomic64(pl1e);
    int rc = 0;

    if (!pt_dom)
        return REJECT(curr, EINVAL, FREE_FRAME, .frame = gl1mfn, .table = gl1mfn, .level = 1,
                      .index = entry_index(pl1e), .entry = nl1e, .want_type = PGT_l1_page_table);

    if (nl1e & _PAGE_PRESENT) {
        if (get_pte_flags(nl1e) & l1_disallow_mask(pt_dom))
            return REJECT(curr, EINVAL, DISALLOWED_FLAGS, .frame = pte_mfn(nl1e), .table = gl1mfn,
                          .level = 1, .index = entry_index(pl1e), .entry = nl1e);

        /* Same frame, harmless flags only: no references change. */
        if (!entry_has_changed(ol1e, nl1e, FASTPATH_FLAG_WHITELIST)) {
            nl1e = adjust_guest_l1e(nl1e, pt_dom);
            if (update_intpte(pl1e, ol1e, nl1e, preserve_ad))
                return 0;
            return REJECT(curr, EBUSY, BUSY, .frame = gl1mfn, .table = gl1mfn, .level = 1,
                          .index = entry_index(pl1e), .entry = nl1e);
        }

        rc = get_allowed_page_from_l1e(s, curr, nl1e, pt_dom, pg_dom);   /* flags checked */
        if (rc < 0) {
            reason_add_path(curr, gl1mfn, 1, entry_index(pl1e));
            return rc;
        }
        nl1e = adjust_guest_l1e(nl1e ^ (intpte_t)rc, pt_dom);
        rc = 0;
        if (!update_intpte(pl1e, ol1e, nl1e, preserve_ad)) {
            /* Not written: what the new entry took goes back instead. */
            ol1e = nl1e;
            rc = REJECT(curr, EBUSY, BUSY, .frame = gl1mfn, .table = gl1mfn, .level = 1,
                        .index = entry_index(pl1e), .entry = nl1e);
        }
    } else if (!update_intpte(pl1e, ol1e, nl1e, preserve_ad)) {
        return REJECT(curr, EBUSY, BUSY, .frame = gl1mfn, .table = gl1mfn, .level = 1,
                      .index = entry_index(pl1e), .entry = nl1e);
    }

    put_l1e_references(s, curr, ol1e, pt_dom);   /* put_page_from_l1e(curr, ol1e, pt_dom) */
    return rc;
}

/*
 * mod_l2_entry .. mod_l4_entry: the same for an entry at `level` of table
 * pfn.  The child of a new L3e/L4e is validated preemptibly, so this may
 * return -XEN_EINTR / -XEN_ERESTART (nothing written; retry later).  A
 * failed write is -EBUSY at L2 and -EFAULT at L3/L4, as in Xen.
 */
static int mod_upper_entry(struct vcpu *curr, intpte_t *pe, intpte_t ne, mfn_t pfn,
                           bool preserve_ad, int level)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = page_get_owner(s, mfn_to_page(s, pfn));
    int idx = entry_index(pe);
    int busy = level == 2 ? -XEN_EBUSY : -XEN_EFAULT;
    intpte_t whitelist = FASTPATH_FLAG_WHITELIST;
    intpte_t oe;
    int rc = 0;

    if (level == 4 && !is_guest_l4_slot((unsigned int)idx))
        return REJECT(curr, EINVAL, XEN_SLOT, .frame = pte_mfn(ne), .table = pfn, .level = 4,
                      .index = idx, .entry = ne);
    if (!d)
        return REJECT(curr, EINVAL, FREE_FRAME, .frame = pfn, .table = pfn, .level = level,
                      .index = idx, .entry = ne, .want_type = PGT_level_type(level));

    if (linear_rw_change_is_safe(s))
        whitelist |= _PAGE_RW;

    oe = read_atomic64(pe);
    if (ne & _PAGE_PRESENT) {
        if (level < 4 && (ne & _PAGE_PSE))
            return REJECT(curr, EINVAL, SUPERPAGE, .frame = pte_mfn(ne), .table = pfn,
                          .level = level, .index = idx, .entry = ne);
        if (get_pte_flags(ne) & BASE_DISALLOW_MASK)
            return REJECT(curr, EINVAL, DISALLOWED_FLAGS, .frame = pte_mfn(ne), .table = pfn,
                          .level = level, .index = idx, .entry = ne);

        if (!entry_has_changed(oe, ne, whitelist)) {
            ne = adjust_guest_upper(ne, d, level);
            if (update_intpte(pe, oe, ne, preserve_ad))
                return 0;
            return REJECT_RC(curr, busy, PVMM_RULE_BUSY, .frame = pfn, .table = pfn, .level = level,
                             .index = idx, .entry = ne);
        }

        if (level == 2)
            rc = get_page_from_l2e(curr, ne, pfn, d, 0);
        else if (level == 3)
            rc = get_page_from_l3e(curr, ne, pfn, d, PTF_preemptible);
        else
            rc = get_page_from_l4e(curr, ne, pfn, d, PTF_preemptible);
        if (rc < 0) {
            if (rc != -XEN_EINTR && rc != -XEN_ERESTART)
                reason_add_path(curr, pfn, level, idx);
            return rc;
        }

        ne = adjust_guest_upper(ne, d, level);
        if (!update_intpte(pe, oe, ne, preserve_ad)) {
            oe = ne;
            rc = REJECT_RC(curr, busy, PVMM_RULE_BUSY, .frame = pfn, .table = pfn, .level = level,
                           .index = idx, .entry = ne);
        }
    } else if (!update_intpte(pe, oe, ne, preserve_ad)) {
        return REJECT_RC(curr, busy, PVMM_RULE_BUSY, .frame = pfn, .table = pfn, .level = level,
                         .index = idx, .entry = ne);
    }

    /* The old entry's child is released later, preemptibly (old_guest_table). */
    if (level == 2)
        put_page_from_l2e(curr, oe, pfn, PTF_defer);
    else if (level == 3)
        put_page_from_l3e(curr, oe, pfn, PTF_defer);
    else
        put_page_from_l4e(curr, oe, pfn, PTF_defer);
    return rc;
}

int mod_l2_entry(struct vcpu *curr, intpte_t *pl2e, intpte_t nl2e, mfn_t pfn,
                 bool preserve_ad)
{
    return mod_upper_entry(curr, pl2e, nl2e, pfn, preserve_ad, 2);
}

int mod_l3_entry(struct vcpu *curr, intpte_t *pl3e, intpte_t nl3e, mfn_t pfn,
                 bool preserve_ad)
{
    return mod_upper_entry(curr, pl3e, nl3e, pfn, preserve_ad, 3);
}

int mod_l4_entry(struct vcpu *curr, intpte_t *pl4e, intpte_t nl4e, mfn_t pfn,
                 bool preserve_ad)
{
    return mod_upper_entry(curr, pl4e, nl4e, pfn, preserve_ad, 4);
}
