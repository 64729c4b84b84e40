/*
 * core/memory-exchange.c - XENMEM_exchange: trade frames a domain gives up
 * for fresh ones (Xen's memory_exchange in common/memory.c).
 *
 * arg points at a struct xen_memory_exchange: `in` lists the extents given
 * up (for PV, first mfns of 2^in.extent_order frames), `out` the extents
 * wanted (each element a gpfn on entry, the new first mfn on return), both
 * of the same total size; nr_exchanged counts the input extents done, in
 * and out (a continuation or a retry starts from it).
 *
 * The work goes in chunks of the larger extent order: a chunk is
 * 2^(out.order - in.order) input extents for one output extent, or one
 * input extent for 2^(in.order - out.order) output extents.  Per chunk:
 *  1. steal every input frame: it must be valid, the domain's own, not a
 *     hypervisor page lent out, and referenced by nothing but its
 *     allocation (no mapping, no type reference, no pin) - else -EINVAL;
 *     a stolen frame is held by the hypervisor (owned by dom_xen, no type),
 *     so no guest can reach it;
 *  2. allocate the output extents (machine-contiguous, below the
 *     out.mem_flags address limit), also held - else -ENOMEM;
 *  3. commit, which cannot fail: free the stolen frames, give the new ones
 *     to the domain, set their M2P entries to the gpfns from `out`, write
 *     their mfns back.  A gpfn that cannot be read or an mfn that cannot be
 *     written back gives -EFAULT after the chunk is committed.
 * A failure in steps 1-2 gives every stolen frame back untouched and frees
 * the allocated ones; nr_exchanged then says how many input extents were
 * done before the chunk.  The domain's tot_pages never changes (Xen's
 * MEMF_no_refcount): what it gives up and what it gets are the same size.
 *
 * Argument errors, in Xen's order: an extent order above max_order gives
 * -EPERM; nr_exchanged > in.nr_extents, different domids, list sizes that
 * overflow or differ give -EINVAL; nothing left to do returns 0; the part
 * of either list still to be processed must start at a guest address
 * (-EFAULT, XSA-212); a refused NUMA node -EINVAL; an unknown domain
 * -ESRCH, one the caller may not act on -EPERM.  nr_exchanged is written
 * back on every return after the argument was read.  Preemption is checked
 * between chunks; the continuation re-issues the call (progress is in
 * nr_exchanged, not in cmd).
 */
#include "mm.h"

#define NR_EXCHANGED_OFFSET  offsetof(struct xen_memory_exchange, nr_exchanged)
#define HELD_LIST_END        (~(uint32_t)0)

/* One exchange in progress. */
struct exchange {
    struct vcpu *curr;
    struct domain *d;
    struct xen_memory_exchange x;
    unsigned int in_chunk_order, out_chunk_order;
    mfn_t max_mfn;                /* allocations end below this (out's address bits) */
    bool exact_node_elsewhere;
    uint32_t stolen, fresh;       /* held frames of the current chunk, linked by next_free */
};

/* Push a held frame (stolen, or the first of a fresh extent) on a chunk list. */
static void held_push(struct pvmm_state *s, uint32_t *list, mfn_t mfn)
{
    mfn_to_page(s, mfn)->next_free = *list;
    *list = (uint32_t)mfn;
}

/* Pop the next frame off a chunk list, or INVALID_MFN. */
static mfn_t held_pop(struct pvmm_state *s, uint32_t *list)
{
    mfn_t mfn = *list;

    if (*list == HELD_LIST_END)
        return INVALID_MFN;
    *list = mfn_to_page(s, mfn)->next_free;
    mfn_to_page(s, mfn)->next_free = HELD_LIST_END;
    return mfn;
}

/* Take frame mfn from e->d (steal-page.c) onto the chunk's stolen list: 0 or -EINVAL. */
static int exchange_steal(struct exchange *e, mfn_t mfn)
{
    int rc = steal_page(e->curr, e->d, mfn, true);

    if (!rc)
        held_push(vcpu_state(e->curr), &e->stolen, mfn);
    return rc;
}

/* Undo a failed chunk: stolen frames back to the domain, fresh ones freed. */
static void chunk_undo(struct exchange *e)
{
    struct pvmm_state *s = vcpu_state(e->curr);
    uint64_t n = 1UL << e->x.out.extent_order;
    mfn_t mfn;

    while ((mfn = held_pop(s, &e->stolen)) != INVALID_MFN)
        give_held_page(s, mfn, e->d);
    while ((mfn = held_pop(s, &e->fresh)) != INVALID_MFN)
        for (uint64_t j = 0; j < n; j++)
            free_held_page(s, mfn + j);
}

/* Steps 1 and 2 for chunk i: 0, or an error with everything undone. */
static int chunk_gather(struct exchange *e, uint64_t i)
{
    struct pvmm_state *s = vcpu_state(e->curr);
    uint64_t nin = 1UL << e->in_chunk_order, nout = 1UL << e->out_chunk_order;
    xen_pfn_t gmfn;
    mfn_t first;
    int rc;

    for (uint64_t j = 0; j < nin; j++) {
        uint64_t at = e->x.in.extent_start + ((i << e->in_chunk_order) + j) * sizeof(gmfn);

        if (copy_from_guest(e->curr, &gmfn, at, sizeof(gmfn))) {
            chunk_undo(e);
            return REJECT(e->curr, EFAULT, GUEST_FAULT, .entry = at);
        }
        for (uint64_t k = 0; k < (1UL << e->x.in.extent_order); k++) {
            rc = exchange_steal(e, gmfn + k);
            if (rc) {
                chunk_undo(e);
                return rc;
            }
        }
    }
    for (uint64_t j = 0; j < nout; j++) {
        if (e->exact_node_elsewhere ||
            alloc_held_pages(s, e->x.out.extent_order, e->max_mfn, &first)) {
            chunk_undo(e);
            return REJECT(e->curr, ENOMEM, NO_MEMORY, .entry = e->x.out.extent_order);
        }
        held_push(s, &e->fresh, first);
    }
    return 0;
}

/*
 * Step 3 for chunk i: cannot fail as a whole.  Returns 0, or -EFAULT if a
 * gpfn could not be read or an mfn written back (the chunk still counts
 * as given to the domain, as in Xen).
 */
static int chunk_commit(struct exchange *e, uint64_t i)
{
    struct pvmm_state *s = vcpu_state(e->curr);
    uint64_t n = 1UL << e->x.out.extent_order;
    mfn_t mfn;
    xen_pfn_t gpfn;
    int rc = 0;

    while ((mfn = held_pop(s, &e->stolen)) != INVALID_MFN)
        free_held_page(s, mfn);
    /* Fresh extents were pushed in order, so they pop last-first: count down. */
    for (uint64_t j = 1UL << e->out_chunk_order; j-- > 0; ) {
        uint64_t at = e->x.out.extent_start + ((i << e->out_chunk_order) + j) * sizeof(gpfn);

        mfn = held_pop(s, &e->fresh);
        for (uint64_t k = 0; k < n; k++)
            give_held_page(s, mfn + k, e->d);
        if (copy_from_guest(e->curr, &gpfn, at, sizeof(gpfn))) {
            rc = REJECT(e->curr, EFAULT, GUEST_FAULT, .frame = mfn, .entry = at);
            continue;
        }
        for (uint64_t k = 0; k < n; k++)
            write_atomic64(&s->m2p[mfn + k], gpfn + k);
        if (copy_to_guest(e->curr, at, &mfn, sizeof(mfn)))
            rc = REJECT(e->curr, EFAULT, GUEST_FAULT, .frame = mfn, .entry = at);
    }
    return rc;
}

/* Xen's guest_handle_subrange_okay on the part of a list still to be done. */
static bool subrange_ok(uint64_t list, uint64_t first)
{
    return addr_ok(list + first * sizeof(xen_pfn_t));
}

/* The argument checks before any work; 0, 1 (nothing to do) or an error. */
static int exchange_check(struct exchange *e)
{
    struct xen_memory_exchange *x = &e->x;
    unsigned int bits;

    if ((x->in.extent_order > x->out.extent_order ? x->in.extent_order : x->out.extent_order) >
        memop_max_order(e->curr->domain))
        return REJECT(e->curr, EPERM, BAD_ARGUMENT, .entry = x->in.extent_order);
    if (x->nr_exchanged > x->in.nr_extents || x->in.domid != x->out.domid ||
        x->in.extent_order >= 64 || x->out.extent_order >= 64 ||
        (~0UL >> x->in.extent_order) < x->in.nr_extents ||
        (~0UL >> x->out.extent_order) < x->out.nr_extents ||
        (x->in.nr_extents << x->in.extent_order) != (x->out.nr_extents << x->out.extent_order))
        return REJECT(e->curr, EINVAL, BAD_ARGUMENT, .entry = x->in.nr_extents);
    if (x->nr_exchanged == x->in.nr_extents)
        return 1;
    if (x->in.extent_order <= x->out.extent_order) {
        e->in_chunk_order = x->out.extent_order - x->in.extent_order;
        e->out_chunk_order = 0;
    } else {
        e->in_chunk_order = 0;
        e->out_chunk_order = x->in.extent_order - x->out.extent_order;
    }
    if (!subrange_ok(x->in.extent_start, x->nr_exchanged))
        return REJECT(e->curr, EFAULT, GUEST_FAULT, .entry = x->in.extent_start);
    if (!subrange_ok(x->out.extent_start, e->in_chunk_order
                     ? x->nr_exchanged >> e->in_chunk_order
                     : x->nr_exchanged << e->out_chunk_order))
        return REJECT(e->curr, EFAULT, GUEST_FAULT, .entry = x->out.extent_start);
    if (!propagate_node(e->curr, x->out.mem_flags, &e->exact_node_elsewhere))
        return -XEN_EINVAL;
    e->d = memop_domain_by_any_id(e->curr, x->in.domid);
    if (!e->d)
        return REJECT(e->curr, ESRCH, BAD_DOMID, .entry = x->in.domid);
    if (!xsm_target_permitted(e->curr->domain, e->d))
        return REJECT(e->curr, EPERM, FOREIGN_DENIED, .entry = x->in.domid);
    bits = XENMEMF_get_address_bits(x->out.mem_flags);
    e->max_mfn = vcpu_state(e->curr)->nr_frames;
    if (bits && bits <= PAGE_SHIFT)
        e->max_mfn = 0;
    else if (bits && bits - PAGE_SHIFT < 64 && (1UL << (bits - PAGE_SHIFT)) < e->max_mfn)
        e->max_mfn = 1UL << (bits - PAGE_SHIFT);
    return 0;
}

/* Write nr_exchanged back; rc, or -EFAULT if that fails. */
static long exchange_done(struct exchange *e, uint64_t arg, long rc)
{
    if (copy_to_guest(e->curr, arg + NR_EXCHANGED_OFFSET, &e->x.nr_exchanged,
                      sizeof(e->x.nr_exchanged)))
        return REJECT(e->curr, EFAULT, GUEST_FAULT, .entry = arg + NR_EXCHANGED_OFFSET);
    return rc;
}

long memory_exchange(struct vcpu *v, uint64_t arg)
{
    struct exchange e = { .curr = v, .stolen = HELD_LIST_END, .fresh = HELD_LIST_END };
    uint64_t i, first, end;
    int rc;

    if (copy_from_guest(v, &e.x, arg, sizeof(e.x)))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = arg);
    rc = exchange_check(&e);
    if (rc)
        return exchange_done(&e, arg, rc > 0 ? 0 : rc);

    first = e.x.nr_exchanged >> e.in_chunk_order;
    end = e.x.in.nr_extents >> e.in_chunk_order;
    for (i = first; i < end; i++) {
        if (i != first && hypercall_preempt_check(v)) {
            e.x.nr_exchanged = i << e.in_chunk_order;
            if (exchange_done(&e, arg, 0))
                return -XEN_EFAULT;
            return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 2,
                                                 XENMEM_exchange, arg, 0, 0, 0);
        }
        rc = chunk_gather(&e, i);
        if (!rc)
            rc = chunk_commit(&e, i);
        if (rc) {
            reason_set_op_index(v, (int)i);
            e.x.nr_exchanged = i << e.in_chunk_order;
            return exchange_done(&e, arg, rc);
        }
    }
    e.x.nr_exchanged = e.x.in.nr_extents;
    return exchange_done(&e, arg, 0);
}
