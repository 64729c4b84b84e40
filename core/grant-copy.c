/*
 * core/grant-copy.c - GNTTABOP_copy and GNTTABOP_swap_grant_ref as Xen 4.17
 * does them.
 *
 * copy: each side is a grant reference of a domain (GNTCOPY_*_gref) or a
 * frame of the caller itself (DOMID_SELF only).  A grant side is pinned for
 * the copy (host read-only for the source, host writable for the
 * destination) with the entry checked as for a map, except that a v2
 * sub-page grant may be copied within its window; a frame side is the
 * caller's own.  Each side holds a general reference, the destination also
 * a writable type reference, while the bytes move; then everything taken is
 * given back, so a copy leaves only the destination's bytes changed.  A v2
 * transitive grant is followed one level (grant-transitive.c).  Returns a
 * GNTST code, or -XEN_ERESTART to run the element again (a transitive entry
 * changed while it was followed, as Xen's ERESTART).
 */
#include "grant-table.h"

/* One side of a copy while it is claimed. */
struct copy_buf {
    struct domain *d;        /* the domain whose frame it is */
    bool gref;               /* pinned through a grant reference */
    grant_ref_t ref;
    bool writable;
    struct page_info *pg;    /* general ref (+ writable type ref) held */
    unsigned int off, len;   /* the window that may be copied */
};

/*
 * The domain of one side: DOMID_SELF or (grant sides only) a domain by id.  The id is
 * looked up first: a frame side naming a missing domain is bad_domain, one naming an
 * existing domain other than by DOMID_SELF permission_denied (measured on Xen 4.17).
 */
static int copy_domain(struct vcpu *curr, const struct gnttab_copy_ptr *p, bool gref,
                       struct domain **d)
{
    *d = p->domid == DOMID_SELF ? curr->domain : pvmm_domain_lookup(vcpu_state(curr), p->domid);
    if (!*d)
        return REJECT_RC(curr, GNTST_bad_domain, PVMM_RULE_BAD_DOMID, .entry = p->domid);
    if (!gref && p->domid != DOMID_SELF)
        return REJECT_RC(curr, GNTST_permission_denied, PVMM_RULE_NOT_SELF, .entry = p->domid);
    return GNTST_okay;
}

/* Give back everything b holds. */
static void release_buf(struct vcpu *curr, struct copy_buf *b)
{
    if (b->pg) {
        if (b->writable)
            put_page_type(curr, b->pg);
        put_page(vcpu_state(curr), b->pg);
        b->pg = NULL;
    }
    if (b->gref) {
        gnttab_unpin(b->d, b->ref, b->writable ? GNTPIN_hstw_inc : GNTPIN_hstr_inc);
        b->gref = false;
    }
}

/*
 * Claim one side: pin the grant or find the caller's frame, then take its references (the
 * frame must be its owner's: the granter's, or for a transitive grant the domain at its
 * end).  -XEN_ERESTART: a transitive grant changed under the pin, the copy is retried.
 */
static int claim_buf(struct vcpu *curr, const struct gnttab_copy_ptr *p, bool gref,
                     struct copy_buf *b)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *owner = b->d;
    mfn_t mfn = INVALID_MFN;
    int rc;

    if (gref) {
        struct gnttab_pinned pin;

        b->ref = p->u.ref;
        rc = gnttab_pin(curr, b->d, b->ref, curr->domain->domain_id,
                        b->writable ? GNTPIN_hstw_inc : GNTPIN_hstr_inc, GNTTAB_USE_COPY, &pin);
        if (rc != GNTST_okay)
            return rc;
        b->gref = true;
        mfn = pin.mfn;
        owner = pin.owner;
        b->off = pin.off;
        b->len = pin.len;
    } else {
        mfn = p->u.gmfn;
        b->off = 0;
        b->len = PAGE_SIZE;
    }
    /* Not its owner's page, through a grant or not: bad_page (Xen 4.17, measured with a
     * grant of an I/O frame). */
    if (!mfn_valid(s, mfn) || !get_page(s, mfn_to_page(s, mfn), owner))
        return REJECT_RC(curr, GNTST_bad_page, PVMM_RULE_NOT_OWNER, .frame = mfn);
    b->pg = mfn_to_page(s, mfn);
    if (b->writable && !get_page_type(curr, b->pg, PGT_writable_page)) {
        put_page(s, b->pg);
        b->pg = NULL;
        return REJECT_RC(curr, GNTST_general_error, PVMM_RULE_TYPE_CONFLICT, .frame = mfn,
                         .want_type = PGT_writable_page);
    }
    return GNTST_okay;
}

int gnttab_copy_one(struct vcpu *curr, const struct gnttab_copy *op)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct copy_buf src = { .writable = false }, dst = { .writable = true };
    bool sgref = op->flags & GNTCOPY_source_gref, dgref = op->flags & GNTCOPY_dest_gref;
    char *sva, *dva;
    int rc;

    rc = copy_domain(curr, &op->source, sgref, &src.d);
    if (rc == GNTST_okay)
        rc = copy_domain(curr, &op->dest, dgref, &dst.d);
    if (rc == GNTST_okay)
        rc = claim_buf(curr, &op->source, sgref, &src);
    if (rc == GNTST_okay)
        rc = claim_buf(curr, &op->dest, dgref, &dst);
    if (rc == GNTST_okay && ((unsigned int)op->source.offset + op->len > PAGE_SIZE ||
                             (unsigned int)op->dest.offset + op->len > PAGE_SIZE))
        rc = REJECT_RC(curr, GNTST_bad_copy_arg, PVMM_RULE_GRANT_BAD_COPY,
                       .entry = op->len);
    if (rc == GNTST_okay &&
        (op->source.offset < src.off || op->source.offset + op->len > src.off + src.len ||
         op->dest.offset < dst.off || op->dest.offset + op->len > dst.off + dst.len))
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_BAD_COPY,
                       .entry = op->len);
    if (rc == GNTST_okay) {
        sva = map_domain_page(s, page_to_mfn(s, src.pg));
        dva = map_domain_page(s, page_to_mfn(s, dst.pg));
        memmove(dva + op->dest.offset, sva + op->source.offset, op->len);
        unmap_domain_page(s, dva);
        unmap_domain_page(s, sva);
    }
    release_buf(curr, &dst);
    release_buf(curr, &src);
    return rc;
}

int gnttab_swap_one(struct vcpu *curr, grant_ref_t a, grant_ref_t b)
{
    struct domain *d = curr->domain;
    struct grant_table *gt = &d->grant_table;
    struct active_grant_entry *aa, *ab;
    int rc = GNTST_okay;

    spin_lock(&gt->lock);
    if (a >= nr_grant_entries(gt) || b >= nr_grant_entries(gt)) {
        rc = REJECT_RC(curr, GNTST_bad_gntref, PVMM_RULE_GRANT_BAD_REF,
                       .index = (int)(a >= nr_grant_entries(gt) ? a : b),
                       .entry = nr_grant_entries(gt));
    } else if (a != b) {
        aa = gnttab_active(d, a);
        ab = gnttab_active(d, b);
        if ((aa && aa->pin) || (ab && ab->pin)) {
            rc = REJECT_RC(curr, GNTST_eagain, PVMM_RULE_GRANT_IN_USE,
                           .index = (int)(aa && aa->pin ? a : b));
        } else {
            uint64_t fa, fb;
            struct grant_entry_header *ha = gnttab_shared_header(d, a, &fa);
            struct grant_entry_header *hb = gnttab_shared_header(d, b, &fb);
            size_t size = gt->gt_version == 1 ? sizeof(struct grant_entry_v1)
                                              : sizeof(union grant_entry_v2);
            union grant_entry_v2 tmp;

            if (ha && hb) {
                memcpy(&tmp, ha, size);
                memcpy(ha, hb, size);
                memcpy(hb, &tmp, size);
                if (gt->gt_version == 2) {
                    uint16_t *sa = gnttab_status_word(d, a), *sb = gnttab_status_word(d, b);
                    uint16_t t = *sa;

                    *sa = *sb;
                    *sb = t;
                }
            }
        }
    }
    spin_unlock(&gt->lock);
    return rc;
}
