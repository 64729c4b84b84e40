/*
 * core/ptwr.c - writable page-table emulation (Xen's ptwr, pv/ro-page-fault.c).
 *
 * A PV guest kernel may keep its L1 tables mapped read-only and simply write
 * to them: the write faults, and the hypervisor emulates the one store as if
 * the guest had issued an mmu_update for that entry.  Rules (model.md §3.10 and
 * model.md §10):
 *
 *  - only for a domain with VMASST_TYPE_writable_pagetables, or the
 *    hardware domain, for which Xen 4.17 emulates even without the assist;
 *  - the faulting address must be mapped, in the guest's *kernel* tables,
 *    by a present read-only L1 entry of a frame the domain owns which is
 *    currently a validated L1 (page_lock succeeds and the type is L1) -
 *    anything else is not a page-table write (PVMM_PTWR_NOT_PT);
 *  - only naturally aligned 1, 2, 4 or 8-byte stores are emulated; narrower
 *    ones are merged into the full 8-byte entry;
 *  - the merged entry goes through mod_l1_entry: the same checks, flips and
 *    fix-ups as mmu_update, so a write that would map a page table writable
 *    is refused (the caller then delivers the #PF to the guest), and a
 *    4-byte write clearing bit 52 of a guest-kernel entry yields a user
 *    mapping that Xen marks GLOBAL;
 *  - cmpxchg compares the whole merged entry and reports the value found.
 *
 * Only L1 tables are emulated; writes to L2..L4 frames always fault.
 */
#include "mm.h"

/* Xen's writable-pagetables assist, or the hardware domain (model.md §10). */
static bool ptwr_enabled(const struct domain *d)
{
    return d->is_privileged || (d->vm_assist & (1UL << VMASST_TYPE_writable_pagetables));
}

/* Mask of the low `bytes` bytes of a 64-bit value. */
static uint64_t byte_mask(unsigned int bytes)
{
    return bytes >= 8 ? ~0UL : (1UL << (bytes * 8)) - 1;
}

/*
 * Emulate the store into the locked, validated L1 frame l1mfn.  Returns 0
 * (applied, or a cmpxchg that found another value) or -errno.
 */
static int ptwr_emulate_store(struct vcpu *v, mfn_t l1mfn, uint64_t addr, uint64_t val,
                              unsigned int bytes, bool is_cmpxchg, uint64_t old,
                              uint64_t *actual)
{
    struct pvmm_state *s = vcpu_state(v);
    unsigned int index = (unsigned int)((addr & (PAGE_SIZE - 1)) >> 3);
    unsigned int shift = (unsigned int)(addr & 7) * 8;
    uint64_t mask = byte_mask(bytes) << shift;
    intpte_t *l1t = map_domain_page(s, l1mfn);
    intpte_t cur = read_atomic64(&l1t[index]);
    intpte_t full = (cur & ~mask) | ((val << shift) & mask);
    int rc = 0;

    if (is_cmpxchg) {
        intpte_t expect = (cur & ~mask) | ((old << shift) & mask);

        if (actual)
            *actual = (cur >> shift) & byte_mask(bytes);
        if (cur != expect)
            goto out;   /* Comparison failed: nothing written. */
    }
    rc = mod_l1_entry(v, &l1t[index], full, l1mfn, MMU_NORMAL_PT_UPDATE, v->domain);
 out:
    unmap_domain_page(s, l1t);
    return rc;
}

/*
 * Find the L1 that v's kernel maps read-only at addr and take it: a general
 * reference and the page lock, type checked to be L1.  false (nothing held)
 * if addr is not a page-table write ptwr emulates.
 */
static bool ptwr_get_l1(struct vcpu *v, uint64_t addr, mfn_t *l1mfn)
{
    struct pvmm_state *s = vcpu_state(v);
    struct domain *d = v->domain;
    struct page_info *pg;
    struct guest_walk w;

    if (!ptwr_enabled(d) || !guest_kernel_l1e(v, addr, &w) ||
        (w.entry & (_PAGE_PRESENT | _PAGE_RW)) != _PAGE_PRESENT)
        return false;
    *l1mfn = pte_mfn(w.entry);
    if (!mfn_valid(s, *l1mfn))
        return false;
    pg = mfn_to_page(s, *l1mfn);
    if (!get_page(s, pg, d))
        return false;
    if (!page_lock(v, pg)) {
        put_page(s, pg);
        return false;
    }
    if ((read_atomic64(&pg->type_info) & PGT_type_mask) != PGT_l1_page_table) {
        page_unlock(v, pg);
        put_page(s, pg);
        return false;
    }
    return true;
}

/* Undo ptwr_get_l1. */
static void ptwr_put_l1(struct vcpu *v, mfn_t l1mfn)
{
    struct pvmm_state *s = vcpu_state(v);
    struct page_info *pg = mfn_to_page(s, l1mfn);

    page_unlock(v, pg);
    put_page(s, pg);
}

int pvmm_ptwr_check(struct vcpu *v, uint64_t addr)
{
    mfn_t l1mfn;

    reason_clear(v, -1);
    if (!ptwr_get_l1(v, addr, &l1mfn))
        return PVMM_PTWR_NOT_PT;
    reason_clear(v, -1);
    ptwr_put_l1(v, l1mfn);
    return 0;
}

int pvmm_ptwr_emulate(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                      bool is_cmpxchg, uint64_t old, uint64_t *actual)
{
    mfn_t l1mfn;
    int rc;

    reason_clear(v, -1);
    if (!ptwr_get_l1(v, addr, &l1mfn))
        return PVMM_PTWR_NOT_PT;
    /* A stale reason from the checks above is not a failure of this write. */
    reason_clear(v, -1);

    if ((bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) || (addr & (bytes - 1)))
        rc = REJECT(v, EINVAL, BAD_ARGUMENT, .frame = l1mfn, .table = l1mfn, .level = 1,
                    .index = (int)((addr & (PAGE_SIZE - 1)) >> 3), .entry = addr);
    else
        rc = ptwr_emulate_store(v, l1mfn, addr, val, bytes, is_cmpxchg, old, actual);

    ptwr_put_l1(v, l1mfn);
    return rc;
}
