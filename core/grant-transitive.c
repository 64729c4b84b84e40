/*
 * core/grant-transitive.c - copies through v2 transitive grants, as Xen 4.17's
 * acquire_grant_for_copy follows them.
 *
 * A transitive entry (v2, type GTF_transitive) lets its grantee copy to or from a grant the
 * granter itself received: trans_domid's entry trans_gref, which must be granted to the
 * granter.  A copy through it:
 *   - checks the transitive entry as any grant (grantee, GTF_readonly for a destination)
 *     and sets its status bits;
 *   - refuses an entry that points back into its own table (trans_domid is the granter:
 *     "self-referential") and one naming no domain - GNTST_general_error;
 *   - pins the grant it stands for, for the granter, with the same access: the end grant
 *     must allow it too (a read-only grant anywhere on the way makes the copy read-only),
 *     and it must be an ordinary grant - a transitive one there is refused (one level only,
 *     Xen's depth limit, which also ends every loop); its sub-page window is the copy's;
 *   - records the pin: a transitive pin is copy-only, so no map can join it (a map of a
 *     transitive entry is refused anyway: its type is not permit_access).
 * The granter's table lock is dropped while the other table is pinned (two domains may
 * follow each other's transitive grants at once); if the entry's pins changed meanwhile, or
 * what they stand for, everything is undone and the copy retried (-XEN_ERESTART, Xen's
 * ERESTART).  Every pin of the transitive entry holds one pin of the grant it stands for;
 * gnttab_unpin releases both.
 */
#include "grant-table.h"

int gnttab_pin_transitive(struct vcpu *curr, struct domain *rd, grant_ref_t ref, domid_t ld,
                          uint32_t inc, struct gnttab_pinned *p)
{
    struct grant_table *gt = &rd->grant_table;
    const uint32_t writable = GNTPIN_hstw_mask | GNTPIN_devw_mask;
    struct active_grant_entry *act = gnttab_active(rd, ref);
    uint32_t old_pin = act->pin;
    const union grant_entry_v2 *e;
    struct gnttab_pinned inner;
    unsigned int off, len;
    domid_t trans_domid;
    grant_ref_t trans_gref;
    struct domain *td;
    uint64_t frame;
    int rc = GNTST_okay;

    if (old_pin && !act->transitive) {
        /* Pinned as the ordinary grant it was a moment ago. */
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_PINNED_ELSEWHERE,
                       .index = (int)ref, .entry = old_pin);
        goto unlock;
    }
    if (!old_pin || ((inc & writable) && !(old_pin & writable))) {
        rc = gnttab_set_status(curr, rd, ref, ld, GTF_transitive, !(inc & writable), true,
                               &off, &len);
        if (rc != GNTST_okay)
            goto unlock;
    }
    e = (const union grant_entry_v2 *)gnttab_shared_header(rd, ref, &frame);
    trans_domid = __atomic_load_n(&e->transitive.trans_domid, __ATOMIC_ACQUIRE);
    trans_gref = __atomic_load_n(&e->transitive.gref, __ATOMIC_ACQUIRE);
    if (trans_domid == rd->domain_id) {
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_TRANSITIVE_SELF,
                       .index = (int)ref, .entry = trans_domid);
        goto clear;
    }
    td = pvmm_domain_lookup(vcpu_state(curr), trans_domid);
    if (!td) {
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_BAD_DOMID, .index = (int)ref,
                       .entry = trans_domid);
        goto clear;
    }

    spin_unlock(&gt->lock);
    rc = gnttab_pin(curr, td, trans_gref, rd->domain_id, inc, GNTTAB_USE_COPY_INNER, &inner);
    spin_lock(&gt->lock);
    if (rc != GNTST_okay)
        goto clear;
    if (gt->gt_version != 2 || act->pin != old_pin ||
        (old_pin && (act->domid != ld || act->mfn != inner.mfn || act->start != inner.off ||
                     act->length != inner.len || act->trans_domid != trans_domid ||
                     act->trans_gref != trans_gref))) {
        /* Changed while unlocked: undo and retry the whole copy. */
        gnttab_reduce_status(rd, ref, act);
        spin_unlock(&gt->lock);
        gnttab_unpin(td, trans_gref, inc);
        return -XEN_ERESTART;
    }
    if (!old_pin) {
        act->domid = ld;
        act->mfn = inner.mfn;
        act->start = (uint16_t)inner.off;
        act->length = (uint16_t)inner.len;
        act->is_sub_page = true;
        act->transitive = true;
        act->trans_domid = trans_domid;
        act->trans_gref = trans_gref;
    }
    act->pin += inc;
    p->mfn = act->mfn;
    p->owner = inner.owner;
    p->off = act->start;
    p->len = act->length;
    spin_unlock(&gt->lock);
    return GNTST_okay;

clear:
    gnttab_reduce_status(rd, ref, act);
unlock:
    spin_unlock(&gt->lock);
    return rc;
}
