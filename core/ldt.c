/*
 * core/ldt.c - MMUEXT_SET_LDT and the lazily mapped LDT shadow (model.md §5.4,
 * model.md §10).
 *
 * SET_LDT only records the LDT's linear base and size; nothing is checked
 * about the pages behind it.  The first time the guest loads an LDT selector
 * the access faults in the hypervisor's per-vCPU LDT area and the embedder
 * calls pv_map_ldt_shadow_page(): the guest kernel's L1 entry for
 * ldt_base + offset must be present and its frame, owned by the domain, must
 * become a PGT_seg_desc_page - which fails while any writable mapping of it
 * exists (the reason then names that mapping).  The frame is then recorded in
 * v->ldt_shadow[offset >> 12], holding a general and a seg_desc type
 * reference, until pv_destroy_ldt() (SET_LDT change, NEW_BASEPTR, teardown).
 * Unmapping the guest's own PTE does not remove the shadow (as in Xen since
 * LDT "paging out" was removed).
 */
#include "mm.h"

/* Maximum LDT size: 8192 descriptors = 64 KiB = PVMM_LDT_PAGES pages. */
#define LDT_MAX_ENTS        8192U
/*
 * Base recorded when the LDT is disabled (ents == 0): a non-canonical poison
 * (Xen's ZERO_BLOCK_PTR), so that nothing can ever map address 0 through a
 * stray LDT access (XSA-298 hardening).
 */
#define LDT_POISON_BASE     0xBAD0BAD0BAD0BAD0UL

_Static_assert(LDT_MAX_ENTS * 8 == PVMM_LDT_PAGES * PAGE_SIZE, "LDT shadow size");

/*
 * Drop every shadow LDT mapping of v: clear the slots, flush v's TLB if any
 * was present, then release each frame's general + seg_desc type reference
 * (released only after the flush, so no stale translation can outlive the
 * reference).
 */
void pv_destroy_ldt(struct vcpu *v)
{
    struct pvmm_state *s = vcpu_state(v);
    mfn_t dropped[PVMM_LDT_PAGES];
    unsigned int n = 0;

    if (!v->ldt_shadow_map)
        return;                         /* the common case: a base pointer switch, no LDT */
    for (unsigned int i = 0; i < PVMM_LDT_PAGES; i++) {
        if (v->ldt_shadow[i] == INVALID_MFN)
            continue;
        dropped[n++] = v->ldt_shadow[i];
        v->ldt_shadow[i] = INVALID_MFN;
    }
    v->ldt_shadow_map = 0;
    if (n == 0)
        return;
    v->desc_gen++;

    flush_tlb_local(v, PVMM_FLUSH_ALL_VA);
    for (unsigned int i = 0; i < n; i++)
        put_page_and_type(v, mfn_to_page(s, dropped[i]));
}

/*
 * MMUEXT_SET_LDT for curr (the caller has checked that the foreign domain is
 * the caller itself).  ents == 0 disables the LDT: the address is ignored
 * (as Xen) and the poison base recorded.  Otherwise ents must be <= 8192 and
 * base page-aligned and __addr_ok, else -EINVAL.  If base or size change,
 * the shadow mappings are dropped (pv_destroy_ldt) before the new values are
 * stored.  The pages themselves are checked lazily (pv_map_ldt_shadow_page).
 */
int pv_set_ldt(struct vcpu *curr, uint64_t base, unsigned int ents)
{
    if (ents == 0) {
        base = LDT_POISON_BASE;
    } else if (ents > LDT_MAX_ENTS || (base & (PAGE_SIZE - 1))) {
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .entry = ents > LDT_MAX_ENTS ? ents : base);
    } else if (!addr_ok(base)) {
        return REJECT(curr, EINVAL, NOT_CANONICAL, .entry = base);
    }

    if (curr->ldt_ents != ents || curr->ldt_base != base) {
        pv_destroy_ldt(curr);
        curr->ldt_base = base;
        curr->ldt_ents = ents;
        curr->desc_gen++;
    }
    return 0;
}

/*
 * Lazy LDT: map the page holding byte `offset` of v's LDT into the shadow
 * (contract in include/pvmm/pvmm.h).  Returns 0 when the page is (already)
 * mapped.  -XEN_ERANGE with reason LDT_ACCESS when offset lies beyond the LDT
 * limit (ldt_ents * 8; none at all when there is no LDT) or ldt_base + offset
 * is not canonical: the guest gets #GP(selector), as the CPU and Xen would.
 * Otherwise the guest gets #PF with CR2 = ldt_base + offset: -XEN_EFAULT
 * (LDT_ACCESS) when the kernel tables do not map the address, -XEN_EINVAL when
 * the frame is not the domain's, or the recorded error when it cannot become
 * a descriptor page - a writable mapping anywhere (TYPE_CONFLICT naming that
 * mapping's L1 frame, slot and VA) or a descriptor that check_descriptor
 * refuses (BAD_DESCRIPTOR).
 */
int pv_map_ldt_shadow_page(struct vcpu *v, unsigned int offset)
{
    struct pvmm_state *s = vcpu_state(v);
    struct domain *d = v->domain;
    unsigned int slot = offset >> PAGE_SHIFT;
    uint64_t linear = v->ldt_base + offset;
    struct guest_walk w;
    struct page_info *pg;
    intpte_t l1e;
    mfn_t mfn;

    reason_clear(v, -1);

    if ((offset >> 3) >= v->ldt_ents || slot >= PVMM_LDT_PAGES)
        return REJECT(v, ERANGE, LDT_ACCESS, .index = (int)(offset >> 3), .entry = offset,
                      .want_type = PGT_seg_desc_page);
    if (!is_canonical(linear))
        return REJECT(v, ERANGE, LDT_ACCESS, .index = (int)(offset >> 3), .entry = linear,
                      .want_type = PGT_seg_desc_page);

    /* Already mapped: the shadow stays until pv_destroy_ldt. */
    if (v->ldt_shadow[slot] != INVALID_MFN)
        return 0;

    if (!guest_kernel_l1e(v, linear, &w))
        return REJECT(v, EFAULT, LDT_ACCESS, .table = w.table, .level = w.level,
                      .index = (int)w.slot, .entry = linear, .want_type = PGT_seg_desc_page);
    l1e = w.entry;
    if (!(l1e & _PAGE_PRESENT))
        return REJECT(v, EFAULT, LDT_ACCESS, .table = w.table, .level = 1, .index = (int)w.slot,
                      .entry = l1e, .want_type = PGT_seg_desc_page);

    mfn = pte_mfn(l1e);
    if (!mfn_valid(s, mfn))
        return REJECT(v, EINVAL, BAD_MFN, .frame = mfn, .table = w.table, .level = 1,
                      .index = (int)w.slot, .entry = l1e, .want_type = PGT_seg_desc_page);
    pg = mfn_to_page(s, mfn);
    if (!get_page(s, pg, d))
        return REJECT(v, EINVAL, NOT_OWNER, .frame = mfn, .table = w.table, .level = 1,
                      .index = (int)w.slot, .entry = l1e, .want_type = PGT_seg_desc_page);
    if (!get_page_type(v, pg, PGT_seg_desc_page)) {
        put_page(s, pg);
        /* Only fills in if page-type.c recorded nothing more specific. */
        REJECT(v, EINVAL, TYPE_CONFLICT, .frame = mfn, .table = w.table, .level = 1,
               .index = (int)w.slot, .entry = l1e, .want_type = PGT_seg_desc_page);
        return v->reason.rc < 0 ? v->reason.rc : -XEN_EINVAL;
    }

    v->ldt_shadow[slot] = mfn;
    v->ldt_shadow_map |= (uint16_t)(1u << slot);
    v->desc_gen++;
    return 0;
}
