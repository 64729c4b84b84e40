/*
 * core/grant-transfer.c - GNTTABOP_transfer as Xen 4.17 does it for PV domains: a domain
 * gives one of its frames to another domain (or to itself), into a grant entry in which
 * the receiver said it accepts one.
 *
 * Per element (struct gnttab_transfer: mfn, domid, ref; status out), in Xen's order:
 *   1. the frame must be valid machine memory and stealable (steal-page.c: the sender's
 *      own, referenced by nothing but its allocation, so never mapped, typed or pinned) -
 *      else GNTST_bad_page, nothing changed.  The frame is now held by the hypervisor and
 *      the sender's tot_pages is one less; the sender's TLBs are flushed, so no stale
 *      translation of the frame survives its change of owner;
 *   2. the receiver is named by id (DOMID_SELF is no domain) - else GNTST_bad_domain;
 *   3. the receiver must not be dying and must have room (tot_pages < max_pages) - else
 *      GNTST_general_error;
 *   4. its entry ref must be inside its table, with flags exactly GTF_accept_transfer and
 *      domid the sender; GTF_transfer_committed is set with a compare-and-swap of the
 *      flags and domid word (Xen's gnttab_prepare_for_transfer; an entry that keeps
 *      changing is refused after 5 tries) - else GNTST_general_error;
 *   5. the frame becomes the receiver's (tot_pages one more), its M2P entry the gpfn the
 *      receiver wrote in the entry's frame field (v1 frame, v2 full_page.frame), that field
 *      the frame's mfn, and GTF_transfer_completed is set.
 * A refusal in steps 2-4 frees the stolen frame, as Xen does: the sender has lost it (its
 * M2P entry is invalid, its tot_pages one less), measured on Xen 4.17.  Xen would first copy
 * a frame above 2^32 into a fresh low one for a v1 receiver (its frame field is 32 bits;
 * XSA-284); no machine pvmm runs on has such frames, so that path does not exist here.
 */
#include "grant-table.h"

/*
 * Xen's gnttab_prepare_for_transfer: mark ref of e committed to a frame from sender.
 * GNTST_okay, or general_error with a reason (nothing changed).
 */
static int prepare_for_transfer(struct vcpu *curr, struct domain *e, grant_ref_t ref)
{
    struct grant_table *gt = &e->grant_table;
    domid_t sender = curr->domain->domain_id;
    struct grant_entry_header *h;
    uint32_t *word, w;
    uint64_t frame;
    int rc = GNTST_okay;

    spin_lock(&gt->lock);
    if (ref >= nr_grant_entries(gt)) {
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_BAD_REF, .index = (int)ref,
                       .entry = nr_grant_entries(gt));
        goto out;
    }
    h = gnttab_shared_header(e, ref, &frame);
    if (!h) {
        /* The frame was never asked for (setup_table): its entries read as invalid. */
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING,
                       .index = (int)ref, .entry = 0);
        goto out;
    }
    /* flags (bits 0-15) and domid (bits 16-31) as one word, as the guest writes them. */
    word = (uint32_t *)h;
    w = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    for (unsigned int tries = 0; ; tries++) {
        if (tries == 5 || (uint16_t)w != GTF_accept_transfer || (w >> 16) != sender) {
            rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_NOT_ACCEPTING,
                           .index = (int)ref, .entry = w);
            break;
        }
        if (__atomic_compare_exchange_n(word, &w, w | GTF_transfer_committed, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            break;
    }
out:
    spin_unlock(&gt->lock);
    return rc;
}

/* Step 5: the held frame mfn becomes e's, and ref of e says so. */
static void complete_transfer(struct pvmm_state *s, struct domain *e, grant_ref_t ref,
                              mfn_t mfn)
{
    struct grant_table *gt = &e->grant_table;
    struct grant_entry_header *h;
    uint64_t gpfn;

    spin_lock(&gt->lock);
    give_held_page(s, mfn, e);
    h = gnttab_shared_header(e, ref, &gpfn);
    write_atomic64(&s->m2p[mfn], gpfn);
    if (gt->gt_version == 1)
        __atomic_store_n(&((struct grant_entry_v1 *)h)->frame, (uint32_t)mfn,
                         __ATOMIC_RELAXED);
    else
        __atomic_store_n(&((union grant_entry_v2 *)h)->full_page.frame, mfn,
                         __ATOMIC_RELAXED);
    __atomic_fetch_or(&h->flags, (uint16_t)GTF_transfer_completed, __ATOMIC_SEQ_CST);
    spin_unlock(&gt->lock);
}

int gnttab_transfer_one(struct vcpu *curr, const struct gnttab_transfer *op)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = curr->domain, *e;
    mfn_t mfn = op->mfn;
    int rc;

    if (steal_page(curr, d, mfn, false)) {
        /* steal_page recorded why (with its -EINVAL) unless an earlier element failed. */
        if (curr->reason.op_index < 0)
            curr->reason.rc = GNTST_bad_page;
        return GNTST_bad_page;
    }
    flush_tlb_mask(d, domain_vcpu_mask(d), PVMM_FLUSH_ALL_VA);

    e = pvmm_domain_lookup(s, op->domid);
    if (!e) {
        rc = REJECT_RC(curr, GNTST_bad_domain, PVMM_RULE_BAD_DOMID, .frame = mfn,
                       .entry = op->domid);
    } else if (__atomic_load_n(&e->is_dying, __ATOMIC_ACQUIRE)) {
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_DOMAIN_DYING, .frame = mfn,
                       .entry = op->domid);
    } else if (!tot_pages_reserve(e, 1)) {
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_NO_MEMORY, .frame = mfn,
                       .entry = e->max_pages);
    } else {
        rc = prepare_for_transfer(curr, e, op->ref);
        if (rc == GNTST_okay) {
            complete_transfer(s, e, op->ref, mfn);
            return GNTST_okay;
        }
        tot_pages_add(e, -1);
    }
    free_held_page(s, mfn);
    return rc;
}
