/*
 * core/update-va-mapping.c - update_va_mapping and
 * update_va_mapping_otherdomain (Xen's __do_update_va_mapping).
 *
 * update_va_mapping(va, val, flags) replaces the L1 entry that maps va in
 * the caller's *current* page tables with val, checked exactly like an
 * mmu_update of that entry (mod_l1_entry), then flushes as flags ask:
 *
 *   flags & UVMF_FLUSHTYPE_MASK:  UVMF_NONE, UVMF_TLB_FLUSH (everything),
 *                                 UVMF_INVLPG (va only);
 *   flags & ~UVMF_FLUSHTYPE_MASK: UVMF_LOCAL (0, this vCPU), UVMF_ALL (all
 *                                 vCPUs of the domain), or else the guest
 *                                 address of a vCPU bitmap (UVMF_MULTI).
 *
 * The entry is found by walking the tables in software (guest-walk.c), so
 * an L3 or L2 swapped by mmu_update is seen at once.  va must be a guest address
 * (__addr_ok); the L4e, L3e and L2e must be present and not superpages; the
 * L1 frame must be the caller's own validated L1 - otherwise -EINVAL.
 * Nothing is flushed when the update failed (XSA-279).  A bitmap that cannot
 * be read gives -EFAULT *after* the entry was updated, with no flush.
 * -ERESTART from mod_l1_entry becomes a continuation of the same call.
 * The _otherdomain variant maps frames of domain `domid` (get_pg_owner);
 * installing a present entry for another domain needs privilege (-EPERM).
 */
#include "mm.h"

/*
 * The helpers of update_va_mapping's own path are forced inline: each call
 * saved is a few instructions of every update_va_mapping.
 */
#define ALWAYS_INLINE __attribute__((always_inline))

/*
 * Walk curr's current (kernel or user) tables to the L1 entry mapping va,
 * inline in update_va_mapping's own path.  0 or -XEN_EINVAL with a reason.
 */
static inline ALWAYS_INLINE int walk_for_va(struct vcpu *curr, uint64_t va, mfn_t *l1mfn,
                                           unsigned int *index)
{
    mfn_t root = curr->kernel_mode ? curr->guest_table : curr->guest_table_user;
    struct guest_walk w;

    if (!addr_ok(va))
        return REJECT(curr, EINVAL, NOT_CANONICAL, .entry = va);
    if (root == INVALID_MFN)
        return REJECT(curr, EINVAL, NO_L1_FOR_VA, .entry = va);
    if (!guest_walk_to_l1(vcpu_state(curr), root, va, &w))
        return REJECT(curr, EINVAL, NO_L1_FOR_VA, .table = w.table, .level = w.level,
                      .index = (int)w.slot, .entry = va);
    *l1mfn = w.table;
    *index = w.slot;
    return 0;
}

/*
 * Find, lock and update the L1 entry for va.  Returns 0 or -errno (reason
 * recorded).
 */
static inline ALWAYS_INLINE int uvm_update_entry(struct vcpu *v, uint64_t va, intpte_t val,
                                                struct domain *pg_owner)
{
    struct pvmm_state *s = vcpu_state(v);
    struct domain *d = v->domain;
    struct page_info *pg;
    unsigned int index = 0;
    mfn_t l1mfn = INVALID_MFN;
    intpte_t *l1t;
    int rc;

    /*
     * Xen's xsm_update_va_mapping(XSM_TARGET): only present entries need
     * privilege, and a domain always has it over itself.
     */
    if ((val & _PAGE_PRESENT) && pg_owner != d && !xsm_target_permitted(d, pg_owner))
        return REJECT(v, EPERM, FOREIGN_DENIED, .frame = pte_mfn(val), .entry = val);

    rc = walk_for_va(v, va, &l1mfn, &index);
    if (rc)
        return rc;
    pg = get_page_from_gfn_pv(v, d, l1mfn);
    if (!pg)
        return REJECT(v, EINVAL, NO_L1_FOR_VA, .frame = l1mfn, .table = l1mfn, .level = 1,
                      .index = (int)index, .entry = va, .want_type = PGT_l1_page_table);
    /* Lock it and require an L1 (Xen: page_lock, then the type check). */
    if (!page_lock_type(v, pg, PGT_l1_page_table)) {
        put_page(s, pg);
        return REJECT(v, EINVAL, NOT_PAGETABLE, .frame = l1mfn, .table = l1mfn, .level = 1,
                      .index = (int)index, .entry = va, .want_type = PGT_l1_page_table);
    }

    l1t = map_domain_page(s, l1mfn);
    rc = mod_l1_entry(v, &l1t[index], val, l1mfn, MMU_NORMAL_PT_UPDATE, pg_owner);
    unmap_domain_page(s, l1t);
    page_unlock(v, pg);
    put_page(s, pg);
    return rc;
}

/*
 * The flush requested by flags after a successful update.  Returns 0, or
 * -EFAULT if the vCPU bitmap could not be read (then nothing is flushed).
 */
static inline ALWAYS_INLINE int uvm_flush(struct vcpu *v, uint64_t va, uint64_t flags)
{
    struct domain *d = v->domain;
    uint64_t type = flags & UVMF_FLUSHTYPE_MASK;
    uint64_t bmap = flags & ~UVMF_FLUSHTYPE_MASK;
    uint64_t flush_va = type == UVMF_INVLPG ? va : PVMM_FLUSH_ALL_VA;
    uint64_t mask;

    if (type == UVMF_NONE || type == UVMF_FLUSHTYPE_MASK)
        return 0;
    if (bmap == UVMF_LOCAL) {
        flush_tlb_local(v, flush_va);
        return 0;
    }
    if (bmap == UVMF_ALL) {
        flush_tlb_mask(d, domain_vcpu_mask(d), flush_va);
        return 0;
    }
    if (vcpumask_from_guest(v, bmap, &mask))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = bmap);
    flush_tlb_mask(d, mask, flush_va);
    return 0;
}

/* The common part of both hypercalls (Xen's __do_update_va_mapping). */
static inline ALWAYS_INLINE int update_va_mapping(struct vcpu *v, uint64_t va, uint64_t val,
                                                 uint64_t flags, struct domain *pg_owner)
{
    int rc = uvm_update_entry(v, va, val, pg_owner);

    /* Fail early, and above all without flushing anything (XSA-279). */
    if (rc)
        return rc;
    return uvm_flush(v, va, flags);
}

long do_update_va_mapping(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags)
{
    int rc;

    reason_clear(v, __HYPERVISOR_update_va_mapping);
    rc = update_va_mapping(v, va, val, flags, v->domain);
    if (rc == -XEN_ERESTART)
        return hypercall_create_continuation(v, __HYPERVISOR_update_va_mapping, 3, va,
                                             val, flags, 0, 0);
    return rc;
}

long do_update_va_mapping_otherdomain(struct vcpu *v, uint64_t va, uint64_t val,
                                      uint64_t flags, domid_t domid)
{
    struct domain *pg_owner;
    int rc;

    reason_clear(v, __HYPERVISOR_update_va_mapping_otherdomain);
    pg_owner = get_pg_owner(v, domid);
    if (!pg_owner)
        return -XEN_ESRCH;
    rc = update_va_mapping(v, va, val, flags, pg_owner);
    if (rc == -XEN_ERESTART)
        return hypercall_create_continuation(v, __HYPERVISOR_update_va_mapping_otherdomain,
                                             4, va, val, flags, domid, 0);
    return rc;
}
