/*
 * core/grant-pte.c - the PTE of a PV grant host mapping: creating it over
 * whatever the slot held (whose references are then dropped) and
 * removing or replacing it on unmap, as Xen 4.17's create_grant_pv_mapping
 * and replace_grant_pv_mapping.  The slot is found by linear address in
 * the mapper's kernel tables, or (GNTMAP_contains_pte) given as the
 * machine address of the entry, which must be 8-byte aligned (XSA-227) in
 * a validated L1 of the mapper.  Release Xen builds put no marker bit in
 * the PTE (_PAGE_GNTTAB is debug-only), and neither does pvmm.
 */
#include "grant-table.h"

/* An L1 slot of the mapper, page-locked as a validated L1. */
struct grant_slot {
    struct page_info *pg;
    mfn_t l1mfn;
    intpte_t *table;     /* the mapped L1 */
    intpte_t *pl1e;      /* the entry in it */
};

/*
 * Find and page-lock the L1 entry of addr (a linear address, or with contains_pte a
 * machine address).  False with a reason (GNTST code in *rc) if there is none the
 * mapper may use.
 */
static bool slot_lock(struct vcpu *curr, uint64_t addr, bool contains_pte,
                      struct grant_slot *sl, int *rc)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = curr->domain;
    unsigned int index;

    if (contains_pte) {
        if (addr & (sizeof(intpte_t) - 1)) {
            *rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_BAD_ARGUMENT, .entry = addr);
            return false;
        }
        sl->l1mfn = addr >> PAGE_SHIFT;
        index = (unsigned int)((addr & (PAGE_SIZE - 1)) / sizeof(intpte_t));
    } else {
        struct guest_walk w;

        if (!guest_kernel_l1e(curr, addr, &w)) {
            *rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_NO_L1_FOR_VA, .entry = addr);
            return false;
        }
        sl->l1mfn = w.table;
        index = w.slot;
    }
    if (!get_page_from_mfn(s, sl->l1mfn, d)) {
        *rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_NOT_OWNER, .frame = sl->l1mfn,
                        .entry = addr);
        return false;
    }
    sl->pg = mfn_to_page(s, sl->l1mfn);
    if (!page_lock_type(curr, sl->pg, PGT_l1_page_table)) {
        put_page(s, sl->pg);
        *rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_NOT_PAGETABLE,
                        .frame = sl->l1mfn, .entry = addr);
        return false;
    }
    sl->table = map_domain_page(s, sl->l1mfn);
    sl->pl1e = sl->table + index;
    return true;
}

static void slot_unlock(struct vcpu *curr, struct grant_slot *sl)
{
    struct pvmm_state *s = vcpu_state(curr);

    unmap_domain_page(s, sl->table);
    page_unlock(curr, sl->pg);
    put_page(s, sl->pg);
}

/*
 * Replace *old with new at sl's entry, then unlock sl.  The hardware may have set A/D bits
 * since *old was read: *old gets them.  GNTST_okay, or general_error if the entry is
 * otherwise no longer *old (it was the one just cleared: unmap_and_replace of an address
 * by itself).
 */
static int slot_update(struct vcpu *curr, struct grant_slot *sl, intpte_t *old, intpte_t new)
{
    const intpte_t ad = _PAGE_ACCESSED | _PAGE_DIRTY;
    intpte_t cur = *old;

    while (!cmpxchg64(sl->pl1e, &cur, new) && !((cur ^ *old) & ~ad))
        *old = cur;
    slot_unlock(curr, sl);
    if ((cur ^ *old) & ~ad)
        return REJECT_RC(curr, GNTST_general_error, PVMM_RULE_BUSY, .table = sl->l1mfn,
                         .level = 1, .entry = cur);
    return GNTST_okay;
}

/*
 * The PTE a grant mapping with GNTMAP flags gets.  A PV granter grants RAM only, so the
 * grant's cache bits never reach it (as Xen 4.17).
 */
static intpte_t grant_pte(mfn_t mfn, uint32_t flags)
{
    uint64_t f = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX;

    if (flags & GNTMAP_application_map)
        f |= _PAGE_USER;
    if (!(flags & GNTMAP_readonly))
        f |= _PAGE_RW;
    f |= ((uint64_t)(flags >> _GNTMAP_guest_avail0) << 9) & _PAGE_AVAIL;
    return pte_from_mfn(mfn, f);
}

int gnttab_create_host_mapping(struct vcpu *curr, uint64_t addr, mfn_t mfn, uint32_t flags)
{
    struct domain *d = curr->domain;
    intpte_t nl1e = adjust_guest_l1e(grant_pte(mfn, flags), d);
    struct grant_slot sl;
    intpte_t ol1e;
    int rc = GNTST_okay;

    if (!slot_lock(curr, addr, flags & GNTMAP_contains_pte, &sl, &rc))
        return rc;
    ol1e = read_atomic64(sl.pl1e);
    /* A mapping of another domain's frame is a foreign mapping of it (sealed-launch.c). */
    foreign_map_count(vcpu_state(curr), nl1e, d, 1);
    rc = slot_update(curr, &sl, &ol1e, nl1e);
    /* What the slot held before goes, as any replaced PTE. */
    if (rc == GNTST_okay)
        put_page_from_l1e(curr, ol1e, d);
    else
        foreign_map_count(vcpu_state(curr), nl1e, d, -1);
    return rc;
}

int gnttab_replace_host_mapping(struct vcpu *curr, uint64_t addr, mfn_t mfn,
                                uint64_t new_addr, uint32_t flags)
{
    const uint64_t check = _PAGE_PRESENT | _PAGE_RW;
    intpte_t want = grant_pte(mfn, flags) & check, ol1e, nl1e = 0;
    struct grant_slot sl, nsl;
    int rc = GNTST_okay;

    if ((flags & GNTMAP_contains_pte) && new_addr)
        return REJECT_RC(curr, GNTST_general_error, PVMM_RULE_BAD_ARGUMENT, .entry = new_addr);
    if (!slot_lock(curr, addr, flags & GNTMAP_contains_pte, &sl, &rc))
        return rc;
    ol1e = read_atomic64(sl.pl1e);
    /* The PTE must be the grant's: its frame, present, writable iff the grant is (XSA-234). */
    if (pte_mfn(ol1e) != mfn || (ol1e & check) != want) {
        slot_unlock(curr, &sl);
        return REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_PTE_MISMATCH,
                         .frame = mfn, .table = sl.l1mfn, .level = 1, .entry = ol1e);
    }
    slot_unlock(curr, &sl);
    if (new_addr) {
        /* Move new_addr's PTE (with its references) into the grant's slot. */
        if (!slot_lock(curr, new_addr, false, &nsl, &rc))
            return rc;
        nl1e = read_atomic64(nsl.pl1e);
        rc = slot_update(curr, &nsl, &nl1e, 0);
        if (rc != GNTST_okay)
            return rc;
    }
    /* The slot's L1 is still there: clearing new_addr's entry cannot have removed it. */
    slot_lock(curr, addr, flags & GNTMAP_contains_pte, &sl, &rc);
    rc = rc == GNTST_okay ? slot_update(curr, &sl, &ol1e, nl1e) : rc;
    /* If the grant's PTE changed meanwhile (new_addr was addr itself), the moved PTE goes. */
    if (rc != GNTST_okay)
        put_page_from_l1e(curr, nl1e, curr->domain);
    else
        foreign_map_count(vcpu_state(curr), ol1e, curr->domain, -1);  /* the grant's PTE went */
    return rc;
}
