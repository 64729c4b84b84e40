/*
 * core/mmuext-flush.c - TLB and cache flushing: the platform flush helpers
 * (flush_tlb_mask itself is inline in fast-paths.h) and the flush sub-ops
 * of mmuext_op.
 *
 * The core tracks TLB state per vCPU, not per physical CPU: a flush names
 * the vCPUs whose TLBs must lose stale entries (bit i = d->vcpu[i]) and the
 * platform maps that onto physical CPUs.  Xen's "dirty CPU mask" of a
 * domain corresponds to the mask of its online vCPUs.
 *
 * Sub-op rules (model.md §4.4): every flush requires FD to be the caller
 * (-EPERM); a vCPU bitmap that cannot be read gives -EINVAL; INVLPG_LOCAL
 * silently ignores a non-canonical address, INVLPG_MULTI/ALL one outside the
 * guest range (__addr_ok); cache flushes need I/O rights, which in this
 * model is exactly the privileged (hardware/control) domain.
 */
#include "mmuext.h"

uint64_t domain_vcpu_mask(const struct domain *d)
{
    uint64_t mask = 0;

    for (unsigned int i = 0; i < d->max_vcpus && i < PVMM_MAX_VCPUS; i++)
        if (d->vcpu[i].online)
            mask |= 1UL << i;
    return mask;
}

/* flush_tlb_mask and flush_tlb_local (the platform's flush) are inline: fast-paths.h. */

int vcpumask_from_guest(struct vcpu *curr, uint64_t bmap, uint64_t *mask)
{
    uint64_t word;

    *mask = 0;
    if (copy_from_guest(curr, &word, bmap, sizeof(word)))
        return -XEN_EFAULT;
    *mask = word & domain_vcpu_mask(curr->domain);
    return 0;
}

int mmuext_require_self(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    if (c->pg_owner == c->d)
        return 0;
    return REJECT(c->curr, EPERM, NOT_SELF, .entry = op->cmd);
}

/* MMUEXT_TLB_FLUSH_LOCAL: full flush (global entries included) of this vCPU. */
int mmuext_tlb_flush_local(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc == 0)
        flush_tlb_local(c->curr, PVMM_FLUSH_ALL_VA);
    return rc;
}

/* MMUEXT_INVLPG_LOCAL: one address on this vCPU; non-canonical is ignored. */
int mmuext_invlpg_local(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc == 0 && is_canonical(op->arg1.linear_addr))
        flush_tlb_local(c->curr, op->arg1.linear_addr);
    return rc;
}

/* MMUEXT_TLB_FLUSH_MULTI and MMUEXT_INVLPG_MULTI: the vCPUs in a guest bitmap. */
int mmuext_flush_multi(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    uint64_t mask;
    int rc = mmuext_require_self(c, op);

    if (rc)
        return rc;
    /* Xen turns a failed bitmap read into -EINVAL for these two. */
    if (vcpumask_from_guest(c->curr, op->arg2.vcpumask, &mask))
        return REJECT(c->curr, EINVAL, GUEST_FAULT, .entry = op->arg2.vcpumask);
    if (op->cmd == MMUEXT_TLB_FLUSH_MULTI)
        flush_tlb_mask(c->d, mask, PVMM_FLUSH_ALL_VA);
    else if (addr_ok(op->arg1.linear_addr))
        flush_tlb_mask(c->d, mask, op->arg1.linear_addr);
    return 0;
}

/* MMUEXT_TLB_FLUSH_ALL: every vCPU of the domain. */
int mmuext_tlb_flush_all(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc == 0)
        flush_tlb_mask(c->d, domain_vcpu_mask(c->d), PVMM_FLUSH_ALL_VA);
    return rc;
}

/* MMUEXT_INVLPG_ALL: one guest address on every vCPU of the domain. */
int mmuext_invlpg_all(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc == 0 && addr_ok(op->arg1.linear_addr))
        flush_tlb_mask(c->d, domain_vcpu_mask(c->d), op->arg1.linear_addr);
    return rc;
}

/*
 * Xen's cache_flush_permitted: the domain has I/O memory or port rights (in
 * pvmm a privileged domain stands for port rights).
 */
static bool cache_flush_permitted(const struct domain *d)
{
    return d->is_privileged || !rangeset_is_empty(&d->iomem_caps);
}

/*
 * MMUEXT_FLUSH_CACHE: WBINVD on this CPU for a domain with I/O rights
 * (-EACCES otherwise).  The core has no cache to flush: a permitted flush is
 * a no-op here (pvmm-hv's platform runs on coherent memory).
 */
int mmuext_flush_cache(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc)
        return rc;
    if (!cache_flush_permitted(c->d))
        return REJECT(c->curr, EACCES, IOMEM_DENIED, .entry = op->cmd);
    return 0;
}

/*
 * MMUEXT_FLUSH_CACHE_GLOBAL: the same on every CPU.  Xen's do_mmuext_op
 * refuses this one with -EINVAL (not -EACCES) when the domain lacks I/O
 * rights.
 */
int mmuext_flush_cache_global(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc)
        return rc;
    if (!cache_flush_permitted(c->d))
        return REJECT(c->curr, EINVAL, IOMEM_DENIED, .entry = op->cmd);
    return 0;
}
