/*
 * core/mmuext-op.c - the mmuext_op hypercall (Xen's do_mmuext_op).
 *
 * mmuext_op(ops, count, pdone, foreigndom) runs a batch of extended MMU
 * operations (struct mmuext_op, 24 bytes each).  do_mmuext_op is a thin
 * dispatcher: it reads one op at a time, calls the one small function that
 * implements that sub-op, and stops at the first failure, whose error it
 * returns.  Ops 0..i-1 of a batch failing at op i have taken effect and
 * *pdone receives i (overwritten by a fresh call, accumulated across
 * continuations, exactly like mmu_update).
 *
 * FD (foreigndom, 16 bits) names the domain whose frames are pinned,
 * unpinned, cleared or copied; the caller's own numeric id or an unknown id
 * gives -ESRCH and a domain the caller has no privilege over -EPERM, both
 * before any op runs and with *pdone left untouched (model.md §10).
 * Everything else (base pointers, flushes, LDT) requires FD to be the caller
 * (-EPERM).  Unknown commands give -ENOSYS, the removed superpage marks
 * -EOPNOTSUPP (XSA-167).
 *
 * Preemption: between ops, when a sub-op returns -ERESTART (partial
 * validation or devalidation recorded in the page), or when a sub-op left a
 * deferred put in old_guest_table, the call continues later with the handle
 * advanced and count | MMU_UPDATE_PREEMPTED: the batch driver's protocol
 * (core/batch.c), the same as mmu_update's.
 */
#include "mmuext.h"
#include "batch.h"

/* MMUEXT_PIN_L1_TABLE .. MMUEXT_PIN_L4_TABLE: pin_table() does the work. */
static int mmuext_pin(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    unsigned long type = PGT_level_type(op->cmd - MMUEXT_PIN_L1_TABLE + 1);
    int rc = pin_table(c->curr, c->pg_owner, op->arg1.mfn, type, true);

    return rc == -XEN_EINTR ? -XEN_ERESTART : rc;
}

/*
 * MMUEXT_UNPIN_TABLE: unpin_table() counts the unpin as done even when the
 * put of its references is interrupted; that rest is left in old_guest_table
 * and finished by a continuation.
 */
static int mmuext_unpin(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = unpin_table(c->curr, c->pg_owner, op->arg1.mfn, true);

    return rc == -XEN_EINTR ? -XEN_ERESTART : rc;
}

/* MMUEXT_NEW_BASEPTR: install the kernel L4 (new_guest_cr3). */
static int mmuext_new_baseptr(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc == 0)
        rc = new_guest_cr3(c->curr, op->arg1.mfn, true);
    return rc == -XEN_EINTR ? -XEN_ERESTART : rc;
}

/* MMUEXT_NEW_USER_BASEPTR: install the user L4, mfn 0 = none. */
static int mmuext_new_user_baseptr(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    int rc = mmuext_require_self(c, op);

    if (rc == 0)
        rc = new_guest_user_cr3(c->curr, op->arg1.mfn, true);
    return rc == -XEN_EINTR ? -XEN_ERESTART : rc;
}

/* MMUEXT_SET_LDT: the base is ignored when there are no entries. */
static int mmuext_set_ldt(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    unsigned int ents = op->arg2.nr_ents;
    int rc = mmuext_require_self(c, op);

    if (rc == 0)
        rc = pv_set_ldt(c->curr, ents ? op->arg1.linear_addr : 0, ents);
    return rc;
}

/*
 * A general reference on RAM frame mfn of FD, or NULL with -EINVAL recorded
 * (dom_io's frames are MMIO, not RAM, in Xen's p2m view).
 */
static struct page_info *get_ram_page(struct mmuext_ctx *c, mfn_t mfn)
{
    struct pvmm_state *s = vcpu_state(c->curr);

    if (c->pg_owner == &s->dom_io) {
        REJECT(c->curr, EINVAL, BAD_MFN, .frame = mfn, .entry = mfn);
        return NULL;
    }
    return get_page_from_gfn_pv(c->curr, c->pg_owner, mfn);
}

/* A writable type reference on pg, or -EINVAL (reason recorded) dropping pg's general ref. */
static int get_writable_or_put(struct mmuext_ctx *c, struct page_info *pg)
{
    struct pvmm_state *s = vcpu_state(c->curr);
    mfn_t mfn = page_to_mfn(s, pg);

    if (get_page_type(c->curr, pg, PGT_writable_page))
        return 0;
    put_page(s, pg);
    return REJECT(c->curr, EINVAL, TYPE_CONFLICT, .frame = mfn, .entry = mfn,
                  .want_type = PGT_writable_page);
}

/* MMUEXT_CLEAR_PAGE: zero a frame of FD that may be written. */
static int mmuext_clear_page(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    struct pvmm_state *s = vcpu_state(c->curr);
    struct page_info *pg = get_ram_page(c, op->arg1.mfn);
    void *p;

    if (!pg)
        return -XEN_EINVAL;
    if (get_writable_or_put(c, pg))
        return -XEN_EINVAL;
    p = map_domain_page(s, op->arg1.mfn);
    clear_frame(p);   /* atomic stores: see clear_frame in mm.h */
    unmap_domain_page(s, p);
    put_page_and_type(c->curr, pg);
    return 0;
}

/* MMUEXT_COPY_PAGE: copy src (any frame of FD) over dst (a frame of FD that may be written). */
static int mmuext_copy_page(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    struct pvmm_state *s = vcpu_state(c->curr);
    struct page_info *src = get_ram_page(c, op->arg2.src_mfn);
    struct page_info *dst;
    const void *from;
    void *to;

    if (!src)
        return -XEN_EINVAL;
    dst = get_ram_page(c, op->arg1.mfn);
    if (!dst || get_writable_or_put(c, dst)) {
        put_page(s, src);
        return -XEN_EINVAL;
    }
    to = map_domain_page(s, op->arg1.mfn);
    from = map_domain_page(s, op->arg2.src_mfn);
    /* The source may be a live table another vCPU updates: atomic words. */
    copy_frame(to, from);
    unmap_domain_page(s, (void *)from);
    unmap_domain_page(s, to);
    put_page_and_type(c->curr, dst);
    put_page(s, src);
    return 0;
}

/* MMUEXT_MARK_SUPER / MMUEXT_UNMARK_SUPER: removed with PV superpages (XSA-167). */
static int mmuext_superpage(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    return REJECT(c->curr, EOPNOTSUPP, REMOVED_FEATURE, .entry = op->cmd);
}

/* Anything else, including the unused number 14. */
static int mmuext_unknown(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    return REJECT(c->curr, ENOSYS, BAD_COMMAND, .entry = op->cmd);
}

/* The dispatcher proper: one named function per sub-op. */
static int mmuext_dispatch(struct mmuext_ctx *c, const struct mmuext_op *op)
{
    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:       return mmuext_pin(c, op);
    case MMUEXT_UNPIN_TABLE:        return mmuext_unpin(c, op);
    case MMUEXT_NEW_BASEPTR:        return mmuext_new_baseptr(c, op);
    case MMUEXT_NEW_USER_BASEPTR:   return mmuext_new_user_baseptr(c, op);
    case MMUEXT_TLB_FLUSH_LOCAL:    return mmuext_tlb_flush_local(c, op);
    case MMUEXT_INVLPG_LOCAL:       return mmuext_invlpg_local(c, op);
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:       return mmuext_flush_multi(c, op);
    case MMUEXT_TLB_FLUSH_ALL:      return mmuext_tlb_flush_all(c, op);
    case MMUEXT_INVLPG_ALL:         return mmuext_invlpg_all(c, op);
    case MMUEXT_FLUSH_CACHE:        return mmuext_flush_cache(c, op);
    case MMUEXT_FLUSH_CACHE_GLOBAL: return mmuext_flush_cache_global(c, op);
    case MMUEXT_SET_LDT:            return mmuext_set_ldt(c, op);
    case MMUEXT_CLEAR_PAGE:         return mmuext_clear_page(c, op);
    case MMUEXT_COPY_PAGE:          return mmuext_copy_page(c, op);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:       return mmuext_superpage(c, op);
    default:                        return mmuext_unknown(c, op);
    }
}

/* One op (a batch element). */
static int mmuext_one_op(struct batch *b, void *elem, uint64_t at)
{
    const struct mmuext_op *op = elem;
    int rc = mmuext_dispatch(b->ctx, op);

    (void)at;
    if (rc)
        reason_set_sub_op(b->v, (int)op->cmd);
    return rc;
}

long do_mmuext_op(struct vcpu *v, uint64_t uops, unsigned int count,
                  uint64_t pdone, unsigned int foreigndom)
{
    struct mmuext_ctx c = { .curr = v, .d = v->domain };
    struct mm_batch m;
    long rc;

    if (!mm_batch_begin(&m, v, __HYPERVISOR_mmuext_op, uops, count, pdone, foreigndom, &rc))
        return rc;

    c.pg_owner = get_pg_owner(v, (domid_t)foreigndom);
    if (!c.pg_owner)
        return -XEN_ESRCH;
    /* Xen's xsm_mmuext_op(XSM_TARGET). */
    if (!xsm_target_permitted(c.d, c.pg_owner))
        return REJECT(v, EPERM, FOREIGN_DENIED, .entry = (domid_t)foreigndom);

    rc = mm_batch_run(&m, sizeof(struct mmuext_op), mmuext_one_op, &c);
    return mm_batch_end(&m, rc);
}
