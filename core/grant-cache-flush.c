/*
 * core/grant-cache-flush.c - GNTTABOP_cache_flush as Xen 4.17 does it on x86.
 *
 * Each element names a frame by machine address (a.dev_bus_addr, the low 12 bits ignored),
 * a window [offset, offset + length) of it and what to do: GNTTAB_CACHE_CLEAN (write back),
 * GNTTAB_CACHE_INVAL (invalidate) or both.  The frame must be the caller's own, or pinned
 * for the caller through an active grant of its owner (a mapping).  There is no per-element
 * status: the first refused element ends the hypercall with its errno, the elements before
 * it done.  Xen's checks, in its order (measured with a probe guest on Xen 4.17):
 *   - the window leaves the page (offset >= 4096, length > 4096, offset + length > 4096) or
 *     op has a bit other than CLEAN and INVAL (GNTTAB_CACHE_SOURCE_GREF too: x86 Xen never
 *     implemented it) - -EINVAL;
 *   - length 0 or op 0: nothing to do - 0, but -EILSEQ inside a continued scan;
 *   - the frame is not machine memory - -EINVAL; free, or owned by dom_xen or dom_io (no
 *     grant table) - -EPERM; another domain's frame that no active entry of its owner pins
 *     for the caller - -EINVAL;
 *   - INVAL alone - -EOPNOTSUPP (x86 cannot invalidate without writing back); CLEAN, or
 *     CLEAN|INVAL - 0.
 * RAM is coherent and the core has no cache of its own: a permitted flush changes nothing
 * (grant cache attributes play no part).
 *
 * The search for the active entry scans at most 4096 references at a time; between such
 * steps the hypercall may be preempted, and its continuation carries the next reference in
 * cmd's bits 12 and up (the only grant operation that may), with the element done so far
 * left to run again.  Preemption between elements continues with the rest.
 */
#include "grant-table.h"
#include "batch.h"

#define SCAN_STEP (1U << GNTTABOP_CONTINUATION_ARG_SHIFT)

/* The batch's state: where the scan of the current element's owner resumes. */
struct flush_ctx {
    grant_ref_t cur_ref;
};

/*
 * Xen's grant_map_exists, under rd's table lock: an active entry of rd pinned for ld with
 * frame mfn among references [*cur_ref, *cur_ref + 4096).  1 if found, 0 if not found
 * there but more references remain (*cur_ref advanced), -EINVAL if none is.
 */
static int grant_map_exists(struct vcpu *curr, struct domain *rd, mfn_t mfn,
                            grant_ref_t *cur_ref)
{
    unsigned int nr = nr_grant_entries(&rd->grant_table);
    unsigned int end = *cur_ref + SCAN_STEP < nr ? *cur_ref + SCAN_STEP : nr;
    grant_ref_t ref;

    for (ref = *cur_ref; ref < end; ref++) {
        const struct active_grant_entry *act = gnttab_active(rd, ref);

        if (act && act->pin && act->domid == curr->domain->domain_id && act->mfn == mfn)
            return 1;
    }
    if (ref < nr) {
        *cur_ref = ref;
        return 0;
    }
    return REJECT(curr, EINVAL, GRANT_NOT_GRANTED, .frame = mfn, .entry = rd->domain_id);
}

/* Whether curr may flush mfn, owned by owner (which curr holds a reference of): 0 or errno. */
static int flush_permitted(struct vcpu *curr, struct domain *owner, mfn_t mfn,
                           grant_ref_t *cur_ref)
{
    struct grant_table *gt = &owner->grant_table;
    int found;

    if (owner == curr->domain)
        return 0;
    for (;;) {
        spin_lock(&gt->lock);
        found = grant_map_exists(curr, owner, mfn, cur_ref);
        spin_unlock(&gt->lock);
        if (found)
            return found < 0 ? found : 0;
        if (hypercall_preempt_check(curr))
            return -XEN_ERESTART;
    }
}

/* One element (Xen's cache_flush): 0, -XEN_ERESTART (scan continued later) or an errno. */
static int cache_flush_one(struct vcpu *curr, const struct gnttab_cache_flush *c,
                           grant_ref_t *cur_ref)
{
    struct pvmm_state *s = vcpu_state(curr);
    mfn_t mfn = c->a.dev_bus_addr >> PAGE_SHIFT;
    struct domain *owner;
    struct page_info *pg;
    int rc;

    if (c->offset >= PAGE_SIZE || c->length > PAGE_SIZE ||
        (unsigned int)c->offset + c->length > PAGE_SIZE ||
        (c->op & ~(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)))
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .entry = c->op,
                      .index = (int)c->offset + c->length);
    if (!c->length || !c->op)
        return *cur_ref ? REJECT(curr, EILSEQ, BAD_ARGUMENT, .entry = *cur_ref) : 0;
    if (!mfn_valid(s, mfn))
        return REJECT(curr, EINVAL, BAD_MFN, .frame = mfn, .entry = c->a.dev_bus_addr);
    pg = mfn_to_page(s, mfn);
    owner = page_get_owner_and_reference(s, pg);
    if (!owner)
        return REJECT(curr, EPERM, FREE_FRAME, .frame = mfn);
    if (owner == &s->dom_xen || owner == &s->dom_io) {
        rc = REJECT(curr, EPERM, NOT_OWNER, .frame = mfn);
    } else {
        rc = flush_permitted(curr, owner, mfn, cur_ref);
        /* x86 cannot invalidate without writing back; a clean is a no-op on coherent RAM. */
        if (!rc && !(c->op & GNTTAB_CACHE_CLEAN))
            rc = REJECT(curr, EOPNOTSUPP, UNSUPPORTED, .frame = mfn, .entry = c->op);
    }
    put_page(s, pg);
    return rc;
}

static int flush_elem(struct batch *b, void *elem, uint64_t at)
{
    struct flush_ctx *ctx = b->ctx;
    int rc = cache_flush_one(b->v, elem, &ctx->cur_ref);

    if (rc && rc != -XEN_ERESTART)
        reason_set_op_index(b->v, (int)((at - b->handle) / b->size));
    else if (!rc)
        ctx->cur_ref = 0;
    return rc;
}

long gnttab_cache_flush(struct vcpu *v, uint64_t uop, unsigned int count, grant_ref_t cur_ref)
{
    struct flush_ctx ctx = { .cur_ref = cur_ref };
    struct batch b = {
        .v = v, .op = __HYPERVISOR_grant_table_op, .handle = uop, .count = count,
        .size = sizeof(struct gnttab_cache_flush), .ctx = &ctx,
    };
    int rc;

    if (!addr_ok(uop))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = uop);
    rc = batch_run(&b, flush_elem, false);
    if (rc == -XEN_ERESTART)
        return hypercall_create_continuation(
            v, __HYPERVISOR_grant_table_op, 3,
            GNTTABOP_cache_flush | ((uint64_t)ctx.cur_ref << GNTTABOP_CONTINUATION_ARG_SHIFT),
            b.handle, b.count, 0, 0);
    return rc;
}
