/*
 * core/mmuext.h - shared between the mmuext_op dispatcher (mmuext-op.c) and
 * its TLB/cache flush sub-ops (mmuext-flush.c).
 */
#ifndef PVMM_CORE_MMUEXT_H
#define PVMM_CORE_MMUEXT_H

#include "mm.h"

/* What every mmuext_op sub-op works with. */
struct mmuext_ctx {
    struct vcpu *curr;
    struct domain *d;          /* the caller's domain */
    struct domain *pg_owner;   /* FD (foreigndom) */
};

/*
 * Flush sub-ops (mmuext-flush.c).  Each returns 0 or a negative errno with a
 * reason recorded: -EPERM when FD is not the caller, -EINVAL for an
 * unreadable vCPU bitmap, -EACCES / -EINVAL for a cache flush without I/O
 * rights.
 */
int mmuext_tlb_flush_local(struct mmuext_ctx *c, const struct mmuext_op *op);
int mmuext_invlpg_local(struct mmuext_ctx *c, const struct mmuext_op *op);
int mmuext_flush_multi(struct mmuext_ctx *c, const struct mmuext_op *op);
int mmuext_tlb_flush_all(struct mmuext_ctx *c, const struct mmuext_op *op);
int mmuext_invlpg_all(struct mmuext_ctx *c, const struct mmuext_op *op);
int mmuext_flush_cache(struct mmuext_ctx *c, const struct mmuext_op *op);
int mmuext_flush_cache_global(struct mmuext_ctx *c, const struct mmuext_op *op);

/* -EPERM with a reason unless FD is the caller's own domain. */
int mmuext_require_self(struct mmuext_ctx *c, const struct mmuext_op *op);

#endif /* PVMM_CORE_MMUEXT_H */
