/*
 * core/steal-page.c - a domain gives up one of its frames to the hypervisor (Xen's
 * steal_page), and what becomes of a frame so held: given to a domain, or freed.
 *
 * The one rule, for XENMEM_exchange (memory-exchange.c) and GNTTABOP_transfer
 * (grant-transfer.c): a frame may be taken from d only if it is valid machine memory, d's
 * own, not a hypervisor frame lent to d, and referenced by nothing but its allocation - no
 * mapping, no type reference, no pin, no partial validation, no page lock.  Both general
 * references (the allocation's and the one taken to look) are dropped at once with a
 * compare-and-swap, so nobody can take a new one between the check and the theft.  The type
 * is then zapped (XSA-214: a seg_desc or writable page keeps PGT_validated at type count 0
 * and must not carry it to another owner) and the frame becomes *held*: owner dom_xen,
 * count PGC_allocated | 1, no type - a state in which every count invariant holds (XSA-287:
 * no reference without an owner, no allocation without a reference) and no guest can reach
 * it.  Its M2P entry is kept until the frame is given away or freed.
 */
#include "mm.h"

int steal_page(struct vcpu *curr, struct domain *d, mfn_t mfn, bool no_refcount)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct page_info *pg;
    struct domain *owner;
    uint64_t x;

    if (!mfn_valid(s, mfn))
        return REJECT(curr, EINVAL, BAD_MFN, .frame = mfn, .entry = mfn);
    pg = mfn_to_page(s, mfn);
    owner = page_get_owner_and_reference(s, pg);
    if (!owner)
        return REJECT(curr, EINVAL, FREE_FRAME, .frame = mfn, .entry = mfn);
    x = read_atomic64(&pg->count_info);
    if (owner != d || (x & PGC_xen_heap)) {
        put_page(s, pg);
        return REJECT(curr, EINVAL, NOT_OWNER, .frame = mfn, .entry = mfn);
    }
    /* Exactly our reference and the allocation's: drop both at once, to 0. */
    do {
        if ((x & (PGC_count_mask | PGC_allocated)) != (2 | PGC_allocated) ||
            (read_atomic64(&pg->type_info) & (PGT_count_mask | PGT_pinned | PGT_partial |
                                              PGT_locked))) {
            put_page(s, pg);
            return REJECT(curr, EINVAL, IN_USE, .frame = mfn, .entry = mfn);
        }
    } while (!cmpxchg64(&pg->count_info, &x, x & ~(PGC_count_mask | PGC_allocated)));

    /* Count 0: nobody can take a reference any more.  Hold it. */
    write_atomic64(&pg->type_info, 0);
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    __atomic_store_n(&pg->linear_pt_count, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pg->owner, (domid_t)DOMID_XEN, __ATOMIC_RELEASE);
    write_atomic64(&pg->count_info, PGC_allocated | 1);
    if (!no_refcount)
        tot_pages_add(d, -1);
    return 0;
}

void give_held_page(struct pvmm_state *s, mfn_t mfn, struct domain *d)
{
    __atomic_store_n(&mfn_to_page(s, mfn)->owner, d->domain_id, __ATOMIC_RELEASE);
}

void free_held_page(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(s, mfn);

    write_atomic64(&pg->count_info, 0);
    free_domheap_page(s, pg);
}
