/*
 * core/memory-op.c - the memory_op hypercall's reservation sub-ops and the
 * cheap queries (Xen's common/memory.c and x86_64/mm.c, model.md §7).
 *
 * memory_op(cmd, arg): cmd & 0x3F is the sub-op, cmd >> MEMOP_EXTENT_SHIFT
 * the extent to start from (continuations).  For increase_reservation,
 * decrease_reservation and populate_physmap, arg points at a struct
 * xen_memory_reservation and the result is the number of extents completed
 * (argument errors included: they return the start extent, so the guest
 * must compare the result with nr_extents).
 *
 *  - increase_reservation allocates extents of 2^order frames and writes
 *    each extent's first MFN into extent_start[i] (if non-NULL); the M2P is
 *    left alone.
 *  - populate_physmap reads a GPFN from extent_start[i], allocates, sets
 *    M2P[mfn + j] = gpfn + j and writes the MFN back.
 *  - decrease_reservation reads an MFN from extent_start[i] and, for each
 *    frame of the extent, drops the allocation reference (PGC_allocated):
 *    nothing else.  A frame still in use - a pinned or live page table, a
 *    mapped page - stays alive and owned until its last reference goes; it
 *    is not unpinned (XSA-252).  Only then is it freed (M2P invalid,
 *    tot_pages lowered, in frame-table.c).  A frame the domain does not own
 *    stops processing at that extent.
 *
 * Every array element is addressed through the guest copy functions, and
 * the part of the array still to be processed must start at a guest
 * address (XSA-212).  Preemption is checked between extents; the
 * continuation carries the next extent in cmd.
 *
 * A short count carries no errno, but the reason records the one Xen has
 * internally (-EFAULT for guest memory, -ESRCH for an unknown domain,
 * -EPERM for a forbidden one, -ENOMEM for allocation, -EINVAL for bad
 * arguments) and, for failures at an extent, its index as op_index.
 */
#include "mm.h"

/* Xen's limits on extent_order (memop-max-order defaults). */
#define DOMU_MAX_ORDER    PAGETABLE_ORDER   /* 9 */
#define CTLDOM_MAX_ORDER  18                /* the control domain (dom0 here) */
#define NUMA_NO_NODE      0xFFU
#define MAX_NUMNODES      64U

/* What one reservation sub-op works with (Xen's struct memop_args). */
struct memop_args {
    struct vcpu *curr;
    struct domain *d;           /* domain whose reservation changes */
    uint64_t extent_list;       /* guest address of xen_pfn_t[], 0 = none */
    uint64_t nr_extents;
    unsigned int extent_order;
    uint64_t max_mfn;           /* allocations must end below this (address_bits) */
    bool exact_node_elsewhere;  /* an exact NUMA node other than our only node 0 */
    bool populate_on_demand;
    uint64_t nr_done;
    bool preempted;
};

unsigned int memop_max_order(const struct domain *d)
{
    return d->is_privileged ? CTLDOM_MAX_ORDER : DOMU_MAX_ORDER;
}

/*
 * Xen's guest_handle_subrange_okay: the array from element `first` starts
 * at a guest address.  Records -EFAULT if not.
 */
static bool extent_list_ok(const struct memop_args *a)
{
    uint64_t first = a->extent_list + a->nr_done * sizeof(xen_pfn_t);

    if (addr_ok(first))
        return true;
    REJECT(a->curr, EFAULT, GUEST_FAULT, .entry = first);
    return false;
}

/* Xen's max_order() check on extent_order; records -EINVAL if it is too large. */
static bool extent_order_ok(const struct memop_args *a)
{
    if (a->extent_order <= memop_max_order(a->curr->domain))
        return true;
    REJECT(a->curr, EINVAL, BAD_ARGUMENT, .entry = a->extent_order);
    return false;
}

/*
 * Record why processing stopped at extent i (the short count carries no
 * errno): the reason's op_index is the extent.
 */
static void extent_fail(struct memop_args *a, uint64_t i, int rc, enum pvmm_rule rule,
                        mfn_t frame, uint64_t entry)
{
    reason_set_op_index(a->curr, (int)i);
    REJECT_RC(a->curr, rc, rule, .frame = frame, .entry = entry);
}

/* Record a fault on element i of the extent array. */
static void extent_fault(struct memop_args *a, uint64_t i)
{
    extent_fail(a, i, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT, INVALID_MFN,
                a->extent_list + i * sizeof(xen_pfn_t));
}

/*
 * Allocate 2^order machine-contiguous frames to d below a->max_mfn (the highest free run
 * there, heap.c).  Returns the first mfn, or INVALID_MFN.
 */
static mfn_t alloc_extent(struct memop_args *a)
{
    mfn_t first;

    if (a->exact_node_elsewhere ||
        alloc_domheap_pages(a->d, a->extent_order, a->max_mfn, &first))
        return INVALID_MFN;
    return first;
}

/* True if the loop must stop for a continuation before extent i. */
static bool memop_preempt(struct memop_args *a, uint64_t i, uint64_t start)
{
    if (i != start && hypercall_preempt_check(a->curr)) {
        a->preempted = true;
        return true;
    }
    return false;
}

static void increase_reservation(struct memop_args *a)
{
    uint64_t i, start = a->nr_done;
    mfn_t mfn;

    if ((a->extent_list && !extent_list_ok(a)) || !extent_order_ok(a))
        return;
    for (i = start; i < a->nr_extents; i++) {
        if (memop_preempt(a, i, start))
            break;
        mfn = alloc_extent(a);
        if (mfn == INVALID_MFN) {
            extent_fail(a, i, -XEN_ENOMEM, PVMM_RULE_NO_MEMORY, INVALID_MFN, a->extent_order);
            break;
        }
        /* A failed copy leaves the extent allocated but not counted, as in Xen. */
        if (a->extent_list &&
            copy_to_guest(a->curr, a->extent_list + i * sizeof(xen_pfn_t), &mfn, sizeof(mfn))) {
            extent_fault(a, i);
            break;
        }
    }
    a->nr_done = i;
}

static void populate_physmap(struct memop_args *a)
{
    struct pvmm_state *s = vcpu_state(a->curr);
    uint64_t i, start = a->nr_done;
    xen_pfn_t gpfn;
    mfn_t mfn;

    if (!extent_list_ok(a) || !extent_order_ok(a))
        return;
    for (i = start; i < a->nr_extents; i++) {
        if (memop_preempt(a, i, start))
            break;
        if (copy_from_guest(a->curr, &gpfn, a->extent_list + i * sizeof(xen_pfn_t),
                            sizeof(gpfn))) {
            extent_fault(a, i);
            break;
        }
        if (a->populate_on_demand) {
            /* PoD is for translated guests; populating oneself is refused. */
            if (a->d == a->curr->domain) {
                extent_fail(a, i, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, INVALID_MFN,
                            XENMEMF_populate_on_demand);
                break;
            }
            continue;
        }
        mfn = alloc_extent(a);
        if (mfn == INVALID_MFN) {
            extent_fail(a, i, -XEN_ENOMEM, PVMM_RULE_NO_MEMORY, INVALID_MFN, a->extent_order);
            break;
        }
        for (uint64_t j = 0; j < (1UL << a->extent_order); j++)
            write_atomic64(&s->m2p[mfn + j], gpfn + j);
        if (copy_to_guest(a->curr, a->extent_list + i * sizeof(xen_pfn_t), &mfn, sizeof(mfn))) {
            extent_fault(a, i);
            break;
        }
    }
    a->nr_done = i;
}

/*
 * Xen's guest_remove_page for a PV domain: drop the allocation reference of
 * frame gmfn of d (if still set).  0, or -EINVAL (not a frame) / -ENXIO
 * (not d's), which stop decrease_reservation.
 */
static int guest_remove_page(struct memop_args *a, mfn_t gmfn)
{
    struct pvmm_state *s = vcpu_state(a->curr);
    struct page_info *pg;
    uint64_t x;

    if (!mfn_valid(s, gmfn))
        return REJECT(a->curr, EINVAL, BAD_MFN, .frame = gmfn, .entry = gmfn);
    pg = mfn_to_page(s, gmfn);
    if (!get_page(s, pg, a->d))
        return REJECT(a->curr, ENXIO, NOT_OWNER, .frame = gmfn, .entry = gmfn);
    /* Clear PGC_allocated; our own reference keeps the count above one. */
    x = read_atomic64(&pg->count_info);
    while ((x & PGC_allocated) && !cmpxchg64(&pg->count_info, &x, x & ~PGC_allocated))
        ;
    if (x & PGC_allocated)
        put_page(s, pg);   /* the allocation reference */
    put_page(s, pg);       /* ours: frees the frame if nothing else holds it */
    return 0;
}

static void decrease_reservation(struct memop_args *a)
{
    uint64_t i, start = a->nr_done;
    xen_pfn_t gmfn;

    if (!extent_list_ok(a) || !extent_order_ok(a))
        return;
    for (i = start; i < a->nr_extents; i++) {
        if (memop_preempt(a, i, start))
            break;
        if (copy_from_guest(a->curr, &gmfn, a->extent_list + i * sizeof(xen_pfn_t),
                            sizeof(gmfn))) {
            extent_fault(a, i);
            break;
        }
        for (uint64_t j = 0; j < (1UL << a->extent_order); j++)
            if (guest_remove_page(a, gmfn + j)) {
                reason_set_op_index(a->curr, (int)i);   /* the extent that stopped it */
                goto out;
            }
    }
 out:
    a->nr_done = i;
}

struct domain *memop_domain_by_any_id(struct vcpu *curr, domid_t domid)
{
    struct domain *d;

    if (domid == DOMID_SELF)
        return curr->domain;
    if (domid >= DOMID_FIRST_RESERVED)
        return NULL;
    d = pvmm_domain_lookup(vcpu_state(curr), domid);
    return d && d->exists ? d : NULL;
}

/* Number of address bits needed to address every frame (Xen: order(max_page) + PAGE_SHIFT). */
static unsigned int max_page_bits(const struct pvmm_state *s)
{
    unsigned int order = 0;

    while ((1UL << order) < s->nr_frames)
        order++;
    return order + PAGE_SHIFT;
}

bool propagate_node(struct vcpu *v, unsigned int mem_flags, bool *exact_node_elsewhere)
{
    unsigned int node = XENMEMF_get_node(mem_flags);

    *exact_node_elsewhere = false;
    if (node == NUMA_NO_NODE)
        return true;
    if (v->domain->is_privileged) {
        if (node >= MAX_NUMNODES)
            return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = mem_flags), false;
        *exact_node_elsewhere = (mem_flags & XENMEMF_exact_node_request) && node != 0;
    } else if (mem_flags & XENMEMF_exact_node_request) {
        return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = mem_flags), false;
    }
    return true;
}

/* increase_reservation, decrease_reservation, populate_physmap. */
static long memop_reservation(struct vcpu *v, unsigned int op, uint64_t start, uint64_t arg)
{
    struct pvmm_state *s = vcpu_state(v);
    struct xen_memory_reservation r;
    struct memop_args a = { .curr = v, .max_mfn = s->nr_frames };
    unsigned int address_bits;

    if (copy_from_guest(v, &r, arg, sizeof(r))) {
        REJECT(v, EFAULT, GUEST_FAULT, .entry = arg);
        return (long)start;
    }
    /* Too large to encode a continuation, or (no reason: all done) nothing left to do. */
    if (r.nr_extents > (~0U >> MEMOP_EXTENT_SHIFT) || start > r.nr_extents) {
        REJECT(v, EINVAL, BAD_ARGUMENT, .entry = r.nr_extents);
        return (long)start;
    }
    if (start == r.nr_extents)
        return (long)start;

    a.extent_list = r.extent_start;
    a.nr_extents = r.nr_extents;
    a.extent_order = r.extent_order;
    a.nr_done = start;

    address_bits = XENMEMF_get_address_bits(r.mem_flags);
    if (address_bits != 0 && address_bits < max_page_bits(s)) {
        if (address_bits <= PAGE_SHIFT) {
            REJECT(v, EINVAL, BAD_ARGUMENT, .entry = r.mem_flags);
            return (long)start;
        }
        a.max_mfn = 1UL << (address_bits - PAGE_SHIFT);
    }
    a.populate_on_demand = op == XENMEM_populate_physmap &&
                           (r.mem_flags & XENMEMF_populate_on_demand);

    /* The node says where to allocate: decrease_reservation allocates nothing, and Xen 4.17
     * does not look at it there (a node beyond MAX_NUMNODES is no -EINVAL; measured). */
    if (op != XENMEM_decrease_reservation &&
        !propagate_node(v, r.mem_flags, &a.exact_node_elsewhere))
        return -XEN_EINVAL;

    a.d = memop_domain_by_any_id(v, r.domid);
    if (!a.d) {
        REJECT(v, ESRCH, BAD_DOMID, .entry = r.domid);
        return (long)start;
    }
    if (!xsm_target_permitted(v->domain, a.d)) {
        REJECT(v, EPERM, FOREIGN_DENIED, .entry = r.domid);
        return (long)start;
    }

    if (op == XENMEM_increase_reservation)
        increase_reservation(&a);
    else if (op == XENMEM_decrease_reservation)
        decrease_reservation(&a);
    else
        populate_physmap(&a);

    if (a.preempted)
        return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 2,
                                             op | (a.nr_done << MEMOP_EXTENT_SHIFT), arg,
                                             0, 0, 0);
    return (long)a.nr_done;
}

/* current_reservation, maximum_reservation: arg points at a domid_t. */
static long memop_reservation_query(struct vcpu *v, unsigned int op, uint64_t arg)
{
    domid_t domid;
    struct domain *d;

    if (copy_from_guest(v, &domid, arg, sizeof(domid)))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = arg);
    d = memop_domain_by_any_id(v, domid);
    if (!d)
        return REJECT(v, ESRCH, BAD_DOMID, .entry = domid);
    if (!xsm_target_permitted(v->domain, d))
        return REJECT(v, EPERM, FOREIGN_DENIED, .entry = domid);
    return (long)(op == XENMEM_current_reservation
                  ? __atomic_load_n(&d->tot_pages, __ATOMIC_ACQUIRE) : d->max_pages);
}

/* XENMEM_machphys_mapping: where guests find the read-only M2P. */
static long memop_machphys_mapping(struct vcpu *v, uint64_t arg)
{
    struct xen_machphys_mapping m = {
        .v_start = MACH2PHYS_VIRT_START,
        .v_end = MACH2PHYS_VIRT_END,
        .max_mfn = MACH2PHYS_NR_ENTRIES - 1,
    };

    /* The hardware domain (no memory hot-plug here) is told the real limit. */
    if (v->domain->is_privileged)
        m.max_mfn = vcpu_state(v)->nr_frames - 1;
    if (copy_to_guest(v, arg, &m, sizeof(m)))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = arg);
    return 0;
}

/*
 * XENMEM_memory_map: the domain's pseudo-physical e820.  Nothing sets one
 * for a PV domain here (Xen's toolstack does with XENMEM_set_memory_map; its
 * dom0 builder does not), so after reading the argument this is -ENOSYS, as
 * Xen gives its PV dom0.
 */
static long memop_memory_map(struct vcpu *v, uint64_t arg)
{
    struct xen_memory_map map;

    if (copy_from_guest(v, &map, arg, sizeof(map)))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = arg);
    return REJECT(v, ENOSYS, BAD_COMMAND, .entry = XENMEM_memory_map);
}

long do_memory_op(struct vcpu *v, unsigned long cmd, uint64_t arg)
{
    unsigned int op = (unsigned int)(cmd & MEMOP_CMD_MASK);
    uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;

    reason_clear(v, __HYPERVISOR_memory_op);
    reason_set_sub_op(v, (int)op);
    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return memop_reservation(v, op, start, arg);
    case XENMEM_maximum_ram_page:
        if (start)
            return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = cmd);
        return (long)vcpu_state(v)->nr_frames;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        if (start)
            return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = cmd);
        return memop_reservation_query(v, op, arg);
    case XENMEM_exchange:
        if (start)
            return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = cmd);
        return memory_exchange(v, arg);
    default:
        /* The architecture's sub-ops match on the whole cmd, continuation bits included. */
        if (cmd == XENMEM_machphys_mapping)
            return memop_machphys_mapping(v, arg);
        if (cmd == XENMEM_memory_map)
            return memop_memory_map(v, arg);
        if (cmd == XENMEM_machphys_compat_mfn_list)   /* no 32-bit M2P: no PV32 guests */
            return REJECT(v, EOPNOTSUPP, BAD_COMMAND, .entry = cmd);
        return REJECT(v, ENOSYS, BAD_COMMAND, .entry = cmd);
    }
}
